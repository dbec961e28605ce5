/* screen_hosts.c — the Hosts view (h): one line per host that writes to the
 * ledger — today's spend, requests and share, its last row and whether it
 * is live or stale. Rebuild reads through hosts_data_read; draw works from
 * memory, so the stale marks move with the clock and no query. The cursor
 * stands on a host's name, so it stays on that host when rows reorder;
 * Enter filters the dashboard to the host under it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/console.h"
#include "tui/hosts_data.h"
#include "tui/screen_dashboard.h"
#include "tui/view.h"

enum {
	H_UP = 1, H_DOWN, H_PGUP, H_PGDN, H_HOME, H_END, H_SORT, H_REVERSE, H_ENTER, H_CLOSE,
};

static const struct key_bind hosts_keys[] = {
	{ K_UP,    H_UP,         NULL,     "cursor up" },
	{ 'k',     H_UP,         NULL,     "cursor up" },
	{ K_DOWN,  H_DOWN,       NULL,     "cursor down" },
	{ 'j',     H_DOWN,       NULL,     "cursor down" },
	{ K_PGUP,  H_PGUP,       NULL,     "page up" },
	{ K_PGDN,  H_PGDN,       NULL,     "page down" },
	{ K_HOME,  H_HOME,       NULL,     "first host" },
	{ K_END,   H_END,        NULL,     "last host" },
	{ 's',     H_SORT,       "sort",   "sort hosts by the next column" },
	{ 'r',     H_REVERSE,    NULL,     "reverse the sort order" },
	{ K_ENTER, H_ENTER,      "filter", "show only this host's figures (host:NAME)" },
	{ K_ESC,   H_CLOSE,      "close",  "back to where you were" },
	{ 0, 0, NULL, NULL },
};

#define SPEND_W 12   /* "$12,345.67*" */
#define REQS_W  9    /* "1,234,567" */
#define PCT_W   5    /* "100%" */
#define LAST_W  12   /* "Dec 01 14:02" or "14:02:11" */
#define AGO_W   7    /* "42m07s" */
#define STATE_W 7    /* "● live", "○ STALE" */
#define HOST_W_MAX 64
#define BAR_W_MAX  40

struct hosts {
	struct hosts_data hd;
	enum hosts_col    sort;
	int               desc;
	int               sel, top, vis;
	char              sel_key[USAGE_HOST_MAX];   /* the host the cursor is on */
	char              err[256];
};

/* Where each column starts in a line of width w from x (0 = not shown). */
struct hcols {
	int host, hostw, spend, reqs, bar, barw, pct, last, ago, state;
};

static void
columns(int x, int w, struct hcols *c)
{
	int fixed = SPEND_W + REQS_W + PCT_W + LAST_W + STATE_W + 5;

	memset(c, 0, sizeof(*c));
	c->host = x;
	c->hostw = w - fixed - 1;
	if (w >= 120) {               /* wide: a share bar and the age; the
		                         host takes at most HOST_W_MAX, the bar
		                         the rest up to BAR_W_MAX */
		c->hostw -= 10 + 1 + AGO_W + 1;
		c->barw = 10 + (c->hostw > HOST_W_MAX ? c->hostw - HOST_W_MAX : 0);
		c->barw = c->barw > BAR_W_MAX ? BAR_W_MAX : c->barw;
		c->hostw -= c->barw - 10;
	}
	c->spend = c->host + c->hostw + 1;
	c->reqs = c->spend + SPEND_W + 1;
	c->bar = c->barw ? c->reqs + REQS_W + 1 : 0;
	c->pct = c->reqs + REQS_W + 1 + (c->barw ? c->barw + 1 : 0);
	c->last = c->pct + PCT_W + 1;
	c->ago = c->barw ? c->last + LAST_W + 1 : 0;
	c->state = c->last + LAST_W + 1 + (c->barw ? AGO_W + 1 : 0);
}

static void *
hosts_create(struct console *c)
{
	struct hosts *s = calloc(1, sizeof(*s));

	(void)c;
	if (s != NULL) {
		s->sort = HCOL_SPEND;
		s->desc = 1;
	}
	return s;
}

static void
hosts_destroy(void *st)
{
	struct hosts *s = st;

	if (s != NULL)
		hosts_data_free(&s->hd);
	free(s);
}

/* The cursor back on its host (or, when it is gone, the same row number),
 * and in view. */
static void
follow(struct hosts *s)
{
	int n = (int)s->hd.n, i = hosts_data_find(&s->hd, s->sel_key);

	s->sel = i >= 0 ? i : view_move(s->sel, 0, n);
	if (n > 0)
		snprintf(s->sel_key, sizeof(s->sel_key), "%s", s->hd.rows[s->sel].host);
	else
		s->sel_key[0] = '\0';
	s->top = view_scroll(s->sel, s->top, s->vis > 0 ? s->vis : 1, n);
}

static int
hosts_rebuild(struct console *c, void *st)
{
	struct hosts *s = st;

	if (hosts_data_read(c->st, c->pr, c->now_ms, &s->hd, s->err, sizeof(s->err)) != 0) {
		console_status(c, ROLE_ALERT, "hosts: %s", s->err);
		return -1;
	}
	s->err[0] = '\0';
	hosts_data_sort(&s->hd, s->sort, s->desc);
	follow(s);
	return 0;
}

/* "14:02:11" today, "Dec 01 14:02" before, "—" when unknown. */
static char *
fmt_last(int64_t ms, int64_t day0, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0) {
		snprintf(buf, n, "%s", draw_utf8() ? "—" : "-");
		return buf;
	}
	localtime_r(&t, &tm);
	strftime(buf, n, ms >= day0 ? "%H:%M:%S" : "%b %d %H:%M", &tm);
	return buf;
}

static void
draw_heading(int y, const struct hcols *c, const struct hosts *s)
{
	const int at[HCOL_COUNT] = { c->host, c->spend, c->reqs, c->barw ? c->bar : c->pct,
		c->last };
	const int w[HCOL_COUNT] = { c->hostw, SPEND_W, REQS_W, c->barw ? c->barw + 1 + PCT_W :
		PCT_W, LAST_W };
	char head[16];
	int i;

	for (i = 0; i < HCOL_COUNT; i++) {
		snprintf(head, sizeof(head), "%s%s", hosts_col_name(i), i != (int)s->sort ? "" :
		    s->desc ? (draw_utf8() ? "▼" : "v") : (draw_utf8() ? "▲" : "^"));
		draw_text(y, at[i], w[i], i == (int)s->sort ? ROLE_TITLE : ROLE_DIM,
		    DRAW_RAW | (i == HCOL_HOST || i == HCOL_LAST ? 0 : DRAW_RIGHT), head);
	}
	if (c->ago)
		draw_text(y, c->ago, AGO_W, ROLE_DIM, DRAW_RAW | DRAW_RIGHT, "ago");
	draw_text(y, c->state, STATE_W, ROLE_DIM, DRAW_RAW, "state");
}

static void
draw_host(struct console *c, int y, const struct hcols *k, const struct hosts_row *r,
          int64_t day0, int selected)
{
	enum draw_role base = selected ? ROLE_SELECTED : ROLE_NORMAL;
	int stale = hosts_stale(r, c->now_ms);
	char a[48], b[48];

	if (selected)
		draw_fill(y, k->host, k->state + STATE_W - k->host, ROLE_SELECTED);
	/* outside text: sanitised and cut to its width by draw_text */
	if (r->host[0] != '\0')
		draw_text(y, k->host, k->hostw, base, 0, r->host);
	else
		draw_text(y, k->host, k->hostw, selected ? base : ROLE_DIM, DRAW_RAW, "(no host)");
	view_fmt_cost(r->cost_nanos, r->requests, r->unpriced, a, sizeof(a));
	draw_text(y, k->spend, SPEND_W, selected ? base : ROLE_MONEY, DRAW_RAW | DRAW_NUM |
	    DRAW_RIGHT, a);
	draw_text(y, k->reqs, REQS_W, base, DRAW_RAW | DRAW_NUM | DRAW_RIGHT,
	    view_fmt_count(r->requests, a, sizeof(a)));
	if (k->barw)
		draw_bar(y, k->bar, k->barw, selected ? base : ROLE_BAR, r->share_permille, 1000);
	draw_text(y, k->pct, PCT_W, base, DRAW_RAW | DRAW_RIGHT,
	    view_fmt_pct(r->share_permille, a, sizeof(a)));
	draw_text(y, k->last, LAST_W, base, DRAW_RAW, fmt_last(r->last_ms, day0, a, sizeof(a)));
	if (k->ago && r->last_ms > 0)
		draw_text(y, k->ago, AGO_W, base, DRAW_RAW | DRAW_RIGHT,
		    view_fmt_elapsed(c->now_ms > r->last_ms ? c->now_ms - r->last_ms : 0, a,
		    sizeof(a)));
	/* stale reads without colour: the word, upper case, and an open mark */
	snprintf(b, sizeof(b), "%s %s", draw_utf8() ? (stale ? "○" : "●") : (stale ? "-" : "*"),
	    stale ? "STALE" : "live");
	draw_text(y, k->state, STATE_W, selected ? base : stale ? ROLE_WARNING : ROLE_OK,
	    DRAW_RAW, b);
}

static void
draw_total(struct console *c, int y, const struct hcols *k, const struct hosts *s)
{
	char a[48], t[64];
	size_t i, stale = 0;

	for (i = 0; i < s->hd.n; i++)
		stale += (size_t)hosts_stale(&s->hd.rows[i], c->now_ms);
	snprintf(t, sizeof(t), "%zu host%s, %zu stale", s->hd.n, s->hd.n == 1 ? "" : "s", stale);
	draw_text(y, k->host, k->hostw, ROLE_TITLE, DRAW_RAW, t);
	draw_text(y, k->spend, SPEND_W, ROLE_MONEY, DRAW_RAW | DRAW_NUM | DRAW_RIGHT,
	    view_fmt_money(s->hd.total_nanos, 0, a, sizeof(a)));
	draw_text(y, k->reqs, REQS_W, ROLE_TITLE, DRAW_RAW | DRAW_NUM | DRAW_RIGHT,
	    view_fmt_count(s->hd.total_reqs, a, sizeof(a)));
}

static void
hosts_draw(struct console *c, void *st)
{
	struct hosts *s = st;
	struct hcols k;
	char title[600], f[560];
	const char *filter = dashboard_filter(c);
	int i, y;

	draw_fill(0, 0, c->w, ROLE_HEADER);
	draw_text(0, 0, c->w, ROLE_HEADER, DRAW_RAW,
	    " tokentop  Hosts   today's spend per host; stale: no row for 15 minutes");
	f[0] = '\0';
	if (strncmp(filter, "host:", 5) == 0)      /* outside text: draw_box sanitises */
		snprintf(f, sizeof(f), "  filter: %s", filter);
	snprintf(title, sizeof(title), "Hosts %s today%s", draw_utf8() ? "·" : "-", f);
	draw_box(1, 0, c->h - 2, c->w, title, 1);
	columns(2, c->w - 4, &k);
	s->vis = c->h - 6;
	s->top = view_scroll(s->sel, s->top, s->vis, (int)s->hd.n);
	draw_heading(2, &k, s);
	for (i = 0; i < s->vis && (size_t)(s->top + i) < s->hd.n; i++)
		draw_host(c, 3 + i, &k, &s->hd.rows[s->top + i], s->hd.day0, s->top + i == s->sel);
	y = c->h - 3;
	if (s->hd.n == 0)
		draw_text(3, 2, c->w - 4, ROLE_DIM, DRAW_RAW, s->err[0] ? s->err :
		    "No host has written to this ledger yet.");
	else
		draw_total(c, y, &k, s);
	draw_scrollbar(3, c->w - 1, s->vis, s->top, (int)s->hd.n, s->vis);
	console_keybar(c, hosts_keys, NULL);
}

/* Sort by the next column (after the last: the host); the cursor keeps
 * its host. */
static enum console_act
sort_next(struct hosts *s)
{
	s->sort = (enum hosts_col)((s->sort + 1) % HCOL_COUNT);
	s->desc = s->sort != HCOL_HOST;
	hosts_data_sort(&s->hd, s->sort, s->desc);
	follow(s);
	return CA_REDRAW;
}

static enum console_act
move(struct hosts *s, int delta)
{
	if (s->hd.n == 0)
		return CA_NONE;
	s->sel = view_move(s->sel, delta, (int)s->hd.n);
	snprintf(s->sel_key, sizeof(s->sel_key), "%s", s->hd.rows[s->sel].host);
	s->top = view_scroll(s->sel, s->top, s->vis > 0 ? s->vis : 1, (int)s->hd.n);
	return CA_REDRAW;
}

/* Enter: the dashboard, showing only the host the cursor is on (by its
 * name, never by its row number). */
static enum console_act
apply_filter(struct console *c, struct hosts *s)
{
	char f[USAGE_HOST_MAX + 8];

	if (s->sel_key[0] == '\0') {
		console_status(c, ROLE_WARNING, "no host recorded for these rows: nothing to filter");
		return CA_REDRAW;
	}
	snprintf(f, sizeof(f), "host:%s", s->sel_key);
	dashboard_filter_set(c, f);
	return CA_DASHBOARD;
}

static enum console_act
hosts_key(struct console *c, void *st, int key)
{
	struct hosts *s = st;
	int page = s->vis > 1 ? s->vis - 1 : 1;

	switch (console_lookup(hosts_keys, key)) {
	case H_UP:         return move(s, -1);
	case H_DOWN:       return move(s, 1);
	case H_PGUP:       return move(s, -page);
	case H_PGDN:       return move(s, page);
	case H_HOME:       return move(s, -VIEW_MOVE_ALL);
	case H_END:        return move(s, VIEW_MOVE_ALL);
	case H_SORT:       return sort_next(s);
	case H_REVERSE:
		s->desc = !s->desc;
		hosts_data_sort(&s->hd, s->sort, s->desc);
		follow(s);
		return CA_REDRAW;
	case H_ENTER:      return apply_filter(c, s);
	case H_CLOSE:      return CA_BACK;
	}
	return CA_UNHANDLED;
}

/* The column whose heading holds screen column x, or -1. */
static int
col_at(const struct console *c, int x)
{
	struct hcols k;
	int at[HCOL_COUNT + 1], i;

	columns(2, c->w - 4, &k);
	at[HCOL_HOST] = k.host;
	at[HCOL_SPEND] = k.spend;
	at[HCOL_REQS] = k.reqs;
	at[HCOL_SHARE] = k.barw ? k.bar : k.pct;
	at[HCOL_LAST] = k.last;
	at[HCOL_COUNT] = k.ago ? k.ago : k.state;
	for (i = 0; i < HCOL_COUNT; i++)
		if (x >= at[i] && x < at[i + 1])
			return i;
	return -1;
}

/* A click on a heading sorts by it (again: the other way); on a row it
 * selects the row, and on the row already selected it filters, as Enter
 * does. The wheel moves the cursor. */
static enum console_act
hosts_mouse(struct console *c, void *st, const struct draw_mouse *m)
{
	struct hosts *s = st;
	int k = s->top + (m->y - 3), col;

	if (m->kind != MOUSE_CLICK)
		return move(s, m->kind == MOUSE_WHEEL_UP ? -3 : 3);
	if (m->y == 2 && (col = col_at(c, m->x)) >= 0) {
		if ((enum hosts_col)col == s->sort)
			s->desc = !s->desc;
		else {
			s->sort = (enum hosts_col)col;
			s->desc = s->sort != HCOL_HOST;
		}
		hosts_data_sort(&s->hd, s->sort, s->desc);
		follow(s);
		return CA_REDRAW;
	}
	if (m->y < 3 || m->y >= 3 + s->vis || k >= (int)s->hd.n)
		return CA_NONE;
	if (k == s->sel)
		return apply_filter(c, s);
	return move(s, k - s->sel);
}

const struct screen_ops screen_hosts = {
	.name = "Hosts",
	.keys = hosts_keys,
	.create = hosts_create,
	.destroy = hosts_destroy,
	.rebuild = hosts_rebuild,
	.draw = hosts_draw,
	.key = hosts_key,
	.resize = NULL,
	.mouse = hosts_mouse,
};
