/* test_pricing_cost.c — exact costs (core/pricing_cost.c): the batch factor,
 * the long-context line, Haiku 3's writes, fast and US multipliers, unpriced
 * models, rounding once, savings, costs near and past 64 bits, additivity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/pricing.h"
#include "tests/lib/fx_pricing.h"

#define M 1000000LL                 /* pico-dollars per token of $1/MTok */

static void
test_batch_factor(void **state)
{
	const struct pricing *p = *state;
	struct usage u = fxp_row("claude-sonnet-4-6", M, M, M, M, 0);
	int64_t num, den;

	pricing_batch_factor(p, &num, &den);
	assert_int_equal(num, 1);
	assert_int_equal(den, 2);
	/* every component halves, cache writes and reads included */
	assert_int_equal(fxp_cost_of(p, &u), 13050000000LL);
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(fxp_cost_of(p, &u), 6525000000LL);
	/* service_tier batch alone also means batch */
	usage_strlcpy(u.source, "import", sizeof(u.source));
	usage_strlcpy(u.service_tier, "batch", sizeof(u.service_tier));
	assert_int_equal(fxp_cost_of(p, &u), 6525000000LL);
	/* a batch cache read is 0.05 × input */
	u = fxp_row("claude-haiku-4-5", 0, 0, 0, M, 0);
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(fxp_cost_of(p, &u), 50000000LL);
}

static void
test_long_context_boundary(void **state)
{
	const struct pricing *p = *state;
	struct usage u;
	struct price_flags f;

	/* 200,000 total input is NOT long */
	u = fxp_row("claude-sonnet-4-5", 200000, 0, 0, 0, 1000);
	f = pricing_flags(pricing_find(p, u.model), &u);
	assert_false(f.long_ctx);
	assert_int_equal(fxp_cost_of(p, &u), 615000000LL);          /* 0.6 + 0.015 */
	/* 200,001 is: every token at the long rate */
	u = fxp_row("claude-sonnet-4-5", 200001, 0, 0, 0, 1000);
	f = pricing_flags(pricing_find(p, u.model), &u);
	assert_true(f.long_ctx);
	assert_int_equal(fxp_cost_of(p, &u), 1222506000LL);         /* 1.200006 + 0.0225 */
	/* the total counts cache writes and reads, and they are long too */
	u = fxp_row("claude-sonnet-4-20250514", 1, 100000, 50000, 50000, 0);
	assert_int_equal(fxp_cost_of(p, &u),
	    (6 * M + 100000 * 7500000LL + 50000 * 12 * M + 50000 * 600000LL) / 1000);
	u = fxp_row("claude-sonnet-4-20250514", 0, 100000, 50000, 50000, 0);
	assert_int_equal(fxp_cost_of(p, &u),
	    (100000 * 3750000LL + 50000 * 6 * M + 50000 * 300000LL) / 1000);
	/* Sonnet 4.6 is flat */
	u = fxp_row("claude-sonnet-4-6", 300000, 0, 0, 0, 0);
	f = pricing_flags(pricing_find(p, u.model), &u);
	assert_false(f.long_ctx);
	assert_int_equal(fxp_cost_of(p, &u), 900000000LL);
	/* long and batch stack */
	u = fxp_row("claude-sonnet-4-5", 200001, 0, 0, 0, 0);
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(fxp_cost_of(p, &u), 600003000LL);
}

static void
test_haiku3_writes(void **state)
{
	const struct pricing *p = *state;
	struct usage u = fxp_row("claude-3-haiku-20240307", 0, M, 0, 0, 0);

	assert_int_equal(fxp_cost_of(p, &u), 300000000LL);   /* 1.2 × $0.25, not 1.25 × */
	u = fxp_row("claude-3-haiku-20240307", 0, 0, M, 0, 0);
	assert_int_equal(fxp_cost_of(p, &u), 500000000LL);
	u = fxp_row("claude-3-haiku-20240307", 0, 0, 0, M, 0);
	assert_int_equal(fxp_cost_of(p, &u), 30000000LL);
}

static void
test_fast_and_us(void **state)
{
	const struct pricing *p = *state;
	struct usage u;

	u = fxp_row("claude-opus-4-6", 0, 0, 0, 0, M);
	usage_strlcpy(u.speed, "fast", sizeof(u.speed));
	assert_int_equal(fxp_cost_of(p, &u), 150000000000LL);       /* 25 × 6 */
	u = fxp_row("claude-opus-5", 0, 0, 0, 0, M);
	usage_strlcpy(u.speed, "fast", sizeof(u.speed));
	assert_int_equal(fxp_cost_of(p, &u), 50000000000LL);        /* 25 × 2 */
	u = fxp_row("claude-opus-4-5", 0, 0, 0, 0, M);              /* no fast price: × 1 */
	usage_strlcpy(u.speed, "fast", sizeof(u.speed));
	assert_int_equal(fxp_cost_of(p, &u), 25000000000LL);
	u = fxp_row("claude-sonnet-5", M, 0, 0, 0, M);
	usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
	assert_int_equal(fxp_cost_of(p, &u), 13200000000LL);        /* 12 × 1.1 */
	u = fxp_row("claude-sonnet-4-6", M, 0, 0, 0, 0);            /* no us uplift */
	usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
	assert_int_equal(fxp_cost_of(p, &u), 3000000000LL);
	u = fxp_row("claude-opus-4-7", M, 0, 0, M, 0);              /* fast × us × batch stack */
	usage_strlcpy(u.speed, "fast", sizeof(u.speed));
	usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(fxp_cost_of(p, &u), 18150000000LL);        /* 5.5 × 6 × 1.1 / 2 */
}

static void
test_unpriced(void **state)
{
	const struct pricing *p = *state;
	struct usage u = fxp_row("gpt-4o", 10, 0, 0, 0, 10);
	int64_t n = 99;

	assert_int_equal(pricing_usage_cost(p, &u, &n), -1);
	assert_int_equal(n, 0);
	u = fxp_row("<synthetic>", 1, 0, 0, 0, 1);
	assert_int_equal(pricing_usage_cost(p, &u, &n), -1);
}

/* Sums round once: half a nano-dollar per token, summed before rounding. */
static void
test_rounding(void **state)
{
	const char *js = "{\"batch_factor\":{\"num\":3,\"den\":4},\"models\":[{\"id\":\"x\","
	    "\"input\":\"0.0005\",\"write_5m\":\"0\",\"write_1h\":\"0\",\"cache_read\":\"0\","
	    "\"output\":\"0.0005\"}]}";
	char err[256];
	struct pricing *p = pricing_parse(js, "t.json", err, sizeof(err));
	struct usage u;
	int64_t num, den;

	(void)state;
	assert_non_null(p);
	u = fxp_row("x", 1, 0, 0, 0, 0);
	assert_int_equal(fxp_cost_of(p, &u), 1);       /* 0.5 → 1 (half up) */
	u = fxp_row("x", 1, 0, 0, 0, 1);
	assert_int_equal(fxp_cost_of(p, &u), 1);       /* 0.5 + 0.5 = 1, not 2 */
	u = fxp_row("x", 3, 0, 0, 0, 0);
	assert_int_equal(fxp_cost_of(p, &u), 2);       /* 1.5 → 2 */
	u = fxp_row("x", 8, 0, 0, 0, 0);
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(fxp_cost_of(p, &u), 3);       /* the table's 3/4 batch factor */
	pricing_batch_factor(p, &num, &den);
	assert_int_equal(num * 10 + den, 34);
	/* a huge sum does not overflow on the way */
	u = fxp_row("x", 0, 0, 0, 0, 0);
	u.tok.input = 4000000000000000000LL;
	assert_int_equal(fxp_cost_of(p, &u), 2000000000000000000LL);
	pricing_free(p);
}

static void
test_savings(void **state)
{
	const struct pricing *p = *state;
	const struct model_price *mp = pricing_find(p, "claude-sonnet-4-5");
	const struct model_price *opus = pricing_find(p, "claude-opus-4-1");
	struct usage u = fxp_row("claude-sonnet-4-5", 1000, 2000, 0, 10000, 500);
	struct price_flags f = pricing_flags(mp, &u);
	struct savings s;

	/* actual: 1000×3 + 2000×3.75 + 10000×0.30 + 500×15 = 21,000 µ$ = $0.021 */
	assert_int_equal(pricing_cost(mp, &u.tok, &f), 21000000);
	pricing_savings(mp, &u.tok, &f, 0, opus, 5000, &s);
	assert_int_equal(s.cache, 46500000 - 21000000);  /* 13000 plain input + output */
	assert_int_equal(s.batch, 0);
	assert_int_equal(s.routing, 0);                  /* not routed */
	assert_int_equal(s.compression, 15000000);       /* 5000 × $3/MTok */
	pricing_savings(mp, &u.tok, &f, 1, opus, 0, &s);
	assert_int_equal(s.routing, 105000000 - 21000000);
	pricing_savings(mp, &u.tok, &f, 1, NULL, 0, &s);
	assert_int_equal(s.routing, 0);                  /* baseline unknown */

	/* the same row in a batch: both discounts, each at its own step */
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	f = pricing_flags(mp, &u);
	assert_int_equal(pricing_cost(mp, &u.tok, &f), 10500000);
	pricing_savings(mp, &u.tok, &f, 0, NULL, 5000, &s);
	assert_int_equal(s.cache, 23250000 - 10500000);
	assert_int_equal(s.batch, 21000000 - 10500000);
	assert_int_equal(s.compression, 7500000);

	/* cache writes never read cost more: a negative saving */
	u = fxp_row("claude-sonnet-4-5", 0, 0, 1000, 0, 0);
	f = pricing_flags(mp, &u);
	pricing_savings(mp, &u.tok, &f, 0, NULL, 0, &s);
	assert_int_equal(s.cache, 3000000 - 6000000);

	/* unpriced: nothing */
	pricing_savings(NULL, &u.tok, &f, 1, opus, 10, &s);
	assert_int_equal(s.cache + s.batch + s.routing + s.compression, 0);
}

/* Costs of the largest rows are exact; costs past 64 bits say so and
 * saturate, never wrap (every 128-bit step is checked too). */
static void
test_huge_costs(void **state)
{
	const struct pricing *p = *state;
	const struct model_price *mp = pricing_find(p, "claude-opus-4-6");
	struct tokens max = { USAGE_COUNT_MAX, USAGE_COUNT_MAX, USAGE_COUNT_MAX, USAGE_COUNT_MAX,
	    USAGE_COUNT_MAX };
	struct tokens big = { INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX };
	struct tokens neg = { INT64_MIN, 0, 0, 0, 0 };
	struct price_flags all = { 1, 0, 1, 1, 0 }, none = { 0, 0, 0, 0, 0 };
	struct savings sv;
	int64_t v;

	assert_non_null(mp);
	/* 10^12 of each at $5/6.25/10/0.50/25 per MTok = $46.75M; fast ×6, us ×1.1 */
	assert_int_equal(pricing_cost_checked(mp, &max, &none, &v), 0);
	assert_int_equal(v, 46750000LL * NANOS_PER_USD);
	all.batch = 0;
	assert_int_equal(pricing_cost_checked(mp, &max, &all, &v), 0);
	assert_int_equal(v, 308550000LL * NANOS_PER_USD);
	assert_int_equal(pricing_savings(mp, &max, &all, 1, mp, USAGE_COUNT_MAX, &sv), 0);
	all.batch = 1;
	assert_int_equal(pricing_cost_checked(mp, &big, &all, &v), -1);
	assert_int_equal(v, INT64_MAX);
	assert_int_equal(pricing_cost(mp, &big, &all), INT64_MAX);
	assert_int_equal(pricing_cost_checked(mp, &neg, &none, &v), -1);
	assert_int_equal(v, INT64_MIN);
	assert_int_equal(pricing_savings(mp, &big, &all, 1, mp, INT64_MAX, &sv), -1);
	assert_int_equal(sv.compression, INT64_MAX);
}

/* round(num / den), half away from zero, in 128 bits: the test's own. */
static int64_t
round_div(__int128 num, __int128 den)
{
	__int128 q = num / den, rem = num % den;

	if (rem < 0)
		rem = -rem;
	if (2 * rem >= den)
		q += num < 0 ? -1 : 1;
	return (int64_t)q;
}

/* Costs are computed in 64 bits while nothing nears 2^63 and in 128 bits
 * past it: token counts either side of the switch, with and without the
 * batch factor, each equal the exact rounded figure. */
static void
test_cost_near_64_bits(void **state)
{
	const struct pricing *p = *state;
	const struct model_price *mp = pricing_find(p, "claude-opus-4-6");
	struct price_flags none = { 0 }, batch = { 0 };
	int64_t edge, d, v, rate;
	struct tokens t;

	assert_non_null(mp);
	batch.batch = 1;
	rate = mp->base.output;
	edge = INT64_MAX / rate;                 /* the last output count whose product fits */
	for (d = -3; d <= 3; d++) {
		memset(&t, 0, sizeof(t));
		t.output = edge + d;
		assert_int_equal(pricing_cost_checked(mp, &t, &none, &v), 0);
		assert_int_equal(v, round_div((__int128)t.output * rate, 1000));
		assert_int_equal(pricing_cost_checked(mp, &t, &batch, &v), 0);
		assert_int_equal(v, round_div((__int128)t.output * rate * mp->batch_num,
		    (__int128)1000 * mp->batch_den));
		t.output = -t.output;                /* and below zero */
		assert_int_equal(pricing_cost_checked(mp, &t, &none, &v), 0);
		assert_int_equal(v, round_div((__int128)t.output * rate, 1000));
		t.output = 1000 + d;                 /* a rounding step, far from the edge */
		t.cache_read = 7;
		assert_int_equal(pricing_cost_checked(mp, &t, &batch, &v), 0);
		assert_int_equal(v, round_div(((__int128)t.output * rate + 7 * mp->base.cache_read) *
		    mp->batch_num, (__int128)1000 * mp->batch_den));
	}
}

/* Additive: every per-token rate under the flags a whole nano-dollar
 * count (then a sum of groups costs the sum of their costs). */
static void
test_additive(void **state)
{
	struct pricing *p;
	const struct model_price *mp;
	struct price_flags f;
	struct tokens a = { 1, 3, 0, 7, 1 }, b = { 3, 1, 0, 5, 1 }, ab = { 4, 4, 0, 12, 2 };
	char err[256];
	(void)state;

	assert_non_null(p = pricing_parse("{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	    "{\"id\":\"m\",\"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\","
	    "\"cache_read\":\"0.30\",\"output\":\"15\",\"us_geo\":\"1.1\"},"
	    "{\"id\":\"n\",\"input\":\"0.025\",\"write_5m\":\"0.025\",\"write_1h\":\"1\","
	    "\"cache_read\":\"0.0025\",\"output\":\"0.1\"}]}", "t", err, sizeof(err)));
	memset(&f, 0, sizeof(f));
	mp = pricing_find(p, "m");
	assert_true(pricing_additive(mp, &f));           /* 3000, 3750, 6000, 300, 15000 */
	f.batch = 1;
	assert_true(pricing_additive(mp, &f));           /* halves: 1875 … */
	f.us_geo = 1;
	assert_false(pricing_additive(mp, &f));          /* 3750 × 1.1 / 2 = 2062.5 */
	assert_true(pricing_cost(mp, &a, &f) + pricing_cost(mp, &b, &f) != pricing_cost(mp, &ab, &f));
	f.batch = 0;
	assert_true(pricing_additive(mp, &f));           /* × 1.1: 3300, 4125 … */
	memset(&f, 0, sizeof(f));
	assert_false(pricing_additive(pricing_find(p, "n"), &f));   /* 2.5 a cache read */
	assert_false(pricing_additive(NULL, &f));
	pricing_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FXP_TEST(test_cost_near_64_bits),
		FXP_TEST(test_batch_factor),
		FXP_TEST(test_long_context_boundary),
		FXP_TEST(test_haiku3_writes),
		FXP_TEST(test_fast_and_us),
		FXP_TEST(test_unpriced),
		cmocka_unit_test(test_rounding),
		FXP_TEST(test_savings),
		FXP_TEST(test_huge_costs),
		cmocka_unit_test(test_additive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
