/* test_poller.c — the batch poller (core/poller.c) against the API double:
 * 120 batches followed at once through faults (a cut results stream, failing
 * retrieves, a batch that does not exist) with every outcome delivered, and
 * results malformed every time given up on after a bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/batchres.h"
#include "core/poller.h"
#include "tests/lib/fx.h"

#define NB 120          /* batches followed at once */
#define PER 4           /* requests each; the last one errored (temperature 2) */

struct pstats {
	int  status, outcomes, ingested, errors, gone, unknown, error_after_download;
	int  per[NB + 1];           /* outcomes delivered per batch */
	int  recorded[NB + 1];      /* stats.recorded at INGESTED */
	char ids[NB + 1][USAGE_ID_MAX];
	int  succeeded, errored;
};

static int
batch_index(struct pstats *ps, const char *id)
{
	int i;

	for (i = 0; i <= NB; i++)
		if (strcmp(ps->ids[i], id) == 0)
			return i;
	return -1;
}

static int
on_event(void *arg, const struct batch_event *ev, char *err, size_t errlen)
{
	struct pstats *ps = arg;
	int i = batch_index(ps, ev->batch_id);

	(void)err;
	(void)errlen;
	assert_true(i >= 0);
	switch (ev->kind) {
	case BATCH_EV_STATUS:
		assert_non_null(ev->batch);
		ps->status++;
		break;
	case BATCH_EV_OUTCOME:
		ps->outcomes++;
		ps->per[i]++;
		if (strcmp(ev->outcome->type, "succeeded") == 0) {
			/* a batch row of this batch, billed at the batch rate */
			assert_string_equal(ev->outcome->u.batch_id, ev->batch_id);
			assert_true(usage_is_batch(&ev->outcome->u));
			assert_true(ev->outcome->u.tok.output > 0);
		}
		break;
	case BATCH_EV_INGESTED:
		ps->ingested++;
		ps->recorded[i] = (int)ev->stats->recorded;
		ps->succeeded += (int)ev->stats->succeeded;
		ps->errored += (int)ev->stats->errored;
		assert_int_equal(access(ev->results_file, R_OK), 0);
		break;
	case BATCH_EV_ERROR:
		ps->errors++;
		ps->error_after_download += ev->stats != NULL;
		break;
	case BATCH_EV_GONE:
		ps->gone++;
		ps->unknown += ev->unknown;
		break;
	}
	return 0;
}

static json_t *
batch_body(int k)
{
	json_t *reqs = json_array();
	char id[32], text[64];
	int i;

	for (i = 0; i < PER; i++) {
		json_t *params;

		snprintf(id, sizeof(id), "b%d-r%d", k, i);
		snprintf(text, sizeof(text), "question %d of batch %d", i, k);
		params = json_pack("{s:s,s:i,s:[{s:s,s:s}]}", "model", "claude-haiku-4-5",
		    "max_tokens", 16, "messages", "role", "user", "content", text);
		if (i == PER - 1)
			json_object_set_new(params, "temperature", json_integer(2));
		json_array_append_new(reqs, json_pack("{s:s,s:o}", "custom_id", id,
		    "params", params));
	}
	return json_pack("{s:o}", "requests", reqs);
}

/* The double on a fast clock (a batch ends 60 ms after creation) and a
 * client for it with the default retries; the caller frees both. */
static struct http_multi *
start_double(struct fakeapi *fa)
{
	const char *args[] = { "--time-scale", "1000", "--batch-seconds", "60", NULL };
	struct config cfg;
	struct http_multi *m;
	char err[256];

	if (fakeapi_start(fa, args) != 0)
		fail_msg("could not start the double");
	fakeapi_config(fa, &cfg);
	m = http_multi_new(&cfg, err, sizeof(err));
	if (m == NULL)
		fail_msg("http_multi_new: %s", err);
	return m;
}

static void
test_poller(void **state)
{
	static struct pstats ps;
	struct fakeapi fa;
	struct http_multi *m;
	struct http_error herr;
	struct api_batch b;
	struct batch_poller *p;
	char err[256], dir[300];
	int k, spins;
	json_t *body;

	(void)state;
	memset(&ps, 0, sizeof(ps));
	m = start_double(&fa);
	for (k = 0; k < NB; k++) {
		body = batch_body(k);
		if (api_batch_create(m, body, &b, &herr) != 0)
			fail_msg("create %d: %s", k, herr.message);
		json_decref(body);
		usage_strlcpy(ps.ids[k], b.id, sizeof(ps.ids[k]));
	}
	usage_strlcpy(ps.ids[NB], "msgbatch_nosuchbatch", sizeof(ps.ids[NB]));
	/* one results stream cut halfway, three retrieves failing every attempt */
	assert_int_equal(fakeapi_fault(&fa, "{\"path\":\"/v1/messages/batches\","
	    "\"cut_results\":true,\"count\":1}"), 0);
	assert_int_equal(fakeapi_fault(&fa, "{\"path\":\"/v1/messages/batches/\","
	    "\"method\":\"GET\",\"status\":500,\"retry_after_ms\":\"5\",\"count\":3}"), 0);
	snprintf(dir, sizeof(dir), "%s/presults", fx_tmpdir);
	p = batch_poller_new(m, dir, 50, on_event, &ps);
	assert_non_null(p);
	batch_poller_set_concurrency(p, 16);
	for (k = 0; k <= NB; k++)
		assert_int_equal(batch_poller_add(p, ps.ids[k], "t", err, sizeof(err)), 0);
	assert_int_equal(batch_poller_add(p, ps.ids[0], "t", err, sizeof(err)), 0); /* no twin */
	assert_int_equal(batch_poller_remaining(p), NB + 1);
	/* the loop of `batch watch`, bounded so a stuck poller fails instead of hanging */
	for (spins = 0; spins < 100000; spins++) {
		int64_t now, next;

		http_multi_perform(m);
		now = fx_now_ms();
		if (batch_poller_step(p, now) == 0)
			break;
		next = batch_poller_next_ms(p);
		http_multi_wait(m, NULL, 0, next == INT64_MAX ? 100 : (int)(next > now ?
		    (next - now > 100 ? 100 : next - now) : 0));
	}
	assert_int_equal(batch_poller_remaining(p), 0);
	assert_int_equal(ps.ingested, NB);
	assert_int_equal(ps.gone, 1);
	assert_int_equal(ps.succeeded, NB * (PER - 1));
	assert_int_equal(ps.errored, NB);
	assert_true(ps.errors >= 1);                   /* the cut stream (the 500s are retried) */
	assert_int_equal(ps.error_after_download, 1);  /* only the cut one */
	/* every batch recorded each outcome; the cut one saw some lines twice */
	{
		int twice = 0;

		for (k = 0; k < NB; k++) {
			assert_int_equal(ps.recorded[k], PER);
			assert_true(ps.per[k] >= PER);
			twice += ps.per[k] > PER;
		}
		assert_int_equal(twice, 1);
	}
	assert_int_equal(ps.outcomes, NB * PER + PER / 2);
	assert_int_equal(ps.status >= NB, 1);
	batch_poller_free(p);
	batch_poller_free(NULL);
	http_multi_free(m);
	fakeapi_stop(&fa);
}

/* Results that come back malformed every time: the poller stops after
 * BATCH_POLLER_MAX_INCOMPLETE downloads instead of looping for ever. */
static void
test_poller_gives_up(void **state)
{
	static struct pstats ps;
	struct fakeapi fa;
	struct http_multi *m;
	struct http_error herr;
	struct api_batch b;
	struct batch_poller *p;
	char err[256], fault[512];
	int spins;
	json_t *body;

	(void)state;
	memset(&ps, 0, sizeof(ps));
	m = start_double(&fa);
	body = batch_body(0);
	assert_int_equal(api_batch_create(m, body, &b, &herr), 0);
	json_decref(body);
	usage_strlcpy(ps.ids[0], b.id, sizeof(ps.ids[0]));
	snprintf(fault, sizeof(fault), "{\"path\":\"/v1/messages/batches/%s/results\","
	    "\"malformed\":true,\"count\":100}", b.id);
	assert_int_equal(fakeapi_fault(&fa, fault), 0);
	p = batch_poller_new(m, NULL, 10, on_event, &ps);
	assert_non_null(p);
	assert_int_equal(batch_poller_add(p, b.id, NULL, err, sizeof(err)), 0);
	for (spins = 0; spins < 100000 && batch_poller_step(p, fx_now_ms()) > 0; spins++) {
		http_multi_perform(m);
		http_multi_wait(m, NULL, 0, 10);
	}
	assert_int_equal(batch_poller_remaining(p), 0);
	assert_int_equal(ps.gone, 1);
	assert_int_equal(ps.unknown, 0);       /* the batch is there; its results are not */
	assert_int_equal(ps.ingested, 0);
	assert_int_equal(ps.error_after_download, BATCH_POLLER_MAX_INCOMPLETE - 1);
	batch_poller_free(p);
	http_multi_free(m);
	fakeapi_stop(&fa);
}

/* An id no URL can hold, and one the API answers 404 or 400: each is dropped
 * at once as unknown, never retried (batch watch/results exit 2 on it). */
static void
test_poller_unknown_ids(void **state)
{
	static struct pstats ps;
	struct fakeapi fa;
	struct http_multi *m;
	struct batch_poller *p;
	char err[256];
	int spins, k;

	(void)state;
	memset(&ps, 0, sizeof(ps));
	m = start_double(&fa);
	usage_strlcpy(ps.ids[0], "bad/id", sizeof(ps.ids[0]));
	usage_strlcpy(ps.ids[1], "msgbatch_01NoSuchBatch", sizeof(ps.ids[1]));
	usage_strlcpy(ps.ids[2], "msgbatch_01Refused", sizeof(ps.ids[2]));
	assert_int_equal(fakeapi_fault(&fa, "{\"path\":\"/v1/messages/batches/msgbatch_01Refused\","
	    "\"method\":\"GET\",\"status\":400,\"error_type\":\"invalid_request_error\","
	    "\"count\":100}"), 0);
	p = batch_poller_new(m, NULL, 10, on_event, &ps);
	assert_non_null(p);
	for (k = 0; k < 3; k++)
		assert_int_equal(batch_poller_add(p, ps.ids[k], NULL, err, sizeof(err)), 0);
	for (spins = 0; spins < 100000 && batch_poller_step(p, fx_now_ms()) > 0; spins++) {
		http_multi_perform(m);
		http_multi_wait(m, NULL, 0, 10);
	}
	assert_int_equal(batch_poller_remaining(p), 0);
	assert_int_equal(ps.gone, 3);
	assert_int_equal(ps.unknown, 3);
	assert_int_equal(ps.errors, 0);          /* not one retry */
	batch_poller_free(p);
	http_multi_free(m);
	fakeapi_stop(&fa);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poller),
		cmocka_unit_test(test_poller_gives_up),
		cmocka_unit_test(test_poller_unknown_ids),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
