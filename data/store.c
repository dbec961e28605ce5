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

/*
 * Forward migrations: entry i takes the schema from version i to i + 1.
 * Append only — never edit a shipped entry. Issue 6 (organisation usage)
 * adds its tables as the next entry.
 */
static const char *const migrations[] = {
	/* 0 → 1: the ledger, its hourly rollup, batches, import marks */
	"CREATE TABLE usage ("
	"  id INTEGER PRIMARY KEY,"
	"  ts_ms INTEGER NOT NULL,"
	"  model TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  request_id TEXT NOT NULL DEFAULT '',"
	"  message_id TEXT NOT NULL DEFAULT '',"
	"  batch_id TEXT NOT NULL DEFAULT '',"
	"  custom_id TEXT NOT NULL DEFAULT '',"
	"  tag TEXT NOT NULL DEFAULT '',"
	"  service_tier TEXT NOT NULL DEFAULT '',"
	"  speed TEXT NOT NULL DEFAULT '',"
	"  inference_geo TEXT NOT NULL DEFAULT '',"
	"  tier TEXT NOT NULL DEFAULT '',"
	"  stop_reason TEXT NOT NULL DEFAULT '',"
	"  input INTEGER NOT NULL DEFAULT 0,"
	"  write_5m INTEGER NOT NULL DEFAULT 0,"
	"  write_1h INTEGER NOT NULL DEFAULT 0,"
	"  cache_read INTEGER NOT NULL DEFAULT 0,"
	"  output INTEGER NOT NULL DEFAULT 0,"
	"  compressed_tokens INTEGER NOT NULL DEFAULT 0,"
	"  sidechain INTEGER NOT NULL DEFAULT 0,"
	"  dedupe_key TEXT UNIQUE"          /* msg:ID | req:ID | batch:ID:CUSTOM | NULL */
	");"
	"CREATE INDEX usage_ts ON usage(ts_ms);"
	"CREATE INDEX usage_batch ON usage(batch_id) WHERE batch_id <> '';"
	/* One cell per UTC hour × what groups or prices tokens. Kept current in
	 * the transaction of every insert/replace; reports read only this. */
	"CREATE TABLE rollup_hour ("
	"  hour INTEGER NOT NULL,"          /* floor(ts_ms / 3600000) */
	"  model TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  tag TEXT NOT NULL,"
	"  tier TEXT NOT NULL,"
	"  flags INTEGER NOT NULL,"         /* ROLLUP_* bits */
	"  requests INTEGER NOT NULL,"
	"  input INTEGER NOT NULL,"
	"  write_5m INTEGER NOT NULL,"
	"  write_1h INTEGER NOT NULL,"
	"  cache_read INTEGER NOT NULL,"
	"  output INTEGER NOT NULL,"
	"  compressed_tokens INTEGER NOT NULL,"
	"  max_tokens_stops INTEGER NOT NULL,"
	"  PRIMARY KEY (hour, model, source, tag, tier, flags)"
	") WITHOUT ROWID;"
	"CREATE TABLE batch ("
	"  id TEXT PRIMARY KEY,"
	"  status TEXT NOT NULL DEFAULT '',"
	"  input_file TEXT NOT NULL DEFAULT '',"
	"  results_file TEXT NOT NULL DEFAULT '',"
	"  results_url TEXT NOT NULL DEFAULT '',"
	"  models TEXT NOT NULL DEFAULT '',"
	"  tag TEXT NOT NULL DEFAULT '',"
	"  requests INTEGER NOT NULL DEFAULT 0,"
	"  est_low_nanos INTEGER NOT NULL DEFAULT 0,"
	"  est_high_nanos INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL DEFAULT 0,"
	"  expires_ms INTEGER NOT NULL DEFAULT 0,"
	"  ended_ms INTEGER NOT NULL DEFAULT 0,"
	"  cancel_ms INTEGER NOT NULL DEFAULT 0,"
	"  n_processing INTEGER NOT NULL DEFAULT 0,"
	"  n_succeeded INTEGER NOT NULL DEFAULT 0,"
	"  n_errored INTEGER NOT NULL DEFAULT 0,"
	"  n_canceled INTEGER NOT NULL DEFAULT 0,"
	"  n_expired INTEGER NOT NULL DEFAULT 0,"
	"  ingested INTEGER NOT NULL DEFAULT 0"
	");"
	/* Each result line's outcome, once: the primary key is the guarantee. */
	"CREATE TABLE batch_result ("
	"  batch_id TEXT NOT NULL,"
	"  custom_id TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  error TEXT,"
	"  PRIMARY KEY (batch_id, custom_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE import_mark ("
	"  path TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  mtime_ns INTEGER NOT NULL,"
	"  offset INTEGER NOT NULL,"
	"  line INTEGER NOT NULL"
	");",
	/* 1 → 2: token sums per batch × model × price flags, so a batch's actual
	 * cost does not read its rows; kept like rollup_hour. Rebuilt from the
	 * rows (IF NOT EXISTS: some early v1 files already have the table). The
	 * flag expressions are store_row_flags() in SQL. */
	"CREATE TABLE IF NOT EXISTS rollup_batch ("
	"  batch_id TEXT NOT NULL,"
	"  model TEXT NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL,"
	"  input INTEGER NOT NULL,"
	"  write_5m INTEGER NOT NULL,"
	"  write_1h INTEGER NOT NULL,"
	"  cache_read INTEGER NOT NULL,"
	"  output INTEGER NOT NULL,"
	"  PRIMARY KEY (batch_id, model, flags)"
	") WITHOUT ROWID;"
	"DELETE FROM rollup_batch;"
	"INSERT INTO rollup_batch SELECT batch_id, model,"
	"  (source = 'batch' OR service_tier = 'batch') * 1"
	"  + (input + write_5m + write_1h + cache_read > 200000) * 2"
	"  + (speed = 'fast') * 4 + (inference_geo = 'us') * 8 AS f,"
	"  count(*), sum(input), sum(write_5m), sum(write_1h), sum(cache_read), sum(output)"
	"  FROM usage WHERE batch_id <> '' GROUP BY batch_id, model, f;",
	/* 2 → 3: budget alerts announced, one row per crossing (data/alerts.c) */
	"CREATE TABLE IF NOT EXISTS budget_alert ("
	"  key TEXT PRIMARY KEY,"          /* daily|TAG|2026-11-28|warning */
	"  ts_ms INTEGER NOT NULL"
	") WITHOUT ROWID;",
	/* 3 → 4: the organisation's own usage and cost (issue 6, `tokentop sync`;
	 * data/org.c). One row per bucket × group; a sync replaces its range.
	 * IF NOT EXISTS: a file taken back to an older version migrates again. */
	"CREATE TABLE IF NOT EXISTS org_usage ("
	"  bucket_start INTEGER NOT NULL,"  /* UTC ms */
	"  bucket_width INTEGER NOT NULL,"  /* seconds: 60, 3600, 86400 */
	"  model TEXT NOT NULL,"
	"  api_key_id TEXT NOT NULL,"
	"  workspace_id TEXT NOT NULL,"
	"  service_tier TEXT NOT NULL,"
	"  input INTEGER NOT NULL,"
	"  write_5m INTEGER NOT NULL,"
	"  write_1h INTEGER NOT NULL,"
	"  cache_read INTEGER NOT NULL,"
	"  output INTEGER NOT NULL,"
	"  PRIMARY KEY (bucket_start, bucket_width, model, api_key_id, workspace_id, service_tier)"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS org_cost ("
	"  bucket_start INTEGER NOT NULL,"  /* UTC day start, ms */
	"  description TEXT NOT NULL,"
	"  model TEXT NOT NULL,"
	"  token_type TEXT NOT NULL,"
	"  service_tier TEXT NOT NULL,"
	"  amount_nanos INTEGER NOT NULL,"
	"  PRIMARY KEY (bucket_start, description, model, token_type, service_tier)"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS org_sync ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  synced_ms INTEGER NOT NULL,"
	"  since_ms INTEGER NOT NULL,"
	"  until_ms INTEGER NOT NULL"
	");",
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The statements behind enum store_stmt_id, in its order. */
static const char *const stmt_sql[SQ_COUNT] = {
	[SQ_USAGE_FIND] =
	    "SELECT id, " STORE_USAGE_COLS " FROM usage WHERE dedupe_key = ?1",
	[SQ_USAGE_INSERT] =
	    "INSERT INTO usage (" STORE_USAGE_COLS ", dedupe_key) VALUES "
	    "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)",
	[SQ_USAGE_UPDATE] =
	    "UPDATE usage SET ts_ms=?1, model=?2, source=?3, request_id=?4, message_id=?5,"
	    " batch_id=?6, custom_id=?7, tag=?8, service_tier=?9, speed=?10,"
	    " inference_geo=?11, tier=?12, stop_reason=?13, input=?14, write_5m=?15,"
	    " write_1h=?16, cache_read=?17, output=?18, compressed_tokens=?19,"
	    " sidechain=?20 WHERE dedupe_key=?21",
	[SQ_ROLLUP_ADD] =
	    "INSERT INTO rollup_hour VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
	    " ON CONFLICT (hour, model, source, tag, tier, flags) DO UPDATE SET"
	    " requests = requests + excluded.requests,"
	    " input = input + excluded.input,"
	    " write_5m = write_5m + excluded.write_5m,"
	    " write_1h = write_1h + excluded.write_1h,"
	    " cache_read = cache_read + excluded.cache_read,"
	    " output = output + excluded.output,"
	    " compressed_tokens = compressed_tokens + excluded.compressed_tokens,"
	    " max_tokens_stops = max_tokens_stops + excluded.max_tokens_stops",
	[SQ_BATCH_ROLLUP_ADD] =
	    "INSERT INTO rollup_batch VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"
	    " ON CONFLICT (batch_id, model, flags) DO UPDATE SET"
	    " requests = requests + excluded.requests,"
	    " input = input + excluded.input,"
	    " write_5m = write_5m + excluded.write_5m,"
	    " write_1h = write_1h + excluded.write_1h,"
	    " cache_read = cache_read + excluded.cache_read,"
	    " output = output + excluded.output",
	[SQ_ROLLUP_PRUNE] =
	    "DELETE FROM rollup_hour WHERE hour=?1 AND model=?2 AND source=?3 AND tag=?4"
	    " AND tier=?5 AND flags=?6 AND requests = 0",
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
		if (mono_ms() - start >= BUSY_GIVE_UP_MS)
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
	if (exec_retry(s, "COMMIT", err, errlen) != 0) {
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
	s->in_tx = 0;
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
	if (s->in_tx)
		return step_cached(s, SQ_SAVEPOINT, err, errlen);
	return exec_retry(s, "BEGIN IMMEDIATE", err, errlen);
}

int
store_op_end(struct store *s, int ok, char *err, size_t errlen)
{
	char tmp[64];

	if (s->in_tx) {
		if (!ok)
			step_cached(s, SQ_ROLLBACK_TO, tmp, sizeof(tmp));
		return step_cached(s, SQ_RELEASE, err, errlen);
	}
	if (!ok) {
		store_rollback(s);
		return 0;
	}
	if (exec_retry(s, "COMMIT", err, errlen) != 0) {
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

/* Bring the schema to NMIGRATIONS in one write transaction; several
 * processes opening a fresh file at once migrate it once. */
static int
migrate(struct store *s, char *err, size_t errlen)
{
	char sql[64];
	int v, i;

	if (user_version(s, &v, err, errlen) != 0)
		return -1;
	if (v == NMIGRATIONS)
		return 0;
	if (exec_retry(s, "BEGIN IMMEDIATE", err, errlen) != 0)
		return -1;
	if (user_version(s, &v, err, errlen) != 0)
		goto fail;
	if (v > NMIGRATIONS) {
		snprintf(err, errlen, "%s: schema version %d is newer than this tokentop knows (%d);"
		    " upgrade tokentop", s->path, v, NMIGRATIONS);
		goto fail;
	}
	for (i = v; i < NMIGRATIONS; i++)
		if (store_exec(s, migrations[i], err, errlen) != 0)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", NMIGRATIONS);
	if (store_exec(s, sql, err, errlen) != 0)
		goto fail;
	if (exec_retry(s, "COMMIT", err, errlen) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store *s;
	int memory = strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0;

	if (!memory && create_private(path, err, errlen) != 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* NOMUTEX: a connection is used by one thread (one loop per process) */
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX | (memory ? SQLITE_OPEN_URI : 0), NULL) != SQLITE_OK) {
		store_sqlerr(s, path, err, errlen);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	/* WAL: readers never block the writer; synchronous=NORMAL is durable
	 * against a killed process (not against power loss mid-checkpoint). */
	if ((!memory && exec_retry(s, "PRAGMA journal_mode = WAL", err, errlen) != 0) ||
	    store_exec(s, "PRAGMA synchronous = NORMAL", err, errlen) != 0 ||
	    store_exec(s, "PRAGMA cache_size = -16384", err, errlen) != 0 ||
	    store_exec(s, "PRAGMA foreign_keys = ON", err, errlen) != 0 ||
	    migrate(s, err, errlen) != 0)
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < SQ_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	if (s->db != NULL) {
		store_rollback(s);
		sqlite3_close(s->db);
	}
	free(s->path);
	free(s);
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
