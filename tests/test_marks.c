/* test_marks.c — import marks (data/marks.c): set and get with the file's
 * identity, inside a rolled-back import, and the migration that added the
 * identity keeping older marks. */
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

static struct store *
open_or_fail(const char *path)
{
	char err[512];
	struct store *s = store_open(path, err, sizeof(err));

	if (s == NULL)
		fail_msg("store_open(%s): %s", path, err);
	return s;
}

static void
test_import_marks(void **state)
{
	struct store *s = open_or_fail(fx_ledger());
	struct import_mark m = { 100, 123456789012345LL, 90, 7, 2049, 1234567, 90,
	    (int64_t)0xcbf29ce484222325ULL }, got;
	char err[512];
	int found = -1;

	(void)state;
	assert_int_equal(store_import_mark_get(s, "/x/a.jsonl", &got, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 0);
	assert_int_equal(store_import_mark_set(s, "/x/a.jsonl", &m, err, sizeof(err)), 0);
	assert_int_equal(store_import_mark_get(s, "/x/a.jsonl", &got, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 1);
	assert_memory_equal(&got, &m, sizeof(m));
	m.size = 200;
	m.offset = 200;
	m.line = 14;
	assert_int_equal(store_import_mark_set(s, "/x/a.jsonl", &m, err, sizeof(err)), 0);
	assert_int_equal(store_import_mark_get(s, "/x/a.jsonl", &got, &found, err, sizeof(err)), 0);
	assert_memory_equal(&got, &m, sizeof(m));
	assert_int_equal(store_import_mark_get(s, "/x/b.jsonl", &got, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 0);
	/* a mark set inside a rolled-back import is gone with its rows */
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	assert_int_equal(store_import_mark_set(s, "/x/c.jsonl", &m, err, sizeof(err)), 0);
	store_rollback(s);
	assert_int_equal(store_import_mark_get(s, "/x/c.jsonl", &got, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 0);
	store_close(s);
}

/* A mark written before marks had an identity survives the migration that
 * adds one, with the identity unknown (0): it resumes as it did. */
static void
test_import_mark_migration(void **state)
{
	char path[256], err[512];
	struct import_mark got;
	struct store *s;
	sqlite3 *db;
	int i, k = -1, found = 0;

	(void)state;
	if (fx_pg)
		skip();     /* a PostgreSQL ledger never was at version 7 */
	for (i = 0; i < store_nmigrations && k < 0; i++)
		if (strstr(store_migrations[i], "import_mark_new") != NULL)
			k = i;
	assert_true(k > 0);
	snprintf(path, sizeof(path), "%s/oldmarks.db", fx_tmpdir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (i = 0; i < k; i++)
		assert_int_equal(sqlite3_exec(db, store_migrations[i], NULL, NULL, NULL), SQLITE_OK);
	snprintf(err, sizeof(err), "PRAGMA user_version = %d;"
	    "INSERT INTO import_mark VALUES ('/x/old.jsonl', 100, 5, 90, 7)", k);
	assert_int_equal(sqlite3_exec(db, err, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = open_or_fail(path);
	assert_int_equal(store_schema_version(s), store_nmigrations);
	assert_int_equal(store_import_mark_get(s, "/x/old.jsonl", &got, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 1);
	assert_int_equal(got.size, 100);
	assert_int_equal(got.mtime_ns, 5);
	assert_int_equal(got.offset, 90);
	assert_int_equal(got.line, 7);
	assert_int_equal(got.ino, 0);
	assert_int_equal(got.head_len, 0);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_marks),
		cmocka_unit_test(test_import_mark_migration),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
