/* pg_uri.c — passwords in PostgreSQL connection URIs (see pg_uri.h).
 *
 * The syntax (libpq's): postgresql://[user[:password]@][host][:port][,…]
 * [/dbname][?key=value&…]. The user info ends at the first '@' before any
 * '/'; its password starts after its first ':'. Query keys are compared
 * percent-decoded, so ?pass%77ord=… is found too. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "data/pg_uri.h"

#define MASK "***"

static const char *const schemes[] = { "postgresql://", "postgres://" };

/* Length of the scheme uri starts with, or 0. */
static size_t
scheme_len(const char *uri)
{
	size_t i, n;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i]);
		if (strncasecmp(uri, schemes[i], n) == 0)
			return n;
	}
	return 0;
}

int
pg_uri_is(const char *target)
{
	return target != NULL && scheme_len(target) > 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode len bytes of s into out (n bytes, NUL-terminated); a
 * malformed escape is kept as written. */
static void
decode(const char *s, size_t len, char *out, size_t n)
{
	size_t i, k = 0;
	int h, l;

	for (i = 0; i < len && k + 1 < n; i++) {
		if (s[i] == '%' && i + 2 < len && (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			out[k++] = (char)(h * 16 + l);
			i += 2;
		} else
			out[k++] = s[i];
	}
	out[k] = '\0';
}

static void
add_span(struct pg_uri_span *spans, size_t max, size_t *n, size_t off, size_t len)
{
	if (*n < max) {
		spans[*n].off = off;
		spans[*n].len = len;
	}
	(*n)++;
}

size_t
pg_uri_passwords(const char *uri, struct pg_uri_span *spans, size_t max)
{
	size_t start = scheme_len(uri), i, n = 0, klen, vlen, rest;
	const char *p, *q, *amp, *eq;
	char key[32];

	if (start == 0)
		return 0;
	/* user info: up to the first '@' before any '/' */
	for (i = start; uri[i] != '\0' && uri[i] != '@' && uri[i] != '/'; i++)
		;
	rest = start;
	if (uri[i] == '@') {
		p = memchr(uri + start, ':', i - start);
		if (p != NULL)
			add_span(spans, max, &n, (size_t)(p + 1 - uri), (size_t)(uri + i - (p + 1)));
		rest = i + 1;
	}
	/* query parameters named password (after the user info, which may
	 * hold a '?' of its own) */
	if ((q = strchr(uri + rest, '?')) == NULL)
		return n;
	for (p = q + 1; *p != '\0'; p = *amp != '\0' ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			continue;
		klen = (size_t)(eq - p);
		vlen = (size_t)(amp - eq - 1);
		decode(p, klen, key, sizeof(key));
		if (strcmp(key, "password") == 0)
			add_span(spans, max, &n, (size_t)(eq + 1 - uri), vlen);
	}
	return n;
}

#define MAXSPANS 8

void
pg_uri_mask(const char *uri, char *out, size_t n)
{
	struct pg_uri_span sp[MAXSPANS];
	size_t ns = pg_uri_passwords(uri, sp, MAXSPANS), i, at = 0, k = 0, len = strlen(uri);

	if (n == 0)
		return;
	if (ns > MAXSPANS) {            /* more than anyone writes: show none of it */
		snprintf(out, n, "%.*s" MASK, (int)scheme_len(uri), uri);
		return;
	}
	out[0] = '\0';
	for (i = 0; i <= ns; i++) {
		size_t end = i < ns ? sp[i].off : len;

		k += (size_t)snprintf(out + (k < n ? k : n - 1), k < n ? n - k : 1, "%.*s%s",
		    (int)(end - at), uri + at, i < ns ? MASK : "");
		at = i < ns ? sp[i].off + sp[i].len : len;
	}
}

void
pg_uri_scrub(char *uri)
{
	struct pg_uri_span sp[MAXSPANS];
	size_t ns = pg_uri_passwords(uri, sp, MAXSPANS), i;

	if (ns > MAXSPANS) {           /* overwrite everything past the scheme */
		memset(uri + scheme_len(uri), 'x', strlen(uri + scheme_len(uri)));
		return;
	}
	for (i = 0; i < ns; i++)
		memset(uri + sp[i].off, 'x', sp[i].len);
}

/* Replace every occurrence of secret (len bytes) in msg by MASK. */
static void
redact_one(char *msg, size_t n, const char *secret, size_t len)
{
	char *p = msg, *hit;
	size_t tail, mlen = strlen(MASK);

	if (len == 0)
		return;
	while ((hit = memmem(p, strlen(p), secret, len)) != NULL) {
		if ((size_t)(hit - msg) + mlen + 1 > n) {
			*hit = '\0';          /* no room for the mask: cut here */
			return;
		}
		tail = strlen(hit + len);
		if ((size_t)(hit - msg) + mlen + tail + 1 > n)
			tail = n - 1 - (size_t)(hit - msg) - mlen;
		memmove(hit + mlen, hit + len, tail);
		hit[mlen + tail] = '\0';
		memcpy(hit, MASK, mlen);
		p = hit + mlen;
	}
}

void
pg_uri_redact(const char *uri, char *msg, size_t n)
{
	struct pg_uri_span sp[MAXSPANS];
	size_t ns, i;
	char plain[512];

	if (uri == NULL || n == 0 || n < strlen(MASK) + 1)
		return;
	ns = pg_uri_passwords(uri, sp, MAXSPANS);
	for (i = 0; i < ns && i < MAXSPANS; i++) {
		if (sp[i].len >= sizeof(plain))
			continue;
		memcpy(plain, uri + sp[i].off, sp[i].len);
		plain[sp[i].len] = '\0';
		redact_one(msg, n, plain, sp[i].len);
		decode(uri + sp[i].off, sp[i].len, plain, sizeof(plain));
		redact_one(msg, n, plain, strlen(plain));
	}
}

void
pg_uri_message(const char *uri, const char *msg, char *out, size_t n)
{
	char *nl;

	if (n == 0)
		return;
	snprintf(out, n, "%s", msg);
	while ((nl = strchr(out, '\n')) != NULL)
		*nl = nl[1] == '\0' ? '\0' : ' ';
	pg_uri_redact(uri, out, n);
}
