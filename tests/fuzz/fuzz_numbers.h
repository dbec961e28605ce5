/* fuzz_numbers.h — what the fuzz targets assert of every row, count and
 * batch object a parser accepts: counts in 0..USAGE_COUNT_MAX, and adding
 * and pricing them never overflows (UBSan aborts on a wrapped sum). */
#ifndef TOKENTOP_FUZZ_NUMBERS_H
#define TOKENTOP_FUZZ_NUMBERS_H

#include <stdint.h>
#include <stdlib.h>

#include "core/num.h"
#include "core/pricing.h"
#include "core/usage.h"

/* The dearest rates a shipped model has, with every multiplier. */
static const char fuzz_prices_json[] =
	"{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	"{\"id\":\"m\",\"aliases\":[\"claude-opus-4-1\",\"claude-haiku-4-5\",\"claude-sonnet-4-5\"],"
	" \"input\":\"15\",\"write_5m\":\"18.75\",\"write_1h\":\"30\",\"cache_read\":\"1.50\","
	" \"output\":\"75\",\"fast\":\"6\",\"us_geo\":\"1.1\","
	" \"long\":{\"threshold\":200000,\"input\":\"30\",\"write_5m\":\"37.50\",\"write_1h\":\"60\","
	"  \"cache_read\":\"3\",\"output\":\"112.50\"}}]}";

static inline const struct pricing *
fuzz_pricing(void)
{
	static struct pricing *p;
	char err[256];

	if (p == NULL && (p = pricing_parse(fuzz_prices_json, "fuzz", err, sizeof(err))) == NULL)
		abort();
	return p;
}

static inline int
fuzz_count_ok(int64_t v)
{
	return v >= 0 && v <= USAGE_COUNT_MAX;
}

/* A row's buckets are counts; twice the row still adds up; it prices under
 * every flag, savings included, without leaving 64 bits. */
static inline void
fuzz_check_tokens(const struct tokens *t)
{
	const struct model_price *mp = pricing_find(fuzz_pricing(), "m");
	struct price_flags f = { 1, 1, 1, 1, 1 };
	struct tokens acc = *t;
	struct savings sv;
	int64_t nanos;

	if (!fuzz_count_ok(t->input) || !fuzz_count_ok(t->write_5m) ||
	    !fuzz_count_ok(t->write_1h) || !fuzz_count_ok(t->cache_read) ||
	    !fuzz_count_ok(t->output))
		abort();
	if (usage_total(t) > 5 * USAGE_COUNT_MAX || usage_tokens_add(&acc, t) != 0)
		abort();
	if (pricing_cost_checked(mp, t, &f, &nanos) != 0 || nanos < 0 ||
	    pricing_savings(mp, t, &f, 1, mp, USAGE_COUNT_MAX, &sv) != 0)
		abort();
	f.batch = f.fast = 0;
	if (pricing_cost_checked(mp, t, &f, &nanos) != 0 || nanos < 0)
		abort();
}

static inline void
fuzz_check_row(const struct usage *u)
{
	int64_t nanos;

	fuzz_check_tokens(&u->tok);
	if (!fuzz_count_ok(u->compressed_tokens))
		abort();
	if (pricing_usage_cost(fuzz_pricing(), u, &nanos) == 0 && (nanos < 0 || nanos == INT64_MAX))
		abort();      /* priced when the model is one of the table's aliases */
}

#endif
