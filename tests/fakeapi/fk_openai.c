/* fk_openai.c — the OpenAI side of the double: which paths are OpenAI's, Bearer keys,
 * the {"error":{…}} body, the response headers every OpenAI answer carries, ids, and
 * the --openai-* options. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fk.h"

#define DEFAULT_ORG	"org-FakeOrganization00000000"
#define DEFAULT_PROJECT	"proj_FakeDefaultProject0000"

struct oa_opts oa_opt = {
	.cache_ttl = 300, .rpm = 10000, .tpm = 2000000, .validate_seconds = 2,
	.finalize_seconds = 2, .batch_max_requests = 50000, .batch_max_bytes = 200L << 20,
	.batch_tier = "default",
};

static int
under(const char *path, const char *root)
{
	size_t	 n = strlen(root);

	return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The OpenAI paths; Anthropic's are /v1/messages… and /v1/organizations/… (plural). */
int
oa_path(const char *path)
{
	return under(path, "/v1/chat/completions") || under(path, "/v1/responses") ||
	    under(path, "/v1/files") || under(path, "/v1/batches") ||
	    under(path, "/v1/models") || strncmp(path, "/v1/organization/", 17) == 0;
}

const char *
oa_arg(const struct fk_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

static const char *
header(const struct fk_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

static const char *
type_of(int status)
{
	if (status == 429)
		return "rate_limit_exceeded";
	return status >= 500 ? "server_error" : "invalid_request_error";
}

/* The real error body; the type follows the status when e->type is NULL. A new
 * reference. */
json_t *
oa_error_json(const struct oa_err *e)
{
	return json_pack("{s:{s:s, s:s, s:o, s:o}}", "error",
	    "message", e->msg, "type", e->type ? e->type : type_of(e->status),
	    "param", e->param[0] ? json_string(e->param) : json_null(),
	    "code", e->code ? json_string(e->code) : json_null());
}

void
oa_error(struct fk_reply *r, const struct oa_err *e)
{
	fk_reply_json(r, e->status, oa_error_json(e));
}

void
oa_fail(struct fk_reply *r, int status, const char *code, const char *param,
    const char *fmt, ...)
{
	struct oa_err e;
	va_list	 ap;

	memset(&e, 0, sizeof e);
	e.status = status;
	e.code = code;
	snprintf(e.param, sizeof e.param, "%s", param ? param : "");
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof e.msg, fmt, ap);
	va_end(ap);
	oa_error(r, &e);
}

/* The body of a status fault on an OpenAI path (fault_error_reply adds the retry
 * headers). A 429's code is its type (rate_limit_exceeded, or insufficient_quota). */
void
oa_fault_error(const struct fk_req *q, struct fk_reply *r)
{
	const struct fk_fault *f = &q->fault;
	struct oa_err e;

	memset(&e, 0, sizeof e);
	e.status = f->status;
	e.type = f->error_type[0] ? f->error_type : type_of(f->status);
	e.code = f->status == 429 ? e.type : f->status == 401 ? "invalid_api_key" : NULL;
	snprintf(e.msg, sizeof e.msg, "%s (injected fault)",
	    strcmp(e.type, "insufficient_quota") == 0 ? "You exceeded your current quota, "
	    "please check your plan and billing details." : f->status == 429 ?
	    "Rate limit reached." : f->status == 503 ? "The server is overloaded or not "
	    "ready yet." : f->status >= 500 ? "The server had an error while processing "
	    "your request. Sorry about that!" : "Error.");
	oa_error(r, &e);
}

/* x-request-id, openai-processing-ms, openai-version and the organisation and project
 * (echoed, or the double's defaults) on every OpenAI answer. */
void
oa_response_headers(const struct fk_req *q, struct MHD_Response *resp)
{
	const char *org = header(q, "openai-organization"), *proj = header(q, "openai-project");
	struct timespec ts;
	char	 ms[32];
	double	 now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec + ts.tv_nsec / 1e9;
	snprintf(ms, sizeof ms, "%ld", (long)((now - q->t0) * 1000 + 0.5));
	MHD_add_response_header(resp, "x-request-id", q->rid);
	MHD_add_response_header(resp, "openai-processing-ms", ms);
	MHD_add_response_header(resp, "openai-version", "2020-10-01");
	MHD_add_response_header(resp, "openai-organization", org ? org : DEFAULT_ORG);
	MHD_add_response_header(resp, "openai-project", proj ? proj : DEFAULT_PROJECT);
}

/* prefix + nhex random lower-case hex digits. Lock held. */
void
oa_hex_id(const char *prefix, int nhex, char *buf, size_t len)
{
	size_t	 n = strlen(prefix), i;

	snprintf(buf, len, "%s", prefix);
	for (i = 0; i < (size_t)nhex && n + i + 1 < len; i++) {
		fk.rng ^= fk.rng << 13;
		fk.rng ^= fk.rng >> 7;
		fk.rng ^= fk.rng << 17;
		buf[n + i] = "0123456789abcdef"[fk.rng % 16];
	}
	buf[n + i] = '\0';
}

long
oa_unix(double vt)
{
	return (long)floor(fk.wall_start + vt);
}

static int
key_index(const char *key, const char *const *keys, int n)
{
	int	 i;

	for (i = 0; key != NULL && i < n; i++)
		if (strcmp(key, keys[i]) == 0)
			return i;
	return -1;
}

static const char *
bearer(const struct fk_req *q)
{
	const char *auth = header(q, "authorization");

	return auth && strncasecmp(auth, "Bearer ", 7) == 0 ? auth + 7 : NULL;
}

/*
 * 0 when the request carries one of the keys it needs (admin: --openai-admin-key,
 * else --openai-key) as Bearer; else a 401 in r: no key, the other kind of key
 * (insufficient permissions), or an unknown one (invalid_api_key, key masked).
 */
int
oa_auth(const struct fk_req *q, struct fk_reply *r, int admin)
{
	const char *key = bearer(q);
	size_t	 n;

	if (key == NULL) {
		oa_fail(r, 401, NULL, NULL, "You didn't provide an API key. You need to provide "
		    "your API key in an Authorization header using Bearer auth (i.e. "
		    "Authorization: Bearer YOUR_KEY).");
		return -1;
	}
	if (key_index(key, admin ? oa_opt.admin_keys : oa_opt.keys,
	    admin ? oa_opt.nadmin : oa_opt.nkeys) >= 0)
		return 0;
	if (key_index(key, admin ? oa_opt.keys : oa_opt.admin_keys,
	    admin ? oa_opt.nkeys : oa_opt.nadmin) >= 0) {
		oa_fail(r, 401, NULL, NULL, "You have insufficient permissions for this "
		    "operation. Missing scopes: %s. Check that you have the correct role in your "
		    "organization.", admin ? "api.usage.read" : "model.request");
		return -1;
	}
	n = strlen(key);
	oa_fail(r, 401, "invalid_api_key", NULL, "Incorrect API key provided: %.3s****%s. You "
	    "can find your API key at https://platform.openai.com/account/api-keys.",
	    n > 12 ? key : "", n > 12 ? key + n - 4 : "");
	return -1;
}

/* The caller's api_key_id (key_FakeOpenAI + its index in --openai-key) and project
 * (OpenAI-Project, or the default). Returns the key index. */
int
oa_caller(const struct fk_req *q, char *key_id, size_t klen, char *project, size_t plen)
{
	const char *proj = header(q, "openai-project");
	int	 k = key_index(bearer(q), oa_opt.keys, oa_opt.nkeys);

	if (k < 0)
		k = 0;
	snprintf(key_id, klen, "key_FakeOpenAI%010d", k);
	snprintf(project, plen, "%s", proj ? proj : DEFAULT_PROJECT);
	return k;
}

/* Every OpenAI path: the organisation reports (admin key), else a Bearer key, then
 * the endpoint. */
void
oa_route(const struct fk_req *q, struct fk_reply *r)
{
	int	 post = strcmp(q->method, "POST") == 0;

	if (strncmp(q->path, "/v1/organization/", 17) == 0) {
		if (oa_auth(q, r, 1) == 0)
			oa_org_route(q, r);
		return;
	}
	if (oa_auth(q, r, 0) == -1)
		return;
	if (post && strcmp(q->path, "/v1/chat/completions") == 0)
		oa_chat(q, r);
	else if (post && strcmp(q->path, "/v1/responses") == 0)
		oa_responses(q, r);
	else if (under(q->path, "/v1/files"))
		oa_files_route(q, r);
	else if (under(q->path, "/v1/batches"))
		oa_batches_route(q, r);
	else if (under(q->path, "/v1/models") && strcmp(q->method, "GET") == 0)
		oa_models_route(q, r);
	else
		oa_fail(r, 404, NULL, NULL, "Invalid URL (%s %s)", q->method, q->path);
}

/* A number option in [0, max]; -1 (with a message naming it) otherwise. */
static int
number(const char *name, const char *s, double max, double *out)
{
	char	*end;
	double	 v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0 && v <= max)) {
		fprintf(stderr, "fakeapi: --%s: not a number from 0 to %g: %s\n", name, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* One --openai-* option (value NULL for the flags); -1 on a bad value. With name
 * NULL: the defaults for the keys not given. */
int
oa_option(const char *name, const char *value)
{
	double	 v = 0;
	int	 rc = 0;

	if (name == NULL) {
		if (oa_opt.nkeys == 0)
			oa_opt.keys[oa_opt.nkeys++] = "sk-openai-test";
		if (oa_opt.nadmin == 0)
			oa_opt.admin_keys[oa_opt.nadmin++] = "sk-admin-test";
	} else if (strcmp(name, "openai-key") == 0 && oa_opt.nkeys < FK_MAXKEYS)
		oa_opt.keys[oa_opt.nkeys++] = value;
	else if (strcmp(name, "openai-admin-key") == 0 && oa_opt.nadmin < FK_MAXKEYS)
		oa_opt.admin_keys[oa_opt.nadmin++] = value;
	else if (strcmp(name, "openai-mixed-models") == 0)
		oa_opt.mixed_models = 1;
	else if (strcmp(name, "openai-batch-tier") == 0)
		oa_opt.batch_tier = value;
	else if (strcmp(name, "openai-cache-ttl") == 0)
		rc = number(name, value, 1e9, &oa_opt.cache_ttl);
	else if (strcmp(name, "openai-validate-seconds") == 0)
		rc = number(name, value, 1e9, &oa_opt.validate_seconds);
	else if (strcmp(name, "openai-finalize-seconds") == 0)
		rc = number(name, value, 1e9, &oa_opt.finalize_seconds);
	else if ((rc = number(name, value, 1e15, &v)) == 0) {
		if (strcmp(name, "openai-rpm") == 0 && v >= 1)
			oa_opt.rpm = (long)v;
		else if (strcmp(name, "openai-tpm") == 0 && v >= 1)
			oa_opt.tpm = (long)v;
		else if (strcmp(name, "openai-batch-max-requests") == 0)
			oa_opt.batch_max_requests = (long)v;
		else if (strcmp(name, "openai-batch-max-bytes") == 0)
			oa_opt.batch_max_bytes = (long)v;
		else {
			fprintf(stderr, "fakeapi: --%s: must be at least 1\n", name);
			rc = -1;
		}
	}
	return rc;
}

/* Drops files, batches, organisation rows and rate-limit windows. Lock held. */
void
oa_reset(void)
{
	oa_batches_reset();
	oa_files_reset();
	oa_org_reset();
	oa_limits_reset();
}
