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

#endif
