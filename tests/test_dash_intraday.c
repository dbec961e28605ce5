/* test_dash_intraday.c — the dashboard's intraday figures from a ledger of
 * hand-placed rows: spend and tokens per hour for the last 24 hours (as
 * `report` has them), the last 60 minutes in 5-minute slots, $/h and tokens
 * for the rate, the header's unfiltered last hour beside a tag filter,
 * a host filter that narrows the header's last hour too, rows outside the windows left out, unpriced rows counted but not priced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/dash_intraday.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

/* $1 per million tokens of every kind: a row's cost is its tokens in
 * micro-dollars, so every figure below is easy to check by hand. */
static const char prices_json[] =
	"{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	"{\"id\":\"m-one\",\"aliases\":[],"
	" \"input\":\"1\",\"write_5m\":\"1\",\"write_1h\":\"1\",\"cache_read\":\"1\",\"output\":\"1\"}"
	"]}";

#define NOW  1762776000000LL + 30 * 60000LL   /* 2025-11-10T12:30:00Z */
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

/* A row of `input` input and `output` output tokens at ts. */
static void
row(struct fx *f, const char *model, const char *tag, int64_t ts, int64_t input, int64_t output)
{
	struct usage u;
	char err[512];

	memset(&u, 0, sizeof(u));
	u.ts_ms = ts;
	snprintf(u.model, sizeof(u.model), "%s", model);
	snprintf(u.source, sizeof(u.source), "call");
	snprintf(u.tag, sizeof(u.tag), "%s", tag);
	snprintf(u.request_id, sizeof(u.request_id), "req_%d", f->n++);
	u.tok.input = input;
	u.tok.output = output;
	if (store_insert_usage(f->s, &u, NULL, err, sizeof(err)) != 0)
		fail_msg("insert: %s", err);
}

static void
test_hours_and_slots(void **state)
{
	struct fx *f = *state;
	struct dash_data d;
	char err[512];
	int k;

	memset(&d, 0, sizeof(d));
	row(f, "m-one", "", NOW - 2 * MIN, 1000, 500);            /* last slot; hour 12 */
	row(f, "m-one", "web", NOW - 12 * MIN, 2000, 0);           /* slot 9; hour 12 */
	row(f, "m-one", "", NOW - 59 * MIN, 4000, 0);              /* slot 0; hour 11 */
	row(f, "m-one", "", NOW - 61 * MIN, 8000, 0);              /* hour 11, not the last 60 min */
	row(f, "m-one", "", NOW - 23 * HOUR - 20 * MIN, 16000, 0); /* 13:10 yesterday: hour 0 */
	row(f, "m-one", "", NOW - 25 * HOUR, 32000, 0);            /* before the 24 hours */
	row(f, "m-nope", "", NOW - 7 * MIN, 64000, 0);             /* unpriced: slot 10 */
	row(f, "m-one", "", NOW + 5 * MIN, 128000, 0);             /* in the future: not yet */
	assert_int_equal(dash_intraday_fill(f->s, f->p, NOW, NULL, NULL, &d, err, sizeof(err)), 0);
	assert_int_equal(d.intra.hour0_ms, NOW - 30 * MIN - 23 * HOUR);
	/* hour 23 (12:00-13:00): 1500 + 2000 + 64000 unpriced + 128000 */
	assert_int_equal(d.intra.hour_cost[23], (1500 + 2000 + 128000) * 1000LL);
	assert_int_equal(d.intra.hour_tok[23], 1500 + 2000 + 64000 + 128000);
	assert_int_equal(d.intra.hour_cost[22], (4000 + 8000) * 1000LL);
	assert_int_equal(d.intra.hour_cost[0], 16000 * 1000LL);
	for (k = 1; k < 22; k++)
		assert_int_equal(d.intra.hour_cost[k], 0);
	assert_int_equal(d.intra.day_cost, (1500 + 2000 + 128000 + 12000 + 16000) * 1000LL);
	assert_int_equal(d.hour_reqs_n[23], 4);
	/* the last 60 minutes, in 5-minute slots, oldest first */
	assert_int_equal(d.intra.slot_cost[11], 1500 * 1000LL);
	assert_int_equal(d.intra.slot_cost[10], 0);       /* the unpriced row: no money */
	assert_int_equal(d.intra.slot_tok[10], 64000);
	assert_int_equal(d.intra.slot_cost[9], 2000 * 1000LL);
	assert_int_equal(d.intra.slot_cost[0], 4000 * 1000LL);
	assert_int_equal(d.intra.last_cost, (1500 + 2000 + 4000) * 1000LL);
	assert_int_equal(d.intra.last_tok, 1500 + 2000 + 4000 + 64000);
	assert_int_equal(d.intra.last_reqs, 4);
	/* the header's last hour: the same rows, every tag */
	assert_int_equal(d.hour_nanos, (1500 + 2000 + 4000) * 1000LL);
	assert_int_equal(d.hour_reqs, 4);
	assert_string_equal(d.intra.tag, "");
}

static void
test_tag_filter(void **state)
{
	struct fx *f = *state;
	struct dash_data d;
	char err[512];

	memset(&d, 0, sizeof(d));
	row(f, "m-one", "web", NOW - 2 * MIN, 1000, 0);
	row(f, "m-one", "", NOW - 4 * MIN, 2000, 0);
	row(f, "m-one", "web", NOW - 3 * HOUR, 4000, 0);
	assert_int_equal(dash_intraday_fill(f->s, f->p, NOW, "web", NULL, &d, err, sizeof(err)), 0);
	assert_string_equal(d.intra.tag, "web");
	assert_int_equal(d.intra.last_cost, 1000 * 1000LL);
	assert_int_equal(d.intra.hour_cost[23], 1000 * 1000LL);
	assert_int_equal(d.intra.hour_cost[20], 4000 * 1000LL);
	/* the header's $/h follows every tag, whatever the filter */
	assert_int_equal(d.hour_nanos, 3000 * 1000LL);
	assert_int_equal(d.hour_reqs, 2);
	/* "" is no filter */
	assert_int_equal(dash_intraday_fill(f->s, f->p, NOW, "", NULL, &d, err, sizeof(err)), 0);
	assert_int_equal(d.intra.last_cost, 3000 * 1000LL);
}

/* A row of host at ts. */
static void
host_row(struct fx *f, const char *host, int64_t ts, int64_t input)
{
	struct usage u;
	char err[512];

	memset(&u, 0, sizeof(u));
	u.ts_ms = ts;
	snprintf(u.model, sizeof(u.model), "m-one");
	snprintf(u.source, sizeof(u.source), "call");
	snprintf(u.host, sizeof(u.host), "%s", host);
	snprintf(u.request_id, sizeof(u.request_id), "req_%d", f->n++);
	u.tok.input = input;
	if (store_insert_usage(f->s, &u, NULL, err, sizeof(err)) != 0)
		fail_msg("insert: %s", err);
}

/* host:NAME is one host's view: the chart and the header's rate alike. */
static void
test_host_filter(void **state)
{
	struct fx *f = *state;
	struct dash_data d;
	char err[512];

	memset(&d, 0, sizeof(d));
	host_row(f, "web-01", NOW - 2 * MIN, 1000);
	host_row(f, "web-02", NOW - 4 * MIN, 2000);
	host_row(f, "web-01", NOW - 3 * HOUR, 4000);
	assert_int_equal(dash_intraday_fill(f->s, f->p, NOW, NULL, "web-01", &d, err,
	    sizeof(err)), 0);
	assert_int_equal(d.intra.last_cost, 1000 * 1000LL);
	assert_int_equal(d.intra.hour_cost[23], 1000 * 1000LL);
	assert_int_equal(d.intra.hour_cost[20], 4000 * 1000LL);
	assert_int_equal(d.hour_nanos, 1000 * 1000LL);
	assert_int_equal(d.hour_reqs, 1);
	assert_int_equal(dash_intraday_fill(f->s, f->p, NOW, NULL, "web-02", &d, err,
	    sizeof(err)), 0);
	assert_int_equal(d.hour_nanos, 2000 * 1000LL);
	assert_int_equal(d.intra.hour_cost[20], 0);
	/* "" is every host */
	assert_int_equal(dash_intraday_fill(f->s, f->p, NOW, NULL, "", &d, err, sizeof(err)), 0);
	assert_int_equal(d.hour_nanos, 3000 * 1000LL);
	assert_int_equal(d.intra.hour_cost[20], 4000 * 1000LL);
}

static void
test_empty(void **state)
{
	struct fx *f = *state;
	struct dash_data d;
	char err[512];
	int k;

	memset(&d, 0, sizeof(d));
	memset(&d.intra, 0x55, sizeof(d.intra));     /* stale figures are cleared */
	d.hour_nanos = 99;
	assert_int_equal(dash_intraday_fill(f->s, f->p, NOW, NULL, NULL, &d, err, sizeof(err)), 0);
	for (k = 0; k < DASH_HOURS; k++)
		assert_int_equal(d.intra.hour_cost[k], 0);
	assert_int_equal(d.intra.last_cost, 0);
	assert_int_equal(d.hour_nanos, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hours_and_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tag_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	};

	return FX_RUN_BACKENDS(tests, NULL, NULL);
}
