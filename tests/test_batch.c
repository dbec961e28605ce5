/* test_batch.c — batch files (core/batch.c, core/batchfile.c): every kind of
 * bad line with its line number, the short form, duplicates, splitting, the
 * estimate, the body. Results: test_batchres.c; the poller: test_poller.c. */
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

#include "core/batch.h"
#include "core/pricing.h"
#include "tests/lib/fx.h"

static struct pricing *
load_prices(void)
{
	const char *dir = getenv("TOKENTOP_DATADIR");
	char path[512], err[256];
	struct pricing *p;

	snprintf(path, sizeof(path), "%s/prices.json", dir != NULL ? dir : "share");
	p = pricing_load(path, NULL, err, sizeof(err));
	if (p == NULL)
		fail_msg("prices: %s", err);
	return p;
}


/* ---- single lines ------------------------------------------------------ */

struct bad_case {
	const char *line;
	const char *reason;      /* expected prefix of the reason */
};

static const struct bad_case bad_cases[] = {
	{ "{\"custom_id\":\"a\",", "invalid JSON at column" },
	{ "[1,2]", "not a JSON object" },
	{ "{\"params\":{}}", "custom_id missing" },
	{ "{\"custom_id\":7,\"prompt\":\"x\"}", "custom_id is not a string" },
	{ "{\"custom_id\":\"\",\"prompt\":\"x\"}", "custom_id is empty" },
	{ "{\"custom_id\":\"a b\",\"prompt\":\"x\"}", "custom_id \"a b\" has a space" },
	{ "{\"custom_id\":\"a.b\",\"prompt\":\"x\"}", "custom_id \"a.b\" has '.'" },
	{ "{\"custom_id\":\"h\u00e9\",\"prompt\":\"x\"}", "custom_id \"h\u00e9\" has a character" },
	{ "{\"custom_id\":\"x123456789x123456789x123456789x123456789x123456789x123456789x1234\","
	  "\"prompt\":\"x\"}", "custom_id \"x123456789x123456789x123456789x123456789...\" is 65" },
	{ "{\"custom_id\":\"a\"}", "params missing" },
	{ "{\"custom_id\":\"a\",\"params\":{},\"prompt\":\"x\"}", "both params and prompt" },
	{ "{\"custom_id\":\"a\",\"params\":[]}", "params is not an object" },
	{ "{\"custom_id\":\"a\",\"params\":{\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
	  "\"content\":\"hi\"}]}}", "params.model missing" },
	{ "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
	  "\"content\":\"hi\"}]}}", "params.max_tokens missing" },
	{ "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"max_tokens\":0,\"messages\":"
	  "[{\"role\":\"user\",\"content\":\"hi\"}]}}", "params.max_tokens must be an integer >= 1" },
	{ "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"max_tokens\":1.5,\"messages\":"
	  "[{\"role\":\"user\",\"content\":\"hi\"}]}}", "params.max_tokens must be an integer" },
	{ "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"max_tokens\":5}}",
	  "params.messages missing" },
	{ "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}}",
	  "params.messages must be a non-empty array" },
	{ "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"max_tokens\":5,\"messages\":"
	  "[{\"role\":\"system\",\"content\":\"hi\"}]}}",
	  "params.messages[0].role \"system\" is not user or assistant" },
	{ "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"max_tokens\":5,\"messages\":"
	  "[{\"role\":\"user\"}]}}", "params.messages[0].content must be" },
	{ "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"max_tokens\":5,\"stream\":true,"
	  "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}",
	  "params.stream is not allowed in a batch" },
	{ "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"max_tokens\":5,\"system\":3,"
	  "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}", "params.system must be" },
	{ "{\"custom_id\":\"a\",\"extra\":1,\"params\":{}}", "unknown field \"extra\" next to params" },
	{ "{\"custom_id\":\"a\",\"prompt\":\"\"}", "prompt must be a non-empty string" },
	{ "{\"custom_id\":\"a\",\"prompt\":\"x\",\"temperature\":1}", "unknown field \"temperature\"" },
	{ "{\"custom_id\":\"a\",\"prompt\":\"x\",\"system\":[]}", "system must be a string" },
	{ "{\"custom_id\":\"a\",\"prompt\":\"x\",\"max_tokens\":-1}", "max_tokens must be an integer" },
	{ "{\"custom_id\":\"a\",\"prompt\":\"x\",\"model\":\"m\",\"max_tokens\":1000000000001}",
	  "max_tokens: 1000000000001: not a token count (0..1000000000000)" },
	{ "{\"custom_id\":\"a\",\"params\":{\"model\":\"m\",\"max_tokens\":9223372036854775807,"
	  "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}",
	  "params.max_tokens: 9223372036854775807: not a token count" },
	{ "{\"custom_id\":\"a\",\"prompt\":\"x\",\"max_tokens\":5}", "model missing" },
	{ "{\"custom_id\":\"a\",\"prompt\":\"x\",\"model\":\"m\"}", "max_tokens missing" },
	{ "{\"custom_id\":\"a\",\"custom_id\":\"b\",\"prompt\":\"x\"}", "invalid JSON" },
};

static void
test_bad_lines(void **state)
{
	struct batch_opts o;
	struct batch_req r;
	char reason[512];
	size_t i;

	(void)state;
	memset(&o, 0, sizeof(o));
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const char *l = bad_cases[i].line;
		int rc = batch_line_check(l, strlen(l), &o, &r, reason, sizeof(reason));

		if (rc != -1 || strncmp(reason, bad_cases[i].reason, strlen(bad_cases[i].reason)) != 0)
			fail_msg("case %zu: rc %d reason \"%s\", want \"%s\"", i, rc, reason,
			    bad_cases[i].reason);
		assert_null(r.json);
	}
}

static void
test_blank_and_full(void **state)
{
	struct batch_opts o;
	struct batch_req r;
	char reason[512];
	const char *full = "{\"custom_id\":\"req-1_A\",\"params\":{\"model\":\"claude-haiku-4-5\","
	    "\"max_tokens\":64,\"system\":[{\"type\":\"text\",\"text\":\"abcd\",\"cache_control\":"
	    "{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}],\"messages\":[{\"role\":\"user\","
	    "\"content\":\"abcdefghi\"}]}}";

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(batch_line_check("  \t", 3, &o, &r, reason, sizeof(reason)), 0);
	assert_int_equal(batch_line_check("", 0, &o, &r, reason, sizeof(reason)), 0);
	assert_int_equal(batch_line_check(full, strlen(full), &o, &r, reason, sizeof(reason)), 1);
	assert_string_equal(r.custom_id, "req-1_A");
	assert_string_equal(r.model, "claude-haiku-4-5");
	assert_int_equal(r.max_tokens, 64);
	/* system 4 bytes = 1, message 9 bytes = 3, + 3 per message */
	assert_int_equal(r.est_input, 7);
	assert_int_equal(r.cache, BATCH_CACHE_1H);
	/* the full form is passed through as it is (compact) */
	assert_non_null(strstr(r.json, "\"ttl\":\"1h\""));
	batch_req_done(&r);
	batch_req_done(NULL);
}

static void
test_short_form(void **state)
{
	struct batch_opts o;
	struct batch_req r;
	char reason[512];
	json_t *j;
	json_error_t je;
	const char *l = "{\"custom_id\":\"s1\",\"prompt\":\"hello there\",\"system\":\"be brief\"}";
	const char *l2 = "{\"custom_id\":\"s2\",\"prompt\":\"x\",\"model\":\"claude-opus-4-6\","
	    "\"max_tokens\":7}";

	(void)state;
	memset(&o, 0, sizeof(o));
	o.model = "claude-haiku-4-5";
	o.max_tokens = 200;
	o.cache = BATCH_CACHE_5M;
	assert_int_equal(batch_line_check(l, strlen(l), &o, &r, reason, sizeof(reason)), 1);
	j = json_loads(r.json, 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "custom_id")), "s1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "params"),
	    "model")), "claude-haiku-4-5");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "params"),
	    "max_tokens")), 200);
	{
		json_t *sys = json_object_get(json_object_get(j, "params"), "system");
		json_t *b0 = json_array_get(sys, 0);
		json_t *cc = json_object_get(b0, "cache_control");

		assert_string_equal(json_string_value(json_object_get(b0, "text")), "be brief");
		assert_string_equal(json_string_value(json_object_get(cc, "type")), "ephemeral");
		assert_null(json_object_get(cc, "ttl"));
	}
	{
		json_t *m0 = json_array_get(json_object_get(json_object_get(j, "params"),
		    "messages"), 0);

		assert_string_equal(json_string_value(json_object_get(m0, "role")), "user");
		assert_string_equal(json_string_value(json_object_get(m0, "content")), "hello there");
	}
	assert_int_equal(r.cache, BATCH_CACHE_5M);
	assert_int_equal(r.est_input, 3 + 3 + 2);  /* 11 bytes → 3, 8 bytes → 2, +3 */
	json_decref(j);
	batch_req_done(&r);

	/* the line's own model and max_tokens win over the flags; cache off → string system */
	o.cache = BATCH_CACHE_OFF;
	assert_int_equal(batch_line_check(l2, strlen(l2), &o, &r, reason, sizeof(reason)), 1);
	assert_string_equal(r.model, "claude-opus-4-6");
	assert_int_equal(r.max_tokens, 7);
	assert_int_equal(r.cache, BATCH_CACHE_OFF);
	batch_req_done(&r);
	assert_int_equal(batch_line_check(l, strlen(l), &o, &r, reason, sizeof(reason)), 1);
	assert_non_null(strstr(r.json, "\"system\":\"be brief\""));
	batch_req_done(&r);
}

/* A stand-in router: "long" prompts are complex on opus, others simple on haiku. */
static int
fake_route(void *arg, const char *prompt, char *model, size_t modellen, int64_t *max_tokens,
           char *tier, size_t tierlen, char *err, size_t errlen)
{
	(*(int *)arg)++;
	if (strstr(prompt, "fail") != NULL) {
		snprintf(err, errlen, "no rule");
		return -1;
	}
	usage_strlcpy(model, strstr(prompt, "long") ? "claude-opus-4-6" : "claude-haiku-4-5",
	    modellen);
	usage_strlcpy(tier, strstr(prompt, "long") ? "complex" : "simple", tierlen);
	if (*max_tokens < 1)
		*max_tokens = 777;
	return 0;
}

static void
test_route(void **state)
{
	struct batch_opts o;
	struct batch_req r;
	char reason[512];
	int calls = 0;
	const char *a = "{\"custom_id\":\"a\",\"prompt\":\"a long essay\"}";
	const char *b = "{\"custom_id\":\"b\",\"prompt\":\"hi\",\"max_tokens\":5}";
	const char *c = "{\"custom_id\":\"c\",\"prompt\":\"hi\",\"model\":\"claude-sonnet-4-5\","
	    "\"max_tokens\":9}";
	const char *d = "{\"custom_id\":\"d\",\"prompt\":\"fail me\"}";

	(void)state;
	memset(&o, 0, sizeof(o));
	o.route = fake_route;
	o.route_arg = &calls;
	assert_int_equal(batch_line_check(a, strlen(a), &o, &r, reason, sizeof(reason)), 1);
	assert_string_equal(r.model, "claude-opus-4-6");
	assert_string_equal(r.tier, "complex");
	assert_int_equal(r.max_tokens, 777);             /* the tier's default */
	assert_non_null(strstr(r.json, "\"model\":\"claude-opus-4-6\""));
	batch_req_done(&r);
	assert_int_equal(batch_line_check(b, strlen(b), &o, &r, reason, sizeof(reason)), 1);
	assert_string_equal(r.tier, "simple");
	assert_int_equal(r.max_tokens, 5);               /* the line's own wins */
	batch_req_done(&r);
	/* a line naming its model is not routed */
	assert_int_equal(batch_line_check(c, strlen(c), &o, &r, reason, sizeof(reason)), 1);
	assert_string_equal(r.model, "claude-sonnet-4-5");
	assert_string_equal(r.tier, "");
	batch_req_done(&r);
	assert_int_equal(calls, 2);
	assert_int_equal(batch_line_check(d, strlen(d), &o, &r, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "route: no rule");
}

/* ---- whole files --------------------------------------------------------- */

static void
test_file_errors(void **state)
{
	struct batch_opts o;
	struct batch_plan plan;
	char err[256];
	const char *path = fx_write_file("bad.jsonl",
	    "{\"custom_id\":\"a\",\"prompt\":\"p\"}\n"
	    "{\"custom_id\":\"b c\",\"prompt\":\"p\"}\n"
	    "\n"
	    "not json\n"
	    "{\"custom_id\":\"d\",\"prompt\":\"p\"}\r\n"
	    "{\"custom_id\":\"a\",\"prompt\":\"q\"}\n"
	    "{\"custom_id\":\"e\",\"params\":{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}}");
	char want[600];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.model = "claude-haiku-4-5";
	o.max_tokens = 10;
	assert_int_equal(batch_plan_file(path, &o, NULL, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.lines, 7);
	assert_int_equal(plan.nbad, 4);
	assert_int_equal(plan.nerrors, 4);
	assert_int_equal(plan.requests, 2);
	snprintf(want, sizeof(want), "%s:2: custom_id \"b c\" has a space", path);
	assert_string_equal(plan.errors[0], want);
	snprintf(want, sizeof(want), "%s:4: invalid JSON at column", path);
	assert_memory_equal(plan.errors[1], want, strlen(want));
	snprintf(want, sizeof(want), "%s:6: custom_id \"a\" repeats line 1", path);
	assert_string_equal(plan.errors[2], want);
	snprintf(want, sizeof(want), "%s:7: params.messages must be a non-empty array", path);
	assert_string_equal(plan.errors[3], want);
	batch_plan_done(&plan);
	batch_plan_done(NULL);

	assert_int_equal(batch_plan_file("/nonexistent/x.jsonl", &o, NULL, &plan, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x.jsonl"));
}

/* fx_tmpdir/name holding n lines, line i being fmt with i (one %d). */
static void
write_lines(char *path, size_t len, const char *name, int n, const char *fmt)
{
	FILE *f;
	int i;

	snprintf(path, len, "%s/%s", fx_tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < n; i++)
		fprintf(f, fmt, i);
	fclose(f);
}

static void
test_error_cap(void **state)
{
	struct batch_opts o;
	struct batch_plan plan;
	char err[256], path[512];

	(void)state;
	write_lines(path, sizeof(path), "many.jsonl", 120,
	    "{\"custom_id\":\"x%d\",\"prompt\":\"p\"}\n");    /* no model */
	memset(&o, 0, sizeof(o));
	o.max_tokens = 5;
	assert_int_equal(batch_plan_file(path, &o, NULL, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.nbad, 120);
	assert_int_equal(plan.nerrors, BATCH_MAX_ERRORS);
	assert_non_null(strstr(plan.errors[49], ":50: model missing"));
	batch_plan_done(&plan);
}

/* The largest requests the checks let through: the estimate of the file
 * pins at INT64_MAX rather than wrapping to a negative or small figure. */
static void
test_estimate_saturates(void **state)
{
	struct pricing *p = load_prices();
	struct batch_opts o;
	struct batch_plan plan;
	char err[256], path[512];

	(void)state;
	write_lines(path, sizeof(path), "huge.jsonl", 500,    /* each up to 10^12 × $75/MTok */
	    "{\"custom_id\":\"x%d\",\"prompt\":\"p\",\"model\":\"claude-opus-4-1\","
	    "\"max_tokens\":1000000000000}\n");
	memset(&o, 0, sizeof(o));
	assert_int_equal(batch_plan_file(path, &o, p, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.requests, 500);
	assert_int_equal(plan.est_high, INT64_MAX);
	assert_true(plan.est_low > 0);
	batch_plan_done(&plan);
	pricing_free(p);
}

/* Body of each part parses and holds the part's ids in order. */
static void
check_bodies(const char *path, const struct batch_opts *o, const struct batch_plan *plan,
             int64_t total)
{
	size_t i, k;
	int64_t seen = 0;
	char *body, err[256], want[32];
	size_t len;
	json_t *j, *reqs;
	json_error_t je;

	for (i = 0; i < plan->nparts; i++) {
		assert_int_equal(batch_part_body(path, &plan->parts[i], o, &body, &len, err,
		    sizeof(err)), 0);
		assert_int_equal(len, plan->parts[i].bytes + strlen("{\"requests\":[]}"));
		if (plan->parts[i].requests > 1000) {
			/* big parts: the ids in order, without building a 100,000-node
			 * tree; a plain scan (an intercepted strstr would measure the
			 * whole rest of the body each time under ASan) */
			const char *q = body + 13, *end = body + len;

			for (k = 0; k < (size_t)plan->parts[i].requests; k++, seen++) {
				size_t wl = (size_t)snprintf(want, sizeof(want),
				    "{\"custom_id\":\"r%lld\",", (long long)seen);

				assert_true(q + wl <= end && memcmp(q, want, wl) == 0);
				while (q < end && !(q[0] == '}' && q[1] == '}' && (q[2] == ',' ||
				    q[2] == ']')))
					q++;
				q += 3;
			}
			assert_true(q == end - 1 && *q == '}');
			free(body);
			continue;
		}
		j = json_loadb(body, len, 0, &je);
		assert_non_null(j);
		reqs = json_object_get(j, "requests");
		assert_int_equal(json_array_size(reqs), plan->parts[i].requests);
		for (k = 0; k < json_array_size(reqs); k++, seen++) {
			snprintf(want, sizeof(want), "r%lld", (long long)seen);
			assert_string_equal(json_string_value(json_object_get(json_array_get(reqs,
			    k), "custom_id")), want);
		}
		json_decref(j);
		free(body);
	}
	assert_int_equal(seen, total);
}

static void
test_split_count(void **state)
{
	struct batch_opts o;
	struct batch_plan plan;
	char err[256], path[512];
	FILE *f;
	int i, n = BATCH_MAX_REQUESTS + 5;

	(void)state;
	snprintf(path, sizeof(path), "%s/big.jsonl", fx_tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < n; i++)
		fprintf(f, "{\"custom_id\":\"r%d\",\"prompt\":\"p%d\"}\n", i, i);
	fclose(f);
	memset(&o, 0, sizeof(o));
	o.model = "claude-haiku-4-5";
	o.max_tokens = 5;
	assert_int_equal(batch_plan_file(path, &o, NULL, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.nbad, 0);
	assert_int_equal(plan.requests, n);
	assert_int_equal(plan.nparts, 2);
	assert_int_equal(plan.parts[0].requests, BATCH_MAX_REQUESTS);
	assert_int_equal(plan.parts[0].first_line, 1);
	assert_int_equal(plan.parts[0].last_line, BATCH_MAX_REQUESTS);
	assert_int_equal(plan.parts[1].requests, 5);
	assert_int_equal(plan.parts[1].first_line, BATCH_MAX_REQUESTS + 1);
	assert_int_equal(plan.parts[1].offset, plan.parts[0].end);
	check_bodies(path, &o, &plan, n);
	batch_plan_done(&plan);
}

static void
test_split_bytes(void **state)
{
	struct batch_opts o;
	struct batch_plan plan;
	struct batch_req r;
	char err[256], path[512], reason[256], line[128];
	FILE *f;
	int i;
	size_t one;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.model = "claude-haiku-4-5";
	o.max_tokens = 5;
	/* every request has the same length: ids r0..r9 */
	snprintf(line, sizeof(line), "{\"custom_id\":\"r0\",\"prompt\":\"p\"}");
	assert_int_equal(batch_line_check(line, strlen(line), &o, &r, reason, sizeof(reason)), 1);
	one = r.json_len;
	batch_req_done(&r);
	snprintf(path, sizeof(path), "%s/bytes.jsonl", fx_tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < 10; i++)
		fprintf(f, "{\"custom_id\":\"r%d\",\"prompt\":\"p\"}\n%s", i, i == 4 ? "\n" : "");
	fclose(f);
	/* room for exactly 3 requests and their 2 commas */
	o.max_bytes = (int64_t)(3 * one + 2);
	assert_int_equal(batch_plan_file(path, &o, NULL, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.nbad, 0);
	assert_int_equal(plan.nparts, 4);
	assert_int_equal(plan.parts[0].requests, 3);
	assert_int_equal(plan.parts[1].requests, 3);
	assert_int_equal(plan.parts[2].requests, 3);
	assert_int_equal(plan.parts[3].requests, 1);
	assert_int_equal(plan.parts[0].bytes, (int64_t)(3 * one + 2));
	assert_int_equal(plan.parts[3].first_line, 11);     /* the blank line 6 counts */
	check_bodies(path, &o, &plan, 10);
	batch_plan_done(&plan);

	/* one request bigger than a whole batch is a bad line, not a part */
	o.max_bytes = (int64_t)one - 1;
	assert_int_equal(batch_plan_file(path, &o, NULL, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.nbad, 10);
	assert_non_null(strstr(plan.errors[0], ":1: request is "));
	batch_plan_done(&plan);
}

static void
test_changed_file(void **state)
{
	struct batch_opts o;
	struct batch_plan plan;
	char err[256], *body;
	size_t len;
	const char *path = fx_write_file("chg.jsonl", "{\"custom_id\":\"a\",\"prompt\":\"p\"}\n"
	    "{\"custom_id\":\"b\",\"prompt\":\"p\"}\n");

	(void)state;
	memset(&o, 0, sizeof(o));
	o.model = "m";
	o.max_tokens = 5;
	assert_int_equal(batch_plan_file(path, &o, NULL, &plan, err, sizeof(err)), 0);
	fx_write_file("chg.jsonl", "{\"custom_id\":\"a\",\"prompt\":\"p\"}\n{\"custom_id\":\"b c\"}\n");
	assert_int_equal(batch_part_body(path, &plan.parts[0], &o, &body, &len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: changed since it was checked"));
	assert_null(body);
	batch_plan_done(&plan);
}

/* claude-haiku-4-5: input $1, 1h write $2, output $5 per MTok; batch 1/2. */
static void
test_estimate(void **state)
{
	struct pricing *p = load_prices();
	struct batch_opts o;
	struct batch_plan plan;
	char err[256];
	const char *path = fx_write_file("est.jsonl",
	    "{\"custom_id\":\"a\",\"prompt\":\"abcdefgh\",\"system\":\"sys\"}\n"
	    "{\"custom_id\":\"b\",\"prompt\":\"abcdefgh\",\"system\":\"sys\",\"max_tokens\":20}\n"
	    "{\"custom_id\":\"c\",\"prompt\":\"x\",\"model\":\"no-such-model\"}\n"
	    "{\"custom_id\":\"d\",\"prompt\":\"abcdefgh\",\"model\":\"claude-sonnet-4-5\"}\n");

	(void)state;
	memset(&o, 0, sizeof(o));
	o.model = "claude-haiku-4-5";
	o.max_tokens = 100;
	assert_int_equal(batch_plan_file(path, &o, p, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.nbad, 0);
	assert_int_equal(plan.requests, 4);
	assert_int_equal(plan.nmodels, 3);
	assert_string_equal(plan.models[0], "claude-haiku-4-5");
	assert_string_equal(plan.models[1], "no-such-model");
	assert_string_equal(plan.models[2], "claude-sonnet-4-5");
	assert_string_equal(plan.parts[0].models, "claude-haiku-4-5,no-such-model,claude-sonnet-4-5");
	assert_int_equal(plan.unpriced, 1);
	/*
	 * a: input 2 + 1 + 3 = 6 tokens. low (6*1e6 + 1*5e6)/2 pico = 5,500 nanos;
	 *    high (6*1e6 + 100*5e6)/2 = 253,000 nanos.
	 * b: low 5,500; high (6e6 + 20*5e6)/2 = 53,000.
	 * d: sonnet $3/$15: input 2+3 = 5. low (5*3e6 + 15e6)/2 = 15,000;
	 *    high (15e6 + 100*15e6)/2 = 757,500.
	 */
	assert_int_equal(plan.est_low, 5500 + 5500 + 15000);
	assert_int_equal(plan.est_high, 253000 + 53000 + 757500);
	batch_plan_done(&plan);

	/* with a 1h cache the high end prices the input as a 1h write ($2) */
	o.cache = BATCH_CACHE_1H;
	path = fx_write_file("est2.jsonl",
	    "{\"custom_id\":\"a\",\"prompt\":\"abcdefgh\",\"system\":\"sys\"}\n");
	assert_int_equal(batch_plan_file(path, &o, p, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.est_low, 5500);
	assert_int_equal(plan.est_high, (6 * 2000000 + 100 * 5000000) / 2 / 1000);
	batch_plan_done(&plan);
	pricing_free(p);
}

static void
test_cache_parse(void **state)
{
	enum batch_cache c;

	(void)state;
	assert_int_equal(batch_cache_parse("off", &c), 0);
	assert_int_equal(c, BATCH_CACHE_OFF);
	assert_int_equal(batch_cache_parse("5m", &c), 0);
	assert_int_equal(c, BATCH_CACHE_5M);
	assert_int_equal(batch_cache_parse("1h", &c), 0);
	assert_int_equal(c, BATCH_CACHE_1H);
	assert_int_equal(batch_cache_parse("2h", &c), -1);
	assert_int_equal(batch_cache_parse(NULL, &c), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_blank_and_full),
		cmocka_unit_test(test_short_form),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_estimate_saturates),
		cmocka_unit_test(test_split_count),
		cmocka_unit_test(test_split_bytes),
		cmocka_unit_test(test_changed_file),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_cache_parse),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
