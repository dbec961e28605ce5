/* test_pricing_at.c — prices by date (core/pricing_at.c): "since" entries,
 * the entry in force at a time, rows on both sides of a price change priced
 * to the nano-dollar, the errors of overlapping dates, and the server tools'
 * per-use rate (web search: $10 per 1,000). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/pricing.h"
#include "tests/lib/fx.h"

#define M 1000000LL                 /* pico-dollars per token of $1/MTok */

#define HEAD "{\"batch_factor\":{\"num\":1,\"den\":2},"
#define RATES(in, out) "\"input\":\"" in "\",\"write_5m\":\"1\",\"write_1h\":\"1\"," \
	"\"cache_read\":\"0.1\",\"output\":\"" out "\""

/* claude-x: $3/$15 from the beginning, $4/$20 from 2026-03-01, $2/$10 from
 * 2026-06-01 (listed out of order: the loader orders them). */
static const char dated[] = HEAD "\"models\":["
	"{\"id\":\"claude-x\",\"since\":\"2026-06-01\"," RATES("2", "10") "},"
	"{\"id\":\"claude-y\"," RATES("1", "5") "},"
	"{\"id\":\"claude-x\",\"aliases\":[\"x-alias\"]," RATES("3", "15") "},"
	"{\"id\":\"claude-x\",\"since\":\"2026-03-01\"," RATES("4", "20") "}],"
	"\"server_tools\":[{\"id\":\"web_search\",\"usd_per_1000\":\"10\"},"
	"{\"id\":\"web_search\",\"usd_per_1000\":\"12.5\",\"since\":\"2026-06-01\"}]}";

static int64_t
ms_of(const char *rfc3339)
{
	int64_t ms;

	if (usage_parse_time(rfc3339, &ms) != 0)
		fail_msg("bad time %s", rfc3339);
	return ms;
}

static struct usage
row_at(const char *model, const char *when, int64_t in, int64_t out, int64_t searches)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	usage_strlcpy(u.model, model, sizeof(u.model));
	usage_strlcpy(u.source, "call", sizeof(u.source));
	u.ts_ms = ms_of(when);
	u.tok.input = in;
	u.tok.output = out;
	u.web_search_requests = searches;
	return u;
}

static int64_t
cost_of(const struct pricing *p, const struct usage *u)
{
	int64_t n = -7;

	if (pricing_usage_cost(p, u, &n) != 0)
		fail_msg("%s unpriced", u->model);
	return n;
}

static void
test_entry_in_force(void **state)
{
	char err[256];
	struct pricing *p = pricing_parse(dated, "t.json", err, sizeof(err));
	const struct model_price *mp;

	(void)state;
	if (p == NULL)
		fail_msg("%s", err);
	assert_true(pricing_has_dates(p));
	/* the entries of an id together, by date, ids in the order they came */
	assert_int_equal(pricing_count(p), 4);
	assert_string_equal(pricing_at(p, 0)->id, "claude-x");
	assert_int_equal(pricing_at(p, 0)->base.input, 3 * M);
	assert_int_equal(pricing_at(p, 1)->base.input, 4 * M);
	assert_int_equal(pricing_at(p, 2)->base.input, 2 * M);
	assert_string_equal(pricing_at(p, 3)->id, "claude-y");

	mp = pricing_find_at(p, "claude-x", ms_of("2025-01-01T00:00:00Z"));
	assert_int_equal(mp->base.input, 3 * M);
	mp = pricing_find_at(p, "claude-x", ms_of("2026-02-28T23:59:59.999Z"));
	assert_int_equal(mp->base.input, 3 * M);
	mp = pricing_find_at(p, "claude-x-20260301", ms_of("2026-03-01T00:00:00Z"));
	assert_int_equal(mp->base.input, 4 * M);       /* dated ids resolve alike */
	mp = pricing_find_at(p, "x-alias", ms_of("2026-05-31T23:59:59.999Z"));
	assert_int_equal(mp->base.input, 4 * M);       /* an alias of any entry of the id */
	mp = pricing_find_at(p, "claude-x", ms_of("2026-06-01T00:00:00Z"));
	assert_int_equal(mp->base.input, 2 * M);
	assert_true(pricing_in_force(p, mp, ms_of("2030-01-01T00:00:00Z")));
	assert_false(pricing_in_force(p, pricing_at(p, 0), ms_of("2026-03-01T00:00:00Z")));
	assert_true(pricing_in_force(p, pricing_at(p, 0), ms_of("2026-02-01T00:00:00Z")));
	/* pricing_find is the entry in force now (after 2026-06-01) */
	assert_int_equal(pricing_find(p, "claude-x")->base.input, 2 * M);
	assert_null(pricing_find_at(p, "claude-z", 0));
	pricing_free(p);
}

/* A price change by date: rows on both sides priced to the nano-dollar. */
static void
test_change_by_date(void **state)
{
	char err[256];
	struct pricing *p = pricing_parse(dated, "t.json", err, sizeof(err));
	struct usage u;

	(void)state;
	assert_non_null(p);
	/* 1,000,000 input + 100,000 output tokens:
	 * before 2026-03-01: 1M × $3/MTok + 0.1M × $15/MTok = $3 + $1.50 = $4.50 */
	u = row_at("claude-x", "2026-02-28T23:59:59.999Z", 1000000, 100000, 0);
	assert_int_equal(cost_of(p, &u), 4500000000LL);
	/* from 2026-03-01: $4 + $2 = $6 */
	u = row_at("claude-x", "2026-03-01T00:00:00.000Z", 1000000, 100000, 0);
	assert_int_equal(cost_of(p, &u), 6000000000LL);
	/* from 2026-06-01: $2 + $1 = $3 */
	u = row_at("claude-x", "2026-06-01T00:00:00.000Z", 1000000, 100000, 0);
	assert_int_equal(cost_of(p, &u), 3000000000LL);
	/* a model without dates is the same at any time */
	u = row_at("claude-y", "2026-06-01T00:00:00.000Z", 7, 0, 0);
	assert_int_equal(cost_of(p, &u), 7000);       /* 7 × $1/MTok = 7,000 nanos */
	pricing_free(p);
}

/* Web search: $10 per 1,000 searches on top of tokens, dated like models. */
static void
test_web_search_cost(void **state)
{
	char err[256], path[1024];
	const char *dir = getenv("TOKENTOP_DATADIR");
	struct pricing *p;
	struct usage u;
	int64_t rate, n;

	(void)state;
	snprintf(path, sizeof(path), "%s/prices.json", dir != NULL ? dir : "share");
	p = pricing_load(path, NULL, err, sizeof(err));
	if (p == NULL)
		fail_msg("%s", err);
	assert_int_equal(pricing_tool_rate(p, PRICING_TOOL_WEB_SEARCH, 0, &rate), 0);
	assert_int_equal(rate, 10000000000LL);        /* $10 per 1,000 in nanos */
	/* claude-sonnet-4-5, 1,000 input ($0.003) + 100 output ($0.0015) + 3
	 * searches ($0.03): 3,000,000 + 1,500,000 + 30,000,000 nanos */
	u = row_at("claude-sonnet-4-5", "2026-11-01T00:00:00Z", 1000, 100, 3);
	assert_int_equal(cost_of(p, &u), 34500000LL);
	assert_int_equal(pricing_usage_tool_cost(p, &u, &n), 0);
	assert_int_equal(n, 30000000LL);
	/* web fetch and code execution add nothing */
	u.web_fetch_requests = 5;
	u.code_execution_requests = 2;
	assert_int_equal(cost_of(p, &u), 34500000LL);
	pricing_free(p);

	/* dated tool rates: 12.50 per 1,000 from 2026-06-01; one search is
	 * $0.0125 = 12,500,000 nanos; before it $0.01 */
	p = pricing_parse(dated, "t.json", err, sizeof(err));
	assert_non_null(p);
	u = row_at("claude-y", "2026-05-31T23:59:59.999Z", 0, 0, 1);
	assert_int_equal(cost_of(p, &u), 10000000LL);
	u = row_at("claude-y", "2026-06-01T00:00:00Z", 0, 0, 1);
	assert_int_equal(cost_of(p, &u), 12500000LL);
	/* half up, and the largest counts stay exact */
	assert_int_equal(pricing_tool_cost(1, 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pricing_tool_cost(500, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pricing_tool_cost(USAGE_COUNT_MAX / 10, 10000000000LL, &n), 0);
	assert_int_equal(n, 1000000000000000000LL);   /* 10^11 searches: $10^9 */
	assert_int_equal(pricing_tool_cost(USAGE_COUNT_MAX, 10000000000LL, &n), -1);
	assert_int_equal(n, INT64_MAX);               /* $10^10: past int64, saturated */
	assert_int_equal(pricing_tool_cost(-1, 1, &n), -1);
	pricing_free(p);
}

/* Overlapping dates are errors naming the file and the model; a user
 * file's entry replaces the same id and date, or adds a date. */
static void
test_overlaps_and_overlay(void **state)
{
	static const struct {
		const char *json;
		const char *want;
	} bad[] = {
		{ HEAD "\"models\":[{\"id\":\"m1\"," RATES("1", "1") "},"
		  "{\"id\":\"m1\"," RATES("2", "2") "}]}",
		  "t.json: models[1]: model m1: no since date overlaps models[0]" },
		{ HEAD "\"models\":[{\"id\":\"m1\",\"since\":\"2026-01-02\"," RATES("1", "1") "},"
		  "{\"id\":\"m2\"," RATES("1", "1") "},"
		  "{\"id\":\"m1\",\"since\":\"2026-01-02\"," RATES("2", "2") "}]}",
		  "t.json: models[2]: model m1: since 2026-01-02 overlaps models[0]" },
		{ HEAD "\"models\":[{\"id\":\"m1\",\"since\":\"2026-02-30\"," RATES("1", "1") "}]}",
		  "t.json: models[0].since: not a date YYYY-MM-DD: \"2026-02-30\"" },
		{ HEAD "\"models\":[{\"id\":\"m1\",\"since\":\"2026-01-02T00:00:00Z\","
		  RATES("1", "1") "}]}", "models[0].since: not a date" },
		{ HEAD "\"models\":[],\"server_tools\":[{\"id\":\"web_search\",\"usd_per_1000\":\"1\"},"
		  "{\"id\":\"web_search\",\"usd_per_1000\":\"2\"}]}",
		  "t.json: server_tools[1]: web_search: no since date given twice" },
		{ HEAD "\"models\":[],\"server_tools\":[{\"id\":\"web_fetch\",\"usd_per_1000\":\"1\"}]}",
		  "server_tools[0].id: not a priced server tool" },
		{ HEAD "\"models\":[],\"server_tools\":[{\"id\":\"web_search\",\"usd_per_1000\":10}]}",
		  "server_tools[0].usd_per_1000: not a decimal string" },
	};
	char shipped[512], user[512], err[512];
	struct pricing *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = pricing_parse(bad[i].json, "t.json", err, sizeof(err));
		if (p != NULL || strstr(err, bad[i].want) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, p != NULL ? "(loaded)" : err,
			    bad[i].want);
	}

	snprintf(shipped, sizeof(shipped), "%s", fx_write_file("shipped.json", dated));
	/* the user's 2026-03-01 entry replaces the shipped one; 2026-09-01 adds */
	snprintf(user, sizeof(user), "%s", fx_write_file("prices.json", "{\"models\":[{\"id\":\"claude-x\",\"since\":\"2026-03-01\","
	    RATES("5", "25") "},{\"id\":\"claude-x\",\"since\":\"2026-09-01\"," RATES("7", "35") "}]}"));
	p = pricing_load(shipped, user, err, sizeof(err));
	if (p == NULL)
		fail_msg("%s", err);
	assert_int_equal(pricing_count(p), 5);
	assert_int_equal(pricing_find_at(p, "claude-x", ms_of("2026-01-01T00:00:00Z"))->base.input,
	    3 * M);
	assert_int_equal(pricing_find_at(p, "claude-x", ms_of("2026-03-01T00:00:00Z"))->base.input,
	    5 * M);
	assert_int_equal(pricing_find_at(p, "claude-x", ms_of("2026-06-01T00:00:00Z"))->base.input,
	    2 * M);
	assert_int_equal(pricing_find_at(p, "claude-x", ms_of("2026-09-01T00:00:00Z"))->base.input,
	    7 * M);
	pricing_free(p);

	/* the same date twice in the user file: the error names that file */
	fx_write_file("prices.json", "{\"models\":[{\"id\":\"claude-x\",\"since\":\"2026-09-01\","
	    RATES("5", "25") "},{\"id\":\"claude-x\",\"since\":\"2026-09-01\"," RATES("7", "35") "}]}");
	p = pricing_load(shipped, user, err, sizeof(err));
	assert_null(p);
	assert_non_null(strstr(err, user));
	assert_non_null(strstr(err, "model claude-x: since 2026-09-01 overlaps models[0]"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_in_force),
		cmocka_unit_test(test_change_by_date),
		cmocka_unit_test(test_web_search_cost),
		cmocka_unit_test(test_overlaps_and_overlay),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
