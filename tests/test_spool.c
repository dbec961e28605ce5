/* test_spool.c — rows waiting for the ledger (data/spool.c) on temp files:
 * kept in order, flushed in order exactly once (rows without a dedupe key
 * too), also after a crash between the ledger's commit and the spool's
 * delete and with two flushers at once; rows of another ledger left alone;
 * the file 0600 in a 0700 directory; nothing created just to count; every
 * column kept (import stamps, batches); a format 1 file upgraded. The
 * ledgers on both backends (tests/lib/fx_db.c); the spool is a file. */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "data/spool.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

static int run;     /* a fresh pair of file names per test */

struct paths {
	char ledger[768], spool[512], other[768];
};

/* Two fresh ledgers (files, or schemas on PostgreSQL) and a spool file. */
static void
new_paths(struct paths *p)
{
	char name[64];

	run++;
	snprintf(name, sizeof(name), "l%d/usage.db", run);
	snprintf(p->ledger, sizeof(p->ledger), "%s", fx_ledger_shared(name));
	snprintf(name, sizeof(name), "o%d/usage.db", run);
	snprintf(p->other, sizeof(p->other), "%s", fx_ledger_shared(name));
	snprintf(p->spool, sizeof(p->spool), "%s/state%d/tokentop/spool.db", fx_tmpdir, run);
}

static struct store *
ledger(const char *path)
{
	char err[512];
	struct store *s = store_open(path, err, sizeof(err));

	if (s == NULL)
		fail_msg("store_open: %s", err);
	return s;
}

static struct spool *
spool(const char *path)
{
	char err[512];
	struct spool *sp = spool_open(path, err, sizeof(err));

	if (sp == NULL)
		fail_msg("spool_open: %s", err);
	return sp;
}

/* Usage row i: no message or request id (no dedupe key: only the spool's
 * marks keep it once), its number in the tag. */
static struct spool_item
row(int i)
{
	struct spool_item it;

	memset(&it, 0, sizeof(it));
	it.kind = SPOOL_USAGE;
	it.u.ts_ms = 1700000000000LL + i;
	usage_strlcpy(it.u.model, "claude-haiku-4-5", sizeof(it.u.model));
	usage_strlcpy(it.u.source, "proxy", sizeof(it.u.source));
	snprintf(it.u.tag, sizeof(it.u.tag), "r%d", i);
	it.u.tok.input = 10 + i;
	it.u.tok.output = 3;
	return it;
}

static void
append_rows(struct spool *sp, struct store *st, int from, int n)
{
	struct spool_item *items = calloc((size_t)n, sizeof(*items));
	char err[512];
	int i;

	assert_non_null(items);
	for (i = 0; i < n; i++)
		items[i] = row(from + i);
	if (spool_append(sp, st, items, (size_t)n, NULL, err, sizeof(err)) != 0)
		fail_msg("spool_append: %s", err);
	free(items);
}

/* The first column of sql's rows on the ledger at path, joined by ','
 * (either backend: fx_dump's text, one row a line). */
static void
ledger_text(const char *path, const char *sql, char *out, size_t n)
{
	char *d = fx_dump(path, &sql, 1), *line, *next, *bar;
	size_t o = 0;

	out[0] = '\0';
	line = strchr(d, '\n') + 1;                 /* after "== SQL" */
	for (; *line != '\0' && o + 1 < n; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if ((bar = strchr(line, '|')) != NULL)
			*bar = '\0';
		o += (size_t)snprintf(out + o, n - o, "%s%s", o ? "," : "", line);
	}
	free(d);
}

/* The tags of the ledger's rows in insertion order, joined by ','. */
static void
ledger_tags(const char *path, char *out, size_t n)
{
	ledger_text(path, "SELECT tag FROM usage ORDER BY id", out, n);
}

static int64_t
usage_rows(struct store *st)
{
	char err[256];
	int64_t n = -1;

	assert_int_equal(store_count_usage(st, &n, err, sizeof(err)), 0);
	return n;
}

static void
test_flush_in_order_once(void **state)
{
	struct paths p;
	struct store *st;
	struct spool *sp;
	char err[512], tags[256];
	int64_t n, flushed, mark;
	struct stat sb;

	(void)state;
	new_paths(&p);
	st = ledger(p.ledger);
	sp = spool(p.spool);
	append_rows(sp, st, 1, 3);
	append_rows(sp, st, 4, 2);
	assert_int_equal(spool_count(sp, st, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 5);
	assert_int_equal(spool_flush(sp, st, &flushed, err, sizeof(err)), 0);
	assert_int_equal(flushed, 5);
	ledger_tags(p.ledger, tags, sizeof(tags));
	assert_string_equal(tags, "r1,r2,r3,r4,r5");
	assert_int_equal(spool_count(sp, st, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(spool_applied(sp, st, &mark, err, sizeof(err)), 0);
	assert_int_equal(mark, 5);
	/* again: nothing to do */
	assert_int_equal(spool_flush(sp, st, &flushed, err, sizeof(err)), 0);
	assert_int_equal(flushed, 0);
	assert_int_equal(usage_rows(st), 5);
	/* more later: after the first ones */
	append_rows(sp, st, 6, 1);
	assert_int_equal(spool_flush(sp, st, &flushed, err, sizeof(err)), 0);
	ledger_tags(p.ledger, tags, sizeof(tags));
	assert_string_equal(tags, "r1,r2,r3,r4,r5,r6");
	/* the file is private */
	assert_int_equal(stat(p.spool, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	*strrchr(p.spool, '/') = '\0';
	assert_int_equal(stat(p.spool, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	spool_close(sp);
	store_close(st);
}

/* The ledger committed, the spool's delete never happened (a kill between
 * them): the next flush puts nothing in twice. Simulated by putting the
 * spool file back as it was before the flush. */
static void
test_crash_after_commit(void **state)
{
	struct paths p;
	struct store *st;
	struct spool *sp;
	char err[512], cmd[1200];
	int64_t flushed, n;

	(void)state;
	new_paths(&p);
	st = ledger(p.ledger);
	sp = spool(p.spool);
	append_rows(sp, st, 1, 1200);          /* three chunks */
	spool_close(sp);                       /* the WAL folded into the file */
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s.before'", p.spool, p.spool);
	assert_int_equal(system(cmd), 0);
	sp = spool(p.spool);
	assert_int_equal(spool_flush(sp, st, &flushed, err, sizeof(err)), 0);
	assert_int_equal(flushed, 1200);
	spool_close(sp);
	snprintf(cmd, sizeof(cmd), "cp '%s.before' '%s'", p.spool, p.spool);
	assert_int_equal(system(cmd), 0);
	sp = spool(p.spool);
	assert_int_equal(spool_count(sp, NULL, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1200);             /* all back in the spool, */
	assert_int_equal(spool_count(sp, st, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);                /* none of them waiting for the ledger, */
	spool_close(sp);
	/* and the flush every command runs takes none twice, and drops them */
	assert_int_equal(spool_flush_path(p.spool, st, &flushed, &n, err, sizeof(err)), 0);
	assert_int_equal(flushed, 0);
	assert_int_equal(n, 0);
	assert_int_equal(usage_rows(st), 1200);
	sp = spool(p.spool);
	assert_int_equal(spool_count(sp, NULL, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	spool_close(sp);
	store_close(st);
}

struct flusher {
	const char *ledger, *spool;
	int64_t     flushed;
	int         rc;
	char        err[512];
};

static void *
flush_thread(void *arg)
{
	struct flusher *f = arg;
	struct store *st = store_open(f->ledger, f->err, sizeof(f->err));
	struct spool *sp = st != NULL ? spool_open(f->spool, f->err, sizeof(f->err)) : NULL;

	f->rc = sp == NULL ? -1 : spool_flush(sp, st, &f->flushed, f->err, sizeof(f->err));
	spool_close(sp);
	store_close(st);
	return NULL;
}

static void
test_two_flushers(void **state)
{
	struct flusher f[2];
	pthread_t th[2];
	struct paths p;
	struct store *st;
	struct spool *sp;
	int i;

	(void)state;
	new_paths(&p);
	st = ledger(p.ledger);
	sp = spool(p.spool);
	append_rows(sp, st, 1, 3000);
	for (i = 0; i < 2; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].ledger = p.ledger;
		f[i].spool = p.spool;
		assert_int_equal(pthread_create(&th[i], NULL, flush_thread, &f[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		if (f[i].rc != 0)
			fail_msg("flusher %d: %s", i, f[i].err);
	}
	assert_int_equal(f[0].flushed + f[1].flushed, 3000);
	assert_int_equal(usage_rows(st), 3000);
	spool_close(sp);
	store_close(st);
}

/* One spool serves several ledgers: each flush takes only its own rows. */
static void
test_other_ledger(void **state)
{
	struct paths p;
	struct store *a, *b;
	struct spool *sp;
	struct spool_item bt;
	struct batch_rec got;
	char err[512];
	int64_t n, flushed;
	int found;

	(void)state;
	new_paths(&p);
	a = ledger(p.ledger);
	b = ledger(p.other);
	sp = spool(p.spool);
	append_rows(sp, a, 1, 2);
	append_rows(sp, b, 10, 3);
	memset(&bt, 0, sizeof(bt));
	bt.kind = SPOOL_BATCH;
	usage_strlcpy(bt.b.id, "msgbatch_spooled", sizeof(bt.b.id));
	usage_strlcpy(bt.b.status, "in_progress", sizeof(bt.b.status));
	usage_strlcpy(bt.b.tag, "nightly", sizeof(bt.b.tag));
	bt.b.requests = 7;
	bt.b.counts.processing = 7;
	assert_int_equal(spool_append(sp, a, &bt, 1, NULL, err, sizeof(err)), 0);
	assert_int_equal(spool_count(sp, NULL, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 6);
	assert_int_equal(spool_flush(sp, a, &flushed, err, sizeof(err)), 0);
	assert_int_equal(flushed, 3);
	assert_int_equal(usage_rows(a), 2);
	assert_int_equal(usage_rows(b), 0);
	assert_int_equal(store_batch_get(a, NULL, "msgbatch_spooled", &got, &found, err,
	                                 sizeof(err)), 0);
	assert_true(found);
	assert_int_equal(got.requests, 7);
	assert_string_equal(got.tag, "nightly");
	assert_int_equal(spool_count(sp, b, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(spool_flush(sp, b, &flushed, err, sizeof(err)), 0);
	assert_int_equal(usage_rows(b), 3);
	spool_close(sp);
	store_close(a);
	store_close(b);
}

/* Counting never creates the file; flush_path is a no-op without one and
 * flushes with one. */
static void
test_by_path(void **state)
{
	struct paths p;
	struct store *st;
	struct spool *sp;
	char err[512];
	int64_t n = -1, flushed = -1, left = -1;

	(void)state;
	new_paths(&p);
	st = ledger(p.ledger);
	assert_int_equal(spool_pending(p.spool, st, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(spool_flush_path(p.spool, st, &flushed, &left, err, sizeof(err)), 0);
	assert_int_equal(flushed + left, 0);
	assert_int_not_equal(access(p.spool, F_OK), 0);
	sp = spool(p.spool);
	append_rows(sp, st, 1, 4);
	spool_close(sp);
	assert_int_equal(spool_pending(p.spool, st, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(spool_pending(p.spool, NULL, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(spool_flush_path(p.spool, st, &flushed, &left, err, sizeof(err)), 0);
	assert_int_equal(flushed, 4);
	assert_int_equal(left, 0);
	assert_int_equal(usage_rows(st), 4);
	store_close(st);
}

/* Every column of a row reaches the ledger: an import-time stamp (no burn
 * rate) and, after the usage columns, a batch's own. */
static void
test_all_columns(void **state)
{
	struct paths p;
	struct store *st;
	struct spool *sp;
	struct spool_item it[5];
	char err[512], got[256];
	int64_t flushed;

	(void)state;
	new_paths(&p);
	st = ledger(p.ledger);
	sp = spool(p.spool);
	it[0] = row(1);
	it[0].u.ts_import = 1;
	it[1] = row(2);
	memset(&it[2], 0, sizeof(it[2]));
	it[2].kind = SPOOL_BATCH;
	usage_strlcpy(it[2].b.id, "msgbatch_spooled", sizeof(it[2].b.id));
	usage_strlcpy(it[2].b.status, "ended", sizeof(it[2].b.status));
	usage_strlcpy(it[2].b.tag, "nightly", sizeof(it[2].b.tag));
	it[2].b.requests = 7;
	it[2].b.created_ms = 1700000000000LL;
	it[2].b.expires_ms = 1700086400000LL;
	it[2].b.counts.succeeded = 5;
	it[2].b.counts.errored = 1;
	it[2].b.counts.expired = 1;
	it[3] = row(3);                      /* a batch's results: one succeeded, */
	it[3].kind = SPOOL_RESULT;
	usage_strlcpy(it[3].u.batch_id, "msgbatch_spooled", sizeof(it[3].u.batch_id));
	usage_strlcpy(it[3].u.custom_id, "q1", sizeof(it[3].u.custom_id));
	usage_strlcpy(it[3].u.source, "batch", sizeof(it[3].u.source));
	usage_strlcpy(it[3].r_type, "succeeded", sizeof(it[3].r_type));
	memset(&it[4], 0, sizeof(it[4]));    /* one errored */
	it[4].kind = SPOOL_RESULT;
	usage_strlcpy(it[4].u.batch_id, "msgbatch_spooled", sizeof(it[4].u.batch_id));
	usage_strlcpy(it[4].u.custom_id, "q2", sizeof(it[4].u.custom_id));
	usage_strlcpy(it[4].r_type, "errored", sizeof(it[4].r_type));
	usage_strlcpy(it[4].r_error, "invalid_request_error: too long", sizeof(it[4].r_error));
	assert_int_equal(spool_append(sp, st, it, 5, NULL, err, sizeof(err)), 0);
	assert_int_equal(spool_flush(sp, st, &flushed, err, sizeof(err)), 0);
	assert_int_equal(flushed, 5);
	ledger_text(p.ledger, "SELECT custom_id || ':' || type || ':' || coalesce(error, '')"
	    " FROM batch_result WHERE batch_id = 'msgbatch_spooled' ORDER BY custom_id", got,
	    sizeof(got));
	assert_string_equal(got, "q1:succeeded:,q2:errored:invalid_request_error: too long");
	ledger_text(p.ledger, "SELECT tag || ' ' || custom_id FROM usage WHERE batch_id ="
	    " 'msgbatch_spooled'", got, sizeof(got));
	assert_string_equal(got, "r3 q1");
	ledger_text(p.ledger, "SELECT tag || ':' || ts_import FROM usage WHERE batch_id = ''"
	    " ORDER BY id", got, sizeof(got));
	assert_string_equal(got, "r1:1,r2:0");
	ledger_text(p.ledger, "SELECT status || ' ' || tag || ' ' || requests || ' ' ||"
	    " created_ms || ' ' || expires_ms || ' ' || n_succeeded || ' ' || n_errored || ' ' ||"
	    " n_canceled || ' ' || n_expired FROM batch WHERE id = 'msgbatch_spooled'", got,
	    sizeof(got));
	assert_string_equal(got, "ended nightly 7 1700000000000 1700086400000 5 1 0 1");
	spool_close(sp);
	store_close(st);
}

/* A spool written by a tokentop before import stamps (format 1, no
 * ts_import column) with a row still waiting: opened, it gains the column
 * and the row reaches the ledger. */
static void
test_format_1(void **state)
{
	struct paths p;
	struct store *st;
	struct spool *sp;
	sqlite3 *db;
	char err[512], got[PATH_MAX + 300], cmd[1200], real[PATH_MAX];
	int64_t flushed;

	(void)state;
	if (fx_pg)
		skip();    /* format 1 knew SQLite ledgers only (by their path) */
	new_paths(&p);
	st = ledger(p.ledger);
	snprintf(cmd, sizeof(cmd), "mkdir -p -m 700 '%s'", p.spool);
	*strrchr(cmd, '/') = '\0';              /* the spool's directory */
	strcat(cmd, "'");
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sqlite3_open(p.spool, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
	    "INSERT INTO meta VALUES ('id', '00112233445566778899aabbccddeeff');"
	    "CREATE TABLE row (seq INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL,"
	    " model TEXT NOT NULL, source TEXT NOT NULL, request_id TEXT NOT NULL,"
	    " message_id TEXT NOT NULL, batch_id TEXT NOT NULL, custom_id TEXT NOT NULL,"
	    " tag TEXT NOT NULL, service_tier TEXT NOT NULL, speed TEXT NOT NULL,"
	    " inference_geo TEXT NOT NULL, tier TEXT NOT NULL, stop_reason TEXT NOT NULL,"
	    " input INTEGER NOT NULL, write_5m INTEGER NOT NULL, write_1h INTEGER NOT NULL,"
	    " cache_read INTEGER NOT NULL, output INTEGER NOT NULL,"
	    " compressed_tokens INTEGER NOT NULL, sidechain INTEGER NOT NULL,"
	    " ledger TEXT NOT NULL, kind INTEGER NOT NULL, added_ms INTEGER NOT NULL,"
	    " b_id TEXT NOT NULL, b_status TEXT NOT NULL, b_tag TEXT NOT NULL,"
	    " b_requests INTEGER NOT NULL, b_created_ms INTEGER NOT NULL,"
	    " b_expires_ms INTEGER NOT NULL, b_processing INTEGER NOT NULL,"
	    " b_succeeded INTEGER NOT NULL, b_errored INTEGER NOT NULL,"
	    " b_canceled INTEGER NOT NULL, b_expired INTEGER NOT NULL);"
	    "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	snprintf(got, sizeof(got), "INSERT INTO row VALUES (1, 1700000000000, 'claude-haiku-4-5',"
	    " 'proxy', '', '', '', '', 'old', '', '', '', '', '', 10, 0, 0, 0, 3, 0, 0, '%s', 1, 0,"
	    " '', '', '', 0, 0, 0, 0, 0, 0, 0, 0)", realpath(p.ledger, real) ? real : p.ledger);
	assert_int_equal(sqlite3_exec(db, got, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	sp = spool(p.spool);
	assert_int_equal(spool_flush(sp, st, &flushed, err, sizeof(err)), 0);
	assert_int_equal(flushed, 1);
	ledger_text(p.ledger, "SELECT tag || ':' || ts_import FROM usage", got, sizeof(got));
	assert_string_equal(got, "old:0");
	spool_close(sp);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flush_in_order_once),
		cmocka_unit_test(test_crash_after_commit),
		cmocka_unit_test(test_two_flushers),
		cmocka_unit_test(test_other_ledger),
		cmocka_unit_test(test_by_path),
		cmocka_unit_test(test_all_columns),
		cmocka_unit_test(test_format_1),
	};

	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
