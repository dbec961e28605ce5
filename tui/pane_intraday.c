/* pane_intraday.c — spend per hour over the last 24 hours, and the rate
 * now ($/h and tokens per minute over the last 60 minutes): a strip of one
 * line (a sparkline per hour) or, on a tall screen, a bar chart with an
 * axis. Draws from struct dash_intraday; never queries. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/draw.h"
#include "tui/pane_data.h"

#define HOUR_MS 3600000LL

/* "$0.54/h  1.2k tok/min": the rate of the last 60 minutes. */
static int
draw_rate(const struct dash_intraday *in, int y, int x, int w)
{
	char a[40], b[40], line[96];
	int used;

	snprintf(line, sizeof(line), "%s/h", view_fmt_money(in->last_cost, 0, a, sizeof(a)));
	used = draw_text(y, x, w, ROLE_MONEY, DRAW_RAW, line);
	snprintf(line, sizeof(line), "  %s tok/min", view_fmt_tokens(in->last_tok / 60, b, sizeof(b)));
	if (used + view_width(line) <= w)
		used += draw_text(y, x + used, w - used, ROLE_NORMAL, DRAW_RAW, line);
	return used;
}

/* The busiest hour: its index, or -1 when nothing was spent. */
static int
peak_hour(const struct dash_intraday *in)
{
	int k, best = -1;

	for (k = 0; k < DASH_HOURS; k++)
		if (in->hour_cost[k] > 0 && (best < 0 || in->hour_cost[k] > in->hour_cost[best]))
			best = k;
	return best;
}

/* "24 h $12.34 · peak $1.20 at 14:00" into buf. */
static void
summary(const struct dash_intraday *in, char *buf, size_t n)
{
	char a[40], b[40], at[16];
	int k = peak_hour(in);
	time_t t;
	struct tm tm;

	if (k < 0) {
		snprintf(buf, n, "nothing spent in 24 h");
		return;
	}
	t = (time_t)((in->hour0_ms + k * HOUR_MS) / 1000);
	localtime_r(&t, &tm);
	strftime(at, sizeof(at), "%H:00", &tm);
	snprintf(buf, n, "24 h %s %s peak %s at %s", view_fmt_money(in->day_cost, 0, a, sizeof(a)),
	    draw_utf8() ? "·" : "-", view_fmt_money(in->hour_cost[k], 0, b, sizeof(b)), at);
}

/* One line: the rate, a sparkline per hour (two cells an hour when there
 * is room), the day's sum and peak, the last hour in 5-minute slots. */
static void
draw_strip(const struct dash_intraday *in, int y, int x, int w)
{
	int64_t twice[DASH_HOURS * 2];
	char line[160];
	int used = draw_rate(in, y, x, w), cells, k, sw;

	cells = w - used - 8 >= DASH_HOURS * 2 + 40 ? DASH_HOURS * 2 : DASH_HOURS;
	if (used + 7 + cells > w)
		return;
	used += draw_text(y, x + used, 7, ROLE_DIM, DRAW_RAW, "   24h ");
	for (k = 0; k < cells; k++)
		twice[k] = in->hour_cost[cells == DASH_HOURS ? k : k / 2];
	draw_spark(y, x + used, ROLE_BAR, twice, (size_t)cells);
	used += cells;
	summary(in, line, sizeof(line));
	sw = view_width(line) + 2;
	if (used + sw <= w)
		used += draw_text(y, x + used, sw, ROLE_NORMAL, DRAW_RAW | DRAW_RIGHT, line);
	if (used + 14 + DASH_SLOTS <= w) {
		used += draw_text(y, x + used, 14, ROLE_DIM, DRAW_RAW | DRAW_RIGHT, "last hour ");
		draw_spark(y, x + used, ROLE_MONEY, in->slot_cost, DASH_SLOTS);
	}
}

/* The chart: a bar per hour, the current one in the money colour; the
 * y axis says the top hour's spend, the x axis the hours. */
static void
draw_chart(const struct dash_intraday *in, int y, int x, int w, int h)
{
	char a[40], lab[8];
	int64_t max = 0;
	int k, colw, bw, ax = 9, cx, every;
	time_t t;
	struct tm tm;

	for (k = 0; k < DASH_HOURS; k++)
		if (in->hour_cost[k] > max)
			max = in->hour_cost[k];
	colw = (w - ax) / DASH_HOURS;
	if (colw < 1 || h < 2)
		return;
	x += (w - ax - colw * DASH_HOURS) / 2;     /* centred: the slack either side */
	bw = colw >= 3 ? colw - 1 : colw;
	draw_text(y, x, ax - 1, ROLE_DIM, DRAW_RIGHT | DRAW_NUM, view_fmt_money(max, 0, a, sizeof(a)));
	draw_text(y + h - 2, x, ax - 1, ROLE_DIM, DRAW_RIGHT | DRAW_RAW, "$0");
	every = colw >= 3 ? 1 : colw == 2 ? 2 : 3;
	for (k = 0; k < DASH_HOURS; k++) {
		cx = x + ax + k * colw;
		draw_vbar(y, cx, h - 1, bw, k == DASH_HOURS - 1 ? ROLE_MONEY : ROLE_BAR,
		    in->hour_cost[k], max);
		if ((DASH_HOURS - 1 - k) % every != 0)
			continue;
		t = (time_t)((in->hour0_ms + k * HOUR_MS) / 1000);
		localtime_r(&t, &tm);
		strftime(lab, sizeof(lab), "%H", &tm);
		draw_text(y + h - 1, cx, colw * every, k == DASH_HOURS - 1 ? ROLE_TITLE : ROLE_DIM,
		    DRAW_RAW, k == DASH_HOURS - 1 && colw * every >= 3 ? "now" : lab);
	}
}

void
pane_intraday_draw(const struct dash_data *d, const struct pane_ctx *p)
{
	const struct dash_intraday *in = &d->intra;
	const struct view_rect *r = &p->r;
	char title[160], line[160];
	const char *dot = draw_utf8() ? "·" : "-";
	int x = r->x + 2, w = r->w - 4, y = r->y + 1, used;

	snprintf(title, sizeof(title), "Spend per hour %s last 24 h%s%s", dot,
	    in->tag[0] ? "  tag " : "", in->tag);
	draw_box(r->y, r->x, r->h, r->w, title, p->focused);
	if (r->h < 3 || w < 20)
		return;
	if (r->h < 6) {
		draw_strip(in, y, x, w);
		return;
	}
	used = draw_rate(in, y, x, w);
	snprintf(line, sizeof(line), "  (last 60 min)   ");
	if (used + view_width(line) <= w)
		used += draw_text(y, x + used, w - used, ROLE_DIM, DRAW_RAW, line);
	summary(in, line, sizeof(line));
	if (used + view_width(line) <= w)
		used += draw_text(y, x + used, w - used, ROLE_NORMAL, DRAW_RAW, line);
	if (used + 24 + DASH_SLOTS <= w) {
		draw_text(y, x + w - DASH_SLOTS - 22, 22, ROLE_DIM, DRAW_RAW | DRAW_RIGHT,
		    "last hour by 5 min ");
		draw_spark(y, x + w - DASH_SLOTS, ROLE_MONEY, in->slot_cost, DASH_SLOTS);
	}
	draw_chart(in, y + 1, x, w, r->h - 3);
}
