/* report_read.c — where a report's figures come from: whole UTC days from
 * a day rollup (rollup_dm, or rollup_dt / rollup_ds when the query needs a
 * tag or a source), whole hours from an hour rollup (rollup_hm, or
 * rollup_hour for tags, sources and tiers), each per provider by its flag
 * bits, and raw rows for what no rollup answers exactly (see report.c's
 * head: split hours, edges, models with another long-context line). */
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
filter_bind(const struct report_query *q, int raw, struct db_stmt *st, int first)
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
			db_bind_int64(st, k++, pv != NULL ? (int)pv->id : -1);
	}
}

/* Is the unit of hours [h0, h1) split between two local periods? Cached
 * for runs of one unit. */
static int
unit_split(struct agg *a, int64_t h0, int64_t h1, char *key, size_t n)
{
	char k2[32];

	if (h0 != a->hour || h1 != a->hour_end || a->hour_key[0] == '\0') {
		a->hour = h0;
		a->hour_end = h1;
		report_period_key(a->q->group, h0 * MS_PER_HOUR, a->hour_key, sizeof(a->hour_key));
		report_period_key(a->q->group, h1 * MS_PER_HOUR - 1, k2, sizeof(k2));
		a->hour_split = strcmp(a->hour_key, k2) != 0;
	}
	usage_strlcpy(key, a->hour_key, n);
	return a->hour_split;
}

/* Which rollup a query reads: per UTC day or hour × model × flags × routed
 * (DAY, HM), per UTC day and tag or source as well (DT, DS), per UTC month
 * (MM, and MX with source and tag), or the full hourly cells (FULL: a tier
 * group, or tag and source together). NONE: no table of that unit will do. */
enum rollup_kind { RK_DAY, RK_HM, RK_DT, RK_DS, RK_HP, RK_HK, RK_MM, RK_MX, RK_FULL, RK_NONE };

static const char *const table[] = { "rollup_dm", "rollup_hm", "rollup_dt", "rollup_ds",
	"rollup_hp", "rollup_hk", "rollup_mm", "rollup_mx" };

static int
is_day(enum rollup_kind k)
{
	return k == RK_DAY || k == RK_DT || k == RK_DS;
}

static int
is_month(enum rollup_kind k)
{
	return k == RK_MM || k == RK_MX;
}

/* The UTC hours [*h0, *h1) of unit u of kind k. */
static void
unit_hours(enum rollup_kind k, int64_t u, int64_t *h0, int64_t *h1)
{
	if (is_month(k)) {
		*h0 = store_month_first_day(u) * 24;
		*h1 = store_month_first_day(u + 1) * 24;
	} else if (is_day(k)) {
		*h0 = u * 24;
		*h1 = *h0 + 24;
	} else {
		*h0 = u;
		*h1 = u + 1;
	}
}

/* Is the query filtered by tag or source? */
static int
filtered(const struct report_query *q)
{
	return (q->tag != NULL && q->tag[0] != '\0') || (q->source != NULL &&
	    q->source[0] != '\0');
}

/* Does the query need rollup_hour's source/tag columns? */
static int
needs_full(const struct report_query *q)
{
	return filtered(q) || q->group == REPORT_SOURCE || q->group == REPORT_TAG ||
	    q->group == REPORT_MODEL_TIER;
}

/* The day table for whole UTC days of the query (with the hour table of
 * the same columns, FULL or HM, for the rest). */
static enum rollup_kind
day_kind(const struct report_query *q)
{
	int tag = q->group == REPORT_TAG || (q->tag != NULL && q->tag[0] != '\0');
	int source = q->group == REPORT_SOURCE || (q->source != NULL && q->source[0] != '\0');

	if (!needs_full(q))
		return RK_DAY;
	if (q->group == REPORT_MODEL_TIER || (tag && source))
		return RK_NONE;
	return tag ? RK_DT : RK_DS;
}

/* The month table for whole UTC months of the query (NONE: days). A month
 * holds many local days and weeks: only the month and the groups that are
 * not periods read it; and a cell is priced as of its first hour, so not
 * when prices change by date (they change at a UTC midnight: a day cell
 * has one price). */
static enum rollup_kind
month_kind(const struct agg *a)
{
	const struct report_query *q = a->q;

	if (pricing_has_dates(a->p) || q->group == REPORT_DAY || q->group == REPORT_WEEK || q->group == REPORT_HOUR ||
	    q->group == REPORT_MODEL_TIER)
		return RK_NONE;
	return needs_full(q) ? RK_MX : RK_MM;
}

/*
 * The rollup query: columns unit (hour or UTC day; 0 when the group is not
 * a period), model, source or tag ('' when not grouped by one), flags,
 * routed, then the sums; in unit order. No GROUP BY (its sort costs more
 * than the C that sums the cells of one group × model × flags × routed, per
 * unit for a period: read_rollup, groupsum.c).
 */
static void
rollup_sql(const struct agg *a, enum rollup_kind k, char *sql, size_t n)
{
	const struct report_query *q = a->q;
	/* the time of a cell prices it when prices change by date */
	int timed = report_is_period(q->group) || pricing_has_dates(a->p);
	const char *gcol = q->group == REPORT_SOURCE ? "source" : q->group == REPORT_TAG ? "tag" :
	    q->group == REPORT_MODEL_TIER ? "tier" : q->group == REPORT_PROJECT ? "project" :
	    q->group == REPORT_KEY ? "key_fp" : "''";
	char filt[160];

	filter_sql(q, 0, filt, sizeof(filt), 3);
	snprintf(sql, n, "SELECT %s, model, %s, flags, %s, requests, input, write_5m, write_1h,"
	    " cache_read, output, compressed_tokens, max_tokens_stops, reasoning, web_search,"
	    " code_exec FROM %s WHERE hour >= ?1 AND hour < ?2%s%s", timed ? "hour" : "0", gcol,
	    k == RK_FULL ? "CASE WHEN tier <> '' THEN 1 ELSE 0 END" : "routed",
	    k == RK_FULL ? "rollup_hour" : table[k],
	    filt, timed ? " ORDER BY hour" : "");
}

/* Note unit u of kind k (an hour, a UTC day or month) as one to re-read
 * finer (units come in order). */
static int
add_split(struct agg *a, enum rollup_kind k, int64_t u)
{
	int64_t **v = is_month(k) ? &a->splitmon : is_day(k) ? &a->splitday : &a->straddle, *hs;
	size_t *nv = is_month(k) ? &a->nsm : is_day(k) ? &a->nsd : &a->nstr;
	size_t *cap = is_month(k) ? &a->smcap : is_day(k) ? &a->sdcap : &a->strcap;

	if (*nv > 0 && (*v)[*nv - 1] == u)
		return 0;
	if ((hs = report_grow(*v, cap, *nv + 1, sizeof(*hs))) == NULL)
		return -1;
	*v = hs;
	(*v)[(*nv)++] = u;
	return 0;
}

/* One group of a rollup (cell), as the report adds it: unit of kind k,
 * model entry, group column, flags, sums. 0, or -1 with err. */
static int
add_cell(struct store *s, struct agg *a, enum rollup_kind k, int64_t unit, struct model_ent *e,
         const char *g, int flags, int routed, const int64_t *sum, char *err, size_t errlen)
{
	char kbuf[USAGE_MODEL_MAX + 32];
	struct contrib c;
	int64_t h0, h1;

	memset(&c, 0, sizeof(c));
	c.e = e;
	unit_hours(k, unit, &h0, &h1);
	c.ms = h0 * MS_PER_HOUR;
	if (report_is_period(a->q->group)) {     /* the unit's period, cached per unit */
		unit_split(a, h0, h1, kbuf, sizeof(kbuf));
		c.key = kbuf;
	} else {
		c.key = report_group_key(a, c.ms, e, g, kbuf, sizeof(kbuf));
	}
	c.f = store_price_flags(pricing_version_at(a->p, e->mp, c.ms), flags);
	c.routed = routed;
	c.requests = sum[0];
	c.tok.input = sum[1];
	c.tok.write_5m = sum[2];
	c.tok.write_1h = sum[3];
	c.tok.cache_read = sum[4];
	c.tok.output = sum[5];
	c.compressed = sum[6];
	c.max_stops = sum[7];
	c.reasoning = sum[8];
	c.web_search = sum[9];
	c.code_exec = sum[10];
	return report_add(s, a, &c, err, errlen);
}

/* The end of a read loop that did not fail on its own: 0 at DB_DONE, else
 * -1 with err (an integer column outside int64, DB_OVERFLOW, said so). */
static int
read_end(struct store *s, struct db_stmt *st, int rc, char *err, size_t errlen)
{
	if (rc != DB_DONE && db_fail(s->db) == DB_OVERFLOW)
		store_overflow_err(s, NULL, err, errlen);
	else if (rc != DB_DONE)
		store_sqlerr(s, "report", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

/* The id of period key (of hour h) among the block's keys; -1 on out of
 * memory. Keys come in order: the last ones are looked at first. */
static int
shift_key_id(struct agg *a, const char *key, int64_t h)
{
	struct shift_key *k;
	size_t i;

	for (i = a->nsk; i-- > 0;)
		if (strcmp(a->sk[i].key, key) == 0)
			return (int)i;
	if ((k = report_grow(a->sk, &a->skcap, a->nsk + 1, sizeof(*k))) == NULL)
		return -1;
	a->sk = k;
	usage_strlcpy(k[a->nsk].key, key, sizeof(k[0].key));
	k[a->nsk].h0 = h;
	return (int)a->nsk++;
}

static int
add_piece(struct agg *a, int64_t h0, int64_t h1, int from, int to, int raw)
{
	struct shift_piece *p;

	if (h0 >= h1)
		return 0;
	if ((p = report_grow(a->sp, &a->spcap, a->nsp + 1, sizeof(*p))) == NULL)
		return -1;
	a->sp = p;
	p[a->nsp++] = (struct shift_piece){ h0, h1, from, to, raw };
	return 0;
}

/* The first ms of hour h that is not in period k0 (the hour holds the
 * midnight): a binary search, the period key being monotonic in time. */
static int64_t
midnight_in(struct agg *a, int64_t h, const char *k0)
{
	int64_t lo = h * MS_PER_HOUR, hi = (h + 1) * MS_PER_HOUR - 1, mid;
	char k[32];

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		report_period_key(a->q->group, mid, k, sizeof(k));
		if (strcmp(k, k0) == 0)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/*
 * Day cell [h0, h1) split by one local midnight: hours [h0, b0) lie in
 * period k0, [b1, h1) in k1, and when b1 = b0 + 1 the midnight falls inside
 * hour b0 (a :30 or :45 zone). The cell goes to the period holding more of
 * it (*id); the hours of the other part become a piece moved to their
 * period, and the raw rows of the split hour's other side a raw piece. 0; 1
 * when the cell holds more than one midnight (then it is read by the hour);
 * -1 on out of memory.
 */
static int
shift_split(struct agg *a, int64_t h0, int64_t h1, int *id)
{
	enum report_group g = a->q->group;
	char k0[32], k1[32], k[32];
	int64_t h, b0, b1, m;
	int i0, i1, big0;

	if (h0 == a->split_h0) {     /* another cell of the same unit */
		*id = a->split_id;
		return a->split_id < 0;
	}
	a->split_h0 = h0;
	a->split_id = -1;
	report_period_key(g, h0 * MS_PER_HOUR, k0, sizeof(k0));
	report_period_key(g, h1 * MS_PER_HOUR - 1, k1, sizeof(k1));
	for (h = h0; h < h1; h++) {     /* the first hour that ends outside k0 */
		report_period_key(g, (h + 1) * MS_PER_HOUR - 1, k, sizeof(k));
		if (strcmp(k, k0) != 0)
			break;
	}
	if (h == h1 || strcmp(k, k1) != 0)
		return 1;
	report_period_key(g, h * MS_PER_HOUR, k, sizeof(k));
	b0 = h;
	b1 = strcmp(k, k0) == 0 ? h + 1 : h;
	if (b1 < h1) {
		report_period_key(g, b1 * MS_PER_HOUR, k, sizeof(k));
		if (strcmp(k, k1) != 0)
			return 1;
	}
	big0 = b0 - h0 >= h1 - b1;
	m = b1 > b0 ? midnight_in(a, b0, k0) : b0 * MS_PER_HOUR;
	if ((i0 = shift_key_id(a, k0, h0)) < 0 || (i1 = shift_key_id(a, k1, b1)) < 0 ||
	    (big0 ? add_piece(a, b1, h1, i0, i1, 0) : add_piece(a, h0, b0, i1, i0, 0)) != 0 ||
	    (big0 ? add_piece(a, m, b1 * MS_PER_HOUR, i0, i1, 1) :
	    add_piece(a, b0 * MS_PER_HOUR, m, i1, i0, 1)) != 0)
		return -1;
	*id = a->split_id = big0 ? i0 : i1;
	return 0;
}

/* A group summed by period key (a->shift) into its row; nothing when the
 * moves left it empty. 0, or -1 with err. */
static int
add_shifted(struct store *s, struct agg *a, const struct groupsum_cell *gc,
            struct model_ent *e, char *err, size_t errlen)
{
	const struct shift_key *k = &a->sk[gc->unit];
	struct contrib c;
	int i;

	for (i = 0; i < GROUPSUM_N && gc->sum[i] == 0; i++)
		;
	if (i == GROUPSUM_N)
		return 0;
	memset(&c, 0, sizeof(c));
	c.e = e;
	c.ms = k->h0 * MS_PER_HOUR;
	c.key = k->key;
	c.f = store_price_flags(pricing_version_at(a->p, e->mp, c.ms), gc->flags);
	c.routed = gc->routed;
	c.requests = gc->sum[0];
	c.tok.input = gc->sum[1];
	c.tok.write_5m = gc->sum[2];
	c.tok.write_1h = gc->sum[3];
	c.tok.cache_read = gc->sum[4];
	c.tok.output = gc->sum[5];
	c.compressed = gc->sum[6];
	c.max_stops = gc->sum[7];
	c.reasoning = gc->sum[8];
	c.web_search = gc->sum[9];
	c.code_exec = gc->sum[10];
	return report_add(s, a, &c, err, errlen);
}

/* The groups read_rollup summed, each into its row. 0, or -1 with err. */
static int
add_groups(struct store *s, struct agg *a, enum rollup_kind k, char *err, size_t errlen)
{
	const struct groupsum_cell *gc;
	struct model_ent *e = NULL;
	size_t j;

	for (j = 0; j < a->gs.n; j++) {
		gc = &a->gs.cells[j];
		if ((e == NULL || e->provider != ROLLUP_PROVIDER(gc->flags) ||
		    strcmp(e->model, gc->model) != 0) &&
		    (e = report_model_ent(a, gc->model, ROLLUP_PROVIDER(gc->flags))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (a->shift) {
			if (add_shifted(s, a, gc, e, err, errlen) != 0)
				return -1;
		} else if (add_cell(s, a, k, gc->unit, e, gc->g, gc->flags, gc->routed, gc->sum,
		    err, errlen) != 0) {
			return -1;
		}
	}
	return 0;
}

/* Add sum (negated when neg) to a->gs's group of unit. 0, or -1 with err. */
static int
group_add(struct store *s, struct agg *a, int64_t unit, const struct model_ent *e,
          const char *g, int bits, int routed, const int64_t *sum, int neg, char *err,
          size_t errlen)
{
	int64_t v[GROUPSUM_N];
	int i, rc;

	for (i = 0; i < GROUPSUM_N; i++) {
		if (neg && sum[i] == INT64_MIN)
			return store_overflow_err(s, NULL, err, errlen);
		v[i] = neg ? -sum[i] : sum[i];
	}
	rc = groupsum_add(&a->gs, unit, e->model, g, bits, routed, v);
	if (rc == GROUPSUM_OVERFLOW)
		return store_overflow_err(s, NULL, err, errlen);
	if (rc != 0)
		snprintf(err, errlen, "out of memory");
	return rc != 0 ? -1 : 0;
}

/* Rollup kind k over units [u0, u1) into a; units that straddle two local
 * periods go to a->straddle (hours) or a->splitday (days), or with a->shift
 * are moved in part (shift_split). The cells of the day and hm tables are
 * summed per group first (what their GROUP BY did); rollup_hour's are priced
 * each (they were never grouped). With pc: the hours of a piece, taken out
 * of one period's groups and added to another's. */
static int
read_rollup(struct store *s, struct agg *a, enum rollup_kind k, int64_t u0, int64_t u1,
            const struct shift_piece *pc, char *err, size_t errlen)
{
	char sql[768], kbuf[USAGE_MODEL_MAX + 32];
	struct model_ent *e, *last = NULL;
	struct db_stmt *st;
	const char *model, *g;
	int64_t h0, h1, unit, sum[GROUPSUM_N];
	int rc = DB_DONE, i, bits, routed, id, r, plain = !a->shift && pc == NULL;

	if (u0 >= u1)
		return 0;
	if (plain)
		groupsum_reset(&a->gs);
	rollup_sql(a, k, sql, sizeof(sql));
	if ((st = store_prepare(s, sql, "report", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, u0);
	db_bind_int64(st, 2, u1);
	filter_bind(a->q, 0, st, 3);
	while ((rc = db_step(st)) == DB_ROW) {
		if (db_column_int64(st, 5) == 0)
			continue;   /* nothing left in the cell (pruned lazily) */
		model = db_column_text(st, 1);
		bits = (int)db_column_int64(st, 3);
		if (last != NULL && last->provider == ROLLUP_PROVIDER(bits) &&
		    strcmp(last->model, model) == 0)
			e = last;
		else if (provider_at(ROLLUP_PROVIDER(bits)) == NULL)
			goto bad_bits;
		else if ((e = last = report_model_ent(a, model, ROLLUP_PROVIDER(bits))) == NULL)
			goto oom;
		if (!e->match || e->raw)
			continue;
		unit = db_column_int64(st, 0);
		g = db_column_text(st, 2);
		routed = db_column_int64(st, 4) != 0;
		for (i = 0; i < GROUPSUM_N; i++)
			sum[i] = db_column_int64(st, 5 + i);
		if (pc != NULL) {      /* a piece: out of one period, into another */
			if (group_add(s, a, pc->from, e, g, bits, routed, sum, 1, err, errlen) != 0 ||
			    (pc->to >= 0 && group_add(s, a, pc->to, e, g, bits, routed, sum, 0, err,
			    errlen) != 0))
				goto fail;
			continue;
		}
		unit_hours(k, unit, &h0, &h1);
		if (report_is_period(a->q->group) && unit_split(a, h0, h1, kbuf, sizeof(kbuf))) {
			if (!a->shift || (r = shift_split(a, h0, h1, &id)) == 1) {
				if (add_split(a, k, unit) != 0)
					goto oom;
				continue;
			}
			if (r != 0)
				goto oom;
		} else if (a->shift && (id = shift_key_id(a, kbuf, h0)) < 0) {
			goto oom;
		}
		if (a->shift) {
			if (group_add(s, a, id, e, g, bits, routed, sum, 0, err, errlen) != 0)
				goto fail;
			continue;
		}
		/* cells come in unit order when timed: a unit's groups are
		 * complete once the next unit starts (memory: one unit's) */
		if (a->gs.n > 0 && unit != a->gs.cells[0].unit) {
			if (add_groups(s, a, k, err, errlen) != 0)
				goto fail;
			groupsum_reset(&a->gs);
		}
		if (k == RK_FULL) {
			if (add_cell(s, a, k, unit, e, g, bits, routed, sum, err, errlen) != 0)
				goto fail;
			continue;
		}
		if (group_add(s, a, unit, e, g, bits, routed, sum, 0, err, errlen) != 0)
			goto fail;
	}
	if (read_end(s, st, rc, err, errlen) != 0)
		return -1;
	return plain ? add_groups(s, a, k, err, errlen) : 0;
bad_bits:
	snprintf(err, errlen, "a rollup cell names provider %d, which this tokentop does not"
	    " know", ROLLUP_PROVIDER(bits));
	goto fail;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	db_finalize(st);
	return -1;
}

/* The column of u a group is by (its source, tag, tier, project or key). */
static const char *
raw_group(const struct report_query *q, const struct usage *u)
{
	switch (q->group) {
	case REPORT_SOURCE:
		return u->source;
	case REPORT_TAG:
		return u->tag;
	case REPORT_PROJECT:
		return u->project;
	case REPORT_KEY:
		return u->key_fp;
	default:
		return u->tier;
	}
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
	struct db_stmt *st;
	int rc;

	if (since >= until)
		return 0;
	filter_sql(a->q, 1, filt, sizeof(filt), 4);
	snprintf(sql, sizeof(sql), "SELECT " STORE_USAGE_COLS " FROM usage"
	    " WHERE ts_ms >= ?1 AND ts_ms < ?2 AND (CAST(?3 AS TEXT) IS NULL OR model = ?3)%s",
	    filt);
	if ((st = store_prepare(s, sql, "report", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, since);
	db_bind_int64(st, 2, until);
	if (model != NULL)
		store_bind_text(st, 3, model);
	filter_bind(a->q, 1, st, 4);
	while ((rc = db_step(st)) == DB_ROW) {
		store_read_usage(st, 0, &u);
		memset(&c, 0, sizeof(c));
		if ((c.e = report_model_ent(a, u.model, provider_of(&u)->id)) == NULL)
			goto oom;
		if (!c.e->match || (model == NULL && c.e->raw))
			continue;
		c.key = report_group_key(a, u.ts_ms, c.e, raw_group(a->q, &u), kbuf, sizeof(kbuf));
		c.routed = u.tier[0] != '\0';
		c.ms = u.ts_ms;
		c.f = pricing_flags(pricing_version_at(a->p, c.e->mp, u.ts_ms), &u);
		c.web_search = u.web_search_requests;
		c.code_exec = u.code_execution_requests;
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
	db_finalize(st);
	return -1;
}

/* The raw rows of piece pc (ms), out of one period's groups and into
 * another's, as the cells they are in. 0, or -1 with err. */
static int
read_raw_piece(struct store *s, struct agg *a, const struct shift_piece *pc, char *err,
               size_t errlen)
{
	char sql[768], filt[160];
	struct model_ent *e;
	struct db_stmt *st;
	struct usage u;
	int64_t v[GROUPSUM_N];
	int rc, bits;

	filter_sql(a->q, 1, filt, sizeof(filt), 3);
	snprintf(sql, sizeof(sql), "SELECT " STORE_USAGE_COLS " FROM usage"
	    " WHERE ts_ms >= ?1 AND ts_ms < ?2%s", filt);
	if ((st = store_prepare(s, sql, "report", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, pc->h0);
	db_bind_int64(st, 2, pc->h1);
	filter_bind(a->q, 1, st, 3);
	while ((rc = db_step(st)) == DB_ROW) {
		store_read_usage(st, 0, &u);
		if ((e = report_model_ent(a, u.model, provider_of(&u)->id)) == NULL) {
			db_finalize(st);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (!e->match || e->raw)
			continue;
		bits = store_row_flags(&u);
		v[0] = 1;
		v[1] = u.tok.input;
		v[2] = u.tok.write_5m;
		v[3] = u.tok.write_1h;
		v[4] = u.tok.cache_read;
		v[5] = u.tok.output;
		v[6] = u.compressed_tokens;
		v[7] = strcmp(u.stop_reason, "max_tokens") == 0;
		v[8] = u.reasoning_tokens;
		v[9] = u.web_search_requests;
		v[10] = u.code_execution_requests;
		if (group_add(s, a, pc->from, e, "", bits, u.tier[0] != '\0', v, 1, err,
		    errlen) != 0 || group_add(s, a, pc->to, e, "", bits, u.tier[0] != '\0', v, 0,
		    err, errlen) != 0) {
			db_finalize(st);
			return -1;
		}
	}
	return read_end(s, st, rc, err, errlen);
}

/* Day cells by period key (shift_split) when the report is by local day,
 * week or month and prices are undated (a moved piece is priced with the
 * period it joins). */
static int
shifting(const struct agg *a)
{
	enum report_group g = a->q->group;

	return (g == REPORT_DAY || g == REPORT_WEEK || g == REPORT_MONTH) &&
	    !pricing_has_dates(a->p);
}

/* Is UTC day d split between two local periods? */
static int
day_split(struct agg *a, int64_t d)
{
	char k[32];

	return unit_split(a, d * 24, d * 24 + 24, k, sizeof(k));
}

#define SHIFT_BLOCK 32   /* UTC days a block: its groups are in memory at once */

/* UTC days [d0, d1) of day kind kd, by period key, a block at a time: each
 * cell to its period (or the one holding most of it), then the pieces moved
 * by the hour (kh), then every group of the block priced. 0, or -1 + err. */
static int
read_days_shifted(struct store *s, struct agg *a, enum rollup_kind kd, enum rollup_kind kh,
                  int64_t d0, int64_t d1, char *err, size_t errlen)
{
	char sql[256];
	struct db_stmt *st;
	int64_t b, e;
	size_t i;
	int rc;

	/* the days that hold cells: the blocks step through those only */
	/* two subqueries: each one seek (min and max together would scan) */
	snprintf(sql, sizeof(sql), "SELECT (SELECT min(hour) FROM %s WHERE hour >= ?1 AND"
	    " hour < ?2), (SELECT max(hour) FROM %s WHERE hour >= ?1 AND hour < ?2)", table[kd],
	    table[kd]);
	if ((st = store_prepare(s, sql, "report", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, d0);
	db_bind_int64(st, 2, d1);
	if ((rc = db_step(st)) == DB_ROW && db_column_type(st, 0) != DB_T_NULL) {
		d0 = db_column_int64(st, 0);
		d1 = db_column_int64(st, 1) + 1;
	} else if (rc == DB_ROW) {
		d1 = d0;       /* none */
	}
	db_finalize(st);
	if (rc != DB_ROW)
		return store_sqlerr(s, "report", err, errlen);
	/* where local midnights are UTC's (UTC, or London in winter) nothing
	 * moves: three days decide (a wrong guess costs time, never exactness) */
	if (d0 < d1 && !day_split(a, d0) && !day_split(a, d0 + (d1 - d0) / 2) &&
	    !day_split(a, d1 - 1))
		return read_rollup(s, a, kd, d0, d1, NULL, err, errlen);
	for (rc = 0, b = d0; b < d1 && rc == 0; b = e) {
		e = d1 - b > SHIFT_BLOCK ? b + SHIFT_BLOCK : d1;
		groupsum_reset(&a->gs);
		a->nsk = a->nsp = 0;
		a->split_h0 = INT64_MIN;
		a->shift = 1;
		rc = read_rollup(s, a, kd, b, e, NULL, err, errlen);
		a->shift = 0;
		for (i = 0; rc == 0 && i < a->nsp; i++)
			rc = a->sp[i].raw ? read_raw_piece(s, a, &a->sp[i], err, errlen) :
			    read_rollup(s, a, kh, a->sp[i].h0, a->sp[i].h1, &a->sp[i], err, errlen);
		a->shift = 1;
		if (rc == 0)
			rc = add_groups(s, a, kd, err, errlen);
		a->shift = 0;
	}
	return rc;
}

/* UTC days [d0, d1) from day kind kd: shifted, or split days by the hour. */
static int
read_dayunits(struct store *s, struct agg *a, enum rollup_kind kd, int64_t d0, int64_t d1,
              char *err, size_t errlen)
{
	if (shifting(a))
		return read_days_shifted(s, a, kd, needs_full(a->q) ? RK_FULL : RK_HM, d0, d1, err,
		    errlen);
	return read_rollup(s, a, kd, d0, d1, NULL, err, errlen);
}

/* Runs of consecutive units of kind from in v[0..n) (in order), each read
 * again by rollup kind k (a finer unit). 0, or -1 with err. */
static int
read_runs(struct store *s, struct agg *a, enum rollup_kind from, enum rollup_kind k,
          const int64_t *v, size_t n, char *err, size_t errlen)
{
	int64_t h0, h1, x, y;
	size_t i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j] == v[j - 1] + 1; j++)
			;
		unit_hours(from, v[i], &h0, &x);
		unit_hours(from, v[j - 1], &y, &h1);
		if ((is_day(k) ? read_dayunits(s, a, k, h0 / 24, h1 / 24, err, errlen) :
		    read_rollup(s, a, k, h0, h1, NULL, err, errlen)) != 0)
			return -1;
	}
	return 0;
}

/* The whole UTC months in UTC days [d0, d1): [*m0, *m1), empty when none. */
static void
whole_months(int64_t d0, int64_t d1, int64_t *m0, int64_t *m1)
{
	*m0 = store_month_of_day(d0);
	if (store_month_first_day(*m0) < d0)
		(*m0)++;
	*m1 = store_month_of_day(d1);
}

/* Tag and source together (no day table knows both): whole UTC months in
 * one period from rollup_mx, the rest (split months too) by the hour. */
static int
read_tagsource(struct store *s, struct agg *a, int64_t h0, int64_t h1, int64_t d0, int64_t d1,
               char *err, size_t errlen)
{
	int64_t m0, m1;

	whole_months(d0, d1, &m0, &m1);
	if (m0 >= m1)
		return read_rollup(s, a, RK_FULL, h0, h1, NULL, err, errlen);
	return read_rollup(s, a, RK_MX, m0, m1, NULL, err, errlen) != 0 ||
	    read_rollup(s, a, RK_FULL, h0, store_month_first_day(m0) * 24, NULL, err, errlen) != 0 ||
	    read_rollup(s, a, RK_FULL, store_month_first_day(m1) * 24, h1, NULL, err, errlen) != 0 ||
	    read_runs(s, a, RK_MX, RK_FULL, a->splitmon, a->nsm, err, errlen) != 0 ? -1 : 0;
}

/* Whole UTC days [d0, d1): whole UTC months in one period from a month
 * table (rollup_mm or _mx) where the group allows, the rest from a day
 * table (kd); months split between two local periods by the day. */
static int
read_days(struct store *s, struct agg *a, enum rollup_kind kd, int64_t d0, int64_t d1,
          char *err, size_t errlen)
{
	enum rollup_kind km = month_kind(a);
	int64_t m0, m1;

	if (km == RK_NONE)
		return read_dayunits(s, a, kd, d0, d1, err, errlen);
	whole_months(d0, d1, &m0, &m1);
	if (m0 >= m1)
		return read_dayunits(s, a, kd, d0, d1, err, errlen);
	return read_rollup(s, a, km, m0, m1, NULL, err, errlen) != 0 ||
	    read_dayunits(s, a, kd, d0, store_month_first_day(m0), err, errlen) != 0 ||
	    read_dayunits(s, a, kd, store_month_first_day(m1), d1, err, errlen) != 0 ||
	    read_runs(s, a, km, kd, a->splitmon, a->nsm, err, errlen) != 0 ? -1 : 0;
}

/* Whole UTC hours [h0, h1): whole UTC days (and months) in one period from
 * a day (month) table, the rest by the hour (rollup_hm or rollup_hour). */
static int
read_hours(struct store *s, struct agg *a, int64_t h0, int64_t h1, char *err, size_t errlen)
{
	int64_t d0 = -report_floor_div(-h0, 24), d1 = report_floor_div(h1, 24);
	enum rollup_kind kd = day_kind(a->q), kh = needs_full(a->q) ? RK_FULL : RK_HM;

	/* by project or key: their hour tables, which know no tag or source (a
	 * filter on those reads the rows) */
	if (a->q->group == REPORT_PROJECT || a->q->group == REPORT_KEY) {
		if (filtered(a->q))
			return read_raw(s, a, h0 * MS_PER_HOUR, h1 * MS_PER_HOUR, NULL, err, errlen);
		return read_rollup(s, a, a->q->group == REPORT_PROJECT ? RK_HP : RK_HK, h0, h1,
		    NULL, err, errlen);
	}
	if (kd == RK_NONE || d0 >= d1) {
		/* tag and source together: the month cells know both */
		if (kd == RK_NONE && d0 < d1 && month_kind(a) == RK_MX)
			return read_tagsource(s, a, h0, h1, d0, d1, err, errlen);
		return read_rollup(s, a, kh, h0, h1, NULL, err, errlen);
	}
	if (read_days(s, a, kd, d0, d1, err, errlen) != 0 ||
	    read_rollup(s, a, kh, h0, d0 * 24, NULL, err, errlen) != 0 ||
	    read_rollup(s, a, kh, d1 * 24, h1, NULL, err, errlen) != 0)
		return -1;
	return read_runs(s, a, kd, kh, a->splitday, a->nsd, err, errlen);
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

