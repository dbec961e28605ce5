/* store_int.h — what the data/ files share behind store.h: the connection
 * (a driver of data/db.h), its prepared statements, error and transaction
 * helpers. Only the data/ sources include this. */
#ifndef TOKENTOP_STORE_INT_H
#define TOKENTOP_STORE_INT_H

#include "data/db.h"
#include "data/store.h"

/* Prepared statements kept for the life of the connection (hot paths). */
enum store_stmt_id {
	SQ_USAGE_FIND,       /* existing row of a dedupe key */
	SQ_USAGE_INSERT,
	SQ_USAGE_UPDATE,
	SQ_ROLLUP_ADD,       /* upsert one rollup cell by a signed delta */
	SQ_ROLLUP_PRUNE,     /* drop a cell whose request count fell to 0 */
	SQ_HM_ADD,           /* the same for rollup_hm */
	SQ_HM_PRUNE,
	SQ_DM_ADD,           /* and for rollup_dm (per UTC day) */
	SQ_DM_PRUNE,
	SQ_DT_ADD,           /* per UTC day × tag (rollup_dt) */
	SQ_DT_PRUNE,
	SQ_DS_ADD,           /* per UTC day × source × host (rollup_ds) */
	SQ_DS_PRUNE,
	SQ_LT_ADD,           /* lifetime per model × source × tag × routed × host (rollup_lt) */
	SQ_LT_PRUNE,
	SQ_HP_ADD,           /* per UTC hour × project (rollup_hp) */
	SQ_HP_PRUNE,
	SQ_HK_ADD,           /* per UTC hour × API key fingerprint (rollup_hk) */
	SQ_HK_PRUNE,
	SQ_DH_ADD,           /* per UTC day × host (rollup_dh) */
	SQ_DH_PRUNE,
	SQ_HH_ADD,           /* per UTC hour × host (rollup_hh) */
	SQ_HH_PRUNE,
	SQ_HOST_SEEN,        /* a host's last row and request count (host_seen) */
	SQ_MM_ADD,           /* per UTC month (rollup_mm) */
	SQ_MM_PRUNE,
	SQ_MX_ADD,           /* per UTC month × source × tag (rollup_mx) */
	SQ_MX_PRUNE,
	SQ_DO_ADD,           /* per day from UTC hour off × model (rollup_do) */
	SQ_DO_PRUNE,
	SQ_HQ_ADD,           /* per UTC hour's first 15, 30, 45 minutes × model (rollup_hq) */
	SQ_HQ_PRUNE,
	SQ_BATCH_ROLLUP_ADD, /* per-batch token sums */
	SQ_RESULT_INSERT,
	SQ_MARK_GET,         /* an import mark by path */
	SQ_MARK_SET,
	SQ_COUNT
};

struct rollup_pending;
struct store_bulk;

struct store {
	struct db      *db;             /* the driver's connection */
	char           *path;           /* as shown: a URI's password masked */
	int             in_tx;          /* inside store_begin .. commit/rollback */
	int             in_op;          /* inside store_op_begin .. store_op_end */
	int             bulk_hold;      /* an operation of store_put_bulk's own: the rows
	                                   it holds stay held (bulk.c) */
	int             rollup_failed;  /* a flush failed: the transaction must not commit */
	int             retry;          /* the last SQL failure may pass if run again */
	struct db_stmt *stmt[SQ_COUNT]; /* prepared lazily, finalised on close */
	struct db_stmt *rows[SQ_COUNT]; /* the same, STORE_ROWS rows a statement */
	struct db_stmt *plain[SQ_COUNT]; /* the same without ON CONFLICT (store_stmt_plain_rows) */
	struct rollup_pending *pend;    /* rollup deltas not yet written (rollup.c) */
	struct store_bulk *bulk;        /* rows not yet written (bulk.c) */
	struct keyset  *written;        /* the dedupe keys this handle inserted since it
	                                   saw the ledger without rows (bulk.c; a Bloom
	                                   filter: it may say "seen" wrongly, never "not") */
	int             fresh;          /* BULK_FRESH_*: may a key outside written be
	                                   taken as new without asking the ledger? */
	int64_t         fresh_dv;       /* the ledger's data_version when last checked */
	uint64_t        tx_seq;         /* transactions begun (store_begin) */
	uint64_t        fresh_tx;       /* the one fresh was last checked in */
	int             rollup_virgin;  /* fresh, and the rollup tables were empty when it
	                                   was found and no flush has written them since:
	                                   a flush may INSERT its cells (rollup_flush.c) */
	char            host[USAGE_HOST_MAX]; /* rows with host "" get this (hosts.c) */
};

/* The cached statement id, reset and with bindings cleared; NULL + err on
 * a prepare failure. */
struct db_stmt *store_stmt(struct store *s, enum store_stmt_id id, char *err, size_t errlen);

/* Rows a multi-row statement carries (store_stmt_rows). */
#define STORE_ROWS 32

/* Statement id (an INSERT … VALUES (…) …) with its VALUES tuple
 * STORE_ROWS times: row r's i-th parameter is ?(r × *params + i). Cached
 * like store_stmt's and reset, but its bindings are the last step's: the
 * caller binds every parameter of every row. One step writes STORE_ROWS
 * rows in order, as many single steps would, for a fraction of the
 * per-statement cost. NULL + err. */
struct db_stmt *store_stmt_rows(struct store *s, enum store_stmt_id id, int *params, char *err,
                                size_t errlen);

/* store_stmt_rows without the statement's ON CONFLICT clause, as the
 * driver's insert_rows ("INSERT OR FAIL" on SQLite: a multi-row statement
 * that keeps no statement journal): for rows known to be new. NULL + err. */
struct db_stmt *store_stmt_plain_rows(struct store *s, enum store_stmt_id id, int *params,
                                      char *err, size_t errlen);

/* A one-time statement; NULL + err ("what: reason"). The caller finalises. */
struct db_stmt *store_prepare(struct store *s, const char *sql, const char *what, char *err,
                              size_t errlen);

/* err = "what: the driver's message" (and the failure noted for
 * store_op_retry); returns -1 for `return store_sqlerr(...)`. */
int store_sqlerr(struct store *s, const char *what, char *err, size_t errlen);

/*
 * fn(s, arg, err, errlen) as one atomic operation (store_op_begin .. end):
 * kept when it returns 0, taken back when -1. An operation of its own (not
 * inside store_begin) that fails on a serialization failure or a deadlock
 * with another writer (PostgreSQL) is run again, a few times; fn must
 * therefore only write through the store (no outside effects). 0 or -1 + err.
 */
int store_op_run(struct store *s, int (*fn)(struct store *s, void *arg, char *err, size_t errlen),
                 void *arg, char *err, size_t errlen);

/* Run SQL without results. 0 or -1 + err. */
int store_exec(struct store *s, const char *sql, char *err, size_t errlen);

/*
 * One atomic operation: outside store_begin it is a BEGIN IMMEDIATE
 * transaction of its own (retried while another process writes); inside, a
 * savepoint, so a failing operation leaves the caller's transaction as it was.
 * store_op_end commits (ok != 0) or rolls back what store_op_begin opened.
 */
int store_op_begin(struct store *s, char *err, size_t errlen);
int store_op_end(struct store *s, int ok, char *err, size_t errlen);

/* host as rows keep it (text_sanitize'd, truncated) into out of size n. */
void store_host_clean(const char *host, char *out, size_t n);

/* u, or a copy of it in buf with s's host (when u's is "") or its own
 * made clean (store_host_clean): the row every writer stores (hosts.c). */
const struct usage *store_stamp(const struct store *s, const struct usage *u,
                                struct usage *buf);

/* Insert a usage row; the caller holds a transaction (store_op_begin). */
int store_ledger_put(struct store *s, const struct usage *u, enum store_put *result,
                     char *err, size_t errlen);
/* The same under an explicit dedupe key (NULL: none), for rows whose
 * identity is not store_dedupe_key's (ledger merge: a keyless row's content
 * key, data/merge.c). */
int store_ledger_put_key(struct store *s, const struct usage *u, const char *key,
                         enum store_put *result, char *err, size_t errlen);
/* The same, and the copy the ledger holds for key after it (u as stamped,
 * or the ledger's own when it was kept) into *kept. */
int store_ledger_put_kept(struct store *s, const struct usage *u, const char *key,
                          enum store_put *result, struct usage *kept, char *err,
                          size_t errlen);

/* store_batch_put's upsert inside the caller's operation (batches.c). */
int store_batch_upsert(struct store *s, const struct batch_rec *b, char *err, size_t errlen);

/* The row's dedupe key, "msg:ID", else "req:ID", else "batch:ID:CUSTOM",
 * into buf; 0 when the row has none. */
int store_dedupe_key(const struct usage *u, char *buf, size_t n);

/* What every row must be (a model, a source, counts within 0..USAGE_COUNT_MAX):
 * 0, or -1 + err. */
int store_usage_check(const struct usage *u, char *err, size_t errlen);

/* The stored row holding key into *old (locked for the transaction where
 * writers lock rows); *found = 0 when none. 0 or -1 + err. */
int store_usage_find(struct store *s, const char *key, struct usage *old, int *found,
                     char *err, size_t errlen);

/* Step SQ_USAGE_INSERT or SQ_USAGE_UPDATE for u under key (NULL: none);
 * *written (may be NULL) = 1 when it wrote a row (an insert whose key is
 * taken, ON CONFLICT DO NOTHING, writes none). */
/* A row with dedupe key key (may be NULL) was inserted through s: bulk.c
 * remembers its key while it can prove which keys the ledger holds. */
void store_bulk_inserted(struct store *s, const char *key);
/* Does sql's first step give a row? 1 yes, 0 no, -1 + err ("what: ..."). */
int store_any_row(struct store *s, const char *sql, const char *what, char *err, size_t errlen);
/* Are all the tables a rollup flush writes empty? 1 yes, 0 no, -1 + err
 * (rollup_flush.c). */
int store_rollup_empty(struct store *s, char *err, size_t errlen);
/* Is s->fresh still true in this transaction (checked once a transaction:
 * data_version)? Also what s->rollup_virgin says rests on. 0, or -1 + err. */
int store_bulk_fresh_check(struct store *s, char *err, size_t errlen);

int store_usage_write(struct store *s, enum store_stmt_id id, const struct usage *u,
                      const char *key, int *written, char *err, size_t errlen);

/* Does copy u beat the stored copy old? The larger token total wins; on a
 * tie the parent (non-sidechain) copy wins over a sidechain replay, then the
 * copy with more server tool uses, then one with a project or git branch
 * where the stored copy has none (a file read again fills what an older
 * tokentop did not keep). */
int store_usage_beats(const struct usage *u, const struct usage *old);

/* bulk.c: write the rows store_put_bulk holds (in the order they came), so
 * the ledger is current; every operation and reader calls it first. 0 or
 * -1 + err. store_bulk_discard forgets them (rollback); _free also frees. */
int store_bulk_flush(struct store *s, char *err, size_t errlen);
void store_bulk_discard(struct store *s);
void store_bulk_free(struct store *s);

/* err for a sum past 64 bits (why NULL) or another impossible figure (why):
 * when a usage row holds a count outside 0..USAGE_COUNT_MAX (only an older
 * tokentop or a hand edit writes one), it names the first instead: "ledger
 * row 17: input_tokens: 9223372036854775807: not a token count (…)".
 * Returns -1 for `return store_overflow_err(...)`. */
int store_overflow_err(struct store *s, const char *why, char *err, size_t errlen);

/* rollup.c: add (sign 1) or take away (sign -1) row u in its rollup cells,
 * in memory until store_rollup_flush; 0 or -1 + err (out of memory). */
int store_rollup_add(struct store *s, const struct usage *u, int sign, char *err, size_t errlen);

/* Write the pending deltas into rollup_hour, rollup_batch and the collapsed
 * rollups (hm, dm, dt, ds, lt, hp, hk, dh, hh), and each host's into
 * host_seen (inside the caller's transaction, between operations). Every
 * reader of those tables calls this first. 0 or -1 + err. */
int store_rollup_flush(struct store *s, char *err, size_t errlen);

/* The operation in progress ended: keep (ok) or take back its deltas. */
void store_rollup_op_end(struct store *s, int ok);

/* The UTC month (months since 1970-01: (year - 1970) × 12 + month - 1) of a
 * UTC day number (days since 1970-01-01), and the first day of a month:
 * rollup_mm's and rollup_mx's unit. */
int64_t store_month_of_day(int64_t day);
int64_t store_month_first_day(int64_t month);

/* Forget every pending delta (rollback); store_rollup_free also frees. */
void store_rollup_discard(struct store *s);
void store_rollup_free(struct store *s);

/* Enough cells pending that the next operation end should flush. */
int store_rollup_full(const struct store *s);

/* schema.c (SQLite), schema_pg.c (PostgreSQL): entry i takes the schema
 * from version i to i + 1; both lists have the same length. */
extern const char *const store_migrations[];
extern const int store_nmigrations;
extern const char *const store_migrations_pg[];
extern const int store_nmigrations_pg;
#define STORE_NMIGRATIONS store_nmigrations

/* Bind u to ?1..?STORE_USAGE_NCOLS (STORE_USAGE_COLS) and key to the next
 * (NULL: SQL NULL); borrowed as db_bind_text (ledger.c). */
void store_bind_usage(struct db_stmt *st, const struct usage *u, const char *key);
/* The same from ?(b+1) on: row r of a store_stmt_rows statement (b = r × the
 * row's parameters). */
void store_bind_usage_at(struct db_stmt *st, int b, const struct usage *u, const char *key);

/* Bind text, NULL-safe ("" for NULL); borrowed as db_bind_text. */
void store_bind_text(struct db_stmt *st, int i, const char *v);

/* Rollup flag bits (what changes the price of a token). */
#define ROLLUP_BATCH   1   /* source batch, service tier batch or flex */
#define ROLLUP_LONG    2   /* total input > STORE_LONG_THRESHOLD */
#define ROLLUP_FAST    4
#define ROLLUP_US_GEO  8
#define ROLLUP_PRIORITY 16 /* service tier priority */
/* The row's provider (enum provider_id) in bits 8..11: the price entries a
 * model is looked up in, so every rollup is keyed by provider too. */
/* rollup_do's day starts: every s->db->drv->do_step UTC hours (db.h; 0 is
 * rollup_dm's) and at h:15 or h:30 for the hours h of do_part. A flush
 * writes at most 2 (24 / step - 1 + those starts) cells a UTC day group
 * (migrations 23, 24, 25). Each cell it writes carries ROLLUP_DO_GEN in its
 * gen column: PostgreSQL's rollup_do checks gen >= 25 (migration 25), so a
 * tokentop from before the day starts it must write (a proxy still running
 * since before the upgrade) has its transaction refused, not its rows left
 * out of them. A migration that changes what writers must write there
 * raises both. */
#define ROLLUP_DO_GEN 25
#define ROLLUP_PROVIDER_SHIFT 8
#define ROLLUP_PROVIDER(bits) (((bits) >> ROLLUP_PROVIDER_SHIFT) & 15)

/* The long-context line the rollup records. A model whose price table entry
 * names another threshold is still split here (see report.c). */
#define STORE_LONG_THRESHOLD 200000

/* Rollup flag bits of one row. */
int store_row_flags(const struct usage *u);

/* Price flags of rollup bits under mp. */
struct price_flags store_price_flags(const struct model_price *mp, int bits);

/* Fill u from the usage columns of st starting at column col (the order of
 * STORE_USAGE_COLS). */
#define STORE_USAGE_COLS \
	"ts_ms, model, source, request_id, message_id, batch_id, custom_id, tag, " \
	"service_tier, speed, inference_geo, tier, stop_reason, input, write_5m, " \
	"write_1h, cache_read, output, compressed_tokens, sidechain, ts_import, provider, " \
	"reasoning_tokens, session_id, cwd, web_search_requests, web_fetch_requests, " \
	"code_execution_requests, project, git_branch, key_fp, host"
#define STORE_USAGE_NCOLS 32
void store_read_usage(struct db_stmt *st, int col, struct usage *u);

#endif
