/* budget.c — budgets against spend: state, projection, refusal, crossings. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/budget.h"
#include "core/num.h"
#include "core/pricing.h"
#include "core/usage.h"

#define MS_PER_MINUTE 60000LL

const char *
budget_period_name(enum budget_period p)
{
	return p == BUDGET_DAILY ? "daily" : "monthly";
}

const char *
budget_state_name(enum budget_state s)
{
	return s == BUDGET_EXCEEDED ? "exceeded" : s == BUDGET_WARNING ? "warning" : "ok";
}

int
budget_period_bounds(enum budget_period p, int64_t now_ms, int64_t *start_ms,
                     int64_t *end_ms, char *key, size_t keylen)
{
	time_t t = (time_t)(now_ms / 1000), a, b;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	if (key != NULL && strftime(key, keylen, p == BUDGET_DAILY ? "%Y-%m-%d" : "%Y-%m",
	    &tm) == 0)
		return -1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (p == BUDGET_MONTHLY)
		tm.tm_mday = 1;
	tm.tm_isdst = -1;
	if ((a = mktime(&tm)) == (time_t)-1)
		return -1;
	if (p == BUDGET_DAILY)
		tm.tm_mday++;
	else
		tm.tm_mon++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	if ((b = mktime(&tm)) == (time_t)-1)
		return -1;
	*start_ms = (int64_t)a * 1000;
	*end_ms = (int64_t)b * 1000;
	return 0;
}

/* floor(spent × whole / part), exact while the result fits: by quotient
 * and remainder (the remainder's product fits for any period up to a
 * month in ms, and any limit below $9 million for per-mille). */
static int64_t
scale(int64_t spent, int64_t whole, int64_t part)
{
	int64_t q, r;

	if (spent <= 0 || part <= 0)
		return spent;
	q = spent / part;
	r = spent % part;
	if (q > INT64_MAX / whole)
		return INT64_MAX;
	/* q × whole fits; the remainder's share is below whole: saturate the sum */
	if (r > INT64_MAX / whole)
		return num_sat_add(q * whole, (int64_t)((long double)r * whole / part));
	return num_sat_add(q * whole, r * whole / part);
}

void
budget_evaluate(const char *tag, enum budget_period p, int64_t limit_nanos,
                int64_t spent_nanos, int64_t now_ms, int64_t start_ms, int64_t end_ms,
                struct budget_status *out)
{
	int64_t elapsed = num_sat_sub(now_ms, start_ms);

	memset(out, 0, sizeof(*out));
	usage_strlcpy(out->tag, tag != NULL ? tag : "", sizeof(out->tag));
	out->period = p;
	out->start_ms = start_ms;
	out->end_ms = end_ms;
	out->limit_nanos = limit_nanos;
	out->spent_nanos = spent_nanos;
	out->left_nanos = spent_nanos < limit_nanos ? num_sat_sub(limit_nanos, spent_nanos) : 0;
	if (limit_nanos > 0)
		out->permille = scale(spent_nanos, 1000, limit_nanos);
	if (limit_nanos > 0 && spent_nanos >= limit_nanos)
		out->state = BUDGET_EXCEEDED;
	else if (limit_nanos > 0 && out->permille >= BUDGET_WARN_PERMILLE)
		out->state = BUDGET_WARNING;
	if (elapsed < MS_PER_MINUTE)
		elapsed = MS_PER_MINUTE;
	if (elapsed >= end_ms - start_ms)
		out->projected_nanos = spent_nanos;
	else
		out->projected_nanos = scale(spent_nanos, end_ms - start_ms, elapsed);
}

const char *
budget_model_name(enum budget_period p)
{
	return p == BUDGET_DAILY ? "at last hour's rate" : "at this month's average";
}

int64_t
budget_project(int64_t spent_nanos, int64_t hour_nanos, int64_t now_ms, int64_t end_ms)
{
	int64_t more;

	if (hour_nanos <= 0 || now_ms >= end_ms)
		return spent_nanos;
	more = scale(hour_nanos, end_ms - now_ms, BUDGET_RATE_WINDOW_MS);
	return num_sat_add(spent_nanos, more);
}

int64_t
budget_cross_at(int64_t spent_nanos, int64_t limit_nanos, int64_t hour_nanos, int64_t now_ms,
                int64_t end_ms)
{
	int64_t need, t;

	if (limit_nanos <= 0 || spent_nanos >= limit_nanos || hour_nanos <= 0 || now_ms >= end_ms)
		return 0;
	need = num_sat_sub(limit_nanos, spent_nanos);
	/* need / rate hours, rounded up to the millisecond */
	t = scale(need, BUDGET_RATE_WINDOW_MS, hour_nanos);
	if (t < end_ms - now_ms && scale(hour_nanos, t, BUDGET_RATE_WINDOW_MS) < need)
		t++;
	return t < end_ms - now_ms ? now_ms + t : 0;
}

int
budget_add_rate(struct budget_status *s, size_t n, int64_t now_ms, budget_spend_fn fn,
                void *arg, char *err, size_t errlen)
{
	int64_t rate, elapsed;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i].period == BUDGET_DAILY) {
			if (fn(arg, s[i].tag[0] ? s[i].tag : NULL, now_ms - BUDGET_RATE_WINDOW_MS,
			    now_ms + 1, &rate, err, errlen) != 0)
				return -1;
		} else {
			elapsed = now_ms - s[i].start_ms;
			if (elapsed < MS_PER_MINUTE)
				elapsed = MS_PER_MINUTE;
			rate = scale(s[i].spent_nanos, BUDGET_RATE_WINDOW_MS, elapsed);
		}
		s[i].rate_nanos = rate;
		s[i].projected_nanos = budget_project(s[i].spent_nanos, rate, now_ms, s[i].end_ms);
		s[i].cross_ms = budget_cross_at(s[i].spent_nanos, s[i].limit_nanos, rate, now_ms,
		    s[i].end_ms);
	}
	return 0;
}

int
budget_collect(const struct config *c, const char *tag, int all, int64_t now_ms,
               budget_spend_fn fn, void *arg, struct budget_status *out, size_t max,
               size_t *n, char *err, size_t errlen)
{
	const struct budget *b;
	enum budget_period p;
	int64_t start, end, limit, spent;
	char key[16];
	int i;

	*n = 0;
	for (i = 0; i < c->nbudgets; i++) {
		b = &c->budgets[i];
		if (!all && b->tag[0] != '\0' && (tag == NULL || strcmp(tag, b->tag) != 0))
			continue;
		for (p = BUDGET_DAILY; p <= BUDGET_MONTHLY; p++) {
			limit = p == BUDGET_DAILY ? b->daily_nanos : b->monthly_nanos;
			if (limit <= 0 || *n >= max)
				continue;
			if (budget_period_bounds(p, now_ms, &start, &end, key, sizeof(key)) != 0) {
				snprintf(err, errlen, "budget: cannot work out the local %s period",
				    budget_period_name(p));
				return -1;
			}
			if (fn(arg, b->tag[0] != '\0' ? b->tag : NULL, start, end, &spent, err,
			    errlen) != 0)
				return -1;
			budget_evaluate(b->tag, p, limit, spent, now_ms, start, end, &out[*n]);
			usage_strlcpy(out[*n].period_key, key, sizeof(out[*n].period_key));
			(*n)++;
		}
	}
	return 0;
}

/* Dollars as the usage line shows them: 4 places below $1, else 2. */
static char *
usd(int64_t nanos, char *buf, size_t n)
{
	return pricing_format_money(nanos, nanos < NANOS_PER_USD ? 4 : 2, buf, n);
}

/* "daily budget $50.00" or "daily budget $50.00 (tag \"x\")". */
static void
limit_name(const struct budget_status *s, char *buf, size_t n)
{
	char l[48];

	if (s->tag[0] != '\0')
		snprintf(buf, n, "%s budget %s (tag \"%s\")", budget_period_name(s->period),
		    usd(s->limit_nanos, l, sizeof(l)), s->tag);
	else
		snprintf(buf, n, "%s budget %s", budget_period_name(s->period),
		    usd(s->limit_nanos, l, sizeof(l)));
}

int
budget_check(const struct budget_status *s, size_t n, int64_t estimated_nanos, int force,
             const char *what, char *msg, size_t msglen)
{
	return budget_check_how(s, n, estimated_nanos, force, what, "use --force", msg, msglen);
}

int
budget_check_how(const struct budget_status *s, size_t n, int64_t estimated_nanos, int force,
                 const char *what, const char *how, char *msg, size_t msglen)
{
	char name[160], a[48], b[48], c[48], tail[128];
	size_t i;

	snprintf(tail, sizeof(tail), force ? "going on (--force)" : "refusing (%s)", how);
	msg[0] = '\0';
	for (i = 0; i < n; i++) {
		if (s[i].limit_nanos <= 0)
			continue;
		if (s[i].spent_nanos < s[i].limit_nanos &&
		    estimated_nanos <= s[i].left_nanos)
			continue;
		limit_name(&s[i], name, sizeof(name));
		if (s[i].spent_nanos >= s[i].limit_nanos)
			snprintf(msg, msglen, "%s: spent %s, exceeded — %s", name,
			    usd(s[i].spent_nanos, a, sizeof(a)), tail);
		else
			snprintf(msg, msglen, "%s: spent %s, %s left, this %s may cost up to %s — %s",
			    name, usd(s[i].spent_nanos, a, sizeof(a)), usd(s[i].left_nanos, b, sizeof(b)),
			    what, usd(estimated_nanos, c, sizeof(c)), tail);
		return force ? 0 : 1;
	}
	return 0;
}

void
budget_alert_key(const struct budget_status *s, enum budget_state level, char *buf, size_t n)
{
	snprintf(buf, n, "%s|%s|%s|%s", budget_period_name(s->period), s->tag, s->period_key,
	    budget_state_name(level));
}

int
budget_alerts_due(const struct budget_status *s, size_t n, budget_claim_fn fn, void *arg,
                  struct budget_alert *due, size_t max, size_t *ndue,
                  char *err, size_t errlen)
{
	enum budget_state lv, fresh;
	char key[256];
	size_t i;
	int first;

	*ndue = 0;
	for (i = 0; i < n; i++) {
		fresh = BUDGET_OK;
		for (lv = BUDGET_WARNING; lv <= s[i].state; lv++) {
			budget_alert_key(&s[i], lv, key, sizeof(key));
			if (fn(arg, key, &first, err, errlen) != 0)
				return -1;
			if (first)
				fresh = lv;
		}
		if (fresh != BUDGET_OK && *ndue < max) {
			due[*ndue].status = s[i];
			due[*ndue].level = fresh;
			(*ndue)++;
		}
	}
	return 0;
}
