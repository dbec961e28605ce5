/* test_pmetrics.c — the proxy's live metrics: counts exact under threads
 * (atomics, no lock), histogram buckets inclusive and cumulative, codes
 * out of range counted as "0", rate-limit gauges keeping unknown kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/expo.h"
#include "core/pmetrics.h"

#define THREADS 4
#define EACH    20000

static struct pmetrics *shared;

static void *
hammer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < EACH; i++)
		pmetrics_request(shared, i % 2 ? "anthropic" : "openai", i % 10 ? 200 : 429,
		    (int64_t)(i % 7) * 20000, i % 3 ? 1000 : -1);
	return NULL;
}

static int
has(const char *text, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "\n%s\n", line);
	return strstr(text, want) != NULL;
}

static void
test_threads(void **state)
{
	pthread_t th[THREADS];
	struct expo e;
	const char *t;
	int i;
	(void)state;

	assert_non_null(shared = pmetrics_new());
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, NULL), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	pmetrics_request(shared, "someone", 999, 50000, 50000);   /* other, code 0, 50 ms */
	expo_init(&e);
	pmetrics_write(shared, &e);
	assert_non_null(t = expo_text(&e, NULL));
	/* odd i: anthropic, never i % 10 == 0; even i: openai, 429 each tenth */
	assert_true(has(t, "tokentop_proxy_requests_total{provider=\"anthropic\",code=\"200\"} 40000"));
	assert_null(strstr(t, "provider=\"anthropic\",code=\"429\""));
	assert_true(has(t, "tokentop_proxy_requests_total{provider=\"openai\",code=\"200\"} 32000"));
	assert_true(has(t, "tokentop_proxy_requests_total{provider=\"openai\",code=\"429\"} 8000"));
	assert_true(has(t, "tokentop_proxy_requests_total{provider=\"other\",code=\"0\"} 1"));
	assert_true(has(t, "tokentop_proxy_request_duration_seconds_count 80001"));
	assert_true(has(t, "tokentop_proxy_request_duration_seconds_bucket{le=\"+Inf\"} 80001"));
	/* 0 and 20 ms (2 of 7 of each thread's) and the 50 ms one: le 0.05 is inclusive */
	assert_true(strstr(t, "tokentop_proxy_request_duration_seconds_bucket{le=\"0.05\"} ") != NULL);
	assert_true(has(t, "tokentop_proxy_request_duration_seconds_bucket{le=\"300\"} 80001"));
	/* first byte only where one came: i % 3 != 0 */
	assert_true(has(t, "tokentop_proxy_upstream_first_byte_seconds_count 53333"));
	assert_true(strstr(t, "# TYPE tokentop_ratelimit_remaining gauge") != NULL);
	expo_done(&e);
	pmetrics_free(shared);
	pmetrics_free(NULL);
}

static void
test_buckets_exact(void **state)
{
	struct pmetrics *m;
	struct expo e;
	const char *t;
	(void)state;

	assert_non_null(m = pmetrics_new());
	pmetrics_request(m, "anthropic", 200, 50000, -1);      /* exactly 0.05 s */
	pmetrics_request(m, "anthropic", 200, 50001, -1);      /* just over */
	pmetrics_request(m, "anthropic", 200, 400000000, -1);  /* 400 s: only +Inf */
	expo_init(&e);
	pmetrics_write(m, &e);
	t = expo_text(&e, NULL);
	assert_true(has(t, "tokentop_proxy_request_duration_seconds_bucket{le=\"0.05\"} 1"));
	assert_true(has(t, "tokentop_proxy_request_duration_seconds_bucket{le=\"0.1\"} 2"));
	assert_true(has(t, "tokentop_proxy_request_duration_seconds_bucket{le=\"300\"} 2"));
	assert_true(has(t, "tokentop_proxy_request_duration_seconds_bucket{le=\"+Inf\"} 3"));
	assert_true(has(t, "tokentop_proxy_request_duration_seconds_sum 400.100001"));
	assert_true(has(t, "tokentop_proxy_upstream_first_byte_seconds_count 0"));
	expo_done(&e);
	pmetrics_free(m);
}

static void
test_ratelimit_gauges(void **state)
{
	struct pmetrics *m;
	struct ratelimit rl;
	struct expo e;
	const char *t;
	int k;
	(void)state;

	assert_non_null(m = pmetrics_new());
	for (k = 0; k < RATELIMIT_NKINDS; k++)
		rl.k[k].limit = rl.k[k].remaining = rl.k[k].reset_ms = -1;
	rl.k[RATELIMIT_REQUESTS].limit = 4000;
	rl.k[RATELIMIT_REQUESTS].remaining = 3999;
	rl.k[RATELIMIT_TOKENS].limit = 100;
	rl.k[RATELIMIT_TOKENS].remaining = 50;
	pmetrics_ratelimit(m, "anthropic", "we\"ird", &rl);
	rl.k[RATELIMIT_TOKENS].limit = rl.k[RATELIMIT_TOKENS].remaining = -1;   /* not said */
	rl.k[RATELIMIT_REQUESTS].remaining = 0;
	pmetrics_ratelimit(m, "anthropic", "we\"ird", &rl);
	expo_init(&e);
	pmetrics_write(m, &e);
	t = expo_text(&e, NULL);
	assert_true(has(t, "tokentop_ratelimit_remaining{provider=\"anthropic\",model=\"we\\\"ird\","
	    "kind=\"requests\"} 0"));
	assert_true(has(t, "tokentop_ratelimit_remaining{provider=\"anthropic\",model=\"we\\\"ird\","
	    "kind=\"tokens\"} 50"));
	assert_true(has(t, "tokentop_ratelimit_limit{provider=\"anthropic\",model=\"we\\\"ird\","
	    "kind=\"requests\"} 4000"));
	assert_null(strstr(t, "kind=\"input_tokens\""));
	expo_done(&e);
	pmetrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_buckets_exact),
		cmocka_unit_test(test_ratelimit_gauges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
