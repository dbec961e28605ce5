/* report.c — every aggregate the reports and panes need, read from the
 * hourly rollup and priced in C.
 *
 * Periods are local (the caller's TZ). A UTC hour cell belongs to one local
 * day/week/month/hour when the local period at its first and its last
 * millisecond is the same; otherwise (zones with a :30 or :45 offset, DST
 * edges) that hour is re-read from the raw rows, as are the parts of the
 * range [since, until) that do not cover a whole UTC hour. So results are
 * exact, and in whole-hour zones with day-aligned bounds no raw row is read.
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
#include "data/store_int.h"

#define MS_PER_HOUR 3600000LL

struct model_ent {                 /* per distinct model × provider seen */
	char                      model[USAGE_MODEL_MAX];
	int                       provider;  /* enum provider_id */
	const struct model_price *mp;
	int                       match;   /* passes the model filter */
	int                       listed;  /* already in the unpriced list */
	int                       raw;     /* long threshold unlike the rollup's: raw rows */
};

struct agg {
	const struct pricing      *p;
	const struct report_query *q;
	const struct model_price  *baseline;
	const struct model_price  *filter_mp;
	struct report             *out;
	size_t                     rcap;
	size_t                    *slots;     /* open addressing: row index + 1 */
	size_t                     nslots;
	struct model_ent          *me;
	size_t                     nme, mecap;
	size_t                     unpcap;
	int64_t                   *straddle;  /* hours to re-read from raw rows */
	size_t                     nstr, strcap;
	int64_t                   *splitday;  /* UTC days to re-read by the hour */
	size_t                     nsd, sdcap;
	int64_t                    hour, hour_len; /* the last unit keyed, and its key */
	int                        hour_split;
	char                       hour_key[32];
};

int64_t
report_hit_permille(const struct tokens *t)
{
	int64_t tot = usage_total_input(t);

	if (tot <= 0)
		return 0;
	/* round(read × 1000 / tot), half up, without overflow */
	return (num_sat_muldiv(t->cache_read, 2000, tot) + 1) / 2;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int
is_period(enum report_group g)
{
	return g == REPORT_DAY || g == REPORT_WEEK || g == REPORT_MONTH || g == REPORT_HOUR;
}

/* The local period of ms for group g into buf. */
static void
period_key(enum report_group g, int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	const char *fmt = g == REPORT_DAY ? "%Y-%m-%d" : g == REPORT_WEEK ? "%G-W%V" :
	    g == REPORT_MONTH ? "%Y-%m" : "%Y-%m-%d %H";

	if (localtime_r(&t, &tm) == NULL || strftime(buf, n, fmt, &tm) == 0)
		snprintf(buf, n, "?");
}

static void *
grow(void *p, size_t *cap, size_t need, size_t size)
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
static struct model_ent *
model_ent(struct agg *a, const char *model, int provider)
{
	const char *f = a->q->model;
	struct model_ent *e;
	size_t i;

	for (i = 0; i < a->nme; i++)
		if (a->me[i].provider == provider && strcmp(a->me[i].model, model) == 0)
			return &a->me[i];
	e = grow(a->me, &a->mecap, a->nme + 1, sizeof(*e));
	if (e == NULL)
		return NULL;
	a->me = e;
	e = &a->me[a->nme++];
	memset(e, 0, sizeof(*e));
	usage_strlcpy(e->model, model, sizeof(e->model));
	e->provider = provider;
	e->mp = pricing_find_for(a->p, provider, model);
	e->raw = e->mp != NULL && e->mp->has_long && e->mp->long_threshold != STORE_LONG_THRESHOLD;
	e->match = f == NULL || f[0] == '\0' || strcmp(model, f) == 0 || date_suffixed(model, f) ||
	    (a->filter_mp != NULL && e->mp == a->filter_mp);
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
	rows = grow(r->rows, &a->rcap, r->nrows + 1, sizeof(*rows));
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
	u = grow(a->out->unpriced, &a->unpcap, a->out->nunpriced + 1, sizeof(*u));
	if (u == NULL)
		return -1;
	a->out->unpriced = u;
	if ((u[a->out->nunpriced] = strdup(e->model)) == NULL)
		return -1;
	a->out->nunpriced++;
	e->listed = 1;
	return 0;
}

/* One group of tokens (a rollup cell or a raw row) into the row of key. */
struct contrib {
	const char        *key;
	struct model_ent  *e;
	struct price_flags f;
	int                routed;
	int64_t            requests, compressed, max_stops, reasoning;
	struct tokens      tok;
};

/* Could c->requests rows make these sums (a rollup cell of an older
 * tokentop or a hand edit may hold what no rows can)? */
static int
contrib_ok(const struct contrib *c)
{
	return c->max_stops >= 0 && c->max_stops <= c->requests && c->reasoning >= 0 &&
	    c->reasoning <= c->tok.output &&
	    usage_sums_possible(&c->tok, c->compressed, c->requests);
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
static int
add(struct store *s, struct agg *a, const struct contrib *c, char *err, size_t errlen)
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
	if (c->e->mp == NULL) {
		d.unpriced_requests = c->requests;
		if (list_unpriced(a, c->e) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	} else if (pricing_cost_checked(c->e->mp, &c->tok, &c->f, &d.cost_nanos) != 0 ||
	    pricing_savings(c->e->mp, &c->tok, &c->f, c->routed, a->baseline, c->compressed,
	    &d.saved) != 0) {
		return store_overflow_err(s, NULL, err, errlen);
	}
	if (row_add(r, &d) != 0)
		return store_overflow_err(s, NULL, err, errlen);
	return 0;
}

static const char *
group_key(struct agg *a, int64_t ms, const struct model_ent *e, const char *source,
          const char *tag, const char *tier, char *buf, size_t n)
{
	switch (a->q->group) {
	case REPORT_MODEL:
		/* one row per priced model: dated and undated ids together */
		return e->mp != NULL ? e->mp->id : e->model;
	case REPORT_MODEL_TIER:
		snprintf(buf, n, "%s\t%s", e->mp != NULL ? e->mp->id : e->model, tier);
		return buf;
	case REPORT_SOURCE:
		return source;
	case REPORT_TAG:
		return tag;
	case REPORT_PROVIDER:
		return provider_at(e->provider)->name;
	case REPORT_TOTAL:
		return "";
	default:
		period_key(a->q->group, ms, buf, n);
		return buf;
	}
}

/* Filters that SQL applies: " AND tag = ?N AND source = ?M" and the
 * provider's: a column of the raw rows, flag bits of the rollups. */
static void
filter_sql(const struct report_query *q, int raw, char *buf, size_t n, int first)
{
	int k = first;

	buf[0] = '\0';
	if (q->tag != NULL && q->tag[0] != '\0')
		snprintf(buf + strlen(buf), n - strlen(buf), " AND tag = ?%d", k++);
	if (q->source != NULL && q->source[0] != '\0')
		snprintf(buf + strlen(buf), n - strlen(buf), " AND source = ?%d", k++);
	if (q->provider != NULL && q->provider[0] != '\0')
		snprintf(buf + strlen(buf), n - strlen(buf), raw ? " AND provider = ?%d" :
		    " AND (flags >> %d) & 15 = ?%d", raw ? k : ROLLUP_PROVIDER_SHIFT, k);
}

static void
filter_bind(const struct report_query *q, int raw, sqlite3_stmt *st, int first)
{
	const struct provider *pv;
	int k = first;

	if (q->tag != NULL && q->tag[0] != '\0')
		store_bind_text(st, k++, q->tag);
	if (q->source != NULL && q->source[0] != '\0')
		store_bind_text(st, k++, q->source);
	if (q->provider != NULL && q->provider[0] != '\0') {
		pv = provider_by_name(q->provider);
		if (raw)
			store_bind_text(st, k++, q->provider);
		else
			sqlite3_bind_int(st, k++, pv != NULL ? (int)pv->id : -1);
	}
}

/* Is the unit of len hours from hour h split between two local periods?
 * Cached for runs of one unit. */
static int
unit_split(struct agg *a, int64_t h, int64_t len, char *key, size_t n)
{
	char k2[32];

	if (h != a->hour || len != a->hour_len || a->hour_key[0] == '\0') {
		a->hour = h;
		a->hour_len = len;
		period_key(a->q->group, h * MS_PER_HOUR, a->hour_key, sizeof(a->hour_key));
		period_key(a->q->group, (h + len) * MS_PER_HOUR - 1, k2, sizeof(k2));
		a->hour_split = strcmp(a->hour_key, k2) != 0;
	}
	usage_strlcpy(key, a->hour_key, n);
	return a->hour_split;
}

/* Which rollup a query reads: per UTC day or hour × model × flags × routed,
 * or the full hourly cells (a tag/source filter or group needs them). */
enum rollup_kind { RK_DAY, RK_HM, RK_FULL };

/* Does the query need rollup_hour's source/tag columns? */
static int
needs_full(const struct report_query *q)
{
	return (q->tag != NULL && q->tag[0] != '\0') || (q->source != NULL &&
	    q->source[0] != '\0') || q->group == REPORT_SOURCE || q->group == REPORT_TAG ||
	    q->group == REPORT_MODEL_TIER;
}

/*
 * The rollup query: columns unit (hour or UTC day; 0 when the group is not
 * a period), model, source or tag ('' when not grouped by one), flags,
 * routed, then the sums; in unit order. SQL collapses what the group does
 * not need, so C sees one row per group × model × flags × routed (per unit
 * for a period).
 */
static void
rollup_sql(const struct report_query *q, enum rollup_kind k, char *sql, size_t n)
{
	static const char *const table[] = { "rollup_dm", "rollup_hm" };
	const char *unit = is_period(q->group) ? "hour" : "0";
	const char *gcol = q->group == REPORT_SOURCE ? "source" : q->group == REPORT_TAG ? "tag" :
	    q->group == REPORT_MODEL_TIER ? "tier" : "''";
	char filt[160];

	filter_sql(q, 0, filt, sizeof(filt), 3);
	if (k == RK_FULL)   /* many small groups: a GROUP BY's sort costs more than C */
		snprintf(sql, n, "SELECT %s, model, %s, flags, tier <> '', requests, input,"
		    " write_5m, write_1h, cache_read, output, compressed_tokens,"
		    " max_tokens_stops, reasoning FROM rollup_hour WHERE hour >= ?1 AND hour < ?2%s%s",
		    unit, gcol, filt, is_period(q->group) ? " ORDER BY hour" : "");
	else
		snprintf(sql, n, "SELECT %s, model, %s, flags, routed, sum(requests), sum(input),"
		    " sum(write_5m), sum(write_1h), sum(cache_read), sum(output),"
		    " sum(compressed_tokens), sum(max_tokens_stops), sum(reasoning)"
		    " FROM %s WHERE hour >= ?1 AND hour < ?2%s GROUP BY 1, 2, 3, 4, 5",
		    unit, gcol, table[k], filt);
}

/* Note unit u (an hour, or a UTC day when days) as one to re-read finer
 * (units come in order). */
static int
add_split(struct agg *a, int days, int64_t u)
{
	int64_t **v = days ? &a->splitday : &a->straddle, *hs;
	size_t *nv = days ? &a->nsd : &a->nstr, *cap = days ? &a->sdcap : &a->strcap;

	if (*nv > 0 && (*v)[*nv - 1] == u)
		return 0;
	if ((hs = grow(*v, cap, *nv + 1, sizeof(*hs))) == NULL)
		return -1;
	*v = hs;
	(*v)[(*nv)++] = u;
	return 0;
}

/* The end of a read loop that did not fail on its own: 0 at SQLITE_DONE,
 * else -1 with err. SQLite's sum() refuses to overflow ("integer overflow"):
 * only impossible counts or sums past 64 bits make it. */
static int
read_end(struct store *s, sqlite3_stmt *st, int rc, char *err, size_t errlen)
{
	if (rc != SQLITE_DONE && strcmp(sqlite3_errmsg(s->db), "integer overflow") == 0)
		store_overflow_err(s, NULL, err, errlen);
	else if (rc != SQLITE_DONE)
		store_sqlerr(s, "report", err, errlen);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Rollup kind k over units [u0, u1) into a; units that straddle two local
 * periods go to a->straddle (hours) or a->splitday (days). */
static int
read_rollup(struct store *s, struct agg *a, enum rollup_kind k, int64_t u0, int64_t u1,
            char *err, size_t errlen)
{
	char sql[768], kbuf[USAGE_MODEL_MAX + 32];
	struct contrib c;
	struct model_ent *last = NULL;
	sqlite3_stmt *st;
	const char *model;
	int64_t h;
	int rc = SQLITE_DONE, bits;

	int64_t len = k == RK_DAY ? 24 : 1;

	if (u0 >= u1)
		return 0;
	rollup_sql(a->q, k, sql, sizeof(sql));
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, "report", err, errlen);
	sqlite3_bind_int64(st, 1, u0);
	sqlite3_bind_int64(st, 2, u1);
	filter_bind(a->q, 0, st, 3);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		if ((c.requests = sqlite3_column_int64(st, 5)) == 0)
			continue;   /* nothing left in the cells (pruned lazily) */
		model = (const char *)sqlite3_column_text(st, 1);
		bits = sqlite3_column_int(st, 3);
		if (last != NULL && last->provider == ROLLUP_PROVIDER(bits) &&
		    strcmp(last->model, model) == 0)
			c.e = last;
		else if (provider_at(ROLLUP_PROVIDER(bits)) == NULL)
			goto bad_bits;
		else if ((c.e = last = model_ent(a, model, ROLLUP_PROVIDER(bits))) == NULL)
			goto oom;
		if (!c.e->match || c.e->raw)
			continue;
		h = sqlite3_column_int64(st, 0) * len;
		if (is_period(a->q->group) && unit_split(a, h, len, kbuf, sizeof(kbuf))) {
			if (add_split(a, k == RK_DAY, h / len) != 0)
				goto oom;
			continue;
		}
		c.key = group_key(a, h * MS_PER_HOUR, c.e, (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 2),
		    kbuf, sizeof(kbuf));
		c.f = store_price_flags(c.e->mp, bits);
		c.routed = sqlite3_column_int(st, 4);
		c.tok.input = sqlite3_column_int64(st, 6);
		c.tok.write_5m = sqlite3_column_int64(st, 7);
		c.tok.write_1h = sqlite3_column_int64(st, 8);
		c.tok.cache_read = sqlite3_column_int64(st, 9);
		c.tok.output = sqlite3_column_int64(st, 10);
		c.compressed = sqlite3_column_int64(st, 11);
		c.max_stops = sqlite3_column_int64(st, 12);
		c.reasoning = sqlite3_column_int64(st, 13);
		if (add(s, a, &c, err, errlen) != 0)
			goto fail;
	}
	return read_end(s, st, rc, err, errlen);
bad_bits:
	snprintf(err, errlen, "a rollup cell names provider %d, which this tokentop does not"
	    " know", ROLLUP_PROVIDER(bits));
	goto fail;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	sqlite3_finalize(st);
	return -1;
}

/* Raw rows with since <= ts < until, each keyed by its own time: of model
 * only, or (model NULL) of every model not read raw as a whole. */
static int
read_raw(struct store *s, struct agg *a, int64_t since, int64_t until, const char *model,
         char *err, size_t errlen)
{
	char sql[768], filt[160], kbuf[USAGE_MODEL_MAX + 32];
	struct contrib c;
	struct usage u;
	sqlite3_stmt *st;
	int rc;

	if (since >= until)
		return 0;
	filter_sql(a->q, 1, filt, sizeof(filt), 4);
	snprintf(sql, sizeof(sql), "SELECT " STORE_USAGE_COLS " FROM usage"
	    " WHERE ts_ms >= ?1 AND ts_ms < ?2 AND (?3 IS NULL OR model = ?3)%s", filt);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, "report", err, errlen);
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	if (model != NULL)
		store_bind_text(st, 3, model);
	filter_bind(a->q, 1, st, 4);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_read_usage(st, 0, &u);
		memset(&c, 0, sizeof(c));
		if ((c.e = model_ent(a, u.model, provider_of(&u)->id)) == NULL)
			goto oom;
		if (!c.e->match || (model == NULL && c.e->raw))
			continue;
		c.key = group_key(a, u.ts_ms, c.e, u.source, u.tag, u.tier, kbuf, sizeof(kbuf));
		c.routed = u.tier[0] != '\0';
		c.f = pricing_flags(c.e->mp, &u);
		c.requests = 1;
		c.tok = u.tok;
		c.compressed = u.compressed_tokens;
		c.max_stops = strcmp(u.stop_reason, "max_tokens") == 0;
		c.reasoning = u.reasoning_tokens;
		if (add(s, a, &c, err, errlen) != 0)
			goto fail;
	}
	return read_end(s, st, rc, err, errlen);
oom:
	snprintf(err, errlen, "out of memory");
fail:
	sqlite3_finalize(st);
	return -1;
}

/* Whole UTC hours [h0, h1): whole UTC days in one period from rollup_dm,
 * the rest by the hour. */
static int
read_hours(struct store *s, struct agg *a, int64_t h0, int64_t h1, char *err, size_t errlen)
{
	int64_t d0 = -floor_div(-h0, 24), d1 = floor_div(h1, 24);
	size_t i, j;

	if (needs_full(a->q))
		return read_rollup(s, a, RK_FULL, h0, h1, err, errlen);
	if (d0 >= d1)
		return read_rollup(s, a, RK_HM, h0, h1, err, errlen);
	if (read_rollup(s, a, RK_DAY, d0, d1, err, errlen) != 0 ||
	    read_rollup(s, a, RK_HM, h0, d0 * 24, err, errlen) != 0 ||
	    read_rollup(s, a, RK_HM, d1 * 24, h1, err, errlen) != 0)
		return -1;
	for (i = 0; i < a->nsd; i = j) {    /* runs of consecutive split days */
		for (j = i + 1; j < a->nsd && a->splitday[j] == a->splitday[j - 1] + 1; j++)
			;
		if (read_rollup(s, a, RK_HM, a->splitday[i] * 24, (a->splitday[j - 1] + 1) * 24,
		    err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Whole UTC hours from the rollup, the rest (edges, split hours) raw. */
static int
collect(struct store *s, struct agg *a, char *err, size_t errlen)
{
	int64_t since = a->q->since_ms != 0 ? a->q->since_ms : INT64_MIN / 2;
	int64_t until = a->q->until_ms != 0 ? a->q->until_ms : INT64_MAX / 2;
	int64_t h0 = -floor_div(-since, MS_PER_HOUR), h1 = floor_div(until, MS_PER_HOUR);
	char model[USAGE_MODEL_MAX];
	size_t i, j;

	if (h0 >= h1) {
		if (read_raw(s, a, since, until, NULL, err, errlen) != 0)
			return -1;
	} else if (read_hours(s, a, h0, h1, err, errlen) != 0 ||
	    read_raw(s, a, since, h0 * MS_PER_HOUR, NULL, err, errlen) != 0 ||
	    read_raw(s, a, h1 * MS_PER_HOUR, until, NULL, err, errlen) != 0)
		return -1;
	for (i = 0; i < a->nstr; i = j) {   /* runs of consecutive split hours */
		for (j = i + 1; j < a->nstr && a->straddle[j] == a->straddle[j - 1] + 1; j++)
			;
		if (read_raw(s, a, a->straddle[i] * MS_PER_HOUR,
		    (a->straddle[j - 1] + 1) * MS_PER_HOUR, NULL, err, errlen) != 0)
			return -1;
	}
	/* models the rollup cannot price exactly, whole range (a->me may grow:
	 * copy the id out first) */
	for (i = 0; i < a->nme; i++) {
		if (!a->me[i].raw || !a->me[i].match)
			continue;
		usage_strlcpy(model, a->me[i].model, sizeof(model));
		if (read_raw(s, a, since, until, model, err, errlen) != 0)
			return -1;
	}
	return 0;
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
	tzset();
	/* one read transaction: rollup and raw rows from the same snapshot */
	if (s->in_tx) {
		if ((rc = store_rollup_flush(s, err, errlen)) == 0)
			rc = collect(s, &a, err, errlen);
	}
	else if ((rc = store_exec(s, "BEGIN", err, errlen)) == 0) {
		rc = collect(s, &a, err, errlen);
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	}
	free(a.slots);
	free(a.me);
	free(a.straddle);
	free(a.splitday);
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
		    is_period(q->group) ? by_key : by_cost);
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
