/* test_pricing_format.c — dollars as text (core/pricing_format.c): grouped
 * and fixed places, rounding, one money rule for small amounts, unpriced
 * marks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/pricing.h"

static void
test_format_usd(void **state)
{
	static const struct {
		int64_t nanos;
		int decimals, group;
		const char *want;
	} cases[] = {
		{ 1234567890123LL, 2, 1, "$1,234.57" },
		{ 1234567890123LL, 2, 0, "$1234.57" },
		{ -310000000LL, 2, 1, "-$0.31" },
		{ 0, 2, 1, "$0.00" },
		{ 5000000, 2, 1, "$0.01" },           /* half a cent rounds up */
		{ 4999999, 2, 1, "$0.00" },
		{ -4000000, 2, 1, "$0.00" },          /* no "-$0.00" */
		{ -5000000, 2, 1, "-$0.01" },
		{ 12345000, 4, 1, "$0.0123" },
		{ 12350000, 4, 1, "$0.0124" },
		{ 1500000000LL, 0, 1, "$2" },
		{ 1, 9, 1, "$0.000000001" },
		{ 999999999999LL, 2, 1, "$1,000.00" },
		{ INT64_MAX, 2, 1, "$9,223,372,036.85" },
		{ INT64_MIN, 2, 1, "-$9,223,372,036.85" },
		{ 123456789000000LL, 2, 1, "$123,456.79" },
	};
	char buf[64], small[6];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pricing_format_usd(cases[i].nanos, cases[i].decimals, cases[i].group, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: got %s want %s", i, buf, cases[i].want);
	}
	assert_ptr_equal(pricing_format_usd(1234567890123LL, 2, 1, small, sizeof(small)), small);
	assert_string_equal(small, "$1,23");   /* truncated, still terminated */
	assert_true(pricing_usd(1500000000LL) == 1.5);
}

/* One money rule: at least the places asked, more while a non-zero amount
 * would read as zero (issue 11, defect 13). */
static void
test_format_money(void **state)
{
	static const struct {
		int64_t nanos;
		int min;
		const char *want;
	} cases[] = {
		{ 0, 2, "$0.00" },
		{ 41270000000LL, 2, "$41.27" },
		{ 500000, 2, "$0.0005" },              /* the CLI's $0.0005, never $0.00 */
		{ 4999999, 2, "$0.0050" },
		{ 5000000, 2, "$0.01" },               /* rounds to a cent: two places do */
		{ 40000, 2, "$0.00004" },
		{ 1, 2, "$0.000000001" },
		{ -1000000, 2, "-$0.0010" },
		{ 310000000, 2, "$0.31" },
		{ 310000000, 4, "$0.3100" },           /* a table's own places */
		{ 1500000000000LL, 0, "$1,500" },      /* whole dollars */
		{ 300000000, 0, "$0.30" },             /* …but never "$0" for 30 cents */
		{ 400000000, 0, "$0.40" },
		{ 600000000, 0, "$1" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pricing_format_money(cases[i].nanos, cases[i].min, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: got %s want %s", i, buf, cases[i].want);
	}
	assert_string_equal(pricing_format_cost(0, 3, 3, 2, buf, sizeof(buf)), "unpriced");
	assert_string_equal(pricing_format_cost(4790000000LL, 41, 0, 2, buf, sizeof(buf)), "$4.79");
	assert_string_equal(pricing_format_cost(4790000000LL, 41, 2, 2, buf, sizeof(buf)),
	    "$4.79" PRICING_UNPRICED_MARK);
	assert_string_equal(pricing_format_cost(500000, 2, 1, 2, buf, sizeof(buf)), "$0.0005*");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_usd),
		cmocka_unit_test(test_format_money),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
