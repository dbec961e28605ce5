/* store.c — opening the ledger: file modes, WAL, busy handling, schema
 * migrations, transactions and the statement cache. The home of sqlite3. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "data/store_int.h"

/* How long a writer waits for another process's transaction, per attempt
 * inside SQLite, and in all (application-level retries of BEGIN). */
#define BUSY_TIMEOUT_MS  10000
#define BUSY_GIVE_UP_MS  120000


/* A rollup upsert's update: every sum plus the delta's. */
#define ADD_SUMS \
	" requests = requests + excluded.requests," \
	" input = input + excluded.input," \
	" write_5m = write_5m + excluded.write_5m," \
	" write_1h = write_1h + excluded.write_1h," \
	" cache_read = cache_read + excluded.cache_read," \
	" output = output + excluded.output," \
	" compressed_tokens = compressed_tokens + excluded.compressed_tokens," \
	" max_tokens_stops = max_tokens_stops + excluded.max_tokens_stops," \
	" reasoning = reasoning + excluded.reasoning," \
	" web_search = web_search + excluded.web_search," \
	" code_exec = code_exec + excluded.code_exec"

/* A rollup's columns after its key: the sums, in groupsum's order. */
#define SUM_COLS "requests, input, write_5m, write_1h, cache_read, output," \
	" compressed_tokens, max_tokens_stops, reasoning, web_search, code_exec"

/* The statements behind enum store_stmt_id, in its order. */
static const char *const stmt_sql[SQ_COUNT] = {
	[SQ_USAGE_FIND] =
	    "SELECT id, " STORE_USAGE_COLS " FROM usage WHERE dedupe_key = ?1",
	[SQ_USAGE_INSERT] =
	    "INSERT INTO usage (" STORE_USAGE_COLS ", dedupe_key) VALUES "
	    "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,"
	    "?23,?24,?25,?26,?27,?28,?29,?30,?31,?32)",
	[SQ_USAGE_UPDATE] =
	    "UPDATE usage SET ts_ms=?1, model=?2, source=?3, request_id=?4, message_id=?5,"
	    " batch_id=?6, custom_id=?7, tag=?8, service_tier=?9, speed=?10,"
	    " inference_geo=?11, tier=?12, stop_reason=?13, input=?14, write_5m=?15,"
	    " write_1h=?16, cache_read=?17, output=?18, compressed_tokens=?19,"
	    " sidechain=?20, ts_import=?21, provider=?22, reasoning_tokens=?23, session_id=?24,"
	    " cwd=?25, web_search_requests=?26, web_fetch_requests=?27,"
	    " code_execution_requests=?28, project=?29, git_branch=?30, key_fp=?31"
	    " WHERE dedupe_key=?32",
	[SQ_ROLLUP_ADD] =
	    "INSERT INTO rollup_hour (hour, model, source, tag, tier, flags, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"
	    " ON CONFLICT (hour, model, source, tag, tier, flags) DO UPDATE SET" ADD_SUMS,
	[SQ_HM_ADD] =
	    "INSERT INTO rollup_hm (hour, model, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"
	    " ON CONFLICT (hour, model, flags, routed) DO UPDATE SET" ADD_SUMS,
	[SQ_HM_PRUNE] =
	    "DELETE FROM rollup_hm WHERE hour=?1 AND model=?2 AND flags=?3 AND routed=?4"
	    " AND requests = 0",
	[SQ_DM_ADD] =
	    "INSERT INTO rollup_dm (hour, model, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"
	    " ON CONFLICT (hour, model, flags, routed) DO UPDATE SET" ADD_SUMS,
	[SQ_DM_PRUNE] =
	    "DELETE FROM rollup_dm WHERE hour=?1 AND model=?2 AND flags=?3 AND routed=?4"
	    " AND requests = 0",
	[SQ_DT_ADD] =
	    "INSERT INTO rollup_dt (hour, model, tag, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
	    " ON CONFLICT (hour, model, tag, flags, routed) DO UPDATE SET" ADD_SUMS,
	[SQ_DT_PRUNE] =
	    "DELETE FROM rollup_dt WHERE hour=?1 AND model=?2 AND tag=?3 AND flags=?4"
	    " AND routed=?5 AND requests = 0",
	[SQ_DS_ADD] =
	    "INSERT INTO rollup_ds (hour, model, source, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
	    " ON CONFLICT (hour, model, source, flags, routed) DO UPDATE SET" ADD_SUMS,
	[SQ_DS_PRUNE] =
	    "DELETE FROM rollup_ds WHERE hour=?1 AND model=?2 AND source=?3 AND flags=?4"
	    " AND routed=?5 AND requests = 0",
	[SQ_LT_ADD] =
	    "INSERT INTO rollup_lt (model, source, tag, flags, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"
	    " ON CONFLICT (model, source, tag, flags) DO UPDATE SET" ADD_SUMS,
	[SQ_LT_PRUNE] =
	    "DELETE FROM rollup_lt WHERE model=?1 AND source=?2 AND tag=?3 AND flags=?4"
	    " AND requests = 0",
	[SQ_HP_ADD] =
	    "INSERT INTO rollup_hp (hour, model, project, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
	    " ON CONFLICT (hour, model, project, flags, routed) DO UPDATE SET" ADD_SUMS,
	[SQ_HP_PRUNE] =
	    "DELETE FROM rollup_hp WHERE hour=?1 AND model=?2 AND project=?3 AND flags=?4"
	    " AND routed=?5 AND requests = 0",
	[SQ_HK_ADD] =
	    "INSERT INTO rollup_hk (hour, model, key_fp, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
	    " ON CONFLICT (hour, model, key_fp, flags, routed) DO UPDATE SET" ADD_SUMS,
	[SQ_HK_PRUNE] =
	    "DELETE FROM rollup_hk WHERE hour=?1 AND model=?2 AND key_fp=?3 AND flags=?4"
	    " AND routed=?5 AND requests = 0",
	[SQ_BATCH_ROLLUP_ADD] =
	    "INSERT INTO rollup_batch (batch_id, model, flags, requests, input, write_5m,"
	    " write_1h, cache_read, output, web_search) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"
	    " ON CONFLICT (batch_id, model, flags) DO UPDATE SET"
	    " requests = requests + excluded.requests,"
	    " input = input + excluded.input,"
	    " write_5m = write_5m + excluded.write_5m,"
	    " write_1h = write_1h + excluded.write_1h,"
	    " cache_read = cache_read + excluded.cache_read,"
	    " output = output + excluded.output,"
	    " web_search = web_search + excluded.web_search",
	[SQ_ROLLUP_PRUNE] =
	    "DELETE FROM rollup_hour WHERE hour=?1 AND model=?2 AND source=?3 AND tag=?4"
	    " AND tier=?5 AND flags=?6 AND requests = 0",
	[SQ_MARK_GET] =
	    "SELECT size, mtime_ns, offset, line, dev, ino, head_len, head_hash FROM import_mark"
	    " WHERE path = ?1",
	[SQ_MARK_SET] =
	    "INSERT INTO import_mark (path, size, mtime_ns, offset, line, dev, ino, head_len,"
	    " head_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT (path) DO UPDATE SET size = excluded.size,"
	    " mtime_ns = excluded.mtime_ns, offset = excluded.offset, line = excluded.line,"
	    " dev = excluded.dev, ino = excluded.ino, head_len = excluded.head_len,"
	    " head_hash = excluded.head_hash",
	[SQ_SAVEPOINT] = "SAVEPOINT op",
	[SQ_RELEASE] = "RELEASE op",
	[SQ_ROLLBACK_TO] = "ROLLBACK TO op",
	[SQ_RESULT_INSERT] =
	    "INSERT INTO batch_result (batch_id, custom_id, type, error) VALUES (?1,?2,?3,?4)"
	    " ON CONFLICT (batch_id, custom_id) DO NOTHING",
};

int
store_sqlerr(struct store *s, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, s != NULL && s->db != NULL ?
	    sqlite3_errmsg(s->db) : "out of memory");
	return -1;
}

int
store_exec(struct store *s, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", s->path, msg != NULL ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v != NULL ? v : "", -1, SQLITE_TRANSIENT);
}

sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt_id id, char *err, size_t errlen)
{
	sqlite3_stmt *st = s->stmt[id];

	if (st == NULL) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		    &st, NULL) != SQLITE_OK) {
			store_sqlerr(s, "prepare", err, errlen);
			return NULL;
		}
		s->stmt[id] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
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
exec_retry(struct store *s, const char *sql, char *err, size_t errlen)
{
	int64_t start = mono_ms();
	long step = 1;
	int rc;

	for (;;) {
		rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		if (mono_ms() - start >= s->give_up_ms)
			break;
		sleep_ms(step);
		step = step < 64 ? step * 2 : 64;
	}
	snprintf(err, errlen, "%s: %s: %s", s->path, sql, sqlite3_errmsg(s->db));
	return -1;
}

int
store_begin(struct store *s, char *err, size_t errlen)
{
	if (s->in_tx) {
		snprintf(err, errlen, "store_begin: already in a transaction");
		return -1;
	}
	if (exec_retry(s, "BEGIN IMMEDIATE", err, errlen) != 0)
		return -1;
	s->in_tx = 1;
	return 0;
}

int
store_commit(struct store *s, char *err, size_t errlen)
{
	if (!s->in_tx) {
		snprintf(err, errlen, "store_commit: no transaction");
		return -1;
	}
	if (s->rollup_failed) {
		snprintf(err, errlen, "%s: rollup update failed earlier; rolled back", s->path);
		store_rollback(s);
		return -1;
	}
	if (store_rollup_flush(s, err, errlen) != 0 ||
	    exec_retry(s, "COMMIT", err, errlen) != 0) {
		store_rollback(s);
		return -1;
	}
	s->in_tx = 0;
	return 0;
}

void
store_rollback(struct store *s)
{
	if (s == NULL || s->db == NULL)
		return;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	store_bulk_discard(s);
	store_rollup_discard(s);
	s->in_tx = 0;
	s->in_op = 0;
	s->rollup_failed = 0;
}

/* Run a cached statement without results (savepoints: prepared once, as
 * every insert of a bulk import opens one). */
static int
step_cached(struct store *s, enum store_stmt_id id, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, id, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "savepoint", err, errlen);
	return 0;
}

int
store_op_begin(struct store *s, char *err, size_t errlen)
{
	int rc;

	if (s->in_tx && store_bulk_flush(s, err, errlen) != 0)
		return -1;
	if (s->in_tx)
		rc = step_cached(s, SQ_SAVEPOINT, err, errlen);
	else
		rc = exec_retry(s, "BEGIN IMMEDIATE", err, errlen);
	s->in_op = rc == 0;
	return rc;
}

int
store_op_end(struct store *s, int ok, char *err, size_t errlen)
{
	char tmp[64];

	s->in_op = 0;
	store_rollup_op_end(s, ok);
	if (s->in_tx) {
		if (!ok)
			step_cached(s, SQ_ROLLBACK_TO, tmp, sizeof(tmp));
		if (step_cached(s, SQ_RELEASE, err, errlen) != 0)
			return -1;
		/* a long transaction writes its rollup deltas now and then */
		if (ok && store_rollup_full(s) && store_rollup_flush(s, err, errlen) != 0) {
			s->rollup_failed = 1;
			return -1;
		}
		return 0;
	}
	if (!ok) {
		store_rollback(s);
		return 0;
	}
	if (store_rollup_flush(s, err, errlen) != 0 ||
	    exec_retry(s, "COMMIT", err, errlen) != 0) {
		store_rollback(s);
		return -1;
	}
	return 0;
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
int
store_create_private(const char *path, char *err, size_t errlen)
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

static int
user_version(struct store *s, int *v, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, s->path, err, errlen);
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, s->path, err, errlen);
	return 0;
}

/* A migration that starts "-- column TABLE COLUMN" adds that column; an
 * ALTER TABLE cannot say IF NOT EXISTS, so a file whose version was set
 * back, and that has the column, skips it. */
static int
column_added(struct store *s, const char *sql)
{
	char table[64], column[64];
	sqlite3_stmt *st;
	int found = 0;

	if (sscanf(sql, "-- column %63s %63s", table, column) != 2)
		return 0;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1,
	    &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_TRANSIENT);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Bring the schema to STORE_NMIGRATIONS in one write transaction; several
 * processes opening a fresh file at once migrate it once. */
static int
migrate(struct store *s, char *err, size_t errlen)
{
	char sql[64];
	int v, i;

	if (user_version(s, &v, err, errlen) != 0)
		return -1;
	if (v == STORE_NMIGRATIONS)
		return 0;
	if (exec_retry(s, "BEGIN IMMEDIATE", err, errlen) != 0)
		return -1;
	if (user_version(s, &v, err, errlen) != 0)
		goto fail;
	if (v > STORE_NMIGRATIONS) {
		snprintf(err, errlen, "%s: schema version %d is newer than this tokentop knows (%d);"
		    " upgrade tokentop", s->path, v, STORE_NMIGRATIONS);
		goto fail;
	}
	for (i = v; i < STORE_NMIGRATIONS; i++) {
		if (column_added(s, store_migrations[i]))
			continue;
		if (store_exec(s, store_migrations[i], err, errlen) != 0)
			goto fail;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_NMIGRATIONS);
	if (store_exec(s, sql, err, errlen) != 0)
		goto fail;
	if (exec_retry(s, "COMMIT", err, errlen) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

/* The pragmas every connection runs after opening. A 2 MB page cache: an
 * import fills it within its first few MB of ledger, so its memory stays
 * flat whatever the input; reports read the small rollups and need no more
 * (the OS caches the file). */
static int
tune(struct store *s, char *err, size_t errlen)
{
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	s->give_up_ms = BUSY_GIVE_UP_MS;
	sqlite3_extended_result_codes(s->db, 1);
	return store_exec(s, "PRAGMA cache_size = -2048", err, errlen) != 0 ||
	    store_exec(s, "PRAGMA foreign_keys = ON", err, errlen) != 0 ? -1 : 0;
}

static struct store *
store_new(const char *path, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return s;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store *s;
	int memory = strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0;

	if (!memory && store_create_private(path, err, errlen) != 0)
		return NULL;
	if ((s = store_new(path, err, errlen)) == NULL)
		return NULL;
	/* NOMUTEX: a connection is used by one thread (one loop per process) */
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX | (memory ? SQLITE_OPEN_URI : 0), NULL) != SQLITE_OK) {
		store_sqlerr(s, path, err, errlen);
		goto fail;
	}
	/* WAL: readers never block the writer; synchronous=NORMAL is durable
	 * against a killed process (not against power loss mid-checkpoint). */
	if (tune(s, err, errlen) != 0 ||
	    (!memory && exec_retry(s, "PRAGMA journal_mode = WAL", err, errlen) != 0) ||
	    store_exec(s, "PRAGMA synchronous = NORMAL", err, errlen) != 0 ||
	    migrate(s, err, errlen) != 0)
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
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

/* Open s->db read-only from name (a path, or a URI when uri); then read the
 * schema version, which is the first read and so tells whether the file can
 * be read at all. 0 with *v, or -1 with err (s->db closed). */
static int
open_ro(struct store *s, const char *name, int uri, int *v, char *err, size_t errlen)
{
	if (sqlite3_open_v2(name, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX |
	    (uri ? SQLITE_OPEN_URI : 0), NULL) != SQLITE_OK ||
	    tune(s, err, errlen) != 0 || user_version(s, v, err, errlen) != 0) {
		store_sqlerr(s, s->path, err, errlen);
		sqlite3_close(s->db);
		s->db = NULL;
		return -1;
	}
	return 0;
}

struct store *
store_open_ro(const char *path, int *stale, char *err, size_t errlen)
{
	struct store *s;
	char first[512];
	char *uri;
	int v = 0, rc;

	if (stale != NULL)
		*stale = 0;
	if ((s = store_new(path, err, errlen)) == NULL)
		return NULL;
	s->readonly = 1;
	if (open_ro(s, path, 0, &v, first, sizeof(first)) != 0) {
		/* a WAL file where its -shm cannot be made (a read-only mount, a
		 * directory without write permission): read it as a snapshot */
		if ((uri = file_uri(path, "?immutable=1")) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		rc = open_ro(s, uri, 1, &v, err, errlen);
		free(uri);
		if (rc != 0) {
			snprintf(err, errlen, "%s", first);
			goto fail;
		}
		s->readonly = 2;
	}
	if (v < STORE_NMIGRATIONS) {
		if (stale != NULL)
			*stale = 1;
		snprintf(err, errlen, "%s: schema version %d is older than this tokentop's (%d) and"
		    " the ledger cannot be migrated read-only; run a command that writes (tokentop"
		    " import) once with write access", path, v, STORE_NMIGRATIONS);
		goto fail;
	}
	if (v > STORE_NMIGRATIONS) {
		snprintf(err, errlen, "%s: schema version %d is newer than this tokentop knows (%d);"
		    " upgrade tokentop", path, v, STORE_NMIGRATIONS);
		goto fail;
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

int
store_readonly(const struct store *s)
{
	return s->readonly;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->db != NULL)
		store_rollback(s);
	for (i = 0; i < SQ_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	if (s->db != NULL)
		sqlite3_close(s->db);
	store_rollup_free(s);
	store_bulk_free(s);
	free(s->path);
	free(s);
}

int
store_cache_kib(struct store *s, int kib, char *err, size_t errlen)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = %d", -kib);
	return store_exec(s, sql, err, errlen);
}

int
store_schema_version(struct store *s)
{
	char err[256];
	int v;

	return user_version(s, &v, err, sizeof(err)) == 0 ? v : -1;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

int
store_data_version(struct store *s, int64_t *version, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, "data_version", err, errlen);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_sqlerr(s, "data_version", err, errlen);
	return 0;
}

void
store_set_busy(struct store *s, int64_t attempt_ms, int64_t give_up_ms)
{
	sqlite3_busy_timeout(s->db, (int)(attempt_ms > 0 && attempt_ms < 600000 ? attempt_ms : 1));
	s->give_up_ms = give_up_ms > 0 ? give_up_ms : 0;
}
