/* proxy_check.c — the proxy's own checks of a request head, before anything
 * is forwarded: the header list (framing headers nginx would refuse) and
 * the request target (no dot segment, encoded or not). Pure functions: the
 * relay (proxy_relay.c) and the fuzz target (tests/fuzz/fuzz_http.c) share
 * them. libmicrohttpd 0.9.75 is lenient (duplicate Content-Length, a name
 * with a space before the colon, unknown transfer-codings), so every
 * occurrence is looked at here. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/proxy.h"

/* RFC 9110 §5.6.2 tchar. */
static int
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
name_eq(const struct proxy_field *f, const char *name)
{
	return f->name_len == strlen(name) && strncasecmp(f->name, name, f->name_len) == 0;
}

/* Printable for a message: up to 40 bytes, anything else as '?'. */
static void
shown(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n && i < 40 && o + 1 < outlen; i++)
		out[o++] = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? s[i] : '?';
	out[o] = '\0';
}

/* 1*DIGIT, at most 18 digits (no overflow); -1 when not that. */
static int64_t
parse_length(const char *v, size_t n)
{
	int64_t x = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/* One field on its own: a token name, a value without control bytes
 * (HTAB allowed; obs-text allowed, as nginx does). */
static int
check_field(const struct proxy_field *f, char *why, size_t whylen)
{
	char s[48];
	size_t i;

	shown(f->name, f->name_len, s, sizeof(s));
	if (f->name_len == 0) {
		snprintf(why, whylen, "empty header name");
		return 400;
	}
	for (i = 0; i < f->name_len; i++) {
		if (!is_tchar((unsigned char)f->name[i])) {
			snprintf(why, whylen, "invalid character in header name '%s'", s);
			return 400;
		}
	}
	for (i = 0; i < f->value_len; i++) {
		unsigned char c = (unsigned char)f->value[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			snprintf(why, whylen, "control character in header '%s'", s);
			return 400;
		}
	}
	return 0;
}

int
proxy_check_head(const char *version, const struct proxy_field *f, size_t n, int64_t max_body,
                 struct proxy_framing *fr, char *why, size_t whylen)
{
	const struct proxy_field *cl = NULL, *te = NULL;
	size_t i, hosts = 0;
	int st;

	memset(fr, 0, sizeof(*fr));
	fr->content_length = -1;
	if (version == NULL || (strcmp(version, "HTTP/1.1") != 0 && strcmp(version, "HTTP/1.0") != 0)) {
		snprintf(why, whylen, "unsupported HTTP version");
		return 505;
	}
	for (i = 0; i < n; i++) {
		if ((st = check_field(&f[i], why, whylen)) != 0)
			return st;
		if (name_eq(&f[i], "content-length")) {
			if (cl != NULL) {
				snprintf(why, whylen, "duplicate Content-Length");
				return 400;
			}
			cl = &f[i];
		} else if (name_eq(&f[i], "transfer-encoding")) {
			if (te != NULL) {
				snprintf(why, whylen, "duplicate Transfer-Encoding");
				return 400;
			}
			te = &f[i];
		} else if (name_eq(&f[i], "host") && ++hosts > 1) {
			snprintf(why, whylen, "duplicate Host");
			return 400;
		}
	}
	if (te != NULL) {
		if (cl != NULL) {
			snprintf(why, whylen, "both Content-Length and Transfer-Encoding");
			return 400;
		}
		if (strcmp(version, "HTTP/1.0") == 0) {
			snprintf(why, whylen, "Transfer-Encoding in an HTTP/1.0 request");
			return 400;
		}
		if (te->value_len != 7 || strncasecmp(te->value, "chunked", 7) != 0) {
			char s[48];

			shown(te->value, te->value_len, s, sizeof(s));
			snprintf(why, whylen, "unsupported transfer-coding '%s'", s);
			return 501;
		}
		fr->chunked = 1;
		return 0;
	}
	if (cl != NULL) {
		fr->content_length = parse_length(cl->value, cl->value_len);
		if (fr->content_length < 0) {
			snprintf(why, whylen, "invalid Content-Length");
			return 400;
		}
		if (fr->content_length > max_body) {
			snprintf(why, whylen, "Request exceeds the maximum allowed number of bytes.");
			return 413;
		}
	}
	return 0;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One path segment [s, s + n): its percent-escapes decoded must not be "."
 * or "..", a slash, a backslash or NUL. 0, or 400 with why. */
static int
check_segment(const char *s, size_t n, char *why, size_t whylen)
{
	size_t i, dots = 0, len = 0;
	int h, l, c;

	for (i = 0; i < n; i++, len++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n)
				goto bad_escape;
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				goto bad_escape;
			c = h * 16 + l;
			i += 2;
			if (c == 0 || c == '/' || c == '\\') {
				snprintf(why, whylen, "encoded %s in the path",
				         c == 0 ? "NUL" : c == '/' ? "slash" : "backslash");
				return 400;
			}
		}
		if (c == '.')
			dots++;
	}
	if (len > 0 && len <= 2 && dots == len) {
		snprintf(why, whylen, "dot segment in the path");
		return 400;
	}
	return 0;
bad_escape:
	snprintf(why, whylen, "malformed percent-escape in the path");
	return 400;
}

int
proxy_check_target(const char *t, size_t n, char *why, size_t whylen)
{
	size_t i, path, seg;
	int st;

	if (n > PROXY_TARGET_MAX) {
		snprintf(why, whylen, "request target longer than %d bytes", PROXY_TARGET_MAX);
		return 414;
	}
	if (n == 0 || t[0] != '/') {
		snprintf(why, whylen, "request target is not an absolute path");
		return 400;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c <= 0x20 || c == 0x7f || c == '#') {
			snprintf(why, whylen, c == '#' ? "fragment in the request target" :
			         "control character or space in the request target");
			return 400;
		}
	}
	path = n;
	if (memchr(t, '?', n) != NULL)
		path = (size_t)((const char *)memchr(t, '?', n) - t);
	if (memchr(t, '\\', path) != NULL) {
		snprintf(why, whylen, "backslash in the path");
		return 400;
	}
	for (i = 1, seg = 1; i <= path; i++) {
		if (i < path && t[i] != '/')
			continue;
		if ((st = check_segment(t + seg, i - seg, why, whylen)) != 0)
			return st;
		seg = i + 1;
	}
	return 0;
}
