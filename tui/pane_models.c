/* pane_models.c — per-model requests, tokens, cache hit and cost for the
 * chosen period, sortable by any column; unpriced models say so. */
#include <stdio.h>
#include <string.h>

#include "core/num.h"
#include "core/provider.h"
#include "core/text.h"
#include "tui/console_settings.h"
#include "tui/draw.h"
#include "tui/pane_data.h"

/* Column widths (numbers); the model name takes what is left. */
enum { W_REQS = 7, W_TOK = 7, W_HIT = 5, W_HITBAR = 7, W_COST = 10, W_PERREQ = 9,
	MODEL_MIN = 18 };

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

/* Where each column starts; 0 = not shown (hidden in Setup, or a wide
 * column on a narrower screen: cols has the DCOL_BIT()s to show). */
struct cols {
	int model, reqs, input, output, read, write, hit, bar, perreq, cost, end;
};

/* The next column at *x when `on`, else 0. */
static int
place(int on, int *x, int w)
{
	int at = on ? *x : 0;

	if (on)
		*x += w + 1;
	return at;
}

static void
columns(int x, int w, unsigned cols, struct cols *c)
{
	int in = cols & DCOL_BIT(DCOL_MODELS_INPUT), out = cols & DCOL_BIT(DCOL_MODELS_OUTPUT);
	int rd = cols & DCOL_BIT(DCOL_MODELS_READ), wr = cols & DCOL_BIT(DCOL_MODELS_WRITE);
	int hit = cols & DCOL_BIT(DCOL_MODELS_HIT), pr = cols & DCOL_BIT(DCOL_MODELS_PERREQ);
	int bar = hit && w >= 70 ? W_HITBAR : 0;
	int fixed, at;

	/* the numbers and the spaces before them; the name gets the rest, and
	 * keeps MODEL_MIN: the hit bar goes first, then the wide columns */
	for (;;) {
		fixed = W_REQS + W_COST + 1 + (in ? W_TOK + 1 : 0) + (out ? W_TOK + 1 : 0) +
		    (rd ? W_TOK + 1 : 0) + (wr ? W_TOK + 1 : 0) + (hit ? W_HIT + 1 : 0) +
		    (bar ? bar + 1 : 0) + (pr ? W_PERREQ + 1 : 0);
		if (w - 2 - fixed >= MODEL_MIN || !(bar || pr || wr || rd))
			break;
		if (bar)
			bar = 0;
		else if (pr)
			pr = 0;
		else if (wr)
			wr = 0;
		else
			rd = 0;
	}

	c->model = x + 1;
	at = c->model + (w - 2 - fixed);
	c->reqs = place(1, &at, W_REQS);
	c->input = place(in, &at, W_TOK);
	c->output = place(out, &at, W_TOK);
	c->read = place(rd, &at, W_TOK);
	c->write = place(wr, &at, W_TOK);
	c->hit = place(hit, &at, W_HIT);
	c->bar = place(bar, &at, W_HITBAR);
	c->perreq = place(pr, &at, W_PERREQ);
	c->cost = place(1, &at, W_COST);
	c->end = c->cost + W_COST;
}

/* A column's place and width (its heading's cells); 0 when not shown. */
static int
col_span(const struct cols *c, enum view_col col, int *w)
{
	switch (col) {
	case VCOL_MODEL:  *w = c->reqs - c->model - 1; return c->model;
	case VCOL_REQS:   *w = W_REQS; return c->reqs;
	case VCOL_INPUT:  *w = W_TOK; return c->input;
	case VCOL_OUTPUT: *w = W_TOK; return c->output;
	case VCOL_READ:   *w = W_TOK; return c->read;
	case VCOL_WRITE:  *w = W_TOK; return c->write;
	case VCOL_HIT:    *w = W_HIT + (c->bar ? W_HITBAR + 1 : 0); return c->hit;
	case VCOL_PERREQ: *w = W_PERREQ; return c->perreq;
	case VCOL_COST:   *w = W_COST; return c->cost;
	default:          *w = 0; return 0;
	}
}

/* The columns in the order they are drawn (sorting cycles in it). */
static const enum view_col order[] = { VCOL_MODEL, VCOL_REQS, VCOL_INPUT, VCOL_OUTPUT,
	VCOL_READ, VCOL_WRITE, VCOL_HIT, VCOL_PERREQ, VCOL_COST };

size_t
pane_models_columns(const struct view_rect *r, unsigned cols, enum view_col *out, size_t max)
{
	struct cols c;
	size_t i, n = 0;
	int w;

	columns(r->x + 1, r->w - 2, cols, &c);
	for (i = 0; i < sizeof(order) / sizeof(order[0]) && n < max; i++)
		if (col_span(&c, order[i], &w) != 0)
			out[n++] = order[i];
	return n;
}

int
pane_models_col_at(const struct view_rect *r, unsigned cols, int x)
{
	struct cols c;
	size_t i;
	int at, w;

	columns(r->x + 1, r->w - 2, cols, &c);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((at = col_span(&c, order[i], &w)) != 0 && x >= at && x < at + w)
			return (int)order[i];
	return -1;
}

char *
dash_fmt_per_request(int64_t nanos, int64_t reqs, char *buf, size_t n)
{
	if (reqs <= 0) {
		snprintf(buf, n, "%s", draw_utf8() ? "—" : "-");
		return buf;
	}
	return view_fmt_money(nanos / reqs, 0, buf, n);   /* the one money rule */
}

/* A token count in the column at `at`, when the column is shown. */
static void
tok_cell(int y, int at, enum draw_role role, int64_t v)
{
	char b[48];

	if (at != 0)
		draw_text(y, at, W_TOK, role, DRAW_RIGHT | DRAW_NUM | DRAW_FILL,
		    view_fmt_tokens(v, b, sizeof(b)));
}

/* The wide screen's columns of a row: cache read, written, $/request. */
static void
draw_extra(int y, const struct cols *c, enum draw_role role, int64_t read, int64_t write,
           int64_t cost, int64_t reqs, int priced)
{
	char b[48];

	tok_cell(y, c->read, role, read);
	tok_cell(y, c->write, role, write);
	if (c->perreq != 0)
		draw_text(y, c->perreq, W_PERREQ, role == ROLE_NORMAL ? ROLE_MONEY : role,
		    DRAW_RIGHT | DRAW_NUM | DRAW_FILL, priced ? dash_fmt_per_request(cost, reqs, b, sizeof(b)) :
		    (draw_utf8() ? "—" : "-"));
}

/* One row of figures; model rows and the total share it. mark: the
 * provider's one-letter mark before the name ("" for none, NULL for the
 * total, whose name takes the whole column). */
static void
draw_row(int y, const struct cols *c, enum draw_role role, const char *mark, const char *name,
         int64_t reqs, int64_t in, int64_t out, int64_t hit, int has_hit, const char *cost)
{
	char b[48], nm[160];
	int at = c->model, w = c->reqs - c->model - 1;

	if (mark != NULL) {            /* "A claude-…", "O gpt-…": whose model it is */
		draw_text(y, at, 2, role == ROLE_NORMAL ? ROLE_DIM : role, DRAW_RAW | DRAW_FILL, mark);
		at += 2;
		w -= 2;
	}
	/* the vendor prefix goes first, then the end: never the middle */
	view_model_name(name, w, draw_ellipsis(), nm, sizeof(nm));
	draw_text(y, at, w, role, DRAW_FILL, nm);
	draw_text(y, c->reqs, W_REQS, role, DRAW_RIGHT | DRAW_NUM | DRAW_FILL,
	    view_fmt_count(reqs, b, sizeof(b)));
	tok_cell(y, c->input, role, in);
	tok_cell(y, c->output, role, out);
	if (c->hit != 0)
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

void
pane_empty_ledger(int y, int x, int w, int end)
{
	static const char *const lines[] = {
		"The ledger is empty. To get usage in:",
		"  tokentop import    Claude Code transcripts (default),",
		"                     responses or batch results files",
		"  tokentop proxy     records every app's calls: point",
		"                     ANTHROPIC_BASE_URL / OPENAI_BASE_URL at it",
		"  call, batch        what you send from here lands too",
		"  tokentop demo      the console on simulated traffic",
		NULL,
	};
	int i;

	for (i = 0; lines[i] != NULL && y + i < end; i++)
		draw_text(y + i, x, w, i == 0 ? ROLE_WARNING : ROLE_NORMAL, DRAW_RAW, lines[i]);
}

/* The total line: of what is shown (with a filter, the filtered rows'), and
 * the unpriced mark's legend above it when the total carries the mark and a
 * line is free. */
static void
draw_total(const struct dash_data *d, const struct pane_ctx *p, const struct cols *c,
           const char *filter, int vis)
{
	const struct view_rect *r = &p->r;
	const struct report_row *pt = &d->period.totals;
	struct view_model_row t;
	char cost[48];
	int y = r->y + r->h - 2;

	if (filter[0] != '\0' && !d->tag_filtered)
		t = d->rows_total;
	else
		t = (struct view_model_row){
			.requests = pt->requests, .input = pt->tok.input, .output = pt->tok.output,
			.cache_read = pt->tok.cache_read, .cache_write = num_sat_add(pt->tok.write_5m, pt->tok.write_1h),
			.hit_permille = report_hit_permille(&pt->tok), .cost_nanos = pt->cost_nanos,
			.unpriced = pt->unpriced_requests,
		};
	view_fmt_cost(t.cost_nanos, t.requests, t.unpriced, cost, sizeof(cost));
	draw_row(y, c, ROLE_TITLE, NULL, filter[0] != '\0' && !d->tag_filtered ? "total (filtered)" :
	    "total", t.requests, t.input, t.output, t.hit_permille, t.requests > 0, cost);
	draw_extra(y, c, ROLE_TITLE, t.cache_read, t.cache_write, t.cost_nanos, t.requests,
	    t.unpriced < t.requests);
	if (strstr(cost, PRICING_UNPRICED_MARK) != NULL && d->nrows < (size_t)vis)
		draw_text(y - 1, c->model, r->w - 4, ROLE_DIM, DRAW_RAW, PRICING_UNPRICED_LEGEND);
}

void
pane_models_draw(const struct dash_data *d, const struct pane_ctx *p, enum view_col sort,
                 int desc, const char *filter)
{
	const struct view_rect *r = &p->r;
	const struct view_model_row *m;
	char title[160], cost[48], head[16], clean[1600], cut[128];
	struct cols c;
	int y, vis = pane_models_visible(r->h), at, w, i;
	size_t k;

	/* the filter may quote a host's name (outside text, up to 255 bytes):
	 * sanitised and cut, so the title leaves room for the tab line */
	text_sanitize(filter, clean, sizeof(clean), draw_utf8() ? 0 : TEXT_ASCII);
	view_truncate(clean, 28, VIEW_TRUNC_END, draw_ellipsis(), cut, sizeof(cut));
	snprintf(title, sizeof(title), "Models %s %s%s%s", draw_utf8() ? "·" : "-",
	    dash_period_name(d->period_kind), filter[0] ? "  filter: " : "", cut);
	draw_box(r->y, r->x, r->h, r->w, title, p->focused);
	columns(r->x + 1, r->w - 2, p->cols, &c);
	y = r->y + 1;
	for (i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++) {
		enum view_col col = order[i];
		if ((at = col_span(&c, col, &w)) == 0)
			continue;
		snprintf(head, sizeof(head), "%s%s", view_col_name(col),
		    col != sort ? "" : desc ? (draw_utf8() ? "▼" : "v") : (draw_utf8() ? "▲" : "^"));
		draw_text(y, at, w, col == sort ? ROLE_TITLE : ROLE_DIM,
		    DRAW_RAW | (col == VCOL_MODEL || col == VCOL_HIT ? 0 : DRAW_RIGHT), head);
	}
	for (i = 0; i < vis && (size_t)(p->top + i) < d->nrows; i++) {
		k = (size_t)(p->top + i);
		m = &d->rows[k];
		view_fmt_cost(m->cost_nanos, m->requests, m->unpriced, cost, sizeof(cost));
		draw_row(y + 1 + i, &c, p->focused && (int)k == p->sel ? ROLE_SELECTED : ROLE_NORMAL,
		    provider_at(m->provider) != NULL ? provider_at(m->provider)->mark : "",
		    m->model, m->requests, m->input, m->output, m->hit_permille,
		    m->requests > 0, cost);
		draw_extra(y + 1 + i, &c, p->focused && (int)k == p->sel ? ROLE_SELECTED :
		    ROLE_NORMAL, m->cache_read, m->cache_write, m->cost_nanos, m->requests,
		    m->unpriced < m->requests);
	}
	if (d->empty)
		pane_empty_ledger(y + 1, c.model, r->w - 4, r->y + r->h - 3);
	else if (d->nrows == 0)
		draw_text(y + 1, c.model, r->w - 4, ROLE_DIM, DRAW_RAW,
		    filter[0] ? "no model matches the filter" : "no usage in this period");
	draw_total(d, p, &c, filter, vis);
}
