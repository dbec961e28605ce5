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

/* OpenAI rows through the bulk path (as an import writes them): tags,
 * sources, reasoning, some at the priority tier; ids repeat, so larger
 * copies replace rows. openai 0: the same rows as Anthropic's (no
 * reasoning), as a ledger of version 9 could hold. */
static void
fill_rows(struct store *s, int openai)
{
	static const char *const tags[] = { "web", "etl", "" };
	static const char *const sources[] = { "import", "proxy", "call" };
	struct synth_rng r;
	struct usage u;
	char err[256];
	int i;

	synth_seed(&r, 7);
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	for (i = 0; i < 1500; i++) {
		memset(&u, 0, sizeof(u));
		u.ts_ms = 1767225600000LL - (int64_t)synth_below(&r, 20 * 24) * 3600000 -
		    (int64_t)synth_below(&r, 3600000);
		usage_strlcpy(u.provider, openai ? "openai" : "anthropic", sizeof(u.provider));
		usage_strlcpy(u.model, !openai ? "claude-sonnet-4-5" : i % 3 ? "gpt-4.1" : "o3",
		    sizeof(u.model));
		usage_strlcpy(u.source, sources[i % 3], sizeof(u.source));
		usage_strlcpy(u.tag, tags[(i / 3) % 3], sizeof(u.tag));
		snprintf(u.message_id, sizeof(u.message_id), "chatcmpl-%u",
		    (unsigned)synth_below(&r, 1200));
		u.tok.input = 100 + (int64_t)synth_below(&r, 5000);
		u.tok.cache_read = (int64_t)synth_below(&r, 2) * 1024;
		u.tok.output = 1 + (int64_t)synth_below(&r, 900);
		u.reasoning_tokens = (int64_t)synth_below(&r, (unsigned)u.tok.output + 1);
		if (!openai)
			u.reasoning_tokens = 0;
		if (synth_chance(&r, 200))
			usage_strlcpy(u.service_tier, "priority", sizeof(u.service_tier));
		if (store_put_bulk(s, &u, NULL, err, sizeof(err)) != 0)
			fail_msg("put: %s", err);
	}
	assert_int_equal(store_commit(s, err, sizeof(err)), 0);
}

/* A fleet's rows (tags, sources, tiers, batches), then other rows under
 * the same ids (no US inference: other draws): the larger copies replace
 * rows, taking the old cells' sums out; with OpenAI's rows when openai. */
static void
fill(const char *path, int openai)
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
	fill_rows(s, openai);
	store_close(s);
}

static void
test_collapsed_tables(void **state)
{
	char path[768];

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("fleet.db"));
	fill(path, 1);
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
	fill(path, 0);             /* Anthropic's only, at priority now and then */
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
	fill(path, 1);
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

/* Cells of query a not in b and of b not in a (0: the same multisets). */
static int64_t
differ(const char *path, const char *a, const char *b)
{
	char sql[2048];

	snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM (%s EXCEPT %s) x) +"
	    " (SELECT count(*) FROM (%s EXCEPT %s) y)", a, b, b, a);
	return fx_one(path, sql);
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
	fill(path, 1);
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
	assert_int_equal(differ(path,
	    "SELECT model, source, tag, flags, routed, sum(requests), sum(input), sum(output),"
	    " sum(cache_read), sum(reasoning), sum(max_tokens_stops), sum(web_search)"
	    " FROM rollup_lt GROUP BY model, source, tag, flags, routed HAVING sum(requests) > 0",
	    "SELECT model, source, tag, flags, routed, sum(requests), sum(input), sum(output),"
	    " sum(cache_read), sum(reasoning), sum(max_tokens_stops), sum(web_search)"
	    " FROM rollup_mx GROUP BY model, source, tag, flags, routed HAVING sum(requests) > 0"),
	    0);
	assert_int_equal(differ(path,
	    "SELECT model, source, tag, host, sum(requests), sum(input), sum(output)"
	    " FROM rollup_lt GROUP BY model, source, tag, host HAVING sum(requests) > 0",
	    "SELECT model, source, tag, host, count(*), sum(input), sum(output)"
	    " FROM usage GROUP BY model, source, tag, host"), 0);
	assert_int_equal(differ(path,
	    "SELECT hour, model, source, flags, routed, sum(requests), sum(input), sum(output),"
	    " sum(cache_read) FROM rollup_ds GROUP BY hour, model, source, flags, routed"
	    " HAVING sum(requests) > 0",
	    "SELECT " DAY " AS d, model, source, flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END,"
	    " sum(requests), sum(input), sum(output), sum(cache_read) FROM rollup_hour"
	    " GROUP BY 1, 2, 3, 4, 5 HAVING sum(requests) > 0"), 0);
	assert_int_equal(differ(path,
	    "SELECT hour, source, host, sum(requests), sum(input), sum(output) FROM rollup_ds"
	    " GROUP BY hour, source, host HAVING sum(requests) > 0",
	    "SELECT (ts_ms - ((ts_ms % 86400000) + 86400000) % 86400000) / 86400000, source, host,"
	    " count(*), sum(input), sum(output) FROM usage GROUP BY 1, 2, 3"), 0);
}

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
	return differ(path, a, b);
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
	return differ(path, a, b);
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
	return differ(path, "SELECT hour, part, sum(requests), sum(input), sum(output),"
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
	fill(path, 1);
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
	fill(path, 1);
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
		cmocka_unit_test(test_offset_days),
		cmocka_unit_test(test_month_arithmetic),
		cmocka_unit_test(test_migration_months),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
