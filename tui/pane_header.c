/* pane_header.c — the one line to glance at: the alarm of any budget at 80%
 * or over, today, the rate and where it leads against the daily budget, the
 * month and its budget, then what the levers saved, the organisation, the
 * clock and live/stale. Pieces have a priority and shorter forms, so at any
 * width from 80 columns the alarm and today are there, then the rate and
 * projection, then the month (issue 11, defects 1, 3, 4). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/num.h"
#include "core/text.h"
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

/* ---- fitting ------------------------------------------------------------ */

/* What is left of avail goes back to the most important pieces first: a
 * longer form, or a dropped piece in its shortest form. */
static int
regrow(struct header_fit *f, size_t n, int avail, int total, int max)
{
	int lvl, next, delta;
	size_t i;

	for (lvl = 0; lvl <= max; lvl++)
		for (i = 0; i < n; i++)
			while (f[i].prio == lvl) {
				next = f[i].var < 0 ? f[i].nvar - 1 : f[i].var - 1;
				if (next < 0)
					break;
				delta = f[i].width[next] - (f[i].var < 0 ? 0 : f[i].width[f[i].var]);
				if (total + delta > avail)
					break;
				total += delta;
				f[i].var = next;
			}
	return total;
}

int
pane_header_fit(struct header_fit *f, size_t n, int avail)
{
	int total = 0, lvl, max = 0, pass;
	size_t i, k;

	for (i = 0; i < n; i++) {
		f[i].var = 0;
		total += f[i].width[0];
		if (f[i].prio > max)
			max = f[i].prio;
	}
	/* 1. the extras (priority 3 on) go, least important and rightmost
	 * first; 2. the rest take their shorter forms, least important
	 * first; 3. then they go too, all but priority 0; what is left over
	 * goes back to the most important */
	for (pass = 1; pass <= 3; pass++)
		for (lvl = max; lvl >= (pass == 1 ? 3 : pass == 2 ? 0 : 1); lvl--)
			for (k = n; k-- > 0;) {
				if (total <= avail)
					return regrow(f, n, avail, total, max);
				if (f[k].prio != lvl || f[k].var < 0)
					continue;
				if (pass == 2) {
					while (f[k].var + 1 < f[k].nvar && total > avail) {
						total -= f[k].width[f[k].var] - f[k].width[f[k].var + 1];
						f[k].var++;
					}
				} else {
					total -= f[k].width[f[k].var];
					f[k].var = -1;
				}
			}
	return total;
}

/* ---- pieces ------------------------------------------------------------- */

#define PIECES_MAX 16
#define VARS       3

struct piece {
	char           text[VARS][128];
	int            nvar;
	int            prio;
	enum draw_role role;
	int            bar;          /* a space and a bar of `bar` cells instead of text */
	int64_t        v, max;
};

struct pieces {
	struct piece p[PIECES_MAX];
	int          n;
};

static struct piece *
new_piece(struct pieces *ps, int prio, enum draw_role role)
{
	struct piece *p;

	if (ps->n >= PIECES_MAX)
		return NULL;
	p = &ps->p[ps->n++];
	memset(p, 0, sizeof(*p));
	p->prio = prio;
	p->role = role;
	return p;
}

/* Add the next (shorter) form of p. */
static void
form(struct piece *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
form(struct piece *p, const char *fmt, ...)
{
	va_list ap;

	if (p == NULL || p->nvar >= VARS)
		return;
	va_start(ap, fmt);
	vsnprintf(p->text[p->nvar++], sizeof(p->text[0]), fmt, ap);
	va_end(ap);
}

static void
add_bar(struct pieces *ps, int prio, const struct budget_status *b, int cells)
{
	struct piece *p = new_piece(ps, prio, budget_role(b));

	if (p == NULL)
		return;
	p->bar = cells;
	p->nvar = 1;
	p->v = b->spent_nanos;
	p->max = b->limit_nanos;
}

static int
piece_width(const struct piece *p, int var)
{
	return p->bar > 0 ? p->bar + 1 : view_width(p->text[var]);
}

static const char *
arrow(void)
{
	return draw_utf8() ? "→" : "->";
}

/* The untagged daily and monthly limits (NULL when none). */
static const struct budget_status *
main_limit(const struct dash_data *d, enum budget_period p)
{
	size_t i;

	for (i = 0; i < d->nbudgets; i++)
		if (d->budgets[i].tag[0] == '\0' && d->budgets[i].period == p)
			return &d->budgets[i];
	return NULL;
}

/* " 54%", " 85% !", " 112% OVER": the marker is there without colour too.
 * At 80% or over it is the alarm: priority 0, never dropped. */
static void
add_pct(struct pieces *ps, int prio, const struct budget_status *b)
{
	const char *mark = b->state == BUDGET_EXCEEDED ? " OVER" : b->state == BUDGET_WARNING ?
	    " !" : "";

	form(new_piece(ps, b->state != BUDGET_OK ? 0 : prio, budget_role(b)), " %lld%%%s",
	    (long long)(b->permille / 10), mark);
}

/* "$1,500" for whole-dollar limits, else "$0.50". */
static char *
limit_money(const struct budget_status *b, char *buf, size_t n)
{
	return view_fmt_money(b->limit_nanos, b->limit_nanos % 1000000000 == 0, buf, n);
}

/* "  today $41.27 / $50 ▕███▏ 82% !": a spend, and its budget when one is
 * set (the limit and the percentage outrank the bar). */
static void
add_spend(struct pieces *ps, const char *label, int prio, int64_t nanos,
          const struct budget_status *b, int bar)
{
	struct piece *p;
	char a[48];

	form(new_piece(ps, prio, ROLE_HEADER), "  %s %s", label,
	    view_fmt_money(nanos, 0, a, sizeof(a)));
	if (b == NULL)
		return;
	p = new_piece(ps, 2, ROLE_HEADER);
	form(p, " / %s", limit_money(b, a, sizeof(a)));
	form(p, "/%s", a);
	add_bar(ps, 4, b, bar);
	add_pct(ps, 2, b);
}

/* The rate of the last hour and where it leads by midnight, against the
 * daily budget: "▲$3.10/h last hour → $74 by midnight, over the $50
 * budget at 19:40", shorter as room runs out. */
static void
add_rate(const struct dash_data *d, struct pieces *ps, const struct budget_status *day)
{
	struct piece *p = new_piece(ps, 1, day != NULL && day->cross_ms > 0 ? ROLE_WARNING :
	    ROLE_HEADER);
	char r[48], pr[48], lim[48], at[16];
	int64_t proj = budget_project(d->today.totals.cost_nanos, d->hour_nanos, d->now_ms, d->day1);
	const char *up = draw_utf8() ? "▲" : "^";
	time_t t;
	struct tm tm;

	view_fmt_money(d->hour_nanos, 0, r, sizeof(r));
	view_fmt_money(proj, proj >= 100000000000LL, pr, sizeof(pr));
	if (d->hour_imported > 0)   /* a backlog stamped now: in today, not in the rate */
		form(new_piece(ps, 3, ROLE_HEADER), " (+%s imported, no rate)",
		    view_fmt_money(d->hour_imported, 0, lim, sizeof(lim)));
	if (day == NULL || day->state == BUDGET_EXCEEDED) {
		form(p, "  %s%s/h last hour %s %s by midnight", up, r, arrow(), pr);
		form(p, "  %s%s/h %s %s", up, r, arrow(), pr);
		return;
	}
	limit_money(day, lim, sizeof(lim));
	if (day->cross_ms > 0) {
		t = (time_t)(day->cross_ms / 1000);
		localtime_r(&t, &tm);
		strftime(at, sizeof(at), "%H:%M", &tm);
		form(p, "  %s%s/h last hour %s %s by midnight, over the %s budget at %s", up, r,
		    arrow(), pr, lim, at);
		form(p, "  %s%s/h %s %s, over %s at %s", up, r, arrow(), pr, lim, at);
		form(p, "  %s%s, over at %s", arrow(), pr, at);
		return;
	}
	form(p, "  %s%s/h last hour %s %s by midnight, under the %s budget", up, r, arrow(), pr,
	    lim);
	form(p, "  %s%s/h %s %s of %s", up, r, arrow(), pr, lim);
	form(p, "  %s%s/h %s %s", up, r, arrow(), pr);
}

/* "  month $812.40 / $1,500 ▕██▌ ▏ 54% → $1,400 by month end" */
static void
add_month(const struct dash_data *d, struct pieces *ps, const struct budget_status *mon)
{
	char a[48];

	add_spend(ps, "month", 2, d->month_nanos, mon, 10);
	if (mon == NULL)
		return;
	view_fmt_money(mon->projected_nanos, mon->limit_nanos >= 100000000000LL, a, sizeof(a));
	form(new_piece(ps, 5, budget_role(mon)), " %s %s by month end", arrow(), a);
}

/* Tagged limits only when they need attention (the Cache pane lists them
 * all): the alarm, named, or counted when several are. */
static void
add_tagged(const struct dash_data *d, struct pieces *ps)
{
	const struct budget_status *b, *one = NULL;
	int n = 0, over = 0;
	size_t i;
	struct piece *p;

	for (i = 0; i < d->nbudgets; i++) {
		b = &d->budgets[i];
		if (b->tag[0] == '\0' || b->state == BUDGET_OK)
			continue;
		n++;
		over += b->state == BUDGET_EXCEEDED;
		if (one == NULL || b->state > one->state)
			one = b;
	}
	if (one == NULL)
		return;
	p = new_piece(ps, 0, over ? ROLE_ALERT : ROLE_WARNING);
	if (n == 1)
		form(p, "  %s %s %lld%%%s", one->tag, one->period == BUDGET_DAILY ? "day" : "month",
		    (long long)(one->permille / 10), over ? " OVER" : " !");
	form(p, "  %d tag budget%s %s", n, n == 1 ? "" : "s", over ? "OVER" : "!");
}

static void
add_rest(const struct dash_data *d, struct pieces *ps)
{
	struct piece *p;
	char a[48], b[48];

	/* spend the ledger did not see: spend, as the month is (not against
	 * one host's share of the ledger) */
	if (d->org.synced && d->host[0] == '\0') {
		p = new_piece(ps, 2, ROLE_HEADER);
		form(p, "  org %s (unseen %s)", view_fmt_money(d->org.today_org, 0, a, sizeof(a)),
		    view_fmt_money(d->org.today_org - d->org.today_ledger, 0, b, sizeof(b)));
		form(p, "  unseen %s", b);
	}
	form(new_piece(ps, 4, ROLE_HEADER), "  saved today %s",
	    view_fmt_money(dash_saved_sum(&d->saved_today), 0, a, sizeof(a)));
	form(new_piece(ps, 5, ROLE_HEADER), " %s month %s", draw_utf8() ? "·" : "-",
	    view_fmt_money(dash_saved_sum(&d->saved_month), 0, a, sizeof(a)));
}

/* The clock and live/stale, at the right; the clock only when wide.
 * Returns the columns used. */
static int
draw_clock(const struct dash_data *d, int y, int w)
{
	char a[16], clock[48];
	time_t t = (time_t)(d->now_ms / 1000);
	struct tm tm;
	int cw;

	localtime_r(&t, &tm);
	strftime(a, sizeof(a), "%H:%M:%S ", &tm);
	snprintf(clock, sizeof(clock), "%s%s %s ", w >= 120 ? a : "",
	    draw_utf8() ? (d->live ? "●" : "○") : "*", d->live ? "live" : "stale");
	cw = view_width(clock);
	draw_text(y, w - cw, cw, d->live ? ROLE_HEADER : ROLE_WARNING, DRAW_RAW, clock);
	return cw;
}

/* "  host web-01": a host filter is on, every figure is that host's (the
 * name sanitised and cut: outside text). Never dropped. */
static void
add_host(const struct dash_data *d, struct pieces *ps)
{
	char clean[3 * USAGE_HOST_MAX], cut[96];

	if (d->host[0] == '\0')
		return;
	text_sanitize(d->host, clean, sizeof(clean), draw_utf8() ? 0 : TEXT_ASCII);
	view_truncate(clean, 24, VIEW_TRUNC_END, draw_ellipsis(), cut, sizeof(cut));
	form(new_piece(ps, 0, ROLE_WARNING), "  host %s", cut);
}

void
pane_header_draw(const struct dash_data *d, int y, int w)
{
	/* the budgets are the fleet's: never against one host's spend */
	const struct budget_status *day = d->host[0] ? NULL : main_limit(d, BUDGET_DAILY);
	const struct budget_status *mon = d->host[0] ? NULL : main_limit(d, BUDGET_MONTHLY);
	struct pieces ps;
	struct header_fit fit[PIECES_MAX];
	struct piece *p;
	int x = 0, i, v;

	draw_fill(y, 0, w, ROLE_HEADER);
	w -= draw_clock(d, y, w) + 1;
	ps.n = 0;
	form(new_piece(&ps, 3, ROLE_HEADER), " tokentop");
	add_host(d, &ps);
	add_spend(&ps, "today", 0, d->today.totals.cost_nanos, day, 6);
	add_rate(d, &ps, day);
	add_month(d, &ps, mon);
	add_tagged(d, &ps);
	add_rest(d, &ps);
	for (i = 0; i < ps.n; i++) {
		fit[i].nvar = ps.p[i].nvar;
		fit[i].prio = ps.p[i].prio;
		for (v = 0; v < ps.p[i].nvar; v++)
			fit[i].width[v] = piece_width(&ps.p[i], v);
	}
	pane_header_fit(fit, (size_t)ps.n, w);
	for (i = 0; i < ps.n; i++) {
		p = &ps.p[i];
		if (fit[i].var < 0 || x + piece_width(p, fit[i].var) > w)
			continue;
		if (p->bar > 0) {
			draw_bar(y, x + 1, p->bar, p->role, p->v, p->max);
			x += p->bar + 1;
		} else
			x += draw_text(y, x, w - x, p->role, DRAW_RAW, p->text[fit[i].var]);
	}
}

/* ---- the crossing line ------------------------------------------------- */

/* The widest of forms[0..n) that fits cols (the last one else) into buf. */
static void
widest_fit(char forms[][200], int n, int cols, char *buf, size_t len)
{
	int i;

	for (i = 0; i < n - 1 && view_width(forms[i]) > cols; i++)
		;
	snprintf(buf, len, "%s", forms[i]);
}

enum draw_role
dash_cross_line(const struct budget_status *b, int cols, char *buf, size_t n)
{
	char f[4][200], lim[48], pr[48], r[48], at[32], name[128];
	const char *model = budget_model_name(b->period);     /* "at …": "At …" */
	int day = b->period == BUDGET_DAILY;
	time_t t = (time_t)(b->cross_ms / 1000);
	struct tm tm;

	view_fmt_money(b->limit_nanos, 0, lim, sizeof(lim));
	view_fmt_money(b->projected_nanos, 0, pr, sizeof(pr));
	view_fmt_money(b->rate_nanos, 0, r, sizeof(r));
	snprintf(name, sizeof(name), "%s%s%s budget", b->tag, b->tag[0] ? " " : "",
	    budget_period_name(b->period));
	if (b->state == BUDGET_EXCEEDED) {
		view_fmt_money(b->spent_nanos, 0, pr, sizeof(pr));
		snprintf(f[0], sizeof(f[0]), "%s exceeded: %s of %s", name, pr, lim);
		widest_fit(f, 1, cols, buf, n);
		return ROLE_ALERT;
	}
	if (b->cross_ms > 0) {
		localtime_r(&t, &tm);
		strftime(at, sizeof(at), day ? "at %H:%M" : "on %b %d", &tm);
		snprintf(f[0], sizeof(f[0]), "A%s (%s/h) you cross the %s of %s %s", model + 1, r,
		    name, lim, at);
		snprintf(f[1], sizeof(f[1]), "A%s you cross the %s %s", model + 1, name, at);
		snprintf(f[2], sizeof(f[2]), "At this rate: over the %s %s", name, at);
		snprintf(f[3], sizeof(f[3]), "over %s %s", lim, at);
		widest_fit(f, 4, cols, buf, n);
		return ROLE_ALERT;     /* red before it happens */
	}
	snprintf(f[0], sizeof(f[0]), "A%s (%s/h) you stay under the %s: %s %s of %s", model + 1,
	    r, name, arrow(), pr, lim);
	snprintf(f[1], sizeof(f[1]), "A%s: %s %s of %s by %s", model + 1, arrow(), pr, lim,
	    day ? "midnight" : "month end");
	snprintf(f[2], sizeof(f[2]), "%s %s of %s by %s", arrow(), pr, lim,
	    day ? "midnight" : "month end");
	widest_fit(f, 3, cols, buf, n);
	return ROLE_OK;
}
