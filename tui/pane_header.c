/* pane_header.c — the one line to glance at: today, the rate and where it
 * leads, the month and the budgets (bar, percentage, projection), what
 * the levers saved today and this month, the clock, live or stale. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/num.h"
#include "tui/draw.h"
#include "tui/pane_data.h"

/* Colour of a limit: warning from 80%, alert (reversed) from 100%. */
static enum draw_role
budget_role(const struct budget_status *b)
{
	switch (b->state) {
	case BUDGET_EXCEEDED: return ROLE_ALERT;
	case BUDGET_WARNING:  return ROLE_WARNING;
	default:              return ROLE_HEADER;
	}
}

int64_t
dash_saved_sum(const struct savings *s)
{
	return num_sat_add(num_sat_add(s->cache, s->batch), num_sat_add(s->routing, s->compression));
}

/*
 * The header is built as pieces with a priority (0 = always), then the
 * least important are dropped until the rest fit: a figure is never cut,
 * and the budget outlives the rate.
 */
#define PIECES_MAX 24

struct piece {
	char           text[96];
	enum draw_role role;
	int            prio;
	int            bar;          /* a bar of bar_w cells instead of text */
	int64_t        v, max;
};

struct pieces {
	struct piece p[PIECES_MAX];
	int          n;
};

static void
add(struct pieces *ps, int prio, enum draw_role role, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(struct pieces *ps, int prio, enum draw_role role, const char *fmt, ...)
{
	struct piece *p;
	va_list ap;

	if (ps->n >= PIECES_MAX)
		return;
	p = &ps->p[ps->n++];
	memset(p, 0, sizeof(*p));
	p->prio = prio;
	p->role = role;
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	va_end(ap);
}

static void
add_bar(struct pieces *ps, int prio, const struct budget_status *b, int cells)
{
	struct piece *p;

	if (ps->n >= PIECES_MAX)
		return;
	p = &ps->p[ps->n++];
	memset(p, 0, sizeof(*p));
	p->prio = prio;
	p->role = budget_role(b);
	p->bar = cells;
	p->v = b->spent_nanos;
	p->max = b->limit_nanos;
}

static int
piece_width(const struct piece *p)
{
	if (p->prio < 0)
		return 0;        /* dropped */
	return p->bar > 0 ? p->bar : view_width(p->text);
}

/* " 54%", " 85% !", " 112% OVER": the marker is there without colour too. */
static void
add_pct(struct pieces *ps, int prio, const struct budget_status *b)
{
	add(ps, prio, budget_role(b), " %lld%%%s", (long long)(b->permille / 10),
	    b->state == BUDGET_EXCEEDED ? " OVER" : b->state == BUDGET_WARNING ? " !" : "");
}

/* The untagged limits: the monthly one with its bar and projection (or the
 * daily one when there is no monthly), the other as a percentage; tagged
 * limits only when they need attention (the Cache pane lists them all). */
static void
add_budgets(const struct dash_data *d, struct pieces *ps, int narrow)
{
	const struct budget_status *main = NULL, *b;
	char a[32];
	size_t i;

	for (i = 0; i < d->nbudgets; i++)
		if (d->budgets[i].tag[0] == '\0' && (main == NULL ||
		    (main->period == BUDGET_DAILY && d->budgets[i].period == BUDGET_MONTHLY)))
			main = &d->budgets[i];
	if (main != NULL) {
		add(ps, 1, ROLE_HEADER, " / %s%s ", view_fmt_money(main->limit_nanos,
		    main->limit_nanos % 1000000000 == 0, a, sizeof(a)), main->period == BUDGET_DAILY ? " day" : "");
		add_bar(ps, 2, main, narrow ? 8 : 10);
		add_pct(ps, 1, main);
		add(ps, 3, budget_role(main), " %s%s", draw_utf8() ? "→" : "->",
		    view_fmt_money(main->projected_nanos, main->limit_nanos >= 100000000000LL, a,
		    sizeof(a)));
	}
	for (i = 0; i < d->nbudgets; i++) {
		b = &d->budgets[i];
		if (b == main || (b->tag[0] != '\0' && b->state == BUDGET_OK))
			continue;
		add(ps, b->state == BUDGET_OK ? 3 : 1, ROLE_HEADER, "  %s%s%s",
		    b->tag[0] ? b->tag : "", b->tag[0] ? " " : "",
		    b->period == BUDGET_DAILY ? "day" : "month");
		add_pct(ps, b->state == BUDGET_OK ? 3 : 1, b);
	}
}

int
pane_header_fit(const int *width, int *prio, size_t n, int avail)
{
	int level = 0, total;
	size_t i;

	for (i = 0; i < n; i++)
		if (prio[i] > level)
			level = prio[i];
	for (;; level--) {
		for (total = 0, i = 0; i < n; i++)
			if (prio[i] >= 0)
				total += width[i];
		if (total <= avail || level <= 0)
			return total;
		for (i = 0; i < n; i++)
			if (prio[i] == level)
				prio[i] = -1;
	}
}

void
pane_header_draw(const struct dash_data *d, int y, int w)
{
	struct pieces ps;
	char a[48], b[48], c[48], clock[48];
	int64_t today = d->today.totals.cost_nanos;
	int64_t left_ms = d->day1 - d->now_ms, proj;
	int x = 0, narrow = w < 120, cw, i, widths[PIECES_MAX], prios[PIECES_MAX];
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

	ps.n = 0;
	add(&ps, 0, ROLE_HEADER, " tokentop  today %s", view_fmt_money(today, 0, a, sizeof(a)));
	proj = num_sat_add(today, left_ms > 0 ? num_sat_muldiv(d->hour_nanos, left_ms, 3600000) : 0);
	add(&ps, 4, ROLE_HEADER, "  %s%s/h %s %s by midnight", draw_utf8() ? "▲" : "^",
	    view_fmt_money(d->hour_nanos, 0, b, sizeof(b)), draw_utf8() ? "→" : "->",
	    view_fmt_money(proj, 1, c, sizeof(c)));
	add(&ps, 0, ROLE_HEADER, "  month %s", view_fmt_money(d->month_nanos, 0, a, sizeof(a)));
	add_budgets(d, &ps, narrow);
	add(&ps, 2, ROLE_HEADER, "  saved today %s",
	    view_fmt_money(dash_saved_sum(&d->saved_today), 0, a, sizeof(a)));
	add(&ps, 3, ROLE_HEADER, " %s month %s", draw_utf8() ? "·" : "-",
	    view_fmt_money(dash_saved_sum(&d->saved_month), 0, a, sizeof(a)));
	if (d->org.synced)
		add(&ps, 2, ROLE_HEADER, "  org %s (unseen %s)",
		    view_fmt_money(d->org.today_org, 0, a, sizeof(a)),
		    view_fmt_money(d->org.today_org - d->org.today_ledger, 0, b, sizeof(b)));

	for (i = 0; i < ps.n; i++) {
		widths[i] = piece_width(&ps.p[i]);
		prios[i] = ps.p[i].prio;
	}
	pane_header_fit(widths, prios, (size_t)ps.n, w);
	for (i = 0; i < ps.n; i++)
		ps.p[i].prio = prios[i];
	for (i = 0; i < ps.n; i++) {
		if (ps.p[i].prio < 0 || x + piece_width(&ps.p[i]) > w)
			continue;
		if (ps.p[i].bar > 0) {
			draw_bar(y, x, ps.p[i].bar, ps.p[i].role, ps.p[i].v, ps.p[i].max);
			x += ps.p[i].bar;
		} else
			x += draw_text(y, x, w - x, ps.p[i].role, DRAW_RAW, ps.p[i].text);
	}
}
