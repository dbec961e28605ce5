/* http.c — libcurl easy + multi on one thread: requests, retries as timers
 * in the loop, errors as values. The only file that includes libcurl. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/http.h"

#define USER_AGENT "tokentop/0.1"

struct http_multi {
	CURLM           *multi;
	struct http_req *reqs;           /* every pending request */
	int              npending;
	char             base_url[512];
	char             api_key[256];
	char             api_version[32];
	int              bearer;
	int              max_retries;
	long             timeout_ms;
	long             connect_timeout_ms;
	double         (*rnd)(void);
};

struct http_req {
	struct http_multi *m;
	struct http_req   *prev, *next;
	CURL              *easy;         /* NULL while waiting for a retry */
	struct curl_slist *hdrs;
	char              *url;
	char               method[8];
	char              *body;
	size_t             body_len;
	char               accept[64];
	int                no_auth;
	int                max_retries;
	http_sink_fn       sink;
	http_done_fn       done;
	void              *arg;
	int                attempts;     /* attempts started */
	int64_t            due_ms;       /* retry timer, monotonic; 0 = none */
	/* the current attempt */
	char              *buf;
	size_t             len, cap;
	char             **headers;
	size_t             nheaders;
	int                sink_used;
	int                aborted;
	char               errbuf[CURL_ERROR_SIZE];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
default_rnd(void)
{
	return (double)rand() / ((double)RAND_MAX + 1.0);
}

static void
fail_set(struct http_error *e, long status, const char *type, const char *fmt, const char *arg)
{
	if (e == NULL)
		return;
	memset(e, 0, sizeof(*e));
	e->status = status;
	snprintf(e->type, sizeof(e->type), "%s", type);
	snprintf(e->message, sizeof(e->message), fmt, arg != NULL ? arg : "");
}

/* ---- pure policy --------------------------------------------------------- */

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
	} else if (retry_after != NULL && (when = curl_getdate(retry_after, NULL)) != -1) {
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

int
http_url_allowed(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (url == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "not a valid URL: %s", url != NULL ? url : "(null)");
		goto out;
	}
	if (strcasecmp(scheme, "https") == 0) {
		rc = 0;
	} else if (strcasecmp(scheme, "http") == 0) {
		if (http_host_is_loopback(host))
			rc = 0;
		else
			snprintf(err, errlen, "refusing plain http to %s: only https, or http to a "
			         "loopback address (127.0.0.1, ::1, localhost)", host);
	} else {
		snprintf(err, errlen, "unsupported URL scheme %s: only https (or http to loopback)",
		         scheme);
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* ---- results -------------------------------------------------------------- */

void
http_result_done(struct http_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->body);
	for (i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

static const char *
header_find(char *const *h, size_t n, const char *name)
{
	size_t i, nl = strlen(name);
	const char *v;

	for (i = n; i-- > 0;) {
		if (strncasecmp(h[i], name, nl) != 0 || h[i][nl] != ':')
			continue;
		v = h[i] + nl + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		return v;
	}
	return NULL;
}

const char *
http_result_header(const struct http_result *r, const char *name)
{
	return r == NULL ? NULL : header_find(r->headers, r->nheaders, name);
}

/* Replace every copy of the key in s by its masked form. */
static void
scrub_key(const struct http_multi *m, char *s, size_t n)
{
	char masked[64], *p, tmp[1024];
	size_t kl = strlen(m->api_key);

	if (kl < 4)
		return;
	config_mask_key(m->api_key, masked, sizeof(masked));
	while ((p = strstr(s, m->api_key)) != NULL) {
		*p = '\0';
		snprintf(tmp, sizeof(tmp), "%s%s%s", s, masked, p + kl);
		snprintf(s, n, "%s", tmp);
	}
}

/* error.type / message / request_id from an API error body, if it is one. */
static void
error_from_body(const char *body, size_t len, struct http_error *e)
{
	json_t *root, *eo;
	const char *t, *msg, *rid;

	if (body == NULL || len == 0)
		return;
	root = json_loadb(body, len, 0, NULL);
	if (root == NULL)
		return;
	eo = json_object_get(root, "error");
	t = json_string_value(json_object_get(eo, "type"));
	msg = json_string_value(json_object_get(eo, "message"));
	rid = json_string_value(json_object_get(root, "request_id"));
	if (t != NULL)
		snprintf(e->type, sizeof(e->type), "%s", t);
	if (msg != NULL)
		snprintf(e->message, sizeof(e->message), "%s", msg);
	if (rid != NULL && e->request_id[0] == '\0')
		snprintf(e->request_id, sizeof(e->request_id), "%s", rid);
	json_decref(root);
}

/* ---- one attempt ---------------------------------------------------------- */

static void
attempt_reset(struct http_req *r)
{
	size_t i;

	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
	for (i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->headers);
	r->headers = NULL;
	r->nheaders = 0;
	r->errbuf[0] = '\0';
}

static int
buf_append(struct http_req *r, const char *p, size_t n)
{
	char *nb;
	size_t ncap;

	if (r->len + n + 1 > r->cap) {
		ncap = r->cap ? r->cap : 4096;
		while (ncap < r->len + n + 1)
			ncap *= 2;
		if ((nb = realloc(r->buf, ncap)) == NULL)
			return -1;
		r->buf = nb;
		r->cap = ncap;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return 0;
}

static size_t
on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct http_req *r = ud;
	size_t n = size * nmemb;
	long code = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (r->sink != NULL && code >= 200 && code < 300) {
		r->sink_used = 1;
		if (r->sink(r->arg, p, n) != 0) {
			r->aborted = 1;
			return 0;
		}
		return n;
	}
	return buf_append(r, p, n) == 0 ? n : 0;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct http_req *r = ud;
	size_t n = size * nmemb, l = n;
	char **nh, *line;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {     /* a new response (100, retry) */
		attempt_reset(r);
		return n;
	}
	while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == '\n'))
		l--;
	if (l == 0 || memchr(p, ':', l) == NULL)
		return n;
	if ((line = strndup(p, l)) == NULL ||
	    (nh = realloc(r->headers, (r->nheaders + 1) * sizeof(*nh))) == NULL) {
		free(line);
		return 0;
	}
	r->headers = nh;
	r->headers[r->nheaders++] = line;
	return n;
}

static int
add_header(struct curl_slist **l, const char *fmt, const char *v)
{
	char line[512];
	struct curl_slist *nl;

	snprintf(line, sizeof(line), fmt, v);
	if ((nl = curl_slist_append(*l, line)) == NULL)
		return -1;
	*l = nl;
	return 0;
}

static int
build_headers(struct http_req *r)
{
	struct http_multi *m = r->m;
	int rc = 0;

	if (!r->no_auth) {
		if (m->bearer)
			rc |= add_header(&r->hdrs, "Authorization: Bearer %s", m->api_key);
		else
			rc |= add_header(&r->hdrs, "x-api-key: %s", m->api_key);
	}
	rc |= add_header(&r->hdrs, "anthropic-version: %s", m->api_version);
	rc |= add_header(&r->hdrs, "accept: %s", r->accept);
	if (r->body != NULL)
		rc |= add_header(&r->hdrs, "content-type: %s", "application/json");
	rc |= add_header(&r->hdrs, "Expect:%s", "");
	return rc;
}

/* Start (or restart) the transfer of r on its multi handle. */
static int
attempt_start(struct http_req *r)
{
	struct http_multi *m = r->m;
	CURL *e;

	attempt_reset(r);
	r->sink_used = r->aborted = 0;
	r->due_ms = 0;
	if ((e = curl_easy_init()) == NULL)
		return -1;
	r->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* plain http is loopback only: never let a proxy from the environment carry it
	 * (and the key in clear) anywhere else; https may use one (TLS stays end to end) */
	if (strncasecmp(r->url, "http:", 5) == 0)
		curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, m->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, m->timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	if (strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body != NULL ? r->body : "");
	} else if (strcmp(r->method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
		if (r->body != NULL) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
		}
	}
	r->attempts++;
	if (curl_multi_add_handle(m->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		r->easy = NULL;
		return -1;
	}
	return 0;
}

static void
easy_drop(struct http_req *r)
{
	if (r->easy == NULL)
		return;
	curl_multi_remove_handle(r->m->multi, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
}

static void
req_unlink(struct http_req *r)
{
	struct http_multi *m = r->m;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		m->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	m->npending--;
}

static void
req_free(struct http_req *r)
{
	easy_drop(r);
	attempt_reset(r);
	curl_slist_free_all(r->hdrs);
	free(r->url);
	free(r->body);
	free(r);
}

/* Hand the result to the owner and free r (already unlinked). */
static void
req_finish(struct http_req *r, struct http_result *res)
{
	res->attempts = r->attempts;
	res->error.attempts = r->attempts;
	if (!res->ok)
		scrub_key(r->m, res->error.message, sizeof(res->error.message));
	if (r->done != NULL)
		r->done(r->arg, res);
	http_result_done(res);
	req_free(r);
}

/* Move the current attempt's status, headers and body into res. */
static void
result_take(struct http_req *r, long status, struct http_result *res)
{
	const char *rid;

	memset(res, 0, sizeof(*res));
	res->status = status;
	res->body = r->buf;
	res->body_len = r->len;
	res->headers = r->headers;
	res->nheaders = r->nheaders;
	r->buf = NULL;
	r->len = r->cap = 0;
	r->headers = NULL;
	r->nheaders = 0;
	rid = http_result_header(res, "request-id");
	if (rid != NULL)
		snprintf(res->request_id, sizeof(res->request_id), "%s", rid);
	snprintf(res->error.request_id, sizeof(res->error.request_id), "%s", res->request_id);
	res->error.status = status;
}

/* Describe a transfer failure (no usable response) in res->error. */
static void
transport_error(struct http_req *r, CURLcode cc, struct http_result *res)
{
	struct http_error *e = &res->error;
	const char *why = r->errbuf[0] != '\0' ? r->errbuf : curl_easy_strerror(cc);

	if (r->aborted) {
		snprintf(e->type, sizeof(e->type), "aborted");
		snprintf(e->message, sizeof(e->message), "transfer stopped by its consumer");
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(e->type, sizeof(e->type), "timeout_error");
		snprintf(e->message, sizeof(e->message), "request timed out: %s", why);
	} else {
		snprintf(e->type, sizeof(e->type), "connection_error");
		snprintf(e->message, sizeof(e->message), "connection error: %s", why);
	}
}

/*
 * An attempt ended with curl code cc. Either schedule a retry (returns 1,
 * r stays pending) or fill res with the final outcome (returns 0).
 */
static int
attempt_done(struct http_req *r, CURLcode cc, struct http_result *res)
{
	long status = 0;
	const char *xsr, *ra, *ram;
	int transport = cc != CURLE_OK;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (transport && r->sink_used == 0 && status >= 200 && status < 300)
		status = 0;     /* a 2xx cut short is a connection error */
	if (transport && status != 0 && (status < 200 || status >= 300))
		transport = 0;  /* an error response (body maybe cut): judge by status */
	if (transport)
		status = 0;
	xsr = header_find(r->headers, r->nheaders, "x-should-retry");
	if (!r->aborted && !r->sink_used && r->attempts <= r->max_retries &&
	    (status < 200 || status >= 300) && http_should_retry(status, xsr)) {
		ram = header_find(r->headers, r->nheaders, "retry-after-ms");
		ra = header_find(r->headers, r->nheaders, "retry-after");
		r->due_ms = now_ms() + http_retry_delay_ms(r->attempts - 1, ram, ra, time(NULL),
		                                           r->m->rnd());
		easy_drop(r);
		attempt_reset(r);
		return 1;
	}
	result_take(r, status, res);
	if (transport) {
		transport_error(r, cc, res);
	} else if (status >= 200 && status < 300) {
		res->ok = 1;
	} else {
		snprintf(res->error.type, sizeof(res->error.type), "http_error");
		snprintf(res->error.message, sizeof(res->error.message), "HTTP %ld", status);
		error_from_body(res->body, res->body_len, &res->error);
	}
	easy_drop(r);
	return 0;
}

/* ---- the multi handle ----------------------------------------------------- */

struct http_multi *
http_multi_new(const struct config *cfg, char *err, size_t errlen)
{
	static int global_done;
	struct http_multi *m;

	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "libcurl initialisation failed");
			return NULL;
		}
		global_done = 1;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL || (m->multi = curl_multi_init()) == NULL) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(m->base_url, sizeof(m->base_url), "%s",
	         cfg->base_url[0] ? cfg->base_url : "https://api.anthropic.com");
	while (strlen(m->base_url) > 0 && m->base_url[strlen(m->base_url) - 1] == '/')
		m->base_url[strlen(m->base_url) - 1] = '\0';
	snprintf(m->api_key, sizeof(m->api_key), "%s", cfg->api_key);
	snprintf(m->api_version, sizeof(m->api_version), "%s",
	         cfg->api_version[0] ? cfg->api_version : "2023-06-01");
	m->bearer = strcasecmp(cfg->auth_style, "bearer") == 0;
	m->max_retries = cfg->max_retries >= 0 ? cfg->max_retries : 2;
	m->timeout_ms = cfg->timeout_ms > 0 ? (long)cfg->timeout_ms : 600000L;
	m->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? (long)cfg->connect_timeout_ms : 5000L;
	m->rnd = default_rnd;
	return m;
}

void
http_multi_free(struct http_multi *m)
{
	struct http_result res;
	struct http_req *r;

	if (m == NULL)
		return;
	while ((r = m->reqs) != NULL) {
		req_unlink(r);
		easy_drop(r);
		result_take(r, 0, &res);
		fail_set(&res.error, 0, "canceled", "request canceled%s", "");
		req_finish(r, &res);
	}
	curl_multi_cleanup(m->multi);
	memset(m->api_key, 0, sizeof(m->api_key));
	free(m);
}

void
http_multi_set_retries(struct http_multi *m, int max_retries)
{
	m->max_retries = max_retries < 0 ? 0 : max_retries;
}

void
http_multi_set_random(struct http_multi *m, double (*rnd)(void))
{
	m->rnd = rnd != NULL ? rnd : default_rnd;
}

const char *
http_multi_base_url(const struct http_multi *m)
{
	return m->base_url;
}

int
http_multi_pending(const struct http_multi *m)
{
	return m->npending;
}

struct http_req *
http_req_start(struct http_multi *m, const struct http_request *rq, struct http_error *err)
{
	struct http_req *r;
	char url[2048], why[512];
	const char *method = rq->method;

	if (rq->url == NULL || (rq->url[0] == '/' &&
	    snprintf(url, sizeof(url), "%s%s", m->base_url, rq->url) >= (int)sizeof(url))) {
		fail_set(err, 0, "config_error", "bad request URL%s", "");
		return NULL;
	}
	if (rq->url[0] != '/')
		snprintf(url, sizeof(url), "%s", rq->url);
	if (http_url_allowed(url, why, sizeof(why)) != 0) {
		fail_set(err, 0, "insecure_url", "%s", why);
		return NULL;
	}
	if (!rq->no_auth && m->api_key[0] == '\0') {
		fail_set(err, 0, "config_error",
		         "no API key: set ANTHROPIC_API_KEY (or api_key in the config file)%s", "");
		return NULL;
	}
	if (method == NULL)
		method = rq->body != NULL ? "POST" : "GET";
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->url = strdup(url)) == NULL)
		goto oom;
	r->m = m;
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->accept, sizeof(r->accept), "%s", rq->accept ? rq->accept : "application/json");
	if (rq->body != NULL) {
		if ((r->body = malloc(rq->body_len + 1)) == NULL)
			goto oom;
		memcpy(r->body, rq->body, rq->body_len);
		r->body[rq->body_len] = '\0';
		r->body_len = rq->body_len;
	}
	r->no_auth = rq->no_auth;
	r->max_retries = rq->no_retry ? 0 : m->max_retries;
	r->sink = rq->sink;
	r->done = rq->done;
	r->arg = rq->arg;
	if (build_headers(r) != 0 || attempt_start(r) != 0)
		goto oom;
	r->next = m->reqs;
	if (m->reqs != NULL)
		m->reqs->prev = r;
	m->reqs = r;
	m->npending++;
	return r;
oom:
	if (r != NULL)
		req_free(r);
	fail_set(err, 0, "connection_error", "out of memory%s", "");
	return NULL;
}

void
http_req_cancel(struct http_multi *m, struct http_req *r)
{
	struct http_result res;

	(void)m;
	req_unlink(r);
	easy_drop(r);
	result_take(r, 0, &res);
	fail_set(&res.error, 0, "canceled", "request canceled%s", "");
	req_finish(r, &res);
}

/* Start every retry whose timer is due; the earliest future due time or 0. */
static int64_t
start_due(struct http_multi *m)
{
	struct http_req *r;
	struct http_result res;
	int64_t now = now_ms(), next = 0;
	int again = 1;

	while (again) {
		again = 0;
		for (r = m->reqs; r != NULL; r = r->next) {
			if (r->easy != NULL || r->due_ms == 0)
				continue;
			if (r->due_ms > now) {
				if (next == 0 || r->due_ms < next)
					next = r->due_ms;
				continue;
			}
			if (attempt_start(r) == 0)
				continue;
			req_unlink(r);
			result_take(r, 0, &res);
			fail_set(&res.error, 0, "connection_error", "out of memory%s", "");
			req_finish(r, &res);
			again = 1;      /* the list changed under us */
			break;
		}
	}
	return next;
}

int
http_multi_perform(struct http_multi *m)
{
	CURLMsg *msg;
	struct http_req *r;
	struct http_result res;
	int running, left;

	curl_multi_perform(m->multi, &running);
	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		r = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r == NULL)
			continue;
		if (attempt_done(r, msg->data.result, &res))
			continue;       /* a retry is scheduled */
		req_unlink(r);
		req_finish(r, &res);
	}
	start_due(m);
	return m->npending;
}

int
http_multi_wait(struct http_multi *m, struct pollfd *extra, size_t n_extra, int timeout_ms)
{
	struct curl_waitfd wfd[16];
	size_t i, n = n_extra < 16 ? n_extra : 16;
	int64_t next = start_due(m), now;
	int numfds = 0, hits = 0;

	if (next != 0) {
		now = now_ms();
		if (next - now < timeout_ms || timeout_ms < 0)
			timeout_ms = next > now ? (int)(next - now) : 0;
	}
	if (timeout_ms < 0)
		timeout_ms = 1000;
	for (i = 0; i < n; i++) {
		wfd[i].fd = extra[i].fd;
		wfd[i].events = 0;
		if (extra[i].events & POLLIN)
			wfd[i].events |= CURL_WAIT_POLLIN;
		if (extra[i].events & POLLPRI)
			wfd[i].events |= CURL_WAIT_POLLPRI;
		if (extra[i].events & POLLOUT)
			wfd[i].events |= CURL_WAIT_POLLOUT;
		wfd[i].revents = 0;
	}
	if (curl_multi_poll(m->multi, n ? wfd : NULL, (unsigned)n, timeout_ms, &numfds) != CURLM_OK)
		return -1;
	for (i = 0; i < n; i++) {
		extra[i].revents = 0;
		if (wfd[i].revents & CURL_WAIT_POLLIN)
			extra[i].revents |= POLLIN;
		if (wfd[i].revents & CURL_WAIT_POLLPRI)
			extra[i].revents |= POLLPRI;
		if (wfd[i].revents & CURL_WAIT_POLLOUT)
			extra[i].revents |= POLLOUT;
		if (extra[i].revents != 0)
			hits++;
	}
	return hits;
}

void
http_multi_run(struct http_multi *m)
{
	while (http_multi_perform(m) > 0)
		http_multi_wait(m, NULL, 0, 1000);
}

struct sync_state {
	struct http_result *out;
	int                 finished;
	http_sink_fn        sink;       /* the caller's sink and its arg */
	void               *sink_arg;
};

static void
sync_done(void *arg, struct http_result *res)
{
	struct sync_state *s = arg;

	*s->out = *res;
	memset(res, 0, sizeof(*res));   /* ownership moves to s->out */
	s->finished = 1;
}

static int
sync_sink(void *arg, const char *data, size_t len)
{
	struct sync_state *s = arg;

	return s->sink(s->sink_arg, data, len);
}

int
http_request_sync(struct http_multi *m, const struct http_request *rq, struct http_result *out)
{
	struct sync_state s;
	struct http_request q = *rq;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.out = out;
	s.sink = rq->sink;
	s.sink_arg = rq->arg;
	q.done = sync_done;
	q.arg = &s;
	q.sink = rq->sink != NULL ? sync_sink : NULL;
	if (http_req_start(m, &q, &out->error) == NULL)
		return -1;
	while (!s.finished) {
		http_multi_perform(m);
		if (!s.finished)
			http_multi_wait(m, NULL, 0, 1000);
	}
	return out->ok ? 0 : -1;
}
