/* test_pricing.c — the price table, exact costs, savings and dollar formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/pricing.h"

#define M 1000000LL                 /* pico-dollars per token of $1/MTok */

static char shipped[1024];

static struct pricing *
load_shipped(void)
{
	char err[512];
	struct pricing *p;
	const char *dir = getenv("TOKENTOP_DATADIR");

	snprintf(shipped, sizeof(shipped), "%s/prices.json", dir != NULL ? dir : "share");
	p = pricing_load(shipped, NULL, err, sizeof(err));
	if (p == NULL)
		fail_msg("load %s: %s", shipped, err);
	return p;
}

static int
setup(void **state)
{
	*state = load_shipped();
	return 0;
}

static int
teardown(void **state)
{
	pricing_free(*state);
	return 0;
}

/* Every model of api-notes §6: rates in pico-dollars per token. */
static const struct {
	const char *id;
	int64_t in, w5, w1, cr, out;
	int64_t min_cache;
	int     has_long;
	int64_t fast, us;
} table[] = {
	{ "claude-opus-5",     5 * M, 6250000, 10 * M, 500000, 25 * M, 2048, 0, 2000, 1100 },
	{ "claude-opus-4-8",   5 * M, 6250000, 10 * M, 500000, 25 * M, 2048, 0, 0, 1100 },
	{ "claude-opus-4-7",   5 * M, 6250000, 10 * M, 500000, 25 * M, 2048, 0, 6000, 1100 },
	{ "claude-opus-4-6",   5 * M, 6250000, 10 * M, 500000, 25 * M, 4096, 0, 6000, 1100 },
	{ "claude-opus-4-5",   5 * M, 6250000, 10 * M, 500000, 25 * M, 4096, 0, 0, 1000 },
	{ "claude-opus-4-1",   15 * M, 18750000, 30 * M, 1500000, 75 * M, 1024, 0, 0, 1000 },
	{ "claude-opus-4-0",   15 * M, 18750000, 30 * M, 1500000, 75 * M, 1024, 0, 0, 1000 },
	{ "claude-sonnet-5",   2 * M, 2500000, 4 * M, 200000, 10 * M, 1024, 0, 0, 1100 },
	{ "claude-sonnet-4-6", 3 * M, 3750000, 6 * M, 300000, 15 * M, 1024, 0, 0, 1000 },
	{ "claude-sonnet-4-5", 3 * M, 3750000, 6 * M, 300000, 15 * M, 1024, 1, 0, 1000 },
	{ "claude-sonnet-4-0", 3 * M, 3750000, 6 * M, 300000, 15 * M, 1024, 1, 0, 1000 },
	{ "claude-3-7-sonnet", 3 * M, 3750000, 6 * M, 300000, 15 * M, 1024, 0, 0, 1000 },
	{ "claude-haiku-4-5",  1 * M, 1250000, 2 * M, 100000, 5 * M, 4096, 0, 0, 1000 },
	{ "claude-3-5-haiku",  800000, 1 * M, 1600000, 80000, 4 * M, 2048, 0, 0, 1000 },
	{ "claude-3-haiku",    250000, 300000, 500000, 30000, 1250000, 2048, 0, 0, 1000 },
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

static void
test_every_rate(void **state)
{
	const struct pricing *p = *state;
	const struct model_price *mp;
	size_t i, n;

	for (i = 0, n = 0; i < pricing_count(p); i++)
		n += pricing_at(p, i)->provider == 0;      /* Anthropic's: OpenAI's are in test_provider */
	assert_int_equal(n, NTABLE);
	for (i = 0; i < NTABLE; i++) {
		mp = pricing_find(p, table[i].id);
		if (mp == NULL)
			fail_msg("%s not found", table[i].id);
		assert_string_equal(mp->id, table[i].id);
		assert_int_equal(mp->base.input, table[i].in);
		assert_int_equal(mp->base.write_5m, table[i].w5);
		assert_int_equal(mp->base.write_1h, table[i].w1);
		assert_int_equal(mp->base.cache_read, table[i].cr);
		assert_int_equal(mp->base.output, table[i].out);
		assert_int_equal(mp->min_cache_tokens, table[i].min_cache);
		assert_int_equal(mp->has_long, table[i].has_long);
		assert_int_equal(mp->fast_permille, table[i].fast);
		assert_int_equal(mp->us_geo_permille, table[i].us);
		if (mp->has_long) {
			assert_int_equal(mp->long_threshold, 200000);
			assert_int_equal(mp->lng.input, 6 * M);
			assert_int_equal(mp->lng.write_5m, 7500000);
			assert_int_equal(mp->lng.write_1h, 12 * M);
			assert_int_equal(mp->lng.cache_read, 600000);
			assert_int_equal(mp->lng.output, 22500000);
		}
	}
}

static void
test_resolution(void **state)
{
	const struct pricing *p = *state;
	static const char *const pairs[][2] = {
		{ "claude-sonnet-4-5-20250929", "claude-sonnet-4-5" },
		{ "claude-sonnet-4-5-20991231", "claude-sonnet-4-5" },   /* any date strips */
		{ "claude-opus-4-5-20251101", "claude-opus-4-5" },
		{ "claude-opus-4-1-20250805", "claude-opus-4-1" },
		{ "claude-opus-4-20250514", "claude-opus-4-0" },
		{ "claude-sonnet-4-20250514", "claude-sonnet-4-0" },
		{ "claude-3-7-sonnet-20250219", "claude-3-7-sonnet" },
		{ "claude-haiku-4-5-20251001", "claude-haiku-4-5" },
		{ "claude-3-5-haiku-20241022", "claude-3-5-haiku" },
		{ "claude-3-haiku-20240307", "claude-3-haiku" },
		{ "claude-opus-4-6", "claude-opus-4-6" },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const struct model_price *mp = pricing_find(p, pairs[i][0]);

		if (mp == NULL)
			fail_msg("%s unresolved", pairs[i][0]);
		assert_string_equal(mp->id, pairs[i][1]);
	}
	assert_null(pricing_find(p, "gpt-imaginary"));
	assert_null(pricing_find(p, "claude-sonnet-4-5-2025-09-29x"));
	assert_null(pricing_find(p, ""));
	assert_null(pricing_find(p, NULL));
	assert_null(pricing_find(p, "claude-sonnet-4-5-2025092"));  /* 7 digits */
	assert_null(pricing_find(p, "claude-sonnet-4-5-2025092x"));
	assert_null(pricing_find(p, "claude-sonnet-9-20991231"));
	assert_null(pricing_find(p, "-20250101"));
}

static void
test_aliases_listed(void **state)
{
	const struct pricing *p = *state;
	size_t i;
	int seen = 0;

	for (i = 0; i < pricing_count(p); i++) {
		const char *const *a = pricing_aliases(p, i);

		assert_non_null(a);
		if (strcmp(pricing_at(p, i)->id, "claude-opus-4-0") == 0) {
			assert_string_equal(a[0], "claude-opus-4-20250514");
			seen = 1;
		}
	}
	assert_true(seen);
	assert_null(pricing_at(p, pricing_count(p)));
	assert_string_equal(pricing_origin(p), shipped);
}

static struct usage
row(const char *model, int64_t in, int64_t w5, int64_t w1, int64_t cr, int64_t out)
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

static int64_t
cost_of(const struct pricing *p, const struct usage *u)
{
	int64_t n = -7;

	if (pricing_usage_cost(p, u, &n) != 0)
		fail_msg("%s unpriced", u->model);
	return n;
}

static void
test_cost_each_family(void **state)
{
	const struct pricing *p = *state;
	size_t i;

	/* one million tokens in every bucket: the sum of the five list prices */
	for (i = 0; i < NTABLE; i++) {
		struct usage u = row(table[i].id, M, M, M, M, M);
		int64_t want = (table[i].in + table[i].w5 + table[i].w1 + table[i].cr + table[i].out) *
		    M / 1000;

		if (table[i].has_long)
			u = row(table[i].id, 100000, 0, 0, 100000, M);   /* stay flat */
		if (table[i].has_long)
			want = (100000 * table[i].in + 100000 * table[i].cr + M * table[i].out) / 1000;
		assert_int_equal(cost_of(p, &u), want);
	}
	/* spot checks in dollars */
	{
		struct usage u = row("claude-sonnet-4-6", M, M, M, M, M);

		assert_int_equal(cost_of(p, &u), 28050000000LL);   /* 3+3.75+6+0.30+15 */
		u = row("claude-opus-4-1-20250805", 0, 0, 0, 0, M);
		assert_int_equal(cost_of(p, &u), 75000000000LL);
		u = row("claude-3-5-haiku-20241022", 1000, 0, 0, 0, 0);
		assert_int_equal(cost_of(p, &u), 800000);             /* $0.0008 */
	}
}

static void
test_batch_factor(void **state)
{
	const struct pricing *p = *state;
	struct usage u = row("claude-sonnet-4-6", M, M, M, M, 0);
	int64_t num, den;

	pricing_batch_factor(p, &num, &den);
	assert_int_equal(num, 1);
	assert_int_equal(den, 2);
	/* every component halves, cache writes and reads included */
	assert_int_equal(cost_of(p, &u), 13050000000LL);
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(cost_of(p, &u), 6525000000LL);
	/* service_tier batch alone also means batch */
	usage_strlcpy(u.source, "import", sizeof(u.source));
	usage_strlcpy(u.service_tier, "batch", sizeof(u.service_tier));
	assert_int_equal(cost_of(p, &u), 6525000000LL);
	/* a batch cache read is 0.05 × input */
	u = row("claude-haiku-4-5", 0, 0, 0, M, 0);
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(cost_of(p, &u), 50000000LL);
}

static void
test_long_context_boundary(void **state)
{
	const struct pricing *p = *state;
	struct usage u;
	struct price_flags f;

	/* 200,000 total input is NOT long */
	u = row("claude-sonnet-4-5", 200000, 0, 0, 0, 1000);
	f = pricing_flags(pricing_find(p, u.model), &u);
	assert_false(f.long_ctx);
	assert_int_equal(cost_of(p, &u), 615000000LL);          /* 0.6 + 0.015 */
	/* 200,001 is: every token at the long rate */
	u = row("claude-sonnet-4-5", 200001, 0, 0, 0, 1000);
	f = pricing_flags(pricing_find(p, u.model), &u);
	assert_true(f.long_ctx);
	assert_int_equal(cost_of(p, &u), 1222506000LL);         /* 1.200006 + 0.0225 */
	/* the total counts cache writes and reads, and they are long too */
	u = row("claude-sonnet-4-20250514", 1, 100000, 50000, 50000, 0);
	assert_int_equal(cost_of(p, &u),
	    (6 * M + 100000 * 7500000LL + 50000 * 12 * M + 50000 * 600000LL) / 1000);
	u = row("claude-sonnet-4-20250514", 0, 100000, 50000, 50000, 0);
	assert_int_equal(cost_of(p, &u),
	    (100000 * 3750000LL + 50000 * 6 * M + 50000 * 300000LL) / 1000);
	/* Sonnet 4.6 is flat */
	u = row("claude-sonnet-4-6", 300000, 0, 0, 0, 0);
	f = pricing_flags(pricing_find(p, u.model), &u);
	assert_false(f.long_ctx);
	assert_int_equal(cost_of(p, &u), 900000000LL);
	/* long and batch stack */
	u = row("claude-sonnet-4-5", 200001, 0, 0, 0, 0);
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(cost_of(p, &u), 600003000LL);
}

static void
test_haiku3_writes(void **state)
{
	const struct pricing *p = *state;
	struct usage u = row("claude-3-haiku-20240307", 0, M, 0, 0, 0);

	assert_int_equal(cost_of(p, &u), 300000000LL);   /* 1.2 × $0.25, not 1.25 × */
	u = row("claude-3-haiku-20240307", 0, 0, M, 0, 0);
	assert_int_equal(cost_of(p, &u), 500000000LL);
	u = row("claude-3-haiku-20240307", 0, 0, 0, M, 0);
	assert_int_equal(cost_of(p, &u), 30000000LL);
}

static void
test_fast_and_us(void **state)
{
	const struct pricing *p = *state;
	struct usage u;

	u = row("claude-opus-4-6", 0, 0, 0, 0, M);
	usage_strlcpy(u.speed, "fast", sizeof(u.speed));
	assert_int_equal(cost_of(p, &u), 150000000000LL);       /* 25 × 6 */
	u = row("claude-opus-5", 0, 0, 0, 0, M);
	usage_strlcpy(u.speed, "fast", sizeof(u.speed));
	assert_int_equal(cost_of(p, &u), 50000000000LL);        /* 25 × 2 */
	u = row("claude-opus-4-5", 0, 0, 0, 0, M);              /* no fast price: × 1 */
	usage_strlcpy(u.speed, "fast", sizeof(u.speed));
	assert_int_equal(cost_of(p, &u), 25000000000LL);
	u = row("claude-sonnet-5", M, 0, 0, 0, M);
	usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
	assert_int_equal(cost_of(p, &u), 13200000000LL);        /* 12 × 1.1 */
	u = row("claude-sonnet-4-6", M, 0, 0, 0, 0);            /* no us uplift */
	usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
	assert_int_equal(cost_of(p, &u), 3000000000LL);
	u = row("claude-opus-4-7", M, 0, 0, M, 0);              /* fast × us × batch stack */
	usage_strlcpy(u.speed, "fast", sizeof(u.speed));
	usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(cost_of(p, &u), 18150000000LL);        /* 5.5 × 6 × 1.1 / 2 */
}

static void
test_unpriced(void **state)
{
	const struct pricing *p = *state;
	struct usage u = row("gpt-4o", 10, 0, 0, 0, 10);
	int64_t n = 99;

	assert_int_equal(pricing_usage_cost(p, &u, &n), -1);
	assert_int_equal(n, 0);
	u = row("<synthetic>", 1, 0, 0, 0, 1);
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
	u = row("x", 1, 0, 0, 0, 0);
	assert_int_equal(cost_of(p, &u), 1);       /* 0.5 → 1 (half up) */
	u = row("x", 1, 0, 0, 0, 1);
	assert_int_equal(cost_of(p, &u), 1);       /* 0.5 + 0.5 = 1, not 2 */
	u = row("x", 3, 0, 0, 0, 0);
	assert_int_equal(cost_of(p, &u), 2);       /* 1.5 → 2 */
	u = row("x", 8, 0, 0, 0, 0);
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(cost_of(p, &u), 3);       /* the table's 3/4 batch factor */
	pricing_batch_factor(p, &num, &den);
	assert_int_equal(num * 10 + den, 34);
	/* a huge sum does not overflow on the way */
	u = row("x", 0, 0, 0, 0, 0);
	u.tok.input = 4000000000000000000LL;
	assert_int_equal(cost_of(p, &u), 2000000000000000000LL);
	pricing_free(p);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_user_overlay(void **state)
{
	char dir[] = "/tmp/tt-pricing-XXXXXX", user[256], err[512];
	struct pricing *p;
	const struct model_price *mp;
	struct usage u;
	size_t nshipped;

	(void)state;
	pricing_free(load_shipped());   /* fills `shipped` */
	assert_non_null(mkdtemp(dir));
	snprintf(user, sizeof(user), "%s/prices.json", dir);

	/* missing user file: shipped table alone */
	p = pricing_load(shipped, user, err, sizeof(err));
	assert_non_null(p);
	assert_string_equal(pricing_origin(p), shipped);
	nshipped = pricing_count(p);
	pricing_free(p);

	write_file(user, "{\"_comment\":\"mine\",\"models\":["
	    "{\"id\":\"claude-sonnet-4-5\",\"aliases\":[\"claude-sonnet-4-5-20250929\"],"
	    "\"input\":\"4\",\"write_5m\":\"5\",\"write_1h\":\"8\",\"cache_read\":\"0.40\",\"output\":\"20\"},"
	    "{\"id\":\"claude-next\",\"input\":\"1\",\"write_5m\":\"1.25\",\"write_1h\":\"2\","
	    "\"cache_read\":\"0.10\",\"output\":\"5\"}]}");
	p = pricing_load(shipped, user, err, sizeof(err));
	if (p == NULL)
		fail_msg("%s", err);
	assert_int_equal(pricing_count(p), nshipped + 1);
	mp = pricing_find(p, "claude-sonnet-4-5-20250929");
	assert_non_null(mp);
	assert_int_equal(mp->base.input, 4 * M);
	assert_false(mp->has_long);                 /* replaced whole */
	u = row("claude-next-20270101", M, 0, 0, 0, 0);
	assert_int_equal(cost_of(p, &u), 1000000000LL);
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(cost_of(p, &u), 500000000LL);   /* shipped batch factor kept */
	assert_non_null(strstr(pricing_origin(p), "+"));
	assert_non_null(strstr(pricing_origin(p), user));
	pricing_free(p);

	/* a broken user file is an error that names it and the field */
	write_file(user, "{\"models\":[{\"id\":\"m\",\"input\":\"1\",\"write_5m\":\"1\","
	    "\"write_1h\":\"1\",\"cache_read\":\"1\"}]}");
	p = pricing_load(shipped, user, err, sizeof(err));
	assert_null(p);
	assert_non_null(strstr(err, user));
	assert_non_null(strstr(err, "models[0].output: missing"));

	unlink(user);
	rmdir(dir);
}

static void
test_malformed(void **state)
{
	static const struct {
		const char *json;
		const char *want;
	} cases[] = {
		{ "{\"models\":[]}", "batch_factor: missing" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":0},\"models\":[]}", "batch_factor" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2}}", "models: missing" },
		{ "[]", "not a JSON object" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[", "t.json:1:" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"modles\":[]}", "modles: unknown field" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"id\":\"a\",\"input\":3.75,"
		  "\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"output\":\"1\"}]}",
		  "models[0].input: not a decimal string" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"id\":\"a\",\"input\":\"3.7.5\","
		  "\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"output\":\"1\"}]}",
		  "models[0].input: not a decimal number" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"id\":\"a\",\"input\":\"1\","
		  "\"write_5m\":\"0.0000001\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"output\":\"1\"}]}",
		  "models[0].write_5m" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"id\":\"a\",\"input\":\"-1\","
		  "\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"output\":\"1\"}]}",
		  "models[0].input" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"id\":\"a\",\"input\":\"1\","
		  "\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"ouput\":\"1\"}]}",
		  "models[0].ouput: unknown field" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"input\":\"1\","
		  "\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"output\":\"1\"}]}",
		  "models[0].id" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"id\":\"a\",\"input\":\"1\","
		  "\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"output\":\"1\","
		  "\"long\":{\"input\":\"1\",\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\","
		  "\"output\":\"1\"}}]}",
		  "models[0].long.threshold: missing" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"id\":\"a\",\"input\":\"1\","
		  "\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"output\":\"1\","
		  "\"fast\":\"0\"}]}",
		  "models[0].fast: must be above 0" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"id\":\"a\",\"input\":\"1\","
		  "\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"output\":\"1\","
		  "\"aliases\":[\"b\",7]}]}",
		  "models[0].aliases[1]" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"id\":\"a\",\"input\":\"1\","
		  "\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"output\":\"1\","
		  "\"min_cache_tokens\":\"1024\"}]}",
		  "models[0].min_cache_tokens" },
		/* 15 digits scaled to pico-dollars would not fit 64 bits */
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"id\":\"a\","
		  "\"input\":\"999999999999999\",\"write_5m\":\"1\",\"write_1h\":\"1\","
		  "\"cache_read\":\"1\",\"output\":\"1\"}]}",
		  "models[0].input: not a decimal number" },
		{ "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":[{\"id\":\"a\","
		  "\"input\":\"1\",\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\","
		  "\"output\":\"1000000000000\"}]}",
		  "models[0].output: not a decimal number" },
	};
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pricing *p;

		err[0] = '\0';
		p = pricing_parse(cases[i].json, "t.json", err, sizeof(err));
		if (p != NULL)
			fail_msg("case %zu parsed", i);
		if (strstr(err, cases[i].want) == NULL || strncmp(err, "t.json", 6) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
	}
	assert_null(pricing_load("/nonexistent/prices.json", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/prices.json"));
	pricing_free(NULL);
}

static void
test_savings(void **state)
{
	const struct pricing *p = *state;
	const struct model_price *mp = pricing_find(p, "claude-sonnet-4-5");
	const struct model_price *opus = pricing_find(p, "claude-opus-4-1");
	struct usage u = row("claude-sonnet-4-5", 1000, 2000, 0, 10000, 500);
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
	u = row("claude-sonnet-4-5", 0, 0, 1000, 0, 0);
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
		cmocka_unit_test_setup_teardown(test_every_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cost_near_64_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolution, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aliases_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cost_each_family, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_factor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_context_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_haiku3_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_and_us, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpriced, setup, teardown),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_user_overlay),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test_setup_teardown(test_savings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_costs, setup, teardown),
		cmocka_unit_test(test_format_usd),
		cmocka_unit_test(test_format_money),
		cmocka_unit_test(test_additive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
