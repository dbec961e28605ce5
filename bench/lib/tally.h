/* tally.h — what a ledger must show for usage a bench generator wrote: the
 * figures of every report (requests, five token sums, cost, cache savings)
 * per UTC day and per model, priced as the ledger's day rollups price them
 * (per UTC day × model × price flags, one rounding each). */
#ifndef TOKENTOP_BENCH_TALLY_H
#define TOKENTOP_BENCH_TALLY_H

#include <stdint.h>
#include <stdio.h>

#include "core/usage.h"

struct tally;

/*
 * A tally of rows from start_ms (00:00 UTC) over days (plus a margin of
 * spill days for sessions that run on), priced from the table at prices.
 * NULL with the reason in err. Free with tally_free (NULL is fine).
 */
struct tally *tally_new(const char *prices, int64_t start_ms, int days, char *err, size_t errlen);
void tally_free(struct tally *t);

/* One row as the ledger keeps it: model, tokens, time (speed, geo, source
 * matter for its price flags). 0, or -1 with the reason in err (an unpriced
 * model, a time out of range, more models than the tally holds). */
int tally_add(struct tally *t, const struct usage *u, char *err, size_t errlen);

/*
 * Every figure, a line each:
 *   day YYYY-MM-DD REQ INPUT W5M W1H READ OUTPUT COST_NANOS CACHE_SAVED_NANOS
 *   model ID ...the same eight figures (canonical model id)
 *   total all ...the same
 * 0, or -1 on a write error.
 */
int tally_write(const struct tally *t, FILE *f);

#endif
