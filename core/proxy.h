/* proxy.h — the recording relay (`tokentop proxy`): libmicrohttpd in front,
 * libcurl behind (core/proxy_upstream.c). Applications point
 * ANTHROPIC_BASE_URL at it; every /v1/… request is forwarded unchanged and
 * every billed response becomes a usage row through a hook. No SQL here:
 * the caller's hooks do the storing. */
#ifndef TOKENTOP_PROXY_H
#define TOKENTOP_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "core/keyfp.h"
#include "core/provider.h"
#include "core/ratelimit.h"
#include "core/usage.h"

#define PROXY_MAX_BODY      (32u * 1024 * 1024)   /* the Messages API limit */
#define PROXY_SSE_LINE_MAX  PROVIDER_LINE_INLINE

/* A batch created through the proxy, as the API answered it. */
struct proxy_batch {
	char    id[USAGE_ID_MAX];
	char    provider[12];                /* anthropic, openai */
	char    status[16];                  /* processing_status */
	char    tag[USAGE_TAG_MAX];
	int64_t requests;                    /* sum of request_counts */
	int64_t processing, succeeded, errored, canceled, expired;
	int64_t created_ms, expires_ms;      /* 0 when absent */
};

/* How one forwarded request ended (for metrics and rate-limit headroom). */
struct proxy_response {
	const char      *provider;         /* the provider table's name: "anthropic", "openai" */
	const char      *model;            /* the request's model, date suffix removed
	                                      (ratelimit_model_key); "" when not known */
	const char      *keyfp;            /* the request's API key fingerprint (keyfp.h), "" */
	long             status;           /* what the client got; 502 when the upstream
	                                      gave no answer */
	int              upstream;         /* 1: status is the upstream's own answer */
	int64_t          duration_us;      /* forwarding to the end of the answer */
	int64_t          first_byte_us;    /* forwarding to the upstream's head; -1 none */
	int64_t          ts_ms;            /* when it ended, UTC ms */
	int              has_ratelimit;    /* rl holds at least one kind */
	struct ratelimit rl;
};

/*
 * What the proxy tells its owner. All hooks are called from connection
 * threads, concurrently: they must be thread-safe and quick (queue, not
 * write). Pointers passed are borrowed for the call. Any hook may be NULL.
 */
struct proxy_hooks {
	/* A billed response: source "proxy", provider, request_id, model, tag,
	 * tokens. */
	void (*usage)(void *arg, const struct usage *u);
	/* A 2xx batch create (POST /v1/messages/batches, /v1/batches): register
	 * it (for the poller, when tokentop has its provider's client). */
	void (*batch)(void *arg, const struct proxy_batch *b);
	/* With enforce_budget, before a billed call (POST /v1/messages,
	 * /v1/chat/completions, /v1/responses, …) is forwarded: return 1 and a
	 * message naming the budget when it is exhausted for tag ("" =
	 * untagged), 0 to let it through. */
	int  (*budget)(void *arg, const char *tag, char *msg, size_t msglen);
	/* A forwarded request ended (any status); also a budget refusal. */
	void (*response)(void *arg, const struct proxy_response *resp);
	/* A server-side message (a connection closed on an upstream failure,
	 * a thread that could not start); never carries headers or keys. */
	void (*log)(void *arg, const char *msg);
	void *arg;
};

struct proxy_opts {
	const char *listen;             /* "HOST:PORT", "[::1]:PORT"; port 0 = any free */
	const char *upstream;           /* Anthropic's base URL, e.g. https://api.anthropic.com */
	const char *openai_upstream;    /* OpenAI's; NULL = https://api.openai.com (a
	                                   trailing /v1, as in OPENAI_BASE_URL, is dropped) */
	const char *tag;                /* tag when a request has no x-tokentop-tag; NULL = "" */
	int         enforce_budget;
	int         allow_remote;       /* 1 = a non-loopback listen address is allowed */
	int64_t     connect_timeout_ms; /* 0 = 5000 */
	int64_t     timeout_ms;         /* upstream silent this long: give up; 0 = 600000 */
	unsigned    max_connections;    /* 0 = 1024 */
	unsigned    threads;            /* event loops; 0 = one per online CPU */
	/* What one client may hold (core/proxy_guard.c; 0 = the default): */
	int64_t     header_timeout_ms;  /* the whole request head, from the connection's
	                                   start or the previous response: 10000 */
	int64_t     body_timeout_ms;    /* no body byte for this long: 20000 */
	int64_t     body_min_rate;      /* bytes/s the body must average after its first
	                                   body_timeout_ms: 500 */
	unsigned    max_per_address;    /* connections from one address: max_connections / 4 */
	int64_t     max_buffered;       /* request body bytes held, all connections: 256 MB */
};

#define PROXY_HEADER_TIMEOUT_MS 10000                  /* HAProxy's timeout http-request */
#define PROXY_BODY_TIMEOUT_MS   20000                  /* mod_reqtimeout body=20 */
#define PROXY_BODY_MIN_RATE     500                    /* mod_reqtimeout MinRate=500 */
#define PROXY_MAX_BUFFERED      (256ll * 1024 * 1024)

struct proxy;

/*
 * Bind o->listen and start serving (threads of its own, each an event loop
 * on its own SO_REUSEPORT socket of that address; returns at once).
 * Refuses a non-loopback address without allow_remote and an upstream URL
 * that http_url_allowed refuses. hooks is copied. NULL + err on failure.
 * Stop and free with proxy_free.
 */
struct proxy *proxy_new(const struct proxy_opts *o, const struct proxy_hooks *hooks,
                        char *err, size_t errlen);

/* The bound port (useful with port 0) and host as given ("127.0.0.1"). */
int proxy_port(const struct proxy *p);
const char *proxy_host(const struct proxy *p);

/* Requests being handled right now (forwarding, streaming or draining). */
int proxy_inflight(struct proxy *p);

/*
 * Stop accepting, let in-flight requests finish (their usage is handed to
 * the hooks; waits at most grace_ms, then cuts them), stop every thread and
 * free p. NULL is fine. No hook runs after it returns.
 */
void proxy_free(struct proxy *p, int64_t grace_ms);

/* A listening TCP socket (non-blocking, close-on-exec, SO_REUSEADDR; with
 * reuseport SO_REUSEPORT too) on host:*port; *port becomes the bound port
 * (port 0 = any free) and *family (may be NULL) the address family. The
 * descriptor (the caller closes it), or -1 with "--listen: …" in err. */
int proxy_listen(const char *host, int *port, int reuseport, int *family, char *err,
                 size_t errlen);

/* ---- pure helpers (no I/O; tested in tests/test_proxy.c) ---------------- */

/* "127.0.0.1:8787", "[::1]:0", "localhost:80" into host (brackets removed)
 * and port. 0, or -1 with the reason in err. */
int proxy_parse_listen(const char *s, char *host, size_t hostlen, int *port,
                       char *err, size_t errlen);

/*
 * An incremental scan of an event stream, for a provider (core/provider.h:
 * the neutral accumulator; the provider's stream_data reads the events).
 * Feed the bytes as they pass (any split), then ask for the usage.
 * proxy_sse_init is Anthropic's Messages stream; lines longer than
 * PROXY_SSE_LINE_MAX are skipped there (its usage events are short).
 * proxy_sse_done frees what a long line of another provider grew.
 */
struct proxy_sse {
	struct provider_stream ps;
};

void proxy_sse_init(struct proxy_sse *s);
void proxy_sse_init_for(struct proxy_sse *s, const struct provider *pv);
void proxy_sse_done(struct proxy_sse *s);          /* NULL is fine */
void proxy_sse_feed(struct proxy_sse *s, const char *data, size_t len);

/* The usage of the stream so far: Anthropic's message_start's, with
 * message_delta's cumulative counts over it; OpenAI's final usage chunk or
 * response.completed. 1 when seen (u filled), else 0 (also when a usage
 * event was malformed, e.g. a count above USAGE_COUNT_MAX: then the
 * stream's bill is unknown and proxy_sse_error says why). */
int proxy_sse_usage(const struct proxy_sse *s, struct usage *u);

/* NULL, or why the stream's usage is unknown: "message_delta:
 * usage.output_tokens: 9223372036854775807: not a token count (…)". Borrowed. */
const char *proxy_sse_error(const struct proxy_sse *s);

/* Usage of a non-streaming Messages response body. 0, or -1 with err (a
 * count above USAGE_COUNT_MAX is named with its value). */
int proxy_message_usage(const char *body, size_t len, struct usage *u,
                        char *err, size_t errlen);
/* The same for pv's response bodies (pv->response_usage). */
int proxy_response_usage(const struct provider *pv, const char *body, size_t len,
                         struct usage *u, char *err, size_t errlen);

/* A batch object (api-notes §3) into b (zeroed first). 0, or -1 with err
 * (also for a request count outside 0..USAGE_COUNT_MAX). */
int proxy_batch_parse(const char *body, size_t len, struct proxy_batch *b,
                      char *err, size_t errlen);
/* The same for pv's batch objects (pv->batch_from_json). */
int proxy_batch_parse_for(const struct provider *pv, const char *body, size_t len,
                          struct proxy_batch *b, char *err, size_t errlen);

/* ---- request checks (core/proxy_check.c; pure, fuzzed) ------------------ */

#define PROXY_TARGET_MAX 8192    /* nginx's large_client_header_buffers: 414 past it */

/* One header field as received, every occurrence (names not folded). */
struct proxy_field {
	const char *name;
	size_t      name_len;
	const char *value;           /* leading and trailing whitespace removed */
	size_t      value_len;
};

/* How the request body is framed, once the head passed. */
struct proxy_framing {
	int64_t content_length;      /* -1 when absent */
	int     chunked;
};

/*
 * The head of a request before anything is forwarded, as nginx ≥ 1.21.1
 * judges it: 0 when it may go (fr filled), else the status to answer with
 * the reason in why —
 *   400 a header name that is not a token (a space before the colon,
 *       a control byte), a control byte in a value, a second
 *       Content-Length, Transfer-Encoding or Host, Content-Length together
 *       with Transfer-Encoding, Transfer-Encoding in HTTP/1.0, a
 *       Content-Length that is not digits;
 *   413 a Content-Length over max_body;
 *   501 a transfer-coding other than exactly "chunked";
 *   505 a version other than HTTP/1.0 and HTTP/1.1.
 */
int proxy_check_head(const char *version, const struct proxy_field *f, size_t n,
                     int64_t max_body, struct proxy_framing *fr, char *why, size_t whylen);

/*
 * The request target [t, t + n) as received (NULs included): 0 when it
 * may be forwarded as it is, else 414 (longer than PROXY_TARGET_MAX) or 400
 * with why — not an absolute path; a control byte, space or '#'; in the
 * path (before '?'): a backslash, a malformed %-escape, an encoded NUL,
 * slash or backslash, or a "." / ".." segment, raw or percent-encoded
 * (%2e, %2E). The query is checked for bytes only.
 */
int proxy_check_target(const char *t, size_t n, char *why, size_t whylen);

#endif
