/* alerter.h — the config's alert rules at work in a process that writes
 * usage (call, import, batch watch, the proxy, the console).
 *
 * After a write the rules are checked: each crossing is raised in the
 * ledger once, whichever process and host sees it first (data/alerts.c).
 * Then the alerts that are due are delivered, one process per alert
 * (a lease): a webhook (core/http, a short timeout, the URL never said)
 * or a command. A failed delivery stays pending and is retried with
 * backoff by whichever process runs next. All of it runs on a worker
 * thread with a ledger connection of its own, so neither the console,
 * the proxy nor a call waits for a receiver.
 */
#ifndef TOKENTOP_ALERTER_H
#define TOKENTOP_ALERTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/pricing.h"
#include "data/store.h"

#define ALERT_SEND_TIMEOUT_MS  10000   /* a webhook's whole request */
#define ALERT_CMD_TIMEOUT_MS   30000   /* a command's run */
#define ALERT_LEASE_MS         60000   /* longer than either */
#define ALERT_RETRY_BASE_MS    2000    /* backoff: 2 s, 4 s, 8 s … */
#define ALERT_RETRY_MAX_MS     600000  /* … at most 10 min apart */
#define ALERT_GIVE_UP_MS       86400000LL /* failed for good after a day */

/* ---- one pass, synchronous (alert_check.c, alert_send.c) ------------------ */

/*
 * Evaluate every rule of cfg at now_ms over st (spend priced by pr) and
 * raise the crossings; *raised (may be NULL) = how many became pending.
 * Days and months are local (the caller set TZ). 0, or -1 with err.
 */
int alert_check(const struct config *cfg, struct store *st, const struct pricing *pr,
                int64_t now_ms, int *raised, char *err, size_t errlen);

/* What a delivery pass did. */
struct alert_pass {
	int sent, failed;             /* this pass */
	char last_error[300];         /* the last failure, "TARGET: why" (no secret) */
};

/*
 * Deliver the pending alerts due at now_ms (every pending one with
 * force) whose target is one of cfg's rules: lease, send, record the
 * outcome (a failure is retried from now + backoff, failed for good after
 * ALERT_GIVE_UP_MS). quiet: a command's output goes to /dev/null (the
 * console), else to stderr. 0, or -1 with err (the ledger).
 */
int alert_deliver(const struct config *cfg, struct store *st, int64_t now_ms, int force,
                  int quiet, struct alert_pass *pass, char *err, size_t errlen);

/*
 * Send a (its text and fields) to rule r's target once: a webhook gets
 * alert_body (2xx = delivered), a command runs with TOKENTOP_ALERT_* in
 * its environment (exit 0 = delivered). 0, or -1 with why (never the
 * URL).
 */
int alert_send(const struct alert_rule *r, const struct alert_rec *a, int quiet, char *why,
               size_t whylen);

/* ---- the worker ---------------------------------------------------------- */

struct alerter;

#define ALERTER_QUIET   1   /* print nothing; command output to /dev/null (the console) */
#define ALERTER_ONESHOT 2   /* a one-shot command: at the stop, a failed delivery is
                               tried once more (a long-running one kept retrying) */

/*
 * Start the worker for cfg (borrowed; its rules, ledger path, TZ already
 * set) and pr (borrowed, read-only) with cmd naming the process in notes
 * ("call", "proxy") and ALERTER_* flags. Its first pass runs at once.
 * NULL without rules (nothing to do) or when the thread cannot start (err
 * says why; err "" otherwise).
 */
struct alerter *alerter_start(const struct config *cfg, const struct pricing *pr,
                              const char *cmd, int flags, char *err, size_t errlen);

/* Usage was written: check the rules soon. Thread-safe; NULL is fine. */
void alerter_poke(struct alerter *a);

/* The latest news for a screen: the count of alerts raised or delivered
 * by this worker so far (a change means "look again"). NULL gives 0. */
int64_t alerter_generation(struct alerter *a);

/*
 * Stop: one last check and delivery pass (ALERTER_ONESHOT: a failure is
 * tried once more after a moment), then join and free. Bounded by the
 * send timeouts. NULL is fine.
 */
void alerter_stop(struct alerter *a);

#endif
