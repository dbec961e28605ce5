/* test_usage_simd.c — the simdjson path of transcript lines (core/usage_simd.cc):
 * what it decides alone, and that with jansson behind it every line comes
 * out exactly as the jansson path makes it (row, skip, or the same message);
 * the shape of a line for format detection (OpenAI's and Codex's lines are
 * jansson's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/import.h"
#include "core/usage.h"
#include "core/usage_simd.h"

#define HEAD "{\"timestamp\":\"2025-06-02T22:40:37.397Z\",\"requestId\":\"req_1\","

/* A line, what the fast path alone must make of it, and jansson's verdict. */
static const struct {
	const char        *line;
	enum usage_simd_rc fast;
	enum usage_line    full;
} cases[] = {
	/* api-notes §7 */
	{ "{\"type\":\"assistant\",\"timestamp\":\"2025-06-02T22:40:37.397Z\","
	  "\"requestId\":\"req_011CPkCW\",\"isSidechain\":false,\"message\":{\"id\":\"msg_018v\","
	  "\"model\":\"claude-opus-4-20250514\",\"content\":[{\"type\":\"text\",\"text\":\"hi \\\"x\\\"\"}],"
	  "\"usage\":{\"input_tokens\":3,\"output_tokens\":97,\"cache_creation_input_tokens\":161,"
	  "\"cache_read_input_tokens\":89356,\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,"
	  "\"ephemeral_1h_input_tokens\":161}}}}", USAGE_SIMD_ROW, USAGE_LINE_ROW },
	/* tiers at both levels (usage's wins), nulls, a sidechain copy */
	{ HEAD "\"isSidechain\":true,\"message\":{\"model\":\"claude-sonnet-4-5\","
	  "\"service_tier\":\"priority\",\"stop_reason\":null,\"usage\":{\"output_tokens\":5,"
	  "\"input_tokens\":null,\"service_tier\":\"standard\",\"speed\":\"fast\","
	  "\"inference_geo\":\"us\",\"cache_creation\":null}}}", USAGE_SIMD_ROW, USAGE_LINE_ROW },
	/* a repeated key: the last one counts, as in jansson */
	{ HEAD "\"message\":{\"model\":\"a\",\"model\":\"claude-haiku-4-5\",\"usage\":"
	  "{\"output_tokens\":1,\"output_tokens\":2},\"id\":\"m\",\"id\":\"n\"},\"requestId\":\"s\"}",
	  USAGE_SIMD_ROW, USAGE_LINE_ROW },
	/* server tools and attribution (issue 16): read by both paths alike */
	{ HEAD "\"cwd\":\"/home/me/proj\",\"gitBranch\":\"feat/x\",\"message\":{\"model\":"
	  "\"claude-sonnet-4-5\",\"usage\":{\"output_tokens\":5,\"server_tool_use\":"
	  "{\"web_search_requests\":3,\"web_fetch_requests\":1,\"code_execution_requests\":2}}}}",
	  USAGE_SIMD_ROW, USAGE_LINE_ROW },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"server_tool_use\":null}}}",
	  USAGE_SIMD_ROW, USAGE_LINE_ROW },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"server_tool_use\":"
	  "{\"web_search_requests\":-1}}}}", USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"server_tool_use\":[]}}}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"cwd\":7,\"message\":{\"model\":\"m\",\"usage\":{}}}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	/* skipped alike */
	{ HEAD "\"message\":{\"model\":\"<synthetic>\",\"usage\":{\"input_tokens\":0}}}",
	  USAGE_SIMD_SKIP, USAGE_LINE_SKIP },
	{ HEAD "\"isApiErrorMessage\":true,\"message\":{\"model\":\"m\",\"usage\":{}}}",
	  USAGE_SIMD_SKIP, USAGE_LINE_SKIP },
	{ HEAD "\"type\":\"user\",\"toolUseResult\":{\"usage\":{\"input_tokens\":1}}}",
	  USAGE_SIMD_SKIP, USAGE_LINE_SKIP },
	{ "{\"type\":\"user\",\"message\":{\"content\":\"no usage here\"}}",
	  USAGE_SIMD_SKIP, USAGE_LINE_SKIP },
	/* invalid JSON where no row member lies: malformed, as jansson says */
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1}},\"x\":[1,,2]}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1}},\"x\":tru}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1}},\"x\":\"\\q\"}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1}}} trailing",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	/* where the libraries differ: jansson decides */
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1}},\"x\":\"a\\u0000b\"}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1}},\"x\":\"\\ud800\"}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1}},"
	  "\"x\":\"\\ud83d\\ude00\"}", USAGE_SIMD_UNSURE, USAGE_LINE_ROW },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1}},"
	  "\"x\":12345678901234567890}", USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1.0}}}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":-1}}}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"\",\"usage\":{\"output_tokens\":1}}}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"m\",\"id\":7,\"usage\":{\"output_tokens\":1}}}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ "{\"timestamp\":\"yesterday\",\"message\":{\"model\":\"m\",\"usage\":{}}}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ "[{\"usage\":{}}]", USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ "\xef\xbb\xbf" HEAD "\"message\":{\"model\":\"m\",\"usage\":{}}}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"m\xed\xa0\x80\",\"usage\":{}}}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1}},\"x\":\"tab\there\"}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
	/* the count bound, 10^12 (USAGE_COUNT_MAX): at it a row, above it
	 * jansson's message */
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1000000000000}}}",
	  USAGE_SIMD_ROW, USAGE_LINE_ROW },
	{ HEAD "\"message\":{\"model\":\"m\",\"usage\":{\"output_tokens\":1000000000001}}}",
	  USAGE_SIMD_UNSURE, USAGE_LINE_MALFORMED },
};

static void
test_same_as_jansson(void **state)
{
	struct usage a, b, f;
	char ea[512], eb[512];
	enum usage_line ra, rb;
	enum usage_simd_rc rf;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].line);
		ea[0] = eb[0] = '\0';
		ra = usage_parse_transcript_line(cases[i].line, len, &a, ea, sizeof(ea));
		rb = usage_simd_parse_transcript_line(cases[i].line, len, &b, eb, sizeof(eb));
		rf = usage_simd_transcript(cases[i].line, len, &f);
		if (ra != cases[i].full)
			fail_msg("case %zu: jansson says %d (%s)", i, (int)ra, ea);
		if (rf != cases[i].fast)
			fail_msg("case %zu: the fast path says %d, want %d", i, (int)rf,
			    (int)cases[i].fast);
		assert_int_equal(rb, ra);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_string_equal(eb, ea);
		if (rf == USAGE_SIMD_ROW)
			assert_memory_equal(&f, &a, sizeof(a));
	}
}

/* The row itself, field by field (the comparison above would pass on two
 * equally wrong parsers). */
static void
test_fields(void **state)
{
	struct usage u;

	(void)state;
	assert_int_equal(usage_simd_transcript(cases[1].line, strlen(cases[1].line), &u),
	    USAGE_SIMD_ROW);
	assert_int_equal(u.ts_ms, 1748904037397LL);
	assert_string_equal(u.model, "claude-sonnet-4-5");
	assert_string_equal(u.request_id, "req_1");
	assert_string_equal(u.service_tier, "standard");
	assert_string_equal(u.speed, "fast");
	assert_string_equal(u.inference_geo, "us");
	assert_string_equal(u.source, "import");
	assert_int_equal(u.sidechain, 1);
	assert_int_equal(u.tok.output, 5);
	assert_int_equal(usage_simd_transcript(cases[0].line, strlen(cases[0].line), &u),
	    USAGE_SIMD_ROW);
	assert_string_equal(u.message_id, "msg_018v");
	assert_int_equal(u.tok.input, 3);
	assert_int_equal(u.tok.write_5m, 0);
	assert_int_equal(u.tok.write_1h, 161);
	assert_int_equal(u.tok.cache_read, 89356);
	assert_int_equal(u.tok.output, 97);
	assert_int_equal(u.sidechain, 0);
	assert_int_equal(usage_simd_transcript(cases[2].line, strlen(cases[2].line), &u),
	    USAGE_SIMD_ROW);
	assert_string_equal(u.model, "claude-haiku-4-5");
	assert_string_equal(u.message_id, "n");
	assert_string_equal(u.request_id, "s");
	assert_int_equal(u.tok.output, 2);
}

/* A line is read with no NUL after it, from the middle of a buffer. */
static void
test_unterminated(void **state)
{
	char buf[2048];
	struct usage u;
	size_t len = strlen(cases[0].line);

	(void)state;
	memset(buf, '7', sizeof(buf));
	memcpy(buf + 5, cases[0].line, len);
	assert_int_equal(usage_simd_transcript(buf + 5, len, &u), USAGE_SIMD_ROW);
	assert_int_equal(u.tok.output, 97);
	assert_int_equal(usage_simd_transcript(buf + 5, len - 1, &u), USAGE_SIMD_UNSURE);
}

/* Format detection: the shape of a line, as jansson's detection has it. */
static void
test_shape(void **state)
{
	static const struct {
		const char           *line;
		int                   rc;
		enum usage_simd_shape shape;
	} shapes[] = {
		{ "{\"custom_id\":\"a\",\"result\":{\"type\":\"expired\"}}", 0, USAGE_SIMD_RESULT },
		{ "{\"custom_id\":7,\"result\":{},\"usage\":{}}", 0, USAGE_SIMD_MESSAGE },
		{ HEAD "\"message\":{\"usage\":{}}}", 0, USAGE_SIMD_TRANSCRIPT },
		{ HEAD "\"message\":{\"usage\":{},\"usage\":1}}", 0, USAGE_SIMD_OTHER },
		{ "{\"id\":\"msg_1\",\"model\":\"m\",\"usage\":{\"output_tokens\":1}}", 0,
		  USAGE_SIMD_MESSAGE },
		{ "{\"type\":\"user\",\"toolUseResult\":{\"usage\":{}}}", 0, USAGE_SIMD_OTHER },
		{ "[{\"usage\":{}}]", 0, USAGE_SIMD_OTHER },
		{ "\"usage\"", -1, USAGE_SIMD_OTHER },                 /* jansson refuses a scalar */
		{ "{\"usage\":{}", -1, USAGE_SIMD_OTHER },             /* invalid */
		{ "{\"usage\":{\"x\":\"\\u0000\"}}", -1, USAGE_SIMD_OTHER },
	};
	enum usage_simd_shape got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		got = USAGE_SIMD_OTHER;
		if (usage_simd_shape(shapes[i].line, strlen(shapes[i].line), &got) != shapes[i].rc ||
		    (shapes[i].rc == 0 && got != shapes[i].shape))
			fail_msg("shape %zu: %d, want %d", i, (int)got, (int)shapes[i].shape);
	}
}

/* OpenAI's and Codex's lines are left to jansson: simdjson is unsure of each
 * (even those with a top-level "usage" object or a "custom_id"), and the
 * import's detection names their formats. */
static void
test_shape_other_providers(void **state)
{
	static const struct {
		const char        *line;
		enum import_format fmt;
	} lines[] = {
		{ "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1741570283,"
		  "\"model\":\"gpt-4.1\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,"
		  "\"completion_tokens\":4}}", IMPORT_OPENAI },
		{ "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1741570300,"
		  "\"model\":\"o3\",\"output\":[],\"usage\":{\"input_tokens\":20,"
		  "\"output_tokens\":15,\"output_tokens_details\":{\"reasoning_tokens\":12}}}",
		  IMPORT_OPENAI },
		{ "{\"id\":\"batch_req_1\",\"custom_id\":\"r1\",\"response\":{\"status_code\":200,"
		  "\"body\":{\"object\":\"chat.completion\",\"model\":\"gpt-4.1-mini\","
		  "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}},\"error\":null}",
		  IMPORT_OPENAI_BATCH },
		{ "{\"id\":\"batch_req_5\",\"custom_id\":\"r5\",\"response\":null,"
		  "\"error\":{\"code\":\"batch_expired\",\"message\":\"m\"}}", IMPORT_OPENAI_BATCH },
		/* a batch line that also carries a transcript's message.usage */
		{ "{\"custom_id\":\"r6\",\"response\":{},\"message\":{\"usage\":{}}}",
		  IMPORT_OPENAI_BATCH },
		{ "{\"timestamp\":\"2025-09-10T12:00:01Z\",\"type\":\"event_msg\",\"payload\":"
		  "{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"input_tokens\":10,"
		  "\"cached_input_tokens\":0,\"output_tokens\":5,\"reasoning_output_tokens\":0}}}}",
		  IMPORT_CODEX },
		{ "{\"timestamp\":\"2025-09-10T12:00:00Z\",\"type\":\"session_meta\",\"payload\":"
		  "{\"id\":\"s1\",\"cwd\":\"/w\"},\"usage\":{}}", IMPORT_CODEX },
	};
	enum usage_simd_shape got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (usage_simd_shape(lines[i].line, strlen(lines[i].line), &got) != -1)
			fail_msg("line %zu: simdjson decided shape %d", i, (int)got);
		if (import_detect(lines[i].line, strlen(lines[i].line)) != lines[i].fmt)
			fail_msg("line %zu: detected as %s, want %s", i,
			    import_format_name(import_detect(lines[i].line, strlen(lines[i].line))),
			    import_format_name(lines[i].fmt));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_jansson),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_shape_other_providers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
