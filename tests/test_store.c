/* test_store.c — opening a ledger: :memory:, files and their modes, fresh
 * migrations and reopening, newer and older schemas, read-only opens, files
 * that are no database, the migration that rebuilds batch sums: on SQLite
 * and on PostgreSQL (tests/lib/fx_db.h). Rows, transactions, concurrent
 * writers: test_store_rows.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "data/store.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"
#include "tests/lib/fx_store.h"

static void
test_memory_and_version(void **state)
{
	const char *target = fx_ledger();
	struct store *s = fxs_open(target);

	(void)state;
	assert_true(store_schema_version(s) >= 1);
	if (!fx_pg)
		assert_string_equal(store_path(s), ":memory:");
	else {      /* shown with the password masked */
		assert_non_null(strstr(store_path(s), ":***@"));
		assert_null(strstr(store_path(s), getenv("PG_PASSWORD") ? getenv("PG_PASSWORD") :
		    "tt-secret-pw"));
	}
	assert_string_equal(store_backend(s), fx_pg ? "postgresql" : "sqlite");
	assert_int_equal(fxs_count(s), 0);
	store_close(s);
	store_close(NULL);
}

/* A fresh file is migrated once; reopening keeps the version and the rows. */
static void
test_migrate_and_reopen(void **state)
{
	char path[512];
	struct store *s;
	struct usage u = fxs_row("claude-haiku-4-5", "msg_1", "", 1000, 5, 6);
	int v;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("fresh.db"));
	s = fxs_open(path);
	v = store_schema_version(s);
	assert_true(v >= 1);
	assert_int_equal(fxs_put(s, &u), STORE_ADDED);
	store_close(s);
	s = fxs_open(path);
	assert_int_equal(store_schema_version(s), v);
	assert_int_equal(fxs_count(s), 1);
	assert_int_equal(fxs_put(s, &u), STORE_DUPLICATE);
	store_close(s);
}

/* The database file is 0600 and new parent directories 0700, whatever the
 * umask says. */
static void
test_file_modes(void **state)
{
	char path[512], dir[512];
	struct store *s;
	struct stat st;
	mode_t old;

	(void)state;
	if (fx_pg)
		skip();         /* files are SQLite's */
	old = umask(0277);      /* would leave 0400 files and 0500 dirs */
	snprintf(dir, sizeof(dir), "%s/a/b", fx_tmpdir);
	snprintf(path, sizeof(path), "%s/usage.db", dir);
	s = fxs_open(path);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(dir, sizeof(dir), "%s/a", fx_tmpdir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* WAL files follow the database's mode */
	{
		struct usage u = fxs_row("m", "msg_w", "", 1, 1, 1);

		fxs_put(s, &u);
		snprintf(dir, sizeof(dir), "%s-wal", path);
		assert_int_equal(stat(dir, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	store_close(s);
}

/* A database written by a newer tokentop is refused, not damaged. */
static void
test_newer_schema_refused(void **state)
{
	char path[512], err[512];
	struct store *s;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("newer.db"));
	s = fxs_open(path);
	store_close(s);          /* last connection: WAL checkpointed into the file */
	fx_set_schema_version(path, 99);
	s = store_open(path, err, sizeof(err));
	assert_null(s);
	assert_non_null(strstr(err, "newer"));
}

/* Read-only opens: the rows are there, nothing can be written, nothing is
 * created or migrated; an older schema is refused with *stale set. */
static void
test_open_ro(void **state)
{
	char path[512], err[512];
	struct usage a = fxs_row("claude-haiku-4-5", "msg_RO", "", 1000, 10, 5);
	struct store *s;
	int64_t n = 0;
	int stale = -1;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("ro.db"));
	assert_null(store_open_ro(path, &stale, err, sizeof(err)));     /* never creates */
	if (fx_pg)              /* the database is there, without the tables */
		assert_int_equal(stale, 1);
	else {
		assert_int_equal(stale, 0);
		assert_int_equal(access(path, F_OK), -1);
	}
	s = fxs_open(path);
	assert_int_equal(store_readonly(s), 0);
	assert_int_equal(store_insert_usage(s, &a, NULL, err, sizeof(err)), 0);
	store_close(s);

	s = store_open_ro(path, &stale, err, sizeof(err));
	if (s == NULL)
		fail_msg("store_open_ro: %s", err);
	assert_int_equal(stale, 0);
	assert_int_equal(store_readonly(s), 1);
	assert_int_equal(store_count_usage(s, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	a.message_id[4] = 'X';
	assert_int_equal(store_insert_usage(s, &a, NULL, err, sizeof(err)), -1);
	if (strstr(err, "readonly") == NULL && strstr(err, "read-only") == NULL)
		fail_msg("a write to a read-only ledger: '%s'", err);
	store_close(s);

	/* an older schema: not migrated read-only, and said so */
	fx_set_schema_version(path, 3);
	assert_null(store_open_ro(path, &stale, err, sizeof(err)));
	assert_int_equal(stale, 1);
	assert_non_null(strstr(err, "cannot be migrated read-only"));
	assert_null(store_open_ro(path, NULL, err, sizeof(err)));
	/* a newer one: refused, not stale */
	fx_set_schema_version(path, 99);
	assert_null(store_open_ro(path, &stale, err, sizeof(err)));
	assert_int_equal(stale, 0);
	assert_non_null(strstr(err, "newer"));
}

struct cost_acc {
	const struct pricing *p;
	int64_t               nanos;
};

static int
sum_cost(const struct usage *u, void *arg)
{
	struct cost_acc *acc = arg;
	int64_t c = 0;

	if (pricing_usage_cost(acc->p, u, &c) == 0)
		acc->nanos += c;
	return 0;
}

/* Migration 1 → 2 rebuilds the per-batch sums from the rows: a file taken
 * back to version 1 comes out with the same batch costs, priced with every
 * flag (batch, long, fast, us). */
static void
test_migration_rebuilds_batch_sums(void **state)
{
	static const char json[] =
	    "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	    "{\"id\":\"claude-sonnet-4-5\",\"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\","
	    " \"cache_read\":\"0.30\",\"output\":\"15\",\"long\":{\"threshold\":200000,"
	    " \"input\":\"6\",\"write_5m\":\"7.50\",\"write_1h\":\"12\",\"cache_read\":\"0.60\","
	    " \"output\":\"22.50\"}},"
	    "{\"id\":\"claude-opus-4-6\",\"input\":\"5\",\"write_5m\":\"6.25\",\"write_1h\":\"10\","
	    " \"cache_read\":\"0.50\",\"output\":\"25\",\"fast\":\"6\",\"us_geo\":\"1.1\"}]}";
	char path[512], err[512];
	struct pricing *p;
	struct batch_rec b, got;
	struct store *s;
	struct cost_acc brute = { NULL, 0 };
	int64_t before;
	int i, v, found;

	(void)state;
	if (fx_pg)
		skip();      /* a PostgreSQL ledger never was at version 1 */
	p = pricing_parse(json, "t", err, sizeof(err));
	brute.p = p;
	assert_non_null(p);
	snprintf(path, sizeof(path), "%s/migrate.db", fx_tmpdir);
	s = fxs_open(path);
	v = store_schema_version(s);
	assert_true(v >= 2);
	memset(&b, 0, sizeof(b));
	usage_strlcpy(b.id, "mb", sizeof(b.id));
	usage_strlcpy(b.status, "ended", sizeof(b.status));
	assert_int_equal(store_batch_put(s, &b, err, sizeof(err)), 0);
	for (i = 0; i < 8; i++) {
		char id[16];
		struct usage u;

		snprintf(id, sizeof(id), "m%d", i);
		u = fxs_row(i % 2 ? "claude-opus-4-6" : "claude-sonnet-4-5", id, "", 1000 * i, 1000, 10);
		usage_strlcpy(u.batch_id, "mb", sizeof(u.batch_id));
		usage_strlcpy(u.source, i < 6 ? "batch" : "import", sizeof(u.source));
		if (i == 2)
			u.tok.input = 200001;
		if (i == 3)
			usage_strlcpy(u.speed, "fast", sizeof(u.speed));
		if (i == 5)
			usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
		if (i == 7)
			usage_strlcpy(u.service_tier, "batch", sizeof(u.service_tier));
		fxs_put(s, &u);
	}
	assert_int_equal(store_batch_get(s, p, "mb", &got, &found, err, sizeof(err)), 0);
	before = got.actual_nanos;
	assert_int_equal(store_each_usage(s, 0, 0, sum_cost, &brute, err, sizeof(err)), 0);
	assert_int_equal(before, brute.nanos);
	assert_true(before > 0);
	store_close(s);
	fx_set_user_version(path, 1);
	s = fxs_open(path);
	assert_int_equal(store_schema_version(s), v);
	assert_int_equal(store_batch_get(s, p, "mb", &got, &found, err, sizeof(err)), 0);
	assert_int_equal(got.actual_nanos, before);
	store_close(s);
	pricing_free(p);
}

/* Not a database: refused with the path and a reason, file untouched. */
static void
test_not_a_database(void **state)
{
	char path[512], err[512], buf[64];
	FILE *f;

	(void)state;
	if (fx_pg)
		skip();      /* files are SQLite's (bad URIs: test_db_pg.c) */
	snprintf(path, sizeof(path), "%s/garbage.db", fx_tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not sqlite, just some text that is long enough to have a header", f);
	fclose(f);
	assert_null(store_open(path, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a database"));
	f = fopen(path, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(strncmp(buf, "this is not sqlite", 18), 0);
	snprintf(path, sizeof(path), "/proc/no/such/dir/usage.db");
	assert_null(store_open(path, err, sizeof(err)));
	assert_true(err[0] != '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_and_version),
		cmocka_unit_test(test_migrate_and_reopen),
		cmocka_unit_test(test_file_modes),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_open_ro),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_migration_rebuilds_batch_sums),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
