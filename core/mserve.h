/* mserve.h — a small HTTP listener that serves one text page at /metrics
 * (libmicrohttpd, its own thread): `tokentop exporter` and the proxy's
 * --metrics listener. GET and HEAD only (405 otherwise, with Allow), any
 * other path 404. Loopback only unless allowed, as the proxy. */
#ifndef TOKENTOP_MSERVE_H
#define TOKENTOP_MSERVE_H

#include <stddef.h>

struct expo;

/*
 * Write the page into e (core/expo.h). Called on the listener's thread, one
 * request at a time. 0, or -1 with a reason in err: the scrape is answered
 * 500 with that reason (which must name no secret).
 */
typedef int (*mserve_fn)(void *arg, struct expo *e, char *err, size_t errlen);

struct mserve;

/*
 * Listen on addr ("127.0.0.1:9464", "[::1]:0"; port 0 = any free) and serve
 * fn's page at /metrics. A non-loopback address is refused unless
 * allow_remote. NULL + err ("--listen: …") on failure; free with
 * mserve_free (NULL fine), after which fn is never called.
 */
struct mserve *mserve_new(const char *addr, int allow_remote, mserve_fn fn, void *arg,
                          char *err, size_t errlen);
int mserve_port(const struct mserve *m);
const char *mserve_host(const struct mserve *m);   /* as given, brackets removed */
void mserve_free(struct mserve *m);

#endif
