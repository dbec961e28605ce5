/* test_expo.c — the Prometheus text writer: escaping, families, exact values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/expo.h"

static void
test_escape(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "claude-sonnet-4-5", "claude-sonnet-4-5" },
		{ "a\\b", "a\\\\b" },
		{ "say \"hi\"", "say \\\"hi\\\"" },
		{ "two\nlines", "two\\nlines" },
		{ "\\\"\n", "\\\\\\\"\\n" },
		{ "팀-검색", "팀-검색" },                      /* UTF-8 kept */
		{ "emoji \xF0\x9F\x98\x80", "emoji \xF0\x9F\x98\x80" },
		{ "bad \xFF byte", "bad \xEF\xBF\xBD byte" },  /* invalid → U+FFFD */
		{ "cut \xE2\x82", "cut \xEF\xBF\xBD\xEF\xBF\xBD" },
		{ "tab\tcr\r", "tab\tcr\r" },                  /* only \\ \" \n are escaped */
		{ "", "" },
	};
	char out[128];
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(expo_escape(cases[i].in, out, sizeof(out)), cases[i].out);
	assert_string_equal(expo_escape(NULL, out, sizeof(out)), "");
	/* truncated at a whole character */
	assert_string_equal(expo_escape("ab팀", out, 4), "ab");
	assert_string_equal(expo_escape("a\"", out, 3), "a\\");
}

static void
test_family_and_samples(void **state)
{
	struct expo e;
	const char *l[] = { "model", "we\"ird\nname\\", "source", NULL };
	const char *t;
	(void)state;

	expo_init(&e);
	expo_family(&e, "tokentop_x_total", "counter", "Help with \\ and\nnewline \"kept\".");
	expo_sample(&e, "tokentop_x_total", l, 2, "1.5");
	expo_sample(&e, "tokentop_x_total", NULL, 0, "7");
	t = expo_text(&e, NULL);
	assert_non_null(t);
	assert_string_equal(t,
	    "# HELP tokentop_x_total Help with \\\\ and\\nnewline \"kept\".\n"
	    "# TYPE tokentop_x_total counter\n"
	    "tokentop_x_total{model=\"we\\\"ird\\nname\\\\\",source=\"\"} 1.5\n"
	    "tokentop_x_total 7\n");
	expo_done(&e);
	expo_done(&e);                       /* twice is fine */
	expo_done(NULL);
	expo_init(&e);
	assert_string_equal(expo_text(&e, NULL), "");
	expo_done(&e);
}

static void
test_usd_exact(void **state)
{
	static const struct { int64_t nanos; const char *s; } cases[] = {
		{ 0, "0" },
		{ 5, "0.000000005" },
		{ 1000000000, "1" },
		{ 1234567890, "1.23456789" },
		{ 1500000000, "1.5" },
		{ -1500000000, "-1.5" },
		{ 100, "0.0000001" },
		{ INT64_MAX, "9223372036.854775807" },
		{ INT64_MIN, "-9223372036.854775808" },
	};
	char buf[40];
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(expo_usd(cases[i].nanos, buf, sizeof(buf)), cases[i].s);
	assert_string_equal(expo_seconds_us(1500, buf, sizeof(buf)), "0.0015");
	assert_string_equal(expo_seconds_us(2000000, buf, sizeof(buf)), "2");
	assert_string_equal(expo_int(-12, buf, sizeof(buf)), "-12");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_usd_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
