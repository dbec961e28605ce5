/* report_stmt.c — the statements of a report's rollup reads, prepared
 * once a report: a local day's piece of an hour is read with the same SQL
 * for every day (report_int.h). */
#include <stdio.h>
#include <string.h>

#include "data/report_int.h"

/* sql's statement, prepared once a report (a->rs keeps the last few) and
 * reset for another read; NULL + err on failure. The caller ends its use
 * with report_kept_end (never finalises it). */
struct db_stmt *
report_kept_prepare(struct store *s, struct agg *a, const char *sql, char *err, size_t errlen)
{
	struct read_stmt *r;
	size_t i;

	for (i = 0; i < REPORT_STMTS; i++)
		if (a->rs[i].st != NULL && strcmp(a->rs[i].sql, sql) == 0) {
			db_reset(a->rs[i].st);
			db_clear(a->rs[i].st);
			return a->rs[i].st;
		}
	r = &a->rs[a->nrs++ % REPORT_STMTS];
	if (r->st != NULL)
		db_finalize(r->st);
	r->st = store_prepare(s, sql, "report", err, errlen);
	usage_strlcpy(r->sql, r->st != NULL ? sql : "", sizeof(r->sql));
	return r->st;
}

/* A read loop's end at rc: 0 at DB_DONE, else -1 with err (an integer
 * column outside int64, DB_OVERFLOW, said so). */
static int
read_rc(struct store *s, int rc, char *err, size_t errlen)
{
	if (rc != DB_DONE && db_fail(s->db) == DB_OVERFLOW)
		store_overflow_err(s, NULL, err, errlen);
	else if (rc != DB_DONE)
		store_sqlerr(s, "report", err, errlen);
	return rc == DB_DONE ? 0 : -1;
}

/* The end of a read loop that did not fail on its own: read_rc's, st
 * finalised. */
int
report_read_end(struct store *s, struct db_stmt *st, int rc, char *err, size_t errlen)
{
	rc = read_rc(s, rc, err, errlen);
	db_finalize(st);
	return rc;
}

/* The end of a read of a kept statement: as report_read_end, but st is
 * reset (its row and locks let go), not finalised. */
int
report_kept_end(struct store *s, struct db_stmt *st, int rc, char *err, size_t errlen)
{
	rc = read_rc(s, rc, err, errlen);
	db_reset(st);
	return rc;
}

void
report_read_free(struct agg *a)
{
	size_t i;

	for (i = 0; i < REPORT_STMTS; i++)
		if (a->rs[i].st != NULL)
			db_finalize(a->rs[i].st);
	memset(a->rs, 0, sizeof(a->rs));
}
