/* schema.c — the ledger's schema as forward migrations (store.c runs them
 * on open). */
#include "data/store_int.h"
#include "data/schema_sql.h"

/*
 * Forward migrations: entry i takes the schema from version i to i + 1.
 * Append only — never edit a shipped entry.
 */
const char *const store_migrations[] = {
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
	"INSERT INTO rollup_batch (batch_id, model, flags, requests, input, write_5m, write_1h,"
	"  cache_read, output) SELECT batch_id, model,"
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
	/* 4 → 5: rollup_hour collapsed to what prices tokens (hour × model ×
	 * flags × routed): the period, model and total reports read this, about
	 * a sixth of rollup_hour's cells. Kept like rollup_hour; rebuilt from it
	 * (IF NOT EXISTS, as 1 → 2: a file whose version was set back). */
	"CREATE TABLE IF NOT EXISTS rollup_hm ("
	"  hour INTEGER NOT NULL,"
	"  model TEXT NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  routed INTEGER NOT NULL,"        /* tier <> '' */
	"  requests INTEGER NOT NULL,"
	"  input INTEGER NOT NULL,"
	"  write_5m INTEGER NOT NULL,"
	"  write_1h INTEGER NOT NULL,"
	"  cache_read INTEGER NOT NULL,"
	"  output INTEGER NOT NULL,"
	"  compressed_tokens INTEGER NOT NULL,"
	"  max_tokens_stops INTEGER NOT NULL,"
	"  PRIMARY KEY (hour, model, flags, routed)"
	") WITHOUT ROWID;"
	"DELETE FROM rollup_hm;"
	"INSERT INTO rollup_hm (hour, model, flags, routed, requests, input, write_5m, write_1h,"
	"  cache_read, output, compressed_tokens, max_tokens_stops)"
	"  SELECT hour, model, flags, tier <> '' AS routed, sum(requests),"
	"  sum(input), sum(write_5m), sum(write_1h), sum(cache_read), sum(output),"
	"  sum(compressed_tokens), sum(max_tokens_stops)"
	"  FROM rollup_hour GROUP BY hour, model, flags, routed;"
	/* and per UTC day (hour = floor(hour / 24)): what a day, week, month,
	 * model or total report reads for the UTC days that lie in one period */
	"CREATE TABLE IF NOT EXISTS rollup_dm ("
	"  hour INTEGER NOT NULL,"          /* the UTC day */
	"  model TEXT NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  routed INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL,"
	"  input INTEGER NOT NULL,"
	"  write_5m INTEGER NOT NULL,"
	"  write_1h INTEGER NOT NULL,"
	"  cache_read INTEGER NOT NULL,"
	"  output INTEGER NOT NULL,"
	"  compressed_tokens INTEGER NOT NULL,"
	"  max_tokens_stops INTEGER NOT NULL,"
	"  PRIMARY KEY (hour, model, flags, routed)"
	") WITHOUT ROWID;"
	"DELETE FROM rollup_dm;"
	"INSERT INTO rollup_dm (hour, model, flags, routed, requests, input, write_5m, write_1h,"
	"  cache_read, output, compressed_tokens, max_tokens_stops)"
	"  SELECT (hour - ((hour % 24) + 24) % 24) / 24 AS d, model, flags,"
	"  routed, sum(requests), sum(input), sum(write_5m), sum(write_1h), sum(cache_read),"
	"  sum(output), sum(compressed_tokens), sum(max_tokens_stops)"
	"  FROM rollup_hm GROUP BY d, model, flags, routed;",
	/* 5 → 6: a batch create's intent, written before the create call is
	 * sent (data/intents.c), so a create whose answer was lost (a crash, a
	 * 5xx after the batch was made, a dropped connection) can be found again
	 * in the API's batch list and adopted instead of being lost or sent
	 * twice. IF NOT EXISTS as above. */
	"CREATE TABLE IF NOT EXISTS batch_intent ("
	"  id INTEGER PRIMARY KEY,"
	"  created_ms INTEGER NOT NULL,"    /* when the (first) create was sent, UTC ms */
	"  requests INTEGER NOT NULL,"
	"  bytes INTEGER NOT NULL,"
	"  input_file TEXT NOT NULL DEFAULT '',"
	"  part INTEGER NOT NULL DEFAULT 0,"  /* 1-based part of the file */
	"  tag TEXT NOT NULL DEFAULT '',"
	"  models TEXT NOT NULL DEFAULT '',"
	"  est_low_nanos INTEGER NOT NULL DEFAULT 0,"
	"  est_high_nanos INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'created', 'abandoned')),"
	"  batch_id TEXT NOT NULL DEFAULT '',"
	"  owner_pid INTEGER NOT NULL DEFAULT 0,"  /* the process sending the create */
	"  updated_ms INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX IF NOT EXISTS batch_intent_pending ON batch_intent(created_ms)"
	"  WHERE status = 'pending';",
	/* 6 → 7: per spool (data/spool.c, by its random id), the last sequence
	 * number whose row is in this ledger; set in the transaction that
	 * inserts the rows, so a flush interrupted after that commit never
	 * applies a row twice. IF NOT EXISTS as above. */
	"CREATE TABLE IF NOT EXISTS spool_mark ("
	"  spool TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;",
	/* 7 → 8: an import mark knows which file it was taken from (device,
	 * inode, a hash of its first bytes), so a file replaced by another is
	 * read again from the top. 0 = not known: a mark written before keeps
	 * working as it did (offset, size, mtime) and gains its identity the
	 * next time the file is read. Rebuilt rather than ALTERed, so a file
	 * whose version was set back migrates again (forgetting identities). */
	"DROP TABLE IF EXISTS import_mark_new;"
	"CREATE TABLE import_mark_new ("
	"  path TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  mtime_ns INTEGER NOT NULL,"
	"  offset INTEGER NOT NULL,"
	"  line INTEGER NOT NULL,"
	"  dev INTEGER NOT NULL DEFAULT 0,"
	"  ino INTEGER NOT NULL DEFAULT 0,"
	"  head_len INTEGER NOT NULL DEFAULT 0,"
	"  head_hash INTEGER NOT NULL DEFAULT 0"
	");"
	"INSERT INTO import_mark_new (path, size, mtime_ns, offset, line)"
	"  SELECT path, size, mtime_ns, offset, line FROM import_mark;"
	"DROP TABLE import_mark;"
	"ALTER TABLE import_mark_new RENAME TO import_mark;",
	/* 8 → 9: a row whose time is the import's, not its own (a bare Messages
	 * response, the results of a batch the ledger does not know): counted in
	 * every total, but no burn rate (issue 11). The "-- column" line lets a
	 * file whose version was set back skip an ALTER it has had (store.c). */
	"-- column usage ts_import\n"
	"ALTER TABLE usage ADD COLUMN ts_import INTEGER NOT NULL DEFAULT 0;",
	/* 9 → 10: per UTC day × model × tag (rollup_dt) and × source (rollup_ds)
	 * × flags × routed, so the tag and source reports of a long history read
	 * days, not rollup_hour (whose cells, for a busy fleet, are almost as
	 * many as its rows). Kept like rollup_dm; rebuilt from rollup_hour (IF
	 * NOT EXISTS, as above; the columns named, so a file set back that has the
	 * reasoning sums of 11 migrates again). */
	"CREATE TABLE IF NOT EXISTS rollup_dt ("
	"  hour INTEGER NOT NULL,"          /* the UTC day */
	"  model TEXT NOT NULL,"
	"  tag TEXT NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  routed INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL,"
	"  input INTEGER NOT NULL,"
	"  write_5m INTEGER NOT NULL,"
	"  write_1h INTEGER NOT NULL,"
	"  cache_read INTEGER NOT NULL,"
	"  output INTEGER NOT NULL,"
	"  compressed_tokens INTEGER NOT NULL,"
	"  max_tokens_stops INTEGER NOT NULL,"
	"  PRIMARY KEY (hour, model, tag, flags, routed)"
	") WITHOUT ROWID;"
	"DELETE FROM rollup_dt;"
	"INSERT INTO rollup_dt (hour, model, tag, flags, routed, requests, input, write_5m,"
	"  write_1h, cache_read, output, compressed_tokens, max_tokens_stops)"
	"  SELECT (hour - ((hour % 24) + 24) % 24) / 24 AS d, model, tag,"
	"  flags, tier <> '' AS r, sum(requests), sum(input), sum(write_5m), sum(write_1h),"
	"  sum(cache_read), sum(output), sum(compressed_tokens), sum(max_tokens_stops)"
	"  FROM rollup_hour GROUP BY d, model, tag, flags, r;"
	"CREATE TABLE IF NOT EXISTS rollup_ds ("
	"  hour INTEGER NOT NULL,"
	"  model TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  routed INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL,"
	"  input INTEGER NOT NULL,"
	"  write_5m INTEGER NOT NULL,"
	"  write_1h INTEGER NOT NULL,"
	"  cache_read INTEGER NOT NULL,"
	"  output INTEGER NOT NULL,"
	"  compressed_tokens INTEGER NOT NULL,"
	"  max_tokens_stops INTEGER NOT NULL,"
	"  PRIMARY KEY (hour, model, source, flags, routed)"
	") WITHOUT ROWID;"
	"DELETE FROM rollup_ds;"
	"INSERT INTO rollup_ds (hour, model, source, flags, routed, requests, input, write_5m,"
	"  write_1h, cache_read, output, compressed_tokens, max_tokens_stops)"
	"  SELECT (hour - ((hour % 24) + 24) % 24) / 24 AS d, model, source,"
	"  flags, tier <> '' AS r, sum(requests), sum(input), sum(write_5m), sum(write_1h),"
	"  sum(cache_read), sum(output), sum(compressed_tokens), sum(max_tokens_stops)"
	"  FROM rollup_hour GROUP BY d, model, source, flags, r;",
	/* 10 → 11: OpenAI beside Anthropic (issue 14): every row's provider
	 * (the rows so far were Anthropic's), OpenAI's reasoning tokens (inside
	 * output, kept for display), a coding agent's session id and working
	 * directory; a batch's provider; the rollups' reasoning sums (the day ×
	 * tag and day × source tables of 10 too). The rollup flags gain the
	 * priority tier and the provider (store_int.h): when the ledger holds
	 * priority rows their cells are keyed anew, so the rollups are rebuilt
	 * from the rows (MIG11_FLAGS is store_row_flags() in SQL). A file set
	 * back that has the columns has had all of it ("-- column", store.c). */
	"-- column usage provider\n"
	"ALTER TABLE usage ADD COLUMN provider TEXT NOT NULL DEFAULT 'anthropic';"
	"ALTER TABLE usage ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE usage ADD COLUMN session_id TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE usage ADD COLUMN cwd TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE batch ADD COLUMN provider TEXT NOT NULL DEFAULT 'anthropic';"
	"ALTER TABLE rollup_hour ADD COLUMN reasoning INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_hm ADD COLUMN reasoning INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_dm ADD COLUMN reasoning INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_dt ADD COLUMN reasoning INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_ds ADD COLUMN reasoning INTEGER NOT NULL DEFAULT 0;"
	"CREATE TEMP TABLE mig11 AS SELECT EXISTS (SELECT 1 FROM usage"
	"  WHERE service_tier = 'priority') AS rebuild;"
	"DELETE FROM rollup_hour WHERE (SELECT rebuild FROM mig11);"
	"INSERT INTO rollup_hour SELECT"
	"  (ts_ms - ((ts_ms % 3600000) + 3600000) % 3600000) / 3600000 AS h, model, source, tag,"
	"  tier, " MIG11_FLAGS " AS f, count(*), sum(input), sum(write_5m), sum(write_1h),"
	"  sum(cache_read), sum(output), sum(compressed_tokens), sum(stop_reason = 'max_tokens'),"
	"  sum(reasoning_tokens)"
	"  FROM usage WHERE (SELECT rebuild FROM mig11) GROUP BY h, model, source, tag, tier, f;"
	"DELETE FROM rollup_hm WHERE (SELECT rebuild FROM mig11);"
	"INSERT INTO rollup_hm SELECT hour, model, flags, tier <> '' AS routed, sum(requests),"
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
	"  flags, tier <> '' AS r, sum(requests), sum(input), sum(write_5m), sum(write_1h),"
	"  sum(cache_read), sum(output), sum(compressed_tokens), sum(max_tokens_stops),"
	"  sum(reasoning)"
	"  FROM rollup_hour WHERE (SELECT rebuild FROM mig11) GROUP BY d, model, tag, flags, r;"
	"DELETE FROM rollup_ds WHERE (SELECT rebuild FROM mig11);"
	"INSERT INTO rollup_ds SELECT (hour - ((hour % 24) + 24) % 24) / 24 AS d, model, source,"
	"  flags, tier <> '' AS r, sum(requests), sum(input), sum(write_5m), sum(write_1h),"
	"  sum(cache_read), sum(output), sum(compressed_tokens), sum(max_tokens_stops),"
	"  sum(reasoning)"
	"  FROM rollup_hour WHERE (SELECT rebuild FROM mig11) GROUP BY d, model, source, flags, r;"
	"DELETE FROM rollup_batch WHERE (SELECT rebuild FROM mig11);"
	"INSERT INTO rollup_batch SELECT batch_id, model, " MIG11_FLAGS " AS f, count(*), sum(input),"
	"  sum(write_5m), sum(write_1h), sum(cache_read), sum(output)"
	"  FROM usage WHERE batch_id <> '' AND (SELECT rebuild FROM mig11)"
	"  GROUP BY batch_id, model, f;"
	"DROP TABLE mig11;",
	/* 11 → 12: the organisation's rows per provider (issue 15: `tokentop
	 * sync --provider openai`): org_usage and org_cost gain a provider in
	 * their keys (the rows so far were Anthropic's), org_sync one row per
	 * provider. Rebuilt, as a key changes; a file set back that has the
	 * column has had all of it ("-- column", store.c). */
	"-- column org_usage provider\n"
	"DROP TABLE IF EXISTS org_usage_new;"
	"CREATE TABLE org_usage_new ("
	"  provider TEXT NOT NULL DEFAULT 'anthropic',"
	"  bucket_start INTEGER NOT NULL,"
	"  bucket_width INTEGER NOT NULL,"
	"  model TEXT NOT NULL,"
	"  api_key_id TEXT NOT NULL,"
	"  workspace_id TEXT NOT NULL,"       /* OpenAI: the project */
	"  service_tier TEXT NOT NULL,"       /* OpenAI: "batch" for batch rows */
	"  input INTEGER NOT NULL,"
	"  write_5m INTEGER NOT NULL,"
	"  write_1h INTEGER NOT NULL,"
	"  cache_read INTEGER NOT NULL,"
	"  output INTEGER NOT NULL,"
	"  PRIMARY KEY (provider, bucket_start, bucket_width, model, api_key_id, workspace_id,"
	"    service_tier)"
	") WITHOUT ROWID;"
	"INSERT INTO org_usage_new SELECT 'anthropic', bucket_start, bucket_width, model,"
	"  api_key_id, workspace_id, service_tier, input, write_5m, write_1h, cache_read, output"
	"  FROM org_usage;"
	"DROP TABLE org_usage;"
	"ALTER TABLE org_usage_new RENAME TO org_usage;"
	"DROP TABLE IF EXISTS org_cost_new;"
	"CREATE TABLE org_cost_new ("
	"  provider TEXT NOT NULL DEFAULT 'anthropic',"
	"  bucket_start INTEGER NOT NULL,"
	"  description TEXT NOT NULL,"        /* OpenAI: the line item */
	"  model TEXT NOT NULL,"
	"  token_type TEXT NOT NULL,"
	"  service_tier TEXT NOT NULL,"
	"  amount_nanos INTEGER NOT NULL,"
	"  PRIMARY KEY (provider, bucket_start, description, model, token_type, service_tier)"
	") WITHOUT ROWID;"
	"INSERT INTO org_cost_new SELECT 'anthropic', bucket_start, description, model,"
	"  token_type, service_tier, amount_nanos FROM org_cost;"
	"DROP TABLE org_cost;"
	"ALTER TABLE org_cost_new RENAME TO org_cost;"
	"DROP TABLE IF EXISTS org_sync_new;"
	"CREATE TABLE org_sync_new ("
	"  provider TEXT PRIMARY KEY,"
	"  synced_ms INTEGER NOT NULL,"
	"  since_ms INTEGER NOT NULL,"
	"  until_ms INTEGER NOT NULL"
	");"
	"INSERT INTO org_sync_new SELECT 'anthropic', synced_ms, since_ms, until_ms FROM org_sync;"
	"DROP TABLE org_sync;"
	"ALTER TABLE org_sync_new RENAME TO org_sync;",
	/* 12 → 13: rate-limit headroom (issue 16; data/limits.c): the latest
	 * figures per provider × model × API key fingerprint × kind, as the
	 * proxy, `call` and batch polling read them from response headers, and
	 * 429 answers counted per UTC minute. Fingerprints only (core/keyfp.h),
	 * never keys. IF NOT EXISTS as above. */
	"CREATE TABLE IF NOT EXISTS ratelimit ("
	"  provider TEXT NOT NULL,"
	"  model TEXT NOT NULL,"
	"  key TEXT NOT NULL,"                /* keyfp_make's fingerprint, '' = none */
	"  kind TEXT NOT NULL,"               /* requests, tokens, input_tokens, output_tokens */
	"  lim INTEGER NOT NULL,"             /* -1 = not known */
	"  remaining INTEGER NOT NULL,"
	"  reset_ms INTEGER NOT NULL,"        /* UTC ms; -1 = not known */
	"  updated_ms INTEGER NOT NULL,"      /* when the response carrying it ended */
	"  PRIMARY KEY (provider, model, key, kind)"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS ratelimit_reject ("
	"  provider TEXT NOT NULL,"
	"  model TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  minute INTEGER NOT NULL,"          /* floor(UTC ms / 60000) */
	"  n INTEGER NOT NULL,"
	"  PRIMARY KEY (provider, model, key, minute)"
	") WITHOUT ROWID;",
	/* 13 → 14: lifetime sums per model × source × tag × flags (rollup_lt;
	 * issue 16), so `tokentop exporter` answers a scrape from a few hundred
	 * cells whatever the ledger's age, tag label or not. Kept like rollup_ds;
	 * rebuilt from rollup_hour (IF NOT EXISTS, as above). */
	"CREATE TABLE IF NOT EXISTS rollup_lt ("
	"  model TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  tag TEXT NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL,"
	"  input INTEGER NOT NULL,"
	"  write_5m INTEGER NOT NULL,"
	"  write_1h INTEGER NOT NULL,"
	"  cache_read INTEGER NOT NULL,"
	"  output INTEGER NOT NULL,"
	"  compressed_tokens INTEGER NOT NULL,"
	"  max_tokens_stops INTEGER NOT NULL,"
	"  reasoning INTEGER NOT NULL,"
	"  PRIMARY KEY (model, source, tag, flags)"
	") WITHOUT ROWID;"
	"DELETE FROM rollup_lt;"
	"INSERT INTO rollup_lt (model, source, tag, flags, requests, input, write_5m, write_1h,"
	"  cache_read, output, compressed_tokens, max_tokens_stops, reasoning)"
	"  SELECT model, source, tag, flags, sum(requests), sum(input),"
	"  sum(write_5m), sum(write_1h), sum(cache_read), sum(output), sum(compressed_tokens),"
	"  sum(max_tokens_stops), sum(reasoning) FROM rollup_hour GROUP BY model, source, tag, flags;",
	/* 14 → 15: alerts of the config's rules (issue 16; data/alerts.c): one
	 * row per crossing, claimed once across processes and hosts by its key,
	 * with its delivery (pending until a target took it, retried with
	 * backoff under a lease); and the statuses the proxy answered, per
	 * minute, for the errors rule. The target is a fingerprint: a webhook
	 * URL is never stored. IF NOT EXISTS: a file whose version was set back
	 * migrates again. */
	"CREATE TABLE IF NOT EXISTS alert ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"          /* rule id | kind | what | window or level */
	"  rule INTEGER NOT NULL,"             /* index of the rule in the config */
	"  target TEXT NOT NULL,"              /* webhook#1a2b3c4d, command#…, never the URL */
	"  kind TEXT NOT NULL,"                /* budget, burn_rate, errors, batch, unpriced, test */
	"  text TEXT NOT NULL,"
	"  fields TEXT NOT NULL DEFAULT '{}'," /* every figure, JSON */
	"  status TEXT NOT NULL,"              /* pending, delivered, failed, passed, quiet */
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL,"
	"  next_ms INTEGER NOT NULL DEFAULT 0,"  /* a retry is due from then */
	"  lease_ms INTEGER NOT NULL DEFAULT 0," /* a process is sending it until then */
	"  delivered_ms INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE INDEX IF NOT EXISTS alert_due ON alert(status, next_ms);"
	"CREATE TABLE IF NOT EXISTS proxy_status_minute ("
	"  minute INTEGER NOT NULL,"           /* floor(ts_ms / 60000) */
	"  status INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL,"
	"  PRIMARY KEY (minute, status)"
	") WITHOUT ROWID;",
	/* 15 → 16: a batch create intent's provider, and its random token (issue
	 * 15): OpenAI's create carries the token in the batch's metadata, so a
	 * lost answer is adopted exactly, and the uploaded input file is named
	 * after it, so a file no batch used can be found and deleted. A batch's
	 * errors (OpenAI: why it failed validation). */
	"-- column batch_intent provider\n"
	"ALTER TABLE batch_intent ADD COLUMN provider TEXT NOT NULL DEFAULT 'anthropic';"
	"ALTER TABLE batch_intent ADD COLUMN token TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE batch ADD COLUMN errors TEXT NOT NULL DEFAULT '';",
	/* 16 → 17: issue 16. Server tools (api-notes §9): each row's web search,
	 * web fetch and code execution counts, and the rollups' web search and
	 * code execution sums (the tool cost is priced from them like tokens,
	 * by the price in force at the cell's time). Attribution: a coding
	 * agent's project and git branch, the proxy's API key fingerprint, and
	 * their rollups per UTC hour × model × project (rollup_hp) or key
	 * (rollup_hk) × flags × routed, kept like rollup_hm and rebuilt from it
	 * (every row so far has neither). A file set back that has the columns
	 * has had all of it ("-- column", store.c). */
	"-- column usage web_search_requests\n"
	"ALTER TABLE usage ADD COLUMN web_search_requests INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE usage ADD COLUMN web_fetch_requests INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE usage ADD COLUMN code_execution_requests INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE usage ADD COLUMN project TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE usage ADD COLUMN git_branch TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE usage ADD COLUMN key_fp TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE rollup_hour ADD COLUMN web_search INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_hour ADD COLUMN code_exec INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_hm ADD COLUMN web_search INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_hm ADD COLUMN code_exec INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_dm ADD COLUMN web_search INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_dm ADD COLUMN code_exec INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_dt ADD COLUMN web_search INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_dt ADD COLUMN code_exec INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_ds ADD COLUMN web_search INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_ds ADD COLUMN code_exec INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_batch ADD COLUMN web_search INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_lt ADD COLUMN web_search INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rollup_lt ADD COLUMN code_exec INTEGER NOT NULL DEFAULT 0;"
	ATTR_ROLLUP("rollup_hp", "project")
	ATTR_ROLLUP("rollup_hk", "key_fp")
	ATTR_FILL("rollup_hp", "project")
	ATTR_FILL("rollup_hk", "key_fp"),
	/* 17 → 18: issue 13, every row knows its host. The column's default is
	 * the host that migrates ('@HOST@': store.c writes it in as a quoted
	 * literal), so every older row is this machine's without rewriting the
	 * table (writers always name the host). An index for a host filter over
	 * time; per UTC day (rollup_dh) and per UTC hour (rollup_hh) × model ×
	 * host × flags × routed, the tables of a report by or filtered by host
	 * (as rollup_dm and rollup_hm are of the others), first filled from
	 * rollup_dm and rollup_hm (every row so far is this host's); per host, its last row's
	 * time and its request count (host_seen), kept in the writing
	 * transaction like the rollups. A file set back that has the column has
	 * had all of it ("-- column", store.c). */
	"-- column usage host\n"
	"ALTER TABLE usage ADD COLUMN host TEXT NOT NULL DEFAULT '@HOST@';"
	"CREATE INDEX IF NOT EXISTS usage_host ON usage(host, ts_ms);"
	ATTR_ROLLUP("rollup_dh", "host")
	"DELETE FROM rollup_dh;"
	"INSERT INTO rollup_dh (hour, model, host, flags, routed, requests, input, write_5m,"
	"  write_1h, cache_read, output, compressed_tokens, max_tokens_stops, reasoning,"
	"  web_search, code_exec)"
	"  SELECT hour, model, '@HOST@', flags, routed, requests, input, write_5m, write_1h,"
	"  cache_read, output, compressed_tokens, max_tokens_stops, reasoning, web_search,"
	"  code_exec FROM rollup_dm;"
	ATTR_ROLLUP("rollup_hh", "host")
	"DELETE FROM rollup_hh;"
	"INSERT INTO rollup_hh (hour, model, host, flags, routed, requests, input, write_5m,"
	"  write_1h, cache_read, output, compressed_tokens, max_tokens_stops, reasoning,"
	"  web_search, code_exec)"
	"  SELECT hour, model, '@HOST@', flags, routed, requests, input, write_5m, write_1h,"
	"  cache_read, output, compressed_tokens, max_tokens_stops, reasoning, web_search,"
	"  code_exec FROM rollup_hm;"
	"CREATE TABLE IF NOT EXISTS host_seen ("
	"  host TEXT PRIMARY KEY,"
	"  last_ms INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL"
	");"
	"DELETE FROM host_seen;"
	"INSERT INTO host_seen (host, last_ms, requests)"
	"  SELECT host, max(ts_ms), count(*) FROM usage GROUP BY host;",
	/* 18 → 19 (issue 16):
	 * - the lifetime rollup split by routed too (rollup_lt: model × source ×
	 *   tag × flags × routed, rebuilt from rollup_hour), so `tokentop
	 *   exporter` groups its cells as `report models --source` groups rows
	 *   and prices them to the report's nano-dollar from a few thousand
	 *   cells (data/metrics.c);
	 * - the proxy's statuses per minute by provider too ("anthropic",
	 *   "openai", "other": tokentop_proxy_requests_total's label), so the
	 *   errors rule judges each provider as the proxy's metrics count it.
	 *   Earlier counts keep provider "" (a few minutes' worth; the rule
	 *   reads five).
	 * Both tables are rebuilt (a key changes) whatever their columns, so a
	 * ledger whose version was set back migrates again (its proxy counts of
	 * a few minutes become provider ""). */
	"CREATE TABLE rollup_lt_r ("
	"  model TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  tag TEXT NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  routed INTEGER NOT NULL DEFAULT 0,"  /* 0 when migration 14 runs again */
	"  requests INTEGER NOT NULL,"
	"  input INTEGER NOT NULL,"
	"  write_5m INTEGER NOT NULL,"
	"  write_1h INTEGER NOT NULL,"
	"  cache_read INTEGER NOT NULL,"
	"  output INTEGER NOT NULL,"
	"  compressed_tokens INTEGER NOT NULL,"
	"  max_tokens_stops INTEGER NOT NULL,"
	"  reasoning INTEGER NOT NULL,"
	"  web_search INTEGER NOT NULL DEFAULT 0,"
	"  code_exec INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (model, source, tag, flags, routed)"
	") WITHOUT ROWID;"
	"INSERT INTO rollup_lt_r (model, source, tag, flags, routed, requests, input, write_5m,"
	"  write_1h, cache_read, output, compressed_tokens, max_tokens_stops, reasoning,"
	"  web_search, code_exec)"
	"  SELECT model, source, tag, flags, CASE WHEN tier <> '' THEN 1 ELSE 0 END, sum(requests),"
	"  sum(input), sum(write_5m), sum(write_1h), sum(cache_read), sum(output),"
	"  sum(compressed_tokens), sum(max_tokens_stops), sum(reasoning), sum(web_search),"
	"  sum(code_exec) FROM rollup_hour GROUP BY model, source, tag, flags, 5;"
	"DROP TABLE rollup_lt;"
	"ALTER TABLE rollup_lt_r RENAME TO rollup_lt;"
	"CREATE TABLE proxy_status_minute_p ("
	"  minute INTEGER NOT NULL,"
	"  provider TEXT NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  requests INTEGER NOT NULL,"
	"  PRIMARY KEY (minute, provider, status)"
	") WITHOUT ROWID;"
	"INSERT INTO proxy_status_minute_p (minute, provider, status, requests)"
	"  SELECT minute, '', status, requests FROM proxy_status_minute;"
	"DROP TABLE proxy_status_minute;"
	"ALTER TABLE proxy_status_minute_p RENAME TO proxy_status_minute;",
	/* 19 → 20: per UTC month (hour = (year - 1970) × 12 + month - 1) ×
	 * model × flags × routed (rollup_mm) and × source × tag as well
	 * (rollup_mx), so a monthly, model or total report of a long history
	 * reads a few cells a month, and a tag or source report (filtered by
	 * either or both) a few hundred, not a cell per day or per hour (issue
	 * 12). Kept like rollup_dm; rebuilt from rollup_dm and rollup_hour (IF
	 * NOT EXISTS, as above: a file whose version was set back). */
	MONTH_ROLLUP("rollup_mm", "", "")
	MONTH_ROLLUP("rollup_mx", " source TEXT NOT NULL, tag TEXT NOT NULL,", " source, tag,")
	"DELETE FROM rollup_mm;"
	"INSERT INTO rollup_mm (hour, model, flags, routed, " MONTH_SUMS ")"
	"  SELECT " MONTH_OF_DAY("hour") " AS m, model, flags, routed, " MONTH_SUMSUM
	"  FROM rollup_dm GROUP BY m, model, flags, routed;"
	"DELETE FROM rollup_mx;"
	"INSERT INTO rollup_mx (hour, model, source, tag, flags, routed, " MONTH_SUMS ")"
	"  SELECT " MONTH_OF_DAY("((hour - ((hour % 24) + 24) % 24) / 24)") " AS m, model, source,"
	"  tag, flags, tier <> '' AS r, " MONTH_SUMSUM
	"  FROM rollup_hour GROUP BY m, model, source, tag, flags, r;",
	/* 20 → 21 (issue 16): the lifetime rollup (rollup_lt) and the day
	 * rollup by source (rollup_ds) by host too, so one exporter over a
	 * fleet's ledger labels each series with the host that wrote its rows
	 * and prices each model × source × host as `report models --source S
	 * --host H` does. A ledger of one host so far (host_seen) keeps its
	 * cells, now that host's (exact, cheap; summed over the host column a
	 * file set back may have); a fleet's are rebuilt from the rows
	 * (MIG11_FLAGS is store_row_flags(); one scan of usage). Both
	 * tables are rebuilt under new keys, so a ledger whose version was set
	 * back migrates again. */
	MIG21_BY_HOST,
	/* 21 → 22 (issue 12): no index of the rows by host. Every report by
	 * host reads the host rollups (rollup_dh, rollup_hh, rollup_ds,
	 * rollup_lt, host_seen); the few raw rows a report reads (the parts of
	 * hours) are found by time (usage_ts) and filtered by host. The index
	 * cost every row written a fifth B-tree insert (~10% of an import's
	 * writing). */
	"DROP INDEX IF EXISTS usage_host;",
	/* 22 → 23 (issue 12): days that start at another UTC hour (rollup_do:
	 * off 3, 6, ... 21, hour = the cell's first UTC hour, hour % 24 = off)
	 * × model × flags × routed, so a daily, weekly or monthly report in a
	 * zone whose midnight is off:00 UTC (Asia/Seoul: 15) reads one cell
	 * group a local day, and in any other at most an hour more, not a UTC
	 * day and the hours it shares with the next. Kept like rollup_dm;
	 * rebuilt from rollup_hm (IF NOT EXISTS and DELETE: a file whose
	 * version was set back). */
	MIG23_LOCAL_DAYS,
	/* 23 → 24 (issue 12): PostgreSQL's rollup_do gains a day start every
	 * UTC hour (db.h's do_step); SQLite's keeps every third, which costs an
	 * import less than the hour a day it saves a report. Both gain the
	 * writer's generation, gen (store_int.h's ROLLUP_DO_GEN: the statement
	 * is one), which only PostgreSQL's checks. */
	"-- column rollup_do gen\n"
	"ALTER TABLE rollup_do ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;",
	/* 24 → 25 (issue 12): PostgreSQL's rollup_do gains the days that start
	 * at :15 and :30 (db.h's do_part); SQLite's has none (it reads the
	 * quarters a day moves from rollup_hq, at little cost): nothing
	 * changes here. */
	"SELECT 1;",
};
const int store_nmigrations = (int)(sizeof(store_migrations) / sizeof(store_migrations[0]));
