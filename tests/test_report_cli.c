/* test_report_cli.c — `tokentop report` end to end: seeds a ledger through
 * the store API, runs the built binary and checks its JSON, CSV, table and
 * exit statuses. `test_report_cli --seed DB` only seeds (for tests/report.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "data/store.h"
#include "tests/lib/fx.h"

static char dbpath[512], bin[512];

/*
 * The hand-computed ledger, priced with the shipped table (api-notes §6),
 * in nanos. Days in Asia/Seoul: rows 1–4 on 2025-11-10 (UTC morning), row 5
 * at 2025-11-10T15:30Z = 2025-11-11 00:30 in Seoul.
 *  1 claude-sonnet-4-5-20250929: in 199,000 + 5m 1,000 (200,000: not long), out 1,000
 *                                                      =   615,750,000
 *  2 claude-sonnet-4-5: in 200,001 (long), out 1,000   = 1,222,506,000
 *  3 claude-haiku-4-5 batch, tag nightly: in 10,000, read 50,000, out 2,000
 *                                                      =    12,500,000
 *  4 mystery-model-1: in 100, out 100                    unpriced
 *  5 claude-haiku-4-5, tag nightly: 1h 4,000, in 500, out 300 = 10,000,000
 */
static const struct seed {
	const char *model, *source, *tag, *id;
	int64_t ts, in, w5, w1, rd, out;
} seeds[] = {
	{ "claude-sonnet-4-5-20250929", "import", "", "r1", 1762740000000LL, 199000, 1000, 0, 0, 1000 },
	{ "claude-sonnet-4-5", "call", "", "r2", 1762740060000LL, 200001, 0, 0, 0, 1000 },
	{ "claude-haiku-4-5", "batch", "nightly", "r3", 1762740120000LL, 10000, 0, 0, 50000, 2000 },
	{ "mystery-model-1", "import", "", "r4", 1762740180000LL, 100, 0, 0, 0, 100 },
	{ "claude-haiku-4-5", "call", "nightly", "r5", 1762788600000LL, 500, 0, 4000, 0, 300 },
};

static int
seed_db(const char *path)
{
	char err[512];
	struct store *s = store_open(path, err, sizeof(err));
	size_t i;

	if (s == NULL) {
		fprintf(stderr, "seed: %s\n", err);
		return -1;
	}
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		struct usage u;

		memset(&u, 0, sizeof(u));
		u.ts_ms = seeds[i].ts;
		usage_strlcpy(u.model, seeds[i].model, sizeof(u.model));
		usage_strlcpy(u.source, seeds[i].source, sizeof(u.source));
		usage_strlcpy(u.tag, seeds[i].tag, sizeof(u.tag));
		usage_strlcpy(u.request_id, seeds[i].id, sizeof(u.request_id));
		u.tok.input = seeds[i].in;
		u.tok.write_5m = seeds[i].w5;
		u.tok.write_1h = seeds[i].w1;
		u.tok.cache_read = seeds[i].rd;
		u.tok.output = seeds[i].out;
		if (store_insert_usage(s, &u, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "seed: %s\n", err);
			store_close(s);
			return -1;
		}
	}
	store_close(s);
	return 0;
}

/* Run `tokentop --db DB report ARGS` (shell words); output into buf. */
static int
run(const char *args, char *buf, size_t n)
{
	char cmd[2048];
	FILE *p;
	size_t got = 0, k;
	int status;

	snprintf(cmd, sizeof(cmd), "TZ=Asia/Seoul '%s' --db '%s' report %s 2>&1", bin, dbpath, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (got + 1 < n && (k = fread(buf + got, 1, n - 1 - got, p)) > 0)
		got += k;
	buf[got] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static json_t *
run_json(const char *args)
{
	static char out[65536];
	json_error_t je;
	json_t *j;

	assert_int_equal(run(args, out, sizeof(out)), 0);
	j = json_loads(out, 0, &je);
	if (j == NULL)
		fail_msg("not JSON (%s): %s", je.text, out);
	return j;
}

/* USD → nanos, rounded: the JSON carries 15 significant digits. */
static int64_t
nanos(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		fail_msg("%s: not a number", key);
	return (int64_t)(json_number_value(v) * 1e9 + (json_number_value(v) >= 0 ? 0.5 : -0.5));
}

static int
setup(void **state)
{
	const char *b = getenv("TOKENTOP_BUILD");

	snprintf(bin, sizeof(bin), "%s/tokentop", b != NULL ? b : "build");
	if (fx_tmpdir_setup(state) != 0)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/usage.db", fx_tmpdir);
	return seed_db(dbpath);
}

static void
test_daily_json(void **state)
{
	json_t *j = run_json("daily --json"), *rows, *t, *r;
	const char *key;
	json_t *v;
	size_t n = 0;

	(void)state;
	rows = json_object_get(j, "rows");
	t = json_object_get(j, "totals");
	assert_int_equal(json_array_size(rows), 2);
	r = json_array_get(rows, 0);
	assert_string_equal(json_string_value(json_object_get(r, "date")), "2025-11-10");
	assert_int_equal(json_integer_value(json_object_get(r, "requests")), 4);
	assert_int_equal(nanos(r, "cost_usd"), 615750000LL + 1222506000LL + 12500000LL);
	r = json_array_get(rows, 1);
	assert_string_equal(json_string_value(json_object_get(r, "date")), "2025-11-11");
	assert_int_equal(nanos(r, "cost_usd"), 10000000LL);
	assert_int_equal(json_integer_value(json_object_get(r, "cache_write_1h_tokens")), 4000);
	/* exactly the documented keys in a row: issue 14 added provider and reasoning_tokens */
	json_object_foreach(r, key, v) {
		(void)v;
		n++;
	}
	assert_int_equal(n, 14);     /* with provider, reasoning and the server tool figures */
	assert_string_equal(json_string_value(json_object_get(r, "provider")), "anthropic");
	assert_int_equal(json_integer_value(json_object_get(r, "reasoning_tokens")), 0);
	assert_int_equal(nanos(r, "tool_cost_usd"), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "web_search_requests")), 0);
	assert_non_null(json_object_get(r, "code_execution_requests"));
	assert_null(json_object_get(t, "date"));
	assert_int_equal(json_integer_value(json_object_get(t, "requests")), 5);
	assert_int_equal(json_integer_value(json_object_get(t, "input_tokens")), 409601);
	assert_int_equal(json_integer_value(json_object_get(t, "cache_read_tokens")), 50000);
	assert_int_equal(nanos(t, "cost_usd"), 1860756000LL);
	assert_int_equal(nanos(t, "saved_by_cache_usd"), 17750000LL);
	assert_int_equal(nanos(t, "saved_by_batch_usd"), 12500000LL);
	assert_int_equal(nanos(t, "saved_usd"), 30250000LL);
	/* 50,000 / 464,601 */
	assert_true(json_real_value(json_object_get(t, "cache_hit_ratio")) > 0.10761 &&
	    json_real_value(json_object_get(t, "cache_hit_ratio")) < 0.10762);
	assert_int_equal(json_array_size(json_object_get(j, "unpriced_models")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "unpriced_models"),
	    0)), "mystery-model-1");
	json_decref(j);
}

static void
test_filters_and_groups(void **state)
{
	json_t *j, *rows;

	(void)state;
	j = run_json("--model claude-sonnet-4-5-20250929 --json");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "totals"),
	    "requests")), 2);
	assert_int_equal(nanos(json_object_get(j, "totals"), "cost_usd"), 1838256000LL);
	json_decref(j);
	j = run_json("models --tag nightly --json");
	rows = json_object_get(j, "rows");
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "model")),
	    "claude-haiku-4-5");
	json_decref(j);
	/* --until is inclusive, --tz overrides TZ: in UTC every row is on 11-10 */
	j = run_json("daily --tz UTC --since 2025-11-10 --until 2025-11-10 --json");
	assert_int_equal(json_array_size(json_object_get(j, "rows")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "totals"),
	    "requests")), 5);
	json_decref(j);
	j = run_json("monthly --json");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "rows"), 0), "month")), "2025-11");
	json_decref(j);
	j = run_json("weekly --json");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "rows"), 0), "week")), "2025-W46");
	json_decref(j);
	j = run_json("savings --json");
	assert_int_equal(nanos(json_array_get(json_object_get(j, "rows"), 0), "saved_by_batch_usd"),
	    12500000LL);
	json_decref(j);
}

static void
test_usage_errors(void **state)
{
	static const char *bad[] = { "--since 2025-13-01", "--until yesterday", "--tz Mars/Base",
	    "--frobnicate", "hourly", "--json --csv", "--since", "--since 2025-11-12 --until 2025-11-10" };
	char out[4096];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (run(bad[i], out, sizeof(out)) != 2)
			fail_msg("`report %s` did not exit 2: %s", bad[i], out);
		assert_non_null(strstr(out, "tokentop"));
	}
	assert_int_equal(run("--help", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "--since"));
}

static void
test_table(void **state)
{
	char out[16384], *line, *save = NULL;
	int lines = 0;

	(void)state;
	assert_int_equal(run("models", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "unpriced"));
	assert_non_null(strstr(out, "mystery-model-1"));
	assert_non_null(strstr(out, "$1.8383"));  /* sonnet-4-5, dated + undated rows together */
	assert_non_null(strstr(out, "saved"));
	for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strlen(line) > 80 && strstr(line, "unpriced (") == NULL)
			fail_msg("line wider than 80: %s", line);
		lines++;
	}
	assert_true(lines >= 7);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_daily_json),
		cmocka_unit_test(test_filters_and_groups),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_table),
	};

	if (argc == 3 && strcmp(argv[1], "--seed") == 0)
		return seed_db(argv[2]) == 0 ? 0 : 1;
	return cmocka_run_group_tests(tests, setup, fx_tmpdir_teardown);
}
