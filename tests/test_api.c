/* test_api.c — the API client (core/api.c) against the test double
 * (tests/fakeapi) on loopback: prompt caching, every fault with its attempts,
 * no retry on client errors, auth styles, the key kept out of errors, the
 * async loop beside another descriptor. Streaming: test_api_stream.c;
 * Message Batches: test_api_batch.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/api.h"
#include "tests/lib/fx.h"

/* ---- prompt caching ------------------------------------------------------ */

static void
test_cached_sequence(void **state)
{
	struct config c;
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;
	json_t *b = fx_body("claude-sonnet-4-5", "hello", 8000, "5m");
	int64_t counted = 0;
	char first_msg[USAGE_ID_MAX], first_req[USAGE_ID_MAX];

	(void)state;
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);

	/* 8000 bytes = 2000 tokens of cached prefix; "hello" 2 + 3 per message */
	assert_int_equal(api_count_tokens(m, b, &counted, &e), 0);
	assert_int_equal(counted, 2005);

	assert_int_equal(api_messages(m, b, 0, NULL, NULL, &msg, &e), 0);
	assert_int_equal(msg.usage.tok.write_5m, 2000);
	assert_int_equal(msg.usage.tok.write_1h, 0);
	assert_int_equal(msg.usage.tok.cache_read, 0);
	assert_int_equal(msg.usage.tok.input, 5);
	assert_true(msg.usage.tok.output > 0);
	assert_true(strncmp(msg.usage.model, "claude-sonnet-4-5", 17) == 0);
	assert_true(strncmp(msg.usage.request_id, "req_", 4) == 0);
	assert_true(strncmp(msg.usage.message_id, "msg_", 4) == 0);
	assert_string_equal(msg.usage.stop_reason, "end_turn");
	assert_non_null(strstr(msg.text, "echo: hello"));
	assert_int_equal(msg.attempts, 1);
	snprintf(first_msg, sizeof(first_msg), "%s", msg.usage.message_id);
	snprintf(first_req, sizeof(first_req), "%s", msg.usage.request_id);
	api_message_done(&msg);

	/* within the TTL: a read, and new ids (a new call, a new ledger row) */
	assert_int_equal(api_messages(m, b, 0, NULL, NULL, &msg, &e), 0);
	assert_int_equal(msg.usage.tok.write_5m, 0);
	assert_int_equal(msg.usage.tok.cache_read, 2000);
	assert_int_equal(msg.usage.tok.input, 5);
	assert_string_not_equal(msg.usage.message_id, first_msg);
	assert_string_not_equal(msg.usage.request_id, first_req);
	api_message_done(&msg);

	/* past the 5-minute TTL on the double's clock: written again */
	assert_int_equal(fakeapi_advance(&fx_fa, 301), 0);
	assert_int_equal(api_messages(m, b, 0, NULL, NULL, &msg, &e), 0);
	assert_int_equal(msg.usage.tok.write_5m, 2000);
	assert_int_equal(msg.usage.tok.cache_read, 0);
	api_message_done(&msg);

	/* a 1h breakpoint lands in the 1h bucket */
	json_decref(b);
	b = fx_body("claude-sonnet-4-5", "hello", 6000, "1h");
	assert_int_equal(api_messages(m, b, 0, NULL, NULL, &msg, &e), 0);
	assert_int_equal(msg.usage.tok.write_1h, 1500);
	assert_int_equal(msg.usage.tok.write_5m, 0);
	api_message_done(&msg);

	/* below the model's minimum (1024 for Sonnet 4.5): silently not cached */
	json_decref(b);
	b = fx_body("claude-sonnet-4-5", "hello", 2000, "5m");
	assert_int_equal(api_messages(m, b, 0, NULL, NULL, &msg, &e), 0);
	assert_int_equal(msg.usage.tok.write_5m + msg.usage.tok.cache_read, 0);
	assert_int_equal(msg.usage.tok.input, 505);
	api_message_done(&msg);

	json_decref(b);
	http_multi_free(m);
}

/* ---- faults and retries -------------------------------------------------- */

/* One plain call with a fault queued; returns rc, fills msg/e. */
static int
call_with_fault(struct http_multi *m, const char *fault, struct api_message *msg,
                struct http_error *e)
{
	json_t *b = fx_body("claude-haiku-4-5", "fault test", 0, NULL);
	int rc;

	memset(e, 0, sizeof(*e));
	if (fault != NULL)
		assert_int_equal(fakeapi_fault(&fx_fa, fault), 0);
	rc = api_messages(m, b, 0, NULL, NULL, msg, e);
	json_decref(b);
	return rc;
}

static void
test_retry_after_429(void **state)
{
	struct config c;
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;
	int64_t t0, waited;

	(void)state;
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);
	t0 = fx_now_ms();
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"status\":429,"
	                                    "\"retry_after\":\"1\"}", &msg, &e), 0);
	waited = fx_now_ms() - t0;
	assert_int_equal(msg.attempts, 2);
	assert_true(waited >= 1000);      /* it honoured retry-after, not the 0.4 s backoff */
	assert_int_equal(fakeapi_requests(&fx_fa, "POST /v1/messages"), 2);
	api_message_done(&msg);

	/* retry-after-ms */
	assert_int_equal(fakeapi_reset(&fx_fa), 0);
	t0 = fx_now_ms();
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"status\":429,"
	                                    "\"retry_after_ms\":\"50\"}", &msg, &e), 0);
	assert_int_equal(msg.attempts, 2);
	api_message_done(&msg);
	http_multi_free(m);
}

static void
test_retry_statuses(void **state)
{
	static const int statuses[] = { 529, 500, 408, 409, 503 };
	struct config c;
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;
	char fault[256];
	size_t i;

	(void)state;
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		assert_int_equal(fakeapi_reset(&fx_fa), 0);
		snprintf(fault, sizeof(fault), "{\"path\":\"/v1/messages\",\"status\":%d}", statuses[i]);
		if (call_with_fault(m, fault, &msg, &e) != 0)
			fail_msg("status %d: %s %s", statuses[i], e.type, e.message);
		assert_int_equal(msg.attempts, 2);
		assert_int_equal(fakeapi_requests(&fx_fa, "POST /v1/messages"), 2);
		api_message_done(&msg);
	}

	/* three 529s in a row: the budget (2 retries) runs out */
	assert_int_equal(fakeapi_reset(&fx_fa), 0);
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"status\":529,\"count\":3}",
	                                 &msg, &e), -1);
	assert_int_equal(e.status, 529);
	assert_string_equal(e.type, "overloaded_error");
	assert_int_equal(e.attempts, 3);
	assert_true(strncmp(e.request_id, "req_", 4) == 0);
	assert_int_equal(fakeapi_requests(&fx_fa, "POST /v1/messages"), 3);
	api_message_done(&msg);

	/* a configured budget of 0 retries */
	assert_int_equal(fakeapi_reset(&fx_fa), 0);
	http_multi_set_retries(m, 0);
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"status\":500}", &msg, &e), -1);
	assert_int_equal(e.attempts, 1);
	assert_string_equal(e.type, "api_error");
	api_message_done(&msg);
	http_multi_free(m);
}

static void
test_should_retry_header(void **state)
{
	struct config c;
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;

	(void)state;
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"status\":429,"
	                                    "\"should_retry\":\"false\"}", &msg, &e), -1);
	assert_int_equal(e.status, 429);
	assert_string_equal(e.type, "rate_limit_error");
	assert_int_equal(e.attempts, 1);
	assert_int_equal(fakeapi_requests(&fx_fa, "POST /v1/messages"), 1);
	api_message_done(&msg);

	/* x-should-retry: true makes even a 400 retried */
	assert_int_equal(fakeapi_reset(&fx_fa), 0);
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"status\":400,"
	                                    "\"should_retry\":\"true\"}", &msg, &e), 0);
	assert_int_equal(msg.attempts, 2);
	api_message_done(&msg);
	http_multi_free(m);
}

static void
test_no_retry_client_errors(void **state)
{
	static const struct {
		int         status;
		const char *type;
	} cases[] = {
		{ 400, "invalid_request_error" }, { 401, "authentication_error" },
		{ 403, "permission_error" }, { 404, "not_found_error" },
		{ 413, "request_too_large" },
	};
	struct config c;
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;
	char fault[256];
	size_t i;

	(void)state;
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(fakeapi_reset(&fx_fa), 0);
		snprintf(fault, sizeof(fault), "{\"path\":\"/v1/messages\",\"status\":%d}",
		         cases[i].status);
		assert_int_equal(call_with_fault(m, fault, &msg, &e), -1);
		assert_int_equal(e.status, cases[i].status);
		assert_string_equal(e.type, cases[i].type);
		assert_int_equal(e.attempts, 1);
		assert_int_equal(fakeapi_requests(&fx_fa, "POST /v1/messages"), 1);
		api_message_done(&msg);
	}
	http_multi_free(m);
}

static void
test_slow_drop_bad_bodies(void **state)
{
	struct config c;
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;

	(void)state;
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);

	/* slow, but under the timeout: one attempt */
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"delay_ms\":300}",
	                                 &msg, &e), 0);
	assert_int_equal(msg.attempts, 1);
	api_message_done(&msg);

	/* a connection dropped mid-body: retried, then fine */
	assert_int_equal(fakeapi_reset(&fx_fa), 0);
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"drop\":true}", &msg, &e), 0);
	assert_int_equal(msg.attempts, 2);
	assert_int_equal(fakeapi_requests(&fx_fa, "POST /v1/messages"), 2);
	api_message_done(&msg);

	/* a truncated or malformed 200 body: a clear error, not a crash, not a row */
	assert_int_equal(fakeapi_reset(&fx_fa), 0);
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"truncate\":true}",
	                                 &msg, &e), -1);
	assert_string_equal(e.type, "invalid_response");
	assert_non_null(strstr(e.message, "not valid JSON"));
	assert_true(strncmp(e.request_id, "req_", 4) == 0);
	api_message_done(&msg);
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"malformed\":true}",
	                                 &msg, &e), -1);
	assert_string_equal(e.type, "invalid_response");
	api_message_done(&msg);
	http_multi_free(m);
}

static void
test_timeout(void **state)
{
	struct config c;
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;

	(void)state;
	fakeapi_config(&fx_fa, &c);
	c.timeout_ms = 200;
	c.max_retries = 1;
	m = fx_client(&c);
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"delay_ms\":700,"
	                                    "\"count\":2}", &msg, &e), -1);
	assert_int_equal(e.status, 0);
	assert_string_equal(e.type, "timeout_error");
	assert_int_equal(e.attempts, 2);         /* timeouts are retried */
	api_message_done(&msg);
	http_multi_free(m);
}

/* ---- auth ---------------------------------------------------------------- */

static void
test_auth(void **state)
{
	const char *key = "sk-ant-api03-THISISWRONGKEY-abcd";
	json_t *b;
	struct config c;
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;
	json_t *h;
	char line[1024];

	(void)state;
	/* Bearer */
	fakeapi_config(&fx_fa, &c);
	snprintf(c.auth_style, sizeof(c.auth_style), "bearer");
	snprintf(c.api_version, sizeof(c.api_version), "2026-10-21");
	m = fx_client(&c);
	assert_int_equal(call_with_fault(m, NULL, &msg, &e), 0);
	api_message_done(&msg);
	h = fakeapi_last_headers(&fx_fa);
	assert_non_null(h);
	assert_true(strncmp(json_string_value(json_object_get(h, "authorization")), "Bearer ", 7) == 0);
	assert_null(json_object_get(h, "x-api-key"));
	assert_string_equal(json_string_value(json_object_get(h, "anthropic-version")), "2026-10-21");
	assert_string_equal(json_string_value(json_object_get(h, "user-agent")), "tokentop/0.1");
	json_decref(h);
	http_multi_free(m);

	/* x-api-key */
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);
	assert_int_equal(call_with_fault(m, NULL, &msg, &e), 0);
	api_message_done(&msg);
	h = fakeapi_last_headers(&fx_fa);
	assert_non_null(json_object_get(h, "x-api-key"));
	assert_null(json_object_get(h, "authorization"));
	assert_string_equal(json_string_value(json_object_get(h, "anthropic-version")), "2023-06-01");
	json_decref(h);
	http_multi_free(m);

	/* a wrong key: 401, not retried, and the key is in no error string */
	fakeapi_config(&fx_fa, &c);
	snprintf(c.api_key, sizeof(c.api_key), "%s", key);
	m = fx_client(&c);
	assert_int_equal(call_with_fault(m, NULL, &msg, &e), -1);
	assert_int_equal(e.status, 401);
	assert_string_equal(e.type, "authentication_error");
	assert_int_equal(e.attempts, 1);
	api_error_string(&e, line, sizeof(line));
	assert_null(strstr(line, key));
	assert_null(strstr(line, "THISISWRONGKEY"));
	assert_non_null(strstr(line, "401 authentication_error"));
	api_message_done(&msg);
	http_multi_free(m);

	/* the server echoes a value that happens to be the key: it is masked */
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);
	b = fx_body(FAKEAPI_KEY, "echo the model", 0, NULL);
	assert_int_equal(api_messages(m, b, 0, NULL, NULL, &msg, &e), -1);
	assert_int_equal(e.status, 404);
	assert_string_equal(e.type, "not_found_error");
	assert_non_null(strstr(e.message, "model"));
	assert_null(strstr(e.message, FAKEAPI_KEY));
	api_message_done(&msg);
	json_decref(b);
	http_multi_free(m);
}

/* A proxy in the environment never carries plain (loopback) http. */
static void
test_no_proxy_for_loopback(void **state)
{
	struct config c;
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;

	(void)state;
	setenv("http_proxy", "http://127.0.0.1:1", 1);     /* nothing listens there */
	setenv("ALL_PROXY", "http://127.0.0.1:1", 1);
	fakeapi_config(&fx_fa, &c);
	c.max_retries = 0;
	m = fx_client(&c);
	assert_int_equal(call_with_fault(m, NULL, &msg, &e), 0);
	api_message_done(&msg);
	http_multi_free(m);
	unsetenv("http_proxy");
	unsetenv("ALL_PROXY");
}


/* ---- the async loop ------------------------------------------------------ */

struct async_state {
	int    done;
	int    failed;
	int64_t output;
};

static void
async_done(void *arg, struct api_message *msg, const struct http_error *err)
{
	struct async_state *s = arg;

	s->done++;
	if (err != NULL)
		s->failed++;
	else
		s->output += msg->usage.tok.output;
}

static void
test_async_with_extra_fd(void **state)
{
	struct config c;
	struct http_multi *m;
	struct http_error e;
	struct async_state st;
	struct pollfd pfd;
	json_t *b = fx_body("claude-haiku-4-5", "in parallel", 0, NULL);
	int p[2], i, n, saw_fd = 0;

	(void)state;
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);
	memset(&st, 0, sizeof(st));
	/* one of the three is slow and one is rate-limited once: none blocks the others */
	assert_int_equal(fakeapi_fault(&fx_fa, "{\"path\":\"/v1/messages\",\"delay_ms\":200}"), 0);
	assert_int_equal(fakeapi_fault(&fx_fa, "{\"path\":\"/v1/messages\",\"status\":429,"
	                                    "\"retry_after_ms\":\"100\"}"), 0);
	for (i = 0; i < 3; i++)
		assert_non_null(api_messages_start(m, b, i == 2, NULL, async_done, &st, &e));
	assert_int_equal(http_multi_pending(m), 3);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "k", 1), 1);     /* a "keypress" waiting */
	while (http_multi_perform(m) > 0) {
		pfd.fd = p[0];
		pfd.events = POLLIN;
		pfd.revents = 0;
		n = http_multi_wait(m, &pfd, 1, 1000);
		if (n > 0 && (pfd.revents & POLLIN)) {
			char k;

			assert_int_equal(read(p[0], &k, 1), 1);
			saw_fd++;
		}
	}
	assert_int_equal(st.done, 3);
	assert_int_equal(st.failed, 0);
	assert_true(st.output > 0);
	assert_int_equal(saw_fd, 1);
	assert_int_equal(fakeapi_requests(&fx_fa, "POST /v1/messages"), 4);

	/* cancel: the callback runs with "canceled", nothing left pending */
	memset(&st, 0, sizeof(st));
	assert_int_equal(fakeapi_fault(&fx_fa, "{\"path\":\"/v1/messages\",\"delay_ms\":800}"), 0);
	assert_non_null(api_messages_start(m, b, 0, NULL, async_done, &st, &e));
	http_multi_perform(m);
	http_multi_free(m);          /* cancels the pending call */
	assert_int_equal(st.done, 1);
	assert_int_equal(st.failed, 1);
	close(p[0]);
	close(p[1]);
	json_decref(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cached_sequence, fx_fakeapi_reset),
		cmocka_unit_test_setup(test_retry_after_429, fx_fakeapi_reset),
		cmocka_unit_test_setup(test_retry_statuses, fx_fakeapi_reset),
		cmocka_unit_test_setup(test_should_retry_header, fx_fakeapi_reset),
		cmocka_unit_test_setup(test_no_retry_client_errors, fx_fakeapi_reset),
		cmocka_unit_test_setup(test_slow_drop_bad_bodies, fx_fakeapi_reset),
		cmocka_unit_test_setup(test_timeout, fx_fakeapi_reset),
		cmocka_unit_test_setup(test_auth, fx_fakeapi_reset),
		cmocka_unit_test_setup(test_no_proxy_for_loopback, fx_fakeapi_reset),
		cmocka_unit_test_setup(test_async_with_extra_fd, fx_fakeapi_reset),
	};

	return cmocka_run_group_tests(tests, fx_fakeapi_start, fx_fakeapi_stop);
}
