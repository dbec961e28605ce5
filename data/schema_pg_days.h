/* schema_pg_days.h — PostgreSQL's migrations 22 → 23, 23 → 24 and
 * 24 → 25 (issue 12), the rollups a report by local day reads in a zone
 * whose midnight is not UTC's (rollup_do, rollup_hq): entries of
 * schema_pg.c's list, whose macros (COUNT_COLS, MONTH_SUMS, ...) they use.
 * Append only, as that list. */
#ifndef TOKENTOP_SCHEMA_PG_DAYS_H
#define TOKENTOP_SCHEMA_PG_DAYS_H

/* 22 → 23 (issue 12): days that start at UTC hour off 3, 6, ... 21
 * (rollup_do; hour = a cell's first UTC hour), rebuilt from rollup_hm
 * (a ledger set back past 24: its fence lifted first, 24 sets it again) */
#define PG_MIG23_LOCAL_DAYS \
	"ALTER TABLE IF EXISTS rollup_do" \
	"  DROP CONSTRAINT IF EXISTS written_by_an_older_tokentop_upgrade_it;" \
	"CREATE TABLE IF NOT EXISTS rollup_do (" \
	"  off BIGINT NOT NULL," \
	"  hour BIGINT NOT NULL," \
	"  model TEXT COLLATE \"C\" NOT NULL," \
	"  flags BIGINT NOT NULL," \
	"  routed BIGINT NOT NULL," \
	COUNT_COLS \
	"  compressed_tokens BIGINT NOT NULL," \
	"  max_tokens_stops BIGINT NOT NULL," \
	"  reasoning " BIG "," \
	"  web_search " BIG "," \
	"  code_exec " BIG "," \
	"  PRIMARY KEY (off, hour, model, flags, routed)" \
	");" \
	"DELETE FROM rollup_do;" \
	"INSERT INTO rollup_do (off, hour, model, flags, routed, " MONTH_SUMS ")" \
	"  SELECT o.off, hour - ((hour - o.off) % 24 + 24) % 24 AS s, model, flags, routed, " \
	MONTH_SUMSUM " FROM rollup_hm, generate_series(3, 21, 3) AS o(off)" \
	"  GROUP BY o.off, s, model, flags, routed;" \
	/* and each UTC hour's first 15, 30, 45 minutes (rollup_hq: part 1..3), \
	 * built from the rows */ \
	"CREATE TABLE IF NOT EXISTS rollup_hq (" \
	"  hour BIGINT NOT NULL," \
	"  part BIGINT NOT NULL," \
	"  model TEXT COLLATE \"C\" NOT NULL," \
	"  flags BIGINT NOT NULL," \
	"  routed BIGINT NOT NULL," \
	COUNT_COLS \
	"  compressed_tokens BIGINT NOT NULL," \
	"  max_tokens_stops BIGINT NOT NULL," \
	"  reasoning " BIG "," \
	"  web_search " BIG "," \
	"  code_exec " BIG "," \
	"  PRIMARY KEY (hour, part, model, flags, routed)" \
	");" \
	"DELETE FROM rollup_hq;" \
	"INSERT INTO rollup_hq (hour, part, model, flags, routed, " MONTH_SUMS ")" \
	"  SELECT (ts_ms - ((ts_ms % 3600000) + 3600000) % 3600000) / 3600000 AS h, p.part," \
	"  model, " MIG11_FLAGS " AS f, " ROUTED " AS r, count(*)," \
	"  sum(input), sum(write_5m), sum(write_1h), sum(cache_read), sum(output)," \
	"  sum(compressed_tokens), sum(" B("stop_reason = 'max_tokens'", "1") ")," \
	"  sum(reasoning_tokens), sum(web_search_requests), sum(code_execution_requests)" \
	"  FROM usage, generate_series(1, 3) AS p(part)" \
	"  WHERE ((ts_ms % 3600000) + 3600000) % 3600000 < p.part * 900000" \
	"  GROUP BY h, p.part, model, f, r;"

/* 23 → 24 (issue 12): a day start every UTC hour (db_pg's do_step 1:
 * the 16 between 3, 6, ... 21), so a zone whose midnight is on the hour
 * (New York, Berlin, Los Angeles, all year) reads one cell group a local
 * day as UTC does, and a :30 zone moves half an hour a day, not an hour
 * and a half: each cell moved costs the server as much as one read.
 * Rebuilt from rollup_hm (DELETE: a file whose version was set back), in
 * key order, so that a day start's cells lie side by side. And a fence:
 * every cell a writer adds to carries its generation (gen, store_int.h's
 * ROLLUP_DO_GEN), checked >= 24 (NOT VALID: the cells there are, gen 0,
 * stay; a write to one sets it), so a tokentop from before this
 * migration, still running, has its transactions refused (its proxy
 * spools) rather than its rows left out of the new day starts; the
 * constraint's name is what its error message shows. */
#define PG_MIG24_EVERY_HOUR \
	"ALTER TABLE rollup_do ADD COLUMN IF NOT EXISTS gen BIGINT NOT NULL DEFAULT 0;" \
	"ALTER TABLE rollup_do DROP CONSTRAINT IF EXISTS written_by_an_older_tokentop_upgrade_it;" \
	"ALTER TABLE rollup_do ADD CONSTRAINT written_by_an_older_tokentop_upgrade_it" \
	"  CHECK (gen >= 24) NOT VALID;" \
	"DELETE FROM rollup_do WHERE off % 3 <> 0;" \
	"INSERT INTO rollup_do (off, hour, model, flags, routed, " MONTH_SUMS ", gen)" \
	"  SELECT o.off, hour - ((hour - o.off) % 24 + 24) % 24 AS s, model, flags, routed, " \
	MONTH_SUMSUM ", 24 FROM rollup_hm, generate_series(1, 23) AS o(off) WHERE o.off % 3 <> 0" \
	"  GROUP BY o.off, s, model, flags, routed ORDER BY o.off, s, model, flags, routed;" \
	"ANALYZE rollup_do;"

/* 24 → 25 (issue 12): the days that start q quarters into UTC hour h
 * for db_pg's do_part (off 24 q + h, hour = h of the cell's first
 * day), so that a zone whose midnight is there (Kolkata 18:30Z,
 * Adelaide, Kathmandu 18:15Z) moves nothing. Built from rollup_hm and
 * the first quarters of hours in rollup_hq (part q): a cell holds the
 * hours after its first whole one, the rest of that one (the hour less
 * its first q quarters) and the first q quarters of the hour it ends
 * in. The fence rises to 25: a writer from before (gen 24) would leave
 * its rows out of them. */
#define PG_MIG25_PART_STARTS \
	"ALTER TABLE rollup_do DROP CONSTRAINT IF EXISTS written_by_an_older_tokentop_upgrade_it;" \
	"ALTER TABLE rollup_do ADD CONSTRAINT written_by_an_older_tokentop_upgrade_it" \
	"  CHECK (gen >= 25) NOT VALID;" \
	"DELETE FROM rollup_do WHERE off >= 24;" \
	"INSERT INTO rollup_do (off, hour, model, flags, routed, " MONTH_SUMS ", gen)" \
	"  SELECT 24 * q + ((u % 24) + 24) % 24, u, model, flags, routed, " MONTH_SUMSUM ", 25" \
	"  FROM (SELECT o.q, hour - ((hour - o.h) % 24 + 24) % 24 AS u, model, flags, routed," \
	"      " MONTH_SUMS " FROM rollup_hm, (VALUES " PG_DO_PART_ROWS ") AS o(q, h)" \
	"    UNION ALL SELECT o.q, hour, model, flags, routed, -requests, -input, -write_5m," \
	"      -write_1h, -cache_read, -output, -compressed_tokens, -max_tokens_stops," \
	"      -reasoning, -web_search, -code_exec FROM rollup_hq, (VALUES " PG_DO_PART_ROWS ")" \
	"      AS o(q, h) WHERE part = o.q AND ((hour % 24) + 24) % 24 = o.h" \
	"    UNION ALL SELECT o.q, hour - 24, model, flags, routed, " MONTH_SUMS " FROM rollup_hq," \
	"      (VALUES " PG_DO_PART_ROWS ") AS o(q, h)" \
	"      WHERE part = o.q AND ((hour % 24) + 24) % 24 = o.h) AS c" \
	"  GROUP BY q, u, model, flags, routed HAVING sum(requests) <> 0" \
	"  ORDER BY 1, 2, 3, 4, 5;" \
	"ANALYZE rollup_do;"

#endif
