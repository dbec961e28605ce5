/* ratelimit.c — rate-limit headers into figures, both vendors. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/ratelimit.h"
#include "core/usage.h"

#define DURATION_MAX_MS (10LL * 24 * 3600 * 1000)

static const char *const kind_names[RATELIMIT_NKINDS] = {
	"requests", "tokens", "input_tokens", "output_tokens",
};
/* as the headers spell them */
static const char *const anthropic_names[RATELIMIT_NKINDS] = {
	"requests", "tokens", "input-tokens", "output-tokens",
};

const char *
ratelimit_kind_name(int kind)
{
	return kind >= 0 && kind < RATELIMIT_NKINDS ? kind_names[kind] : NULL;
}

int
ratelimit_kind_of(const char *name)
{
	int k;

	for (k = 0; name != NULL && k < RATELIMIT_NKINDS; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -1;
}

int
ratelimit_parse_count(const char *s, int64_t *v)
{
	int64_t n = 0;
	int digits = 0;

	if (s == NULL)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		n = n * 10 + (*s - '0');
		if (n > RATELIMIT_VALUE_MAX)
			return -1;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (digits == 0 || *s != '\0')
		return -1;
	*v = n;
	return 0;
}

/* "1h2m3.5s", "12ms", "1.5s", "0s", "250us" (Go's time.Duration form). */
int
ratelimit_parse_duration(const char *s, int64_t *ms)
{
	static const struct { const char *unit; int64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000LL }, { "m", 60000000000LL }, { "h", 3600000000000LL },
	};
	int64_t total = 0, whole, frac, scale, part;
	size_t i, ul;
	int any = 0, digits;

	if (s == NULL)
		return -1;
	while (*s == ' ')
		s++;
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	while (*s != '\0' && *s != ' ') {
		whole = frac = 0;
		scale = 1;
		for (digits = 0; isdigit((unsigned char)*s); s++, digits++)
			if ((whole = whole * 10 + (*s - '0')) > 1000000000LL)
				return -1;
		if (*s == '.') {
			for (s++; isdigit((unsigned char)*s); s++, digits++)
				if (scale < 1000000000LL) {
					frac = frac * 10 + (*s - '0');
					scale *= 10;
				}
		}
		if (digits == 0)
			return -1;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			ul = strlen(units[i].unit);
			/* "m" must not take the "m" of "ms" */
			if (strncmp(s, units[i].unit, ul) == 0 && !(ul == 1 && s[0] == 'm' && s[1] == 's'))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return -1;
		s += strlen(units[i].unit);
		/* whole ≤ 10^9 and ns ≤ 3.6e12: the product fits; cap the sum */
		part = whole * (units[i].ns / 1000) + (units[i].ns < 1000 ? whole * units[i].ns / 1000 : 0);
		part += frac * (units[i].ns / 1000) / scale;
		if (part > DURATION_MAX_MS * 1000 || (total += part) > DURATION_MAX_MS * 1000)
			return -1;
		any = 1;
	}
	while (*s == ' ')
		s++;
	if (!any || *s != '\0')
		return -1;
	*ms = (total + 999) / 1000;   /* total is in microseconds; round up */
	return 0;
}

static int
fill(struct ratelimit_kind_state *k, const char *limit, const char *remaining)
{
	int64_t v;
	int got = 0;

	if (ratelimit_parse_count(limit, &v) == 0) {
		k->limit = v;
		got = 1;
	}
	if (ratelimit_parse_count(remaining, &v) == 0) {
		k->remaining = v;
		got = 1;
	}
	return got;
}

int
ratelimit_parse(ratelimit_header_fn get, void *arg, int64_t now_ms, struct ratelimit *out)
{
	struct ratelimit_kind_state *k;
	char l[64], r[64], z[64];
	const char *v;
	int64_t t;
	int i, n = 0;

	for (i = 0; i < RATELIMIT_NKINDS; i++)
		out->k[i].limit = out->k[i].remaining = out->k[i].reset_ms = -1;
	for (i = 0; i < RATELIMIT_NKINDS; i++) {
		k = &out->k[i];
		snprintf(l, sizeof(l), "anthropic-ratelimit-%s-limit", anthropic_names[i]);
		snprintf(r, sizeof(r), "anthropic-ratelimit-%s-remaining", anthropic_names[i]);
		snprintf(z, sizeof(z), "anthropic-ratelimit-%s-reset", anthropic_names[i]);
		if (fill(k, get(arg, l), get(arg, r))) {
			n++;
			if ((v = get(arg, z)) != NULL && usage_parse_time(v, &t) == 0 && t > 0)
				k->reset_ms = t;
			continue;
		}
		if (i > RATELIMIT_TOKENS)
			continue;             /* OpenAI has requests and tokens only */
		snprintf(l, sizeof(l), "x-ratelimit-limit-%s", kind_names[i]);
		snprintf(r, sizeof(r), "x-ratelimit-remaining-%s", kind_names[i]);
		snprintf(z, sizeof(z), "x-ratelimit-reset-%s", kind_names[i]);
		if (fill(k, get(arg, l), get(arg, r))) {
			n++;
			if (ratelimit_parse_duration(get(arg, z), &t) == 0)
				k->reset_ms = now_ms + t;
		}
	}
	return n;
}

/* s[0..n) is all digits */
static int
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

char *
ratelimit_model_key(const char *model, char *out, size_t n)
{
	size_t len;

	usage_strlcpy(out, model != NULL ? model : "", n);
	len = strlen(out);
	if (len > 9 && out[len - 9] == '-' && digits(out + len - 8, 8))
		out[len - 9] = '\0';                         /* -YYYYMMDD */
	else if (len > 11 && out[len - 11] == '-' && digits(out + len - 10, 4) &&
	    out[len - 6] == '-' && digits(out + len - 5, 2) && out[len - 3] == '-' &&
	    digits(out + len - 2, 2))
		out[len - 11] = '\0';                        /* -YYYY-MM-DD */
	return out;
}

char *
ratelimit_fmt_reset(int64_t reset_ms, int64_t now_ms, char *buf, size_t n)
{
	int64_t s;

	if (reset_ms < 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	if (reset_ms <= now_ms) {
		snprintf(buf, n, "now");
		return buf;
	}
	s = (reset_ms - now_ms + 999) / 1000;
	if (s < 60)
		snprintf(buf, n, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, n, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, n, "%lldh%02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
	else
		snprintf(buf, n, "%lldd%lldh", (long long)(s / 86400), (long long)(s / 3600 % 24));
	return buf;
}
