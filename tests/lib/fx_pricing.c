/* fx_pricing.c — the pricing tests' fixture; see fx_pricing.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/pricing.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_pricing.h"

char fxp_shipped[1024];

struct pricing *
fxp_load_shipped(void)
{
	const char *dir = getenv("TOKENTOP_DATADIR");

	snprintf(fxp_shipped, sizeof(fxp_shipped), "%s/prices.json", dir != NULL ? dir : "share");
	return fx_shipped_prices();
}

int
fxp_setup(void **state)
{
	*state = fxp_load_shipped();
	return 0;
}

int
fxp_teardown(void **state)
{
	pricing_free(*state);
	return 0;
}

struct usage
fxp_row(const char *model, int64_t in, int64_t w5, int64_t w1, int64_t cr, int64_t out)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	usage_strlcpy(u.model, model, sizeof(u.model));
	usage_strlcpy(u.source, "call", sizeof(u.source));
	u.tok.input = in;
	u.tok.write_5m = w5;
	u.tok.write_1h = w1;
	u.tok.cache_read = cr;
	u.tok.output = out;
	return u;
}

int64_t
fxp_cost_of(const struct pricing *p, const struct usage *u)
{
	int64_t n = -7;

	if (pricing_usage_cost(p, u, &n) != 0)
		fail_msg("%s unpriced", u->model);
	return n;
}
