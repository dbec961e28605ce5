/* screen_reports.c — history: periods (day / week / month, drilling down to
 * days and hours) over a date range, each broken down by model, source or
 * tag; the current view exports to CSV or JSON. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/num.h"
#include "core/provider.h"
#include "tui/console.h"
#include "tui/screen_export.h"
#include "tui/screen_dashboard.h"
#include "tui/view.h"

enum {
	R_UP = 1, R_DOWN, R_PGUP, R_PGDN, R_HOME, R_END, R_GROUP, R_DIM, R_ENTER, R_BACK,
	R_RANGE, R_EXPORT, R_SWITCH, R_CLEAR, R_PROVIDER,
};

static const struct key_bind rep_keys[] = {
	{ K_UP,    R_UP,     NULL,     "previous row (of the table with the cursor: Tab)" },
	{ 'k',     R_UP,     NULL,     "previous row" },
	{ K_DOWN,  R_DOWN,   NULL,     "next row" },
	{ 'j',     R_DOWN,   NULL,     "next row" },
	{ K_PGUP,  R_PGUP,   NULL,     "page up" },
	{ K_PGDN,  R_PGDN,   NULL,     "page down" },
	{ K_HOME,  R_HOME,   NULL,     "first row" },
	{ K_END,   R_END,    NULL,     "last row" },
	{ 'g',     R_GROUP,  "group",  "periods: month, week, day" },
	{ 'b',     R_DIM,    "by",     "by model/source/tag/provider/project/key/host" },
	{ 'v',     R_PROVIDER, "vendor", "provider filter: all, anthropic, openai" },
	{ K_ENTER, R_ENTER,  "drill",  "drill down: month/week to days, day to hours" },
	{ K_ESC,   R_BACK,   "back",   "up one drill level (or back to the dashboard)" },
	{ 'r',     R_RANGE,  "range",  "date range YYYY-MM-DD..YYYY-MM-DD (empty = default)" },
	{ 'e',     R_EXPORT, "export", "export to .csv/.json (asks before replacing a file)" },
	{ K_TAB,   R_SWITCH, "table",  "the cursor to the periods or the breakdown" },
	{ 'x',     R_CLEAR,  NULL,     "clear the model filter" },
	{ 0, 0, NULL, NULL },
};

#define DRILL_MAX 4

struct level {
	enum report_group group;
	int64_t           since, until;     /* 0 = default range / open */
	char              label[64];
	int               sel, top;
	char              sel_key[64];      /* the period the cursor is on: it follows it */
};

struct reports {
	struct level      lv[DRILL_MAX];
	int               depth;            /* current level index */
	enum report_group dim;              /* REPORT_MODEL / SOURCE / TAG / PROVIDER / PROJECT / KEY */
	char              model[96];        /* filter, from a dashboard drill */
	int               provider;         /* filter: enum provider_id, -1 = all */
	struct report     periods;
	struct report     breakdown;        /* of the selected period */
	int               bsel, btop;       /* the breakdown's cursor and first row */
	char              bsel_key[128];
	int               focus_breakdown;
	int               editing;          /* 0, 'r' range, 'e' export, 'o' overwrite? */
	struct view_input input;
};

static void *
rep_create(struct console *c)
{
	struct reports *s = calloc(1, sizeof(*s));

	(void)c;
	if (s == NULL)
		return NULL;
	s->lv[0].group = REPORT_MONTH;
	s->lv[0].sel = -1;      /* the newest period */
	s->dim = REPORT_MODEL;
	s->provider = -1;
	return s;
}

static void
rep_destroy(void *st)
{
	struct reports *s = st;

	if (s == NULL)
		return;
	store_report_free(&s->periods);
	store_report_free(&s->breakdown);
	free(s);
}

static char
group_kind(enum report_group g)
{
	return g == REPORT_HOUR ? 'h' : g == REPORT_DAY ? 'd' : g == REPORT_WEEK ? 'w' : 'm';
}

static const char *
group_name(enum report_group g)
{
	switch (g) {
	case REPORT_HOUR:   return "hour";
	case REPORT_DAY:    return "day";
	case REPORT_WEEK:   return "week";
	case REPORT_MONTH:  return "month";
	case REPORT_MODEL:  return "model";
	case REPORT_SOURCE: return "source";
	case REPORT_TAG:    return "tag";
	case REPORT_PROVIDER: return "provider";
	case REPORT_PROJECT: return "project";
	case REPORT_KEY:    return "key";
	case REPORT_HOST:   return "host";
	default:            return "total";
	}
}

/* The default span of a top-level grouping. */
static int64_t
default_since(enum report_group g, int64_t now)
{
	switch (g) {
	case REPORT_DAY:  return view_day_start(now, -30);
	case REPORT_WEEK: return view_day_start(now, -7 * 12);
	default:          return view_month_start(now, -11);
	}
}

/* The cursor on the row of key (it follows its row when rows come and go);
 * when the key is gone, the row number kept, or with newest the last row
 * for a fresh list (sel < 0). Then key names the row under the cursor. */
static void
follow(const struct report *r, int *sel, char *key, size_t keylen, int newest)
{
	size_t i;

	for (i = 0; i < r->nrows && key[0] != '\0'; i++)
		if (strcmp(r->rows[i].key, key) == 0) {
			*sel = (int)i;
			return;
		}
	if (*sel < 0)
		*sel = newest && r->nrows > 0 ? (int)r->nrows - 1 : 0;
	*sel = view_move(*sel, 0, (int)r->nrows);
	snprintf(key, keylen, "%s", (size_t)*sel < r->nrows ? r->rows[*sel].key : "");
}

/* The dashboard's host filter (host:NAME) holds here too, or NULL. */
static const char *
filter_host(const struct console *c)
{
	const char *f = dashboard_filter(c);

	return strncmp(f, "host:", 5) == 0 && f[5] != '\0' ? f + 5 : NULL;
}

static int
rep_rebuild(struct console *c, void *st)
{
	struct reports *s = st;
	struct level *l = &s->lv[s->depth];
	struct report_query q;
	char err[256];
	int64_t since, until;

	if (dashboard_drill_model()[0] != '\0' || dashboard_drill_days()) {
		/* Enter on a dashboard model (its days) or on a day of the
		 * daily pane: that day under the cursor */
		snprintf(s->model, sizeof(s->model), "%s", dashboard_drill_model());
		s->depth = 0;
		s->lv[0].group = REPORT_DAY;
		s->lv[0].since = s->lv[0].until = 0;
		s->lv[0].sel = -1;
		snprintf(s->lv[0].sel_key, sizeof(s->lv[0].sel_key), "%s", dashboard_drill_day());
		s->focus_breakdown = 0;
		dashboard_drill_clear();
		l = &s->lv[0];
	}
	store_report_free(&s->periods);
	store_report_free(&s->breakdown);
	memset(&q, 0, sizeof(q));
	q.group = l->group;
	q.since_ms = l->since != 0 ? l->since : default_since(l->group, c->now_ms);
	q.until_ms = l->until;
	q.model = s->model;
	q.provider = provider_at(s->provider) != NULL ? provider_at(s->provider)->name : NULL;
	q.host = filter_host(c);
	if (store_report(c->st, c->pr, &q, &s->periods, err, sizeof(err)) != 0)
		goto fail;
	follow(&s->periods, &l->sel, l->sel_key, sizeof(l->sel_key), 1);
	if (s->periods.nrows == 0)
		return 0;
	if (view_period_range(group_kind(l->group), s->periods.rows[l->sel].key, &since,
	    &until) != 0) {
		snprintf(err, sizeof(err), "unexpected period key %s", s->periods.rows[l->sel].key);
		goto fail;
	}
	q.group = s->dim;
	q.since_ms = since;
	q.until_ms = until;
	if (store_report(c->st, c->pr, &q, &s->breakdown, err, sizeof(err)) != 0)
		goto fail;
	follow(&s->breakdown, &s->bsel, s->bsel_key, sizeof(s->bsel_key), 0);
	return 0;
fail:
	console_status(c, ROLE_ALERT, "report: %s", err);
	return -1;
}

/* One table row: key, reqs, input, output, read, written, hit, cost. */
static void
draw_row(int y, int x, int w, enum draw_role role, const struct report_row *r, const char *key,
         int models, const char *empty)
{
	char b[7][40], nm[160];
	int kw = w - (7 + 8 * 4 + 5 + 11 + 7);

	draw_fill(y, x, w, role);
	draw_fmt(y, x, w, role, 0, "%-*s", kw, "");
	if (models)     /* the vendor prefix goes first, then the end */
		view_model_name(key, kw - 1, draw_ellipsis(), nm, sizeof(nm));
	else
		snprintf(nm, sizeof(nm), "%s", key[0] ? key : empty);
	draw_text(y, x, kw - 1, role, models ? 0 : DRAW_MID, nm);
	view_fmt_count(r->requests, b[0], sizeof(b[0]));
	view_fmt_tokens(r->tok.input, b[1], sizeof(b[1]));
	view_fmt_tokens(r->tok.output, b[2], sizeof(b[2]));
	view_fmt_tokens(r->tok.cache_read, b[3], sizeof(b[3]));
	view_fmt_tokens(num_sat_add(r->tok.write_5m, r->tok.write_1h), b[4], sizeof(b[4]));
	view_fmt_pct(report_hit_permille(&r->tok), b[5], sizeof(b[5]));
	view_fmt_cost(r->cost_nanos, r->requests, r->unpriced_requests, b[6], sizeof(b[6]));
	draw_fmt(y, x + kw, w - kw, role, 0, "%7s %7s %7s %7s %7s %5s", b[0], b[1], b[2], b[3],
	    b[4], b[5]);
	draw_text(y, x + w - 11, 11, role == ROLE_NORMAL ? ROLE_MONEY : role, DRAW_RIGHT | DRAW_NUM,
	    b[6]);
}

static void
draw_head(int y, int x, int w, const char *first)
{
	int kw = w - (7 + 8 * 4 + 5 + 11 + 7);

	draw_fmt(y, x, w, ROLE_DIM, 0, "%-*s%7s %7s %7s %7s %7s %5s", kw, first, "reqs",
	    "input", "output", "read", "written", "hit");
	draw_text(y, x + w - 11, 11, ROLE_DIM, DRAW_RAW | DRAW_RIGHT, "cost");
}

/* Rows a table in r shows (between its border, heading and total). */
static int
table_rows(const struct view_rect *r)
{
	return r->h - 4;
}

/* A table of a report in a box, the cursor on sel (shown when focused),
 * scrolled so it is in view and the box is full (never only the last
 * row after a range change: defect 6); "rows a-b of n" when it scrolls. */
static void
draw_table(struct view_rect r, const char *title, const struct report *rep, const char *first,
           int sel, int *top, int focused)
{
	int vis = table_rows(&r), i, n = (int)rep->nrows, models = strcmp(first, "model") == 0;
	char where[48];
	size_t k;

	draw_box(r.y, r.x, r.h, r.w, title, focused);
	draw_head(r.y + 1, r.x + 2, r.w - 4, first);
	*top = view_scroll(sel, *top, vis, n);
	for (i = 0; i < vis && *top + i < n; i++) {
		k = (size_t)(*top + i);
		draw_row(r.y + 2 + i, r.x + 2, r.w - 4, focused && (int)k == sel ? ROLE_SELECTED :
		    ROLE_NORMAL, &rep->rows[k], rep->rows[k].key, models,
		    strcmp(first, "tag") == 0 ? "(untagged)" : "(none)");
	}
	if (n > vis && vis > 0) {
		snprintf(where, sizeof(where), " %d-%d of %d ", *top + 1, *top + vis, n);
		draw_text(r.y + r.h - 1, r.x + r.w - 2 - view_width(where), view_width(where),
		    ROLE_DIM, DRAW_RAW, where);
	}
	if (rep->nrows == 0)
		draw_text(r.y + 2, r.x + 2, r.w - 4, ROLE_DIM, DRAW_RAW, "no usage in this range");
	draw_row(r.y + r.h - 2, r.x + 2, r.w - 4, ROLE_TITLE, &rep->totals, "total", 0, "");
}

static void
rep_draw(struct console *c, void *st)
{
	struct reports *s = st;
	struct level *l = &s->lv[s->depth];
	struct view_rect top, bot;
	char title[256], path[200] = "", from[16], to[16];
	int64_t since = l->since != 0 ? l->since : default_since(l->group, c->now_ms);
	time_t t;
	struct tm tm;
	int i;

	for (i = 1; i <= s->depth; i++) {
		strncat(path, " > ", sizeof(path) - strlen(path) - 1);
		strncat(path, s->lv[i].label, sizeof(path) - strlen(path) - 1);
	}
	t = (time_t)(since / 1000);
	localtime_r(&t, &tm);
	strftime(from, sizeof(from), "%Y-%m-%d", &tm);
	t = (time_t)((l->until != 0 ? l->until - 1 : c->now_ms) / 1000);
	localtime_r(&t, &tm);
	strftime(to, sizeof(to), "%Y-%m-%d", &tm);
	draw_fill(0, 0, c->w, ROLE_HEADER);
	draw_fmt(0, 0, c->w, ROLE_HEADER, 0, " tokentop  Reports  %s..%s  by %s%s%s%s%s%s%s%s",
	    from, to, group_name(l->group), path, s->model[0] ? "  model " : "", s->model,
	    provider_at(s->provider) != NULL ? "  provider " : "",
	    provider_at(s->provider) != NULL ? provider_at(s->provider)->name : "",
	    filter_host(c) != NULL ? "  host " : "", filter_host(c) != NULL ? filter_host(c) : "");
	view_reports_split(c->w, c->h, &top, &bot);     /* side by side when broad */
	snprintf(title, sizeof(title), "Spend by %s", group_name(l->group));
	draw_table(top, title, &s->periods, group_name(l->group), l->sel, &l->top,
	    !s->focus_breakdown);
	if (s->periods.nrows > 0) {
		snprintf(title, sizeof(title), "%s by %s", s->periods.rows[l->sel].key,
		    group_name(s->dim));
		draw_table(bot, title, &s->breakdown, group_name(s->dim), s->bsel, &s->btop,
		    s->focus_breakdown);
	}
	if (s->editing == 'o') {      /* never replace a file without asking */
		draw_fill(c->h - 1, 0, c->w, ROLE_NORMAL);
		i = draw_text(c->h - 1, 0, c->w - 24, ROLE_NORMAL, DRAW_MID, s->input.buf);
		draw_text(c->h - 1, i, c->w - i, ROLE_ALERT, DRAW_RAW, " exists: replace it? y/n");
		return;
	}
	if (s->editing) {
		console_prompt(c, s->editing == 'r' ? "Range" : "Export to",
		    s->editing == 'r' ? " (YYYY-MM-DD..YYYY-MM-DD) " : " (.csv or .json) ", s->input.buf);
		return;
	}
	console_keybar(c, rep_keys, NULL);
}

/* "2026-11-01..2026-11-30", "2026-11-01..", "" */
static int
parse_range(const char *s, int64_t *since, int64_t *until)
{
	char a[32] = "", b[32] = "";
	const char *dots = strstr(s, "..");

	*since = *until = 0;
	if (s[0] == '\0')
		return 0;
	if (dots == NULL)
		snprintf(a, sizeof(a), "%s", s);
	else {
		snprintf(a, sizeof(a), "%.*s", (int)(dots - s), s);
		snprintf(b, sizeof(b), "%s", dots + 2);
	}
	if (a[0] != '\0' && cli_parse_date(a, 0, since) != 0)
		return -1;
	if (b[0] != '\0' && cli_parse_date(b, 1, until) != 0)
		return -1;
	if (dots == NULL && a[0] != '\0' && cli_parse_date(a, 1, until) != 0)
		return -1;
	return 0;
}

/* The key column's name as `report --json` has it. */
static const char *
export_key(enum report_group g)
{
	return g == REPORT_DAY ? "date" : group_name(g);
}

/* Write the table with the cursor; an existing file only once the user
 * said yes (editing 'o' asks). */
static enum console_act
export(struct console *c, struct reports *s, int overwrite)
{
	char err[PATH_MAX + 128];
	int rc = screen_export_write(s->input.buf, s->focus_breakdown ? &s->breakdown :
	    &s->periods, export_key(s->focus_breakdown ? s->dim : s->lv[s->depth].group),
	    overwrite, err, sizeof(err));

	if (rc == 1)
		s->editing = 'o';
	else if (rc != 0)
		console_status(c, ROLE_ALERT, "export: %s", err);
	else
		console_status(c, ROLE_OK, "wrote %s", err);
	return CA_REDRAW;
}

static enum console_act
finish_input(struct console *c, struct reports *s)
{
	int mode = s->editing;

	s->editing = 0;
	if (mode == 'r') {
		int64_t since, until;
		if (parse_range(s->input.buf, &since, &until) != 0) {
			console_status(c, ROLE_ALERT, "range: %s: not YYYY-MM-DD..YYYY-MM-DD",
			    s->input.buf);
			return CA_REDRAW;
		}
		s->depth = 0;
		s->lv[0].since = since;
		s->lv[0].until = until;
		s->lv[0].sel = -1;
		return CA_REBUILD;
	}
	if (s->input.len == 0)
		return CA_REDRAW;
	return export(c, s, mode == 'o');
}

static enum console_act
input_key(struct console *c, struct reports *s, int key)
{
	if (s->editing == 'o') {
		s->editing = 0;
		if (key == 'y')
			return export(c, s, 1);
		console_status(c, ROLE_WARNING, "not exported: %s is kept", s->input.buf);
		return CA_REDRAW;
	}
	if (key == K_ENTER)
		return finish_input(c, s);
	if (key == K_ESC)
		s->editing = 0;
	else if (key == 0x15)                   /* ^U: clear the line */
		view_input_clear(&s->input);
	else if (key == K_BACKSPACE)
		view_input_backspace(&s->input);
	else if (key > 0 && key < 0x110000)
		view_input_add(&s->input, (uint32_t)key);
	return CA_REDRAW;
}

static enum console_act
drill(struct reports *s)
{
	struct level *l = &s->lv[s->depth], *n;
	int64_t since, until;

	if (s->periods.nrows == 0 || l->group == REPORT_HOUR || s->depth + 1 >= DRILL_MAX)
		return CA_NONE;
	if (view_period_range(group_kind(l->group), s->periods.rows[l->sel].key, &since, &until))
		return CA_NONE;
	n = &s->lv[++s->depth];
	memset(n, 0, sizeof(*n));
	n->group = l->group == REPORT_DAY ? REPORT_HOUR : REPORT_DAY;
	n->since = since;
	n->until = until;
	n->sel = 0;
	snprintf(n->label, sizeof(n->label), "%s", s->periods.rows[l->sel].key);
	return CA_REBUILD;
}

/* The cursor of the table in focus; the periods' cursor chooses the
 * breakdown, so it reads again. */
static enum console_act
move(struct reports *s, int delta)
{
	struct level *l = &s->lv[s->depth];
	const struct report *r = s->focus_breakdown ? &s->breakdown : &s->periods;
	int *sel = s->focus_breakdown ? &s->bsel : &l->sel;

	if (r->nrows == 0)
		return CA_NONE;
	*sel = view_move(*sel, delta, (int)r->nrows);
	if (s->focus_breakdown) {
		snprintf(s->bsel_key, sizeof(s->bsel_key), "%s", r->rows[*sel].key);
		return CA_REDRAW;
	}
	snprintf(l->sel_key, sizeof(l->sel_key), "%s", r->rows[*sel].key);
	return CA_REBUILD;
}

/* Rows a page moves: what the table with the cursor shows. */
static int
page(const struct console *c, const struct reports *s)
{
	struct view_rect top, bot;
	int n;

	view_reports_split(c->w, c->h, &top, &bot);
	n = table_rows(s->focus_breakdown ? &bot : &top);
	return n > 1 ? n : 1;
}

static enum console_act
rep_key(struct console *c, void *st, int key)
{
	static const enum report_group groups[] = { REPORT_MONTH, REPORT_WEEK, REPORT_DAY };
	struct reports *s = st;
	size_t i;

	if (s->editing)
		return input_key(c, s, key);
	switch (console_lookup(rep_keys, key)) {
	case R_UP:     return move(s, -1);
	case R_DOWN:   return move(s, 1);
	case R_PGUP:   return move(s, -page(c, s));
	case R_PGDN:   return move(s, page(c, s));
	case R_HOME:   return move(s, -VIEW_MOVE_ALL);
	case R_END:    return move(s, VIEW_MOVE_ALL);
	case R_ENTER:  return drill(s);
	case R_SWITCH: s->focus_breakdown = !s->focus_breakdown; return CA_REDRAW;
	case R_CLEAR:  s->model[0] = '\0'; return CA_REBUILD;
	case R_BACK:
		if (s->depth == 0)
			return CA_BACK;
		s->depth--;
		return CA_REBUILD;
	case R_GROUP:
		for (i = 0; i < 3 && groups[i] != s->lv[0].group; i++)
			;
		s->depth = 0;
		s->lv[0].group = groups[(i + 1) % 3];
		s->lv[0].sel = -1;
		return CA_REBUILD;
	case R_DIM:
		s->dim = s->dim == REPORT_MODEL ? REPORT_SOURCE : s->dim == REPORT_SOURCE ?
		    REPORT_TAG : s->dim == REPORT_TAG ? REPORT_PROVIDER : s->dim == REPORT_PROVIDER ?
		    REPORT_PROJECT : s->dim == REPORT_PROJECT ? REPORT_KEY : s->dim == REPORT_KEY ?
		    REPORT_HOST : REPORT_MODEL;
		return CA_REBUILD;
	case R_PROVIDER:
		s->provider = s->provider + 1 < PROVIDER_COUNT ? s->provider + 1 : -1;
		return CA_REBUILD;
	case R_RANGE:
		s->editing = 'r';
		view_input_clear(&s->input);
		return CA_REDRAW;
	case R_EXPORT:
		s->editing = 'e';
		view_input_set(&s->input, s->focus_breakdown ? "tokentop-breakdown.csv" :
		    "tokentop-report.csv");
		return CA_REDRAW;
	}
	return CA_UNHANDLED;
}

/* ---- the mouse ------------------------------------------------------------ */

/*
 * A click on a row of either table gives that table the cursor and puts it
 * on the row, by its key (a click on the row already under the cursor is
 * Enter); the wheel moves the cursor of the table under it. Nothing while
 * a prompt is open.
 */
static enum console_act
rep_mouse(struct console *c, void *st, const struct draw_mouse *m)
{
	struct reports *s = st;
	struct level *l = &s->lv[s->depth];
	struct view_rect top, bot, *r;
	const struct report *rep;
	int breakdown, was, k;

	if (s->editing)
		return CA_NONE;
	view_reports_split(c->w, c->h, &top, &bot);
	if (m->y >= top.y && m->y < top.y + top.h && m->x >= top.x && m->x < top.x + top.w)
		breakdown = 0;
	else if (m->y >= bot.y && m->y < bot.y + bot.h && m->x >= bot.x && m->x < bot.x + bot.w &&
	    s->periods.nrows > 0)
		breakdown = 1;
	else
		return CA_NONE;
	was = s->focus_breakdown;
	s->focus_breakdown = breakdown;
	if (m->kind != MOUSE_CLICK) {
		if (move(s, m->kind == MOUSE_WHEEL_UP ? -3 : 3) == CA_REBUILD)
			return CA_REBUILD;
		return CA_REDRAW;
	}
	r = breakdown ? &bot : &top;
	rep = breakdown ? &s->breakdown : &s->periods;
	k = (breakdown ? s->btop : l->top) + m->y - (r->y + 2);
	if (m->y < r->y + 2 || m->y >= r->y + 2 + table_rows(r) || k >= (int)rep->nrows)
		return CA_REDRAW;           /* the heading, the total, a border: the focus only */
	if (was == breakdown && k == (breakdown ? s->bsel : l->sel))
		return rep_key(c, s, K_ENTER);
	return move(s, k - (breakdown ? s->bsel : l->sel));
}

const struct screen_ops screen_reports = {
	.name = "Reports",
	.keys = rep_keys,
	.create = rep_create,
	.destroy = rep_destroy,
	.rebuild = rep_rebuild,
	.draw = rep_draw,
	.key = rep_key,
	.resize = NULL,
	.mouse = rep_mouse,
};
