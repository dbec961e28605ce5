/* test_import_ckpt.c — the import's checkpoint thread (tui/import_ckpt.c):
 * each group it is told of is copied into the ledger's file while the
 * writer goes on (a reader of the file alone, ignoring the log, sees it),
 * and none is started where there is no log of ours to copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "data/store.h"
#include "tests/lib/fx.h"
#include "tui/import_ckpt.h"

/* Rows the ledger's file holds by itself, -1 for no usage table: read as
 * an immutable snapshot (the write-ahead log not looked at). */
static int64_t
rows_in_file(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	char uri[512];
	int64_t n = -1;

	snprintf(uri, sizeof(uri), "file:%s?immutable=1", path);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
		fail_msg("%s: %s", uri, sqlite3_errmsg(db));
	/* (no table yet: the schema itself is still in the log) */
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM usage", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

/* n rows with keys from k on, committed as one group. */
static void
group(struct store *s, int k, int n)
{
	struct usage u;
	char err[256];
	int i;

	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	for (i = 0; i < n; i++) {
		memset(&u, 0, sizeof(u));
		u.ts_ms = 1760000000000LL + (int64_t)(k + i) * 60000;
		snprintf(u.model, sizeof(u.model), "claude-sonnet-4-5");
		snprintf(u.source, sizeof(u.source), "import");
		snprintf(u.message_id, sizeof(u.message_id), "msg_%d", k + i);
		u.tok.output = 10;
		assert_int_equal(store_put_bulk(s, &u, NULL, err, sizeof(err)), 0);
	}
	assert_int_equal(store_commit(s, err, sizeof(err)), 0);
}

static void
test_groups_copied(void **state)
{
	char path[512], err[256];
	struct store *s;
	struct ickpt *k;
	int g, tries;

	(void)state;
	snprintf(path, sizeof(path), "%s/ledger.db", fx_tmpdir);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	assert_non_null(k = ickpt_start(path, s));
	for (g = 0; g < 5; g++) {
		group(s, g * 500, 500);
		ickpt_kick(k);
		/* copied beside the writer: the file alone has the group soon */
		for (tries = 0; tries < 2500 && rows_in_file(path) < (g + 1) * 500; tries++)
			usleep(2000);     /* (up to ~5 s: a loaded machine) */
		assert_int_equal(rows_in_file(path), (g + 1) * 500);
	}
	group(s, 5 * 500, 500);              /* the last group: copied at the stop */
	ickpt_stop(k, s);
	assert_int_equal(rows_in_file(path), 3000);
	store_close(s);
	ickpt_stop(NULL, NULL);
	ickpt_kick(NULL);
}

static void
test_none_without_a_log(void **state)
{
	struct store *s;
	char err[256];

	(void)state;
	assert_non_null(s = store_open(":memory:", err, sizeof(err)));
	assert_null(ickpt_start(":memory:", s));
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups_copied),
		cmocka_unit_test(test_none_without_a_log),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
