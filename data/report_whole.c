/* report_whole.c — reads of a whole thing: the whole ledger from the
 * lifetime sums (rollup_lt) when they answer a query, and an hour cut by a
 * bound read whole from its cells when no row lies in the rest of it (see
 * report_int.h). Both exact: the same sums as the rows, one rounding per
 * group as every rollup read. */
#include <stdio.h>
#include <string.h>

#include "core/provider.h"
#include "data/report_int.h"

/* Can the lifetime sums (rollup_lt: model × source × tag × flags × routed
 * × host) answer the query: the whole ledger, prices without dates, a
 * group and filters among its columns? Each group is then summed over
 * every row before it is priced (rounded once), on both backends. */
int
report_lifetime(const struct agg *a)
{
	enum report_group g = a->q->group;

	return a->q->since_ms == 0 && a->q->until_ms == 0 && !pricing_has_dates(a->p) &&
	    (g == REPORT_MODEL || g == REPORT_TAG || g == REPORT_SOURCE || g == REPORT_PROVIDER ||
	    g == REPORT_TOTAL || g == REPORT_HOST);
}

/* The whole ledger from rollup_lt (see report_lifetime): a few thousand cells,
 * summed per group by the server where the driver says so. */
int
report_read_lifetime(struct store *s, struct agg *a, char *err, size_t errlen)
{
	enum report_group g = a->q->group;
	int grouped = s->db->drv->group_sums, i, bits;
	char sql[768], filt[160];
	struct model_ent *e = NULL;
	struct db_stmt *st;
	const char *model;
	int64_t sum[GROUPSUM_N];
	int rc;

	report_filter_sql(a->q, 0, filt, sizeof(filt), 1);
	snprintf(sql, sizeof(sql), "SELECT model, %s, flags, routed, %s FROM rollup_lt"
	    " WHERE 1 = 1%s%s", g == REPORT_TAG ? "tag" : g == REPORT_SOURCE ? "source" :
	    g == REPORT_HOST ? "host" : "''", grouped ? GROUP_SUMS : CELL_SUMS, filt,
	    grouped ? " GROUP BY 1, 2, 3, 4" : "");
	if ((st = store_prepare(s, sql, "report", err, errlen)) == NULL)
		return -1;
	report_filter_bind(a, 0, st, 1);
	groupsum_reset(&a->gs);
	while ((rc = db_step(st)) == DB_ROW) {
		if (db_column_int64(st, 4) == 0)
			continue;   /* nothing left in the cell (pruned lazily) */
		model = db_column_text(st, 0);
		bits = (int)db_column_int64(st, 2);
		if (provider_at(ROLLUP_PROVIDER(bits)) == NULL) {
			snprintf(err, errlen, "a rollup cell names provider %d, which this tokentop"
			    " does not know", ROLLUP_PROVIDER(bits));
			goto fail;
		}
		if ((e == NULL || e->provider != ROLLUP_PROVIDER(bits) ||
		    strcmp(e->model, model) != 0) &&
		    (e = report_model_ent(a, model, ROLLUP_PROVIDER(bits))) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (!e->match || e->raw)
			continue;   /* (raw: read from the rows by report_collect) */
		for (i = 0; i < GROUPSUM_N; i++)
			sum[i] = db_column_int64(st, 4 + i);
		if (report_group_add(s, &a->gs, 0, e->model, db_column_text(st, 1), bits,
		    db_column_int64(st, 3) != 0, sum, 0, err, errlen) != 0)
			goto fail;
	}
	if (report_read_end(s, st, rc, err, errlen) != 0)
		return -1;
	/* (a month kind: priced as any undated cell, its key the group's) */
	return report_add_groups(s, a, RK_MM, err, errlen);
fail:
	db_finalize(st);
	return -1;
}

/* Does the ledger hold no row at all in [t0, t1)? 1, 0, or -1 with err. */
static int
no_rows_in(struct store *s, int64_t t0, int64_t t1, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "SELECT 1 FROM usage WHERE ts_ms >= ?1 AND ts_ms < ?2 LIMIT 1",
	    "report", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, t0);
	db_bind_int64(st, 2, t1);
	rc = db_step(st);
	db_finalize(st);
	if (rc == DB_ERR)
		return store_sqlerr(s, "report", err, errlen);
	return rc == DB_DONE;
}

/*
 * A bound inside an hour (the console's "until now", a --since at 10:20):
 * when no row lies in the part of that hour outside the range, the hour's
 * rollup cells are exactly the range's rows there, so the hour is read as a
 * whole one (one index probe) rather than row by row (thousands of rows of
 * the current hour on a busy ledger). *h0 and *h1 widened; 0, or -1 + err.
 */
int
report_whole_edges(struct store *s, const struct report_query *q, int64_t *h0, int64_t *h1,
                   char *err, size_t errlen)
{
	int r;

	if (q->since_ms != 0 && q->since_ms < *h0 * MS_PER_HOUR) {
		if ((r = no_rows_in(s, (*h0 - 1) * MS_PER_HOUR, q->since_ms, err, errlen)) < 0)
			return -1;
		*h0 -= r;
	}
	if (q->until_ms != 0 && q->until_ms > *h1 * MS_PER_HOUR) {
		if ((r = no_rows_in(s, q->until_ms, (*h1 + 1) * MS_PER_HOUR, err, errlen)) < 0)
			return -1;
		*h1 += r;
	}
	return 0;
}
