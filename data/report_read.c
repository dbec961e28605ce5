/* report_read.c — which rows answer a report exactly: whole UTC days and
 * hours from the rollups (per provider by their flag bits), the edges, the
 * hours split between two local periods and the models the rollup cannot
 * price from the raw rows; each group handed to report.c's aggregation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/provider.h"
#include "data/report_int.h"

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
		report_period_key(a->q->group, h * MS_PER_HOUR, a->hour_key, sizeof(a->hour_key));
		report_period_key(a->q->group, (h + len) * MS_PER_HOUR - 1, k2, sizeof(k2));
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
	const char *unit = report_is_period(q->group) ? "hour" : "0";
	const char *gcol = q->group == REPORT_SOURCE ? "source" : q->group == REPORT_TAG ? "tag" :
	    q->group == REPORT_MODEL_TIER ? "tier" : "''";
	char filt[160];

	filter_sql(q, 0, filt, sizeof(filt), 3);
	if (k == RK_FULL)   /* many small groups: a GROUP BY's sort costs more than C */
		snprintf(sql, n, "SELECT %s, model, %s, flags, tier <> '', requests, input,"
		    " write_5m, write_1h, cache_read, output, compressed_tokens,"
		    " max_tokens_stops, reasoning FROM rollup_hour WHERE hour >= ?1 AND hour < ?2%s%s",
		    unit, gcol, filt, report_is_period(q->group) ? " ORDER BY hour" : "");
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
	if ((hs = report_grow(*v, cap, *nv + 1, sizeof(*hs))) == NULL)
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
		else if ((c.e = last = report_model_ent(a, model, ROLLUP_PROVIDER(bits))) == NULL)
			goto oom;
		if (!c.e->match || c.e->raw)
			continue;
		h = sqlite3_column_int64(st, 0) * len;
		if (report_is_period(a->q->group) && unit_split(a, h, len, kbuf, sizeof(kbuf))) {
			if (add_split(a, k == RK_DAY, h / len) != 0)
				goto oom;
			continue;
		}
		c.key = report_group_key(a, h * MS_PER_HOUR, c.e, (const char *)sqlite3_column_text(st, 2),
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
		if (report_add(s, a, &c, err, errlen) != 0)
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
		if ((c.e = report_model_ent(a, u.model, provider_of(&u)->id)) == NULL)
			goto oom;
		if (!c.e->match || (model == NULL && c.e->raw))
			continue;
		c.key = report_group_key(a, u.ts_ms, c.e, u.source, u.tag, u.tier, kbuf, sizeof(kbuf));
		c.routed = u.tier[0] != '\0';
		c.f = pricing_flags(c.e->mp, &u);
		c.requests = 1;
		c.tok = u.tok;
		c.compressed = u.compressed_tokens;
		c.max_stops = strcmp(u.stop_reason, "max_tokens") == 0;
		c.reasoning = u.reasoning_tokens;
		if (report_add(s, a, &c, err, errlen) != 0)
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
	int64_t d0 = -report_floor_div(-h0, 24), d1 = report_floor_div(h1, 24);
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
int
report_collect(struct store *s, struct agg *a, char *err, size_t errlen)
{
	int64_t since = a->q->since_ms != 0 ? a->q->since_ms : INT64_MIN / 2;
	int64_t until = a->q->until_ms != 0 ? a->q->until_ms : INT64_MAX / 2;
	int64_t h0 = -report_floor_div(-since, MS_PER_HOUR), h1 = report_floor_div(until, MS_PER_HOUR);
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
