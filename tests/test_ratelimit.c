/* test_ratelimit.c — rate-limit headers of both vendors, and hostile values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/ratelimit.h"

struct hdrs { const char *const *kv; };   /* name, value, …, NULL */

static const char *
get(void *arg, const char *name)
{
	const struct hdrs *h = arg;
	size_t i;

	for (i = 0; h->kv[i] != NULL; i += 2)
		if (strcasecmp(h->kv[i], name) == 0)
			return h->kv[i + 1];
	return NULL;
}

static void
test_anthropic(void **state)
{
	static const char *const kv[] = {
		"anthropic-ratelimit-requests-limit", "4000",
		"anthropic-ratelimit-requests-remaining", "3999",
		"anthropic-ratelimit-requests-reset", "2026-12-02T08:16:00Z",
		"Anthropic-RateLimit-Tokens-Limit", "2000000",
		"anthropic-ratelimit-tokens-remaining", " 1999000 ",
		"anthropic-ratelimit-tokens-reset", "2026-12-02T08:16:00.500+00:00",
		"anthropic-ratelimit-input-tokens-limit", "1600000",
		"anthropic-ratelimit-input-tokens-remaining", "1600000",
		"anthropic-ratelimit-input-tokens-reset", "not a time",
		NULL,
	};
	struct hdrs h = { kv };
	struct ratelimit rl;
	(void)state;

	assert_int_equal(ratelimit_parse(get, &h, 0, &rl), 3);
	assert_int_equal(rl.k[RATELIMIT_REQUESTS].limit, 4000);
	assert_int_equal(rl.k[RATELIMIT_REQUESTS].remaining, 3999);
	assert_int_equal(rl.k[RATELIMIT_REQUESTS].reset_ms, 1796199360000LL);
	assert_int_equal(rl.k[RATELIMIT_TOKENS].remaining, 1999000);
	assert_int_equal(rl.k[RATELIMIT_TOKENS].reset_ms, 1796199360500LL);
	assert_int_equal(rl.k[RATELIMIT_INPUT_TOKENS].reset_ms, -1);   /* bad reset: unknown */
	assert_int_equal(rl.k[RATELIMIT_OUTPUT_TOKENS].limit, -1);     /* absent */
	assert_string_equal(ratelimit_kind_name(RATELIMIT_INPUT_TOKENS), "input_tokens");
	assert_int_equal(ratelimit_kind_of("output_tokens"), RATELIMIT_OUTPUT_TOKENS);
	assert_int_equal(ratelimit_kind_of("x"), -1);
	assert_null(ratelimit_kind_name(RATELIMIT_NKINDS));
}

static void
test_openai(void **state)
{
	static const char *const kv[] = {
		"x-ratelimit-limit-requests", "500",
		"x-ratelimit-remaining-requests", "499",
		"x-ratelimit-reset-requests", "120ms",
		"x-ratelimit-limit-tokens", "30000",
		"x-ratelimit-remaining-tokens", "29000",
		"x-ratelimit-reset-tokens", "6m0s",
		NULL,
	};
	struct hdrs h = { kv };
	struct ratelimit rl;
	(void)state;

	assert_int_equal(ratelimit_parse(get, &h, 1000000, &rl), 2);
	assert_int_equal(rl.k[RATELIMIT_REQUESTS].reset_ms, 1000120);
	assert_int_equal(rl.k[RATELIMIT_TOKENS].limit, 30000);
	assert_int_equal(rl.k[RATELIMIT_TOKENS].reset_ms, 1000000 + 360000);
	assert_int_equal(rl.k[RATELIMIT_INPUT_TOKENS].limit, -1);
}

static void
test_hostile(void **state)
{
	static const char *const bad_counts[] = {
		"", " ", "-1", "+5", "1e3", "12 34", "0x10", "99999999999999999999",
		"1000000000000001", "4000;", "４０００", NULL,
	};
	static const char *const kv[] = {
		"anthropic-ratelimit-requests-limit", "-5",
		"anthropic-ratelimit-requests-remaining", "abc",
		"anthropic-ratelimit-tokens-limit", "18446744073709551617",
		"x-ratelimit-limit-requests", "\"500\"",
		NULL,
	};
	static const struct { const char *s; int64_t ms; } durs[] = {
		{ "1s", 1000 }, { "1.5s", 1500 }, { "12ms", 12 }, { "6m0s", 360000 },
		{ "1h2m3.5s", 3723500 }, { "0s", 0 }, { "0", 0 }, { "250us", 1 }, { "999ns", 0 },
		{ "0.0001s", 1 },
	};
	static const char *const bad_durs[] = {
		"", "s", "1", "-1s", "1x", "1s2", "1.s.s", "99999999999999s", "1000000000h",
		"11d", "2400h", NULL,
	};
	struct hdrs h = { kv };
	struct ratelimit rl;
	int64_t v;
	size_t i;
	(void)state;

	for (i = 0; bad_counts[i] != NULL; i++)
		assert_int_equal(ratelimit_parse_count(bad_counts[i], &v), -1);
	assert_int_equal(ratelimit_parse_count("1000000000000000", &v), 0);
	assert_int_equal(ratelimit_parse(get, &h, 0, &rl), 0);      /* nothing believable */
	for (i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		assert_int_equal(ratelimit_parse_duration(durs[i].s, &v), 0);
		assert_int_equal(v, durs[i].ms);
	}
	for (i = 0; bad_durs[i] != NULL; i++)
		assert_int_equal(ratelimit_parse_duration(bad_durs[i], &v), -1);
	assert_int_equal(ratelimit_parse_duration(NULL, &v), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anthropic),
		cmocka_unit_test(test_openai),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
