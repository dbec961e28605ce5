/* test_synth.c — the synthetic data behind the demo and the benchmarks:
 * deterministic, plausible, and exactly as many rows as asked, where asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/pricing.h"
#include "data/store.h"
#include "tui/synth.h"

static const char *const tags[] = { "web", "etl", NULL };

static void
same_seed_same_rows(void **state)
{
	struct synth_mix m = { .batch_permille = 150, .import_permille = 250,
	    .unpriced_permille = 10, .tagged_permille = 500, .tags = tags, .run = 7 };
	struct synth_rng a, b;
	struct usage ua, ub;
	int i;

	(void)state;
	synth_seed(&a, 99);
	synth_seed(&b, 99);
	for (i = 0; i < 1000; i++) {
		synth_row(&a, &m, 1000 + i, (uint64_t)i, &ua);
		synth_row(&b, &m, 1000 + i, (uint64_t)i, &ub);
		assert_memory_equal(&ua, &ub, sizeof(ua));
	}
	synth_seed(&b, 100);
	synth_row(&b, &m, 1000, 0, &ub);
	synth_seed(&a, 99);
	synth_row(&a, &m, 1000, 0, &ua);
	assert_true(memcmp(&ua.tok, &ub.tok, sizeof(ua.tok)) != 0 ||
	    strcmp(ua.model, ub.model) != 0);
}

/* Every row is a valid ledger row: known model or the unpriced one, ids for
 * dedupe, batch rows with batch id + custom_id, non-negative buckets. */
static void
rows_are_plausible(void **state)
{
	struct synth_mix m = { .batch_permille = 200, .import_permille = 200,
	    .unpriced_permille = 20, .tagged_permille = 500, .tags = tags, .run = 1 };
	struct synth_rng r;
	struct usage u;
	int i, j, batch = 0, unpriced = 0, tagged = 0, reads = 0, known;

	(void)state;
	synth_seed(&r, 5);
	for (i = 0; i < 20000; i++) {
		synth_row(&r, &m, 0, (uint64_t)i, &u);
		known = strcmp(u.model, synth_unpriced_model) == 0;
		unpriced += known;
		for (j = 0; j < SYNTH_NMODELS; j++)
			known |= strcmp(u.model, synth_models[j]) == 0;
		assert_true(known);
		assert_true(u.message_id[0] != '\0');
		assert_true(u.tok.input > 0 && u.tok.output > 0);
		assert_true(u.tok.write_5m >= 0 && u.tok.write_1h >= 0 && u.tok.cache_read >= 0);
		if (usage_is_batch(&u)) {
			batch++;
			assert_string_equal(u.source, "batch");
			assert_true(u.batch_id[0] != '\0' && u.custom_id[0] != '\0');
		}
		tagged += u.tag[0] != '\0';
		reads += u.tok.cache_read > 0;
	}
	/* the shares asked for, within sampling noise */
	assert_in_range(batch, 3400, 4600);
	assert_in_range(unpriced, 250, 550);
	assert_in_range(tagged, 9000, 11000);
	assert_in_range(reads, 10000, 15000);
}

/* A fleet's mix (bench/gen_ledger): proxied calls, routing tiers, priority,
 * fast mode on the model that has it, US inference; ids as long as the
 * API's that sort in the order rows were made. */
static void
fleet_rows(void **state)
{
	struct synth_mix m = { .batch_permille = 150, .import_permille = 250, .tags = tags,
	    .tagged_permille = 800, .run = 3, .proxy_permille = 400, .routed_permille = 300,
	    .priority_permille = 30, .fast_permille = 50, .us_permille = 40, .api_ids = 1 };
	struct synth_rng r;
	struct usage u;
	char prev[USAGE_ID_MAX] = "";
	int i, proxy = 0, routed = 0, priority = 0, fast = 0, us = 0;

	(void)state;
	synth_seed(&r, 5);
	for (i = 0; i < 20000; i++) {
		synth_row(&r, &m, 1000, (uint64_t)i, &u);
		assert_int_equal(strlen(u.message_id), strlen("msg_01") + 22);
		assert_int_equal(strncmp(u.message_id, "msg_01", 6), 0);
		assert_true(strcmp(prev, u.message_id) < 0);
		usage_strlcpy(prev, u.message_id, sizeof(prev));
		if (strcmp(u.source, "batch") == 0) {
			assert_int_equal(strlen(u.batch_id), strlen("msgbatch_01") + 22);
			assert_string_equal(u.tier, "");
		} else {
			assert_int_equal(strlen(u.request_id), strlen("req_011C") + 20);
		}
		proxy += strcmp(u.source, "proxy") == 0;
		routed += u.tier[0] != '\0';
		priority += strcmp(u.service_tier, "priority") == 0;
		if (strcmp(u.speed, "fast") == 0) {
			assert_string_equal(u.model, "claude-opus-4-6");
			fast++;
		}
		us += strcmp(u.inference_geo, "us") == 0;
	}
	assert_in_range(proxy, 4000, 5600);      /* 40% of the 60% direct calls */
	assert_in_range(routed, 3000, 5000);
	assert_in_range(priority, 300, 700);
	assert_in_range(fast, 40, 200);
	assert_in_range(us, 600, 1000);
}

/* Slices of the text pool are valid JSON string contents (no escape or
 * UTF-8 character cut), near the asked length. */
static void
pool_slices_are_json(void **state)
{
	struct synth_rng r;
	size_t n, s, e, len;
	char *pool, *doc;
	json_t *j;
	int i;

	(void)state;
	synth_seed(&r, 3);
	pool = synth_pool(&r, 1 << 18, &n);
	assert_non_null(pool);
	assert_true(n >= (1 << 18));
	for (i = 0; i < 2000; i++) {
		len = (size_t)synth_logu(&r, 1, 20000);
		synth_slice(&r, pool, n, len, &s, &e);
		assert_true(s <= e && e <= n);
		assert_true(e - s + 64 >= len);
		doc = malloc(e - s + 3);
		assert_non_null(doc);
		doc[0] = '"';
		memcpy(doc + 1, pool + s, e - s);
		doc[e - s + 1] = '"';
		doc[e - s + 2] = '\0';
		j = json_loads(doc, JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		json_decref(j);
		free(doc);
	}
	free(pool);
}

static void
log_uniform_in_bounds(void **state)
{
	struct synth_rng r;
	int64_t v, lo_seen = INT64_MAX, hi_seen = 0;
	int i;

	(void)state;
	synth_seed(&r, 11);
	for (i = 0; i < 100000; i++) {
		v = synth_logu(&r, 10, 1000);
		assert_in_range(v, 10, 1000);
		lo_seen = v < lo_seen ? v : lo_seen;
		hi_seen = v > hi_seen ? v : hi_seen;
		assert_in_range(synth_below(&r, 7), 0, 6);
	}
	assert_true(lo_seen < 12 && hi_seen > 950);
	assert_int_equal(synth_below(&r, 0), 0);
}

struct span {
	int64_t n, min, max, batch;
};

static int
count_row(const struct usage *u, void *arg)
{
	struct span *sp = arg;

	sp->n++;
	sp->min = u->ts_ms < sp->min ? u->ts_ms : sp->min;
	sp->max = u->ts_ms > sp->max ? u->ts_ms : sp->max;
	sp->batch += u->batch_id[0] != '\0';
	return 0;
}

/* Exactly the rows asked for, all inside the days asked for and before
 * end_ms, through the store; a second fill with the same seed adds none. */
static void
fill_ledger_exact(void **state)
{
	struct synth_fill f;
	struct synth_rng r;
	struct span sp = { 0, INT64_MAX, 0, 0 };
	struct store *s;
	uint64_t added;
	char err[256];
	int64_t n;

	(void)state;
	s = store_open(":memory:", err, sizeof(err));
	assert_non_null(s);
	memset(&f, 0, sizeof(f));
	f.rows = 5000;
	f.days = 30;
	f.end_ms = (int64_t)time(NULL) * 1000;
	f.chunk = 700;
	f.mix.batch_permille = 150;
	f.mix.tags = tags;
	f.mix.tagged_permille = 500;
	f.mix.run = 1;
	synth_seed(&r, 1);
	assert_int_equal(synth_fill_ledger(s, &r, &f, &added, err, sizeof(err)), 0);
	assert_int_equal(added, 5000);
	assert_int_equal(store_count_usage(s, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 5000);
	assert_int_equal(store_each_usage(s, 0, 0, count_row, &sp, err, sizeof(err)), 0);
	assert_int_equal(sp.n, 5000);
	assert_true(sp.max < f.end_ms);
	assert_true(sp.min >= f.end_ms - 31LL * 86400000);
	assert_true(sp.max - sp.min > 25LL * 86400000);   /* spread over the month */
	assert_true(sp.batch > 500);
	synth_seed(&r, 1);
	assert_int_equal(synth_fill_ledger(s, &r, &f, &added, err, sizeof(err)), 0);
	assert_int_equal(added, 0);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_seed_same_rows),
		cmocka_unit_test(rows_are_plausible),
		cmocka_unit_test(fleet_rows),
		cmocka_unit_test(pool_slices_are_json),
		cmocka_unit_test(log_uniform_in_bounds),
		cmocka_unit_test(fill_ledger_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
