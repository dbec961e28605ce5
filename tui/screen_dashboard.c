/* screen_dashboard.c — the default screen: header, daily spend, models,
 * cache, batches and the spend per hour; its keys, cursors and mouse. Its
 * rebuild reads the store through dash_data_read, the one read; the panes
 * draw from the struct it fills. A cursor stands on a row's key (defect 2),
 * moved by key or by click. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console.h"
#include "tui/console_settings.h"
#include "tui/dash_data.h"
#include "tui/screen_batches.h"
#include "tui/screen_dashboard.h"

enum {
	D_NEXT = 1, D_PREV, D_UP, D_DOWN, D_PGUP, D_PGDN, D_FILTER, D_SORT, D_SORT_LEFT,
	D_SORT_RIGHT, D_REVERSE, D_PERIOD, D_ENTER, D_NEW_BATCH, D_CLEAR, D_HOME, D_END,
};

static const struct key_bind dash_keys[] = {
	{ K_TAB,   D_NEXT,       "pane",   "next pane" },
	{ K_BTAB,  D_PREV,       NULL,     "previous pane" },
	{ K_RIGHT, D_NEXT,       NULL,     "next pane" },
	{ K_LEFT,  D_PREV,       NULL,     "previous pane" },
	{ K_UP,    D_UP,         NULL,     "cursor up in the pane (days, models, batches)" },
	{ 'k',     D_UP,         NULL,     "cursor up" },
	{ K_DOWN,  D_DOWN,       NULL,     "cursor down in the pane" },
	{ 'j',     D_DOWN,       NULL,     "cursor down" },
	{ K_PGUP,  D_PGUP,       NULL,     "page up" },
	{ K_PGDN,  D_PGDN,       NULL,     "page down" },
	{ K_HOME,  D_HOME,       NULL,     "first row" },
	{ K_END,   D_END,        NULL,     "last row" },
	{ '/',     D_FILTER,     "filter", "filter models by name; tag:, provider:, host:NAME" },
	{ 's',     D_SORT,       "sort",   "sort models by the next column" },
	{ '<',     D_SORT_LEFT,  NULL,     "sort by the column to the left" },
	{ '>',     D_SORT_RIGHT, NULL,     "sort by the column to the right" },
	{ 'r',     D_REVERSE,    NULL,     "reverse the sort order" },
	{ 'p',     D_PERIOD,     "period", "models period: today, 7 days, 30 days, month" },
	{ K_ENTER, D_ENTER,      NULL,     "drill down: the day, the model's days, the batch" },
	{ 'n',     D_NEW_BATCH,  NULL,     "launch a new batch" },
	{ K_ESC,   D_CLEAR,      NULL,     "clear the filter" },
	{ 0, 0, NULL, NULL },
};

struct dash {
	struct dash_data  d;
	enum view_pane    focus;
	int               sel[PANE_COUNT];
	int               top[PANE_COUNT];
	char              sel_key[PANE_COUNT][USAGE_ID_MAX];  /* what the cursor is on */
	enum view_col     sort;
	int               desc;
	int               editing;          /* the filter prompt is open */
	struct view_input filter;
};

/* The model a Reports drill-down should show; "" when none. */
static char drill_model[96];
static int drill_days;
static char drill_day[16];        /* the day the daily pane's cursor was on */

const char *
dashboard_drill_model(void)
{
	return drill_model;
}

int
dashboard_drill_days(void)
{
	return drill_days;
}

const char *
dashboard_drill_day(void)
{
	return drill_day;
}

void
dashboard_drill_clear(void)
{
	drill_model[0] = '\0';
	drill_days = 0;
	drill_day[0] = '\0';
}

const char *
dashboard_filter(const struct console *c)
{
	const struct dash *s = c->state[SCR_DASHBOARD];

	return s != NULL ? s->filter.buf : "";
}

void
dashboard_filter_set(struct console *c, const char *text)
{
	struct dash *s = c->state[SCR_DASHBOARD];

	if (s == NULL)
		return;
	s->editing = 0;
	view_input_set(&s->filter, text);
	c->built[SCR_DASHBOARD] = 0;
	c->built[SCR_REPORTS] = 0;
}

static void *
dash_create(struct console *c)
{
	struct dash *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	/* as the user left them (console.json) */
	s->focus = c->set.focus;
	s->sort = c->set.sort;
	s->desc = c->set.desc;
	s->d.period_kind = (enum dash_period)c->set.period;
	return s;
}

/* The geometry as drawn: the user's hidden panes left out, the focus moved
 * off a hidden one. Every use of the layout here goes through it. */
static void
layout(struct console *c, struct dash *s, struct view_layout *l)
{
	int i, bottom;

	view_layout(c->w, c->h, s->focus, c->set.hidden_panes, l);
	s->focus = l->focus;
	if (l->mode == VIEW_TOO_SMALL || !console_alert_shown(c))
		return;
	/* the alert line takes the body's last row from the panes on it */
	bottom = l->body.y + l->body.h;
	l->body.h--;
	for (i = 0; i < PANE_COUNT; i++)
		if (l->pane[i].h > 1 && l->pane[i].y + l->pane[i].h == bottom)
			l->pane[i].h--;
}

/* The optional columns to draw: those not hidden in Setup, the wide ones
 * only on a broad screen. */
static unsigned
shown_cols(const struct console *c, const struct view_layout *l)
{
	return ~c->set.hidden_cols & (l->broad ? ~0u : ~(unsigned)DCOL_WIDE);
}

/* What the user chose here is remembered (console.json) when it changed. */
static void
remember(struct console *c, const struct dash *s)
{
	struct console_settings *t = &c->set;

	if (t->sort == s->sort && t->desc == s->desc && t->period == (int)s->d.period_kind &&
	    t->focus == s->focus)
		return;
	t->sort = s->sort;
	t->desc = s->desc;
	t->period = (int)s->d.period_kind;
	t->focus = s->focus;
	console_settings_changed(c);
}

static void
dash_destroy(void *st)
{
	struct dash *s = st;

	if (s == NULL)
		return;
	dash_data_free(&s->d);
	free(s);
}

static void follow_all(struct console *c, struct dash *s);

static int
dash_rebuild(struct console *c, void *st)
{
	struct dash *s = st;
	char err[256];

	if (dash_data_read(c, &s->d, s->filter.buf, s->sort, s->desc, err, sizeof(err)) != 0) {
		console_status(c, ROLE_ALERT, "ledger: %s", err);
		return -1;
	}
	follow_all(c, s);
	return 0;
}

static void
dash_draw(struct console *c, void *st)
{
	static const char *const names[PANE_COUNT] = { "Daily", "Models", "Cache", "Batches",
		"Intraday" };
	struct dash *s = st;
	struct view_layout l;
	struct pane_ctx p;
	char right[CONFIG_PATH_MAX + 8], tabs[128];
	int i, nth = 0, shown = 0;

	s->d.live = c->live;
	s->d.now_ms = c->now_ms;
	s->d.budgets = c->budgets;
	s->d.nbudgets = c->nbudgets;
	layout(c, s, &l);
	pane_header_draw(&s->d, 0, c->w);
	for (i = 0; i < PANE_COUNT; i++) {
		if (l.pane[i].h == 0)
			continue;
		p.r = l.pane[i];
		p.focused = l.mode == VIEW_WIDE ? (int)s->focus == i : 1;
		p.sel = s->sel[i];
		p.top = s->top[i];
		p.cols = shown_cols(c, &l);
		switch (i) {
		case PANE_DAILY:    pane_daily_draw(&s->d, &p); break;
		case PANE_MODELS:   pane_models_draw(&s->d, &p, s->sort, s->desc, s->filter.buf); break;
		case PANE_CACHE:    pane_cache_draw(&s->d, &p); break;
		case PANE_BATCHES:  pane_batches_draw(&s->d, &p); break;
		case PANE_INTRADAY: pane_intraday_draw(&s->d, &p); break;
		}
	}
	if (l.mode == VIEW_TABBED) {   /* which pane, and that Tab cycles */
		for (i = 0; i < PANE_COUNT; i++)
			if (!(c->set.hidden_panes & VIEW_PANE_BIT(i))) {
				shown++;
				nth += view_pane_rank(i) <= view_pane_rank(s->focus);
			}
		snprintf(tabs, sizeof(tabs), " %d/%d  Tab: %s ", nth, shown,
		    names[view_pane_step(s->focus, 1, c->set.hidden_panes)]);
		draw_text(1, c->w - view_width(tabs) - 1, view_width(tabs), ROLE_DIM, DRAW_RAW, tabs);
	}
	if (console_alert_shown(c))
		console_alert_draw(c, l.body.y + l.body.h);
	if (s->editing) {
		console_prompt(c, "Filter", " (model, tag:, provider: or host:NAME) ", s->filter.buf);
		return;
	}
	snprintf(right, sizeof(right), "db %s", store_path(c->st));
	console_keybar(c, dash_keys, right);
}

/* Rows in pane p, and how many it shows at once. */
static void
pane_rows(struct console *c, struct dash *s, enum view_pane p, int *n, int *vis)
{
	struct view_layout l;

	view_layout(c->w, c->h, p, c->set.hidden_panes, &l);
	*vis = p == PANE_MODELS ? pane_models_visible(l.pane[p].h) : p == PANE_BATCHES ?
	    pane_batches_visible(l.pane[p].h) : pane_daily_visible(l.pane[p].h);
	if (*vis < 1)
		*vis = 1;
	*n = pane_row_count(&s->d, p, p == PANE_DAILY ? *vis : 0);
}

/* Every pane's cursor back on the row of its key (a batch that arrived on
 * top pushes the cursor down with its batch), or, when that row is gone,
 * on the same row number (defect 2). */
static void
follow_all(struct console *c, struct dash *s)
{
	int p, n, vis, i;

	for (p = 0; p < PANE_COUNT; p++) {
		pane_rows(c, s, p, &n, &vis);
		i = pane_find_key(&s->d, p, s->sel_key[p], n);
		s->sel[p] = i >= 0 ? i : view_move(s->sel[p], 0, n);
		pane_row_key(&s->d, p, s->sel[p], s->sel_key[p], sizeof(s->sel_key[p]));
		s->top[p] = view_scroll(s->sel[p], s->top[p], vis, n);
	}
}

/* The cursor by rows and by pages (a page: the rows the pane shows). */
static enum console_act
move_cursor(struct console *c, struct dash *s, int rows, int pages)
{
	int n, vis, p = s->focus;

	pane_rows(c, s, p, &n, &vis);
	if (n == 0)
		return CA_NONE;
	s->sel[p] = view_move(s->sel[p], rows + pages * vis, n);
	pane_row_key(&s->d, p, s->sel[p], s->sel_key[p], sizeof(s->sel_key[p]));
	s->top[p] = view_scroll(s->sel[p], s->top[p], vis, n);
	return CA_REDRAW;
}

/* Sorting and a model filter work on the rows in memory; a tag, provider
 * or host filter changes the query. The cursor stays on its model while it
 * is shown. */
static enum console_act
refilter(struct console *c, struct dash *s)
{
	if (strncmp(s->filter.buf, "host:", 5) == 0 || s->d.host[0] != '\0')
		c->built[SCR_REPORTS] = 0;      /* Reports follows the host filter */
	if (strncmp(s->filter.buf, "tag:", 4) == 0 || strncmp(s->filter.buf, "provider:", 9) == 0 ||
	    strncmp(s->filter.buf, "host:", 5) == 0 || s->d.tag_filtered || s->d.host[0] != '\0')
		return CA_REBUILD;
	if (dash_data_rows(&s->d, s->filter.buf, s->sort, s->desc) != 0)
		return CA_REBUILD;
	follow_all(c, s);
	return CA_REDRAW;
}

static enum console_act
filter_key(struct console *c, struct dash *s, int key)
{
	if (key == K_ENTER) {
		s->editing = 0;
		return refilter(c, s);
	}
	if (key == K_ESC) {
		s->editing = 0;
		view_input_clear(&s->filter);
		return refilter(c, s);
	}
	if (key == 0x15)                        /* ^U: clear the line */
		view_input_clear(&s->filter);
	else if (key == K_BACKSPACE)
		view_input_backspace(&s->filter);
	else if (key > 0 && key < 0x110000)
		view_input_add(&s->filter, (uint32_t)key);
	else
		return CA_NONE;
	return refilter(c, s);   /* filter as you type */
}

/* Sort by the next (dir 1) or previous shown column of the Models pane, in
 * the order drawn; a column not shown (a narrower screen) starts over. */
static enum console_act
sort_step(struct console *c, struct dash *s, int dir)
{
	enum view_col shown[VCOL_COUNT];
	struct view_layout l;
	size_t n, i;

	layout(c, s, &l);
	n = pane_models_columns(l.pane[PANE_MODELS].h > 0 ? &l.pane[PANE_MODELS] : &l.body,
	    shown_cols(c, &l), shown, VCOL_COUNT);
	for (i = 0; i < n && shown[i] != s->sort; i++)
		;
	i = i == n ? 0 : (i + n + (size_t)(dir < 0 ? n - 1 : 1)) % n;
	s->sort = n > 0 ? shown[i] : VCOL_COST;
	s->desc = s->sort != VCOL_MODEL;
	return refilter(c, s);
}

/* Enter: the row under the cursor, by its key — the batch's detail, the
 * model's days, the day in Reports. */
static enum console_act
drill(struct console *c, struct dash *s)
{
	const char *key = s->sel_key[s->focus];

	if (key[0] == '\0')
		return CA_NONE;
	switch (s->focus) {
	case PANE_BATCHES:
		batches_open_detail(c, key);
		return CA_BATCHES;
	case PANE_MODELS:
		snprintf(drill_model, sizeof(drill_model), "%s", key);
		c->built[SCR_REPORTS] = 0;
		return CA_REPORTS;
	case PANE_DAILY:
		drill_days = 1;
		snprintf(drill_day, sizeof(drill_day), "%s", key);
		c->built[SCR_REPORTS] = 0;
		return CA_REPORTS;
	default:
		return CA_NONE;
	}
}

static enum console_act
dash_key_act(struct console *c, struct dash *s, int key)
{
	if (s->editing)
		return filter_key(c, s, key);
	switch (console_lookup(dash_keys, key)) {
	case D_NEXT:   s->focus = view_pane_step(s->focus, 1, c->set.hidden_panes); return CA_REDRAW;
	case D_PREV:   s->focus = view_pane_step(s->focus, -1, c->set.hidden_panes); return CA_REDRAW;
	case D_UP:     return move_cursor(c, s, -1, 0);
	case D_DOWN:   return move_cursor(c, s, 1, 0);
	case D_PGUP:   return move_cursor(c, s, 0, -1);
	case D_PGDN:   return move_cursor(c, s, 0, 1);
	case D_HOME:   return move_cursor(c, s, -VIEW_MOVE_ALL, 0);
	case D_END:    return move_cursor(c, s, VIEW_MOVE_ALL, 0);
	case D_FILTER: s->editing = 1; return CA_REDRAW;
	case D_CLEAR:
		if (s->filter.len == 0)
			return CA_NONE;
		view_input_clear(&s->filter);
		return refilter(c, s);
	case D_SORT:
	case D_SORT_RIGHT: return sort_step(c, s, 1);
	case D_SORT_LEFT:  return sort_step(c, s, -1);
	case D_REVERSE: s->desc = !s->desc; return refilter(c, s);
	case D_PERIOD:     /* the cursor stays on its model if the period has it */
		s->d.period_kind = (s->d.period_kind + 1) % PERIOD_COUNT;
		return CA_REBUILD;
	case D_ENTER:
		return drill(c, s);
	case D_NEW_BATCH:
		batches_open_launch(c);
		return CA_BATCHES;
	}
	return CA_UNHANDLED;
}

static enum console_act
dash_key(struct console *c, void *st, int key)
{
	struct dash *s = st;
	enum console_act a = dash_key_act(c, s, key);

	remember(c, s);
	return a;
}

/* ---- the mouse ------------------------------------------------------------ */

/* The cursor of pane p on row k (a click): on its key, as a key moves it. */
static void
select_row(struct console *c, struct dash *s, enum view_pane p, int k)
{
	int n, vis;

	pane_rows(c, s, p, &n, &vis);
	s->sel[p] = view_move(k, 0, n);
	pane_row_key(&s->d, p, s->sel[p], s->sel_key[p], sizeof(s->sel_key[p]));
	s->top[p] = view_scroll(s->sel[p], s->top[p], vis, n);
}

/*
 * A click in pane p: it takes the focus; on the Models heading it sorts by
 * the column clicked (again: the other way); on a row it selects the row,
 * and on the row already selected it drills down as Enter does.
 */
static enum console_act
click(struct console *c, struct dash *s, const struct view_layout *l, int p,
      const struct draw_mouse *m)
{
	const struct view_rect *r = &l->pane[p];
	int was = (int)s->focus, first = r->y + 2, n = 0, vis = 0, col, k;

	s->focus = (enum view_pane)p;
	if (p == PANE_MODELS && m->y == r->y + 1 &&
	    (col = pane_models_col_at(r, shown_cols(c, l), m->x)) >= 0) {
		if ((enum view_col)col == s->sort)
			s->desc = !s->desc;
		else {
			s->sort = (enum view_col)col;
			s->desc = s->sort != VCOL_MODEL;
		}
		return refilter(c, s);
	}
	if (p != PANE_MODELS && p != PANE_BATCHES && p != PANE_DAILY)
		return CA_REDRAW;
	if (p == PANE_DAILY)
		first = r->y + 1;        /* no heading line */
	n = pane_row_count(&s->d, p, pane_daily_visible(r->h));
	vis = p == PANE_MODELS ? pane_models_visible(r->h) : p == PANE_BATCHES ?
	    pane_batches_visible(r->h) : pane_daily_visible(r->h);
	k = s->top[p] + (m->y - first);
	if (m->y < first || m->y >= first + vis || k >= n)
		return CA_REDRAW;
	if (was == p && s->sel[p] == k)
		return drill(c, s);
	select_row(c, s, (enum view_pane)p, k);
	return CA_REDRAW;
}

static enum console_act
dash_mouse(struct console *c, void *st, const struct draw_mouse *m)
{
	struct dash *s = st;
	struct view_layout l;
	enum console_act a;
	int p;

	if (s->editing)
		return CA_NONE;
	layout(c, s, &l);
	if ((p = view_pane_at(&l, m->y, m->x)) < 0)
		return CA_NONE;
	if (m->kind == MOUSE_CLICK)
		a = click(c, s, &l, p, m);
	else {         /* the wheel moves the cursor of the pane under it */
		s->focus = (enum view_pane)p;
		a = move_cursor(c, s, m->kind == MOUSE_WHEEL_UP ? -3 : 3, 0);
		if (a == CA_NONE)
			a = CA_REDRAW;
	}
	remember(c, s);
	return a;
}

/* A taller daily pane may need more days than were read. */
static void
dash_resize(struct console *c, void *st)
{
	struct dash *s = st;

	if (dash_data_days(c) > s->d.hist_ndays)
		c->built[SCR_DASHBOARD] = 0;
}

const struct screen_ops screen_dashboard = {
	.name = "Dashboard",
	.keys = dash_keys,
	.create = dash_create,
	.destroy = dash_destroy,
	.rebuild = dash_rebuild,
	.draw = dash_draw,
	.key = dash_key,
	.resize = dash_resize,
	.mouse = dash_mouse,
};
