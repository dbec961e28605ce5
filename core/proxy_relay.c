/* proxy_relay.c — the proxy's server side: libmicrohttpd in external epoll
 * mode, run by the proxy's loop thread (proxy.c). Each request is checked
 * and read whole (proxy_intake.c: at most PROXY_MAX_BODY, within the
 * proxy's body memory) and its upstream transfer started
 * (proxy_upstream.c); the connection is then suspended and resumed whenever
 * the upstream has something for it, so no callback ever waits. The response
 * is relayed as it arrives and pulled as the client takes it: a slow client
 * pauses the upstream instead of filling memory. A client that goes away
 * leaves its transfer running to the end through the same usage scan, and
 * the usage is handed to the hooks when the upstream finished. */
#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/proxy.h"
#include "core/proxy_int.h"

#define PX_COPY_MAX   (8u * 1024 * 1024)   /* a JSON body kept for its usage */
#define TAG_HEADER    "x-tokentop-tag"

/* ---- small things ---------------------------------------------------------- */

static int
name_is(const char *line, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(line, name, n) == 0;
}

/* Hop-by-hop and framing headers: handled by each side's own HTTP stack. */
static int
hop_by_hop(const char *name, size_t n)
{
	static const char *const h[] = {
		"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
		"trailer", "upgrade", "host", "content-length", "expect", "proxy-authorization",
		"proxy-authenticate",
	};
	size_t i;

	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (name_is(name, n, h[i]))
			return 1;
	return 0;
}

/* ---- the usage scan ------------------------------------------------------- */

static void
tap_decide(struct px_req *r)
{
	const char *ct = px_xfer_header(r->x, "Content-Type");
	long st = px_xfer_status(r->x);

	r->tap = TAP_NONE;
	if (r->kind == PX_OTHER || st < 200 || st > 299)
		return;
	if (r->kind == PX_CALL && ct != NULL && strncasecmp(ct, "text/event-stream", 17) == 0) {
		if ((r->sse = malloc(sizeof(*r->sse))) != NULL) {
			proxy_sse_init_for(r->sse, r->pv);
			r->tap = TAP_SSE;
		}
		return;
	}
	r->tap = TAP_COPY;
}

static void
tap(void *arg, const char *data, size_t len)
{
	struct px_req *r = arg;
	size_t ncap;
	char *nb;

	if (r->tap == TAP_UNDECIDED)
		tap_decide(r);
	if (r->tap == TAP_SSE) {
		proxy_sse_feed(r->sse, data, len);
		return;
	}
	if (r->tap != TAP_COPY || r->copy_over)
		return;
	if (r->copy_len + len > PX_COPY_MAX) {
		r->copy_over = 1;
		return;
	}
	if (r->copy_len + len > r->copy_cap) {
		ncap = r->copy_cap ? r->copy_cap : 16384;
		while (ncap < r->copy_len + len)
			ncap *= 2;
		if ((nb = realloc(r->copy, ncap)) == NULL) {
			r->copy_over = 1;
			return;
		}
		r->copy = nb;
		r->copy_cap = ncap;
	}
	memcpy(r->copy + r->copy_len, data, len);
	r->copy_len += len;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A relayed 2xx whose usage (or batch object) cannot be believed: the
 * client got it unchanged, the ledger gets no row, the log says why. */
static void
unrecorded(struct px_req *r, const char *what, const char *why)
{
	const char *rid = px_xfer_header(r->x, r->pv->request_id_header);
	char id[72], msg[512];
	size_t i;

	if (r->p->h.log == NULL)
		return;
	for (i = 0; rid != NULL && rid[i] != '\0' && i < sizeof(id) - 1; i++)
		id[i] = isalnum((unsigned char)rid[i]) || rid[i] == '_' || rid[i] == '-' ? rid[i] : '?';
	id[i] = '\0';
	snprintf(msg, sizeof(msg), "%s %s not recorded: %s", what, i > 0 ? id : "(no request id)",
	    why);
	r->p->h.log(r->p->h.arg, msg);
}

/* After the transfer ended: hand the usage (or the batch) to the hooks. */
static void
record(struct px_req *r)
{
	struct proxy *p = r->p;
	struct proxy_batch b;
	struct usage u;
	const char *rid;
	char err[256];
	int have = 0;

	if (r->tap == TAP_SSE) {
		have = proxy_sse_usage(r->sse, &u);
		if (proxy_sse_error(r->sse) != NULL)
			unrecorded(r, "response", proxy_sse_error(r->sse));
	} else if (r->tap == TAP_COPY && !r->copy_over && r->kind == PX_CALL) {
		have = proxy_response_usage(r->pv, r->copy, r->copy_len, &u, err, sizeof(err)) == 0;
		if (!have)
			unrecorded(r, "response", err);
	} else if (r->tap == TAP_COPY && !r->copy_over && r->kind == PX_BATCH_CREATE &&
	           p->h.batch != NULL) {
		if (proxy_batch_parse_for(r->pv, r->copy, r->copy_len, &b, err, sizeof(err)) == 0) {
			usage_strlcpy(b.provider, r->pv->name, sizeof(b.provider));
			usage_strlcpy(b.tag, r->tag, sizeof(b.tag));
			p->h.batch(p->h.arg, &b);
		} else {
			unrecorded(r, "batch", err);
		}
	}
	if (have)
		ratelimit_model_key(u.model, r->model, sizeof(r->model));
	if (!have || p->h.usage == NULL)
		return;
	u.ts_ms = now_ms();
	usage_strlcpy(u.source, "proxy", sizeof(u.source));
	usage_strlcpy(u.tag, r->tag, sizeof(u.tag));
	provider_stamp(r->pv, &u);
	usage_strlcpy(u.key_fp, r->key_fp, sizeof(u.key_fp));
	rid = px_xfer_header(r->x, r->pv->request_id_header);
	usage_strlcpy(u.request_id, rid != NULL ? rid : "", sizeof(u.request_id));
	p->h.usage(p->h.arg, &u);
}

/* ---- a request's life ------------------------------------------------------- */

/* Free r once both libmicrohttpd and the transfer are done with it. */
static void
req_release(struct px_req *r)
{
	if (r->c != NULL || (r->x != NULL && !px_xfer_done(r->x)))
		return;
	px_xfer_free(r->x);
	if (r->counted)
		atomic_fetch_sub(&r->l->inflight, 1);
	px_req_free(r);
}

/* The upstream moved: wake the connection if it waits; at the end, record. */
static void
on_xfer(void *arg, struct px_xfer *x, enum px_event ev)
{
	struct px_req *r = arg;

	(void)x;
	if (ev == PX_EV_HEADERS)
		px_outcome_head(r);
	if (ev == PX_EV_DONE && px_xfer_headers_done(r->x))
		record(r);
	if (ev == PX_EV_DONE)
		px_outcome(r, px_xfer_headers_done(r->x) ? px_xfer_status(r->x) : 502,
		    px_xfer_headers_done(r->x));
	if (r->c != NULL && r->suspended) {
		r->suspended = 0;
		MHD_resume_connection(r->c);
	}
	if (ev == PX_EV_DONE)
		req_release(r);
}

static void
suspend(struct px_req *r)
{
	r->suspended = 1;
	MHD_suspend_connection(r->c);
}

/* ---- libmicrohttpd callbacks ------------------------------------------------ */

static void
on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
             enum MHD_RequestTerminationCode toe)
{
	struct px_req *r = *req_cls;

	(void)cls;
	(void)toe;
	px_guard_idle(px_req_conn(c));     /* the next request's head is due */
	if (r == NULL)
		return;
	*req_cls = NULL;
	r->c = NULL;
	r->k = NULL;
	r->suspended = 0;
	if (r->x != NULL && !px_xfer_done(r->x))
		px_xfer_detach(r->x);      /* drained to its end, then recorded */
	req_release(r);
}

static ssize_t
reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct px_req *r = cls;
	long n;

	(void)pos;
	if (r->l->cancel)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = px_filter_read(r, buf, max);
	if (n > 0)
		return (ssize_t)n;
	if (n == PX_READ_EOF)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n == PX_READ_FAIL)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	suspend(r);                    /* on_xfer resumes it */
	return 0;
}

/* The request's headers for upstream, "Name: value" (curl's "Name;" for an
 * empty value); the tag header is taken out and kept. */
struct hdr_list {
	struct px_req *r;
	char         **v;
	size_t         n, cap;
	int            oom;
};

static enum MHD_Result
collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct hdr_list *l = cls;
	size_t kn = strlen(key);
	char **nv, *line;

	if (strcasecmp(key, TAG_HEADER) == 0) {
		usage_strlcpy(l->r->tag, value != NULL ? value : "", sizeof(l->r->tag));
		return MHD_YES;
	}
	/* who spends: the key's fingerprint (x-api-key wins over a bearer) */
	if (value != NULL && strcasecmp(key, "x-api-key") == 0)
		keyfp_make(value, l->r->key_fp, sizeof(l->r->key_fp));
	else if (value != NULL && strcasecmp(key, "authorization") == 0 &&
	    strncasecmp(value, "Bearer ", 7) == 0 && l->r->key_fp[0] == '\0')
		keyfp_make(value + 7, l->r->key_fp, sizeof(l->r->key_fp));
	if (hop_by_hop(key, kn))
		return MHD_YES;
	/* a body the proxy reads must come back readable */
	if (l->r->kind != PX_OTHER && strcasecmp(key, "accept-encoding") == 0)
		return MHD_YES;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		if ((nv = realloc(l->v, l->cap * sizeof(*nv))) == NULL) {
			l->oom = 1;
			return MHD_NO;
		}
		l->v = nv;
	}
	if (value == NULL || value[0] == '\0') {
		if (asprintf(&line, "%s;", key) < 0)
			line = NULL;
	} else if (asprintf(&line, "%s: %s", key, value) < 0) {
		line = NULL;
	}
	if (line == NULL) {
		l->oom = 1;
		return MHD_NO;
	}
	l->v[l->n++] = line;
	return MHD_YES;
}

static void
free_headers(struct hdr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Queue the upstream's status and headers with a body pulled by reader. */
static enum MHD_Result
relay_response(struct MHD_Connection *c, struct px_req *r, const char *method)
{
	struct MHD_Response *resp;
	const char *line, *colon, *v;
	int64_t cl = px_xfer_content_length(r->x);
	long st = px_xfer_status(r->x);
	enum MHD_Result rc;
	const char *whole;
	char name[128], *mine;
	size_t i, n, wlen;

	if (px_filter_start(r) != 0)
		return px_reply_error(c, r->pv, 500, NULL, "proxy: out of memory", 0, NULL);
	if (r->filter != NULL)
		cl = -1;                       /* the lines the client did not ask for go */
	if (st == 204 || st == 304 || cl == 0 || strcmp(method, "HEAD") == 0)
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else if (px_xfer_whole_body(r->x, &whole, &wlen) && (cl < 0 || (uint64_t)cl == wlen)) {
		/* all there already: headers and body leave in one send */
		if (r->filter != NULL) {
			if (px_filter_whole(r, whole, wlen, &mine, &wlen) != 0)
				return px_reply_error(c, r->pv, 500, NULL, "proxy: out of memory", 0,
				    NULL);
			resp = MHD_create_response_from_buffer(wlen, mine != NULL ? mine : (void *)"",
			    mine != NULL ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
		} else {
			resp = MHD_create_response_from_buffer(wlen, (void *)whole,
			    MHD_RESPMEM_MUST_COPY);
		}
	} else
		resp = MHD_create_response_from_callback(cl >= 0 ? (uint64_t)cl : MHD_SIZE_UNKNOWN,
		                                         16 * 1024, reader, r, NULL);
	if (resp == NULL)
		return MHD_NO;
	for (i = 0; i < px_xfer_nheaders(r->x); i++) {
		line = px_xfer_header_line(r->x, i);
		colon = strchr(line, ':');
		n = (size_t)(colon - line);
		if (n == 0 || n >= sizeof(name) || hop_by_hop(line, n))
			continue;
		memcpy(name, line, n);
		name[n] = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		MHD_add_response_header(resp, name, v);
	}
	rc = MHD_queue_response(c, (unsigned)st, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* The whole request is in: check the budget, start the upstream transfer
 * and suspend until it answers (on_xfer resumes; on_request then relays). */
static enum MHD_Result
forward(struct MHD_Connection *c, struct px_req *r, const char *method)
{
	struct proxy *p = r->p;
	struct hdr_list hl = { .r = r };
	struct px_send s;
	char url[PROXY_TARGET_MAX + sizeof(p->upstream[0]) + 1], msg[512];

	usage_strlcpy(r->tag, p->tag, sizeof(r->tag));
	px_outcome_start(c, r);
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &hl);
	if (hl.oom) {
		free_headers(&hl);
		return px_reply_error(c, r->pv, 500, NULL, "proxy: out of memory", 0, NULL);
	}
	if (p->o.enforce_budget && r->kind == PX_CALL && p->h.budget != NULL &&
	    p->h.budget(p->h.arg, r->tag, msg, sizeof(msg))) {
		free_headers(&hl);
		px_outcome(r, 429, 0);
		return px_reply_error(c, r->pv, 429, r->pv->quota_error, msg, 0, NULL);
	}
	px_rewrite_request(r);
	snprintf(url, sizeof(url), "%s%s", p->upstream[r->pv->id], r->uri);
	memset(&s, 0, sizeof(s));
	s.method = method;
	s.url = url;
	s.hdrs = (const char **)hl.v;
	s.nhdrs = hl.n;
	s.body = r->body;
	s.body_len = r->len;
	s.connect_timeout_ms = p->o.connect_timeout_ms;
	s.timeout_ms = p->o.timeout_ms;
	s.tap = tap;
	s.tap_arg = r;
	s.ev = on_xfer;
	s.ev_arg = r;
	r->x = px_xfer_start(r->l->up, &s, msg, sizeof(msg));
	free_headers(&hl);
	if (r->x == NULL) {
		px_outcome(r, 502, 0);
		return px_reply_error(c, r->pv, 502, NULL, msg, 0, NULL);
	}
	r->counted = 1;
	atomic_fetch_add(&r->l->inflight, 1);
	suspend(r);
	return MHD_YES;
}

/* Called again once the transfer answered: relay it, or a 502 when the
 * upstream could not be reached. */
static enum MHD_Result
answer(struct MHD_Connection *c, struct px_req *r, const char *method)
{
	char msg[512];

	if (px_xfer_headers_done(r->x))
		return relay_response(c, r, method);
	if (!px_xfer_done(r->x)) {         /* resumed early: wait on */
		suspend(r);
		return MHD_YES;
	}
	snprintf(msg, sizeof(msg), "upstream: %s", px_xfer_error(r->x));
	return px_reply_error(c, r->pv, 502, NULL, msg, 0, NULL);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
	struct px_req *r = *req_cls;
	enum MHD_Result rc;

	(void)cls;
	(void)url;
	if (r == NULL)
		return MHD_NO;
	if (!r->started) {
		r->started = 1;
		return px_intake_head(c, r, method, version);
	}
	if (*upload_size > 0) {
		px_intake_body(r, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->x != NULL)
		return answer(c, r, method);
	if (px_intake_refused(c, r, &rc))
		return rc;
	return forward(c, r, method);
}

/* Each connection is watched (deadlines, connections per address) from
 * its start to its close. */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *fd, *addr;
	struct px_loop *l = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		*socket_context = fd == NULL ? NULL :
		    px_guard_started(l, fd->connect_fd, addr != NULL ? addr->client_addr : NULL);
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		px_guard_closed(l, *socket_context);
		*socket_context = NULL;
	}
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	return px_req_new(cls, uri, c);
}

/* ---- the daemon ------------------------------------------------------------ */

/* libmicrohttpd's messages go to the owner's log hook (core never prints);
 * they name connections and failures, never headers or keys. */
static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct px_loop *l = cls;
	struct proxy *p = l->p;
	char msg[512];
	size_t n;

	if (p->h.log == NULL)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	p->h.log(p->h.arg, msg);
}

int
px_daemon_start(struct px_loop *l, int family)
{
	const union MHD_DaemonInfo *di;
	/* suspend/resume without the inter-thread channel: every resume
	 * happens on the loop's own thread, which runs the daemon right after */
	unsigned flags = MHD_USE_EPOLL | (MHD_ALLOW_SUSPEND_RESUME & ~MHD_USE_ITC) |
	                 MHD_USE_TURBO | (family == AF_INET6 ? MHD_USE_IPv6 : 0);
	unsigned limit = l->p->o.max_connections / (unsigned)l->p->nloops;

	l->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, l,
	    MHD_OPTION_LISTEN_SOCKET, l->fd,
	    MHD_OPTION_CONNECTION_LIMIT, limit > 0 ? limit : 1u,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)300,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, l,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, l,
	    MHD_OPTION_END);
	if (l->d == NULL)
		return -1;
	l->fd = -1;                            /* libmicrohttpd's now */
	di = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (di == NULL) {
		px_daemon_stop(l);
		return -1;
	}
	l->mhdfd = di->epoll_fd;
	return 0;
}

int
px_daemon_timeout(struct px_loop *l)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (MHD_get_timeout(l->d, &t) != MHD_YES)
		return -1;
	return t > 60000 ? 60000 : (int)t;
}

void
px_daemon_run(struct px_loop *l)
{
	MHD_run(l->d);
}

int
px_daemon_quiesce(struct px_loop *l)
{
	return MHD_quiesce_daemon(l->d);
}

void
px_daemon_stop(struct px_loop *l)
{
	if (l->d != NULL)
		MHD_stop_daemon(l->d);
	l->d = NULL;
}
