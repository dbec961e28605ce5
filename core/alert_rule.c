/* alert_rule.c — the config's "alerts" array read into rules; every
 * problem named by file, rule index, field and value (never a webhook URL). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/alert.h"
#include "core/config.h"
#include "core/http.h"
#include "core/usage.h"

static const char *const when_names[] = { "budget", "burn_rate", "errors", "batch", "unpriced" };

const char *
alert_when_name(enum alert_when w)
{
	return (unsigned)w < sizeof(when_names) / sizeof(when_names[0]) ? when_names[w] : "?";
}

/* 32-bit FNV-1a of s, for ids and fingerprints. */
static uint32_t
fnv(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void
alert_target(enum alert_to kind, const char *to, char *buf, size_t n)
{
	snprintf(buf, n, "%s#%08x", kind == ALERT_TO_WEBHOOK ? "webhook" : "command", fnv(to));
}

/* Where a problem is and what the value was: "FILE: alerts[1].when.budget:
 * VALUE: " into err (the caller appends what was expected). */
struct where {
	const char *file;
	size_t      idx;
	char       *err;
	size_t      errlen;
};

__attribute__((format(printf, 4, 5)))
static int
bad(const struct where *w, const char *field, json_t *v, const char *fmt, ...)
{
	char val[96] = "", what[256];
	va_list ap;
	char *d = v != NULL ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

	if (d != NULL)
		snprintf(val, sizeof(val), "%s: ", strlen(d) > 80 ? "(a long value)" : d);
	free(d);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(w->err, w->errlen, "%s: alerts[%zu]%s%s: %s%s", w->file, w->idx,
	    field[0] ? "." : "", field, val, what);
	return -1;
}

/* No key of o outside names[] (a typo is an error, not a silent default). */
static int
only_keys(const struct where *w, const char *field, json_t *o, const char *const *names,
          size_t nn)
{
	const char *k;
	json_t *v;
	size_t i;
	char f[128];

	json_object_foreach(o, k, v) {
		for (i = 0; i < nn && strcmp(k, names[i]) != 0; i++)
			;
		if (i == nn) {
			snprintf(f, sizeof(f), "%s%s%s", field, field[0] ? "." : "", k);
			return bad(w, f, NULL, "unknown field");
		}
	}
	return 0;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* A list of percents 1..1000 into out (sorted, without repeats). */
static int
percents(const struct where *w, const char *field, json_t *a, int *out, int *n)
{
	char f[128];
	size_t i;
	int j, k;

	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > ALERT_MAX_LEVELS)
		return bad(w, field, a, "expected a list of 1 to %d percents, e.g. [50, 100]",
		    ALERT_MAX_LEVELS);
	for (i = 0; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);

		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000)
			return bad(w, f, v, "expected a percent 1..1000");
		out[i] = (int)json_integer_value(v);
	}
	qsort(out, i, sizeof(int), cmp_int);
	for (j = 0, k = 0; j < (int)i; j++)
		if (k == 0 || out[k - 1] != out[j])
			out[k++] = out[j];
	*n = k;
	return 0;
}

/* A positive number (integer or real) as thousandths, at most max. */
static int
milli(const struct where *w, const char *field, json_t *v, int64_t min, int64_t max,
      int64_t *out)
{
	double d;

	if (!json_is_number(v))
		return bad(w, field, v, "expected a number");
	d = json_number_value(v);
	if (!(d * 1000.0 >= (double)min && d * 1000.0 <= (double)max))
		return bad(w, field, v, "expected %g..%g", (double)min / 1000.0,
		    (double)max / 1000.0);
	*out = (int64_t)llround(d * 1000.0);
	return 0;
}

/* Dollars: a number or a "$2.50" string, into nanos. */
static int
dollars(const struct where *w, const char *field, json_t *v, int64_t *out)
{
	char buf[64];

	if (json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) < 1e9)
		snprintf(buf, sizeof(buf), "%.9f", json_number_value(v));
	else if (json_is_string(v))
		usage_strlcpy(buf, json_string_value(v), sizeof(buf));
	else
		buf[0] = 'x', buf[1] = '\0';
	if (config_parse_usd(buf, out) != 0 || *out < 0)
		return bad(w, field, v, "expected dollars, e.g. 2.50");
	return 0;
}

static int
parse_budget(const struct where *w, json_t *o, struct alert_rule *r)
{
	static const char *const keys[] = { "daily", "monthly", "tag" };
	json_t *v;

	if (!json_is_object(o))
		return bad(w, "when.budget", o, "expected {\"daily\": [50, 100], \"monthly\": [...]}");
	if (only_keys(w, "when.budget", o, keys, 3) != 0)
		return -1;
	if ((v = json_object_get(o, "daily")) != NULL &&
	    percents(w, "when.budget.daily", v, r->daily, &r->ndaily) != 0)
		return -1;
	if ((v = json_object_get(o, "monthly")) != NULL &&
	    percents(w, "when.budget.monthly", v, r->monthly, &r->nmonthly) != 0)
		return -1;
	if (r->ndaily == 0 && r->nmonthly == 0)
		return bad(w, "when.budget", o, "expected \"daily\" or \"monthly\" thresholds");
	if ((v = json_object_get(o, "tag")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) >= sizeof(r->tag))
			return bad(w, "when.budget.tag", v, "expected a tag (a string)");
		usage_strlcpy(r->tag, json_string_value(v), sizeof(r->tag));
		r->has_tag = 1;
	}
	return 0;
}

static int
parse_burn(const struct where *w, json_t *o, struct alert_rule *r)
{
	static const char *const keys[] = { "factor", "floor_usd_per_hour" };
	json_t *v;

	r->factor_milli = 3000;                 /* 3 × the usual hour */
	r->floor_nanos = 1000000000LL;          /* and above $1/h */
	if (json_is_true(o))
		return 0;
	if (!json_is_object(o))
		return bad(w, "when.burn_rate", o,
		    "expected {\"factor\": 3, \"floor_usd_per_hour\": 1}");
	if (only_keys(w, "when.burn_rate", o, keys, 2) != 0)
		return -1;
	if ((v = json_object_get(o, "factor")) != NULL &&
	    milli(w, "when.burn_rate.factor", v, 1000, 1000000, &r->factor_milli) != 0)
		return -1;
	if ((v = json_object_get(o, "floor_usd_per_hour")) != NULL &&
	    dollars(w, "when.burn_rate.floor_usd_per_hour", v, &r->floor_nanos) != 0)
		return -1;
	return 0;
}

static int
parse_errors(const struct where *w, json_t *o, struct alert_rule *r)
{
	static const char *const keys[] = { "percent", "min_requests" };
	json_t *v;

	r->share_permille = 100;                /* above 10% */
	r->min_requests = 20;
	if (json_is_true(o))
		return 0;
	if (!json_is_object(o))
		return bad(w, "when.errors", o, "expected {\"percent\": 10, \"min_requests\": 20}");
	if (only_keys(w, "when.errors", o, keys, 2) != 0)
		return -1;
	if ((v = json_object_get(o, "percent")) != NULL) {
		int64_t m;

		if (milli(w, "when.errors.percent", v, 0, 100000, &m) != 0)
			return -1;
		r->share_permille = m / 100;
	}
	if ((v = json_object_get(o, "min_requests")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 1000000000)
			return bad(w, "when.errors.min_requests", v, "expected a count 1..10^9");
		r->min_requests = json_integer_value(v);
	}
	return 0;
}

static int
parse_when(const struct where *w, json_t *v, struct alert_rule *r)
{
	const char *k = NULL;
	json_t *o = NULL;
	size_t i;

	if (json_is_string(v)) {
		k = json_string_value(v);
	} else if (json_is_object(v) && json_object_size(v) == 1) {
		void *it = json_object_iter(v);

		k = json_object_iter_key(it);
		o = json_object_iter_value(it);
	}
	for (i = 0; k != NULL && i < sizeof(when_names) / sizeof(when_names[0]); i++)
		if (strcmp(k, when_names[i]) == 0)
			break;
	if (k == NULL || i == sizeof(when_names) / sizeof(when_names[0]))
		return bad(w, "when", v, "expected one of budget, burn_rate, errors, batch, "
		    "unpriced (e.g. {\"budget\": {\"daily\": [50, 100]}})");
	r->when = (enum alert_when)i;
	switch (r->when) {
	case ALERT_BUDGET:
		return o == NULL ? bad(w, "when", v, "budget needs its thresholds") :
		    parse_budget(w, o, r);
	case ALERT_BURN_RATE:
		return parse_burn(w, o != NULL ? o : json_true(), r);
	case ALERT_ERRORS:
		return parse_errors(w, o != NULL ? o : json_true(), r);
	default:
		if (o != NULL && !json_is_true(o) && !(json_is_object(o) && json_object_size(o) == 0))
			return bad(w, i == ALERT_BATCH ? "when.batch" : "when.unpriced", o,
			    "expected true or {}");
		return 0;
	}
}

/* "to": a webhook URL (https, or http to a loopback host) or a command. */
static int
parse_to(const struct where *w, json_t *v, json_t *fmt, struct alert_rule *r)
{
	char why[256];

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= sizeof(r->to))
		return bad(w, "to", NULL, "expected a webhook URL or a command (a non-empty string)");
	usage_strlcpy(r->to, json_string_value(v), sizeof(r->to));
	r->to_kind = strncmp(r->to, "https://", 8) == 0 || strncmp(r->to, "http://", 7) == 0 ?
	    ALERT_TO_WEBHOOK : ALERT_TO_COMMAND;
	alert_target(r->to_kind, r->to, r->target, sizeof(r->target));
	if (r->to_kind == ALERT_TO_WEBHOOK && http_url_allowed(r->to, why, sizeof(why)) != 0)
		/* the URL is a secret: named by its fingerprint only */
		return bad(w, "to", NULL, "%s: not a webhook tokentop sends to (https, or http "
		    "to a loopback host only)", r->target);
	if (fmt != NULL) {
		if (!json_is_string(fmt) || (strcmp(json_string_value(fmt), "json") != 0 &&
		    strcmp(json_string_value(fmt), "text") != 0))
			return bad(w, "format", fmt, "expected \"text\" or \"json\"");
		r->json = strcmp(json_string_value(fmt), "json") == 0;
	}
	return 0;
}

/* The rule's id: a hash of what it watches and where it goes, so its
 * crossings keep their keys when rules are added or reordered. */
static void
rule_id(json_t *when, const struct alert_rule *r, char *buf, size_t n)
{
	char *d = json_dumps(when, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
	char src[ALERT_TO_MAX + 600];

	snprintf(src, sizeof(src), "%s|%s|%d", d != NULL ? d : "", r->to, r->json);
	free(d);
	snprintf(buf, n, "%08x", fnv(src));
}

int
alert_rules_parse(json_t *arr, const char *file, struct alert_rule *out, size_t max, size_t *n,
                  char *err, size_t errlen)
{
	static const char *const keys[] = { "when", "to", "format" };
	struct where w = { file, 0, err, errlen };
	size_t i;

	*n = 0;
	if (!json_is_array(arr)) {
		snprintf(err, errlen, "%s: alerts: expected a list of {\"when\": …, \"to\": …}", file);
		return -1;
	}
	if (json_array_size(arr) > max) {
		snprintf(err, errlen, "%s: alerts: %zu rules, at most %zu", file,
		    json_array_size(arr), max);
		return -1;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		struct alert_rule *r = &out[i];

		w.idx = i;
		memset(r, 0, sizeof(*r));
		if (!json_is_object(o))
			return bad(&w, "", NULL, "expected {\"when\": …, \"to\": …}");
		if (only_keys(&w, "", o, keys, 3) != 0)
			return -1;
		if (json_object_get(o, "when") == NULL)
			return bad(&w, "when", NULL, "missing");
		if (json_object_get(o, "to") == NULL)
			return bad(&w, "to", NULL, "missing");
		if (parse_when(&w, json_object_get(o, "when"), r) != 0 ||
		    parse_to(&w, json_object_get(o, "to"), json_object_get(o, "format"), r) != 0)
			return -1;
		rule_id(json_object_get(o, "when"), r, r->id, sizeof(r->id));
	}
	*n = i;
	return 0;
}
