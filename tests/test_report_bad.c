/* test_report_bad.c — a ledger no tokentop writes (a count no response can
 * carry, a wrapped rollup cell, sums past 64 bits): every report fails
 * naming why, never a wrapped sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "data/store.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"
#include "tests/lib/fx_report.h"

/* Every report fails on it with a message naming the row, never a wrapped sum. */
static void
expect_fail(struct fxr *f, int64_t since, int64_t until, const char *want)
{
	static const enum report_group groups[] = { REPORT_DAY, REPORT_WEEK, REPORT_MONTH,
	    REPORT_HOUR, REPORT_MODEL, REPORT_SOURCE, REPORT_TAG, REPORT_TOTAL, REPORT_MODEL_TIER };
	struct report_query q;
	struct report r;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		memset(&q, 0, sizeof(q));
		q.group = groups[i];
		q.since_ms = since;
		q.until_ms = until;
		q.baseline_model = "claude-opus-4-6";
		err[0] = '\0';
		if (store_report(f->s, f->p, &q, &r, err, sizeof(err)) != -1 ||
		    strstr(err, want) == NULL)
			fail_msg("group %zu [%lld, %lld): '%s', want '%s' (input %lld)", i,
			    (long long)since, (long long)until, err, want,
			    (long long)r.totals.tok.input);
		assert_int_equal(r.nrows, 0);
	}
}

/* A ledger holding a count no response can carry (2^63 − 1, written by an
 * older tokentop or by hand): reports and the spend sum fail naming the row. */
static void
test_poisoned_ledger(void **state)
{
	struct fxr *f = *state;
	const char *want = "ledger row 2: input_tokens: 9223372036854775807: not a token count";
	int64_t nanos, req;
	char err[512];

	fxr_seed_hand(f);
	fx_sql(f->path, "UPDATE usage SET input = 9223372036854775807 WHERE request_id = 'req_B';"
	    "UPDATE rollup_hour SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_hm SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_dm SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_dt SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_ds SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_mm SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_mx SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_lt SET input = 9223372036854775807 WHERE flags & 2 <> 0;");
	expect_fail(f, 0, 0, want);                        /* the rollups */
	expect_fail(f, FXR_T0 + 1, FXR_T0 + 3600000, want);        /* raw rows inside the hour */
	assert_int_equal(store_spend_between(f->s, f->p, NULL, FXR_T0, 0, &nanos, &req, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, want));
	/* a wrapped (negative) sum an older build left in a rollup cell */
	fx_sql(f->path, "UPDATE usage SET input = 200001 WHERE request_id = 'req_B';"
	    "UPDATE rollup_hour SET input = -3 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_hm SET input = -3 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_dm SET input = -3 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_dt SET input = -3 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_ds SET input = -3 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_mm SET input = -3 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_mx SET input = -3 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_lt SET input = -3 WHERE flags & 2 <> 0;");
	expect_fail(f, 0, 0, "a rollup cell holds sums no rows can make");
}

/* Sums any number of rows could make but 64 bits cannot hold: SQLite's
 * sum() and the C sums both refuse, with one message. */
static void
test_sums_past_64_bits(void **state)
{
	struct fxr *f = *state;
	struct usage u;

	fxr_seed_hand(f);
	/* next day */
	u = fxr_mk("claude-haiku-4-5", "call", "nightly", FXR_T0 + 86400000, "req_F");
	u.tok.output = 1;
	fxr_put(f, &u);
	fx_sql(f->path, "UPDATE rollup_hour SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_hm SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_dm SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_dt SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_ds SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_mm SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_mx SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_lt SET requests = 9000000, input = 9000000000000000000;");
	expect_fail(f, 0, 0, "a sum does not fit 64 bits");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FXR_TEST_FILE(test_poisoned_ledger),
		FXR_TEST_FILE(test_sums_past_64_bits),
	};

	return FX_RUN_BACKENDS(tests, NULL, NULL);
}
