/* proxy_int.h — between the proxy's server side (proxy.c, libmicrohttpd)
 * and its upstream side (proxy_upstream.c, libcurl). Not for other modules. */
#ifndef TOKENTOP_PROXY_INT_H
#define TOKENTOP_PROXY_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/proxy.h"

#define PX_BUF_CAP (64 * 1024)     /* relay buffer per connection: the backpressure bound */

#define PX_STACK (512 * 1024)      /* per connection thread */

struct MHD_Daemon;

/* The proxy (proxy.c owns it; proxy_relay.c serves with it). */
struct proxy {
	struct MHD_Daemon *d;
	int                fd;            /* listening socket */
	int                port;
	char               host[256];
	char               upstream[512]; /* base URL, no trailing '/' */
	char               tag[USAGE_TAG_MAX];
	struct proxy_opts  o;
	struct proxy_hooks h;
	atomic_int         inflight;
	atomic_int         cancel;        /* past the shutdown grace: cut transfers */
};

/* Serve on p->fd (family AF_INET or AF_INET6): 0, or -1. */
int px_daemon_start(struct proxy *p, int family);

/* Stop accepting, wait up to grace_ms for requests in flight, cut the rest,
 * stop every connection thread. */
void px_daemon_stop(struct proxy *p, int64_t grace_ms);

/* Called with every body byte the upstream sent, once, in order (for the
 * usage scan), whether it reaches the client or is drained. */
typedef void (*px_tap_fn)(void *arg, const char *data, size_t len);

/*
 * One client connection's upstream: a curl multi + easy pair kept for the
 * connection's life (so its upstream connection is reused), running one
 * transfer at a time, driven only by the connection's own thread: the body
 * is pulled as the client takes it, so a slow client pauses the upstream
 * (CURL_WRITEFUNC_PAUSE) with at most PX_BUF_CAP buffered.
 */
struct px_up;

/* libcurl's global set-up, once from the main thread before any px_up:
 * 0 or -1. */
int px_up_global_init(void);

/* NULL on out of memory. Free with px_up_free (NULL fine). */
struct px_up *px_up_new(void);
void px_up_free(struct px_up *u);

/* What to send: hdrs are "Name: value" lines, copied; body borrowed until
 * the transfer ended (px_up_end). */
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
	atomic_int  *cancel;      /* set: give up at once (shutdown); may be NULL */
};

/* Start a transfer and wait for the response headers. 0 when a response
 * came, -1 when none did (err says why: the 502 case). */
int px_up_start(struct px_up *u, const struct px_send *s, char *err, size_t errlen);

/* Of the response: status, header lines (borrowed, "Name: value"),
 * Content-Length (-1 when absent). */
long px_up_status(const struct px_up *u);
size_t px_up_nheaders(const struct px_up *u);
const char *px_up_header_line(const struct px_up *u, size_t i);
const char *px_up_header(const struct px_up *u, const char *name);
int64_t px_up_content_length(const struct px_up *u);

/* When the transfer already ended cleanly with its whole body buffered
 * (a small answer): 1 and the body (borrowed until the next call on u). */
int px_up_whole_body(struct px_up *u, const char **data, size_t *len);

/* Copy up to max body bytes into buf, waiting for them. Returns the count,
 * 0 at a clean end, -1 when the transfer failed. */
long px_up_read(struct px_up *u, char *buf, size_t max);

/* Run the transfer to its end, discarding the body (it still passes the
 * tap), then detach it. Safe when no transfer runs. */
void px_up_end(struct px_up *u);

#endif
