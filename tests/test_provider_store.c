/* test_provider_store.c — the provider in the store: rows of both providers
 * priced by their own entries, rollups keyed by provider, reports grouped
 * and filtered by provider (figures worked out by hand), reasoning sums,
 * the provider's migration (and again, from a file whose version was set
 * back). On both backends (tests/lib/fx_db.c); the migration from a SQLite
 * file of an older version on SQLite (PostgreSQL's: test_migrate_pg). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "data/store.h"
#include "data/store_int.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

/* A table of our own so the figures below do not move with share/. */
static const char prices_json[] =
	"{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	"{\"id\":\"claude-sonnet-4-5\","
	" \"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\",\"cache_read\":\"0.30\",\"output\":\"15\","
	" \"long\":{\"threshold\":200000,\"input\":\"6\",\"write_5m\":\"7.50\",\"write_1h\":\"12\","
	"  \"cache_read\":\"0.60\",\"output\":\"22.50\"}},"
	"{\"id\":\"gpt-4.1\",\"provider\":\"openai\",\"input\":\"2\",\"cache_read\":\"0.50\",\"output\":\"8\"},"
	"{\"id\":\"o3\",\"provider\":\"openai\",\"input\":\"2\",\"cache_read\":\"0.50\",\"output\":\"8\"},"
	"{\"id\":\"gpt-5\",\"provider\":\"openai\",\"input\":\"1.25\",\"cache_read\":\"0.125\","
	" \"output\":\"10\",\"priority\":\"2\"}"
	"]}";

#define T0   1762776000000LL      /* 2025-11-10T12:00:00Z */
#define MIN  60000LL
#define HOUR 3600000LL

static struct usage
row(const char *provider, const char *model, const char *id, int64_t ts, int64_t in,
    int64_t cr, int64_t w5, int64_t out, int64_t reasoning, const char *tier)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	u.ts_ms = ts;
	usage_strlcpy(u.provider, provider, sizeof(u.provider));
	usage_strlcpy(u.model, model, sizeof(u.model));
	usage_strlcpy(u.source, "proxy", sizeof(u.source));
	usage_strlcpy(u.message_id, id, sizeof(u.message_id));
	usage_strlcpy(u.service_tier, tier, sizeof(u.service_tier));
	u.tok.input = in;
	u.tok.cache_read = cr;
	u.tok.write_5m = w5;
	u.tok.output = out;
	u.reasoning_tokens = reasoning;
	return u;
}

/* The rows of every test, with their costs (nano-dollars) by hand:
 *  a1  21×3 + 188,086×3.75 + 393×15                       = 711,280,500
 *  a2  1000×3 + 100×15 (Anthropic: no priority multiplier) =   4,500,000
 *  o1  93×2 + 1024×0.50 + 46×8                             =   1,066,000
 *  o2  2000×2 + 1500×8 (reasoning 1200 inside)             =  16,000,000
 *  o3  (50,000×1.25 + 50,000×0.125 + 20,000×10) / 2 (flex) = 134,375,000
 *  o4  (1000×1.25 + 100×10) × 2 (priority)                 =   4,500,000
 *  o5  gpt-9: unpriced */
static struct usage rows[7];

static void
make_rows(void)
{
	rows[0] = row("anthropic", "claude-sonnet-4-5-20250929", "msg_a1", T0, 21, 0, 188086, 393,
	    0, "standard");
	rows[1] = row("", "claude-sonnet-4-5", "msg_a2", T0 + HOUR + MIN, 1000, 0, 0, 100, 0,
	    "priority");
	rows[2] = row("openai", "gpt-4.1-2025-04-14", "chatcmpl-1", T0 + 2 * MIN, 93, 1024, 0, 46,
	    0, "default");
	rows[3] = row("openai", "o3", "resp_2", T0 + 3 * MIN, 2000, 0, 0, 1500, 1200, "default");
	rows[4] = row("openai", "gpt-5", "chatcmpl-3", T0 + 4 * MIN, 50000, 50000, 0, 20000,
	    15000, "flex");
	rows[5] = row("openai", "gpt-5", "chatcmpl-4", T0 + 5 * MIN, 1000, 0, 0, 100, 0,
	    "priority");
	rows[6] = row("openai", "gpt-9", "chatcmpl-5", T0 + 6 * MIN, 10, 0, 0, 5, 0, "default");
}

struct fx {
	struct store   *s;
	struct pricing *p;
	char            path[768];
};

static int
setup(void **state)
{
	static int n;
	char err[512];
	struct fx *f = calloc(1, sizeof(*f));
	size_t i;

	f->p = pricing_parse(prices_json, "test", err, sizeof(err));
	if (f->p == NULL)
		fail_msg("prices: %s", err);
	snprintf(f->path, sizeof(f->path), "l%d.db", n++);
	snprintf(f->path, sizeof(f->path), "%s", fx_ledger_shared(f->path));
	if ((f->s = store_open(f->path, err, sizeof(err))) == NULL)
		fail_msg("open: %s", err);
	make_rows();
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (store_insert_usage(f->s, &rows[i], NULL, err, sizeof(err)) != 0)
			fail_msg("insert %zu: %s", i, err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	pricing_free(f->p);
	free(f);
	return 0;
}

static void
report(struct fx *f, enum report_group g, const char *provider, int64_t since,
       struct report *r)
{
	struct report_query q;
	char err[512];

	memset(&q, 0, sizeof(q));
	q.group = g;
	q.provider = provider;
	q.since_ms = since;
	if (store_report(f->s, f->p, &q, r, err, sizeof(err)) != 0)
		fail_msg("report: %s", err);
}

static void
test_by_provider(void **state)
{
	struct fx *f = *state;
	struct report r;

	report(f, REPORT_PROVIDER, NULL, 0, &r);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[0].key, "anthropic");
	assert_int_equal(r.rows[0].provider, 0);
	assert_int_equal(r.rows[0].requests, 2);
	assert_int_equal(r.rows[0].cost_nanos, 715780500);
	assert_int_equal(r.rows[0].reasoning_tokens, 0);
	assert_string_equal(r.rows[1].key, "openai");
	assert_int_equal(r.rows[1].provider, 1);
	assert_int_equal(r.rows[1].requests, 5);
	assert_int_equal(r.rows[1].unpriced_requests, 1);
	assert_int_equal(r.rows[1].cost_nanos, 155941000);
	assert_int_equal(r.rows[1].reasoning_tokens, 16200);
	/* cache: 1024 × 1.50 + 50,000 × 1.125 / 2 µ$; batch lever: flex's half */
	assert_int_equal(r.rows[1].saved.cache, 1536000 + 28125000);
	assert_int_equal(r.rows[1].saved.batch, 134375000);
	assert_int_equal(r.totals.cost_nanos, 715780500 + 155941000);
	assert_int_equal(r.totals.provider, REPORT_PROVIDER_MIXED);
	assert_int_equal(r.nunpriced, 1);
	assert_string_equal(r.unpriced[0], "gpt-9");
	store_report_free(&r);
}

static void
test_filter(void **state)
{
	struct fx *f = *state;
	struct report r;

	report(f, REPORT_MODEL, "openai", 0, &r);
	assert_int_equal(r.nrows, 4);
	assert_string_equal(r.rows[0].key, "gpt-5");
	assert_int_equal(r.rows[0].cost_nanos, 138875000);
	assert_string_equal(r.rows[1].key, "o3");
	assert_string_equal(r.rows[2].key, "gpt-4.1");        /* dated id under its entry */
	assert_string_equal(r.rows[3].key, "gpt-9");
	assert_int_equal(r.rows[3].provider, 1);
	assert_int_equal(r.totals.cost_nanos, 155941000);
	assert_int_equal(r.totals.provider, 1);
	store_report_free(&r);
	report(f, REPORT_DAY, "anthropic", 0, &r);
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.totals.requests, 2);
	assert_int_equal(r.totals.cost_nanos, 715780500);
	assert_int_equal(r.rows[0].provider, 0);
	store_report_free(&r);
	report(f, REPORT_DAY, NULL, 0, &r);
	assert_int_equal(r.rows[0].provider, REPORT_PROVIDER_MIXED);
	store_report_free(&r);
	/* a bound inside an hour reads raw rows: the same figures, filtered there too */
	report(f, REPORT_PROVIDER, "openai", T0 + 3 * MIN, &r);
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.totals.requests, 4);
	assert_int_equal(r.totals.cost_nanos, 16000000 + 134375000 + 4500000);
	assert_int_equal(r.totals.reasoning_tokens, 16200);
	store_report_free(&r);
}

/* The ledger refuses what no response can say. */
static void
test_refused(void **state)
{
	struct fx *f = *state;
	struct usage u = row("openai", "o3", "resp_x", T0, 1, 0, 0, 5, 6, "");
	char err[256];

	assert_int_equal(store_insert_usage(f->s, &u, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reasoning_tokens: 6: more than output_tokens (5)"));
	u = row("mistral", "m", "x", T0, 1, 0, 0, 1, 0, "");
	assert_int_equal(store_insert_usage(f->s, &u, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "provider: \"mistral\""));
}

/* Rows read back as written: provider, reasoning, session id and cwd. */
static int
grab(const struct usage *u, void *arg)
{
	struct usage *out = arg;

	if (strcmp(u->message_id, "codex:s1:340") == 0)
		*out = *u;
	return 0;
}

static void
test_round_trip(void **state)
{
	struct fx *f = *state;
	struct usage u = row("openai", "gpt-5-codex", "codex:s1:340", T0, 300, 0, 0, 40, 10, ""), got;
	char err[256];

	usage_strlcpy(u.session_id, "s1", sizeof(u.session_id));
	usage_strlcpy(u.cwd, "/home/me/프로젝트", sizeof(u.cwd));
	usage_strlcpy(u.source, "import", sizeof(u.source));
	assert_int_equal(store_insert_usage(f->s, &u, NULL, err, sizeof(err)), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_each_usage(f->s, 0, 0, grab, &got, err, sizeof(err)), 0);
	usage_strlcpy(u.host, store_host(f->s), sizeof(u.host));   /* stamped at write */
	assert_memory_equal(&got, &u, sizeof(u));
}

static void
sql(const char *path, const char *q)
{
	sqlite3 *db;
	char *msg = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, q, NULL, NULL, &msg) != 0)
		fail_msg("%s: %s", q, msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* The version before the provider's migration (found by its first line:
 * migrations appended after it must not move this test). */
static int
before_provider(void)
{
	int i;

	for (i = 0; i < store_nmigrations; i++)
		if (strncmp(store_migrations[i], "-- column usage provider", 24) == 0)
			return i;
	fail_msg("no provider migration");
	return -1;
}

/* A file as tokentop wrote it before the provider's migration: no provider columns, no reasoning
 * sums, and the priority row's cells without the priority bit. Migrating
 * rebuilds the rollups, so replacing that row later keeps them whole. */
static void
test_migration(void **state)
{
	struct fx *f = *state;
	struct usage bigger = rows[1];
	struct report r;
	char err[256];
	int v = store_schema_version(f->s);

	if (fx_pg)
		skip();     /* SQLite's tables rebuilt; PostgreSQL's twins: test_migrate_pg */
	sql(f->path, FX_UNDO_ISSUE16 "DELETE FROM usage WHERE provider = 'openai';"
	    "DELETE FROM rollup_hour WHERE flags >= 256; DELETE FROM rollup_hm WHERE flags >= 256;"
	    "DELETE FROM rollup_dm WHERE flags >= 256; DELETE FROM rollup_dt WHERE flags >= 256;"
	    "DELETE FROM rollup_ds WHERE flags >= 256;"
	    "UPDATE rollup_hour SET flags = flags & ~16; UPDATE rollup_hm SET flags = flags & ~16;"
	    "UPDATE rollup_dm SET flags = flags & ~16; UPDATE rollup_dt SET flags = flags & ~16;"
	    "UPDATE rollup_ds SET flags = flags & ~16;"
	    "ALTER TABLE usage DROP COLUMN provider; ALTER TABLE usage DROP COLUMN reasoning_tokens;"
	    "ALTER TABLE usage DROP COLUMN session_id; ALTER TABLE usage DROP COLUMN cwd;"
	    "ALTER TABLE batch DROP COLUMN provider; ALTER TABLE rollup_hour DROP COLUMN reasoning;"
	    "ALTER TABLE rollup_hm DROP COLUMN reasoning; ALTER TABLE rollup_dm DROP COLUMN reasoning;"
	    "ALTER TABLE rollup_dt DROP COLUMN reasoning; ALTER TABLE rollup_ds DROP COLUMN reasoning;"
	    /* and rollup_ds as version 10 made it: no host in its key (migration 21) */
	    "CREATE TABLE ds10 (hour INTEGER NOT NULL, model TEXT NOT NULL, source TEXT NOT NULL,"
	    "  flags INTEGER NOT NULL, routed INTEGER NOT NULL, requests INTEGER NOT NULL,"
	    "  input INTEGER NOT NULL, write_5m INTEGER NOT NULL, write_1h INTEGER NOT NULL,"
	    "  cache_read INTEGER NOT NULL, output INTEGER NOT NULL,"
	    "  compressed_tokens INTEGER NOT NULL, max_tokens_stops INTEGER NOT NULL,"
	    "  PRIMARY KEY (hour, model, source, flags, routed)) WITHOUT ROWID;"
	    "INSERT INTO ds10 SELECT hour, model, source, flags, routed, sum(requests), sum(input),"
	    "  sum(write_5m), sum(write_1h), sum(cache_read), sum(output), sum(compressed_tokens),"
	    "  sum(max_tokens_stops) FROM rollup_ds GROUP BY hour, model, source, flags, routed;"
	    "DROP TABLE rollup_ds; ALTER TABLE ds10 RENAME TO rollup_ds;");
	store_close(f->s);
	fx_set_user_version(f->path, before_provider());
	if ((f->s = store_open(f->path, err, sizeof(err))) == NULL)
		fail_msg("migrate: %s", err);
	assert_int_equal(store_schema_version(f->s), v);
	report(f, REPORT_PROVIDER, NULL, 0, &r);
	assert_int_equal(r.nrows, 1);
	assert_string_equal(r.rows[0].key, "anthropic");
	assert_int_equal(r.rows[0].cost_nanos, 715780500);
	store_report_free(&r);
	/* a larger copy of the priority row replaces it: its old cells go */
	bigger.tok.output = 200;
	assert_int_equal(store_insert_usage(f->s, &bigger, NULL, err, sizeof(err)), 0);
	report(f, REPORT_DAY, NULL, 0, &r);
	assert_int_equal(r.totals.requests, 2);
	assert_int_equal(r.totals.cost_nanos, 711280500 + 6000000);
	store_report_free(&r);

	/* taken back once more, with OpenAI rows now: migrates again, keeping them */
	make_rows();
	assert_int_equal(store_insert_usage(f->s, &rows[5], NULL, err, sizeof(err)), 0);
	store_close(f->s);
	fx_set_user_version(f->path, before_provider());
	if ((f->s = store_open(f->path, err, sizeof(err))) == NULL)
		fail_msg("migrate again: %s", err);
	report(f, REPORT_PROVIDER, NULL, 0, &r);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[1].key, "openai");
	assert_int_equal(r.rows[1].cost_nanos, 4500000);
	store_report_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_by_provider, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
