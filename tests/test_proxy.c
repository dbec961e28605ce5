/* test_proxy.c — what the proxy reads from the traffic: listen addresses,
 * the usage of an event stream fed in any split, response and batch bodies,
 * and its own checks of a request head and target.
 * (The relay itself is tested end to end in tests/proxy.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/proxy.h"

static void
test_listen(void **state)
{
	static const struct {
		const char *s;
		const char *host;
		int         port;
	} good[] = {
		{ "127.0.0.1:8787", "127.0.0.1", 8787 },
		{ "127.0.0.1:0", "127.0.0.1", 0 },
		{ "[::1]:9000", "::1", 9000 },
		{ "localhost:80", "localhost", 80 },
		{ "0.0.0.0:65535", "0.0.0.0", 65535 },
	};
	static const char *const bad[] = {
		"127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:8x",
		"::1:80", "[::1]80", "[::1", "[]:80",
	};
	char host[64], err[128];
	size_t i;
	int port;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(proxy_parse_listen(good[i].s, host, sizeof(host), &port,
		                                    err, sizeof(err)), 0);
		assert_string_equal(host, good[i].host);
		assert_int_equal(port, good[i].port);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(proxy_parse_listen(bad[i], host, sizeof(host), &port,
		                                    err, sizeof(err)), -1);
		assert_non_null(strstr(err, "--listen"));
	}
}

static const char stream[] =
	"event: message_start\r\n"
	"data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
	"\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],"
	"\"stop_reason\":null,\"usage\":{\"input_tokens\":21,\"cache_creation_input_tokens\":300,"
	"\"cache_read_input_tokens\":7,\"cache_creation\":{\"ephemeral_5m_input_tokens\":100,"
	"\"ephemeral_1h_input_tokens\":200},\"output_tokens\":1,\"service_tier\":\"standard\"}}}\r\n"
	"\r\n"
	"event: content_block_delta\n"
	"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
	"\"text\":\"message_delta in the text\"}}\n"
	"\n"
	"event: message_delta\n"
	"data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},"
	"\"usage\":{\"output_tokens\":393,\"cache_read_input_tokens\":9,"
	"\"server_tool_use\":{\"web_search_requests\":2,\"web_fetch_requests\":1}}}\n"
	"\n"
	"event: message_stop\n"
	"data: {\"type\":\"message_stop\"}\n"
	"\n";

static void
check_stream_usage(const struct proxy_sse *s)
{
	struct usage u;

	assert_int_equal(proxy_sse_usage(s, &u), 1);
	assert_string_equal(u.model, "claude-sonnet-4-5-20250929");
	assert_string_equal(u.message_id, "msg_1");
	assert_string_equal(u.stop_reason, "max_tokens");
	assert_int_equal(u.tok.input, 21);
	assert_int_equal(u.tok.write_5m, 100);
	assert_int_equal(u.tok.write_1h, 200);
	assert_int_equal(u.tok.cache_read, 9);       /* message_delta's count wins */
	assert_int_equal(u.tok.output, 393);
	assert_int_equal(u.web_search_requests, 2);  /* server tools: message_delta's */
	assert_int_equal(u.web_fetch_requests, 1);
}

/* Every split point, and byte by byte: the scan does not care how it comes. */
static void
test_sse_splits(void **state)
{
	struct proxy_sse *s = malloc(sizeof(*s));
	size_t n = sizeof(stream) - 1, cut, i;

	assert_non_null(s);
	for (cut = 0; cut <= n; cut += 7) {
		proxy_sse_init(s);
		proxy_sse_feed(s, stream, cut);
		proxy_sse_feed(s, stream + cut, n - cut);
		check_stream_usage(s);
	}
	proxy_sse_init(s);
	for (i = 0; i < n; i++)
		proxy_sse_feed(s, stream + i, 1);
	check_stream_usage(s);
	free(s);
}

static void
test_sse_partial(void **state)
{
	struct proxy_sse *s = malloc(sizeof(*s));
	const char *delta = strstr(stream, "event: message_delta");
	struct usage u;
	char *big;

	assert_non_null(s);
	/* nothing before message_start */
	proxy_sse_init(s);
	assert_int_equal(proxy_sse_usage(s, &u), 0);
	/* a stream cut before message_delta: message_start's counts */
	proxy_sse_init(s);
	proxy_sse_feed(s, stream, (size_t)(delta - stream));
	assert_int_equal(proxy_sse_usage(s, &u), 1);
	assert_int_equal(u.tok.output, 1);
	assert_int_equal(u.tok.cache_read, 7);
	assert_string_equal(u.stop_reason, "");
	/* an over-long line is skipped whole; the events after it still count */
	big = malloc(PROXY_SSE_LINE_MAX * 2 + 32);
	assert_non_null(big);
	memset(big, 'x', PROXY_SSE_LINE_MAX * 2);
	memcpy(big, "data: {\"type\":\"message_delta\"", 30);
	strcpy(big + PROXY_SSE_LINE_MAX * 2, "\n\n");
	proxy_sse_init(s);
	proxy_sse_feed(s, stream, (size_t)(delta - stream));
	proxy_sse_feed(s, big, strlen(big));
	proxy_sse_feed(s, delta, strlen(delta));
	check_stream_usage(s);
	/* a broken message_delta leaves the counts as they were */
	proxy_sse_init(s);
	proxy_sse_feed(s, stream, (size_t)(delta - stream));
	proxy_sse_feed(s, "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":\n", 56);
	assert_int_equal(proxy_sse_usage(s, &u), 1);
	assert_int_equal(u.tok.output, 1);
	free(big);
	free(s);
}

static void
test_message_body(void **state)
{
	const char *body = "{\"id\":\"msg_2\",\"type\":\"message\",\"model\":\"claude-haiku-4-5\","
	                   "\"content\":[],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":5,"
	                   "\"output_tokens\":8}}";
	struct usage u;
	char err[128];

	assert_int_equal(proxy_message_usage(body, strlen(body), &u, err, sizeof(err)), 0);
	assert_string_equal(u.message_id, "msg_2");
	assert_int_equal(u.tok.input, 5);
	assert_int_equal(u.tok.output, 8);
	assert_int_equal(proxy_message_usage(body, strlen(body) / 2, &u, err, sizeof(err)), -1);
	assert_int_equal(proxy_message_usage("{\"type\":\"message\"}", 18, &u, err, sizeof(err)), -1);
}

static void
test_batch_body(void **state)
{
	const char *body =
		"{\"id\":\"msgbatch_013Zva2CMHLNnXjNJJKqJ2EF\",\"type\":\"message_batch\","
		"\"processing_status\":\"in_progress\",\"request_counts\":{\"processing\":2,"
		"\"succeeded\":0,\"errored\":1,\"canceled\":0,\"expired\":0},"
		"\"created_at\":\"2024-09-24T18:37:24.100435Z\","
		"\"expires_at\":\"2024-09-25T18:37:24.100435Z\",\"ended_at\":null,"
		"\"results_url\":null}";
	struct proxy_batch b;
	char err[128];

	assert_int_equal(proxy_batch_parse(body, strlen(body), &b, err, sizeof(err)), 0);
	assert_string_equal(b.id, "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF");
	assert_string_equal(b.status, "in_progress");
	assert_int_equal(b.requests, 3);
	assert_int_equal(b.processing, 2);
	assert_int_equal(b.errored, 1);
	assert_int_equal(b.created_ms, 1727203044100LL);
	assert_int_equal(b.expires_ms, 1727203044100LL + 86400000LL);
	assert_int_equal(proxy_batch_parse("{\"type\":\"error\"}", 16, &b, err, sizeof(err)), -1);
	assert_int_equal(proxy_batch_parse("nope", 4, &b, err, sizeof(err)), -1);
}

/* A response with an impossible count is not recorded (the proxy relays it
 * unchanged and logs why); a batch object likewise; nothing overflows. */
static void
test_huge_counts(void **state)
{
	const char *body = "{\"id\":\"msg_h\",\"type\":\"message\",\"model\":\"m\",\"content\":[],"
	                   "\"usage\":{\"input_tokens\":9223372036854775807,\"output_tokens\":8}}";
	const char *start = "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_s\","
	                    "\"type\":\"message\",\"model\":\"m\",\"usage\":{\"input_tokens\":5,"
	                    "\"output_tokens\":1}}}\n\n";
	const char *huge_start = "data: {\"type\":\"message_start\",\"message\":{\"model\":\"m\","
	                         "\"usage\":{\"cache_read_input_tokens\":1000000000001}}}\n\n";
	const char *huge_delta = "data: {\"type\":\"message_delta\",\"delta\":{},\"usage\":"
	                         "{\"output_tokens\":9223372036854775807}}\n\n";
	const char *batch = "{\"id\":\"msgbatch_1\",\"processing_status\":\"in_progress\","
	                    "\"request_counts\":{\"processing\":9223372036854775807,"
	                    "\"succeeded\":9223372036854775807,\"errored\":9223372036854775807,"
	                    "\"canceled\":9223372036854775807,\"expired\":9223372036854775807}}";
	struct proxy_sse *s = malloc(sizeof(*s));
	struct proxy_batch b;
	struct usage u;
	char err[256];

	(void)state;
	assert_non_null(s);
	assert_int_equal(proxy_message_usage(body, strlen(body), &u, err, sizeof(err)), -1);
	assert_string_equal(err, "usage.input_tokens: 9223372036854775807: not a token count "
	    "(0..1000000000000)");

	proxy_sse_init(s);
	proxy_sse_feed(s, start, strlen(start));
	assert_int_equal(proxy_sse_usage(s, &u), 1);
	assert_null(proxy_sse_error(s));
	proxy_sse_feed(s, huge_delta, strlen(huge_delta));
	assert_int_equal(proxy_sse_usage(s, &u), 0);     /* the bill is unknown: no row */
	assert_string_equal(proxy_sse_error(s), "message_delta: usage.output_tokens: "
	    "9223372036854775807: not a token count (0..1000000000000)");
	proxy_sse_init(s);
	proxy_sse_feed(s, huge_start, strlen(huge_start));
	assert_int_equal(proxy_sse_usage(s, &u), 0);
	assert_non_null(strstr(proxy_sse_error(s), "message_start: usage.cache_read_input_tokens: "
	    "1000000000001"));

	assert_int_equal(proxy_batch_parse(batch, strlen(batch), &b, err, sizeof(err)), -1);
	assert_string_equal(err, "batch: request_counts.processing: 9223372036854775807: "
	    "not a count (0..1000000000000)");
	free(s);
}

/* A head as "Name: value" lines ('\n' between), split on the first ':' with
 * the value's surrounding blanks dropped (as libmicrohttpd gives them). */
static size_t
fields_of(const char *head, struct proxy_field *f, size_t max)
{
	const char *p = head, *eol, *colon;
	size_t n = 0;

	while (*p != '\0' && n < max) {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		colon = memchr(p, ':', (size_t)(eol - p));
		assert_non_null(colon);
		f[n].name = p;
		f[n].name_len = (size_t)(colon - p);
		for (colon++; colon < eol && *colon == ' '; colon++)
			;
		f[n].value = colon;
		f[n].value_len = (size_t)(eol - colon);
		n++;
		p = *eol != '\0' ? eol + 1 : eol;
	}
	return n;
}

static void
test_check_head(void **state)
{
	static const struct {
		const char *version;
		const char *head;
		int         status;
		int64_t     length;
		int         chunked;
		const char *why;
	} cases[] = {
		{ "HTTP/1.1", "Host: a\nContent-Length: 12", 0, 12, 0, NULL },
		{ "HTTP/1.1", "Host: a", 0, -1, 0, NULL },
		{ "HTTP/1.0", "Content-Length: 0", 0, 0, 0, NULL },
		{ "HTTP/1.1", "Transfer-Encoding: chunked", 0, -1, 1, NULL },
		{ "HTTP/1.1", "Transfer-Encoding: Chunked", 0, -1, 1, NULL },
		{ "HTTP/1.1", "X-Obs: caf\xc3\xa9\tok", 0, -1, 0, NULL },
		/* smuggling primitives */
		{ "HTTP/1.1", "Content-Length: 3\nContent-Length: 5", 400, 0, 0, "duplicate Content-Length" },
		{ "HTTP/1.1", "Content-Length: 3\ncontent-length: 3", 400, 0, 0, "duplicate Content-Length" },
		{ "HTTP/1.1", "Transfer-Encoding : chunked", 400, 0, 0, "header name" },
		{ "HTTP/1.1", "Transfer-Encoding\t: chunked", 400, 0, 0, "header name" },
		{ "HTTP/1.1", "Transfer-Encoding: chunked\nContent-Length: 3", 400, 0, 0, "both" },
		{ "HTTP/1.1", "Transfer-Encoding: chunked\nTransfer-Encoding: chunked", 400, 0, 0,
		  "duplicate Transfer-Encoding" },
		{ "HTTP/1.0", "Transfer-Encoding: chunked", 400, 0, 0, "HTTP/1.0" },
		{ "HTTP/1.1", "Host: a\nHost: b", 400, 0, 0, "duplicate Host" },
		{ "HTTP/1.1", "Content-Length: 1,1", 400, 0, 0, "invalid Content-Length" },
		{ "HTTP/1.1", "Content-Length: -1", 400, 0, 0, "invalid Content-Length" },
		{ "HTTP/1.1", "Content-Length: +5", 400, 0, 0, "invalid Content-Length" },
		{ "HTTP/1.1", "Content-Length: ", 400, 0, 0, "invalid Content-Length" },
		{ "HTTP/1.1", "Content-Length: 99999999999999999999999", 400, 0, 0, "invalid" },
		{ "HTTP/1.1", "Content-Length: 33554433", 413, 0, 0, "maximum" },
		{ "HTTP/1.1", "X-A\x01: b", 400, 0, 0, "header name" },
		{ "HTTP/1.1", "X-A Folded: b", 400, 0, 0, "header name" },  /* an obs-fold joined */
		{ "HTTP/1.1", ": b", 400, 0, 0, "empty header name" },
		{ "HTTP/1.1", "X-A: b\x01", 400, 0, 0, "control character" },
		{ "HTTP/1.1", "X-A: b\x7f", 400, 0, 0, "control character" },
		/* codings the proxy cannot frame */
		{ "HTTP/1.1", "Transfer-Encoding: gzip", 501, 0, 0, "'gzip'" },
		{ "HTTP/1.1", "Transfer-Encoding: gzip, chunked", 501, 0, 0, "transfer-coding" },
		{ "HTTP/1.1", "Transfer-Encoding: chunked, chunked", 501, 0, 0, "transfer-coding" },
		{ "HTTP/1.1", "Transfer-Encoding: identity", 501, 0, 0, "transfer-coding" },
		{ "HTTP/2.0", "Host: a", 505, 0, 0, "version" },
		{ "", "Host: a", 505, 0, 0, "version" },
	};
	struct proxy_field f[8];
	struct proxy_framing fr;
	char why[128];
	size_t i, n;
	int st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = fields_of(cases[i].head, f, 8);
		why[0] = '\0';
		st = proxy_check_head(cases[i].version, f, n, PROXY_MAX_BODY, &fr, why, sizeof(why));
		if (st != cases[i].status)
			fail_msg("case %zu (%s): status %d, want %d (%s)", i, cases[i].head, st,
			         cases[i].status, why);
		if (st == 0) {
			assert_int_equal(fr.content_length, cases[i].length);
			assert_int_equal(fr.chunked, cases[i].chunked);
		} else if (strstr(why, cases[i].why) == NULL) {
			fail_msg("case %zu: reason '%s' lacks '%s'", i, why, cases[i].why);
		}
	}
}

static void
test_check_target(void **state)
{
	static const struct {
		const char *t;
		size_t      n;        /* 0 = strlen */
		int         status;
	} cases[] = {
		{ "/v1/messages", 0, 0 },
		{ "/v1/messages?beta=true", 0, 0 },
		{ "/v1/messages/batches/msgbatch_01/results", 0, 0 },
		{ "/v1/models?after_id=a%2Fb", 0, 0 },        /* the query is not segmented */
		{ "/v1/x/..a/a..", 0, 0 },
		{ "/v1/x/.well", 0, 0 },
		{ "/v1/x?q=/../", 0, 0 },
		{ "/v1/caf%C3%A9", 0, 0 },
		{ "/v1//x", 0, 0 },
		{ "/v1/../x", 0, 400 },
		{ "/v1/./x", 0, 400 },
		{ "/v1/..", 0, 400 },
		{ "/v1/x/.", 0, 400 },
		{ "/v1/%2e%2e/x", 0, 400 },
		{ "/v1/%2E%2E/x", 0, 400 },
		{ "/v1/.%2e/x", 0, 400 },
		{ "/v1/%2e./x", 0, 400 },
		{ "/v1/%2e/x", 0, 400 },
		{ "/v1/..?x", 0, 400 },
		{ "/v1/%2f../x", 0, 400 },
		{ "/v1/a%2Fb", 0, 400 },
		{ "/v1/a%5cb", 0, 400 },
		{ "/v1/..\\x", 0, 400 },
		{ "/v1/a%00b", 0, 400 },
		{ "/v1/a%0", 0, 400 },
		{ "/v1/a%zz", 0, 400 },
		{ "/v1/a%", 0, 400 },
		{ "/v1/a b", 0, 400 },
		{ "/v1/a\tb", 0, 400 },
		{ "/v1/a#frag", 0, 400 },
		{ "/v1/models\0zz", 13, 400 },                 /* a raw NUL */
		{ "/v1/a\x7f", 0, 400 },
		{ "v1/messages", 0, 400 },
		{ "*", 0, 400 },
		{ "", 0, 400 },
	};
	char why[128], *big;
	size_t i;
	int st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		st = proxy_check_target(cases[i].t, cases[i].n ? cases[i].n : strlen(cases[i].t),
		                        why, sizeof(why));
		if (st != cases[i].status)
			fail_msg("case %zu (%s): %d, want %d (%s)", i, cases[i].t, st, cases[i].status, why);
		if (st != 0)
			assert_true(why[0] != '\0');
	}
	big = malloc(PROXY_TARGET_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', PROXY_TARGET_MAX + 1);
	memcpy(big, "/v1/", 4);
	assert_int_equal(proxy_check_target(big, PROXY_TARGET_MAX, why, sizeof(why)), 0);
	assert_int_equal(proxy_check_target(big, PROXY_TARGET_MAX + 1, why, sizeof(why)), 414);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_sse_splits),
		cmocka_unit_test(test_sse_partial),
		cmocka_unit_test(test_message_body),
		cmocka_unit_test(test_batch_body),
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test(test_check_head),
		cmocka_unit_test(test_check_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
