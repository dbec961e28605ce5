/* screen_dashboard.c — the default screen: header, daily spend, models,
 * cache and batches. Its rebuild is the one place the dashboard reads the
 * store; the panes draw from the struct it fills. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/num.h"
#include "tui/console.h"
#include "tui/console_settings.h"
#include "tui/dash_intraday.h"
#include "tui/pane_data.h"
#include "tui/screen_batches.h"
#include "tui/screen_dashboard.h"

enum {
	D_NEXT = 1, D_PREV, D_UP, D_DOWN, D_PGUP, D_PGDN, D_FILTER, D_SORT, D_SORT_LEFT,
	D_SORT_RIGHT, D_REVERSE, D_PERIOD, D_ENTER, D_NEW_BATCH, D_CLEAR,
};

static const struct key_bind dash_keys[] = {
	{ K_TAB,   D_NEXT,       "pane",   "next pane" },
	{ K_BTAB,  D_PREV,       NULL,     "previous pane" },
	{ K_RIGHT, D_NEXT,       NULL,     "next pane" },
	{ K_LEFT,  D_PREV,       NULL,     "previous pane" },
	{ K_UP,    D_UP,         NULL,     "cursor up in the pane" },
	{ K_DOWN,  D_DOWN,       NULL,     "cursor down in the pane" },
	{ K_PGUP,  D_PGUP,       NULL,     "page up" },
	{ K_PGDN,  D_PGDN,       NULL,     "page down" },
	{ '/',     D_FILTER,     "filter", "filter models by name; tag:NAME filters by tag" },
	{ 's',     D_SORT,       "sort",   "sort models by the next column" },
	{ '<',     D_SORT_LEFT,  NULL,     "sort by the column to the left" },
	{ '>',     D_SORT_RIGHT, NULL,     "sort by the column to the right" },
	{ 'r',     D_REVERSE,    NULL,     "reverse the sort order" },
	{ 'p',     D_PERIOD,     "period", "models period: today, 7 days, 30 days, month" },
	{ K_ENTER, D_ENTER,      NULL,     "drill down: a model's days, a batch's detail" },
	{ 'n',     D_NEW_BATCH,  NULL,     "launch a new batch" },
	{ K_ESC,   D_CLEAR,      NULL,     "clear the filter" },
	{ 0, 0, NULL, NULL },
};

struct dash {
	struct dash_data  d;
	enum view_pane    focus;
	int               sel[PANE_COUNT];
	int               top[PANE_COUNT];
	enum view_col     sort;
	int               desc;
	int               editing;          /* the filter prompt is open */
	struct view_input filter;
};

/* The model a Reports drill-down should show; "" when none. */
static char drill_model[96];
static int drill_days;

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

void
dashboard_drill_clear(void)
{
	drill_model[0] = '\0';
	drill_days = 0;
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
	view_layout(c->w, c->h, s->focus, c->set.hidden_panes, l);
	s->focus = l->focus;
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
data_free(struct dash_data *d)
{
	store_report_free(&d->today);
	store_report_free(&d->period);
	free(d->rows);
	d->rows = NULL;
	d->nrows = 0;
	free(d->batches);
	d->batches = NULL;
	d->nbatches = 0;
}

static void
dash_destroy(void *st)
{
	struct dash *s = st;

	if (s == NULL)
		return;
	data_free(&s->d);
	store_report_free(&s->d.days);
	free(s);
}

static int64_t
period_start(const struct dash_data *d)
{
	switch (d->period_kind) {
	case PERIOD_7D:    return view_day_start(d->now_ms, -6);
	case PERIOD_30D:   return view_day_start(d->now_ms, -29);
	case PERIOD_MONTH: return d->month0;
	default:           return d->day0;
	}
}

/* Model rows from the period report: filtered by name, sorted. */
static int
fill_rows(struct dash *s, const char *needle)
{
	const struct report *r = &s->d.period;
	struct view_model_row *m;
	size_t i;

	free(s->d.rows);
	s->d.rows = calloc(r->nrows + 1, sizeof(*s->d.rows));
	if (s->d.rows == NULL)
		return -1;
	for (i = 0; i < r->nrows; i++) {
		m = &s->d.rows[i];
		snprintf(m->model, sizeof(m->model), "%s", r->rows[i].key);
		m->requests = r->rows[i].requests;
		m->input = r->rows[i].tok.input;
		m->output = r->rows[i].tok.output;
		m->cache_read = r->rows[i].tok.cache_read;
		m->cache_write = num_sat_add(r->rows[i].tok.write_5m, r->rows[i].tok.write_1h);
		m->hit_permille = report_hit_permille(&r->rows[i].tok);
		m->cost_nanos = r->rows[i].cost_nanos;
		m->unpriced = r->rows[i].unpriced_requests;
	}
	s->d.nrows = view_filter_models(s->d.rows, r->nrows, needle);
	view_sort_models(s->d.rows, s->d.nrows, s->sort, s->desc);
	return 0;
}

/* Days the daily pane shows at this terminal size. */
static int
visible_days(const struct console *c)
{
	struct view_layout l;
	int n;

	view_layout(c->w, c->h, PANE_DAILY, c->set.hidden_panes, &l);
	n = l.pane[PANE_DAILY].h - 3;
	if (l.mode == VIEW_TOO_SMALL)
		n = 20;
	return n < 1 ? 1 : n > DASH_DAYS ? DASH_DAYS : n;
}

/* What the levers saved in the month's days before today: one total over
 * the range, as `report savings --since` sums it. */
static int
month_saved(struct console *c, struct dash_data *d, char *err, size_t errlen)
{
	struct report_query q = { .group = REPORT_TOTAL };
	struct report r;

	memset(&d->hist_saved, 0, sizeof(d->hist_saved));
	if (d->month0 >= d->day0)
		return 0;
	q.since_ms = d->month0;
	q.until_ms = d->day0;
	q.baseline_model = c->baseline[0] ? c->baseline : NULL;
	if (store_report(c->st, c->pr, &q, &r, err, errlen) != 0)
		return -1;
	d->hist_saved = r.totals.saved;
	store_report_free(&r);
	return 0;
}

/*
 * The days before today change rarely (an import of old transcripts), so
 * they are read again only when the day rolls, the pane grows, or a minute
 * has passed; a new row today costs only today's queries. One query serves
 * both the bars and the month's days before today.
 */
static int
fill_history(struct console *c, struct dash_data *d, char *err, size_t errlen)
{
	struct report_query q = { .group = REPORT_DAY };
	int n = visible_days(c);
	int64_t since = view_day_start(c->now_ms, -(n - 1));
	char mkey[16];
	time_t t = (time_t)(d->month0 / 1000);
	struct tm tm;
	size_t i;

	if (d->hist_day0 == d->day0 && n <= d->hist_ndays && c->now_ms - d->hist_at_ms < 60000)
		return 0;
	store_report_free(&d->days);
	q.since_ms = since < d->month0 ? since : d->month0;
	q.until_ms = d->day0;
	if (store_report(c->st, c->pr, &q, &d->days, err, errlen) != 0) {
		d->hist_day0 = 0;
		return -1;
	}
	localtime_r(&t, &tm);
	strftime(mkey, sizeof(mkey), "%Y-%m-%d", &tm);
	d->hist_month = 0;
	for (i = 0; i < d->days.nrows; i++)
		if (strcmp(d->days.rows[i].key, mkey) >= 0)
			d->hist_month = num_sat_add(d->hist_month, d->days.rows[i].cost_nanos);
	if (month_saved(c, d, err, errlen) != 0) {
		d->hist_day0 = 0;
		return -1;
	}
	d->hist_day0 = d->day0;
	d->hist_ndays = n;
	d->hist_at_ms = c->now_ms;
	return 0;
}

static int
dash_rebuild(struct console *c, void *st)
{
	struct dash *s = st;
	struct dash_data *d = &s->d;
	struct report_query q;
	const char *needle = s->filter.buf, *tag = NULL;
	char err[256];

	data_free(d);
	if (strncmp(needle, "tag:", 4) == 0) {
		tag = needle + 4;
		needle = "";
	}
	d->now_ms = c->now_ms;
	d->day0 = view_day_start(c->now_ms, 0);
	d->day1 = view_day_start(c->now_ms, 1);
	d->month0 = view_month_start(c->now_ms, 0);
	d->live = c->live;
	d->db_path = c->cli->cfg.db_path;
	memset(&q, 0, sizeof(q));
	q.group = REPORT_TOTAL;
	q.since_ms = d->day0;
	q.until_ms = d->day1;
	q.baseline_model = c->baseline[0] ? c->baseline : NULL;
	if (store_report(c->st, c->pr, &q, &d->today, err, sizeof(err)) != 0)
		goto fail;
	if (fill_history(c, d, err, sizeof(err)) != 0)
		goto fail;
	d->month_nanos = num_sat_add(d->hist_month, d->today.totals.cost_nanos);
	d->saved_today = d->today.totals.saved;
	d->saved_month.cache = num_sat_add(d->hist_saved.cache, d->saved_today.cache);
	d->saved_month.batch = num_sat_add(d->hist_saved.batch, d->saved_today.batch);
	d->saved_month.routing = num_sat_add(d->hist_saved.routing, d->saved_today.routing);
	d->saved_month.compression = num_sat_add(d->hist_saved.compression,
	    d->saved_today.compression);
	/* the last hour's rate (header), the hours of the day (intraday, the
	 * Cache pane's hit ratio): one rollup query, one scan of the last hour */
	if (dash_intraday_fill(c->st, c->pr, c->now_ms, tag, d, err, sizeof(err)) != 0)
		goto fail;
	q.group = REPORT_MODEL;
	q.since_ms = period_start(d);
	q.until_ms = d->day1;
	q.tag = tag;
	if (store_report(c->st, c->pr, &q, &d->period, err, sizeof(err)) != 0)
		goto fail;
	d->tag_filtered = tag != NULL;
	if (fill_rows(s, needle) != 0) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	/* last: a failure here leaves every figure above in place */
	if (store_batch_list(c->st, c->pr, 10, &d->batches, &d->nbatches, err, sizeof(err)) != 0)
		goto fail;
	if (console_org_read(c, &d->org, err, sizeof(err)) != 0)
		goto fail;
	return 0;
fail:
	console_status(c, ROLE_ALERT, "ledger: %s", err);
	return -1;
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
	if (s->editing) {
		console_prompt(c, "Filter", " (model, or tag:NAME) ", s->filter.buf);
		return;
	}
	snprintf(right, sizeof(right), "db %s", c->cli->cfg.db_path);
	console_keybar(c, dash_keys, right);
}

/* Rows in the focused pane, and how many it shows at once. */
static void
pane_rows(struct console *c, struct dash *s, int *n, int *vis)
{
	struct view_layout l;

	layout(c, s, &l);
	*n = 0;
	*vis = 1;
	if (s->focus == PANE_MODELS) {
		*n = (int)s->d.nrows;
		*vis = pane_models_visible(l.pane[PANE_MODELS].h);
	} else if (s->focus == PANE_BATCHES) {
		*n = (int)s->d.nbatches;
		*vis = pane_batches_visible(l.pane[PANE_BATCHES].h);
	}
	if (*vis < 1)
		*vis = 1;
}

static enum console_act
move_cursor(struct console *c, struct dash *s, int delta)
{
	int n, vis, *sel = &s->sel[s->focus], *top = &s->top[s->focus];

	pane_rows(c, s, &n, &vis);
	if (n == 0)
		return CA_NONE;
	*sel += delta;
	if (*sel < 0)
		*sel = 0;
	if (*sel >= n)
		*sel = n - 1;
	if (*sel < *top)
		*top = *sel;
	if (*sel >= *top + vis)
		*top = *sel - vis + 1;
	return CA_REDRAW;
}

/* Sorting and a model filter work on the rows in memory; a tag filter
 * changes the query. */
static enum console_act
refilter(struct dash *s)
{
	if (strncmp(s->filter.buf, "tag:", 4) == 0 || s->d.tag_filtered)
		return CA_REBUILD;
	s->sel[PANE_MODELS] = s->top[PANE_MODELS] = 0;
	if (fill_rows(s, s->filter.buf) != 0)
		return CA_REBUILD;
	return CA_REDRAW;
}

static enum console_act
filter_key(struct dash *s, int key)
{
	if (key == K_ENTER) {
		s->editing = 0;
		return refilter(s);
	}
	if (key == K_ESC) {
		s->editing = 0;
		view_input_clear(&s->filter);
		return refilter(s);
	}
	if (key == 0x15)                        /* ^U: clear the line */
		view_input_clear(&s->filter);
	else if (key == K_BACKSPACE)
		view_input_backspace(&s->filter);
	else if (key > 0 && key < 0x110000)
		view_input_add(&s->filter, (uint32_t)key);
	else
		return CA_NONE;
	return refilter(s);   /* filter as you type */
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
	return refilter(s);
}

static enum console_act
dash_key_act(struct console *c, struct dash *s, int key)
{
	int n, vis;

	if (s->editing)
		return filter_key(s, key);
	switch (console_lookup(dash_keys, key)) {
	case D_NEXT:   s->focus = view_pane_step(s->focus, 1, c->set.hidden_panes); return CA_REDRAW;
	case D_PREV:   s->focus = view_pane_step(s->focus, -1, c->set.hidden_panes); return CA_REDRAW;
	case D_UP:     return move_cursor(c, s, -1);
	case D_DOWN:   return move_cursor(c, s, 1);
	case D_PGUP:   pane_rows(c, s, &n, &vis); return move_cursor(c, s, -vis);
	case D_PGDN:   pane_rows(c, s, &n, &vis); return move_cursor(c, s, vis);
	case D_FILTER: s->editing = 1; return CA_REDRAW;
	case D_CLEAR:
		if (s->filter.len == 0)
			return CA_NONE;
		view_input_clear(&s->filter);
		return refilter(s);
	case D_SORT:
	case D_SORT_RIGHT: return sort_step(c, s, 1);
	case D_SORT_LEFT:  return sort_step(c, s, -1);
	case D_REVERSE: s->desc = !s->desc; return refilter(s);
	case D_PERIOD:
		s->d.period_kind = (s->d.period_kind + 1) % PERIOD_COUNT;
		s->sel[PANE_MODELS] = s->top[PANE_MODELS] = 0;
		return CA_REBUILD;
	case D_ENTER:
		if (s->focus == PANE_BATCHES && (size_t)s->sel[PANE_BATCHES] < s->d.nbatches) {
			batches_open_detail(c, s->d.batches[s->sel[PANE_BATCHES]].id);
			return CA_BATCHES;
		}
		if (s->focus == PANE_MODELS && (size_t)s->sel[PANE_MODELS] < s->d.nrows) {
			snprintf(drill_model, sizeof(drill_model), "%s",
			    s->d.rows[s->sel[PANE_MODELS]].model);
			c->built[SCR_REPORTS] = 0;
			return CA_REPORTS;
		}
		if (s->focus == PANE_DAILY) {
			drill_days = 1;
			c->built[SCR_REPORTS] = 0;
			return CA_REPORTS;
		}
		return CA_NONE;
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

/* The cursor of a pane on row k (a click). */
static void
select_row(struct dash *s, enum view_pane p, int k)
{
	s->sel[p] = k;
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
		return refilter(s);
	}
	if (p == PANE_MODELS) {
		n = (int)s->d.nrows;
		vis = pane_models_visible(r->h);
	} else if (p == PANE_BATCHES) {
		n = (int)s->d.nbatches;
		vis = pane_batches_visible(r->h);
	} else if (p == PANE_DAILY) {
		first = r->y + 1;
		n = vis = r->h - 3;
	}
	k = s->top[p] + (m->y - first);
	if (m->y < first || m->y >= first + vis || k >= n)
		return CA_REDRAW;
	if (was == p && s->sel[p] == k)
		return dash_key_act(c, s, K_ENTER);
	select_row(s, (enum view_pane)p, k);
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
		a = move_cursor(c, s, m->kind == MOUSE_WHEEL_UP ? -3 : 3);
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

	if (visible_days(c) > s->d.hist_ndays)
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
