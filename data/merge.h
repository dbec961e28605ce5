/* merge.h — `tokentop ledger merge`: copy into one ledger what another holds
 * that it lacks (data/merge.c).
 *
 * What is copied, and how a record is known to be there already:
 * - usage rows by their dedupe key (msg:ID, req:ID, batch:ID:CUSTOM), the
 *   better copy kept as every writer keeps it (store_usage_beats: then the
 *   row counts as replaced). A row without a key gets a content key
 *   "row:HASH:N": HASH of every column (its host included), N its
 *   occurrence among the source's keyless rows of that content, in row
 *   order; the copy carries the key, so merging again, or merging the copy
 *   on into a third ledger, finds it. A keyless row the destination holds
 *   itself (no key) is found by its content (a ledger merged back into the
 *   one it came from adds nothing).
 * - batches by id, batch results by (batch, custom_id), organisation rows
 *   by their keys (per provider), the last sync per provider: only what the
 *   destination lacks; what it has stays as it is.
 * - batch create intents by what they were (time, file, part, size,
 *   provider, token); a copied intent has no owner process here. (They
 *   have no unique key: two merges of one source into one PostgreSQL
 *   ledger at the very same time could both copy one.)
 * Rows keep their host (the source's); import marks, alerts, rate limits,
 * spool marks and the proxy's status counts belong to the machine or
 * process that wrote them and are not copied.
 */
#ifndef TOKENTOP_MERGE_H
#define TOKENTOP_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "data/store.h"

enum merge_table {
	MERGE_BATCH,        /* "batch" */
	MERGE_INTENT,       /* "batch_intent" */
	MERGE_RESULT,       /* "batch_result" */
	MERGE_USAGE,        /* "usage" */
	MERGE_ORG_USAGE,    /* "org_usage" */
	MERGE_ORG_COST,     /* "org_cost" */
	MERGE_ORG_SYNC,     /* "org_sync" */
	MERGE_NTABLES
};

struct merge_count {
	int64_t added;      /* records the destination lacked */
	int64_t duplicates; /* records it had already */
	int64_t replaced;   /* usage rows whose copy here was the lesser one */
};

struct merge_stats {
	struct merge_count t[MERGE_NTABLES];
	struct merge_count all;     /* the sums over every table */
	int64_t            read;    /* records read from the source so far */
	int64_t            total;   /* records in the source's snapshot */
};

/* The table's name (as in the schema and in `--json`'s "tables"). */
const char *merge_table_name(enum merge_table t);

/*
 * Open target as a merge source: read-only, never created, written or
 * migrated (store_open_ro). NULL + err naming the source (its password
 * masked) when it cannot be read, is not a tokentop ledger, or has an
 * older or newer schema than this tokentop. The caller store_closes it.
 */
struct store *merge_open_source(const char *target, char *err, size_t errlen);

/* Are a and b one ledger (the same file, or the same server, database and
 * schema)? 0 with *same, or -1 + err. */
int merge_same(struct store *a, struct store *b, int *same, char *err, size_t errlen);

/* Called after each group written (m borrowed for the call); non-zero
 * stops the merge there (the groups written stay: a rerun goes on). */
typedef int (*merge_progress_fn)(const struct merge_stats *m, void *arg);

/*
 * Copy into dst what src lacks (see the top). src is read in ONE read-only
 * snapshot; dst is written in groups of up to `group` records (0: a
 * default), each one transaction through the store's write path (rollups
 * kept exact; other writers on dst are fine). A failure rolls back the
 * group being written: the groups before it stay, complete, and running
 * the merge again finishes the job. *m (zeroed first) says what happened,
 * also on failure (the committed groups). progress may be NULL.
 * 0, or -1 + err ("SOURCE: usage row 17: …", "SOURCE: stopped" when
 * progress asked).
 */
int merge_run(struct store *dst, struct store *src, size_t group,
              merge_progress_fn progress, void *arg, struct merge_stats *m,
              char *err, size_t errlen);

/* The content key of a keyless row (before ":N"): "row:" and 32 hex
 * digits, into buf (n >= 40). */
void merge_content_key(const struct usage *u, char *buf, size_t n);

#endif
