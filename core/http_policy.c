/* http_policy.c — the client's pure policy: the SDKs' retry decision and
 * delay (api-notes §2), and which hosts count as loopback (the only ones
 * plain http may reach). No I/O, no libcurl; declared in core/http.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/http.h"

/* ---- retries ------------------------------------------------------------- */

int
http_should_retry(long status, const char *x_should_retry)
{
	if (x_should_retry != NULL) {
		if (strcasecmp(x_should_retry, "true") == 0)
			return 1;
		if (strcasecmp(x_should_retry, "false") == 0)
			return 0;
	}
	if (status == 0)                /* connection error or timeout */
		return 1;
	return status == 408 || status == 409 || status == 429 || status >= 500;
}

/* A whole-string decimal number, or -1 (NAN) when s is not one. */
static int
parse_number(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (errno != 0 || *end != '\0' || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/*
 * An HTTP date as a time_t, or -1 when s is not one. The API sends the
 * IMF-fixdate form; RFC 7231 7.1.1.1 has a recipient accept the two
 * obsolete forms too (libcurl's date parser, used here before, did).
 * Whitespace around the date is allowed; anything else after it is not.
 */
static time_t
parse_http_date(const char *s)
{
	static const char *const forms[] = {
		"%a, %d %b %Y %H:%M:%S GMT",    /* Sun, 06 Nov 1994 08:49:37 GMT */
		"%A, %d-%b-%y %H:%M:%S GMT",    /* Sunday, 06-Nov-94 08:49:37 GMT */
		"%a %b %e %H:%M:%S %Y",         /* Sun Nov  6 08:49:37 1994 */
	};
	struct tm tm;
	const char *end;
	size_t i;

	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(s, forms[i], &tm)) == NULL)
			continue;
		while (isspace((unsigned char)*end))
			end++;
		if (*end == '\0')
			return timegm(&tm);
	}
	return -1;
}

int64_t
http_retry_delay_ms(int n, const char *retry_after_ms, const char *retry_after,
                    time_t now, double rnd)
{
	double sec = 0, base;
	int have = 0;
	time_t when;

	/* as the SDKs: the first header that parses decides */
	if (parse_number(retry_after_ms, &sec) == 0) {
		sec /= 1000.0;
		have = 1;
	} else if (parse_number(retry_after, &sec) == 0) {
		have = 1;
	} else if ((when = parse_http_date(retry_after)) != -1) {
		sec = difftime(when, now);
		have = 1;
	}
	if (have && sec > 0 && sec <= 60)
		return (int64_t)llround(sec * 1000.0);
	if (n < 0)
		n = 0;
	base = n >= 5 ? 8.0 : fmin(0.5 * (double)(1 << n), 8.0);
	if (rnd < 0)
		rnd = 0;
	if (rnd >= 1)
		rnd = 0.999999;
	return (int64_t)llround(base * (1.0 - 0.25 * rnd) * 1000.0);
}

/* ---- plain http: loopback only ------------------------------------------- */

int
http_host_is_loopback(const char *host)
{
	char buf[128];
	size_t len;
	struct in_addr a4;
	struct in6_addr a6;

	if (host == NULL)
		return 0;
	len = strlen(host);
	if (len >= sizeof(buf) || len == 0)
		return 0;
	if (host[0] == '[' && host[len - 1] == ']') {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
	} else {
		memcpy(buf, host, len + 1);
	}
	if (strcasecmp(buf, "localhost") == 0 || strcasecmp(buf, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, buf, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, buf, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	return 0;
}
