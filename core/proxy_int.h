/* proxy_int.h — between the proxy's parts: the event loop and life cycle
 * (proxy.c), the server side (proxy_relay.c and proxy_intake.c,
 * libmicrohttpd) and the upstream side (proxy_upstream.c, libcurl). Not for
 * other modules. What one client may hold (connections, time, body bytes)
 * is proxy_guard.c; the request checks are proxy_check.c (pure).
 *
 * One thread runs everything: an epoll set holds libmicrohttpd's own epoll
 * descriptor, libcurl's sockets and a wake-up eventfd. A request is read by
 * libmicrohttpd, its connection suspended while the upstream transfer runs
 * on the shared curl multi handle, and resumed when the upstream has
 * something for it (headers, body bytes, the end). No thread per connection,
 * no blocking call in any callback. */
#ifndef TOKENTOP_PROXY_INT_H
#define TOKENTOP_PROXY_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "core/keyfp.h"
#include "core/proxy.h"

#define PX_BUF_CAP (64 * 1024)     /* relay buffer per transfer: the backpressure bound */

struct MHD_Daemon;
struct px_upstream;
struct px_req;

/* One event loop: its thread, epoll set, listening socket, libmicrohttpd
 * daemon and curl multi handle. Touched by its own thread only (but for the
 * stop request through wakefd). */
struct px_loop {
	struct proxy       *p;
	struct MHD_Daemon  *d;
	int                 fd;            /* listening socket, until the daemon has it */
	int                 epfd;          /* the loop's epoll set */
	int                 wakefd;        /* eventfd: proxy_free asks the loop to stop */
	int                 mhdfd;         /* libmicrohttpd's epoll descriptor */
	pthread_t           th;
	int                 running;       /* th was started */
	int                 cancel;        /* past the shutdown grace: cut transfers */
	atomic_int          inflight;      /* requests being relayed or drained */
	struct px_upstream *up;
	struct px_conn     *conns;         /* every connection (proxy_guard.c) */
	int64_t             next_sweep_ms; /* when deadlines are checked next */
};

#define PX_ADDR_BUCKETS 1024
struct px_addr;

/* What clients may hold (proxy_guard.c): the settings in force, the
 * connection count per address and the body bytes buffered, shared by
 * every loop. */
struct px_guard {
	int64_t             header_ms, body_ms, min_rate, max_buffered;
	unsigned            per_address;
	pthread_mutex_t     mu;            /* over addrs */
	int                 mu_ok;
	struct px_addr     *addrs[PX_ADDR_BUCKETS];
	atomic_llong        buffered;      /* request body bytes reserved */
	atomic_llong        cut_head, cut_body, refused;  /* since the last summary */
	atomic_llong        next_log_ms;
};

#define PX_MAX_LOOPS 16

/* The proxy (proxy.c owns it): the options, and one loop per thread, each
 * on its own SO_REUSEPORT socket of the same address (the kernel spreads
 * new connections over them). */
struct proxy {
	int                 port;
	char                host[256];
	char                upstream[PROVIDER_COUNT][512]; /* per provider: base URL,
	                                   no trailing '/' */
	char                tag[USAGE_TAG_MAX];
	struct proxy_opts   o;
	struct proxy_hooks  h;
	atomic_llong        grace_ms;      /* set before the stop request */
	int                 nloops;
	struct px_loop      loops[PX_MAX_LOOPS];
	struct px_guard     g;
};

/* Milliseconds on the monotonic clock (proxy.c). */
int64_t px_mono_ms(void);
/* Microseconds on the monotonic clock (proxy.c). */
int64_t px_mono_us(void);

/* ---- a request (proxy_intake.c reads it, proxy_relay.c relays it) --------- */

enum px_kind {
	PX_OTHER,
	PX_CALL,            /* a billed call: its answer carries usage */
	PX_BATCH_CREATE,
};
enum px_tap { TAP_UNDECIDED, TAP_NONE, TAP_SSE, TAP_COPY };

/* One request, from its URI to its completion (MHD's req_cls). */
struct px_req {
	struct proxy     *p;
	struct px_loop   *l;             /* the loop serving it */
	char             *uri;           /* raw request target, query included */
	uintptr_t         uri_at;        /* where libmicrohttpd had it (see target_length) */
	size_t            uri_len;
	struct px_conn   *k;             /* its connection's guard; NULL once done */
	int               started;
	int               too_large;
	int               over_cap;      /* the proxy's body memory was full */
	char             *body;
	size_t            len, cap;
	int64_t           want;          /* Content-Length, 0 when chunked or none */
	int64_t           reserved;      /* body bytes held against max_buffered */
	enum px_kind      kind;
	const struct provider *pv;       /* whose API it is (provider_route) */
	int               rewritten;     /* pv->request_rewrite changed the body */
	struct px_filter *filter;        /* its answer's lines, as the client asked */
	char              tag[USAGE_TAG_MAX];
	char              key_fp[KEYFP_MAX]; /* the API key's fingerprint (x-api-key, else
	                                        Authorization: Bearer); never the key */
	struct MHD_Connection *c;        /* NULL once MHD is done with it */
	struct px_xfer   *x;             /* the upstream transfer, once started */
	int               suspended;     /* c is suspended, waiting for x */
	int               counted;       /* in l->inflight */
	enum px_tap       tap;
	int64_t           t0_us;         /* forwarded at (monotonic µs) */
	int64_t           first_us;      /* upstream head after t0; -1 until then */
	char              keyfp[KEYFP_MAX];
	char              model[USAGE_MODEL_MAX];  /* ratelimit_model_key of the usage's */
	struct proxy_sse *sse;
	char             *copy;
	size_t            copy_len, copy_cap;
	int               copy_over;
};

/* A request whose URI libmicrohttpd just read on l (MHD's URI log
 * callback): NULL on out of memory. The relay frees it (px_req_free)
 * once both sides are done. */
struct px_req *px_req_new(struct px_loop *l, const char *uri, struct MHD_Connection *c);
void px_req_free(struct px_req *r);

/* The connection's guard context (px_guard_started's), or NULL. */
struct px_conn *px_req_conn(struct MHD_Connection *c);

/* An error from the proxy itself in the shape of pv's API (NULL: the
 * default provider's), queued on c. type NULL: the provider's type for the
 * status. close = 1 when the rest of the request was not read, so the
 * connection is not reused; retry_after (seconds) may be NULL. */
enum MHD_Result px_reply_error(struct MHD_Connection *c, const struct provider *pv,
                               unsigned status, const char *type, const char *msg, int close,
                               const char *retry_after);

/* ---- the one exception to byte for byte (proxy_rewrite.c) ---------------- */

/*
 * Before forwarding: let r's provider rewrite the body so the answer
 * carries its usage (r->rewritten, r->body replaced, its memory held
 * against max_buffered). Out of memory or over the limit: the body goes
 * unchanged (the answer may then carry no usage). */
void px_rewrite_request(struct px_req *r);

/* After the answer's head: a rewritten request's 2xx event stream is
 * relayed through pv->relay_line (r->filter set). 0, or -1 out of memory
 * (then relayed unchanged). */
int px_filter_start(struct px_req *r);

/* Up to max bytes of r's answer for the client into buf, as
 * px_xfer_read returns them (count, 0, PX_READ_EOF, PX_READ_FAIL): through
 * the filter when there is one. */
long px_filter_read(struct px_req *r, char *buf, size_t max);

/* A whole answer (already buffered) through the filter: a heap copy in
 * *out (the caller frees), or -1 out of memory. */
int px_filter_whole(struct px_req *r, const char *in, size_t len, char **out, size_t *outlen);

void px_filter_free(struct px_filter *f);   /* NULL is fine */

/* The head is in (the access handler's first call): check it and hold its
 * body's bytes; a refusal is answered at once. */
enum MHD_Result px_intake_head(struct MHD_Connection *c, struct px_req *r,
                               const char *method, const char *version);

/* A piece of body: kept within the limits, else dropped and remembered. */
void px_intake_body(struct px_req *r, const char *data, size_t n);

/* The body is in: 1 when it was refused (too large, or no memory left
 * under max_buffered); then *rc is the queued answer (413, or 503 with
 * retry-after). 0: forward it. */
int px_intake_refused(struct MHD_Connection *c, struct px_req *r, enum MHD_Result *rc);

/* ---- how a request ended (proxy_outcome.c) -------------------------------- */

/* The request is about to be forwarded (c: its connection): its clock and
 * API key fingerprint. */
void px_outcome_start(struct MHD_Connection *c, struct px_req *r);
/* The upstream's response head arrived (the first time counts). */
void px_outcome_head(struct px_req *r);
/* It ended: status is what the client got (upstream = 1: the upstream's own
 * answer, whose rate-limit headers are read); the owner's response hook is
 * called with the outcome. */
void px_outcome(struct px_req *r, long status, int upstream);

/* ---- server side (proxy_relay.c) ----------------------------------------- */

/* Start libmicrohttpd on l->fd (family AF_INET or AF_INET6) in external
 * epoll mode with suspend/resume: 0, or -1. l->mhdfd is set. */
int px_daemon_start(struct px_loop *l, int family);

/* libmicrohttpd's part of the loop: milliseconds it may sleep (-1 = no
 * limit), and one run over everything ready (call after every wait). */
int px_daemon_timeout(struct px_loop *l);
void px_daemon_run(struct px_loop *l);

/* Stop accepting: the listening socket is returned (the caller closes it),
 * or -1. */
int px_daemon_quiesce(struct px_loop *l);

/* Stop libmicrohttpd, closing every connection (none may be suspended:
 * cancel the transfers first, then run the daemon once). */
void px_daemon_stop(struct px_loop *l);

/* ---- what one client may hold (proxy_guard.c) ----------------------------- */

struct sockaddr;
struct px_conn;

/* The settings of p->o with their defaults into p->g, and the lock: 0 or
 * -1. px_guard_done frees the per-address table (after every loop ended). */
int px_guard_init(struct proxy *p);
void px_guard_done(struct proxy *p);

/* A connection accepted on l from sa (fd is libmicrohttpd's): watched from
 * now, its head due within header_ms. Past the per-address limit it is
 * shut down at once. Returns the context to hand back to px_guard_closed
 * (NULL when it could not be kept: then it is shut down too). */
void *px_guard_started(struct px_loop *l, int fd, const struct sockaddr *sa);
void px_guard_closed(struct px_loop *l, void *ctx);

/* The request's phases: its head is in (a body follows or not); body bytes
 * arrived; the body is in or not wanted (no deadline while the answer is
 * relayed); the request ended (the next head is due within header_ms).
 * NULL is fine everywhere. */
void px_guard_head_done(struct px_conn *k, int has_body);
void px_guard_body(struct px_conn *k, size_t n);
void px_guard_busy(struct px_conn *k);
void px_guard_idle(struct px_conn *k);

/* Cut l's connections past their deadline (at most every 250 ms); the
 * milliseconds the loop may sleep before the next check (-1: none). */
void px_guard_sweep(struct px_loop *l);
int px_guard_timeout(const struct px_loop *l);

/* Hold n more bytes of request body: 0, or -1 when that would pass
 * max_buffered (nothing held then). Release what was held when done. */
int px_guard_reserve(struct proxy *p, int64_t n);
void px_guard_release(struct proxy *p, int64_t n);

/* ---- upstream side (proxy_upstream.c) ------------------------------------ */

/* Called with every body byte the upstream sent, once, in order (for the
 * usage scan), whether it reaches the client or is drained. */
typedef void (*px_tap_fn)(void *arg, const char *data, size_t len);

/* What happened to a transfer. PX_EV_DONE comes exactly once, last; the
 * callback may free the transfer then (px_xfer_free). */
enum px_event { PX_EV_HEADERS, PX_EV_DATA, PX_EV_DONE };
struct px_xfer;
typedef void (*px_event_fn)(void *arg, struct px_xfer *x, enum px_event ev);

/* libcurl's global set-up, once from the main thread: 0 or -1. */
int px_up_global_init(void);

/* The curl multi handle of one loop, registering its sockets in epfd (as
 * data.fd). NULL on failure. Free with px_upstream_free after every
 * transfer was freed (NULL fine). */
struct px_upstream *px_upstream_new(int epfd);
void px_upstream_free(struct px_upstream *up);

/* Milliseconds until libcurl wants its timer run (-1: no timer). */
int px_upstream_timeout(const struct px_upstream *up);

/* Hand libcurl an epoll readiness (EPOLLIN/OUT/ERR bits) for its socket fd,
 * or run its timer when due; transfers that ended get PX_EV_DONE. */
void px_upstream_socket(struct px_upstream *up, int fd, uint32_t events);
void px_upstream_timer(struct px_upstream *up);

/* End every running transfer now (shutdown): each gets PX_EV_DONE with a
 * failed result. */
void px_upstream_cancel_all(struct px_upstream *up);

/* What to send: hdrs are "Name: value" lines, copied; body borrowed until
 * PX_EV_DONE or px_xfer_free. */
struct px_send {
	const char  *method;
	const char  *url;
	const char **hdrs;
	size_t       nhdrs;
	const char  *body;
	size_t       body_len;
	int64_t      connect_timeout_ms;
	int64_t      timeout_ms;    /* idle: nothing received for this long */
	px_tap_fn    tap;
	void        *tap_arg;
	px_event_fn  ev;
	void        *ev_arg;
};

/* Start a transfer (it runs as the loop turns). NULL with err on failure.
 * The caller owns it: px_xfer_free, at any time (an unfinished transfer is
 * cut). */
struct px_xfer *px_xfer_start(struct px_upstream *up, const struct px_send *s, char *err,
                              size_t errlen);
void px_xfer_free(struct px_xfer *x);

/* The client is gone: keep running the transfer to its end, the body going
 * to the tap only (the usage of what the upstream bills is not lost). */
void px_xfer_detach(struct px_xfer *x);

/* State: response headers in; transfer ended; the reason of a failure
 * (borrowed). */
int px_xfer_headers_done(const struct px_xfer *x);
int px_xfer_done(const struct px_xfer *x);
const char *px_xfer_error(const struct px_xfer *x);

/* Of the response: status, header lines (borrowed, "Name: value"),
 * Content-Length (-1 when absent). */
long px_xfer_status(const struct px_xfer *x);
size_t px_xfer_nheaders(const struct px_xfer *x);
const char *px_xfer_header_line(const struct px_xfer *x, size_t i);
const char *px_xfer_header(const struct px_xfer *x, const char *name);
int64_t px_xfer_content_length(const struct px_xfer *x);

/* When the transfer already ended cleanly with its whole body buffered
 * (a small answer): 1 and the body (borrowed until the next call on x). */
int px_xfer_whole_body(struct px_xfer *x, const char **data, size_t *len);

/* Copy up to max buffered body bytes into buf (never waits). Returns the
 * count (> 0), 0 when nothing is there yet, PX_READ_EOF at a clean end,
 * PX_READ_FAIL when the transfer failed. */
#define PX_READ_EOF  (-1)
#define PX_READ_FAIL (-2)
long px_xfer_read(struct px_xfer *x, char *buf, size_t max);

#endif
