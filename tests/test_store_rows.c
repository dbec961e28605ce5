/* test_store_rows.c — rows in the ledger: idempotent inserts and the rollup
 * behind them, sidechain ties, import-time marks, reading rows back,
 * transactions, concurrent writers, data_version, the rollup's pending
 * cells: on SQLite and on PostgreSQL (tests/lib/fx_db.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "data/store.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"
#include "tests/lib/fx_store.h"

static void
test_idempotent(void **state)
{
	struct store *s = fxs_open(fx_ledger());
	struct usage a = fxs_row("claude-sonnet-4-5", "msg_A", "req_A", 1000, 10, 5);
	struct usage big = a, small = a, nokey = fxs_row("m", "", "", 2000, 1, 1);
	struct report_row t;

	(void)state;
	assert_int_equal(fxs_put(s, &a), STORE_ADDED);
	assert_int_equal(fxs_put(s, &a), STORE_DUPLICATE);
	assert_int_equal(fxs_count(s), 1);
	big.tok.output = 50;                  /* the final streaming copy */
	big.ts_ms = 3 * 3600000LL + 5;        /* in another hour */
	assert_int_equal(fxs_put(s, &big), STORE_REPLACED);
	small.tok.output = 1;
	assert_int_equal(fxs_put(s, &small), STORE_DUPLICATE);
	assert_int_equal(fxs_count(s), 1);
	t = fxs_totals(s);                        /* the rollup followed: old taken away */
	assert_int_equal(t.requests, 1);
	assert_int_equal(t.tok.input, 10);
	assert_int_equal(t.tok.output, 50);
	assert_int_equal(t.unpriced_requests, 1);
	{	/* the emptied cell of the old hour is gone, not a row of zeros */
		struct report_query q;
		struct report r;
		char err[512];

		memset(&q, 0, sizeof(q));
		q.group = REPORT_HOUR;
		setenv("TZ", "UTC", 1);
		tzset();
		assert_int_equal(store_report(s, NULL, &q, &r, err, sizeof(err)), 0);
		assert_int_equal(r.nrows, 1);
		assert_string_equal(r.rows[0].key, "1970-01-01 03");
		store_report_free(&r);
	}
	/* rows without any id are always new */
	assert_int_equal(fxs_put(s, &nokey), STORE_ADDED);
	assert_int_equal(fxs_put(s, &nokey), STORE_ADDED);
	assert_int_equal(fxs_count(s), 3);
	/* request id is the key when there is no message id */
	{
		struct usage r1 = fxs_row("m", "", "req_X", 5, 1, 1);

		assert_int_equal(fxs_put(s, &r1), STORE_ADDED);
		assert_int_equal(fxs_put(s, &r1), STORE_DUPLICATE);
	}
	/* then batch id + custom id */
	{
		struct usage b = fxs_row("m", "", "", 5, 1, 1);

		usage_strlcpy(b.batch_id, "msgbatch_1", sizeof(b.batch_id));
		usage_strlcpy(b.custom_id, "c1", sizeof(b.custom_id));
		assert_int_equal(fxs_put(s, &b), STORE_ADDED);
		assert_int_equal(fxs_put(s, &b), STORE_DUPLICATE);
		usage_strlcpy(b.custom_id, "c2", sizeof(b.custom_id));
		assert_int_equal(fxs_put(s, &b), STORE_ADDED);
	}
	assert_int_equal(fxs_count(s), 6);
	t = fxs_totals(s);
	assert_int_equal(t.requests, 6);
	assert_int_equal(t.tok.input, 10 + 1 + 1 + 1 + 1 + 1);
	store_close(s);
}

static int
first_row(const struct usage *x, void *arg)
{
	*(struct usage *)arg = *x;
	return 1;
}

/* A sidechain replay of the same message loses to its parent on a tie. */
static void
test_sidechain_tie(void **state)
{
	struct store *s = fxs_open(fx_ledger());
	struct usage side = fxs_row("claude-opus-4-6", "msg_S", "req_S", 1000, 7, 7);
	struct usage parent = side;
	struct usage u;
	char err[512];

	(void)state;
	side.sidechain = 1;
	usage_strlcpy(side.tag, "side", sizeof(side.tag));
	assert_int_equal(fxs_put(s, &side), STORE_ADDED);
	assert_int_equal(fxs_put(s, &parent), STORE_REPLACED);
	assert_int_equal(fxs_put(s, &side), STORE_DUPLICATE);
	assert_int_equal(fxs_put(s, &parent), STORE_DUPLICATE);
	assert_int_equal(fxs_count(s), 1);
	memset(&u, 0, sizeof(u));
	assert_int_equal(store_each_usage(s, 0, 0, first_row, &u, err, sizeof(err)), 0);
	assert_string_equal(u.tag, "");       /* the parent's copy is stored */
	assert_int_equal(u.sidechain, 0);
	store_close(s);
}

/* A row stamped with its import time keeps the mark, and a larger copy
 * that has its own time clears it (issue 11, defect 21). */
static void
test_ts_import_mark(void **state)
{
	struct store *s = fxs_open(":memory:");
	struct usage a = fxs_row("claude-opus-4-6", "msg_T", "", 1000, 7, 7), u;
	char err[512];
	int yes = -1;

	(void)state;
	assert_int_equal(store_has_usage(s, &yes, err, sizeof(err)), 0);
	assert_int_equal(yes, 0);
	a.ts_import = 1;
	assert_int_equal(fxs_put(s, &a), STORE_ADDED);
	assert_int_equal(store_has_usage(s, &yes, err, sizeof(err)), 0);
	assert_int_equal(yes, 1);
	memset(&u, 0, sizeof(u));
	assert_int_equal(store_each_usage(s, 0, 0, first_row, &u, err, sizeof(err)), 0);
	assert_int_equal(u.ts_import, 1);
	a.ts_import = 0;
	a.tok.output = 70;
	assert_int_equal(fxs_put(s, &a), STORE_REPLACED);
	assert_int_equal(store_each_usage(s, 0, 0, first_row, &u, err, sizeof(err)), 0);
	assert_int_equal(u.ts_import, 0);
	store_close(s);
}

static int
grab(const struct usage *x, void *arg)
{
	struct usage *dst = arg;
	size_t i;

	for (i = 0; dst[i].model[0] != '\0'; i++)
		;
	dst[i] = *x;
	return i == 2;   /* stop after the third */
}

/* Every field round-trips; the range is [since, until); early stop works. */
static void
test_each_usage(void **state)
{
	struct store *s = fxs_open(fx_ledger());
	struct usage u = fxs_row("claude-haiku-4-5", "msg_1", "req_1", 3000, 1, 2), got[8];
	char err[512];
	int i;

	(void)state;
	usage_strlcpy(u.batch_id, "b", sizeof(u.batch_id));
	usage_strlcpy(u.custom_id, "c", sizeof(u.custom_id));
	usage_strlcpy(u.tag, "태그", sizeof(u.tag));
	usage_strlcpy(u.service_tier, "batch", sizeof(u.service_tier));
	usage_strlcpy(u.speed, "fast", sizeof(u.speed));
	usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
	usage_strlcpy(u.tier, "simple", sizeof(u.tier));
	usage_strlcpy(u.stop_reason, "max_tokens", sizeof(u.stop_reason));
	u.tok.write_5m = 3;
	u.tok.write_1h = 4;
	u.tok.cache_read = 5;
	u.compressed_tokens = 6;
	u.sidechain = 1;
	fxs_put(s, &u);
	for (i = 0; i < 5; i++) {
		struct usage v = fxs_row("m", "", "", 1000 * i, i, 0);

		fxs_put(s, &v);
	}
	memset(got, 0, sizeof(got));
	assert_int_equal(store_each_usage(s, 3000, 3001, grab, got, err, sizeof(err)), 0);
	usage_strlcpy(u.host, store_host(s), sizeof(u.host));   /* stamped at write */
	assert_memory_equal(&got[0], &u, sizeof(u)); /* ts 3000: u, then the row added later */
	assert_string_equal(got[1].model, "m");
	assert_int_equal(got[2].model[0], '\0');
	memset(got, 0, sizeof(got));
	assert_int_equal(store_each_usage(s, 0, 0, grab, got, err, sizeof(err)), 0);
	assert_int_equal(got[0].ts_ms, 0);
	assert_int_equal(got[1].ts_ms, 1000);
	assert_int_equal(got[2].ts_ms, 2000);
	assert_int_equal(got[3].model[0], '\0');     /* stopped */
	store_close(s);
}

/* Begin/commit/rollback; a failing insert inside a transaction leaves the
 * rest of it intact. */
static void
test_transactions(void **state)
{
	struct store *s = fxs_open(fx_ledger());
	struct usage u = fxs_row("m", "msg_1", "", 1, 1, 1), bad = u;
	char err[512];

	(void)state;
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	assert_int_equal(store_begin(s, err, sizeof(err)), -1);
	fxs_put(s, &u);
	store_rollback(s);
	assert_int_equal(fxs_count(s), 0);
	assert_int_equal(fxs_totals(s).requests, 0);
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	fxs_put(s, &u);
	bad.model[0] = '\0';
	assert_int_equal(store_insert_usage(s, &bad, NULL, err, sizeof(err)), -1);
	usage_strlcpy(u.message_id, "msg_2", sizeof(u.message_id));
	fxs_put(s, &u);
	assert_int_equal(store_commit(s, err, sizeof(err)), 0);
	assert_int_equal(fxs_count(s), 2);
	assert_int_equal(store_commit(s, err, sizeof(err)), -1);
	store_close(s);
}

#define WRITERS 4
#define PER_WRITER 2000
#define SHARED 100

/* Four processes insert into one file at once (two row by row, two in bulk
 * transactions of 250 like an import): nothing is lost, nothing fails with
 * "database is locked", shared ids are stored once. */
static void
test_concurrent_writers(void **state)
{
	char path[512];
	pid_t pids[WRITERS];
	struct store *s;
	struct report_row t;
	int i, status;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("concurrent.db"));
	for (i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char err[512], id[64];
			struct store *c = store_open(path, err, sizeof(err));
			int k;

			if (c == NULL) {
				fprintf(stderr, "writer %d: %s\n", i, err);
				_exit(1);
			}
			for (k = 0; k < PER_WRITER + SHARED; k++) {
				struct usage u;

				if (i >= 2 && k % 250 == 0 &&
				    ((k > 0 && store_commit(c, err, sizeof(err)) != 0) ||
				    store_begin(c, err, sizeof(err)) != 0)) {
					fprintf(stderr, "writer %d row %d: %s\n", i, k, err);
					_exit(1);
				}
				if (k < PER_WRITER)
					snprintf(id, sizeof(id), "req_%d_%d", i, k);
				else
					snprintf(id, sizeof(id), "req_shared_%d", k);
				u = fxs_row("claude-haiku-4-5", "", id, (int64_t)k * 60000, 1, 2);
				if (store_insert_usage(c, &u, NULL, err, sizeof(err)) != 0) {
					fprintf(stderr, "writer %d row %d: %s\n", i, k, err);
					_exit(1);
				}
			}
			if (i >= 2 && store_commit(c, err, sizeof(err)) != 0) {
				fprintf(stderr, "writer %d: %s\n", i, err);
				_exit(1);
			}
			store_close(c);
			_exit(0);
		}
	}
	for (i = 0; i < WRITERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	s = fxs_open(path);
	assert_int_equal(fxs_count(s), WRITERS * PER_WRITER + SHARED);
	t = fxs_totals(s);
	assert_int_equal(t.requests, WRITERS * PER_WRITER + SHARED);
	assert_int_equal(t.tok.output, 2 * (WRITERS * PER_WRITER + SHARED));
	store_close(s);
}

/* Another connection's commit changes data_version; reading does not. */
static void
test_data_version(void **state)
{
	char path[512], err[512];
	struct store *a, *b;
	struct usage u = fxs_row("m", "msg_dv", "", 1, 1, 1);
	int64_t v1 = 0, v2 = 0, v3 = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("dv.db"));
	a = fxs_open(path);
	b = fxs_open(path);
	assert_int_equal(store_data_version(a, &v1, err, sizeof(err)), 0);
	fxs_count(a);                    /* reading is no change */
	assert_int_equal(store_data_version(a, &v2, err, sizeof(err)), 0);
	assert_true(v1 == v2);
	/* PostgreSQL: a descriptor to wait on once following (SQLite: none) */
	assert_true(fx_pg ? store_wait_fd(a) >= 0 : store_wait_fd(a) == -1);
	fxs_put(b, &u);
	fx_wait_readable(store_wait_fd(a));   /* the notification follows the commit */
	assert_int_equal(store_data_version(a, &v3, err, sizeof(err)), 0);
	assert_true(v3 != v2);
	store_close(a);
	store_close(b);
}

struct sums {
	int64_t requests, input, output;
};

static int
add_sums(const struct usage *u, void *arg)
{
	struct sums *b = arg;

	b->requests++;
	b->input += u->tok.input;
	b->output += u->tok.output;
	return 0;
}

/* The rollup (summed in memory per transaction, written at commit, at a
 * report inside the transaction, or past 4096 waiting cells) always equals
 * the raw rows; a rollback takes back rows and rollup together. */
static void
assert_rollup_matches_rows(struct store *s)
{
	struct report_row t = fxs_totals(s);
	struct sums b;
	char err[512];

	memset(&b, 0, sizeof(b));
	assert_int_equal(store_each_usage(s, 0, 0, add_sums, &b, err, sizeof(err)), 0);
	assert_int_equal(t.requests, b.requests);
	assert_int_equal(t.tok.input, b.input);
	assert_int_equal(t.tok.output, b.output);
}

static void
put_many(struct store *s, int n, int salt, int per)
{
	char id[32];
	int i;

	for (i = 0; i < n; i++) {
		struct usage u;

		/* ids repeat every per rows, one hour each: later copies replace
		 * (bigger) or not */
		snprintf(id, sizeof(id), "msg_%d_%d", salt, i / per);
		u = fxs_row(i % 3 ? "claude-haiku-4-5" : "claude-sonnet-4-5", id, "",
		    (int64_t)(i / per) * 3600000 + i % per, 10 + i % 5, 1 + i);
		fxs_put(s, &u);
	}
}

static void
test_rollup_pending(void **state)
{
	struct store *s = fxs_open(fx_ledger());
	char err[512];

	(void)state;
	put_many(s, 50, 1, 7);              /* one transaction per row */
	assert_rollup_matches_rows(s);
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	put_many(s, 200, 1, 7);             /* replaces and duplicates of the above */
	assert_rollup_matches_rows(s);      /* a report inside the transaction */
	put_many(s, 200, 2, 7);
	assert_int_equal(store_commit(s, err, sizeof(err)), 0);
	assert_rollup_matches_rows(s);
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	put_many(s, 2 * 4200, 3, 2);        /* past the in-memory cap (4096 cells): flushed midway */
	store_rollback(s);
	assert_int_equal(fxs_count(s), 200 / 7 + 1 + 200 / 7 + 1);
	assert_rollup_matches_rows(s);
	put_many(s, 7, 4, 7);               /* nothing of the rolled-back rows comes back */
	assert_rollup_matches_rows(s);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_sidechain_tie),
		cmocka_unit_test(test_ts_import_mark),
		cmocka_unit_test(test_each_usage),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_concurrent_writers),
		cmocka_unit_test(test_data_version),
		cmocka_unit_test(test_rollup_pending),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
