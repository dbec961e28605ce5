/* test_merge.c — ledger merge (data/merge.c) on both backends: usage rows
 * with and without a dedupe key, the better copy kept, batches, intents,
 * results and organisation rows, a second run adding nothing, a ledger
 * merged back, a writer on the destination meanwhile, a failure half-way
 * completed by a rerun, sources that are no ledger. `test_merge --seed DB`
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

#define T0 1764500000000LL      /* 2025-11-30 */

static struct store *
open_at(const char *target)
{
	char err[512];
	struct store *s = store_open(target, err, sizeof(err));

	if (s == NULL)
		fail_msg("store_open %s: %s", target, err);
	return s;
}

static struct usage
row(int i, const char *host)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	u.ts_ms = T0 + (int64_t)i * 60000;
	snprintf(u.model, sizeof(u.model), "%s", i % 3 ? "claude-sonnet-4-5" : "claude-haiku-4-5");
	snprintf(u.source, sizeof(u.source), "%s", i % 2 ? "proxy" : "import");
	snprintf(u.tag, sizeof(u.tag), "%s", i % 4 ? "" : "nightly");
	snprintf(u.host, sizeof(u.host), "%s", host);
	u.tok.input = 100 + i;
	u.tok.output = 10 + i;
	u.tok.cache_read = (int64_t)i * 7;
	return u;
}

static void
put(struct store *s, const struct usage *u)
{
	char err[512];

	if (store_insert_usage(s, u, NULL, err, sizeof(err)) != 0)
		fail_msg("insert: %s", err);
}

/* n keyed rows (request ids from base) and, with keyless, four rows
 * without a key: two of them alike. */
static void
seed_rows(struct store *s, int base, int n, int keyless, const char *host)
{
	struct usage u;
	int i;

	for (i = 0; i < n; i++) {
		u = row(base + i, host);
		snprintf(u.request_id, sizeof(u.request_id), "req_%d", base + i);
		put(s, &u);
	}
	for (i = 0; keyless && i < 4; i++) {
		u = row(1000 + (i == 3 ? 0 : i), host);   /* rows 0 and 3 alike */
		put(s, &u);
	}
}

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
	u = row(7, "laptop");
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

/* ---- what a ledger holds, to compare two --------------------------------- */

struct rows {
	char   (*k)[48];
	size_t n;
};

static int
collect(const struct usage *u, void *arg)
{
	struct rows *r = arg;

	r->k = realloc(r->k, (r->n + 1) * sizeof(*r->k));
	merge_content_key(u, r->k[r->n++], sizeof(r->k[0]));
	return 0;
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Every row's content key, sorted. The caller frees r->k. */
static struct rows
contents(struct store *s)
{
	struct rows r = { NULL, 0 };
	char err[512];

	if (store_each_usage(s, 0, 0, collect, &r, err, sizeof(err)) != 0)
		fail_msg("each: %s", err);
	qsort(r.k, r.n, sizeof(*r.k), cmp_key);
	return r;
}

static void
assert_same_rows(struct store *a, struct store *b)
{
	struct rows x = contents(a), y = contents(b);
	size_t i;

	assert_int_equal(x.n, y.n);
	for (i = 0; i < x.n; i++)
		assert_string_equal(x.k[i], y.k[i]);
	free(x.k);
	free(y.k);
}

/* The rollups agree with the rows: requests and tokens of the totals, and
 * the requests of the local days of a zone whose midnight is inside a UTC
 * hour. */
static void
assert_rollups_exact(struct store *s, int64_t want_rows)
{
	struct report_query q = { .group = REPORT_MODEL };
	struct report r;
	struct rows x = contents(s);
	char err[512], *tz = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;

	free(x.k);
	assert_int_equal(x.n, want_rows);
	assert_int_equal(store_report(s, NULL, &q, &r, err, sizeof(err)), 0);
	assert_int_equal(r.totals.requests, want_rows);
	store_report_free(&r);
	setenv("TZ", "Asia/Kolkata", 1);
	q.group = REPORT_DAY;
	assert_int_equal(store_report(s, NULL, &q, &r, err, sizeof(err)), 0);
	assert_int_equal(r.totals.requests, want_rows);
	store_report_free(&r);
	if (tz != NULL)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	free(tz);
	tzset();
}

static void
merge_ok(struct store *dst, struct store *src, size_t group, struct merge_stats *m)
{
	char err[512];

	if (merge_run(dst, src, group, NULL, NULL, m, err, sizeof(err)) != 0)
		fail_msg("merge: %s", err);
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
	struct store *src = open_at(fx_ledger()), *dst = open_at(fx_ledger());
	struct merge_stats m;

	(void)state;
	seed_rows(src, 0, 30, 1, "laptop");
	seed_rows(dst, 20, 15, 0, "server");     /* rows 20..29 on both sides */
	merge_ok(dst, src, 7, &m);
	assert_int_equal(m.t[MERGE_USAGE].added, 20 + 4);
	assert_int_equal(m.t[MERGE_USAGE].duplicates, 10);
	assert_int_equal(m.all.added, 24);
	assert_int_equal(m.read, 34);
	assert_int_equal(m.total, 34);
	assert_rollups_exact(dst, 35 + 4);
	/* again: nothing new, keyless rows included */
	merge_ok(dst, src, 7, &m);
	assert_int_equal(m.all.added, 0);
	assert_int_equal(m.all.duplicates, 34);
	assert_rollups_exact(dst, 39);
	store_close(src);
	store_close(dst);
}

/* Rows keep their host, every field: a fresh ledger from a merge holds
 * exactly the source's rows and reports the same. */
static void
test_copy_exact(void **state)
{
	struct store *src = open_at(fx_ledger()), *dst = open_at(fx_ledger());
	struct merge_stats m;
	struct store_host *h = NULL;
	size_t n = 0;
	char err[512];

	(void)state;
	seed_rows(src, 0, 12, 1, "laptop");
	seed_batches(src);
	store_set_host(dst, "server");          /* the merging side's own */
	merge_ok(dst, src, 0, &m);
	assert_same_rows(src, dst);
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
	struct store *a = open_at(fx_ledger()), *b = open_at(fx_ledger()),
	    *c = open_at(fx_ledger());
	struct merge_stats m;
	struct usage u;

	(void)state;
	seed_rows(a, 0, 0, 1, "laptop");
	merge_ok(b, a, 0, &m);
	assert_int_equal(m.all.added, 4);
	merge_ok(a, b, 0, &m);                 /* back: all a's own */
	assert_int_equal(m.all.added, 0);
	assert_int_equal(m.all.duplicates, 4);
	merge_ok(c, b, 0, &m);                 /* on: the keys travel */
	assert_int_equal(m.all.added, 4);
	merge_ok(c, a, 0, &m);
	assert_int_equal(m.all.added, 0);
	u = row(1000, "laptop");              /* a third alike */
	put(a, &u);
	merge_ok(c, a, 0, &m);
	assert_int_equal(m.all.added, 1);
	assert_int_equal(m.all.duplicates, 4);
	merge_ok(b, c, 0, &m);
	assert_int_equal(m.all.added, 1);
	assert_same_rows(a, b);
	assert_same_rows(a, c);
	store_close(a);
	store_close(b);
	store_close(c);
}

/* The better copy wins, as on any write: a larger source copy replaces. */
static void
test_replaced(void **state)
{
	struct store *src = open_at(fx_ledger()), *dst = open_at(fx_ledger());
	struct merge_stats m;
	struct usage u = row(3, "laptop");

	(void)state;
	snprintf(u.message_id, sizeof(u.message_id), "msg_big");
	put(src, &u);
	u.tok.output = 1;
	put(dst, &u);
	merge_ok(dst, src, 0, &m);
	assert_int_equal(m.all.replaced, 1);
	assert_int_equal(m.all.added, 0);
	assert_same_rows(src, dst);
	assert_rollups_exact(dst, 1);
	merge_ok(dst, src, 0, &m);
	assert_int_equal(m.all.replaced, 0);
	assert_int_equal(m.all.duplicates, 1);
	store_close(src);
	store_close(dst);
}

static void
test_batches(void **state)
{
	struct store *src = open_at(fx_ledger()), *dst = open_at(fx_ledger());
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
	merge_ok(dst, src, 0, &m);
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
	merge_ok(dst, src, 0, &m);
	assert_int_equal(m.all.added, 0);
	assert_int_equal(m.all.duplicates, 8);
	store_close(src);
	store_close(dst);
}

/* A writer on the destination meanwhile (another process): every row of
 * both is there once and the rollups are exact. */
static void
test_concurrent_writer(void **state)
{
	char path[1024], err[512];
	struct store *src = open_at(fx_ledger()), *dst;
	struct merge_stats m;
	pid_t pid;
	int st, i;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("merge_cw.db"));
	dst = open_at(path);
	seed_rows(src, 0, 400, 1, "laptop");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *w = store_open(path, err, sizeof(err));

		for (i = 0; w != NULL && i < 300; i++) {
			struct usage u = row(5000 + i, "server");

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
	assert_rollups_exact(dst, 704);
	merge_ok(dst, src, 0, &m);
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
	dst = open_at(dpath);
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("merge_many.db"));
	src = open_at(path);
	seed_rows(src, 0, 300, 1, "laptop");
	store_close(src);
	seed_rows(dst, 100, 10, 0, "server");
	fx_sql(path, "UPDATE usage SET model = '' WHERE request_id = 'req_250'");
	src = open_at(path);
	assert_int_equal(merge_run(dst, src, 200, NULL, NULL, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without model"));
	assert_int_equal(m.all.added, 190);
	assert_rollups_exact(dst, 200);
	store_close(src);
	fx_sql(path, "UPDATE usage SET model = 'claude-haiku-4-5' WHERE request_id = 'req_250'");
	src = open_at(path);
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {     /* the source's own keys, from another host, committed
	                       while the merge waits on them (PostgreSQL) */
		struct store *w = store_open(dpath, err, sizeof(err));

		if (w == NULL || store_begin(w, err, sizeof(err)) != 0)
			_exit(2);
		for (i = 299; i >= 200; i--) {
			struct usage u = row(i, "server");

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
	merge_ok(dst, src, 0, &m);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_rollups_exact(dst, 304);
	merge_ok(dst, src, 0, &m);
	assert_int_equal(m.all.added, 0);
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
	s = open_at(w->target);
	for (i = 0; i < 30; i++) {
		u = row(9000 + i, "laptop");
		snprintf(u.request_id, sizeof(u.request_id), "req_late%d", i);
		put(s, &u);
	}
	store_close(s);
	return 0;
}

static void
test_source_writer(void **state)
{
	char path[1024], err[512];
	struct src_writer w = { path, 0 };
	struct store *src, *dst = open_at(fx_ledger());
	struct merge_stats m;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("merge_sw.db"));
	src = open_at(path);
	seed_rows(src, 0, 100, 0, "laptop");
	store_close(src);
	assert_non_null(src = merge_open_source(path, err, sizeof(err)));
	if (merge_run(dst, src, 10, write_to_source, &w, &m, err, sizeof(err)) != 0)
		fail_msg("merge: %s", err);
	assert_true(w.done > 1);
	assert_int_equal(m.total, 100);
	assert_int_equal(m.read, 100);
	assert_int_equal(m.all.added, 100);
	merge_ok(dst, src, 10, &m);
	assert_int_equal(m.all.added, 30);
	assert_int_equal(m.all.duplicates, 100);
	assert_rollups_exact(dst, 130);
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
	struct store *src = open_at(fx_ledger()), *dst = open_at(fx_ledger());
	struct merge_stats m;
	int64_t at = 20;
	char err[512];

	(void)state;
	seed_rows(src, 0, 50, 1, "laptop");
	assert_int_equal(merge_run(dst, src, 10, stop_after, &at, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "stopped"));
	assert_int_equal(m.read, 20);
	assert_int_equal(m.all.added, 20);
	assert_rollups_exact(dst, 20);
	merge_ok(dst, src, 10, &m);
	assert_int_equal(m.all.added, 34);
	assert_int_equal(m.all.duplicates, 20);
	assert_same_rows(src, dst);
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
	struct store *src, *dst = open_at(fx_ledger());
	struct merge_stats m;
	int rc;

	(void)state;
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("merge_bad.db"));
	src = open_at(path);
	seed_rows(src, 0, 50, 0, "laptop");
	store_close(src);
	fx_sql(path, "UPDATE usage SET model = '' WHERE request_id = 'req_33'");
	src = open_at(path);
	rc = merge_run(dst, src, 10, NULL, NULL, &m, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "usage row"));
	assert_non_null(strstr(err, "without model"));
	assert_int_equal(m.all.added, 30);
	assert_rollups_exact(dst, 30);
	store_close(src);
	fx_sql(path, "UPDATE usage SET model = 'claude-haiku-4-5' WHERE request_id = 'req_33'");
	src = open_at(path);
	merge_ok(dst, src, 10, &m);
	assert_int_equal(m.all.added, 20);
	assert_int_equal(m.all.duplicates, 30);
	assert_rollups_exact(dst, 50);
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
	a = open_at(path);
	assert_non_null(b = merge_open_source(path, err, sizeof(err)));
	c = open_at(fx_ledger());
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
	seed_rows(s, 0, 40, 1, "laptop");
	seed_rows(s, 100, 5, 0, "ci-runner");
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
		cmocka_unit_test(test_concurrent_writer),
		cmocka_unit_test(test_many_new),
		cmocka_unit_test(test_source_writer),
		cmocka_unit_test(test_stopped),
		cmocka_unit_test(test_failure_half_way),
		cmocka_unit_test(test_source_checks),
	};

	if (argc == 3 && strcmp(argv[1], "--seed") == 0)
		return seed_main(argv[2]);
	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
