/* proxy.c — `tokentop proxy`'s life cycle: options checked, the listening
 * socket, the server started (proxy_relay.c) and stopped. The relay itself is
 * proxy_relay.c (libmicrohttpd) and proxy_upstream.c (libcurl). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/http.h"
#include "core/proxy.h"
#include "core/proxy_int.h"

/* ---- life cycle ------------------------------------------------------------- */

static int
listen_socket(struct proxy *p, int *family, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char port[16];
	int fd = -1, one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", p->port);
	if ((rc = getaddrinfo(p->host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "--listen: %s: %s", p->host, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 511) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, errlen, "--listen: %s:%s: %s", p->host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	*family = ai->ai_family;
	freeaddrinfo(ai);
	p->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	                                           ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

struct proxy *
proxy_new(const struct proxy_opts *o, const struct proxy_hooks *hooks, char *err, size_t errlen)
{
	struct proxy *p;
	int family = AF_INET;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->fd = -1;
	p->o = *o;
	if (hooks != NULL)
		p->h = *hooks;
	if (p->o.connect_timeout_ms <= 0)
		p->o.connect_timeout_ms = 5000;
	if (p->o.timeout_ms <= 0)
		p->o.timeout_ms = 600000;
	if (p->o.max_connections == 0)
		p->o.max_connections = 1024;
	usage_strlcpy(p->tag, o->tag != NULL ? o->tag : "", sizeof(p->tag));
	if (proxy_parse_listen(o->listen, p->host, sizeof(p->host), &p->port, err, errlen) != 0)
		goto fail;
	if (!o->allow_remote && !http_host_is_loopback(p->host)) {
		snprintf(err, errlen, "--listen: %s is not a loopback address (add --allow-remote)",
		         p->host);
		goto fail;
	}
	snprintf(p->upstream, sizeof(p->upstream), "%s", o->upstream);
	while (p->upstream[0] != '\0' && p->upstream[strlen(p->upstream) - 1] == '/')
		p->upstream[strlen(p->upstream) - 1] = '\0';
	if (http_url_allowed(p->upstream, err, errlen) != 0)
		goto fail;
	if (px_up_global_init() != 0) {
		snprintf(err, errlen, "libcurl initialisation failed");
		goto fail;
	}
	if ((p->fd = listen_socket(p, &family, err, errlen)) < 0)
		goto fail;
	if (px_daemon_start(p, family) != 0) {
		snprintf(err, errlen, "cannot start the HTTP server on %s:%d", p->host, p->port);
		goto fail;
	}
	return p;
fail:
	if (p->fd >= 0)
		close(p->fd);
	free(p);
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
	return atomic_load(&p->inflight);
}

void
proxy_free(struct proxy *p, int64_t grace_ms)
{
	if (p == NULL)
		return;
	px_daemon_stop(p, grace_ms);
	free(p);
}
