/* store_stmt.c — the store's hot statements: their SQL (enum
 * store_stmt_id, store_int.h), prepared once a connection and kept, and
 * their multi-row forms (store_stmt_rows). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/store_int.h"

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
	[SQ_DO_ADD] =     /* gen: the writer's, ROLLUP_DO_GEN (a fence: store_int.h) */
	    "INSERT INTO rollup_do (off, hour, model, flags, routed, " SUM_COLS ", gen)"
	    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"
	    " ON CONFLICT (off, hour, model, flags, routed) DO UPDATE SET" ADD_SUMS("rollup_do")
	    ", gen = excluded.gen",
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

/* store_stmt_rows and store_stmt_plain_rows (plain: the SQL after the
 * VALUES tuple left out), cached in *slot. */
static struct db_stmt *
rows_stmt(struct store *s, enum store_stmt_id id, int plain, struct db_stmt **slot, int *params,
          char *err, size_t errlen)
{
	struct db_stmt *st = *slot;
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
		snprintf(sql + k, len - k, "%s%s", plain ? "" : stmt_sql[id] + to,
		    stmt_locks[id] && !plain ? s->db->drv->lock_rows : "");
		st = db_prepare(s->db, sql, 1);
		free(sql);
		if (st == NULL) {
			store_sqlerr(s, "prepare", err, errlen);
			return NULL;
		}
		*slot = st;
	}
	db_reset(st);     /* (no db_clear: the caller binds every row's parameters;
	                     clearing ~1,000 of them cost ~5% of an import's writer) */
	return st;
}

struct db_stmt *
store_stmt_rows(struct store *s, enum store_stmt_id id, int *params, char *err, size_t errlen)
{
	return rows_stmt(s, id, 0, &s->rows[id], params, err, errlen);
}

struct db_stmt *
store_stmt_plain_rows(struct store *s, enum store_stmt_id id, int *params, char *err,
                      size_t errlen)
{
	return rows_stmt(s, id, 1, &s->plain[id], params, err, errlen);
}
