/* test_rollup.c — the collapsed rollup tables (data/rollup.c) hold exactly
 * the sums of rollup_hour's cells: per hour (rollup_hm), per UTC day
 * (rollup_dm) and per UTC day × tag or × source (rollup_dt, rollup_ds),
 * after inserts, replacements by larger copies and batches; and migration
 * 9 → 10 rebuilds the day × tag and day × source tables from the hours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "data/store.h"
#include "tests/lib/fx.h"
#include "tui/synth.h"

#define SUMS "sum(requests), sum(input), sum(write_5m), sum(write_1h), sum(cache_read)," \
	" sum(output), sum(compressed_tokens), sum(max_tokens_stops)"
#define COLS "requests, input, write_5m, write_1h, cache_read, output, compressed_tokens," \
	" max_tokens_stops"
#define DAY "(hour - ((hour % 24) + 24) % 24) / 24"

/* Each collapsed table against rollup_hour summed the same way. */
static const char *const same[][2] = {
	{ "SELECT hour, model, flags, routed, " COLS " FROM rollup_hm",
	  "SELECT hour, model, flags, tier <> '' AS r, " SUMS " FROM rollup_hour"
	  " GROUP BY hour, model, flags, r" },
	{ "SELECT hour, model, flags, routed, " COLS " FROM rollup_dm",
	  "SELECT " DAY " AS d, model, flags, tier <> '' AS r, " SUMS " FROM rollup_hour"
	  " GROUP BY d, model, flags, r" },
	{ "SELECT hour, model, tag, flags, routed, " COLS " FROM rollup_dt",
	  "SELECT " DAY " AS d, model, tag, flags, tier <> '' AS r, " SUMS " FROM rollup_hour"
	  " GROUP BY d, model, tag, flags, r" },
	{ "SELECT hour, model, source, flags, routed, " COLS " FROM rollup_ds",
	  "SELECT " DAY " AS d, model, source, flags, tier <> '' AS r, " SUMS " FROM rollup_hour"
	  " GROUP BY d, model, source, flags, r" },
};

static int64_t
one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Every collapsed table equals rollup_hour summed, both ways round. */
static void
check_tables(const char *path)
{
	char sql[2048];
	sqlite3 *db;
	size_t i;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_true(one(db, "SELECT count(*) FROM rollup_hour") > 100);
	assert_true(one(db, "SELECT count(*) FROM rollup_dt") > 10);
	assert_true(one(db, "SELECT count(*) FROM rollup_ds") > 10);
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s EXCEPT %s)", same[i][0],
		    same[i][1]);
		if (one(db, sql) != 0)
			fail_msg("rows of %s not in rollup_hour", same[i][0]);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s EXCEPT %s)", same[i][1],
		    same[i][0]);
		if (one(db, sql) != 0)
			fail_msg("rollup_hour sums missing from %s", same[i][0]);
	}
	sqlite3_close(db);
}

/* A fleet's rows (tags, sources, tiers, batches), then other rows under
 * the same ids (no US inference: other draws): the larger copies replace
 * rows, taking the old cells' sums out. */
static void
fill(const char *path)
{
	static const char *const tags[] = { "web", "etl", "eval", NULL };
	struct synth_fill f;
	struct synth_rng r;
	struct store *s;
	char err[256];
	uint64_t added;

	memset(&f, 0, sizeof(f));
	f.rows = 6000;
	f.days = 20;
	f.end_ms = 1767225600000LL;       /* 2026-01-01T00:00Z */
	f.chunk = 1000;
	f.mix.batch_permille = 150;
	f.mix.import_permille = 250;
	f.mix.tagged_permille = 700;
	f.mix.tags = tags;
	f.mix.run = 9;
	f.mix.proxy_permille = 400;
	f.mix.routed_permille = 300;
	f.mix.fast_permille = 100;
	f.mix.us_permille = 100;
	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	synth_seed(&r, 4);
	assert_int_equal(synth_fill_ledger(s, &r, &f, &added, err, sizeof(err)), 0);
	assert_int_equal(added, 6000);
	synth_seed(&r, 4);
	f.rows = 2000;
	f.mix.us_permille = 0;            /* other flags: cells move */
	assert_int_equal(synth_fill_ledger(s, &r, &f, &added, err, sizeof(err)), 0);
	store_close(s);
}

static void
test_collapsed_tables(void **state)
{
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/fleet.db", fx_tmpdir);
	fill(path);
	check_tables(path);
}

/* A file of version 9 has no day × tag / day × source tables: opening it
 * builds them from rollup_hour. */
static void
test_migration_10(void **state)
{
	char path[512], err[256];
	struct store *s;
	sqlite3 *db;
	int v;

	(void)state;
	snprintf(path, sizeof(path), "%s/v6.db", fx_tmpdir);
	fill(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE rollup_dt; DROP TABLE rollup_ds;",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	fx_set_user_version(path, 9);
	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	v = store_schema_version(s);
	assert_true(v >= 10);
	store_close(s);
	check_tables(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collapsed_tables),
		cmocka_unit_test(test_migration_10),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
