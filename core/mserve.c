/* mserve.c — the /metrics listener: libmicrohttpd on a thread of its own,
 * one connection served at a time (a scrape is short and fn need not be
 * thread-safe). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/expo.h"
#include "core/http.h"
#include "core/mserve.h"
#include "core/proxy.h"

struct mserve {
	struct MHD_Daemon *d;
	int                fd;
	int                port;
	char               host[256];
	mserve_fn          fn;
	void              *arg;
};

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *ctype, const char *body,
      size_t len, int head)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(head ? 0 : len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	if (head) {          /* HEAD: the length the GET would have */
		char n[32];

		snprintf(n, sizeof(n), "%zu", len);
		MHD_add_response_header(r, "Content-Length", n);
	}
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload, size_t *upload_len, void **req_cls)
{
	struct mserve *m = cls;
	int head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	const char *text, *q;
	struct expo e;
	char err[256], msg[300];
	enum MHD_Result rc;
	size_t len, plen;

	(void)version;
	(void)upload;
	if (*req_cls == NULL) {            /* the head is in; answer on the next call */
		*req_cls = m;
		return MHD_YES;
	}
	if (*upload_len > 0) {             /* a body nobody asked for: dropped */
		*upload_len = 0;
		return MHD_YES;
	}
	if (!head && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
		    "only GET and HEAD\n", 18, 0);
	q = strchr(url, '?');
	plen = q != NULL ? (size_t)(q - url) : strlen(url);
	if (plen != 8 || strncmp(url, "/metrics", 8) != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
		    "not found: the metrics are at /metrics\n", 39, head);
	expo_init(&e);
	err[0] = '\0';
	if (m->fn(m->arg, &e, err, sizeof(err)) != 0 || (text = expo_text(&e, &len)) == NULL) {
		snprintf(msg, sizeof(msg), "%s\n", err[0] != '\0' ? err : "out of memory");
		expo_done(&e);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", msg,
		    strlen(msg), head);
	}
	rc = reply(c, MHD_HTTP_OK, EXPO_CONTENT_TYPE, text, len, head);
	expo_done(&e);
	return rc;
}

struct mserve *
mserve_new(const char *addr, int allow_remote, mserve_fn fn, void *arg, char *err,
           size_t errlen)
{
	struct mserve *m = calloc(1, sizeof(*m));
	char why[200];

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->fd = -1;
	m->fn = fn;
	m->arg = arg;
	if (proxy_parse_listen(addr, m->host, sizeof(m->host), &m->port, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "--listen: %s", why);
		goto fail;
	}
	if (!allow_remote && !http_host_is_loopback(m->host)) {
		snprintf(err, errlen, "--listen: %s is not a loopback address; add --allow-remote "
		    "to listen there", m->host);
		goto fail;
	}
	if ((m->fd = proxy_listen(m->host, &m->port, 0, NULL, err, errlen)) < 0)
		goto fail;
	m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
	    on_request, m, MHD_OPTION_LISTEN_SOCKET, m->fd, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)32, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if (m->d == NULL) {
		snprintf(err, errlen, "--listen: %s:%d: the HTTP server did not start", m->host,
		    m->port);
		goto fail;
	}
	return m;
fail:
	if (m->fd >= 0)
		close(m->fd);
	free(m);
	return NULL;
}

int
mserve_port(const struct mserve *m)
{
	return m->port;
}

const char *
mserve_host(const struct mserve *m)
{
	return m->host;
}

void
mserve_free(struct mserve *m)
{
	if (m == NULL)
		return;
	if (m->d != NULL)
		MHD_stop_daemon(m->d);      /* closes the listening socket it was given */
	free(m);
}
