/* test_report.c — report aggregates against hand-computed figures: totals,
 * the model, source and tag groups, filters, multipliers and savings, a
 * custom long-context line, max_tokens stops, spend sums. Periods:
 * test_report_periods.c; brute force: test_report_brute.c; bad ledgers:
 * test_report_bad.c. */
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

static void
test_hand_totals(void **state)
{
	struct fxr *f = *state;
	struct report_query q;
	struct report r;

	fxr_tz("UTC");
	fxr_seed_hand(f);
	memset(&q, 0, sizeof(q));
	q.group = REPORT_TOTAL;
	fxr_report(f, &q, &r);
	assert_int_equal(r.nrows, 0);
	assert_string_equal(r.totals.key, "");
	assert_int_equal(r.totals.requests, 5);
	assert_int_equal(r.totals.cost_nanos, 615750000LL + 1222506000LL + 12500000LL + 10000000LL);
	assert_int_equal(r.totals.unpriced_requests, 1);
	assert_int_equal(r.totals.tok.input, 199000 + 200001 + 10000 + 100 + 500);
	assert_int_equal(r.totals.tok.write_5m, 1000);
	assert_int_equal(r.totals.tok.write_1h, 4000);
	assert_int_equal(r.totals.tok.cache_read, 50000);
	assert_int_equal(r.totals.tok.output, 1000 + 1000 + 2000 + 100 + 300);
	assert_int_equal(r.totals.max_tokens_stops, 1);
	/* cache: C saves (60,000×1,000 + 10,000,000)/2 − 12,500,000 = 22,500,000;
	 * E loses 6,000,000 − 10,000,000; A loses 615,000,000 − 615,750,000 */
	assert_int_equal(r.totals.saved.cache, 22500000LL - 4000000LL - 750000LL);
	assert_int_equal(r.totals.saved.batch, 12500000LL);
	assert_int_equal(r.nunpriced, 1);
	assert_string_equal(r.unpriced[0], "mystery-model-1");
	store_report_free(&r);
	assert_null(r.rows);
	store_report_free(NULL);
}

static void
test_models_order_and_filter(void **state)
{
	struct fxr *f = *state;
	struct report_query q;
	struct report r;

	fxr_tz("UTC");
	fxr_seed_hand(f);
	memset(&q, 0, sizeof(q));
	q.group = REPORT_MODEL;
	fxr_report(f, &q, &r);
	assert_int_equal(r.nrows, 3);   /* canonical ids (dated + undated together); cost desc */
	assert_string_equal(r.rows[0].key, "claude-sonnet-4-5");
	assert_int_equal(r.rows[0].cost_nanos, 1222506000LL + 615750000LL);
	assert_int_equal(r.rows[0].requests, 2);
	assert_string_equal(r.rows[1].key, "claude-haiku-4-5");
	assert_int_equal(r.rows[1].cost_nanos, 22500000LL);
	assert_int_equal(r.rows[1].requests, 2);
	assert_string_equal(r.rows[2].key, "mystery-model-1");
	assert_int_equal(r.rows[2].cost_nanos, 0);
	assert_int_equal(r.rows[2].unpriced_requests, 1);
	store_report_free(&r);

	/* the model filter takes dated and undated ids alike */
	q.group = REPORT_TOTAL;
	q.model = "claude-sonnet-4-5-20250929";
	fxr_report(f, &q, &r);
	assert_int_equal(r.totals.requests, 2);
	assert_int_equal(r.totals.cost_nanos, 615750000LL + 1222506000LL);
	store_report_free(&r);
	q.model = "claude-sonnet-4-5";
	fxr_report(f, &q, &r);
	assert_int_equal(r.totals.requests, 2);
	store_report_free(&r);
	q.model = "mystery-model";        /* not a prefix match */
	fxr_report(f, &q, &r);
	assert_int_equal(r.totals.requests, 0);
	assert_int_equal(r.nunpriced, 0);
	store_report_free(&r);
	q.model = "mystery-model-1";
	fxr_report(f, &q, &r);
	assert_int_equal(r.totals.unpriced_requests, 1);
	assert_int_equal(r.nunpriced, 1);
	store_report_free(&r);

	q.model = NULL;
	q.tag = "nightly";
	fxr_report(f, &q, &r);
	assert_int_equal(r.totals.requests, 2);
	assert_int_equal(r.totals.cost_nanos, 22500000LL);
	store_report_free(&r);
	q.tag = NULL;
	q.source = "batch";
	fxr_report(f, &q, &r);
	assert_int_equal(r.totals.requests, 1);
	assert_int_equal(r.totals.cost_nanos, 12500000LL);
	store_report_free(&r);

	q.source = NULL;
	q.group = REPORT_SOURCE;
	fxr_report(f, &q, &r);
	assert_int_equal(r.nrows, 3);
	assert_string_equal(r.rows[0].key, "call");
	assert_int_equal(r.rows[0].cost_nanos, 1232506000LL);
	assert_string_equal(r.rows[1].key, "import");
	assert_string_equal(r.rows[2].key, "batch");
	store_report_free(&r);
	q.group = REPORT_TAG;
	fxr_report(f, &q, &r);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[0].key, "");
	assert_string_equal(r.rows[1].key, "nightly");
	store_report_free(&r);
}

/* Fast and US-only multipliers, the long line only on models that have it,
 * routing savings against a baseline, compression savings. */
static void
test_flags_and_savings(void **state)
{
	struct fxr *f = *state;
	struct report_query q;
	struct report r;
	struct usage u;

	fxr_tz("UTC");
	u = fxr_mk("claude-opus-4-6", "call", "", FXR_T0, "req_F");
	u.tok.input = 1000;
	u.tok.output = 100;
	usage_strlcpy(u.speed, "fast", sizeof(u.speed));
	fxr_put(f, &u);         /* (1,000×5,000 + 100×25,000) × 6 = 45,000,000 */
	u = fxr_mk("claude-opus-4-6", "call", "", FXR_T0, "req_G");
	u.tok.input = 300000;  /* no long tier on opus: flat */
	usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
	fxr_put(f, &u);         /* 300,000×5,000 × 1.1 = 1,650,000,000 */
	u = fxr_mk("claude-haiku-4-5", "call", "", FXR_T0, "req_H");
	u.tok.input = 1000;
	u.compressed_tokens = 500;
	usage_strlcpy(u.tier, "simple", sizeof(u.tier));
	fxr_put(f, &u);         /* 1,000,000; on sonnet 3,000,000; compression 500×1,000 */
	memset(&q, 0, sizeof(q));
	q.group = REPORT_TOTAL;
	q.baseline_model = "claude-sonnet-4-5";
	fxr_report(f, &q, &r);
	assert_int_equal(r.totals.cost_nanos, 45000000LL + 1650000000LL + 1000000LL);
	assert_int_equal(r.totals.saved.routing, 2000000LL);
	assert_int_equal(r.totals.saved.compression, 500000LL);
	assert_int_equal(r.totals.compressed_tokens, 500);
	store_report_free(&r);
}

/* A price whose long line is not the rollup's 200,000 is priced from raw
 * rows: exact, and together with rollup-priced models. */
static void
test_custom_long_threshold(void **state)
{
	struct fxr *f = *state;
	struct pricing *p;
	struct report_query q;
	struct report r;
	struct usage u;
	char err[512];

	p = pricing_parse("{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	    "{\"id\":\"custom-long\",\"input\":\"1\",\"write_5m\":\"1\",\"write_1h\":\"1\","
	    " \"cache_read\":\"1\",\"output\":\"1\",\"long\":{\"threshold\":1000,\"input\":\"2\","
	    " \"write_5m\":\"2\",\"write_1h\":\"2\",\"cache_read\":\"2\",\"output\":\"2\"}},"
	    "{\"id\":\"claude-haiku-4-5\",\"input\":\"1\",\"write_5m\":\"1.25\",\"write_1h\":\"2\","
	    " \"cache_read\":\"0.10\",\"output\":\"5\"}]}", "custom", err, sizeof(err));
	if (p == NULL)
		fail_msg("prices: %s", err);
	fxr_tz("Asia/Kolkata");
	u = fxr_mk("custom-long", "call", "", FXR_T0 + 10 * 60000, "c1");
	u.tok.input = 1500;             /* above 1,000: 1,500 × 2,000 */
	fxr_put(f, &u);
	u = fxr_mk("custom-long-20250101", "call", "", FXR_T0 + 20 * 60000, "c2");
	u.tok.input = 500;              /* 500 × 1,000 */
	fxr_put(f, &u);
	u = fxr_mk("claude-haiku-4-5", "call", "", FXR_T0 + 30 * 60000, "c3");
	u.tok.input = 1000;             /* 1,000 × 1,000 */
	fxr_put(f, &u);
	memset(&q, 0, sizeof(q));
	q.group = REPORT_DAY;
	if (store_report(f->s, p, &q, &r, err, sizeof(err)) != 0)
		fail_msg("report: %s", err);
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.totals.requests, 3);
	assert_int_equal(r.totals.cost_nanos, 3000000LL + 500000LL + 1000000LL);
	store_report_free(&r);
	q.group = REPORT_MODEL;
	q.model = "custom-long";
	if (store_report(f->s, p, &q, &r, err, sizeof(err)) != 0)
		fail_msg("report: %s", err);
	assert_int_equal(r.nrows, 1);   /* dated and undated ids are one model */
	assert_int_equal(r.totals.cost_nanos, 3500000LL);
	store_report_free(&r);
	pricing_free(p);
}

static void
test_max_tokens_stops(void **state)
{
	struct fxr *f = *state;
	struct stop_row *rows;
	struct usage u;
	char err[512], id[16];
	size_t n;
	int i;

	for (i = 0; i < 6; i++) {
		snprintf(id, sizeof(id), "s%d", i);
		u = fxr_mk(i < 4 ? "claude-haiku-4-5" : "claude-sonnet-4-5", "call", "",
		    FXR_T0 + i * FXR_HOUR, id);
		usage_strlcpy(u.tier, i % 2 ? "simple" : "", sizeof(u.tier));
		if (i == 1 || i == 3 || i == 5)
			usage_strlcpy(u.stop_reason, "max_tokens", sizeof(u.stop_reason));
		fxr_put(f, &u);
	}
	assert_int_equal(store_max_tokens_stops(f->s, 0, 0, &rows, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_string_equal(rows[0].model, "claude-haiku-4-5");
	assert_string_equal(rows[0].tier, "simple");
	assert_int_equal(rows[0].requests, 2);
	assert_int_equal(rows[0].max_tokens_stops, 2);
	assert_string_equal(rows[1].model, "claude-sonnet-4-5");
	assert_int_equal(rows[1].max_tokens_stops, 1);
	assert_int_equal(rows[2].max_tokens_stops, 0);
	free(rows);
	/* hours starting from FXR_T0 + 2h on: rows 2..5 */
	assert_int_equal(store_max_tokens_stops(f->s, FXR_T0 + 2 * FXR_HOUR, 0, &rows, &n, err,
	    sizeof(err)), 0);
	assert_string_equal(rows[0].model, "claude-haiku-4-5");
	assert_int_equal(rows[0].max_tokens_stops, 1);
	free(rows);
}

static void
test_spend_between_and_hit(void **state)
{
	struct fxr *f = *state;
	int64_t nanos = -1, req = -1, imp = -1;
	char err[512];
	struct tokens t = { 100, 50, 50, 800, 9 };
	struct tokens z = { 0, 0, 0, 0, 5 };
	struct usage u;

	fxr_seed_hand(f);
	assert_int_equal(store_spend_between(f->s, f->p, NULL, FXR_T0, FXR_T0 + 180000, &nanos,
	    &req, &imp, err, sizeof(err)), 0);
	assert_int_equal(req, 3);     /* A, B, C; D and E are later */
	assert_int_equal(nanos, 615750000LL + 1222506000LL + 12500000LL);
	assert_int_equal(imp, 0);
	assert_int_equal(store_spend_between(f->s, f->p, NULL, FXR_T0 + 180000, 0, &nanos, &req,
	    NULL, err, sizeof(err)), 0);
	assert_int_equal(req, 2);     /* D counted, priced at nothing */
	assert_int_equal(nanos, 10000000LL);
	/* by tag: only "nightly" (C) */
	assert_int_equal(store_spend_between(f->s, f->p, "nightly", FXR_T0, FXR_T0 + 180000, &nanos,
	    &req, NULL, err, sizeof(err)), 0);
	assert_int_equal(req, 1);
	assert_int_equal(nanos, 12500000LL);
	/* a row stamped with its import time is no rate: apart, not in the spend
	 * (issue 11, defect 21) */
	u = fxr_mk("claude-haiku-4-5", "import", "", FXR_T0 + 60000, "req_F");
	u.tok.input = 1000000;      /* $1 */
	u.ts_import = 1;
	fxr_put(f, &u);
	assert_int_equal(store_spend_between(f->s, f->p, NULL, FXR_T0, FXR_T0 + 180000, &nanos,
	    &req, &imp, err, sizeof(err)), 0);
	assert_int_equal(req, 3);
	assert_int_equal(nanos, 615750000LL + 1222506000LL + 12500000LL);
	assert_int_equal(imp, 1000000000LL);
	assert_int_equal(report_hit_permille(&t), 800);
	assert_int_equal(report_hit_permille(&z), 0);
	t.cache_read = 1;   /* 1/201 = 0.497% → 5 per mille */
	assert_int_equal(report_hit_permille(&t), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FXR_TEST(test_hand_totals),
		FXR_TEST(test_models_order_and_filter),
		FXR_TEST(test_flags_and_savings),
		FXR_TEST(test_custom_long_threshold),
		FXR_TEST(test_max_tokens_stops),
		FXR_TEST(test_spend_between_and_hit),
	};

	return FX_RUN_BACKENDS(tests, NULL, NULL);
}
