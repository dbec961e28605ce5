/* fx_report.c — the report tests' fixture; see fx_report.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "data/store.h"
#include "tests/lib/fx_db.h"
#include "tests/lib/fx_report.h"

/* A table of our own so the figures below do not move with share/. */
static const char prices_json[] =
	"{\"batch_factor\":{\"num\":1,\"den\":2},\"models\":["
	"{\"id\":\"claude-sonnet-4-5\",\"aliases\":[],"
	" \"input\":\"3\",\"write_5m\":\"3.75\",\"write_1h\":\"6\",\"cache_read\":\"0.30\",\"output\":\"15\","
	" \"long\":{\"threshold\":200000,\"input\":\"6\",\"write_5m\":\"7.50\",\"write_1h\":\"12\","
	"  \"cache_read\":\"0.60\",\"output\":\"22.50\"}},"
	"{\"id\":\"claude-haiku-4-5\",\"aliases\":[],"
	" \"input\":\"1\",\"write_5m\":\"1.25\",\"write_1h\":\"2\",\"cache_read\":\"0.10\",\"output\":\"5\"},"
	"{\"id\":\"claude-opus-4-6\",\"aliases\":[],"
	" \"input\":\"5\",\"write_5m\":\"6.25\",\"write_1h\":\"10\",\"cache_read\":\"0.50\",\"output\":\"25\","
	" \"fast\":\"6\",\"us_geo\":\"1.1\"},"
	"{\"id\":\"gpt-4.1\",\"provider\":\"openai\",\"aliases\":[],"
	" \"input\":\"2\",\"cache_read\":\"0.50\",\"output\":\"8\",\"priority\":\"2\"}"
	"]}";

int
fxr_setup(void **state)
{
	char err[512];
	struct fxr *f = calloc(1, sizeof(*f));

	f->p = pricing_parse(prices_json, "test", err, sizeof(err));
	if (f->p == NULL)
		fail_msg("prices: %s", err);
	f->s = store_open(fx_ledger(), err, sizeof(err));
	if (f->s == NULL)
		fail_msg("open: %s", err);
	*state = f;
	return 0;
}

int
fxr_setup_file(void **state)
{
	char err[512];
	struct fxr *f;
	int fd;

	fxr_setup(state);
	f = *state;
	store_close(f->s);
	if (fx_pg)
		snprintf(f->path, sizeof(f->path), "%s", fx_ledger());
	else {
		snprintf(f->path, sizeof(f->path), "/tmp/tokentop-report-XXXXXX");
		if ((fd = mkstemp(f->path)) < 0)
			fail_msg("mkstemp");
		close(fd);
	}
	if ((f->s = store_open(f->path, err, sizeof(err))) == NULL)
		fail_msg("open: %s", err);
	return 0;
}

int
fxr_teardown(void **state)
{
	struct fxr *f = *state;
	char p[80];

	if (f->path[0] != '\0' && !fx_pg) {
		unlink(f->path);
		snprintf(p, sizeof(p), "%s-wal", f->path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", f->path);
		unlink(p);
	}
	store_close(f->s);
	pricing_free(f->p);
	free(f);
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

void
fxr_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

struct usage
fxr_mk(const char *model, const char *source, const char *tag, int64_t ts, const char *id)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	u.ts_ms = ts;
	usage_strlcpy(u.model, model, sizeof(u.model));
	usage_strlcpy(u.source, source, sizeof(u.source));
	usage_strlcpy(u.tag, tag, sizeof(u.tag));
	usage_strlcpy(u.request_id, id, sizeof(u.request_id));
	return u;
}

void
fxr_put(struct fxr *f, const struct usage *u)
{
	char err[512];
	enum store_put r;

	if (store_insert_usage(f->s, u, &r, err, sizeof(err)) != 0)
		fail_msg("insert: %s", err);
	assert_int_equal(r, STORE_ADDED);
}

void
fxr_report(struct fxr *f, struct report_query *q, struct report *r)
{
	char err[512];

	if (store_report(f->s, f->p, q, r, err, sizeof(err)) != 0)
		fail_msg("report: %s", err);
}

void
fxr_seed_hand(struct fxr *f)
{
	struct usage u;

	u = fxr_mk("claude-sonnet-4-5-20250929", "import", "", FXR_T0, "req_A");
	u.tok.input = 199000;
	u.tok.write_5m = 1000;
	u.tok.output = 1000;
	fxr_put(f, &u);
	u = fxr_mk("claude-sonnet-4-5", "call", "", FXR_T0 + 60000, "req_B");
	u.tok.input = 200001;
	u.tok.output = 1000;
	fxr_put(f, &u);
	u = fxr_mk("claude-haiku-4-5", "batch", "nightly", FXR_T0 + 120000, "req_C");
	u.tok.input = 10000;
	u.tok.cache_read = 50000;
	u.tok.output = 2000;
	fxr_put(f, &u);
	u = fxr_mk("mystery-model-1", "import", "", FXR_T0 + 180000, "req_D");
	u.tok.input = 100;
	u.tok.output = 100;
	fxr_put(f, &u);
	u = fxr_mk("claude-haiku-4-5", "call", "nightly", FXR_T0 + 240000, "req_E");
	u.tok.write_1h = 4000;
	u.tok.input = 500;
	u.tok.output = 300;
	usage_strlcpy(u.stop_reason, "max_tokens", sizeof(u.stop_reason));
	fxr_put(f, &u);
}
