/* test_bulk.c — rows held in memory inside a long transaction (data/bulk.c):
 * the ledger ends exactly as store_insert_usage row by row leaves it (every
 * column, every row id (on PostgreSQL the rows' order: see dump), every
 * rollup cell; Anthropic's and OpenAI's rows:
 * provider, reasoning tokens, session id, cwd, the priority tier), and each
 * put says what the row by row call said; a rollback forgets what waits.
 * On both backends (tests/lib/fx_db.c). */
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
#include "tui/synth.h"

/* Every table the ledger writes, as text, in key order. The caller frees it. */
static char *
dump(const char *path)
{
	static const char *q[] = {
		"SELECT * FROM usage ORDER BY id",
		"SELECT * FROM rollup_hour ORDER BY hour, model, source, tag, tier, flags",
		"SELECT * FROM rollup_hm ORDER BY hour, model, flags, routed",
		"SELECT * FROM rollup_dm ORDER BY hour, model, flags, routed",
		"SELECT * FROM rollup_dt ORDER BY hour, model, tag, flags, routed",
		"SELECT * FROM rollup_ds ORDER BY hour, model, source, flags, routed",
		"SELECT * FROM rollup_hp ORDER BY hour, model, project, flags, routed",
		"SELECT * FROM rollup_hk ORDER BY hour, model, key_fp, flags, routed",
		"SELECT * FROM rollup_mm ORDER BY hour, model, flags, routed",
		"SELECT * FROM rollup_mx ORDER BY hour, model, source, tag, flags, routed",
		"SELECT * FROM rollup_batch ORDER BY batch_id, model, flags",
		"SELECT * FROM batch_result ORDER BY batch_id, custom_id",
	};

	/* PostgreSQL's id sequence moves on at each insert refused as a
	 * duplicate, and row by row sends more of those than bulk.c (which
	 * settles a stream's copies in memory): there the rows' order is
	 * compared, not their ids' gaps */
	q[0] = fx_pg ? "SELECT row_number() OVER (ORDER BY id), to_jsonb(u) - 'id' FROM usage u"
	    " ORDER BY id" : "SELECT * FROM usage ORDER BY id";
	return fx_dump(path, q, sizeof(q) / sizeof(q[0]));
}

/* The ledger at path, opened; an empty path gets a fresh one first (the
 * file name under fx_tmpdir, or a new PostgreSQL schema). */
static struct store *
open_db(const char *name, char *path, size_t n)
{
	char err[256];
	struct store *s;

	if (path[0] == '\0')
		snprintf(path, n, "%s", fx_ledger_shared(name));
	s = store_open(path, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s: %s", path, err);
	return s;
}

/* Close both ledgers; every table of the one at pa equals the other's. */
static void
close_same(struct store *sa, const char *pa, struct store *sb, const char *pb)
{
	char *a, *b;

	store_close(sa);
	store_close(sb);
	a = dump(pa);
	b = dump(pb);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* A row of a streaming response: key k (0: no key of its own), copy size. */
static void
row(struct synth_rng *r, unsigned k, struct usage *u)
{
	static const char *const models[] = { "claude-sonnet-4-5", "claude-haiku-4-5",
	    "claude-opus-4-6" };
	unsigned kind = k % 5;

	memset(u, 0, sizeof(*u));
	u->ts_ms = 1760000000000LL + (int64_t)(k % 97) * 3600000 + (int64_t)synth_below(r, 5000);
	usage_strlcpy(u->model, models[k % 3], sizeof(u->model));
	usage_strlcpy(u->source, "import", sizeof(u->source));
	if (k == 0) {
		/* no key: always a new row */
	} else if (kind == 4) {
		snprintf(u->request_id, sizeof(u->request_id), "req_%u", k);
	} else if (kind == 3) {
		usage_strlcpy(u->source, "batch", sizeof(u->source));
		snprintf(u->batch_id, sizeof(u->batch_id), "msgbatch_%u", k % 7);
		snprintf(u->custom_id, sizeof(u->custom_id), "c%u", k);
	} else {
		snprintf(u->message_id, sizeof(u->message_id), "msg_%u", k);
	}
	if (synth_chance(r, 200))
		usage_strlcpy(u->tag, "team", sizeof(u->tag));
	if (synth_chance(r, 300))       /* who spent it, and server tools */
		usage_strlcpy(u->project, k % 2 ? "api" : "web", sizeof(u->project));
	if (synth_chance(r, 300))
		usage_strlcpy(u->key_fp, k % 3 ? "…WXYZ-1a2b3c4d" : "…QRST-5e6f7a8b", sizeof(u->key_fp));
	u->web_search_requests = synth_chance(r, 200) ? (int64_t)synth_below(r, 4) : 0;
	u->code_execution_requests = synth_chance(r, 100) ? 1 : 0;
	u->sidechain = synth_chance(r, 250);
	u->tok.input = (int64_t)synth_below(r, 3);
	u->tok.cache_read = (int64_t)(k % 11) * 1000;
	u->tok.write_1h = synth_chance(r, 100) ? 210000 : 0;    /* sometimes long context */
	u->tok.output = (int64_t)synth_below(r, 4);             /* ties are common */
	if (synth_chance(r, 100))
		usage_strlcpy(u->stop_reason, "max_tokens", sizeof(u->stop_reason));
	if (k % 4 == 2 && kind != 3) {        /* OpenAI's (a Codex session's, some) */
		usage_strlcpy(u->provider, "openai", sizeof(u->provider));
		usage_strlcpy(u->model, (k / 4) % 2 ? "o3" : "gpt-4.1", sizeof(u->model));
		u->reasoning_tokens = (int64_t)synth_below(r, (unsigned)u->tok.output + 1);
		if (k % 3 == 0) {
			snprintf(u->session_id, sizeof(u->session_id), "sess_%u", k % 13);
			snprintf(u->cwd, sizeof(u->cwd), "/work/p%u", k % 5);
		}
		if (synth_chance(r, 300))
			usage_strlcpy(u->service_tier, "priority", sizeof(u->service_tier));
	}
}

/* The same random stream of rows into two ledgers: one by store_put_bulk in
 * long transactions, one by store_insert_usage (each row an operation of
 * its own inside one transaction). First 10,000 rows in one
 * transaction (more than wait at once: flushes mid-transaction), then
 * 6,000 with an operation (a row by store_insert_usage, a batch result) or
 * a commit now and then (PostgreSQL: 5,000, then 3,000). */
static void
test_same_as_row_by_row(void **state)
{
	struct synth_rng r;
	struct store *bulk, *ref;
	char pb[768] = "", pr[768] = "", err[256];
	enum store_put got, want;
	struct usage u;
	unsigned k, recent = 1, i;
	int n_added = 0, n_dup = 0, n_rep = 0, n_openai = 0, dup_b, dup_r;
	/* fewer on PostgreSQL (a round trip a row by row row), still more than
	 * wait at once (2,048) in the first transaction */
	unsigned first = fx_pg ? 5000 : 10000, total = fx_pg ? 8000 : 16000;

	(void)state;
	bulk = open_db("bulk.db", pb, sizeof(pb));
	ref = open_db("ref.db", pr, sizeof(pr));
	synth_seed(&r, 11);
	/* rows already in both ledgers, some of them beaten later */
	for (i = 1; i < 400; i += 3) {
		row(&r, i, &u);
		assert_int_equal(store_insert_usage(bulk, &u, NULL, err, sizeof(err)), 0);
		assert_int_equal(store_insert_usage(ref, &u, NULL, err, sizeof(err)), 0);
	}
	assert_int_equal(store_begin(bulk, err, sizeof(err)), 0);
	assert_int_equal(store_begin(ref, err, sizeof(err)), 0);
	for (i = 0; i < total; i++) {
		int mixed = i >= first;

		/* mostly the last few responses (streaming copies), some old ones */
		if (synth_chance(&r, mixed ? 300 : 550))
			recent++;
		k = synth_chance(&r, 850) ? recent - (unsigned)synth_below(&r, recent < 3 ? recent : 3) :
		    1 + (unsigned)synth_below(&r, recent);
		if (synth_chance(&r, 20))
			k = 0;
		row(&r, k, &u);
		if (mixed && synth_chance(&r, 5)) {   /* an operation among the bulk rows */
			assert_int_equal(store_insert_usage(bulk, &u, &got, err, sizeof(err)), 0);
		} else if (mixed && synth_chance(&r, 5) && u.batch_id[0] != '\0') {
			assert_int_equal(store_batch_result(bulk, u.batch_id, u.custom_id,
			    "succeeded", NULL, &u, &dup_b, err, sizeof(err)), 0);
			assert_int_equal(store_batch_result(ref, u.batch_id, u.custom_id,
			    "succeeded", NULL, &u, &dup_r, err, sizeof(err)), 0);
			assert_int_equal(dup_b, dup_r);
			continue;
		} else if (store_put_bulk(bulk, &u, &got, err, sizeof(err)) != 0) {
			fail_msg("put %u: %s", i, err);
		}
		assert_int_equal(store_insert_usage(ref, &u, &want, err, sizeof(err)), 0);
		if (got != want)
			fail_msg("row %u (key %u): bulk says %d, row by row %d", i, k, (int)got,
			    (int)want);
		n_added += want == STORE_ADDED;
		n_dup += want == STORE_DUPLICATE;
		n_rep += want == STORE_REPLACED;
		n_openai += want != STORE_DUPLICATE && strcmp(u.provider, "openai") == 0 &&
		    u.reasoning_tokens > 0;
		if (i == first - 1 || (mixed && synth_chance(&r, 2))) {     /* a group ends */
			assert_int_equal(store_commit(bulk, err, sizeof(err)), 0);
			assert_int_equal(store_begin(bulk, err, sizeof(err)), 0);
		}
	}
	assert_int_equal(store_commit(bulk, err, sizeof(err)), 0);
	assert_int_equal(store_commit(ref, err, sizeof(err)), 0);
	/* the stream took every path */
	assert_true(n_added > 500 && n_dup > 500 && n_rep > 500 && n_openai > 100);
	close_same(bulk, pb, ref, pr);
}

/* A first import into an empty ledger asks the ledger about no new key
 * (bulk.c's fresh path), yet stays exact: rows another connection commits
 * between two groups, keys this import will meet later, are found (its
 * data_version moved), and the ledger ends as row by row leaves it. */
static void
test_fresh_ledger(void **state)
{
	struct synth_rng r;
	struct store *bulk, *ref, *other;
	char pb[768] = "", pr[768] = "", err[256];
	enum store_put got, want;
	struct usage u;
	unsigned k, i, recent = 1, total = fx_pg ? 3000 : 9000;
	int n_rep = 0, n_dup_other = 0;

	(void)state;
	bulk = open_db("fresh.db", pb, sizeof(pb));
	ref = open_db("fresh-ref.db", pr, sizeof(pr));
	synth_seed(&r, 29);
	assert_int_equal(store_begin(bulk, err, sizeof(err)), 0);
	for (i = 0; i < total; i++) {
		if (synth_chance(&r, 550))
			recent++;
		/* mostly the last few responses; now and then one from long ago
		 * (written in an earlier round: the ledger must be asked) */
		k = synth_chance(&r, 900) ? recent - (unsigned)synth_below(&r, recent < 3 ? recent : 3) :
		    1 + (unsigned)synth_below(&r, recent);
		row(&r, k, &u);
		assert_int_equal(store_put_bulk(bulk, &u, &got, err, sizeof(err)), 0);
		assert_int_equal(store_insert_usage(ref, &u, &want, err, sizeof(err)), 0);
		if (got != want)
			fail_msg("row %u (key %u): bulk says %d, row by row %d", i, k, (int)got,
			    (int)want);
		n_rep += want == STORE_REPLACED;
		if (i == total / 2) {
			/* between two groups another writer adds rows whose keys
			 * come next (the same rows, larger, to both ledgers) */
			assert_int_equal(store_commit(bulk, err, sizeof(err)), 0);
			other = open_db("fresh.db", pb, sizeof(pb));
			for (k = recent + 1; k <= recent + 40; k++) {
				row(&r, k, &u);
				u.tok.output += 1000;
				assert_int_equal(store_insert_usage(other, &u, NULL, err, sizeof(err)), 0);
				assert_int_equal(store_insert_usage(ref, &u, NULL, err, sizeof(err)), 0);
			}
			store_close(other);
			assert_int_equal(store_begin(bulk, err, sizeof(err)), 0);
			for (k = recent + 1; k <= recent + 40; k++) {
				row(&r, k, &u);
				assert_int_equal(store_put_bulk(bulk, &u, &got, err, sizeof(err)), 0);
				assert_int_equal(store_insert_usage(ref, &u, &want, err, sizeof(err)), 0);
				assert_int_equal(got, want);
				n_dup_other += got == STORE_DUPLICATE;
			}
			recent += 40;
		} else if (synth_chance(&r, 3)) {     /* a group ends */
			assert_int_equal(store_commit(bulk, err, sizeof(err)), 0);
			assert_int_equal(store_begin(bulk, err, sizeof(err)), 0);
		}
	}
	assert_int_equal(store_commit(bulk, err, sizeof(err)), 0);
	/* the other writer's rows were found, not added again (keyless ones aside) */
	assert_true(n_dup_other >= 30);
	assert_true(n_rep > 200);
	close_same(bulk, pb, ref, pr);
}

/* A rollback forgets the waiting rows and their rollup deltas, including a
 * stored row a waiting copy had beaten. */
/* A ledger without rows can still hold rollup cells (rows deleted, cells
 * kept): a first import must add to them, not insert beside them
 * (rollup_flush.c's plain inserts are for empty tables only). And a big
 * first flush (plain multi-row inserts) ends as row by row does. */
static void
test_fresh_cells_kept(void **state)
{
	struct synth_rng r;
	struct store *bulk, *ref;
	char pb[768] = "", pr[768] = "", err[256];
	struct usage u;
	unsigned i, pass;

	(void)state;
	bulk = open_db("kept.db", pb, sizeof(pb));
	ref = open_db("kept-ref.db", pr, sizeof(pr));
	for (pass = 0; pass < 2; pass++) {
		synth_seed(&r, 31);
		for (i = 0; i < (pass == 0 ? 300u : 3000u); i++) {
			row(&r, 1 + i, &u);
			if (pass == 0) {       /* rows whose cells stay */
				assert_int_equal(store_insert_usage(bulk, &u, NULL, err, sizeof(err)), 0);
				assert_int_equal(store_insert_usage(ref, &u, NULL, err, sizeof(err)), 0);
				continue;
			}
			if (i == 0)
				assert_int_equal(store_begin(bulk, err, sizeof(err)), 0);
			u.tok.output += 7;     /* rows deleted: new rows, the cells there */
			assert_int_equal(store_put_bulk(bulk, &u, NULL, err, sizeof(err)), 0);
			assert_int_equal(store_insert_usage(ref, &u, NULL, err, sizeof(err)), 0);
		}
		if (pass == 0) {
			fx_sql(pb, "DELETE FROM usage");
			fx_sql(pr, "DELETE FROM usage");
			assert_true(fx_one(pb, "SELECT count(*) FROM rollup_hm") > 0);
		}
	}
	assert_int_equal(store_commit(bulk, err, sizeof(err)), 0);
	assert_true(fx_one(pb, "SELECT sum(requests) FROM rollup_hm") == 3300);
	close_same(bulk, pb, ref, pr);
}

static void
test_rollback(void **state)
{
	struct synth_rng r;
	struct store *s;
	char p[768] = "", err[256], *before, *after;
	enum store_put got;
	struct usage u;
	unsigned i;

	(void)state;
	synth_seed(&r, 3);
	s = open_db("rb.db", p, sizeof(p));
	for (i = 1; i < 50; i++) {
		row(&r, i, &u);
		assert_int_equal(store_insert_usage(s, &u, NULL, err, sizeof(err)), 0);
	}
	store_close(s);
	before = dump(p);
	s = open_db("rb.db", p, sizeof(p));
	assert_int_equal(store_put_bulk(s, &u, &got, err, sizeof(err)), -1);   /* no transaction */
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	for (i = 1; i < 6000; i++) {
		row(&r, i % 100, &u);
		u.tok.output += 100;                  /* beats what is stored */
		assert_int_equal(store_put_bulk(s, &u, &got, err, sizeof(err)), 0);
	}
	store_rollback(s);
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	assert_int_equal(store_commit(s, err, sizeof(err)), 0);
	store_close(s);
	after = dump(p);
	assert_string_equal(after, before);
	free(before);
	free(after);
}

/* A row the store refuses is refused before it waits, with the same reason. */
static void
test_refused(void **state)
{
	struct store *s;
	char p[768] = "", err[256];
	struct usage u;

	(void)state;
	s = open_db("refused.db", p, sizeof(p));
	assert_int_equal(store_begin(s, err, sizeof(err)), 0);
	memset(&u, 0, sizeof(u));
	usage_strlcpy(u.source, "import", sizeof(u.source));
	assert_int_equal(store_put_bulk(s, &u, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "usage row without model");
	usage_strlcpy(u.model, "m", sizeof(u.model));
	u.tok.output = -1;
	assert_int_equal(store_put_bulk(s, &u, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "usage row: output_tokens: -1: not a token count (0..1000000000000)");
	u.tok.output = 1;
	usage_strlcpy(u.provider, "gemini", sizeof(u.provider));
	assert_int_equal(store_put_bulk(s, &u, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "usage row: provider: \"gemini\": not anthropic or openai");
	store_rollback(s);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_row_by_row),
		cmocka_unit_test(test_fresh_ledger),
		cmocka_unit_test(test_fresh_cells_kept),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_refused),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
