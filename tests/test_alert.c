/* test_alert.c — alert rules (core/alert): parsing and its errors, each
 * kind's evaluation (thresholds, the highest of several, burn rate, error
 * share, windows and episodes), webhook bodies, scrubbing a URL; and the
 * ledger's side (data/alerts.c): a crossing raised once, the highest level
 * pending, a continuing episode quiet, one lease per alert, backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/alert.h"
#include "core/budget.h"
#include "data/store.h"
#include "tests/lib/fx_db.h"

#define URL "https://hooks.slack.com/services/T000/B000/SECRETSECRET"

/* Parse text (a JSON array); 0 or -1 with err. */
static int
parse(const char *text, struct alert_rule *r, size_t *n, char *err, size_t errlen)
{
	json_t *a = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(a);
	rc = alert_rules_parse(a, "cfg.json", r, ALERT_MAX_RULES, n, err, errlen);
	json_decref(a);
	return rc;
}

static void
test_parse(void **state)
{
	struct alert_rule r[ALERT_MAX_RULES];
	char err[512];
	size_t n;
	(void)state;

	assert_int_equal(parse("[{\"when\":{\"budget\":{\"daily\":[100,50,50],\"tag\":\"ci\"}},"
	    "\"to\":\"" URL "\",\"format\":\"json\"},"
	    "{\"when\":\"batch\",\"to\":\"notify-send x\"},"
	    "{\"when\":{\"burn_rate\":{\"factor\":2.5,\"floor_usd_per_hour\":\"$3\"}},\"to\":\"x\"},"
	    "{\"when\":{\"errors\":{\"percent\":12.5,\"min_requests\":4}},\"to\":\"x\"}]",
	    r, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(r[0].when, ALERT_BUDGET);
	assert_int_equal(r[0].ndaily, 2);                 /* sorted, once each */
	assert_int_equal(r[0].daily[0], 50);
	assert_int_equal(r[0].daily[1], 100);
	assert_string_equal(r[0].tag, "ci");
	assert_true(r[0].has_tag && r[0].json);
	assert_int_equal(r[0].to_kind, ALERT_TO_WEBHOOK);
	assert_int_equal(strncmp(r[0].target, "webhook#", 8), 0);
	assert_null(strstr(r[0].target, "SECRET"));
	assert_int_equal(r[1].to_kind, ALERT_TO_COMMAND);
	assert_int_equal(r[2].factor_milli, 2500);
	assert_int_equal(r[2].floor_nanos, 3000000000LL);
	assert_int_equal(r[3].share_permille, 125);
	assert_int_equal(r[3].min_requests, 4);
	assert_string_not_equal(r[1].id, r[2].id);
}

static void
test_parse_errors(void **state)
{
	static const struct { const char *json, *want; } cases[] = {
		{ "{}", "cfg.json: alerts: expected a list" },
		{ "[{\"when\":\"batch\"}]", "cfg.json: alerts[0].to: missing" },
		{ "[{\"to\":\"x\"}]", "cfg.json: alerts[0].when: missing" },
		{ "[{\"when\":\"batch\",\"to\":\"x\"},{\"when\":{\"budget\":{\"daily\":[0]}},\"to\":\"x\"}]",
		  "cfg.json: alerts[1].when.budget.daily[0]: 0: expected a percent 1..1000" },
		{ "[{\"when\":{\"budget\":{}},\"to\":\"x\"}]",
		  "cfg.json: alerts[0].when.budget: {}: expected \"daily\" or \"monthly\"" },
		{ "[{\"when\":{\"budget\":{\"weekly\":[5]}},\"to\":\"x\"}]",
		  "cfg.json: alerts[0].when.budget.weekly: unknown field" },
		{ "[{\"when\":{\"errors\":{\"percent\":120}},\"to\":\"x\"}]",
		  "cfg.json: alerts[0].when.errors.percent: 120: expected 0..100" },
		{ "[{\"when\":\"batch\",\"to\":\"x\",\"format\":\"xml\"}]",
		  "cfg.json: alerts[0].format: \"xml\": expected \"text\" or \"json\"" },
		{ "[{\"when\":\"batch\",\"to\":\"\"}]", "cfg.json: alerts[0].to: expected a webhook" },
		{ "[{\"when\":\"batch\",\"to\":\"http://example.com/SECRETSECRET\"}]",
		  "cfg.json: alerts[0].to: webhook#" },
	};
	struct alert_rule r[ALERT_MAX_RULES];
	char err[512];
	size_t n, i;
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].json, r, &n, err, sizeof(err)), -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: %s (want %s)", i, err, cases[i].want);
		assert_null(strstr(err, "SECRET"));       /* the URL is never said */
	}
}

static struct budget_status
limit(enum budget_period p, const char *tag, int64_t limit_usd, int64_t permille)
{
	struct budget_status s;

	memset(&s, 0, sizeof(s));
	s.period = p;
	snprintf(s.tag, sizeof(s.tag), "%s", tag);
	snprintf(s.period_key, sizeof(s.period_key), "2026-12-02");
	s.limit_nanos = limit_usd * 1000000000LL;
	s.permille = permille;
	s.spent_nanos = s.limit_nanos / 1000 * permille;
	return s;
}

static void
test_budget(void **state)
{
	struct alert_rule r[ALERT_MAX_RULES];
	struct alert_list l;
	struct budget_status s[3];
	char err[256];
	size_t n;
	(void)state;

	assert_int_equal(parse("[{\"when\":{\"budget\":{\"daily\":[50,80,100]}},\"to\":\"x\"},"
	    "{\"when\":{\"budget\":{\"daily\":[10],\"tag\":\"ci\"}},\"to\":\"x\"}]", r, &n, err,
	    sizeof(err)), 0);
	s[0] = limit(BUDGET_DAILY, "", 50, 900);      /* 90%: 50 and 80 */
	s[1] = limit(BUDGET_DAILY, "ci", 10, 200);    /* 20% of the ci budget */
	s[2] = limit(BUDGET_MONTHLY, "", 500, 990);   /* no monthly thresholds */
	memset(&l, 0, sizeof(l));
	assert_int_equal(alert_eval_budget(&r[0], 0, s, 3, &l), 0);
	assert_int_equal(alert_eval_budget(&r[1], 1, s, 3, &l), 0);
	assert_int_equal(l.n, 2 + 1);                 /* rule 0: 50, 80 (ci is at 20%); rule 1: ci */
	assert_int_equal(l.v[0].group, l.v[1].group); /* one limit's levels: one group */
	assert_int_equal(l.v[0].level, 50);
	assert_int_equal(l.v[1].level, 80);
	assert_non_null(strstr(l.v[1].key, "|budget|daily||2026-12-02|80"));
	assert_non_null(strstr(l.v[1].text, "daily budget reached 80%: $45.00 of $50.00 (90%)"));
	assert_non_null(strstr(l.v[1].fields, "\"threshold_percent\":80"));
	assert_non_null(strstr(l.v[2].key, "|budget|daily|ci|2026-12-02|10"));
	assert_int_not_equal(l.v[2].group, l.v[0].group);
	alert_list_done(&l);
}

static void
test_burn_and_errors(void **state)
{
	struct alert_rule r[ALERT_MAX_RULES];
	struct alert_list l;
	int64_t past[ALERT_BURN_DAYS] = { 1, 1, 1, 1, 1, 1, 1 }, now = 3600000LL * 500000 + 5;
	char err[256];
	size_t n;
	int i;
	(void)state;

	for (i = 0; i < ALERT_BURN_DAYS; i++)
		past[i] = 2000000000LL;                   /* $2 in that hour, each day */
	assert_int_equal(parse("[{\"when\":{\"burn_rate\":{\"factor\":3,\"floor_usd_per_hour\":5}},"
	    "\"to\":\"x\"},{\"when\":{\"errors\":{\"percent\":20,\"min_requests\":10}},\"to\":\"x\"}]",
	    r, &n, err, sizeof(err)), 0);
	memset(&l, 0, sizeof(l));
	/* $6/h is 3× — not above it; $6.01 is; $4 above 2× but under the floor */
	assert_int_equal(alert_eval_burn(&r[0], 0, now, 6000000000LL, past, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(alert_eval_burn(&r[0], 0, now, 6010000000LL, past, &l), 0);
	assert_int_equal(l.n, 1);
	assert_non_null(strstr(l.v[0].key, "|burn_rate|500000"));
	assert_non_null(strstr(l.v[0].after, "|burn_rate|499999"));
	assert_non_null(strstr(l.v[0].text, "$6.01/h over the last hour, 3.0× the usual $2.00/h"));
	/* errors: 2 of 10 is 20% — not above; 3 of 10 is; 9 of 9 is too few */
	assert_int_equal(alert_eval_errors(&r[1], 1, now, "anthropic", 10, 2, &l), 0);
	assert_int_equal(alert_eval_errors(&r[1], 1, now, "anthropic", 9, 9, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(alert_eval_errors(&r[1], 1, now, "openai", 10, 3, &l), 0);
	assert_int_equal(l.n, 2);
	assert_non_null(strstr(l.v[1].text, "30% of the proxy's requests to openai failed"));
	/* five-minute windows, per provider */
	assert_non_null(strstr(l.v[1].key, "|errors|openai|6000000"));
	assert_non_null(strstr(l.v[1].after, "|errors|openai|5999999"));
	assert_non_null(strstr(l.v[1].fields, "\"provider\":\"openai\""));
	alert_list_done(&l);
}

static void
test_body_and_scrub(void **state)
{
	char *b, buf[256];
	json_t *j;
	(void)state;

	b = alert_body(0, "budget", "k", 0, "hello \"there\"", "{\"x\":1}");
	assert_string_equal(b, "{\"text\":\"hello \\\"there\\\"\"}");
	free(b);
	b = alert_body(1, "budget", "k1", 1764633600000LL, "t", "{\"spent_usd\":1.5}");
	j = json_loads(b, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "created")), "2025-12-02T00:00:00Z");
	assert_true(json_real_value(json_object_get(j, "spent_usd")) == 1.5);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "budget");
	/* the idempotency key: the same for the same alert, apart for another */
	assert_string_equal(json_string_value(json_object_get(j, "idempotency_key")),
	    alert_idempotency_key("k1", 1764633600000LL, buf, sizeof(buf)));
	assert_int_equal(strlen(buf), strlen("tokentop-0123456789abcdef-1764633600000"));
	assert_int_equal(strspn(buf, "tokenp-0123456789abcdef"), strlen(buf));
	assert_string_not_equal(buf, alert_idempotency_key("k2", 1764633600000LL, buf + 100, 100));
	assert_string_not_equal(buf, alert_idempotency_key("k1", 1764633600001LL, buf + 100, 100));
	json_decref(j);
	free(b);
	snprintf(buf, sizeof(buf), "Failed to POST " URL ": refused (" URL ")");
	alert_scrub(buf, URL, "webhook#1");
	assert_string_equal(buf, "Failed to POST webhook#1: refused (webhook#1)");
}

static struct alert_rec
rec(const char *key)
{
	struct alert_rec a;

	memset(&a, 0, sizeof(a));
	snprintf(a.key, sizeof(a.key), "%s", key);
	snprintf(a.target, sizeof(a.target), "webhook#00000001");
	snprintf(a.kind, sizeof(a.kind), "budget");
	snprintf(a.text, sizeof(a.text), "text of %s", key);
	snprintf(a.fields, sizeof(a.fields), "{}");
	return a;
}

static void
test_ledger(void **state)
{
	struct store *s;
	struct alert_rec a[3], out[8];
	char err[256];
	size_t n;
	int raised, got;
	struct store_status_sum sums[4];
	(void)state;

	assert_non_null(s = store_open(fx_ledger(), err, sizeof(err)));
	a[0] = rec("r|50");
	a[1] = rec("r|80");
	a[2] = rec("r|100");
	/* 50 and 80 at once: one pending (80), 50 passed */
	assert_int_equal(store_alert_raise(s, a, 2, "", 1000, &raised, err, sizeof(err)), 0);
	assert_int_equal(raised, 1);
	assert_int_equal(store_alert_raise(s, a, 2, "", 1001, &raised, err, sizeof(err)), 0);
	assert_int_equal(raised, -1);                 /* the same again: nothing new */
	assert_int_equal(store_alert_raise(s, a, 3, "", 1002, &raised, err, sizeof(err)), 0);
	assert_int_equal(raised, 2);                  /* then 100 */
	assert_int_equal(store_alert_list(s, 8, out, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);                       /* passed ones are not listed */
	assert_string_equal(out[0].key, "r|100");
	assert_string_equal(out[1].key, "r|80");
	/* a window whose previous window raised: the same episode, quiet */
	a[0] = rec("burn|7");
	assert_int_equal(store_alert_raise(s, a, 1, "burn|6", 1003, &raised, err, sizeof(err)), 0);
	assert_int_equal(raised, 0);
	a[0] = rec("burn|8");
	assert_int_equal(store_alert_raise(s, a, 1, "burn|7", 1004, &raised, err, sizeof(err)), 0);
	assert_int_equal(raised, -1);
	/* due, lease (once), a failure with backoff, then delivered */
	assert_int_equal(store_alert_due(s, 2000, 0, out, 8, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_alert_lease(s, out[0].id, 2000, 62000, 0, &got, err, sizeof(err)), 0);
	assert_int_equal(got, 1);
	assert_int_equal(store_alert_lease(s, out[0].id, 2001, 62001, 1, &got, err, sizeof(err)), 0);
	assert_int_equal(got, 0);                     /* leased: not even forced */
	assert_int_equal(store_alert_result(s, out[0].id, 0, "HTTP 500", 2100, 6100, 0, err,
	    sizeof(err)), 0);
	assert_int_equal(store_alert_due(s, 3000, 0, out + 4, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);                       /* waiting out its backoff */
	assert_int_equal(store_alert_due(s, 3000, 1, out + 4, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);                       /* unless forced */
	assert_int_equal(store_alert_lease(s, out[0].id, 6100, 66100, 0, &got, err, sizeof(err)), 0);
	assert_int_equal(got, 1);
	assert_int_equal(store_alert_result(s, out[0].id, 1, "", 6200, 0, 0, err, sizeof(err)), 0);
	assert_int_equal(store_alert_list(s, 8, out + 4, &n, err, sizeof(err)), 0);
	assert_string_equal(out[4 + n - 1].status, "delivered");
	assert_int_equal(out[4 + n - 1].attempts, 2);
	assert_string_equal(out[4 + n - 1].last_error, "");
	/* the proxy's statuses */
	assert_int_equal(store_proxy_status_add(s, 100, "anthropic", 200, 5, err, sizeof(err)), 0);
	assert_int_equal(store_proxy_status_add(s, 100, "anthropic", 429, 2, err, sizeof(err)), 0);
	assert_int_equal(store_proxy_status_add(s, 101, "anthropic", 429, 1, err, sizeof(err)), 0);
	assert_int_equal(store_proxy_status_add(s, 101, "openai", 503, 1, err, sizeof(err)), 0);
	assert_int_equal(store_proxy_status_add(s, 101, "openai", 200, 3, err, sizeof(err)), 0);
	assert_int_equal(store_proxy_status_add(s, 101, "openai", 200, 2, err, sizeof(err)), 0);
	assert_int_equal(store_proxy_status_add(s, 95, "anthropic", 500, 9, err, sizeof(err)), 0);
	assert_int_equal(store_proxy_status_sums(s, 97, sums, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);                       /* by provider's name */
	assert_string_equal(sums[0].provider, "anthropic");
	assert_int_equal(sums[0].requests, 8);
	assert_int_equal(sums[0].errors, 3);
	assert_string_equal(sums[1].provider, "openai");
	assert_int_equal(sums[1].requests, 6);
	assert_int_equal(sums[1].errors, 1);
	assert_int_equal(store_proxy_status_sums(s, 97, sums, 1, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);                       /* at most max */
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_burn_and_errors),
		cmocka_unit_test(test_body_and_scrub),
	};
	const struct CMUnitTest ledger[] = {     /* on SQLite and PostgreSQL */
		cmocka_unit_test(test_ledger),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	return failed + FX_RUN_BACKENDS(ledger, NULL, NULL);
}
