/* pane_batches.c — every unfinished batch and the recent ended ones:
 * status, requests, elapsed against the 24 h window, outcome counts,
 * estimated and actual cost. */
#include <stdio.h>
#include <string.h>

#include "core/num.h"
#include "tui/console_settings.h"
#include "tui/draw.h"
#include "tui/pane_data.h"

#define DAY_MS 86400000LL

int
pane_batches_visible(int h)
{
	return h - 3;
}

/* Where each column starts for a text width w: the elapsed bar takes what
 * the fixed columns leave. */
struct bcols {
	int id, idw, status, tag, tagw, reqs, bar, bw, elapsed, est, cost, end;
};

static void
bcolumns(int x, int w, unsigned cols, struct bcols *c)
{
	c->idw = w >= 64 ? 16 : 12;
	/* the tag (a wide screen's column) when the bar keeps 10 cells */
	c->tagw = (cols & DCOL_BIT(DCOL_BATCHES_TAG)) && w >= 90 ? 12 : 0;
	c->id = x;
	c->status = c->id + c->idw + 1;
	c->tag = c->tagw ? c->status + 12 : 0;
	c->reqs = c->status + 12 + (c->tagw ? c->tagw + 1 : 0);
	c->bar = c->reqs + 6;
	c->bw = w - (c->idw + 1 + 12 + (c->tagw ? c->tagw + 1 : 0) + 6 + 1 + 6 + 9 + 8);
	if (c->bw < 0)
		c->bw = 0;
	c->elapsed = c->bar + c->bw + 1;
	c->est = c->elapsed + 6;
	c->cost = c->est + 9;
	c->end = c->cost + 8;
}

/* One batch line. */
static void
draw_batch(int y, const struct bcols *c, const struct batch_rec *b, int64_t now,
           enum draw_role base)
{
	char reqs[32], el[16], est[32], act[32], cnt[96];
	int ended = strcmp(b->status, "ended") == 0;
	int64_t end = ended ? b->ended_ms : now;
	enum draw_role money = base == ROLE_SELECTED ? base : ROLE_MONEY;

	draw_fill(y, c->id, c->end - c->id, base);
	draw_text(y, c->id, c->idw, base, DRAW_MID, b->id);
	draw_text(y, c->status, 11, base == ROLE_SELECTED ? base :
	    strcmp(b->status, "canceling") == 0 ? ROLE_WARNING : ended ? ROLE_DIM : ROLE_OK,
	    0, b->status);
	if (c->tagw)
		draw_text(y, c->tag, c->tagw, base == ROLE_SELECTED ? base : ROLE_DIM, DRAW_MID,
		    b->tag[0] ? b->tag : (draw_utf8() ? "—" : "-"));
	if (ended) {
		snprintf(cnt, sizeof(cnt), "%lld%s %lld%s", (long long)b->counts.succeeded,
		    draw_utf8() ? "✓" : "ok", (long long)num_sat_add(b->counts.errored,
		    num_sat_add(b->counts.expired, b->counts.canceled)), draw_utf8() ? "✗" : "x");
		draw_text(y, c->reqs, c->elapsed - c->reqs - 1, b->counts.errored > 0 &&
		    base != ROLE_SELECTED ? ROLE_WARNING : base, DRAW_RAW, cnt);
	} else {
		draw_text(y, c->reqs, 5, base, DRAW_RIGHT | DRAW_NUM,
		    view_fmt_count(b->requests, reqs, sizeof(reqs)));
		draw_bar(y, c->bar, c->bw, end - b->created_ms > DAY_MS * 8 / 10 ? ROLE_WARNING :
		    ROLE_BAR, end - b->created_ms, DAY_MS);
	}
	draw_text(y, c->elapsed, 5, base, DRAW_RIGHT | DRAW_NUM,
	    view_fmt_elapsed(end - b->created_ms, el, sizeof(el)));
	draw_text(y, c->est, 8, money, DRAW_RIGHT | DRAW_NUM,
	    view_fmt_money(b->est_high_nanos, 0, est, sizeof(est)));
	draw_text(y, c->cost, 8, money, DRAW_RIGHT | DRAW_NUM, b->ingested || b->actual_nanos > 0 ?
	    view_fmt_money(b->actual_nanos, 0, act, sizeof(act)) : (draw_utf8() ? "—" : "-"));
}

void
pane_batches_draw(const struct dash_data *d, const struct pane_ctx *p)
{
	const struct view_rect *r = &p->r;
	int i, y = r->y + 1, vis = pane_batches_visible(r->h);
	struct bcols c;
	size_t k;

	draw_box(r->y, r->x, r->h, r->w, "Batches", p->focused);
	bcolumns(r->x + 2, r->w - 4, p->cols, &c);
	draw_text(y, c.id, c.idw, ROLE_DIM, DRAW_RAW, "id");
	draw_text(y, c.status, 11, ROLE_DIM, DRAW_RAW, "status");
	if (c.tagw)
		draw_text(y, c.tag, c.tagw, ROLE_DIM, DRAW_RAW, "tag");
	draw_text(y, c.reqs, 5, ROLE_DIM, DRAW_RAW | DRAW_RIGHT, "reqs");
	draw_text(y, c.bar, c.bw + 6, ROLE_DIM, DRAW_RAW | DRAW_RIGHT, "elapsed/24h");
	draw_text(y, c.est, 8, ROLE_DIM, DRAW_RAW | DRAW_RIGHT, "est.");
	draw_text(y, c.cost, 8, ROLE_DIM, DRAW_RAW | DRAW_RIGHT, "cost");
	if (d->nbatches == 0) {
		draw_text(y + 1, r->x + 2, r->w - 4, ROLE_DIM, DRAW_RAW,
		    "no batches yet (F3 then n to launch one)");
		return;
	}
	for (i = 0; i < vis && (size_t)(p->top + i) < d->nbatches; i++) {
		k = (size_t)(p->top + i);
		draw_batch(y + 1 + i, &c, &d->batches[k], d->now_ms,
		    p->focused && (int)k == p->sel ? ROLE_SELECTED : ROLE_NORMAL);
	}
}
