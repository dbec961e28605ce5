/* fx_pricing.h — the pricing tests' fixture (tests/lib/fx_pricing.c): the
 * shipped table per test, usage rows, their costs.
 *
 *	FXP_TEST(test_x),      (fxp_setup, fxp_teardown)
 *	const struct pricing *p = *state;
 *	struct usage u = fxp_row("claude-haiku-4-5", 1000, 0, 0, 0, 10);
 *	assert_int_equal(fxp_cost_of(p, &u), ...);
 *
 * Include <setjmp.h>, <stdarg.h>, <stddef.h>, <cmocka.h> and core/pricing.h
 * before it.
 */
#ifndef TOKENTOP_TESTS_FX_PRICING_H
#define TOKENTOP_TESTS_FX_PRICING_H

#include <stdint.h>

extern char fxp_shipped[1024];  /* the shipped table's path, once loaded */

/* The shipped table (fx_shipped_prices), its path in fxp_shipped. Fails
 * the test when it does not load. The caller frees it with pricing_free. */
struct pricing *fxp_load_shipped(void);

/* Test setup: the shipped table in *state; 0. Teardown frees it; 0. */
int fxp_setup(void **state);
int fxp_teardown(void **state);
#define FXP_TEST(t) cmocka_unit_test_setup_teardown(t, fxp_setup, fxp_teardown)

/* A "call" row of model with these input, 5-minute write, 1-hour write,
 * cache read and output tokens; every other field zero. */
struct usage fxp_row(const char *model, int64_t in, int64_t w5, int64_t w1, int64_t cr,
                     int64_t out);

/* u's cost in nano-dollars; fails the test if u's model is unpriced. */
int64_t fxp_cost_of(const struct pricing *p, const struct usage *u);

#endif
