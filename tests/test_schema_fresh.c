/* test_schema_fresh.c — a brand-new SQLite ledger made from the schema
 * snapshot (data/schema_fresh.h) is the ledger the migrations make: the
 * snapshot is current, the two paths give the same sqlite_master, version
 * and rows, an older ledger still migrates step by step to it. SQLite only:
 * a PostgreSQL ledger always migrates step by step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "data/schema_fresh.h"
#include "data/store_int.h"
#include "tests/lib/fx.h"

#define HOST "o'brien-01"    /* a quote: the placeholder is filled as SQL */

#define REGENERATE "data/schema_snapshot.c is not what data/schema.c's migrations make:" \
	" run `make schema-fresh` and commit it"

/* A raw connection to the SQLite file path (the store's driver). */
static struct db *
raw(const char *path, int readonly)
{
	char err[512];
	struct db *db = db_sqlite.open(path, readonly, err, sizeof(err));

	if (db == NULL)
		fail_msg("open %s: %s", path, err);
	return db;
}

/* Every row of sql, its columns joined by '|', a line each, appended to f. */
static void
lines(FILE *f, struct db *db, const char *sql, int ncols)
{
	struct db_stmt *st = db_prepare(db, sql, 0);
	int i, rc;

	if (st == NULL)
		fail_msg("%s: %s", sql, db_errmsg(db));
	while ((rc = db_step(st)) == DB_ROW)
		for (i = 0; i < ncols; i++)
			fprintf(f, "%s%s", db_column_text(st, i), i + 1 < ncols ? "|" : "\n");
	assert_int_equal(rc, DB_DONE);
	db_finalize(st);
}

/* What must be the same however a ledger was made: its version, every
 * object of sqlite_master (SQLite's own too) by type and name, and every
 * row of every table (schema_fresh_dump's INSERTs). The caller frees. */
static char *
listing(const char *path)
{
	char err[512], *buf = NULL, *dump;
	size_t len = 0;
	struct db *db = raw(path, 1);
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	lines(f, db, "PRAGMA user_version", 1);
	lines(f, db, "SELECT type, name, tbl_name, coalesce(sql, '-') FROM sqlite_master"
	    " ORDER BY type, name", 4);
	if ((dump = schema_fresh_dump(db, err, sizeof(err))) == NULL)
		fail_msg("dump %s: %s", path, err);
	fputs(dump, f);
	free(dump);
	fclose(f);
	db_sqlite.close(db);
	return buf;
}

/* a and b equal, else the first line where they part. */
static void
assert_same(const char *a, const char *b, const char *what)
{
	size_t i, line = 1, from = 0;

	if (strcmp(a, b) == 0)
		return;
	for (i = 0; a[i] == b[i]; i++)
		if (a[i] == '\n') {
			line++;
			from = i + 1;
		}
	fail_msg("%s: line %zu differs:\n  %.*s\n  %.*s", what, line,
	    (int)strcspn(a + from, "\n"), a + from, (int)strcspn(b + from, "\n"), b + from);
}

static void
open_close(const char *path, const char *host)
{
	char err[512];
	struct store *s = store_open_host(path, host, err, sizeof(err));

	if (s == NULL)
		fail_msg("store_open_host %s: %s", path, err);
	assert_int_equal(store_schema_version(s), store_nmigrations);
	store_close(s);
}

/* A new file through the snapshot; its listing (the caller frees). */
static char *
fresh(const char *name, const char *host)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", fx_tmpdir, name);
	open_close(path, host);
	return listing(path);
}

/* The snapshot is what the migrations make now, from this list. */
static void
test_snapshot_current(void **state)
{
	char err[512];
	char *made = schema_fresh_make(err, sizeof(err));

	(void)state;
	if (made == NULL)
		fail_msg("schema_fresh_make: %s", err);
	if (schema_snapshot_version != store_nmigrations)
		fail_msg("%s (it is of %d migrations, there are %d)", REGENERATE,
		    schema_snapshot_version, store_nmigrations);
	if (schema_snapshot_hash != schema_fresh_hash(store_migrations, store_nmigrations))
		fail_msg("%s (a migration's text changed)", REGENERATE);
	if (strcmp(made, schema_snapshot_sql) != 0) {
		fprintf(stderr, "%s\n", REGENERATE);
		assert_same(made, schema_snapshot_sql, "snapshot");
	}
	/* the host placeholder survived, to be filled per ledger */
	assert_non_null(strstr(schema_snapshot_sql, "'@HOST@'"));
	free(made);
}

/* The snapshot is taken only for SQLite's list as it was made, on an
 * empty database. */
static void
test_snapshot_when(void **state)
{
	const char *list[64];
	struct db *db = raw(":memory:", 0);
	int n = store_nmigrations;

	(void)state;
	assert_true(n <= 64);
	if (schema_fresh_sql(db, store_migrations, n) != schema_snapshot_sql)
		fail_msg("%s (the snapshot is not taken)", REGENERATE);
	assert_null(schema_fresh_sql(db, store_migrations, n - 1));      /* a version ago */
	assert_null(schema_fresh_sql(db, store_migrations_pg, n));       /* another list */
	memcpy(list, store_migrations, sizeof(list[0]) * (size_t)n);
	list[3] = "SELECT 1;";
	assert_null(schema_fresh_sql(db, list, n));
	assert_int_not_equal(schema_fresh_hash(list, n), schema_fresh_hash(store_migrations, n));
	assert_int_equal(db_exec(db, "CREATE TABLE theirs (x)"), 0);
	assert_null(schema_fresh_sql(db, store_migrations, n));          /* not empty */
	db_sqlite.close(db);
}

/* A file at version 0 that is not empty migrates step by step, from the
 * first migration, through store.c (host filled in): the same ledger as
 * the snapshot's, byte for byte. */
static void
test_fresh_as_migrated(void **state)
{
	char path[512];
	char *snap = fresh("snap.db", HOST), *steps;
	struct db *db;

	(void)state;
	snprintf(path, sizeof(path), "%s/steps.db", fx_tmpdir);
	db = raw(path, 0);
	assert_int_equal(db_exec(db, "CREATE TABLE zz_theirs (x)"), 0);
	db_sqlite.close(db);
	open_close(path, HOST);
	db = raw(path, 0);
	assert_int_equal(db_exec(db, "DROP TABLE zz_theirs"), 0);
	db_sqlite.close(db);
	steps = listing(path);
	assert_non_null(strstr(steps, "DEFAULT 'o''brien-01'"));
	assert_null(strstr(steps, "@HOST@"));
	assert_same(snap, steps, "snapshot vs migrations");
	free(snap);
	free(steps);
}

/* A ledger made at version 10 (the first 10 migrations, as a tokentop of
 * then made it) migrates to the same ledger. */
static void
test_old_ledger_migrates(void **state)
{
	char path[512];
	char *snap = fresh("snap10.db", HOST), *old;
	struct db *db;
	int i;

	(void)state;
	snprintf(path, sizeof(path), "%s/v10.db", fx_tmpdir);
	db = raw(path, 0);
	for (i = 0; i < 10; i++) {
		assert_null(strstr(store_migrations[i], "@HOST@"));
		if (db_exec(db, store_migrations[i]) != 0)
			fail_msg("migration %d: %s", i, db_errmsg(db));
	}
	assert_int_equal(db->drv->set_schema_version(db, 10), 0);
	db_sqlite.close(db);
	open_close(path, HOST);
	old = listing(path);
	assert_same(snap, old, "snapshot vs version 10 migrated");
	free(snap);
	free(old);
}

/* Opened again (by another host), a fresh ledger is not made or migrated
 * again: the host its schema names is still its first. */
static void
test_reopen(void **state)
{
	char path[512];
	char *first = fresh("again.db", HOST), *second;

	(void)state;
	snprintf(path, sizeof(path), "%s/again.db", fx_tmpdir);
	open_close(path, "another");
	second = listing(path);
	assert_same(first, second, "reopened");
	assert_null(strstr(second, "another"));
	free(first);
	free(second);
}

#define OPENERS 4

/* Several processes opening one new file at once make it once. */
static void
test_opened_at_once(void **state)
{
	char path[512];
	char *one = fresh("one.db", HOST), *many;
	pid_t pids[OPENERS];
	int i, status;

	(void)state;
	snprintf(path, sizeof(path), "%s/many.db", fx_tmpdir);
	for (i = 0; i < OPENERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char err[512];
			struct store *s = store_open_host(path, HOST, err, sizeof(err));

			if (s == NULL)
				fprintf(stderr, "opener %d: %s\n", i, err);
			store_close(s);
			_exit(s == NULL);
		}
	}
	for (i = 0; i < OPENERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	many = listing(path);
	assert_same(one, many, "opened at once");
	free(one);
	free(many);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_current),
		cmocka_unit_test(test_snapshot_when),
		cmocka_unit_test(test_fresh_as_migrated),
		cmocka_unit_test(test_old_ledger_migrates),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_opened_at_once),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
