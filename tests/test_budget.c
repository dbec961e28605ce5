/* test_budget.c — budgets: states at, just below and above 80% and 100%,
 * the refusal and its numbers, daily vs monthly vs per-tag limits, local
 * periods, the projection, and alert crossings announced once (also across
 * a restart, through the store's budget_alert table). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/budget.h"
#include "core/pricing.h"
#include "data/store.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

#define USD(x)   ((int64_t)((x) * 1000000.0 + 0.5) * 1000)   /* exact to 6 decimals */
#define HOUR_MS  3600000LL
#define DAY_MS   (24 * HOUR_MS)

/* 2026-11-28 12:00:00 UTC */
static const int64_t NOON = 1795867200000LL;

static void
use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void
eval_day(int64_t limit, int64_t spent, struct budget_status *s)
{
	budget_evaluate(NULL, BUDGET_DAILY, limit, spent, NOON, NOON - 12 * HOUR_MS,
	    NOON + 12 * HOUR_MS, s);
}

static void
test_states_at_limits(void **state)
{
	struct budget_status s;

	(void)state;
	eval_day(USD(50), USD(40) - 1, &s);           /* just below 80% */
	assert_int_equal(s.state, BUDGET_OK);
	assert_int_equal(s.permille, 799);
	assert_int_equal(s.left_nanos, USD(10) + 1);
	eval_day(USD(50), USD(40), &s);               /* at 80% */
	assert_int_equal(s.state, BUDGET_WARNING);
	assert_int_equal(s.permille, 800);
	eval_day(USD(50), USD(50) - 1, &s);           /* just below 100% */
	assert_int_equal(s.state, BUDGET_WARNING);
	assert_int_equal(s.left_nanos, 1);
	eval_day(USD(50), USD(50), &s);               /* at 100% */
	assert_int_equal(s.state, BUDGET_EXCEEDED);
	assert_int_equal(s.left_nanos, 0);
	assert_int_equal(s.permille, 1000);
	eval_day(USD(50), USD(51), &s);               /* above */
	assert_int_equal(s.state, BUDGET_EXCEEDED);
	assert_int_equal(s.left_nanos, 0);
	assert_int_equal(s.permille, 1020);
	eval_day(USD(50), 0, &s);
	assert_int_equal(s.state, BUDGET_OK);
	assert_int_equal(s.permille, 0);
	assert_string_equal(budget_state_name(BUDGET_WARNING), "warning");
	assert_string_equal(budget_period_name(BUDGET_MONTHLY), "monthly");
}

static void
test_check_numbers(void **state)
{
	struct budget_status s;
	char msg[512];

	(void)state;
	eval_day(USD(50), USD(49.20), &s);
	assert_int_equal(budget_check(&s, 1, USD(1.10), 0, "call", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "daily budget $50.00: spent $49.20, $0.8000 left, this call may "
	    "cost up to $1.10 — refusing (use --force)");
	/* exactly what is left goes; a nano-dollar more does not */
	assert_int_equal(budget_check(&s, 1, USD(0.80), 0, "call", msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	assert_int_equal(budget_check(&s, 1, USD(0.80) + 1, 0, "batch", msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "this batch may cost up to"));
	/* --force goes on and says so */
	assert_int_equal(budget_check(&s, 1, USD(1.10), 1, "call", msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "going on (--force)"));
	/* already exceeded: refused even for a free call */
	eval_day(USD(50), USD(50), &s);
	assert_int_equal(budget_check(&s, 1, 0, 0, "call", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "daily budget $50.00: spent $50.00, exceeded — refusing (use --force)");
	/* no limits: always go */
	assert_int_equal(budget_check(NULL, 0, USD(1000), 0, "call", msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
}

/* Fake ledger: spend by tag and by period length (day vs month). */
struct fake_spend {
	int     calls;
	int     tagged_calls;
	int64_t day_all, month_all, day_proj, month_proj;
};

static int
fake_spend(void *arg, const char *tag, int64_t since, int64_t until, int64_t *nanos,
           char *err, size_t errlen)
{
	struct fake_spend *f = arg;
	int day = until - since <= 25 * HOUR_MS;

	(void)err;
	(void)errlen;
	f->calls++;
	if (tag != NULL) {
		assert_string_equal(tag, "proj");
		f->tagged_calls++;
		*nanos = day ? f->day_proj : f->month_proj;
	} else {
		*nanos = day ? f->day_all : f->month_all;
	}
	return 0;
}

static void
config_with_budgets(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->budgets[0].daily_nanos = USD(50);
	c->budgets[0].monthly_nanos = USD(1500);
	snprintf(c->budgets[1].tag, sizeof(c->budgets[1].tag), "proj");
	c->budgets[1].daily_nanos = USD(10);
	c->nbudgets = 2;
}

static void
test_daily_monthly_tag(void **state)
{
	struct config c;
	struct fake_spend f = { 0, 0, USD(20), USD(1499.50), USD(9.90), USD(100) };
	struct budget_status s[BUDGET_MAX_STATUS];
	char err[256], msg[512];
	size_t n;

	(void)state;
	use_tz("UTC");
	config_with_budgets(&c);
	/* untagged call: the untagged daily and monthly limits only */
	assert_int_equal(budget_collect(&c, NULL, 0, NOON, fake_spend, &f, s, BUDGET_MAX_STATUS, &n,
	    err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(f.tagged_calls, 0);
	assert_int_equal(s[0].period, BUDGET_DAILY);
	assert_int_equal(s[0].spent_nanos, USD(20));
	assert_string_equal(s[0].period_key, "2026-11-28");
	assert_int_equal(s[1].period, BUDGET_MONTHLY);
	assert_string_equal(s[1].period_key, "2026-11");
	assert_int_equal(s[1].left_nanos, USD(0.50));
	/* $1 fits the day ($30 left) but not the month ($0.50 left) */
	assert_int_equal(budget_check(s, n, USD(1), 0, "call", msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "monthly budget $1,500.00: spent $1,499.50, $0.5000 left"));
	assert_int_equal(budget_check(s, n, USD(0.25), 0, "call", msg, sizeof(msg)), 0);
	/* another tag: the same two */
	assert_int_equal(budget_collect(&c, "other", 0, NOON, fake_spend, &f, s, BUDGET_MAX_STATUS,
	    &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	/* the budget's tag: its daily limit joins, with that tag's spend */
	assert_int_equal(budget_collect(&c, "proj", 0, NOON, fake_spend, &f, s, BUDGET_MAX_STATUS,
	    &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(f.tagged_calls, 1);
	assert_string_equal(s[2].tag, "proj");
	assert_int_equal(s[2].spent_nanos, USD(9.90));
	assert_int_equal(s[2].state, BUDGET_WARNING);
	assert_int_equal(budget_check(&s[2], 1, USD(0.20), 0, "call", msg, sizeof(msg)), 1);
	assert_string_equal(msg, "daily budget $10.00 (tag \"proj\"): spent $9.90, $0.1000 left, "
	    "this call may cost up to $0.2000 — refusing (use --force)");
	/* the console: every limit */
	assert_int_equal(budget_collect(&c, NULL, 1, NOON, fake_spend, &f, s, BUDGET_MAX_STATUS,
	    &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	/* a budget with no limits set contributes nothing */
	c.budgets[0].daily_nanos = c.budgets[0].monthly_nanos = 0;
	assert_int_equal(budget_collect(&c, NULL, 0, NOON, fake_spend, &f, s, BUDGET_MAX_STATUS,
	    &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
}

static void
test_periods(void **state)
{
	int64_t a, b;
	char key[16];

	(void)state;
	use_tz("UTC");
	assert_int_equal(budget_period_bounds(BUDGET_DAILY, NOON, &a, &b, key, sizeof(key)), 0);
	assert_int_equal(a, NOON - 12 * HOUR_MS);
	assert_int_equal(b, NOON + 12 * HOUR_MS);
	assert_string_equal(key, "2026-11-28");
	assert_int_equal(budget_period_bounds(BUDGET_MONTHLY, NOON, &a, &b, key, sizeof(key)), 0);
	assert_int_equal(a, NOON - 12 * HOUR_MS - 27 * DAY_MS);          /* 2026-11-01 */
	assert_int_equal(b, NOON - 12 * HOUR_MS + 3 * DAY_MS);           /* 2026-12-01 */
	assert_string_equal(key, "2026-11");
	/* Seoul (UTC+9): noon UTC is 21:00 local, the day began at 15:00 UTC before */
	use_tz("Asia/Seoul");
	assert_int_equal(budget_period_bounds(BUDGET_DAILY, NOON, &a, &b, key, sizeof(key)), 0);
	assert_int_equal(a, NOON - 21 * HOUR_MS);
	assert_int_equal(b, NOON + 3 * HOUR_MS);
	assert_string_equal(key, "2026-11-28");
	/* 16:00 UTC is already the 29th there, and December's first day */
	assert_int_equal(budget_period_bounds(BUDGET_DAILY, NOON + 4 * HOUR_MS, &a, &b, key,
	    sizeof(key)), 0);
	assert_string_equal(key, "2026-11-29");
	use_tz("UTC");
}

static void
test_projection(void **state)
{
	struct budget_status s;
	int64_t day0 = NOON - 12 * HOUR_MS;

	(void)state;
	/* $10 in the first 6 hours → $40 by midnight */
	budget_evaluate(NULL, BUDGET_DAILY, USD(50), USD(10), day0 + 6 * HOUR_MS, day0,
	    day0 + DAY_MS, &s);
	assert_int_equal(s.projected_nanos, USD(40));
	assert_int_equal(s.state, BUDGET_OK);
	/* the first seconds of a day count as one minute */
	budget_evaluate(NULL, BUDGET_DAILY, USD(50), USD(0.01), day0 + 1000, day0, day0 + DAY_MS,
	    &s);
	assert_int_equal(s.projected_nanos, USD(0.01) * 24 * 60);
	/* a large monthly figure does not overflow: $500,000 by mid-month */
	budget_evaluate("x", BUDGET_MONTHLY, USD(1000000), USD(500000), day0 + 15 * DAY_MS, day0,
	    day0 + 30 * DAY_MS, &s);
	assert_int_equal(s.projected_nanos, USD(1000000));
	assert_string_equal(s.tag, "x");
	/* at or past the end: the spend itself */
	budget_evaluate(NULL, BUDGET_DAILY, USD(50), USD(7), day0 + DAY_MS, day0, day0 + DAY_MS, &s);
	assert_int_equal(s.projected_nanos, USD(7));
}

/* A fake rate: the hour before `now` spent rate_all (untagged) or rate_proj. */
struct fake_rate {
	int64_t now, rate_all, rate_proj;
	int     calls;
};

static int
fake_rate(void *arg, const char *tag, int64_t since, int64_t until, int64_t *nanos, char *err,
          size_t errlen)
{
	struct fake_rate *f = arg;

	(void)err;
	(void)errlen;
	f->calls++;
	assert_int_equal(since, f->now - HOUR_MS);     /* the last hour, up to now */
	assert_int_equal(until, f->now + 1);
	*nanos = tag != NULL ? f->rate_proj : f->rate_all;
	return 0;
}

/* One model (issue 11, defects 3 and 4): spent + the last hour's rate for a
 * day, the month's average hour for a month; when the limit is crossed. */
static void
test_rate_model(void **state)
{
	struct budget_status s[3];
	struct fake_rate f = { 0, USD(3), USD(1), 0 };
	int64_t day0 = NOON - 12 * HOUR_MS, t;
	char err[128];

	(void)state;
	/* $20 by noon, $3/h since: $20 + 12 h × $3 = $56 by midnight */
	assert_int_equal(budget_project(USD(20), USD(3), NOON, day0 + DAY_MS), USD(56));
	assert_int_equal(budget_project(USD(20), 0, NOON, day0 + DAY_MS), USD(20));
	assert_int_equal(budget_project(USD(20), USD(3), day0 + DAY_MS, day0 + DAY_MS), USD(20));
	assert_int_equal(budget_project(INT64_MAX - 5, USD(3), NOON, day0 + DAY_MS), INT64_MAX);
	/* the $50 limit: $30 to go at $3/h is 10 h → 22:00 */
	t = budget_cross_at(USD(20), USD(50), USD(3), NOON, day0 + DAY_MS);
	assert_int_equal(t, NOON + 10 * HOUR_MS);
	/* not before midnight at $2/h (15 h), never at 0, never once passed */
	assert_int_equal(budget_cross_at(USD(20), USD(50), USD(2), NOON, day0 + DAY_MS), 0);
	assert_int_equal(budget_cross_at(USD(20), USD(50), 0, NOON, day0 + DAY_MS), 0);
	assert_int_equal(budget_cross_at(USD(50), USD(50), USD(3), NOON, day0 + DAY_MS), 0);
	/* $1 to go at $3/h: 20 minutes, rounded up to the millisecond */
	t = budget_cross_at(USD(49), USD(50), USD(3), NOON, day0 + DAY_MS);
	assert_int_equal(t, NOON + 20 * 60000);
	t = budget_cross_at(USD(49), USD(50), 7, NOON, day0 + DAY_MS);
	assert_int_equal(t, 0);

	/* applied to limits: the daily ones ask for the last hour (by tag) */
	f.now = NOON;
	budget_evaluate(NULL, BUDGET_DAILY, USD(50), USD(20), NOON, day0, day0 + DAY_MS, &s[0]);
	budget_evaluate("proj", BUDGET_DAILY, USD(10), USD(9), NOON, day0, day0 + DAY_MS, &s[1]);
	budget_evaluate(NULL, BUDGET_MONTHLY, USD(1500), USD(300), NOON, NOON - 10 * DAY_MS,
	    NOON + 20 * DAY_MS, &s[2]);
	assert_int_equal(budget_add_rate(s, 3, NOON, fake_rate, &f, err, sizeof(err)), 0);
	assert_int_equal(f.calls, 2);
	assert_int_equal(s[0].rate_nanos, USD(3));
	assert_int_equal(s[0].projected_nanos, USD(56));
	assert_int_equal(s[0].cross_ms, NOON + 10 * HOUR_MS);
	assert_int_equal(s[1].rate_nanos, USD(1));
	assert_int_equal(s[1].cross_ms, NOON + HOUR_MS);
	/* the month: $300 in 10 days is $1.25/h; $1,200 to go is 40 days: not this month */
	assert_int_equal(s[2].rate_nanos, USD(1.25));
	assert_int_equal(s[2].projected_nanos, USD(900));
	assert_int_equal(s[2].cross_ms, 0);
	assert_string_equal(budget_model_name(BUDGET_DAILY), "at last hour's rate");
}

/* Claims kept in memory (as the table would). */
struct fake_claims {
	char keys[16][128];
	int  n;
};

static int
fake_claim(void *arg, const char *key, int *first, char *err, size_t errlen)
{
	struct fake_claims *c = arg;
	int i;

	(void)err;
	(void)errlen;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->keys[i], key) == 0) {
			*first = 0;
			return 0;
		}
	snprintf(c->keys[c->n++], sizeof(c->keys[0]), "%s", key);
	*first = 1;
	return 0;
}

static void
test_crossings(void **state)
{
	struct fake_claims c;
	struct budget_status s;
	struct budget_alert due[4];
	char err[256], key[256];
	size_t n;

	(void)state;
	memset(&c, 0, sizeof(c));
	eval_day(USD(50), USD(39), &s);
	snprintf(s.period_key, sizeof(s.period_key), "2026-11-28");
	assert_int_equal(budget_alerts_due(&s, 1, fake_claim, &c, due, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);                        /* below 80%: nothing */
	eval_day(USD(50), USD(40), &s);
	snprintf(s.period_key, sizeof(s.period_key), "2026-11-28");
	assert_int_equal(budget_alerts_due(&s, 1, fake_claim, &c, due, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(due[0].level, BUDGET_WARNING);
	budget_alert_key(&s, BUDGET_WARNING, key, sizeof(key));
	assert_string_equal(key, "daily||2026-11-28|warning");
	/* still in warning: announced already */
	eval_day(USD(50), USD(45), &s);
	snprintf(s.period_key, sizeof(s.period_key), "2026-11-28");
	assert_int_equal(budget_alerts_due(&s, 1, fake_claim, &c, due, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	/* crossing 100%: one more */
	eval_day(USD(50), USD(50), &s);
	snprintf(s.period_key, sizeof(s.period_key), "2026-11-28");
	assert_int_equal(budget_alerts_due(&s, 1, fake_claim, &c, due, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(due[0].level, BUDGET_EXCEEDED);
	assert_int_equal(budget_alerts_due(&s, 1, fake_claim, &c, due, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	/* the next day, straight from 0 to over: one alert (exceeded), both claimed */
	snprintf(s.period_key, sizeof(s.period_key), "2026-11-29");
	assert_int_equal(budget_alerts_due(&s, 1, fake_claim, &c, due, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(due[0].level, BUDGET_EXCEEDED);
	assert_int_equal(c.n, 4);
}

static int
store_claim(void *arg, const char *key, int *first, char *err, size_t errlen)
{
	return store_alert_claim(arg, key, NOON, first, err, errlen);
}

/* The once-per-crossing guarantee survives a restart: claims live in the db. */
static void
test_crossing_across_restart(void **state)
{
	char db[768], err[256];
	struct budget_status s;
	struct budget_alert due[2];
	struct store *st;
	size_t n;

	(void)state;
	snprintf(db, sizeof(db), "%s", fx_ledger_shared("budget.db"));
	eval_day(USD(50), USD(45), &s);
	snprintf(s.period_key, sizeof(s.period_key), "2026-11-28");
	assert_non_null(st = store_open(db, err, sizeof(err)));
	assert_int_equal(budget_alerts_due(&s, 1, store_claim, st, due, 2, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	store_close(st);
	assert_non_null(st = store_open(db, err, sizeof(err)));
	assert_int_equal(budget_alerts_due(&s, 1, store_claim, st, due, 2, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states_at_limits),
		cmocka_unit_test(test_check_numbers),
		cmocka_unit_test(test_daily_monthly_tag),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_projection),
		cmocka_unit_test(test_rate_model),
		cmocka_unit_test(test_crossings),
		cmocka_unit_test(test_crossing_across_restart),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
