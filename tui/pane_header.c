/* pane_header.c — the one line to glance at: today, the rate and where it
 * leads, the month and budget, what caching and batching saved, the clock,
 * live or stale. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/draw.h"
#include "tui/pane_data.h"

/* Colour of a budget use: warning from 80%, alert from 100%. */
static enum draw_role
budget_role(int64_t spent, int64_t budget)
{
	if (budget <= 0)
		return ROLE_HEADER;
	if (spent >= budget)
		return ROLE_ALERT;
	if (spent * 10 >= budget * 8)
		return ROLE_WARNING;
	return ROLE_HEADER;
}

/* A piece of the header, whole or not at all (a figure is never cut);
 * returns the new x. */
static int
put(int y, int x, int w, enum draw_role role, const char *s)
{
	if (x + view_width(s) > w)
		return w + 1;    /* and nothing after it either */
	return x + draw_text(y, x, w - x, role, DRAW_RAW, s);
}

void
pane_header_draw(const struct dash_data *d, int y, int w)
{
	char a[48], b[48], c[48], buf[160], clock[48];
	int64_t today = d->today.totals.cost_nanos, month = d->month_nanos;
	int64_t left_ms = d->day1 - d->now_ms, proj, saved, spent, budget, pct;
	int x = 0, narrow = w < 120, bw, cw;
	time_t t = (time_t)(d->now_ms / 1000);
	struct tm tm;

	draw_fill(y, 0, w, ROLE_HEADER);
	/* the clock and live/stale first: they always show, at the right */
	localtime_r(&t, &tm);
	strftime(a, sizeof(a), "%H:%M:%S", &tm);
	snprintf(clock, sizeof(clock), "%s %s %s ", a, draw_utf8() ? (d->live ? "●" : "○") : "*",
	    d->live ? "live" : "stale");
	cw = view_width(clock);
	draw_text(y, w - cw, cw, d->live ? ROLE_HEADER : ROLE_WARNING, DRAW_RAW, clock);
	w -= cw + 1;
	x = put(y, x, w, ROLE_HEADER, " tokentop  today ");
	x = put(y, x, w, ROLE_HEADER, view_fmt_money(today, 0, a, sizeof(a)));
	if (!narrow) {
		proj = today + (left_ms > 0 ? d->hour_nanos * left_ms / 3600000 : 0);
		snprintf(buf, sizeof(buf), "  %s%s/h %s %s by midnight",
		    draw_utf8() ? "▲" : "^", view_fmt_money(d->hour_nanos, 0, b, sizeof(b)),
		    draw_utf8() ? "→" : "->", view_fmt_money(proj, 1, c, sizeof(c)));
		x = put(y, x, w, ROLE_HEADER, buf);
	}
	/* the budget: monthly when set, else daily */
	budget = d->monthly_budget > 0 ? d->monthly_budget : d->daily_budget;
	spent = d->monthly_budget > 0 ? month : today;
	snprintf(buf, sizeof(buf), "  month %s", view_fmt_money(month, 0, a, sizeof(a)));
	x = put(y, x, w, ROLE_HEADER, buf);
	if (budget > 0) {
		snprintf(buf, sizeof(buf), " / %s%s ", view_fmt_money(budget, 1, a, sizeof(a)),
		    d->monthly_budget > 0 ? "" : " day");
		x = put(y, x, w, ROLE_HEADER, buf);
		bw = narrow ? 8 : 10;
		if (x + bw + 6 <= w) {
			draw_bar(y, x, bw, budget_role(spent, budget), spent, budget);
			x += bw;
		}
		pct = spent * 100 / budget;
		snprintf(buf, sizeof(buf), " %lld%%", (long long)pct);
		x = put(y, x, w, budget_role(spent, budget), buf);
	}
	if (!narrow) {
		saved = d->today.totals.saved.cache + d->today.totals.saved.batch;
		snprintf(buf, sizeof(buf), "  saved today %s", view_fmt_money(saved, 0, a, sizeof(a)));
		put(y, x, w, ROLE_HEADER, buf);
	}
}
