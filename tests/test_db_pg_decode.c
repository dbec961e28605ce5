/* test_db_pg_decode.c — how the PostgreSQL driver (data/db_pg.c) reads a
 * row's columns, against a real server (TOKENTOP_TEST_PG; skipped
 * without): integers of every kind near the int64 limits and negative,
 * NULLs among them (an integer NULL reads 0 and DB_T_NULL, an empty text
 * "" and DB_T_TEXT), booleans, Korean UTF-8 text byte for byte, columns
 * past the row's end, rows of one run that alternate NULL and not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "data/db.h"
#include "data/store.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

#define KOREAN "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xeb\xb9\x84\xec\x9a\xa9"   /* 한국어 비용 */

/* The driver's connection to a fresh ledger. */
static struct db *
raw_open(void)
{
	const char *target = fx_ledger();
	char err[512];
	struct store *s = store_open(target, err, sizeof(err));
	struct db *db;

	if (s == NULL)
		fail_msg("%s", err);
	store_close(s);
	if ((db = db_pg.open(target, 0, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return db;
}

/* One row as the driver should read it: an integer column (bigint, then
 * numeric, then boolean) and a text column, each maybe NULL. */
static const struct row {
	int     null_i;
	int64_t i;           /* bigint */
	int64_t n;           /* numeric */
	int     null_n;
	int     b;           /* boolean: -1 NULL */
	const char *s;       /* NULL: SQL NULL */
} rows[] = {
	{ 0, 1, 5, 0, 1, "a" },
	{ 1, 0, 0, 1, -1, NULL },
	{ 0, INT64_MIN, -42, 0, 0, KOREAN },
	{ 0, INT64_MAX, INT64_MAX, 0, -1, "" },
	{ 1, 0, INT64_MIN, 0, 1, KOREAN "\t'\"\\" },
	{ 0, -1, -999999999999999999LL, 0, 0, NULL },
	{ 0, 1000000000000000000LL, 1000000000000000000LL, 0, 1, "0" },
};

/* The rows above as one VALUES statement (one run: the column shapes are
 * found once, at its first row). */
static struct db_stmt *
values(struct db *db)
{
	static char sql[4096];
	char one[512];
	size_t k;

	snprintf(sql, sizeof(sql), "SELECT * FROM (VALUES ");
	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		const struct row *r = &rows[k];
		char i[32] = "NULL", n[32] = "NULL";

		if (!r->null_i)
			snprintf(i, sizeof(i), "%lld", (long long)r->i);
		if (!r->null_n)
			snprintf(n, sizeof(n), "%lld", (long long)r->n);
		/* ?N texts: the server gets the bytes as they are */
		snprintf(one, sizeof(one), "%s(%d, (%s)::bigint, (%s)::numeric, %s::boolean, ?%zu::text)",
		    k > 0 ? ", " : "", (int)k, i, n, r->b < 0 ? "NULL" : r->b ? "true" : "false",
		    k + 1);
		strncat(sql, one, sizeof(sql) - strlen(sql) - 1);
	}
	strncat(sql, ") t(k, i, n, b, s) ORDER BY k", sizeof(sql) - strlen(sql) - 1);
	return db_prepare(db, sql, 1);
}

static void
bind_all(struct db_stmt *st)
{
	size_t k;

	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
		if (rows[k].s != NULL)
			db_bind_text(st, (int)k + 1, rows[k].s);
		else
			db_bind_null(st, (int)k + 1);
}

static void
check_rows(struct db_stmt *st)
{
	size_t k;

	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		const struct row *r = &rows[k];

		assert_int_equal(db_step(st), DB_ROW);
		assert_true(db_column_int64(st, 0) == (int64_t)k);
		assert_int_equal(db_column_type(st, 1), r->null_i ? DB_T_NULL : DB_T_INT);
		assert_true(db_column_int64(st, 1) == (r->null_i ? 0 : r->i));
		assert_int_equal(db_column_type(st, 2), r->null_n ? DB_T_NULL : DB_T_INT);
		assert_true(db_column_int64(st, 2) == (r->null_n ? 0 : r->n));
		assert_int_equal(db_column_type(st, 3), r->b < 0 ? DB_T_NULL : DB_T_INT);
		assert_true(db_column_int64(st, 3) == (r->b < 0 ? 0 : r->b));
		assert_int_equal(db_column_type(st, 4), r->s == NULL ? DB_T_NULL : DB_T_TEXT);
		assert_string_equal(db_column_text(st, 4), r->s == NULL ? "" : r->s);
		assert_true(db_column_int64(st, 4) == 0);        /* a text column */
		/* past the row's end: nothing */
		assert_true(db_column_int64(st, 5) == 0);
		assert_string_equal(db_column_text(st, 5), "");
		assert_int_equal(db_column_type(st, 5), DB_T_NULL);
		assert_true(db_column_int64(st, -1) == 0);
	}
	assert_int_equal(db_step(st), DB_DONE);
}

/* Every row read as written, twice (a kept statement's second run reads
 * the same), and the first values of a run again after a reset midway. */
static void
test_values(void **state)
{
	struct db *db = raw_open();
	struct db_stmt *st = values(db);

	(void)state;
	assert_non_null(st);
	bind_all(st);
	check_rows(st);
	db_reset(st);
	check_rows(st);
	db_reset(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_step(st), DB_ROW);              /* the NULL row */
	db_reset(st);
	check_rows(st);
	db_finalize(st);
	db->drv->close(db);
}

/* A statement of another shape after one that had text in column 1: no
 * value of the first shows through (integers read 0, NULLs NULL). */
static void
test_shapes(void **state)
{
	struct db *db = raw_open();
	struct db_stmt *st = db_prepare(db, "SELECT ?1::text, 7::bigint", 1);

	(void)state;
	db_bind_text(st, 1, KOREAN);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), KOREAN);
	assert_true(db_column_int64(st, 0) == 0);
	assert_true(db_column_int64(st, 1) == 7);
	db_finalize(st);
	st = db_prepare(db, "SELECT NULL::bigint, sum(x) FROM (VALUES ((-5)::bigint), (-6))"
	    " t(x)", 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_type(st, 0), DB_T_NULL);
	assert_true(db_column_int64(st, 0) == 0);
	assert_true(db_column_int64(st, 1) == -11);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	/* a sum of numerics past int64 still fails the step */
	st = db_prepare(db, "SELECT 1::bigint, sum(x) FROM (VALUES ((-9223372036854775808)::bigint),"
	    " (-1)) t(x)", 0);
	assert_int_equal(db_step(st), DB_ERR);
	assert_int_equal(db_fail(db), DB_OVERFLOW);
	assert_string_equal(db_errmsg(db), "integer overflow");    /* read, not the server's */
	db_finalize(st);
	db->drv->close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_shapes),
	};

	return FX_RUN_PG(tests, NULL, NULL);
}
