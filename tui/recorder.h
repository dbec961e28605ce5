/* recorder.h — what `tokentop proxy` records, from the connection threads to
 * the ledger: a queue in, one writer thread that owns the store connection.
 * A row is never dropped: a failed write keeps the rows in memory and is
 * retried with backoff; when the ledger stays unwritable they go to the
 * spool (data/spool.h), which is flushed, in order and exactly once, as
 * soon as the ledger takes writes again. With --enforce-budget the writer
 * also keeps today's and this month's spend per budget current. */
#ifndef TOKENTOP_RECORDER_H
#define TOKENTOP_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/pricing.h"
#include "core/proxy.h"
#include "data/store.h"

struct recorder;

/* What became of this process's rows, truthfully. */
struct recorder_counts {
	int64_t recorded;     /* in the ledger (directly, or through the spool) */
	int64_t spooled;      /* waiting in the spool */
	int64_t failed;       /* in neither (both refused them at exit, or out of memory) */
	int64_t flushed;      /* spooled rows (of any process) this one put into the ledger */
};

/*
 * Start the writer on st (borrowed until recorder_free; the writer thread
 * is its only user from now on), pricing pr and cfg (borrowed; budgets and
 * the spool path). NULL + err when the thread cannot start.
 */
struct recorder *recorder_new(struct store *st, const struct pricing *pr,
                              const struct config *cfg, int enforce, char *err, size_t errlen);

/* The proxy's hooks (struct proxy_hooks; arg = the recorder): thread-safe,
 * they only queue. */
void recorder_usage(void *arg, const struct usage *u);
void recorder_batch(void *arg, const struct proxy_batch *b);
int recorder_budget(void *arg, const char *tag, char *msg, size_t msglen);
/* Count the status a client got from provider (struct
 * proxy_hooks.response): written per minute and provider (its
 * tokentop_proxy_requests_total label) into the ledger by the writer, for
 * the errors alert rule. */
void recorder_response(void *arg, const char *provider, int status);

/* Poke al (tui/alerter.h; borrowed, may be NULL) after every write, so the
 * alert rules are checked. Stop al only after recorder_free. */
struct alerter;
void recorder_set_alerter(struct recorder *r, struct alerter *al);

/* Write what is queued (to the ledger, else the spool), stop the thread,
 * fill c (may be NULL) and free r. NULL is fine. */
void recorder_free(struct recorder *r, struct recorder_counts *c);

#endif
