/* batchres.h — a batch's results: one line at a time into outcomes, the raw
 * lines saved to <dir>/<batch_id>.jsonl (a temp name until complete).
 *
 * No SQL: each outcome goes to a callback; the caller (tui/) records it
 * with store_batch_result, which makes ingestion exactly once per custom_id.
 */
#ifndef TOKENTOP_BATCHRES_H
#define TOKENTOP_BATCHRES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/usage.h"

/*
 * Records one outcome (parsed by usage_parse_result_line; for succeeded, o->u
 * has batch_id, tag, ts_ms and service_tier "batch" filled here). Returns 0
 * when it is recorded (new or already there), -1 to stop (err filled): the
 * ingestion is then incomplete.
 */
typedef int (*batch_outcome_fn)(void *arg, const struct usage_result *o,
                                char *err, size_t errlen);

struct batch_ingest;

/* Counts of an ingestion so far. */
struct batch_ingest_stats {
	int64_t lines;                  /* lines seen */
	int64_t recorded;               /* outcomes the callback accepted */
	int64_t bad;                    /* lines that did not parse */
	int64_t succeeded, errored, canceled, expired;
};

/*
 * Start ingesting the results of batch_id: raw lines are written to
 * <dir>/<batch_id>.jsonl.part (dir is created, 0700), outcomes go to fn.
 * dir NULL = keep no file. The caller frees with batch_ingest_free.
 */
struct batch_ingest *batch_ingest_new(const char *batch_id, const char *dir, const char *tag,
                                      int64_t ts_ms, batch_outcome_fn fn, void *arg,
                                      char *err, size_t errlen);

/* Reads one results line (root borrowed) into r (zeroed): 0 or -1 + reason.
 * The provider's (batch_client.h result_line); default Anthropic's. */
typedef int (*batch_result_fn)(struct json_t *root, struct usage_result *r, char *err,
                               size_t errlen);
void batch_ingest_set_parser(struct batch_ingest *in, batch_result_fn parse);

/* One line (without its newline). A line that does not parse is counted
 * as bad and skipped; -1 only when the file write or fn failed. */
int batch_ingest_line(struct batch_ingest *in, const char *line, size_t len,
                      char *err, size_t errlen);

/* Feed raw bytes in any split (a file read, a stream); lines are cut here.
 * batch_ingest_finish takes the last line even without a newline. */
int batch_ingest_feed(struct batch_ingest *in, const char *data, size_t len,
                      char *err, size_t errlen);

/* Read a whole results file (streamed, a block at a time) into in. */
int batch_ingest_file(struct batch_ingest *in, FILE *f, char *err, size_t errlen);

void batch_ingest_stats(const struct batch_ingest *in, struct batch_ingest_stats *st);

/*
 * The results are complete: flush, fsync and rename the file to
 * <dir>/<batch_id>.jsonl; path (may be NULL) gets it ("" without a dir).
 * 0, or -1 with err.
 */
int batch_ingest_finish(struct batch_ingest *in, char *path, size_t pathlen,
                        char *err, size_t errlen);

/* Frees in; an unfinished temp file is removed. NULL is fine. */
void batch_ingest_free(struct batch_ingest *in);

/*
 * Routing tiers of a batch's requests, kept beside its results as
 * <dir>/<batch_id>.tiers: lines "custom_id<TAB>tier" (text, len bytes),
 * written to a temp name and renamed. batch_ingest_new reads the file when it
 * exists and puts each succeeded row's tier on its usage row. 0, or -1 + err.
 */
int batch_tiers_save(const char *dir, const char *batch_id, const char *text, size_t len,
                     char *err, size_t errlen);

#endif
