/* view_layout.c — the dashboard's geometry (pure, no curses): see
 * view_layout.h. */
#include <string.h>

#include "tui/view_layout.h"

#define ALL_PANES ((1u << PANE_COUNT) - 1)

/* Tab's order: as the panes stand, the rate above the grid first. */
static const enum view_pane tab_order[PANE_COUNT] = {
	PANE_INTRADAY, PANE_DAILY, PANE_MODELS, PANE_CACHE, PANE_BATCHES,
};

int
view_pane_rank(enum view_pane p)
{
	int i;

	for (i = 0; i < PANE_COUNT; i++)
		if (tab_order[i] == p)
			return i;
	return 0;
}

enum view_pane
view_pane_step(enum view_pane from, int dir, unsigned hidden)
{
	int i, k = view_pane_rank(from);

	if ((hidden & ALL_PANES) == ALL_PANES)
		hidden = 0;
	for (i = 0; i < PANE_COUNT; i++) {
		k = (k + (dir < 0 ? PANE_COUNT - 1 : 1)) % PANE_COUNT;
		if (!(hidden & VIEW_PANE_BIT(tab_order[k])))
			return tab_order[k];
	}
	return from;
}

/* One row of the grid: two panes side by side, or the one shown alone. */
static void
grid_row(struct view_layout *out, int y, int h, enum view_pane a, enum view_pane b,
         unsigned hidden)
{
	/* a broad screen gives the right-hand tables (models, batches) the
	 * room for their extra columns */
	int left = out->broad ? out->w * 2 / 5 : out->w * 7 / 15;
	int sa = !(hidden & VIEW_PANE_BIT(a)), sb = !(hidden & VIEW_PANE_BIT(b));

	if (h <= 0)
		return;
	if (sa && sb) {
		out->pane[a] = (struct view_rect){ y, 0, h, left };
		out->pane[b] = (struct view_rect){ y, left, h, out->w - left };
	} else if (sa)
		out->pane[a] = (struct view_rect){ y, 0, h, out->w };
	else if (sb)
		out->pane[b] = (struct view_rect){ y, 0, h, out->w };
}

void
view_layout(int w, int h, enum view_pane focus, unsigned hidden, struct view_layout *out)
{
	int y, bh, ih, top, rows[2];

	memset(out, 0, sizeof(*out));
	out->w = w;
	out->h = h;
	hidden &= ALL_PANES;
	if (hidden == ALL_PANES)
		hidden = 0;
	if ((unsigned)focus >= PANE_COUNT || (hidden & VIEW_PANE_BIT(focus)))
		focus = view_pane_step((unsigned)focus >= PANE_COUNT ? PANE_DAILY : focus, 1, hidden);
	out->focus = focus;
	if (w < VIEW_MIN_W || h < VIEW_MIN_H) {
		out->mode = VIEW_TOO_SMALL;
		return;
	}
	out->broad = w >= VIEW_BROAD_W;
	out->header = (struct view_rect){ 0, 0, 1, w };
	out->keybar = (struct view_rect){ h - 1, 0, 1, w };
	out->body = (struct view_rect){ 1, 0, h - 2, w };
	if (!(w >= VIEW_WIDE_W && h >= VIEW_WIDE_H) && w < VIEW_BROAD_W) {
		out->mode = VIEW_TABBED;
		out->pane[focus] = out->body;
		return;
	}
	out->mode = VIEW_WIDE;
	y = 1;
	bh = out->body.h;
	rows[0] = (~hidden & (VIEW_PANE_BIT(PANE_DAILY) | VIEW_PANE_BIT(PANE_MODELS))) != 0;
	rows[1] = (~hidden & (VIEW_PANE_BIT(PANE_CACHE) | VIEW_PANE_BIT(PANE_BATCHES))) != 0;
	if (!(hidden & VIEW_PANE_BIT(PANE_INTRADAY))) {
		/* the rate first: a strip of one line, a chart on a tall screen,
		 * everything when it is the only pane */
		ih = !rows[0] && !rows[1] ? bh : h >= VIEW_TALL_H ? bh / 4 : 3;
		if (ih > 14 && (rows[0] || rows[1]))
			ih = 14;
		if (ih < 8 && h >= VIEW_TALL_H)
			ih = 8;
		out->pane[PANE_INTRADAY] = (struct view_rect){ y, 0, ih, w };
		y += ih;
		bh -= ih;
	}
	/* top row: the daily bars and the model table; bottom: cache and
	 * batches, which need about seven lines each */
	top = rows[0] && rows[1] ? bh - bh * 2 / 5 : rows[0] ? bh : 0;
	grid_row(out, y, top, PANE_DAILY, PANE_MODELS, hidden);
	grid_row(out, y + top, bh - top, PANE_CACHE, PANE_BATCHES, hidden);
}

int
view_pane_at(const struct view_layout *l, int y, int x)
{
	const struct view_rect *r;
	int p;

	for (p = 0; p < PANE_COUNT; p++) {
		r = &l->pane[p];
		if (r->h > 0 && y >= r->y && y < r->y + r->h && x >= r->x && x < r->x + r->w)
			return p;
	}
	return -1;
}

void
view_reports_split(int w, int h, struct view_rect *periods, struct view_rect *breakdown)
{
	int bh = h - 2, top = bh * 3 / 5;

	if (w >= VIEW_BROAD_W) {
		*periods = (struct view_rect){ 1, 0, bh, w / 2 };
		*breakdown = (struct view_rect){ 1, w / 2, bh, w - w / 2 };
		return;
	}
	*periods = (struct view_rect){ 1, 0, top, w };
	*breakdown = (struct view_rect){ 1 + top, 0, bh - top, w };
}

int
view_scroll_thumb(int top, int n, int vis, int track, int *thumb_y, int *thumb_h)
{
	int max = n - vis;

	if (max < 0)
		max = 0;
	if (top > max)
		top = max;
	if (top < 0)
		top = 0;
	if (track < 1)
		track = 1;
	if (max == 0 || vis <= 0) {
		*thumb_y = 0;
		*thumb_h = track;
		return top;
	}
	*thumb_h = (int)((long long)track * vis / n);
	if (*thumb_h < 1)
		*thumb_h = 1;
	if (*thumb_h >= track)
		*thumb_h = track - 1 > 0 ? track - 1 : 1;
	*thumb_y = (int)((long long)(track - *thumb_h) * top / max);
	return top;
}
