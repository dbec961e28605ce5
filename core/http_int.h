/* http_int.h — between the client's transfers (http.c, the one home of
 * libcurl), the request as a value (http_prep.c) and the response as a
 * value (http_result.c). Not for other modules: they use core/http.h. */
#ifndef TOKENTOP_HTTP_INT_H
#define TOKENTOP_HTTP_INT_H

#include <stddef.h>

#include "core/http.h"
#include "core/provider.h"

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

/* Zero e and set status, type and the message fmt % arg (fmt holds one %s;
 * arg NULL reads as ""). e NULL is fine. */
void http_error_set(struct http_error *e, long status, const char *type, const char *fmt,
                    const char *arg);

/* ---- targets (http_target.c): where each provider's requests go --------- */

struct provider;

/* Where a provider's requests go and how they authenticate (from cfg). */
struct http_target {
	char        base_url[512];       /* without a trailing '/' or the provider's base_suffix */
	char        api_key[256];
	int         bearer;
	const char *version_header;      /* sent with api_version; NULL = none */
	const char *rid_header;          /* the provider's request-id header */
	const char *key_env;             /* named when the key is missing */
};

struct http_targets {
	struct http_target t[PROVIDER_COUNT];
	int                own;          /* cfg->provider: a request naming none goes there */
};

/* Every provider's target from cfg: cfg->provider's from base_url, api_key
 * and auth (config_for_provider), every other one from cfg->cred[]; each
 * with its provider's headers (provider.h). */
void http_targets_init(struct http_targets *ts, const struct config *cfg);

/* The target of pv (NULL or unknown: the client's own). Borrowed from ts. */
const struct http_target *http_target_of(const struct http_targets *ts,
                                         const struct provider *pv);

/* ---- a request as a value (http_prep.c) ---------------------------------- */

/* A request checked and copied (owned: free with http_prep_done). */
struct http_prep {
	const struct http_target *t;     /* the provider's, borrowed from the targets */
	char         *url;               /* absolute */
	char          method[8];
	char         *body;              /* NUL-terminated copy; NULL = none */
	size_t        body_len;
	char          accept[64];
	char          idem[96];          /* Idempotency-Key, "" = none */
	int           no_auth;
	int           once;              /* no_retry: one attempt, on a fresh connection */
	char         *upload_path;       /* multipart: the file part, read from disk */
	char         *upload_name;
	char        **form;              /* multipart: name, value, …, NULL */
};

/* Check rq and copy it into p (zeroed first): its URL joined to its
 * provider's base URL in ts and allowed (http_url_allowed), a key unless
 * no_auth, a well-formed idempotency key; method and accept defaulted; body
 * and upload copied. 0, or -1 with *err filled (config_error, insecure_url,
 * or connection_error when out of memory) and nothing held. The caller
 * frees p with http_prep_done. */
int http_prep_init(struct http_prep *p, const struct http_targets *ts,
                   const struct http_request *rq, struct http_error *err);

/* Free what p holds and zero it; NULL is fine. */
void http_prep_done(struct http_prep *p);

/* The header lines p carries ("name: value", at most 511 bytes): its key,
 * its provider's version header (api_version), accept, Idempotency-Key,
 * content-type for a body, an empty Expect. add(arg, line) is called for
 * each (line borrowed for the call), on after a failure; 0, or -1 if any
 * add returned -1. */
int http_prep_headers(const struct http_prep *p, const char *api_version,
                      int (*add)(void *arg, const char *line), void *arg);

/* Replace every copy of key (when it is 4 bytes or longer) in the string s
 * of size n by its masked form (config_mask_key). */
void http_scrub_key(const char *key, char *s, size_t n);

#endif
