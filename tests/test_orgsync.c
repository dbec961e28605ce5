/* test_orgsync.c — the organisation reports: cents → nanos exactly, parsing of
 * real-shaped usage and cost pages (and their errors), the sync ranges, and
 * paging through both reports of the API double with the Admin key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/api.h"
#include "core/openai.h"
#include "core/orgsync.h"
#include "tests/fakeapi_spawn.h"

static void
test_cents(void **state)
{
	static const struct { const char *s; int rc; int64_t nanos; } cases[] = {
		{ "123.45", 0, 1234500000LL },          /* $1.2345 */
		{ "300", 0, 3000000000LL },             /* $3 */
		{ "0", 0, 0 },
		{ "0.5", 0, 5000000 },
		{ "7.", 0, 70000000 },
		{ ".25", 0, 2500000 },
		{ "0.0000001", 0, 1 },                  /* one nano-dollar */
		{ "0.00000005", 0, 1 },                 /* half a nano: up */
		{ "0.000000049", 0, 0 },
		{ "0.12345678", 0, 1234568 },
		{ "-1.5", 0, -15000000 },
		{ "+2", 0, 20000000 },
		{ "922337203685.4775807", 0, INT64_MAX },
		{ "922337203685.4775808", -1, 0 },
		{ "99999999999999999999", -1, 0 },
		{ "", -1, 0 }, { ".", -1, 0 }, { "-", -1, 0 }, { "1e5", -1, 0 },
		{ "12.3.4", -1, 0 }, { " 1", -1, 0 }, { "1 ", -1, 0 }, { "$1", -1, 0 },
		{ "1,000", -1, 0 },
	};
	size_t i;
	int64_t v;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 0;
		if (orgsync_cents_to_nanos(cases[i].s, &v) != cases[i].rc)
			fail_msg("'%s': rc", cases[i].s);
		if (cases[i].rc == 0 && v != cases[i].nanos)
			fail_msg("'%s': %lld, want %lld", cases[i].s, (long long)v,
			    (long long)cases[i].nanos);
	}
	assert_int_equal(orgsync_cents_to_nanos(NULL, &v), -1);
}

static const char usage_page[] =
    "{\"data\":["
    " {\"starting_at\":\"2026-11-26T00:00:00Z\",\"ending_at\":\"2026-11-27T00:00:00Z\","
    "  \"results\":[]},"
    " {\"starting_at\":\"2026-11-27T00:00:00Z\",\"ending_at\":\"2026-11-28T00:00:00Z\","
    "  \"results\":["
    "   {\"uncached_input_tokens\":1500,\"cache_creation\":{\"ephemeral_1h_input_tokens\":1000,"
    "    \"ephemeral_5m_input_tokens\":500},\"cache_read_input_tokens\":200,"
    "    \"output_tokens\":500,\"server_tool_use\":{\"web_search_requests\":10},"
    "    \"api_key_id\":\"apikey_01Rj2N8SVvo6BePZj99NhmiT\","
    "    \"workspace_id\":\"wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ\","
    "    \"model\":\"claude-sonnet-4-20250514\",\"service_tier\":\"standard\","
    "    \"context_window\":\"0-200k\"},"
    "   {\"uncached_input_tokens\":7,\"cache_creation\":null,\"cache_read_input_tokens\":0,"
    "    \"output_tokens\":3,\"api_key_id\":null,\"workspace_id\":null,"
    "    \"model\":\"claude-haiku-4-5-20251001\",\"service_tier\":\"batch\"}]}],"
    " \"has_more\":true,\"next_page\":\"page_MjAyNi0xMS0yOA==\"}";

static void
test_usage_page(void **state)
{
	struct org_data d;
	char next[ORG_ID_MAX], err[256];
	json_t *j = json_loads(usage_page, 0, NULL);
	int more;

	(void)state;
	assert_non_null(j);
	memset(&d, 0, sizeof(d));
	assert_int_equal(orgsync_parse_usage_page(j, 86400, &d, &more, next, err, sizeof(err)), 0);
	json_decref(j);
	assert_int_equal(more, 1);
	assert_string_equal(next, "page_MjAyNi0xMS0yOA==");
	assert_int_equal(d.usage_pages, 1);
	assert_int_equal(d.usage_buckets, 2);
	assert_int_equal(d.nusage, 2);
	assert_int_equal(d.usage[0].bucket_ms, 1795737600000LL);   /* 2026-11-27T00:00Z */
	assert_int_equal(d.usage[0].width_s, 86400);
	assert_int_equal(d.usage[0].tok.input, 1500);
	assert_int_equal(d.usage[0].tok.write_5m, 500);
	assert_int_equal(d.usage[0].tok.write_1h, 1000);
	assert_int_equal(d.usage[0].tok.cache_read, 200);
	assert_int_equal(d.usage[0].tok.output, 500);
	assert_string_equal(d.usage[0].model, "claude-sonnet-4-20250514");
	assert_string_equal(d.usage[0].api_key_id, "apikey_01Rj2N8SVvo6BePZj99NhmiT");
	assert_string_equal(d.usage[0].workspace_id, "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ");
	assert_string_equal(d.usage[0].service_tier, "standard");
	assert_string_equal(d.usage[1].workspace_id, "");          /* null: default workspace */
	assert_string_equal(d.usage[1].api_key_id, "");
	assert_string_equal(d.usage[1].service_tier, "batch");
	assert_int_equal(d.usage[1].tok.write_5m + d.usage[1].tok.write_1h, 0);
	orgsync_data_free(&d);
	assert_null(d.usage);
	orgsync_data_free(NULL);
}

static void
test_cost_page(void **state)
{
	static const char page[] =
	    "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"ending_at\":"
	    "\"2026-11-28T00:00:00Z\",\"results\":["
	    " {\"currency\":\"USD\",\"amount\":\"123.45\",\"workspace_id\":null,"
	    "  \"description\":\"Claude Sonnet 4 Usage - Input Tokens\",\"cost_type\":\"tokens\","
	    "  \"context_window\":\"0-200k\",\"model\":\"claude-sonnet-4-20250514\","
	    "  \"service_tier\":\"standard\",\"token_type\":\"uncached_input_tokens\"},"
	    " {\"currency\":\"USD\",\"amount\":\"0.0375\",\"description\":null,\"model\":null,"
	    "  \"service_tier\":null,\"token_type\":null}]}],"
	    "\"has_more\":false,\"next_page\":null}";
	struct org_data d;
	char next[ORG_ID_MAX], err[256];
	json_t *j = json_loads(page, 0, NULL);
	int more;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(orgsync_parse_cost_page(j, &d, &more, next, err, sizeof(err)), 0);
	json_decref(j);
	assert_int_equal(more, 0);
	assert_string_equal(next, "");
	assert_int_equal(d.ncost, 2);
	assert_int_equal(d.cost[0].amount_nanos, 1234500000LL);
	assert_int_equal(d.cost[1].amount_nanos, 375000);
	assert_string_equal(d.cost[0].token_type, "uncached_input_tokens");
	assert_string_equal(d.cost[0].description, "Claude Sonnet 4 Usage - Input Tokens");
	assert_string_equal(d.cost[1].model, "");
	orgsync_data_free(&d);
}

/* Pages that must be refused, with the field named. */
/* Case i: json as a page of pv (a cost page, or minute usage buckets)
 * fails with want in the message. */
static void
bad_page(const struct provider *pv, size_t i, int cost, const char *json, const char *want)
{
	struct org_data d;
	char next[ORG_ID_MAX], err[256] = "";
	json_t *j;
	int more, rc;

	memset(&d, 0, sizeof(d));
	assert_non_null(j = json_loads(json, 0, NULL));
	rc = orgsync_parse_page(pv, cost ? ORGSYNC_COST : ORGSYNC_MINUTES, j, 60, &d, &more, next,
	    err, sizeof(err));
	json_decref(j);
	if (rc != -1 || strstr(err, want) == NULL)
		fail_msg("%s case %zu: rc %d err '%s', want '%s'", pv->name, i, rc, err, want);
	orgsync_data_free(&d);
}

static void
test_bad_pages(void **state)
{
	static const struct { int cost; const char *json, *want; } cases[] = {
		{ 0, "{\"data\":{}}", "data: not a list" },
		{ 0, "{\"data\":[],\"has_more\":true}", "has_more without next_page" },
		{ 0, "{\"data\":[],\"has_more\":\"yes\"}", "has_more: not a boolean" },
		{ 0, "{\"data\":[{\"starting_at\":\"yesterday\",\"results\":[]}]}",
		  "data[0].starting_at" },
		{ 0, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\"}]}",
		  "data[0].results: not a list" },
		{ 0, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":"
		  "[{\"output_tokens\":\"5\"}]}]}", "data[0].results[0].output_tokens" },
		{ 0, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":"
		  "[{\"uncached_input_tokens\":-1}]}]}", "results[0].uncached_input_tokens" },
		{ 0, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":"
		  "[{\"cache_creation\":{\"ephemeral_5m_input_tokens\":1.5}}]}]}",
		  "cache_creation.ephemeral_5m_input_tokens" },
		{ 0, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":"
		  "[{\"model\":7}]}]}", "results[0].model" },
		{ 1, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":"
		  "[{\"amount\":12.5}]}]}", "results[0].amount" },
		{ 1, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":"
		  "[{\"amount\":\"1.2.3\"}]}]}", "results[0].amount" },
		{ 1, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":"
		  "[{\"amount\":\"1\",\"currency\":\"EUR\"}]}]}", "results[0].currency" },
		/* counts above 10^12 and amounts above $10^9 a row: named with the value */
		{ 0, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":"
		  "[{\"output_tokens\":9223372036854775807}]}]}",
		  "data[0].results[0].output_tokens: 9223372036854775807: not valid" },
		{ 0, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":[{},"
		  "{\"cache_creation\":{\"ephemeral_1h_input_tokens\":1000000000001}}]}]}",
		  "data[0].results[1].cache_creation.ephemeral_1h_input_tokens: 1000000000001: "
		  "not valid" },
		{ 0, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":"
		  "[{\"uncached_input_tokens\":1e300}]}]}",
		  "results[0].uncached_input_tokens: 1e+300: not valid" },
		{ 1, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":"
		  "[{\"amount\":\"922337203685.4775807\"}]}]}",
		  "results[0].amount: \"922337203685.4775807\": not valid" },
		{ 1, "{\"data\":[{\"starting_at\":\"2026-11-27T00:00:00Z\",\"results\":"
		  "[{\"amount\":\"-100000000000.0000001\"}]}]}", "results[0].amount" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad_page(&provider_anthropic, i, cases[i].cost, cases[i].json, cases[i].want);
}

/* OpenAI's pages: Unix-second buckets, input INCLUDING the cached tokens,
 * batch rows as tier "batch", dollars as a JSON number by line item. */
static void
test_openai_pages(void **state)
{
	static const char usage[] =
	    "{\"object\":\"page\",\"data\":[{\"object\":\"bucket\",\"start_time\":1795737600,"
	    "\"end_time\":1795824000,\"results\":[{\"object\":\"organization.usage.completions.result\","
	    "\"input_tokens\":2000,\"input_cached_tokens\":1920,\"output_tokens\":50,"
	    "\"input_audio_tokens\":0,\"output_audio_tokens\":0,\"num_model_requests\":2,"
	    "\"project_id\":\"proj_1\",\"user_id\":null,\"api_key_id\":\"key_1\","
	    "\"model\":\"gpt-5-mini-2025-08-07\",\"batch\":true,\"service_tier\":\"default\"},"
	    "{\"input_tokens\":10,\"output_tokens\":1,\"model\":null,\"batch\":null}]}],"
	    "\"has_more\":true,\"next_page\":\"page_AAA/+=\"}";
	static const char cost[] =
	    "{\"object\":\"page\",\"data\":[{\"start_time\":1795737600,\"results\":["
	    "{\"amount\":{\"value\":0.06,\"currency\":\"usd\"},\"line_item\":\"gpt-4.1, input\","
	    "\"project_id\":null},"
	    "{\"amount\":{\"value\":1.2345678915,\"currency\":\"usd\"},"
	    "\"line_item\":\"batch | gpt-4.1-2025-04-14, cached input\"},"
	    "{\"amount\":{\"value\":3,\"currency\":\"USD\"},\"line_item\":\"web search\"}]}],"
	    "\"has_more\":false,\"next_page\":null}";
	struct org_data d;
	char next[ORG_ID_MAX], err[256], path[512];
	json_t *j;
	int more;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_non_null(j = json_loads(usage, 0, NULL));
	assert_int_equal(orgsync_parse_page(&provider_openai, ORGSYNC_DAILY, j, 86400, &d, &more,
	    next, err, sizeof(err)), 0);
	json_decref(j);
	assert_int_equal(d.nusage, 2);
	assert_true(more);
	assert_string_equal(next, "page_AAA/+=");
	assert_int_equal(d.usage[0].bucket_ms, 1795737600000LL);
	assert_int_equal(d.usage[0].tok.input, 80);
	assert_int_equal(d.usage[0].tok.cache_read, 1920);
	assert_int_equal(d.usage[0].tok.output, 50);
	assert_string_equal(d.usage[0].service_tier, "batch");
	assert_string_equal(d.usage[0].workspace_id, "proj_1");
	assert_string_equal(d.usage[1].model, "");
	assert_int_equal(d.usage[1].tok.input, 10);

	assert_non_null(j = json_loads(cost, 0, NULL));
	assert_int_equal(orgsync_parse_page(&provider_openai, ORGSYNC_COST, j, 0, &d, &more, next,
	    err, sizeof(err)), 0);
	json_decref(j);
	assert_false(more);
	assert_int_equal(d.ncost, 3);
	assert_int_equal(d.cost[0].amount_nanos, 60000000);
	assert_string_equal(d.cost[0].model, "gpt-4.1");
	assert_string_equal(d.cost[0].token_type, "input");
	assert_int_equal(d.cost[1].amount_nanos, 1234567892);     /* rounded to the nano */
	assert_string_equal(d.cost[1].service_tier, "batch");
	assert_string_equal(d.cost[1].model, "gpt-4.1-2025-04-14");
	assert_string_equal(d.cost[1].token_type, "cached input");
	assert_int_equal(d.cost[2].amount_nanos, 3000000000LL);
	assert_string_equal(d.cost[2].model, "");
	assert_string_equal(d.cost[2].description, "web search");
	orgsync_data_free(&d);

	/* the requests: Unix seconds, the bucket holding `to` included, the page token */
	provider_openai.org->page_path(ORGSYNC_DAILY, 1795737600000LL, 1795824000000LL, 7,
	    "p%2F1", path, sizeof(path));
	assert_string_equal(path, "/v1/organization/usage/completions?start_time=1795737600"
	    "&end_time=1795824000&bucket_width=1d&group_by=model&group_by=project_id"
	    "&group_by=api_key_id&group_by=batch&group_by=service_tier&limit=7&page=p%2F1");
	provider_openai.org->page_path(ORGSYNC_COST, 1795737600000LL, 1795737600500LL, 31, "",
	    path, sizeof(path));
	assert_string_equal(path, "/v1/organization/costs?start_time=1795737600"
	    "&end_time=1795737601&bucket_width=1d&group_by=line_item&limit=31");
}

/* Hostile OpenAI pages fail with the field and, for numbers, the value. */
static void
test_openai_bad_pages(void **state)
{
#define B(r) "{\"data\":[{\"start_time\":1795737600,\"results\":[" r "]}]}"
	static const struct { int cost; const char *json, *want; } cases[] = {
		{ 0, "{\"data\":[{\"start_time\":\"2026-11-27\",\"results\":[]}]}",
		  "data[0].start_time: not a Unix time" },
		{ 0, "{\"data\":[{\"start_time\":-5,\"results\":[]}]}", "data[0].start_time" },
		{ 0, "{\"data\":[{\"start_time\":99999999999999,\"results\":[]}]}", "data[0].start_time" },
		{ 0, "{\"data\":[{\"results\":[]}]}", "data[0].start_time" },
		{ 0, B("{\"output_tokens\":1}"), "data[0].results[0].input_tokens: not valid" },
		{ 0, B("{\"input_tokens\":1}"), "data[0].results[0].output_tokens: not valid" },
		{ 0, B("{\"input_tokens\":5,\"input_cached_tokens\":9,\"output_tokens\":1}"),
		  "data[0].results[0].input_cached_tokens: 9: not valid" },
		{ 0, B("{\"input_tokens\":9223372036854775807,\"output_tokens\":1}"),
		  "data[0].results[0].input_tokens: 9223372036854775807: not valid" },
		{ 0, B("{\"input_tokens\":1e300,\"output_tokens\":1}"),
		  "results[0].input_tokens: 1e+300: not valid" },
		{ 0, B("{\"input_tokens\":1,\"output_tokens\":-1}"), "results[0].output_tokens: -1" },
		{ 0, B("{\"input_tokens\":1,\"output_tokens\":1,\"batch\":\"yes\"}"),
		  "results[0].batch: not valid" },
		{ 0, B("{\"input_tokens\":1,\"output_tokens\":1,\"project_id\":[]}"),
		  "results[0].project_id" },
		{ 0, B("7"), "data[0].results[0]: not valid" },
		{ 1, B("{\"line_item\":\"x\"}"), "results[0].amount: not valid" },
		{ 1, B("{\"amount\":{\"currency\":\"usd\"}}"), "results[0].amount.value: not valid" },
		{ 1, B("{\"amount\":{\"value\":\"0.5\",\"currency\":\"usd\"}}"),
		  "results[0].amount.value: \"0.5\": not valid" },
		{ 1, B("{\"amount\":{\"value\":1e300,\"currency\":\"usd\"}}"),
		  "results[0].amount.value: 1e+300: not valid" },
		{ 1, B("{\"amount\":{\"value\":-1000000001,\"currency\":\"usd\"}}"),
		  "results[0].amount.value: -1000000001: not valid" },
		{ 1, B("{\"amount\":{\"value\":1,\"currency\":\"eur\"}}"), "results[0].amount.currency" },
		{ 1, B("{\"amount\":{\"value\":1}}"), "results[0].amount.currency" },
		{ 1, B("{\"amount\":{\"value\":1,\"currency\":\"usd\"},\"line_item\":5}"),
		  "results[0].line_item" },
	};
#undef B
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad_page(&provider_openai, i, cases[i].cost, cases[i].json, cases[i].want);
}

static void
test_usd_to_nanos(void **state)
{
	static const struct { double v; int rc; int64_t nanos; } cases[] = {
		{ 0.06, 0, 60000000 }, { 0, 0, 0 }, { 1e-9, 0, 1 }, { 4e-10, 0, 0 },
		{ 6e-10, 0, 1 }, { -2.5, 0, -2500000000LL }, { 123456.789012345, 0, 123456789012345LL },
		{ 1e9, 0, 1000000000000000000LL }, { 1.0000001e9, -1, 0 }, { -1e10, -1, 0 },
	};
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 7;
		if (openai_usd_to_nanos(cases[i].v, &v) != cases[i].rc ||
		    (cases[i].rc == 0 && v != cases[i].nanos))
			fail_msg("%.17g: %lld", cases[i].v, (long long)v);
	}
	assert_int_equal(openai_usd_to_nanos(NAN, &v), -1);
	assert_int_equal(openai_usd_to_nanos(INFINITY, &v), -1);
}

static void
test_ranges(void **state)
{
	struct orgsync_range r;
	const int64_t day = 86400000LL, nov27 = 1795737600000LL;

	(void)state;
	/* UTC: midnights stay; the split is today's midnight */
	orgsync_ranges(nov27 - 5 * day, nov27, nov27 + 3600000, 0, &r);
	assert_int_equal(r.since_ms, nov27 - 5 * day);
	assert_int_equal(r.split_ms, nov27);
	assert_int_equal(r.until_ms, nov27 + 3600000);
	/* UTC+9: local midnight is 15:00 UTC the day before → floored to that UTC day */
	orgsync_ranges(nov27 - 9 * 3600000, nov27 + day - 9 * 3600000, nov27 + day, 3, &r);
	assert_int_equal(r.since_ms, nov27 - day);
	assert_int_equal(r.split_ms, nov27);
	assert_int_equal(r.limit, 3);
	/* UTC-5: local midnight is 05:00 UTC the same day */
	orgsync_ranges(nov27 + 5 * 3600000, nov27 + 5 * 3600000, nov27 + 6 * 3600000, 0, &r);
	assert_int_equal(r.since_ms, nov27);
	assert_int_equal(r.split_ms, nov27);
}

/* ---- against the double ---- */

static int64_t
floor_day(int64_t ms)
{
	return ms - ms % 86400000LL;
}

static void
sum_usage(const struct org_data *d, struct tokens *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < d->nusage; i++) {
		t->input += d->usage[i].tok.input;
		t->output += d->usage[i].tok.output;
		t->cache_read += d->usage[i].tok.cache_read;
	}
}

static void
test_fetch_double(void **state)
{
	struct timespec ts;
	const char *args[] = { "--admin-key", "sk-ant-admin-unit",
	    "--org-extra", "{\"model\":\"claude-sonnet-4-5\",\"uncached_input_tokens\":1000000,"
	    "\"output_tokens\":10,\"ago_seconds\":259200,\"workspace_id\":\"wrkspc_other\"}", NULL };
	struct fakeapi fa;
	struct config cfg;
	struct http_multi *m;
	struct orgsync_range r;
	struct org_data d;
	struct tokens t;
	struct api_message msg;
	struct http_error he;
	json_t *body;
	char err[1024];
	int64_t now, cost = 0;
	size_t i;

	(void)state;
	assert_int_equal(fakeapi_start(&fa, args), 0);
	fakeapi_config(&fa, &cfg);
	/* one call of tokentop's own, with the normal key */
	assert_non_null(m = http_multi_new(&cfg, err, sizeof(err)));
	body = json_pack("{s:s, s:i, s:[{s:s, s:s}]}", "model", "claude-sonnet-4-5",
	    "max_tokens", 100, "messages", "role", "user", "content", "twelve bytes");
	assert_int_equal(api_messages(m, body, 0, NULL, NULL, &msg, &he), 0);
	json_decref(body);
	http_multi_free(m);

	/* no Admin key: refused before any request */
	assert_null(orgsync_multi_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "ANTHROPIC_ADMIN_KEY"));

	/* a normal key as the Admin key: permission_error, key not shown */
	snprintf(cfg.admin_key, sizeof(cfg.admin_key), "%s", FAKEAPI_KEY);
	/* now to the millisecond: whole seconds would leave out the minute bucket
	 * of a call made in a minute's first second (ending_at is now + 999 ms) */
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	orgsync_ranges(floor_day(now) - 5 * 86400000LL, floor_day(now), now, 2, &r);
	assert_non_null(m = orgsync_multi_new(&cfg, err, sizeof(err)));
	memset(&d, 0, sizeof(d));
	assert_int_equal(orgsync_fetch(m, &r, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "permission_error"));
	assert_null(strstr(err, FAKEAPI_KEY));
	http_multi_free(m);
	orgsync_data_free(&d);

	snprintf(cfg.admin_key, sizeof(cfg.admin_key), "sk-ant-admin-unit");
	assert_non_null(m = orgsync_multi_new(&cfg, err, sizeof(err)));
	if (orgsync_fetch(m, &r, &d, err, sizeof(err)) != 0)
		fail_msg("fetch: %s", err);
	http_multi_free(m);
	/* 5 daily buckets at 2 a page = 3 pages, + 1 page of minutes */
	assert_int_equal(d.usage_pages, 4);
	assert_true(d.usage_buckets >= 6);
	assert_int_equal(d.cost_pages, 3);                     /* 6 days at 2 a page */
	assert_int_equal(d.cost_buckets, 6);
	sum_usage(&d, &t);
	assert_int_equal(t.input, 1000000 + msg.usage.tok.input);
	assert_int_equal(t.output, 10 + msg.usage.tok.output);
	for (i = 0; i < d.ncost; i++)
		cost += d.cost[i].amount_nanos;
	/* $3/MTok input, $15/MTok output */
	assert_int_equal(cost, (1000000 + msg.usage.tok.input) * 3000 +
	    (10 + msg.usage.tok.output) * 15000);
	for (i = 0; i < d.nusage; i++)
		if (d.usage[i].tok.input == 1000000) {
			assert_string_equal(d.usage[i].workspace_id, "wrkspc_other");
			assert_int_equal(d.usage[i].width_s, 86400);
		} else {
			assert_string_equal(d.usage[i].model, "claude-sonnet-4-5-20250929");
			assert_int_equal(d.usage[i].width_s, 60);
			assert_string_equal(d.usage[i].service_tier, "standard");
			assert_true(d.usage[i].api_key_id[0] != '\0');
		}
	orgsync_data_free(&d);
	api_message_done(&msg);
	fakeapi_stop(&fa);
}

struct async_ctx {
	int  calls;
	char err[512];
};

static void
async_done(void *arg, struct org_data *d, const char *err)
{
	struct async_ctx *c = arg;

	(void)d;
	c->calls++;
	snprintf(c->err, sizeof(c->err), "%s", err ? err : "");
}

/* The async form on a loop of its own: the same pages; a cancel ends it once. */
static void
test_async_and_cancel(void **state)
{
	const char *args[] = { "--org-extra", "{\"model\":\"claude-haiku-4-5\","
	    "\"output_tokens\":7,\"ago_seconds\":90000}", NULL };
	struct fakeapi fa;
	struct config cfg;
	struct http_multi *m;
	struct orgsync_range r;
	struct orgsync *s;
	struct org_data d;
	struct async_ctx c;
	char err[512];
	int64_t now = (int64_t)time(NULL) * 1000;

	(void)state;
	assert_int_equal(fakeapi_start(&fa, args), 0);
	fakeapi_config(&fa, &cfg);
	snprintf(cfg.admin_key, sizeof(cfg.admin_key), "sk-ant-admin-test");
	assert_non_null(m = orgsync_multi_new(&cfg, err, sizeof(err)));
	orgsync_ranges(floor_day(now) - 3 * 86400000LL, floor_day(now), now, 1, &r);
	memset(&d, 0, sizeof(d));
	memset(&c, 0, sizeof(c));
	assert_non_null(orgsync_start(m, &r, &d, async_done, &c, err, sizeof(err)));
	while (http_multi_perform(m) > 0)
		http_multi_wait(m, NULL, 0, 100);
	assert_int_equal(c.calls, 1);
	assert_string_equal(c.err, "");
	assert_int_equal(d.usage_pages, 3 + 1);
	assert_int_equal(d.cost_pages, 4);
	assert_int_equal(d.nusage, 1);
	assert_int_equal(d.usage[0].tok.output, 7);
	orgsync_data_free(&d);

	memset(&c, 0, sizeof(c));
	assert_non_null(s = orgsync_start(m, &r, &d, async_done, &c, err, sizeof(err)));
	orgsync_cancel(s);
	while (http_multi_perform(m) > 0)
		http_multi_wait(m, NULL, 0, 100);
	assert_int_equal(c.calls, 1);
	assert_non_null(strstr(c.err, "cancel"));
	orgsync_data_free(&d);

	/* an empty range starts nothing */
	r.until_ms = r.split_ms = r.since_ms;
	assert_null(orgsync_start(m, &r, &d, async_done, &c, err, sizeof(err)));
	assert_int_equal(c.calls, 1);
	http_multi_free(m);
	fakeapi_stop(&fa);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cents),
		cmocka_unit_test(test_usage_page),
		cmocka_unit_test(test_cost_page),
		cmocka_unit_test(test_bad_pages),
		cmocka_unit_test(test_openai_pages),
		cmocka_unit_test(test_openai_bad_pages),
		cmocka_unit_test(test_usd_to_nanos),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_fetch_double),
		cmocka_unit_test(test_async_and_cancel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
