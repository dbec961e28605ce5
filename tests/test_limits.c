/* test_limits.c — rate-limit headroom in the ledger (data/limits.c): the
 * latest figures per provider × model × key × kind, unknown figures kept,
 * older answers ignored, 429s per minute and of the last hour, old minutes
 * dropped; and the pending writer (tui/headroom.c): coalescing, and a
 * flush that fails keeps everything for the next one. */
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
#include "tui/headroom.h"

#define NOW 1796199360000LL     /* 2026-12-02T08:16:00Z */
#define MIN 60000LL

static struct ratelimit
rl_of(int64_t limit, int64_t remaining, int64_t reset)
{
	struct ratelimit rl;
	int k;

	for (k = 0; k < RATELIMIT_NKINDS; k++)
		rl.k[k].limit = rl.k[k].remaining = rl.k[k].reset_ms = -1;
	rl.k[RATELIMIT_REQUESTS].limit = limit;
	rl.k[RATELIMIT_REQUESTS].remaining = remaining;
	rl.k[RATELIMIT_REQUESTS].reset_ms = reset;
	rl.k[RATELIMIT_TOKENS].limit = limit * 100;
	rl.k[RATELIMIT_TOKENS].remaining = remaining * 100;
	rl.k[RATELIMIT_TOKENS].reset_ms = reset;
	return rl;
}

static struct store_ratelimit_row *
list(struct store *s, int64_t now, size_t *n)
{
	struct store_ratelimit_row *r;
	char err[256];

	if (store_ratelimit_list(s, now, &r, n, err, sizeof(err)) != 0)
		fail_msg("list: %s", err);
	return r;
}

static void
test_latest_and_rejects(void **state)
{
	struct store_ratelimit_row *r;
	struct ratelimit rl = rl_of(4000, 3999, NOW + MIN), partial;
	struct store *s;
	char err[256];
	size_t n;
	(void)state;

	assert_non_null(s = store_open(fx_ledger(), err, sizeof(err)));
	assert_int_equal(store_ratelimit_put(s, "anthropic", "claude-haiku-4-5", "…-1", &rl, 0, NOW,
	    err, sizeof(err)), 0);
	rl = rl_of(4000, 10, NOW + 2 * MIN);                 /* newer */
	assert_int_equal(store_ratelimit_put(s, "anthropic", "claude-haiku-4-5", "…-1", &rl, 1,
	    NOW + 1000, err, sizeof(err)), 0);
	rl = rl_of(4000, 3000, NOW);                        /* older: ignored */
	assert_int_equal(store_ratelimit_put(s, "anthropic", "claude-haiku-4-5", "…-1", &rl, 0,
	    NOW - 5000, err, sizeof(err)), 0);
	partial = rl_of(-1, 7, -1);                         /* remaining only: limit kept */
	partial.k[RATELIMIT_TOKENS].limit = partial.k[RATELIMIT_TOKENS].remaining = -1;
	assert_int_equal(store_ratelimit_put(s, "anthropic", "claude-haiku-4-5", "…-1", &partial, 0,
	    NOW + 2000, err, sizeof(err)), 0);
	/* 429s: 2 this minute, 1 forty minutes ago, 5 two hours ago */
	assert_int_equal(store_ratelimit_put(s, "anthropic", "claude-haiku-4-5", "…-1", NULL, 1,
	    NOW + 3000, err, sizeof(err)), 0);
	assert_int_equal(store_ratelimit_put(s, "anthropic", "claude-haiku-4-5", "…-1", NULL, 1,
	    NOW - 40 * MIN, err, sizeof(err)), 0);
	assert_int_equal(store_ratelimit_put(s, "anthropic", "claude-haiku-4-5", "…-1", NULL, 5,
	    NOW - 120 * MIN, err, sizeof(err)), 0);
	/* a key with 429s only */
	assert_int_equal(store_ratelimit_put(s, "openai", "gpt-4.1", "…WXYZ-2", NULL, 3, NOW,
	    err, sizeof(err)), 0);
	r = list(s, NOW + 4000, &n);
	assert_int_equal(n, 3);
	assert_string_equal(r[0].kind, "requests");         /* requests before tokens */
	assert_int_equal(r[0].limit, 4000);
	assert_int_equal(r[0].remaining, 7);
	assert_int_equal(r[0].reset_ms, NOW + 2 * MIN);
	assert_int_equal(r[0].updated_ms, NOW + 2000);
	assert_int_equal(r[0].rejected_last_hour, 3);
	assert_string_equal(r[1].kind, "tokens");
	assert_int_equal(r[1].remaining, 1000);
	assert_int_equal(r[1].rejected_last_hour, 3);
	assert_string_equal(r[2].provider, "openai");
	assert_string_equal(r[2].kind, "");
	assert_int_equal(r[2].limit, -1);
	assert_int_equal(r[2].rejected_last_hour, 3);
	free(r);
	r = list(s, NOW + 30 * MIN, &n);                     /* half an hour on: the 40-minute-old one is past */
	assert_int_equal(r[0].rejected_last_hour, 2);
	assert_int_equal(n, 3);
	free(r);
	/* a day on, a new 429 drops the minutes older than a day */
	assert_int_equal(store_ratelimit_put(s, "openai", "gpt-4.1", "…WXYZ-2", NULL, 1,
	    NOW + 25 * 60 * MIN, err, sizeof(err)), 0);
	r = list(s, NOW + 25 * 60 * MIN, &n);
	assert_int_equal(n, 3);
	assert_int_equal(r[2].rejected_last_hour, 1);
	free(r);
	store_close(s);
}

static void
test_headroom_flush(void **state)
{
	struct store_ratelimit_row *r;
	struct ratelimit a = rl_of(50, 40, NOW + MIN), b = rl_of(50, 30, NOW + MIN);
	struct headroom *h;
	struct store *s, *ro;
	char err[256], path[512];
	size_t n;
	int stale;
	(void)state;

	snprintf(path, sizeof(path), "%s", fx_ledger_shared("h.db"));
	assert_non_null(s = store_open(path, err, sizeof(err)));
	assert_non_null(ro = store_open_ro(path, &stale, err, sizeof(err)));
	assert_non_null(h = headroom_new());
	headroom_note(h, "anthropic", "m", "k", 200, &a, NOW);
	headroom_note(h, "anthropic", "m", "k", 200, &b, NOW + 10);   /* the later wins */
	headroom_note(h, "anthropic", "m", "k", 429, NULL, NOW + 20);
	headroom_note(h, "anthropic", "m", "k", 429, &a, NOW + 5);    /* older figures: ignored */
	headroom_note(h, "anthropic", "m", "k", 200, NULL, NOW + 30); /* nothing to note */
	assert_int_equal(headroom_flush(h, ro, err, sizeof(err)), -1);   /* read-only: kept */
	assert_int_equal(headroom_flush(h, s, err, sizeof(err)), 0);
	assert_int_equal(headroom_flush(h, s, err, sizeof(err)), 0);     /* nothing left */
	r = list(s, NOW + 100, &n);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].remaining, 30);
	assert_int_equal(r[0].rejected_last_hour, 2);                  /* counted once each */
	assert_int_equal(r[0].updated_ms, NOW + 20);
	free(r);
	headroom_free(h);
	headroom_free(NULL);
	store_close(ro);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latest_and_rejects),
		cmocka_unit_test(test_headroom_flush),
	};
	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
