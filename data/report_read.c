/* report_read.c — where a report's figures come from: whole UTC months
 * from a month rollup (rollup_mm, or rollup_mx when the query needs a tag or
 * a source) for the reports that are not by day, week or hour, whole UTC
 * days from a day rollup (rollup_dm, or rollup_dt / rollup_ds), whole hours
 * from an hour rollup (rollup_hm, or rollup_hour for tags, sources and
 * tiers), each per provider by its flag bits, and raw rows for what no
 * rollup answers exactly (see report.c's head: split hours, edges, models
 * with another long-context line). A local day split by a midnight that is
 * not UTC's: report_shift.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/provider.h"
#include "data/report_int.h"

/* Filters that SQL applies: " AND tag = ?N AND source = ?M" and the
 * provider's: a column of the raw rows, flag bits of the rollups. */
void
report_filter_sql(const struct report_query *q, int raw, char *buf, size_t n, int first)
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
	k += q->provider != NULL && q->provider[0] != '\0';
	/* raw rows, rollup_dh/rollup_hh and rollup_ds (the rollups a host query reads) */
	if (q->host != NULL && q->host[0] != '\0')
		snprintf(buf + strlen(buf), n - strlen(buf), " AND host = ?%d", k);
}

void
report_filter_bind(const struct agg *a, int raw, struct db_stmt *st, int first)
{
	const struct report_query *q = a->q;
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
	if (q->host != NULL && q->host[0] != '\0')
		db_bind_text(st, k++, a->host);     /* as rows keep it */
}

/* Is the unit of hours [h0, h1) (a->quarters later) split between two
 * local periods? Its period's key into key (of its first ms). Cached for
 * runs of one unit (a->quarters changed: the cache is cleared). */
int
report_unit_split(struct agg *a, int64_t h0, int64_t h1, char *key, size_t n)
{
	int64_t late = a->quarters * QUARTER_MS;
	char k2[32];

	if (h0 != a->hour || h1 != a->hour_end || a->hour_key[0] == '\0') {
		a->hour = h0;
		a->hour_end = h1;
		report_period_key(a->q->group, h0 * MS_PER_HOUR + late, a->hour_key,
		    sizeof(a->hour_key));
		report_period_key(a->q->group, h1 * MS_PER_HOUR + late - 1, k2, sizeof(k2));
		a->hour_split = strcmp(a->hour_key, k2) != 0;
	}
	usage_strlcpy(key, a->hour_key, n);
	return a->hour_split;
}

/* Which rollup a query reads: per UTC day or hour × model × flags × routed
 * (DAY, HM), per UTC day and tag or source as well (DT, DS), per UTC day or
 * hour and host (DH, HH), per UTC month (MM, and MX with source and tag),
 * or the full hourly cells (FULL: a tier group, or tag and source
 * together). NONE: no table of that unit will do. */
static const char *const table[] = { "rollup_dm", "rollup_hm", "rollup_dt", "rollup_ds",
	"rollup_hp", "rollup_hk", "rollup_dh", "rollup_hh", "rollup_mm", "rollup_mx", "rollup_do",
	"rollup_hq" };

const char *
report_rollup_table(enum rollup_kind k)
{
	return k < RK_FULL ? table[k] : "rollup_hour";
}

static int
is_day(enum rollup_kind k)
{
	return k == RK_DAY || k == RK_DT || k == RK_DS || k == RK_DH;
}

/* Is the query by host or of one host (then only rollup_dh and rollup_hh,
 * per UTC day or hour × host, or the raw rows through their host index,
 * answer it)? */
static int
hosted(const struct report_query *q)
{
	return q->group == REPORT_HOST || (q->host != NULL && q->host[0] != '\0');
}

static int
is_month(enum rollup_kind k)
{
	return k == RK_MM || k == RK_MX;
}

/* The UTC hours [*h0, *h1) of unit u of kind k. */
void
report_unit_hours(enum rollup_kind k, int64_t u, int64_t *h0, int64_t *h1)
{
	if (k == RK_DO) {            /* a day from its first hour */
		*h0 = u;
		*h1 = u + 24;
	} else if (is_month(k)) {
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
int
report_needs_full(const struct report_query *q)
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

	if (!report_needs_full(q))
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

	if (pricing_has_dates(a->p) || hosted(q) || q->group == REPORT_DAY ||
	    q->group == REPORT_WEEK || q->group == REPORT_HOUR || q->group == REPORT_MODEL_TIER)
		return RK_NONE;      /* (month cells know no host) */
	return report_needs_full(q) ? RK_MX : RK_MM;
}

/*
 * The rollup query: columns unit (hour or UTC day; 0 when the group is not
 * a period), model, source or tag ('' when not grouped by one), flags,
 * routed, then the sums; in unit order. No GROUP BY (its sort costs more
 * than the C that sums the cells of one group × model × flags × routed, per
 * unit for a period: read_rollup, groupsum.c).
 */
static void
rollup_sql(const struct agg *a, enum rollup_kind k, int group_sums, char *sql, size_t n)
{
	const struct report_query *q = a->q;
	/* the time of a cell prices it when prices change by date */
	int timed = report_is_period(q->group) || pricing_has_dates(a->p);
	const char *gcol = q->group == REPORT_SOURCE ? "source" : q->group == REPORT_TAG ? "tag" :
	    q->group == REPORT_MODEL_TIER ? "tier" : q->group == REPORT_PROJECT ? "project" :
	    q->group == REPORT_KEY ? "key_fp" : q->group == REPORT_HOST ? "host" : "''";
	int grouped = group_sums && !timed && k != RK_FULL;     /* (FULL: priced cell by cell) */
	char filt[160], off[32] = "";

	report_filter_sql(q, 0, filt, sizeof(filt), 3);
	if (k == RK_DO)
		snprintf(off, sizeof(off), "off = %d AND ", a->off);
	else if (k == RK_HQ)     /* (one hour: a seek on both key columns) */
		snprintf(off, sizeof(off), "hour = ?1 AND part = %d AND ", a->part);
	snprintf(sql, n, "SELECT %s, model, %s, flags, %s, %s FROM %s WHERE %shour >= ?1 AND"
	    " hour < ?2%s%s", timed ? "hour" : "0", gcol,
	    k == RK_FULL ? "CASE WHEN tier <> '' THEN 1 ELSE 0 END" : "routed",
	    grouped ? GROUP_SUMS : CELL_SUMS, k == RK_FULL ? "rollup_hour" : table[k],
	    off, filt, timed ? " ORDER BY hour" : grouped ? " GROUP BY 1, 2, 3, 4, 5" : "");
}

/* Note unit u of kind k (an hour, a UTC day or month) as one to re-read
 * finer (units come in order). */
static int
add_split(struct agg *a, enum rollup_kind k, int64_t u)
{
	int day = is_day(k) || k == RK_DO;     /* (DO: report_shift.c re-reads its own) */
	int64_t **v = is_month(k) ? &a->splitmon : day ? &a->splitday : &a->straddle, *hs;
	size_t *nv = is_month(k) ? &a->nsm : day ? &a->nsd : &a->nstr;
	size_t *cap = is_month(k) ? &a->smcap : day ? &a->sdcap : &a->strcap;

	if (*nv > 0 && (*v)[*nv - 1] == u)
		return 0;
	if ((hs = report_grow(*v, cap, *nv + 1, sizeof(*hs))) == NULL)
		return -1;
	*v = hs;
	(*v)[(*nv)++] = u;
	return 0;
}

/* Rollup kind k over units [u0, u1) into a; units that straddle two local
 * periods go to a->straddle (hours) or a->splitday (days), or with a->shift
 * are moved in part (shift_split). The cells of the day and hm tables are
 * summed per group first (what their GROUP BY did); rollup_hour's are priced
 * each (they were never grouped). With pc: the hours of a piece, taken out
 * of one period's groups and added to another's. */
int
report_read_rollup(struct store *s, struct agg *a, enum rollup_kind k, int64_t u0, int64_t u1,
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
	if (pc != NULL)
		groupsum_reset(&a->pgs);
	rollup_sql(a, k, s->db->drv->group_sums, sql, sizeof(sql));
	if ((st = report_kept_prepare(s, a, sql, err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, u0);
	db_bind_int64(st, 2, u1);
	report_filter_bind(a, 0, st, 3);
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
		if (a->quarters && unit >= a->part_end && report_part_next(s, a, unit, err, errlen) != 0)
			goto fail;
		g = db_column_text(st, 2);
		routed = db_column_int64(st, 4) != 0;
		for (i = 0; i < GROUPSUM_N; i++)
			sum[i] = db_column_int64(st, 5 + i);
		if (pc != NULL && k != RK_FULL) {
			/* a piece: out of one period, into another (a cell a key) */
			if ((pc->from >= 0 && report_group_add(s, &a->gs, pc->from, e->model, g,
			    bits, routed, sum, 1, err, errlen) != 0) || (pc->to >= 0 &&
			    report_group_add(s, &a->gs, pc->to, e->model, g, bits, routed, sum, 0, err,
			    errlen) != 0))
				goto fail;
			continue;
		}
		if (pc != NULL) {      /* (rollup_hour's cells: summed per key first) */
			if (report_group_add(s, &a->pgs, 0, e->model, g, bits, routed, sum, 0, err,
			    errlen) != 0)
				goto fail;
			continue;
		}
		report_unit_hours(k, unit, &h0, &h1);
		if (report_is_period(a->q->group) && report_unit_split(a, h0, h1, kbuf, sizeof(kbuf))) {
			if (a->quarters) {      /* (report_offset.c reads none of these so) */
				snprintf(err, errlen, "report: a day from %lld:%02dZ split by a midnight",
				    (long long)(unit % 24), a->quarters * 15);
				goto fail;
			}
			if (!a->shift || (r = report_shift_split(a, h0, h1, &id)) == 1) {
				if (add_split(a, k, unit) != 0)
					goto oom;
				continue;
			}
			if (r != 0)
				goto oom;
		} else if (a->shift && (id = report_shift_key_id(a, kbuf, h0)) < 0) {
			goto oom;
		}
		if (a->shift) {
			if (report_group_add(s, &a->gs, id, e->model, g, bits, routed, sum, 0, err, errlen) != 0)
				goto fail;
			continue;
		}
		/* cells come in unit order when timed: a unit's groups are
		 * complete once the next unit starts (memory: one unit's) */
		if (a->gs.n > 0 && unit != a->gs.cells[0].unit) {
			if (report_add_groups(s, a, k, err, errlen) != 0)
				goto fail;
			groupsum_reset(&a->gs);
		}
		if (k == RK_FULL) {
			if (report_add_cell(s, a, k, unit, e, g, bits, routed, sum, err, errlen) != 0)
				goto fail;
			continue;
		}
		if (report_group_add(s, &a->gs, unit, e->model, g, bits, routed, sum, 0, err, errlen) != 0)
			goto fail;
	}
	if (report_kept_end(s, st, rc, err, errlen) != 0)
		return -1;
	if (pc != NULL)
		return k == RK_FULL ? report_fold_piece(s, a, pc, err, errlen) : 0;
	return plain ? report_add_groups(s, a, k, err, errlen) : 0;
bad_bits:
	snprintf(err, errlen, "a rollup cell names provider %d, which this tokentop does not"
	    " know", ROLLUP_PROVIDER(bits));
	goto fail;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	db_reset(st);
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
	case REPORT_HOST:
		return u->host;
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
	report_filter_sql(a->q, 1, filt, sizeof(filt), 4);
	snprintf(sql, sizeof(sql), "SELECT " STORE_USAGE_COLS " FROM usage"
	    " WHERE ts_ms >= ?1 AND ts_ms < ?2 AND (CAST(?3 AS TEXT) IS NULL OR model = ?3)%s",
	    filt);
	if ((st = store_prepare(s, sql, "report", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, since);
	db_bind_int64(st, 2, until);
	if (model != NULL)
		store_bind_text(st, 3, model);
	report_filter_bind(a, 1, st, 4);
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
	return report_read_end(s, st, rc, err, errlen);
oom:
	snprintf(err, errlen, "out of memory");
fail:
	db_finalize(st);
	return -1;
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
		report_unit_hours(from, v[i], &h0, &x);
		report_unit_hours(from, v[j - 1], &y, &h1);
		if ((is_day(k) ? report_read_dayunits(s, a, k, h0 / 24, h1 / 24, err, errlen) :
		    report_read_rollup(s, a, k, h0, h1, NULL, err, errlen)) != 0)
			return -1;
	}
	return 0;
}

/* Can rollup_ds (UTC day × model × source × host) answer a host query by
 * source or of one source: no tag filter, grouped by model, source, host,
 * provider or nothing (not a period: its days are never split or moved)? */
static int
ds_hosted(const struct report_query *q)
{
	enum report_group g = q->group;

	return (g == REPORT_SOURCE || (q->source != NULL && q->source[0] != '\0')) &&
	    (q->tag == NULL || q->tag[0] == '\0') && (g == REPORT_MODEL || g == REPORT_SOURCE ||
	    g == REPORT_HOST || g == REPORT_PROVIDER || g == REPORT_TOTAL);
}

/* Whole UTC hours [h0, h1) of a host query that rollup_ds answers: its
 * whole UTC days from it (so `report models --source S --host H` prices
 * the exporter's groups), the other hours, and any day split after all,
 * from the raw rows. */
static int
read_hosted_ds(struct store *s, struct agg *a, int64_t h0, int64_t h1, int64_t d0, int64_t d1,
               char *err, size_t errlen)
{
	size_t i, j;

	if (d0 >= d1)
		return read_raw(s, a, h0 * MS_PER_HOUR, h1 * MS_PER_HOUR, NULL, err, errlen);
	if (report_read_rollup(s, a, RK_DS, d0, d1, NULL, err, errlen) != 0 ||
	    read_raw(s, a, h0 * MS_PER_HOUR, d0 * 24 * MS_PER_HOUR, NULL, err, errlen) != 0 ||
	    read_raw(s, a, d1 * 24 * MS_PER_HOUR, h1 * MS_PER_HOUR, NULL, err, errlen) != 0)
		return -1;
	for (i = 0; i < a->nsd; i = j) {
		for (j = i + 1; j < a->nsd && a->splitday[j] == a->splitday[j - 1] + 1; j++)
			;
		if (read_raw(s, a, a->splitday[i] * 24 * MS_PER_HOUR,
		    (a->splitday[j - 1] + 1) * 24 * MS_PER_HOUR, NULL, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Whole UTC hours [h0, h1) of a host query: whole UTC days in one period
 * from rollup_dh (shifted to local days as the other day tables are), the
 * other hours from rollup_hh, when their columns answer the query (grouped
 * by host, a period, model or provider, no tag or source filter); of a
 * source, from rollup_ds where it answers (read_hosted_ds); otherwise the
 * raw rows (their (host, ts_ms) index serves a host filter). Never the
 * month tables: they know no host. */
static int
read_hosted(struct store *s, struct agg *a, int64_t h0, int64_t h1, char *err, size_t errlen)
{
	int64_t d0 = -report_floor_div(-h0, 24), d1 = report_floor_div(h1, 24);
	enum report_group g = a->q->group;

	if (ds_hosted(a->q))
		return read_hosted_ds(s, a, h0, h1, d0, d1, err, errlen);

	if (filtered(a->q) || g == REPORT_SOURCE || g == REPORT_TAG || g == REPORT_MODEL_TIER ||
	    g == REPORT_PROJECT || g == REPORT_KEY)
		return read_raw(s, a, h0 * MS_PER_HOUR, h1 * MS_PER_HOUR, NULL, err, errlen);
	if (g == REPORT_HOUR || d0 >= d1)
		return report_read_rollup(s, a, RK_HH, h0, h1, NULL, err, errlen);
	if (report_read_dayunits(s, a, RK_DH, d0, d1, err, errlen) != 0 ||
	    report_read_rollup(s, a, RK_HH, h0, d0 * 24, NULL, err, errlen) != 0 ||
	    report_read_rollup(s, a, RK_HH, d1 * 24, h1, NULL, err, errlen) != 0)
		return -1;
	return read_runs(s, a, RK_DH, RK_HH, a->splitday, a->nsd, err, errlen);
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

/* Tag and source together (no day table knows both): whole UTC months from
 * rollup_mx (moved in part to local months: report_read_months), the rest
 * (months split twice too) by the hour. */
static int
read_tagsource(struct store *s, struct agg *a, int64_t h0, int64_t h1, int64_t d0, int64_t d1,
               char *err, size_t errlen)
{
	int64_t m0, m1;

	whole_months(d0, d1, &m0, &m1);
	if (m0 >= m1)
		return report_read_rollup(s, a, RK_FULL, h0, h1, NULL, err, errlen);
	return report_read_months(s, a, RK_MX, m0, m1, err, errlen) != 0 ||
	    report_read_rollup(s, a, RK_FULL, h0, store_month_first_day(m0) * 24, NULL, err, errlen) != 0 ||
	    report_read_rollup(s, a, RK_FULL, store_month_first_day(m1) * 24, h1, NULL, err, errlen) != 0 ||
	    read_runs(s, a, RK_MX, RK_FULL, a->splitmon, a->nsm, err, errlen) != 0 ? -1 : 0;
}

/* Whole UTC days [d0, d1): whole UTC months from a month table (rollup_mm
 * or _mx) where the group allows, moved in part to local months
 * (report_read_months), the rest from a day table (kd); months that two
 * local boundaries split by the day. */
static int
read_days(struct store *s, struct agg *a, enum rollup_kind kd, int64_t d0, int64_t d1,
          char *err, size_t errlen)
{
	enum rollup_kind km = month_kind(a);
	int64_t m0, m1;

	if (km == RK_NONE)
		return report_read_dayunits(s, a, kd, d0, d1, err, errlen);
	whole_months(d0, d1, &m0, &m1);
	if (m0 >= m1)
		return report_read_dayunits(s, a, kd, d0, d1, err, errlen);
	return report_read_months(s, a, km, m0, m1, err, errlen) != 0 ||
	    report_read_dayunits(s, a, kd, d0, store_month_first_day(m0), err, errlen) != 0 ||
	    report_read_dayunits(s, a, kd, store_month_first_day(m1), d1, err, errlen) != 0 ||
	    read_runs(s, a, km, kd, a->splitmon, a->nsm, err, errlen) != 0 ? -1 : 0;
}

/* Whole UTC hours [h0, h1): whole UTC days (and months) in one period from
 * a day (month) table, the rest by the hour (rollup_hm or rollup_hour). */
static int
read_hours(struct store *s, struct agg *a, int64_t h0, int64_t h1, char *err, size_t errlen)
{
	int64_t d0 = -report_floor_div(-h0, 24), d1 = report_floor_div(h1, 24);
	enum rollup_kind kd = day_kind(a->q), kh = report_needs_full(a->q) ? RK_FULL : RK_HM;

	if (hosted(a->q))
		return read_hosted(s, a, h0, h1, err, errlen);
	/* by project or key: their hour tables, which know no tag or source (a
	 * filter on those reads the rows) */
	if (a->q->group == REPORT_PROJECT || a->q->group == REPORT_KEY) {
		if (filtered(a->q))
			return read_raw(s, a, h0 * MS_PER_HOUR, h1 * MS_PER_HOUR, NULL, err, errlen);
		return report_read_rollup(s, a, a->q->group == REPORT_PROJECT ? RK_HP : RK_HK, h0, h1,
		    NULL, err, errlen);
	}
	if (kd == RK_NONE || d0 >= d1) {
		/* tag and source together: the month cells know both */
		if (kd == RK_NONE && d0 < d1 && month_kind(a) == RK_MX)
			return read_tagsource(s, a, h0, h1, d0, d1, err, errlen);
		return report_read_rollup(s, a, kh, h0, h1, NULL, err, errlen);
	}
	if (read_days(s, a, kd, d0, d1, err, errlen) != 0 ||
	    report_read_rollup(s, a, kh, h0, d0 * 24, NULL, err, errlen) != 0 ||
	    report_read_rollup(s, a, kh, d1 * 24, h1, NULL, err, errlen) != 0)
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
	size_t i, j, n;
	int hm, r;

	if (!report_lifetime(a) && report_whole_edges(s, a->q, &h0, &h1, err, errlen) != 0)
		return -1;
	if (report_lifetime(a)) {
		if (report_read_lifetime(s, a, err, errlen) != 0)
			return -1;
	} else if (h0 >= h1) {
		if (read_raw(s, a, since, until, NULL, err, errlen) != 0)
			return -1;
	} else if (read_hours(s, a, h0, h1, err, errlen) != 0 ||
	    read_raw(s, a, since, h0 * MS_PER_HOUR, NULL, err, errlen) != 0 ||
	    read_raw(s, a, h1 * MS_PER_HOUR, until, NULL, err, errlen) != 0)
		return -1;
	/* runs of consecutive split hours: moved in part where rollup_hm
	 * answers, else raw (and so are those that reading adds, from n on) */
	hm = !hosted(a->q) && !report_needs_full(a->q);
	for (i = 0, n = a->nstr; i < a->nstr; i = j) {
		for (j = i + 1; j < a->nstr && j != n && a->straddle[j] == a->straddle[j - 1] + 1; j++)
			;
		r = i < n ? report_read_split_hours(s, a, hm, a->straddle[i], a->straddle[j - 1] + 1,
		    err, errlen) : 1;
		if (r < 0 || (r == 1 && read_raw(s, a, a->straddle[i] * MS_PER_HOUR,
		    (a->straddle[j - 1] + 1) * MS_PER_HOUR, NULL, err, errlen) != 0))
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

