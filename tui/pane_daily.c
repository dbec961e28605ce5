/* pane_daily.c — daily spend as bars, today first, as many days as fit;
 * the same days and amounts as `tokentop report daily`. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/console_settings.h"
#include "tui/draw.h"
#include "tui/pane_data.h"

/* The report row of the local day starting at ms, or NULL (no usage). */
static const struct report_row *
day_row(const struct report *r, int64_t ms, char *label, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char key[16];
	size_t i;

	localtime_r(&t, &tm);
	strftime(key, sizeof(key), "%Y-%m-%d", &tm);
	strftime(label, n, "%a %d", &tm);
	for (i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].key, key) == 0)
			return &r->rows[i];
	return NULL;
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

	return p->r.w - 2 - 1 - 7 - 1 - 10 - 2 - w >= 20 ? w : 0;
}

static void
draw_extras(int y, int x, const struct pane_ctx *p, const struct report_row *row)
{
	char b[48];
	int64_t reqs = row != NULL ? row->requests : 0;

	if (p->cols & DCOL_BIT(DCOL_DAILY_REQS)) {
		draw_text(y, x, 7, ROLE_NORMAL, DRAW_RIGHT | DRAW_NUM, view_fmt_count(reqs, b, sizeof(b)));
		x += 8;
	}
	if (p->cols & DCOL_BIT(DCOL_DAILY_OUTPUT)) {
		draw_text(y, x, 7, ROLE_NORMAL, DRAW_RIGHT | DRAW_NUM,
		    view_fmt_tokens(row != NULL ? row->tok.output : 0, b, sizeof(b)));
		x += 8;
	}
	if (p->cols & DCOL_BIT(DCOL_DAILY_PERREQ))
		draw_text(y, x, 9, ROLE_DIM, DRAW_RIGHT | DRAW_NUM,
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

void
pane_daily_draw(const struct dash_data *d, const struct pane_ctx *p)
{
	const struct view_rect *r = &p->r;
	const struct report_row *row;
	char title[64], label[32], money[32], tot[32], avg[32];
	int n = r->h - 3, i, y, bw, mw = 10, ew = extras_width(p);
	int64_t max = 0, sum = 0, v[DASH_DAYS];

	if (n > DASH_DAYS)
		n = DASH_DAYS;
	if (n < 1)
		n = 1;
	snprintf(title, sizeof(title), "Daily spend %s last %d days", draw_utf8() ? "·" : "-", n);
	draw_box(r->y, r->x, r->h, r->w, title, p->focused);
	for (i = 0; i < n; i++) {
		row = day_row(&d->days, view_day_start(d->now_ms, -i), label, sizeof(label));
		/* today from its own figures; the days before from the history */
		v[i] = i == 0 ? d->today.totals.cost_nanos : row != NULL ? row->cost_nanos : 0;
		if (v[i] > max)
			max = v[i];
		sum += v[i];
	}
	bw = r->w - 2 - 1 - 7 - 1 - mw - 2 - ew;
	if (ew > 0)
		draw_extra_heads(r->y, r->x + 10 + bw + 1, p);
	for (i = 0; i < n && i < r->h - 3; i++) {
		y = r->y + 1 + i;
		row = day_row(&d->days, view_day_start(d->now_ms, -i), label, sizeof(label));
		if (ew > 0)
			draw_extras(y, r->x + 10 + bw + 1, p, i == 0 ? &d->today.totals : row);
		draw_text(y, r->x + 2, 7, i == 0 ? ROLE_TITLE : ROLE_NORMAL, 0, label);
		draw_bar(y, r->x + 10, bw, ROLE_BAR, v[i], max);
		draw_text(y, r->x + 10 + bw + 1 + ew, mw, ROLE_MONEY, DRAW_RIGHT | DRAW_NUM,
		    view_fmt_money(v[i], 0, money, sizeof(money)));
	}
	snprintf(title, sizeof(title), "%d-day total %s %s avg %s/day", n,
	    view_fmt_money(sum, 0, tot, sizeof(tot)), draw_utf8() ? "·" : "-",
	    view_fmt_money(sum / n, 0, avg, sizeof(avg)));
	draw_text(r->y + r->h - 2, r->x + 2, r->w - 4, ROLE_DIM, DRAW_RAW, title);
}
