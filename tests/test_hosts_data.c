/* test_hosts_data.c — the Hosts view's data (tui/hosts_data.c) from a ledger
 * of hand-placed rows on both backends: one row per host, today's spend and
 * requests (yesterday's rows leave them out but not the host), the share of
 * today's spend, the last row, stale after 15 minutes, sorting with ties by
 * name, finding a host by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/hosts_data.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

/* $1 per million tokens: a row's cost is its tokens in micro-dollars. */
static const char prices_json[] =
	"{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	"{\"id\":\"m-one\",\"aliases\":[],"
	" \"input\":\"1\",\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"output\":\"1\"}"
	"]}";

#define NOW  (1762776000000LL + 30 * 60000LL)   /* 2025-11-10T12:30:00Z */
#define HOUR 3600000LL
#define MIN  60000LL

struct fx {
	struct store   *s;
	struct pricing *p;
	int             n;
};

static int
setup(void **state)
{
	char err[512];
	struct fx *f = calloc(1, sizeof(*f));

	setenv("TZ", "UTC", 1);
	f->p = pricing_parse(prices_json, "test", err, sizeof(err));
	f->s = store_open(fx_ledger(), err, sizeof(err));
	if (f->p == NULL || f->s == NULL)
		fail_msg("setup: %s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	pricing_free(f->p);
	free(f);
	return 0;
}

static void
row(struct fx *f, const char *host, const char *model, int64_t ts, int64_t input)
{
	struct usage u;
	char err[512];

	memset(&u, 0, sizeof(u));
	u.ts_ms = ts;
	snprintf(u.model, sizeof(u.model), "%s", model);
	snprintf(u.source, sizeof(u.source), "call");
	snprintf(u.host, sizeof(u.host), "%s", host);
	snprintf(u.request_id, sizeof(u.request_id), "req_%d", f->n++);
	u.tok.input = input;
	if (store_insert_usage(f->s, &u, NULL, err, sizeof(err)) != 0)
		fail_msg("insert: %s", err);
}

static const struct hosts_row *
get(const struct hosts_data *hd, const char *host)
{
	int i = hosts_data_find(hd, host);

	if (i < 0)
		fail_msg("no row for %s", host);
	return &hd->rows[i];
}

static void
test_read(void **state)
{
	struct fx *f = *state;
	struct hosts_data hd = { 0 };
	const struct hosts_row *r;
	char err[512];

	row(f, "web-01", "m-one", NOW - 2 * MIN, 1000);
	row(f, "web-01", "m-one", NOW - 3 * HOUR, 2000);
	row(f, "web-01", "m-nope", NOW - 5 * MIN, 9999);      /* unpriced: a request, no money */
	row(f, "web-02", "m-one", NOW - 10 * MIN, 5000);
	row(f, "laptop", "m-one", NOW - 40 * MIN, 2000);
	row(f, "old-box", "m-one", NOW - 30 * HOUR, 7000);     /* yesterday only */
	assert_int_equal(hosts_data_read(f->s, f->p, NOW, &hd, err, sizeof(err)), 0);
	assert_int_equal(hd.n, 4);
	assert_int_equal(hd.total_nanos, 10000 * 1000LL);
	assert_int_equal(hd.total_reqs, 5);
	r = get(&hd, "web-01");
	assert_int_equal(r->cost_nanos, 3000 * 1000LL);
	assert_int_equal(r->requests, 3);
	assert_int_equal(r->unpriced, 1);
	assert_int_equal(r->share_permille, 300);
	assert_int_equal(r->last_ms, NOW - 2 * MIN);
	assert_false(hosts_stale(r, NOW));
	r = get(&hd, "web-02");
	assert_int_equal(r->share_permille, 500);
	assert_false(hosts_stale(r, NOW));                     /* 10 minutes */
	r = get(&hd, "laptop");
	assert_int_equal(r->last_ms, NOW - 40 * MIN);
	assert_true(hosts_stale(r, NOW));                      /* 40 minutes */
	r = get(&hd, "old-box");                               /* seen, nothing today */
	assert_int_equal(r->cost_nanos, 0);
	assert_int_equal(r->requests, 0);
	assert_int_equal(r->share_permille, 0);
	assert_true(hosts_stale(r, NOW));
	assert_int_equal(hosts_data_find(&hd, "nobody"), -1);
	hosts_data_free(&hd);
	assert_null(hd.rows);
	hosts_data_free(NULL);
}

static void
test_sort(void **state)
{
	struct fx *f = *state;
	struct hosts_data hd = { 0 };
	char err[512];

	row(f, "b", "m-one", NOW - 2 * MIN, 1000);
	row(f, "a", "m-one", NOW - 3 * MIN, 1000);             /* ties b on spend */
	row(f, "c", "m-one", NOW - 1 * MIN, 5000);
	assert_int_equal(hosts_data_read(f->s, f->p, NOW, &hd, err, sizeof(err)), 0);
	hosts_data_sort(&hd, HCOL_SPEND, 1);
	assert_string_equal(hd.rows[0].host, "c");
	assert_string_equal(hd.rows[1].host, "a");             /* ties by name */
	assert_string_equal(hd.rows[2].host, "b");
	hosts_data_sort(&hd, HCOL_HOST, 0);
	assert_string_equal(hd.rows[0].host, "a");
	assert_string_equal(hd.rows[2].host, "c");
	hosts_data_sort(&hd, HCOL_LAST, 1);
	assert_string_equal(hd.rows[0].host, "c");
	assert_string_equal(hd.rows[2].host, "a");
	assert_int_equal(hosts_data_find(&hd, "b"), 1);
	assert_string_equal(hosts_col_name(HCOL_SHARE), "share");
	hosts_data_free(&hd);
}

static void
test_empty(void **state)
{
	struct fx *f = *state;
	struct hosts_data hd = { 0 };
	char err[512];

	assert_int_equal(hosts_data_read(f->s, f->p, NOW, &hd, err, sizeof(err)), 0);
	assert_int_equal(hd.n, 0);
	assert_int_equal(hd.total_nanos, 0);
	hosts_data_sort(&hd, HCOL_SPEND, 1);
	hosts_data_free(&hd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	};

	return FX_RUN_BACKENDS(tests, NULL, NULL);
}
