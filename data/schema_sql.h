/* schema_sql.h — the SQL fragments data/schema.c's SQLite migrations are
 * built from (rollup tables, their sums, the month arithmetic). Only
 * schema.c includes it; data/schema_pg.c has PostgreSQL's own. */
#ifndef TOKENTOP_SCHEMA_SQL_H
#define TOKENTOP_SCHEMA_SQL_H

/* store_row_flags() in SQL, for the migration to 11 (the provider bits are
 * enum provider_id << 8; every row is Anthropic's unless the file's version
 * was set back and it migrates again). */
#define MIG11_FLAGS "(source = 'batch' OR service_tier IN ('batch', 'flex')) * 1" \
	" + (input + write_5m + write_1h + cache_read > 200000) * 2" \
	" + (speed = 'fast') * 4 + (inference_geo = 'us') * 8 + (service_tier = 'priority') * 16" \
	" + (provider = 'openai') * 256"

/* Migration 17's tables per UTC hour × model × an attribution column ×
 * flags × routed (rollup_hp: project, rollup_hk: key_fp), and their first
 * fill from rollup_hm (no row had either yet). */
#define ATTR_ROLLUP(table, col) \
	"CREATE TABLE IF NOT EXISTS " table " (" \
	"  hour INTEGER NOT NULL, model TEXT NOT NULL, " col " TEXT NOT NULL," \
	"  flags INTEGER NOT NULL, routed INTEGER NOT NULL, requests INTEGER NOT NULL," \
	"  input INTEGER NOT NULL, write_5m INTEGER NOT NULL, write_1h INTEGER NOT NULL," \
	"  cache_read INTEGER NOT NULL, output INTEGER NOT NULL," \
	"  compressed_tokens INTEGER NOT NULL, max_tokens_stops INTEGER NOT NULL," \
	"  reasoning INTEGER NOT NULL DEFAULT 0, web_search INTEGER NOT NULL DEFAULT 0," \
	"  code_exec INTEGER NOT NULL DEFAULT 0," \
	"  PRIMARY KEY (hour, model, " col ", flags, routed)" \
	") WITHOUT ROWID;"
#define ATTR_FILL(table, col) \
	"DELETE FROM " table ";" \
	"INSERT INTO " table " (hour, model, " col ", flags, routed, requests, input, write_5m," \
	"  write_1h, cache_read, output, compressed_tokens, max_tokens_stops, reasoning)" \
	"  SELECT hour, model, '', flags, routed, requests, input, write_5m, write_1h," \
	"  cache_read, output, compressed_tokens, max_tokens_stops, reasoning FROM rollup_hm;"

/* Migration 19's month tables (extra: the columns between model and flags,
 * key: the same in the key) and their first fill: the UTC month of a UTC
 * day number d. */
#define MONTH_ROLLUP(table, extra, key) \
	"CREATE TABLE IF NOT EXISTS " table " (" \
	"  hour INTEGER NOT NULL, model TEXT NOT NULL," extra \
	"  flags INTEGER NOT NULL, routed INTEGER NOT NULL, requests INTEGER NOT NULL," \
	"  input INTEGER NOT NULL, write_5m INTEGER NOT NULL, write_1h INTEGER NOT NULL," \
	"  cache_read INTEGER NOT NULL, output INTEGER NOT NULL," \
	"  compressed_tokens INTEGER NOT NULL, max_tokens_stops INTEGER NOT NULL," \
	"  reasoning INTEGER NOT NULL, web_search INTEGER NOT NULL," \
	"  code_exec INTEGER NOT NULL," \
	"  PRIMARY KEY (hour, model," key " flags, routed)" \
	") WITHOUT ROWID;"
#define MONTH_SUMS "requests, input, write_5m, write_1h, cache_read, output," \
	" compressed_tokens, max_tokens_stops, reasoning, web_search, code_exec"
#define MONTH_SUMSUM "sum(requests), sum(input), sum(write_5m), sum(write_1h)," \
	" sum(cache_read), sum(output), sum(compressed_tokens), sum(max_tokens_stops)," \
	" sum(reasoning), sum(web_search), sum(code_exec)"
#define MONTH_OF_DAY(d) \
	"((CAST(strftime('%Y', " d " * 86400, 'unixepoch') AS INTEGER) - 1970) * 12" \
	" + CAST(strftime('%m', " d " * 86400, 'unixepoch') AS INTEGER) - 1)"

/* Migration 21's rollups by host (rollup_lt, rollup_ds): cols are the key
 * columns before flags and routed; key the primary key. The defaults let
 * the earlier migrations of these tables run again (a version set back)
 * before 21 rebuilds them. */
#define HOST_ROLLUP(table, cols, key) \
	"CREATE TABLE " table " (" cols \
	"  flags INTEGER NOT NULL, routed INTEGER NOT NULL DEFAULT 0," \
	"  requests INTEGER NOT NULL," \
	"  input INTEGER NOT NULL, write_5m INTEGER NOT NULL, write_1h INTEGER NOT NULL," \
	"  cache_read INTEGER NOT NULL, output INTEGER NOT NULL," \
	"  compressed_tokens INTEGER NOT NULL, max_tokens_stops INTEGER NOT NULL," \
	"  reasoning INTEGER NOT NULL DEFAULT 0, web_search INTEGER NOT NULL DEFAULT 0," \
	"  code_exec INTEGER NOT NULL DEFAULT 0," \
	"  PRIMARY KEY (" key ")" \
	") WITHOUT ROWID;"
/* Migration 22's days that start at UTC hour off (3, 6, ... 21): hour is
 * a cell's first UTC hour. */
#define OFFSET_DAYS \
	"CREATE TABLE IF NOT EXISTS rollup_do (" \
	"  off INTEGER NOT NULL, hour INTEGER NOT NULL, model TEXT NOT NULL," \
	"  flags INTEGER NOT NULL, routed INTEGER NOT NULL, requests INTEGER NOT NULL," \
	"  input INTEGER NOT NULL, write_5m INTEGER NOT NULL, write_1h INTEGER NOT NULL," \
	"  cache_read INTEGER NOT NULL, output INTEGER NOT NULL," \
	"  compressed_tokens INTEGER NOT NULL, max_tokens_stops INTEGER NOT NULL," \
	"  reasoning INTEGER NOT NULL, web_search INTEGER NOT NULL," \
	"  code_exec INTEGER NOT NULL," \
	"  PRIMARY KEY (off, hour, model, flags, routed)" \
	") WITHOUT ROWID;"
/* Migration 22's parts of a UTC hour: the sums of its rows in the first
 * part × 15 minutes (part 1..3). */
#define QUARTER_PARTS \
	"CREATE TABLE IF NOT EXISTS rollup_hq (" \
	"  hour INTEGER NOT NULL, part INTEGER NOT NULL, model TEXT NOT NULL," \
	"  flags INTEGER NOT NULL, routed INTEGER NOT NULL, requests INTEGER NOT NULL," \
	"  input INTEGER NOT NULL, write_5m INTEGER NOT NULL, write_1h INTEGER NOT NULL," \
	"  cache_read INTEGER NOT NULL, output INTEGER NOT NULL," \
	"  compressed_tokens INTEGER NOT NULL, max_tokens_stops INTEGER NOT NULL," \
	"  reasoning INTEGER NOT NULL, web_search INTEGER NOT NULL," \
	"  code_exec INTEGER NOT NULL," \
	"  PRIMARY KEY (hour, part, model, flags, routed)" \
	") WITHOUT ROWID;"
/* A group of usage rows' sums in MONTH_SUMS's order (store_rollup_add's). */
#define ROW_SUMS "count(*), sum(input), sum(write_5m), sum(write_1h), sum(cache_read)," \
	" sum(output), sum(compressed_tokens), sum(stop_reason = 'max_tokens')," \
	" sum(reasoning_tokens), sum(web_search_requests), sum(code_execution_requests)"

/* Migration 20 → 21 (schema.c's list): rollup_lt and rollup_ds keyed by host,
 * rebuilt from the rows where several hosts wrote (see the comment there). */
#define MIG21_BY_HOST \
	HOST_ROLLUP("rollup_lt_h", "  model TEXT NOT NULL, source TEXT NOT NULL, tag TEXT NOT NULL," \
	    "  host TEXT NOT NULL DEFAULT '',", "model, source, tag, flags, routed, host") \
	"INSERT INTO rollup_lt_h (model, source, tag, flags, routed, host, " MONTH_SUMS ")" \
	"  SELECT model, source, tag, flags, routed, COALESCE((SELECT host FROM host_seen)," \
	"  '@HOST@'), " MONTH_SUMSUM " FROM rollup_lt WHERE (SELECT count(*) FROM host_seen) <= 1" \
	"  GROUP BY model, source, tag, flags, routed;" \
	"INSERT INTO rollup_lt_h (model, source, tag, flags, routed, host, " MONTH_SUMS ")" \
	"  SELECT model, source, tag, " MIG11_FLAGS " AS f, tier <> '' AS r, host, " ROW_SUMS \
	"  FROM usage WHERE (SELECT count(*) FROM host_seen) > 1" \
	"  GROUP BY model, source, tag, f, r, host;" \
	"DROP TABLE rollup_lt;" \
	"ALTER TABLE rollup_lt_h RENAME TO rollup_lt;" \
	HOST_ROLLUP("rollup_ds_h", "  hour INTEGER NOT NULL, model TEXT NOT NULL," \
	    "  source TEXT NOT NULL, host TEXT NOT NULL DEFAULT '',", \
	    "hour, model, source, host, flags, routed") \
	"INSERT INTO rollup_ds_h (hour, model, source, host, flags, routed, " MONTH_SUMS ")" \
	"  SELECT hour, model, source, COALESCE((SELECT host FROM host_seen), '@HOST@'), flags," \
	"  routed, " MONTH_SUMSUM " FROM rollup_ds WHERE (SELECT count(*) FROM host_seen) <= 1" \
	"  GROUP BY hour, model, source, flags, routed;" \
	"INSERT INTO rollup_ds_h (hour, model, source, host, flags, routed, " MONTH_SUMS ")" \
	"  SELECT (ts_ms - ((ts_ms % 86400000) + 86400000) % 86400000) / 86400000 AS d, model," \
	"  source, host, " MIG11_FLAGS " AS f, tier <> '' AS r, " ROW_SUMS \
	"  FROM usage WHERE (SELECT count(*) FROM host_seen) > 1" \
	"  GROUP BY d, model, source, host, f, r;" \
	"DROP TABLE rollup_ds;" \
	"ALTER TABLE rollup_ds_h RENAME TO rollup_ds;"

/* Migration 22 → 23 (schema.c's list): rollup_do, rebuilt from rollup_hm, and
 * rollup_hq, from the rows (see the comment there). */
#define MIG23_LOCAL_DAYS \
	OFFSET_DAYS \
	"DELETE FROM rollup_do;" \
	"INSERT INTO rollup_do (off, hour, model, flags, routed, " MONTH_SUMS ")" \
	"  WITH RECURSIVE o(off) AS (SELECT 3 UNION ALL SELECT off + 3 FROM o WHERE off < 21)" \
	"  SELECT o.off, hour - ((hour - o.off) % 24 + 24) % 24 AS s, model, flags, routed, " \
	MONTH_SUMSUM " FROM rollup_hm, o GROUP BY o.off, s, model, flags, routed;" \
	/* and each UTC hour's first 15, 30 and 45 minutes (rollup_hq: part 1, \
	 * 2, 3) × model × flags × routed, so where a local midnight falls \
	 * inside an hour (Asia/Kolkata, Asia/Kathmandu) the part of that hour \
	 * before it is one cell group, not its raw rows; built from the rows \
	 * (one scan of usage; MIG11_FLAGS is store_row_flags()) */ \
	QUARTER_PARTS \
	"DELETE FROM rollup_hq;" \
	"INSERT INTO rollup_hq (hour, part, model, flags, routed, " MONTH_SUMS ")" \
	"  WITH p(part) AS (VALUES (1), (2), (3))" \
	"  SELECT (ts_ms - ((ts_ms % 3600000) + 3600000) % 3600000) / 3600000 AS h, p.part," \
	"  model, " MIG11_FLAGS " AS f, tier <> '' AS r, " ROW_SUMS \
	"  FROM usage, p WHERE ((ts_ms % 3600000) + 3600000) % 3600000 < p.part * 900000" \
	"  GROUP BY h, p.part, model, f, r;"

#endif
