/* test_api_stream.c — streamed Messages calls (core/api_stream.c): the SSE
 * accumulator alone (any split, usage merge, an error event after the 200,
 * a cut stream), then against the test double: the same answer and usage as
 * a plain call, and every fault after the 200 a clear error, never retried. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/api.h"
#include "tests/lib/fx.h"

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
	json_t *b = fx_body("claude-sonnet-4-5", "stream me please", 8000, "5m");
	struct acc a;

	(void)state;
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);
	memset(&a, 0, sizeof(a));
	assert_int_equal(api_messages(m, b, 1, acc_text, &a, &streamed, &e), 0);
	assert_true(a.calls >= 1);
	assert_string_equal(a.text, streamed.text);
	assert_true(strncmp(streamed.usage.message_id, "msg_", 4) == 0);
	assert_true(strncmp(streamed.usage.request_id, "req_", 4) == 0);
	assert_int_equal(streamed.usage.tok.write_5m, 2000);
	assert_int_equal(fakeapi_requests(&fx_fa, "POST /v1/messages"), 1);

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
	static const char huge_tail[] =
	    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
	    "\"end_turn\"},\"usage\":{\"output_tokens\":9223372036854775807}}\n\n"
	    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
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

	/* a final count no response can carry: an invalid response, named */
	s = api_stream_new(NULL, NULL);
	assert_int_equal(api_stream_feed(s, sse, (size_t)(strstr(sse, "event: message_delta") - sse),
	                                 &e), 0);
	assert_int_equal(api_stream_feed(s, huge_tail, strlen(huge_tail), &e), 0);
	assert_int_equal(api_stream_finish(s, &msg, &e), -1);
	assert_string_equal(e.type, "invalid_response");
	assert_string_equal(e.message, "usage.output_tokens: 9223372036854775807: "
	    "not a token count (0..1000000000000)");
	api_message_done(&msg);
	api_stream_free(s);
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
	json_t *b = fx_body("claude-haiku-4-5", "a stream that breaks", 0, NULL);
	char fault[256];
	size_t i;

	(void)state;
	fakeapi_config(&fx_fa, &c);
	m = fx_client(&c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(fakeapi_reset(&fx_fa), 0);
		snprintf(fault, sizeof(fault), "{\"path\":\"/v1/messages\",%s}", cases[i].fault);
		assert_int_equal(fakeapi_fault(&fx_fa, fault), 0);
		if (api_messages(m, b, 1, NULL, NULL, &msg, &e) != -1)
			fail_msg("%s: the stream did not fail", cases[i].fault);
		if (strcmp(e.type, cases[i].type) != 0)
			fail_msg("%s: type %s (%s), want %s", cases[i].fault, e.type, e.message,
			         cases[i].type);
		assert_int_equal(e.attempts, 1);
		assert_int_equal(fakeapi_requests(&fx_fa, "POST /v1/messages"), 1);
		assert_true(strncmp(e.request_id, "req_", 4) == 0);
		api_message_done(&msg);
	}
	json_decref(b);
	http_multi_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sse_parser),
		cmocka_unit_test_setup(test_streaming, fx_fakeapi_reset),
		cmocka_unit_test_setup(test_stream_faults, fx_fakeapi_reset),
	};

	return cmocka_run_group_tests(tests, fx_fakeapi_start, fx_fakeapi_stop);
}
