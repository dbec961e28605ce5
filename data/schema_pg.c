/* schema_pg.c — the ledger's schema for PostgreSQL: the same numbered
 * migrations as schema.c, in PostgreSQL's dialect (store.c runs them on
 * open under pg_advisory_xact_lock).
 *
 * Every integer is BIGINT (money, token counts and times are exact 64-bit
 * integers, never floats), text is TEXT COLLATE "C" (byte order, as SQLite
 * compares), row ids are identity columns. Writers notify the channel
 * "tokentop" from statement triggers, so a console LISTENing anywhere
 * learns of a commit on any host (delivered once per transaction).
 *
 * A PostgreSQL ledger starts at the current version, so the entries that
 * rebuild tables from older SQLite files only create here. Append only —
 * never edit a shipped entry; each entry has its twin in schema.c.
 */
#include "data/schema_pg_days.h"
#include "data/store_int.h"

/* The statement trigger of a table the console shows. */
#define NOTIFY_ON(t) \
	"CREATE TRIGGER " t "_notify AFTER INSERT OR UPDATE OR DELETE ON " t \
	" FOR EACH STATEMENT EXECUTE FUNCTION tokentop_notify();"

#define TXT "TEXT COLLATE \"C\" NOT NULL DEFAULT ''"

/* A rollup cell's counts. */
#define COUNT_COLS \
	"  requests BIGINT NOT NULL," \
	"  input BIGINT NOT NULL," \
	"  write_5m BIGINT NOT NULL," \
	"  write_1h BIGINT NOT NULL," \
	"  cache_read BIGINT NOT NULL," \
	"  output BIGINT NOT NULL,"

/* rollup_hm and rollup_dm: one cell per hour (UTC day) × model × flags × routed. */
#define COLLAPSED_COLS \
	"  hour BIGINT NOT NULL,"  /* the UTC day in rollup_dm */ \
	"  model TEXT COLLATE \"C\" NOT NULL," \
	"  flags BIGINT NOT NULL," \
	"  routed BIGINT NOT NULL," \
	COUNT_COLS \
	"  compressed_tokens BIGINT NOT NULL," \
	"  max_tokens_stops BIGINT NOT NULL," \
	"  PRIMARY KEY (hour, model, flags, routed)"
#define BIG "BIGINT NOT NULL DEFAULT 0"

/* The server tool sums a rollup gained (web searches, code executions). */
#define TOOL_SUMS(t) \
	"ALTER TABLE " t " ADD COLUMN web_search " BIG ", ADD COLUMN code_exec " BIG ";"

/* rollup_hp and rollup_hk: per UTC hour × model × an attribution column ×
 * flags × routed, first filled from rollup_hm (no row had either yet). */
#define ATTR_ROLLUP(t, col) \
	"CREATE TABLE " t " (" \
	"  hour BIGINT NOT NULL," \
	"  model TEXT COLLATE \"C\" NOT NULL," \
	"  " col " TEXT COLLATE \"C\" NOT NULL," \
	"  flags BIGINT NOT NULL," \
	"  routed BIGINT NOT NULL," \
	COUNT_COLS \
	"  compressed_tokens BIGINT NOT NULL," \
	"  max_tokens_stops BIGINT NOT NULL," \
	"  reasoning " BIG "," \
	"  web_search " BIG "," \
	"  code_exec " BIG "," \
	"  PRIMARY KEY (hour, model, " col ", flags, routed)" \
	");" \
	"INSERT INTO " t " (hour, model, " col ", flags, routed, requests, input, write_5m," \
	"  write_1h, cache_read, output, compressed_tokens, max_tokens_stops, reasoning)" \
	"  SELECT hour, model, '', flags, routed, requests, input, write_5m, write_1h," \
	"  cache_read, output, compressed_tokens, max_tokens_stops, reasoning FROM rollup_hm;"

/* Migration 19's month tables (cols: the columns between model and flags,
 * key: the same in the key) and their first fill: the UTC month of a UTC
 * day number d. */
#define MONTH_ROLLUP(t, cols, key) \
	"CREATE TABLE IF NOT EXISTS " t " (" \
	"  hour BIGINT NOT NULL," \
	"  model TEXT COLLATE \"C\" NOT NULL," \
	cols \
	"  flags BIGINT NOT NULL," \
	"  routed BIGINT NOT NULL," \
	COUNT_COLS \
	"  compressed_tokens BIGINT NOT NULL," \
	"  max_tokens_stops BIGINT NOT NULL," \
	"  reasoning " BIG "," \
	"  web_search " BIG "," \
	"  code_exec " BIG "," \
	"  PRIMARY KEY (hour, model," key " flags, routed)" \
	");"
#define MONTH_SUMS "requests, input, write_5m, write_1h, cache_read, output," \
	" compressed_tokens, max_tokens_stops, reasoning, web_search, code_exec"
#define MONTH_SUMSUM "sum(requests), sum(input), sum(write_5m), sum(write_1h)," \
	" sum(cache_read), sum(output), sum(compressed_tokens), sum(max_tokens_stops)," \
	" sum(reasoning), sum(web_search), sum(code_exec)"
#define MONTH_OF_DAY(d) \
	"((EXTRACT(YEAR FROM to_timestamp(" d " * 86400) AT TIME ZONE 'UTC')::bigint - 1970)" \
	" * 12 + EXTRACT(MONTH FROM to_timestamp(" d " * 86400) AT TIME ZONE 'UTC')::bigint - 1)"

/* A rollup cell of rollup_hour is routed when it has a tier. */
#define ROUTED "CASE WHEN tier <> '' THEN 1 ELSE 0 END"

/* store_row_flags() in SQL, for the migration to 11 (data/schema.c's
 * MIG11_FLAGS with CASE for SQLite's boolean arithmetic). */
#define B(cond, v) "CASE WHEN " cond " THEN " v " ELSE 0 END"
#define MIG11_FLAGS \
	B("source = 'batch' OR service_tier IN ('batch', 'flex')", "1") \
	" + " B("input + write_5m + write_1h + cache_read > 200000", "2") \
	" + " B("speed = 'fast'", "4") " + " B("inference_geo = 'us'", "8") \
	" + " B("service_tier = 'priority'", "16") " + " B("provider = 'openai'", "256")

/* Migration 21: table t keyed by host too (primary key key). With one host
 * so far (host_seen) every cell is its own (summed over any host column of
 * a version set back); else the cells are rebuilt from the rows: cols are t's key columns before host, flags and routed; sel
 * selects them from usage (each named as the column or an alias). */
#define SUMS_AS "sum(requests) AS requests, sum(input) AS input, sum(write_5m) AS write_5m," \
	" sum(write_1h) AS write_1h, sum(cache_read) AS cache_read, sum(output) AS output," \
	" sum(compressed_tokens) AS compressed_tokens," \
	" sum(max_tokens_stops) AS max_tokens_stops, sum(reasoning) AS reasoning," \
	" sum(web_search) AS web_search, sum(code_exec) AS code_exec"
#define HOST_KEYED(t, key, cols, sel) \
	"ALTER TABLE " t " ADD COLUMN IF NOT EXISTS host " TXT ";" \
	"ALTER TABLE " t " DROP CONSTRAINT IF EXISTS " t "_pkey;" \
	"CREATE TEMP TABLE mig21 AS SELECT " cols ", flags, routed, " SUMS_AS " FROM " t \
	"  WHERE (SELECT count(*) FROM host_seen) <= 1 GROUP BY " cols ", flags, routed;" \
	"DELETE FROM " t ";" \
	"INSERT INTO " t " (" cols ", host, flags, routed, " MONTH_SUMS ")" \
	"  SELECT " cols ", COALESCE((SELECT host FROM host_seen), '@HOST@'), flags, routed, " \
	MONTH_SUMS " FROM mig21;" \
	"DROP TABLE mig21;" \
	"INSERT INTO " t " (" cols ", host, flags, routed, " MONTH_SUMS ")" \
	"  SELECT " sel ", host, " MIG11_FLAGS " AS f, " ROUTED " AS r, count(*)," \
	"  sum(input), sum(write_5m), sum(write_1h), sum(cache_read), sum(output)," \
	"  sum(compressed_tokens), sum(" B("stop_reason = 'max_tokens'", "1") ")," \
	"  sum(reasoning_tokens), sum(web_search_requests), sum(code_execution_requests)" \
	"  FROM usage WHERE (SELECT count(*) FROM host_seen) > 1" \
	"  GROUP BY " cols ", host, f, r;" \
	"ALTER TABLE " t " ADD PRIMARY KEY (" key ");"

const char *const store_migrations_pg[] = {
	/* 0 → 1: the ledger, its hourly rollup, batches, import marks */
	"CREATE FUNCTION tokentop_notify() RETURNS trigger LANGUAGE plpgsql AS"
	" $$BEGIN PERFORM pg_notify('tokentop', ''); RETURN NULL; END$$;"
	"CREATE TABLE usage ("
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  ts_ms BIGINT NOT NULL,"
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  source TEXT COLLATE \"C\" NOT NULL,"
	"  request_id " TXT ","
	"  message_id " TXT ","
	"  batch_id " TXT ","
	"  custom_id " TXT ","
	"  tag " TXT ","
	"  service_tier " TXT ","
	"  speed " TXT ","
	"  inference_geo " TXT ","
	"  tier " TXT ","
	"  stop_reason " TXT ","
	"  input " BIG ","
	"  write_5m " BIG ","
	"  write_1h " BIG ","
	"  cache_read " BIG ","
	"  output " BIG ","
	"  compressed_tokens " BIG ","
	"  sidechain " BIG ","
	"  dedupe_key TEXT COLLATE \"C\" UNIQUE"   /* msg:ID | req:ID | batch:ID:CUSTOM | NULL */
	");"
	"CREATE INDEX usage_ts ON usage(ts_ms);"
	"CREATE INDEX usage_batch ON usage(batch_id) WHERE batch_id <> '';"
	NOTIFY_ON("usage")
	"CREATE TABLE rollup_hour ("
	"  hour BIGINT NOT NULL,"
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  source TEXT COLLATE \"C\" NOT NULL,"
	"  tag TEXT COLLATE \"C\" NOT NULL,"
	"  tier TEXT COLLATE \"C\" NOT NULL,"
	"  flags BIGINT NOT NULL,"
	COUNT_COLS
	"  compressed_tokens BIGINT NOT NULL,"
	"  max_tokens_stops BIGINT NOT NULL,"
	"  PRIMARY KEY (hour, model, source, tag, tier, flags)"
	");"
	"CREATE TABLE batch ("
	"  id TEXT COLLATE \"C\" PRIMARY KEY,"
	"  status " TXT ","
	"  input_file " TXT ","
	"  results_file " TXT ","
	"  results_url " TXT ","
	"  models " TXT ","
	"  tag " TXT ","
	"  requests " BIG ","
	"  est_low_nanos " BIG ","
	"  est_high_nanos " BIG ","
	"  created_ms " BIG ","
	"  expires_ms " BIG ","
	"  ended_ms " BIG ","
	"  cancel_ms " BIG ","
	"  n_processing " BIG ","
	"  n_succeeded " BIG ","
	"  n_errored " BIG ","
	"  n_canceled " BIG ","
	"  n_expired " BIG ","
	"  ingested " BIG
	");"
	NOTIFY_ON("batch")
	"CREATE TABLE batch_result ("
	"  batch_id TEXT COLLATE \"C\" NOT NULL,"
	"  custom_id TEXT COLLATE \"C\" NOT NULL,"
	"  type TEXT COLLATE \"C\" NOT NULL,"
	"  error TEXT,"
	"  PRIMARY KEY (batch_id, custom_id)"
	");"
	NOTIFY_ON("batch_result")
	"CREATE TABLE import_mark ("
	"  path TEXT COLLATE \"C\" PRIMARY KEY,"
	"  size BIGINT NOT NULL,"
	"  mtime_ns BIGINT NOT NULL,"
	"  \"offset\" BIGINT NOT NULL,"
	"  line BIGINT NOT NULL"
	");",
	/* 1 → 2: token sums per batch × model × price flags */
	"CREATE TABLE rollup_batch ("
	"  batch_id TEXT COLLATE \"C\" NOT NULL,"
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  flags BIGINT NOT NULL,"
	COUNT_COLS
	"  PRIMARY KEY (batch_id, model, flags)"
	");",
	/* 2 → 3: budget alerts announced, one row per crossing */
	"CREATE TABLE budget_alert ("
	"  key TEXT COLLATE \"C\" PRIMARY KEY,"
	"  ts_ms BIGINT NOT NULL"
	");"
	NOTIFY_ON("budget_alert"),
	/* 3 → 4: the organisation's own usage and cost */
	"CREATE TABLE org_usage ("
	"  bucket_start BIGINT NOT NULL,"
	"  bucket_width BIGINT NOT NULL,"
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  api_key_id TEXT COLLATE \"C\" NOT NULL,"
	"  workspace_id TEXT COLLATE \"C\" NOT NULL,"
	"  service_tier TEXT COLLATE \"C\" NOT NULL,"
	"  input BIGINT NOT NULL,"
	"  write_5m BIGINT NOT NULL,"
	"  write_1h BIGINT NOT NULL,"
	"  cache_read BIGINT NOT NULL,"
	"  output BIGINT NOT NULL,"
	"  PRIMARY KEY (bucket_start, bucket_width, model, api_key_id, workspace_id, service_tier)"
	");"
	"CREATE TABLE org_cost ("
	"  bucket_start BIGINT NOT NULL,"
	"  description TEXT COLLATE \"C\" NOT NULL,"
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  token_type TEXT COLLATE \"C\" NOT NULL,"
	"  service_tier TEXT COLLATE \"C\" NOT NULL,"
	"  amount_nanos BIGINT NOT NULL,"
	"  PRIMARY KEY (bucket_start, description, model, token_type, service_tier)"
	");"
	"CREATE TABLE org_sync ("
	"  id BIGINT PRIMARY KEY CHECK (id = 1),"
	"  synced_ms BIGINT NOT NULL,"
	"  since_ms BIGINT NOT NULL,"
	"  until_ms BIGINT NOT NULL"
	");"
	NOTIFY_ON("org_sync"),
	/* 4 → 5: rollup_hour collapsed per hour and per UTC day */
	"CREATE TABLE rollup_hm (" COLLAPSED_COLS	");"
	"CREATE TABLE rollup_dm (" COLLAPSED_COLS	");",
	/* 5 → 6: batch create intents */
	"CREATE TABLE batch_intent ("
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  created_ms BIGINT NOT NULL,"
	"  requests BIGINT NOT NULL,"
	"  bytes BIGINT NOT NULL,"
	"  input_file " TXT ","
	"  part " BIG ","
	"  tag " TXT ","
	"  models " TXT ","
	"  est_low_nanos " BIG ","
	"  est_high_nanos " BIG ","
	"  status TEXT COLLATE \"C\" NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'created', 'abandoned')),"
	"  batch_id " TXT ","
	"  owner_pid " BIG ","
	"  updated_ms " BIG
	");"
	"CREATE INDEX batch_intent_pending ON batch_intent(created_ms) WHERE status = 'pending';"
	NOTIFY_ON("batch_intent"),
	/* 6 → 7: per spool, the last sequence number this ledger took */
	"CREATE TABLE spool_mark ("
	"  spool TEXT COLLATE \"C\" PRIMARY KEY,"
	"  seq BIGINT NOT NULL,"
	"  updated_ms " BIG
	");",
	/* 7 → 8: an import mark knows which file it was taken from */
	"ALTER TABLE import_mark"
	"  ADD COLUMN dev " BIG ","
	"  ADD COLUMN ino " BIG ","
	"  ADD COLUMN head_len " BIG ","
	"  ADD COLUMN head_hash " BIG ";",
	/* 8 → 9: a row whose time is the import's, not its own */
	"-- column usage ts_import\n"
	"ALTER TABLE usage ADD COLUMN ts_import " BIG ";",
	/* 9 → 10: per UTC day × model × tag (rollup_dt) and × source (rollup_ds)
	 * × flags × routed, rebuilt from rollup_hour (the day: a floor division,
	 * as SQLite's) */
	"CREATE TABLE rollup_dt ("
	"  hour BIGINT NOT NULL,"          /* the UTC day */
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  tag TEXT COLLATE \"C\" NOT NULL,"
	"  flags BIGINT NOT NULL,"
	"  routed BIGINT NOT NULL,"
	COUNT_COLS
	"  compressed_tokens BIGINT NOT NULL,"
	"  max_tokens_stops BIGINT NOT NULL,"
	"  PRIMARY KEY (hour, model, tag, flags, routed)"
	");"
	"INSERT INTO rollup_dt SELECT (hour - ((hour % 24) + 24) % 24) / 24 AS d, model, tag,"
	"  flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END AS r, sum(requests), sum(input),"
	"  sum(write_5m), sum(write_1h), sum(cache_read), sum(output), sum(compressed_tokens),"
	"  sum(max_tokens_stops) FROM rollup_hour GROUP BY d, model, tag, flags, r;"
	"CREATE TABLE rollup_ds ("
	"  hour BIGINT NOT NULL,"
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  source TEXT COLLATE \"C\" NOT NULL,"
	"  flags BIGINT NOT NULL,"
	"  routed BIGINT NOT NULL,"
	COUNT_COLS
	"  compressed_tokens BIGINT NOT NULL,"
	"  max_tokens_stops BIGINT NOT NULL,"
	"  PRIMARY KEY (hour, model, source, flags, routed)"
	");"
	"INSERT INTO rollup_ds SELECT (hour - ((hour % 24) + 24) % 24) / 24 AS d, model, source,"
	"  flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END AS r, sum(requests), sum(input),"
	"  sum(write_5m), sum(write_1h), sum(cache_read), sum(output), sum(compressed_tokens),"
	"  sum(max_tokens_stops) FROM rollup_hour GROUP BY d, model, source, flags, r;",
	/* 10 → 11: OpenAI beside Anthropic: every row's provider, reasoning
	 * tokens, session id and working directory; a batch's provider; the
	 * rollups' reasoning sums; with priority rows the rollups are rebuilt
	 * from the rows, their flags gaining the priority tier and the provider
	 * (MIG11_FLAGS: store_row_flags() in SQL). */
	"-- column usage provider\n"
	"ALTER TABLE usage ADD COLUMN provider TEXT COLLATE \"C\" NOT NULL DEFAULT 'anthropic',"
	"  ADD COLUMN reasoning_tokens " BIG ","
	"  ADD COLUMN session_id " TXT ","
	"  ADD COLUMN cwd " TXT ";"
	"ALTER TABLE batch ADD COLUMN provider TEXT COLLATE \"C\" NOT NULL DEFAULT 'anthropic';"
	"ALTER TABLE rollup_hour ADD COLUMN reasoning " BIG ";"
	"ALTER TABLE rollup_hm ADD COLUMN reasoning " BIG ";"
	"ALTER TABLE rollup_dm ADD COLUMN reasoning " BIG ";"
	"ALTER TABLE rollup_dt ADD COLUMN reasoning " BIG ";"
	"ALTER TABLE rollup_ds ADD COLUMN reasoning " BIG ";"
	"CREATE TEMP TABLE mig11 AS SELECT EXISTS (SELECT 1 FROM usage"
	"  WHERE service_tier = 'priority') AS rebuild;"
	"DELETE FROM rollup_hour WHERE (SELECT rebuild FROM mig11);"
	"INSERT INTO rollup_hour SELECT"
	"  (ts_ms - ((ts_ms % 3600000) + 3600000) % 3600000) / 3600000 AS h, model, source, tag,"
	"  tier, " MIG11_FLAGS " AS f, count(*), sum(input), sum(write_5m), sum(write_1h),"
	"  sum(cache_read), sum(output), sum(compressed_tokens),"
	"  sum(CASE WHEN stop_reason = 'max_tokens' THEN 1 ELSE 0 END), sum(reasoning_tokens)"
	"  FROM usage WHERE (SELECT rebuild FROM mig11) GROUP BY h, model, source, tag, tier, f;"
	"DELETE FROM rollup_hm WHERE (SELECT rebuild FROM mig11);"
	"INSERT INTO rollup_hm SELECT hour, model, flags, " ROUTED " AS routed, sum(requests),"
	"  sum(input), sum(write_5m), sum(write_1h), sum(cache_read), sum(output),"
	"  sum(compressed_tokens), sum(max_tokens_stops), sum(reasoning)"
	"  FROM rollup_hour WHERE (SELECT rebuild FROM mig11) GROUP BY hour, model, flags, routed;"
	"DELETE FROM rollup_dm WHERE (SELECT rebuild FROM mig11);"
	"INSERT INTO rollup_dm SELECT (hour - ((hour % 24) + 24) % 24) / 24 AS d, model, flags,"
	"  routed, sum(requests), sum(input), sum(write_5m), sum(write_1h), sum(cache_read),"
	"  sum(output), sum(compressed_tokens), sum(max_tokens_stops), sum(reasoning)"
	"  FROM rollup_hm WHERE (SELECT rebuild FROM mig11) GROUP BY d, model, flags, routed;"
	"DELETE FROM rollup_dt WHERE (SELECT rebuild FROM mig11);"
	"INSERT INTO rollup_dt SELECT (hour - ((hour % 24) + 24) % 24) / 24 AS d, model, tag,"
	"  flags, " ROUTED " AS r, sum(requests), sum(input), sum(write_5m), sum(write_1h),"
	"  sum(cache_read), sum(output), sum(compressed_tokens), sum(max_tokens_stops),"
	"  sum(reasoning)"
	"  FROM rollup_hour WHERE (SELECT rebuild FROM mig11) GROUP BY d, model, tag, flags, r;"
	"DELETE FROM rollup_ds WHERE (SELECT rebuild FROM mig11);"
	"INSERT INTO rollup_ds SELECT (hour - ((hour % 24) + 24) % 24) / 24 AS d, model, source,"
	"  flags, " ROUTED " AS r, sum(requests), sum(input), sum(write_5m), sum(write_1h),"
	"  sum(cache_read), sum(output), sum(compressed_tokens), sum(max_tokens_stops),"
	"  sum(reasoning)"
	"  FROM rollup_hour WHERE (SELECT rebuild FROM mig11) GROUP BY d, model, source, flags, r;"
	"DELETE FROM rollup_batch WHERE (SELECT rebuild FROM mig11);"
	"INSERT INTO rollup_batch SELECT batch_id, model, " MIG11_FLAGS " AS f, count(*), sum(input),"
	"  sum(write_5m), sum(write_1h), sum(cache_read), sum(output)"
	"  FROM usage WHERE batch_id <> '' AND (SELECT rebuild FROM mig11)"
	"  GROUP BY batch_id, model, f;"
	"DROP TABLE mig11;",
	/* 11 → 12: the organisation's rows per provider: org_usage and org_cost
	 * gain a provider in their keys (the rows so far were Anthropic's),
	 * org_sync one row per provider (its id goes, with its check) */
	"-- column org_usage provider\n"
	"ALTER TABLE org_usage ADD COLUMN provider TEXT COLLATE \"C\" NOT NULL DEFAULT 'anthropic',"
	"  DROP CONSTRAINT org_usage_pkey,"
	"  ADD PRIMARY KEY (provider, bucket_start, bucket_width, model, api_key_id, workspace_id,"
	"    service_tier);"
	"ALTER TABLE org_cost ADD COLUMN provider TEXT COLLATE \"C\" NOT NULL DEFAULT 'anthropic',"
	"  DROP CONSTRAINT org_cost_pkey,"
	"  ADD PRIMARY KEY (provider, bucket_start, description, model, token_type, service_tier);"
	"ALTER TABLE org_sync ADD COLUMN provider TEXT COLLATE \"C\" NOT NULL DEFAULT 'anthropic';"
	"ALTER TABLE org_sync DROP COLUMN id, ALTER COLUMN provider DROP DEFAULT,"
	"  ADD PRIMARY KEY (provider);",
	/* 12 → 13: rate-limit headroom: the latest figures per provider × model
	 * × key fingerprint × kind, and 429 answers per UTC minute (the console's
	 * Limits screen follows both) */
	"CREATE TABLE ratelimit ("
	"  provider TEXT COLLATE \"C\" NOT NULL,"
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  key TEXT COLLATE \"C\" NOT NULL,"
	"  kind TEXT COLLATE \"C\" NOT NULL,"
	"  lim BIGINT NOT NULL,"
	"  remaining BIGINT NOT NULL,"
	"  reset_ms BIGINT NOT NULL,"
	"  updated_ms BIGINT NOT NULL,"
	"  PRIMARY KEY (provider, model, key, kind)"
	");"
	NOTIFY_ON("ratelimit")
	"CREATE TABLE ratelimit_reject ("
	"  provider TEXT COLLATE \"C\" NOT NULL,"
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  key TEXT COLLATE \"C\" NOT NULL,"
	"  minute BIGINT NOT NULL,"
	"  n BIGINT NOT NULL,"
	"  PRIMARY KEY (provider, model, key, minute)"
	");"
	NOTIFY_ON("ratelimit_reject"),
	/* 13 → 14: lifetime sums per model × source × tag × flags (rollup_lt),
	 * rebuilt from rollup_hour */
	"CREATE TABLE rollup_lt ("
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  source TEXT COLLATE \"C\" NOT NULL,"
	"  tag TEXT COLLATE \"C\" NOT NULL,"
	"  flags BIGINT NOT NULL,"
	COUNT_COLS
	"  compressed_tokens BIGINT NOT NULL,"
	"  max_tokens_stops BIGINT NOT NULL,"
	"  reasoning BIGINT NOT NULL,"
	"  PRIMARY KEY (model, source, tag, flags)"
	");"
	"INSERT INTO rollup_lt SELECT model, source, tag, flags, sum(requests), sum(input),"
	"  sum(write_5m), sum(write_1h), sum(cache_read), sum(output), sum(compressed_tokens),"
	"  sum(max_tokens_stops), sum(reasoning) FROM rollup_hour GROUP BY model, source, tag, flags;",
	/* 14 → 15: alerts of the config's rules, one row per crossing claimed
	 * once by its key, with its delivery; the statuses the proxy answered,
	 * per minute (the console shows the alerts) */
	"CREATE TABLE alert ("
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  key TEXT COLLATE \"C\" NOT NULL UNIQUE,"
	"  rule BIGINT NOT NULL,"
	"  target TEXT COLLATE \"C\" NOT NULL,"
	"  kind TEXT COLLATE \"C\" NOT NULL,"
	"  text TEXT COLLATE \"C\" NOT NULL,"
	"  fields TEXT COLLATE \"C\" NOT NULL DEFAULT '{}',"
	"  status TEXT COLLATE \"C\" NOT NULL,"
	"  attempts " BIG ","
	"  created_ms BIGINT NOT NULL,"
	"  next_ms " BIG ","
	"  lease_ms " BIG ","
	"  delivered_ms " BIG ","
	"  last_error " TXT
	");"
	"CREATE INDEX alert_due ON alert(status, next_ms);"
	NOTIFY_ON("alert")
	"CREATE TABLE proxy_status_minute ("
	"  minute BIGINT NOT NULL,"
	"  status BIGINT NOT NULL,"
	"  requests BIGINT NOT NULL,"
	"  PRIMARY KEY (minute, status)"
	");",
	/* 15 → 16: a batch create intent's provider and random token (OpenAI's
	 * create carries it in the batch's metadata; the input file is named
	 * after it); a batch's errors (OpenAI: why it failed validation) */
	"-- column batch_intent provider\n"
	"ALTER TABLE batch_intent ADD COLUMN provider TEXT COLLATE \"C\" NOT NULL"
	"  DEFAULT 'anthropic', ADD COLUMN token " TXT ";"
	"ALTER TABLE batch ADD COLUMN errors " TXT ";",
	/* 16 → 17: server tool counts per row and their rollup sums (web
	 * search, code execution); attribution (a coding agent's project and git
	 * branch, the proxy's API key fingerprint) with rollups per UTC hour ×
	 * model × project (rollup_hp) or key (rollup_hk) × flags × routed, filled
	 * from rollup_hm (no row had either yet) */
	"-- column usage web_search_requests\n"
	"ALTER TABLE usage ADD COLUMN web_search_requests " BIG ","
	"  ADD COLUMN web_fetch_requests " BIG ","
	"  ADD COLUMN code_execution_requests " BIG ","
	"  ADD COLUMN project " TXT ","
	"  ADD COLUMN git_branch " TXT ","
	"  ADD COLUMN key_fp " TXT ";"
	TOOL_SUMS("rollup_hour") TOOL_SUMS("rollup_hm") TOOL_SUMS("rollup_dm")
	TOOL_SUMS("rollup_dt") TOOL_SUMS("rollup_ds") TOOL_SUMS("rollup_lt")
	"ALTER TABLE rollup_batch ADD COLUMN web_search " BIG ";"
	ATTR_ROLLUP("rollup_hp", "project")
	ATTR_ROLLUP("rollup_hk", "key_fp"),
	/* 17 → 18: every row's host (the column's default the migrating host,
	 * '@HOST@' written in by store.c: older rows are this machine's without
	 * a rewrite; writers always name the host, so the default is then set
	 * back to ''); an index for a host filter; per UTC day (rollup_dh) and
	 * per UTC hour (rollup_hh) × model × host × flags × routed, filled from
	 * rollup_dm and rollup_hm; per host its last row's time and request
	 * count (host_seen) */
	"-- column usage host\n"
	"ALTER TABLE usage ADD COLUMN host TEXT COLLATE \"C\" NOT NULL DEFAULT '@HOST@';"
	"ALTER TABLE usage ALTER COLUMN host SET DEFAULT '';"
	"CREATE INDEX usage_host ON usage(host, ts_ms);"
	"CREATE TABLE rollup_dh ("
	"  hour BIGINT NOT NULL,"     /* the UTC day */
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  host TEXT COLLATE \"C\" NOT NULL,"
	"  flags BIGINT NOT NULL,"
	"  routed BIGINT NOT NULL,"
	COUNT_COLS
	"  compressed_tokens BIGINT NOT NULL,"
	"  max_tokens_stops BIGINT NOT NULL,"
	"  reasoning " BIG ","
	"  web_search " BIG ","
	"  code_exec " BIG ","
	"  PRIMARY KEY (hour, model, host, flags, routed)"
	");"
	"INSERT INTO rollup_dh (hour, model, host, flags, routed, requests, input, write_5m,"
	"  write_1h, cache_read, output, compressed_tokens, max_tokens_stops, reasoning,"
	"  web_search, code_exec)"
	"  SELECT hour, model, '@HOST@', flags, routed, requests, input, write_5m, write_1h,"
	"  cache_read, output, compressed_tokens, max_tokens_stops, reasoning, web_search,"
	"  code_exec FROM rollup_dm;"
	"CREATE TABLE rollup_hh ("
	"  hour BIGINT NOT NULL,"
	"  model TEXT COLLATE \"C\" NOT NULL,"
	"  host TEXT COLLATE \"C\" NOT NULL,"
	"  flags BIGINT NOT NULL,"
	"  routed BIGINT NOT NULL,"
	COUNT_COLS
	"  compressed_tokens BIGINT NOT NULL,"
	"  max_tokens_stops BIGINT NOT NULL,"
	"  reasoning " BIG ","
	"  web_search " BIG ","
	"  code_exec " BIG ","
	"  PRIMARY KEY (hour, model, host, flags, routed)"
	");"
	"INSERT INTO rollup_hh (hour, model, host, flags, routed, requests, input, write_5m,"
	"  write_1h, cache_read, output, compressed_tokens, max_tokens_stops, reasoning,"
	"  web_search, code_exec)"
	"  SELECT hour, model, '@HOST@', flags, routed, requests, input, write_5m, write_1h,"
	"  cache_read, output, compressed_tokens, max_tokens_stops, reasoning, web_search,"
	"  code_exec FROM rollup_hm;"
	"CREATE TABLE host_seen ("
	"  host TEXT COLLATE \"C\" PRIMARY KEY,"
	"  last_ms BIGINT NOT NULL,"
	"  requests BIGINT NOT NULL"
	");"
	"INSERT INTO host_seen (host, last_ms, requests)"
	"  SELECT host, max(ts_ms), count(*) FROM usage GROUP BY host;",
	/* 18 → 19 (issue 16): the lifetime rollup split by routed too (rebuilt
	 * from rollup_hour: the exporter groups as report models --source
	 * does); the proxy's statuses per minute by provider too, as
	 * tokentop_proxy_requests_total counts them (earlier counts keep
	 * provider ''); each step can run again (a version set back) */
	"ALTER TABLE rollup_lt ADD COLUMN IF NOT EXISTS routed " BIG ";"
	"ALTER TABLE rollup_lt DROP CONSTRAINT IF EXISTS rollup_lt_pkey;"
	"DELETE FROM rollup_lt;"
	"INSERT INTO rollup_lt (model, source, tag, flags, routed, requests, input, write_5m,"
	"  write_1h, cache_read, output, compressed_tokens, max_tokens_stops, reasoning,"
	"  web_search, code_exec)"
	"  SELECT model, source, tag, flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END, sum(requests),"
	"  sum(input), sum(write_5m), sum(write_1h), sum(cache_read), sum(output),"
	"  sum(compressed_tokens), sum(max_tokens_stops), sum(reasoning), sum(web_search),"
	"  sum(code_exec) FROM rollup_hour GROUP BY model, source, tag, flags, 5;"
	"ALTER TABLE rollup_lt ADD PRIMARY KEY (model, source, tag, flags, routed);"
	"ALTER TABLE proxy_status_minute ADD COLUMN IF NOT EXISTS provider TEXT COLLATE \"C\""
	"  NOT NULL DEFAULT '';"
	"ALTER TABLE proxy_status_minute DROP CONSTRAINT IF EXISTS proxy_status_minute_pkey;"
	"ALTER TABLE proxy_status_minute ADD PRIMARY KEY (minute, provider, status);",
	/* 19 → 20: per UTC month (hour = (year - 1970) × 12 + month - 1) ×
	 * model × flags × routed (rollup_mm) and × source × tag as well
	 * (rollup_mx), rebuilt from rollup_dm and rollup_hour */
	MONTH_ROLLUP("rollup_mm", "", "")
	MONTH_ROLLUP("rollup_mx", "  source TEXT COLLATE \"C\" NOT NULL,"
	    "  tag TEXT COLLATE \"C\" NOT NULL,", " source, tag,")
	"DELETE FROM rollup_mm;"
	"INSERT INTO rollup_mm (hour, model, flags, routed, " MONTH_SUMS ")"
	"  SELECT " MONTH_OF_DAY("hour") " AS m, model, flags, routed, " MONTH_SUMSUM
	"  FROM rollup_dm GROUP BY m, model, flags, routed;"
	"DELETE FROM rollup_mx;"
	"INSERT INTO rollup_mx (hour, model, source, tag, flags, routed, " MONTH_SUMS ")"
	"  SELECT " MONTH_OF_DAY("((hour - ((hour % 24) + 24) % 24) / 24)") " AS m, model, source,"
	"  tag, flags, " ROUTED " AS r, " MONTH_SUMSUM
	"  FROM rollup_hour GROUP BY m, model, source, tag, flags, r;",
	/* 20 → 21 (issue 16): rollup_lt and rollup_ds by host too (the
	 * exporter's host label from the rows); one host so far (host_seen):
	 * the cells become its own; a fleet's are rebuilt from the rows */
	HOST_KEYED("rollup_lt", "model, source, tag, flags, routed, host",
	    "model, source, tag", "model, source, tag")
	HOST_KEYED("rollup_ds", "hour, model, source, host, flags, routed",
	    "hour, model, source", "(ts_ms - ((ts_ms % 86400000) + 86400000) % 86400000)"
	    " / 86400000 AS hour, model, source"),
	/* 21 → 22 (issue 12): no index of the rows by host. Every report by
	 * host reads the host rollups (rollup_dh, rollup_hh, rollup_ds,
	 * rollup_lt, host_seen); the few raw rows a report reads (the parts of
	 * hours) are found by time (usage_ts) and filtered by host. The index
	 * cost every row written a fifth B-tree insert (~10% of an import's
	 * writing). */
	"DROP INDEX IF EXISTS usage_host;",
	/* 22 → 23, 23 → 24, 24 → 25 (issue 12): schema_pg_days.h */
	PG_MIG23_LOCAL_DAYS,
	PG_MIG24_EVERY_HOUR,
	PG_MIG25_PART_STARTS,
};
const int store_nmigrations_pg =
    (int)(sizeof(store_migrations_pg) / sizeof(store_migrations_pg[0]));
