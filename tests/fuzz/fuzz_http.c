/* fuzz_http.c — libFuzzer target over the proxy's own request checks
 * (core/proxy_check.c): any bytes, read as a request line and header lines
 * the way libmicrohttpd splits them, go through proxy_check_target and
 * proxy_check_head. Whatever they let through must hold what they promise,
 * checked here again by a plain second reading: no control byte in the
 * target, no "." or ".." segment however encoded, one framing at most.
 * Dictionary: tests/fuzz/fuzz_http.dict. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 64

static int
hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The oracle: the path of an accepted target, decoded segment by segment. */
static void
check_accepted_target(const char *t, size_t n)
{
	char seg[PROXY_TARGET_MAX + 1];
	size_t i, len = 0;

	if (n == 0 || t[0] != '/' || n > PROXY_TARGET_MAX)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)t[i] <= 0x20 || t[i] == 0x7f || t[i] == '#')
			abort();
	for (i = 1; i <= n && (i == n || t[i] != '?'); i++) {
		if (i == n || t[i] == '/') {
			if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
				abort();
			len = 0;
			continue;
		}
		if (t[i] == '%') {
			if (i + 2 >= n || hex(t[i + 1]) < 0 || hex(t[i + 2]) < 0)
				abort();                   /* a malformed escape got through */
			seg[len] = (char)(hex(t[i + 1]) * 16 + hex(t[i + 2]));
			if (seg[len] == '/' || seg[len] == '\\' || seg[len] == '\0')
				abort();
			len++;
			i += 2;
			continue;
		}
		seg[len++] = t[i];
	}
}

static void
check_accepted_head(const struct proxy_field *f, size_t n, const struct proxy_framing *fr)
{
	size_t i, cl = 0, te = 0;

	for (i = 0; i < n; i++) {
		if (f[i].name_len == 14 && strncasecmp(f[i].name, "content-length", 14) == 0)
			cl++;
		if (f[i].name_len == 17 && strncasecmp(f[i].name, "transfer-encoding", 17) == 0)
			te++;
		if (memchr(f[i].name, ' ', f[i].name_len) || memchr(f[i].name, ':', f[i].name_len))
			abort();
	}
	if (cl > 1 || te > 1 || (cl && te) || (fr->chunked && !te) || fr->content_length > PROXY_MAX_BODY)
		abort();
	if ((cl == 0) != (fr->content_length < 0))
		abort();
}

/* One line [p, end): the next one starts after its '\n'; a '\r' before the
 * '\n' is not part of it. */
static const char *
line_end(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *e = nl != NULL ? nl : end;

	*next = nl != NULL ? nl + 1 : end;
	if (e > p && e[-1] == '\r')
		e--;
	return e;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *e, *next, *sp1, *sp2, *colon;
	struct proxy_field f[MAX_FIELDS];
	struct proxy_framing fr;
	char why[256], version[16];
	size_t n = 0, vlen;

	e = line_end(p, end, &next);
	sp1 = memchr(p, ' ', (size_t)(e - p));
	if (sp1 == NULL)
		return 0;
	for (sp2 = e - 1; sp2 > sp1 && *sp2 != ' '; sp2--)
		;
	if (sp2 == sp1)
		sp2 = e;                               /* no version */
	vlen = sp2 < e ? (size_t)(e - sp2 - 1) : 0;
	if (vlen >= sizeof(version))
		vlen = sizeof(version) - 1;
	memcpy(version, sp2 < e ? sp2 + 1 : "", vlen);
	version[vlen] = '\0';
	if (proxy_check_target(sp1 + 1, (size_t)(sp2 - sp1 - 1), why, sizeof(why)) == 0)
		check_accepted_target(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	for (p = next; p < end && n < MAX_FIELDS; p = next) {
		e = line_end(p, end, &next);
		if (e == p)
			break;                             /* the blank line: the head ends */
		if ((colon = memchr(p, ':', (size_t)(e - p))) == NULL)
			continue;
		f[n].name = p;
		f[n].name_len = (size_t)(colon - p);
		for (colon++; colon < e && (*colon == ' ' || *colon == '\t'); colon++)
			;
		f[n].value = colon;
		f[n].value_len = (size_t)(e - colon);
		while (f[n].value_len > 0 && (colon[f[n].value_len - 1] == ' ' ||
		                              colon[f[n].value_len - 1] == '\t'))
			f[n].value_len--;
		n++;
	}
	if (proxy_check_head(version, f, n, PROXY_MAX_BODY, &fr, why, sizeof(why)) == 0)
		check_accepted_head(f, n, &fr);
	return 0;
}
