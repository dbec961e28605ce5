/* proxy.c — `tokentop proxy`'s life cycle and its event loop: options
 * checked, the listening socket, one thread waiting on an epoll set that
 * holds libmicrohttpd's descriptor, libcurl's sockets and a wake-up
 * eventfd, and the stop (stop accepting, a grace period for what is in
 * flight, then cut). Each turn also cuts the connections past their
 * deadlines (proxy_guard.c). The relay itself is proxy_relay.c (libmicrohttpd) and
 * proxy_upstream.c (libcurl). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/http.h"
#include "core/proxy.h"
#include "core/proxy_int.h"

#define PX_EVENTS 128

/* ---- the loop --------------------------------------------------------------- */

int64_t
px_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
px_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* The stop was asked for: stop accepting; 1 (the loop then waits out the
 * grace period). */
static int
begin_stop(struct px_loop *l, int64_t *deadline)
{
	uint64_t v;
	int fd;

	if (read(l->wakefd, &v, sizeof(v)) < 0)
		v = 0;
	fd = px_daemon_quiesce(l);
	if (fd >= 0)
		close(fd);
	*deadline = px_mono_ms() + atomic_load(&l->p->grace_ms);
	return 1;
}

/* A loop thread: wait, hand each readiness to its owner, run libcurl's
 * timer and libmicrohttpd, until stopped and drained (or the grace is out);
 * then cut what is left. */
static void *
loop_main(void *arg)
{
	struct px_loop *l = arg;
	struct epoll_event ev[PX_EVENTS];
	int64_t deadline = 0;
	int i, n, t, stopping = 0;

	for (;;) {
		t = min_timeout(px_upstream_timeout(l->up), px_daemon_timeout(l));
		t = min_timeout(t, px_guard_timeout(l));
		n = epoll_wait(l->epfd, ev, PX_EVENTS, stopping ? min_timeout(t, 10) : t);
		for (i = 0; i < n; i++) {
			if (ev[i].data.fd == l->wakefd)
				stopping = begin_stop(l, &deadline);
			else if (ev[i].data.fd != l->mhdfd)
				px_upstream_socket(l->up, ev[i].data.fd, ev[i].events);
		}
		px_upstream_timer(l->up);
		px_daemon_run(l);
		/* transfers just started want curl's timer at once: run it now
		 * rather than after another turn */
		if (px_upstream_timeout(l->up) == 0) {
			px_upstream_timer(l->up);
			px_daemon_run(l);
		}
		px_guard_sweep(l);
		if (stopping && (atomic_load(&l->inflight) == 0 || px_mono_ms() >= deadline))
			break;
	}
	l->cancel = 1;
	px_upstream_cancel_all(l->up);   /* resumes whatever waited on them */
	px_daemon_run(l);
	px_daemon_stop(l);
	return NULL;
}

static int
watch(int epfd, int fd)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = fd;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* A loop on its listening socket l->fd: the epoll set, the wake-up fd,
 * libcurl's multi handle, libmicrohttpd, and the thread. 0, or -1 with err
 * (what was made is left for free_loop). */
static int
start_loop(struct px_loop *l, int family, char *err, size_t errlen)
{
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (l->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    watch(l->epfd, l->wakefd) != 0) {
		snprintf(err, errlen, "event loop: %s", strerror(errno));
		return -1;
	}
	if ((l->up = px_upstream_new(l->epfd)) == NULL) {
		snprintf(err, errlen, "libcurl initialisation failed");
		return -1;
	}
	if (px_daemon_start(l, family) != 0 || watch(l->epfd, l->mhdfd) != 0) {
		snprintf(err, errlen, "cannot start the HTTP server on %s:%d", l->p->host,
		         l->p->port);
		return -1;
	}
	if (pthread_create(&l->th, NULL, loop_main, l) != 0) {
		snprintf(err, errlen, "cannot start the proxy thread");
		return -1;
	}
	l->running = 1;
	return 0;
}

/* Ask a running loop to stop (it drains for grace_ms, then cuts). */
static void
stop_loop(struct px_loop *l)
{
	uint64_t one = 1;

	if (l->running && write(l->wakefd, &one, sizeof(one)) < 0)
		l->cancel = 1;
}

/* Wait for the loop's thread and free what start_loop made. */
static void
free_loop(struct px_loop *l)
{
	if (l->running)
		pthread_join(l->th, NULL);
	l->running = 0;
	px_daemon_stop(l);
	px_upstream_free(l->up);
	l->up = NULL;
	if (l->wakefd >= 0)
		close(l->wakefd);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->fd >= 0)
		close(l->fd);
	l->wakefd = l->epfd = l->fd = -1;
}

/* ---- life cycle ------------------------------------------------------------- */

int
proxy_listen(const char *host, int *port, int reuseport, int *family, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char ps[16];
	int fd = -1, one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%d", *port);
	if ((rc = getaddrinfo(host, ps, &hints, &ai)) != 0) {
		snprintf(err, errlen, "--listen: %s: %s", host, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 511) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, errlen, "--listen: %s:%s: %s", host, ps, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	if (family != NULL)
		*family = ai->ai_family;
	freeaddrinfo(ai);
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	                                         ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* A listening socket on p->host:p->port with SO_REUSEPORT (so every loop
 * has one on the same address); p->port becomes the bound port (useful with
 * port 0). The fd, or -1 with err. */
static int
listen_socket(struct proxy *p, int *family, char *err, size_t errlen)
{
	return proxy_listen(p->host, &p->port, 1, family, err, errlen);
}

/* How many loops: o->threads, else one per online CPU, at most PX_MAX_LOOPS. */
static int
loop_count(const struct proxy_opts *o)
{
	long n = o->threads > 0 ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > PX_MAX_LOOPS ? PX_MAX_LOOPS : (int)n;
}

/* Bind every loop's socket (the first one picks the port) and start the
 * loops: 0, or -1 with err. */
static int
start_loops(struct proxy *p, char *err, size_t errlen)
{
	int i, family = AF_INET;

	for (i = 0; i < p->nloops; i++) {
		if ((p->loops[i].fd = listen_socket(p, &family, err, errlen)) < 0)
			return -1;
	}
	for (i = 0; i < p->nloops; i++) {
		if (start_loop(&p->loops[i], family, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* pv's upstream base URL (NULL: its origin), without trailing '/' and, as
 * the proxy forwards /v1/… paths, without a trailing "/v1" (OPENAI_BASE_URL
 * includes it). 0, or -1 when http_url_allowed refuses it. */
static int
set_upstream(struct proxy *p, const struct provider *pv, const char *url, char *err,
             size_t errlen)
{
	char *u = p->upstream[pv->id];
	size_t n;

	snprintf(u, sizeof(p->upstream[0]), "%s", url != NULL && url[0] != '\0' ? url : pv->origin);
	while ((n = strlen(u)) > 0 && u[n - 1] == '/')
		u[n - 1] = '\0';
	if ((n = strlen(u)) > 3 && strcmp(u + n - 3, "/v1") == 0)
		u[n - 3] = '\0';
	return http_url_allowed(u, err, errlen);
}

struct proxy *
proxy_new(const struct proxy_opts *o, const struct proxy_hooks *hooks, char *err, size_t errlen)
{
	struct proxy *p;
	int i;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->o = *o;
	p->nloops = loop_count(o);
	for (i = 0; i < p->nloops; i++) {
		p->loops[i].p = p;
		p->loops[i].fd = p->loops[i].epfd = p->loops[i].wakefd = p->loops[i].mhdfd = -1;
	}
	if (hooks != NULL)
		p->h = *hooks;
	if (p->o.connect_timeout_ms <= 0)
		p->o.connect_timeout_ms = 5000;
	if (p->o.timeout_ms <= 0)
		p->o.timeout_ms = 600000;
	if (p->o.max_connections == 0)
		p->o.max_connections = 1024;
	if (px_guard_init(p) != 0) {
		snprintf(err, errlen, "cannot initialise the proxy's limits");
		free(p);
		return NULL;
	}
	usage_strlcpy(p->tag, o->tag != NULL ? o->tag : "", sizeof(p->tag));
	if (proxy_parse_listen(o->listen, p->host, sizeof(p->host), &p->port, err, errlen) != 0)
		goto fail;
	if (!o->allow_remote && !http_host_is_loopback(p->host)) {
		snprintf(err, errlen, "--listen: %s is not a loopback address (add --allow-remote)",
		         p->host);
		goto fail;
	}
	if (set_upstream(p, &provider_anthropic, o->upstream, err, errlen) != 0 ||
	    set_upstream(p, &provider_openai, o->openai_upstream, err, errlen) != 0)
		goto fail;
	if (px_up_global_init() != 0) {
		snprintf(err, errlen, "libcurl initialisation failed");
		goto fail;
	}
	if (start_loops(p, err, errlen) != 0)
		goto fail;
	return p;
fail:
	proxy_free(p, 0);
	return NULL;
}

int
proxy_port(const struct proxy *p)
{
	return p->port;
}

const char *
proxy_host(const struct proxy *p)
{
	return p->host;
}

int
proxy_inflight(struct proxy *p)
{
	int i, n = 0;

	for (i = 0; i < p->nloops; i++)
		n += atomic_load(&p->loops[i].inflight);
	return n;
}

void
proxy_free(struct proxy *p, int64_t grace_ms)
{
	int i;

	if (p == NULL)
		return;
	atomic_store(&p->grace_ms, grace_ms);
	for (i = 0; i < p->nloops; i++)
		stop_loop(&p->loops[i]);
	for (i = 0; i < p->nloops; i++)
		free_loop(&p->loops[i]);
	px_guard_done(p);
	free(p);
}
