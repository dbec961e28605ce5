/* test_pricing.c — the price table (core/pricing.c): every model's rates and
 * list prices, id resolution, aliases, the user's overlay, malformed tables.
 * Costs: test_pricing_cost.c; dollar formatting: test_pricing_format.c. */
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
#include "tests/lib/fx_pricing.h"

#define M 1000000LL                 /* pico-dollars per token of $1/MTok */

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
	assert_string_equal(pricing_origin(p), fxp_shipped);
}

static void
test_cost_each_family(void **state)
{
	const struct pricing *p = *state;
	size_t i;

	/* one million tokens in every bucket: the sum of the five list prices */
	for (i = 0; i < NTABLE; i++) {
		struct usage u = fxp_row(table[i].id, M, M, M, M, M);
		int64_t want = (table[i].in + table[i].w5 + table[i].w1 + table[i].cr + table[i].out) *
		    M / 1000;

		if (table[i].has_long)
			u = fxp_row(table[i].id, 100000, 0, 0, 100000, M);   /* stay flat */
		if (table[i].has_long)
			want = (100000 * table[i].in + 100000 * table[i].cr + M * table[i].out) / 1000;
		assert_int_equal(fxp_cost_of(p, &u), want);
	}
	/* spot checks in dollars */
	{
		struct usage u = fxp_row("claude-sonnet-4-6", M, M, M, M, M);

		assert_int_equal(fxp_cost_of(p, &u), 28050000000LL);   /* 3+3.75+6+0.30+15 */
		u = fxp_row("claude-opus-4-1-20250805", 0, 0, 0, 0, M);
		assert_int_equal(fxp_cost_of(p, &u), 75000000000LL);
		u = fxp_row("claude-3-5-haiku-20241022", 1000, 0, 0, 0, 0);
		assert_int_equal(fxp_cost_of(p, &u), 800000);             /* $0.0008 */
	}
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
	pricing_free(fxp_load_shipped());   /* fills `fxp_shipped` */
	assert_non_null(mkdtemp(dir));
	snprintf(user, sizeof(user), "%s/prices.json", dir);

	/* missing user file: fxp_shipped table alone */
	p = pricing_load(fxp_shipped, user, err, sizeof(err));
	assert_non_null(p);
	assert_string_equal(pricing_origin(p), fxp_shipped);
	nshipped = pricing_count(p);
	pricing_free(p);

	write_file(user, "{\"_comment\":\"mine\",\"models\":["
	    "{\"id\":\"claude-sonnet-4-5\",\"aliases\":[\"claude-sonnet-4-5-20250929\"],"
	    "\"input\":\"4\",\"write_5m\":\"5\",\"write_1h\":\"8\",\"cache_read\":\"0.40\",\"output\":\"20\"},"
	    "{\"id\":\"claude-next\",\"input\":\"1\",\"write_5m\":\"1.25\",\"write_1h\":\"2\","
	    "\"cache_read\":\"0.10\",\"output\":\"5\"}]}");
	p = pricing_load(fxp_shipped, user, err, sizeof(err));
	if (p == NULL)
		fail_msg("%s", err);
	assert_int_equal(pricing_count(p), nshipped + 1);
	mp = pricing_find(p, "claude-sonnet-4-5-20250929");
	assert_non_null(mp);
	assert_int_equal(mp->base.input, 4 * M);
	assert_false(mp->has_long);                 /* replaced whole */
	u = fxp_row("claude-next-20270101", M, 0, 0, 0, 0);
	assert_int_equal(fxp_cost_of(p, &u), 1000000000LL);
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	assert_int_equal(fxp_cost_of(p, &u), 500000000LL);   /* fxp_shipped batch factor kept */
	assert_non_null(strstr(pricing_origin(p), "+"));
	assert_non_null(strstr(pricing_origin(p), user));
	pricing_free(p);

	/* a broken user file is an error that names it and the field */
	write_file(user, "{\"models\":[{\"id\":\"m\",\"input\":\"1\",\"write_5m\":\"1\","
	    "\"write_1h\":\"1\",\"cache_read\":\"1\"}]}");
	p = pricing_load(fxp_shipped, user, err, sizeof(err));
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FXP_TEST(test_every_rate),
		FXP_TEST(test_resolution),
		FXP_TEST(test_aliases_listed),
		FXP_TEST(test_cost_each_family),
		cmocka_unit_test(test_user_overlay),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
