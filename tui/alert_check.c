/* alert_check.c — the rules against the ledger: gather each kind's figures
 * (budgets and their projection, the last hour against the same hour of
 * the past week, the proxy's error share, ended batches, unpriced models)
 * and raise what crossed, once, in the ledger. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alert.h"
#include "core/budget.h"
#include "tui/alerter.h"
#include "tui/cli.h"

#define MS_PER_DAY   86400000LL
#define RECENT_MS    MS_PER_DAY    /* batches ended and unpriced models seen in the last day */

struct ctx {
	const struct config  *cfg;
	struct store         *st;
	const struct pricing *pr;
	int64_t               now_ms;
	struct cli_ledger     led;      /* st and pr, for the spend functions */
};

static int
has_rule(const struct config *cfg, enum alert_when w)
{
	int i;

	for (i = 0; i < cfg->nalerts; i++)
		if (cfg->alerts[i].when == w)
			return 1;
	return 0;
}

static int
eval_budgets(struct ctx *c, struct alert_list *out, char *err, size_t errlen)
{
	struct budget_status s[BUDGET_MAX_STATUS];
	size_t n;
	int i;

	if (c->cfg->nbudgets == 0)
		return 0;
	if (budget_collect(c->cfg, NULL, 1, c->now_ms, cli_spend_period, &c->led, s,
	    BUDGET_MAX_STATUS, &n, err, errlen) != 0 ||
	    budget_add_rate(s, n, c->now_ms, cli_spend_rate, &c->led, err, errlen) != 0)
		return -1;
	for (i = 0; i < c->cfg->nalerts; i++)
		if (c->cfg->alerts[i].when == ALERT_BUDGET &&
		    alert_eval_budget(&c->cfg->alerts[i], i, s, n, out) != 0)
			goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int
eval_burn(struct ctx *c, struct alert_list *out, char *err, size_t errlen)
{
	int64_t hour, past[ALERT_BURN_DAYS], t = c->now_ms;
	int i;

	if (cli_spend_rate(&c->led, NULL, t - BUDGET_RATE_WINDOW_MS, t, &hour, err, errlen) != 0)
		return -1;
	for (i = 0; i < ALERT_BURN_DAYS; i++) {
		int64_t end = t - (int64_t)(i + 1) * MS_PER_DAY;

		if (cli_spend_rate(&c->led, NULL, end - BUDGET_RATE_WINDOW_MS, end, &past[i], err,
		    errlen) != 0)
			return -1;
	}
	for (i = 0; i < c->cfg->nalerts; i++)
		if (c->cfg->alerts[i].when == ALERT_BURN_RATE &&
		    alert_eval_burn(&c->cfg->alerts[i], i, t, hour, past, out) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	return 0;
}

static int
eval_errors(struct ctx *c, struct alert_list *out, char *err, size_t errlen)
{
	struct store_status_sum sums[8];
	int64_t minute = c->now_ms / 60000;
	size_t n, k;
	int i;

	/* five minutes: this one and the four before; each provider judged
	 * apart, as tokentop_proxy_requests_total{provider} counts it (counts
	 * from before the split, provider "", are judged as one) */
	if (store_proxy_status_sums(c->st, minute - (ALERT_ERRORS_MS / 60000 - 1), sums, 8, &n,
	    err, errlen) != 0)
		return -1;
	for (i = 0; i < c->cfg->nalerts; i++)
		for (k = 0; k < n && c->cfg->alerts[i].when == ALERT_ERRORS; k++)
			if (alert_eval_errors(&c->cfg->alerts[i], i, c->now_ms, sums[k].provider,
			    sums[k].requests, sums[k].errors, out) != 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
	return 0;
}

/* Has the batch ended, one way or another? (Anthropic "ended"; the other
 * providers' final states.) */
static int
batch_over(const struct batch_rec *b)
{
	static const char *const over[] = { "ended", "completed", "failed", "expired",
	    "cancelled", "canceled" };
	size_t i;

	for (i = 0; i < sizeof(over) / sizeof(over[0]); i++)
		if (strcmp(b->status, over[i]) == 0)
			return 1;
	return 0;
}

static int
eval_batches(struct ctx *c, struct alert_list *out, char *err, size_t errlen)
{
	struct batch_rec *b = NULL;
	size_t n, j;
	int i, rc = 0;

	if (store_batch_list(c->st, NULL, 50, &b, &n, err, errlen) != 0)
		return -1;
	for (j = 0; j < n && rc == 0; j++) {
		int64_t end = b[j].ended_ms != 0 ? b[j].ended_ms : b[j].created_ms;

		if (!batch_over(&b[j]) || end < c->now_ms - RECENT_MS)
			continue;
		for (i = 0; i < c->cfg->nalerts && rc == 0; i++)
			if (c->cfg->alerts[i].when == ALERT_BATCH)
				rc = alert_eval_batch(&c->cfg->alerts[i], i, b[j].id, b[j].status,
				    b[j].counts.succeeded, b[j].counts.errored, b[j].counts.expired,
				    b[j].counts.canceled, out);
	}
	free(b);
	if (rc != 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

static int
eval_unpriced(struct ctx *c, struct alert_list *out, char *err, size_t errlen)
{
	struct report_query q;
	struct report r;
	size_t j;
	int i, rc = 0;

	memset(&q, 0, sizeof(q));
	q.group = REPORT_TOTAL;
	q.since_ms = c->now_ms - RECENT_MS;
	if (store_report(c->st, c->pr, &q, &r, err, errlen) != 0)
		return -1;
	for (j = 0; j < r.nunpriced && rc == 0; j++)
		for (i = 0; i < c->cfg->nalerts && rc == 0; i++)
			if (c->cfg->alerts[i].when == ALERT_UNPRICED)
				rc = alert_eval_unpriced(&c->cfg->alerts[i], i, r.unpriced[j], out);
	store_report_free(&r);
	if (rc != 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

/* Raise the crossings of l, one group (a limit's levels) at a time. */
static int
raise_all(struct ctx *c, const struct alert_list *l, int *raised, char *err, size_t errlen)
{
	struct alert_rec *recs;
	size_t i, j, k;
	int r;

	if (l->n == 0)
		return 0;
	if ((recs = calloc(l->n, sizeof(*recs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < l->n; i = j) {
		for (j = i; j < l->n && l->v[j].group == l->v[i].group; j++) {
			const struct alert_crossing *x = &l->v[j];
			struct alert_rec *a = &recs[j - i];

			memset(a, 0, sizeof(*a));
			snprintf(a->key, sizeof(a->key), "%s", x->key);
			a->rule = x->rule;
			snprintf(a->target, sizeof(a->target), "%s", c->cfg->alerts[x->rule].target);
			snprintf(a->kind, sizeof(a->kind), "%s", alert_when_name(x->when));
			snprintf(a->text, sizeof(a->text), "%s", x->text);
			snprintf(a->fields, sizeof(a->fields), "%s", x->fields);
		}
		k = j - i;
		if (store_alert_raise(c->st, recs, k, l->v[i].after, c->now_ms, &r, err,
		    errlen) != 0) {
			free(recs);
			return -1;
		}
		if (r >= 0 && raised != NULL)
			(*raised)++;
	}
	free(recs);
	return 0;
}

int
alert_check(const struct config *cfg, struct store *st, const struct pricing *pr,
            int64_t now_ms, int *raised, char *err, size_t errlen)
{
	static int (*const eval[])(struct ctx *, struct alert_list *, char *, size_t) = {
		[ALERT_BUDGET] = eval_budgets, [ALERT_BURN_RATE] = eval_burn,
		[ALERT_ERRORS] = eval_errors, [ALERT_BATCH] = eval_batches,
		[ALERT_UNPRICED] = eval_unpriced,
	};
	struct ctx c = { cfg, st, pr, now_ms, { st, pr } };
	struct alert_list l;
	size_t w;
	int rc = -1;

	if (raised != NULL)
		*raised = 0;
	if (cfg->nalerts == 0)
		return 0;
	memset(&l, 0, sizeof(l));
	for (w = 0; w < sizeof(eval) / sizeof(eval[0]); w++)
		if (has_rule(cfg, (enum alert_when)w) && eval[w](&c, &l, err, errlen) != 0)
			goto out;
	rc = raise_all(&c, &l, raised, err, errlen);
out:
	alert_list_done(&l);
	return rc;
}
