/* test_api_batch.c — the Message Batches client (core/api_batch.c) against
 * the test double: create, results (by URL and id, line by line, stopped
 * early, cut halfway), the key kept to its host, cancel, list paging, delete. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/api.h"
#include "tests/lib/fx.h"

static json_t *
batch_body(int n, int bad)
{
	json_t *reqs = json_array(), *p;
	char id[32], prompt[64];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "req-%d", i);
		snprintf(prompt, sizeof(prompt), "batch prompt %d", i);
		p = fx_body(i < bad ? "claude-no-such-model" : "claude-haiku-4-5", prompt, 0, NULL);
		json_array_append_new(reqs, json_pack("{s:s, s:o}", "custom_id", id, "params", p));
	}
	return json_pack("{s:o}", "requests", reqs);
}

struct lines {
	int64_t n;
	int64_t succeeded, errored;
	int     stop_after;
};

static int
count_line(void *arg, const char *line, size_t len)
{
	struct lines *l = arg;
	json_t *j = json_loadb(line, len, 0, NULL);
	const char *type;

	assert_non_null(j);
	type = json_string_value(json_object_get(json_object_get(j, "result"), "type"));
	if (type != NULL && strcmp(type, "succeeded") == 0)
		l->succeeded++;
	if (type != NULL && strcmp(type, "errored") == 0)
		l->errored++;
	json_decref(j);
	l->n++;
	return l->stop_after > 0 && l->n >= l->stop_after;
}

static void
test_batches(void **state)
{
	struct config c;
	struct http_multi *m;
	struct http_error e;
	struct api_batch b, b2, *list = NULL;
	struct lines l;
	json_t *body = batch_body(5, 1);
	char last[USAGE_ID_MAX], url[600];
	size_t n;
	int more;
	int64_t lines;

	(void)state;
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);

	assert_int_equal(api_batch_create(m, body, &b, &e), 0);
	assert_true(strncmp(b.id, "msgbatch_", 9) == 0);
	assert_string_equal(b.processing_status, "in_progress");
	assert_int_equal(b.processing, 5);
	assert_int_equal(b.succeeded + b.errored + b.canceled + b.expired, 0);
	assert_true(b.created_ms > 0 && b.expires_ms > b.created_ms);
	assert_string_equal(b.results_url, "");

	/* not ended: results are 404, delete is refused */
	assert_int_equal(api_batch_results(m, b.id, count_line, &l, NULL, &e), -1);
	assert_int_equal(e.status, 404);
	assert_int_equal(api_batch_delete(m, b.id, &e), -1);
	assert_int_equal(e.status, 400);

	assert_int_equal(fakeapi_advance(&fx_fa, 61), 0);
	assert_int_equal(api_batch_get(m, b.id, &b2, &e), 0);
	assert_string_equal(b2.processing_status, "ended");
	assert_int_equal(b2.succeeded, 4);
	assert_int_equal(b2.errored, 1);
	assert_int_equal(b2.processing, 0);
	assert_true(b2.ended_ms >= b2.created_ms);
	assert_true(strncmp(b2.results_url, fx_fa.base, strlen(fx_fa.base)) == 0);

	/* results by URL and by id, line by line */
	memset(&l, 0, sizeof(l));
	assert_int_equal(api_batch_results(m, b2.results_url, count_line, &l, &lines, &e), 0);
	assert_int_equal(lines, 5);
	assert_int_equal(l.succeeded, 4);
	assert_int_equal(l.errored, 1);
	memset(&l, 0, sizeof(l));
	assert_int_equal(api_batch_results(m, b.id, count_line, &l, &lines, &e), 0);
	assert_int_equal(l.n, 5);

	/* the consumer may stop early: not an error */
	memset(&l, 0, sizeof(l));
	l.stop_after = 2;
	assert_int_equal(api_batch_results(m, b.id, count_line, &l, &lines, &e), 0);
	assert_int_equal(l.n, 2);

	/* a download cut halfway fails, after delivering only whole lines */
	assert_int_equal(fakeapi_fault(&fx_fa, "{\"path\":\"/v1/messages/batches\",\"cut_results\":true}"), 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(api_batch_results(m, b.id, count_line, &l, &lines, &e), -1);
	assert_true(l.n < 5);
	assert_int_equal(lines, l.n);
	assert_int_equal(e.attempts, 1);     /* lines were consumed: never re-sent */

	/* the key goes to no other host */
	snprintf(url, sizeof(url), "https://elsewhere.example/v1/messages/batches/%s/results", b.id);
	assert_int_equal(api_batch_results(m, url, count_line, &l, NULL, &e), -1);
	assert_string_equal(e.type, "insecure_url");
	assert_int_equal(api_batch_results(m, "../../etc", count_line, &l, NULL, &e), -1);
	assert_string_equal(e.type, "config_error");

	/* cancel a fresh batch */
	assert_int_equal(api_batch_create(m, body, &b2, &e), 0);
	assert_int_equal(api_batch_cancel(m, b2.id, &b2, &e), 0);
	assert_string_equal(b2.processing_status, "canceling");
	assert_true(b2.cancel_ms > 0);

	/* list: newest first, paged with after_id */
	assert_int_equal(api_batch_create(m, body, &b2, &e), 0);
	assert_int_equal(api_batch_list_page(m, 2, NULL, &list, &n, &more, last, &e), 0);
	assert_int_equal(n, 2);
	assert_true(more);
	assert_string_equal(list[0].id, b2.id);
	assert_string_equal(last, list[1].id);
	free(list);
	assert_int_equal(api_batch_list_page(m, 2, last, &list, &n, &more, last, &e), 0);
	assert_int_equal(n, 1);
	assert_false(more);
	assert_string_equal(list[0].id, b.id);
	free(list);
	assert_int_equal(api_batch_list_all(m, &list, &n, &e), 0);
	assert_int_equal(n, 3);
	free(list);

	/* delete the ended one; then it is gone */
	assert_int_equal(api_batch_delete(m, b.id, &e), 0);
	assert_int_equal(api_batch_get(m, b.id, &b2, &e), -1);
	assert_int_equal(e.status, 404);
	assert_string_equal(e.type, "not_found_error");
	assert_int_equal(api_batch_get(m, "bad/id", &b2, &e), -1);
	assert_string_equal(e.type, "config_error");

	json_decref(body);
	http_multi_free(m);
}

/* A batch object whose request counts no batch can have is an invalid
 * response, named with the field and value (the console sums them). */
static void
test_impossible_counts(void **state)
{
	json_t *o = json_loads("{\"id\":\"msgbatch_1\",\"type\":\"message_batch\","
	    "\"processing_status\":\"ended\",\"request_counts\":{\"processing\":0,"
	    "\"succeeded\":9223372036854775807,\"errored\":9223372036854775807}}", 0, NULL);
	struct api_batch b;
	struct http_error e;

	(void)state;
	assert_non_null(o);
	assert_int_equal(api_batch_from_json(o, &b, &e), -1);
	assert_string_equal(e.type, "invalid_response");
	assert_string_equal(e.message, "request_counts.succeeded: 9223372036854775807: "
	    "not a count (0..1000000000000)");
	json_object_set_new(json_object_get(o, "request_counts"), "succeeded", json_integer(-2));
	assert_int_equal(api_batch_from_json(o, &b, &e), -1);
	json_object_set_new(json_object_get(o, "request_counts"), "succeeded", json_integer(3));
	json_object_set_new(json_object_get(o, "request_counts"), "errored", json_integer(1));
	assert_int_equal(api_batch_from_json(o, &b, &e), 0);
	assert_int_equal(b.succeeded, 3);
	json_decref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impossible_counts),
		cmocka_unit_test_setup(test_batches, fx_fakeapi_reset),
	};

	return cmocka_run_group_tests(tests, fx_fakeapi_start, fx_fakeapi_stop);
}
