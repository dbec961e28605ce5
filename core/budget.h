/* budget.h — daily and monthly budgets (optionally per tag): where spend
 * stands against them, what is left, the projection at the current rate,
 * whether a new call or batch may start, and when an alert is due.
 *
 * Pure logic: the spend comes from the caller (a callback over the ledger),
 * alert crossings are claimed through another (a table in the store), so
 * nothing here touches SQL or the screen. Periods are local (the process's
 * TZ): a day from local midnight, a month from the 1st.
 */
#ifndef TOKENTOP_BUDGET_H
#define TOKENTOP_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

#define BUDGET_WARN_PERMILLE 800     /* warning from 80% on */
#define BUDGET_MAX_STATUS    16      /* 8 budgets × (daily, monthly) */

enum budget_period { BUDGET_DAILY, BUDGET_MONTHLY };

enum budget_state {
	BUDGET_OK,
	BUDGET_WARNING,                  /* spent >= 80% of the limit */
	BUDGET_EXCEEDED                  /* spent >= the limit */
};

/* One limit (a budget's daily or monthly figure) against its spend. Plain
 * value, copy with '='. */
struct budget_status {
	char               tag[96];      /* "" = all spend */
	enum budget_period period;
	char               period_key[16]; /* "2026-11-28" / "2026-11" (local) */
	int64_t            start_ms, end_ms;  /* the local period, [start, end) */
	int64_t            limit_nanos;
	int64_t            spent_nanos;
	int64_t            left_nanos;   /* limit − spent, never below 0 */
	int64_t            permille;     /* spent × 1000 / limit, rounded down */
	int64_t            projected_nanos; /* spend by the period's end (budget_add_rate:
	                                       at the period's model; else the average) */
	int64_t            rate_nanos;   /* budget_add_rate: the rate per hour it used */
	int64_t            cross_ms;     /* budget_add_rate: when the limit is passed at
	                                    that rate, 0 = not before the period ends
	                                    (or passed already: state says so) */
	enum budget_state  state;
};

/*
 * Spend (priced nanos) of rows with tag (NULL = every tag) in
 * [since_ms, until_ms): supplied by the caller, normally a store_report
 * REPORT_TOTAL. 0, or -1 with err.
 */
typedef int (*budget_spend_fn)(void *arg, const char *tag, int64_t since_ms, int64_t until_ms,
                               int64_t *nanos, char *err, size_t errlen);

/*
 * Claim the alert of key (see budget_alerts_due): *first = 1 for the first
 * claim ever (the alert is due), 0 when someone already claimed it. Must be
 * atomic across processes. 0, or -1 with err.
 */
typedef int (*budget_claim_fn)(void *arg, const char *key, int *first, char *err, size_t errlen);

/* "daily" / "monthly"; "ok" / "warning" / "exceeded". */
const char *budget_period_name(enum budget_period p);
const char *budget_state_name(enum budget_state s);

/* The local period of kind p holding now_ms: bounds and key
 * ("2026-11-28" / "2026-11"). 0, or -1 when the time cannot be converted. */
int budget_period_bounds(enum budget_period p, int64_t now_ms, int64_t *start_ms,
                         int64_t *end_ms, char *key, size_t keylen);

/*
 * Fill *out for a limit with spend spent at now_ms in the period
 * [start_ms, end_ms): state, percentage, what is left and the projection
 * (spent × period length / elapsed, elapsed at least one minute so the first
 * call of a day does not project to the moon). tag may be NULL.
 */
void budget_evaluate(const char *tag, enum budget_period p, int64_t limit_nanos,
                     int64_t spent_nanos, int64_t now_ms, int64_t start_ms, int64_t end_ms,
                     struct budget_status *out);

/*
 * The status of every limit of c that applies: with all != 0 every budget
 * (the console's bars); else the untagged ones and those whose tag equals
 * tag (a call or batch with that tag; NULL or "" = untagged spend, so only
 * the untagged budgets). Spend comes from fn. Fills out[0..*n) (at most
 * max). 0, or -1 with err (from fn).
 */
int budget_collect(const struct config *c, const char *tag, int all, int64_t now_ms,
                   budget_spend_fn fn, void *arg, struct budget_status *out, size_t max,
                   size_t *n, char *err, size_t errlen);

/*
 * The one projection model of the console (header, Cache pane, the
 * crossing line): what is spent, plus a rate per hour for the time left.
 * The rate of a day is the last hour's spend ("at last hour's rate": what
 * happens now, not what happened at 9 am); of a month, the month's average
 * hour so far (an hour is too noisy for 30 days). Rows stamped with their
 * import time are not a rate (the caller's spend function leaves them out).
 */
#define BUDGET_RATE_WINDOW_MS 3600000LL
const char *budget_model_name(enum budget_period p);  /* "at last hour's rate", … */

/* spent + hour_nanos per hour from now_ms to end_ms (saturating). */
int64_t budget_project(int64_t spent_nanos, int64_t hour_nanos, int64_t now_ms, int64_t end_ms);

/* When spend reaches limit_nanos at hour_nanos per hour from now_ms: the
 * time, or 0 when that is not before end_ms (or the rate is 0, or the limit
 * is reached already). */
int64_t budget_cross_at(int64_t spent_nanos, int64_t limit_nanos, int64_t hour_nanos,
                        int64_t now_ms, int64_t end_ms);

/*
 * Apply the model to s[0..n) at now_ms: rate_nanos, projected_nanos and
 * cross_ms of each limit. A daily limit's rate is fn's spend (of its tag)
 * in the hour before now_ms; a monthly one's is its average so far. 0, or
 * -1 with err (from fn).
 */
int budget_add_rate(struct budget_status *s, size_t n, int64_t now_ms, budget_spend_fn fn,
                    void *arg, char *err, size_t errlen);

/*
 * May spending of up to estimated_nanos start? Refused when a limit is
 * already exceeded or when estimated would pass what is left. what names
 * the thing ("call", "batch"). Returns 0 to go on, 1 when refused; in both
 * cases msg says the numbers of the first limit in the way (or is "" when
 * none is), e.g.
 *   daily budget $50.00: spent $49.20, $0.80 left, this call may cost up to
 *   $1.10 — refusing (use --force)
 * With force it returns 0 and msg says the limit is being passed on --force.
 */
int budget_check(const struct budget_status *s, size_t n, int64_t estimated_nanos, int force,
                 const char *what, char *msg, size_t msglen);

/* The same, with `how` in place of "use --force" in the refusal (the
 * console names its own override key). */
int budget_check_how(const struct budget_status *s, size_t n, int64_t estimated_nanos,
                     int force, const char *what, const char *how, char *msg, size_t msglen);

/* A crossing to announce: the limit and the level it reached. */
struct budget_alert {
	struct budget_status status;
	enum budget_state    level;      /* BUDGET_WARNING or BUDGET_EXCEEDED */
};

/* The key of a crossing: "daily|TAG|2026-11-28|warning". */
void budget_alert_key(const struct budget_status *s, enum budget_state level, char *buf,
                      size_t n);

/*
 * Crossings due: for each limit at warning or above, every level it reached
 * is claimed through fn (so each is announced once per period, across
 * restarts and processes); the highest level newly claimed of each limit
 * goes into due[0..*ndue) (at most max). 0, or -1 with err (from fn).
 */
int budget_alerts_due(const struct budget_status *s, size_t n, budget_claim_fn fn, void *arg,
                      struct budget_alert *due, size_t max, size_t *ndue,
                      char *err, size_t errlen);

#endif
