/* http_int.h — between the client's transfers (http.c, the one home of
 * libcurl) and the response as a value (http_result.c). Not for other
 * modules: they use core/http.h. */
#ifndef TOKENTOP_HTTP_INT_H
#define TOKENTOP_HTTP_INT_H

#include <stddef.h>

#include "core/http.h"

/*
 * The response one attempt is receiving: body bytes and "name: value"
 * header lines, all heap. Embedded in the request; zero it to start and
 * free it with http_resp_reset.
 */
struct http_resp {
	char   *buf;            /* NUL-terminated when not NULL */
	size_t  len, cap;
	char  **headers;
	size_t  nheaders;
};

/* Free what p holds and zero it, ready for the next attempt. */
void http_resp_reset(struct http_resp *p);

/* Append n body bytes. 0, or -1 when out of memory (p unchanged). */
int http_resp_append(struct http_resp *p, const char *data, size_t n);

/*
 * Keep one raw header line (line ending included, not NUL-terminated) as
 * "name: value"; lines without a ':' (the blank end of headers) are
 * skipped. 0, or -1 when out of memory.
 */
int http_resp_add_header(struct http_resp *p, const char *line, size_t n);

/* Value of header name (case-insensitive, the last one wins), or NULL.
 * Borrowed from p. */
const char *http_resp_header(const struct http_resp *p, const char *name);

/*
 * Fill res (zeroed first) with status and move p's body and headers into
 * it, with the request-id header (rid_header: request-id, x-request-id)
 * copied to res->request_id and
 * res->error.request_id; p is left empty. The caller frees res with
 * http_result_done.
 */
void http_resp_take(struct http_resp *p, long status, const char *rid_header,
                    struct http_result *res);

/* error.type / message / request_id from an API error body, when it is one;
 * e is left as it was otherwise. */
void http_error_from_body(const char *body, size_t len, struct http_error *e);

/* Replace every copy of key (when it is 4 bytes or longer) in the string s
 * of size n by its masked form (config_mask_key). */
void http_scrub_key(const char *key, char *s, size_t n);

#endif
