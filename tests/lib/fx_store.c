/* fx_store.c — the store tests' rows and checks; see fx_store.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "data/store.h"
#include "tests/lib/fx_store.h"

struct store *
fxs_open(const char *path)
{
	char err[512];
	struct store *s = store_open(path, err, sizeof(err));

	if (s == NULL)
		fail_msg("store_open %s: %s", path, err);
	return s;
}

struct usage
fxs_row(const char *model, const char *msg, const char *req, int64_t ts, int64_t in,
        int64_t out)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	u.ts_ms = ts;
	usage_strlcpy(u.model, model, sizeof(u.model));
	usage_strlcpy(u.source, "import", sizeof(u.source));
	usage_strlcpy(u.provider, "anthropic", sizeof(u.provider));   /* as the ledger reads it */
	usage_strlcpy(u.message_id, msg, sizeof(u.message_id));
	usage_strlcpy(u.request_id, req, sizeof(u.request_id));
	u.tok.input = in;
	u.tok.output = out;
	return u;
}

enum store_put
fxs_put(struct store *s, const struct usage *u)
{
	char err[512];
	enum store_put r = (enum store_put)-1;

	if (store_insert_usage(s, u, &r, err, sizeof(err)) != 0)
		fail_msg("insert: %s", err);
	return r;
}

int64_t
fxs_count(struct store *s)
{
	char err[512];
	int64_t n = -1;

	assert_int_equal(store_count_usage(s, &n, err, sizeof(err)), 0);
	return n;
}

struct report_row
fxs_totals(struct store *s)
{
	struct report_query q;
	struct report r;
	struct report_row t;
	char err[512];

	memset(&q, 0, sizeof(q));
	q.group = REPORT_TOTAL;
	if (store_report(s, NULL, &q, &r, err, sizeof(err)) != 0)
		fail_msg("report: %s", err);
	assert_int_equal(r.nrows, 0);
	t = r.totals;
	store_report_free(&r);
	return t;
}
