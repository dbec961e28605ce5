/* test_intents.c — batch create intents (data/intents.c): written before the
 * create, the batch row and the intent's status in one transaction, adoption
 * never takes a batch the ledger already has, migration 5 → 6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>


#include "data/store.h"
#include "data/store_int.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

static struct store *
open_mem(void)
{
	char err[512];
	struct store *s = store_open(fx_ledger(), err, sizeof(err));

	if (s == NULL)
		fail_msg("store_open: %s", err);
	return s;
}

static struct batch_intent
intent(int64_t created, int64_t requests)
{
	struct batch_intent in;

	memset(&in, 0, sizeof(in));
	in.created_ms = created;
	in.requests = requests;
	in.bytes = requests * 100;
	usage_strlcpy(in.input_file, "/data/q.jsonl", sizeof(in.input_file));
	in.part = 2;
	usage_strlcpy(in.tag, "nightly", sizeof(in.tag));
	usage_strlcpy(in.models, "claude-haiku-4-5", sizeof(in.models));
	in.est_low_nanos = 10;
	in.est_high_nanos = 20;
	in.owner_pid = 4242;
	return in;
}

static struct batch_rec
api_rec(const char *id, int64_t created, int64_t processing)
{
	struct batch_rec b;

	memset(&b, 0, sizeof(b));
	usage_strlcpy(b.id, id, sizeof(b.id));
	usage_strlcpy(b.status, "in_progress", sizeof(b.status));
	b.created_ms = created;
	b.counts.processing = processing;
	return b;
}

/* Pending until created: the batch row carries the intent's local facts. */
static void
test_add_then_created(void **state)
{
	struct store *s = open_mem();
	struct batch_intent in = intent(1000, 5), got, *v;
	struct batch_rec b = api_rec("msgbatch_a", 1200, 5), r;
	char err[512];
	size_t n;
	int found;

	(void)state;
	assert_int_equal(store_intent_add(s, &in, err, sizeof(err)), 0);
	assert_true(in.id > 0);
	assert_string_equal(in.status, "pending");
	assert_int_equal(store_intent_pending(s, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, in.id);
	assert_int_equal(v[0].part, 2);
	assert_int_equal(v[0].owner_pid, 4242);
	assert_string_equal(v[0].tag, "nightly");
	free(v);

	assert_int_equal(store_intent_created(s, in.id, &b, 0, NULL, err, sizeof(err)), 0);
	assert_int_equal(store_intent_get(s, in.id, &got, &found, err, sizeof(err)), 0);
	assert_true(found);
	assert_string_equal(got.status, "created");
	assert_string_equal(got.batch_id, "msgbatch_a");
	assert_int_equal(store_batch_get(s, NULL, "msgbatch_a", &r, &found, err, sizeof(err)), 0);
	assert_true(found);
	assert_string_equal(r.input_file, "/data/q.jsonl");
	assert_string_equal(r.tag, "nightly");
	assert_string_equal(r.models, "claude-haiku-4-5");
	assert_int_equal(r.requests, 5);
	assert_int_equal(r.est_high_nanos, 20);
	assert_int_equal(r.created_ms, 1200);
	assert_int_equal(store_intent_pending(s, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	free(v);
	store_close(s);
}

/* An unknown intent: nothing written, not even the batch row. */
static void
test_created_is_one_transaction(void **state)
{
	struct store *s = open_mem();
	struct batch_rec b = api_rec("msgbatch_x", 1, 1), r;
	char err[512];
	int found;

	(void)state;
	assert_int_equal(store_intent_created(s, 42, &b, 0, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no such intent"));
	assert_int_equal(store_batch_get(s, NULL, "msgbatch_x", &r, &found, err, sizeof(err)), 0);
	assert_false(found);
	store_close(s);
}

/* Adoption never takes a batch the ledger already has; a direct answer
 * (another process adopted it first) simply records it again. */
static void
test_adopt_taken(void **state)
{
	struct store *s = open_mem();
	struct batch_intent a = intent(1000, 3), b2 = intent(1001, 3), got;
	struct batch_rec b = api_rec("msgbatch_t", 1100, 3);
	char err[512];
	int taken = -1, found;

	(void)state;
	assert_int_equal(store_intent_add(s, &a, err, sizeof(err)), 0);
	assert_int_equal(store_intent_add(s, &b2, err, sizeof(err)), 0);
	assert_int_equal(store_intent_created(s, a.id, &b, 1, &taken, err, sizeof(err)), 0);
	assert_int_equal(taken, 0);
	assert_int_equal(store_intent_created(s, b2.id, &b, 1, &taken, err, sizeof(err)), 0);
	assert_int_equal(taken, 1);
	assert_int_equal(store_intent_get(s, b2.id, &got, &found, err, sizeof(err)), 0);
	assert_string_equal(got.status, "pending");
	assert_int_equal(store_batch_known(s, "msgbatch_t", &found, err, sizeof(err)), 0);
	assert_true(found);
	assert_int_equal(store_batch_known(s, "msgbatch_u", &found, err, sizeof(err)), 0);
	assert_false(found);
	/* the create's own answer: no adopt check, an upsert */
	assert_int_equal(store_intent_created(s, a.id, &b, 0, NULL, err, sizeof(err)), 0);
	store_close(s);
}

/* Abandon touches only a pending intent; a late answer still wins. */
static void
test_abandon(void **state)
{
	struct store *s = open_mem();
	struct batch_intent a = intent(1000, 3), c = intent(1000, 4), got;
	struct batch_rec b = api_rec("msgbatch_c", 1100, 4);
	char err[512];
	int found;

	(void)state;
	assert_int_equal(store_intent_add(s, &a, err, sizeof(err)), 0);
	assert_int_equal(store_intent_add(s, &c, err, sizeof(err)), 0);
	assert_int_equal(store_intent_abandon(s, a.id, err, sizeof(err)), 0);
	assert_int_equal(store_intent_get(s, a.id, &got, &found, err, sizeof(err)), 0);
	assert_string_equal(got.status, "abandoned");
	assert_int_equal(store_intent_created(s, c.id, &b, 0, NULL, err, sizeof(err)), 0);
	assert_int_equal(store_intent_abandon(s, c.id, err, sizeof(err)), 0);
	assert_int_equal(store_intent_get(s, c.id, &got, &found, err, sizeof(err)), 0);
	assert_string_equal(got.status, "created");
	/* the owner's answer arrives after another process gave up on it */
	b = api_rec("msgbatch_late", 1100, 3);
	assert_int_equal(store_intent_created(s, a.id, &b, 0, NULL, err, sizeof(err)), 0);
	assert_int_equal(store_intent_get(s, a.id, &got, &found, err, sizeof(err)), 0);
	assert_string_equal(got.status, "created");
	assert_string_equal(got.batch_id, "msgbatch_late");
	store_close(s);
}

/* Pruning drops settled intents sent before the cut; pending ones stay at
 * any age, and so do settled ones sent after it. */
static void
test_prune(void **state)
{
	struct store *s = open_mem();
	struct batch_intent old_c = intent(1000, 3), old_a = intent(1000, 4), old_p = intent(1000, 5),
	    new_c = intent(9000, 6), got;
	struct batch_rec b1 = api_rec("msgbatch_old", 1100, 3), b2 = api_rec("msgbatch_new", 9100, 6);
	char err[512];
	int64_t removed = -1;
	int found;

	(void)state;
	assert_int_equal(store_intent_add(s, &old_c, err, sizeof(err)), 0);
	assert_int_equal(store_intent_add(s, &old_a, err, sizeof(err)), 0);
	assert_int_equal(store_intent_add(s, &old_p, err, sizeof(err)), 0);
	assert_int_equal(store_intent_add(s, &new_c, err, sizeof(err)), 0);
	assert_int_equal(store_intent_created(s, old_c.id, &b1, 0, NULL, err, sizeof(err)), 0);
	assert_int_equal(store_intent_abandon(s, old_a.id, err, sizeof(err)), 0);
	assert_int_equal(store_intent_created(s, new_c.id, &b2, 0, NULL, err, sizeof(err)), 0);
	assert_int_equal(store_intent_prune(s, 5000, &removed, err, sizeof(err)), 0);
	assert_int_equal(removed, 2);
	assert_int_equal(store_intent_get(s, old_c.id, &got, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 0);
	assert_int_equal(store_intent_get(s, old_a.id, &got, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 0);
	assert_int_equal(store_intent_get(s, old_p.id, &got, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 1);
	assert_string_equal(got.status, "pending");
	assert_int_equal(store_intent_get(s, new_c.id, &got, &found, err, sizeof(err)), 0);
	assert_int_equal(found, 1);
	/* the batch row of a pruned intent stays */
	assert_int_equal(store_batch_known(s, "msgbatch_old", &found, err, sizeof(err)), 0);
	assert_int_equal(found, 1);
	assert_int_equal(store_intent_prune(s, 5000, NULL, err, sizeof(err)), 0);
	store_close(s);
}

/* Migration 5 → 6: a fresh file has the table; a file taken back to 5
 * migrates again and keeps its intents. */
static void
test_migration_6(void **state)
{
	char dir[] = "/tmp/tt_intents_XXXXXX", path[512], err[512];
	struct batch_intent in = intent(7, 9), got;
	struct store *s;
	int found;

	(void)state;
	if (fx_pg)
		skip();      /* a PostgreSQL ledger never was at version 5 */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.db", dir);
	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_true(store_schema_version(s) >= 6);
	assert_int_equal(store_intent_add(s, &in, err, sizeof(err)), 0);
	store_close(s);
	fx_set_user_version(path, 5);
	s = store_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_true(store_schema_version(s) >= 6);
	assert_int_equal(store_intent_get(s, in.id, &got, &found, err, sizeof(err)), 0);
	assert_true(found);
	assert_int_equal(got.requests, 9);
	assert_string_equal(got.status, "pending");
	store_close(s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/m.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/m.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

/* The intent's provider and token, the batch's errors (issue 15): a ledger
 * from before that migration gains them (its intents Anthropic's, no
 * token); an OpenAI intent keeps its token; a batch keeps its errors. */
static void
test_migration_provider(void **state)
{
	char dir[] = "/tmp/tt_intents_XXXXXX", path[512], err[512];
	struct batch_intent in = intent(7, 9), got;
	struct batch_rec b;
	struct store *s;
	int found, from = 0;

	(void)state;
	while (from < store_nmigrations &&
	    strncmp(store_migrations[from], "-- column batch_intent provider", 31) != 0)
		from++;
	assert_true(from < store_nmigrations);
	assert_non_null(mkdtemp(dir));
	if (fx_pg)
		snprintf(path, sizeof(path), "%s", fx_ledger());
	else
		snprintf(path, sizeof(path), "%s/p.db", dir);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	assert_int_equal(store_intent_add(s, &in, err, sizeof(err)), 0);
	store_close(s);
	fx_sql(path, "ALTER TABLE batch_intent DROP COLUMN provider;"
	    "ALTER TABLE batch_intent DROP COLUMN token; ALTER TABLE batch DROP COLUMN errors;");
	fx_set_schema_version(path, from);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	assert_int_equal(store_schema_version(s), store_nmigrations);
	assert_int_equal(store_intent_get(s, in.id, &got, &found, err, sizeof(err)), 0);
	assert_true(found);
	assert_string_equal(got.provider, "anthropic");
	assert_string_equal(got.token, "");
	/* an OpenAI intent, and a failed batch's errors */
	in = intent(8, 3);
	snprintf(in.provider, sizeof(in.provider), "openai");
	snprintf(in.token, sizeof(in.token), "tt0011223344556677");
	assert_int_equal(store_intent_add(s, &in, err, sizeof(err)), 0);
	assert_int_equal(store_intent_get(s, in.id, &got, &found, err, sizeof(err)), 0);
	assert_string_equal(got.provider, "openai");
	assert_string_equal(got.token, "tt0011223344556677");
	memset(&b, 0, sizeof(b));
	snprintf(b.id, sizeof(b.id), "batch_f1");
	snprintf(b.provider, sizeof(b.provider), "openai");
	snprintf(b.status, sizeof(b.status), "failed");
	snprintf(b.errors, sizeof(b.errors), "line 2: model_mismatch: x");
	assert_int_equal(store_batch_put(s, &b, err, sizeof(err)), 0);
	b.errors[0] = '\0';                  /* a later view without errors keeps them */
	assert_int_equal(store_batch_put(s, &b, err, sizeof(err)), 0);
	assert_int_equal(store_batch_get(s, NULL, "batch_f1", &b, &found, err, sizeof(err)), 0);
	assert_string_equal(b.errors, "line 2: model_mismatch: x");
	assert_string_equal(b.provider, "openai");
	store_close(s);
	snprintf(err, sizeof(err), "rm -rf '%s'", dir);
	assert_int_equal(system(err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_then_created),
		cmocka_unit_test(test_created_is_one_transaction),
		cmocka_unit_test(test_adopt_taken),
		cmocka_unit_test(test_abandon),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_migration_6),
		cmocka_unit_test(test_migration_provider),
	};

	return FX_RUN_BACKENDS(tests, NULL, NULL);
}
