/* fx_fleet.c — the fleet ledger the rollup tests fill (fx_fleet.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "data/store.h"
#include "tests/lib/fx_db.h"
#include "tests/lib/fx_fleet.h"
#include "tui/synth.h"

/* OpenAI rows through the bulk path (as an import writes them): tags,
 * sources, reasoning, some at the priority tier; ids repeat, so larger
 * copies replace rows. openai 0: the same rows as Anthropic's (no
 * reasoning), as a ledger of version 9 could hold. */
static void
fill_rows(struct store *s, int openai)
{
	static const char *const tags[] = { "web", "etl", "" };
	static const char *const sources[] = { "import", "proxy", "call" };
	struct synth_rng r;
	struct usage u;
	char err[256];
	int i;

	synth_seed(&r, 7);
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	for (i = 0; i < 1500; i++) {
		memset(&u, 0, sizeof(u));
		u.ts_ms = 1767225600000LL - (int64_t)synth_below(&r, 20 * 24) * 3600000 -
		    (int64_t)synth_below(&r, 3600000);
		usage_strlcpy(u.provider, openai ? "openai" : "anthropic", sizeof(u.provider));
		usage_strlcpy(u.model, !openai ? "claude-sonnet-4-5" : i % 3 ? "gpt-4.1" : "o3",
		    sizeof(u.model));
		usage_strlcpy(u.source, sources[i % 3], sizeof(u.source));
		usage_strlcpy(u.tag, tags[(i / 3) % 3], sizeof(u.tag));
		snprintf(u.message_id, sizeof(u.message_id), "chatcmpl-%u",
		    (unsigned)synth_below(&r, 1200));
		u.tok.input = 100 + (int64_t)synth_below(&r, 5000);
		u.tok.cache_read = (int64_t)synth_below(&r, 2) * 1024;
		u.tok.output = 1 + (int64_t)synth_below(&r, 900);
		u.reasoning_tokens = (int64_t)synth_below(&r, (unsigned)u.tok.output + 1);
		if (!openai)
			u.reasoning_tokens = 0;
		if (synth_chance(&r, 200))
			usage_strlcpy(u.service_tier, "priority", sizeof(u.service_tier));
		if (store_put_bulk(s, &u, NULL, err, sizeof(err)) != 0)
			fail_msg("put: %s", err);
	}
	assert_int_equal(store_commit(s, err, sizeof(err)), 0);
}

/* A fleet's rows (tags, sources, tiers, batches), then other rows under
 * the same ids (no US inference: other draws): the larger copies replace
 * rows, taking the old cells' sums out; with OpenAI's rows when openai. */
void
fxf_fill(const char *path, int openai)
{
	static const char *const tags[] = { "web", "etl", "eval", NULL };
	struct synth_fill f;
	struct synth_rng r;
	struct store *s;
	char err[256];
	uint64_t added;

	memset(&f, 0, sizeof(f));
	f.rows = 6000;
	f.days = 20;
	f.end_ms = 1767225600000LL;       /* 2026-01-01T00:00Z */
	f.chunk = 1000;
	f.mix.batch_permille = 150;
	f.mix.import_permille = 250;
	f.mix.tagged_permille = 700;
	f.mix.tags = tags;
	f.mix.run = 9;
	f.mix.proxy_permille = 400;
	f.mix.routed_permille = 300;
	f.mix.fast_permille = 100;
	f.mix.us_permille = 100;
	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	synth_seed(&r, 4);
	assert_int_equal(synth_fill_ledger(s, &r, &f, &added, err, sizeof(err)), 0);
	assert_int_equal(added, 6000);
	synth_seed(&r, 4);
	f.rows = 2000;
	f.mix.us_permille = 0;            /* other flags: cells move */
	assert_int_equal(synth_fill_ledger(s, &r, &f, &added, err, sizeof(err)), 0);
	fill_rows(s, openai);
	store_close(s);
}

/* Cells of query a not in b and of b not in a (0: the same multisets). */
int64_t
fxf_differ(const char *path, const char *a, const char *b)
{
	char sql[2048];

	snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM (%s EXCEPT %s) x) +"
	    " (SELECT count(*) FROM (%s EXCEPT %s) y)", a, b, b, a);
	return fx_one(path, sql);
}
