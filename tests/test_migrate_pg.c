/* test_migrate_pg.c — a PostgreSQL ledger created by an older tokentop
 * (schema version 11: before the organisation's rows per provider) with
 * rows in it migrates to the current version: every later twin in
 * data/schema_pg.c runs on a ledger that holds rows (fresh ledgers only
 * create), and the migrated ledger then holds exactly what a ledger written
 * by this tokentop holds — rows, every rollup (rollup_lt, rollup_hp and
 * rollup_hk built from the old cells), batches, the organisation's rows
 * (now Anthropic's) — gives the same reports, and takes new rows (server
 * tools, projects, keys) and another provider's organisation rows as a
 * fresh ledger does; and migration 24's fence refuses a writer from
 * before it. PostgreSQL only (SQLite's migrations: test_rollup,
 * test_provider_store). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "core/pricing.h"
#include "data/store.h"
#include "data/store_int.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"
#include "tui/synth.h"

#define END_MS 1767225600000LL        /* 2026-01-01T00:00Z */
#define DAY_MS (24LL * 3600000)

/* The tables whose contents must agree, and the rows to compare (rollup
 * cells emptied by replacements are pruned lazily: only live ones). */
static const char *const tables[][2] = {
	{ "usage", "true" },
	{ "rollup_hour", "requests <> 0" },
	{ "rollup_hm", "requests <> 0" },
	{ "rollup_dm", "requests <> 0" },
	{ "rollup_dt", "requests <> 0" },
	{ "rollup_ds", "requests <> 0" },
	{ "rollup_lt", "requests <> 0" },
	{ "rollup_hp", "requests <> 0" },
	{ "rollup_hk", "requests <> 0" },
	{ "rollup_batch", "true" },
	{ "batch", "true" },
	{ "org_usage", "true" },
	{ "org_cost", "true" },
	{ "org_sync", "true" },
};

static struct store *
open_ok(const char *uri)
{
	char err[512];
	struct store *s = store_open(uri, err, sizeof(err));

	if (s == NULL)
		fail_msg("open: %s", err);
	return s;
}

/* The schema name of a ledger URI (fx_ledger: search_path=NAME). */
static const char *
schema_of(const char *uri, char *buf, size_t n)
{
	const char *p = strstr(uri, "search_path%3D");

	assert_non_null(p);
	p += strlen("search_path%3D");
	snprintf(buf, n, "%.*s", (int)strcspn(p, "%&"), p);
	return buf;
}

/* Rows as a tokentop of version 11 could write them: a fleet's (tags,
 * sources, batches, tiers), OpenAI's with reasoning, larger copies
 * replacing rows; no server tools or attribution (not in 11); the
 * organisation's rows (Anthropic's: 11 knew no other). */
static void
fill(const char *uri)
{
	static const char *const tags[] = { "web", "etl", "eval", NULL };
	struct org_usage ou[2];
	struct org_cost oc;
	struct batch_rec b;
	struct synth_fill f;
	struct synth_rng r;
	struct store *s = open_ok(uri);
	struct usage u;
	char err[256];
	uint64_t added;
	int i;

	memset(&f, 0, sizeof(f));
	f.rows = 3000;
	f.days = 10;
	f.end_ms = END_MS;
	f.chunk = 500;
	f.mix.batch_permille = 150;
	f.mix.import_permille = 250;
	f.mix.tagged_permille = 700;
	f.mix.tags = tags;
	f.mix.run = 11;
	f.mix.proxy_permille = 400;
	f.mix.routed_permille = 300;
	f.mix.fast_permille = 100;
	f.mix.us_permille = 100;
	synth_seed(&r, 4);
	assert_int_equal(synth_fill_ledger(s, &r, &f, &added, err, sizeof(err)), 0);
	assert_int_equal(added, 3000);
	synth_seed(&r, 4);
	f.rows = 800;
	f.mix.us_permille = 0;            /* other flags: cells move */
	assert_int_equal(synth_fill_ledger(s, &r, &f, &added, err, sizeof(err)), 0);
	for (i = 0; i < 300; i++) {
		memset(&u, 0, sizeof(u));
		u.ts_ms = END_MS - (int64_t)synth_below(&r, 10 * 24) * 3600000 -
		    (int64_t)synth_below(&r, 3600000);
		usage_strlcpy(u.provider, "openai", sizeof(u.provider));
		usage_strlcpy(u.model, i % 3 ? "gpt-4.1" : "o3", sizeof(u.model));
		usage_strlcpy(u.source, i % 2 ? "import" : "proxy", sizeof(u.source));
		snprintf(u.message_id, sizeof(u.message_id), "chatcmpl-%u",
		    (unsigned)synth_below(&r, 250));
		u.tok.input = 100 + (int64_t)synth_below(&r, 5000);
		u.tok.output = 1 + (int64_t)synth_below(&r, 900);
		u.reasoning_tokens = (int64_t)synth_below(&r, (unsigned)u.tok.output + 1);
		assert_int_equal(store_insert_usage(s, &u, NULL, err, sizeof(err)), 0);
	}
	memset(&b, 0, sizeof(b));
	usage_strlcpy(b.id, "msgbatch_01Old", sizeof(b.id));
	usage_strlcpy(b.status, "ended", sizeof(b.status));
	usage_strlcpy(b.models, "claude-haiku-4-5", sizeof(b.models));
	usage_strlcpy(b.tag, "etl", sizeof(b.tag));
	b.requests = 20;
	b.created_ms = END_MS - 2 * DAY_MS;
	b.ended_ms = END_MS - DAY_MS;
	b.counts.succeeded = 20;
	assert_int_equal(store_batch_put(s, &b, err, sizeof(err)), 0);
	memset(ou, 0, sizeof(ou));
	for (i = 0; i < 2; i++) {
		ou[i].bucket_ms = END_MS - (i + 1) * DAY_MS;
		ou[i].width_s = 86400;
		usage_strlcpy(ou[i].model, "claude-sonnet-4-5", sizeof(ou[i].model));
		usage_strlcpy(ou[i].api_key_id, i ? "k2" : "k1", sizeof(ou[i].api_key_id));
		usage_strlcpy(ou[i].service_tier, "standard", sizeof(ou[i].service_tier));
		ou[i].tok.input = 1000 * (i + 1);
		ou[i].tok.output = 77;
	}
	memset(&oc, 0, sizeof(oc));
	oc.bucket_ms = END_MS - DAY_MS;
	usage_strlcpy(oc.model, "claude-sonnet-4-5", sizeof(oc.model));
	usage_strlcpy(oc.token_type, "input", sizeof(oc.token_type));
	usage_strlcpy(oc.description, "claude-sonnet-4-5 input", sizeof(oc.description));
	usage_strlcpy(oc.service_tier, "standard", sizeof(oc.service_tier));
	oc.amount_nanos = 123456789;
	assert_int_equal(store_org_replace(s, END_MS - 3 * DAY_MS, END_MS, END_MS, ou, 2, &oc, 1,
	    err, sizeof(err)), 0);
	store_close(s);
}

/* The ledger old at version v (the first v migrations), holding cur's
 * rows in the columns version v has. */
static void
make_old(const char *old, const char *cur, int v)
{
	char sql[2048], cs[32];
	int i;

	for (i = 0; i < v; i++)
		fx_sql(old, store_migrations_pg[i]);
	snprintf(sql, sizeof(sql), "CREATE TABLE tokentop_schema (version BIGINT NOT NULL);"
	    " INSERT INTO tokentop_schema VALUES (%d)", v);
	fx_sql(old, sql);
	/* every table of v but the sync state (its key changed in 12), its
	 * columns from cur's table; identities continued */
	snprintf(sql, sizeof(sql),
	    "DO $$ DECLARE t record; cols text; BEGIN"
	    " FOR t IN SELECT table_name FROM information_schema.tables WHERE table_schema ="
	    "  current_schema() AND table_type = 'BASE TABLE' AND table_name NOT IN"
	    "  ('tokentop_schema', 'org_sync') LOOP"
	    "  SELECT string_agg(quote_ident(column_name), ',') INTO cols FROM"
	    "   information_schema.columns WHERE table_schema = current_schema() AND"
	    "   table_name = t.table_name;"
	    "  EXECUTE format('INSERT INTO %%I (%%s) SELECT %%s FROM %%I.%%I', t.table_name, cols,"
	    "   cols, '%s', t.table_name);"
	    " END LOOP;"
	    " FOR t IN SELECT table_name, column_name FROM information_schema.columns WHERE"
	    "  table_schema = current_schema() AND is_identity = 'YES' LOOP"
	    "  EXECUTE format('SELECT setval(pg_get_serial_sequence(%%L, %%L),"
	    "   (SELECT coalesce(max(%%I), 0) + 1 FROM %%I), false)', t.table_name, t.column_name,"
	    "   t.column_name, t.table_name);"
	    " END LOOP; END $$;"
	    "INSERT INTO org_sync (id, synced_ms, since_ms, until_ms) SELECT 1, synced_ms,"
	    " since_ms, until_ms FROM %s.org_sync WHERE provider = 'anthropic'",
	    schema_of(cur, cs, sizeof(cs)), cs);
	fx_sql(old, sql);
}

/* A table's rows as values, whatever the order of its columns, without
 * the row id (a sequence: values an insert that found its key taken
 * consumed differ between the two). */
#define ROWS "SELECT to_jsonb(t) - 'id' FROM %s.%s t WHERE %s"

/* Do the tables of a and b hold the same rows (both ways round)? */
static void
same_tables(const char *a, const char *b)
{
	char sql[512], sa[32], sb[32];
	size_t i;

	schema_of(a, sa, sizeof(sa));
	schema_of(b, sb, sizeof(sb));
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.%s WHERE %s", sa, tables[i][0],
		    tables[i][1]);
		if (fx_one(a, sql) <= 0)
			fail_msg("%s: no rows to compare", tables[i][0]);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM (" ROWS " EXCEPT " ROWS ") x", sa, tables[i][0], tables[i][1],
		    sb, tables[i][0], tables[i][1]);
		if (fx_one(a, sql) != 0)
			fail_msg("%s: rows of %s not in %s", tables[i][0], sa, sb);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM (" ROWS " EXCEPT " ROWS ") x", sb, tables[i][0], tables[i][1],
		    sa, tables[i][0], tables[i][1]);
		if (fx_one(a, sql) != 0)
			fail_msg("%s: rows of %s not in %s", tables[i][0], sb, sa);
	}
}

/* Reports by day, model, tag, source, project and key, all providers and
 * Anthropic's, and the organisation's, as text. */
static void
reports(const char *uri, char *out, size_t n)
{
	static const enum report_group groups[] = { REPORT_DAY, REPORT_MODEL, REPORT_TAG,
	    REPORT_SOURCE, REPORT_PROJECT, REPORT_KEY, REPORT_PROVIDER };
	static const char *const providers[] = { NULL, "anthropic" };
	struct pricing *p = fx_shipped_prices();
	struct store *s = open_ok(uri);
	struct report_query q;
	struct org_report o;
	struct report r;
	char err[256];
	size_t gi, pi, k, len = 0;

	for (gi = 0; gi < sizeof(groups) / sizeof(groups[0]); gi++) {
		for (pi = 0; pi < 2; pi++) {
			memset(&q, 0, sizeof(q));
			q.group = groups[gi];
			q.provider = providers[pi];
			q.since_ms = END_MS - 30 * DAY_MS;
			q.until_ms = END_MS + DAY_MS;
			if (store_report(s, p, &q, &r, err, sizeof(err)) != 0)
				fail_msg("report: %s", err);
			for (k = 0; k < r.nrows && len < n; k++)
				len += (size_t)snprintf(out + len, n - len, "%zu %zu %s %lld %lld %lld\n",
				    gi, pi, r.rows[k].key, (long long)r.rows[k].requests,
				    (long long)r.rows[k].cost_nanos,
				    (long long)r.rows[k].web_search_requests);
			store_report_free(&r);
		}
	}
	if (store_org_report(s, p, END_MS - 30 * DAY_MS, END_MS + DAY_MS, &o, err,
	    sizeof(err)) != 0)
		fail_msg("org report: %s", err);
	len += (size_t)snprintf(out + len, n - len, "org %zu days, input %lld, cost %lld\n",
	    o.ndays, (long long)o.totals.tok.input, (long long)o.totals.cost_nanos);
	store_org_report_free(&o);
	assert_true(len < n);
	store_close(s);
	pricing_free(p);
}

/* After the migration: a row with server tools, a project and a key, and
 * OpenAI's organisation rows, written the same way to both. */
static void
write_new(const char *uri)
{
	struct store *s = open_ok(uri);
	struct org_usage ou;
	struct usage u;
	char err[256];

	memset(&u, 0, sizeof(u));
	u.ts_ms = END_MS - 5 * 3600000;
	usage_strlcpy(u.model, "claude-sonnet-4-5", sizeof(u.model));
	usage_strlcpy(u.source, "proxy", sizeof(u.source));
	usage_strlcpy(u.message_id, "msg_after_migration", sizeof(u.message_id));
	usage_strlcpy(u.project, "api", sizeof(u.project));
	usage_strlcpy(u.key_fp, "…WXYZ-1a2b3c4d", sizeof(u.key_fp));
	u.tok.input = 4242;
	u.tok.output = 42;
	u.web_search_requests = 3;
	u.code_execution_requests = 1;
	assert_int_equal(store_insert_usage(s, &u, NULL, err, sizeof(err)), 0);
	memset(&ou, 0, sizeof(ou));
	ou.bucket_ms = END_MS - DAY_MS;
	ou.width_s = 86400;
	usage_strlcpy(ou.model, "gpt-4.1", sizeof(ou.model));
	usage_strlcpy(ou.api_key_id, "k1", sizeof(ou.api_key_id));  /* Anthropic's key too */
	usage_strlcpy(ou.service_tier, "default", sizeof(ou.service_tier));
	ou.tok.input = 5;
	if (store_org_replace_for(s, "openai", END_MS - 3 * DAY_MS, END_MS, END_MS + 1, &ou, 1,
	    NULL, 0, err, sizeof(err)) != 0)
		fail_msg("org openai: %s", err);
	store_close(s);
}

static void
test_from_11(void **state)
{
	char *cur, *old, *before, *after, sql[256], cs[32];
	struct store *s;
	int v;

	(void)state;
	before = calloc(1, 1 << 17);
	after = calloc(1, 1 << 17);
	assert_true(before != NULL && after != NULL);
	cur = strdup(fx_ledger());
	old = strdup(fx_ledger());
	assert_true(cur != NULL && old != NULL);
	/* version 11: the one before org_usage gains a provider (found by its
	 * text: later migrations append) */
	for (v = 0; v < store_nmigrations_pg &&
	    strstr(store_migrations_pg[v], "-- column org_usage provider") == NULL; v++)
		;
	assert_true(v > 0 && v < store_nmigrations_pg);
	fill(cur);
	make_old(old, cur, v);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.usage", schema_of(cur, cs, sizeof(cs)));
	assert_int_equal(fx_one(old, "SELECT count(*) FROM usage"), fx_one(old, sql));
	assert_true(fx_one(old, "SELECT count(*) FROM usage") > 3000);
	assert_int_equal(fx_one(old, "SELECT max(version) FROM tokentop_schema"), v);
	assert_int_equal(fx_one(old, "SELECT count(*) FROM information_schema.tables WHERE"
	    " table_schema = current_schema() AND table_name = 'rollup_hp'"), 0);

	s = open_ok(old);              /* every migration after v, on rows */
	assert_int_equal(store_schema_version(s), store_nmigrations_pg);
	store_close(s);
	same_tables(cur, old);
	reports(cur, before, 1 << 17);
	reports(old, after, 1 << 17);
	assert_string_equal(after, before);
	assert_non_null(strstr(before, "org 2 days, input 3000, cost 123456789\n"));

	write_new(cur);
	write_new(old);
	same_tables(cur, old);
	assert_int_equal(fx_one(old, "SELECT count(*) FROM org_usage WHERE provider = 'openai'"), 1);
	assert_int_equal(fx_one(old, "SELECT sum(web_search) FROM rollup_hp WHERE project = 'api'"),
	    3);
	reports(cur, before, 1 << 17);
	reports(old, after, 1 << 17);
	assert_string_equal(after, before);
	free(before);
	free(after);
	free(cur);
	free(old);
}

/* sql on the PostgreSQL ledger at uri: NULL when it ran, else the error
 * message (static storage). */
static const char *
pg_try(const char *uri, const char *sql)
{
	static char msg[512];
	PGconn *c = PQconnectdb(uri);
	PGresult *r;
	int ok;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	return ok ? NULL : msg;
}

#define FENCE "written_by_an_older_tokentop_upgrade_it"   /* (migrations 24 and 25 name it) */

/* PostgreSQL's fence (migration 24, raised by 25): a writer from before it
 * (its upsert names no gen, or gen 24: it writes no day from :30) is
 * refused, for a new cell and for one that exists; the writers of now (gen
 * 25) add to both, and to a cell from before the fence (gen 0). */
static void
test_writer_fence(void **state)
{
	char path[512];
	const char *m;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger());
	fill(path);
	fx_sql(path, "INSERT INTO rollup_do (off, hour, model, flags, routed, requests, input,"
	    " write_5m, write_1h, cache_read, output, compressed_tokens, max_tokens_stops, gen)"
	    " VALUES (5, 5, 'fence-model', 0, 0, 1, 10, 0, 0, 0, 1, 0, 0, 25)");
	m = pg_try(path, "INSERT INTO rollup_do (off, hour, model, flags, routed, requests, input,"
	    " write_5m, write_1h, cache_read, output, compressed_tokens, max_tokens_stops)"
	    " VALUES (5, 5, 'fence-model', 0, 0, 1, 10, 0, 0, 0, 1, 0, 0) ON CONFLICT (off, hour,"
	    " model, flags, routed) DO UPDATE SET requests = rollup_do.requests + 1");
	assert_non_null(m);
	assert_non_null(strstr(m, FENCE));
	m = pg_try(path, "INSERT INTO rollup_do (off, hour, model, flags, routed, requests, input,"
	    " write_5m, write_1h, cache_read, output, compressed_tokens, max_tokens_stops)"
	    " VALUES (4, 28, 'fence-model', 0, 0, 1, 10, 0, 0, 0, 1, 0, 0)");
	assert_non_null(m);
	assert_non_null(strstr(m, FENCE));
	m = pg_try(path, "INSERT INTO rollup_do (off, hour, model, flags, routed, requests, input,"
	    " write_5m, write_1h, cache_read, output, compressed_tokens, max_tokens_stops, gen)"
	    " VALUES (5, 5, 'fence-model', 0, 0, 1, 10, 0, 0, 0, 1, 0, 0, 24) ON CONFLICT (off, hour,"
	    " model, flags, routed) DO UPDATE SET requests = rollup_do.requests + 1,"
	    " gen = excluded.gen");
	assert_non_null(m);
	assert_non_null(strstr(m, FENCE));
	assert_int_equal(fx_one(path, "SELECT requests FROM rollup_do WHERE model = 'fence-model'"), 1);
	/* a cell from before the fence (gen 0, NOT VALID), written to now */
	fx_sql(path, "ALTER TABLE rollup_do DROP CONSTRAINT " FENCE ";"
	    " UPDATE rollup_do SET gen = 0 WHERE model = 'fence-model';"
	    " ALTER TABLE rollup_do ADD CONSTRAINT " FENCE " CHECK (gen >= 25) NOT VALID;");
	assert_null(pg_try(path, "INSERT INTO rollup_do (off, hour, model, flags, routed, requests,"
	    " input, write_5m, write_1h, cache_read, output, compressed_tokens, max_tokens_stops, gen)"
	    " VALUES (5, 5, 'fence-model', 0, 0, 1, 10, 0, 0, 0, 1, 0, 0, 25) ON CONFLICT (off, hour,"
	    " model, flags, routed) DO UPDATE SET requests = rollup_do.requests + 1,"
	    " gen = excluded.gen"));
	assert_int_equal(fx_one(path, "SELECT requests FROM rollup_do WHERE model = 'fence-model'"), 2);
	assert_int_equal(fx_one(path, "SELECT count(*) FROM rollup_do WHERE gen < 25 AND model <>"
	    " 'fence-model' AND hour > 0"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_11),
		cmocka_unit_test(test_writer_fence),
	};

	return FX_RUN_PG(tests, NULL, NULL);
}
