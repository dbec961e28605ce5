/* console_org.h — the organisation's own numbers in the console: with an
 * Admin key (ANTHROPIC_ADMIN_KEY, OPENAI_ADMIN_KEY) the loop runs `tokentop
 * sync`'s paging asynchronously every few minutes, provider after provider
 * (orgsync_start on that provider's curl multi handle, waited in the loop's
 * one wait), stores it (store_org_replace_for), and the dashboard shows
 * each organisation's spend beside the ledger's rows of that provider and
 * the gap. Without an Admin key everything here is a no-op. */
#ifndef TOKENTOP_CONSOLE_ORG_H
#define TOKENTOP_CONSOLE_ORG_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/console.h"

#define ORG_SYNC_INTERVAL_MS (5 * 60 * 1000)
#define ORG_SYNC_FIRST_MS    2000           /* the first sync, after start */

/* One synced provider's figures (nanos; the UTC day and month). */
struct console_org_provider {
	const struct provider *pv;
	int64_t today_org, today_ledger;
	int64_t month_org, month_ledger;
};

/* What the dashboard shows (UTC days and month: the cost report's buckets,
 * as `tokentop report org`): the sums over the synced providers (each
 * organisation against the ledger's rows of that provider) and each one. */
struct console_org_view {
	int     on;                 /* an Admin key is configured */
	int     synced;             /* a sync is in the store */
	int64_t synced_ms;          /* the oldest of the providers' last syncs */
	int64_t today_org, today_ledger;   /* nanos, the UTC day */
	int64_t month_org, month_ledger;   /* nanos, the UTC month to date */
	struct console_org_provider prov[PROVIDER_COUNT];
	int     nprov;
	char    err[160];           /* the last sync's failure, "" = none */
};

/*
 * Start following every provider whose Admin key is set: the interval is
 * ORG_SYNC_INTERVAL_MS, or TOKENTOP_SYNC_INTERVAL_MS (milliseconds, for the
 * tests). 0, or -1 with err when the client cannot start.
 */
int  console_org_init(struct console *c, char *err, size_t errlen);
/* Cancel a sync in flight (nothing is stored) and free the client. */
void console_org_done(void);
/* Start a sync when one is due (never blocks). */
void console_org_tick(struct console *c);
/* 1 while a sync is in flight: the loop waits on its network then. */
int  console_org_busy(void);
/*
 * Wait up to timeout_ms on the sync's network and the extra fds (revents
 * filled), then drive it; a finished sync is stored here. Returns 1 when
 * the store changed.
 */
int  console_org_wait(struct console *c, struct pollfd *extra, size_t n, int timeout_ms);
/* Read the figures from the store (store_org_report beside store_report).
 * 0, or -1 with err. */
int  console_org_read(struct console *c, struct console_org_view *v, char *err, size_t errlen);

#endif
