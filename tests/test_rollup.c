/* test_rollup.c — the collapsed rollup tables (data/rollup.c) hold exactly
 * the sums of rollup_hour's cells: per hour (rollup_hm), per UTC day
 * (rollup_dm) and per UTC day × tag or × source (rollup_dt, rollup_ds),
 * and for the whole history per model × source × tag (rollup_lt), provider
 * bits and reasoning sums included, after inserts, replacements by larger
 * copies and batches; and a ledger of version 9 migrates through 10 (the day
 * × tag and day × source tables, built from the hours) and 11 (the provider:
 * every rollup rebuilt when priority rows re-key their cells) to the same
 * reports; the lifetime table is built from the hours too. The tables on
 * both backends (tests/lib/fx_db.c); the migrations of SQLite files on
 * SQLite (PostgreSQL's: test_migrate_pg), but migration 21's rebuild of
 * rollup_lt and rollup_ds by host from a fleet's rows on both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/pricing.h"
#include "data/store.h"
#include "data/store_int.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"
#include "tests/lib/fx_fleet.h"
#include "tui/synth.h"

#define SUMS "sum(requests), sum(input), sum(write_5m), sum(write_1h), sum(cache_read)," \
	" sum(output), sum(compressed_tokens), sum(max_tokens_stops), sum(reasoning)"
#define COLS "requests, input, write_5m, write_1h, cache_read, output, compressed_tokens," \
	" max_tokens_stops, reasoning"
#define DAY "(hour - ((hour % 24) + 24) % 24) / 24"

/* Each collapsed table against rollup_hour summed the same way. */
static const char *const same[][2] = {
	{ "SELECT hour, model, flags, routed, " COLS " FROM rollup_hm",
	  "SELECT hour, model, flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END AS r, " SUMS " FROM rollup_hour"
	  " GROUP BY hour, model, flags, r" },
	{ "SELECT hour, model, flags, routed, " COLS " FROM rollup_dm",
	  "SELECT " DAY " AS d, model, flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END AS r, " SUMS " FROM rollup_hour"
	  " GROUP BY d, model, flags, r" },
	{ "SELECT hour, model, tag, flags, routed, " COLS " FROM rollup_dt",
	  "SELECT " DAY " AS d, model, tag, flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END AS r, " SUMS " FROM rollup_hour"
	  " GROUP BY d, model, tag, flags, r" },
	{ "SELECT hour, model, source, flags, routed, " COLS " FROM rollup_ds",
	  "SELECT " DAY " AS d, model, source, flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END AS r, " SUMS " FROM rollup_hour"
	  " GROUP BY d, model, source, flags, r" },
	{ "SELECT model, source, tag, flags, routed, " COLS " FROM rollup_lt",
	  "SELECT model, source, tag, flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END AS r, " SUMS " FROM rollup_hour"
	  " GROUP BY model, source, tag, flags, r" },
};

/* The month tables against rollup_hour and the raw rows: MONTH_EXPR(x) is
 * the UTC month (months since 1970-01) of x seconds, in each backend's own
 * calendar (rollup.c's arithmetic is checked against it). */
#define MONTH_SQ(x) "((CAST(strftime('%Y', " x ", 'unixepoch') AS INTEGER) - 1970) * 12" \
	" + CAST(strftime('%m', " x ", 'unixepoch') AS INTEGER) - 1)"
#define MONTH_PG(x) "(((EXTRACT(YEAR FROM to_timestamp(" x ") AT TIME ZONE 'UTC'))::bigint" \
	" - 1970) * 12 + (EXTRACT(MONTH FROM to_timestamp(" x ") AT TIME ZONE 'UTC'))::bigint - 1)"
#define MONTH_SAME(M) \
	{ "SELECT hour, model, flags, routed, " COLS ", web_search, code_exec FROM rollup_mm", \
	  "SELECT " M("hour * 3600") " AS m, model, flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END" \
	  " AS r, " SUMS ", sum(web_search), sum(code_exec) FROM rollup_hour" \
	  " GROUP BY m, model, flags, r" }, \
	{ "SELECT hour, model, source, tag, flags, routed, " COLS ", web_search, code_exec" \
	  " FROM rollup_mx", \
	  "SELECT " M("hour * 3600") " AS m, model, source, tag, flags, CASE WHEN tier <> ''" \
	  " THEN 1 ELSE 0 END AS r, " SUMS ", sum(web_search), sum(code_exec) FROM rollup_hour" \
	  " GROUP BY m, model, source, tag, flags, r" }, \
	{ "SELECT hour, model, source, tag, sum(requests), sum(input), sum(write_5m)," \
	  " sum(write_1h), sum(cache_read), sum(output), sum(compressed_tokens), sum(reasoning)" \
	  " FROM rollup_mx GROUP BY hour, model, source, tag", \
	  "SELECT " M("ts_ms / 1000") " AS m, model, source, tag, count(*), sum(input)," \
	  " sum(write_5m), sum(write_1h), sum(cache_read), sum(output), sum(compressed_tokens)," \
	  " sum(reasoning_tokens) FROM usage GROUP BY m, model, source, tag" }, \
	{ "SELECT hour, model, sum(requests), sum(input), sum(output) FROM rollup_mm" \
	  " GROUP BY hour, model", \
	  "SELECT " M("ts_ms / 1000") " AS m, model, count(*), sum(input), sum(output)" \
	  " FROM usage GROUP BY m, model" }
static const char *const month_sq[][2] = { MONTH_SAME(MONTH_SQ) };
static const char *const month_pg[][2] = { MONTH_SAME(MONTH_PG) };

/* The schema version a new ledger gets: the number of migrations. */
static int
current_version(void)
{
	char err[256];
	struct store *s = store_open(":memory:", err, sizeof(err));
	int v;

	if (s == NULL)
		fail_msg("open: %s", err);
	v = store_schema_version(s);
	store_close(s);
	return v;
}

/* The two queries of pair give the same rows (each EXCEPT the other is empty). */
static void
check_same(const char *path, const char *const pair[2])
{
	char sql[2048];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s EXCEPT %s) x", pair[0], pair[1]);
	if (fx_one(path, sql) != 0)
		fail_msg("rows of %s not in %s", pair[0], pair[1]);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s EXCEPT %s) x", pair[1], pair[0]);
	if (fx_one(path, sql) != 0)
		fail_msg("rows of %s not in %s", pair[1], pair[0]);
}

/* Every collapsed table equals rollup_hour summed, both ways round; with
 * OpenAI's cells (provider bits, reasoning sums) when openai. */
static void
check_tables(const char *path, int openai)
{
	size_t i;

	assert_true(fx_one(path, "SELECT count(*) FROM rollup_hour") > 100);
	assert_true(fx_one(path, "SELECT count(*) FROM rollup_dt") > 10);
	assert_true(fx_one(path, "SELECT count(*) FROM rollup_ds") > 10);
	assert_true(fx_one(path, "SELECT count(*) FROM rollup_lt") > 3);
	assert_true(fx_one(path, "SELECT count(DISTINCT hour) FROM rollup_mm") >= 2);
	assert_true(fx_one(path, "SELECT count(*) FROM rollup_mx") > 10);
	assert_true(fx_one(path, "SELECT count(*) FROM rollup_dt WHERE flags >= 256 AND"
	    " reasoning > 0") > (openai ? 10 : -1));
	assert_true(fx_one(path, "SELECT count(*) FROM rollup_ds WHERE flags >= 256") <=
	    (openai ? 1e9 : 0));
	assert_true(fx_one(path, "SELECT count(*) FROM rollup_ds WHERE flags & 16 <> 0") > 0);
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		check_same(path, same[i]);
	for (i = 0; i < sizeof(month_sq) / sizeof(month_sq[0]); i++)
		check_same(path, strncmp(path, "postgres", 8) == 0 ? month_pg[i] : month_sq[i]);
}

static void
test_collapsed_tables(void **state)
{
	char path[768];

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("fleet.db"));
	fxf_fill(path, 1);
	check_tables(path, 1);
}

/* Cost and requests per tag and per source over whole days (the day ×
 * tag / source tables), all providers and Anthropic's alone, as text. */
static void
reports(const char *path, char *out, size_t n)
{
	static const enum report_group groups[] = { REPORT_TAG, REPORT_SOURCE, REPORT_MODEL };
	static const char *const providers[] = { NULL, "anthropic" };
	struct report_query q;
	struct pricing *p = fx_shipped_prices();
	struct report r;
	struct store *s;
	char err[256];
	size_t gi, pi, k, len = 0;

	s = store_open(path, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s: %s", path, err);
	for (gi = 0; gi < 3; gi++) {
		for (pi = 0; pi < 2; pi++) {
			memset(&q, 0, sizeof(q));
			q.group = groups[gi];
			q.provider = providers[pi];
			q.since_ms = 1767225600000LL - 30LL * 24 * 3600000;
			q.until_ms = 1767225600000LL;
			if (store_report(s, p, &q, &r, err, sizeof(err)) != 0)
				fail_msg("report: %s", err);
			for (k = 0; k < r.nrows && len < n; k++)
				len += (size_t)snprintf(out + len, n - len, "%zu %zu %s %lld %lld\n", gi,
				    pi, r.rows[k].key, (long long)r.rows[k].requests,
				    (long long)r.rows[k].cost_nanos);
			store_report_free(&r);
		}
	}
	assert_true(len < n);
	store_close(s);
	pricing_free(p);
}

/* A file of version 9: no day × tag / day × source tables, no provider
 * columns, no reasoning sums, and its priority rows' cells keyed without the
 * priority bit. Opening it builds the day tables from rollup_hour (10), then
 * adds the provider and rebuilds every rollup from the rows (11): the same
 * tables and reports as a ledger written by this tokentop. */
static void
test_migration_from_9(void **state)
{
	char path[512], err[256], *before, *after;
	struct store *s;
	sqlite3 *db;

	(void)state;
	if (fx_pg)
		skip();    /* a SQLite file's migrations (PostgreSQL's: test_migrate_pg) */
	before = calloc(1, 1 << 16);
	after = calloc(1, 1 << 16);
	assert_true(before != NULL && after != NULL);
	snprintf(path, sizeof(path), "%s/v9.db", fx_tmpdir);
	fxf_fill(path, 0);             /* Anthropic's only, at priority now and then */
	check_tables(path, 0);
	reports(path, before, 1 << 16);
	/* back to version 9 */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* version 9 keyed cells without the priority bit: they merge */
	assert_int_equal(sqlite3_exec(db, FX_UNDO_ISSUE16 "DROP TABLE rollup_dt; DROP TABLE rollup_ds;"
	    "CREATE TEMP TABLE h AS SELECT hour, model, source, tag, tier, flags & ~16 AS flags,"
	    "  " SUMS " FROM rollup_hour GROUP BY hour, model, source, tag, tier, flags & ~16;"
	    "DELETE FROM rollup_hour; INSERT INTO rollup_hour SELECT * FROM h;"
	    "CREATE TEMP TABLE m AS SELECT hour, model, flags & ~16 AS flags, routed,"
	    "  " SUMS " FROM rollup_hm GROUP BY hour, model, flags & ~16, routed;"
	    "DELETE FROM rollup_hm; INSERT INTO rollup_hm SELECT * FROM m;"
	    "CREATE TEMP TABLE d AS SELECT hour, model, flags & ~16 AS flags, routed,"
	    "  " SUMS " FROM rollup_dm GROUP BY hour, model, flags & ~16, routed;"
	    "DELETE FROM rollup_dm; INSERT INTO rollup_dm SELECT * FROM d;"
	    "ALTER TABLE usage DROP COLUMN provider; ALTER TABLE usage DROP COLUMN reasoning_tokens;"
	    "ALTER TABLE usage DROP COLUMN session_id; ALTER TABLE usage DROP COLUMN cwd;"
	    "ALTER TABLE batch DROP COLUMN provider; ALTER TABLE rollup_hour DROP COLUMN reasoning;"
	    "ALTER TABLE rollup_hm DROP COLUMN reasoning; ALTER TABLE rollup_dm DROP COLUMN reasoning;",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	fx_set_user_version(path, 9);
	s = store_open(path, err, sizeof(err));
	if (s == NULL)
		fail_msg("migrate: %s", err);
	assert_int_equal(store_schema_version(s), current_version());   /* every migration ran */
	store_close(s);
	check_tables(path, 0);
	reports(path, after, 1 << 16);
	assert_string_equal(after, before);
	free(before);
	free(after);
}

/* Per hour × project and × key (issue 16): summed over the project or key
 * they are rollup_hm, and per project or key they are the rows' own sums,
 * server tool uses included, after replacements by larger copies. */
static void
test_project_and_key_tables(void **state)
{
	static const char *const hp_hm[][2] = {
		{ "SELECT hour, model, flags, routed, " SUMS ", sum(web_search), sum(code_exec)"
		  " FROM rollup_hp GROUP BY hour, model, flags, routed",
		  "SELECT hour, model, flags, routed, " COLS ", web_search, code_exec FROM rollup_hm" },
		{ "SELECT hour, model, flags, routed, " SUMS ", sum(web_search), sum(code_exec)"
		  " FROM rollup_hk GROUP BY hour, model, flags, routed",
		  "SELECT hour, model, flags, routed, " COLS ", web_search, code_exec FROM rollup_hm" },
		{ "SELECT project, sum(requests), sum(input), sum(output), sum(web_search),"
		  " sum(code_exec) FROM rollup_hp GROUP BY project",
		  "SELECT project, count(*), sum(input), sum(output), sum(web_search_requests),"
		  " sum(code_execution_requests) FROM usage GROUP BY project" },
		{ "SELECT key_fp, sum(requests), sum(input), sum(output), sum(web_search)"
		  " FROM rollup_hk GROUP BY key_fp",
		  "SELECT key_fp, count(*), sum(input), sum(output), sum(web_search_requests)"
		  " FROM usage GROUP BY key_fp" },
	};
	static const char *const projects[] = { "", "api", "web", "데이터" };
	char path[768], err[256], sql[2048];
	struct synth_rng r;
	struct store *s;
	struct usage u;
	unsigned k;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("attr.db"));
	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	synth_seed(&r, 16);
	for (k = 0; k < 3000; k++) {
		memset(&u, 0, sizeof(u));
		u.ts_ms = 1767225600000LL + (int64_t)synth_below(&r, 72) * 3600000;
		usage_strlcpy(u.model, k % 2 ? "claude-sonnet-4-5" : "claude-haiku-4-5",
		    sizeof(u.model));
		usage_strlcpy(u.source, k % 3 ? "import" : "proxy", sizeof(u.source));
		snprintf(u.message_id, sizeof(u.message_id), "msg_%u", (unsigned)synth_below(&r, 2000));
		usage_strlcpy(u.project, projects[synth_below(&r, 4)], sizeof(u.project));
		if (synth_chance(&r, 500))
			usage_strlcpy(u.key_fp, synth_chance(&r, 500) ? "…WXYZ-1a2b3c4d" :
			    "…QRST-5e6f7a8b", sizeof(u.key_fp));
		u.tok.input = (int64_t)synth_below(&r, 1000);
		u.tok.output = (int64_t)synth_below(&r, 1000);   /* larger copies replace */
		u.web_search_requests = (int64_t)synth_below(&r, 3);
		u.code_execution_requests = (int64_t)synth_below(&r, 2);
		assert_int_equal(store_insert_usage(s, &u, NULL, err, sizeof(err)), 0);
	}
	store_close(s);
	assert_true(fx_one(path, "SELECT count(DISTINCT project) FROM rollup_hp WHERE requests > 0")
	    == 4);
	assert_true(fx_one(path, "SELECT sum(web_search) FROM rollup_hm") > 100);
	for (i = 0; i < sizeof(hp_hm) / sizeof(hp_hm[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s EXCEPT %s) x", hp_hm[i][0],
		    hp_hm[i][1]);
		if (fx_one(path, sql) != 0)
			fail_msg("%s: not in %s", hp_hm[i][0], hp_hm[i][1]);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s EXCEPT %s) x", hp_hm[i][1],
		    hp_hm[i][0]);
		if (fx_one(path, sql) != 0)
			fail_msg("%s: not in %s", hp_hm[i][1], hp_hm[i][0]);
	}
}

/* A file from before the lifetime rollup: opening it builds rollup_lt from
 * rollup_hour (its migration found by its text: later ones append). */
static void
test_migration_lt(void **state)
{
	char path[512], err[256];
	struct store *s;
	sqlite3 *db;
	int v, from;

	(void)state;
	if (fx_pg)
		skip();    /* a SQLite file's migrations (PostgreSQL's: test_migrate_pg) */
	snprintf(path, sizeof(path), "%s/lt.db", fx_tmpdir);
	fxf_fill(path, 1);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	v = store_schema_version(s);
	store_close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, FX_UNDO_ISSUE16 "DROP TABLE rollup_lt", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	/* back to before rollup_lt's migration, wherever later ones put it */
	for (from = 0; from < store_nmigrations &&
	    strstr(store_migrations[from], "CREATE TABLE IF NOT EXISTS rollup_lt") == NULL; from++)
		;
	assert_true(from < store_nmigrations);
	fx_set_user_version(path, from);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	assert_int_equal(store_schema_version(s), v);
	store_close(s);
	check_tables(path, 1);
}

/* A fleet's ledger at migration 21 (rows of three hosts): rollup_lt and
 * rollup_ds are rebuilt from the rows by host, each cell's flags and
 * routed as the flush writes them (against rollup_mx and rollup_hour,
 * which the migration leaves alone), each host's sums its rows'. */
static void
test_migration_by_host(void **state)
{
	char path[512], err[256];
	struct store *s;
	int v, from;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("mh.db"));
	fxf_fill(path, 1);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	v = store_schema_version(s);
	store_close(s);
	/* three hosts' rows, the rollups by host gone: only the rebuild can
	 * bring them back */
	fx_sql(path, "UPDATE usage SET host = CASE ts_ms % 3 WHEN 0 THEN 'h-0' WHEN 1 THEN 'h-1'"
	    " ELSE 'h-2' END;"
	    "DELETE FROM host_seen;"
	    "INSERT INTO host_seen (host, last_ms, requests) SELECT host, max(ts_ms), count(*)"
	    " FROM usage GROUP BY host;"
	    "DELETE FROM rollup_lt; DELETE FROM rollup_ds;");
	for (from = 0; from < (fx_pg ? store_nmigrations_pg : store_nmigrations) &&
	    strstr(fx_pg ? store_migrations_pg[from] : store_migrations[from],
	    fx_pg ? "TEMP TABLE mig21" : "rollup_lt_h") == NULL; from++)
		;
	assert_true(from < (fx_pg ? store_nmigrations_pg : store_nmigrations));
	fx_set_schema_version(path, from);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	assert_int_equal(store_schema_version(s), v);
	store_close(s);
	assert_int_equal(fx_one(path, "SELECT count(DISTINCT host) FROM rollup_lt"), 3);
	assert_int_equal(fxf_differ(path,
	    "SELECT model, source, tag, flags, routed, sum(requests), sum(input), sum(output),"
	    " sum(cache_read), sum(reasoning), sum(max_tokens_stops), sum(web_search)"
	    " FROM rollup_lt GROUP BY model, source, tag, flags, routed HAVING sum(requests) > 0",
	    "SELECT model, source, tag, flags, routed, sum(requests), sum(input), sum(output),"
	    " sum(cache_read), sum(reasoning), sum(max_tokens_stops), sum(web_search)"
	    " FROM rollup_mx GROUP BY model, source, tag, flags, routed HAVING sum(requests) > 0"),
	    0);
	assert_int_equal(fxf_differ(path,
	    "SELECT model, source, tag, host, sum(requests), sum(input), sum(output)"
	    " FROM rollup_lt GROUP BY model, source, tag, host HAVING sum(requests) > 0",
	    "SELECT model, source, tag, host, count(*), sum(input), sum(output)"
	    " FROM usage GROUP BY model, source, tag, host"), 0);
	assert_int_equal(fxf_differ(path,
	    "SELECT hour, model, source, flags, routed, sum(requests), sum(input), sum(output),"
	    " sum(cache_read) FROM rollup_ds GROUP BY hour, model, source, flags, routed"
	    " HAVING sum(requests) > 0",
	    "SELECT " DAY " AS d, model, source, flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END,"
	    " sum(requests), sum(input), sum(output), sum(cache_read) FROM rollup_hour"
	    " GROUP BY 1, 2, 3, 4, 5 HAVING sum(requests) > 0"), 0);
	assert_int_equal(fxf_differ(path,
	    "SELECT hour, source, host, sum(requests), sum(input), sum(output) FROM rollup_ds"
	    " GROUP BY hour, source, host HAVING sum(requests) > 0",
	    "SELECT (ts_ms - ((ts_ms % 86400000) + 86400000) % 86400000) / 86400000, source, host,"
	    " count(*), sum(input), sum(output) FROM usage GROUP BY 1, 2, 3"), 0);
}

/* rollup.c's UTC months of days against gmtime/timegm, 1600 to 2400. */
static void
test_month_arithmetic(void **state)
{
	int64_t d, m;
	struct tm tm;
	time_t t;

	(void)state;
	for (d = -135140; d <= 157000; d += 7) {      /* 1600-01-01 .. 2399-11 */
		t = (time_t)d * 86400;
		assert_non_null(gmtime_r(&t, &tm));
		m = ((int64_t)tm.tm_year + 1900 - 1970) * 12 + tm.tm_mon;
		assert_int_equal(store_month_of_day(d), m);
		tm.tm_mday = 1;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		assert_int_equal(store_month_first_day(m), (int64_t)timegm(&tm) / 86400);
		assert_true(store_month_first_day(m) <= d && d < store_month_first_day(m + 1));
	}
}

/* A file from before the month rollups: opening it builds rollup_mm from
 * rollup_dm and rollup_mx from rollup_hour (the migration found by its
 * text), equal to what the writers keep. */
static void
test_migration_months(void **state)
{
	char path[512], err[256];
	struct store *s;
	sqlite3 *db;
	int v, from;

	(void)state;
	snprintf(path, sizeof(path), "%s/months.db", fx_tmpdir);
	fxf_fill(path, 1);
	check_tables(path, 1);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	v = store_schema_version(s);
	store_close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE rollup_mm; DROP TABLE rollup_mx", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	for (from = 0; from < store_nmigrations &&
	    strstr(store_migrations[from], "CREATE TABLE IF NOT EXISTS rollup_mm") == NULL; from++)
		;
	assert_true(from < store_nmigrations);
	fx_set_user_version(path, from);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	assert_int_equal(store_schema_version(s), v);
	store_close(s);
	check_tables(path, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collapsed_tables),
		cmocka_unit_test(test_project_and_key_tables),
		cmocka_unit_test(test_migration_from_9),
		cmocka_unit_test(test_migration_lt),
		cmocka_unit_test(test_migration_by_host),
		cmocka_unit_test(test_month_arithmetic),
		cmocka_unit_test(test_migration_months),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
