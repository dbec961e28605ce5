/* pane_daily.c — daily spend as bars, today first, as many days as fit;
 * the same days and amounts as `tokentop report daily`. A cursor picks the
 * day Enter opens; labels carry the month; amounts that leave out unpriced
 * requests carry the mark, explained on the total line. A wide screen adds
 * requests, output tokens and $/request between the bar and the money. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/console_settings.h"
#include "tui/draw.h"
#include "tui/pane_data.h"

enum { LABEL_W = 10, MONEY_W = 11 };   /* "Wed Dec 02", "$1,234.56*" */

int
pane_daily_visible(int h)
{
	return h - 3 > DASH_DAYS ? DASH_DAYS : h - 3;
}

/* The report row of the local day starting at ms, or NULL (no usage); its
 * label "Wed Dec 02" (the month: two 02s apart). */
static const struct report_row *
day_row(const struct report *r, int64_t ms, char *label, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char key[16];
	size_t i;

	localtime_r(&t, &tm);
	strftime(key, sizeof(key), "%Y-%m-%d", &tm);
	strftime(label, n, "%a %b %d", &tm);
	for (i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].key, key) == 0)
			return &r->rows[i];
	return NULL;
}

/* The day's figures: today from its own report, the days before from the
 * history; NULL for a day without usage. */
static const struct report_row *
day_figures(const struct dash_data *d, int i, char *label, size_t n)
{
	const struct report_row *row = day_row(&d->days, view_day_start(d->now_ms, -i), label, n);

	return i == 0 ? &d->today.totals : row;
}

/* A wide screen's columns of a day between its bar and its money:
 * requests, output tokens, cost per request. Returns their width (0 when
 * none is asked for or the bar would keep fewer than 20 cells). */
static int
extras_width(const struct pane_ctx *p)
{
	int w = ((p->cols & DCOL_BIT(DCOL_DAILY_REQS)) ? 8 : 0) +
	    ((p->cols & DCOL_BIT(DCOL_DAILY_OUTPUT)) ? 8 : 0) +
	    ((p->cols & DCOL_BIT(DCOL_DAILY_PERREQ)) ? 10 : 0);

	return p->r.w - 2 - 1 - LABEL_W - 1 - MONEY_W - 2 - w >= 20 ? w : 0;
}

static void
draw_extras(int y, int x, const struct pane_ctx *p, enum draw_role role,
            const struct report_row *row)
{
	char b[48];
	int64_t reqs = row != NULL ? row->requests : 0;

	if (p->cols & DCOL_BIT(DCOL_DAILY_REQS)) {
		draw_text(y, x, 7, role, DRAW_RIGHT | DRAW_NUM, view_fmt_count(reqs, b, sizeof(b)));
		x += 8;
	}
	if (p->cols & DCOL_BIT(DCOL_DAILY_OUTPUT)) {
		draw_text(y, x, 7, role, DRAW_RIGHT | DRAW_NUM,
		    view_fmt_tokens(row != NULL ? row->tok.output : 0, b, sizeof(b)));
		x += 8;
	}
	if (p->cols & DCOL_BIT(DCOL_DAILY_PERREQ))
		draw_text(y, x, 9, role == ROLE_SELECTED ? role : ROLE_DIM, DRAW_RIGHT | DRAW_NUM,
		    dash_fmt_per_request(row != NULL ? row->cost_nanos : 0, reqs, b, sizeof(b)));
}

/* The extra columns' headings, in the top border above them. */
static void
draw_extra_heads(int y, int x, const struct pane_ctx *p)
{
	static const struct { enum dash_column c; const char *name; int w; } h[] = {
		{ DCOL_DAILY_REQS, "reqs", 8 }, { DCOL_DAILY_OUTPUT, "output", 8 },
		{ DCOL_DAILY_PERREQ, "$/req", 10 },
	};
	size_t i;

	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (p->cols & DCOL_BIT(h[i].c)) {
			draw_text(y, x, h[i].w - 1, ROLE_DIM, DRAW_RAW | DRAW_RIGHT, h[i].name);
			x += h[i].w;
		}
}

/* "30-day total $512.30 · avg $17.08/day", and the mark's legend when a
 * day carries it: the legend outranks the average where room is short. */
static void
total_line(int y, int x, int w, int n, const char *tot, const char *avg, int marked)
{
	char f[4][200];
	const char *dot = draw_utf8() ? "·" : "-";
	int i;

	snprintf(f[0], sizeof(f[0]), "%d-day total %s %s avg %s/day   %s", n, tot, dot, avg,
	    marked ? PRICING_UNPRICED_LEGEND : "");
	snprintf(f[1], sizeof(f[1]), "%d-day total %s %s avg %s/day   %s", n, tot, dot, avg,
	    marked ? PRICING_UNPRICED_LEGEND_SHORT : "");
	snprintf(f[2], sizeof(f[2]), "%d-day total %s   %s", n, tot,
	    marked ? PRICING_UNPRICED_LEGEND_SHORT : "");
	snprintf(f[3], sizeof(f[3]), "%d-day total %s", n, tot);
	for (i = 0; i < 3 && view_width(f[i]) > w; i++)
		;
	draw_text(y, x, w, ROLE_DIM, DRAW_RAW, f[i]);
}

void
pane_daily_draw(const struct dash_data *d, const struct pane_ctx *p)
{
	const struct view_rect *r = &p->r;
	const struct report_row *row[DASH_DAYS];
	char title[160], label[32], money[48], tot[48], avg[48];
	int n = pane_daily_visible(r->h), i, y, bw, ew = extras_width(p), marked = 0;
	int64_t max = 0, sum = 0, v;
	enum draw_role role;

	if (n < 1)
		n = 1;
	snprintf(title, sizeof(title), "Daily spend %s last %d days", draw_utf8() ? "·" : "-", n);
	draw_box(r->y, r->x, r->h, r->w, title, p->focused);
	if (d->empty) {
		pane_empty_ledger(r->y + 1, r->x + 2, r->w - 4, r->y + r->h - 1);
		return;
	}
	for (i = 0; i < n; i++) {
		row[i] = day_figures(d, i, label, sizeof(label));
		v = row[i] != NULL ? row[i]->cost_nanos : 0;
		if (v > max)
			max = v;
		sum += v;
	}
	bw = r->w - 2 - 1 - LABEL_W - 1 - MONEY_W - 2 - ew;
	if (ew > 0)
		draw_extra_heads(r->y, r->x + 3 + LABEL_W + bw + 1, p);
	for (i = 0; i < n && i < r->h - 3; i++) {
		y = r->y + 1 + i;
		day_row(&d->days, view_day_start(d->now_ms, -i), label, sizeof(label));
		role = p->focused && i == p->sel ? ROLE_SELECTED : ROLE_NORMAL;
		if (role == ROLE_SELECTED)
			draw_fill(y, r->x + 1, r->w - 2, role);
		draw_text(y, r->x + 2, LABEL_W, role != ROLE_NORMAL ? role : i == 0 ? ROLE_TITLE :
		    ROLE_NORMAL, DRAW_RAW, label);
		v = row[i] != NULL ? row[i]->cost_nanos : 0;
		draw_bar(y, r->x + 3 + LABEL_W, bw, role == ROLE_SELECTED ? role : ROLE_BAR, v, max);
		if (ew > 0)
			draw_extras(y, r->x + 3 + LABEL_W + bw + 1, p, role, row[i]);
		if (row[i] != NULL)
			view_fmt_cost(v, row[i]->requests, row[i]->unpriced_requests, money,
			    sizeof(money));
		else
			view_fmt_money(0, 0, money, sizeof(money));
		marked |= row[i] != NULL && row[i]->unpriced_requests > 0;
		draw_text(y, r->x + 3 + LABEL_W + bw + 1 + ew, MONEY_W, role == ROLE_SELECTED ? role :
		    ROLE_MONEY, DRAW_RIGHT | DRAW_NUM, money);
	}
	view_fmt_money(sum, 0, tot, sizeof(tot));
	view_fmt_money(sum / n, 0, avg, sizeof(avg));
	total_line(r->y + r->h - 2, r->x + 2, r->w - 4, n, tot, avg, marked);
}
