/* pane_models.c — per-model requests, tokens, cache hit and cost for the
 * chosen period, sortable by any column; unpriced models say so. */
#include <stdio.h>
#include <string.h>

#include "tui/draw.h"
#include "tui/pane_data.h"

/* Column widths (numbers); the model name takes what is left. */
enum { W_REQS = 7, W_TOK = 7, W_HIT = 5, W_HITBAR = 7, W_COST = 10 };

const char *
dash_period_name(enum dash_period p)
{
	static const char *const names[PERIOD_COUNT] = { "today", "7 days", "30 days", "month" };

	return p < PERIOD_COUNT ? names[p] : "?";
}

int
pane_models_visible(int h)
{
	return h - 5;   /* borders, the head line, a gap and the total */
}

struct cols {
	int model, reqs, input, output, hit, bar, cost, end;
};

static void
columns(int x, int w, struct cols *c)
{
	int bar = w >= 70 ? W_HITBAR : 0;
	/* the numbers and the spaces before them; the name gets the rest */
	int fixed = W_REQS + 2 * W_TOK + W_HIT + W_COST + 4 + (bar ? bar + 1 : 0);

	c->model = x + 1;
	c->reqs = c->model + (w - 2 - fixed);
	c->input = c->reqs + W_REQS + 1;
	c->output = c->input + W_TOK + 1;
	c->hit = c->output + W_TOK + 1;
	c->bar = bar ? c->hit + W_HIT + 1 : 0;
	c->cost = c->hit + W_HIT + 1 + (bar ? bar + 1 : 0);
	c->end = c->cost + W_COST;
}

/* One row of figures; model rows and the total share it. */
static void
draw_row(int y, const struct cols *c, enum draw_role role, const char *name, int64_t reqs,
         int64_t in, int64_t out, int64_t hit, int has_hit, const char *cost)
{
	char b[48], nm[160];

	/* the vendor prefix goes first, then the end: never the middle */
	view_model_name(name, c->reqs - c->model - 1, draw_ellipsis(), nm, sizeof(nm));
	draw_text(y, c->model, c->reqs - c->model - 1, role, DRAW_FILL, nm);
	draw_text(y, c->reqs, W_REQS, role, DRAW_RIGHT | DRAW_NUM | DRAW_FILL,
	    view_fmt_count(reqs, b, sizeof(b)));
	draw_text(y, c->input, W_TOK, role, DRAW_RIGHT | DRAW_NUM | DRAW_FILL,
	    view_fmt_tokens(in, b, sizeof(b)));
	draw_text(y, c->output, W_TOK, role, DRAW_RIGHT | DRAW_NUM | DRAW_FILL,
	    view_fmt_tokens(out, b, sizeof(b)));
	draw_text(y, c->hit, W_HIT, role, DRAW_RIGHT | DRAW_NUM | DRAW_FILL,
	    has_hit ? view_fmt_pct(hit, b, sizeof(b)) : (draw_utf8() ? "—" : "-"));
	if (c->bar != 0 && has_hit)
		draw_bar(y, c->bar, W_HITBAR, role == ROLE_SELECTED ? role : ROLE_BAR, hit, 1000);
	else if (c->bar != 0)
		draw_fill(y, c->bar, W_HITBAR, role);
	draw_text(y, c->cost, W_COST, strcmp(cost, "unpriced") == 0 && role != ROLE_SELECTED ?
	    ROLE_WARNING : (role == ROLE_NORMAL ? ROLE_MONEY : role),
	    DRAW_RIGHT | DRAW_NUM | DRAW_FILL, cost);
}

/* An empty ledger: how to get data in, not only "no usage" (defect 19). */
static void
empty_ledger(int y, int x, int w, int end)
{
	static const char *const lines[] = {
		"The ledger is empty. To get usage in:",
		"  tokentop import    Claude Code transcripts (default),",
		"                     responses or batch results files",
		"  tokentop proxy     records every app's calls: point",
		"                     ANTHROPIC_BASE_URL at it",
		"  call, batch        what you send from here lands too",
		"  tokentop demo      the console on simulated traffic",
		NULL,
	};
	int i;

	for (i = 0; lines[i] != NULL && y + i < end; i++)
		draw_text(y + i, x, w, i == 0 ? ROLE_WARNING : ROLE_NORMAL, DRAW_RAW, lines[i]);
}

void
pane_models_draw(const struct dash_data *d, const struct pane_ctx *p, enum view_col sort,
                 int desc, const char *filter)
{
	static const enum view_col order[] = { VCOL_MODEL, VCOL_REQS, VCOL_INPUT, VCOL_OUTPUT,
		VCOL_HIT, VCOL_COST };
	const struct view_rect *r = &p->r;
	const struct view_model_row *m, *t;
	const struct report_row *p_tot = &d->period.totals;
	char title[160], cost[48], head[16];
	struct cols c;
	int i, y, vis = pane_models_visible(r->h), pos[VCOL_COUNT];
	size_t k;

	snprintf(title, sizeof(title), "Models %s %s%s%s", draw_utf8() ? "·" : "-",
	    dash_period_name(d->period_kind), filter[0] ? "  filter: " : "", filter);
	draw_box(r->y, r->x, r->h, r->w, title, p->focused);
	columns(r->x + 1, r->w - 2, &c);
	pos[VCOL_MODEL] = c.model;
	pos[VCOL_REQS] = c.reqs;
	pos[VCOL_INPUT] = c.input;
	pos[VCOL_OUTPUT] = c.output;
	pos[VCOL_HIT] = c.hit;
	pos[VCOL_COST] = c.cost;
	y = r->y + 1;
	for (i = 0; i < VCOL_COUNT; i++) {
		enum view_col col = order[i];
		int w = col == VCOL_MODEL ? c.reqs - c.model - 1 : col == VCOL_REQS ? W_REQS :
		    col == VCOL_HIT ? W_HIT + (c.bar ? W_HITBAR + 1 : 0) :
		    col == VCOL_COST ? W_COST : W_TOK;
		snprintf(head, sizeof(head), "%s%s", view_col_name(col),
		    col != sort ? "" : desc ? (draw_utf8() ? "▼" : "v") : (draw_utf8() ? "▲" : "^"));
		draw_text(y, pos[col], w, col == sort ? ROLE_TITLE : ROLE_DIM,
		    DRAW_RAW | (col == VCOL_MODEL || col == VCOL_HIT ? 0 : DRAW_RIGHT), head);
	}
	for (i = 0; i < vis && (size_t)(p->top + i) < d->nrows; i++) {
		k = (size_t)(p->top + i);
		m = &d->rows[k];
		view_fmt_cost(m->cost_nanos, m->requests, m->unpriced, cost, sizeof(cost));
		draw_row(y + 1 + i, &c, p->focused && (int)k == p->sel ? ROLE_SELECTED : ROLE_NORMAL,
		    m->model, m->requests, m->input, m->output, m->hit_permille,
		    m->requests > 0, cost);
	}
	if (d->empty)
		empty_ledger(y + 1, c.model, r->w - 4, r->y + r->h - 3);
	else if (d->nrows == 0)
		draw_text(y + 1, c.model, r->w - 4, ROLE_DIM, DRAW_RAW,
		    filter[0] ? "no model matches the filter" : "no usage in this period");
	/* the total of what is shown: with a filter, the filtered rows' */
	if (filter[0] != '\0' && !d->tag_filtered) {
		t = &d->rows_total;
		view_fmt_cost(t->cost_nanos, t->requests, t->unpriced, cost, sizeof(cost));
		draw_row(r->y + r->h - 2, &c, ROLE_TITLE, "total (filtered)", t->requests, t->input,
		    t->output, t->hit_permille, t->requests > 0, cost);
	} else {
		view_fmt_cost(p_tot->cost_nanos, p_tot->requests, p_tot->unpriced_requests, cost,
		    sizeof(cost));
		draw_row(r->y + r->h - 2, &c, ROLE_TITLE, "total", p_tot->requests,
		    p_tot->tok.input, p_tot->tok.output, report_hit_permille(&p_tot->tok),
		    p_tot->requests > 0, cost);
	}
	if (strstr(cost, PRICING_UNPRICED_MARK) != NULL && d->nrows < (size_t)vis)
		draw_text(r->y + r->h - 3, c.model, r->w - 4, ROLE_DIM, DRAW_RAW,
		    PRICING_UNPRICED_LEGEND);
}
