/* store.c — opening the ledger through its driver (data/db.h), schema
 * migrations, transactions and the statement cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/store_int.h"
#include "data/schema_fresh.h"

/* How many times a single operation is run again after a serialization
 * failure or deadlock with another writer (PostgreSQL). */
#define OP_RETRIES 8


/* A rollup upsert's update of table t: every sum plus the delta's (the
 * table named: PostgreSQL's rule; SQLite accepts it). */
#define ADD_SUMS(t) \
	" requests = " t ".requests + excluded.requests," \
	" input = " t ".input + excluded.input," \
	" write_5m = " t ".write_5m + excluded.write_5m," \
	" write_1h = " t ".write_1h + excluded.write_1h," \
	" cache_read = " t ".cache_read + excluded.cache_read," \
	" output = " t ".output + excluded.output," \
	" compressed_tokens = " t ".compressed_tokens + excluded.compressed_tokens," \
	" max_tokens_stops = " t ".max_tokens_stops + excluded.max_tokens_stops," \
	" reasoning = " t ".reasoning + excluded.reasoning," \
	" web_search = " t ".web_search + excluded.web_search," \
	" code_exec = " t ".code_exec + excluded.code_exec"

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
	    "?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33) ON CONFLICT (dedupe_key) DO NOTHING",
	[SQ_USAGE_UPDATE] =
	    "UPDATE usage SET ts_ms=?1, model=?2, source=?3, request_id=?4, message_id=?5,"
	    " batch_id=?6, custom_id=?7, tag=?8, service_tier=?9, speed=?10,"
	    " inference_geo=?11, tier=?12, stop_reason=?13, input=?14, write_5m=?15,"
	    " write_1h=?16, cache_read=?17, output=?18, compressed_tokens=?19,"
	    " sidechain=?20, ts_import=?21, provider=?22, reasoning_tokens=?23, session_id=?24,"
	    " cwd=?25, web_search_requests=?26, web_fetch_requests=?27,"
	    " code_execution_requests=?28, project=?29, git_branch=?30, key_fp=?31, host=?32"
	    " WHERE dedupe_key=?33",
	[SQ_ROLLUP_ADD] =
	    "INSERT INTO rollup_hour (hour, model, source, tag, tier, flags, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"
	    " ON CONFLICT (hour, model, source, tag, tier, flags) DO UPDATE SET" ADD_SUMS("rollup_hour"),
	[SQ_HM_ADD] =
	    "INSERT INTO rollup_hm (hour, model, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"
	    " ON CONFLICT (hour, model, flags, routed) DO UPDATE SET" ADD_SUMS("rollup_hm"),
	[SQ_HM_PRUNE] =
	    "DELETE FROM rollup_hm WHERE hour=?1 AND model=?2 AND flags=?3 AND routed=?4"
	    " AND requests = 0",
	[SQ_DM_ADD] =
	    "INSERT INTO rollup_dm (hour, model, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"
	    " ON CONFLICT (hour, model, flags, routed) DO UPDATE SET" ADD_SUMS("rollup_dm"),
	[SQ_DM_PRUNE] =
	    "DELETE FROM rollup_dm WHERE hour=?1 AND model=?2 AND flags=?3 AND routed=?4"
	    " AND requests = 0",
	[SQ_DT_ADD] =
	    "INSERT INTO rollup_dt (hour, model, tag, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
	    " ON CONFLICT (hour, model, tag, flags, routed) DO UPDATE SET" ADD_SUMS("rollup_dt"),
	[SQ_DT_PRUNE] =
	    "DELETE FROM rollup_dt WHERE hour=?1 AND model=?2 AND tag=?3 AND flags=?4"
	    " AND routed=?5 AND requests = 0",
	[SQ_DS_ADD] =
	    "INSERT INTO rollup_ds (hour, model, source, host, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"
	    " ON CONFLICT (hour, model, source, host, flags, routed) DO UPDATE SET"
	    ADD_SUMS("rollup_ds"),
	[SQ_DS_PRUNE] =
	    "DELETE FROM rollup_ds WHERE hour=?1 AND model=?2 AND source=?3 AND host=?4"
	    " AND flags=?5 AND routed=?6 AND requests = 0",
	[SQ_LT_ADD] =
	    "INSERT INTO rollup_lt (model, source, tag, flags, routed, host, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"
	    " ON CONFLICT (model, source, tag, flags, routed, host) DO UPDATE SET"
	    ADD_SUMS("rollup_lt"),
	[SQ_LT_PRUNE] =
	    "DELETE FROM rollup_lt WHERE model=?1 AND source=?2 AND tag=?3 AND flags=?4"
	    " AND routed=?5 AND host=?6 AND requests = 0",
	[SQ_HP_ADD] =
	    "INSERT INTO rollup_hp (hour, model, project, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
	    " ON CONFLICT (hour, model, project, flags, routed) DO UPDATE SET" ADD_SUMS("rollup_hp"),
	[SQ_HP_PRUNE] =
	    "DELETE FROM rollup_hp WHERE hour=?1 AND model=?2 AND project=?3 AND flags=?4"
	    " AND routed=?5 AND requests = 0",
	[SQ_HK_ADD] =
	    "INSERT INTO rollup_hk (hour, model, key_fp, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
	    " ON CONFLICT (hour, model, key_fp, flags, routed) DO UPDATE SET" ADD_SUMS("rollup_hk"),
	[SQ_HK_PRUNE] =
	    "DELETE FROM rollup_hk WHERE hour=?1 AND model=?2 AND key_fp=?3 AND flags=?4"
	    " AND routed=?5 AND requests = 0",
	[SQ_DH_ADD] =
	    "INSERT INTO rollup_dh (hour, model, host, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
	    " ON CONFLICT (hour, model, host, flags, routed) DO UPDATE SET" ADD_SUMS("rollup_dh"),
	[SQ_DH_PRUNE] =
	    "DELETE FROM rollup_dh WHERE hour=?1 AND model=?2 AND host=?3 AND flags=?4"
	    " AND routed=?5 AND requests = 0",
	[SQ_HH_ADD] =
	    "INSERT INTO rollup_hh (hour, model, host, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
	    " ON CONFLICT (hour, model, host, flags, routed) DO UPDATE SET" ADD_SUMS("rollup_hh"),
	[SQ_HH_PRUNE] =
	    "DELETE FROM rollup_hh WHERE hour=?1 AND model=?2 AND host=?3 AND flags=?4"
	    " AND routed=?5 AND requests = 0",
	[SQ_HOST_SEEN] =
	    "INSERT INTO host_seen (host, last_ms, requests) VALUES (?1,?2,?3)"
	    " ON CONFLICT (host) DO UPDATE SET"
	    " last_ms = CASE WHEN excluded.last_ms > host_seen.last_ms THEN excluded.last_ms"
	    " ELSE host_seen.last_ms END,"
	    " requests = host_seen.requests + excluded.requests",
	[SQ_MM_ADD] =
	    "INSERT INTO rollup_mm (hour, model, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"
	    " ON CONFLICT (hour, model, flags, routed) DO UPDATE SET" ADD_SUMS("rollup_mm"),
	[SQ_MM_PRUNE] =
	    "DELETE FROM rollup_mm WHERE hour=?1 AND model=?2 AND flags=?3 AND routed=?4"
	    " AND requests = 0",
	[SQ_MX_ADD] =
	    "INSERT INTO rollup_mx (hour, model, source, tag, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"
	    " ON CONFLICT (hour, model, source, tag, flags, routed) DO UPDATE SET"
	    ADD_SUMS("rollup_mx"),
	[SQ_MX_PRUNE] =
	    "DELETE FROM rollup_mx WHERE hour=?1 AND model=?2 AND source=?3 AND tag=?4"
	    " AND flags=?5 AND routed=?6 AND requests = 0",
	[SQ_DO_ADD] =
	    "INSERT INTO rollup_do (off, hour, model, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
	    " ON CONFLICT (off, hour, model, flags, routed) DO UPDATE SET" ADD_SUMS("rollup_do"),
	[SQ_DO_PRUNE] =
	    "DELETE FROM rollup_do WHERE off=?1 AND hour=?2 AND model=?3 AND flags=?4"
	    " AND routed=?5 AND requests = 0",
	[SQ_HQ_ADD] =
	    "INSERT INTO rollup_hq (hour, part, model, flags, routed, " SUM_COLS ")"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
	    " ON CONFLICT (hour, part, model, flags, routed) DO UPDATE SET" ADD_SUMS("rollup_hq"),
	[SQ_HQ_PRUNE] =
	    "DELETE FROM rollup_hq WHERE hour=?1 AND part=?2 AND model=?3 AND flags=?4"
	    " AND routed=?5 AND requests = 0",
	[SQ_BATCH_ROLLUP_ADD] =
	    "INSERT INTO rollup_batch (batch_id, model, flags, requests, input, write_5m,"
	    " write_1h, cache_read, output, web_search) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"
	    " ON CONFLICT (batch_id, model, flags) DO UPDATE SET"
	    " requests = rollup_batch.requests + excluded.requests,"
	    " input = rollup_batch.input + excluded.input,"
	    " write_5m = rollup_batch.write_5m + excluded.write_5m,"
	    " write_1h = rollup_batch.write_1h + excluded.write_1h,"
	    " cache_read = rollup_batch.cache_read + excluded.cache_read,"
	    " output = rollup_batch.output + excluded.output,"
	    " web_search = rollup_batch.web_search + excluded.web_search",
	[SQ_ROLLUP_PRUNE] =
	    "DELETE FROM rollup_hour WHERE hour=?1 AND model=?2 AND source=?3 AND tag=?4"
	    " AND tier=?5 AND flags=?6 AND requests = 0",
	[SQ_MARK_GET] =
	    "SELECT size, mtime_ns, \"offset\", line, dev, ino, head_len, head_hash"
	    " FROM import_mark WHERE path = ?1",
	[SQ_MARK_SET] =
	    "INSERT INTO import_mark (path, size, mtime_ns, \"offset\", line, dev, ino, head_len,"
	    " head_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT (path) DO UPDATE SET size = excluded.size,"
	    " mtime_ns = excluded.mtime_ns, \"offset\" = excluded.\"offset\","
	    " line = excluded.line, dev = excluded.dev, ino = excluded.ino,"
	    " head_len = excluded.head_len, head_hash = excluded.head_hash",
	[SQ_RESULT_INSERT] =
	    "INSERT INTO batch_result (batch_id, custom_id, type, error) VALUES (?1,?2,?3,?4)"
	    " ON CONFLICT (batch_id, custom_id) DO NOTHING",
};


/* Statements whose row the operation then changes: the driver's row lock
 * (SELECT … FOR UPDATE on PostgreSQL) is appended. */
static const unsigned char stmt_locks[SQ_COUNT] = {
	[SQ_USAGE_FIND] = 1,
};

/* The drivers, asked in order: the first that claims a target has it. */
static const struct db_driver *const drivers[] = { &db_pg, &db_sqlite };

const struct db_driver *
db_driver_for(const char *target)
{
	size_t i;

	for (i = 0; i + 1 < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (drivers[i]->claims(target))
			return drivers[i];
	return drivers[i];
}

/* The schema of each driver (the same versions, in each dialect). */
static const struct {
	const struct db_driver *drv;
	const char *const      *migrations;
	const int              *n;
} schemas[] = {
	{ &db_sqlite, store_migrations, &store_nmigrations },
	{ &db_pg, store_migrations_pg, &store_nmigrations_pg },
};

int
store_sqlerr(struct store *s, const char *what, char *err, size_t errlen)
{
	if (s == NULL || s->db == NULL) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	snprintf(err, errlen, "%s: %s", what, db_errmsg(s->db));
	s->retry = db_fail(s->db) == DB_RETRY;
	return -1;
}


int
store_exec(struct store *s, const char *sql, char *err, size_t errlen)
{
	if (db_exec(s->db, sql) != 0)
		return store_sqlerr(s, s->path, err, errlen);
	return 0;
}

void
store_bind_text(struct db_stmt *st, int i, const char *v)
{
	db_bind_text(st, i, v != NULL ? v : "");
}

struct db_stmt *
store_prepare(struct store *s, const char *sql, const char *what, char *err, size_t errlen)
{
	struct db_stmt *st = db_prepare(s->db, sql, 0);

	if (st == NULL)
		store_sqlerr(s, what, err, errlen);
	return st;
}

struct db_stmt *
store_stmt(struct store *s, enum store_stmt_id id, char *err, size_t errlen)
{
	struct db_stmt *st = s->stmt[id];
	char sql[1024];

	if (st == NULL) {
		snprintf(sql, sizeof(sql), "%s%s", stmt_sql[id],
		    stmt_locks[id] ? s->db->drv->lock_rows : "");
		if ((st = db_prepare(s->db, sql, 1)) == NULL) {
			store_sqlerr(s, "prepare", err, errlen);
			return NULL;
		}
		s->stmt[id] = st;
	}
	db_reset(st);
	db_clear(st);
	return st;
}

/* The parameters of statement id's VALUES tuple, and where the tuple
 * starts and ends in its SQL ([*from, *to) holds "(...)"). 0 when the
 * statement has none. */
static int
values_tuple(enum store_stmt_id id, size_t *from, size_t *to)
{
	const char *sql = stmt_sql[id], *v = strstr(sql, "VALUES"), *p;
	int n = 0;

	if (v == NULL || (p = strchr(v, '(')) == NULL)
		return 0;
	*from = (size_t)(p - sql);
	for (; *p != '\0' && *p != ')'; p++)
		n += *p == '?';
	if (*p != ')')
		return 0;
	*to = (size_t)(p + 1 - sql);
	return n;
}

struct db_stmt *
store_stmt_rows(struct store *s, enum store_stmt_id id, int *params, char *err, size_t errlen)
{
	struct db_stmt *st = s->rows[id];
	size_t from = 0, to = 0, len, k;
	char *sql;
	int n = values_tuple(id, &from, &to), r, i;

	*params = n;
	if (st == NULL) {
		if (n == 0) {
			snprintf(err, errlen, "prepare: statement %d takes no rows", (int)id);
			return NULL;
		}
		len = strlen(stmt_sql[id]) + (size_t)STORE_ROWS * ((size_t)n * 8 + 4) + 96;
		if ((sql = malloc(len)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		if (strncmp(stmt_sql[id], "INSERT", 6) != 0) {
			free(sql);
			snprintf(err, errlen, "prepare: statement %d is no INSERT", (int)id);
			return NULL;
		}
		k = (size_t)snprintf(sql, len, "%s", s->db->drv->insert_rows);
		memcpy(sql + k, stmt_sql[id] + 6, from - 6);
		k += from - 6;
		for (r = 0; r < STORE_ROWS; r++)
			for (i = 1; i <= n; i++)
				k += (size_t)snprintf(sql + k, len - k, "%s?%d%s",
				    i == 1 ? (r > 0 ? ",(" : "(") : ",", r * n + i, i == n ? ")" : "");
		snprintf(sql + k, len - k, "%s%s", stmt_sql[id] + to,
		    stmt_locks[id] ? s->db->drv->lock_rows : "");
		st = db_prepare(s->db, sql, 1);
		free(sql);
		if (st == NULL) {
			store_sqlerr(s, "prepare", err, errlen);
			return NULL;
		}
		s->rows[id] = st;
	}
	db_reset(st);
	db_clear(st);
	return st;
}

/* A transaction step; err = "PATH: what: reason". */
static int
tx(struct store *s, enum db_tx what, const char *name, char *err, size_t errlen)
{
	if (db_tx(s->db, what) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s: %s", s->path, name, db_errmsg(s->db));
	s->retry = db_fail(s->db) == DB_RETRY;
	return -1;
}

int
store_begin(struct store *s, char *err, size_t errlen)
{
	if (s->in_tx) {
		snprintf(err, errlen, "store_begin: already in a transaction");
		return -1;
	}
	if (tx(s, DB_BEGIN, "BEGIN", err, errlen) != 0)
		return -1;
	s->in_tx = 1;
	s->tx_seq++;
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
	    tx(s, DB_COMMIT, "COMMIT", err, errlen) != 0) {
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
	db_tx(s->db, DB_ROLLBACK);
	store_bulk_discard(s);
	store_rollup_discard(s);
	s->in_tx = 0;
	s->in_op = 0;
	s->rollup_failed = 0;
}

int
store_op_begin(struct store *s, char *err, size_t errlen)
{
	int rc;

	s->retry = 0;
	if (s->in_tx && store_bulk_flush(s, err, errlen) != 0)
		return -1;
	if (s->in_tx)
		rc = tx(s, DB_SAVEPOINT, "savepoint", err, errlen);
	else
		rc = tx(s, DB_BEGIN, "BEGIN", err, errlen);
	s->in_op = rc == 0;
	return rc;
}

int
store_op_end(struct store *s, int ok, char *err, size_t errlen)
{
	char tmp[64];
	int retry = s->retry;

	s->in_op = 0;
	store_rollup_op_end(s, ok);
	if (s->in_tx) {
		if (!ok)
			tx(s, DB_ROLLBACK_TO, "savepoint", tmp, sizeof(tmp));
		if (tx(s, DB_RELEASE, "savepoint", err, errlen) != 0)
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
		s->retry = retry;     /* the failure the caller may retry on */
		return 0;
	}
	if (store_rollup_flush(s, err, errlen) != 0 ||
	    tx(s, DB_COMMIT, "COMMIT", err, errlen) != 0) {
		retry = s->retry;
		store_rollback(s);
		s->retry = retry;
		return -1;
	}
	return 0;
}

int
store_op_run(struct store *s, int (*fn)(struct store *s, void *arg, char *err, size_t errlen),
             void *arg, char *err, size_t errlen)
{
	char tmp[64];
	int attempt;

	for (attempt = 0; ; attempt++) {
		if (store_op_begin(s, err, errlen) != 0)
			return -1;
		if (fn(s, arg, err, errlen) != 0)
			store_op_end(s, 0, tmp, sizeof(tmp));
		else if (store_op_end(s, 1, err, errlen) == 0)
			return 0;
		if (s->in_tx || !s->retry || attempt + 1 >= OP_RETRIES)
			return -1;
	}
}

/* A migration that starts "-- column TABLE COLUMN" adds that column; an
 * ALTER TABLE cannot say IF NOT EXISTS (SQLite), so a ledger whose version
 * was set back, and that has the column, skips it. */
static int
column_added(struct store *s, const char *sql)
{
	char table[64], column[64];
	struct db_stmt *st;
	int found;

	if (sscanf(sql, "-- column %63s %63s", table, column) != 2 ||
	    (st = db_prepare(s->db, s->db->drv->column_sql, 0)) == NULL)
		return 0;
	db_bind_text(st, 1, table);
	db_bind_text(st, 2, column);
	found = db_step(st) == DB_ROW;
	db_finalize(st);
	return found;
}

/* The host placeholder of a migration: the migrating host as an SQL
 * string literal (schema.c's 17 → 18). */
#define HOST_MARK "'@HOST@'"

/* sql with every HOST_MARK written as host quoted ('' for a quote; the
 * host is text_sanitize'd: no control character, valid UTF-8). escape: as
 * PostgreSQL's E'…', its backslashes doubled, so the literal means the same
 * whatever standard_conforming_strings says. The caller frees; NULL when
 * out of memory. */
static char *
with_host(const char *sql, const char *host, int escape)
{
	size_t marks = 0, extra = 0;
	const char *p, *h;
	char *out, *o;

	for (p = sql; (p = strstr(p, HOST_MARK)) != NULL; p += strlen(HOST_MARK))
		marks++;
	for (h = host; *h != '\0'; h++)
		extra += *h == '\'' || (escape && *h == '\\');
	if ((out = malloc(strlen(sql) + 1 + marks * (strlen(host) + extra + 3))) == NULL)
		return NULL;
	for (o = out, p = sql; *p != '\0';) {
		if (strncmp(p, HOST_MARK, strlen(HOST_MARK)) != 0) {
			*o++ = *p++;
			continue;
		}
		if (escape)
			*o++ = 'E';
		*o++ = '\'';
		for (h = host; *h != '\0'; h++) {
			if (*h == '\'' || (escape && *h == '\\'))
				*o++ = *h;
			*o++ = *h;
		}
		*o++ = '\'';
		p += strlen(HOST_MARK);
	}
	*o = '\0';
	return out;
}

/* Run migration sql (its host placeholders filled in). 0 or -1 + err. */
static int
run_migration(struct store *s, const char *sql, char *err, size_t errlen)
{
	char *filled;
	int rc;

	if (strstr(sql, HOST_MARK) == NULL)
		return store_exec(s, sql, err, errlen);
	if ((filled = with_host(sql, s->host, s->db->drv != &db_sqlite)) == NULL) {
		snprintf(err, errlen, "%s: migration: out of memory", s->path);
		return -1;
	}
	rc = store_exec(s, filled, err, errlen);
	free(filled);
	return rc;
}

/* Bring the schema to the driver's last version under its migration lock
 * (one write transaction); several processes opening a fresh ledger at
 * once migrate it once. */
static int
migrate(struct store *s, const char *const *migrations, int n, char *err, size_t errlen)
{
	struct db *db = s->db;
	const char *fresh;
	int v, i;

	if (db->drv->schema_version(db, &v) != 0)
		return store_sqlerr(s, s->path, err, errlen);
	if (v == n)
		return 0;
	if (db->drv->schema_lock(db) != 0) {
		snprintf(err, errlen, "%s: migration lock: %s", s->path, db_errmsg(db));
		goto fail;
	}
	if (db->drv->schema_version(db, &v) != 0) {
		store_sqlerr(s, s->path, err, errlen);
		goto fail;
	}
	if (v > n) {
		snprintf(err, errlen, "%s: schema version %d is newer than this tokentop knows (%d);"
		    " upgrade tokentop", s->path, v, n);
		goto fail;
	}
	/* a brand-new file: the last version's schema at once (schema_fresh.h) */
	fresh = v == 0 ? schema_fresh_sql(db, migrations, n) : NULL;
	if (fresh != NULL && run_migration(s, fresh, err, errlen) != 0)
		goto fail;
	for (i = fresh != NULL ? n : v; i < n; i++) {
		if (column_added(s, migrations[i]))
			continue;
		if (run_migration(s, migrations[i], err, errlen) != 0)
			goto fail;
	}
	if (db->drv->set_schema_version(db, n) != 0) {
		store_sqlerr(s, s->path, err, errlen);
		goto fail;
	}
	if (tx(s, DB_COMMIT, "COMMIT", err, errlen) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

int
store_target_check(const char *target, char *err, size_t errlen)
{
	return db_driver_for(target)->check(target, err, errlen);
}

void
store_target_display(const char *target, char *out, size_t n)
{
	db_driver_for(target)->display(target, out, n);
}

void
store_target_scrub(char *target)
{
	db_driver_for(target)->scrub(target);
}

int
store_target_local(const char *target)
{
	return db_driver_for(target)->local;
}

/* A store on target's driver, its connection open (read-only or not),
 * not yet migrated; NULL + err. *k: the driver's entry in schemas[]. */
static struct store *
open_with(const char *target, int readonly, size_t *k, char *err, size_t errlen)
{
	const struct db_driver *drv = db_driver_for(target);
	char shown[STORE_TARGET_MAX];
	struct store *s;

	for (*k = 0; *k < sizeof(schemas) / sizeof(schemas[0]) && schemas[*k].drv != drv; (*k)++)
		;
	if (*k == sizeof(schemas) / sizeof(schemas[0]) || *schemas[*k].n != store_nmigrations) {
		snprintf(err, errlen, "%s: no schema for this driver", drv->name);
		return NULL;
	}
	if (drv->check(target, err, errlen) != 0)
		return NULL;
	drv->display(target, shown, sizeof(shown));
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(shown)) == NULL) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((s->db = drv->open(target, readonly, err, errlen)) == NULL) {
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *
store_open(const char *target, char *err, size_t errlen)
{
	return store_open_host(target, NULL, err, errlen);
}

struct store *
store_open_host(const char *target, const char *host, char *err, size_t errlen)
{
	struct store *s;
	size_t k;

	if ((s = open_with(target, 0, &k, err, errlen)) == NULL)
		return NULL;
	store_set_host(s, host);
	if (migrate(s, schemas[k].migrations, *schemas[k].n, err, errlen) != 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *
store_open_ro(const char *target, int *stale, char *err, size_t errlen)
{
	struct store *s;
	size_t k;
	int v = 0;

	if (stale != NULL)
		*stale = 0;
	if ((s = open_with(target, 1, &k, err, errlen)) == NULL)
		return NULL;
	store_set_host(s, NULL);
	if (s->db->drv->schema_version(s->db, &v) != 0) {
		store_sqlerr(s, s->path, err, errlen);
		goto fail;
	}
	if (v < *schemas[k].n) {
		if (stale != NULL)
			*stale = 1;
		snprintf(err, errlen, "%s: schema version %d is older than this tokentop's (%d) and"
		    " the ledger cannot be migrated read-only; run a command that writes (tokentop"
		    " import) once with write access", s->path, v, *schemas[k].n);
		goto fail;
	}
	if (v > *schemas[k].n) {
		snprintf(err, errlen, "%s: schema version %d is newer than this tokentop knows (%d);"
		    " upgrade tokentop", s->path, v, *schemas[k].n);
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
	return s->db->readonly;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->db != NULL)
		store_rollback(s);
	for (i = 0; i < SQ_COUNT; i++) {
		db_finalize(s->stmt[i]);
		db_finalize(s->rows[i]);
	}
	if (s->db != NULL)
		s->db->drv->close(s->db);
	store_rollup_free(s);
	store_bulk_free(s);
	free(s->path);
	free(s);
}

int
store_cache_kib(struct store *s, int kib, char *err, size_t errlen)
{
	char sql[64];

	if (s->db->drv != &db_sqlite)
		return 0;             /* the server's cache, not ours to size */
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = %d", -kib);
	return store_exec(s, sql, err, errlen);
}

int
store_schema_version(struct store *s)
{
	int v;

	return s->db->drv->schema_version(s->db, &v) == 0 ? v : -1;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

const char *
store_backend(const struct store *s)
{
	return s->db->drv->name;
}

int
store_unreachable(struct store *s)
{
	return db_fail(s->db) == DB_GONE;
}

int
store_data_version(struct store *s, int64_t *version, char *err, size_t errlen)
{
	if (s->db->drv->changed(s->db, version) != 0)
		return store_sqlerr(s, "data_version", err, errlen);
	return 0;
}

void
store_set_busy(struct store *s, int64_t attempt_ms, int64_t give_up_ms)
{
	s->db->drv->set_busy(s->db, attempt_ms, give_up_ms);
}

int
store_wait_fd(struct store *s)
{
	return s->db->drv->wait_fd(s->db);
}
