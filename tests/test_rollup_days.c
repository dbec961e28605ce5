/* test_rollup_days.c — the rollups a report by local day reads where the
 * zone's midnight is not UTC's: rollup_do's days from every third UTC hour
 * (every hour on PostgreSQL, and from :15 and :30 for db.h's do_part) and
 * rollup_hq's first quarters of each hour, against the raw rows after
 * flushes (rows replaced by larger copies too) and after the migrations
 * that build them (23, 24, 25), on both backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "data/store.h"
#include "data/store_int.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"
#include "tests/lib/fx_fleet.h"

/* rollup_do's days from UTC hour off against the raw rows, as
 * "first hour, requests, input, output, reasoning" lines: 0 when equal. */
static int
offset_days_differ(const char *path, int off)
{
	char a[512], b[640];

	snprintf(a, sizeof(a), "SELECT hour, sum(requests), sum(input), sum(output), sum(reasoning),"
	    " sum(cache_read) FROM rollup_do WHERE off = %d GROUP BY hour HAVING sum(requests) > 0",
	    off);
	snprintf(b, sizeof(b), "SELECT h - ((h - %d) %% 24 + 24) %% 24, count(*), sum(input),"
	    " sum(output), sum(reasoning_tokens), sum(cache_read) FROM (SELECT (ts_ms - ((ts_ms %%"
	    " 3600000) + 3600000) %% 3600000) / 3600000 AS h, input, output, reasoning_tokens,"
	    " cache_read FROM usage) AS r GROUP BY 1", off);
	return fxf_differ(path, a, b);
}

/* rollup_do's days from q quarters into UTC hour h (off 24 q + h) against
 * the raw rows, as offset_days_differ's lines (a cell's hour: its first
 * whole hour h). */
static int
part_days_differ(const char *path, int q, int h)
{
	char a[512], b[640];

	snprintf(a, sizeof(a), "SELECT hour, sum(requests), sum(input), sum(output), sum(reasoning),"
	    " sum(cache_read) FROM rollup_do WHERE off = %d GROUP BY hour HAVING sum(requests) > 0",
	    24 * q + h);
	snprintf(b, sizeof(b), "SELECT h - ((h - %d) %% 24 + 24) %% 24, count(*), sum(input),"
	    " sum(output), sum(reasoning_tokens), sum(cache_read) FROM (SELECT (ts_ms - %d -"
	    " (((ts_ms - %d) %% 3600000) + 3600000) %% 3600000) / 3600000 AS h, input, output,"
	    " reasoning_tokens, cache_read FROM usage) AS r GROUP BY 1", h, q * 900000, q * 900000);
	return fxf_differ(path, a, b);
}

/* Every day start of rollup_do (whole hours: every step; q quarters into
 * the hours of part[q - 1]) against the raw rows, and no cell of another
 * start. */
static void
assert_offset_days(const char *path, int step, const unsigned part[3])
{
	char sql[512];
	int off, q, n = 0;

	for (off = step; off < 24; off += step, n++)
		assert_int_equal(offset_days_differ(path, off), 0);
	for (q = 1; q < 4; q++)
		for (off = 0; off < 24; off++)
			if (part[q - 1] & 1u << off) {
				assert_int_equal(part_days_differ(path, q, off), 0);
				n++;
			}
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM rollup_do WHERE CASE WHEN off < 24 THEN"
	    " off %% %d <> 0 OR off < 1 OR (hour %% 24 + 24) %% 24 <> off ELSE off >= 96 OR"
	    " (hour %% 24 + 24) %% 24 <> off %% 24 OR (CAST(CASE off / 24 WHEN 1 THEN %u"
	    " WHEN 2 THEN %u ELSE %u END AS BIGINT) >> CAST(off %% 24 AS INTEGER)) & 1 = 0 END",
	    step, part[0], part[1], part[2]);
	assert_int_equal(fx_one(path, sql), 0);
	assert_int_equal(fx_one(path, "SELECT count(DISTINCT off) FROM rollup_do"), n);
}

/* rollup_hq's first 15, 30, 45 minutes of each UTC hour against the raw
 * rows: 0 when equal. */
static int
parts_differ(const char *path)
{
	return fxf_differ(path, "SELECT hour, part, sum(requests), sum(input), sum(output),"
	    " sum(reasoning), sum(max_tokens_stops) FROM rollup_hq GROUP BY hour, part"
	    " HAVING sum(requests) > 0",
	    "SELECT h, p.part, count(*), sum(input), sum(output), sum(reasoning_tokens),"
	    " sum(CASE WHEN stop_reason = 'max_tokens' THEN 1 ELSE 0 END) FROM (SELECT"
	    " (ts_ms - ((ts_ms % 3600000) + 3600000) % 3600000) / 3600000 AS h,"
	    " ((ts_ms % 3600000) + 3600000) % 3600000 AS ms, input, output, reasoning_tokens,"
	    " stop_reason FROM usage) AS r, (SELECT 1 AS part UNION ALL SELECT 2 UNION ALL"
	    " SELECT 3) AS p WHERE r.ms < p.part * 900000 GROUP BY h, p.part");
}

/* Migration 23's days from every third UTC hour (every hour on PostgreSQL,
 * migration 24: db.h's do_step; and from h:15 and h:30 for its do_part's
 * hours, migration 25) (rollup_do) and parts of hours (rollup_hq): the flushes
 * keep them (rows replaced by larger copies too), and a ledger from before
 * it gets them rebuilt (rollup_do from rollup_hm and rollup_hq, rollup_hq
 * from the rows; the migration found by its text), each cell the raw rows'
 * sums, on both backends. */
/* The ledger at path set back to version from and opened: migrated to
 * version v again, then its day starts checked against the raw rows. */
static void
migrate_days(const char *path, int from, int v, int step, const unsigned part[3])
{
	char err[256];
	struct store *s;

	fx_set_schema_version(path, from);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	assert_int_equal(store_schema_version(s), v);
	store_close(s);
	assert_offset_days(path, step, part);
}

static void
test_offset_days(void **state)
{
	char path[512], err[256];
	struct store *s;
	int v, from, step = fx_pg ? 1 : 3;    /* (db.h's do_step) */
	static const unsigned none[3], pg[3] = { PG_DO_Q1, PG_DO_HALF, 0 };
	const unsigned *part = fx_pg ? pg : none;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("od.db"));
	fxf_fill(path, 1);
	assert_offset_days(path, step, part);
	assert_int_equal(parts_differ(path), 0);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	v = store_schema_version(s);
	store_close(s);
	fx_sql(path, "DELETE FROM rollup_do; DELETE FROM rollup_hq;");
	for (from = 0; from < (fx_pg ? store_nmigrations_pg : store_nmigrations) &&
	    strstr(fx_pg ? store_migrations_pg[from] : store_migrations[from],
	    "CREATE TABLE IF NOT EXISTS rollup_do") == NULL; from++)
		;
	assert_true(from < (fx_pg ? store_nmigrations_pg : store_nmigrations));
	migrate_days(path, from, v, step, part);
	assert_true(fx_one(path, "SELECT count(*) FROM rollup_do") > 0);
	assert_true(fx_one(path, "SELECT count(*) FROM rollup_hq") > 0);
	assert_int_equal(parts_differ(path), 0);
	/* PostgreSQL's day starts between every third hour (migration 24), on
	 * a ledger whose offset days are those of migration 23: rebuilt; and
	 * its days from :15 and :30 (migration 25) on one from before them */
	fx_sql(path, "DELETE FROM rollup_do WHERE off % 3 <> 0 OR off >= 24;");
	migrate_days(path, from + 1, v, step, part);
	fx_sql(path, "DELETE FROM rollup_do WHERE off >= 24;");
	migrate_days(path, from + 2, v, step, part);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offset_days),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
