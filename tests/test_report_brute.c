/* test_report_brute.c — every report (rollups and their local-zone fix-ups)
 * against a brute force over the raw rows, in zones with whole, half and
 * three-quarter hour offsets and DST, with filters and bounds that cut days
 * and hours. */
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

/* A brute force over the raw rows: each row's key in group g (its local
 * month, day, week or hour, or its model, tag or source; "" for the total),
 * the filters, and the sums per key. */
struct brute {
	const struct pricing *p;
	enum report_group     g;
	const char           *tag, *source, *provider;   /* filters; NULL: none */
	char                  keys[160][32];
	int64_t               req[160], in[160], out[160], cost[160];
	int                   n;
};

static int
brute_row(const struct usage *u, void *arg)
{
	struct brute *b = arg;
	time_t t = (time_t)(u->ts_ms / 1000);
	struct tm tm;
	char key[32];
	int64_t c = 0;
	int i;

	if ((b->tag != NULL && strcmp(u->tag, b->tag) != 0) ||
	    (b->source != NULL && strcmp(u->source, b->source) != 0) ||
	    (b->provider != NULL && strcmp(u->provider, b->provider) != 0))
		return 0;
	localtime_r(&t, &tm);
	if (b->g == REPORT_MONTH || b->g == REPORT_DAY || b->g == REPORT_WEEK || b->g == REPORT_HOUR)
		strftime(key, sizeof(key), b->g == REPORT_MONTH ? "%Y-%m" : b->g == REPORT_DAY ?
		    "%Y-%m-%d" : b->g == REPORT_WEEK ? "%G-W%V" : "%Y-%m-%d %H", &tm);
	else
		snprintf(key, sizeof(key), "%s", b->g == REPORT_MODEL ? u->model : b->g == REPORT_TAG ?
		    u->tag : b->g == REPORT_SOURCE ? u->source : "");
	for (i = 0; i < b->n && strcmp(b->keys[i], key) != 0; i++)
		;
	if (i == b->n) {
		assert_true(b->n < 160);
		snprintf(b->keys[b->n++], sizeof(b->keys[0]), "%s", key);
	}
	pricing_usage_cost(b->p, u, &c);
	b->req[i]++;
	b->in[i] += u->tok.input;
	b->out[i] += u->tok.output;
	b->cost[i] += c;
	return 0;
}

/* r's rows are b's keys and figures, in key order. */
static void
assert_brute(const struct report *r, const struct brute *b, const char *zone)
{
	size_t k;
	int j;

	assert_int_equal((int)r->nrows, b->n);
	for (k = 0; k < r->nrows; k++) {
		for (j = 0; j < b->n && strcmp(b->keys[j], r->rows[k].key) != 0; j++)
			;
		if (j == b->n)
			fail_msg("%s: key %s not in brute force", zone, r->rows[k].key);
		if (r->rows[k].requests != b->req[j] || r->rows[k].cost_nanos != b->cost[j])
			fail_msg("%s %s: %lld requests %lld nanos, brute force %lld %lld", zone,
			    r->rows[k].key, (long long)r->rows[k].requests,
			    (long long)r->rows[k].cost_nanos, (long long)b->req[j],
			    (long long)b->cost[j]);
		assert_int_equal(r->rows[k].tok.input, b->in[j]);
		if (k > 0)
			assert_true(strcmp(r->rows[k - 1].key, r->rows[k].key) < 0);
	}
}

/* n rows of four models (a seventh in batch, a third tagged t1, every
 * fiftieth of long context, gpt-4.1's with reasoning and some priority)
 * at random minutes of [base, base + minutes), from seed. */
static void
put_spread(struct fxr *f, int n, uint64_t seed, int64_t base, int64_t minutes)
{
	static const char *models[] = { "claude-haiku-4-5", "claude-sonnet-4-5", "x-unpriced",
	    "gpt-4.1" };
	char id[32];
	int i;

	for (i = 0; i < n; i++) {
		struct usage u;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		snprintf(id, sizeof(id), "req_%d", i);
		u = fxr_mk(models[(seed >> 20) % 4], i % 7 == 0 ? "batch" : "call",
		    i % 3 ? "" : "t1",
		    base + (int64_t)((seed >> 33) % minutes) * 60000 + (int64_t)(seed % 60000), id);
		u.tok.input = 1 + (int64_t)((seed >> 8) % 1000);
		u.tok.output = 1 + (int64_t)((seed >> 4) % 100);
		if (i % 50 == 0)
			u.tok.input = 250000;   /* long context */
		if (strcmp(u.model, "gpt-4.1") == 0) {
			usage_strlcpy(u.provider, "openai", sizeof(u.provider));
			u.reasoning_tokens = u.tok.output / 2;
			if (i % 5 == 0)
				usage_strlcpy(u.service_tier, "priority", sizeof(u.service_tier));
		}
		fxr_put(f, &u);
	}
}

static void
test_matches_brute_force(void **state)
{
	struct fxr *f = *state;
	static const char *zones[] = { "UTC", "Asia/Seoul", "Asia/Kolkata", "Asia/Kathmandu",
	    "America/St_Johns", "Europe/London", "America/New_York", "Australia/Adelaide" };
	static const enum report_group groups[] = { REPORT_DAY, REPORT_HOUR, REPORT_WEEK,
	    REPORT_MONTH };
	/* no filter (rollup_dm), a tag (rollup_dt), a source (rollup_ds); then
	 * each with a provider (the rollups' provider bits) */
	static const char *const tags[] = { NULL, "t1", NULL, NULL, "t1", NULL };
	static const char *const sources[] = { NULL, NULL, "batch", NULL, NULL, "batch" };
	static const char *const providers[] = { NULL, NULL, NULL, "anthropic", "openai",
	    "openai" };
	int64_t base = 1761955200000LL;  /* 2025-11-01T00:00Z; 2025-11-02 US DST ends */
	struct report_query q;
	struct report r;
	char err[512];
	size_t zi, gi;

	put_spread(f, 400, 42, base, 3 * 24 * 60);
	for (zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++) {
		fxr_tz(zones[zi]);
		for (gi = 0; gi < 18 * sizeof(groups) / sizeof(groups[0]); gi++) {
			struct brute b;
			size_t fi = gi / 12;

			memset(&q, 0, sizeof(q));
			q.group = groups[gi % 4];
			q.tag = tags[fi];
			q.source = sources[fi];
			q.provider = providers[fi];
			/* bounds that cut hours: 7h13m in, 2 days 5h47m later; then
			 * 50 minutes inside one UTC hour */
			q.since_ms = base + 7 * FXR_HOUR + 13 * 60000;
			q.until_ms = gi % 12 < 4 ? q.since_ms + 53 * FXR_HOUR + 34 * 60000 :
			    q.since_ms + 50 * 60000;
			if (gi % 12 >= 8) {  /* whole UTC days: the per-day rollups */
				q.since_ms = base - 24 * FXR_HOUR;
				q.until_ms = base + 4 * 24 * FXR_HOUR;
			}
			fxr_report(f, &q, &r);
			memset(&b, 0, sizeof(b));
			b.p = f->p;
			b.g = groups[gi % 4];
			b.tag = tags[fi];
			b.source = sources[fi];
			b.provider = providers[fi];
			assert_int_equal(store_each_usage(f->s, q.since_ms, q.until_ms, brute_row, &b,
			    err, sizeof(err)), 0);
			assert_true(b.n > 0 || fi > 0);     /* a filter may leave a short window empty */
			assert_brute(&r, &b, zones[zi]);
			store_report_free(&r);
		}
	}
}

/* A hundred days over clock changes (New York, London, Adelaide, Lord
 * Howe's half hour): local days, weeks and months read from offset days
 * whose start is chosen anew every few weeks (report_offset.c), the hours
 * between them and the hours a midnight splits, against a brute force. */
static void
test_offset_blocks_match_brute_force(void **state)
{
	struct fxr *f = *state;
	static const char *zones[] = { "Australia/Adelaide", "America/New_York", "Asia/Kolkata",
	    "Asia/Kathmandu", "Europe/London", "America/St_Johns", "Australia/Lord_Howe", "UTC" };
	static const enum report_group groups[] = { REPORT_DAY, REPORT_WEEK, REPORT_MONTH };
	int64_t base = 1771545600000LL;  /* 2026-02-20T00:00Z; 100 days to 2026-05-31 */
	struct report_query q;
	struct report r;
	struct brute b;
	char err[512];
	size_t zi, gi;

	put_spread(f, 900, 7, base, 100 * 24 * 60);
	for (zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++) {
		fxr_tz(zones[zi]);
		for (gi = 0; gi < 2 * sizeof(groups) / sizeof(groups[0]); gi++) {
			memset(&q, 0, sizeof(q));
			q.group = groups[gi % 3];
			if (gi >= 3) {      /* bounds inside hours, days from the ends */
				q.since_ms = base + 3 * 24 * FXR_HOUR + 7 * FXR_HOUR + 13 * 60000;
				q.until_ms = base + 90 * 24 * FXR_HOUR + 5 * FXR_HOUR + 47 * 60000;
			}
			fxr_report(f, &q, &r);
			memset(&b, 0, sizeof(b));
			b.p = f->p;
			b.g = q.group;
			assert_int_equal(store_each_usage(f->s, q.since_ms, q.until_ms != 0 ?
			    q.until_ms : INT64_MAX / 2, brute_row, &b, err, sizeof(err)), 0);
			assert_brute(&r, &b, zones[zi]);
			store_report_free(&r);
		}
	}
}

/* Four months of rows: the month, model, tag, source and total reports
 * (the month rollups for whole UTC months, days and hours around them, and
 * the split months of zones east and west of UTC, whole, half-hour and with
 * DST, re-read by the day), and the day and week reports (UTC day cells moved
 * in part to the local day or week holding them, blocks of days) equal a
 * brute force over the raw rows, with tag, source, both and provider
 * filters, over everything and over a range that cuts days and hours. */
static void
test_months_match_brute_force(void **state)
{
	struct fxr *f = *state;
	static const char *zones[] = { "UTC", "Asia/Seoul", "Asia/Kolkata", "America/St_Johns",
	    "America/New_York", "Australia/Adelaide", "Asia/Kathmandu" };
	static const enum report_group groups[] = { REPORT_MONTH, REPORT_MODEL, REPORT_TAG,
	    REPORT_SOURCE, REPORT_TOTAL, REPORT_DAY, REPORT_WEEK };
	static const char *models[] = { "claude-haiku-4-5", "claude-sonnet-4-5", "x-unpriced",
	    "gpt-4.1" };
	static const char *const tags[] = { NULL, "t1", NULL, "t1", NULL };
	static const char *const sources[] = { NULL, NULL, "batch", "batch", NULL };
	static const char *const providers[] = { NULL, NULL, NULL, NULL, "openai" };
	uint64_t seed = 7;
	int64_t base = 1760918400000LL;  /* 2025-10-20T00:00Z */
	struct report_query q;
	struct report r;
	struct brute b;
	char id[32], err[512];
	size_t zi, gi, fi, ri, k;
	int i, j;

	for (i = 0; i < 700; i++) {
		struct usage u;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		snprintf(id, sizeof(id), "req_%d", i);
		u = fxr_mk(models[(seed >> 20) % 4],
		    i % 7 == 0 ? "batch" : i % 5 ? "call" : "proxy", i % 3 == 0 ? "" : i % 3 == 1 ? "t1" : "t2",
		    base + (int64_t)((seed >> 30) % (110 * 24 * 60)) * 60000 + (int64_t)(seed % 60000),
		    id);
		u.tok.input = 1 + (int64_t)((seed >> 8) % 1000);
		u.tok.output = 1 + (int64_t)((seed >> 4) % 100);
		if (i % 50 == 0)
			u.tok.input = 250000;   /* long context */
		if (strcmp(u.model, "gpt-4.1") == 0) {
			usage_strlcpy(u.provider, "openai", sizeof(u.provider));
			if (i % 5 == 0)
				usage_strlcpy(u.service_tier, "priority", sizeof(u.service_tier));
		}
		fxr_put(f, &u);
	}
	for (zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++) {
		fxr_tz(zones[zi]);
		for (gi = 0; gi < sizeof(groups) / sizeof(groups[0]); gi++)
		for (fi = 0; fi < sizeof(tags) / sizeof(tags[0]); fi++)
		for (ri = 0; ri < 2; ri++) {
			memset(&q, 0, sizeof(q));
			q.group = groups[gi];
			q.tag = tags[fi];
			q.source = sources[fi];
			q.provider = providers[fi];
			if (ri == 1) {      /* cuts a day and an hour at both ends */
				q.since_ms = base + 3 * 24 * FXR_HOUR + 5 * FXR_HOUR + 17 * 60000;
				q.until_ms = base + 95 * 24 * FXR_HOUR + 7 * FXR_HOUR + 41 * 60000;
			}
			fxr_report(f, &q, &r);
			memset(&b, 0, sizeof(b));
			b.p = f->p;
			b.g = groups[gi];
			b.tag = tags[fi];
			b.source = sources[fi];
			b.provider = providers[fi];
			assert_int_equal(store_each_usage(f->s, q.since_ms, q.until_ms != 0 ?
			    q.until_ms : INT64_MAX / 2, brute_row, &b, err, sizeof(err)), 0);
			assert_true(b.n > 0);
			if (q.group == REPORT_TOTAL) {
				assert_int_equal(r.totals.requests, b.req[0]);
				assert_int_equal(r.totals.tok.input, b.in[0]);
				assert_int_equal(r.totals.cost_nanos, b.cost[0]);
				store_report_free(&r);
				continue;
			}
			if ((int)r.nrows != b.n)
				fail_msg("%s group %zu filter %zu range %zu: %zu rows, brute force %d",
				    zones[zi], gi, fi, ri, r.nrows, b.n);
			for (k = 0; k < r.nrows; k++) {
				for (j = 0; j < b.n && strcmp(b.keys[j], r.rows[k].key) != 0; j++)
					;
				if (j == b.n)
					fail_msg("%s: key %s not in brute force", zones[zi], r.rows[k].key);
				if (r.rows[k].requests != b.req[j] || r.rows[k].tok.input != b.in[j] ||
				    r.rows[k].tok.output != b.out[j] || r.rows[k].cost_nanos != b.cost[j])
					fail_msg("%s group %zu filter %zu range %zu key %s: %lld req %lld in"
					    " %lld nanos, brute force %lld %lld %lld", zones[zi], gi, fi, ri,
					    r.rows[k].key, (long long)r.rows[k].requests,
					    (long long)r.rows[k].tok.input, (long long)r.rows[k].cost_nanos,
					    (long long)b.req[j], (long long)b.in[j], (long long)b.cost[j]);
			}
			store_report_free(&r);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FXR_TEST(test_matches_brute_force),
		FXR_TEST(test_months_match_brute_force),
		FXR_TEST(test_offset_blocks_match_brute_force),
	};

	return FX_RUN_BACKENDS(tests, NULL, NULL);
}
