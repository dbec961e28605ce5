/* proxy_upstream.c — the proxy's libcurl side: one curl multi handle per
 * event loop, driven by epoll readiness (curl_multi_socket_action), and the
 * transfers running on it, each buffering at most PX_BUF_CAP of body before
 * it is paused until its client takes some.
 *
 * Why not core/http.c: that is tokentop's own API client (it adds the key
 * and version, retries, buffers error bodies). A relay needs the opposite on
 * every point: the client's headers verbatim, no retry, error bodies
 * streamed like any other, response headers before the body, and a
 * transfer paused while its client is slow. So the relay's curl use lives
 * here, in this one file. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>

#include <curl/curl.h>

#include "core/proxy_int.h"

#define PX_MAX_HEADERS 128
#define PX_POOL        64          /* idle easy handles kept for reuse */
#define PX_BUF_FIRST   (4 * 1024)    /* grows to PX_BUF_CAP */

struct px_upstream {
	CURLM          *multi;
	int             epfd;
	int64_t         deadline_ms;   /* monotonic; -1 = no timer */
	CURL           *pool[PX_POOL];
	size_t          npool;
	struct px_xfer *live;          /* attached transfers */
};

struct px_xfer {
	struct px_upstream *up;
	struct px_xfer     *prev, *next;  /* in up->live while attached */
	CURL               *easy;
	int                 attached;
	struct curl_slist  *hdrs;
	char                curl_err[CURL_ERROR_SIZE];

	long                status;
	int                 headers_done;
	int                 done;
	CURLcode            result;
	char               *rh[PX_MAX_HEADERS];
	size_t              nrh;

	char               *buf;
	size_t              off, len, cap;
	int                 paused;
	int                 discard;       /* detached: body goes to the tap only */
	px_tap_fn           tap;
	void               *tap_arg;
	px_event_fn         ev;
	void               *ev_arg;
};

int
px_up_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

/* ---- the multi handle and epoll ------------------------------------------ */

/* CURLMOPT_SOCKETFUNCTION: keep epfd in step with what curl waits for. */
static int
on_socket(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct px_upstream *up = arg;
	struct epoll_event ev;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (sockp != NULL)
			epoll_ctl(up->epfd, EPOLL_CTL_DEL, s, NULL);
		curl_multi_assign(up->multi, s, NULL);
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.data.fd = s;
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (sockp != NULL)
		return epoll_ctl(up->epfd, EPOLL_CTL_MOD, s, &ev) == 0 ? 0 : -1;
	if (epoll_ctl(up->epfd, EPOLL_CTL_ADD, s, &ev) != 0)
		return -1;
	curl_multi_assign(up->multi, s, up);   /* any non-NULL: "registered" */
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: remember when curl wants to run. */
static int
on_timer(CURLM *m, long timeout_ms, void *arg)
{
	struct px_upstream *up = arg;

	(void)m;
	up->deadline_ms = timeout_ms < 0 ? -1 : px_mono_ms() + timeout_ms;
	return 0;
}

struct px_upstream *
px_upstream_new(int epfd)
{
	struct px_upstream *up = calloc(1, sizeof(*up));

	if (up == NULL)
		return NULL;
	up->epfd = epfd;
	up->deadline_ms = -1;
	if ((up->multi = curl_multi_init()) == NULL) {
		free(up);
		return NULL;
	}
	curl_multi_setopt(up->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(up->multi, CURLMOPT_SOCKETDATA, up);
	curl_multi_setopt(up->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(up->multi, CURLMOPT_TIMERDATA, up);
	/* keep an upstream connection for every client connection that may
	 * come back: reuse is what keeps the second hop cheap */
	curl_multi_setopt(up->multi, CURLMOPT_MAXCONNECTS, 1024L);
	return up;
}

void
px_upstream_free(struct px_upstream *up)
{
	if (up == NULL)
		return;
	px_upstream_cancel_all(up);
	while (up->npool > 0)
		curl_easy_cleanup(up->pool[--up->npool]);
	curl_multi_cleanup(up->multi);
	free(up);
}

int
px_upstream_timeout(const struct px_upstream *up)
{
	int64_t left;

	if (up->deadline_ms < 0)
		return -1;
	left = up->deadline_ms - px_mono_ms();
	return left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

/* Take the finished transfer out of the multi handle and tell its owner. */
static void
finish(struct px_xfer *x, CURLcode result)
{
	struct px_upstream *up = x->up;

	if (!x->attached)
		return;
	curl_multi_remove_handle(up->multi, x->easy);
	x->attached = 0;
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		up->live = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	x->done = 1;
	x->result = result;
	x->ev(x->ev_arg, x, PX_EV_DONE);    /* may free x */
}

static void
reap(struct px_upstream *up)
{
	struct px_xfer *x;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(up->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x != NULL)
			finish(x, m->data.result);
	}
}

void
px_upstream_socket(struct px_upstream *up, int fd, uint32_t events)
{
	int flags = 0, running;

	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(up->multi, fd, flags, &running);
	reap(up);
}

void
px_upstream_timer(struct px_upstream *up)
{
	int running;

	if (up->deadline_ms < 0 || up->deadline_ms > px_mono_ms())
		return;
	up->deadline_ms = -1;
	curl_multi_socket_action(up->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	reap(up);
}

void
px_upstream_cancel_all(struct px_upstream *up)
{
	while (up->live != NULL) {
		snprintf(up->live->curl_err, sizeof(up->live->curl_err), "proxy shutting down");
		finish(up->live, CURLE_ABORTED_BY_CALLBACK);
	}
}

/* ---- one transfer: callbacks ---------------------------------------------- */

static void
clear_headers(struct px_xfer *x)
{
	size_t i;

	for (i = 0; i < x->nrh; i++)
		free(x->rh[i]);
	x->nrh = 0;
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct px_xfer *x = arg;
	size_t len = size * n, l = len;

	while (l > 0 && (data[l - 1] == '\n' || data[l - 1] == '\r'))
		l--;
	if (l == 0) {                        /* end of one response's headers */
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
		if (x->status >= 200 && !x->headers_done) {
			x->headers_done = 1;
			x->ev(x->ev_arg, x, PX_EV_HEADERS);
		}
		return len;
	}
	if (l >= 5 && strncmp(data, "HTTP/", 5) == 0) {   /* a new response (after a 1xx) */
		clear_headers(x);
		return len;
	}
	if (x->nrh < PX_MAX_HEADERS && memchr(data, ':', l) != NULL &&
	    (x->rh[x->nrh] = strndup(data, l)) != NULL)
		x->nrh++;
	return len;
}

/* Room for len more bytes in x->buf (compacting, growing up to PX_BUF_CAP):
 * 1, or 0 when the transfer must pause. */
static int
make_room(struct px_xfer *x, size_t len)
{
	size_t ncap;
	char *nb;

	if (x->off > 0 && x->len + len > x->cap) {
		memmove(x->buf, x->buf + x->off, x->len - x->off);
		x->len -= x->off;
		x->off = 0;
	}
	if (x->len + len <= x->cap)
		return 1;
	if (x->len + len > PX_BUF_CAP && x->len > 0)
		return 0;
	ncap = x->cap ? x->cap : PX_BUF_FIRST;
	while (ncap < x->len + len)
		ncap *= 2;
	if ((nb = realloc(x->buf, ncap)) == NULL)
		return 0;
	x->buf = nb;
	x->cap = ncap;
	return 1;
}

static size_t
on_write(char *data, size_t size, size_t n, void *arg)
{
	struct px_xfer *x = arg;
	size_t len = size * n;

	if (!x->discard) {
		if (!make_room(x, len)) {
			x->paused = 1;       /* curl keeps it and offers it again on resume */
			return CURL_WRITEFUNC_PAUSE;
		}
		memcpy(x->buf + x->len, data, len);
		x->len += len;
	}
	if (x->tap != NULL)
		x->tap(x->tap_arg, data, len);
	if (!x->discard)
		x->ev(x->ev_arg, x, PX_EV_DATA);
	return len;
}

/* ---- one transfer: set-up -------------------------------------------------- */

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
build_headers(struct px_xfer *x, const struct px_send *s)
{
	static const char *const own[] = { "Accept", "Content-Type", "Expect" };
	struct curl_slist *l;
	char line[64];
	size_t i, j, n;
	int have;

	for (i = 0; i < s->nhdrs; i++) {
		if ((l = curl_slist_append(x->hdrs, s->hdrs[i])) == NULL)
			return -1;
		x->hdrs = l;
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
		if ((l = curl_slist_append(x->hdrs, line)) == NULL)
			return -1;
		x->hdrs = l;
	}
	return 0;
}

/* An easy handle from the pool (reset) or a new one; NULL on out of memory. */
static CURL *
take_easy(struct px_upstream *up)
{
	CURL *e;

	if (up->npool == 0)
		return curl_easy_init();
	e = up->pool[--up->npool];
	curl_easy_reset(e);
	return e;
}

static void
set_options(struct px_xfer *x, const struct px_send *s)
{
	CURL *e = x->easy;

	curl_easy_setopt(e, CURLOPT_URL, s->url);
	/* the path goes as it was checked (proxy_check.c): curl must not
	 * squash "/v1/../x" into "/x" after the /v1/ check */
	curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
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
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_err);
	set_method(e, s);
}

struct px_xfer *
px_xfer_start(struct px_upstream *up, const struct px_send *s, char *err, size_t errlen)
{
	struct px_xfer *x = calloc(1, sizeof(*x));

	if (x == NULL || (x->easy = take_easy(up)) == NULL || build_headers(x, s) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	x->up = up;
	x->tap = s->tap;
	x->tap_arg = s->tap_arg;
	x->ev = s->ev;
	x->ev_arg = s->ev_arg;
	set_options(x, s);
	if (curl_multi_add_handle(up->multi, x->easy) != CURLM_OK) {
		snprintf(err, errlen, "cannot start the upstream transfer");
		goto fail;
	}
	x->attached = 1;
	x->next = up->live;
	if (up->live != NULL)
		up->live->prev = x;
	up->live = x;
	return x;
fail:
	if (x != NULL) {
		x->up = up;
		px_xfer_free(x);
	}
	return NULL;
}

void
px_xfer_free(struct px_xfer *x)
{
	struct px_upstream *up;

	if (x == NULL)
		return;
	up = x->up;
	if (x->attached) {
		x->ev = NULL;
		curl_multi_remove_handle(up->multi, x->easy);
		x->attached = 0;
		if (x->prev != NULL)
			x->prev->next = x->next;
		else
			up->live = x->next;
		if (x->next != NULL)
			x->next->prev = x->prev;
	}
	if (x->easy != NULL) {
		if (up->npool < PX_POOL)
			up->pool[up->npool++] = x->easy;
		else
			curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->hdrs);
	clear_headers(x);
	free(x->buf);
	free(x);
}

void
px_xfer_detach(struct px_xfer *x)
{
	x->discard = 1;
	x->off = x->len = 0;
	if (x->paused && x->attached) {
		x->paused = 0;
		curl_easy_pause(x->easy, CURLPAUSE_CONT);   /* may deliver at once */
	}
}

/* ---- one transfer: state and body ----------------------------------------- */

int
px_xfer_headers_done(const struct px_xfer *x)
{
	return x->headers_done;
}

int
px_xfer_done(const struct px_xfer *x)
{
	return x->done;
}

const char *
px_xfer_error(const struct px_xfer *x)
{
	if (x->curl_err[0] != '\0')
		return x->curl_err;
	return x->done ? curl_easy_strerror(x->result) : "no answer yet";
}

long
px_xfer_status(const struct px_xfer *x)
{
	return x->status;
}

size_t
px_xfer_nheaders(const struct px_xfer *x)
{
	return x->nrh;
}

const char *
px_xfer_header_line(const struct px_xfer *x, size_t i)
{
	return i < x->nrh ? x->rh[i] : NULL;
}

const char *
px_xfer_header(const struct px_xfer *x, const char *name)
{
	size_t i, n = strlen(name);
	const char *v;

	for (i = 0; i < x->nrh; i++) {
		if (strncasecmp(x->rh[i], name, n) != 0 || x->rh[i][n] != ':')
			continue;
		v = x->rh[i] + n + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		return v;
	}
	return NULL;
}

int64_t
px_xfer_content_length(const struct px_xfer *x)
{
	const char *v = px_xfer_header(x, "Content-Length");
	char *end;
	long long n;

	if (v == NULL)
		return -1;
	n = strtoll(v, &end, 10);
	return end != v && n >= 0 ? (int64_t)n : -1;
}

int
px_xfer_whole_body(struct px_xfer *x, const char **data, size_t *len)
{
	if (!x->done || x->result != CURLE_OK || x->paused)
		return 0;
	*data = x->buf != NULL ? x->buf + x->off : "";
	*len = x->len - x->off;
	return 1;
}

long
px_xfer_read(struct px_xfer *x, char *buf, size_t max)
{
	size_t n;

	if (x->off == x->len && x->paused && x->attached) {
		x->off = x->len = 0;
		x->paused = 0;
		curl_easy_pause(x->easy, CURLPAUSE_CONT);   /* may deliver at once */
	}
	if (x->off == x->len) {
		if (!x->done)
			return 0;
		return x->result == CURLE_OK ? PX_READ_EOF : PX_READ_FAIL;
	}
	n = x->len - x->off;
	if (n > max)
		n = max;
	memcpy(buf, x->buf + x->off, n);
	x->off += n;
	return (long)n;
}
