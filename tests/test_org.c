/* test_org.c — the organisation tables (data/org.c): a re-sync replaces its
 * range and never doubles, rows outside the range stay, a refused replace
 * changes nothing, and the report's per-day / per-model totals with the
 * pricing cross-check (batch at half price). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "data/store.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

#define DAY   86400000LL
#define NOV27 1795737600000LL              /* 2026-11-27T00:00:00Z */

static const char prices[] =
    "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
    "{\"id\":\"claude-sonnet-4-5\",\"aliases\":[\"claude-sonnet-4-5-20250929\"],"
    "\"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\",\"cache_read\":\"0.30\","
    "\"output\":\"15\"},"
    "{\"id\":\"claude-haiku-4-5\",\"input\":\"1\",\"write_5m\":\"1.25\",\"write_1h\":\"2\","
    "\"cache_read\":\"0.10\",\"output\":\"5\"}]}";

static struct org_usage
urow(int64_t at, int width, const char *model, const char *key, const char *tier,
     int64_t in, int64_t out)
{
	struct org_usage u;

	memset(&u, 0, sizeof(u));
	u.bucket_ms = at;
	u.width_s = width;
	usage_strlcpy(u.model, model, sizeof(u.model));
	usage_strlcpy(u.api_key_id, key, sizeof(u.api_key_id));
	usage_strlcpy(u.service_tier, tier, sizeof(u.service_tier));
	u.tok.input = in;
	u.tok.output = out;
	return u;
}

static struct org_cost
crow(int64_t at, const char *model, const char *type, int64_t nanos)
{
	struct org_cost c;

	memset(&c, 0, sizeof(c));
	c.bucket_ms = at;
	usage_strlcpy(c.model, model, sizeof(c.model));
	usage_strlcpy(c.token_type, type, sizeof(c.token_type));
	snprintf(c.description, sizeof(c.description), "%s %s", model, type);
	usage_strlcpy(c.service_tier, "standard", sizeof(c.service_tier));
	c.amount_nanos = nanos;
	return c;
}

static void
report(struct store *s, const struct pricing *p, int64_t a, int64_t b, struct org_report *r)
{
	char err[256];

	if (store_org_report(s, p, a, b, r, err, sizeof(err)) != 0)
		fail_msg("store_org_report: %s", err);
}

static void
test_replace_not_double(void **state)
{
	struct org_usage u[3] = {
		urow(NOV27 - DAY, 86400, "claude-sonnet-4-5", "k1", "standard", 1000, 10),
		urow(NOV27 + 60000, 60, "claude-sonnet-4-5", "k1", "standard", 200, 2),
		urow(NOV27 + 60000, 60, "claude-sonnet-4-5", "k2", "standard", 5, 1),
	};
	struct org_cost c[2] = {
		crow(NOV27 - DAY, "claude-sonnet-4-5", "uncached_input_tokens", 3000000),
		crow(NOV27, "claude-sonnet-4-5", "output_tokens", 45000),
	};
	struct org_usage old = urow(NOV27 - 3 * DAY, 86400, "claude-haiku-4-5", "k9", "standard",
	    7, 7);
	struct store *s;
	struct org_report r;
	char err[256];
	int64_t synced, a, b;
	int i, found;

	(void)state;
	assert_non_null(s = store_open(fx_ledger(), err, sizeof(err)));
	assert_int_equal(store_org_last_sync(s, &synced, &a, &b, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 0);
	/* a day before the synced range, from an older sync */
	assert_int_equal(store_org_replace(s, NOV27 - 3 * DAY, NOV27 - 2 * DAY, 1, &old, 1, NULL,
	    0, err, sizeof(err)), 0);
	/* the same sync three times: the same totals every time */
	for (i = 0; i < 3; i++) {
		assert_int_equal(store_org_replace(s, NOV27 - DAY, NOV27 + 3600000, 100 + i, u, 3,
		    c, 2, err, sizeof(err)), 0);
		report(s, NULL, 0, 0, &r);
		assert_int_equal(r.totals.tok.input, 1000 + 200 + 5 + 7);
		assert_int_equal(r.totals.tok.output, 10 + 2 + 1 + 7);
		assert_int_equal(r.totals.cost_nanos, 3000000 + 45000);
		assert_int_equal(r.ndays, 3);
		store_org_report_free(&r);
	}
	assert_int_equal(store_org_last_sync(s, &synced, &a, &b, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 1);
	assert_int_equal(synced, 102);
	assert_int_equal(a, NOV27 - DAY);
	assert_int_equal(b, NOV27 + 3600000);

	/* a later sync of the same range with fewer rows: the dropped row is gone
	 * (today's minutes re-read as they now are) */
	u[1].tok.input = 300;
	assert_int_equal(store_org_replace(s, NOV27 - DAY, NOV27 + 3600000, 200, u, 2, c, 1, err,
	    sizeof(err)), 0);
	report(s, NULL, 0, 0, &r);
	assert_int_equal(r.totals.tok.input, 1000 + 300 + 7);
	assert_int_equal(r.totals.cost_nanos, 3000000);
	store_org_report_free(&r);

	/* a record outside the range is refused and nothing changes */
	u[0].bucket_ms = NOV27 - 2 * DAY;
	assert_int_equal(store_org_replace(s, NOV27 - DAY, NOV27 + 3600000, 300, u, 3, c, 2, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "outside the synced range"));
	assert_int_equal(store_org_replace(s, NOV27, NOV27, 300, NULL, 0, NULL, 0, err,
	    sizeof(err)), -1);
	report(s, NULL, 0, 0, &r);
	assert_int_equal(r.totals.tok.input, 1000 + 300 + 7);
	store_org_report_free(&r);
	assert_int_equal(store_org_last_sync(s, &synced, &a, &b, &found, err, sizeof(err)), 0);
	assert_int_equal(synced, 200);

	/* the same bucket × group twice in one sync is summed, not refused */
	u[2] = u[1];
	u[0].bucket_ms = NOV27 - DAY;
	assert_int_equal(store_org_replace(s, NOV27 - DAY, NOV27 + 3600000, 400, u, 3, c, 2, err,
	    sizeof(err)), 0);
	report(s, NULL, NOV27, NOV27 + DAY, &r);
	assert_int_equal(r.totals.tok.input, 600);
	store_org_report_free(&r);
	store_close(s);
}

static void
test_report_days_models(void **state)
{
	struct org_usage u[4] = {
		urow(NOV27 - DAY, 86400, "claude-sonnet-4-5-20250929", "k1", "standard",
		    1000000, 0),
		urow(NOV27 + 60000, 60, "claude-sonnet-4-5-20250929", "k1", "batch", 1000000,
		    1000000),
		urow(NOV27 + 120000, 60, "claude-haiku-4-5", "k2", "standard", 0, 1000000),
		urow(NOV27 + 180000, 60, "claude-unknown-9", "k2", "standard", 40, 2),
	};
	struct org_cost c[3] = {
		crow(NOV27 - DAY, "claude-sonnet-4-5-20250929", "uncached_input_tokens",
		    3000000000LL),
		crow(NOV27, "claude-sonnet-4-5-20250929", "output_tokens", 7500000000LL),
		crow(NOV27, "claude-haiku-4-5", "output_tokens", 5000000000LL),
	};
	struct pricing *p;
	struct store *s;
	struct org_report r;
	char err[256];

	(void)state;
	assert_non_null(p = pricing_parse(prices, "test", err, sizeof(err)));
	assert_non_null(s = store_open(fx_ledger(), err, sizeof(err)));
	assert_int_equal(store_org_replace(s, NOV27 - DAY, NOV27 + DAY, 1, u, 4, c, 3, err,
	    sizeof(err)), 0);
	report(s, p, 0, 0, &r);
	assert_int_equal(r.ndays, 2);
	assert_string_equal(r.days[0].key, "2026-11-26");
	assert_string_equal(r.days[1].key, "2026-11-27");
	assert_int_equal(r.days[0].cost_nanos, 3000000000LL);
	assert_int_equal(r.days[0].priced_nanos, 3000000000LL);
	/* batch sonnet: (1M × $3 + 1M × $15) / 2 = $9; haiku 1M out = $5 */
	assert_int_equal(r.days[1].priced_nanos, 14000000000LL);
	assert_int_equal(r.days[1].cost_nanos, 12500000000LL);
	assert_int_equal(r.days[1].unpriced_tokens, 42);
	assert_int_equal(r.totals.priced_nanos, 17000000000LL);
	assert_int_equal(r.totals.cost_nanos, 15500000000LL);
	/* models by cost, desc */
	assert_int_equal(r.nmodels, 3);
	assert_string_equal(r.models[0].key, "claude-sonnet-4-5");   /* canonical */
	assert_int_equal(r.models[0].cost_nanos, 10500000000LL);
	assert_int_equal(r.models[0].tok.input, 2000000);
	assert_string_equal(r.models[1].key, "claude-haiku-4-5");
	assert_string_equal(r.models[2].key, "claude-unknown-9");
	store_org_report_free(&r);

	/* a range: only today */
	report(s, p, NOV27, NOV27 + DAY, &r);
	assert_int_equal(r.ndays, 1);
	assert_int_equal(r.totals.cost_nanos, 12500000000LL);
	store_org_report_free(&r);
	store_org_report_free(NULL);
	store_close(s);
	pricing_free(p);
}

/* Each provider's rows are its own: a provider's re-sync replaces only its
 * rows, reports filter by provider (NULL: all), each has its last sync,
 * and rows are priced with their provider's entries. */
static void
test_providers_apart(void **state)
{
	static const char both[] =
	    "{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	    "{\"id\":\"claude-sonnet-4-5\",\"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\","
	    "\"cache_read\":\"0.30\",\"output\":\"15\"},"
	    "{\"id\":\"gpt-4.1\",\"provider\":\"openai\",\"input\":\"2\",\"cache_read\":\"0.50\","
	    "\"output\":\"8\"}]}";
	struct org_usage ua = urow(NOV27, 86400, "claude-sonnet-4-5", "k1", "standard", 1000000, 0);
	struct org_usage uo = urow(NOV27, 86400, "gpt-4.1-2025-04-14", "k1", "standard", 1000000, 0);
	struct org_usage ub = urow(NOV27, 86400, "gpt-4.1", "k1", "batch", 0, 1000000);
	struct org_cost co = crow(NOV27, "gpt-4.1", "input", 2000000000);
	struct pricing *p;
	struct store *s;
	struct org_report r;
	char err[256];
	int64_t synced, a, b;
	int found;

	(void)state;
	assert_non_null(p = pricing_parse(both, "t", err, sizeof(err)));
	assert_non_null(s = store_open(":memory:", err, sizeof(err)));
	assert_int_equal(store_org_replace(s, NOV27, NOV27 + DAY, 5, &ua, 1, NULL, 0, err,
	    sizeof(err)), 0);
	assert_int_equal(store_org_replace_for(s, "openai", NOV27, NOV27 + DAY, 7, &uo, 1, &co, 1,
	    err, sizeof(err)), 0);
	assert_int_equal(store_org_report_for(s, p, "openai", 0, 0, &r, err, sizeof(err)), 0);
	assert_int_equal(r.totals.tok.input, 1000000);
	assert_int_equal(r.totals.cost_nanos, 2000000000);
	assert_int_equal(r.totals.priced_nanos, 2000000000);        /* gpt-4.1's $2 */
	assert_string_equal(r.models[0].key, "gpt-4.1");
	store_org_report_free(&r);
	assert_int_equal(store_org_report_for(s, p, "anthropic", 0, 0, &r, err, sizeof(err)), 0);
	assert_int_equal(r.totals.priced_nanos, 3000000000LL);
	assert_int_equal(r.totals.cost_nanos, 0);
	store_org_report_free(&r);
	report(s, p, 0, 0, &r);
	assert_int_equal(r.totals.tok.input, 2000000);
	store_org_report_free(&r);
	/* OpenAI's re-sync with other rows: Anthropic's stay; batch at half */
	assert_int_equal(store_org_replace_for(s, "openai", NOV27, NOV27 + DAY, 9, &ub, 1, NULL, 0,
	    err, sizeof(err)), 0);
	report(s, p, 0, 0, &r);
	assert_int_equal(r.totals.tok.input, 1000000);
	assert_int_equal(r.totals.tok.output, 1000000);
	assert_int_equal(r.totals.priced_nanos, 3000000000LL + 4000000000LL);
	store_org_report_free(&r);
	assert_int_equal(store_org_last_sync_for(s, "openai", &synced, &a, &b, &found, err,
	    sizeof(err)), 0);
	assert_true(found);
	assert_int_equal(synced, 9);
	assert_int_equal(store_org_last_sync(s, &synced, &a, &b, &found, err, sizeof(err)), 0);
	assert_int_equal(synced, 5);
	store_close(s);
	pricing_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace_not_double),
		cmocka_unit_test(test_report_days_models),
		cmocka_unit_test(test_providers_apart),
	};

	return FX_RUN_BACKENDS(tests, NULL, NULL);
}
