/* store.h — the ledger's store: the only interface to SQL.
 *
 * core/ and tui/ see only these functions and plain structs. Behind them one
 * query layer (the data/ files) runs on a driver (data/db.h) chosen by the target:
 * a postgres:// or postgresql:// URI is a PostgreSQL ledger, anything else
 * a SQLite file. Every function returns 0 on success and -1 on failure with
 * a one-line reason in err (never printed here, never holding a password).
 * Times are UTC milliseconds since the epoch.
 */
#ifndef TOKENTOP_STORE_H
#define TOKENTOP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/pricing.h"
#include "core/usage.h"

struct store;

/* ---- opening ------------------------------------------------------------ */

#define STORE_TARGET_MAX 4096

/*
 * Open the ledger at target and migrate it forward to the current schema
 * (under the backend's migration lock: many processes opening a fresh
 * ledger at once migrate it once).
 * - A path (or ":memory:"): a SQLite file, created with mode 0600 (its
 *   parent directory 0700), in WAL mode with a busy timeout and foreign keys
 *   on; the version in PRAGMA user_version.
 * - postgres://… or postgresql://…: a PostgreSQL database (everything libpq
 *   accepts: sslmode, .pgpass, PGPASSWORD…); the version in the table
 *   tokentop_schema, migrations under pg_advisory_xact_lock.
 * The caller frees with store_close. NULL + err on failure (including a
 * ledger from a newer tokentop; err never holds the password).
 */
struct store *store_open(const char *target, char *err, size_t errlen);
/*
 * store_open for the host host (NULL or "": config_default_host's, as
 * store_open): rows are stamped with it (store_set_host), and a ledger
 * migrated to the version that records hosts has its older rows set to it.
 */
struct store *store_open_host(const char *target, const char *host, char *err,
                              size_t errlen);

/*
 * Open an existing ledger read-only, for commands that only read: nothing is
 * created, written or migrated, so a copied file, a file without write
 * permission or one on a read-only mount works (PostgreSQL: a session whose
 * transactions are read-only). When the normal read-only open cannot read a
 * SQLite file (a WAL file whose -shm cannot be created: a read-only mount or
 * directory), it is opened as an immutable snapshot (file:PATH?immutable=1):
 * what another process writes meanwhile is not seen. NULL + err on failure;
 * *stale (may be NULL) = 1 when the only problem is a schema older than this
 * tokentop's (store_open would migrate it).
 */
struct store *store_open_ro(const char *target, int *stale, char *err, size_t errlen);
/* 0 read-write, 1 read-only, 2 read-only immutable snapshot. */
int store_readonly(const struct store *s);
void store_close(struct store *s);                 /* NULL is fine */
int  store_schema_version(struct store *s);        /* -1 on failure */
/* The target as shown to people: a URI's password masked. Borrowed. */
const char *store_path(const struct store *s);
const char *store_backend(const struct store *s);  /* "sqlite", "postgresql" */
/* Did the last failure of s lose the server (unreachable, gone away)? A
 * writer with a spool puts its rows there at once rather than retrying. */
int store_unreachable(struct store *s);

/* The syntax of a target without opening it: 0, or -1 with err naming the
 * part that is wrong (a malformed URI: a usage error). */
int store_target_check(const char *target, char *err, size_t errlen);
/* target with its password masked, into out (for messages and screens). */
void store_target_display(const char *target, char *out, size_t n);
/* Overwrite target's password in place (argv: /proc/PID/cmdline). */
void store_target_scrub(char *target);
/* Is target a file on this machine (a SQLite path)? Files that belong with
 * the ledger (batch results) go beside it; else under the user's data dir. */
int store_target_local(const char *target);

/*
 * A cheap change counter: differs from the previous call's value when any
 * other connection (another process) committed since. SQLite: PRAGMA
 * data_version, one small read. PostgreSQL: the first call LISTENs; later
 * calls only count the notifications already received (writers NOTIFY in
 * their transactions), so an idle follower sends nothing to the server.
 */
int store_data_version(struct store *s, int64_t *version, char *err, size_t errlen);

/* A descriptor that becomes readable when store_data_version may have
 * changed (PostgreSQL: the connection's socket, after the first
 * store_data_version), or -1 when the caller checks on a timer (SQLite). */
int store_wait_fd(struct store *s);

/*
 * How long a write waits for another process's transaction: attempt_ms
 * inside one try, give_up_ms in all (defaults 10 s and 120 s, for commands
 * that would rather wait than fail). A writer with somewhere else to put its
 * rows (the proxy's spool) sets them short, so it fails over quickly and its
 * memory does not grow while the lock is held. (PostgreSQL: a row lock
 * waited for longer than attempt_ms fails the statement.)
 */
void store_set_busy(struct store *s, int64_t attempt_ms, int64_t give_up_ms);

/*
 * The host rows written through s are stamped with when their own host is
 * "" (the opener passes config_host's answer: config "host", else
 * TOKENTOP_HOST, else gethostname()). Copied (truncated to
 * USAGE_HOST_MAX - 1 bytes on a UTF-8 boundary); NULL or "" keeps the one
 * the store was opened with.
 */
void store_set_host(struct store *s, const char *host);
/* The host s stamps rows with (borrowed, lives as long as s). */
const char *store_host(const struct store *s);

/* Every host that wrote a row: its last row's time and lifetime requests. */
struct store_host {
	char    host[USAGE_HOST_MAX];
	int64_t last_ms;
	int64_t requests;
};

/*
 * Every host with its last row's time (ms) and its lifetime request count,
 * ordered by host. Cheap: a small table (host_seen) kept in the writing
 * transaction, not a scan of usage. The caller frees *out with free().
 * 0, or -1 + err.
 */
int store_hosts_seen(struct store *s, struct store_host **out, size_t *n, char *err,
                     size_t errlen);

/* Explicit transactions for bulk work (imports, results ingestion). begin is
 * a write transaction: SQLite's BEGIN IMMEDIATE, retried while another
 * writer holds the lock; PostgreSQL's BEGIN (rows and rollup cells are
 * locked as they are written, so concurrent writers stay exact). */
/*
 * SQLite's page cache for this connection, in KiB (store_open sets 2 MiB:
 * enough for reports and the console). A bulk import wants more: its
 * group's dirty pages then stay in memory until the commit. (PostgreSQL:
 * nothing to set; the server's.) 0 or -1 + err.
 */
int store_cache_kib(struct store *s, int kib, char *err, size_t errlen);

/* Copy what is committed in the ledger's write-ahead log into its file now
 * (SQLite's passive checkpoint: readers and the writer go on; nothing on a
 * server). 0, or -1 + err. */
int store_checkpoint(struct store *s, char *err, size_t errlen);
/* How long (KiB) the log may grow before s's commits copy it themselves:
 * 0 leaves it all to another connection's store_checkpoint (and to the
 * last connection's close); STORE_WAL_AUTO is SQLite's own (4 MB). 0, or
 * -1 + err. */
#define STORE_WAL_AUTO (-1)
int store_autocheckpoint(struct store *s, int kib, char *err, size_t errlen);
/* Has s's ledger a write-ahead log that another connection can copy
 * (store_checkpoint): a SQLite file, not a server or memory? */
int store_wal(const struct store *s);

int store_begin(struct store *s, char *err, size_t errlen);
int store_commit(struct store *s, char *err, size_t errlen);
void store_rollback(struct store *s);

/* ---- the ledger --------------------------------------------------------- */

enum store_put {
	STORE_ADDED = 0,     /* a new row */
	STORE_DUPLICATE,     /* already there (same dedupe key), nothing changed */
	STORE_REPLACED,      /* same key, this copy has a larger token total: replaced */
};

/*
 * Insert one usage row idempotently and keep the rollups current in the same
 * transaction (its own, unless inside store_begin/commit). Dedupe key, in
 * order: message_id ("msg:ID"), else request_id ("req:ID"), else batch_id +
 * custom_id; a row with none of them is always added. On a duplicate key the
 * copy with the larger usage_total() wins (ties: the non-sidechain copy).
 * *result (may be NULL) says which happened.
 */
int store_insert_usage(struct store *s, const struct usage *u, enum store_put *result,
                       char *err, size_t errlen);

/*
 * The same for a long transaction of many rows (an import; inside
 * store_begin .. store_commit, not inside an operation): the row waits in
 * memory, where later copies of the same response settle against it with no
 * SQL, and is written, in the order rows came, at store_commit, before any
 * other operation, or when a few thousand wait. The ledger ends exactly as
 * store_insert_usage row by row would leave it, and *result is what that
 * would have said. 0, or -1 + err (then roll the transaction back).
 */
int store_put_bulk(struct store *s, const struct usage *u, enum store_put *result,
                   char *err, size_t errlen);

/* Rows in the ledger (all sources). */
int store_count_usage(struct store *s, int64_t *n, char *err, size_t errlen);
/* Is there any usage row at all? (cheap: the first row) 0, or -1 with err. */
int store_has_usage(struct store *s, int *yes, char *err, size_t errlen);

/* Calls every row with since_ms <= ts < until_ms (0 = unbounded), oldest
 * first; stop early by returning non-zero from fn. The usage is borrowed for
 * the call. */
int store_each_usage(struct store *s, int64_t since_ms, int64_t until_ms,
                     int (*fn)(const struct usage *u, void *arg), void *arg,
                     char *err, size_t errlen);
/* As store_each_usage, in no particular order, each row holding only what
 * prices it (time, model, provider, source, tier, speed, region, tokens,
 * compressed tokens, web searches, ts_import) and its tag and host, the
 * rest zero: a sixth of the columns (the console's last hour, a few
 * thousand rows on a busy ledger, from a server). */
int store_each_priced(struct store *s, int64_t since_ms, int64_t until_ms,
                      int (*fn)(const struct usage *u, void *arg), void *arg,
                      char *err, size_t errlen);

/* ---- reports ------------------------------------------------------------ */

enum report_group {
	REPORT_DAY,     /* key "2026-11-28" (local time, see below) */
	REPORT_WEEK,    /* key "2026-W48" (ISO week) */
	REPORT_MONTH,   /* key "2026-11" */
	REPORT_HOUR,    /* key "2026-11-28 14" */
	REPORT_MODEL,   /* key model id as recorded */
	REPORT_SOURCE,  /* key call/batch/import/proxy */
	REPORT_TAG,     /* key tag, "" for untagged */
	REPORT_TOTAL,   /* no rows, totals only */
	REPORT_MODEL_TIER, /* key "MODEL\tTIER" (tier "" when not routed): output caps */
	REPORT_PROVIDER,   /* key anthropic/openai */
	REPORT_PROJECT, /* key a coding agent's project, "" for rows without one */
	REPORT_KEY,     /* key the API key fingerprint (proxy rows), "" for none */
	REPORT_HOST,    /* key the host that wrote the row */
};

struct report_query {
	enum report_group group;
	int64_t     since_ms;        /* inclusive; 0 = from the beginning */
	int64_t     until_ms;        /* exclusive; 0 = up to now and beyond */
	const char *model;           /* filters; NULL or "" = all. model matches rows
	                                whose id resolves to the same price entry
	                                (dated and undated ids alike), equals it, or
	                                is it plus a "-YYYYMMDD" date */
	const char *tag;
	const char *source;
	const char *provider;        /* "anthropic", "openai"; NULL or "" = all */
	const char *baseline_model;  /* for routing savings; NULL = none */
	const char *host;            /* the host that wrote the rows; NULL or "" = all.
	                                Compared as rows keep hosts (made safe the way
	                                store_set_host makes them), so a name is found
	                                as the user typed it */
};

struct report_row {
	char          key[USAGE_HOST_MAX];  /* the group key (a host: up to 255 bytes) */
	int64_t       requests;
	struct tokens tok;
	int64_t       cost_nanos;        /* of the priced rows only: tokens and tools */
	int64_t       tool_cost_nanos;   /* …of which server tools (web search) */
	int64_t       web_search_requests;
	int64_t       code_execution_requests;  /* counted, not priced */
	int64_t       unpriced_requests; /* requests of models without a price */
	struct savings saved;
	int64_t       max_tokens_stops;  /* responses that stopped on max_tokens */
	int64_t       compressed_tokens;
	int64_t       reasoning_tokens;  /* OpenAI's, inside tok.output (display only) */
	int           provider;          /* enum provider_id of the row's tokens, or: */
#define REPORT_PROVIDER_NONE  (-1)       /* no tokens yet */
#define REPORT_PROVIDER_MIXED (-2)       /* tokens of several providers */
};

struct report {
	struct report_row *rows;      /* ordered: periods ascending; groups by cost desc */
	size_t             nrows;
	struct report_row  totals;    /* key "" */
	char             **unpriced;  /* distinct unpriced model ids, sorted */
	size_t             nunpriced;
};

/*
 * Aggregate the ledger for q. Periods use the process's local time zone
 * (the caller sets TZ and calls tzset() for --tz). Cost and savings come from
 * pricing over the summed tokens (and server tool uses), each hour or day
 * priced by the entries in force then (pricing "since" dates), so a price
 * change reprices everything without re-import. Reads the rollups, so the cost does not grow with the
 * number of rows (hours split between two local periods — zones with :30
 * offsets — and bounds inside an hour are read from the raw rows, so the
 * figures stay exact). A query by host or of one host reads the day and
 * hour rollups per host (rollup_dh, rollup_hh) where its grouping allows
 * (host, a period, model, provider, total; no tag or source filter), and
 * the rows through their (host, ts_ms) index otherwise. p may be NULL
 * (everything unpriced). The caller frees out with store_report_free.
 */
int store_report(struct store *s, const struct pricing *p, const struct report_query *q,
                 struct report *out, char *err, size_t errlen);
void store_report_free(struct report *r);      /* NULL fine; leaves r zeroed */

/* Cache hit ratio of a bucket set: read / (input + writes + read); 0 when empty.
 * In per-mille for integer display (705 = 70.5%). */
int64_t report_hit_permille(const struct tokens *t);

/* Spend (priced nanos) and requests in since_ms <= ts < until_ms of rows
 * with tag (NULL = every row), from the raw rows: the console's rate over
 * the last hour. Rows stamped with the import time (usage.ts_import) are
 * no rate: they are left out, and their spend goes to *imported_nanos
 * (may be NULL). */
int store_spend_between(struct store *s, const struct pricing *p, const char *tag,
                        int64_t since_ms, int64_t until_ms, int64_t *nanos, int64_t *requests,
                        int64_t *imported_nanos, char *err, size_t errlen);

/* Responses that stopped on max_tokens, per model and routing tier, so a
 * user sees when a cap is too tight. */
struct stop_row {
	char    model[USAGE_MODEL_MAX];
	char    tier[16];             /* "" = not routed */
	int64_t requests;
	int64_t max_tokens_stops;
};

/*
 * Stops per (model, tier) over the UTC hours that start in [since_ms,
 * until_ms) (0 = unbounded; read from the rollup, so bounds are hour
 * granular), ordered by stops desc, then model, tier. The caller frees *out
 * with free().
 */
int store_max_tokens_stops(struct store *s, int64_t since_ms, int64_t until_ms,
                           struct stop_row **out, size_t *n, char *err, size_t errlen);

/* ---- metrics (data/metrics.c, for `tokentop exporter`) ------------------ */

/* Lifetime sums of one label set: provider × model × source × host (× tag). */
struct store_metric_cell {
	char          provider[16];
	char          model[USAGE_MODEL_MAX];   /* the price table's id when priced (dated
	                                           and undated ids together, as report
	                                           models), else the id as recorded */
	char          source[16];
	char          host[USAGE_HOST_MAX];     /* the host that wrote the rows */
	char          tag[USAGE_TAG_MAX];       /* "" unless read with tags */
	int64_t       requests;
	struct tokens tok;
	int64_t       cost_nanos;               /* of the priced requests */
	int64_t       unpriced_requests;
};

struct store_metric_batch {
	char    provider[16];
	char    status[16];                     /* in_progress, canceling, ended */
	int64_t count;
};

struct store_metrics {
	struct store_metric_cell  *cells;       /* by model, provider, source, host, tag */
	size_t                     ncells;
	struct store_metric_batch *batches;     /* by provider, status */
	size_t                     nbatches;
};

/*
 * Everything the exporter counts, from the rollups (never the raw rows) and
 * the batch table, in one read snapshot. Each model × source × host's cost
 * is `report models --source S --host H`'s to the nano-dollar, web searches
 * included (the lifetime rollup with undated prices, the day rollup by
 * source with dated ones; both by host); with with_tag the cells are split by tag too (data/metrics.c
 * says how a tag's cost is found). p may be NULL (everything unpriced). The
 * caller frees out with store_metrics_free. 0, or -1 with err.
 */
int store_metrics_read(struct store *s, const struct pricing *p, int with_tag,
                       struct store_metrics *out, char *err, size_t errlen);
void store_metrics_free(struct store_metrics *m);   /* NULL fine; leaves m zeroed */

/* ---- rate-limit headroom (data/limits.c) ---------------------------- */

#include "core/keyfp.h"
#include "core/ratelimit.h"

#define STORE_REJECT_KEEP_MS (24LL * 3600 * 1000)   /* 429 counts older than this go */

/*
 * What one response said about a rate limit: the figures of every kind rl
 * holds (ratelimit.h; a kind with neither limit nor remaining is left as it
 * was; an unknown figure keeps the stored one), and rejected 429 answers
 * (0 or more) in the UTC minute of ts_ms. provider, model (ratelimit_model_key) and key (a
 * keyfp_make fingerprint, never a key; "" = none) name the row. An older
 * response (ts_ms below the row's) changes nothing. One transaction; 429
 * counts older than STORE_REJECT_KEEP_MS are dropped. 0 or -1 + err.
 */
int store_ratelimit_put(struct store *s, const char *provider, const char *model,
                        const char *key, const struct ratelimit *rl, int64_t rejected,
                        int64_t ts_ms, char *err, size_t errlen);

/* One row of `report limits`: the latest figures of a provider × model ×
 * key × kind (kind "" when only 429s are known: then every figure is -1). */
struct store_ratelimit_row {
	char    provider[16];
	char    model[USAGE_MODEL_MAX];
	char    key[KEYFP_MAX];
	char    kind[16];
	int64_t limit, remaining, reset_ms;   /* -1 = not known */
	int64_t updated_ms;
	int64_t rejected_last_hour;           /* 429s of this provider × model × key in
	                                         the hour before now_ms */
};

/* Every row, by provider, model, key, then kind (requests, tokens,
 * input_tokens, output_tokens, ""). The caller frees *out with free().
 * 0 or -1 + err. */
int store_ratelimit_list(struct store *s, int64_t now_ms, struct store_ratelimit_row **out,
                         size_t *n, char *err, size_t errlen);

/* ---- budget alerts ------------------------------------------------------ */

/*
 * Claim the budget crossing key (core/budget.h budget_alert_key): *first = 1
 * when this is the first claim ever (announce it), 0 when already claimed.
 * Atomic across processes (one INSERT OR IGNORE; busy waits as any write).
 */
int store_alert_claim(struct store *s, const char *key, int64_t now_ms, int *first,
                      char *err, size_t errlen);

/* ---- alerts of the config's rules (data/alerts.c) ----------------------------
 * One row per crossing (core/alert.h gives its key). Status: pending (to
 * send; a failed attempt stays pending with a later next_ms), delivered,
 * failed (given up), passed (a lower level reached together with a higher
 * one, which alone is sent), quiet (the same episode as the window before).
 */
struct alert_rec {
	int64_t id;
	char    key[256];
	int     rule;             /* index of the rule in the config */
	char    target[32];       /* the target's fingerprint, never the URL */
	char    kind[16];         /* budget, burn_rate, errors, batch, unpriced, test */
	char    text[512];
	char    fields[2048];     /* JSON object of the figures */
	char    status[12];
	int64_t attempts, created_ms, next_ms, delivered_ms;
	char    last_error[256];
};

/*
 * Raise one crossing: a[0..n) are its levels, lowest first (one for most
 * kinds). In one transaction every level is claimed (INSERT OR IGNORE by
 * key); the highest newly claimed becomes pending and *raised its index,
 * the other new ones are kept as passed; *raised = -1 when none was new.
 * When after is not "" and a row with that key exists, the new rows are
 * quiet (a continuing episode) and *raised = -1.
 */
int store_alert_raise(struct store *s, const struct alert_rec *a, size_t n, const char *after,
                      int64_t now_ms, int *raised, char *err, size_t errlen);
/* Pending alerts due at now_ms (all: whatever their backoff) and not
 * leased, oldest first, up to max. */
int store_alert_due(struct store *s, int64_t now_ms, int all, struct alert_rec *out,
                    size_t max, size_t *n, char *err, size_t errlen);
/* Take alert id to send it until until_ms (counts an attempt): *got = 1
 * for the one process that took it (all: even before its backoff ends;
 * never while another process's lease runs). */
int store_alert_lease(struct store *s, int64_t id, int64_t now_ms, int64_t until_ms, int all,
                      int *got, char *err, size_t errlen);
/* The attempt's outcome: delivered, or pending again from next_ms with
 * error (give_up: failed for good). error must not hold a secret. */
int store_alert_result(struct store *s, int64_t id, int ok, const char *error, int64_t now_ms,
                       int64_t next_ms, int give_up, char *err, size_t errlen);
/* The latest max alerts (not passed or quiet), newest first. */
int store_alert_list(struct store *s, size_t max, struct alert_rec *out, size_t *n, char *err,
                     size_t errlen);

/* The proxy's answers: add requests of status to provider's count in
 * minute (ts / 60000). provider: tokentop_proxy_requests_total's label
 * (pmetrics_provider_label: "anthropic", "openai", "other"). */
int store_proxy_status_add(struct store *s, int64_t minute, const char *provider, int status,
                           int64_t requests, char *err, size_t errlen);

/* Since since_minute, per provider (by name; at most max, the rest not
 * read): all answers and the 429 + 5xx ones. 0, or -1 + err. */
struct store_status_sum {
	char    provider[16];
	int64_t requests, errors;
};
int store_proxy_status_sums(struct store *s, int64_t since_minute, struct store_status_sum *out,
                            size_t max, size_t *n, char *err, size_t errlen);

/* ---- import progress ---------------------------------------------------- */

struct import_mark {
	int64_t size;      /* file size when last read */
	int64_t mtime_ns;  /* modification time when last read */
	int64_t offset;    /* bytes consumed (always at a line boundary) */
	int64_t line;      /* lines consumed */
	int64_t dev, ino;  /* the file's device and inode (0: not known, an older mark) */
	int64_t head_len;  /* bytes of the file's start that head_hash covers */
	int64_t head_hash; /* their hash (core/import.h import_hash) */
};

/* Where the last import of path stopped; *found = 0 when never read. */
int store_import_mark_get(struct store *s, const char *path, struct import_mark *m,
                          int *found, char *err, size_t errlen);
int store_import_mark_set(struct store *s, const char *path, const struct import_mark *m,
                          char *err, size_t errlen);
/* fn for every mark in the ledger (one statement: an import reads them all
 * before its first file); fn's non-zero stops it as out of memory. 0, or -1
 * + err. The path and mark are borrowed for the call. */
int store_import_marks_each(struct store *s,
                            int (*fn)(void *arg, const char *path, const struct import_mark *m),
                            void *arg, char *err, size_t errlen);

/* ---- batches ------------------------------------------------------------ */

struct batch_counts {
	int64_t processing, succeeded, errored, canceled, expired;
};

struct batch_rec {
	char    id[USAGE_ID_MAX];
	char    provider[12];          /* anthropic, openai ("" = anthropic) */
	char    status[16];            /* in_progress, canceling, ended */
	char    input_file[1024];      /* the JSONL it was built from */
	char    results_file[1024];    /* where results were saved, "" until then */
	char    results_url[512];
	char    models[256];           /* comma-separated distinct models */
	char    tag[USAGE_TAG_MAX];
	int64_t requests;
	int64_t est_low_nanos, est_high_nanos;
	int64_t created_ms, expires_ms, ended_ms, cancel_ms;
	struct batch_counts counts;    /* as last reported by the API */
	char    errors[512];           /* OpenAI: why the batch failed validation, "" */
	int     ingested;              /* 1 once every result line is in the store */
	int64_t actual_nanos;          /* cost of ingested succeeded rows (filled by reads) */
};

/* Insert or update a batch by id (all fields but actual_nanos). On update,
 * empty strings and zero times/estimates in b keep the stored values (a
 * poller that only knows the API's view erases nothing); counts are replaced;
 * ingested never goes back to 0. */
int store_batch_put(struct store *s, const struct batch_rec *b, char *err, size_t errlen);
/* One batch; *found = 0 when unknown. */
int store_batch_get(struct store *s, const struct pricing *p, const char *id,
                    struct batch_rec *b, int *found, char *err, size_t errlen);
/*
 * Batches for display: every unfinished one (not ended, or ended with
 * results not yet ingested), newest created first, then the most recent
 * ended-and-ingested ones up to `recent` (negative = all), latest end first.
 * actual_nanos is filled when p is not NULL. The caller frees *out with free().
 */
int store_batch_list(struct store *s, const struct pricing *p, int recent,
                     struct batch_rec **out, size_t *n, char *err, size_t errlen);

/*
 * One result line's outcome, recorded exactly once per (batch, custom_id):
 * type is succeeded/errored/canceled/expired; error is the message of an
 * errored result (may be NULL). For a succeeded result, u is its usage row
 * (inserted idempotently in the same transaction); NULL otherwise.
 * *dup = 1 when this custom_id was already recorded. The batch need not be
 * in the batch table (results imported for a batch tokentop did not launch).
 */
int store_batch_result(struct store *s, const char *batch_id, const char *custom_id,
                       const char *type, const char *error, const struct usage *u,
                       int *dup, char *err, size_t errlen);
/* Outcome counts as recorded from results (not from the API). */
int store_batch_result_counts(struct store *s, const char *batch_id,
                              struct batch_counts *c, char *err, size_t errlen);
/* Errored results' custom_id and message, up to max; caller frees each
 * string and the arrays with free(). */
int store_batch_errors(struct store *s, const char *batch_id, size_t max,
                       char ***custom_ids, char ***messages, size_t *n,
                       char *err, size_t errlen);
/* Mark a batch fully ingested. */
int store_batch_set_ingested(struct store *s, const char *batch_id, const char *results_file,
                             char *err, size_t errlen);

/* ---- batch create intents (data/intents.c) --------------------------------
 * A create is recorded as an intent BEFORE it is sent; once the batch is
 * known (the create answered, or the batch was found in the API's list and
 * adopted) the batch row and the intent's status change in one transaction.
 */

struct batch_intent {
	int64_t id;                    /* local id (filled by store_intent_add) */
	int64_t created_ms;            /* when the create was sent, UTC ms */
	int64_t requests;              /* requests in the create body */
	int64_t bytes;                 /* bytes of the create body */
	char    input_file[1024];
	int     part;                  /* 1-based part of input_file */
	char    tag[USAGE_TAG_MAX];
	char    models[256];
	int64_t est_low_nanos, est_high_nanos;
	char    status[16];            /* pending, created, abandoned */
	char    batch_id[USAGE_ID_MAX];/* "" until known */
	int     owner_pid;             /* the process that sends the create */
	char    provider[12];          /* anthropic ("" on add), openai */
	char    token[40];             /* random, "" for Anthropic's: OpenAI's create
	                                  carries it in metadata (exact adoption) and
	                                  its uploaded file is named after it */
};

/* Record a pending intent (status and batch_id of in are ignored); fills
 * in->id and in->status. 0 or -1 + err. */
int store_intent_add(struct store *s, struct batch_intent *in, char *err, size_t errlen);

/*
 * The intent's batch is known: in ONE transaction store b (store_batch_put,
 * with the intent's input file, tag, models, requests and estimates filling
 * what b leaves empty) and mark the intent created with b->id. adopt = 1
 * when b was found in the API's list rather than answered to this create:
 * then a batch already in the ledger is not taken (*taken = 1, nothing is
 * written). taken may be NULL when adopt is 0. 0 or -1 + err.
 */
int store_intent_created(struct store *s, int64_t intent_id, const struct batch_rec *b,
                         int adopt, int *taken, char *err, size_t errlen);

/* Mark an intent abandoned (the create surely made no batch). */
int store_intent_abandon(struct store *s, int64_t intent_id, char *err, size_t errlen);

/* One intent; *found = 0 when unknown. */
int store_intent_get(struct store *s, int64_t intent_id, struct batch_intent *in, int *found,
                     char *err, size_t errlen);

/* Delete the settled intents (created or abandoned) sent before before_ms;
 * pending ones stay whatever their age. *removed (may be NULL) = how many. */
int store_intent_prune(struct store *s, int64_t before_ms, int64_t *removed, char *err,
                       size_t errlen);

/* Every pending intent, oldest first. The caller frees *out with free(). */
int store_intent_pending(struct store *s, struct batch_intent **out, size_t *n,
                         char *err, size_t errlen);

/* Is a batch with this id in the ledger? 0 with *found, or -1 + err. */
int store_batch_known(struct store *s, const char *id, int *found, char *err, size_t errlen);

/* ---- spool marks (data/spool_mark.c) ------------------------------------
 * The ledger's side of data/spool.h: per spool (its id), the sequence
 * number of the last spooled row this ledger took. Read and set inside
 * store_begin .. store_commit, with the rows the mark covers: the read
 * locks the mark (SQLite: the transaction holds the write lock from its
 * start; PostgreSQL: the row is read FOR UPDATE), so two flushers never
 * both apply a row.
 */
int store_spool_mark_get(struct store *s, const char *spool_id, int64_t *seq, char *err,
                         size_t errlen);     /* 0 when never set */
int store_spool_mark_set(struct store *s, const char *spool_id, int64_t seq, char *err,
                         size_t errlen);

/* ---- the organisation's own numbers (issue 6: tokentop sync; data/org.c) -- */

#include "core/orgsync.h"

/*
 * Replace the organisation rows of [since_ms, until_ms) (usage buckets of any
 * width and cost buckets that start in the range) by the nu usage and nc cost
 * records, in ONE transaction: a re-sync replaces, never doubles. Records
 * outside the range are refused (nothing is written). Records with the same
 * bucket × group are summed. Also notes the sync time (now_ms).
 */
int store_org_replace(struct store *s, int64_t since_ms, int64_t until_ms, int64_t now_ms,
                      const struct org_usage *u, size_t nu, const struct org_cost *c,
                      size_t nc, char *err, size_t errlen);
/* The same for the rows of one provider (its name: "anthropic", "openai"):
 * the others' rows in the range are left alone. store_org_replace is
 * Anthropic's. */
int store_org_replace_for(struct store *s, const char *provider, int64_t since_ms,
                          int64_t until_ms, int64_t now_ms, const struct org_usage *u,
                          size_t nu, const struct org_cost *c, size_t nc, char *err,
                          size_t errlen);

/* The last sync (Anthropic's; _for: provider's): *found = 0 when never synced. */
int store_org_last_sync(struct store *s, int64_t *synced_ms, int64_t *since_ms,
                        int64_t *until_ms, int *found, char *err, size_t errlen);
int store_org_last_sync_for(struct store *s, const char *provider, int64_t *synced_ms,
                            int64_t *since_ms, int64_t *until_ms, int *found, char *err,
                            size_t errlen);

/* Organisation totals of one UTC day or one model. */
struct org_total {
	char          key[USAGE_MODEL_MAX];  /* "2026-11-28" (UTC day) or a model id: the
	                                        price table's canonical id when priced
	                                        (dated and undated ids together) */
	struct tokens tok;                   /* from the usage report */
	int64_t       cost_nanos;            /* from the cost report */
	int64_t       priced_nanos;          /* the usage tokens priced by pricing (cross-check) */
	int64_t       unpriced_tokens;       /* tokens of models pricing does not know */
};

struct org_report {
	struct org_total *days;      /* UTC days ascending, each day with any row */
	size_t            ndays;
	struct org_total *models;    /* by cost desc, then model */
	size_t            nmodels;
	struct org_total  totals;    /* key "" */
};

/*
 * Organisation totals for buckets starting in [since_ms, until_ms) (0 =
 * unbounded), per UTC day and per model. Usage rows of service tier "batch"
 * are priced at the batch factor. p may be NULL (nothing priced). The caller
 * frees out with store_org_report_free.
 */
int store_org_report(struct store *s, const struct pricing *p, int64_t since_ms,
                     int64_t until_ms, struct org_report *out, char *err, size_t errlen);
/* The same for one provider's rows (NULL = every provider's, as
 * store_org_report). Rows are priced with their provider's entries. */
int store_org_report_for(struct store *s, const struct pricing *p, const char *provider,
                         int64_t since_ms, int64_t until_ms, struct org_report *out,
                         char *err, size_t errlen);
void store_org_report_free(struct org_report *r);   /* NULL fine; leaves r zeroed */

#endif
