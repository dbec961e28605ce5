/* poller.h — follow many Message Batches at once on one curl multi handle:
 * retrieve each unfinished batch every interval, and when one has ended,
 * stream its results into outcomes. A state machine, no thread per batch;
 * `batch watch` and the console drive the same object.
 *
 * The loop that owns the http_multi calls, in any order and as often as it
 * likes: http_multi_perform(m) (callbacks run there), batch_poller_step(p,
 * now) (starts the retrieves that are due), and waits with http_multi_wait
 * up to batch_poller_next_ms(p) - now.
 */
#ifndef TOKENTOP_POLLER_H
#define TOKENTOP_POLLER_H

#include <stddef.h>
#include <stdint.h>

#include "core/api.h"
#include "core/batchres.h"
#include "core/http.h"

/* Complete-looking downloads that still miss results before giving up. */
#define BATCH_POLLER_MAX_INCOMPLETE 5

enum batch_ev_kind {
	BATCH_EV_STATUS,     /* a retrieve returned: batch is the new object */
	BATCH_EV_OUTCOME,    /* one results line: outcome; return 0 once it is recorded */
	BATCH_EV_INGESTED,   /* every result recorded, the file saved: results_file, stats */
	BATCH_EV_ERROR,      /* a call failed after its retries, or the results were
	                        incomplete: message; the batch is tried again later */
	BATCH_EV_GONE,       /* no longer followed: the API does not know the batch (404,
	                        or 400 for an id it refuses; unknown = 1), the id cannot
	                        be put in a URL (unknown = 1), or
	                        BATCH_POLLER_MAX_INCOMPLETE whole downloads in a row
	                        were incomplete (message says which) */
};

/* Everything is borrowed for the duration of the callback. */
struct batch_event {
	enum batch_ev_kind               kind;
	const char                      *batch_id;
	const struct api_batch          *batch;    /* the latest object; NULL before the first */
	const struct usage_result       *outcome;  /* OUTCOME */
	const struct batch_ingest_stats *stats;    /* INGESTED; ERROR after a download */
	const char                      *results_file; /* INGESTED ("" without a results dir) */
	const char                      *message;  /* ERROR, GONE */
	int                              unknown;  /* GONE: a permanent "no such batch" */
};

/* Return 0; for OUTCOME -1 (with err) means "not recorded": the download
 * stops and is retried later. The return value of other events is ignored. */
typedef int (*batch_event_fn)(void *arg, const struct batch_event *ev, char *err, size_t errlen);

struct batch_poller;

/*
 * A poller on m (borrowed; it must outlive the poller). results_dir: where
 * results files go (NULL = keep none). interval_ms between retrieves of one
 * batch. fn gets every event. Free with batch_poller_free.
 */
struct batch_poller *batch_poller_new(struct http_multi *m, const char *results_dir,
                                      int64_t interval_ms, batch_event_fn fn, void *arg);

/* Cancel what is in flight (no events) and free p. NULL is fine. */
void batch_poller_free(struct batch_poller *p);

/*
 * Follow batch id (results rows get tag). A known id is not added twice.
 * Its first retrieve is due at once. 0, or -1 with err.
 */
int batch_poller_add(struct batch_poller *p, const char *id, const char *tag,
                     char *err, size_t errlen);

/* At most n retrieves and downloads in flight at once (default 16). */
void batch_poller_set_concurrency(struct batch_poller *p, int n);

/* Start what is due at now_ms. Returns the number of batches still followed
 * (not yet ingested or gone). */
int batch_poller_step(struct batch_poller *p, int64_t now_ms);

/* When the next retrieve is due (INT64_MAX when none is waiting, or when
 * as many transfers as allowed are in flight: then only the network can
 * wake the loop, and its wait does). */
int64_t batch_poller_next_ms(const struct batch_poller *p);

/* Batches still followed. */
int batch_poller_remaining(const struct batch_poller *p);

#endif
