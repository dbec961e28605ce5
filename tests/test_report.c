/* test_report.c — report aggregates against hand-computed figures, local
 * periods in several time zones (whole, half and three-quarter hour
 * offsets) against a brute force over the raw rows, filters, ordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <unistd.h>

#include "data/store.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

/* A table of our own so the figures below do not move with share/. */
static const char prices_json[] =
	"{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	"{\"id\":\"claude-sonnet-4-5\",\"aliases\":[],"
	" \"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\",\"cache_read\":\"0.30\",\"output\":\"15\","
	" \"long\":{\"threshold\":200000,\"input\":\"6\",\"write_5m\":\"7.50\",\"write_1h\":\"12\","
	"  \"cache_read\":\"0.60\",\"output\":\"22.50\"}},"
	"{\"id\":\"claude-haiku-4-5\",\"aliases\":[],"
	" \"input\":\"1\",\"write_5m\":\"1.25\",\"write_1h\":\"2\",\"cache_read\":\"0.10\",\"output\":\"5\"},"
	"{\"id\":\"claude-opus-4-6\",\"aliases\":[],"
	" \"input\":\"5\",\"write_5m\":\"6.25\",\"write_1h\":\"10\",\"cache_read\":\"0.50\",\"output\":\"25\","
	" \"fast\":\"6\",\"us_geo\":\"1.1\"},"
	"{\"id\":\"gpt-4.1\",\"provider\":\"openai\",\"aliases\":[],"
	" \"input\":\"2\",\"cache_read\":\"0.50\",\"output\":\"8\",\"priority\":\"2\"}"
	"]}";

#define T0 1762776000000LL      /* 2025-11-10T12:00:00Z */
#define HOUR 3600000LL

struct fx {
	struct store   *s;
	struct pricing *p;
	char            path[768];   /* setup_file: the ledger (a file on SQLite) */
};

static int
setup(void **state)
{
	char err[512];
	struct fx *f = calloc(1, sizeof(*f));

	f->p = pricing_parse(prices_json, "test", err, sizeof(err));
	if (f->p == NULL)
		fail_msg("prices: %s", err);
	f->s = store_open(fx_ledger(), err, sizeof(err));
	if (f->s == NULL)
		fail_msg("open: %s", err);
	*state = f;
	return 0;
}

/* As setup, on a file (so raw SQL can reach it through a second connection). */
static int
setup_file(void **state)
{
	char err[512];
	struct fx *f;
	int fd;

	setup(state);
	f = *state;
	store_close(f->s);
	if (fx_pg)
		snprintf(f->path, sizeof(f->path), "%s", fx_ledger());
	else {
		snprintf(f->path, sizeof(f->path), "/tmp/tokentop-report-XXXXXX");
		if ((fd = mkstemp(f->path)) < 0)
			fail_msg("mkstemp");
		close(fd);
	}
	if ((f->s = store_open(f->path, err, sizeof(err))) == NULL)
		fail_msg("open: %s", err);
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[80];

	if (f->path[0] != '\0' && !fx_pg) {
		unlink(f->path);
		snprintf(p, sizeof(p), "%s-wal", f->path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", f->path);
		unlink(p);
	}
	store_close(f->s);
	pricing_free(f->p);
	free(f);
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static void
use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static struct usage
mk(const char *model, const char *source, const char *tag, int64_t ts, const char *id)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	u.ts_ms = ts;
	usage_strlcpy(u.model, model, sizeof(u.model));
	usage_strlcpy(u.source, source, sizeof(u.source));
	usage_strlcpy(u.tag, tag, sizeof(u.tag));
	usage_strlcpy(u.request_id, id, sizeof(u.request_id));
	return u;
}

static void
put(struct fx *f, const struct usage *u)
{
	char err[512];
	enum store_put r;

	if (store_insert_usage(f->s, u, &r, err, sizeof(err)) != 0)
		fail_msg("insert: %s", err);
	assert_int_equal(r, STORE_ADDED);
}

static void
report(struct fx *f, struct report_query *q, struct report *r)
{
	char err[512];

	if (store_report(f->s, f->p, q, r, err, sizeof(err)) != 0)
		fail_msg("report: %s", err);
}

/*
 * The hand-computed ledger (nanos; rates in nanos per token = $/MTok × 1000):
 *  A sonnet-4-5-20250929 import: in 199,000 + w5m 1,000 = 200,000 total (NOT long), out 1,000
 *    199,000×3,000 + 1,000×3,750 + 1,000×15,000            =   615,750,000
 *  B sonnet-4-5 call: in 200,001 (long: every token at the long rate), out 1,000
 *    200,001×6,000 + 1,000×22,500                           = 1,222,506,000
 *  C haiku-4-5 batch, tag nightly: in 10,000, read 50,000, out 2,000
 *    (10,000×1,000 + 50,000×100 + 2,000×5,000) / 2          =    12,500,000
 *  D mystery-model-1 import: in 100, out 100                 unpriced
 *  E haiku-4-5 call, tag nightly, stop max_tokens: w1h 4,000, in 500, out 300
 *    4,000×2,000 + 500×1,000 + 300×5,000                    =    10,000,000
 */
static void
seed_hand(struct fx *f)
{
	struct usage u;

	u = mk("claude-sonnet-4-5-20250929", "import", "", T0, "req_A");
	u.tok.input = 199000;
	u.tok.write_5m = 1000;
	u.tok.output = 1000;
	put(f, &u);
	u = mk("claude-sonnet-4-5", "call", "", T0 + 60000, "req_B");
	u.tok.input = 200001;
	u.tok.output = 1000;
	put(f, &u);
	u = mk("claude-haiku-4-5", "batch", "nightly", T0 + 120000, "req_C");
	u.tok.input = 10000;
	u.tok.cache_read = 50000;
	u.tok.output = 2000;
	put(f, &u);
	u = mk("mystery-model-1", "import", "", T0 + 180000, "req_D");
	u.tok.input = 100;
	u.tok.output = 100;
	put(f, &u);
	u = mk("claude-haiku-4-5", "call", "nightly", T0 + 240000, "req_E");
	u.tok.write_1h = 4000;
	u.tok.input = 500;
	u.tok.output = 300;
	usage_strlcpy(u.stop_reason, "max_tokens", sizeof(u.stop_reason));
	put(f, &u);
}

static void
test_hand_totals(void **state)
{
	struct fx *f = *state;
	struct report_query q;
	struct report r;

	use_tz("UTC");
	seed_hand(f);
	memset(&q, 0, sizeof(q));
	q.group = REPORT_TOTAL;
	report(f, &q, &r);
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
	struct fx *f = *state;
	struct report_query q;
	struct report r;

	use_tz("UTC");
	seed_hand(f);
	memset(&q, 0, sizeof(q));
	q.group = REPORT_MODEL;
	report(f, &q, &r);
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
	report(f, &q, &r);
	assert_int_equal(r.totals.requests, 2);
	assert_int_equal(r.totals.cost_nanos, 615750000LL + 1222506000LL);
	store_report_free(&r);
	q.model = "claude-sonnet-4-5";
	report(f, &q, &r);
	assert_int_equal(r.totals.requests, 2);
	store_report_free(&r);
	q.model = "mystery-model";        /* not a prefix match */
	report(f, &q, &r);
	assert_int_equal(r.totals.requests, 0);
	assert_int_equal(r.nunpriced, 0);
	store_report_free(&r);
	q.model = "mystery-model-1";
	report(f, &q, &r);
	assert_int_equal(r.totals.unpriced_requests, 1);
	assert_int_equal(r.nunpriced, 1);
	store_report_free(&r);

	q.model = NULL;
	q.tag = "nightly";
	report(f, &q, &r);
	assert_int_equal(r.totals.requests, 2);
	assert_int_equal(r.totals.cost_nanos, 22500000LL);
	store_report_free(&r);
	q.tag = NULL;
	q.source = "batch";
	report(f, &q, &r);
	assert_int_equal(r.totals.requests, 1);
	assert_int_equal(r.totals.cost_nanos, 12500000LL);
	store_report_free(&r);

	q.source = NULL;
	q.group = REPORT_SOURCE;
	report(f, &q, &r);
	assert_int_equal(r.nrows, 3);
	assert_string_equal(r.rows[0].key, "call");
	assert_int_equal(r.rows[0].cost_nanos, 1232506000LL);
	assert_string_equal(r.rows[1].key, "import");
	assert_string_equal(r.rows[2].key, "batch");
	store_report_free(&r);
	q.group = REPORT_TAG;
	report(f, &q, &r);
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
	struct fx *f = *state;
	struct report_query q;
	struct report r;
	struct usage u;

	use_tz("UTC");
	u = mk("claude-opus-4-6", "call", "", T0, "req_F");
	u.tok.input = 1000;
	u.tok.output = 100;
	usage_strlcpy(u.speed, "fast", sizeof(u.speed));
	put(f, &u);         /* (1,000×5,000 + 100×25,000) × 6 = 45,000,000 */
	u = mk("claude-opus-4-6", "call", "", T0, "req_G");
	u.tok.input = 300000;  /* no long tier on opus: flat */
	usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
	put(f, &u);         /* 300,000×5,000 × 1.1 = 1,650,000,000 */
	u = mk("claude-haiku-4-5", "call", "", T0, "req_H");
	u.tok.input = 1000;
	u.compressed_tokens = 500;
	usage_strlcpy(u.tier, "simple", sizeof(u.tier));
	put(f, &u);         /* 1,000,000; on sonnet 3,000,000; compression 500×1,000 */
	memset(&q, 0, sizeof(q));
	q.group = REPORT_TOTAL;
	q.baseline_model = "claude-sonnet-4-5";
	report(f, &q, &r);
	assert_int_equal(r.totals.cost_nanos, 45000000LL + 1650000000LL + 1000000LL);
	assert_int_equal(r.totals.saved.routing, 2000000LL);
	assert_int_equal(r.totals.saved.compression, 500000LL);
	assert_int_equal(r.totals.compressed_tokens, 500);
	store_report_free(&r);
}

/* Day keys in UTC, Seoul (+9) and Kolkata (+5:30): one UTC hour there
 * straddles local midnight and must be split exactly. */
static void
test_days_in_zones(void **state)
{
	struct fx *f = *state;
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
		u = mk("claude-haiku-4-5", "call", "", rows[i].ms, id);
		u.tok.input = rows[i].in;
		put(f, &u);
	}
	memset(&q, 0, sizeof(q));
	q.group = REPORT_DAY;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		use_tz(want[i].tz);
		report(f, &q, &r);
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
	use_tz("Asia/Kolkata");
	q.since_ms = 1762799400000LL;    /* 2025-11-10T18:30Z */
	report(f, &q, &r);
	assert_int_equal(r.nrows, 1);
	assert_string_equal(r.rows[0].key, "2025-11-11");
	assert_int_equal(r.rows[0].tok.input, 11000);
	store_report_free(&r);
}

static void
test_week_month_hour_keys(void **state)
{
	struct fx *f = *state;
	struct report_query q;
	struct report r;
	struct usage u;

	use_tz("UTC");
	u = mk("claude-haiku-4-5", "call", "", 1798675200000LL, "r1");  /* 2026-12-31T00:00Z */
	u.tok.input = 1;
	put(f, &u);
	u = mk("claude-haiku-4-5", "call", "", 1798779600000LL, "r2");  /* 2027-01-01T05:00Z */
	u.tok.input = 2;
	put(f, &u);
	u = mk("claude-haiku-4-5", "call", "", 1762776000000LL, "r3");  /* 2025-11-10T12:00Z */
	u.tok.input = 4;
	put(f, &u);
	memset(&q, 0, sizeof(q));
	q.group = REPORT_WEEK;
	report(f, &q, &r);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[0].key, "2025-W46");
	assert_string_equal(r.rows[1].key, "2026-W53");   /* ISO: 2027-01-01 too */
	assert_int_equal(r.rows[1].tok.input, 3);
	store_report_free(&r);
	q.group = REPORT_MONTH;
	report(f, &q, &r);
	assert_int_equal(r.nrows, 3);
	assert_string_equal(r.rows[0].key, "2025-11");
	assert_string_equal(r.rows[1].key, "2026-12");
	assert_string_equal(r.rows[2].key, "2027-01");
	store_report_free(&r);
	q.group = REPORT_HOUR;
	use_tz("Asia/Seoul");
	report(f, &q, &r);
	assert_int_equal(r.nrows, 3);
	assert_string_equal(r.rows[0].key, "2025-11-10 21");
	assert_string_equal(r.rows[2].key, "2027-01-01 14");
	store_report_free(&r);
}

/* ---- rollup + fix-ups == brute force over raw rows ------------------------ */

struct brute {
	const struct pricing *p;
	enum report_group     g;
	const char           *tag, *source, *provider;   /* filters; NULL: none */
	char                  keys[128][32];
	int64_t               req[128], in[128], cost[128];
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
	strftime(key, sizeof(key), b->g == REPORT_DAY ? "%Y-%m-%d" : b->g == REPORT_WEEK ?
	    "%G-W%V" : b->g == REPORT_MONTH ? "%Y-%m" : "%Y-%m-%d %H", &tm);
	for (i = 0; i < b->n && strcmp(b->keys[i], key) != 0; i++)
		;
	if (i == b->n) {
		assert_true(b->n < 128);
		snprintf(b->keys[b->n++], sizeof(b->keys[0]), "%s", key);
	}
	pricing_usage_cost(b->p, u, &c);
	b->req[i]++;
	b->in[i] += u->tok.input;
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

/* n rows of four models (a tenth in batch, a third tagged t1, every
 * fiftieth of long context, gpt-4.1's with reasoning and some priority)
 * at random minutes of [base, base + minutes), from seed. */
static void
put_spread(struct fx *f, int n, uint64_t seed, int64_t base, int64_t minutes)
{
	static const char *models[] = { "claude-haiku-4-5", "claude-sonnet-4-5", "x-unpriced",
	    "gpt-4.1" };
	char id[32];
	int i;

	for (i = 0; i < n; i++) {
		struct usage u;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		snprintf(id, sizeof(id), "req_%d", i);
		u = mk(models[(seed >> 20) % 4], i % 7 == 0 ? "batch" : "call", i % 3 ? "" : "t1", base +
		    (int64_t)((seed >> 33) % minutes) * 60000 + (int64_t)(seed % 60000), id);
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
		put(f, &u);
	}
}

static void
test_matches_brute_force(void **state)
{
	struct fx *f = *state;
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
		use_tz(zones[zi]);
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
			q.since_ms = base + 7 * HOUR + 13 * 60000;
			q.until_ms = gi % 12 < 4 ? q.since_ms + 53 * HOUR + 34 * 60000 :
			    q.since_ms + 50 * 60000;
			if (gi % 12 >= 8) {  /* whole UTC days: the per-day rollups */
				q.since_ms = base - 24 * HOUR;
				q.until_ms = base + 4 * 24 * HOUR;
			}
			report(f, &q, &r);
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
	struct fx *f = *state;
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
		use_tz(zones[zi]);
		for (gi = 0; gi < 2 * sizeof(groups) / sizeof(groups[0]); gi++) {
			memset(&q, 0, sizeof(q));
			q.group = groups[gi % 3];
			if (gi >= 3) {      /* bounds inside hours, days from the ends */
				q.since_ms = base + 3 * 24 * HOUR + 7 * HOUR + 13 * 60000;
				q.until_ms = base + 90 * 24 * HOUR + 5 * HOUR + 47 * 60000;
			}
			report(f, &q, &r);
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

/* Any group's key of a row, as a brute force: its local month, or its
 * model, tag or source ("" for the total). */
struct brute_any {
	const struct pricing *p;
	enum report_group     g;
	const char           *tag, *source, *provider;
	char                  keys[160][32];
	int64_t               req[160], in[160], out[160], cost[160];
	int                   n;
};

static int
brute_any_row(const struct usage *u, void *arg)
{
	struct brute_any *b = arg;
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
	if (b->g == REPORT_MONTH || b->g == REPORT_DAY || b->g == REPORT_WEEK)
		strftime(key, sizeof(key), b->g == REPORT_MONTH ? "%Y-%m" : b->g == REPORT_DAY ?
		    "%Y-%m-%d" : "%G-W%V", &tm);
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
	struct fx *f = *state;
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
	struct brute_any b;
	char id[32], err[512];
	size_t zi, gi, fi, ri, k;
	int i, j;

	for (i = 0; i < 700; i++) {
		struct usage u;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		snprintf(id, sizeof(id), "req_%d", i);
		u = mk(models[(seed >> 20) % 4], i % 7 == 0 ? "batch" : i % 5 ? "call" : "proxy",
		    i % 3 == 0 ? "" : i % 3 == 1 ? "t1" : "t2",
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
		put(f, &u);
	}
	for (zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++) {
		use_tz(zones[zi]);
		for (gi = 0; gi < sizeof(groups) / sizeof(groups[0]); gi++)
		for (fi = 0; fi < sizeof(tags) / sizeof(tags[0]); fi++)
		for (ri = 0; ri < 2; ri++) {
			memset(&q, 0, sizeof(q));
			q.group = groups[gi];
			q.tag = tags[fi];
			q.source = sources[fi];
			q.provider = providers[fi];
			if (ri == 1) {      /* cuts a day and an hour at both ends */
				q.since_ms = base + 3 * 24 * HOUR + 5 * HOUR + 17 * 60000;
				q.until_ms = base + 95 * 24 * HOUR + 7 * HOUR + 41 * 60000;
			}
			report(f, &q, &r);
			memset(&b, 0, sizeof(b));
			b.p = f->p;
			b.g = groups[gi];
			b.tag = tags[fi];
			b.source = sources[fi];
			b.provider = providers[fi];
			assert_int_equal(store_each_usage(f->s, q.since_ms, q.until_ms != 0 ?
			    q.until_ms : INT64_MAX / 2, brute_any_row, &b, err, sizeof(err)), 0);
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

/* A price whose long line is not the rollup's 200,000 is priced from raw
 * rows: exact, and together with rollup-priced models. */
static void
test_custom_long_threshold(void **state)
{
	struct fx *f = *state;
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
	use_tz("Asia/Kolkata");
	u = mk("custom-long", "call", "", T0 + 10 * 60000, "c1");
	u.tok.input = 1500;             /* above 1,000: 1,500 × 2,000 */
	put(f, &u);
	u = mk("custom-long-20250101", "call", "", T0 + 20 * 60000, "c2");
	u.tok.input = 500;              /* 500 × 1,000 */
	put(f, &u);
	u = mk("claude-haiku-4-5", "call", "", T0 + 30 * 60000, "c3");
	u.tok.input = 1000;             /* 1,000 × 1,000 */
	put(f, &u);
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
	struct fx *f = *state;
	struct stop_row *rows;
	struct usage u;
	char err[512], id[16];
	size_t n;
	int i;

	for (i = 0; i < 6; i++) {
		snprintf(id, sizeof(id), "s%d", i);
		u = mk(i < 4 ? "claude-haiku-4-5" : "claude-sonnet-4-5", "call", "", T0 + i * HOUR, id);
		usage_strlcpy(u.tier, i % 2 ? "simple" : "", sizeof(u.tier));
		if (i == 1 || i == 3 || i == 5)
			usage_strlcpy(u.stop_reason, "max_tokens", sizeof(u.stop_reason));
		put(f, &u);
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
	/* hours starting from T0 + 2h on: rows 2..5 */
	assert_int_equal(store_max_tokens_stops(f->s, T0 + 2 * HOUR, 0, &rows, &n, err,
	    sizeof(err)), 0);
	assert_string_equal(rows[0].model, "claude-haiku-4-5");
	assert_int_equal(rows[0].max_tokens_stops, 1);
	free(rows);
}

static void
test_spend_between_and_hit(void **state)
{
	struct fx *f = *state;
	int64_t nanos = -1, req = -1, imp = -1;
	char err[512];
	struct tokens t = { 100, 50, 50, 800, 9 };
	struct tokens z = { 0, 0, 0, 0, 5 };
	struct usage u;

	seed_hand(f);
	assert_int_equal(store_spend_between(f->s, f->p, NULL, T0, T0 + 180000, &nanos, &req,
	    &imp, err, sizeof(err)), 0);
	assert_int_equal(req, 3);     /* A, B, C; D and E are later */
	assert_int_equal(nanos, 615750000LL + 1222506000LL + 12500000LL);
	assert_int_equal(imp, 0);
	assert_int_equal(store_spend_between(f->s, f->p, NULL, T0 + 180000, 0, &nanos, &req,
	    NULL, err, sizeof(err)), 0);
	assert_int_equal(req, 2);     /* D counted, priced at nothing */
	assert_int_equal(nanos, 10000000LL);
	/* by tag: only "nightly" (C) */
	assert_int_equal(store_spend_between(f->s, f->p, "nightly", T0, T0 + 180000, &nanos, &req,
	    NULL, err, sizeof(err)), 0);
	assert_int_equal(req, 1);
	assert_int_equal(nanos, 12500000LL);
	/* a row stamped with its import time is no rate: apart, not in the spend
	 * (issue 11, defect 21) */
	u = mk("claude-haiku-4-5", "import", "", T0 + 60000, "req_F");
	u.tok.input = 1000000;      /* $1 */
	u.ts_import = 1;
	put(f, &u);
	assert_int_equal(store_spend_between(f->s, f->p, NULL, T0, T0 + 180000, &nanos, &req,
	    &imp, err, sizeof(err)), 0);
	assert_int_equal(req, 3);
	assert_int_equal(nanos, 615750000LL + 1222506000LL + 12500000LL);
	assert_int_equal(imp, 1000000000LL);
	assert_int_equal(report_hit_permille(&t), 800);
	assert_int_equal(report_hit_permille(&z), 0);
	t.cache_read = 1;   /* 1/201 = 0.497% → 5 per mille */
	assert_int_equal(report_hit_permille(&t), 5);
}

/* Raw SQL on the ledger, as a hand edit or an older tokentop left it. */
static void
raw_sql(struct fx *f, const char *sql)
{
	fx_sql(f->path, sql);
}

/* Every report fails on it with a message naming the row, never a wrapped sum. */
static void
expect_fail(struct fx *f, int64_t since, int64_t until, const char *want)
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
	struct fx *f = *state;
	const char *want = "ledger row 2: input_tokens: 9223372036854775807: not a token count";
	int64_t nanos, req;
	char err[512];

	seed_hand(f);
	raw_sql(f, "UPDATE usage SET input = 9223372036854775807 WHERE request_id = 'req_B';"
	    "UPDATE rollup_hour SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_hm SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_dm SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_dt SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_ds SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_mm SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_mx SET input = 9223372036854775807 WHERE flags & 2 <> 0;"
	    "UPDATE rollup_lt SET input = 9223372036854775807 WHERE flags & 2 <> 0;");
	expect_fail(f, 0, 0, want);                        /* the rollups */
	expect_fail(f, T0 + 1, T0 + 3600000, want);        /* raw rows inside the hour */
	assert_int_equal(store_spend_between(f->s, f->p, NULL, T0, 0, &nanos, &req, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, want));
	/* a wrapped (negative) sum an older build left in a rollup cell */
	raw_sql(f, "UPDATE usage SET input = 200001 WHERE request_id = 'req_B';"
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
	struct fx *f = *state;
	struct usage u;

	seed_hand(f);
	u = mk("claude-haiku-4-5", "call", "nightly", T0 + 86400000, "req_F");  /* next day */
	u.tok.output = 1;
	put(f, &u);
	raw_sql(f, "UPDATE rollup_hour SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_hm SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_dm SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_dt SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_ds SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_mm SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_mx SET requests = 9000000, input = 9000000000000000000;"
	    "UPDATE rollup_lt SET requests = 9000000, input = 9000000000000000000;");
	expect_fail(f, 0, 0, "a sum does not fit 64 bits");
}

/* The total of [since, until) in UTC: requests and input into *req, *in. */
static void
total_of(struct fx *f, int64_t since, int64_t until, enum report_group g, int64_t *req,
         int64_t *in)
{
	struct report_query q;
	struct report r;

	memset(&q, 0, sizeof(q));
	q.group = g;
	q.since_ms = since;
	q.until_ms = until;
	report(f, &q, &r);
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
	struct fx *f = *state;
	static const enum report_group groups[] = { REPORT_TOTAL, REPORT_DAY, REPORT_MODEL };
	int64_t req, in;
	struct usage u;
	size_t i;

	use_tz("UTC");
	u = mk("claude-haiku-4-5", "call", "", T0 + 5 * 60000, "req_1");
	u.tok.input = 100;
	put(f, &u);
	u = mk("claude-haiku-4-5", "call", "", T0 + 30 * 60000, "req_2");
	u.tok.input = 200;
	put(f, &u);
	u = mk("claude-haiku-4-5", "call", "", T0 + 55 * 60000, "req_3");
	u.tok.input = 400;
	put(f, &u);
	for (i = 0; i < 2 * sizeof(groups) / sizeof(groups[0]); i++) {
		enum report_group g = groups[i % 3];

		if (i == 3)     /* the hour's cells say 1,000,000 more than its rows */
			raw_sql(f, "UPDATE rollup_hm SET input = input + 1000000;"
			    "UPDATE rollup_hour SET input = input + 1000000;"
			    "UPDATE rollup_dm SET input = input + 1000000;");
		/* a row after until in the hour: rows */
		total_of(f, T0 + 2 * 60000, T0 + 40 * 60000, g, &req, &in);
		assert_int_equal(req, 2);
		assert_int_equal(in, 300);
		total_of(f, T0 + 2 * 60000, T0 + 55 * 60000, g, &req, &in);
		assert_int_equal(req, 2);
		assert_int_equal(in, 300);
		/* a row before since in the hour: rows */
		total_of(f, T0 + 10 * 60000, T0 + 58 * 60000, g, &req, &in);
		assert_int_equal(req, 2);
		assert_int_equal(in, 600);
		/* nothing outside the range in its hour: the cells */
		total_of(f, T0 + 2 * 60000, T0 + 58 * 60000, g, &req, &in);
		assert_int_equal(req, 3);
		assert_int_equal(in, i < 3 ? 700 : 1000700);
		total_of(f, T0 - 30 * 60000, T0 + 58 * 60000, g, &req, &in);
		assert_int_equal(req, 3);
		assert_int_equal(in, i < 3 ? 700 : 1000700);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hand_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_models_order_and_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags_and_savings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_days_in_zones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_week_month_hour_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_matches_brute_force, setup, teardown),
		cmocka_unit_test_setup_teardown(test_months_match_brute_force, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offset_blocks_match_brute_force, setup, teardown),
		cmocka_unit_test_setup_teardown(test_custom_long_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_tokens_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spend_between_and_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poisoned_ledger, setup_file, teardown),
		cmocka_unit_test_setup_teardown(test_sums_past_64_bits, setup_file, teardown),
		cmocka_unit_test_setup_teardown(test_partial_hour_edges, setup_file, teardown),
	};

	return FX_RUN_BACKENDS(tests, NULL, NULL);
}
