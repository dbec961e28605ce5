/* dash_data.c — the dashboard's one read of the store (see dash_data.h):
 * today, the days before (cached), the period's models, the intraday
 * figures, batches and the organisation, into the plain struct the panes
 * draw from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/num.h"
#include "tui/dash_data.h"
#include "tui/dash_intraday.h"
#include "tui/screen_poller.h"

/* What one read holds (the days before today are kept: see fill_history). */
static void
data_reset(struct dash_data *d)
{
	store_report_free(&d->today);
	store_report_free(&d->today_pv);
	store_report_free(&d->period);
	free(d->rows);
	d->rows = NULL;
	d->nrows = 0;
	free(d->batches);
	d->batches = NULL;
	d->nbatches = 0;
}

void
dash_data_free(struct dash_data *d)
{
	if (d == NULL)
		return;
	data_reset(d);
	store_report_free(&d->days);
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

int
dash_data_rows(struct dash_data *d, const char *needle, enum view_col sort, int desc)
{
	const struct report *r = &d->period;
	struct view_model_row *m;
	size_t i;

	free(d->rows);
	d->rows = calloc(r->nrows + 1, sizeof(*d->rows));
	if (d->rows == NULL)
		return -1;
	for (i = 0; i < r->nrows; i++) {
		m = &d->rows[i];
		snprintf(m->model, sizeof(m->model), "%s", r->rows[i].key);
		m->requests = r->rows[i].requests;
		m->input = r->rows[i].tok.input;
		m->output = r->rows[i].tok.output;
		m->cache_read = r->rows[i].tok.cache_read;
		m->cache_write = num_sat_add(r->rows[i].tok.write_5m, r->rows[i].tok.write_1h);
		m->hit_permille = report_hit_permille(&r->rows[i].tok);
		m->cost_nanos = r->rows[i].cost_nanos;
		m->unpriced = r->rows[i].unpriced_requests;
		m->provider = r->rows[i].provider >= 0 ? r->rows[i].provider : -1;
	}
	d->nrows = view_filter_models(d->rows, r->nrows, needle);
	view_sort_models(d->rows, d->nrows, sort, desc);
	view_sum_models(d->rows, d->nrows, &d->rows_total);
	return 0;
}

int
dash_data_days(const struct console *c)
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
	struct report_query q = { .group = REPORT_TOTAL, .host = d->host };
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
	struct report_query q = { .group = REPORT_DAY, .host = d->host };
	int n = dash_data_days(c);
	int64_t since = view_day_start(c->now_ms, -(n - 1));
	char mkey[16];
	time_t t = (time_t)(d->month0 / 1000);
	struct tm tm;
	size_t i;

	if (d->hist_day0 == d->day0 && n <= d->hist_ndays && c->now_ms - d->hist_at_ms < 60000 &&
	    strcmp(d->hist_host, d->host) == 0)
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
	memcpy(d->hist_host, d->host, sizeof(d->hist_host));
	d->hist_ndays = n;
	d->hist_at_ms = c->now_ms;
	return 0;
}

int
dash_data_read(struct console *c, struct dash_data *d, const char *filter, enum view_col sort,
               int desc, char *err, size_t errlen)
{
	struct report_query q;
	const char *needle = filter, *tag = NULL, *provider = NULL;
	int found = 1;

	data_reset(d);
	if (strncmp(needle, "tag:", 4) == 0) {
		tag = needle + 4;
		needle = "";
	} else if (strncmp(needle, "provider:", 9) == 0) {
		provider = needle + 9;   /* the Models pane; the header stays every provider's */
		needle = "";
	}
	/* host:NAME narrows every figure, the header's too: one host's view */
	snprintf(d->host, sizeof(d->host), "%s", strncmp(needle, "host:", 5) == 0 ? needle + 5 : "");
	if (d->host[0] != '\0')
		needle = "";
	d->now_ms = c->now_ms;
	d->day0 = view_day_start(c->now_ms, 0);
	d->day1 = view_day_start(c->now_ms, 1);
	d->month0 = view_month_start(c->now_ms, 0);
	d->live = c->live;
	d->db_path = store_path(c->st);      /* a URI shown with its password masked */
	memset(&q, 0, sizeof(q));
	q.group = REPORT_TOTAL;
	q.since_ms = d->day0;
	q.until_ms = d->day1;
	q.baseline_model = c->baseline[0] ? c->baseline : NULL;
	q.host = d->host;
	if (store_report(c->st, c->pr, &q, &d->today, err, errlen) != 0)
		return -1;
	q.group = REPORT_PROVIDER;
	if (store_report(c->st, c->pr, &q, &d->today_pv, err, errlen) != 0)
		return -1;
	q.group = REPORT_TOTAL;
	if (fill_history(c, d, err, errlen) != 0)
		return -1;
	d->month_nanos = num_sat_add(d->hist_month, d->today.totals.cost_nanos);
	d->saved_today = d->today.totals.saved;
	d->saved_month.cache = num_sat_add(d->hist_saved.cache, d->saved_today.cache);
	d->saved_month.batch = num_sat_add(d->hist_saved.batch, d->saved_today.batch);
	d->saved_month.routing = num_sat_add(d->hist_saved.routing, d->saved_today.routing);
	d->saved_month.compression = num_sat_add(d->hist_saved.compression,
	    d->saved_today.compression);
	/* the last hour's rate (header), the hours of the day (intraday, the
	 * Cache pane's hit ratio): one rollup query, one scan of the last hour */
	if (dash_intraday_fill(c->st, c->pr, c->now_ms, tag, d->host, d, err, errlen) != 0)
		return -1;
	q.group = REPORT_MODEL;
	q.since_ms = period_start(d);
	q.until_ms = d->day1;
	q.tag = tag;
	q.provider = provider;
	if (store_report(c->st, c->pr, &q, &d->period, err, errlen) != 0)
		return -1;
	d->tag_filtered = tag != NULL || provider != NULL || d->host[0] != '\0';
	if (dash_data_rows(d, needle, sort, desc) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* last: a failure here leaves every figure above in place */
	if (store_batch_list(c->st, c->pr, 10, &d->batches, &d->nbatches, err, errlen) != 0)
		return -1;
	if (console_org_read(c, &d->org, err, errlen) != 0)
		return -1;
	d->followed = screen_poller_active();
	d->empty = 0;
	if (d->today.totals.requests == 0 && d->days.nrows == 0 &&
	    store_has_usage(c->st, &found, err, errlen) == 0)
		d->empty = !found;
	return 0;
}
