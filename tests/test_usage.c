/* test_usage.c — the usage record: RFC 3339 times and the three line parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/usage.h"

static void
test_time(void **state)
{
	static const struct {
		const char *s;
		int64_t     ms;
	} good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2025-06-02T22:40:37.397Z", 1748904037397LL },
		{ "2025-06-02t22:40:37.397z", 1748904037397LL },
		{ "2025-06-02 22:40:37.397Z", 1748904037397LL },
		{ "2025-06-02T22:40:37.397000Z", 1748904037397LL },
		{ "2025-06-02T22:40:37.3979999Z", 1748904037397LL },  /* truncated, not rounded */
		{ "2024-09-24T18:37:24.100435Z", 1727203044100LL },
		{ "2024-02-29T12:00:00+02:00", 1709200800000LL },
		{ "2025-06-02T22:40:37-05:30", 1748923837000LL },
		{ "1969-12-31T23:59:59Z", -1000 },
		{ "1969-12-31T23:59:59.5Z", -500 },
		{ "2000-03-01T00:00:00Z", 951868800000LL },
		{ "2016-12-31T23:59:60Z", 1483228799999LL },         /* leap second */
	};
	static const char *const bad[] = {
		"", "2025-06-02", "2025-06-02T22:40:37", "2025-06-02T22:40:37.Z",
		"2023-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-00-10T00:00:00Z",
		"2025-06-31T00:00:00Z", "2025-06-02T24:00:00Z", "2025-06-02T22:60:00Z",
		"2025-06-02T22:40:37Zjunk", "2025-06-02T22:40:37+0200", "2025-06-02T22:40:37+25:00",
		"2025/06/02T22:40:37Z", "20a5-06-02T22:40:37Z", "2025-06-02T22:40:37.397 Z",
	};
	size_t i;
	int64_t ms;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = 42;
		if (usage_parse_time(good[i].s, &ms) != 0)
			fail_msg("%s refused", good[i].s);
		if (ms != good[i].ms)
			fail_msg("%s: %lld, want %lld", good[i].s, (long long)ms, (long long)good[i].ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 42;
		if (usage_parse_time(bad[i], &ms) == 0)
			fail_msg("%s accepted", bad[i]);
		assert_int_equal(ms, 42);
	}
	assert_int_equal(usage_parse_time(NULL, &ms), -1);
}

/* The §1 example response. */
static const char resp[] =
    "{\"id\":\"msg_01abc\",\"type\":\"message\",\"role\":\"assistant\","
    "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],"
    "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
    "\"usage\":{\"input_tokens\":21,\"cache_creation_input_tokens\":188086,"
    "\"cache_read_input_tokens\":0,\"cache_creation\":{\"ephemeral_5m_input_tokens\":188086,"
    "\"ephemeral_1h_input_tokens\":0},\"output_tokens\":393,\"service_tier\":\"standard\"}}";

static void
test_message(void **state)
{
	struct usage u;
	char err[256];

	(void)state;
	assert_int_equal(usage_parse_message_line(resp, strlen(resp), &u, err, sizeof(err)), 0);
	assert_string_equal(u.model, "claude-sonnet-4-5-20250929");
	assert_string_equal(u.message_id, "msg_01abc");
	assert_string_equal(u.stop_reason, "end_turn");
	assert_string_equal(u.service_tier, "standard");
	assert_int_equal(u.tok.input, 21);
	assert_int_equal(u.tok.write_5m, 188086);
	assert_int_equal(u.tok.write_1h, 0);
	assert_int_equal(u.tok.cache_read, 0);
	assert_int_equal(u.tok.output, 393);
	assert_int_equal(u.ts_ms, 0);              /* the caller's to set */
	assert_string_equal(u.source, "");
}

static void
test_message_variants(void **state)
{
	struct usage u;
	char err[256];
	const char *s;

	(void)state;
	/* no split: every write is 5m */
	s = "{\"model\":\"m\",\"usage\":{\"cache_creation_input_tokens\":500,\"output_tokens\":1}}";
	assert_int_equal(usage_parse_message_line(s, strlen(s), &u, err, sizeof(err)), 0);
	assert_int_equal(u.tok.write_5m, 500);
	assert_int_equal(u.tok.write_1h, 0);
	/* a 5m/1h split */
	s = "{\"model\":\"m\",\"usage\":{\"cache_creation_input_tokens\":500,\"cache_creation\":"
	    "{\"ephemeral_5m_input_tokens\":100,\"ephemeral_1h_input_tokens\":400}}}";
	assert_int_equal(usage_parse_message_line(s, strlen(s), &u, err, sizeof(err)), 0);
	assert_int_equal(u.tok.write_5m, 100);
	assert_int_equal(u.tok.write_1h, 400);
	/* split without the total; a total above the split goes to 5m */
	s = "{\"model\":\"m\",\"usage\":{\"cache_creation\":{\"ephemeral_1h_input_tokens\":7}}}";
	assert_int_equal(usage_parse_message_line(s, strlen(s), &u, err, sizeof(err)), 0);
	assert_int_equal(u.tok.write_5m + u.tok.write_1h * 10, 70);
	s = "{\"model\":\"m\",\"usage\":{\"cache_creation_input_tokens\":10,"
	    "\"cache_creation\":{\"ephemeral_1h_input_tokens\":7}}}";
	assert_int_equal(usage_parse_message_line(s, strlen(s), &u, err, sizeof(err)), 0);
	assert_int_equal(u.tok.write_5m, 3);
	assert_int_equal(u.tok.write_1h, 7);
	/* nulls and absences are 0; newer fields */
	s = "{\"model\":\"claude-opus-4-6\",\"usage\":{\"input_tokens\":null,\"cache_creation\":null,"
	    "\"output_tokens\":5,\"speed\":\"fast\",\"inference_geo\":\"us\","
	    "\"output_tokens_details\":{\"thinking_tokens\":3},\"service_tier\":null}}";
	assert_int_equal(usage_parse_message_line(s, strlen(s), &u, err, sizeof(err)), 0);
	assert_int_equal(usage_total(&u.tok), 5);
	assert_string_equal(u.speed, "fast");
	assert_string_equal(u.inference_geo, "us");
	assert_string_equal(u.service_tier, "");
	s = "{\"model\":\"m\",\"usage\":{}}";
	assert_int_equal(usage_parse_message_line(s, strlen(s), &u, err, sizeof(err)), 0);
	assert_int_equal(usage_total(&u.tok), 0);
	/* a long model id is cut, still terminated */
	s = "{\"model\":\"mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"
	    "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\",\"usage\":{}}";
	assert_int_equal(usage_parse_message_line(s, strlen(s), &u, err, sizeof(err)), 0);
	assert_int_equal(strlen(u.model), USAGE_MODEL_MAX - 1);
}

static void
test_message_malformed(void **state)
{
	static const struct {
		const char *line;
		const char *want;
	} cases[] = {
		{ "{\"model\":\"m\",\"usage\":{\"output_tokens\":\"12\"}}",
		  "usage.output_tokens: not a non-negative integer" },
		{ "{\"model\":\"m\",\"usage\":{\"input_tokens\":-1}}", "usage.input_tokens" },
		{ "{\"model\":\"m\",\"usage\":{\"input_tokens\":1.5}}", "usage.input_tokens" },
		{ "{\"model\":\"m\",\"usage\":{\"cache_creation\":[]}}", "usage.cache_creation" },
		{ "{\"model\":\"m\",\"usage\":{\"cache_creation\":{\"ephemeral_5m_input_tokens\":\"x\"}}}",
		  "usage.cache_creation.ephemeral_5m_input_tokens" },
		{ "{\"model\":\"m\",\"usage\":{\"service_tier\":3}}", "usage.service_tier: not a string" },
		{ "{\"usage\":{}}", "model: missing" },
		{ "{\"model\":7,\"usage\":{}}", "model: not" },
		{ "{\"model\":\"m\"}", "usage: missing" },
		{ "{\"model\":\"m\",\"usage\":[]}", "usage: not an object" },
		{ "{\"type\":\"error\",\"error\":{\"type\":\"api_error\"}}", "type" },
		{ "{\"model\":\"m\",\"usage\":{},\"id\":5}", "id: not a string" },
		{ "{\"model\":\"m\",\"usage\":{", "invalid JSON" },
		{ "[1,2]", "not a JSON object" },
		{ "", "invalid JSON" },
	};
	struct usage u;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (usage_parse_message_line(cases[i].line, strlen(cases[i].line), &u, err,
		    sizeof(err)) == 0)
			fail_msg("case %zu accepted", i);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, err, cases[i].want);
	}
	/* usage_from_message on a json_t directly, and NULL */
	assert_int_equal(usage_from_message(NULL, &u, err, sizeof(err)), -1);
	{
		json_t *m = json_pack("{s:s,s:{s:i}}", "model", "m2", "usage", "output_tokens", 9);

		memset(&u, 0, sizeof(u));
		usage_strlcpy(u.message_id, "msg_old", sizeof(u.message_id));
		usage_strlcpy(u.tag, "kept", sizeof(u.tag));
		u.tok.input = 77;
		assert_int_equal(usage_from_message(m, &u, err, sizeof(err)), 0);
		assert_string_equal(u.message_id, "");    /* set from the message: absent */
		assert_string_equal(u.tag, "kept");       /* not the message's to set */
		assert_int_equal(u.tok.input, 0);
		assert_int_equal(u.tok.output, 9);
		json_decref(m);
	}
}

static void
test_result_lines(void **state)
{
	static const char ok[] =
	    "{\"custom_id\":\"a-1\",\"result\":{\"type\":\"succeeded\",\"message\":{\"id\":\"msg_9\","
	    "\"type\":\"message\",\"model\":\"claude-haiku-4-5\",\"stop_reason\":\"max_tokens\","
	    "\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":2048,"
	    "\"output_tokens\":7,\"service_tier\":\"batch\"}}}}";
	static const char errored[] =
	    "{\"custom_id\":\"b\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\","
	    "\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: too big\"}}}}";
	struct usage_result r;
	char err[256];
	const char *s;

	(void)state;
	assert_int_equal(usage_parse_result_line(ok, strlen(ok), &r, err, sizeof(err)), 0);
	assert_string_equal(r.custom_id, "a-1");
	assert_string_equal(r.type, "succeeded");
	assert_string_equal(r.u.source, "batch");
	assert_string_equal(r.u.custom_id, "a-1");
	assert_string_equal(r.u.message_id, "msg_9");
	assert_string_equal(r.u.model, "claude-haiku-4-5");
	assert_string_equal(r.u.service_tier, "batch");
	assert_string_equal(r.u.stop_reason, "max_tokens");
	assert_int_equal(r.u.tok.cache_read, 2048);
	assert_int_equal(r.u.tok.output, 7);
	assert_true(usage_is_batch(&r.u));

	assert_int_equal(usage_parse_result_line(errored, strlen(errored), &r, err, sizeof(err)), 0);
	assert_string_equal(r.type, "errored");
	assert_string_equal(r.error, "invalid_request_error: max_tokens: too big");
	assert_int_equal(usage_total(&r.u.tok), 0);
	assert_string_equal(r.u.model, "");

	s = "{\"custom_id\":\"c\",\"result\":{\"type\":\"canceled\"}}";
	assert_int_equal(usage_parse_result_line(s, strlen(s), &r, err, sizeof(err)), 0);
	assert_string_equal(r.type, "canceled");
	s = "{\"custom_id\":\"d\",\"result\":{\"type\":\"expired\"}}\n";    /* trailing newline ok */
	assert_int_equal(usage_parse_result_line(s, strlen(s), &r, err, sizeof(err)), 0);
	assert_string_equal(r.type, "expired");
	/* only len bytes count */
	s = "{\"custom_id\":\"e\",\"result\":{\"type\":\"expired\"}}GARBAGE";
	assert_int_equal(usage_parse_result_line(s, strlen(s) - 7, &r, err, sizeof(err)), 0);
}

static void
test_result_malformed(void **state)
{
	static const struct {
		const char *line;
		const char *want;
	} cases[] = {
		{ "{\"result\":{\"type\":\"canceled\"}}", "custom_id: missing" },
		{ "{\"custom_id\":\"\",\"result\":{\"type\":\"canceled\"}}", "custom_id" },
		{ "{\"custom_id\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\","
		  "\"result\":{\"type\":\"canceled\"}}", "custom_id" },
		{ "{\"custom_id\":\"a\"}", "result: missing" },
		{ "{\"custom_id\":\"a\",\"result\":{\"type\":\"won\"}}", "result.type" },
		{ "{\"custom_id\":\"a\",\"result\":{\"type\":\"succeeded\"}}", "result.message" },
		{ "{\"custom_id\":\"a\",\"result\":{\"type\":\"succeeded\",\"message\":{\"model\":\"m\","
		  "\"usage\":{\"output_tokens\":-4}}}}", "result.message.usage.output_tokens" },
		{ "{\"custom_id\":\"a\",\"result\":", "invalid JSON" },
	};
	struct usage_result r;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (usage_parse_result_line(cases[i].line, strlen(cases[i].line), &r, err,
		    sizeof(err)) == 0)
			fail_msg("case %zu accepted", i);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, err, cases[i].want);
	}
}

/* The §7 example line. */
static const char cc_line[] =
    "{\"parentUuid\":\"p\",\"isSidechain\":false,\"userType\":\"external\",\"cwd\":\"/home/me/proj\","
    "\"sessionId\":\"0a9a8045-1\",\"version\":\"1.0.9\",\"type\":\"assistant\",\"message\":"
    "{\"id\":\"msg_018vkDif\",\"type\":\"message\",\"role\":\"assistant\","
    "\"model\":\"claude-opus-4-20250514\",\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],"
    "\"stop_reason\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":97,"
    "\"cache_creation_input_tokens\":161,\"cache_read_input_tokens\":89356,"
    "\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":161}}},"
    "\"requestId\":\"req_011CPkCW\",\"uuid\":\"u\",\"timestamp\":\"2025-06-02T22:40:37.397Z\"}";

static void
test_transcript(void **state)
{
	struct usage u;
	char err[256];
	char side[sizeof(cc_line) + 8];
	const char *s;

	(void)state;
	assert_int_equal(usage_parse_transcript_line(cc_line, strlen(cc_line), &u, err,
	    sizeof(err)), USAGE_LINE_ROW);
	assert_int_equal(u.ts_ms, 1748904037397LL);
	assert_string_equal(u.request_id, "req_011CPkCW");
	assert_string_equal(u.message_id, "msg_018vkDif");
	assert_string_equal(u.model, "claude-opus-4-20250514");
	assert_string_equal(u.source, "import");
	assert_int_equal(u.sidechain, 0);
	assert_int_equal(u.tok.input, 3);
	assert_int_equal(u.tok.output, 97);
	assert_int_equal(u.tok.write_5m, 0);
	assert_int_equal(u.tok.write_1h, 161);
	assert_int_equal(u.tok.cache_read, 89356);

	/* a sidechain replay */
	snprintf(side, sizeof(side), "%s", cc_line);
	memcpy(strstr(side, "false"), "true ", 5);
	assert_int_equal(usage_parse_transcript_line(side, strlen(side), &u, err, sizeof(err)),
	    USAGE_LINE_ROW);
	assert_int_equal(u.sidechain, 1);

	/* without a request id the row still counts */
	s = "{\"timestamp\":\"2025-01-01T00:00:00Z\",\"message\":{\"model\":\"claude-haiku-4-5\","
	    "\"usage\" : {\"output_tokens\":1}}}";
	assert_int_equal(usage_parse_transcript_line(s, strlen(s), &u, err, sizeof(err)),
	    USAGE_LINE_ROW);
	assert_string_equal(u.request_id, "");
	assert_int_equal(u.tok.output, 1);
}

static void
test_transcript_skips(void **state)
{
	static const char *const skips[] = {
		/* a user turn: never parsed */
		"{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"hi\"},"
		"\"timestamp\":\"2025-06-02T22:40:30.000Z\"}",
		/* a summary */
		"{\"type\":\"summary\",\"summary\":\"Fix the build\",\"leafUuid\":\"x\"}",
		/* <synthetic> */
		"{\"type\":\"assistant\",\"timestamp\":\"2025-06-02T22:40:37.397Z\",\"message\":"
		"{\"id\":\"m1\",\"model\":\"<synthetic>\",\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}",
		/* an API error message */
		"{\"type\":\"assistant\",\"isApiErrorMessage\":true,\"timestamp\":\"2025-06-02T22:40:37.397Z\","
		"\"message\":{\"id\":\"m2\",\"model\":\"claude-opus-4-20250514\",\"usage\":{\"input_tokens\":0}}}",
		/* usage quoted inside a tool result: escaped, no match */
		"{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\","
		"\"content\":\"{\\\"usage\\\":{\\\"input_tokens\\\":5}}\"}]}}",
		/* "usage":{ elsewhere than message.usage */
		"{\"type\":\"progress\",\"data\":{\"usage\":{\"input_tokens\":5}}}",
		/* usage null */
		"{\"type\":\"assistant\",\"message\":{\"model\":\"m\",\"usage\":null}}",
		"",
	};
	struct usage u;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(skips) / sizeof(skips[0]); i++)
		if (usage_parse_transcript_line(skips[i], strlen(skips[i]), &u, err, sizeof(err)) !=
		    USAGE_LINE_SKIP)
			fail_msg("case %zu not skipped", i);
	assert_false(usage_line_has_usage("{\"usage\":null}", 14));
	assert_false(usage_line_has_usage("{\"usage\":5,\"x\":{}}", 18));
	assert_true(usage_line_has_usage("{\"usage\" :\t{}}", 14));
	assert_false(usage_line_has_usage("{\"usage\":{}}", 9));     /* the '{' is past len */
	assert_true(usage_line_has_usage("{\"usage\":{}}", 10));
}

static void
test_transcript_malformed(void **state)
{
	static const struct {
		const char *line;
		const char *want;
	} cases[] = {
		{ "{\"type\":\"assistant\",\"message\":{\"model\":\"m\",\"usage\":{\"input_tokens\":3,",
		  "invalid JSON" },
		{ "{\"message\":{\"model\":\"m\",\"usage\":{}}}", "timestamp: missing" },
		{ "{\"timestamp\":\"yesterday\",\"message\":{\"model\":\"m\",\"usage\":{}}}",
		  "timestamp: not an RFC 3339 time: \"yesterday\"" },
		{ "{\"timestamp\":17,\"message\":{\"model\":\"m\",\"usage\":{}}}",
		  "timestamp: not a string" },
		{ "{\"timestamp\":\"2025-06-02T22:40:37Z\",\"message\":{\"model\":\"m\","
		  "\"usage\":{\"output_tokens\":\"x\"}}}",
		  "message.usage.output_tokens: not a non-negative integer" },
		{ "{\"timestamp\":\"2025-06-02T22:40:37Z\",\"message\":{\"usage\":{}}}",
		  "message.model: missing" },
		{ "{\"timestamp\":\"2025-06-02T22:40:37Z\",\"requestId\":[],\"message\":{\"model\":\"m\","
		  "\"usage\":{}}}", "requestId: not a string" },
	};
	struct usage u;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (usage_parse_transcript_line(cases[i].line, strlen(cases[i].line), &u, err,
		    sizeof(err)) != USAGE_LINE_MALFORMED)
			fail_msg("case %zu not malformed", i);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, err, cases[i].want);
	}
}

/* The pieces the import reader uses on a line it has already parsed. */
static void
test_from_parsed(void **state)
{
	static const char line[] = "{\"type\":\"assistant\","
	    "\"timestamp\":\"2025-06-02T22:40:37.397Z\",\"requestId\":\"req_1\","
	    "\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
	    "\"model\":\"claude-opus-4-20250514\","
	    "\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],"
	    "\"usage\":{\"input_tokens\":3,\"output_tokens\":97,"
	    "\"cache_creation_input_tokens\":161,\"cache_read_input_tokens\":89356}}}";
	struct usage_result r;
	struct usage u, w;
	json_t *root;
	char err[256];

	(void)state;
	assert_null(usage_load_line("[1]", 3, err, sizeof(err)));
	assert_string_equal(err, "not a JSON object");
	assert_null(usage_load_line("{\"a\":", 5, err, sizeof(err)));
	assert_int_equal(strncmp(err, "invalid JSON at column ", 23), 0);
	root = usage_load_line(line, strlen(line), err, sizeof(err));
	assert_non_null(root);
	assert_int_equal(usage_from_transcript(root, &u, err, sizeof(err)), USAGE_LINE_ROW);
	assert_string_equal(u.model, "claude-opus-4-20250514");
	assert_int_equal(u.tok.cache_read, 89356);
	/* the same row as the line parser's */
	assert_int_equal(usage_parse_transcript_line(line, strlen(line), &w, err, sizeof(err)),
	    USAGE_LINE_ROW);
	assert_memory_equal(&u, &w, sizeof(u));
	assert_int_equal(usage_result_from_obj(root, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "custom_id: missing");
	json_decref(root);

	root = json_pack("{s:s, s:{s:s}}", "custom_id", "c1", "result", "type", "expired");
	assert_int_equal(usage_result_from_obj(root, &r, err, sizeof(err)), 0);
	assert_string_equal(r.type, "expired");
	assert_string_equal(r.custom_id, "c1");
	assert_int_equal(usage_from_transcript(root, &u, err, sizeof(err)), USAGE_LINE_SKIP);
	json_decref(root);

	root = json_pack("[i]", 1);
	assert_int_equal(usage_result_from_obj(root, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "not a JSON object");
	assert_int_equal(usage_from_transcript(root, &u, err, sizeof(err)), USAGE_LINE_SKIP);
	json_decref(root);
}

static void
test_helpers(void **state)
{
	struct usage u;
	char buf[6];

	(void)state;
	memset(&u, 0, sizeof(u));
	u.tok.input = 1;
	u.tok.write_5m = 2;
	u.tok.write_1h = 4;
	u.tok.cache_read = 8;
	u.tok.output = 16;
	assert_int_equal(usage_total_input(&u.tok), 15);
	assert_int_equal(usage_total(&u.tok), 31);
	assert_false(usage_is_batch(&u));
	usage_strlcpy(buf, "ab\xea\xb0\x80" "cd", sizeof(buf));   /* 가 is 3 bytes */
	assert_string_equal(buf, "ab\xea\xb0\x80");
	usage_strlcpy(buf, "abcd\xea\xb0\x80", sizeof(buf));      /* would cut 가: drop it */
	assert_string_equal(buf, "abcd");
	usage_strlcpy(buf, NULL, sizeof(buf));
	assert_string_equal(buf, "");
}

/* Counts are bounded at USAGE_COUNT_MAX (10^12) in every shape: the error
 * names the field and the value, and no sum of a row can overflow. */
static void
test_huge_counts(void **state)
{
	static const struct {
		const char *line;
		const char *want;       /* NULL: parses */
	} msg[] = {
		{ "{\"model\":\"m\",\"usage\":{\"input_tokens\":9223372036854775807,"
		  "\"cache_read_input_tokens\":5}}",
		  "usage.input_tokens: 9223372036854775807: not a token count (0..1000000000000)" },
		{ "{\"model\":\"m\",\"usage\":{\"output_tokens\":1000000000001}}",
		  "usage.output_tokens: 1000000000001: not a token count (0..1000000000000)" },
		{ "{\"model\":\"m\",\"usage\":{\"cache_read_input_tokens\":-1}}",
		  "usage.cache_read_input_tokens: -1: not a token count (0..1000000000000)" },
		{ "{\"model\":\"m\",\"usage\":{\"cache_creation_input_tokens\":"
		  "-9223372036854775808}}",
		  "usage.cache_creation_input_tokens: -9223372036854775808: not a token count" },
		{ "{\"model\":\"m\",\"usage\":{\"input_tokens\":1e300}}",
		  "usage.input_tokens: 1e+300: not a non-negative integer" },
		{ "{\"model\":\"m\",\"usage\":{\"cache_creation\":{\"ephemeral_1h_input_tokens\":"
		  "9223372036854775807,\"ephemeral_5m_input_tokens\":9223372036854775807}}}",
		  "usage.cache_creation.ephemeral_5m_input_tokens: 9223372036854775807: not a token" },
		{ "{\"model\":\"m\",\"usage\":{\"input_tokens\":9223372036854775808}}",
		  "invalid JSON" },      /* past int64: jansson refuses it */
		{ "{\"model\":\"m\",\"usage\":{\"input_tokens\":1000000000000,"
		  "\"cache_creation_input_tokens\":1000000000000,\"cache_read_input_tokens\":"
		  "1000000000000,\"output_tokens\":1000000000000,\"cache_creation\":{"
		  "\"ephemeral_5m_input_tokens\":1000000000000,\"ephemeral_1h_input_tokens\":"
		  "1000000000000}}}", NULL },
	};
	struct usage_result r;
	struct usage u;
	char err[256], line[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msg) / sizeof(msg[0]); i++) {
		int rc = usage_parse_message_line(msg[i].line, strlen(msg[i].line), &u, err,
		    sizeof(err));

		if (msg[i].want == NULL) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err);
			continue;
		}
		if (rc != -1 || strstr(err, msg[i].want) == NULL)
			fail_msg("case %zu: rc %d, err '%s', want '%s'", i, rc, err, msg[i].want);
	}
	/* the largest row: every bucket at the bound, sums exact */
	assert_int_equal(u.tok.write_5m, 1000000000000LL);
	assert_int_equal(u.tok.write_1h, 1000000000000LL);
	assert_int_equal(usage_total(&u.tok), 5000000000000LL);

	/* a results line and a transcript line say where */
	snprintf(line, sizeof(line), "{\"custom_id\":\"a\",\"result\":{\"type\":\"succeeded\","
	    "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":9223372036854775807}}}}");
	assert_int_equal(usage_parse_result_line(line, strlen(line), &r, err, sizeof(err)), -1);
	assert_string_equal(err, "result.message.usage.output_tokens: 9223372036854775807: "
	    "not a token count (0..1000000000000)");
	snprintf(line, sizeof(line), "{\"timestamp\":\"2025-06-02T22:40:37Z\",\"message\":{"
	    "\"model\":\"m\",\"usage\":{\"input_tokens\":1000000000001}}}");
	assert_int_equal(usage_parse_transcript_line(line, strlen(line), &u, err, sizeof(err)),
	    USAGE_LINE_MALFORMED);
	assert_string_equal(err, "message.usage.input_tokens: 1000000000001: "
	    "not a token count (0..1000000000000)");
}

/* Sums of rows (reports add many) saturate or say they overflowed; a row
 * the ledger takes is checked bucket by bucket. */
static void
test_checked_sums(void **state)
{
	struct tokens big = { INT64_MAX, INT64_MAX, 1, 1, INT64_MAX }, acc, one = { 1, 1, 1, 1, 1 };
	char err[128];

	(void)state;
	assert_int_equal(usage_total_input(&big), INT64_MAX);
	assert_int_equal(usage_total(&big), INT64_MAX);
	acc = big;
	assert_int_equal(usage_tokens_add(&acc, &one), -1);
	assert_memory_equal(&acc, &big, sizeof(acc));      /* unchanged */
	memset(&acc, 0, sizeof(acc));
	assert_int_equal(usage_tokens_add(&acc, &one), 0);
	assert_int_equal(acc.output, 1);
	assert_int_equal(usage_tokens_check(&one, 0, err, sizeof(err)), 0);
	assert_int_equal(usage_tokens_check(&big, 0, err, sizeof(err)), -1);
	assert_string_equal(err, "input_tokens: 9223372036854775807: not a token count "
	    "(0..1000000000000)");
	assert_int_equal(usage_tokens_check(&one, -3, err, sizeof(err)), -1);
	assert_string_equal(err, "compressed_tokens: -3: not a token count (0..1000000000000)");
}

/* usage.server_tool_use in every shape that carries usage (api-notes §9):
 * counted, bounded like token counts, absent or null is none. */
static void
test_server_tools(void **state)
{
	static const char msg[] = "{\"type\":\"message\",\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\","
	    "\"usage\":{\"input_tokens\":5,\"output_tokens\":7,\"server_tool_use\":"
	    "{\"web_search_requests\":3,\"web_fetch_requests\":2,\"code_execution_requests\":1}}}";
	static const char result[] = "{\"custom_id\":\"a\",\"result\":{\"type\":\"succeeded\","
	    "\"message\":{\"id\":\"msg_2\",\"model\":\"claude-haiku-4-5\",\"usage\":"
	    "{\"output_tokens\":1,\"server_tool_use\":{\"web_search_requests\":4}}}}}";
	static const char cc[] = "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"cwd\":\"/src/app\","
	    "\"gitBranch\":\"main\",\"message\":{\"model\":\"claude-haiku-4-5\",\"usage\":"
	    "{\"output_tokens\":1,\"server_tool_use\":{\"web_search_requests\":5}}}}";
	static const char big[] = "{\"model\":\"m\",\"usage\":{\"server_tool_use\":"
	    "{\"web_search_requests\":1000000000001}}}";
	static const char bad[] = "{\"model\":\"m\",\"usage\":{\"server_tool_use\":7}}";
	struct usage_result r;
	struct usage u;
	char err[256];

	(void)state;
	assert_int_equal(usage_parse_message_line(msg, strlen(msg), &u, err, sizeof(err)), 0);
	assert_int_equal(u.web_search_requests, 3);
	assert_int_equal(u.web_fetch_requests, 2);
	assert_int_equal(u.code_execution_requests, 1);
	assert_int_equal(usage_parse_result_line(result, strlen(result), &r, err, sizeof(err)), 0);
	assert_int_equal(r.u.web_search_requests, 4);
	assert_int_equal(usage_parse_transcript_line(cc, strlen(cc), &u, err, sizeof(err)),
	    USAGE_LINE_ROW);
	assert_int_equal(u.web_search_requests, 5);
	assert_string_equal(u.cwd, "/src/app");
	assert_string_equal(u.git_branch, "main");
	assert_int_equal(usage_parse_message_line(big, strlen(big), &u, err, sizeof(err)), -1);
	assert_string_equal(err, "usage.server_tool_use.web_search_requests: 1000000000001: not a"
	    " token count (0..1000000000000)");
	assert_int_equal(usage_parse_message_line(bad, strlen(bad), &u, err, sizeof(err)), -1);
	assert_string_equal(err, "usage.server_tool_use: not an object");
	u.web_search_requests = 0;
	u.code_execution_requests = -1;
	assert_int_equal(usage_tools_check(&u, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "code_execution_requests: -1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_message_variants),
		cmocka_unit_test(test_message_malformed),
		cmocka_unit_test(test_result_lines),
		cmocka_unit_test(test_result_malformed),
		cmocka_unit_test(test_transcript),
		cmocka_unit_test(test_transcript_skips),
		cmocka_unit_test(test_transcript_malformed),
		cmocka_unit_test(test_from_parsed),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test(test_checked_sums),
		cmocka_unit_test(test_server_tools),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
