/* console_org.c — the organisation sync in the console's loop: for every
 * provider with an Admin key, one async orgsync at a time on that
 * provider's own curl multi handle (the Admin key never reaches the
 * screen), one provider after the other, each stored in one transaction
 * when it ends; and the figures the dashboard shows beside the ledger's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/http.h"
#include "core/num.h"
#include "core/orgsync.h"
#include "tui/console_org.h"
#include "tui/view.h"

static struct {
	struct console       *c;
	struct http_multi    *m[PROVIDER_COUNT];   /* NULL: no Admin key */
	struct orgsync       *s;        /* in flight, NULL = idle */
	int                   cur;      /* the provider of s */
	struct org_data       d;
	struct orgsync_range  r;
	int64_t               interval_ms;
	int64_t               next_ms;
	int                   closing;
	int                   changed;
	char                  err[160];
} og;

/* Any provider followed? */
static int
following(void)
{
	int i;

	for (i = 0; i < PROVIDER_COUNT; i++)
		if (og.m[i] != NULL)
			return 1;
	return 0;
}

int
console_org_init(struct console *c, char *err, size_t errlen)
{
	const char *e = getenv("TOKENTOP_SYNC_INTERVAL_MS");
	long long v;

	int i;

	memset(&og, 0, sizeof(og));
	og.c = c;
	og.interval_ms = ORG_SYNC_INTERVAL_MS;
	if (e != NULL && (v = atoll(e)) >= 100)
		og.interval_ms = v;
	og.next_ms = c->now_ms + (og.interval_ms < ORG_SYNC_FIRST_MS ? og.interval_ms :
	    ORG_SYNC_FIRST_MS);
	for (i = 0; i < PROVIDER_COUNT; i++)
		if (c->cli->cfg.cred[i].admin_key[0] != '\0' &&
		    (og.m[i] = orgsync_multi_new_for(&c->cli->cfg, provider_at(i), err, errlen)) ==
		    NULL) {
			console_org_done();
			return -1;
		}
	return 0;
}

void
console_org_done(void)
{
	int i;

	og.closing = 1;
	for (i = 0; i < PROVIDER_COUNT; i++)
		http_multi_free(og.m[i]);     /* a sync in flight ends "canceled" */
	orgsync_data_free(&og.d);
	memset(&og, 0, sizeof(og));
}

int
console_org_busy(void)
{
	return og.s != NULL;
}

static void start_from(struct console *c, int first);

/* A provider's sync ended: store it, replacing its range; then the next
 * provider's. */
static void
on_done(void *arg, struct org_data *d, const char *e)
{
	struct console *c = arg;
	const struct provider *pv = provider_at(og.cur);
	char err[256];
	int failed = 1;

	og.s = NULL;
	if (og.closing)
		return;
	if (e != NULL)
		snprintf(og.err, sizeof(og.err), "%s: %s", pv->label, e);
	else if (store_org_replace_for(c->st, pv->name, og.r.since_ms, og.r.until_ms, c->now_ms,
	    d->usage, d->nusage, d->cost, d->ncost, err, sizeof(err)) != 0)
		snprintf(og.err, sizeof(og.err), "%s: %s", pv->label, err);
	else
		failed = 0;
	/* a success clears its own provider's failure (a new round: every one's) */
	if (!failed && (og.cur == 0 || strncmp(og.err, pv->label, strlen(pv->label)) == 0))
		og.err[0] = '\0';
	if (failed)
		console_status(c, ROLE_WARNING, "organisation sync: %s", og.err);
	orgsync_data_free(d);
	og.changed = 1;
	start_from(c, og.cur + 1);
}

/* Start the sync of the first followed provider from index first on. */
static void
start_from(struct console *c, int first)
{
	char err[256];
	int i;

	for (i = first; i < PROVIDER_COUNT; i++) {
		if (og.m[i] == NULL)
			continue;
		og.cur = i;
		/* the month so far (daily buckets) and today by the minute */
		orgsync_ranges(view_month_start(c->now_ms, 0), view_day_start(c->now_ms, 0),
		    c->now_ms, 0, &og.r);
		og.r.pv = provider_at(i);
		orgsync_data_free(&og.d);
		if ((og.s = orgsync_start(og.m[i], &og.r, &og.d, on_done, c, err, sizeof(err))) !=
		    NULL)
			return;
		snprintf(og.err, sizeof(og.err), "%s: %s", provider_at(i)->label, err);
		og.changed = 1;
	}
}

void
console_org_tick(struct console *c)
{
	if (!following() || og.s != NULL || c->now_ms < og.next_ms)
		return;
	og.next_ms = c->now_ms + og.interval_ms;
	start_from(c, 0);
}

int
console_org_wait(struct console *c, struct pollfd *extra, size_t n, int timeout_ms)
{
	int changed;

	struct http_multi *m = og.m[og.cur];

	(void)c;
	http_multi_wait(m, extra, n, timeout_ms);
	http_multi_perform(m);
	changed = og.changed;
	og.changed = 0;
	return changed;
}

/* pv's ledger spend in [since, ∞). */
static int
ledger_since(struct console *c, const struct provider *pv, int64_t since, int64_t *nanos,
             char *err, size_t errlen)
{
	struct report_query q = { .group = REPORT_TOTAL, .since_ms = since, .provider = pv->name };
	struct report r;

	if (store_report(c->st, c->pr, &q, &r, err, errlen) != 0)
		return -1;
	*nanos = r.totals.cost_nanos;
	store_report_free(&r);
	return 0;
}

/* pv's organisation cost of buckets in [since, ∞). */
static int
org_since(struct console *c, const struct provider *pv, int64_t since, int64_t *nanos,
          char *err, size_t errlen)
{
	struct org_report r;

	if (store_org_report_for(c->st, c->pr, pv->name, since, 0, &r, err, errlen) != 0)
		return -1;
	*nanos = r.totals.cost_nanos;
	store_org_report_free(&r);
	return 0;
}

/* One synced provider's figures into p; the sums into v. */
static int
read_provider(struct console *c, const struct provider *pv, int64_t day0, int64_t month0,
              struct console_org_provider *p, struct console_org_view *v, char *err,
              size_t errlen)
{
	p->pv = pv;
	if (org_since(c, pv, day0, &p->today_org, err, errlen) != 0 ||
	    org_since(c, pv, month0, &p->month_org, err, errlen) != 0 ||
	    ledger_since(c, pv, day0, &p->today_ledger, err, errlen) != 0 ||
	    ledger_since(c, pv, month0, &p->month_ledger, err, errlen) != 0)
		return -1;
	v->today_org = num_sat_add(v->today_org, p->today_org);
	v->month_org = num_sat_add(v->month_org, p->month_org);
	v->today_ledger = num_sat_add(v->today_ledger, p->today_ledger);
	v->month_ledger = num_sat_add(v->month_ledger, p->month_ledger);
	return 0;
}

int
console_org_read(struct console *c, struct console_org_view *v, char *err, size_t errlen)
{
	time_t t = (time_t)(c->now_ms / 1000);
	struct tm tm;
	int64_t day0, month0, s0, s1, at;
	int i, found;

	memset(v, 0, sizeof(*v));
	v->on = following();
	if (!v->on)
		return 0;
	snprintf(v->err, sizeof(v->err), "%s", og.err);
	/* UTC, as the cost report buckets and `report org` counts */
	gmtime_r(&t, &tm);
	day0 = c->now_ms - c->now_ms % 86400000;
	month0 = day0 - (int64_t)(tm.tm_mday - 1) * 86400000;
	for (i = 0; i < PROVIDER_COUNT; i++) {
		if (og.m[i] == NULL)
			continue;
		if (store_org_last_sync_for(c->st, provider_at(i)->name, &at, &s0, &s1, &found, err,
		    errlen) != 0)
			return -1;
		if (!found)
			continue;
		if (!v->synced || at < v->synced_ms)
			v->synced_ms = at;           /* the oldest of the syncs shown */
		v->synced = 1;
		if (read_provider(c, provider_at(i), day0, month0, &v->prov[v->nprov++], v, err,
		    errlen) != 0)
			return -1;
	}
	return 0;
}
