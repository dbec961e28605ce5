/* proxy_upstream.c — the proxy's libcurl side: one transfer at a time per
 * client connection, pulled by that connection's thread.
 *
 * Why not core/http.c: that is tokentop's own API client (it adds the key
 * and version, retries, buffers error bodies, runs every request on one
 * thread). A relay needs the opposite on every point: the client's headers
 * verbatim, no retry, error bodies streamed like any other, response headers
 * before the body, and a transfer paused while its client is slow. So the
 * relay's curl use lives here, in this one file. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/proxy_int.h"

#define PX_MAX_HEADERS 128

struct px_up {
	CURLM             *multi;
	CURL              *easy;
	int                attached;      /* easy is in multi */
	struct curl_slist *hdrs;
	char               curl_err[CURL_ERROR_SIZE];

	long               status;
	int                headers_done;
	int                done;
	CURLcode           result;
	char              *rh[PX_MAX_HEADERS];
	size_t             nrh;

	size_t             off, len;
	int                paused;
	int                discard;       /* draining: body goes to the tap only */
	px_tap_fn          tap;
	void              *tap_arg;
	atomic_int        *cancel;
	char               buf[PX_BUF_CAP];   /* last: not zeroed, pages touched only when used */
};

int
px_up_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

struct px_up *
px_up_new(void)
{
	struct px_up *u = malloc(sizeof(*u));

	if (u == NULL)
		return NULL;
	memset(u, 0, offsetof(struct px_up, buf));
	u->multi = curl_multi_init();
	u->easy = curl_easy_init();
	if (u->multi == NULL || u->easy == NULL) {
		px_up_free(u);
		return NULL;
	}
	return u;
}

static void
clear_headers(struct px_up *u)
{
	size_t i;

	for (i = 0; i < u->nrh; i++)
		free(u->rh[i]);
	u->nrh = 0;
}

void
px_up_free(struct px_up *u)
{
	if (u == NULL)
		return;
	px_up_end(u);
	if (u->easy != NULL)
		curl_easy_cleanup(u->easy);
	if (u->multi != NULL)
		curl_multi_cleanup(u->multi);
	clear_headers(u);
	free(u);
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct px_up *u = arg;
	size_t len = size * n, l = len;

	while (l > 0 && (data[l - 1] == '\n' || data[l - 1] == '\r'))
		l--;
	if (l == 0) {                        /* end of one response's headers */
		curl_easy_getinfo(u->easy, CURLINFO_RESPONSE_CODE, &u->status);
		if (u->status >= 200)
			u->headers_done = 1;
		return len;
	}
	if (l >= 5 && strncmp(data, "HTTP/", 5) == 0) {   /* a new response (after a 1xx) */
		clear_headers(u);
		return len;
	}
	if (u->nrh < PX_MAX_HEADERS && memchr(data, ':', l) != NULL)
		u->rh[u->nrh++] = strndup(data, l);
	return len;
}

static size_t
on_write(char *data, size_t size, size_t n, void *arg)
{
	struct px_up *u = arg;
	size_t len = size * n;

	if (!u->discard) {
		if (u->off > 0 && u->len + len > sizeof(u->buf)) {
			memmove(u->buf, u->buf + u->off, u->len - u->off);
			u->len -= u->off;
			u->off = 0;
		}
		if (u->len + len > sizeof(u->buf)) {
			u->paused = 1;       /* curl keeps it and offers it again on resume */
			return CURL_WRITEFUNC_PAUSE;
		}
		memcpy(u->buf + u->len, data, len);
		u->len += len;
	}
	if (u->tap != NULL)
		u->tap(u->tap_arg, data, len);
	return len;
}

/* One step of the transfer: perform, note completion, and wait (up to
 * wait_ms) when nothing changed. */
static void
step(struct px_up *u, int wait_ms)
{
	CURLMsg *m;
	int running, left;

	if (u->cancel != NULL && atomic_load(u->cancel)) {
		u->done = 1;
		u->result = CURLE_ABORTED_BY_CALLBACK;
		return;
	}
	curl_multi_perform(u->multi, &running);
	while ((m = curl_multi_info_read(u->multi, &left)) != NULL) {
		if (m->msg == CURLMSG_DONE && m->easy_handle == u->easy) {
			u->done = 1;
			u->result = m->data.result;
		}
	}
	if (!u->done && wait_ms > 0)
		curl_multi_poll(u->multi, NULL, 0, wait_ms, NULL);
}

static void
set_method(CURL *e, const struct px_send *s)
{
	if (strcmp(s->method, "GET") == 0 && s->body_len == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (strcmp(s->method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		return;
	}
	if (s->body_len > 0 || strcmp(s->method, "POST") == 0 || strcmp(s->method, "PUT") == 0 ||
	    strcmp(s->method, "PATCH") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, s->body_len > 0 ? s->body : "");
	}
	if (strcmp(s->method, "POST") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, s->method);
}

/* The client's headers, and removals of the ones curl would add on its own
 * (Accept, Content-Type, Expect) when the client sent none. */
static int
build_headers(struct px_up *u, const struct px_send *s)
{
	static const char *const own[] = { "Accept", "Content-Type", "Expect" };
	struct curl_slist *l;
	char line[64];
	size_t i, j, n;
	int have;

	for (i = 0; i < s->nhdrs; i++) {
		if ((l = curl_slist_append(u->hdrs, s->hdrs[i])) == NULL)
			return -1;
		u->hdrs = l;
	}
	for (j = 0; j < sizeof(own) / sizeof(own[0]); j++) {
		n = strlen(own[j]);
		have = 0;
		for (i = 0; i < s->nhdrs; i++)
			if (strncasecmp(s->hdrs[i], own[j], n) == 0 && s->hdrs[i][n] == ':')
				have = 1;
		if (have && strcmp(own[j], "Expect") != 0)
			continue;
		snprintf(line, sizeof(line), "%s:", own[j]);
		if ((l = curl_slist_append(u->hdrs, line)) == NULL)
			return -1;
		u->hdrs = l;
	}
	return 0;
}

static void
reset(struct px_up *u)
{
	clear_headers(u);
	curl_slist_free_all(u->hdrs);
	u->hdrs = NULL;
	u->status = 0;
	u->headers_done = u->done = u->paused = u->discard = 0;
	u->result = CURLE_OK;
	u->off = u->len = 0;
	u->tap = NULL;
	u->tap_arg = NULL;
	u->cancel = NULL;
	u->curl_err[0] = '\0';
}

int
px_up_start(struct px_up *u, const struct px_send *s, char *err, size_t errlen)
{
	CURL *e = u->easy;

	px_up_end(u);
	reset(u);
	u->tap = s->tap;
	u->tap_arg = s->tap_arg;
	u->cancel = s->cancel;
	if (build_headers(u, s) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, s->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	if (strncasecmp(s->url, "http:", 5) == 0)   /* loopback only: never via an env proxy */
		curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)s->connect_timeout_ms);
	/* no cap on the whole transfer (a long stream is fine); give up when
	 * nothing at all arrived for timeout_ms (streams send pings) */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)(s->timeout_ms + 999) / 1000);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, u->hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, u);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, u);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, u->curl_err);
	set_method(e, s);
	if (curl_multi_add_handle(u->multi, e) != CURLM_OK) {
		snprintf(err, errlen, "cannot start the upstream transfer");
		return -1;
	}
	u->attached = 1;
	while (!u->headers_done && !u->done)
		step(u, 500);
	if (!u->headers_done) {
		snprintf(err, errlen, "upstream: %s",
		         u->curl_err[0] ? u->curl_err : curl_easy_strerror(u->result));
		px_up_end(u);
		return -1;
	}
	return 0;
}

long
px_up_status(const struct px_up *u)
{
	return u->status;
}

size_t
px_up_nheaders(const struct px_up *u)
{
	return u->nrh;
}

const char *
px_up_header_line(const struct px_up *u, size_t i)
{
	return i < u->nrh ? u->rh[i] : NULL;
}

const char *
px_up_header(const struct px_up *u, const char *name)
{
	size_t i, n = strlen(name);
	const char *v;

	for (i = 0; i < u->nrh; i++) {
		if (strncasecmp(u->rh[i], name, n) != 0 || u->rh[i][n] != ':')
			continue;
		v = u->rh[i] + n + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		return v;
	}
	return NULL;
}

int64_t
px_up_content_length(const struct px_up *u)
{
	const char *v = px_up_header(u, "Content-Length");
	char *end;
	long long n;

	if (v == NULL)
		return -1;
	n = strtoll(v, &end, 10);
	return end != v && n >= 0 ? (int64_t)n : -1;
}

int
px_up_whole_body(struct px_up *u, const char **data, size_t *len)
{
	if (!u->done || u->result != CURLE_OK || u->paused)
		return 0;
	*data = u->buf + u->off;
	*len = u->len - u->off;
	return 1;
}

long
px_up_read(struct px_up *u, char *buf, size_t max)
{
	size_t n;

	while (u->off == u->len) {
		u->off = u->len = 0;
		if (u->paused) {
			u->paused = 0;
			curl_easy_pause(u->easy, CURLPAUSE_CONT);   /* may deliver at once */
			continue;
		}
		if (u->done)
			return u->result == CURLE_OK ? 0 : -1;
		step(u, 500);
	}
	n = u->len - u->off;
	if (n > max)
		n = max;
	memcpy(buf, u->buf + u->off, n);
	u->off += n;
	return (long)n;
}

void
px_up_end(struct px_up *u)
{
	if (!u->attached)
		return;
	u->discard = 1;
	u->off = u->len = 0;
	if (u->paused) {
		u->paused = 0;
		curl_easy_pause(u->easy, CURLPAUSE_CONT);
	}
	while (!u->done)
		step(u, 500);
	curl_multi_remove_handle(u->multi, u->easy);
	u->attached = 0;
	curl_slist_free_all(u->hdrs);
	u->hdrs = NULL;
}
