/* spool.h — rows waiting for the ledger.
 *
 * When the ledger takes no writes (a full disk, a lock held past every
 * retry, a database server that is away), the rows a process must not lose
 * go here: a SQLite file of its own ($XDG_STATE_HOME/tokentop/spool.db,
 * 0600 in a 0700 directory). Each row gets a sequence number, in the order
 * it came, and the identity of the ledger it is for (one spool serves every
 * ledger of the user). spool_flush puts a ledger's rows into it in that
 * order, exactly once: the ledger keeps, per spool, the last sequence
 * number it took (store_spool_mark_*), written in the same transaction as
 * the rows. A crash between that commit and the spool's delete leaves rows
 * the next flush sees as taken; two processes flushing at once take each
 * row once. Only store.h is used on the ledger side, so any store behind
 * it (SQLite today) works.
 */
#ifndef TOKENTOP_SPOOL_H
#define TOKENTOP_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "data/store.h"

#define SPOOL_CHUNK 500      /* rows per ledger transaction when flushing */

enum spool_kind { SPOOL_USAGE = 1, SPOOL_BATCH = 2, SPOOL_RESULT = 3 };

/* One row: a usage row (store_insert_usage), a batch registration
 * (store_batch_put; of b, id, status, tag, requests, created_ms,
 * expires_ms and counts are kept) or a batch result's outcome
 * (store_batch_result: u.batch_id, u.custom_id, r_type, r_error, and u
 * itself when r_type is "succeeded"). */
struct spool_item {
	enum spool_kind  kind;
	struct usage     u;
	struct batch_rec b;
	char             r_type[16];
	char             r_error[512];
};

struct spool;

/* Open the spool at path, creating it (and its directory) when missing.
 * The caller frees with spool_close. NULL + err on failure. */
struct spool *spool_open(const char *path, char *err, size_t errlen);
void spool_close(struct spool *sp);                /* NULL is fine */
const char *spool_path(const struct spool *sp);    /* borrowed */

/* Keep n items for st's ledger, in order, in one transaction; *first (may
 * be NULL) = the sequence number of items[0] (the rest follow one by one).
 * 0, or -1 + err (nothing kept). */
int spool_append(struct spool *sp, struct store *st, const struct spool_item *items, size_t n,
                 int64_t *first, char *err, size_t errlen);

/* Rows waiting for st's ledger: not yet in it by its mark (st NULL: rows
 * in the spool for any ledger). */
int spool_count(struct spool *sp, struct store *st, int64_t *n, char *err, size_t errlen);

/*
 * Put every row waiting for st's ledger into it, oldest first, SPOOL_CHUNK
 * rows per transaction, and drop them from the spool. *flushed (may be
 * NULL) = rows this call put in. On failure (-1 + err) whatever was put in
 * stays there and out of the spool; the rest waits for the next flush.
 */
int spool_flush(struct spool *sp, struct store *st, int64_t *flushed, char *err, size_t errlen);

/* The ledger's mark for this spool: every row with a sequence number up to
 * *seq is in st's ledger. */
int spool_applied(struct spool *sp, struct store *st, int64_t *seq, char *err, size_t errlen);

/* For every command that opens the ledger to write: flush the spool at
 * path into st when that file exists (never creates it). *flushed = rows
 * put in, *left = rows still waiting for st (both 0 without a spool). */
int spool_flush_path(const char *path, struct store *st, int64_t *flushed, int64_t *left,
                     char *err, size_t errlen);

/* Rows waiting in the spool at path for the ledger st (NULL: any ledger);
 * 0 when there is no spool file (it is not created). For status displays. */
int spool_pending(const char *path, struct store *st, int64_t *n, char *err, size_t errlen);

#endif
