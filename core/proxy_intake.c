/* proxy_intake.c — a request coming into the proxy, before anything is
 * forwarded: its head checked as nginx would (proxy_check.c) on the raw
 * header list libmicrohttpd kept, its target checked for dot segments, its
 * body read within the limits (proxy_guard.c: the body's bytes are held
 * against max_buffered from the head on, or 503 with retry-after). The
 * relay (proxy_relay.c) takes it from there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/proxy.h"
#include "core/proxy_int.h"

#define RETRY_AFTER "1"      /* seconds: body memory frees as requests finish */

static void
new_request_id(char *buf, size_t n)
{
	unsigned char r[12];
	size_t i, o;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0, sizeof(r));
	o = (size_t)snprintf(buf, n, "req_proxy_");
	for (i = 0; i < sizeof(r) && o + 2 < n; i++, o += 2)
		snprintf(buf + o, n - o, "%02x", r[i]);
}

enum MHD_Result
px_reply_error(struct MHD_Connection *c, const struct provider *pv, unsigned status,
               const char *type, const char *msg, int close, const char *retry_after)
{
	struct MHD_Response *resp;
	char rid[64], *body;
	enum MHD_Result rc;

	if (pv == NULL)
		pv = provider_route("", NULL, NULL);
	new_request_id(rid, sizeof(rid));
	if ((body = pv->error_body(type != NULL ? type : pv->error_type((int)status), msg,
	    rid)) == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "content-type", "application/json");
	MHD_add_response_header(resp, pv->request_id_header, rid);
	if (close)
		MHD_add_response_header(resp, "connection", "close");
	if (retry_after != NULL)
		MHD_add_response_header(resp, "retry-after", retry_after);
	rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

struct px_conn *
px_req_conn(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

struct px_req *
px_req_new(struct px_loop *l, const char *uri, struct MHD_Connection *c)
{
	struct px_req *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->l = l;
	r->p = l->p;
	r->c = c;
	r->k = px_req_conn(c);
	r->uri_at = (uintptr_t)uri;
	r->uri_len = strlen(uri);
	if ((r->uri = strdup(uri)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
px_req_free(struct px_req *r)
{
	if (r == NULL)
		return;
	px_guard_release(r->p, r->reserved);
	free(r->uri);
	free(r->body);
	proxy_sse_done(r->sse);
	free(r->sse);
	px_filter_free(r->filter);
	free(r->copy);
	free(r);
}

/* ---- the head --------------------------------------------------------------- */

/*
 * The length of the request target as it was on the wire. libmicrohttpd
 * 0.9.75 hands the target as a C string, so a NUL on the request line
 * silently shortens it; but it ends the target where the version begins
 * (target, '\0', version, in its read buffer). When the version lies
 * further on than the string we saw, bytes were hidden behind a NUL: the
 * real length is returned, so the check sees a control byte. Any other
 * layout (another version of the library) leaves the string's own length.
 */
static size_t
target_length(const struct px_req *r, const char *version)
{
	uintptr_t v = (uintptr_t)version;

	if (v > r->uri_at + r->uri_len + 1 && v - r->uri_at - 1 <= PROXY_TARGET_MAX + 1)
		return (size_t)(v - r->uri_at - 1);
	return r->uri_len;
}

struct fields {
	struct proxy_field *f;
	size_t              n, cap;
	int                 oom;
};

static enum MHD_Result
add_field(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
          const char *value, size_t value_size)
{
	struct fields *fs = cls;
	struct proxy_field *nf;

	(void)kind;
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 32;
		if ((nf = realloc(fs->f, fs->cap * sizeof(*nf))) == NULL) {
			fs->oom = 1;
			return MHD_NO;
		}
		fs->f = nf;
	}
	fs->f[fs->n].name = key;
	fs->f[fs->n].name_len = key_size;
	fs->f[fs->n].value = value != NULL ? value : "";
	fs->f[fs->n].value_len = value != NULL ? value_size : 0;
	fs->n++;
	return MHD_YES;
}

/* The target and every header field as received: 0, or the status to
 * answer with why. */
static int
check(struct MHD_Connection *c, struct px_req *r, const char *version, struct proxy_framing *fr,
      char *why, size_t whylen)
{
	struct fields fs = { NULL, 0, 0, 0 };
	int st;

	/* r->uri holds the string up to a NUL; past it the check sees the
	 * NUL itself, which is all it needs to refuse */
	st = proxy_check_target(r->uri, r->uri_len, why, whylen);
	if (st == 0 && target_length(r, version) != r->uri_len) {
		snprintf(why, whylen, "NUL in the request target");
		st = 400;
	}
	if (st != 0)
		return st;
	MHD_get_connection_values_n(c, MHD_HEADER_KIND, add_field, &fs);
	if (fs.oom) {
		snprintf(why, whylen, "out of memory");
		st = 500;
	} else {
		st = proxy_check_head(version, fs.f, fs.n, PROXY_MAX_BODY, fr, why, whylen);
	}
	free(fs.f);
	return st;
}

/* What a request is, by its provider's table. */
static enum px_kind
kind_of(const struct provider *pv, const char *method, const char *uri)
{
	const char *create = pv->batch != NULL ? pv->batch->create : NULL;
	size_t n = create != NULL ? strlen(create) : 0;

	if (strcmp(method, "POST") != 0)
		return PX_OTHER;
	if (provider_is_call(pv, uri))
		return PX_CALL;
	if (provider_is_batch_create(pv, uri) || (n > 0 && strncmp(uri, create, n) == 0 &&
	    uri[n] == '/' && (uri[n + 1] == '\0' || uri[n + 1] == '?')))
		return PX_BATCH_CREATE;
	return PX_OTHER;
}

static int
has_header(void *arg, const char *name)
{
	return MHD_lookup_connection_value(arg, MHD_HEADER_KIND, name) != NULL;
}

static enum MHD_Result
refuse(struct MHD_Connection *c, struct px_req *r, int status, const char *why,
       const char *retry_after)
{
	char msg[320];

	px_guard_busy(r->k);
	snprintf(msg, sizeof(msg), "proxy: %s", why);
	return px_reply_error(c, r->pv, (unsigned)status, NULL, status == 413 ? why : msg, 1,
	                      retry_after);
}

enum MHD_Result
px_intake_head(struct MHD_Connection *c, struct px_req *r, const char *method,
               const char *version)
{
	struct proxy_framing fr;
	char why[256];
	int st;

	/* whose API: a claim header (anthropic-version) wins, else the path */
	r->pv = provider_route(r->uri, has_header, c);
	if ((st = check(c, r, version, &fr, why, sizeof(why))) != 0)
		return refuse(c, r, st, why, NULL);
	if (strncmp(r->uri, "/v1/", 4) != 0)
		return refuse(c, r, 404, "only /v1/ paths are forwarded", NULL);
	if (fr.content_length > 0) {
		if (px_guard_reserve(r->p, fr.content_length) != 0)
			return refuse(c, r, 503, "request bodies held in memory are at the limit "
			              "(--max-buffered); retry shortly", RETRY_AFTER);
		r->reserved = r->want = fr.content_length;
	}
	r->kind = kind_of(r->pv, method, r->uri);
	px_guard_head_done(r->k, fr.content_length > 0 || fr.chunked);
	return MHD_YES;
}

/* ---- the body ----------------------------------------------------------- */

/* Stop keeping the body (refused): its memory goes back at once. */
static void
drop_body(struct px_req *r)
{
	free(r->body);
	r->body = NULL;
	r->len = r->cap = 0;
	px_guard_release(r->p, r->reserved);
	r->reserved = 0;
}

/* Room for n more bytes: the Content-Length at once (held since the head),
 * else doubling, each growth held against max_buffered first. 0 or -1. */
static int
grow(struct px_req *r, size_t n)
{
	size_t ncap;
	char *nb;

	if (r->want > 0 && r->len + n <= (size_t)r->want) {
		ncap = (size_t)r->want;
	} else {
		ncap = r->cap ? r->cap : 16384;
		while (ncap < r->len + n)
			ncap *= 2;
		if (ncap > PROXY_MAX_BODY)
			ncap = PROXY_MAX_BODY;
	}
	if ((int64_t)ncap > r->reserved) {
		if (px_guard_reserve(r->p, (int64_t)ncap - r->reserved) != 0)
			return -1;
		r->reserved = (int64_t)ncap;
	}
	if ((nb = realloc(r->body, ncap)) == NULL)
		return -1;
	r->body = nb;
	r->cap = ncap;
	return 0;
}

void
px_intake_body(struct px_req *r, const char *data, size_t n)
{
	px_guard_body(r->k, n);
	if (r->too_large || r->over_cap)
		return;
	if (r->len + n > PROXY_MAX_BODY) {
		r->too_large = 1;
		drop_body(r);
		return;
	}
	if (r->len + n > r->cap && grow(r, n) != 0) {
		r->over_cap = 1;
		drop_body(r);
		return;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
}

int
px_intake_refused(struct MHD_Connection *c, struct px_req *r, enum MHD_Result *rc)
{
	px_guard_busy(r->k);
	if (r->too_large)
		*rc = px_reply_error(c, r->pv, 413, NULL,
		                     "Request exceeds the maximum allowed number of bytes.", 0, NULL);
	else if (r->over_cap)
		*rc = refuse(c, r, 503, "request bodies held in memory are at the limit "
		             "(--max-buffered); retry shortly", RETRY_AFTER);
	else
		return 0;
	return 1;
}
