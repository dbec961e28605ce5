/* test_batches.c — batch rows, list order, results recorded exactly once,
 * the actual cost of a batch's rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "data/store.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

static const char prices_json[] =
	"{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	"{\"id\":\"claude-haiku-4-5\",\"aliases\":[],"
	" \"input\":\"1\",\"write_5m\":\"1.25\",\"write_1h\":\"2\",\"cache_read\":\"0.10\",\"output\":\"5\"}"
	"]}";

struct fx {
	struct store   *s;
	struct pricing *p;
};

static int
setup(void **state)
{
	char err[512];
	struct fx *f = calloc(1, sizeof(*f));

	f->p = pricing_parse(prices_json, "test", err, sizeof(err));
	f->s = store_open(fx_ledger(), err, sizeof(err));
	if (f->p == NULL || f->s == NULL)
		fail_msg("setup: %s", err);
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

static struct batch_rec
rec(const char *id, const char *status, int64_t created, int64_t ended, int ingested)
{
	struct batch_rec b;

	memset(&b, 0, sizeof(b));
	usage_strlcpy(b.id, id, sizeof(b.id));
	usage_strlcpy(b.status, status, sizeof(b.status));
	usage_strlcpy(b.provider, "anthropic", sizeof(b.provider));   /* as the ledger reads it */
	b.created_ms = created;
	b.ended_ms = ended;
	b.ingested = ingested;
	return b;
}

static void
bput(struct fx *f, const struct batch_rec *b)
{
	char err[512];

	if (store_batch_put(f->s, b, err, sizeof(err)) != 0)
		fail_msg("batch put: %s", err);
}

static void
test_put_get_merge(void **state)
{
	struct fx *f = *state;
	struct batch_rec b = rec("msgbatch_1", "in_progress", 1000, 0, 0), got, upd;
	char err[512];
	int found = -1;

	usage_strlcpy(b.input_file, "/tmp/in.jsonl", sizeof(b.input_file));
	usage_strlcpy(b.models, "claude-haiku-4-5", sizeof(b.models));
	usage_strlcpy(b.tag, "nightly", sizeof(b.tag));
	b.requests = 3;
	b.est_low_nanos = 10;
	b.est_high_nanos = 20;
	b.expires_ms = 86401000;
	b.counts.processing = 3;
	bput(f, &b);
	assert_int_equal(store_batch_get(f->s, f->p, "msgbatch_1", &got, &found, err,
	    sizeof(err)), 0);
	assert_int_equal(found, 1);
	assert_memory_equal(&got, &b, sizeof(b));
	/* the poller's view: status, counts, end; nothing else is erased */
	upd = rec("msgbatch_1", "ended", 0, 5000, 0);
	usage_strlcpy(upd.results_url, "http://127.0.0.1/r", sizeof(upd.results_url));
	upd.counts.succeeded = 2;
	upd.counts.errored = 1;
	bput(f, &upd);
	assert_int_equal(store_batch_get(f->s, f->p, "msgbatch_1", &got, &found, err,
	    sizeof(err)), 0);
	assert_string_equal(got.status, "ended");
	assert_string_equal(got.input_file, "/tmp/in.jsonl");
	assert_string_equal(got.tag, "nightly");
	assert_int_equal(got.requests, 3);
	assert_int_equal(got.created_ms, 1000);
	assert_int_equal(got.ended_ms, 5000);
	assert_int_equal(got.counts.processing, 0);
	assert_int_equal(got.counts.succeeded, 2);
	assert_int_equal(got.est_high_nanos, 20);
	assert_int_equal(store_batch_set_ingested(f->s, "msgbatch_1", "/tmp/r.jsonl", err,
	    sizeof(err)), 0);
	bput(f, &upd);    /* a late put does not un-ingest it */
	assert_int_equal(store_batch_get(f->s, f->p, "msgbatch_1", &got, &found, err,
	    sizeof(err)), 0);
	assert_int_equal(got.ingested, 1);
	assert_string_equal(got.results_file, "/tmp/r.jsonl");
	assert_int_equal(store_batch_get(f->s, f->p, "nope", &got, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 0);
	assert_int_equal(store_batch_set_ingested(f->s, "nope", "", err, sizeof(err)), -1);
}

static void
test_list_order(void **state)
{
	struct fx *f = *state;
	struct batch_rec b, *list;
	char err[512];
	size_t n;

	b = rec("old_done", "ended", 100, 200, 1);
	bput(f, &b);
	b = rec("new_done", "ended", 300, 400, 1);
	bput(f, &b);
	b = rec("mid_done", "ended", 150, 350, 1);
	bput(f, &b);
	b = rec("running_old", "in_progress", 50, 0, 0);
	bput(f, &b);
	b = rec("running_new", "in_progress", 500, 0, 0);
	bput(f, &b);
	b = rec("ended_not_ingested", "ended", 60, 600, 0);
	bput(f, &b);
	assert_int_equal(store_batch_list(f->s, f->p, 2, &list, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 5);
	assert_string_equal(list[0].id, "running_new");
	assert_string_equal(list[1].id, "ended_not_ingested");
	assert_string_equal(list[2].id, "running_old");
	assert_string_equal(list[3].id, "new_done");
	assert_string_equal(list[4].id, "mid_done");
	free(list);
	assert_int_equal(store_batch_list(f->s, f->p, -1, &list, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 6);
	assert_string_equal(list[5].id, "old_done");
	free(list);
	assert_int_equal(store_batch_list(f->s, f->p, 0, &list, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	free(list);
}

static struct usage
result_row(const char *batch, const char *custom, const char *msg, int64_t in, int64_t out)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	u.ts_ms = 1000;
	usage_strlcpy(u.model, "claude-haiku-4-5", sizeof(u.model));
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	usage_strlcpy(u.service_tier, "batch", sizeof(u.service_tier));
	usage_strlcpy(u.batch_id, batch, sizeof(u.batch_id));
	usage_strlcpy(u.custom_id, custom, sizeof(u.custom_id));
	usage_strlcpy(u.message_id, msg, sizeof(u.message_id));
	u.tok.input = in;
	u.tok.output = out;
	return u;
}

/* Each custom_id's outcome is recorded once, its usage row with it; a
 * second pass over the same results (a resumed watcher) adds nothing. */
static void
test_results_once(void **state)
{
	struct fx *f = *state;
	struct batch_rec b = rec("mb_1", "ended", 10, 20, 0), got;
	struct batch_counts c;
	struct usage u1 = result_row("mb_1", "a", "msg_a", 1000, 100);
	struct usage u2 = result_row("mb_1", "b", "msg_b", 2000, 200);
	char err[512], **ids, **msgs;
	int pass, dup, found;
	int64_t n;
	size_t ne, i;

	bput(f, &b);
	for (pass = 0; pass < 2; pass++) {
		assert_int_equal(store_batch_result(f->s, "mb_1", "a", "succeeded", NULL, &u1, &dup,
		    err, sizeof(err)), 0);
		assert_int_equal(dup, pass);
		assert_int_equal(store_batch_result(f->s, "mb_1", "b", "succeeded", NULL, &u2, &dup,
		    err, sizeof(err)), 0);
		assert_int_equal(dup, pass);
		assert_int_equal(store_batch_result(f->s, "mb_1", "c", "errored",
		    "invalid_request_error: max_tokens: too big", NULL, &dup, err, sizeof(err)), 0);
		assert_int_equal(dup, pass);
		assert_int_equal(store_batch_result(f->s, "mb_1", "d", "expired", NULL, NULL, &dup,
		    err, sizeof(err)), 0);
		assert_int_equal(store_batch_result(f->s, "mb_1", "e", "canceled", NULL, NULL, &dup,
		    err, sizeof(err)), 0);
		assert_int_equal(store_batch_result(f->s, "mb_1", "f", "errored", "second", NULL,
		    &dup, err, sizeof(err)), 0);
	}
	/* inside an explicit transaction too */
	assert_int_equal(store_begin(f->s, err, sizeof(err)), 0);
	assert_int_equal(store_batch_result(f->s, "mb_1", "a", "succeeded", NULL, &u1, &dup,
	    err, sizeof(err)), 0);
	assert_int_equal(dup, 1);
	assert_int_equal(store_commit(f->s, err, sizeof(err)), 0);
	assert_int_equal(store_count_usage(f->s, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_batch_result_counts(f->s, "mb_1", &c, err, sizeof(err)), 0);
	assert_int_equal(c.succeeded, 2);
	assert_int_equal(c.errored, 2);
	assert_int_equal(c.expired, 1);
	assert_int_equal(c.canceled, 1);
	assert_int_equal(c.processing, 0);
	assert_int_equal(store_batch_errors(f->s, "mb_1", 10, &ids, &msgs, &ne, err,
	    sizeof(err)), 0);
	assert_int_equal(ne, 2);
	assert_string_equal(ids[0], "c");
	assert_string_equal(msgs[0], "invalid_request_error: max_tokens: too big");
	assert_string_equal(ids[1], "f");
	for (i = 0; i < ne; i++) {
		free(ids[i]);
		free(msgs[i]);
	}
	free(ids);
	free(msgs);
	assert_int_equal(store_batch_errors(f->s, "mb_1", 1, &ids, &msgs, &ne, err,
	    sizeof(err)), 0);
	assert_int_equal(ne, 1);
	free(ids[0]);
	free(msgs[0]);
	free(ids);
	free(msgs);
	/* actual cost at the batch rate: (3,000×1,000 + 300×5,000) / 2 */
	assert_int_equal(store_batch_get(f->s, f->p, "mb_1", &got, &found, err, sizeof(err)), 0);
	assert_int_equal(got.actual_nanos, 2250000);
	/* a larger copy of a's message replaces it: the batch sums follow */
	u1.tok.output = 300;
	assert_int_equal(store_insert_usage(f->s, &u1, NULL, err, sizeof(err)), 0);
	assert_int_equal(store_batch_get(f->s, f->p, "mb_1", &got, &found, err, sizeof(err)), 0);
	assert_int_equal(got.actual_nanos, 2250000 + 200 * 5000 / 2);
	assert_int_equal(store_batch_result(f->s, "", "a", "succeeded", NULL, NULL, &dup,
	    err, sizeof(err)), -1);
	/* a usage row that cannot be stored leaves no outcome behind either, so
	 * a retry can record it */
	{
		struct usage bad = result_row("mb_1", "g", "msg_g", -1, 1);

		assert_int_equal(store_batch_result(f->s, "mb_1", "g", "succeeded", NULL, &bad,
		    &dup, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "input_tokens: -1: not a token count"));
		bad.tok.input = 1;
		assert_int_equal(store_batch_result(f->s, "mb_1", "g", "succeeded", NULL, &bad,
		    &dup, err, sizeof(err)), 0);
		assert_int_equal(dup, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_results_once, setup, teardown),
	};

	return FX_RUN_BACKENDS(tests, NULL, NULL);
}
