/* test_report_attr.c — the reports of issue 16 against a brute force over the
 * raw rows: by project and by key (rollup_hp / rollup_hk, and the raw rows
 * where bounds cut hours or a tag filter applies), and every grouping under
 * prices that change by date (each row priced by the entries in force at its
 * time), web search cost included, to the nano-dollar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "data/store.h"
#include "tests/lib/fx_db.h"

#define HOUR 3600000LL
#define BASE 1772236800000LL      /* 2026-02-28T00:00Z; the prices change 2026-03-01 */

/* sonnet-4-5 $3/$15 until 2026-03-01, then $4/$20 (its long tier only
 * before); haiku undated; web search $10 per 1,000, then $20. */
static const char prices_json[] =
	"{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	"{\"id\":\"claude-sonnet-4-5\",\"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\","
	" \"cache_read\":\"0.30\",\"output\":\"15\",\"long\":{\"threshold\":200000,\"input\":\"6\","
	" \"write_5m\":\"7.50\",\"write_1h\":\"12\",\"cache_read\":\"0.60\",\"output\":\"22.50\"}},"
	"{\"id\":\"claude-sonnet-4-5\",\"since\":\"2026-03-01\",\"input\":\"4\",\"write_5m\":\"5\","
	" \"write_1h\":\"8\",\"cache_read\":\"0.40\",\"output\":\"20\"},"
	"{\"id\":\"claude-haiku-4-5\",\"input\":\"1\",\"write_5m\":\"1.25\",\"write_1h\":\"2\","
	" \"cache_read\":\"0.10\",\"output\":\"5\"}],"
	"\"server_tools\":[{\"id\":\"web_search\",\"usd_per_1000\":\"10\"},"
	"{\"id\":\"web_search\",\"usd_per_1000\":\"20\",\"since\":\"2026-03-01\"}]}";

struct brute {
	enum report_group g;
	const struct pricing *p;
	const char *tag;
	char        keys[64][32];
	int64_t     req[64], cost[64], tool[64], ws[64];
	int         n;
};

static int
brute_row(const struct usage *u, void *arg)
{
	struct brute *b = arg;
	const char *key = b->g == REPORT_PROJECT ? u->project : b->g == REPORT_KEY ? u->key_fp :
	    b->g == REPORT_MODEL ? "claude-sonnet-4-5" : "";
	char day[16];
	int64_t c = 0, t = 0;
	int i;

	if (b->tag != NULL && strcmp(u->tag, b->tag) != 0)
		return 0;
	if (b->g == REPORT_MODEL && strncmp(u->model, "claude-sonnet", 13) != 0)
		key = u->model;
	if (b->g == REPORT_DAY) {
		snprintf(day, sizeof(day), "2026-0%d-%02d", u->ts_ms < BASE + 24 * HOUR ? 2 : 3,
		    u->ts_ms < BASE + 24 * HOUR ? 28 : (int)((u->ts_ms - BASE) / (24 * HOUR)));
		key = day;
	}
	for (i = 0; i < b->n && strcmp(b->keys[i], key) != 0; i++)
		;
	if (i == b->n) {
		assert_true(b->n < 64);
		snprintf(b->keys[b->n++], sizeof(b->keys[0]), "%s", key);
	}
	assert_int_equal(pricing_usage_cost(b->p, u, &c), 0);
	assert_int_equal(pricing_usage_tool_cost(b->p, u, &t), 0);
	b->req[i]++;
	b->cost[i] += c;
	b->tool[i] += t;
	b->ws[i] += u->web_search_requests;
	return 0;
}

static void
test_matches_brute_force(void **state)
{
	static const char *const projects[] = { "", "api", "web", "한글-repo" };
	static const char *const keys[] = { "", "…WXYZ-1a2b3c4d", "…QRST-5e6f7a8b" };
	static const enum report_group groups[] = { REPORT_PROJECT, REPORT_KEY, REPORT_MODEL,
	    REPORT_DAY, REPORT_TOTAL };
	struct pricing *p;
	struct store *s;
	struct report_query q;
	struct report r;
	struct usage u;
	struct brute b;
	char err[512];
	uint64_t seed = 7;
	size_t gi, bi, k;
	int i, j;

	(void)state;
	setenv("TZ", "UTC", 1);
	p = pricing_parse(prices_json, "test", err, sizeof(err));
	if (p == NULL)
		fail_msg("%s", err);
	assert_true(pricing_has_dates(p));
	s = store_open(fx_ledger(), err, sizeof(err));
	assert_non_null(s);
	for (i = 0; i < 600; i++) {     /* two days around the change, minutes apart */
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		memset(&u, 0, sizeof(u));
		u.ts_ms = BASE + (int64_t)((seed >> 33) % (2 * 24 * 60)) * 60000 +
		    (int64_t)(seed % 60000);
		usage_strlcpy(u.model, i % 3 ? "claude-sonnet-4-5-20250929" : "claude-haiku-4-5",
		    sizeof(u.model));
		usage_strlcpy(u.source, i % 5 ? "import" : "proxy", sizeof(u.source));
		usage_strlcpy(u.tag, i % 4 ? "" : "t1", sizeof(u.tag));
		snprintf(u.request_id, sizeof(u.request_id), "req_%d", i);
		usage_strlcpy(u.project, projects[(seed >> 12) % 4], sizeof(u.project));
		usage_strlcpy(u.key_fp, keys[(seed >> 16) % 3], sizeof(u.key_fp));
		u.tok.input = 1 + (int64_t)((seed >> 8) % 1000);
		u.tok.output = 1 + (int64_t)((seed >> 4) % 100);
		if (i % 40 == 0)
			u.tok.input = 250000;                 /* long context (before the change) */
		u.web_search_requests = (int64_t)((seed >> 24) % 3);
		u.code_execution_requests = (int64_t)((seed >> 26) % 2);
		assert_int_equal(store_insert_usage(s, &u, NULL, err, sizeof(err)), 0);
	}
	for (gi = 0; gi < sizeof(groups) / sizeof(groups[0]); gi++) {
		for (bi = 0; bi < 3; bi++) {
			memset(&q, 0, sizeof(q));
			q.group = groups[gi];
			/* whole hours (the rollups), bounds that cut hours, a tag */
			q.since_ms = bi == 0 ? BASE - 24 * HOUR : BASE + 7 * HOUR + 13 * 60000;
			q.until_ms = bi == 0 ? BASE + 3 * 24 * HOUR : BASE + 40 * HOUR + 1234;
			q.tag = bi == 2 ? "t1" : NULL;
			if (store_report(s, p, &q, &r, err, sizeof(err)) != 0)
				fail_msg("report: %s", err);
			memset(&b, 0, sizeof(b));
			b.g = groups[gi];
			b.p = p;
			b.tag = q.tag;
			assert_int_equal(store_each_usage(s, q.since_ms, q.until_ms, brute_row, &b,
			    err, sizeof(err)), 0);
			if (q.group == REPORT_TOTAL) {
				for (j = 1; j < b.n; j++)
					b.cost[0] += b.cost[j], b.tool[0] += b.tool[j];
				assert_int_equal(r.totals.cost_nanos, b.cost[0]);
				assert_int_equal(r.totals.tool_cost_nanos, b.tool[0]);
				store_report_free(&r);
				continue;
			}
			assert_int_equal((int)r.nrows, b.n);
			for (k = 0; k < r.nrows; k++) {
				for (j = 0; j < b.n && strcmp(b.keys[j], r.rows[k].key) != 0; j++)
					;
				if (j == b.n)
					fail_msg("group %d: key '%s' not in brute force", (int)gi,
					    r.rows[k].key);
				assert_int_equal(r.rows[k].requests, b.req[j]);
				assert_int_equal(r.rows[k].cost_nanos, b.cost[j]);
				assert_int_equal(r.rows[k].tool_cost_nanos, b.tool[j]);
				assert_int_equal(r.rows[k].web_search_requests, b.ws[j]);
			}
			store_report_free(&r);
		}
	}
	store_close(s);
	pricing_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_brute_force),
	};

	return FX_RUN_BACKENDS(tests, NULL, NULL);
}
