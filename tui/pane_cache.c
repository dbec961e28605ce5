/* pane_cache.c — prompt caching and the levers at a glance: hit ratio today
 * and over the period, the last 24 hours as a sparkline, tokens read and
 * written, what each lever saved today and this month (negative when cache
 * writes are never read: shown as such), and every budget. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/num.h"
#include "core/provider.h"
#include "tui/draw.h"
#include "tui/pane_data.h"

/* One lever: today and the month, negative shown as such (in the warning
 * colour: cache writes that were never read cost more than they saved). */
static void
lever(int y, int x, int w, const char *name, int64_t today, int64_t month)
{
	char a[32], b[32];
	int aw, bw;

	draw_text(y, x, w, ROLE_NORMAL, DRAW_RAW, name);
	if (w < 46)
		return;
	aw = view_width(view_fmt_money(today, 0, a, sizeof(a)));
	bw = view_width(view_fmt_money(month, 0, b, sizeof(b)));
	draw_text(y, x + 31 - aw, aw, today < 0 ? ROLE_WARNING : ROLE_MONEY, DRAW_RAW, a);
	draw_text(y, x + 44 - bw, bw, month < 0 ? ROLE_WARNING : ROLE_MONEY, DRAW_RAW, b);
}

/* What each lever saved today and this month (the figures of `report
 * savings`); returns the next line. */
static int
savings_draw(const struct dash_data *d, int y, int x, int w, int end)
{
	const struct savings *t = &d->saved_today, *m = &d->saved_month;
	static const char *const names[4] = { "  cache", "  batch", "  routing (est.)",
		"  compression (est.)" };
	const int64_t tv[4] = { t->cache, t->batch, t->routing, t->compression };
	const int64_t mv[4] = { m->cache, m->batch, m->routing, m->compression };
	int i;

	if (y >= end)
		return y;
	draw_text(y, x, w, ROLE_DIM, DRAW_RAW, "saved by");
	if (w >= 46) {
		draw_text(y, x + 26, 6, ROLE_DIM, DRAW_RAW, "today");
		draw_text(y, x + 39, 6, ROLE_DIM, DRAW_RAW, "month");
	}
	for (i = 0; i < 4 && ++y < end; i++)
		lever(y, x, w, names[i], tv[i], mv[i]);
	if (++y < end)
		lever(y, x, w, "  total", dash_saved_sum(t), dash_saved_sum(m));
	if (t->cache < 0 && ++y < end)
		draw_text(y, x, w, ROLE_WARNING, DRAW_RAW,
		    "  (cache writes cost more than the reads saved)");
	return y + 1;
}

/* With several organisations synced, one line each: its spend this month
 * and what tokentop did not see of it. Returns the next line. */
static int
org_providers_draw(const struct console_org_view *o, int y, int x, int w, int end)
{
	const struct console_org_provider *p;
	char a[32], b[32], line[200];
	int i;

	for (i = 0; o->nprov > 1 && i < o->nprov && y < end; i++, y++) {
		p = &o->prov[i];
		snprintf(line, sizeof(line), "  %-9s month %s  unseen %s", p->pv->name,
		    view_fmt_money(p->month_org, 0, a, sizeof(a)),
		    view_fmt_money(num_sat_sub(p->month_org, p->month_ledger), 0, b, sizeof(b)));
		draw_text(y, x, w, ROLE_DIM, DRAW_RAW, line);
	}
	return y;
}

/* The organisation (Admin API cost report, UTC days) beside the ledger and
 * the gap: what other applications and keys spent. Returns the next line. */
static int
org_draw(const struct dash_data *d, int y, int x, int w, int end)
{
	const struct console_org_view *o = &d->org;
	char a[32], b[32], line[200], at[16];
	time_t t = (time_t)(o->synced_ms / 1000);
	struct tm tm;

	if (!o->on || y >= end)
		return y;
	if (!o->synced) {
		draw_text(y, x, w, o->err[0] ? ROLE_WARNING : ROLE_DIM, 0,
		    o->err[0] ? o->err : "org: syncing with the Admin API…");
		return y + 1;
	}
	gmtime_r(&t, &tm);
	strftime(at, sizeof(at), "%H:%M UTC", &tm);
	snprintf(line, sizeof(line), "org     today %s  month %s  (sync %s%s)",
	    view_fmt_money(o->today_org, 0, a, sizeof(a)),
	    view_fmt_money(o->month_org, 0, b, sizeof(b)), at, o->err[0] ? ", failing" : "");
	draw_text(y, x, w, o->err[0] ? ROLE_WARNING : ROLE_NORMAL, DRAW_RAW, line);
	if (++y >= end)
		return y;
	snprintf(line, sizeof(line), "unseen  today %s  month %s",
	    view_fmt_money(num_sat_sub(o->today_org, o->today_ledger), 0, a, sizeof(a)),
	    view_fmt_money(num_sat_sub(o->month_org, o->month_ledger), 0, b, sizeof(b)));
	draw_text(y, x, w, ROLE_NORMAL, DRAW_RAW, line);
	return org_providers_draw(o, y + 1, x, w, end);
}

/* A limit's name: "daily", "monthly", "crawler daily". */
static void
budget_name(const struct budget_status *b, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s", b->tag, b->tag[0] ? " " : "", budget_period_name(b->period));
}

/* " 85% !": the percentage and a marker that reads without colour. */
static void
budget_pct(const struct budget_status *b, char *buf, size_t n)
{
	snprintf(buf, n, "%lld%%%s", (long long)(b->permille / 10),
	    b->state == BUDGET_EXCEEDED ? " OVER" : b->state == BUDGET_WARNING ? " !" : "");
}

/* What follows a limit's bar: "115% OVER  $28.75 of $25.00  → $31.00", the
 * percentage padded to pw; the projection when `proj` and the limit is
 * exceeded (below it, the crossing line under the bar says where the rate
 * leads, and when). */
static void
budget_tail(const struct budget_status *b, int pw, int proj, char *buf, size_t n)
{
	char pct[32], a[32], lim[32], pr[32];

	budget_pct(b, pct, sizeof(pct));
	snprintf(buf, n, "%*s  %s of %s", pw, pct, view_fmt_money(b->spent_nanos, 0, a, sizeof(a)),
	    view_fmt_money(b->limit_nanos, 0, lim, sizeof(lim)));
	if (proj && b->state == BUDGET_EXCEEDED)
		snprintf(buf + strlen(buf), n - strlen(buf), "  %s %s", draw_utf8() ? "→" : "->",
		    view_fmt_money(b->projected_nanos, 0, pr, sizeof(pr)));
}

/* The widest name, percentage and tail of every limit. */
static void
budget_widths(const struct dash_data *d, int proj, int *nw, int *pw, int *tw)
{
	char buf[160];
	size_t k;

	*nw = *pw = *tw = 0;
	for (k = 0; k < d->nbudgets; k++) {
		budget_name(&d->budgets[k], buf, sizeof(buf));
		if (view_width(buf) > *nw)
			*nw = view_width(buf);
		budget_pct(&d->budgets[k], buf, sizeof(buf));
		if (view_width(buf) > *pw)
			*pw = view_width(buf);
	}
	for (k = 0; k < d->nbudgets; k++) {
		budget_tail(&d->budgets[k], *pw, proj, buf, sizeof(buf));
		if (view_width(buf) > *tw)
			*tw = view_width(buf);
	}
}

/*
 * Every budget limit as a bar across the pane (green below 80%, yellow from
 * 80%, red once exceeded), the bars of equal length, then the percentage
 * with its marker and spent of limit. Under a limit not yet exceeded, where
 * the one projection model leads and when it crosses (dash_cross_line: red
 * while a crossing is ahead); after an exceeded one, where it ends. The bar
 * keeps half the pane: that projection goes first, then (very narrow) the
 * bar.
 */
static void
budgets_draw(const struct dash_data *d, int y, int x, int w, int end)
{
	const struct budget_status *b;
	char name[128], tail[160], line[200];
	enum draw_role role, bar;
	int nw, pw, tw, bw, proj = 1;
	size_t k;

	/* the bar keeps half the pane: the projection goes first */
	budget_widths(d, proj, &nw, &pw, &tw);
	if (w - (nw < w / 4 ? nw : w / 4) - 4 - tw < w / 2)
		budget_widths(d, proj = 0, &nw, &pw, &tw);
	if (nw > w / 4)
		nw = w / 4;
	bw = w - nw - 4 - tw;
	for (k = 0; k < d->nbudgets && y < end; k++, y++) {
		b = &d->budgets[k];
		role = b->state == BUDGET_EXCEEDED ? ROLE_ALERT : b->state == BUDGET_WARNING ?
		    ROLE_WARNING : ROLE_NORMAL;
		bar = b->state == BUDGET_EXCEEDED ? ROLE_DANGER : b->state == BUDGET_WARNING ?
		    ROLE_WARNING : ROLE_OK;
		budget_name(b, name, sizeof(name));
		budget_tail(b, pw, proj, tail, sizeof(tail));
		draw_text(y, x, nw, role, 0, name);
		if (bw < 10)
			draw_text(y, x + nw + 1, w - nw - 1, role, DRAW_RAW, tail);
		else {
			draw_text(y, x + nw + 1, 1, ROLE_DIM, DRAW_RAW, draw_utf8() ? "▕" : "[");
			draw_bar(y, x + nw + 2, bw, bar, b->spent_nanos, b->limit_nanos);
			draw_text(y, x + nw + 2 + bw, 1, ROLE_DIM, DRAW_RAW, draw_utf8() ? "▏" : "]");
			draw_text(y, x + nw + 4 + bw, w - nw - 4 - bw, role, DRAW_RAW, tail);
		}
		if (b->state == BUDGET_EXCEEDED || ++y >= end)
			continue;
		role = dash_cross_line(b, w - 2, line, sizeof(line));
		draw_text(y, x + 2, w - 2, role, 0, line);
	}
}

/*
 * Today's ratio per provider when OpenAI had traffic today, labelled so one
 * is not read as the other: Anthropic's hit ratio (reads over all input,
 * cache writes included) and OpenAI's cached-input ratio (cached over
 * prompt tokens; OpenAI caches by itself and bills no writes). 1 with line
 * filled, 0 when only Anthropic's (or nothing) is there.
 */
static int
ratio_line(const struct dash_data *d, char *line, size_t n)
{
	const struct tokens *pv[PROVIDER_COUNT] = { NULL };
	char a[32], b[32];
	size_t i;

	line[0] = '\0';
	for (i = 0; i < d->today_pv.nrows; i++)
		if (provider_at(d->today_pv.rows[i].provider) != NULL)
			pv[d->today_pv.rows[i].provider] = &d->today_pv.rows[i].tok;
	if (pv[PROVIDER_OPENAI] == NULL)
		return 0;
	view_fmt_pct(report_hit_permille(pv[PROVIDER_OPENAI]), b, sizeof(b));
	if (pv[PROVIDER_ANTHROPIC] == NULL)
		snprintf(line, n, "OpenAI cached input %s today", b);
	else
		snprintf(line, n, "Anthropic hit %s  OpenAI cached input %s today",
		    view_fmt_pct(report_hit_permille(pv[PROVIDER_ANTHROPIC]), a, sizeof(a)), b);
	return 1;
}

void
pane_cache_draw(const struct dash_data *d, const struct pane_ctx *p)
{
	const struct view_rect *r = &p->r;
	const struct tokens *tt = &d->today.totals.tok, *pt = &d->period.totals.tok;
	char title[64], a[32], b[32], c[32], e[32], line[200];
	const char *dot = draw_utf8() ? "·" : "-";
	int y = r->y + 1, x = r->x + 2, w = r->w - 4, sw, end = r->y + r->h - 1;
	/* lines wanted: hit, read, the period's, org, savings, budgets; when
	 * they do not fit, the token lines go first, then the lever table
	 * shrinks to its total (the tabbed view's taller pane shows it) */
	int orgl = d->org.on ? (d->org.synced ? 2 : 1) : 0, period = d->period_kind != PERIOD_TODAY;
	int need = 2 + period + orgl + 6 + 2 * (int)d->nbudgets + (d->saved_today.cache < 0);
	int tight = need > r->h - 2, tighter = r->h - 2 - 1 - orgl - 2 * (int)d->nbudgets < 6;

	snprintf(title, sizeof(title), "Cache %s savings %s budgets", dot, dot);
	draw_box(r->y, r->x, r->h, r->w, title, p->focused);
	if (r->h < 4)
		return;
	if (ratio_line(d, line, sizeof(line)) == 0 && d->period_kind == PERIOD_TODAY)
		snprintf(line, sizeof(line), "hit ratio %4s today",
		    view_fmt_pct(report_hit_permille(tt), a, sizeof(a)));
	else if (line[0] == '\0')
		snprintf(line, sizeof(line), "hit ratio %4s today  %4s %s",
		    view_fmt_pct(report_hit_permille(tt), a, sizeof(a)),
		    view_fmt_pct(report_hit_permille(pt), b, sizeof(b)), dash_period_name(d->period_kind));
	sw = draw_text(y, x, w, ROLE_NORMAL, DRAW_RAW, line);
	if (w - sw > DASH_HOURS + 6) {
		draw_text(y, x + sw + 3, 4, ROLE_DIM, DRAW_RAW, "24h");
		draw_spark(y, x + sw + 7, ROLE_BAR, d->hour_hit, DASH_HOURS);
	}
	if (++y >= end)
		return;
	if (tight)
		goto levers;
	snprintf(line, sizeof(line), "read %s tok   written %s (5m %s %s 1h %s)",
	    view_fmt_tokens(tt->cache_read, a, sizeof(a)),
	    view_fmt_tokens(num_sat_add(tt->write_5m, tt->write_1h), b, sizeof(b)),
	    view_fmt_tokens(tt->write_5m, c, sizeof(c)), dot,
	    view_fmt_tokens(tt->write_1h, e, sizeof(e)));
	draw_text(y, x, w, ROLE_NORMAL, DRAW_RAW, line);
	if (++y >= r->y + r->h - 1)
		return;
	if (d->period_kind != PERIOD_TODAY) {
		snprintf(line, sizeof(line), "%s: read %s  written %s  hit %s",
		    dash_period_name(d->period_kind), view_fmt_tokens(pt->cache_read, a, sizeof(a)),
		    view_fmt_tokens(num_sat_add(pt->write_5m, pt->write_1h), b, sizeof(b)),
		    view_fmt_pct(report_hit_permille(pt), c, sizeof(c)));
		draw_text(y, x, w, ROLE_DIM, DRAW_RAW, line);
		if (++y >= r->y + r->h - 1)
			return;
	}
levers:
	y = org_draw(d, y, x, w, end);
	if (tighter && y < end) {
		snprintf(line, sizeof(line), "saved  today %s  month %s",
		    view_fmt_money(dash_saved_sum(&d->saved_today), 0, a, sizeof(a)),
		    view_fmt_money(dash_saved_sum(&d->saved_month), 0, b, sizeof(b)));
		draw_text(y++, x, w, ROLE_MONEY, DRAW_RAW, line);
	} else
		y = savings_draw(d, y, x, w, end);
	budgets_draw(d, y, x, w, end);
}
