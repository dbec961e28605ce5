/* alert.c — the rules' evaluation: figures in, crossings out (each with
 * its key, its line for people and its figures), and the bodies a webhook
 * gets. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/alert.h"
#include "core/budget.h"
#include "core/num.h"
#include "core/pricing.h"
#include "core/usage.h"

#define MS_PER_HOUR 3600000LL

void
alert_list_done(struct alert_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* A new crossing at the end of l (zeroed but for rule, when and group),
 * or NULL when out of memory. */
static struct alert_crossing *
add(struct alert_list *l, const struct alert_rule *r, int idx, int group)
{
	struct alert_crossing *c;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (v == NULL)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	c->rule = idx;
	c->when = r->when;
	c->group = group;
	return c;
}

/* c->fields = the JSON of o (stolen), compact. */
static void
set_fields(struct alert_crossing *c, json_t *o)
{
	char *d = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;

	usage_strlcpy(c->fields, d != NULL && strlen(d) < sizeof(c->fields) ? d : "{}",
	    sizeof(c->fields));
	free(d);
	json_decref(o);
}

__attribute__((format(printf, 2, 3)))
static void
say(struct alert_crossing *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->text, sizeof(c->text), fmt, ap);
	va_end(ap);
}

static char *
usd(int64_t nanos, char *buf, size_t n)
{
	return pricing_format_money(nanos, nanos != 0 && nanos < NANOS_PER_USD ? 4 : 2, buf, n);
}

/* The thresholds of r for period p. */
static const int *
levels(const struct alert_rule *r, enum budget_period p, int *n)
{
	*n = p == BUDGET_DAILY ? r->ndaily : r->nmonthly;
	return p == BUDGET_DAILY ? r->daily : r->monthly;
}

int
alert_eval_budget(const struct alert_rule *r, int idx, const struct budget_status *s,
                  size_t n, struct alert_list *out)
{
	char a[32], b[32], d[32];
	size_t i;
	int j, nl;

	for (i = 0; i < n; i++) {
		const int *lv = levels(r, s[i].period, &nl);
		int group = out->groups++;

		if (s[i].limit_nanos <= 0 || (r->has_tag && strcmp(r->tag, s[i].tag) != 0))
			continue;
		for (j = 0; j < nl; j++) {
			struct alert_crossing *c;

			if (s[i].permille < (int64_t)lv[j] * 10)
				break;
			if ((c = add(out, r, idx, group)) == NULL)
				return -1;
			c->level = lv[j];
			snprintf(c->key, sizeof(c->key), "%s|budget|%s|%s|%s|%d", r->id,
			    budget_period_name(s[i].period), s[i].tag, s[i].period_key, lv[j]);
			say(c, "tokentop: %s budget%s%s reached %d%%: %s of %s (%lld%%), %s by the "
			    "%s's end at this rate", budget_period_name(s[i].period),
			    s[i].tag[0] ? " " : "", s[i].tag, lv[j], usd(s[i].spent_nanos, a, sizeof(a)),
			    usd(s[i].limit_nanos, b, sizeof(b)), (long long)(s[i].permille / 10),
			    usd(s[i].projected_nanos, d, sizeof(d)),
			    s[i].period == BUDGET_DAILY ? "day" : "month");
			set_fields(c, json_pack("{s:s, s:s, s:s, s:i, s:f, s:f, s:f, s:f}",
			    "period", budget_period_name(s[i].period), "tag", s[i].tag,
			    "period_key", s[i].period_key, "threshold_percent", lv[j],
			    "percent", (double)s[i].permille / 10.0,
			    "spent_usd", pricing_usd(s[i].spent_nanos),
			    "limit_usd", pricing_usd(s[i].limit_nanos),
			    "projected_usd", pricing_usd(s[i].projected_nanos)));
		}
	}
	return 0;
}

/* key and after of a windowed rule: ID|KIND|WINDOW and the window before. */
static void
window_keys(struct alert_crossing *c, const struct alert_rule *r, int64_t w)
{
	snprintf(c->key, sizeof(c->key), "%s|%s|%lld", r->id, alert_when_name(r->when),
	    (long long)w);
	snprintf(c->after, sizeof(c->after), "%s|%s|%lld", r->id, alert_when_name(r->when),
	    (long long)(w - 1));
}

int
alert_eval_burn(const struct alert_rule *r, int idx, int64_t now_ms, int64_t hour_nanos,
                const int64_t past[ALERT_BURN_DAYS], struct alert_list *out)
{
	struct alert_crossing *c;
	int64_t sum = 0, mean, bar;
	char a[32], b[32];
	json_t *hist;
	int i;

	for (i = 0; i < ALERT_BURN_DAYS; i++)
		sum = num_sat_add(sum, past[i]);
	mean = sum / ALERT_BURN_DAYS;
	/* above factor × mean: hour × 1000 > factor_milli × mean, saturating */
	if (__builtin_mul_overflow(mean, r->factor_milli, &bar))
		return 0;
	if (hour_nanos <= r->floor_nanos || hour_nanos > INT64_MAX / 1000 ||
	    hour_nanos * 1000 <= bar)
		return 0;
	if ((c = add(out, r, idx, out->groups++)) == NULL)
		return -1;
	window_keys(c, r, now_ms / MS_PER_HOUR);
	c->level = 1;
	if (mean > 0)
		say(c, "tokentop: spend rate %s/h over the last hour, %.1f× the usual %s/h for "
		    "this hour (past %d days)", usd(hour_nanos, a, sizeof(a)),
		    (double)hour_nanos / (double)mean, usd(mean, b, sizeof(b)), ALERT_BURN_DAYS);
	else
		say(c, "tokentop: spend rate %s/h over the last hour; nothing was spent at this "
		    "hour in the past %d days", usd(hour_nanos, a, sizeof(a)), ALERT_BURN_DAYS);
	hist = json_array();
	for (i = 0; i < ALERT_BURN_DAYS; i++)
		json_array_append_new(hist, json_real(pricing_usd(past[i])));
	set_fields(c, json_pack("{s:f, s:f, s:f, s:f, s:o}",
	    "rate_usd_per_hour", pricing_usd(hour_nanos), "mean_usd_per_hour", pricing_usd(mean),
	    "factor", (double)r->factor_milli / 1000.0,
	    "floor_usd_per_hour", pricing_usd(r->floor_nanos), "past_days_usd", hist));
	return 0;
}

int
alert_eval_errors(const struct alert_rule *r, int idx, int64_t now_ms, const char *provider,
                  int64_t requests, int64_t errors, struct alert_list *out)
{
	struct alert_crossing *c;
	int64_t lhs, rhs, w = now_ms / ALERT_ERRORS_MS;
	const char *pv = provider[0] != '\0' ? provider : "any provider";

	if (requests < r->min_requests || requests <= 0 ||
	    __builtin_mul_overflow(errors, 1000, &lhs) ||
	    __builtin_mul_overflow(r->share_permille, requests, &rhs) || lhs <= rhs)
		return 0;
	if ((c = add(out, r, idx, out->groups++)) == NULL)
		return -1;
	/* a storm per provider: the provider in its keys */
	snprintf(c->key, sizeof(c->key), "%s|errors|%s|%lld", r->id, provider, (long long)w);
	snprintf(c->after, sizeof(c->after), "%s|errors|%s|%lld", r->id, provider,
	    (long long)(w - 1));
	c->level = 1;
	say(c, "tokentop: %lld%% of the proxy's requests to %s failed with 429 or 5xx in the "
	    "last 5 minutes (%lld of %lld)", (long long)(errors * 100 / requests), pv,
	    (long long)errors, (long long)requests);
	set_fields(c, json_pack("{s:s, s:I, s:I, s:f, s:f, s:I}", "provider", provider,
	    "requests", (json_int_t)requests,
	    "errors", (json_int_t)errors, "percent", (double)errors * 100.0 / (double)requests,
	    "threshold_percent", (double)r->share_permille / 10.0,
	    "min_requests", (json_int_t)r->min_requests));
	return 0;
}

int
alert_eval_batch(const struct alert_rule *r, int idx, const char *id, const char *status,
                 int64_t succeeded, int64_t errored, int64_t expired, int64_t canceled,
                 struct alert_list *out)
{
	struct alert_crossing *c;

	if ((c = add(out, r, idx, out->groups++)) == NULL)
		return -1;
	snprintf(c->key, sizeof(c->key), "%s|batch|%s", r->id, id);
	c->level = 1;
	say(c, "tokentop: batch %s %s: %lld succeeded, %lld errored, %lld expired, %lld canceled",
	    id, status, (long long)succeeded, (long long)errored, (long long)expired,
	    (long long)canceled);
	set_fields(c, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "batch_id", id,
	    "status", status, "succeeded", (json_int_t)succeeded, "errored", (json_int_t)errored,
	    "expired", (json_int_t)expired, "canceled", (json_int_t)canceled));
	return 0;
}

int
alert_eval_unpriced(const struct alert_rule *r, int idx, const char *model,
                    struct alert_list *out)
{
	struct alert_crossing *c;

	if ((c = add(out, r, idx, out->groups++)) == NULL)
		return -1;
	snprintf(c->key, sizeof(c->key), "%s|unpriced|%s", r->id, model);
	c->level = 1;
	say(c, "tokentop: model %s has no price: its requests are counted without a cost "
	    "(add it to prices.json)", model);
	set_fields(c, json_pack("{s:s}", "model", model));
	return 0;
}

char *
alert_idempotency_key(const char *key, int64_t created_ms, char *buf, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	const char *p;

	for (p = key; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(buf, n, "tokentop-%016llx-%lld", (unsigned long long)h, (long long)created_ms);
	return buf;
}

char *
alert_body(int json, const char *kind, const char *key, int64_t created_ms, const char *text,
           const char *fields)
{
	json_t *o, *f;
	char when[40], idem[ALERT_IDEM_MAX], *d;
	time_t t = (time_t)(created_ms / 1000);
	struct tm tm;

	if (!json) {
		o = json_pack("{s:s}", "text", text);
	} else {
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		f = json_loads(fields != NULL ? fields : "{}", 0, NULL);
		o = json_is_object(f) ? json_deep_copy(f) : json_object();
		json_decref(f);
		json_object_set_new(o, "text", json_string(text));
		json_object_set_new(o, "kind", json_string(kind));
		json_object_set_new(o, "key", json_string(key));
		json_object_set_new(o, "created", json_string(when));
		json_object_set_new(o, "idempotency_key",
		    json_string(alert_idempotency_key(key, created_ms, idem, sizeof(idem))));
	}
	d = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
	json_decref(o);
	return d;
}

void
alert_scrub(char *buf, const char *secret, const char *target)
{
	size_t sl = strlen(secret), tl = strlen(target);
	char *p;

	if (sl == 0)
		return;
	while ((p = strstr(buf, secret)) != NULL) {
		/* the target is shorter than any URL; move the rest left */
		if (tl > sl)
			tl = sl;
		memcpy(p, target, tl);
		memmove(p + tl, p + sl, strlen(p + sl) + 1);
	}
}
