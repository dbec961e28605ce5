/* dash_intraday.c — the intraday figures of the dashboard: see
 * dash_intraday.h. Sums saturate instead of wrapping (a corrupt ledger must
 * not print a negative rate). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/num.h"
#include "tui/dash_intraday.h"

#define HOUR_MS 3600000LL
#define SLOT_MS (HOUR_MS / DASH_SLOTS)

static void
add_sat(int64_t *sum, int64_t v)
{
	*sum = num_sat_add(*sum, v);
}

struct scan {
	const struct pricing *pr;
	const char           *tag;
	const char           *host;         /* NULL = every host */
	int64_t               since;
	struct dash_data     *d;
};

/* One row of the last 60 minutes. */
static int
each_row(const struct usage *u, void *arg)
{
	struct scan *s = arg;
	struct dash_intraday *in = &s->d->intra;
	int64_t cost = 0, tok = usage_total(&u->tok), k = (u->ts_ms - s->since) / SLOT_MS;

	if (s->host != NULL && strcmp(u->host, s->host) != 0)
		return 0;       /* another host's row: not in a host's view at all */
	if (pricing_usage_cost(s->pr, u, &cost) != 0)
		cost = 0;       /* unpriced: counted as a request, not as spend */
	if (u->ts_import) {     /* stamped at import: a backlog, no rate */
		add_sat(&s->d->hour_imported, cost);
		return 0;
	}
	add_sat(&s->d->hour_nanos, cost);
	add_sat(&s->d->hour_reqs, 1);
	if (s->tag != NULL && strcmp(u->tag, s->tag) != 0)
		return 0;
	k = k < 0 ? 0 : k >= DASH_SLOTS ? DASH_SLOTS - 1 : k;
	add_sat(&in->slot_cost[k], cost);
	add_sat(&in->slot_tok[k], tok);
	add_sat(&in->last_cost, cost);
	add_sat(&in->last_tok, tok);
	add_sat(&in->last_reqs, 1);
	return 0;
}

/* The 24 hours from the rollup: hour k is the local hour holding
 * hour0 + k hours. */
static int
fill_hours(struct store *st, const struct pricing *pr, const char *tag, const char *host,
           struct dash_data *d, char *err, size_t errlen)
{
	struct report_query q = { .group = REPORT_HOUR, .tag = tag, .host = host };
	struct report r = { 0 };
	struct dash_intraday *in = &d->intra;
	char key[32];
	time_t t;
	struct tm tm;
	size_t i;
	int k;

	q.since_ms = in->hour0_ms;
	if (store_report(st, pr, &q, &r, err, errlen) != 0)
		return -1;
	for (k = 0; k < DASH_HOURS; k++) {
		t = (time_t)((in->hour0_ms + k * HOUR_MS) / 1000);
		localtime_r(&t, &tm);
		strftime(key, sizeof(key), "%Y-%m-%d %H", &tm);
		for (i = 0; i < r.nrows; i++) {
			if (strcmp(r.rows[i].key, key) != 0)
				continue;
			d->hour_hit[k] = report_hit_permille(&r.rows[i].tok);
			d->hour_reqs_n[k] = r.rows[i].requests;
			in->hour_cost[k] = r.rows[i].cost_nanos;
			in->hour_tok[k] = usage_total(&r.rows[i].tok);
			add_sat(&in->day_cost, r.rows[i].cost_nanos);
		}
	}
	store_report_free(&r);
	return 0;
}

int
dash_intraday_fill(struct store *st, const struct pricing *pr, int64_t now_ms,
                   const char *tag, const char *host, struct dash_data *d, char *err,
                   size_t errlen)
{
	struct scan s = { .pr = pr, .d = d, .since = now_ms - HOUR_MS };

	if (tag != NULL && tag[0] == '\0')
		tag = NULL;
	if (host != NULL && host[0] == '\0')
		host = NULL;
	s.tag = tag;
	s.host = host;
	memset(&d->intra, 0, sizeof(d->intra));
	memset(d->hour_hit, 0, sizeof(d->hour_hit));
	memset(d->hour_reqs_n, 0, sizeof(d->hour_reqs_n));
	d->hour_nanos = d->hour_reqs = d->hour_imported = 0;
	snprintf(d->intra.tag, sizeof(d->intra.tag), "%s", tag != NULL ? tag : "");
	d->intra.hour0_ms = now_ms - now_ms % HOUR_MS - (DASH_HOURS - 1) * HOUR_MS;
	if (fill_hours(st, pr, tag, host, d, err, errlen) != 0)
		return -1;
	/* the same rows and bounds the header's rate always read */
	return store_each_priced(st, now_ms - HOUR_MS, now_ms + 1, each_row, &s, err, errlen);
}
