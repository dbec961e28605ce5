/* console_org.c — the organisation sync in the console's loop: one async
 * orgsync at a time on its own curl multi handle (the Admin key is its
 * x-api-key; it never reaches the screen), stored in one transaction when
 * it ends, and the figures the dashboard shows beside the ledger's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/http.h"
#include "core/orgsync.h"
#include "tui/console_org.h"
#include "tui/view.h"

static struct {
	struct console       *c;
	struct http_multi    *m;
	struct orgsync       *s;        /* in flight, NULL = idle */
	struct org_data       d;
	struct orgsync_range  r;
	int64_t               interval_ms;
	int64_t               next_ms;
	int                   closing;
	int                   changed;
	char                  err[160];
} og;

int
console_org_init(struct console *c, char *err, size_t errlen)
{
	const char *e = getenv("TOKENTOP_SYNC_INTERVAL_MS");
	long long v;

	memset(&og, 0, sizeof(og));
	og.c = c;
	if (c->cli->cfg.admin_key[0] == '\0')
		return 0;
	og.interval_ms = ORG_SYNC_INTERVAL_MS;
	if (e != NULL && (v = atoll(e)) >= 100)
		og.interval_ms = v;
	og.next_ms = c->now_ms + (og.interval_ms < ORG_SYNC_FIRST_MS ? og.interval_ms :
	    ORG_SYNC_FIRST_MS);
	if ((og.m = orgsync_multi_new(&c->cli->cfg, err, errlen)) == NULL)
		return -1;
	return 0;
}

void
console_org_done(void)
{
	og.closing = 1;
	http_multi_free(og.m);     /* a sync in flight ends "canceled" */
	orgsync_data_free(&og.d);
	memset(&og, 0, sizeof(og));
}

int
console_org_busy(void)
{
	return og.s != NULL;
}

/* The sync ended: store it, replacing its range. */
static void
on_done(void *arg, struct org_data *d, const char *e)
{
	struct console *c = arg;
	char err[256];

	og.s = NULL;
	if (og.closing)
		return;
	if (e != NULL)
		snprintf(og.err, sizeof(og.err), "%s", e);
	else if (store_org_replace(c->st, og.r.since_ms, og.r.until_ms, c->now_ms, d->usage,
	    d->nusage, d->cost, d->ncost, err, sizeof(err)) != 0)
		snprintf(og.err, sizeof(og.err), "%s", err);
	else
		og.err[0] = '\0';
	if (og.err[0] != '\0')
		console_status(c, ROLE_WARNING, "organisation sync: %s", og.err);
	orgsync_data_free(d);
	og.changed = 1;
}

void
console_org_tick(struct console *c)
{
	char err[256];

	if (og.m == NULL || og.s != NULL || c->now_ms < og.next_ms)
		return;
	og.next_ms = c->now_ms + og.interval_ms;
	/* the month so far (daily buckets) and today by the minute */
	orgsync_ranges(view_month_start(c->now_ms, 0), view_day_start(c->now_ms, 0), c->now_ms,
	    0, &og.r);
	orgsync_data_free(&og.d);
	if ((og.s = orgsync_start(og.m, &og.r, &og.d, on_done, c, err, sizeof(err))) == NULL) {
		snprintf(og.err, sizeof(og.err), "%s", err);
		og.changed = 1;
	}
}

int
console_org_wait(struct console *c, struct pollfd *extra, size_t n, int timeout_ms)
{
	int changed;

	(void)c;
	http_multi_wait(og.m, extra, n, timeout_ms);
	http_multi_perform(og.m);
	changed = og.changed;
	og.changed = 0;
	return changed;
}

/* Ledger spend in [since, ∞). */
static int
ledger_since(struct console *c, int64_t since, int64_t *nanos, char *err, size_t errlen)
{
	struct report_query q = { .group = REPORT_TOTAL, .since_ms = since };
	struct report r;

	if (store_report(c->st, c->pr, &q, &r, err, errlen) != 0)
		return -1;
	*nanos = r.totals.cost_nanos;
	store_report_free(&r);
	return 0;
}

/* Organisation cost of buckets in [since, ∞). */
static int
org_since(struct console *c, int64_t since, int64_t *nanos, char *err, size_t errlen)
{
	struct org_report r;

	if (store_org_report(c->st, c->pr, since, 0, &r, err, errlen) != 0)
		return -1;
	*nanos = r.totals.cost_nanos;
	store_org_report_free(&r);
	return 0;
}

int
console_org_read(struct console *c, struct console_org_view *v, char *err, size_t errlen)
{
	time_t t = (time_t)(c->now_ms / 1000);
	struct tm tm;
	int64_t day0, month0, s0, s1;

	memset(v, 0, sizeof(*v));
	v->on = og.m != NULL;
	if (!v->on)
		return 0;
	snprintf(v->err, sizeof(v->err), "%s", og.err);
	if (store_org_last_sync(c->st, &v->synced_ms, &s0, &s1, &v->synced, err, errlen) != 0)
		return -1;
	if (!v->synced)
		return 0;
	/* UTC, as the cost report buckets and `report org` counts */
	gmtime_r(&t, &tm);
	day0 = c->now_ms - c->now_ms % 86400000;
	month0 = day0 - (int64_t)(tm.tm_mday - 1) * 86400000;
	if (org_since(c, day0, &v->today_org, err, errlen) != 0 ||
	    org_since(c, month0, &v->month_org, err, errlen) != 0 ||
	    ledger_since(c, day0, &v->today_ledger, err, errlen) != 0 ||
	    ledger_since(c, month0, &v->month_ledger, err, errlen) != 0)
		return -1;
	return 0;
}
