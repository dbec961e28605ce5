/* pane_batches.c — every unfinished batch and the recent ended ones:
 * status, requests, progress, elapsed, cost. A running batch's progress is
 * its elapsed time against the 24 h window (the API counts results only at
 * the end), or its counts where they move; elapsed runs in seconds, so a
 * batch never looks frozen. Ended batches show succeeded, errored and
 * canceled/expired apart, aligned (issue 11, defects 8, 9, 15). A wide
 * screen adds the batch's tag. */
#include <stdio.h>
#include <string.h>

#include "core/batch_client.h"
#include "core/num.h"
#include "core/provider.h"
#include "tui/console_settings.h"
#include "tui/draw.h"
#include "tui/pane_data.h"

#define DAY_MS 86400000LL

int
pane_batches_visible(int h)
{
	return h - 3;
}

/* Where each column starts for a text width w: the progress takes what
 * the fixed columns leave. */
struct bcols {
	int id, idw, status, tag, tagw, reqs, prog, pw, elapsed, cost, end;
};

enum { W_STATUS = 11, W_TAG = 12, W_REQS = 6, W_EL = 7, W_COST = 9 };

/* The columns for optional columns cols (DCOL_BIT()s): the tag, a wide
 * screen's column, only while the progress keeps 20 cells. */
static void
bcolumns(int x, int w, unsigned cols, struct bcols *c)
{
	int fixed;

	c->idw = w >= 90 ? 22 : w >= 64 ? 16 : 12;
	fixed = c->idw + 1 + W_STATUS + 1 + W_REQS + 1 + W_EL + 1 + W_COST + 1;
	c->tagw = (cols & DCOL_BIT(DCOL_BATCHES_TAG)) && w >= 90 &&
	    w - fixed - (W_TAG + 1) >= 20 ? W_TAG : 0;
	c->id = x;
	c->status = c->id + c->idw + 1;
	c->tag = c->tagw ? c->status + W_STATUS + 1 : 0;
	c->reqs = c->status + W_STATUS + 1 + (c->tagw ? c->tagw + 1 : 0);
	c->prog = c->reqs + W_REQS + 1;
	c->pw = w - (c->prog - x) - (W_EL + 1 + W_COST + 1);
	if (c->pw < 0)
		c->pw = 0;
	c->elapsed = c->prog + c->pw + 1;
	c->cost = c->elapsed + W_EL + 1;
	c->end = c->cost + W_COST;
}

/* Digits wide enough for every ended batch's counts, so they align. */
struct widths {
	int ok, err, other;
};

static int
digits(int64_t v)
{
	char b[32];

	return view_width(view_fmt_count(v, b, sizeof(b)));
}

static void
count_widths(const struct dash_data *d, struct widths *w)
{
	const struct batch_counts *n;
	size_t i;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < d->nbatches; i++) {
		n = &d->batches[i].counts;
		if (digits(n->succeeded) > w->ok)
			w->ok = digits(n->succeeded);
		if (digits(n->errored) > w->err)
			w->err = digits(n->errored);
		if (pane_batch_other(n) > 0 && digits(pane_batch_other(n)) > w->other)
			w->other = digits(pane_batch_other(n));
	}
}

/* An ended batch's outcomes, aligned: "248 ok   2 err  1 cncl" (canceled
 * and expired are not errors), or "248✓ 2✗ 1⊘" where narrow. */
static void
outcomes(int y, const struct bcols *c, const struct batch_rec *b, const struct widths *w,
         enum draw_role base)
{
	char a[32], e[32], o[32], line[128];
	const struct batch_counts *n = &b->counts;
	int words = c->pw >= w->ok + w->err + (w->other ? w->other + 9 : 0) + 8, u = draw_utf8();

	view_fmt_count(n->succeeded, a, sizeof(a));
	view_fmt_count(n->errored, e, sizeof(e));
	view_fmt_count(pane_batch_other(n), o, sizeof(o));
	snprintf(line, sizeof(line), "%*s%s %*s%s", w->ok, a, words ? " ok" : u ? "✓" : "ok",
	    w->err, e, words ? " err" : u ? "✗" : "x");
	if (w->other > 0 && pane_batch_other(n) > 0)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " %*s%s", w->other, o,
		    !words ? (u ? "⊘" : "c") : n->canceled > 0 && n->expired > 0 ? " cncl/exp" :
		    n->canceled > 0 ? " cncl" : " exp");
	draw_text(y, c->prog, c->pw, n->errored > 0 && base != ROLE_SELECTED ? ROLE_WARNING : base,
	    DRAW_RAW, line);
}

/* A running batch's progress: the counts where they move (done of all),
 * else the time against the 24 h window; a bar and what it measures. */
static void
progress(int y, const struct bcols *c, const struct batch_rec *b, int64_t now,
         enum draw_role base)
{
	const struct batch_counts *n = &b->counts;
	int64_t done = pane_batch_done(n), el = num_sat_sub(now, b->created_ms);
	int bw = c->pw >= 18 ? c->pw - 10 : c->pw;
	char t[32];

	if (done > 0 && b->requests > 0) {
		draw_bar(y, c->prog, bw, base == ROLE_SELECTED ? base : ROLE_OK, done, b->requests);
		snprintf(t, sizeof(t), "%lld%% done", (long long)num_sat_muldiv(done, 100, b->requests));
	} else {
		draw_bar(y, c->prog, bw, base == ROLE_SELECTED ? base : el > DAY_MS * 8 / 10 ?
		    ROLE_WARNING : ROLE_BAR, el, DAY_MS);
		snprintf(t, sizeof(t), "%lld%% of 24h", (long long)(el < 0 ? 0 :
		    num_sat_muldiv(el, 100, DAY_MS)));
	}
	if (bw < c->pw)
		draw_text(y, c->prog + bw + 1, c->pw - bw - 1, base == ROLE_SELECTED ? base : ROLE_DIM,
		    DRAW_RAW, t);
}

/* One batch line. */
static void
draw_batch(int y, const struct bcols *c, const struct batch_rec *b, const struct widths *w,
           int64_t now, enum draw_role base)
{
	char reqs[32], el[40], money[48];
	int ended = pane_batch_ended(b);
	int64_t end = ended && b->ended_ms > 0 ? b->ended_ms : now;
	enum draw_role money_role = base == ROLE_SELECTED ? base : ROLE_MONEY;
	enum batch_state st = pane_batch_state_of(b);

	draw_fill(y, c->id, c->end - c->id, base);
	/* "A msgbatch_…", "O batch_…": whose batch it is */
	draw_text(y, c->id, 2, base == ROLE_SELECTED ? base : ROLE_DIM, DRAW_RAW,
	    pane_batch_provider(b)->mark);
	draw_text(y, c->id + 2, c->idw - 2, base, DRAW_MID, b->id);
	draw_text(y, c->status, W_STATUS, base == ROLE_SELECTED ? base :
	    st == BATCH_CANCELLING || st == BATCH_FAILED ? ROLE_WARNING : ended ? ROLE_DIM :
	    ROLE_OK, 0, batch_state_name(st));
	if (c->tagw)
		draw_text(y, c->tag, c->tagw, base == ROLE_SELECTED ? base : ROLE_DIM, DRAW_MID,
		    b->tag[0] ? b->tag : (draw_utf8() ? "—" : "-"));
	draw_text(y, c->reqs, W_REQS, base, DRAW_RIGHT | DRAW_NUM, b->requests < 100000 ?
	    view_fmt_count(b->requests, reqs, sizeof(reqs)) :
	    view_fmt_tokens(b->requests, reqs, sizeof(reqs)));
	if (ended)
		outcomes(y, c, b, w, base);
	else
		progress(y, c, b, now, base);
	draw_text(y, c->elapsed, W_EL, base, DRAW_RIGHT | DRAW_NUM,
	    view_fmt_elapsed(end - b->created_ms, el, sizeof(el)));
	if (b->ingested || b->actual_nanos > 0)
		draw_text(y, c->cost, W_COST, money_role, DRAW_RIGHT | DRAW_NUM,
		    view_fmt_money(b->actual_nanos, 0, money, sizeof(money)));
	else {                  /* not yet known: the estimate's top, marked as such */
		view_fmt_money(b->est_high_nanos, 0, el, sizeof(el));
		snprintf(money, sizeof(money), "%s%s", draw_utf8() ? "≤" : "<=", el);
		draw_text(y, c->cost, W_COST, base == ROLE_SELECTED ? base : ROLE_DIM,
		    DRAW_RIGHT | DRAW_NUM, money);
	}
}

int64_t
pane_batch_other(const struct batch_counts *n)
{
	return num_sat_add(n->canceled, n->expired);
}

int64_t
pane_batch_done(const struct batch_counts *n)
{
	return num_sat_add(num_sat_add(n->succeeded, n->errored), pane_batch_other(n));
}

int
pane_batches_unfollowed(const struct batch_rec *b, size_t n, int followed)
{
	size_t i;

	if (followed)
		return 0;
	for (i = 0; i < n; i++)
		if (!pane_batch_ended(&b[i]))
			return 1;
	return 0;
}

const struct provider *
pane_batch_provider(const struct batch_rec *b)
{
	const struct provider *pv = provider_by_name(b->provider);

	return pv != NULL ? pv : &provider_anthropic;
}

enum batch_state
pane_batch_state_of(const struct batch_rec *b)
{
	return batch_client_of(pane_batch_provider(b))->state(b->status, b->cancel_ms,
	    b->counts.canceled, b->counts.expired);
}

const char *
pane_batch_state(const struct batch_rec *b)
{
	return batch_state_name(pane_batch_state_of(b));
}

int
pane_batch_ended(const struct batch_rec *b)
{
	return batch_state_final(pane_batch_state_of(b));
}

static int
unfollowed(const struct dash_data *d)
{
	return pane_batches_unfollowed(d->batches, d->nbatches, d->followed);
}

void
pane_batches_draw(const struct dash_data *d, const struct pane_ctx *p)
{
	const struct view_rect *r = &p->r;
	int i, y = r->y + 1, vis = pane_batches_visible(r->h);
	struct bcols c;
	struct widths w;
	size_t k;

	draw_box(r->y, r->x, r->h, r->w, unfollowed(d) ? "Batches (not followed: no API key)" :
	    "Batches", p->focused);
	bcolumns(r->x + 2, r->w - 4, p->cols, &c);
	count_widths(d, &w);
	draw_text(y, c.id, c.idw, ROLE_DIM, DRAW_RAW, "id");
	draw_text(y, c.status, W_STATUS, ROLE_DIM, DRAW_RAW, "status");
	if (c.tagw)
		draw_text(y, c.tag, c.tagw, ROLE_DIM, DRAW_RAW, "tag");
	draw_text(y, c.reqs, W_REQS, ROLE_DIM, DRAW_RAW | DRAW_RIGHT, "reqs");
	draw_text(y, c.prog, c.pw, ROLE_DIM, DRAW_RAW, c.pw >= 20 ? "progress / outcome" :
	    "progress");
	draw_text(y, c.elapsed, W_EL, ROLE_DIM, DRAW_RAW | DRAW_RIGHT, "elapsed");
	draw_text(y, c.cost, W_COST, ROLE_DIM, DRAW_RAW | DRAW_RIGHT, "cost");
	if (d->nbatches == 0) {
		draw_text(y + 1, r->x + 2, r->w - 4, ROLE_DIM, DRAW_RAW,
		    "no batches yet (F3 then n to launch one)");
		return;
	}
	if (unfollowed(d) && vis > 1)
		draw_text(r->y + r->h - 2, r->x + 2, r->w - 4, ROLE_WARNING, DRAW_RAW,
		    "set ANTHROPIC_API_KEY to follow, cancel and submit batches");
	for (i = 0; i < vis - unfollowed(d) && (size_t)(p->top + i) < d->nbatches; i++) {
		k = (size_t)(p->top + i);
		draw_batch(y + 1 + i, &c, &d->batches[k], &w, d->now_ms,
		    p->focused && (int)k == p->sel ? ROLE_SELECTED : ROLE_NORMAL);
	}
}
