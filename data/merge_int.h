/* merge_int.h — what the ledger merge's files share (data/merge.c runs the
 * merge; merge_rows.c copies the keyed tables, merge_usage.c the usage rows). */
#ifndef TOKENTOP_MERGE_INT_H
#define TOKENTOP_MERGE_INT_H

#include "data/merge.h"

struct merge_ctx {
	struct store      *dst, *src;   /* borrowed; src inside its read snapshot */
	size_t             group;       /* records per destination transaction */
	merge_progress_fn  progress;
	void              *arg;
	struct merge_stats *m;
};

/* A group of n records of table t written (its counts n) and read records
 * read: into the totals, then the progress callback. 0, or -1 with
 * "SOURCE: stopped" in err when the callback asks to stop. */
int merge_tally(struct merge_ctx *c, enum merge_table t, const struct merge_count *n,
                int64_t read, char *err, size_t errlen);

/* err = "SOURCE: what: the driver's message"; returns -1. */
int merge_src_err(struct merge_ctx *c, const char *what, char *err, size_t errlen);

/* Copy the keyed tables first..last (enum order; not MERGE_USAGE). 0 or
 * -1 + err. */
int merge_tables(struct merge_ctx *c, enum merge_table first, enum merge_table last,
                 char *err, size_t errlen);

/* Copy the usage rows. 0 or -1 + err. */
int merge_usage(struct merge_ctx *c, char *err, size_t errlen);

#endif
