/* pane_daily.c — daily spend as bars, today first, as many days as fit;
 * the same days and amounts as `tokentop report daily`. A cursor picks the
 * day Enter opens; labels carry the month; amounts that leave out unpriced
 * requests carry the mark, explained on the total line. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/draw.h"
#include "tui/pane_data.h"

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
 * history. */
static void
day_figures(const struct dash_data *d, int i, char *label, size_t n, int64_t *cost,
            int64_t *reqs, int64_t *unpriced)
{
	const struct report_row *row = day_row(&d->days, view_day_start(d->now_ms, -i), label, n);

	if (i == 0)
		row = &d->today.totals;
	*cost = row != NULL ? row->cost_nanos : 0;
	*reqs = row != NULL ? row->requests : 0;
	*unpriced = row != NULL ? row->unpriced_requests : 0;
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
	char title[160], label[32], money[48], tot[48], avg[48];
	int n = pane_daily_visible(r->h), i, y, bw, mw = 11, lw = 10, marked = 0;
	int64_t max = 0, sum = 0, v[DASH_DAYS], q[DASH_DAYS], u[DASH_DAYS];
	enum draw_role role;

	if (n < 1)
		n = 1;
	snprintf(title, sizeof(title), "Daily spend %s last %d days", draw_utf8() ? "·" : "-", n);
	draw_box(r->y, r->x, r->h, r->w, title, p->focused);
	for (i = 0; i < n; i++) {
		day_figures(d, i, label, sizeof(label), &v[i], &q[i], &u[i]);
		if (v[i] > max)
			max = v[i];
		sum += v[i];
	}
	bw = r->w - 2 - 1 - lw - 1 - mw - 2;
	for (i = 0; i < n && i < r->h - 3; i++) {
		y = r->y + 1 + i;
		day_row(&d->days, view_day_start(d->now_ms, -i), label, sizeof(label));
		role = p->focused && i == p->sel ? ROLE_SELECTED : ROLE_NORMAL;
		if (role == ROLE_SELECTED)
			draw_fill(y, r->x + 1, r->w - 2, role);
		draw_text(y, r->x + 2, lw, role != ROLE_NORMAL ? role : i == 0 ? ROLE_TITLE : ROLE_NORMAL,
		    DRAW_RAW, label);
		draw_bar(y, r->x + 3 + lw, bw, role == ROLE_SELECTED ? role : ROLE_BAR, v[i], max);
		view_fmt_cost(v[i], q[i], u[i], money, sizeof(money));
		marked |= u[i] > 0;
		draw_text(y, r->x + 3 + lw + bw + 1, mw, role == ROLE_SELECTED ? role : ROLE_MONEY,
		    DRAW_RIGHT | DRAW_NUM, money);
	}
	view_fmt_money(sum, 0, tot, sizeof(tot));
	view_fmt_money(sum / n, 0, avg, sizeof(avg));
	total_line(r->y + r->h - 2, r->x + 2, r->w - 4, n, tot, avg, marked);
}
