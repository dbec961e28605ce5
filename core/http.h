/* http.h — the HTTP client: libcurl easy + multi on one thread, the SDKs'
 * retry policy, errors as values. The only module that knows libcurl. */
#ifndef TOKENTOP_HTTP_H
#define TOKENTOP_HTTP_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/config.h"

struct provider;

/*
 * Why a request failed. status is the final HTTP status, 0 when no response
 * came (transport). type is the API's error.type when the body had one,
 * else one of: connection_error, timeout_error, invalid_response (a 2xx body
 * that is not what the API sends), insecure_url, config_error, canceled,
 * aborted (a body sink asked to stop), or "http_error". code is the
 * error's code when the body has one (OpenAI: invalid_api_key,
 * insufficient_quota, …), else "". The API key never appears in message.
 */
struct http_error {
	long status;
	char type[64];
	char code[64];
	char message[512];
	char request_id[128];
	int  attempts;
};

/*
 * What one request ended with: the final attempt's status, headers and
 * (unless it was streamed to a sink) body. ok = 1 for a complete 2xx.
 * Owned by whoever holds it; free the heap parts with http_result_done.
 */
struct http_result {
	int               ok;
	long              status;           /* 0 = no response */
	char             *body;             /* NUL-terminated, heap; NULL when empty or streamed */
	size_t            body_len;
	char            **headers;          /* "name: value" lines of the last response, heap */
	size_t            nheaders;
	char              request_id[128];  /* request-id header, "" when none */
	int               attempts;
	struct http_error error;            /* filled when !ok */
};

/* Free the heap parts of r and zero it; NULL is fine. */
void http_result_done(struct http_result *r);

/* Value of header name (case-insensitive) in r, or NULL. Borrowed from r. */
const char *http_result_header(const struct http_result *r, const char *name);

struct http_multi;
struct http_req;

/*
 * Called with each piece of a 2xx response body as it arrives (SSE events,
 * JSONL results). Return 0 to go on, non-zero to abort the transfer (the
 * request then fails with type "aborted"). Once a sink has seen data the
 * request is not retried (a consumer cannot take bytes back); error bodies
 * are never sent to the sink, they are buffered into the result.
 */
typedef int (*http_sink_fn)(void *arg, const char *data, size_t len);

/*
 * Called once when a request finished (success, failure after the retries,
 * or canceled by http_req_cancel / http_multi_free). res is owned by the
 * callee for the call: it may take res->body (set it to NULL) and must not
 * keep res itself. The request is freed after the callback returns.
 */
typedef void (*http_done_fn)(void *arg, struct http_result *res);

struct http_request {
	const char  *method;        /* "GET", "POST", "DELETE"; NULL = GET, or POST with a body */
	const char  *url;           /* absolute, or a path ("/v1/messages") joined to base_url */
	const char  *body;          /* may be NULL; copied */
	size_t       body_len;
	const char  *accept;        /* NULL = application/json */
	int          no_auth;       /* 1 = send no key (control endpoints of the double) */
	http_sink_fn sink;          /* NULL = buffer the body into the result */
	http_done_fn done;          /* may be NULL */
	void        *arg;           /* for sink and done; not owned */
	int          no_retry;      /* 1 = one attempt only: the caller decides (batch create) */
	const struct provider *pv;  /* whose base URL, key and headers; NULL = the
	                               client's own (cfg->provider) */
	/* A multipart/form-data POST instead of body: the form's fields
	 * (name, value, …, NULL; may be NULL), then a part "file" read from
	 * upload_path as it is sent, named upload_name. */
	const char  *upload_path;
	const char  *upload_name;
	const char *const *form;
	/* An Idempotency-Key header (alerts): NULL = none; only letters,
	 * digits, '-', '_', '.' and ':' (anything else: refused, no request). */
	const char  *idempotency_key;
};

/*
 * A set of concurrent requests sharing one curl multi handle and the
 * settings of cfg (copied: a target per provider — cfg->provider's from
 * base_url, api_key and auth, every other one from cfg->cred[] —, each with
 * its provider's headers; retries, timeouts). A request names its provider
 * (http_request.pv) or goes to cfg->provider's. NULL + err on failure. Free with http_multi_free.
 */
struct http_multi *http_multi_new(const struct config *cfg, char *err, size_t errlen);

/* Cancel every pending request (their done callbacks run with type
 * "canceled") and free m. NULL is fine. */
void http_multi_free(struct http_multi *m);

/* Change the retry budget (default cfg->max_retries) for later requests. */
void http_multi_set_retries(struct http_multi *m, int max_retries);

/*
 * Watch every response of every attempt (a retried 429 too), before the
 * retry decision: its status and a lookup of its headers (name
 * case-insensitive; valid for the call only). For rate-limit headroom.
 * fn NULL = none.
 */
typedef const char *(*http_header_fn)(void *hs, const char *name);
typedef void (*http_observe_fn)(void *arg, long status, http_header_fn header, void *hs);
void http_multi_set_observer(struct http_multi *m, http_observe_fn fn, void *arg);

/* Seconds of random jitter source for tests: rnd() in [0,1); NULL = default. */
void http_multi_set_random(struct http_multi *m, double (*rnd)(void));

/*
 * Start a request (it runs as the loop calls http_multi_perform). The URL
 * is checked first (see http_url_allowed); a refused URL or bad request
 * returns NULL with *err filled and no callback. The returned handle is
 * borrowed and valid until its done callback has returned.
 */
struct http_req *http_req_start(struct http_multi *m, const struct http_request *rq,
                                struct http_error *err);

/* Stop a pending request now; its done callback runs with type "canceled". */
void http_req_cancel(struct http_multi *m, struct http_req *r);

/*
 * Drive transfers: read what arrived, finish requests (callbacks run from
 * here), schedule retries as timers and start the ones now due. Never
 * blocks. Returns the number of requests still pending (running or
 * waiting to retry).
 */
int http_multi_perform(struct http_multi *m);

/*
 * Wait up to timeout_ms for network activity, a retry timer coming due, or
 * one of the n_extra extra descriptors (their revents are filled; events
 * POLLIN/POLLPRI/POLLOUT). Built on curl_multi_poll: the one wait of the
 * console's loop. Returns the number of extra fds with events, or -1.
 */
int http_multi_wait(struct http_multi *m, struct pollfd *extra, size_t n_extra, int timeout_ms);

/* The configured base URL without a trailing '/'. Borrowed. */
const char *http_multi_base_url(const struct http_multi *m);
/* A provider's base URL (enum provider_id), without a trailing '/' or "/v1". */
const char *http_multi_base_url_of(const struct http_multi *m, int provider);

/* Is a key configured for provider (enum provider_id)? */
int http_multi_has_key(const struct http_multi *m, int provider);

/* Number of pending requests. */
int http_multi_pending(const struct http_multi *m);

/* The two blocking calls below live in core/http_sync.c. */

/* Run perform + wait until no request is pending (the CLI's blocking loop). */
void http_multi_run(struct http_multi *m);

/*
 * Blocking request: start rq on m (done/arg of rq are ignored; a sink is
 * honoured), run until it finishes and fill *out (the caller frees it with
 * http_result_done). Returns 0 when out->ok, else -1 with out->error set.
 */
int http_request_sync(struct http_multi *m, const struct http_request *rq,
                      struct http_result *out);

/* ---- pure policy (no I/O; table-tested) -------------------------------- */

/* Implemented in core/http_policy.c, but for http_url_allowed (http.c). */

/*
 * The SDKs' retry decision for a finished attempt: status 0 means a
 * connection error or timeout. x_should_retry is the header value or NULL.
 * Returns 1 to retry, 0 not to.
 */
int http_should_retry(long status, const char *x_should_retry);

/*
 * Milliseconds to wait before retry number n (0 = the first retry), from
 * the retry-after-ms and retry-after header values (either may be NULL;
 * retry-after is seconds or an IMF-fixdate HTTP date such as
 * "Sun, 06 Nov 1994 08:49:37 GMT", compared with now). A header delay
 * is used when 0 < delay <= 60 s; else min(0.5 * 2^n, 8) s * (1 - 0.25 * rnd),
 * rnd in [0,1).
 */
int64_t http_retry_delay_ms(int n, const char *retry_after_ms, const char *retry_after,
                            time_t now, double rnd);

/*
 * May a request go to url? https: yes; http: only for a loopback host
 * (127.0.0.0/8, ::1, localhost); anything else: no. Returns 0, or -1 with
 * the reason in err.
 */
int http_url_allowed(const char *url, char *err, size_t errlen);

/* Is host ("127.0.0.1", "[::1]", "::1", "localhost") a loopback host? */
int http_host_is_loopback(const char *host);

#endif
