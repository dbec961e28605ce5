/* test_codex.c — Codex CLI rollout lines: parsing (jansson's, and the
 * simdjson path's agreement with it), the fold into increases of
 * total_token_usage, their prices (worked out by hand), the file name's
 * session id, the default folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/codex.h"
#include "core/pricing.h"
#include "core/usage_simd.h"
#include "tests/lib/fx.h"

#define TC(in, cached, out, reasoning) \
	"{\"timestamp\":\"2025-09-10T12:00:05.000Z\",\"type\":\"event_msg\",\"payload\":" \
	"{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"input_tokens\":" #in "," \
	"\"cached_input_tokens\":" #cached ",\"output_tokens\":" #out ",\"reasoning_output_tokens\":" \
	#reasoning ",\"total_tokens\":0},\"last_token_usage\":{},\"model_context_window\":272000}," \
	"\"rate_limits\":{\"primary\":{\"used_percent\":5.0,\"window_minutes\":300}}}}"

static const char *const lines[] = {
	"{\"timestamp\":\"2025-09-10T12:00:00.000Z\",\"type\":\"session_meta\",\"payload\":{"
	"\"id\":\"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\",\"cwd\":\"/home/me/proj\","
	"\"cli_version\":\"0.40.0\"}}",
	"{\"timestamp\":\"2025-09-10T12:00:01.000Z\",\"type\":\"turn_context\",\"payload\":{"
	"\"model\":\"gpt-5-codex\",\"cwd\":\"/home/me/proj\",\"approval_policy\":\"on-request\"}}",
	"{\"timestamp\":\"2025-09-10T12:00:02.000Z\",\"type\":\"event_msg\",\"payload\":{"
	"\"type\":\"token_count\",\"info\":null,\"rate_limits\":{}}}",
	"{\"timestamp\":\"2025-09-10T12:00:03.000Z\",\"type\":\"response_item\",\"payload\":{"
	"\"type\":\"message\",\"role\":\"user\",\"content\":[]}}",
	TC(1000, 0, 200, 50),
	TC(1000, 0, 200, 50),                /* the same total again: nothing */
	TC(3000, 1024, 500, 100),
	"{\"timestamp\":\"2025-09-10T12:01:00.000Z\",\"type\":\"turn_context\",\"payload\":{"
	"\"model\":\"gpt-5\",\"cwd\":\"/home/me/proj/sub\"}}",
	TC(5000, 2048, 700, 100),
	TC(300, 0, 40, 0),                   /* went down: a restarted count, whole */
};

/* Rows expected, in order: buckets, model, cost in nano-dollars.
 *  1: 1000×1.25 + 200×10                      = 3,250 µ$ (gpt-5-codex)
 *  2: 976×1.25 + 1024×0.125 + 300×10          = 4,348 µ$
 *  3: 976×1.25 + 1024×0.125 + 200×10 (gpt-5)  = 3,348 µ$
 *  4: 300×1.25 + 40×10                        =   775 µ$ */
static const struct {
	int64_t in, cr, out, reasoning, nanos;
	const char *model, *cwd, *id;
} rows[] = {
	{ 1000, 0, 200, 50, 3250000, "gpt-5-codex", "/home/me/proj",
	  "codex:0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:1200" },
	{ 976, 1024, 300, 50, 4348000, "gpt-5-codex", "/home/me/proj",
	  "codex:0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:3500" },
	{ 976, 1024, 200, 0, 3348000, "gpt-5", "/home/me/proj/sub",
	  "codex:0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:5700" },
	{ 300, 0, 40, 0, 775000, "gpt-5", "/home/me/proj/sub",
	  "codex:0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:340" },
};

static void
test_fold(void **state)
{
	struct pricing *p = fx_shipped_prices();
	struct codex_state st;
	struct codex_event ev;
	struct usage u;
	char err[256];
	size_t i, k = 0;
	int64_t nanos;
	json_t *o;
	int rc;

	(void)state;
	codex_state_init(&st, "from-file-name");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		o = json_loads(lines[i], 0, NULL);
		assert_non_null(o);
		assert_true(codex_is_line(o));
		if (codex_parse(o, &ev, err, sizeof(err)) != 0)
			fail_msg("line %zu: %s", i + 1, err);
		json_decref(o);
		rc = codex_fold(&st, &ev, &u, err, sizeof(err));
		assert_int_not_equal(rc, -1);
		if (rc == 0)
			continue;
		assert_true(k < sizeof(rows) / sizeof(rows[0]));
		assert_int_equal(u.tok.input, rows[k].in);
		assert_int_equal(u.tok.cache_read, rows[k].cr);
		assert_int_equal(u.tok.output, rows[k].out);
		assert_int_equal(u.tok.write_5m + u.tok.write_1h, 0);
		assert_int_equal(u.reasoning_tokens, rows[k].reasoning);
		assert_string_equal(u.model, rows[k].model);
		assert_string_equal(u.cwd, rows[k].cwd);
		assert_string_equal(u.message_id, rows[k].id);
		assert_string_equal(u.session_id, "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
		assert_string_equal(u.provider, "openai");
		assert_string_equal(u.source, "import");
		assert_int_equal(u.ts_ms, 1757505605000LL);
		assert_int_equal(pricing_usage_cost(p, &u, &nanos), 0);
		assert_int_equal(nanos, rows[k].nanos);
		k++;
	}
	assert_int_equal(k, sizeof(rows) / sizeof(rows[0]));
	pricing_free(p);
}

static void
test_malformed(void **state)
{
	static const struct {
		const char *line, *want;
	} bad[] = {
		{ TC(-5, 0, 0, 0), "payload.info.total_token_usage.input_tokens: -5: not a token count" },
		{ TC(10, 0, 1000000000001, 0), "output_tokens: 1000000000001: not a token count" },
		{ "{\"timestamp\":\"yesterday\",\"type\":\"turn_context\",\"payload\":{}}",
		  "timestamp: not an RFC 3339 time" },
		{ "{\"timestamp\":\"2025-09-10T12:00:00Z\",\"type\":\"turn_context\",\"payload\":"
		  "{\"model\":7}}", "payload.model: not a string" },
		{ "{\"timestamp\":\"2025-09-10T12:00:00Z\",\"type\":\"event_msg\",\"payload\":"
		  "{\"type\":\"token_count\",\"info\":{}}}", "payload.info.total_token_usage: missing" },
	};
	struct codex_event ev;
	struct codex_state st;
	struct usage u;
	char err[256];
	json_t *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = json_loads(bad[i].line, 0, NULL);
		assert_non_null(o);
		err[0] = '\0';
		assert_int_equal(codex_parse(o, &ev, err, sizeof(err)), -1);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].want);
		json_decref(o);
	}
	/* an impossible increase: cached grew more than input */
	codex_state_init(&st, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.kind = CODEX_TOKENS;
	ev.input = 1000;
	ev.cached = 0;
	assert_int_equal(codex_fold(&st, &ev, &u, err, sizeof(err)), 1);
	assert_string_equal(u.model, "unknown");          /* no turn_context yet */
	ev.input = 1100;
	ev.cached = 500;
	assert_int_equal(codex_fold(&st, &ev, &u, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cached_input_tokens (increase): 500: more than"));
	/* not Codex lines */
	o = json_loads("{\"type\":\"assistant\",\"message\":{}}", 0, NULL);
	assert_false(codex_is_line(o));
	json_decref(o);
}

/* The event codex_parse makes of a line's jansson parse (rc 0), else -1. */
static int
jansson_event(const char *line, struct codex_event *ev)
{
	json_t *o = json_loads(line, 0, NULL);
	char err[256];
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (o == NULL)
		return -1;
	rc = json_is_object(o) ? codex_parse(o, ev, err, sizeof(err)) : -1;
	json_decref(o);
	return rc;
}

/* simdjson answers exactly codex_parse's event, and leaves to jansson every
 * line it cannot be sure of (errors, odd numbers and escapes). */
static void
test_simd(void **state)
{
	static const char *const sure[] = {
		/* a repeated key: the last wins in both */
		"{\"type\":\"event_msg\",\"timestamp\":\"2025-09-10T12:00:09+02:00\",\"payload\":"
		"{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"input_tokens\":1,"
		"\"input_tokens\":5,\"cached_input_tokens\":null,\"output_tokens\":2}}}}",
		/* escaped keys and values, a string that is not ours */
		"{\"timestamp\":\"2025-09-10T12:00:00Z\",\"typ\\u0065\":\"turn_context\",\"payload\":"
		"{\"model\":\"gpt-5\\u002dcodex\",\"cwd\":\"/h\\u00e9/\\\"q\\\"\"}}",
		/* no timestamp; info null; unknown types */
		"{\"type\":\"session_meta\",\"payload\":{\"id\":null,\"cwd\":\"/x\"}}",
		"{\"timestamp\":1,\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\"}}",
		"{\"timestamp\":\"2025-09-10T12:00:00Z\",\"type\":\"compacted\",\"payload\":{}}",
		"{\"type\":7,\"payload\":{}}",
		"{\"type\":\"event_msg\",\"payload\":[]}",
	};
	static const char *const unsure[] = {
		"{\"timestamp\":\"2025-09-10T12:00:00Z\",\"type\":\"turn_context\",\"payload\":"
		"{\"model\":\"a\\u0000b\"}}",                                   /* jansson refuses NUL */
		TC(12345678901234567890, 0, 0, 0),                          /* past 2^63 */
		TC(1.0, 0, 0, 0),                                           /* a real */
		TC(1000000000001, 0, 0, 0),                                 /* past the bound */
		"{\"timestamp\":\"2025-09-10T12:00:00Z\",\"type\":\"response_item\",\"payload\":"
		"{\"content\":[1,,2]}}",                                     /* invalid JSON */
		"{\"timestamp\":\"2025-09-10T12:00:00Z\",\"type\":\"event_msg\",\"payload\":"
		"{\"type\":\"token_count\",\"info\":[]}}",
		"[]",
	};
	struct codex_event a, b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(jansson_event(lines[i], &a), 0);
		assert_int_equal(usage_simd_codex(lines[i], strlen(lines[i]), &b), USAGE_SIMD_ROW);
		assert_memory_equal(&a, &b, sizeof(a));
	}
	assert_int_equal(usage_simd_codex(lines[0], strlen(lines[0]), &b), USAGE_SIMD_ROW);
	assert_int_equal(b.kind, CODEX_META);
	assert_string_equal(b.session, "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
	assert_int_equal(usage_simd_codex(lines[6], strlen(lines[6]), &b), USAGE_SIMD_ROW);
	assert_int_equal(b.kind, CODEX_TOKENS);
	assert_int_equal(b.input, 3000);
	assert_int_equal(b.reasoning, 100);
	for (i = 0; i < sizeof(sure) / sizeof(sure[0]); i++) {
		assert_int_equal(jansson_event(sure[i], &a), 0);
		if (usage_simd_codex(sure[i], strlen(sure[i]), &b) != USAGE_SIMD_ROW)
			fail_msg("sure case %zu: simdjson unsure", i);
		assert_memory_equal(&a, &b, sizeof(a));
	}
	assert_int_equal(usage_simd_codex(sure[0], strlen(sure[0]), &b), USAGE_SIMD_ROW);
	assert_int_equal(b.input, 5);
	assert_int_equal(usage_simd_codex(sure[1], strlen(sure[1]), &b), USAGE_SIMD_ROW);
	assert_string_equal(b.model, "gpt-5-codex");
	assert_string_equal(b.cwd, "/h\xc3\xa9/\"q\"");
	for (i = 0; i < sizeof(unsure) / sizeof(unsure[0]); i++) {
		memset(&b, 0x5a, sizeof(b));
		if (usage_simd_codex(unsure[i], strlen(unsure[i]), &b) != USAGE_SIMD_UNSURE)
			fail_msg("unsure case %zu: simdjson answered", i);
		memset(&a, 0, sizeof(a));
		assert_memory_equal(&a, &b, sizeof(a));          /* zeroed */
	}
}

static void
test_paths(void **state)
{
	char buf[128], dir[] = "/tmp/tt-codex-XXXXXX", sessions[160];

	(void)state;
	codex_session_from_path("/x/2025/09/10/rollout-2025-09-10T12-00-00-"
	    "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl", buf, sizeof(buf));
	assert_string_equal(buf, "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
	codex_session_from_path("/x/notes.jsonl", buf, sizeof(buf));
	assert_string_equal(buf, "");
	setenv("CODEX_HOME", "/nonexistent-codex-home", 1);
	assert_int_equal(codex_default_dir(buf, sizeof(buf)), -1);
	assert_non_null(mkdtemp(dir));
	snprintf(sessions, sizeof(sessions), "%s/sessions", dir);
	assert_int_equal(mkdir(sessions, 0700), 0);
	setenv("CODEX_HOME", dir, 1);
	assert_int_equal(codex_default_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, sessions);
	unsetenv("CODEX_HOME");
	setenv("HOME", "/nonexistent-home", 1);
	assert_int_equal(codex_default_dir(buf, sizeof(buf)), -1);
	assert_string_equal(buf, "/nonexistent-home/.codex/sessions");
	rmdir(sessions);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_simd),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
