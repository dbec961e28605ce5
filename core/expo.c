/* expo.c — the Prometheus text exposition format into a growing buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/expo.h"
#include "core/text.h"

void
expo_init(struct expo *e)
{
	memset(e, 0, sizeof(*e));
}

void
expo_done(struct expo *e)
{
	if (e == NULL)
		return;
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

const char *
expo_text(const struct expo *e, size_t *len)
{
	if (len != NULL)
		*len = e->oom ? 0 : e->len;
	if (e->oom)
		return NULL;
	return e->buf != NULL ? e->buf : "";
}

static void
put(struct expo *e, const char *s, size_t n)
{
	size_t nc;
	char *nb;

	if (e->oom)
		return;
	if (e->len + n + 1 > e->cap) {
		for (nc = e->cap ? e->cap : 4096; nc < e->len + n + 1; nc *= 2)
			;
		if ((nb = realloc(e->buf, nc)) == NULL) {
			e->oom = 1;
			return;
		}
		e->buf = nb;
		e->cap = nc;
	}
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = '\0';
}

static void
puts_(struct expo *e, const char *s)
{
	put(e, s, strlen(s));
}

/* s escaped: always backslash and line feed; the double quote too when
 * quote (label values; HELP text keeps its quotes). Malformed UTF-8 becomes
 * U+FFFD. */
static void
put_escaped(struct expo *e, const char *s, int quote)
{
	size_t n = strlen(s), i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = text_decode(s + i, n - i, &cp);
		if (cp == 0xFFFD && k == 1)
			puts_(e, "\xEF\xBF\xBD");
		else if (s[i] == '\\')
			puts_(e, "\\\\");
		else if (s[i] == '\n')
			puts_(e, "\\n");
		else if (s[i] == '"' && quote)
			puts_(e, "\\\"");
		else
			put(e, s + i, k);
		i += k;
	}
}

void
expo_family(struct expo *e, const char *name, const char *type, const char *help)
{
	puts_(e, "# HELP ");
	puts_(e, name);
	puts_(e, " ");
	put_escaped(e, help, 0);
	puts_(e, "\n# TYPE ");
	puts_(e, name);
	puts_(e, " ");
	puts_(e, type);
	puts_(e, "\n");
}

void
expo_sample(struct expo *e, const char *name, const char *const *labels, size_t nlabels,
            const char *value)
{
	size_t i;

	puts_(e, name);
	for (i = 0; i < nlabels; i++) {
		puts_(e, i == 0 ? "{" : ",");
		puts_(e, labels[2 * i]);
		puts_(e, "=\"");
		put_escaped(e, labels[2 * i + 1] != NULL ? labels[2 * i + 1] : "", 1);
		puts_(e, "\"");
	}
	puts_(e, nlabels > 0 ? "} " : " ");
	puts_(e, value);
	puts_(e, "\n");
}

char *
expo_escape(const char *v, char *out, size_t n)
{
	struct expo e;
	size_t len, cut;

	expo_init(&e);
	put_escaped(&e, v != NULL ? v : "", 1);
	if (n == 0) {
		expo_done(&e);
		return out;
	}
	len = e.oom ? 0 : e.len;
	cut = len < n ? len : n - 1;
	while (cut > 0 && cut < len && ((unsigned char)e.buf[cut] & 0xC0) == 0x80)
		cut--;              /* not inside a character */
	if (cut > 0)
		memcpy(out, e.buf, cut);
	out[cut] = '\0';
	expo_done(&e);
	return out;
}

char *
expo_int(int64_t v, char *buf, size_t n)
{
	snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

/* |v| / unit "." fraction of `digits` places, trailing zeros removed. */
static char *
fixed(int64_t v, int64_t unit, int digits, char *buf, size_t n)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char frac[24];
	int k;

	snprintf(frac, sizeof(frac), "%0*llu", digits, (unsigned long long)(a % (uint64_t)unit));
	for (k = digits; k > 0 && frac[k - 1] == '0'; k--)
		frac[k - 1] = '\0';
	snprintf(buf, n, "%s%llu%s%s", v < 0 ? "-" : "", (unsigned long long)(a / (uint64_t)unit),
	    k > 0 ? "." : "", frac);
	return buf;
}

char *
expo_usd(int64_t nanos, char *buf, size_t n)
{
	return fixed(nanos, 1000000000LL, 9, buf, n);
}

char *
expo_seconds_us(int64_t us, char *buf, size_t n)
{
	return fixed(us, 1000000LL, 6, buf, n);
}
