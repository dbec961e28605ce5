/* fx_merge.c — the ledger merge tests' fixtures (fx_merge.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "data/merge.h"
#include "data/store.h"
#include "tests/lib/fx_merge.h"
#include "tests/lib/fx_store.h"

struct usage
fxm_row(int i, const char *host)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	u.ts_ms = FXM_T0 + (int64_t)i * 60000;
	snprintf(u.model, sizeof(u.model), "%s", i % 3 ? "claude-sonnet-4-5" : "claude-haiku-4-5");
	snprintf(u.source, sizeof(u.source), "%s", i % 2 ? "proxy" : "import");
	snprintf(u.tag, sizeof(u.tag), "%s", i % 4 ? "" : "nightly");
	snprintf(u.host, sizeof(u.host), "%s", host);
	u.tok.input = 100 + i;
	u.tok.output = 10 + i;
	u.tok.cache_read = (int64_t)i * 7;
	return u;
}

void
fxm_put(struct store *s, const struct usage *u)
{
	char err[512];

	if (store_insert_usage(s, u, NULL, err, sizeof(err)) != 0)
		fail_msg("insert: %s", err);
}

/* n keyed rows (request ids from base) and, with keyless, four rows
 * without a key: two of them alike. */
void
fxm_seed_rows(struct store *s, int base, int n, int keyless, const char *host)
{
	struct usage u;
	int i;

	for (i = 0; i < n; i++) {
		u = fxm_row(base + i, host);
		snprintf(u.request_id, sizeof(u.request_id), "req_%d", base + i);
		fxm_put(s, &u);
	}
	for (i = 0; keyless && i < 4; i++) {
		u = fxm_row(1000 + (i == 3 ? 0 : i), host);   /* rows 0 and 3 alike */
		fxm_put(s, &u);
	}
}

struct rows {
	char   (*k)[48];
	size_t n;
};

static int
collect(const struct usage *u, void *arg)
{
	struct rows *r = arg;

	r->k = realloc(r->k, (r->n + 1) * sizeof(*r->k));
	merge_content_key(u, r->k[r->n++], sizeof(r->k[0]));
	return 0;
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Every row's content key, sorted. The caller frees r->k. */
static struct rows
fxm_contents(struct store *s)
{
	struct rows r = { NULL, 0 };
	char err[512];

	if (store_each_usage(s, 0, 0, collect, &r, err, sizeof(err)) != 0)
		fail_msg("each: %s", err);
	qsort(r.k, r.n, sizeof(*r.k), cmp_key);
	return r;
}

void
fxm_assert_same_rows(struct store *a, struct store *b)
{
	struct rows x = fxm_contents(a), y = fxm_contents(b);
	size_t i;

	assert_int_equal(x.n, y.n);
	for (i = 0; i < x.n; i++)
		assert_string_equal(x.k[i], y.k[i]);
	free(x.k);
	free(y.k);
}

/* The rollups agree with the rows: requests and tokens of the totals, and
 * the requests of the local days of a zone whose midnight is inside a UTC
 * hour. */
void
fxm_assert_rollups_exact(struct store *s, int64_t want_rows)
{
	struct report_query q = { .group = REPORT_MODEL };
	struct report r;
	struct rows x = fxm_contents(s);
	char err[512], *tz = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;

	free(x.k);
	assert_int_equal(x.n, want_rows);
	assert_int_equal(store_report(s, NULL, &q, &r, err, sizeof(err)), 0);
	assert_int_equal(r.totals.requests, want_rows);
	store_report_free(&r);
	setenv("TZ", "Asia/Kolkata", 1);
	q.group = REPORT_DAY;
	assert_int_equal(store_report(s, NULL, &q, &r, err, sizeof(err)), 0);
	assert_int_equal(r.totals.requests, want_rows);
	store_report_free(&r);
	if (tz != NULL)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	free(tz);
	tzset();
}

void
fxm_merge_ok(struct store *dst, struct store *src, size_t group, struct merge_stats *m)
{
	char err[512];

	if (merge_run(dst, src, group, NULL, NULL, m, err, sizeof(err)) != 0)
		fail_msg("merge: %s", err);
}

