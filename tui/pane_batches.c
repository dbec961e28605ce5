/* pane_batches.c — every unfinished batch and the recent ended ones:
 * status, requests, elapsed against the 24 h window, outcome counts,
 * estimated and actual cost. */
#include <stdio.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/pane_data.h"

#define DAY_MS 86400000LL

int
pane_batches_visible(int h)
{
	return h - 3;
}

/* One batch line; shared with the Batches screen through the same layout. */
static void
draw_batch(int y, int x, int w, const struct batch_rec *b, int64_t now, enum draw_role base)
{
	char reqs[32], el[16], est[32], act[32], cnt[96];
	int idw = w >= 70 ? 16 : 13, bw = 12, cx;
	int ended = strcmp(b->status, "ended") == 0;
	int64_t end = ended ? b->ended_ms : now;
	enum draw_role money = base == ROLE_SELECTED ? base : ROLE_MONEY;

	draw_fill(y, x, w, base);
	draw_text(y, x, idw, base, DRAW_MID, b->id);
	cx = x + idw + 1;
	draw_text(y, cx, 11, base == ROLE_SELECTED ? base :
	    strcmp(b->status, "canceling") == 0 ? ROLE_WARNING : ended ? ROLE_DIM : ROLE_OK,
	    0, b->status);
	cx += 12;
	if (ended) {
		snprintf(cnt, sizeof(cnt), "%lld%s %lld%s", (long long)b->counts.succeeded,
		    draw_utf8() ? "✓" : "ok", (long long)(b->counts.errored + b->counts.expired +
		    b->counts.canceled), draw_utf8() ? "✗" : "x");
		draw_text(y, cx, 6 + bw + 1, b->counts.errored > 0 && base != ROLE_SELECTED ?
		    ROLE_WARNING : base, DRAW_RAW, cnt);
	} else {
		draw_text(y, cx, 6, base, DRAW_RIGHT | DRAW_NUM, view_fmt_count(b->requests, reqs,
		    sizeof(reqs)));
		draw_bar(y, cx + 7, bw, end - b->created_ms > DAY_MS * 8 / 10 ? ROLE_WARNING : ROLE_BAR,
		    end - b->created_ms, DAY_MS);
	}
	cx += 7 + bw + 1;
	draw_text(y, cx, 5, base, DRAW_RIGHT | DRAW_NUM,
	    view_fmt_elapsed(end - b->created_ms, el, sizeof(el)));
	cx += 6;
	if (cx + 8 > x + w)
		return;
	draw_text(y, cx, 8, money, DRAW_RIGHT | DRAW_NUM,
	    view_fmt_money(b->est_high_nanos, 0, est, sizeof(est)));
	cx += 9;
	if (cx + 8 > x + w)
		return;
	draw_text(y, cx, 8, money, DRAW_RIGHT | DRAW_NUM, b->ingested || b->actual_nanos > 0 ?
	    view_fmt_money(b->actual_nanos, 0, act, sizeof(act)) : (draw_utf8() ? "—" : "-"));
}

void
pane_batches_draw(const struct dash_data *d, const struct pane_ctx *p)
{
	const struct view_rect *r = &p->r;
	int i, y = r->y + 1, vis = pane_batches_visible(r->h), idw = r->w - 4 >= 70 ? 16 : 13;
	size_t k;

	draw_box(r->y, r->x, r->h, r->w, "Batches", p->focused);
	draw_fmt(y, r->x + 2, r->w - 4, ROLE_DIM, 0, "%-*s %-11s %6s %-12s %5s %8s %8s",
	    idw, "id", "status", "reqs", "elapsed/24h", "", "est.", "cost");
	if (d->nbatches == 0) {
		draw_text(y + 1, r->x + 2, r->w - 4, ROLE_DIM, DRAW_RAW,
		    "no batches yet (F3 then n to launch one)");
		return;
	}
	for (i = 0; i < vis && (size_t)(p->top + i) < d->nbatches; i++) {
		k = (size_t)(p->top + i);
		draw_batch(y + 1 + i, r->x + 2, r->w - 4, &d->batches[k], d->now_ms,
		    p->focused && (int)k == p->sel ? ROLE_SELECTED : ROLE_NORMAL);
	}
}
