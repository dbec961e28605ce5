/* batch_adopt.h — finding a batch whose create answer was lost.
 *
 * The API has no idempotency key: a create that failed ambiguously (a
 * connection error, a timeout, a 5xx — the request may have been carried
 * out) or whose answer died with the process leaves a batch that may or may
 * not exist. Before a create is retried, and when a pending intent is found
 * at start, the recent batch list is searched for it. Pure functions here
 * (no network, no SQL); the listing is api_batch_list_since (core/api.h),
 * the bookkeeping tui/cli_batch_once.c.
 *
 * The matching rule. A listed batch is a candidate when
 *   - its five request counts sum to the intent's request count,
 *   - created_at lies in [created_ms - SKEW, hi_ms] (hi_ms: now + SKEW for a
 *     create in progress, min(now, created_ms + 24 h) + SKEW at start), and
 *   - its id is not in the ledger already (known() says so).
 * Of the candidates the one created closest AFTER created_ms wins (the
 * server made the batch after the request was sent); only when none lies
 * after it, the closest before it (clock skew). When the runner-up is on
 * the same side and within BATCH_ADOPT_TIE_MS of the winner's distance, time
 * cannot tell the two apart: the answer is ambiguous and nothing is adopted
 * (the caller neither adopts nor re-creates; it says which batches match).
 * Rivals: the send times of other pending creates of the same request count
 * (another process still waiting for its answer, or killed). A candidate a
 * rival ranks strictly better (it lies after the rival's send and before
 * ours, or nearer after the rival's) is the rival's, and is skipped.
 */
#ifndef TOKENTOP_BATCH_ADOPT_H
#define TOKENTOP_BATCH_ADOPT_H

#include <stddef.h>
#include <stdint.h>

#include "core/api.h"

#define BATCH_ADOPT_SKEW_MS   (5LL * 60 * 1000)      /* clock skew allowed either way */
#define BATCH_ADOPT_WINDOW_MS (24LL * 3600 * 1000)   /* the batch window */
#define BATCH_ADOPT_TIE_MS    1000LL                 /* closer than this: cannot tell */
#define BATCH_ADOPT_STALE_MS  (60LL * 1000)          /* a pending intent older than this
                                                        is reconciled at start */

enum batch_adopt_verdict {
	BATCH_ADOPT_NONE = 0,       /* no candidate */
	BATCH_ADOPT_ONE,            /* *pick is the batch */
	BATCH_ADOPT_AMBIGUOUS,      /* *pick and *other both fit equally well */
};

/* What a create was: when it was sent, how many requests, the latest
 * created_at that can still be its batch. */
struct batch_adopt_want {
	int64_t        created_ms;
	int64_t        requests;
	int64_t        hi_ms;
	const int64_t *rivals;      /* other pending sends of this request count; may be NULL */
	size_t         nrivals;
};

/* 1 when the batch id is already in the ledger (never adopted again). */
typedef int (*batch_adopt_known_fn)(void *arg, const char *id);

/*
 * Which of the n listed batches (any order) is the create's? Fills *pick
 * (ONE, AMBIGUOUS) and *other (AMBIGUOUS: the runner-up); either may be
 * NULL. known may be NULL (nothing known).
 */
enum batch_adopt_verdict batch_adopt_match(const struct batch_adopt_want *w,
                                           const struct api_batch *list, size_t n,
                                           batch_adopt_known_fn known, void *arg,
                                           size_t *pick, size_t *other);

/* The oldest created_at worth listing for an intent sent at created_ms. */
int64_t batch_adopt_since(int64_t created_ms);

/* The latest created_at that can be an intent's batch, seen at now_ms. */
int64_t batch_adopt_hi(int64_t created_ms, int64_t now_ms, int in_progress);

enum batch_adopt_failure {
	BATCH_ADOPT_FAIL_FINAL = 0, /* a clear refusal: the create made nothing */
	BATCH_ADOPT_FAIL_RETRY,     /* refused before work (408, 409, 429): retry as is */
	BATCH_ADOPT_FAIL_AMBIGUOUS, /* maybe carried out: reconcile before a retry */
};

/* What a failed create's status (0 = no response: connection error or
 * timeout) means for the batch. */
enum batch_adopt_failure batch_adopt_classify(long status);

#endif
