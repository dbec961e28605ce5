/* openai_usage.c — usage from OpenAI's response objects and batch lines
 * (api-notes §8), and OpenAI's provider table. Streams and the proxy's
 * rewrite are in openai_stream.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/call.h"
#include "core/orgsync.h"
#include "core/openai.h"

int
openai_usage_split(int64_t input, int64_t cached, int64_t output, int64_t reasoning,
                   const char *const names[4], struct usage *u, char *err, size_t errlen)
{
	if (cached > input) {
		snprintf(err, errlen, "%s: %lld: more than %s (%lld), which include them", names[1],
		    (long long)cached, names[0], (long long)input);
		return -1;
	}
	if (reasoning > output) {
		snprintf(err, errlen, "%s: %lld: more than %s (%lld), which include them", names[3],
		    (long long)reasoning, names[2], (long long)output);
		return -1;
	}
	memset(&u->tok, 0, sizeof(u->tok));
	u->tok.input = input - cached;
	u->tok.cache_read = cached;
	u->tok.output = output;
	u->reasoning_tokens = reasoning;
	return 0;
}

/* A details object's count (obj.details.key): absent or null → 0. */
static int
detail(json_t *us, const char *where, const char *details, const char *key, int64_t *out,
       char *err, size_t errlen)
{
	json_t *d = json_object_get(us, details);
	char w[96];

	*out = 0;
	if (d == NULL || json_is_null(d))
		return 0;
	snprintf(w, sizeof(w), "%s%s.", where, details);
	if (!json_is_object(d)) {
		snprintf(err, errlen, "%s%s: not an object", where, details);
		return -1;
	}
	return usage_json_count(d, key, w, out, err, errlen);
}

int
openai_usage_object(json_t *us, const char *where, struct usage *u, char *err, size_t errlen)
{
	/* field names per shape: whole input, cached, whole output, reasoning */
	static const char *const chat[] = { "prompt_tokens", "prompt_tokens_details",
	    "cached_tokens", "completion_tokens", "completion_tokens_details", "reasoning_tokens" };
	static const char *const resp[] = { "input_tokens", "input_tokens_details",
	    "cached_tokens", "output_tokens", "output_tokens_details", "reasoning_tokens" };
	const char *const *f;
	char names[4][96];
	const char *np[4];
	int64_t in, cached, out, reasoning;

	if (!json_is_object(us)) {
		snprintf(err, errlen, "%susage: not an object", where);
		return -1;
	}
	f = json_object_get(us, "prompt_tokens") != NULL ||
	    json_object_get(us, "completion_tokens") != NULL ? chat : resp;
	snprintf(names[0], sizeof(names[0]), "%s%s", where, f[0]);
	snprintf(names[1], sizeof(names[1]), "%s%s.%s", where, f[1], f[2]);
	snprintf(names[2], sizeof(names[2]), "%s%s", where, f[3]);
	snprintf(names[3], sizeof(names[3]), "%s%s.%s", where, f[4], f[5]);
	np[0] = names[0], np[1] = names[1], np[2] = names[2], np[3] = names[3];
	if (usage_json_count(us, f[0], where, &in, err, errlen) != 0 ||
	    detail(us, where, f[1], f[2], &cached, err, errlen) != 0 ||
	    usage_json_count(us, f[3], where, &out, err, errlen) != 0 ||
	    detail(us, where, f[4], f[5], &reasoning, err, errlen) != 0)
		return -1;
	return openai_usage_split(in, cached, out, reasoning, np, u, err, errlen);
}

static const char *const response_objects[] = { "chat.completion", "response",
	"text_completion", "list", NULL };

int
openai_is_response(json_t *obj)
{
	const char *o = json_string_value(json_object_get(obj, "object"));
	size_t i;

	for (i = 0; o != NULL && response_objects[i] != NULL; i++)
		if (strcmp(o, response_objects[i]) == 0)
			return json_object_get(obj, "usage") != NULL;
	return 0;
}

int64_t
openai_response_time(json_t *obj)
{
	json_t *v = json_object_get(obj, "created");

	if (!json_is_integer(v))
		v = json_object_get(obj, "created_at");
	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > 253402300799LL)         /* 9999-12-31 */
		return 0;
	return json_integer_value(v) * 1000;
}

/* The ledger's stop reason: a stop at the output cap is "max_tokens" in any
 * provider's words; other reasons are kept as the API says them. */
static void
stop_reason(json_t *obj, struct usage *u)
{
	json_t *c0 = json_array_get(json_object_get(obj, "choices"), 0);
	const char *fr = json_string_value(json_object_get(c0, "finish_reason"));
	const char *st = json_string_value(json_object_get(obj, "status"));
	const char *why = json_string_value(json_object_get(json_object_get(obj,
	    "incomplete_details"), "reason"));

	if (fr != NULL)
		usage_strlcpy(u->stop_reason, strcmp(fr, "length") == 0 ? "max_tokens" : fr,
		    sizeof(u->stop_reason));
	else if (st != NULL && strcmp(st, "incomplete") == 0 && why != NULL)
		usage_strlcpy(u->stop_reason, strcmp(why, "max_output_tokens") == 0 ?
		    "max_tokens" : why, sizeof(u->stop_reason));
	else if (st != NULL)
		usage_strlcpy(u->stop_reason, st, sizeof(u->stop_reason));
}

int
openai_response_usage(json_t *obj, struct usage *u, char *err, size_t errlen)
{
	const char *o;
	json_t *v;
	size_t i;

	if (!json_is_object(obj)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	o = json_string_value(json_object_get(obj, "object"));
	for (i = 0; o != NULL && response_objects[i] != NULL; i++)
		if (strcmp(o, response_objects[i]) == 0)
			break;
	if (o == NULL || response_objects[i] == NULL) {
		snprintf(err, errlen, "object: not chat.completion, response, text_completion or"
		    " list");
		return -1;
	}
	v = json_object_get(obj, "model");
	if (!json_is_string(v) || json_string_length(v) == 0) {
		snprintf(err, errlen, "model: %s", v == NULL ? "missing" : "not a non-empty string");
		return -1;
	}
	usage_strlcpy(u->model, json_string_value(v), sizeof(u->model));
	if (usage_json_string(obj, "id", "", u->message_id, sizeof(u->message_id), err,
	    errlen) != 0 ||
	    usage_json_string(obj, "service_tier", "", u->service_tier, sizeof(u->service_tier),
	    err, errlen) != 0)
		return -1;
	v = json_object_get(obj, "usage");
	if (!json_is_object(v)) {
		snprintf(err, errlen, "usage: %s", v == NULL ? "missing" : "not an object");
		return -1;
	}
	if (openai_usage_object(v, "usage.", u, err, errlen) != 0)
		return -1;
	stop_reason(obj, u);
	provider_stamp(&provider_openai, u);
	return 0;
}

/* ---- batch output and error lines ------------------------------------------- */

int
openai_is_batch_line(json_t *obj)
{
	json_t *r = json_object_get(obj, "response");

	return json_is_string(json_object_get(obj, "custom_id")) &&
	    (json_is_object(r) || (json_is_null(r) && json_object_get(obj, "error") != NULL));
}

/* "type: message" of an error object ({"code","message"} or a body's
 * {"error":{"type","message"}}), best effort. */
static void
error_text(json_t *e, char *dst, size_t n)
{
	json_t *inner = json_object_get(e, "error");
	const char *type, *msg;

	if (json_is_object(inner))
		e = inner;
	type = json_string_value(json_object_get(e, "type"));
	if (type == NULL)
		type = json_string_value(json_object_get(e, "code"));
	msg = json_string_value(json_object_get(e, "message"));
	snprintf(dst, n, "%s%s%s", type != NULL ? type : "error", msg != NULL ? ": " : "",
	    msg != NULL ? msg : "");
}

int
openai_result_from_obj(json_t *root, struct usage_result *r, char *err, size_t errlen)
{
	json_t *v, *resp, *body;
	char why[256];

	if (usage_result_begin(root, r, err, errlen) != 0)
		return -1;
	resp = json_object_get(root, "response");
	if (resp != NULL && !json_is_null(resp) && !json_is_object(resp)) {
		snprintf(err, errlen, "response: not an object");
		return -1;
	}
	v = json_object_get(resp, "status_code");
	body = json_object_get(resp, "body");
	if (!json_is_integer(v) || json_integer_value(v) != 200 || !json_is_object(body)) {
		if (resp != NULL && !json_is_null(resp) && !json_is_integer(v)) {
			snprintf(err, errlen, "response.status_code: not an integer");
			return -1;
		}
		usage_strlcpy(r->type, "errored", sizeof(r->type));
		error_text(json_is_object(body) ? body : json_object_get(root, "error"), r->error,
		    sizeof(r->error));
		return 0;
	}
	usage_strlcpy(r->type, "succeeded", sizeof(r->type));
	if (openai_response_usage(body, &r->u, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "response.body.%s", why);
		return -1;
	}
	if (usage_json_string(resp, "request_id", "response.", r->u.request_id,
	    sizeof(r->u.request_id), err, errlen) != 0)
		return -1;
	usage_strlcpy(r->u.source, "batch", sizeof(r->u.source));
	usage_strlcpy(r->u.custom_id, r->custom_id, sizeof(r->u.custom_id));
	r->u.ts_ms = openai_response_time(body);
	return 0;
}

void
openai_batch_name(const char *base, char *buf, size_t n)
{
	static const char *const tails[] = { "_output.jsonl", "_error.jsonl" };
	size_t len = strlen(base), k, i;

	buf[0] = '\0';
	if (strncmp(base, "batch_", 6) != 0)
		return;
	for (i = 0; i < 2; i++) {
		k = strlen(tails[i]);
		if (len > 6 + k && strcmp(base + len - k, tails[i]) == 0) {
			if (len - k < n) {
				memcpy(buf, base, len - k);
				buf[len - k] = '\0';
			}
			return;
		}
	}
}

/* ---- the table's other hooks ------------------------------------------------ */

static const char *
error_type(int status)
{
	if (status == 429)
		return "rate_limit_exceeded";
	return status < 500 ? "invalid_request_error" : "server_error";
}

static char *
error_body(const char *type, const char *message, const char *request_id)
{
	int coded = strcmp(type, "invalid_request_error") != 0 && strcmp(type, "server_error") != 0;
	json_t *o = json_pack("{s:{s:s, s:s, s:n, s:o}}", "error", "message", message, "type",
	    type, "param", "code", coded ? json_string(type) : json_null());
	char *s;

	(void)request_id;      /* OpenAI carries it in x-request-id only */
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* Unix seconds to ms; 0 when absent or not a plausible time. */
static int64_t
unix_ms(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > 253402300799LL)        /* 9999-12-31 */
		return 0;
	return json_integer_value(v) * 1000;
}

static int
batch_from_json(json_t *o, struct provider_batch *b, char *err, size_t errlen)
{
	const char *id, *st;
	json_t *c;
	int64_t total, done, failed;

	memset(b, 0, sizeof(*b));
	id = json_string_value(json_object_get(o, "id"));
	st = json_string_value(json_object_get(o, "status"));
	if (id == NULL || id[0] == '\0' || st == NULL) {
		snprintf(err, errlen, "batch: no id or status");
		return -1;
	}
	usage_strlcpy(b->id, id, sizeof(b->id));
	usage_strlcpy(b->status, st, sizeof(b->status));
	c = json_object_get(o, "request_counts");
	if (usage_json_request_count(c, "total", &total, err, errlen) != 0 ||
	    usage_json_request_count(c, "completed", &done, err, errlen) != 0 ||
	    usage_json_request_count(c, "failed", &failed, err, errlen) != 0)
		return -1;
	b->requests = total;
	b->succeeded = done;
	b->errored = failed;
	b->processing = total > done + failed ? total - done - failed : 0;
	b->created_ms = unix_ms(o, "created_at");
	b->expires_ms = unix_ms(o, "expires_at");
	return 0;
}

static const char *const paths[] = { "/v1/chat/completions", "/v1/responses",
	"/v1/embeddings", "/v1/completions", "/v1/files", "/v1/batches", "/v1/models", NULL };
static const char *const call_paths[] = { "/v1/chat/completions", "/v1/responses",
	"/v1/embeddings", "/v1/completions", NULL };

static const struct provider_batch_api batch_api = {
	.upload = "/v1/files",
	.create = "/v1/batches",
	.get = "/v1/batches",
	.cancel_suffix = "/cancel",
	.results = "/v1/files",       /* {results}/{output_file_id}/content */
};

const struct provider provider_openai = {
	.id = PROVIDER_OPENAI,
	.name = "openai",
	.label = "OpenAI",
	.mark = "O",
	.key_env = "OPENAI_API_KEY",
	.base_env = "OPENAI_BASE_URL",
	.admin_key_env = "OPENAI_ADMIN_KEY",
	.origin = "https://api.openai.com",
	.request_id_header = "x-request-id",
	.version_header = NULL,
	.bearer = 1,
	.base_suffix = "/v1",
	.default_model = "gpt-5-mini",
	.ratelimit_prefix = "x-ratelimit-",
	.claim_header = NULL,
	.paths = paths,
	.call_paths = call_paths,
	.stream_line_max = 64u * 1024 * 1024,   /* response.completed: the whole response */
	.quota_error = "insufficient_quota",
	.client = 0,                             /* the next issue's */
	.batch = &batch_api,
	.org = &orgsync_openai,
	.call = &call_openai,
	.response_usage = openai_response_usage,
	.stream_data = openai_stream_data,
	.error_type = error_type,
	.error_body = error_body,
	.batch_from_json = batch_from_json,
	.request_rewrite = openai_request_rewrite,
	.relay_line = openai_relay_line,
};
