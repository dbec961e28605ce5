/* report.c — every aggregate the reports and panes need: rows by group key,
 * priced in C, in order. Where the figures are read from (rollups, raw rows)
 * is report_read.c.
 *
 * Periods are local (the caller's TZ). A UTC hour cell belongs to one local
 * day/week/month/hour when the local period at its first and its last
 * millisecond is the same; otherwise (zones with a :30 or :45 offset, DST
 * edges) that hour is re-read from the raw rows, as are the parts of the
 * range [since, until) that do not cover a whole UTC hour. A UTC day or
 * month cell split the same way is read by the day or hour, or (undated
 * prices) moved in part to the other period, and local days come from the
 * days that start at another UTC hour (rollup_do) and the first quarters
 * of an hour (rollup_hq) where those answer (report_shift.c; on
 * PostgreSQL also days that start at :15 and :30, report_part.c). So
 * results are exact, and with day-aligned bounds no raw row is read in
 * whole-hour zones, nor for local days in :30 and :45 zones. A cell's cost
 * is rounded once, as its group's: a report by month
 * may differ from the sum of the days by a few nano-dollars where a rate
 * has fractions of a nano-dollar a token (as the model report always did).
 *
 * Long context: the rollup splits rows at total input > 200,000, the line of
 * every shipped model. A model whose price (e.g. from a user file) names
 * another threshold is read from its raw rows instead, so it is still exact.
 *
 * Model filter: a row matches when its model resolves to the same price
 * entry as the filter (pricing_find: dated and undated ids alike), when it
 * equals the filter, or when it is the filter plus a "-YYYYMMDD" date.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/num.h"
#include "core/provider.h"
#include "data/report_int.h"

int64_t
report_hit_permille(const struct tokens *t)
{
	int64_t tot = usage_total_input(t);

	if (tot <= 0)
		return 0;
	/* round(read × 1000 / tot), half up, without overflow */
	return (num_sat_muldiv(t->cache_read, 2000, tot) + 1) / 2;
}

int64_t
report_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int
report_is_period(enum report_group g)
{
	return g == REPORT_DAY || g == REPORT_WEEK || g == REPORT_MONTH || g == REPORT_HOUR;
}

/* The local period of ms for group g into buf. */
void
report_period_key(enum report_group g, int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	const char *fmt = g == REPORT_DAY ? "%Y-%m-%d" : g == REPORT_WEEK ? "%G-W%V" :
	    g == REPORT_MONTH ? "%Y-%m" : "%Y-%m-%d %H";

	if (localtime_r(&t, &tm) == NULL || strftime(buf, n, fmt, &tm) == 0)
		snprintf(buf, n, "?");
}

void *
report_grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t nc;
	void *np;

	if (need <= *cap)
		return p;
	nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	np = realloc(p, nc * size);
	if (np != NULL)
		*cap = nc;
	return np;
}

static int
date_suffixed(const char *model, const char *base)
{
	size_t n = strlen(base), i;

	if (strncmp(model, base, n) != 0 || model[n] != '-' || strlen(model + n + 1) != 8)
		return 0;
	for (i = n + 1; model[i] != '\0'; i++)
		if (model[i] < '0' || model[i] > '9')
			return 0;
	return 1;
}

/* The cached facts of a model id of a provider; NULL on out of memory. */
struct model_ent *
report_model_ent(struct agg *a, const char *model, int provider)
{
	const char *f = a->q->model;
	const struct model_price *mp;
	struct model_ent *e;
	size_t i;

	for (i = 0; i < a->nme; i++)
		if (a->me[i].provider == provider && strcmp(a->me[i].model, model) == 0)
			return &a->me[i];
	e = report_grow(a->me, &a->mecap, a->nme + 1, sizeof(*e));
	if (e == NULL)
		return NULL;
	a->me = e;
	e = &a->me[a->nme++];
	memset(e, 0, sizeof(*e));
	usage_strlcpy(e->model, model, sizeof(e->model));
	e->provider = provider;
	e->mp = pricing_find_for(a->p, provider, model);
	/* any of its dated prices with another long-context line: raw rows */
	for (mp = pricing_version_at(a->p, e->mp, PRICING_ALWAYS); mp != NULL;
	    mp = pricing_next_version(a->p, mp))
		e->raw |= mp->has_long && mp->long_threshold != STORE_LONG_THRESHOLD;
	e->match = f == NULL || f[0] == '\0' || strcmp(model, f) == 0 || date_suffixed(model, f) ||
	    (a->filter_mp != NULL && e->mp != NULL && strcmp(e->mp->id, a->filter_mp->id) == 0);
	return e;
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int
rehash(struct agg *a, size_t nslots)
{
	size_t *slots = calloc(nslots, sizeof(*slots)), i, j;

	if (slots == NULL)
		return -1;
	for (i = 0; i < a->out->nrows; i++) {
		j = hash_str(a->out->rows[i].key) & (nslots - 1);
		while (slots[j] != 0)
			j = (j + 1) & (nslots - 1);
		slots[j] = i + 1;
	}
	free(a->slots);
	a->slots = slots;
	a->nslots = nslots;
	return 0;
}

/* The row of key, created empty when new; NULL on out of memory. */
static struct report_row *
row_of(struct agg *a, const char *key)
{
	struct report *r = a->out;
	struct report_row *rows;
	size_t j;

	if (a->nslots < 2 * (r->nrows + 1) && rehash(a, a->nslots ? a->nslots * 2 : 64) != 0)
		return NULL;
	j = hash_str(key) & (a->nslots - 1);
	for (; a->slots[j] != 0; j = (j + 1) & (a->nslots - 1))
		if (strcmp(r->rows[a->slots[j] - 1].key, key) == 0)
			return &r->rows[a->slots[j] - 1];
	rows = report_grow(r->rows, &a->rcap, r->nrows + 1, sizeof(*rows));
	if (rows == NULL)
		return NULL;
	r->rows = rows;
	memset(&rows[r->nrows], 0, sizeof(rows[0]));
	rows[r->nrows].provider = REPORT_PROVIDER_NONE;
	usage_strlcpy(rows[r->nrows].key, key, sizeof(rows[0].key));
	a->slots[j] = ++r->nrows;
	return &rows[r->nrows - 1];
}

static int
list_unpriced(struct agg *a, struct model_ent *e)
{
	char **u;

	if (e->listed)
		return 0;
	u = report_grow(a->out->unpriced, &a->unpcap, a->out->nunpriced + 1, sizeof(*u));
	if (u == NULL)
		return -1;
	a->out->unpriced = u;
	if ((u[a->out->nunpriced] = strdup(e->model)) == NULL)
		return -1;
	a->out->nunpriced++;
	e->listed = 1;
	return 0;
}


/* Could c->requests rows make these sums (a rollup cell of an older
 * tokentop or a hand edit may hold what no rows can)? */
static int
contrib_ok(const struct contrib *c)
{
	int64_t most;

	if (num_mul(c->requests, USAGE_COUNT_MAX, &most) != 0)
		most = INT64_MAX;
	return c->max_stops >= 0 && c->max_stops <= c->requests && c->reasoning >= 0 &&
	    c->reasoning <= c->tok.output && c->web_search >= 0 && c->web_search <= most &&
	    c->code_exec >= 0 && c->code_exec <= most &&
	    usage_sums_possible(&c->tok, c->compressed, c->requests);
}

/* The priced part of c: its tokens under the prices in force at c->ms, its
 * savings, its web searches. 0, or -1 when a figure does not fit. */
static int
price(struct agg *a, const struct contrib *c, struct report_row *d)
{
	const struct model_price *mp = pricing_version_at(a->p, c->e->mp, c->ms);
	const struct model_price *base = pricing_version_at(a->p, a->baseline, c->ms);
	int64_t rate;

	if (pricing_cost_checked(mp, &c->tok, &c->f, &d->cost_nanos) != 0 ||
	    pricing_savings(mp, &c->tok, &c->f, c->routed, base, c->compressed, &d->saved) != 0)
		return -1;
	if (c->web_search > 0 && pricing_tool_rate(a->p, PRICING_TOOL_WEB_SEARCH, c->ms,
	    &rate) == 0 && (pricing_tool_cost(c->web_search, rate, &d->tool_cost_nanos) != 0 ||
	    num_add(&d->cost_nanos, d->tool_cost_nanos) != 0))
		return -1;
	return 0;
}

/* The provider of a row holding tokens of a and of b. */
static int
provider_merge(int a, int b)
{
	if (a == REPORT_PROVIDER_NONE)
		return b;
	if (b == REPORT_PROVIDER_NONE || a == b)
		return a;
	return REPORT_PROVIDER_MIXED;
}

/* Every figure of a row: r += c (0, or -1 with r unchanged on overflow). */
static int
row_add(struct report_row *r, const struct report_row *c)
{
	struct report_row t = *r;

	if (num_add(&t.requests, c->requests) || usage_tokens_add(&t.tok, &c->tok) ||
	    num_add(&t.cost_nanos, c->cost_nanos) ||
	    num_add(&t.tool_cost_nanos, c->tool_cost_nanos) ||
	    num_add(&t.web_search_requests, c->web_search_requests) ||
	    num_add(&t.code_execution_requests, c->code_execution_requests) ||
	    num_add(&t.unpriced_requests, c->unpriced_requests) ||
	    num_add(&t.saved.cache, c->saved.cache) || num_add(&t.saved.batch, c->saved.batch) ||
	    num_add(&t.saved.routing, c->saved.routing) ||
	    num_add(&t.saved.compression, c->saved.compression) ||
	    num_add(&t.max_tokens_stops, c->max_tokens_stops) ||
	    num_add(&t.compressed_tokens, c->compressed_tokens) ||
	    num_add(&t.reasoning_tokens, c->reasoning_tokens))
		return -1;
	t.provider = provider_merge(t.provider, c->provider);
	*r = t;
	return 0;
}

/* c into the row of its key. 0, or -1 with err (out of memory, a sum that
 * does not fit, or a group no rows can make). */
int
report_add(struct store *s, struct agg *a, const struct contrib *c, char *err,
           size_t errlen)
{
	struct report_row *r, d;

	if (!contrib_ok(c))
		return store_overflow_err(s, "a rollup cell holds sums no rows can make"
		    " (negative, or above 10^12 a row)", err, errlen);
	if ((r = row_of(a, c->key)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(&d, 0, sizeof(d));
	d.requests = c->requests;
	d.tok = c->tok;
	d.compressed_tokens = c->compressed;
	d.max_tokens_stops = c->max_stops;
	d.reasoning_tokens = c->reasoning;
	d.provider = c->e->provider;
	d.web_search_requests = c->web_search;
	d.code_execution_requests = c->code_exec;
	if (c->e->mp == NULL) {
		d.unpriced_requests = c->requests;
		if (list_unpriced(a, c->e) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	} else if (price(a, c, &d) != 0) {
		return store_overflow_err(s, NULL, err, errlen);
	}
	if (row_add(r, &d) != 0)
		return store_overflow_err(s, NULL, err, errlen);
	return 0;
}

const char *
report_group_key(struct agg *a, int64_t ms, const struct model_ent *e, const char *g,
                 char *buf, size_t n)
{
	switch (a->q->group) {
	case REPORT_MODEL:
		/* one row per priced model: dated and undated ids together */
		return e->mp != NULL ? e->mp->id : e->model;
	case REPORT_MODEL_TIER:
		snprintf(buf, n, "%s\t%s", e->mp != NULL ? e->mp->id : e->model, g);
		return buf;
	case REPORT_SOURCE:
	case REPORT_TAG:
	case REPORT_PROJECT:
	case REPORT_KEY:
	case REPORT_HOST:
		return g;
	case REPORT_PROVIDER:
		return provider_at(e->provider)->name;
	case REPORT_TOTAL:
		return "";
	default:
		report_period_key(a->q->group, ms, buf, n);
		return buf;
	}
}

static int
by_key(const void *x, const void *y)
{
	return strcmp(((const struct report_row *)x)->key, ((const struct report_row *)y)->key);
}

static int
by_cost(const void *x, const void *y)
{
	const struct report_row *a = x, *b = y;

	if (a->cost_nanos != b->cost_nanos)
		return a->cost_nanos > b->cost_nanos ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int
by_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int
store_report(struct store *s, const struct pricing *p, const struct report_query *q,
             struct report *out, char *err, size_t errlen)
{
	struct agg a;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->totals.provider = REPORT_PROVIDER_NONE;
	memset(&a, 0, sizeof(a));
	a.p = p;
	a.q = q;
	a.out = out;
	a.baseline = q->baseline_model != NULL ? pricing_find(p, q->baseline_model) : NULL;
	a.filter_mp = q->model != NULL && q->model[0] != '\0' ? pricing_find(p, q->model) : NULL;
	a.hour = INT64_MIN;
	if (q->host != NULL)
		store_host_clean(q->host, a.host, sizeof(a.host));
	tzset();
	/* one read transaction: rollup and raw rows from the same snapshot */
	if (s->in_tx) {
		if ((rc = store_rollup_flush(s, err, errlen)) == 0)
			rc = report_collect(s, &a, err, errlen);
	}
	else if ((rc = db_tx(s->db, DB_BEGIN_READ)) != 0)
		store_sqlerr(s, "report", err, errlen);
	else {
		rc = report_collect(s, &a, err, errlen);
		db_tx(s->db, rc == 0 ? DB_COMMIT : DB_ROLLBACK);
	}
	report_read_free(&a);
	free(a.slots);
	free(a.me);
	free(a.straddle);
	free(a.splitday);
	free(a.splitmon);
	free(a.sk);
	free(a.sp);
	groupsum_free(&a.gs);
	groupsum_free(&a.pgs);
	for (i = 0; rc == 0 && i < out->nrows; i++)
		if (row_add(&out->totals, &out->rows[i]) != 0)
			rc = store_overflow_err(s, NULL, err, errlen);
	if (rc != 0) {
		store_report_free(out);
		return -1;
	}
	if (q->group == REPORT_TOTAL) {
		free(out->rows);
		out->rows = NULL;
		out->nrows = 0;
	}
	if (out->nrows > 1)
		qsort(out->rows, out->nrows, sizeof(out->rows[0]),
		    report_is_period(q->group) ? by_key : by_cost);
	if (out->nunpriced > 1)
		qsort(out->unpriced, out->nunpriced, sizeof(char *), by_str);
	return 0;
}

void
store_report_free(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nunpriced; i++)
		free(r->unpriced[i]);
	free(r->unpriced);
	free(r->rows);
	memset(r, 0, sizeof(*r));
}
