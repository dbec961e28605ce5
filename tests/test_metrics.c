/* test_metrics.c — what the exporter reads (data/metrics.c) equals the rows
 * brute-forced: requests, tokens and priced cost per model (price id) ×
 * source (× tag), unpriced requests, over inserts, replacements and many
 * hours; every model × source equal to `report models --source` to the
 * nano-dollar, under prices that change by date, web searches, routed rows
 * and rates of fractions of a nano-dollar (with and without tags); batches
 * by status; a poisoned rollup cell is refused. The
 * rate-limit table (data/limits.c) and its pending writer (tui/headroom.c)
 * are in test_limits.c. */
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

static const char prices_json[] =
	"{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	"{\"id\":\"claude-sonnet-4-5\",\"aliases\":[\"claude-sonnet-4-5-20250929\"],"
	" \"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\",\"cache_read\":\"0.30\",\"output\":\"15\","
	" \"long\":{\"threshold\":200000,\"input\":\"6\",\"write_5m\":\"7.50\",\"write_1h\":\"12\","
	"  \"cache_read\":\"0.60\",\"output\":\"22.50\"}},"
	"{\"id\":\"claude-haiku-4-5\",\"aliases\":[],"
	" \"input\":\"1\",\"write_5m\":\"1.25\",\"write_1h\":\"2\",\"cache_read\":\"0.10\",\"output\":\"5\"},"
	"{\"id\":\"claude-opus-4-6\",\"aliases\":[],"
	" \"input\":\"5\",\"write_5m\":\"6.25\",\"write_1h\":\"10\",\"cache_read\":\"0.50\",\"output\":\"25\","
	" \"fast\":\"6\",\"us_geo\":\"1.1\"}"
	"]}";

static const char *const models[] = { "claude-sonnet-4-5", "claude-sonnet-4-5-20250929",
	"claude-haiku-4-5", "claude-opus-4-6", "mystery-1", "we\"ird\nname" };
static const char *const sources[] = { "call", "batch", "import", "proxy" };
static const char *const tags[] = { "", "team-a", "검색팀" };
static const char *const hosts[] = { "build-1", "laptop \"ü\"" };   /* a fleet's writers */

#define NM (sizeof(models) / sizeof(models[0]))
#define NS 4
#define NT 3
#define NH 2

/* Expected sums of one label set. */
struct want {
	char          model[USAGE_MODEL_MAX], source[16], tag[USAGE_TAG_MAX];
	int64_t       requests, unpriced;
	struct tokens tok;
	struct tokens by_flags[NM][16];   /* priced tokens per model id as recorded × the
	                                     rollup's flag bits: the groups the ledger prices */
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

/* Row u counted (sign 1) or taken back (-1) in its label set of ws. */
static void
add_want(struct want *ws, size_t *n, const struct pricing *p, const struct usage *u,
         int with_tag, int sign)
{
	const struct model_price *mp = pricing_find(p, u->model);
	const char *model = mp != NULL ? mp->id : u->model, *tag = with_tag ? u->tag : "";
	struct want *w = NULL;
	struct tokens *bf;
	size_t i;

	for (i = 0; i < *n && w == NULL; i++)
		if (strcmp(ws[i].model, model) == 0 && strcmp(ws[i].source, u->source) == 0 &&
		    strcmp(ws[i].tag, tag) == 0)
			w = &ws[i];
	if (w == NULL) {
		w = &ws[(*n)++];
		memset(w, 0, sizeof(*w));
		usage_strlcpy(w->model, model, sizeof(w->model));
		usage_strlcpy(w->source, u->source, sizeof(w->source));
		usage_strlcpy(w->tag, tag, sizeof(w->tag));
	}
	w->requests += sign;
	w->tok.input += sign * u->tok.input;
	w->tok.write_5m += sign * u->tok.write_5m;
	w->tok.write_1h += sign * u->tok.write_1h;
	w->tok.cache_read += sign * u->tok.cache_read;
	w->tok.output += sign * u->tok.output;
	if (mp == NULL) {
		w->unpriced += sign;
		return;
	}
	for (i = 0; strcmp(models[i], u->model) != 0; i++)
		;
	bf = &w->by_flags[i][(strcmp(u->source, "batch") == 0 ||
	    strcmp(u->service_tier, "batch") == 0) | (usage_total_input(&u->tok) > 200000) << 1 |
	    (strcmp(u->speed, "fast") == 0) << 2 | (strcmp(u->inference_geo, "us") == 0) << 3];
	bf->input += sign * u->tok.input;
	bf->write_5m += sign * u->tok.write_5m;
	bf->write_1h += sign * u->tok.write_1h;
	bf->cache_read += sign * u->tok.cache_read;
	bf->output += sign * u->tok.output;
}

/* The cost of w as the ledger prices it: once per model × flags group. */
static int64_t
want_cost(const struct pricing *p, const struct want *w)
{
	const struct model_price *mp = pricing_find(p, w->model);
	struct price_flags f;
	struct usage u;            /* a row with flag bits k, for pricing_flags */
	int64_t sum = 0;
	size_t i;
	int k;

	for (i = 0; mp != NULL && i < NM; i++)
		for (k = 0; k < 16; k++) {
			memset(&u, 0, sizeof(u));
			usage_strlcpy(u.service_tier, k & 1 ? "batch" : "", sizeof(u.service_tier));
			u.tok.input = k & 2 ? 200001 : 0;
			usage_strlcpy(u.speed, k & 4 ? "fast" : "", sizeof(u.speed));
			usage_strlcpy(u.inference_geo, k & 8 ? "us" : "", sizeof(u.inference_geo));
			f = pricing_flags(mp, &u);
			sum += pricing_cost(mp, &w->by_flags[i][k], &f);
		}
	return sum;
}

/* Every model × source × host of m (summed over its tags and providers)
 * equals `report models --source S --host H` to the nano-dollar: cost,
 * requests, tokens, unpriced requests; and no model × source × host more.
 * Returns the number of hosts. */
static size_t
check_report(struct store *s, const struct pricing *p, const struct store_metrics *m)
{
	struct report_query q;
	struct report r;
	struct report_row got;
	const char *seen[8];
	char err[512];
	size_t i, j, h, nh = 0, rows = 0, labels = 0;

	for (i = 0; i < m->ncells; i++) {
		for (h = 0; h < nh && strcmp(seen[h], m->cells[i].host) != 0; h++)
			;
		if (h == nh) {
			assert_true(nh < 8);
			seen[nh++] = m->cells[i].host;
		}
	}
	for (h = 0; h < nh; h++)
	for (i = 0; i < NS; i++) {
		memset(&q, 0, sizeof(q));
		q.group = REPORT_MODEL;
		q.source = sources[i];
		q.host = seen[h];
		assert_int_equal(store_report(s, p, &q, &r, err, sizeof(err)), 0);
		for (j = 0; j < r.nrows; j++, rows++) {
			size_t k;

			memset(&got, 0, sizeof(got));
			for (k = 0; k < m->ncells; k++) {
				if (strcmp(m->cells[k].model, r.rows[j].key) != 0 ||
				    strcmp(m->cells[k].source, sources[i]) != 0 ||
				    strcmp(m->cells[k].host, seen[h]) != 0)
					continue;
				got.requests += m->cells[k].requests;
				got.cost_nanos += m->cells[k].cost_nanos;
				got.unpriced_requests += m->cells[k].unpriced_requests;
				usage_tokens_add(&got.tok, &m->cells[k].tok);
			}
			if (got.cost_nanos != r.rows[j].cost_nanos)
				fail_msg("%s/%s/%s: exporter %lld, report %lld nanos", r.rows[j].key,
				    sources[i], seen[h], (long long)got.cost_nanos,
				    (long long)r.rows[j].cost_nanos);
			assert_int_equal(got.requests, r.rows[j].requests);
			assert_int_equal(got.unpriced_requests, r.rows[j].unpriced_requests);
			assert_memory_equal(&got.tok, &r.rows[j].tok, sizeof(got.tok));
		}
		store_report_free(&r);
	}
	for (i = 0; i < m->ncells; i++)      /* model × source × host triples of m */
		labels += i == 0 || strcmp(m->cells[i].model, m->cells[i - 1].model) != 0 ||
		    strcmp(m->cells[i].source, m->cells[i - 1].source) != 0 ||
		    strcmp(m->cells[i].host, m->cells[i - 1].host) != 0;
	assert_int_equal(labels, rows);      /* (one provider: a triple's cells are adjacent) */
	return nh;
}

static void
test_brute_force(void **state)
{
	static struct want ws[2][NM * NS * NT];
	size_t nw[2] = { 0, 0 };
	struct usage u, kept[64];
	struct store_metrics m;
	struct pricing *p;
	struct store *s;
	char err[512];
	enum store_put r;
	size_t i, j, k;
	int t;
	(void)state;

	assert_non_null(p = pricing_parse(prices_json, "test", err, sizeof(err)));
	assert_non_null(s = store_open(fx_ledger(), err, sizeof(err)));
	for (i = 0; i < 3000; i++) {
		memset(&u, 0, sizeof(u));
		u.ts_ms = 1762776000000LL + (int64_t)rnd(2000) * 3600000LL;
		usage_strlcpy(u.model, models[rnd(NM)], sizeof(u.model));
		usage_strlcpy(u.source, sources[rnd(NS)], sizeof(u.source));
		usage_strlcpy(u.tag, tags[rnd(NT)], sizeof(u.tag));
		snprintf(u.request_id, sizeof(u.request_id), "req_%zu", i);
		u.tok.input = (int64_t)rnd(300000);     /* some past the long-context line */
		u.tok.write_5m = (int64_t)rnd(5000);
		u.tok.write_1h = (int64_t)rnd(3000);
		u.tok.cache_read = (int64_t)rnd(50000);
		u.tok.output = (int64_t)rnd(9000);
		if (strcmp(u.source, "batch") == 0 || rnd(10) == 0)
			usage_strlcpy(u.service_tier, "batch", sizeof(u.service_tier));
		if (rnd(8) == 0)
			usage_strlcpy(u.speed, "fast", sizeof(u.speed));
		if (rnd(8) == 0)
			usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
		if (i >= 2000 && i < 2064) {       /* an earlier row again, larger: replaced */
			u = kept[i - 2000];
			u.tok.output += 100000;
		}
		assert_int_equal(store_insert_usage(s, &u, &r, err, sizeof(err)), 0);
		assert_int_equal(r, i >= 2000 && i < 2064 ? STORE_REPLACED : STORE_ADDED);
		for (t = 0; t < 2; t++) {
			if (r == STORE_REPLACED)
				add_want(ws[t], &nw[t], p, &kept[i - 2000], t, -1);
			add_want(ws[t], &nw[t], p, &u, t, 1);
		}
		if (i < 64)
			kept[i] = u;
	}
	for (t = 0; t < 2; t++) {
		assert_int_equal(store_metrics_read(s, p, t, &m, err, sizeof(err)), 0);
		for (i = k = 0; i < nw[t]; i++) {
			if (ws[t][i].requests == 0)
				continue;
			k++;
			for (j = 0; j < m.ncells; j++)
				if (strcmp(m.cells[j].model, ws[t][i].model) == 0 &&
				    strcmp(m.cells[j].source, ws[t][i].source) == 0 &&
				    strcmp(m.cells[j].tag, ws[t][i].tag) == 0)
					break;
			if (j == m.ncells)
				fail_msg("no cell %s/%s/%s", ws[t][i].model, ws[t][i].source, ws[t][i].tag);
			assert_int_equal(m.cells[j].requests, ws[t][i].requests);
			assert_int_equal(m.cells[j].unpriced_requests, ws[t][i].unpriced);
			/* a tag's share of its model × source: its own cost to rounding */
			assert_true(llabs(m.cells[j].cost_nanos - want_cost(p, &ws[t][i])) <=
			    (t ? NT : 0));
			assert_memory_equal(&m.cells[j].tok, &ws[t][i].tok, sizeof(struct tokens));
			assert_string_equal(m.cells[j].provider, "anthropic");
		}
		assert_int_equal(m.ncells, k);       /* no cell more */
		assert_true(k > (t ? 40u : 15u));
		for (j = 1; j < m.ncells; j++)       /* ordered by model, source, tag */
			assert_true(strcmp(m.cells[j - 1].model, m.cells[j].model) <= 0);
		check_report(s, p, &m);
		store_metrics_free(&m);
		store_metrics_free(&m);           /* twice is fine */
	}
	store_close(s);
	pricing_free(p);
}

/* Prices that change by date, a rate of a fraction of a nano-dollar a
 * token (rounding: the grouping decides the last nano-dollar), web searches
 * at a rate that changes too. */
static const char dated_json[] =
	"{\"batch_factor\":{\"num\":1,\"den\":2},"
	"\"server_tools\":[{\"id\":\"web_search\",\"usd_per_1000\":\"10\"},"
	" {\"id\":\"web_search\",\"usd_per_1000\":\"12.5\",\"since\":\"2025-12-20\"}],"
	"\"models\":["
	"{\"id\":\"claude-sonnet-4-5\",\"aliases\":[\"claude-sonnet-4-5-20250929\"],"
	" \"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\",\"cache_read\":\"0.30\",\"output\":\"15\"},"
	"{\"id\":\"claude-sonnet-4-5\",\"since\":\"2025-12-01\","
	" \"input\":\"2.5\",\"write_5m\":\"3.1\",\"write_1h\":\"5\",\"cache_read\":\"0.25\",\"output\":\"12\"},"
	"{\"id\":\"claude-haiku-4-5\",\"aliases\":[],"
	" \"input\":\"0.025\",\"write_5m\":\"0.0313\",\"write_1h\":\"2\",\"cache_read\":\"0.0025\","
	" \"output\":\"0.1\",\"us_geo\":\"1.1\"},"
	"{\"id\":\"claude-haiku-4-5\",\"since\":\"2026-01-10\","
	" \"input\":\"0.035\",\"write_5m\":\"0.0437\",\"write_1h\":\"2\",\"cache_read\":\"0.0035\","
	" \"output\":\"0.3\",\"us_geo\":\"1.1\"}"
	"]}";

static void
test_dated_prices_and_web_search(void **state)
{
	static const char *const dm[] = { "claude-sonnet-4-5", "claude-sonnet-4-5-20250929",
		"claude-haiku-4-5", "mystery-1" };
	struct store_metrics m, today;
	struct pricing *p, *now, *und;
	struct usage u;
	struct store *s;
	char err[512];
	size_t i, differ = 0;
	int t;
	(void)state;

	assert_non_null(p = pricing_parse(dated_json, "dated", err, sizeof(err)));
	assert_true(pricing_has_dates(p));
	/* the table of today's prices only, for the old exporter's answer */
	assert_non_null(now = pricing_parse("{\"batch_factor\":{\"num\":1,\"den\":2},"
	    "\"models\":[{\"id\":\"claude-sonnet-4-5\",\"input\":\"2.5\",\"write_5m\":\"3.1\","
	    "\"write_1h\":\"5\",\"cache_read\":\"0.25\",\"output\":\"12\"}]}", "now", err,
	    sizeof(err)));
	assert_non_null(s = store_open(fx_ledger(), err, sizeof(err)));
	for (i = 0; i < 1500; i++) {
		memset(&u, 0, sizeof(u));
		u.ts_ms = 1762776000000LL + (int64_t)rnd(2400) * 3600000LL + (int64_t)rnd(3600000);
		usage_strlcpy(u.model, dm[rnd(4)], sizeof(u.model));
		usage_strlcpy(u.source, sources[rnd(NS)], sizeof(u.source));
		usage_strlcpy(u.tag, tags[rnd(NT)], sizeof(u.tag));
		snprintf(u.request_id, sizeof(u.request_id), "req_d%zu", i);
		usage_strlcpy(u.host, hosts[rnd(NH)], sizeof(u.host));
		u.tok.input = (int64_t)rnd(3001);
		u.tok.write_5m = (int64_t)rnd(777);
		u.tok.cache_read = (int64_t)rnd(50001);
		u.tok.output = (int64_t)rnd(901);
		u.web_search_requests = rnd(3) == 0 ? (int64_t)rnd(7) : 0;
		if (rnd(4) == 0)
			usage_strlcpy(u.tier, "cheap", sizeof(u.tier));     /* routed */
		if (strcmp(u.source, "batch") == 0 || rnd(5) == 0)
			usage_strlcpy(u.service_tier, "batch", sizeof(u.service_tier));
		if (rnd(6) == 0)
			usage_strlcpy(u.inference_geo, "us", sizeof(u.inference_geo));
		assert_int_equal(store_insert_usage(s, &u, NULL, err, sizeof(err)), 0);
	}
	for (t = 0; t < 2; t++) {
		assert_int_equal(store_metrics_read(s, p, t, &m, err, sizeof(err)), 0);
		assert_int_equal(check_report(s, p, &m), NH);
		store_metrics_free(&m);
	}
	/* without dates, still rates of fractions of a nano-dollar and routed
	 * rows: the lifetime cells, split by routed as the report groups rows,
	 * price it to the nano-dollar (with tags: each tag a share) */
	assert_non_null(und = pricing_parse("{\"batch_factor\":{\"num\":1,\"den\":2},"
	    "\"models\":[{\"id\":\"claude-haiku-4-5\",\"input\":\"0.025\","
	    "\"write_5m\":\"0.0313\",\"write_1h\":\"2\",\"cache_read\":\"0.0025\","
	    "\"output\":\"0.1\",\"us_geo\":\"1.1\"}]}", "undated", err, sizeof(err)));
	for (t = 0; t < 2; t++) {
		assert_int_equal(store_metrics_read(s, und, t, &m, err, sizeof(err)), 0);
		assert_int_equal(check_report(s, und, &m), NH);
		store_metrics_free(&m);
	}
	pricing_free(und);
	/* the same cells priced at today's prices are not the reports' */
	assert_int_equal(store_metrics_read(s, p, 0, &m, err, sizeof(err)), 0);
	assert_int_equal(store_metrics_read(s, now, 0, &today, err, sizeof(err)), 0);
	for (i = 0; i < m.ncells && i < today.ncells; i++)
		differ += strcmp(m.cells[i].model, "claude-sonnet-4-5") == 0 &&
		    m.cells[i].cost_nanos != today.cells[i].cost_nanos;
	assert_true(differ >= NS);
	store_metrics_free(&m);
	store_metrics_free(&today);
	store_close(s);
	pricing_free(p);
	pricing_free(now);
}

/* An undated table whose rates are whole nano-dollars a token (and a
 * search), with batch rows, long context, routed rows, tags and web
 * searches: the lifetime cells alone price every model × source, and each
 * tag its own cost, to the report's nano-dollar (the day cells are not
 * read: poisoned, nothing changes). */
static void
test_lifetime_cells_when_exact(void **state)
{
	static const char *const lm[] = { "claude-sonnet-4-5", "claude-sonnet-4-5-20250929",
		"claude-haiku-4-5", "mystery-1" };
	struct store_metrics m[2], again;
	struct pricing *p;
	struct usage u;
	struct store *s;
	char err[512], path[512];
	size_t i;
	int t;
	(void)state;

	assert_non_null(p = pricing_parse("{\"batch_factor\":{\"num\":1,\"den\":2},"
	    "\"server_tools\":[{\"id\":\"web_search\",\"usd_per_1000\":\"10\"}],"
	    "\"models\":[{\"id\":\"claude-sonnet-4-5\",\"aliases\":[\"claude-sonnet-4-5-20250929\"],"
	    "\"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\",\"cache_read\":\"0.30\","
	    "\"output\":\"15\",\"long\":{\"threshold\":200000,\"input\":\"6\",\"write_5m\":\"7.50\","
	    "\"write_1h\":\"12\",\"cache_read\":\"0.60\",\"output\":\"22.50\"}},"
	    "{\"id\":\"claude-haiku-4-5\",\"input\":\"1\",\"write_5m\":\"1.25\",\"write_1h\":\"2\","
	    "\"cache_read\":\"0.10\",\"output\":\"5\"}]}", "exact", err, sizeof(err)));
	snprintf(path, sizeof(path), "%s", fx_ledger_shared("x.db"));
	assert_non_null(s = store_open(path, err, sizeof(err)));
	for (i = 0; i < 1200; i++) {
		memset(&u, 0, sizeof(u));
		u.ts_ms = 1762776000000LL + (int64_t)rnd(2400) * 3600000LL + (int64_t)rnd(3600000);
		usage_strlcpy(u.model, lm[rnd(4)], sizeof(u.model));
		usage_strlcpy(u.source, sources[rnd(NS)], sizeof(u.source));
		usage_strlcpy(u.tag, tags[rnd(NT)], sizeof(u.tag));
		snprintf(u.request_id, sizeof(u.request_id), "req_x%zu", i);
		usage_strlcpy(u.host, hosts[rnd(NH)], sizeof(u.host));
		u.tok.input = (int64_t)rnd(250001);
		u.tok.write_5m = (int64_t)rnd(777);
		u.tok.cache_read = (int64_t)rnd(50001);
		u.tok.output = (int64_t)rnd(901);
		u.web_search_requests = rnd(3) == 0 ? (int64_t)rnd(7) : 0;
		if (rnd(4) == 0)
			usage_strlcpy(u.tier, "cheap", sizeof(u.tier));
		if (strcmp(u.source, "batch") == 0 || rnd(5) == 0)
			usage_strlcpy(u.service_tier, "batch", sizeof(u.service_tier));
		assert_int_equal(store_insert_usage(s, &u, NULL, err, sizeof(err)), 0);
	}
	for (t = 0; t < 2; t++) {
		assert_int_equal(store_metrics_read(s, p, t, &m[t], err, sizeof(err)), 0);
		assert_int_equal(check_report(s, p, &m[t]), NH);
	}
	fx_sql(path, "UPDATE rollup_ds SET input = -5");
	for (t = 0; t < 2; t++) {
		assert_int_equal(store_metrics_read(s, p, t, &again, err, sizeof(err)), 0);
		assert_int_equal(again.ncells, m[t].ncells);
		for (i = 0; i < again.ncells; i++)
			assert_memory_equal(&again.cells[i], &m[t].cells[i], sizeof(again.cells[i]));
		store_metrics_free(&m[t]);
		store_metrics_free(&again);
	}
	store_close(s);
	pricing_free(p);
}

static void
test_batches_and_poison(void **state)
{
	struct pricing *dp;
	struct store_metrics m;
	struct batch_rec b;
	struct usage u;
	struct store *s;
	char err[512], path[512];
	size_t i;
	(void)state;

	snprintf(path, sizeof(path), "%s", fx_ledger_shared("m.db"));
	assert_non_null(s = store_open(path, err, sizeof(err)));
	for (i = 0; i < 5; i++) {
		memset(&b, 0, sizeof(b));
		snprintf(b.id, sizeof(b.id), "msgbatch_%zu", i);
		usage_strlcpy(b.status, i < 3 ? "ended" : "in_progress", sizeof(b.status));
		assert_int_equal(store_batch_put(s, &b, err, sizeof(err)), 0);
	}
	memset(&u, 0, sizeof(u));
	u.ts_ms = 1762776000000LL;
	usage_strlcpy(u.model, "claude-haiku-4-5", sizeof(u.model));
	usage_strlcpy(u.source, "call", sizeof(u.source));
	u.tok.input = 10;
	assert_int_equal(store_insert_usage(s, &u, NULL, err, sizeof(err)), 0);
	usage_strlcpy(u.provider, "openai", sizeof(u.provider));   /* the same id, OpenAI's */
	usage_strlcpy(u.request_id, "req_o", sizeof(u.request_id));
	assert_int_equal(store_insert_usage(s, &u, NULL, err, sizeof(err)), 0);
	assert_int_equal(store_metrics_read(s, NULL, 0, &m, err, sizeof(err)), 0);
	assert_int_equal(m.nbatches, 2);
	assert_string_equal(m.batches[0].provider, "anthropic");
	assert_string_equal(m.batches[0].status, "ended");
	assert_int_equal(m.batches[0].count, 3);
	assert_int_equal(m.batches[1].count, 2);
	assert_int_equal(m.ncells, 2);                          /* one per provider */
	assert_string_equal(m.cells[0].provider, "anthropic");
	assert_string_equal(m.cells[1].provider, "openai");
	assert_int_equal(m.cells[0].unpriced_requests, 1);     /* no prices: all unpriced */
	store_metrics_free(&m);
	/* dated prices: the cost is read from the day cells */
	assert_non_null(dp = pricing_parse(dated_json, "dated", err, sizeof(err)));
	fx_sql(path, "UPDATE rollup_ds SET input = -5");
	assert_int_equal(store_metrics_read(s, dp, 0, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no rows can make"));
	assert_int_equal(m.ncells, 0);
	fx_sql(path, "UPDATE rollup_ds SET input = 10");
	assert_int_equal(store_metrics_read(s, dp, 1, &m, err, sizeof(err)), 0);
	store_metrics_free(&m);
	fx_sql(path, "UPDATE rollup_lt SET web_search = -1");  /* and first the lifetime cells */
	assert_int_equal(store_metrics_read(s, NULL, 0, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no rows can make"));
	assert_int_equal(store_metrics_read(s, dp, 1, &m, err, sizeof(err)), -1);
	store_close(s);
	pricing_free(dp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brute_force),
		cmocka_unit_test(test_dated_prices_and_web_search),
		cmocka_unit_test(test_lifetime_cells_when_exact),
		cmocka_unit_test(test_batches_and_poison),
	};
	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
