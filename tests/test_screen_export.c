/* test_screen_export.c — the Reports screen's export: CSV quoting and exact
 * dollars, hostile keys (formulas, escapes) neutralised, JSON shape, nothing
 * half-written on failure. */
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

#include "tui/screen_export.h"
#include "tests/lib/fx.h"

static void
fixture(struct report *r, struct report_row rows[2])
{
	memset(r, 0, sizeof(*r));
	memset(rows, 0, 2 * sizeof(rows[0]));
	snprintf(rows[0].key, sizeof(rows[0].key), "claude-haiku-4-5");
	rows[0].requests = 3;
	rows[0].tok.input = 1000;
	rows[0].tok.output = 20;
	rows[0].cost_nanos = 41270000001LL;
	snprintf(rows[1].key, sizeof(rows[1].key), "odd, \"name\"");
	rows[1].requests = 1;
	rows[1].unpriced_requests = 1;
	r->rows = rows;
	r->nrows = 2;
	r->totals.requests = 4;
	r->totals.cost_nanos = 41270000001LL;
	r->totals.unpriced_requests = 1;
}

static char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_csv(void **state)
{
	struct report r;
	struct report_row rows[2];
	char path[128], msg[512];
	const char *s;

	(void)state;
	fixture(&r, rows);
	snprintf(path, sizeof(path), "%s/out.csv", fx_tmpdir);
	assert_int_equal(screen_export_write(path, &r, "model", 0, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, path));      /* says where it wrote */
	s = slurp(path);
	assert_true(strncmp(s, "model,requests,input_tokens,", 28) == 0);
	assert_non_null(strstr(s, "\nclaude-haiku-4-5,3,1000,0,0,0,20,41.270000001,0\n"));
	assert_non_null(strstr(s, "\n\"odd, \"\"name\"\"\",1,"));
	assert_non_null(strstr(s, "\ntotal,4,"));
}

/* Keys from outside: a formula is text (a ' inside the quotes), escapes are
 * replaced; the numbers tokentop writes, negative ones too, stay numbers. */
static void
test_csv_hostile(void **state)
{
	struct report r;
	struct report_row rows[2];
	char path[128], msg[512];
	const char *s;

	(void)state;
	fixture(&r, rows);
	snprintf(rows[0].key, sizeof(rows[0].key), "=HYPERLINK(\"http://e\",\"x\")");
	snprintf(rows[1].key, sizeof(rows[1].key), "\x1b]0;pwned\x07\xc2\x9b" "-x");
	rows[1].cost_nanos = -310000000;
	snprintf(path, sizeof(path), "%s/hostile.csv", fx_tmpdir);
	assert_int_equal(screen_export_write(path, &r, "model", 0, msg, sizeof(msg)), 0);
	s = slurp(path);
	assert_non_null(strstr(s, "\n\"'=HYPERLINK(\"\"http://e\"\",\"\"x\"\")\",3,1000,"));
	assert_non_null(strstr(s, "\n\xef\xbf\xbd]0;pwned\xef\xbf\xbd\xef\xbf\xbd-x,1,"));
	assert_non_null(strstr(s, ",-0.310000000,1\n"));
	assert_null(strchr(s, '\x1b'));
	assert_null(strchr(s, '\x07'));
	assert_null(strstr(s, "\xc2\x9b"));
	/* JSON as the CLI writes it (cli_json): the C1 control as an escape */
	snprintf(path, sizeof(path), "%s/hostile.json", fx_tmpdir);
	assert_int_equal(screen_export_write(path, &r, "model", 0, msg, sizeof(msg)), 0);
	s = slurp(path);
	assert_null(strstr(s, "\xc2\x9b"));
	assert_non_null(strstr(s, "\\u009b"));
}

static void
test_json(void **state)
{
	struct report r;
	struct report_row rows[2];
	char path[128], msg[512];
	json_t *j;
	json_error_t e;

	(void)state;
	fixture(&r, rows);
	snprintf(path, sizeof(path), "%s/out.json", fx_tmpdir);
	assert_int_equal(screen_export_write(path, &r, "month", 0, msg, sizeof(msg)), 0);
	j = json_load_file(path, 0, &e);
	assert_non_null(j);
	/* the keys and values of `tokentop report --json` (issue 11, defect 20) */
	assert_int_equal(json_array_size(json_object_get(j, "rows")), 2);
	assert_true(json_real_value(json_object_get(json_object_get(j, "totals"),
	    "cost_usd")) == 41.270000001);
	assert_non_null(json_object_get(json_object_get(j, "totals"), "saved_usd"));
	assert_non_null(json_object_get(j, "unpriced_models"));
	assert_null(json_object_get(j, "group"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "rows"), 1), "month")), "odd, \"name\"");
	assert_non_null(json_object_get(json_array_get(json_object_get(j, "rows"), 0),
	    "cache_hit_ratio"));
	json_decref(j);
}

/* An existing file is never replaced without asking; the format follows
 * the name, and another name is refused (issue 11, defect 20). */
static void
test_overwrite_and_names(void **state)
{
	struct report r;
	struct report_row rows[2];
	char path[128], msg[512];
	const char *s;

	(void)state;
	fixture(&r, rows);
	snprintf(path, sizeof(path), "%s/keep.csv", fx_tmpdir);
	s = "precious\n";
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(s, f);
		fclose(f);
	}
	assert_int_equal(screen_export_write(path, &r, "model", 0, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "exists"));
	assert_string_equal(slurp(path), "precious\n");
	assert_int_equal(screen_export_write(path, &r, "model", 1, msg, sizeof(msg)), 0);
	assert_true(strncmp(slurp(path), "model,requests,", 15) == 0);
	snprintf(path, sizeof(path), "%s/out.txt", fx_tmpdir);
	assert_int_equal(screen_export_write(path, &r, "model", 0, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, ".csv or .json"));
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/OUT.JSON", fx_tmpdir);
	assert_int_equal(screen_export_write(path, &r, "model", 0, msg, sizeof(msg)), 0);
	assert_int_equal(slurp(path)[0], '{');
}

static void
test_failure_leaves_nothing(void **state)
{
	struct report r;
	struct report_row rows[2];
	char path[128], msg[512];

	(void)state;
	fixture(&r, rows);
	snprintf(path, sizeof(path), "%s/no/such/dir/out.csv", fx_tmpdir);
	assert_int_equal(screen_export_write(path, &r, "model", 0, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "out.csv"));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(screen_export_write("", &r, "model", 0, msg, sizeof(msg)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_hostile),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_failure_leaves_nothing),
		cmocka_unit_test(test_overwrite_and_names),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
