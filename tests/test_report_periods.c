/* test_report_periods.c — the time reports' keys: days in zones with whole
 * and half-hour offsets, ISO weeks, months and local hours; bounds inside an
 * hour (cells or rows). */
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

/* Day keys in UTC, Seoul (+9) and Kolkata (+5:30): one UTC hour there
 * straddles local midnight and must be split exactly. */
static void
test_days_in_zones(void **state)
{
	struct fxr *f = *state;
	static const struct { int64_t ms; int64_t in; } rows[] = {
		{ 1762785000000LL, 1 },        /* 2025-11-10T14:30Z */
		{ 1762787400000LL, 10 },       /* 15:10Z */
		{ 1762798800000LL, 100 },      /* 18:20Z  Kolkata 23:50 */
		{ 1762800000000LL, 1000 },     /* 18:40Z  Kolkata 00:10 next day */
		{ 1762819140000LL, 10000 },    /* 23:59Z */
	};
	static const struct {
		const char *tz;
		const char *k1; int64_t in1;
		const char *k2; int64_t in2;
	} want[] = {
		{ "UTC",          "2025-11-10", 11111, NULL, 0 },
		{ "Asia/Seoul",   "2025-11-10", 1, "2025-11-11", 11110 },
		{ "Asia/Kolkata", "2025-11-10", 111, "2025-11-11", 11000 },
	};
	struct report_query q;
	struct report r;
	char id[32];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct usage u;

		snprintf(id, sizeof(id), "req_%zu", i);
		u = fxr_mk("claude-haiku-4-5", "call", "", rows[i].ms, id);
		u.tok.input = rows[i].in;
		fxr_put(f, &u);
	}
	memset(&q, 0, sizeof(q));
	q.group = REPORT_DAY;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		fxr_tz(want[i].tz);
		fxr_report(f, &q, &r);
		assert_int_equal(r.nrows, want[i].k2 != NULL ? 2 : 1);
		assert_string_equal(r.rows[0].key, want[i].k1);
		assert_int_equal(r.rows[0].tok.input, want[i].in1);
		assert_int_equal(r.rows[0].cost_nanos, want[i].in1 * 1000);
		if (want[i].k2 != NULL) {
			assert_string_equal(r.rows[1].key, want[i].k2);
			assert_int_equal(r.rows[1].tok.input, want[i].in2);
		}
		assert_int_equal(r.totals.tok.input, 11111);
		store_report_free(&r);
	}
	/* Kolkata, --since 2025-11-11: local midnight is 18:30Z, inside an hour */
	fxr_tz("Asia/Kolkata");
	q.since_ms = 1762799400000LL;    /* 2025-11-10T18:30Z */
	fxr_report(f, &q, &r);
	assert_int_equal(r.nrows, 1);
	assert_string_equal(r.rows[0].key, "2025-11-11");
	assert_int_equal(r.rows[0].tok.input, 11000);
	store_report_free(&r);
}

static void
test_week_month_hour_keys(void **state)
{
	struct fxr *f = *state;
	struct report_query q;
	struct report r;
	struct usage u;

	fxr_tz("UTC");
	u = fxr_mk("claude-haiku-4-5", "call", "", 1798675200000LL, "r1");  /* 2026-12-31T00:00Z */
	u.tok.input = 1;
	fxr_put(f, &u);
	u = fxr_mk("claude-haiku-4-5", "call", "", 1798779600000LL, "r2");  /* 2027-01-01T05:00Z */
	u.tok.input = 2;
	fxr_put(f, &u);
	u = fxr_mk("claude-haiku-4-5", "call", "", 1762776000000LL, "r3");  /* 2025-11-10T12:00Z */
	u.tok.input = 4;
	fxr_put(f, &u);
	memset(&q, 0, sizeof(q));
	q.group = REPORT_WEEK;
	fxr_report(f, &q, &r);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[0].key, "2025-W46");
	assert_string_equal(r.rows[1].key, "2026-W53");   /* ISO: 2027-01-01 too */
	assert_int_equal(r.rows[1].tok.input, 3);
	store_report_free(&r);
	q.group = REPORT_MONTH;
	fxr_report(f, &q, &r);
	assert_int_equal(r.nrows, 3);
	assert_string_equal(r.rows[0].key, "2025-11");
	assert_string_equal(r.rows[1].key, "2026-12");
	assert_string_equal(r.rows[2].key, "2027-01");
	store_report_free(&r);
	q.group = REPORT_HOUR;
	fxr_tz("Asia/Seoul");
	fxr_report(f, &q, &r);
	assert_int_equal(r.nrows, 3);
	assert_string_equal(r.rows[0].key, "2025-11-10 21");
	assert_string_equal(r.rows[2].key, "2027-01-01 14");
	store_report_free(&r);
}

/* The total of [since, until) in UTC: requests and input into *req, *in. */
static void
total_of(struct fxr *f, int64_t since, int64_t until, enum report_group g, int64_t *req,
         int64_t *in)
{
	struct report_query q;
	struct report r;

	memset(&q, 0, sizeof(q));
	q.group = g;
	q.since_ms = since;
	q.until_ms = until;
	fxr_report(f, &q, &r);
	*req = r.totals.requests;
	*in = r.totals.tok.input;
	store_report_free(&r);
}

/* A bound inside an hour: when no row lies in the rest of that hour, its
 * cells answer (a cell bumped by hand shows through), else its rows do; a
 * row at the bound itself is outside [since, until). */
static void
test_partial_hour_edges(void **state)
{
	struct fxr *f = *state;
	static const enum report_group groups[] = { REPORT_TOTAL, REPORT_DAY, REPORT_MODEL };
	int64_t req, in;
	struct usage u;
	size_t i;

	fxr_tz("UTC");
	u = fxr_mk("claude-haiku-4-5", "call", "", FXR_T0 + 5 * 60000, "req_1");
	u.tok.input = 100;
	fxr_put(f, &u);
	u = fxr_mk("claude-haiku-4-5", "call", "", FXR_T0 + 30 * 60000, "req_2");
	u.tok.input = 200;
	fxr_put(f, &u);
	u = fxr_mk("claude-haiku-4-5", "call", "", FXR_T0 + 55 * 60000, "req_3");
	u.tok.input = 400;
	fxr_put(f, &u);
	for (i = 0; i < 2 * sizeof(groups) / sizeof(groups[0]); i++) {
		enum report_group g = groups[i % 3];

		if (i == 3)     /* the hour's cells say 1,000,000 more than its rows */
			fx_sql(f->path, "UPDATE rollup_hm SET input = input + 1000000;"
			    "UPDATE rollup_hour SET input = input + 1000000;"
			    "UPDATE rollup_dm SET input = input + 1000000;");
		/* a row after until in the hour: rows */
		total_of(f, FXR_T0 + 2 * 60000, FXR_T0 + 40 * 60000, g, &req, &in);
		assert_int_equal(req, 2);
		assert_int_equal(in, 300);
		total_of(f, FXR_T0 + 2 * 60000, FXR_T0 + 55 * 60000, g, &req, &in);
		assert_int_equal(req, 2);
		assert_int_equal(in, 300);
		/* a row before since in the hour: rows */
		total_of(f, FXR_T0 + 10 * 60000, FXR_T0 + 58 * 60000, g, &req, &in);
		assert_int_equal(req, 2);
		assert_int_equal(in, 600);
		/* nothing outside the range in its hour: the cells */
		total_of(f, FXR_T0 + 2 * 60000, FXR_T0 + 58 * 60000, g, &req, &in);
		assert_int_equal(req, 3);
		assert_int_equal(in, i < 3 ? 700 : 1000700);
		total_of(f, FXR_T0 - 30 * 60000, FXR_T0 + 58 * 60000, g, &req, &in);
		assert_int_equal(req, 3);
		assert_int_equal(in, i < 3 ? 700 : 1000700);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FXR_TEST(test_days_in_zones),
		FXR_TEST(test_week_month_hour_keys),
		FXR_TEST_FILE(test_partial_hour_edges),
	};

	return FX_RUN_BACKENDS(tests, NULL, NULL);
}
