/* spool.c — rows waiting for the ledger, in a SQLite file of their own
 * whatever the ledger's backend (see spool.h for the exactly-once
 * argument); the file is reached through the SQLite driver (data/db.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/provider.h"
#include "data/spool.h"
#include "data/store_int.h"

#define SPOOL_VERSION 6      /* 2: rows carry ts_import (the ledger's schema 9);
                                3: provider, reasoning, session, cwd (schema 11);
                                4: server tools and attribution (issue 16);
                                5: batch results' outcomes (r_type, r_error);
                                6: the host that wrote the row (issue 13) */

struct spool {
	struct db *db;             /* db_sqlite's */
	char      *path;
	char       id[33];         /* random, hex: the ledger's marks are kept by it */
};

/* The usage columns come first, in STORE_USAGE_COLS order, so one row is
 * read and bound with the ledger's own helpers. */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS row ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"   /* never reused: marks stay true */
	"  ts_ms INTEGER NOT NULL, model TEXT NOT NULL, source TEXT NOT NULL,"
	"  request_id TEXT NOT NULL, message_id TEXT NOT NULL, batch_id TEXT NOT NULL,"
	"  custom_id TEXT NOT NULL, tag TEXT NOT NULL, service_tier TEXT NOT NULL,"
	"  speed TEXT NOT NULL, inference_geo TEXT NOT NULL, tier TEXT NOT NULL,"
	"  stop_reason TEXT NOT NULL, input INTEGER NOT NULL, write_5m INTEGER NOT NULL,"
	"  write_1h INTEGER NOT NULL, cache_read INTEGER NOT NULL, output INTEGER NOT NULL,"
	"  compressed_tokens INTEGER NOT NULL, sidechain INTEGER NOT NULL,"
	"  ts_import INTEGER NOT NULL DEFAULT 0,"
	"  provider TEXT NOT NULL DEFAULT 'anthropic',"
	"  reasoning_tokens INTEGER NOT NULL DEFAULT 0,"
	"  session_id TEXT NOT NULL DEFAULT '', cwd TEXT NOT NULL DEFAULT '',"
	"  web_search_requests INTEGER NOT NULL DEFAULT 0,"
	"  web_fetch_requests INTEGER NOT NULL DEFAULT 0,"
	"  code_execution_requests INTEGER NOT NULL DEFAULT 0,"
	"  project TEXT NOT NULL DEFAULT '', git_branch TEXT NOT NULL DEFAULT '',"
	"  key_fp TEXT NOT NULL DEFAULT '', host TEXT NOT NULL DEFAULT '',"
	"  ledger TEXT NOT NULL,"                    /* the ledger it is for */
	"  kind INTEGER NOT NULL,"                   /* enum spool_kind */
	"  added_ms INTEGER NOT NULL,"
	"  b_id TEXT NOT NULL, b_status TEXT NOT NULL, b_tag TEXT NOT NULL,"
	"  b_requests INTEGER NOT NULL, b_created_ms INTEGER NOT NULL,"
	"  b_expires_ms INTEGER NOT NULL, b_processing INTEGER NOT NULL,"
	"  b_succeeded INTEGER NOT NULL, b_errored INTEGER NOT NULL,"
	"  b_canceled INTEGER NOT NULL, b_expired INTEGER NOT NULL,"
	"  b_provider TEXT NOT NULL DEFAULT 'anthropic',"
	"  r_type TEXT NOT NULL DEFAULT '', r_error TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE INDEX IF NOT EXISTS row_ledger ON row(ledger, seq);";

/* What an older file's rows gain, format i to i + 1 (rows may wait in it;
 * columns are always named, so where they land does not matter). A row of
 * format 2 or older was Anthropic's. */
static const char *const upgrade[SPOOL_VERSION] = {
	[1] = "ALTER TABLE row ADD COLUMN ts_import INTEGER NOT NULL DEFAULT 0;",
	[2] = "ALTER TABLE row ADD COLUMN provider TEXT NOT NULL DEFAULT 'anthropic';"
	      "ALTER TABLE row ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;"
	      "ALTER TABLE row ADD COLUMN session_id TEXT NOT NULL DEFAULT '';"
	      "ALTER TABLE row ADD COLUMN cwd TEXT NOT NULL DEFAULT '';"
	      "ALTER TABLE row ADD COLUMN b_provider TEXT NOT NULL DEFAULT 'anthropic';",
	[3] = "ALTER TABLE row ADD COLUMN web_search_requests INTEGER NOT NULL DEFAULT 0;"
	      "ALTER TABLE row ADD COLUMN web_fetch_requests INTEGER NOT NULL DEFAULT 0;"
	      "ALTER TABLE row ADD COLUMN code_execution_requests INTEGER NOT NULL DEFAULT 0;"
	      "ALTER TABLE row ADD COLUMN project TEXT NOT NULL DEFAULT '';"
	      "ALTER TABLE row ADD COLUMN git_branch TEXT NOT NULL DEFAULT '';"
	      "ALTER TABLE row ADD COLUMN key_fp TEXT NOT NULL DEFAULT '';",
	[4] = "ALTER TABLE row ADD COLUMN r_type TEXT NOT NULL DEFAULT '';"
	      "ALTER TABLE row ADD COLUMN r_error TEXT NOT NULL DEFAULT '';",
	/* a row of format 5 or older gets the host of the process that flushes it */
	[5] = "ALTER TABLE row ADD COLUMN host TEXT NOT NULL DEFAULT '';",
};

#define BATCH_COLS "b_id, b_status, b_tag, b_requests, b_created_ms, b_expires_ms, " \
	"b_processing, b_succeeded, b_errored, b_canceled, b_expired, b_provider, r_type, r_error"
#define BATCH_NCOLS 14

static int
sperr(struct spool *sp, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", sp->path, what, db_errmsg(sp->db));
	return -1;
}

/* The first column of the first row of sql as text into out: 1, 0 when
 * there is no row, -1 on an error. */
static int
one_text(struct spool *sp, const char *sql, char *out, size_t n)
{
	struct db_stmt *st = db_prepare(sp->db, sql, 0);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW)
		usage_strlcpy(out, db_column_text(st, 0), n);
	db_finalize(st);
	return rc == DB_ERR ? -1 : rc == DB_ROW;
}

/* The identity of st's ledger in the spool: its real path when it has one. */
static void
ledger_id(struct store *st, char *out, size_t n)
{
	char real[PATH_MAX];

	if (realpath(store_path(st), real) != NULL)
		snprintf(out, n, "%s", real);
	else
		snprintf(out, n, "%s", store_path(st));
}

/* ---- opening ------------------------------------------------------------- */

/* The schema, the format version and the spool's id, in one transaction
 * (two processes creating the file at once agree on one id). */
static int
prepare_file(struct spool *sp, char *err, size_t errlen)
{
	unsigned char r[16];
	char sql[160], hex[33];
	int i, v;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		snprintf(err, errlen, "%s: no random bytes: %s", sp->path, strerror(errno));
		return -1;
	}
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	snprintf(sql, sizeof(sql), "INSERT INTO meta VALUES ('id', '%s') ON CONFLICT DO NOTHING;",
	    hex);
	if (db_tx(sp->db, DB_BEGIN) != 0)
		return sperr(sp, "begin", err, errlen);
	if (sp->db->drv->schema_version(sp->db, &v) != 0)
		goto fail;
	if (v > SPOOL_VERSION) {
		snprintf(err, errlen, "%s: spool format %d is newer than this tokentop knows (%d)",
		         sp->path, v, SPOOL_VERSION);
		db_tx(sp->db, DB_ROLLBACK);
		return -1;
	}
	if (db_exec(sp->db, schema) != 0)
		goto fail;
	for (i = v > 0 ? v : SPOOL_VERSION; i < SPOOL_VERSION; i++)
		if (db_exec(sp->db, upgrade[i]) != 0)
			goto fail;
	if (db_exec(sp->db, sql) != 0 ||
	    sp->db->drv->set_schema_version(sp->db, SPOOL_VERSION) != 0 ||
	    one_text(sp, "SELECT v FROM meta WHERE k = 'id'", sp->id, sizeof(sp->id)) != 1 ||
	    db_tx(sp->db, DB_COMMIT) != 0)
		goto fail;
	return 0;
fail:
	sperr(sp, "schema", err, errlen);
	db_tx(sp->db, DB_ROLLBACK);
	return -1;
}

struct spool *
spool_open(const char *path, char *err, size_t errlen)
{
	struct spool *sp;

	if ((sp = calloc(1, sizeof(*sp))) == NULL || (sp->path = strdup(path)) == NULL) {
		free(sp);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* created 0600 in a 0700 directory, WAL (the driver), and synchronous
	 * FULL: the spool is the rows' last refuge */
	if ((sp->db = db_sqlite.open(path, 0, err, errlen)) == NULL)
		goto fail;
	if (db_exec(sp->db, "PRAGMA synchronous = FULL") != 0) {
		sperr(sp, "open", err, errlen);
		goto fail;
	}
	if (prepare_file(sp, err, errlen) != 0)
		goto fail;
	return sp;
fail:
	spool_close(sp);
	return NULL;
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->db != NULL)
		sp->db->drv->close(sp->db);
	free(sp->path);
	free(sp);
}

const char *
spool_path(const struct spool *sp)
{
	return sp->path;
}

/* ---- appending ---------------------------------------------------------- */

/* Bind item it (its row u: it->u stamped with the spooling store's host,
 * so the row keeps the host that wrote it whoever flushes it). */
static void
bind_item(struct db_stmt *st, const struct spool_item *it, const struct usage *u,
          const char *ledger, int64_t now)
{
	const struct batch_rec *b = &it->b;
	const int k = STORE_USAGE_NCOLS;     /* the usage columns' last parameter */

	store_bind_usage(st, u, NULL);
	db_bind_text(st, k + 1, ledger);     /* over the key's NULL */
	db_bind_int64(st, k + 2, (int)it->kind);
	db_bind_int64(st, k + 3, now);
	db_bind_text(st, k + 4, b->id);
	db_bind_text(st, k + 5, b->status);
	db_bind_text(st, k + 6, b->tag);
	db_bind_int64(st, k + 7, b->requests);
	db_bind_int64(st, k + 8, b->created_ms);
	db_bind_int64(st, k + 9, b->expires_ms);
	db_bind_int64(st, k + 10, b->counts.processing);
	db_bind_int64(st, k + 11, b->counts.succeeded);
	db_bind_int64(st, k + 12, b->counts.errored);
	db_bind_int64(st, k + 13, b->counts.canceled);
	db_bind_int64(st, k + 14, b->counts.expired);
	db_bind_text(st, k + 15, provider_by_name(b->provider) != NULL ?
	    provider_by_name(b->provider)->name : b->provider);
	db_bind_text(st, k + 16, it->r_type);
	db_bind_text(st, k + 17, it->r_error);
}

int
spool_append(struct spool *sp, struct store *st, const struct spool_item *items, size_t n,
             int64_t *first, char *err, size_t errlen)
{
	char ledger[PATH_MAX], sql[1536];
	struct db_stmt *ins = NULL;
	struct usage stamped;
	int64_t now = (int64_t)time(NULL) * 1000;
	size_t i;

	ledger_id(st, ledger, sizeof(ledger));
	if (db_tx(sp->db, DB_BEGIN) != 0)
		return sperr(sp, "begin", err, errlen);
	/* a parameter per column: the usage columns, ledger, kind, added_ms, the batch's */
	snprintf(sql, sizeof(sql), "INSERT INTO row (" STORE_USAGE_COLS ", ledger, kind, added_ms, "
	    BATCH_COLS ") VALUES (?1");
	for (i = 2; i <= STORE_USAGE_NCOLS + 3 + BATCH_NCOLS; i++)
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), ",?%zu", i);
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), ") RETURNING seq");
	if ((ins = db_prepare(sp->db, sql, 0)) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		db_reset(ins);
		db_clear(ins);
		bind_item(ins, &items[i], store_stamp(st, &items[i].u, &stamped), ledger, now);
		if (db_step(ins) != DB_ROW)
			goto fail;
		if (i == 0 && first != NULL)
			*first = db_column_int64(ins, 0);
	}
	db_finalize(ins);
	ins = NULL;
	if (db_tx(sp->db, DB_COMMIT) != 0)
		goto fail;
	return 0;
fail:
	sperr(sp, "append", err, errlen);
	db_finalize(ins);
	db_tx(sp->db, DB_ROLLBACK);
	return -1;
}

/* ---- counting --------------------------------------------------------------- */

/* Rows in the spool (for ledger after sequence number `after`, or all when
 * ledger is NULL); -1 + err. */
static int
count_rows(struct spool *sp, const char *ledger, int64_t after, int64_t *n, char *err,
           size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = db_prepare(sp->db, ledger != NULL ?
	    "SELECT count(*) FROM row WHERE ledger = ?1 AND seq > ?2" : "SELECT count(*) FROM row",
	    0)) == NULL)
		return sperr(sp, "count", err, errlen);
	if (ledger != NULL) {
		db_bind_text(st, 1, ledger);
		db_bind_int64(st, 2, after);
	}
	rc = db_step(st);
	*n = rc == DB_ROW ? db_column_int64(st, 0) : 0;
	if (rc != DB_ROW)
		sperr(sp, "count", err, errlen);
	db_finalize(st);
	return rc == DB_ROW ? 0 : -1;
}

/* Rows still waiting for st's ledger: past the ledger's mark (a row a
 * flush put in but could not delete yet is not waiting). */
static int
count_waiting(struct spool *sp, struct store *st, int64_t *n, char *err, size_t errlen)
{
	char ledger[PATH_MAX], tmp[256];
	int64_t mark = 0;

	if (st == NULL)
		return count_rows(sp, NULL, 0, n, err, errlen);
	ledger_id(st, ledger, sizeof(ledger));
	if (store_spool_mark_get(st, sp->id, &mark, tmp, sizeof(tmp)) != 0)
		mark = 0;            /* the ledger cannot say: everything waits */
	return count_rows(sp, ledger, mark, n, err, errlen);
}

int
spool_count(struct spool *sp, struct store *st, int64_t *n, char *err, size_t errlen)
{
	return count_waiting(sp, st, n, err, errlen);
}

/* Rows in the spool file at path for st's ledger, read-only: those still
 * waiting (waiting = 1) or every one, taken or not. 0 without a file. */
static int
peek(const char *path, struct store *st, int waiting, int64_t *n, char *err, size_t errlen)
{
	struct spool sp;
	char ledger[PATH_MAX];
	int rc = 0;

	*n = 0;
	if (access(path, F_OK) != 0)
		return 0;
	memset(&sp, 0, sizeof(sp));
	sp.path = (char *)path;
	if ((sp.db = db_sqlite.open(path, 1, err, errlen)) == NULL)
		return -1;
	/* a file that never got its tables holds nothing */
	(void)one_text(&sp, "SELECT v FROM meta WHERE k = 'id'", sp.id, sizeof(sp.id));
	if (sp.id[0] != '\0' && (waiting || st == NULL)) {
		rc = count_waiting(&sp, st, n, err, errlen);
	} else if (sp.id[0] != '\0') {
		ledger_id(st, ledger, sizeof(ledger));
		rc = count_rows(&sp, ledger, 0, n, err, errlen);
	}
	sp.db->drv->close(sp.db);
	return rc;
}

int
spool_pending(const char *path, struct store *st, int64_t *n, char *err, size_t errlen)
{
	return peek(path, st, 1, n, err, errlen);
}

/* ---- flushing --------------------------------------------------------------- */

/* Up to max rows for ledger after sequence number `after`, oldest first:
 * their count, or -1 + err. */
static int
read_chunk(struct spool *sp, const char *ledger, int64_t after, struct spool_item *items,
           int64_t *seqs, int max, char *err, size_t errlen)
{
	struct db_stmt *st;
	struct batch_rec *b;
	int rc, n = 0, k;

	if ((st = db_prepare(sp->db, "SELECT seq, kind, " STORE_USAGE_COLS ", " BATCH_COLS
	    " FROM row WHERE ledger = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3", 0)) == NULL)
		return sperr(sp, "read", err, errlen);
	db_bind_text(st, 1, ledger);
	db_bind_int64(st, 2, after);
	db_bind_int64(st, 3, max);
	while ((rc = db_step(st)) == DB_ROW) {
		memset(&items[n], 0, sizeof(items[n]));
		seqs[n] = db_column_int64(st, 0);
		items[n].kind = (enum spool_kind)db_column_int64(st, 1);
		store_read_usage(st, 2, &items[n].u);
		b = &items[n].b;
		k = 2 + STORE_USAGE_NCOLS;          /* the batch columns' first */
		usage_strlcpy(b->id, db_column_text(st, k), sizeof(b->id));
		usage_strlcpy(b->status, db_column_text(st, k + 1), sizeof(b->status));
		usage_strlcpy(b->tag, db_column_text(st, k + 2), sizeof(b->tag));
		b->requests = db_column_int64(st, k + 3);
		b->created_ms = db_column_int64(st, k + 4);
		b->expires_ms = db_column_int64(st, k + 5);
		b->counts.processing = db_column_int64(st, k + 6);
		b->counts.succeeded = db_column_int64(st, k + 7);
		b->counts.errored = db_column_int64(st, k + 8);
		b->counts.canceled = db_column_int64(st, k + 9);
		b->counts.expired = db_column_int64(st, k + 10);
		usage_strlcpy(b->provider, db_column_text(st, k + 11), sizeof(b->provider));
		usage_strlcpy(items[n].r_type, db_column_text(st, k + 12), sizeof(items[n].r_type));
		usage_strlcpy(items[n].r_error, db_column_text(st, k + 13), sizeof(items[n].r_error));
		n++;
	}
	if (rc != DB_DONE)
		sperr(sp, "read", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? n : -1;
}

static int
apply_item(struct store *st, const struct spool_item *it, char *err, size_t errlen)
{
	int dup;

	switch (it->kind) {
	case SPOOL_BATCH:
		return store_batch_put(st, &it->b, err, errlen);
	case SPOOL_RESULT:
		return store_batch_result(st, it->u.batch_id, it->u.custom_id, it->r_type,
		    it->r_error[0] != '\0' ? it->r_error : NULL,
		    strcmp(it->r_type, "succeeded") == 0 ? &it->u : NULL, &dup, err, errlen);
	default:
		return store_insert_usage(st, &it->u, NULL, err, errlen);
	}
}

/* Put the rows of one chunk the ledger has not taken yet, and move its
 * mark past them, in one ledger transaction. *applied = rows put in. */
static int
apply_chunk(struct spool *sp, struct store *st, const struct spool_item *items,
            const int64_t *seqs, int n, int64_t *applied, char *err, size_t errlen)
{
	int64_t mark;
	int i, rc = 0;

	*applied = 0;
	if (store_begin(st, err, errlen) != 0)
		return -1;
	if (store_spool_mark_get(st, sp->id, &mark, err, errlen) != 0)
		goto fail;
	for (i = 0; i < n && rc == 0; i++) {
		if (seqs[i] <= mark)
			continue;                  /* taken before (a crash, another flusher) */
		rc = apply_item(st, &items[i], err, errlen);
		*applied += rc == 0;
	}
	if (rc != 0 || (seqs[n - 1] > mark &&
	    store_spool_mark_set(st, sp->id, seqs[n - 1], err, errlen) != 0))
		goto fail;
	if (store_commit(st, err, errlen) != 0) {
		*applied = 0;
		return -1;
	}
	return 0;
fail:
	*applied = 0;
	store_rollback(st);
	return -1;
}

/* Drop ledger's rows up to seq from the spool. A failure only leaves rows
 * the next flush skips. */
static void
drop_through(struct spool *sp, const char *ledger, int64_t seq)
{
	struct db_stmt *st;

	if ((st = db_prepare(sp->db, "DELETE FROM row WHERE ledger = ?1 AND seq <= ?2", 0)) ==
	    NULL)
		return;
	db_bind_text(st, 1, ledger);
	db_bind_int64(st, 2, seq);
	db_step(st);
	db_finalize(st);
}

int
spool_flush(struct spool *sp, struct store *st, int64_t *flushed, char *err, size_t errlen)
{
	struct spool_item *items = calloc(SPOOL_CHUNK, sizeof(*items));
	int64_t *seqs = calloc(SPOOL_CHUNK, sizeof(*seqs)), after = 0, applied, done = 0;
	char ledger[PATH_MAX];
	int n, rc = -1;

	if (items == NULL || seqs == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ledger_id(st, ledger, sizeof(ledger));
	for (;;) {
		if ((n = read_chunk(sp, ledger, after, items, seqs, SPOOL_CHUNK, err, errlen)) < 0)
			goto out;
		if (n == 0)
			break;
		if (apply_chunk(sp, st, items, seqs, n, &applied, err, errlen) != 0)
			goto out;
		done += applied;
		after = seqs[n - 1];
		drop_through(sp, ledger, after);
	}
	rc = 0;
out:
	if (flushed != NULL)
		*flushed = done;
	free(items);
	free(seqs);
	return rc;
}

int
spool_applied(struct spool *sp, struct store *st, int64_t *seq, char *err, size_t errlen)
{
	return store_spool_mark_get(st, sp->id, seq, err, errlen);
}

int
spool_flush_path(const char *path, struct store *st, int64_t *flushed, int64_t *left,
                 char *err, size_t errlen)
{
	struct spool *sp;
	int64_t waiting = 0;
	char tmp[256];
	int rc;

	*flushed = *left = 0;
	/* any row for this ledger, waiting or taken but not yet dropped (a
	 * flush cut short): the flush drops those too */
	if (peek(path, st, 0, &waiting, err, errlen) != 0)
		return -1;
	if (waiting == 0)
		return 0;
	if ((sp = spool_open(path, err, errlen)) == NULL)
		return -1;
	rc = spool_flush(sp, st, flushed, err, errlen);
	if (spool_count(sp, st, left, rc == 0 ? err : tmp, rc == 0 ? errlen : sizeof(tmp)) != 0)
		rc = -1;
	spool_close(sp);
	return rc;
}
