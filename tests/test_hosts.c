/* test_hosts.c — every row knows its host (issue 13), on both backends:
 * writers stamp the store's host on rows without one (row by row, in bulk,
 * hostile names made safe), host_seen follows every write exactly (replaced
 * rows, rolled-back ones), the spool keeps a row's host, a ledger from
 * before migration 18 has its rows set to the migrating host, and reports
 * by host or of one host (rollup_dh for whole UTC days, rollup_hh for other
 * hours, raw rows for the rest) equal a brute force over the raw rows, to
 * the nano-dollar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/text.h"
#include "data/spool.h"
#include "data/store.h"
#include "data/store_int.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

#define HOUR 3600000LL
#define BASE 1772236800000LL      /* 2026-02-28T00:00Z */

static const char prices_json[] =
	"{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	"{\"id\":\"claude-sonnet-4-5\",\"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\","
	" \"cache_read\":\"0.30\",\"output\":\"15\"},"
	"{\"id\":\"claude-haiku-4-5\",\"input\":\"1\",\"write_5m\":\"1.25\",\"write_1h\":\"2\","
	" \"cache_read\":\"0.10\",\"output\":\"5\"}],"
	"\"server_tools\":[{\"id\":\"web_search\",\"usd_per_1000\":\"10\"}]}";

static struct usage
row(const char *id, int64_t ts, const char *host, int64_t input)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	u.ts_ms = ts;
	usage_strlcpy(u.model, "claude-haiku-4-5", sizeof(u.model));
	usage_strlcpy(u.source, "proxy", sizeof(u.source));
	usage_strlcpy(u.message_id, id, sizeof(u.message_id));
	usage_strlcpy(u.host, host, sizeof(u.host));
	u.tok.input = input;
	u.tok.output = 10;
	return u;
}

static void
put(struct store *s, const struct usage *u)
{
	char err[512];

	if (store_insert_usage(s, u, NULL, err, sizeof(err)) != 0)
		fail_msg("insert: %s", err);
}

struct grab {
	struct usage rows[16];
	int          n;
};

static int
grab_row(const struct usage *u, void *arg)
{
	struct grab *g = arg;

	if (g->n < 16)
		g->rows[g->n] = *u;
	g->n++;
	return 0;
}

static struct grab
all_rows(struct store *s)
{
	struct grab g;
	char err[512];

	memset(&g, 0, sizeof(g));
	if (store_each_usage(s, 0, 0, grab_row, &g, err, sizeof(err)) != 0)
		fail_msg("each: %s", err);
	return g;
}

/* host_seen as a list; the caller frees. */
static struct store_host *
seen(struct store *s, size_t *n)
{
	struct store_host *h = NULL;
	char err[512];

	if (store_hosts_seen(s, &h, n, err, sizeof(err)) != 0)
		fail_msg("hosts seen: %s", err);
	return h;
}

static void
test_stamping(void **state)
{
	char err[512], longhost[600], *p;
	struct store *s;
	struct usage u;
	struct grab g;
	size_t i;

	(void)state;
	assert_non_null(s = store_open_host(fx_ledger(), "alpha", err, sizeof(err)));
	assert_string_equal(store_host(s), "alpha");
	u = row("msg_1", BASE, "", 100);
	put(s, &u);                                  /* stamped with the store's */
	u = row("msg_2", BASE + 1, "beta", 100);
	put(s, &u);                                  /* keeps its own (ledger merge) */
	store_set_host(s, NULL);                     /* NULL keeps the host */
	assert_string_equal(store_host(s), "alpha");
	store_set_host(s, "gamma");
	u = row("msg_3", BASE + 2, "", 100);
	put(s, &u);
	/* the bulk path (imports) stamps too */
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	u = row("msg_4", BASE + 3, "", 100);
	assert_int_equal(store_put_bulk(s, &u, NULL, err, sizeof(err)), 0);
	u = row("msg_4", BASE + 3, "", 200);         /* a larger copy of the same */
	assert_int_equal(store_put_bulk(s, &u, NULL, err, sizeof(err)), 0);
	assert_int_equal(store_commit(s, err, sizeof(err)), 0);
	/* hostile names: control characters and bidi marks never stored raw;
	 * a very long one cut on a character boundary */
	store_set_host(s, "ev\x1b[31mil\xe2\x80\xae" "host\x01");
	u = row("msg_5", BASE + 4, "", 100);
	put(s, &u);
	for (p = longhost, i = 0; i < 150; i++, p += 3)
		memcpy(p, "\xed\x95\x9c", 3);            /* 한 × 150 = 450 bytes */
	*p = '\0';
	u = row("msg_6", BASE + 5, longhost, 100);
	put(s, &u);

	g = all_rows(s);
	assert_int_equal(g.n, 6);
	assert_string_equal(g.rows[0].host, "alpha");
	assert_string_equal(g.rows[1].host, "beta");
	assert_string_equal(g.rows[2].host, "gamma");
	assert_string_equal(g.rows[3].host, "gamma");
	assert_int_equal(g.rows[3].tok.input, 200);
	assert_null(strchr(g.rows[4].host, '\x1b'));
	assert_null(strchr(g.rows[4].host, '\x01'));
	assert_null(strstr(g.rows[4].host, "\xe2\x80\xae"));
	assert_non_null(strstr(g.rows[4].host, "host"));
	assert_true(strlen(g.rows[5].host) < USAGE_HOST_MAX);
	assert_int_equal(strlen(g.rows[5].host) % 3, 0);   /* whole characters */
	assert_int_equal(strncmp(g.rows[5].host, longhost, strlen(g.rows[5].host)), 0);
	store_close(s);
}

static void
test_hosts_seen(void **state)
{
	struct store_host *h;
	struct store *s;
	struct usage u;
	char err[512];
	size_t n;

	(void)state;
	assert_non_null(s = store_open_host(fx_ledger(), "b-host", err, sizeof(err)));
	h = seen(s, &n);
	assert_int_equal(n, 0);
	free(h);
	u = row("m1", BASE + 5000, "", 10);
	put(s, &u);
	u = row("m2", BASE + 1000, "", 10);          /* older: last_ms stays */
	put(s, &u);
	u = row("m3", BASE + 7000, "a-host", 10);
	put(s, &u);
	u = row("m4", BASE + 9000, "c-host", 10);
	put(s, &u);
	/* c-host's row replaced by a larger copy from a-host: the count moves */
	u = row("m4", BASE + 9500, "a-host", 20);
	put(s, &u);
	/* a rolled-back transaction counts nothing */
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	u = row("m5", BASE + 99999, "", 10);
	put(s, &u);
	store_rollback(s);

	h = seen(s, &n);
	assert_int_equal(n, 2);                      /* c-host has no row left */
	assert_string_equal(h[0].host, "a-host");
	assert_int_equal(h[0].requests, 2);
	assert_int_equal(h[0].last_ms, BASE + 9500);
	assert_string_equal(h[1].host, "b-host");
	assert_int_equal(h[1].requests, 2);
	assert_int_equal(h[1].last_ms, BASE + 5000);
	free(h);
	store_close(s);
}

/* The spool keeps the host a row had when it was spooled: a row spooled
 * by one process and flushed by another (another host's, even) is the
 * spooler's. */
static void
test_spool_keeps_host(void **state)
{
	const char *target = fx_ledger_shared("spooled.db");
	struct spool_item it[2];
	struct store *a, *b;
	struct spool *sp;
	struct grab g;
	char err[512], path[512];
	int64_t flushed = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/state/spool.db", fx_tmpdir);
	assert_non_null(a = store_open_host(target, "spooler", err, sizeof(err)));
	assert_non_null(b = store_open_host(target, "flusher", err, sizeof(err)));
	assert_non_null(sp = spool_open(path, err, sizeof(err)));
	memset(it, 0, sizeof(it));
	it[0].kind = it[1].kind = SPOOL_USAGE;
	it[0].u = row("sp_1", BASE, "", 100);
	it[1].u = row("sp_2", BASE + 1, "merged-from", 100);
	if (spool_append(sp, a, it, 2, NULL, err, sizeof(err)) != 0)
		fail_msg("append: %s", err);
	if (spool_flush(sp, b, &flushed, err, sizeof(err)) != 0)
		fail_msg("flush: %s", err);
	assert_int_equal(flushed, 2);
	g = all_rows(b);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.rows[0].host, "spooler");
	assert_string_equal(g.rows[1].host, "merged-from");
	spool_close(sp);
	store_close(a);
	store_close(b);
}

/* ---- reports against a brute force ---------------------------------------- */

struct brute {
	enum report_group g;
	const struct pricing *p;
	const char *host, *tag;
	char        keys[128][USAGE_HOST_MAX];
	int64_t     req[128], cost[128], in[128];
	int         n;
};

static int
brute_row(const struct usage *u, void *arg)
{
	struct brute *b = arg;
	char day[32];
	const char *key = "";
	time_t t = (time_t)(u->ts_ms / 1000);
	struct tm tm;
	int64_t c = 0;
	int i;

	if (b->host != NULL && strcmp(u->host, b->host) != 0)
		return 0;
	if (b->tag != NULL && strcmp(u->tag, b->tag) != 0)
		return 0;
	if (b->g == REPORT_HOST)
		key = u->host;
	else if (b->g == REPORT_MODEL)
		key = u->model;
	else if (b->g == REPORT_SOURCE)
		key = u->source;
	else if (b->g == REPORT_DAY || b->g == REPORT_MONTH || b->g == REPORT_HOUR) {
		localtime_r(&t, &tm);
		strftime(day, sizeof(day), b->g == REPORT_DAY ? "%Y-%m-%d" : b->g == REPORT_MONTH ?
		    "%Y-%m" : "%Y-%m-%d %H", &tm);
		key = day;
	}
	for (i = 0; i < b->n && strcmp(b->keys[i], key) != 0; i++)
		;
	if (i == b->n) {
		assert_true(b->n < 128);
		snprintf(b->keys[b->n++], sizeof(b->keys[0]), "%s", key);
	}
	assert_int_equal(pricing_usage_cost(b->p, u, &c), 0);
	b->req[i]++;
	b->cost[i] += c;
	b->in[i] += u->tok.input;
	return 0;
}

static void
check_report(struct store *s, const struct pricing *p, const struct report_query *q)
{
	struct report r;
	struct brute b;
	char err[512];
	size_t k;
	int j;

	if (store_report(s, p, q, &r, err, sizeof(err)) != 0)
		fail_msg("report: %s", err);
	memset(&b, 0, sizeof(b));
	b.g = q->group;
	b.p = p;
	b.host = q->host;
	b.tag = q->tag;
	assert_int_equal(store_each_usage(s, q->since_ms, q->until_ms, brute_row, &b, err,
	    sizeof(err)), 0);
	if (q->group == REPORT_TOTAL) {
		for (j = 1; j < b.n; j++)
			b.cost[0] += b.cost[j], b.req[0] += b.req[j];
		assert_int_equal(r.totals.requests, b.n ? b.req[0] : 0);
		assert_int_equal(r.totals.cost_nanos, b.n ? b.cost[0] : 0);
		store_report_free(&r);
		return;
	}
	if ((int)r.nrows != b.n)
		fail_msg("group %d host %s tag %s since %lld: %d rows, brute force %d",
		    (int)q->group, q->host ? q->host : "(all)", q->tag ? q->tag : "(all)",
		    (long long)q->since_ms, (int)r.nrows, b.n);
	for (k = 0; k < r.nrows; k++) {
		for (j = 0; j < b.n && strcmp(b.keys[j], r.rows[k].key) != 0; j++)
			;
		if (j == b.n)
			fail_msg("group %d: key '%s' not in brute force", (int)q->group, r.rows[k].key);
		assert_int_equal(r.rows[k].requests, b.req[j]);
		assert_int_equal(r.rows[k].cost_nanos, b.cost[j]);
		assert_int_equal(r.rows[k].tok.input, b.in[j]);
	}
	store_report_free(&r);
}

static const char *const hosts[] = { "alpha", "beta", "서버-3", "" /* the store's */ };

/* n rows (ids PREFIX_i) over three days from four writers, some replaced
 * from another host. */
static void
fill(struct store *s, const char *prefix, int n)
{
	char err[512];
	uint64_t seed = 11;
	struct usage u;
	int i;

	for (i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		memset(&u, 0, sizeof(u));
		u.ts_ms = BASE + (int64_t)((seed >> 33) % (3 * 24 * 60)) * 60000 +
		    (int64_t)(seed % 60000);
		usage_strlcpy(u.model, i % 3 ? "claude-sonnet-4-5" : "claude-haiku-4-5",
		    sizeof(u.model));
		usage_strlcpy(u.source, i % 5 ? "proxy" : "call", sizeof(u.source));
		usage_strlcpy(u.tag, i % 4 ? "" : "t1", sizeof(u.tag));
		usage_strlcpy(u.host, hosts[(seed >> 20) % 4], sizeof(u.host));
		snprintf(u.message_id, sizeof(u.message_id), "%s_%d", prefix, i % 7 == 6 ? i - 1 : i);
		u.tok.input = 1 + (int64_t)((seed >> 8) % 1000) + (i % 7 == 6 ? 5000 : 0);
		u.tok.output = 1 + (int64_t)((seed >> 4) % 100);
		u.web_search_requests = (int64_t)((seed >> 24) % 2);
		if (store_insert_usage(s, &u, NULL, err, sizeof(err)) != 0)
			fail_msg("insert: %s", err);
	}
}

static void
check_all(struct store *s, const struct pricing *p)
{
	static const enum report_group groups[] = { REPORT_HOST, REPORT_DAY, REPORT_MONTH,
	    REPORT_MODEL, REPORT_SOURCE, REPORT_HOUR, REPORT_TOTAL };
	static const char *const filters[] = { NULL, "alpha", "서버-3", "local-box", "nobody" };
	struct report_query q;
	size_t gi, fi, bi;

	for (gi = 0; gi < sizeof(groups) / sizeof(groups[0]); gi++)
		for (fi = 0; fi < sizeof(filters) / sizeof(filters[0]); fi++)
			for (bi = 0; bi < 3; bi++) {
				memset(&q, 0, sizeof(q));
				q.group = groups[gi];
				q.host = filters[fi];
				/* whole days (rollup_dh), bounds that cut hours, a tag */
				q.since_ms = bi == 0 ? 0 : BASE + 7 * HOUR + 13 * 60000;
				q.until_ms = bi == 0 ? 0 : BASE + 52 * HOUR + 1234;
				q.tag = bi == 2 ? "t1" : NULL;
				check_report(s, p, &q);
			}
}

static void
test_reports_exact(void **state)
{
	static const char *const zones[] = { "UTC", "Asia/Kolkata", "America/New_York" };
	struct pricing *p;
	struct store *s;
	char err[512];
	size_t z;

	(void)state;
	assert_non_null(p = pricing_parse(prices_json, "test", err, sizeof(err)));
	assert_non_null(s = store_open_host(fx_ledger(), "local-box", err, sizeof(err)));
	fill(s, "msg", 700);
	for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		check_all(s, p);
	}
	setenv("TZ", "UTC", 1);
	tzset();
	store_close(s);
	pricing_free(p);
}

/* A ledger from before hosts (migration 18 undone, wherever it sits): its
 * rows become the migrating host's, rollup_dh, rollup_hh and host_seen are
 * filled. */
static void
test_migration(void **state)
{
	const char *target = fx_ledger_shared("mig.db");
	struct store_host *h;
	struct pricing *p;
	struct store *s;
	struct grab g;
	char err[512];
	size_t n;
	int from, v;

	(void)state;
	for (from = 0; from < store_nmigrations &&
	    strstr(store_migrations[from], "ADD COLUMN host") == NULL; from++)
		;
	assert_true(from < store_nmigrations);
	assert_non_null(p = pricing_parse(prices_json, "test", err, sizeof(err)));
	assert_non_null(s = store_open_host(target, "laptop", err, sizeof(err)));
	v = store_schema_version(s);
	fill(s, "msg", 300);
	store_close(s);
	fx_sql(target, "DROP INDEX IF EXISTS usage_host; DROP TABLE rollup_dh; DROP TABLE rollup_hh;"
	    " DROP TABLE host_seen;"
	    " ALTER TABLE usage DROP COLUMN host;");
	fx_set_schema_version(target, from);

	/* opened by a host whose name needs quoting in SQL */
	assert_non_null(s = store_open_host(target, "o'brien's \\box", err, sizeof(err)));
	assert_int_equal(store_schema_version(s), v);
	g = all_rows(s);
	assert_int_equal(g.n, 300 - 300 / 7);
	assert_string_equal(g.rows[0].host, "o'brien's \\box");
	assert_string_equal(g.rows[15].host, "o'brien's \\box");
	h = seen(s, &n);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].host, "o'brien's \\box");
	assert_int_equal(h[0].requests, 300 - 300 / 7);
	free(h);
	setenv("TZ", "UTC", 1);
	tzset();
	check_all(s, p);              /* rollup_dh as filled equals the raw rows */
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	check_all(s, p);              /* and rollup_hh (days cut by the zone) */
	setenv("TZ", "UTC", 1);
	tzset();
	/* and kept from then on: new rows of another host */
	store_set_host(s, "desk");
	fill(s, "new", 50);
	check_all(s, p);
	h = seen(s, &n);
	assert_true(n >= 2);
	free(h);
	store_close(s);
	pricing_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamping),
		cmocka_unit_test(test_hosts_seen),
		cmocka_unit_test(test_spool_keeps_host),
		cmocka_unit_test(test_reports_exact),
		cmocka_unit_test(test_migration),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
