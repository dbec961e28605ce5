/* test_merge_race.c — ledger merge (data/merge.c) beside other writers, on
 * both backends: a writer adding rows of its own to the destination while
 * a merge runs, and one committing the source's own keys while the merge
 * waits on them (its many-row statements undone and their rows put one by
 * one); every row once, the rollups exact. */
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

#include "data/merge.h"
#include "data/store.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"
#include "tests/lib/fx_merge.h"
#include "tests/lib/fx_store.h"

/* A writer on the destination meanwhile (another process): every row of
 * both is there once and the rollups are exact. */
static void
test_concurrent_writer(void **state)
{
	char path[1024], err[512];
	struct store *src = fxs_open(fx_ledger()), *dst;
	struct merge_stats m;
	pid_t pid;
	int st, i;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("merge_cw.db"));
	dst = fxs_open(path);
	fxm_seed_rows(src, 0, 400, 1, "laptop");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *w = store_open(path, err, sizeof(err));

		for (i = 0; w != NULL && i < 300; i++) {
			struct usage u = fxm_row(5000 + i, "server");

			snprintf(u.message_id, sizeof(u.message_id), "msg_w%d", i);
			if (store_insert_usage(w, &u, NULL, err, sizeof(err)) != 0)
				_exit(1);
		}
		store_close(w);
		_exit(w != NULL ? 0 : 2);
	}
	if (merge_run(dst, src, 25, NULL, NULL, &m, err, sizeof(err)) != 0)
		fail_msg("merge: %s", err);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(m.all.added, 404);
	fxm_assert_rollups_exact(dst, 704);
	fxm_merge_ok(dst, src, 0, &m);
	assert_int_equal(m.all.added, 0);
	store_close(src);
	store_close(dst);
}

/* Rows the destination lacks go STORE_ROWS a statement (merge_usage.c's
 * insert_new), between rows it has: every row once, rollups exact; a row
 * it refuses inside such a statement is named, its group left out. On
 * PostgreSQL a writer adds the same keys meanwhile: a statement that meets
 * one is undone and its rows put one by one. */
static void
test_many_new(void **state)
{
	char path[1024], dpath[1024], err[512];
	struct store *src, *dst;
	struct merge_stats m;
	pid_t pid;
	int st, i, fd[2];
	char c;

	(void)state;
	snprintf(dpath, sizeof(dpath), "%s", fx_ledger());
	dst = fxs_open(dpath);
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("merge_many.db"));
	src = fxs_open(path);
	fxm_seed_rows(src, 0, 300, 1, "laptop");
	store_close(src);
	fxm_seed_rows(dst, 100, 10, 0, "server");
	fx_sql(path, "UPDATE usage SET model = '' WHERE request_id = 'req_250'");
	src = fxs_open(path);
	assert_int_equal(merge_run(dst, src, 200, NULL, NULL, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without model"));
	assert_int_equal(m.all.added, 190);
	fxm_assert_rollups_exact(dst, 200);
	store_close(src);
	fx_sql(path, "UPDATE usage SET model = 'claude-haiku-4-5' WHERE request_id = 'req_250'");
	src = fxs_open(path);
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {     /* the source's own keys, from another host, committed
	                       while the merge waits on them (PostgreSQL) */
		struct store *w = store_open(dpath, err, sizeof(err));

		if (w == NULL || store_begin(w, err, sizeof(err)) != 0)
			_exit(2);
		for (i = 299; i >= 200; i--) {
			struct usage u = fxm_row(i, "server");

			snprintf(u.request_id, sizeof(u.request_id), "req_%d", i);
			if (store_insert_usage(w, &u, NULL, err, sizeof(err)) != 0)
				_exit(1);
		}
		if (write(fd[1], "x", 1) != 1)
			_exit(3);
		usleep(fx_pg ? 800000 : 0);
		_exit(store_commit(w, err, sizeof(err)) == 0 ? 0 : 4);
	}
	assert_int_equal(read(fd[0], &c, 1), 1);
	fxm_merge_ok(dst, src, 0, &m);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fxm_assert_rollups_exact(dst, 304);
	fxm_merge_ok(dst, src, 0, &m);
	assert_int_equal(m.all.added, 0);
	store_close(src);
	store_close(dst);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_writer),
		cmocka_unit_test(test_many_new),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
