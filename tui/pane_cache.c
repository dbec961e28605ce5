/* pane_cache.c — prompt caching at a glance: hit ratio today and over the
 * period, the last 24 hours as a sparkline, tokens read and written, and
 * the net money caching saved (negative when writes are never read). */
#include <stdio.h>

#include "tui/draw.h"
#include "tui/pane_data.h"

void
pane_cache_draw(const struct dash_data *d, const struct pane_ctx *p)
{
	const struct view_rect *r = &p->r;
	const struct tokens *tt = &d->today.totals.tok, *pt = &d->period.totals.tok;
	char title[64], a[32], b[32], c[32], e[32], line[200];
	const char *dot = draw_utf8() ? "·" : "-";
	int y = r->y + 1, x = r->x + 2, w = r->w - 4, sw;
	int64_t saved;

	snprintf(title, sizeof(title), "Cache %s today", dot);
	draw_box(r->y, r->x, r->h, r->w, title, p->focused);
	if (r->h < 4)
		return;
	snprintf(line, sizeof(line), "hit ratio %4s today", view_fmt_pct(report_hit_permille(tt), a,
	    sizeof(a)));
	if (d->period_kind != PERIOD_TODAY)
		snprintf(line, sizeof(line), "hit ratio %4s today  %4s %s",
		    view_fmt_pct(report_hit_permille(tt), a, sizeof(a)),
		    view_fmt_pct(report_hit_permille(pt), b, sizeof(b)), dash_period_name(d->period_kind));
	sw = draw_text(y, x, w, ROLE_NORMAL, DRAW_RAW, line);
	if (w - sw > DASH_HOURS + 6) {
		draw_text(y, x + sw + 3, 4, ROLE_DIM, DRAW_RAW, "24h");
		draw_spark(y, x + sw + 7, ROLE_BAR, d->hour_hit, DASH_HOURS);
	}
	if (++y >= r->y + r->h - 1)
		return;
	snprintf(line, sizeof(line), "read %s tok   written %s (5m %s %s 1h %s)",
	    view_fmt_tokens(tt->cache_read, a, sizeof(a)),
	    view_fmt_tokens(tt->write_5m + tt->write_1h, b, sizeof(b)),
	    view_fmt_tokens(tt->write_5m, c, sizeof(c)), dot,
	    view_fmt_tokens(tt->write_1h, e, sizeof(e)));
	draw_text(y, x, w, ROLE_NORMAL, DRAW_RAW, line);
	if (++y >= r->y + r->h - 1)
		return;
	saved = d->today.totals.saved.cache;
	sw = draw_text(y, x, w, ROLE_NORMAL, DRAW_RAW, "saved by caching  ");
	sw += draw_text(y, x + sw, w - sw, saved < 0 ? ROLE_WARNING : ROLE_MONEY, DRAW_RAW,
	    view_fmt_money(saved, 0, a, sizeof(a)));
	if (saved < 0)
		draw_text(y, x + sw, w - sw, ROLE_WARNING, DRAW_RAW,
		    "  (cache writes cost more than reads saved)");
	if (++y >= r->y + r->h - 1)
		return;
	sw = draw_text(y, x, w, ROLE_NORMAL, DRAW_RAW, "saved by batching ");
	draw_text(y, x + sw, w - sw, ROLE_MONEY, DRAW_RAW,
	    view_fmt_money(d->today.totals.saved.batch, 0, a, sizeof(a)));
	if (++y >= r->y + r->h - 1 || d->period_kind == PERIOD_TODAY)
		return;
	snprintf(line, sizeof(line), "%s: read %s  written %s  saved %s",
	    dash_period_name(d->period_kind), view_fmt_tokens(pt->cache_read, a, sizeof(a)),
	    view_fmt_tokens(pt->write_5m + pt->write_1h, b, sizeof(b)),
	    view_fmt_money(d->period.totals.saved.cache, 0, c, sizeof(c)));
	draw_text(y, x, w, ROLE_DIM, DRAW_RAW, line);
}
