/* test_api.c — the API client against the test double (tests/fakeapi) on
 * loopback: prompt caching, every fault with its attempts, no retry on
 * client errors, streaming, auth styles, the key kept out of errors; and the
 * SSE accumulator alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/api.h"
#include "tests/fakeapi_spawn.h"

static struct fakeapi fa;

static double
rnd_fast(void)
{
	return 0.999;   /* shortest backoff (~375 ms): keeps the suite quick */
}

static struct http_multi *
client(const struct config *c)
{
	char err[256];
	struct http_multi *m = http_multi_new(c, err, sizeof(err));

	assert_non_null(m);
	http_multi_set_random(m, rnd_fast);
	return m;
}

static int
setup(void **state)
{
	(void)state;
	return fakeapi_reset(&fa);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A Messages body: model, one user message, optional cached system text. */
static json_t *
body_new(const char *model, const char *prompt, size_t system_bytes, const char *ttl)
{
	json_t *b = json_pack("{s:s, s:i, s:[{s:s, s:s}]}", "model", model, "max_tokens", 64,
	                      "messages", "role", "user", "content", prompt);
	char *text;
	json_t *blk, *cc;

	if (system_bytes > 0) {
		text = malloc(system_bytes + 1);
		memset(text, 'a', system_bytes);
		text[system_bytes] = '\0';
		blk = json_pack("{s:s, s:s}", "type", "text", "text", text);
		if (ttl != NULL) {
			cc = json_pack("{s:s}", "type", "ephemeral");
			if (*ttl)
				json_object_set_new(cc, "ttl", json_string(ttl));
			json_object_set_new(blk, "cache_control", cc);
		}
		json_object_set_new(b, "system", json_pack("[o]", blk));
		free(text);
	}
	return b;
}

/* ---- prompt caching ------------------------------------------------------ */

static void
test_cached_sequence(void **state)
{
	struct config c;
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;
	json_t *b = body_new("claude-sonnet-4-5", "hello", 8000, "5m");
	int64_t counted = 0;
	char first_msg[USAGE_ID_MAX], first_req[USAGE_ID_MAX];

	(void)state;
	fakeapi_config(&fa, &c);
	m = client(&c);

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
	assert_int_equal(fakeapi_advance(&fa, 301), 0);
	assert_int_equal(api_messages(m, b, 0, NULL, NULL, &msg, &e), 0);
	assert_int_equal(msg.usage.tok.write_5m, 2000);
	assert_int_equal(msg.usage.tok.cache_read, 0);
	api_message_done(&msg);

	/* a 1h breakpoint lands in the 1h bucket */
	json_decref(b);
	b = body_new("claude-sonnet-4-5", "hello", 6000, "1h");
	assert_int_equal(api_messages(m, b, 0, NULL, NULL, &msg, &e), 0);
	assert_int_equal(msg.usage.tok.write_1h, 1500);
	assert_int_equal(msg.usage.tok.write_5m, 0);
	api_message_done(&msg);

	/* below the model's minimum (1024 for Sonnet 4.5): silently not cached */
	json_decref(b);
	b = body_new("claude-sonnet-4-5", "hello", 2000, "5m");
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
	json_t *b = body_new("claude-haiku-4-5", "fault test", 0, NULL);
	int rc;

	memset(e, 0, sizeof(*e));
	if (fault != NULL)
		assert_int_equal(fakeapi_fault(&fa, fault), 0);
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
	fakeapi_config(&fa, &c);
	m = client(&c);
	t0 = mono_ms();
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"status\":429,"
	                                    "\"retry_after\":\"1\"}", &msg, &e), 0);
	waited = mono_ms() - t0;
	assert_int_equal(msg.attempts, 2);
	assert_true(waited >= 1000);      /* it honoured retry-after, not the 0.4 s backoff */
	assert_int_equal(fakeapi_requests(&fa, "POST /v1/messages"), 2);
	api_message_done(&msg);

	/* retry-after-ms */
	assert_int_equal(fakeapi_reset(&fa), 0);
	t0 = mono_ms();
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
	fakeapi_config(&fa, &c);
	m = client(&c);
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		assert_int_equal(fakeapi_reset(&fa), 0);
		snprintf(fault, sizeof(fault), "{\"path\":\"/v1/messages\",\"status\":%d}", statuses[i]);
		if (call_with_fault(m, fault, &msg, &e) != 0)
			fail_msg("status %d: %s %s", statuses[i], e.type, e.message);
		assert_int_equal(msg.attempts, 2);
		assert_int_equal(fakeapi_requests(&fa, "POST /v1/messages"), 2);
		api_message_done(&msg);
	}

	/* three 529s in a row: the budget (2 retries) runs out */
	assert_int_equal(fakeapi_reset(&fa), 0);
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"status\":529,\"count\":3}",
	                                 &msg, &e), -1);
	assert_int_equal(e.status, 529);
	assert_string_equal(e.type, "overloaded_error");
	assert_int_equal(e.attempts, 3);
	assert_true(strncmp(e.request_id, "req_", 4) == 0);
	assert_int_equal(fakeapi_requests(&fa, "POST /v1/messages"), 3);
	api_message_done(&msg);

	/* a configured budget of 0 retries */
	assert_int_equal(fakeapi_reset(&fa), 0);
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
	fakeapi_config(&fa, &c);
	m = client(&c);
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"status\":429,"
	                                    "\"should_retry\":\"false\"}", &msg, &e), -1);
	assert_int_equal(e.status, 429);
	assert_string_equal(e.type, "rate_limit_error");
	assert_int_equal(e.attempts, 1);
	assert_int_equal(fakeapi_requests(&fa, "POST /v1/messages"), 1);
	api_message_done(&msg);

	/* x-should-retry: true makes even a 400 retried */
	assert_int_equal(fakeapi_reset(&fa), 0);
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
	fakeapi_config(&fa, &c);
	m = client(&c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(fakeapi_reset(&fa), 0);
		snprintf(fault, sizeof(fault), "{\"path\":\"/v1/messages\",\"status\":%d}",
		         cases[i].status);
		assert_int_equal(call_with_fault(m, fault, &msg, &e), -1);
		assert_int_equal(e.status, cases[i].status);
		assert_string_equal(e.type, cases[i].type);
		assert_int_equal(e.attempts, 1);
		assert_int_equal(fakeapi_requests(&fa, "POST /v1/messages"), 1);
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
	fakeapi_config(&fa, &c);
	m = client(&c);

	/* slow, but under the timeout: one attempt */
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"delay_ms\":300}",
	                                 &msg, &e), 0);
	assert_int_equal(msg.attempts, 1);
	api_message_done(&msg);

	/* a connection dropped mid-body: retried, then fine */
	assert_int_equal(fakeapi_reset(&fa), 0);
	assert_int_equal(call_with_fault(m, "{\"path\":\"/v1/messages\",\"drop\":true}", &msg, &e), 0);
	assert_int_equal(msg.attempts, 2);
	assert_int_equal(fakeapi_requests(&fa, "POST /v1/messages"), 2);
	api_message_done(&msg);

	/* a truncated or malformed 200 body: a clear error, not a crash, not a row */
	assert_int_equal(fakeapi_reset(&fa), 0);
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
	fakeapi_config(&fa, &c);
	c.timeout_ms = 200;
	c.max_retries = 1;
	m = client(&c);
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
	fakeapi_config(&fa, &c);
	snprintf(c.auth_style, sizeof(c.auth_style), "bearer");
	snprintf(c.api_version, sizeof(c.api_version), "2026-10-21");
	m = client(&c);
	assert_int_equal(call_with_fault(m, NULL, &msg, &e), 0);
	api_message_done(&msg);
	h = fakeapi_last_headers(&fa);
	assert_non_null(h);
	assert_true(strncmp(json_string_value(json_object_get(h, "authorization")), "Bearer ", 7) == 0);
	assert_null(json_object_get(h, "x-api-key"));
	assert_string_equal(json_string_value(json_object_get(h, "anthropic-version")), "2026-10-21");
	assert_string_equal(json_string_value(json_object_get(h, "user-agent")), "tokentop/0.1");
	json_decref(h);
	http_multi_free(m);

	/* x-api-key */
	fakeapi_config(&fa, &c);
	m = client(&c);
	assert_int_equal(call_with_fault(m, NULL, &msg, &e), 0);
	api_message_done(&msg);
	h = fakeapi_last_headers(&fa);
	assert_non_null(json_object_get(h, "x-api-key"));
	assert_null(json_object_get(h, "authorization"));
	assert_string_equal(json_string_value(json_object_get(h, "anthropic-version")), "2023-06-01");
	json_decref(h);
	http_multi_free(m);

	/* a wrong key: 401, not retried, and the key is in no error string */
	fakeapi_config(&fa, &c);
	snprintf(c.api_key, sizeof(c.api_key), "%s", key);
	m = client(&c);
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
	fakeapi_config(&fa, &c);
	m = client(&c);
	b = body_new(FAKEAPI_KEY, "echo the model", 0, NULL);
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
	fakeapi_config(&fa, &c);
	c.max_retries = 0;
	m = client(&c);
	assert_int_equal(call_with_fault(m, NULL, &msg, &e), 0);
	api_message_done(&msg);
	http_multi_free(m);
	unsetenv("http_proxy");
	unsetenv("ALL_PROXY");
}

/* ---- streaming ----------------------------------------------------------- */

struct acc {
	char   text[4096];
	size_t len;
	int    calls;
};

static void
acc_text(void *arg, const char *t, size_t n)
{
	struct acc *a = arg;

	if (a->len + n < sizeof(a->text)) {
		memcpy(a->text + a->len, t, n);
		a->len += n;
		a->text[a->len] = '\0';
	}
	a->calls++;
}

static void
test_streaming(void **state)
{
	struct config c;
	struct http_multi *m;
	struct api_message plain, streamed;
	struct http_error e;
	json_t *b = body_new("claude-sonnet-4-5", "stream me please", 8000, "5m");
	struct acc a;

	(void)state;
	fakeapi_config(&fa, &c);
	m = client(&c);
	memset(&a, 0, sizeof(a));
	assert_int_equal(api_messages(m, b, 1, acc_text, &a, &streamed, &e), 0);
	assert_true(a.calls >= 1);
	assert_string_equal(a.text, streamed.text);
	assert_true(strncmp(streamed.usage.message_id, "msg_", 4) == 0);
	assert_true(strncmp(streamed.usage.request_id, "req_", 4) == 0);
	assert_int_equal(streamed.usage.tok.write_5m, 2000);
	assert_int_equal(fakeapi_requests(&fa, "POST /v1/messages"), 1);

	/* the same prompt, not streamed: same answer, same output count, a cache read */
	assert_int_equal(api_messages(m, b, 0, NULL, NULL, &plain, &e), 0);
	assert_string_equal(plain.text, streamed.text);
	assert_int_equal(plain.usage.tok.output, streamed.usage.tok.output);
	assert_true(streamed.usage.tok.output > 1);   /* message_delta's cumulative count */
	assert_int_equal(plain.usage.tok.cache_read, 2000);
	assert_string_equal(plain.usage.stop_reason, streamed.usage.stop_reason);
	api_message_done(&plain);
	api_message_done(&streamed);
	json_decref(b);
	http_multi_free(m);
}

/* The SSE accumulator alone: any split, usage merge, error after 200. */
static void
test_sse_parser(void **state)
{
	static const char sse[] =
	    "event: message_start\r\n"
	    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
	    "\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\",\"content\":[],"
	    "\"stop_reason\":null,\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":0,"
	    "\"cache_read_input_tokens\":4000,\"output_tokens\":1}}}\r\n\r\n"
	    ": a comment\n\n"
	    "event: ping\ndata: {\"type\":\"ping\"}\n\n"
	    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
	    "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
	    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
	    "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello, \"}}\n\n"
	    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
	    "\"delta\":{\"type\":\"text_delta\",\"text\":\"안녕\"}}\n\n"
	    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
	    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
	    "\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":57,"
	    "\"input_tokens\":null}}\n\n"
	    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
	static const char err_tail[] =
	    "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
	    "\"message\":\"Overloaded\"}}\n\n";
	size_t split, len = strlen(sse);
	struct api_stream *s;
	struct api_message msg;
	struct http_error e;
	struct acc a;

	(void)state;
	for (split = 1; split <= 97; split += 8) {     /* feed in pieces of every size */
		size_t off;

		memset(&a, 0, sizeof(a));
		s = api_stream_new(acc_text, &a);
		for (off = 0; off < len; off += split)
			assert_int_equal(api_stream_feed(s, sse + off, off + split > len ? len - off : split,
			                                 &e), 0);
		assert_int_equal(api_stream_finish(s, &msg, &e), 0);
		assert_string_equal(msg.text, "Hello, 안녕");
		assert_string_equal(a.text, "Hello, 안녕");
		assert_int_equal(msg.usage.tok.input, 10);         /* not erased by the null */
		assert_int_equal(msg.usage.tok.cache_read, 4000);
		assert_int_equal(msg.usage.tok.output, 57);
		assert_string_equal(msg.usage.stop_reason, "max_tokens");
		assert_string_equal(msg.usage.message_id, "msg_1");
		api_message_done(&msg);
		api_stream_free(s);
	}

	/* an error event after the 200 fails the stream with its type */
	s = api_stream_new(NULL, NULL);
	assert_int_equal(api_stream_feed(s, sse, (size_t)(strstr(sse, "event: content_block_delta") - sse),
	                                 &e), 0);
	assert_int_equal(api_stream_feed(s, err_tail, strlen(err_tail), &e), -1);
	assert_string_equal(e.type, "overloaded_error");
	assert_string_equal(e.message, "Overloaded");
	assert_int_equal(api_stream_finish(s, &msg, &e), -1);
	assert_string_equal(e.type, "overloaded_error");
	api_message_done(&msg);
	api_stream_free(s);

	/* a stream cut before message_stop is an error */
	s = api_stream_new(NULL, NULL);
	assert_int_equal(api_stream_feed(s, sse, len - 60, &e), 0);
	assert_int_equal(api_stream_finish(s, &msg, &e), -1);
	assert_string_equal(e.type, "invalid_response");
	api_message_done(&msg);
	api_stream_free(s);
	api_stream_free(NULL);
}

/* Streams that go wrong after the 200: never retried, always a clear error. */
static void
test_stream_faults(void **state)
{
	static const struct {
		const char *fault;
		const char *type;
	} cases[] = {
		{ "\"stream_error\":true", "overloaded_error" },
		{ "\"stream_error\":true,\"error_type\":\"api_error\"", "api_error" },
		{ "\"truncate\":true", "invalid_response" },     /* a clean end without message_stop */
		{ "\"malformed\":true", "invalid_response" },
		{ "\"drop\":true", "connection_error" },
	};
	struct config c;
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;
	json_t *b = body_new("claude-haiku-4-5", "a stream that breaks", 0, NULL);
	char fault[256];
	size_t i;

	(void)state;
	fakeapi_config(&fa, &c);
	m = client(&c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(fakeapi_reset(&fa), 0);
		snprintf(fault, sizeof(fault), "{\"path\":\"/v1/messages\",%s}", cases[i].fault);
		assert_int_equal(fakeapi_fault(&fa, fault), 0);
		if (api_messages(m, b, 1, NULL, NULL, &msg, &e) != -1)
			fail_msg("%s: the stream did not fail", cases[i].fault);
		if (strcmp(e.type, cases[i].type) != 0)
			fail_msg("%s: type %s (%s), want %s", cases[i].fault, e.type, e.message,
			         cases[i].type);
		assert_int_equal(e.attempts, 1);
		assert_int_equal(fakeapi_requests(&fa, "POST /v1/messages"), 1);
		assert_true(strncmp(e.request_id, "req_", 4) == 0);
		api_message_done(&msg);
	}
	json_decref(b);
	http_multi_free(m);
}

/* ---- Message Batches ----------------------------------------------------- */

static json_t *
batch_body(int n, int bad)
{
	json_t *reqs = json_array(), *p;
	char id[32], prompt[64];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "req-%d", i);
		snprintf(prompt, sizeof(prompt), "batch prompt %d", i);
		p = body_new(i < bad ? "claude-no-such-model" : "claude-haiku-4-5", prompt, 0, NULL);
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
	fakeapi_config(&fa, &c);
	m = client(&c);

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

	assert_int_equal(fakeapi_advance(&fa, 61), 0);
	assert_int_equal(api_batch_get(m, b.id, &b2, &e), 0);
	assert_string_equal(b2.processing_status, "ended");
	assert_int_equal(b2.succeeded, 4);
	assert_int_equal(b2.errored, 1);
	assert_int_equal(b2.processing, 0);
	assert_true(b2.ended_ms >= b2.created_ms);
	assert_true(strncmp(b2.results_url, fa.base, strlen(fa.base)) == 0);

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
	assert_int_equal(fakeapi_fault(&fa, "{\"path\":\"/v1/messages/batches\",\"cut_results\":true}"), 0);
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
	json_t *b = body_new("claude-haiku-4-5", "in parallel", 0, NULL);
	int p[2], i, n, saw_fd = 0;

	(void)state;
	fakeapi_config(&fa, &c);
	m = client(&c);
	memset(&st, 0, sizeof(st));
	/* one of the three is slow and one is rate-limited once: none blocks the others */
	assert_int_equal(fakeapi_fault(&fa, "{\"path\":\"/v1/messages\",\"delay_ms\":200}"), 0);
	assert_int_equal(fakeapi_fault(&fa, "{\"path\":\"/v1/messages\",\"status\":429,"
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
	assert_int_equal(fakeapi_requests(&fa, "POST /v1/messages"), 4);

	/* cancel: the callback runs with "canceled", nothing left pending */
	memset(&st, 0, sizeof(st));
	assert_int_equal(fakeapi_fault(&fa, "{\"path\":\"/v1/messages\",\"delay_ms\":800}"), 0);
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
		cmocka_unit_test(test_sse_parser),
		cmocka_unit_test_setup(test_cached_sequence, setup),
		cmocka_unit_test_setup(test_retry_after_429, setup),
		cmocka_unit_test_setup(test_retry_statuses, setup),
		cmocka_unit_test_setup(test_should_retry_header, setup),
		cmocka_unit_test_setup(test_no_retry_client_errors, setup),
		cmocka_unit_test_setup(test_slow_drop_bad_bodies, setup),
		cmocka_unit_test_setup(test_timeout, setup),
		cmocka_unit_test_setup(test_auth, setup),
		cmocka_unit_test_setup(test_no_proxy_for_loopback, setup),
		cmocka_unit_test_setup(test_streaming, setup),
		cmocka_unit_test_setup(test_stream_faults, setup),
		cmocka_unit_test_setup(test_batches, setup),
		cmocka_unit_test_setup(test_async_with_extra_fd, setup),
	};
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (fakeapi_start(&fa, NULL) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	fakeapi_stop(&fa);
	return rc;
}
