/* test_merge.c — ledger merge (data/merge.c) on both backends: usage rows
 * with and without a dedupe key, the better copy kept, batches, intents,
 * results and organisation rows, a second run adding nothing, a ledger
 * merged back, a failure half-way completed by a rerun, sources that are no
 * ledger (other writers meanwhile: test_merge_race.c; the fixtures:
 * tests/lib/fx_merge.c). `test_merge --seed DB`
 * only seeds DB (for tests/ledger_merge.sh). */
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

#define T0 FXM_T0

/* Batches, an intent, results (one with its row), organisation rows. */
static void
seed_batches(struct store *s)
{
	struct batch_rec b;
	struct batch_intent in;
	struct org_usage ou;
	struct org_cost oc;
	struct usage u;
	char err[512];
	int dup;

	memset(&b, 0, sizeof(b));
	snprintf(b.id, sizeof(b.id), "msgbatch_merge1");
	snprintf(b.status, sizeof(b.status), "ended");
	snprintf(b.input_file, sizeof(b.input_file), "/data/in.jsonl");
	snprintf(b.models, sizeof(b.models), "claude-haiku-4-5");
	snprintf(b.tag, sizeof(b.tag), "nightly");
	snprintf(b.errors, sizeof(b.errors), "none at all");
	b.requests = 2;
	b.created_ms = T0;
	b.ended_ms = T0 + 3600000;
	b.counts.succeeded = 1;
	b.counts.errored = 1;
	b.ingested = 1;
	assert_int_equal(store_batch_put(s, &b, err, sizeof(err)), 0);
	memset(&in, 0, sizeof(in));
	in.created_ms = T0 - 5000;
	in.requests = 2;
	in.bytes = 420;
	in.part = 1;
	in.owner_pid = 4242;
	snprintf(in.input_file, sizeof(in.input_file), "/data/in.jsonl");
	snprintf(in.provider, sizeof(in.provider), "openai");
	snprintf(in.token, sizeof(in.token), "tok123");
	assert_int_equal(store_intent_add(s, &in, err, sizeof(err)), 0);
	u = fxm_row(7, "laptop");
	snprintf(u.source, sizeof(u.source), "batch");
	snprintf(u.batch_id, sizeof(u.batch_id), "msgbatch_merge1");
	snprintf(u.custom_id, sizeof(u.custom_id), "a");
	assert_int_equal(store_batch_result(s, "msgbatch_merge1", "a", "succeeded", NULL, &u, &dup,
	    err, sizeof(err)), 0);
	assert_int_equal(store_batch_result(s, "msgbatch_merge1", "b", "errored",
	    "invalid_request_error: bad", NULL, &dup, err, sizeof(err)), 0);
	memset(&ou, 0, sizeof(ou));
	ou.bucket_ms = T0;
	ou.width_s = 86400;
	snprintf(ou.model, sizeof(ou.model), "claude-haiku-4-5");
	ou.tok.input = 5000;
	ou.tok.output = 700;
	memset(&oc, 0, sizeof(oc));
	oc.bucket_ms = T0;
	snprintf(oc.description, sizeof(oc.description), "tokens");
	snprintf(oc.model, sizeof(oc.model), "claude-haiku-4-5");
	oc.amount_nanos = 123450000;
	assert_int_equal(store_org_replace_for(s, "anthropic", T0, T0 + 86400000, T0 + 90000000,
	    &ou, 1, &oc, 1, err, sizeof(err)), 0);
}

static int64_t
report_tokens(struct store *s)
{
	struct report_query q = { .group = REPORT_TOTAL };
	struct report r;
	char err[512];
	int64_t t;

	assert_int_equal(store_report(s, NULL, &q, &r, err, sizeof(err)), 0);
	t = r.totals.tok.input + r.totals.tok.output + r.totals.tok.cache_read;
	store_report_free(&r);
	return t;
}

/* ---- the tests ----------------------------------------------------------- */

static void
test_rows(void **state)
{
	struct store *src = fxs_open(fx_ledger()), *dst = fxs_open(fx_ledger());
	struct merge_stats m;

	(void)state;
	fxm_seed_rows(src, 0, 30, 1, "laptop");
	fxm_seed_rows(dst, 20, 15, 0, "server");     /* rows 20..29 on both sides */
	fxm_merge_ok(dst, src, 7, &m);
	assert_int_equal(m.t[MERGE_USAGE].added, 20 + 4);
	assert_int_equal(m.t[MERGE_USAGE].duplicates, 10);
	assert_int_equal(m.all.added, 24);
	assert_int_equal(m.read, 34);
	assert_int_equal(m.total, 34);
	fxm_assert_rollups_exact(dst, 35 + 4);
	/* again: nothing new, keyless rows included */
	fxm_merge_ok(dst, src, 7, &m);
	assert_int_equal(m.all.added, 0);
	assert_int_equal(m.all.duplicates, 34);
	fxm_assert_rollups_exact(dst, 39);
	store_close(src);
	store_close(dst);
}

/* Rows keep their host, every field: a fresh ledger from a merge holds
 * exactly the source's rows and reports the same. */
static void
test_copy_exact(void **state)
{
	struct store *src = fxs_open(fx_ledger()), *dst = fxs_open(fx_ledger());
	struct merge_stats m;
	struct store_host *h = NULL;
	size_t n = 0;
	char err[512];

	(void)state;
	fxm_seed_rows(src, 0, 12, 1, "laptop");
	seed_batches(src);
	store_set_host(dst, "server");          /* the merging side's own */
	fxm_merge_ok(dst, src, 0, &m);
	fxm_assert_same_rows(src, dst);
	assert_int_equal(report_tokens(src), report_tokens(dst));
	assert_int_equal(store_hosts_seen(dst, &h, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].host, "laptop");
	assert_int_equal(h[0].requests, 12 + 4 + 1);
	free(h);
	store_close(src);
	store_close(dst);
}

/* A keyless row merged there and back, or on to a third ledger through
 * the second, is one row; a new row alike to older ones is one more. */
static void
test_keyless(void **state)
{
	struct store *a = fxs_open(fx_ledger()), *b = fxs_open(fx_ledger()),
	    *c = fxs_open(fx_ledger());
	struct merge_stats m;
	struct usage u;

	(void)state;
	fxm_seed_rows(a, 0, 0, 1, "laptop");
	fxm_merge_ok(b, a, 0, &m);
	assert_int_equal(m.all.added, 4);
	fxm_merge_ok(a, b, 0, &m);                 /* back: all a's own */
	assert_int_equal(m.all.added, 0);
	assert_int_equal(m.all.duplicates, 4);
	fxm_merge_ok(c, b, 0, &m);                 /* on: the keys travel */
	assert_int_equal(m.all.added, 4);
	fxm_merge_ok(c, a, 0, &m);
	assert_int_equal(m.all.added, 0);
	u = fxm_row(1000, "laptop");              /* a third alike */
	fxm_put(a, &u);
	fxm_merge_ok(c, a, 0, &m);
	assert_int_equal(m.all.added, 1);
	assert_int_equal(m.all.duplicates, 4);
	fxm_merge_ok(b, c, 0, &m);
	assert_int_equal(m.all.added, 1);
	fxm_assert_same_rows(a, b);
	fxm_assert_same_rows(a, c);
	store_close(a);
	store_close(b);
	store_close(c);
}

/* The better copy wins, as on any write: a larger source copy replaces. */
static void
test_replaced(void **state)
{
	struct store *src = fxs_open(fx_ledger()), *dst = fxs_open(fx_ledger());
	struct merge_stats m;
	struct usage u = fxm_row(3, "laptop");

	(void)state;
	snprintf(u.message_id, sizeof(u.message_id), "msg_big");
	fxm_put(src, &u);
	u.tok.output = 1;
	fxm_put(dst, &u);
	fxm_merge_ok(dst, src, 0, &m);
	assert_int_equal(m.all.replaced, 1);
	assert_int_equal(m.all.added, 0);
	fxm_assert_same_rows(src, dst);
	fxm_assert_rollups_exact(dst, 1);
	fxm_merge_ok(dst, src, 0, &m);
	assert_int_equal(m.all.replaced, 0);
	assert_int_equal(m.all.duplicates, 1);
	store_close(src);
	store_close(dst);
}

static void
test_batches(void **state)
{
	struct store *src = fxs_open(fx_ledger()), *dst = fxs_open(fx_ledger());
	struct batch_intent *in = NULL;
	struct batch_counts bc;
	struct org_report orp;
	struct merge_stats m;
	struct batch_rec b;
	char err[512], **ids = NULL, **msgs = NULL;
	size_t n = 0;
	int found = 0;

	(void)state;
	seed_batches(src);
	fxm_merge_ok(dst, src, 0, &m);
	assert_int_equal(m.t[MERGE_BATCH].added, 1);
	assert_int_equal(m.t[MERGE_INTENT].added, 1);
	assert_int_equal(m.t[MERGE_RESULT].added, 2);
	assert_int_equal(m.t[MERGE_USAGE].added, 1);
	assert_int_equal(m.t[MERGE_ORG_USAGE].added, 1);
	assert_int_equal(m.t[MERGE_ORG_COST].added, 1);
	assert_int_equal(m.t[MERGE_ORG_SYNC].added, 1);
	assert_int_equal(m.all.added, 8);
	assert_int_equal(store_batch_get(dst, NULL, "msgbatch_merge1", &b, &found, err,
	    sizeof(err)), 0);
	assert_true(found);
	assert_string_equal(b.status, "ended");
	assert_string_equal(b.input_file, "/data/in.jsonl");
	assert_string_equal(b.errors, "none at all");
	assert_int_equal(b.ended_ms, T0 + 3600000);
	assert_int_equal(b.ingested, 1);
	assert_int_equal(store_batch_result_counts(dst, "msgbatch_merge1", &bc, err, sizeof(err)), 0);
	assert_int_equal(bc.succeeded, 1);
	assert_int_equal(bc.errored, 1);
	assert_int_equal(store_batch_errors(dst, "msgbatch_merge1", 10, &ids, &msgs, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(msgs[0], "invalid_request_error: bad");
	free(ids[0]);
	free(msgs[0]);
	free(ids);
	free(msgs);
	assert_int_equal(store_intent_pending(dst, &in, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(in[0].token, "tok123");
	assert_string_equal(in[0].provider, "openai");
	assert_int_equal(in[0].owner_pid, 0);    /* no process of this side owns it */
	free(in);
	assert_int_equal(store_org_report(dst, NULL, 0, 0, &orp, err, sizeof(err)), 0);
	assert_int_equal(orp.totals.tok.input, 5000);
	assert_int_equal(orp.totals.cost_nanos, 123450000);
	store_org_report_free(&orp);
	fxm_merge_ok(dst, src, 0, &m);
	assert_int_equal(m.all.added, 0);
	assert_int_equal(m.all.duplicates, 8);
	store_close(src);
	store_close(dst);
}

/* A writer on the source meanwhile: the merge reads one snapshot (the
 * rows written after it began are not half-seen), a rerun takes them. */
struct src_writer {
	const char *target;
	int         done;
};

static int
write_to_source(const struct merge_stats *m, void *arg)
{
	struct src_writer *w = arg;
	struct store *s;
	struct usage u;
	int i;

	(void)m;
	if (w->done++)
		return 0;
	s = fxs_open(w->target);
	for (i = 0; i < 30; i++) {
		u = fxm_row(9000 + i, "laptop");
		snprintf(u.request_id, sizeof(u.request_id), "req_late%d", i);
		fxm_put(s, &u);
	}
	store_close(s);
	return 0;
}

static void
test_source_writer(void **state)
{
	char path[1024], err[512];
	struct src_writer w = { path, 0 };
	struct store *src, *dst = fxs_open(fx_ledger());
	struct merge_stats m;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("merge_sw.db"));
	src = fxs_open(path);
	fxm_seed_rows(src, 0, 100, 0, "laptop");
	store_close(src);
	assert_non_null(src = merge_open_source(path, err, sizeof(err)));
	if (merge_run(dst, src, 10, write_to_source, &w, &m, err, sizeof(err)) != 0)
		fail_msg("merge: %s", err);
	assert_true(w.done > 1);
	assert_int_equal(m.total, 100);
	assert_int_equal(m.read, 100);
	assert_int_equal(m.all.added, 100);
	fxm_merge_ok(dst, src, 10, &m);
	assert_int_equal(m.all.added, 30);
	assert_int_equal(m.all.duplicates, 100);
	fxm_assert_rollups_exact(dst, 130);
	store_close(src);
	store_close(dst);
}

/* Stopped by its caller (Ctrl-C) after a group: that group is written,
 * nothing after it; a rerun completes the merge. */
static int
stop_after(const struct merge_stats *m, void *arg)
{
	return m->read >= *(int64_t *)arg;
}

static void
test_stopped(void **state)
{
	struct store *src = fxs_open(fx_ledger()), *dst = fxs_open(fx_ledger());
	struct merge_stats m;
	int64_t at = 20;
	char err[512];

	(void)state;
	fxm_seed_rows(src, 0, 50, 1, "laptop");
	assert_int_equal(merge_run(dst, src, 10, stop_after, &at, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "stopped"));
	assert_int_equal(m.read, 20);
	assert_int_equal(m.all.added, 20);
	fxm_assert_rollups_exact(dst, 20);
	fxm_merge_ok(dst, src, 10, &m);
	assert_int_equal(m.all.added, 34);
	assert_int_equal(m.all.duplicates, 20);
	fxm_assert_same_rows(src, dst);
	store_close(src);
	store_close(dst);
}

/* A row the destination refuses half-way: the groups before it are
 * written whole, nothing of its group; once the row is mended, a rerun
 * completes the merge. */
static void
test_failure_half_way(void **state)
{
	char path[1024], err[512];
	struct store *src, *dst = fxs_open(fx_ledger());
	struct merge_stats m;
	int rc;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("merge_bad.db"));
	src = fxs_open(path);
	fxm_seed_rows(src, 0, 50, 0, "laptop");
	store_close(src);
	fx_sql(path, "UPDATE usage SET model = '' WHERE request_id = 'req_33'");
	src = fxs_open(path);
	rc = merge_run(dst, src, 10, NULL, NULL, &m, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "usage row"));
	assert_non_null(strstr(err, "without model"));
	assert_int_equal(m.all.added, 30);
	fxm_assert_rollups_exact(dst, 30);
	store_close(src);
	fx_sql(path, "UPDATE usage SET model = 'claude-haiku-4-5' WHERE request_id = 'req_33'");
	src = fxs_open(path);
	fxm_merge_ok(dst, src, 10, &m);
	assert_int_equal(m.all.added, 20);
	assert_int_equal(m.all.duplicates, 30);
	fxm_assert_rollups_exact(dst, 50);
	store_close(src);
	store_close(dst);
}

static void
test_source_checks(void **state)
{
	char path[1024], err[1024];
	struct store *a, *b, *c;
	int same = -1;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("merge_same.db"));
	a = fxs_open(path);
	assert_non_null(b = merge_open_source(path, err, sizeof(err)));
	c = fxs_open(fx_ledger());
	assert_int_equal(merge_same(a, b, &same, err, sizeof(err)), 0);
	assert_int_equal(same, 1);
	assert_int_equal(merge_same(a, c, &same, err, sizeof(err)), 0);
	assert_int_equal(same, 0);
	store_close(b);
	store_close(c);
	store_close(a);
	/* an older tokentop's ledger is refused, named, and left as it was */
	fx_set_schema_version(path, 5);
	assert_null(merge_open_source(path, err, sizeof(err)));
	assert_non_null(strstr(err, "older tokentop"));
	assert_non_null(strstr(err, "never migrated"));
	fx_set_schema_version(path, 999);
	assert_null(merge_open_source(path, err, sizeof(err)));
	assert_non_null(strstr(err, "newer"));
	if (!fx_pg) {
		assert_null(merge_open_source(fx_write_file("x.txt", "hello"), err, sizeof(err)));
		assert_non_null(strstr(err, "not a tokentop ledger"));
		assert_null(merge_open_source(fx_tmpdir, err, sizeof(err)));
		assert_non_null(strstr(err, "directory"));
	}
}

static int
seed_main(const char *path)
{
	char err[512];
	struct store *s = store_open(path, err, sizeof(err));

	if (s == NULL) {
		fprintf(stderr, "seed: %s\n", err);
		return 1;
	}
	fxm_seed_rows(s, 0, 40, 1, "laptop");
	fxm_seed_rows(s, 100, 5, 0, "ci-runner");
	seed_batches(s);
	store_close(s);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_copy_exact),
		cmocka_unit_test(test_keyless),
		cmocka_unit_test(test_replaced),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_source_writer),
		cmocka_unit_test(test_stopped),
		cmocka_unit_test(test_failure_half_way),
		cmocka_unit_test(test_source_checks),
	};

	if (argc == 3 && strcmp(argv[1], "--seed") == 0)
		return seed_main(argv[2]);
	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
