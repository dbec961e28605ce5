/* db_sqlite.c — the SQLite driver behind data/db.h: file modes, WAL, busy
 * handling, PRAGMA user_version and data_version. The home of sqlite3. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "data/db.h"

/* How long a writer waits for another process's transaction, per attempt
 * inside SQLite, and in all (application-level retries of BEGIN). */
#define BUSY_TIMEOUT_MS  10000
#define BUSY_GIVE_UP_MS  120000

enum { SP_SAVEPOINT, SP_RELEASE, SP_ROLLBACK_TO, SP_COUNT };

static const char *const sp_sql[SP_COUNT] = { "SAVEPOINT op", "RELEASE op", "ROLLBACK TO op" };

struct sq_db {
	struct db     base;
	sqlite3      *h;
	char         *path;
	sqlite3_stmt *sp[SP_COUNT];    /* savepoints: prepared once (one per bulk insert) */
	int64_t       give_up_ms;      /* BEGIN/COMMIT retries stop after this (set_busy) */
	enum db_fail  fail;
	char          msg[512];        /* the last failure */
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt  *st;
	struct sq_db  *db;
};

#define DB(d)  ((struct sq_db *)(d))
#define ST(s)  (((struct sq_stmt *)(s))->st)

/* Note the last failure: sqlite's message (or what) and its kind. */
static int
failed(struct sq_db *d, int rc, const char *what)
{
	const char *m = what != NULL ? what : sqlite3_errmsg(d->h);

	snprintf(d->msg, sizeof(d->msg), "%s", m);
	if (strcmp(m, "integer overflow") == 0)
		d->fail = DB_OVERFLOW;
	else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		d->fail = DB_BUSY;
	else
		d->fail = DB_FAILED;
	return -1;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Run sql (BEGIN IMMEDIATE, COMMIT, a pragma) retrying while another process
 * holds the lock. SQLite's own busy handler already waits BUSY_TIMEOUT_MS per
 * attempt; this loop covers longer writers and the cases where SQLite returns
 * BUSY without calling the handler (e.g. a WAL recovery in progress).
 */
static int
exec_retry(struct sq_db *d, const char *sql)
{
	int64_t start = mono_ms();
	long step = 1;
	int rc;

	for (;;) {
		rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		if (mono_ms() - start >= d->give_up_ms)
			break;
		sleep_ms(step);
		step = step < 64 ? step * 2 : 64;
	}
	return failed(d, rc, NULL);
}

static int
sq_exec(struct db *db, const char *sql)
{
	struct sq_db *d = DB(db);
	char *msg = NULL;
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		failed(d, rc, msg != NULL ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Run a savepoint statement (prepared once per connection). */
static int
step_sp(struct sq_db *d, int which)
{
	sqlite3_stmt *st = d->sp[which];
	int rc;

	if (st == NULL) {
		if ((rc = sqlite3_prepare_v3(d->h, sp_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &st,
		    NULL)) != SQLITE_OK)
			return failed(d, rc, NULL);
		d->sp[which] = st;
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : failed(d, rc, NULL);
}

static int
sq_tx(struct db *db, enum db_tx what)
{
	struct sq_db *d = DB(db);

	switch (what) {
	case DB_BEGIN:       return exec_retry(d, "BEGIN IMMEDIATE");
	case DB_BEGIN_READ:  return sq_exec(db, "BEGIN");
	case DB_COMMIT:      return exec_retry(d, "COMMIT");
	case DB_ROLLBACK:
		if (!sqlite3_get_autocommit(d->h))
			sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
		return 0;
	case DB_SAVEPOINT:   return step_sp(d, SP_SAVEPOINT);
	case DB_RELEASE:     return step_sp(d, SP_RELEASE);
	case DB_ROLLBACK_TO: return step_sp(d, SP_ROLLBACK_TO);
	}
	return failed(d, SQLITE_MISUSE, "unknown transaction step");
}

static int
sq_in_tx(struct db *db)
{
	return !sqlite3_get_autocommit(DB(db)->h);
}

static int64_t
sq_changes(struct db *db)
{
	return sqlite3_changes(DB(db)->h);
}

static struct db_stmt *
sq_prepare(struct db *db, const char *sql, int keep)
{
	struct sq_db *d = DB(db);
	struct sq_stmt *s = malloc(sizeof(*s));
	int rc;

	if (s == NULL) {
		failed(d, SQLITE_NOMEM, "out of memory");
		return NULL;
	}
	rc = sqlite3_prepare_v3(d->h, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &s->st, NULL);
	if (rc != SQLITE_OK) {
		failed(d, rc, NULL);
		free(s);
		return NULL;
	}
	s->base.drv = &db_sqlite;
	s->db = d;
	return &s->base;
}

static void
sq_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(ST(st), i, v);
}

static void
sq_bind_text(struct db_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(ST(st), i, v, -1, SQLITE_STATIC);
}

static void
sq_bind_null(struct db_stmt *st, int i)
{
	sqlite3_bind_null(ST(st), i);
}

static int
sq_step(struct db_stmt *st)
{
	int rc = sqlite3_step(ST(st));

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	failed(((struct sq_stmt *)st)->db, rc, NULL);
	return DB_ERR;
}

static int64_t
sq_column_int64(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(ST(st), i);
}

static const char *
sq_column_text(struct db_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(ST(st), i);

	return t != NULL ? t : "";
}

static enum db_type
sq_column_type(struct db_stmt *st, int i)
{
	switch (sqlite3_column_type(ST(st), i)) {
	case SQLITE_NULL:    return DB_T_NULL;
	case SQLITE_INTEGER: return DB_T_INT;
	case SQLITE_TEXT:    return DB_T_TEXT;
	default:             return DB_T_OTHER;
	}
}

static void
sq_reset(struct db_stmt *st)
{
	sqlite3_reset(ST(st));
}

static void
sq_clear(struct db_stmt *st)
{
	sqlite3_clear_bindings(ST(st));
}

static void
sq_finalize(struct db_stmt *st)
{
	sqlite3_finalize(ST(st));
	free(st);
}

/* mkdir -p of path's directory, new components with mode 0700. */
static int
make_parent(const char *path, char *err, size_t errlen)
{
	char dir[4096];
	char *p;
	size_t n = strlen(path);

	if (n >= sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memcpy(dir, path, n + 1);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) == 0)
			(void)chmod(dir, 0700);     /* whatever the umask took away */
		else if (errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

/* Create the database file 0600 before SQLite opens it (SQLite gives its
 * -wal and -shm files the same mode), whatever the umask. */
static int
create_private(const char *path, char *err, size_t errlen)
{
	int fd;

	if (make_parent(path, err, errlen) != 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void
sq_close(struct db *db)
{
	struct sq_db *d = DB(db);
	int i;

	if (d == NULL)
		return;
	for (i = 0; i < SP_COUNT; i++)
		sqlite3_finalize(d->sp[i]);
	sqlite3_close(d->h);
	free(d->path);
	free(d);
}

/* A pragma of the opening: "PATH: reason" into err on failure (the first
 * statement to read the file: a file that is no SQLite database is said to
 * be no ledger, not which pragma met it). */
static int
open_pragma(struct sq_db *d, const char *sql, int retry, char *err, size_t errlen)
{
	if ((retry ? exec_retry(d, sql) : sq_exec(&d->base, sql)) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s%s", d->path, d->msg,
	    (sqlite3_extended_errcode(d->h) & 0xff) == SQLITE_NOTADB ?
	    " (not a tokentop ledger, or a damaged one)" : "");
	return -1;
}

static int pragma_int(struct sq_db *d, const char *sql, int64_t *v);

/* Open d->h from name (a path, or a URI when uri) with flags, and set what
 * every connection has. A 2 MB page cache: an import fills it within its
 * first few MB of ledger, so its memory stays flat whatever the input;
 * reports read the small rollups and need no more (the OS caches the file).
 * Read-only, the schema version is read too: the first read says whether
 * the file can be read at all. 0, or -1 with err (d->h closed). */
static int
connect_file(struct sq_db *d, const char *name, int flags, char *err, size_t errlen)
{
	int64_t v;

	if (sqlite3_open_v2(name, &d->h, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", d->path, d->h != NULL ? sqlite3_errmsg(d->h) :
		    "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(d->h, BUSY_TIMEOUT_MS);
	d->give_up_ms = BUSY_GIVE_UP_MS;
	sqlite3_extended_result_codes(d->h, 1);
	if (open_pragma(d, "PRAGMA cache_size = -2048", 0, err, errlen) != 0 ||
	    open_pragma(d, "PRAGMA foreign_keys = ON", 0, err, errlen) != 0)
		goto fail;
	if ((flags & SQLITE_OPEN_READONLY) && pragma_int(d, "PRAGMA user_version", &v) != 0) {
		snprintf(err, errlen, "%s: %s", d->path, d->msg);
		goto fail;
	}
	return 0;
fail:
	sqlite3_close(d->h);
	d->h = NULL;
	return -1;
}

/* "file:" + path with every byte but [A-Za-z0-9/._~-] percent-encoded, then
 * the query q, into a heap string (the caller frees); NULL out of memory. */
static char *
file_uri(const char *path, const char *q)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), i, k = 5;
	char *u = malloc(5 + 3 * n + strlen(q) + 1);

	if (u == NULL)
		return NULL;
	memcpy(u, "file:", 5);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '/' || c == '.' || c == '_' || c == '~' || c == '-') {
			u[k++] = (char)c;
		} else {
			u[k++] = '%';
			u[k++] = hex[c >> 4];
			u[k++] = hex[c & 15];
		}
	}
	strcpy(u + k, q);
	return u;
}

/* Read-only: nothing created or written. When the plain read-only open
 * cannot read the file (a WAL file whose -shm cannot be made: a read-only
 * mount or directory), it is read as an immutable snapshot. */
static int
open_ro(struct sq_db *d, char *err, size_t errlen)
{
	char first[512];
	char *uri;
	int rc;

	d->base.readonly = 1;
	if (connect_file(d, d->path, SQLITE_OPEN_READONLY, first, sizeof(first)) == 0)
		return 0;
	if ((uri = file_uri(d->path, "?immutable=1")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = connect_file(d, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, err, errlen);
	free(uri);
	if (rc != 0) {
		snprintf(err, errlen, "%s", first);
		return -1;
	}
	d->base.readonly = 2;
	return 0;
}

static struct db *
sq_open(const char *path, int readonly, char *err, size_t errlen)
{
	struct sq_db *d;
	int memory = strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0;

	if (!memory && !readonly && create_private(path, err, errlen) != 0)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL || (d->path = strdup(path)) == NULL) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->base.drv = &db_sqlite;
	if (readonly) {
		if (open_ro(d, err, errlen) != 0)
			goto fail;
		return &d->base;
	}
	/* WAL: readers never block the writer; synchronous=NORMAL is durable
	 * against a killed process (not against power loss mid-checkpoint).
	 * A new file gets 8 KiB pages (before WAL, which fixes them; an older
	 * ledger keeps its own): a first import of 400 MB of transcripts takes
	 * 1.12-1.20 s, not 1.21-1.32 (4 KiB: twice the WAL writes, reads and
	 * checkpoint copies). 16 KiB was faster still (1.09-1.18) but a row's
	 * commit (the proxy's, a call's) rewrites ~17 pages: 272 KB of log,
	 * 136 KB at 8 KiB, 68 at 4; a new ledger takes 656, 328, 164 KB. */
	if (connect_file(d, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    (memory ? SQLITE_OPEN_URI : 0), err, errlen) != 0 ||
	    (!memory && open_pragma(d, "PRAGMA page_size = 8192", 0, err, errlen) != 0) ||
	    (!memory && open_pragma(d, "PRAGMA journal_mode = WAL", 1, err, errlen) != 0) ||
	    open_pragma(d, "PRAGMA synchronous = NORMAL", 0, err, errlen) != 0)
		goto fail;
	return &d->base;
fail:
	sq_close(&d->base);
	return NULL;
}

/* One integer of a pragma (user_version, data_version). */
static int
pragma_int(struct sq_db *d, const char *sql, int64_t *v)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(d->h, sql, -1, &st, NULL)) != SQLITE_OK)
		return failed(d, rc, NULL);
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : failed(d, rc, NULL);
}

/* The migration lock is the write lock: several processes opening a fresh
 * file at once migrate it once. */
static int
sq_schema_lock(struct db *db)
{
	return exec_retry(DB(db), "BEGIN IMMEDIATE");
}

static int
sq_schema_version(struct db *db, int *v)
{
	int64_t x = 0;
	int rc = pragma_int(DB(db), "PRAGMA user_version", &x);

	*v = (int)x;
	return rc;
}

static int
sq_set_schema_version(struct db *db, int v)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	return sq_exec(db, sql);
}

static int
sq_changed(struct db *db, int64_t *version)
{
	return pragma_int(DB(db), "PRAGMA data_version", version);
}

static void
sq_set_busy(struct db *db, int64_t attempt_ms, int64_t give_up_ms)
{
	struct sq_db *d = DB(db);

	sqlite3_busy_timeout(d->h, (int)(attempt_ms > 0 && attempt_ms < 600000 ? attempt_ms : 1));
	d->give_up_ms = give_up_ms > 0 ? give_up_ms : 0;
}

static int
sq_batch(struct db *db, int on)
{
	(void)db;
	(void)on;
	return 0;       /* each step is answered at once anyway */
}

static int
sq_wait_fd(struct db *db)
{
	(void)db;
	return -1;    /* no descriptor: data_version is checked on a timer */
}

static const char *
sq_errmsg(struct db *db)
{
	return DB(db)->msg;
}

static enum db_fail
sq_fail(struct db *db)
{
	return DB(db)->fail;
}

static int
sq_claims(const char *target)
{
	(void)target;
	return 1;        /* anything that is not another driver's is a path */
}

static int
sq_check(const char *target, char *err, size_t errlen)
{
	if (target[0] == '\0') {
		snprintf(err, errlen, "empty ledger path");
		return -1;
	}
	return 0;
}

static void
sq_display(const char *target, char *out, size_t n)
{
	snprintf(out, n, "%s", target);
}

static void
sq_scrub(char *target)
{
	(void)target;    /* a path holds no secret */
}

static int
sq_wal_checkpoint(struct db *db)
{
	int rc = sqlite3_wal_checkpoint_v2(DB(db)->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	/* (busy: another connection's checkpoint runs; the next one copies) */
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : failed(DB(db), rc, NULL);
}

static int
sq_wal_autocheckpoint(struct db *db, int kib)
{
	sqlite3_stmt *st;
	int rc, page = 4096;

	/* (the length is counted in pages: 1000, SQLite's, by default) */
	if (kib > 0 && sqlite3_prepare_v2(DB(db)->h, "PRAGMA page_size", -1, &st, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0)
			page = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	rc = sqlite3_wal_autocheckpoint(DB(db)->h, kib < 0 ? 1000 :
	    (int)((int64_t)kib * 1024 / page));
	return rc == SQLITE_OK ? 0 : failed(DB(db), rc, NULL);
}

const struct db_driver db_sqlite = {
	.name = "sqlite",
	.claims = sq_claims,
	.check = sq_check,
	.display = sq_display,
	.scrub = sq_scrub,
	.open = sq_open,
	.close = sq_close,
	.errmsg = sq_errmsg,
	.failure = sq_fail,
	.exec = sq_exec,
	.tx = sq_tx,
	.in_tx = sq_in_tx,
	.changes = sq_changes,
	.prepare = sq_prepare,
	.bind_int64 = sq_bind_int64,
	.bind_text = sq_bind_text,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.column_int64 = sq_column_int64,
	.column_text = sq_column_text,
	.column_type = sq_column_type,
	.reset = sq_reset,
	.clear = sq_clear,
	.finalize = sq_finalize,
	.schema_lock = sq_schema_lock,
	.schema_version = sq_schema_version,
	.set_schema_version = sq_set_schema_version,
	.set_busy = sq_set_busy,
	.batch = sq_batch,
	.changed = sq_changed,
	.wait_fd = sq_wait_fd,
	.column_sql = "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
	.insert_rows = "INSERT OR FAIL",
	.do_step = 3,
	.lock_rows = "",
	.local = 1,
	.wal_checkpoint = sq_wal_checkpoint,
	.wal_autocheckpoint = sq_wal_autocheckpoint,
};
