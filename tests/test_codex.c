/* test_codex.c — Codex CLI rollout lines: parsing, the fold into increases
 * of total_token_usage, their prices (worked out by hand), the file name's
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
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
