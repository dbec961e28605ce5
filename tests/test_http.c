/* test_http.c — the HTTP client's pure policy (retry decision, retry delay,
 * loopback-only plain http) as tables, and the refusals that happen before
 * any connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/http.h"

static void
test_should_retry_status(void **state)
{
	static const struct {
		long status;
		int  retry;
	} cases[] = {
		{ 0, 1 },       /* connection error / timeout */
		{ 200, 0 }, { 201, 0 }, { 204, 0 }, { 301, 0 }, { 304, 0 },
		{ 400, 0 }, { 401, 0 }, { 402, 0 }, { 403, 0 }, { 404, 0 }, { 405, 0 },
		{ 408, 1 }, { 409, 1 }, { 410, 0 }, { 413, 0 }, { 422, 0 }, { 429, 1 },
		{ 499, 0 },
		{ 500, 1 }, { 501, 1 }, { 502, 1 }, { 503, 1 }, { 504, 1 }, { 529, 1 }, { 599, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (http_should_retry(cases[i].status, NULL) != cases[i].retry)
			fail_msg("status %ld: expected retry=%d", cases[i].status, cases[i].retry);
	}
}

static void
test_should_retry_header(void **state)
{
	static const long statuses[] = { 0, 400, 401, 404, 408, 409, 413, 429, 500, 529 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		/* the header overrides the status both ways */
		assert_int_equal(http_should_retry(statuses[i], "true"), 1);
		assert_int_equal(http_should_retry(statuses[i], "false"), 0);
		/* any other value: judged by status */
		assert_int_equal(http_should_retry(statuses[i], "maybe"),
		                 http_should_retry(statuses[i], NULL));
	}
}

static void
test_retry_delay_headers(void **state)
{
	time_t now = 1800000000;
	char date[64];
	struct tm tm;
	time_t t;
	static const struct {
		const char *ms, *after;
		int64_t     want;      /* -1: the backoff for n=0 at rnd 0 (500 ms) */
	} cases[] = {
		{ "150", NULL, 150 },
		{ "1500", NULL, 1500 },
		{ "60000", NULL, 60000 },
		{ "60001", NULL, -1 },          /* > 60 s: backoff */
		{ "0", NULL, -1 },              /* 0: backoff */
		{ "-5", NULL, -1 },
		{ "250", "3", 250 },            /* retry-after-ms wins */
		{ "70000", "3", -1 },           /* it still decides when it is out of range */
		{ "junk", "3", 3000 },          /* unparsable ms: retry-after decides */
		{ NULL, "1", 1000 },
		{ NULL, "2", 2000 },
		{ NULL, "1.5", 1500 },
		{ NULL, "60", 60000 },
		{ NULL, "61", -1 },
		{ NULL, "0", -1 },
		{ NULL, "-1", -1 },
		{ NULL, "soon", -1 },
		{ NULL, "", -1 },
		{ NULL, NULL, -1 },
	};
	size_t i;
	int64_t got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = http_retry_delay_ms(0, cases[i].ms, cases[i].after, now, 0.0);
		if (got != (cases[i].want < 0 ? 500 : cases[i].want))
			fail_msg("case %zu (%s, %s): got %lld", i, cases[i].ms ? cases[i].ms : "-",
			         cases[i].after ? cases[i].after : "-", (long long)got);
	}

	/* an HTTP date 5 s ahead; one 90 s ahead (backoff); one in the past (backoff) */
	t = now + 5;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	assert_int_equal(http_retry_delay_ms(0, NULL, date, now, 0.0), 5000);
	t = now + 90;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	assert_int_equal(http_retry_delay_ms(1, NULL, date, now, 0.0), 1000);
	t = now - 10;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	assert_int_equal(http_retry_delay_ms(2, NULL, date, now, 0.0), 2000);
}

/* now + offset seconds as an HTTP date in strftime form fmt, framed by pre/post */
static void
http_date(char *buf, size_t len, const char *fmt, time_t now, long offset)
{
	time_t t = now + offset;
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(buf, len, fmt, &tm) == 0)
		fail_msg("strftime %s", fmt);
}

static void
test_retry_delay_dates(void **state)
{
	static const char imf[] = "%a, %d %b %Y %H:%M:%S GMT";
	static const char rfc850[] = "%A, %d-%b-%y %H:%M:%S GMT";
	static const char asctime_form[] = "%a %b %e %H:%M:%S %Y";
	static const struct {
		const char *fmt;
		long        offset;    /* seconds from now */
		int64_t     want;      /* -1: the backoff for n=0 at rnd 0 (500 ms) */
	} cases[] = {
		{ imf, 1, 1000 },
		{ imf, 5, 5000 },
		{ imf, 60, 60000 },
		{ imf, 61, -1 },                /* > 60 s: backoff */
		{ imf, 0, -1 },                 /* now: backoff */
		{ imf, -10, -1 },               /* past: backoff */
		{ imf, -86400 * 365, -1 },
		{ " %a, %d %b %Y %H:%M:%S GMT  ", 7, 7000 },    /* space around */
		{ rfc850, 9, 9000 },            /* the obsolete forms of RFC 7231 */
		{ asctime_form, 11, 11000 },
		{ asctime_form, -11, -1 },
		/* not an RFC 7231 date: the backoff (libcurl's lenient parser, used
		 * before strptime, read some of these; the API sends IMF-fixdate) */
		{ "%a, %d %b %Y %H:%M:%S GMT junk", 5, -1 },
		{ "%a, %d %b %Y %H:%M:%S", 5, -1 },             /* no zone */
		{ "%a, %d %b %Y %H:%M:%S +0000", 5, -1 },
		{ "%a, %d %b %Y", 5, -1 },
		{ "%a, %d %b %Y %H:%M GMT", 5, -1 },
		{ "%Y-%m-%dT%H:%M:%SZ", 5, -1 },                /* ISO 8601 is not an HTTP date */
		{ "%s", 5, -1 },                                /* an epoch is not a delay */
		{ "Mon, 32 Nov 2026 08:49:37 GMT", 0, -1 },     /* no such day */
		{ "Sun, 06 Nov 1994 25:49:37 GMT", 0, -1 },
		{ "Xyz, 06 Nov 1994 08:49:37 GMT", 0, -1 },
		{ "Sun, 06 Foo 1994 08:49:37 GMT", 0, -1 },
		{ "tomorrow", 0, -1 },
		{ "GMT", 0, -1 },
		{ "   ", 0, -1 },
	};
	time_t now = 1800000000;
	char date[96];
	size_t i;
	int64_t got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_date(date, sizeof(date), cases[i].fmt, now, cases[i].offset);
		got = http_retry_delay_ms(0, NULL, date, now, 0.0);
		if (got != (cases[i].want < 0 ? 500 : cases[i].want))
			fail_msg("case %zu \"%s\": got %lld", i, date, (long long)got);
	}
	/* the date is only read when retry-after-ms does not parse */
	http_date(date, sizeof(date), imf, now, 5);
	assert_int_equal(http_retry_delay_ms(0, "250", date, now, 0.0), 250);
	assert_int_equal(http_retry_delay_ms(0, "junk", date, now, 0.0), 5000);
	/* a real date from RFC 7231, read against a clock 30 s before it */
	assert_int_equal(http_retry_delay_ms(0, NULL, "Sun, 06 Nov 1994 08:49:37 GMT",
	                                     784111747, 0.0), 30000);
	/* garbage falls back to the backoff of its retry number, jitter included */
	assert_int_equal(http_retry_delay_ms(3, NULL, "not a date", now, 0.5), 3500);
}

static void
test_retry_backoff_bounds(void **state)
{
	/* min(0.5 * 2^n, 8) s, times (1 - 0.25 * rnd) */
	static const int64_t base[] = { 500, 1000, 2000, 4000, 8000, 8000, 8000 };
	static const double rnds[] = { 0.0, 0.1, 0.5, 0.9, 0.999999 };
	size_t n, k;
	int64_t d;

	(void)state;
	for (n = 0; n < sizeof(base) / sizeof(base[0]); n++) {
		assert_int_equal(http_retry_delay_ms((int)n, NULL, NULL, 0, 0.0), base[n]);
		for (k = 0; k < sizeof(rnds) / sizeof(rnds[0]); k++) {
			d = http_retry_delay_ms((int)n, NULL, NULL, 0, rnds[k]);
			if (d > base[n] || d < base[n] * 3 / 4)
				fail_msg("n=%zu rnd=%g: %lld outside [%lld, %lld]", n, rnds[k],
				         (long long)d, (long long)(base[n] * 3 / 4), (long long)base[n]);
		}
	}
	/* the jitter only ever shortens: rnd 0.5 at n=0 is 437.5 → 438 */
	assert_int_equal(http_retry_delay_ms(0, NULL, NULL, 0, 0.5), 438);
	assert_int_equal(http_retry_delay_ms(3, NULL, NULL, 0, 0.5), 3500);
}

static void
test_loopback(void **state)
{
	static const struct {
		const char *url;
		int         ok;
	} cases[] = {
		{ "https://api.anthropic.com/v1/messages", 1 },
		{ "https://example.com", 1 },
		{ "http://127.0.0.1:8080/v1/messages", 1 },
		{ "http://127.1.2.3/", 1 },
		{ "http://localhost:9/", 1 },
		{ "http://LOCALHOST/", 1 },
		{ "http://[::1]:4000/x", 1 },
		{ "http://api.anthropic.com/v1/messages", 0 },
		{ "http://10.0.0.1/", 0 },
		{ "http://128.0.0.1/", 0 },
		{ "http://[::2]/", 0 },
		{ "http://localhost.example.com/", 0 },
		{ "http://127.0.0.1.example.com/", 0 },
		{ "ftp://127.0.0.1/", 0 },
		{ "file:///etc/passwd", 0 },
		{ "gopher://localhost/", 0 },
		{ "not a url", 0 },
		{ "", 0 },
	};
	char err[256];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		rc = http_url_allowed(cases[i].url, err, sizeof(err));
		if ((rc == 0) != cases[i].ok)
			fail_msg("%s: expected %s (%s)", cases[i].url, cases[i].ok ? "allowed" : "refused",
			         err);
		if (!cases[i].ok)
			assert_true(err[0] != '\0');
	}
	assert_true(http_host_is_loopback("127.0.0.1"));
	assert_true(http_host_is_loopback("[::1]"));
	assert_true(http_host_is_loopback("::1"));
	assert_false(http_host_is_loopback("126.255.255.255"));
	assert_false(http_host_is_loopback(""));
	assert_false(http_host_is_loopback(NULL));
}

static void
config_for(struct config *c, const char *base, const char *key)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->base_url, sizeof(c->base_url), "%s", base);
	snprintf(c->api_key, sizeof(c->api_key), "%s", key);
	snprintf(c->api_version, sizeof(c->api_version), "2023-06-01");
	c->max_retries = 2;
	c->timeout_ms = 5000;
	c->connect_timeout_ms = 1000;
}

static int done_calls;

static void
count_done(void *arg, struct http_result *res)
{
	(void)arg;
	(void)res;
	done_calls++;
}

/* A remote plain-http base URL is refused before connecting; no callback. */
static void
test_refuse_remote_http(void **state)
{
	struct config c;
	struct http_multi *m;
	struct http_request rq;
	struct http_error e;
	char err[128];
	const char *key = "sk-ant-api03-SECRETSECRETSECRET-zzzz";

	(void)state;
	config_for(&c, "http://api.example.com", key);
	m = http_multi_new(&c, err, sizeof(err));
	assert_non_null(m);
	memset(&rq, 0, sizeof(rq));
	rq.url = "/v1/messages";
	rq.body = "{}";
	rq.body_len = 2;
	rq.done = count_done;
	done_calls = 0;
	assert_null(http_req_start(m, &rq, &e));
	assert_string_equal(e.type, "insecure_url");
	assert_non_null(strstr(e.message, "api.example.com"));
	assert_null(strstr(e.message, key));
	assert_int_equal(http_multi_pending(m), 0);
	assert_int_equal(http_multi_perform(m), 0);
	assert_int_equal(done_calls, 0);
	http_multi_free(m);
	http_multi_free(NULL);
}

static void
test_missing_key(void **state)
{
	struct config c;
	struct http_multi *m;
	struct http_request rq;
	struct http_result res;
	char err[128];

	(void)state;
	config_for(&c, "http://127.0.0.1:9", "");
	m = http_multi_new(&c, err, sizeof(err));
	assert_non_null(m);
	memset(&rq, 0, sizeof(rq));
	rq.url = "/v1/messages";
	assert_int_equal(http_request_sync(m, &rq, &res), -1);
	assert_string_equal(res.error.type, "config_error");
	assert_non_null(strstr(res.error.message, "ANTHROPIC_API_KEY"));
	assert_int_equal(res.attempts, 0);
	http_result_done(&res);
	http_multi_free(m);
}

static double
rnd_max(void)
{
	return 0.999;
}

/* A refused connection is a connection_error, retried max_retries times. */
static void
test_connection_refused(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct config c;
	struct http_multi *m;
	struct http_request rq;
	struct http_result res;
	char base[64], err[128];
	const char *key = "sk-ant-api03-SECRETSECRETSECRET-zzzz";
	int fd;

	(void)state;
	/* a port that was free a moment ago and has no listener */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", ntohs(sa.sin_port));
	config_for(&c, base, key);
	c.max_retries = 1;
	m = http_multi_new(&c, err, sizeof(err));
	assert_non_null(m);
	http_multi_set_random(m, rnd_max);    /* shortest backoff: ~375 ms */
	memset(&rq, 0, sizeof(rq));
	rq.url = "/v1/messages";
	rq.body = "{}";
	rq.body_len = 2;
	assert_int_equal(http_request_sync(m, &rq, &res), -1);
	assert_int_equal(res.ok, 0);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.error.type, "connection_error");
	assert_int_equal(res.attempts, 2);
	assert_int_equal(res.error.attempts, 2);
	assert_null(strstr(res.error.message, key));
	http_result_done(&res);
	http_result_done(NULL);
	http_multi_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_should_retry_status),
		cmocka_unit_test(test_should_retry_header),
		cmocka_unit_test(test_retry_delay_headers),
		cmocka_unit_test(test_retry_delay_dates),
		cmocka_unit_test(test_retry_backoff_bounds),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_refuse_remote_http),
		cmocka_unit_test(test_missing_key),
		cmocka_unit_test(test_connection_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
