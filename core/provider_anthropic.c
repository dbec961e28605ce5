/* provider_anthropic.c — Anthropic's provider table: the Messages response
 * and stream usage (usage.c underneath), its error body, its batch object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/call.h"
#include "core/orgsync.h"
#include "core/provider.h"

static int
response_usage(json_t *obj, struct usage *u, char *err, size_t errlen)
{
	if (usage_from_message(obj, u, err, errlen) != 0)
		return -1;
	provider_stamp(&provider_anthropic, u);
	return 0;
}

static int
has_int(json_t *o, const char *key)
{
	return json_is_integer(json_object_get(o, key));
}

/* message_delta: cumulative counts replace message_start's where present. */
static void
message_delta(struct provider_stream *s, json_t *ev)
{
	json_t *us = json_object_get(ev, "usage"), *d = json_object_get(ev, "delta");
	json_t *wrap;
	struct usage t;
	char err[128];
	const char *sr;

	s->delta = 1;
	sr = json_string_value(json_object_get(d, "stop_reason"));
	if (sr != NULL)
		usage_strlcpy(s->u.stop_reason, sr, sizeof(s->u.stop_reason));
	if (!json_is_object(us))
		return;
	wrap = json_pack("{sOss}", "usage", us, "model", "-");   /* model: required by the parser */
	memset(&t, 0, sizeof(t));
	if (wrap == NULL || usage_from_message(wrap, &t, err, sizeof(err)) != 0) {
		if (wrap != NULL)
			provider_stream_bad(s, "message_delta", err);
		json_decref(wrap);
		return;
	}
	json_decref(wrap);
	if (has_int(us, "output_tokens"))
		s->u.tok.output = t.tok.output;
	if (has_int(us, "input_tokens"))
		s->u.tok.input = t.tok.input;
	if (has_int(us, "cache_read_input_tokens"))
		s->u.tok.cache_read = t.tok.cache_read;
	if (has_int(us, "cache_creation_input_tokens") ||
	    json_is_object(json_object_get(us, "cache_creation"))) {
		s->u.tok.write_5m = t.tok.write_5m;
		s->u.tok.write_1h = t.tok.write_1h;
	}
	if (json_is_object(json_object_get(us, "server_tool_use"))) {   /* cumulative too */
		s->u.web_search_requests = t.web_search_requests;
		s->u.web_fetch_requests = t.web_fetch_requests;
		s->u.code_execution_requests = t.code_execution_requests;
	}
}

/* Only the two usage events are parsed; the cheap substring test spares
 * the rest (text deltas). */
static void
stream_data(struct provider_stream *s, const char *event, const char *data, size_t len)
{
	json_t *ev, *msg;
	const char *type;
	char err[128];
	struct usage u;

	if (memmem(data, len, "message_start", 13) == NULL &&
	    memmem(data, len, "message_delta", 13) == NULL)
		return;
	ev = json_loadb(data, len, 0, NULL);
	type = json_string_value(json_object_get(ev, "type"));
	if (type != NULL && strcmp(type, "message_start") == 0) {
		msg = json_object_get(ev, "message");
		memset(&u, 0, sizeof(u));
		if (json_is_object(msg) && usage_from_message(msg, &u, err, sizeof(err)) == 0) {
			provider_stamp(&provider_anthropic, &u);
			s->u = u;
			s->started = 1;
		} else if (json_is_object(msg)) {
			provider_stream_bad(s, "message_start", err);
		}
	} else if (type != NULL && strcmp(type, "message_delta") == 0 && s->started) {
		message_delta(s, ev);
		s->finished = 1;
	}
	json_decref(ev);
}

static const char *
error_type(int status)
{
	switch (status) {
	case 404: return "not_found_error";
	case 413: return "request_too_large";
	case 429: return "rate_limit_error";
	default: return status < 500 ? "invalid_request_error" : "api_error";
	}
}

static char *
error_body(const char *type, const char *message, const char *request_id)
{
	json_t *o = json_pack("{s:s, s:{s:s, s:s}}", "type", "error", "error", "type", type,
	    "message", message);
	char *s;

	if (o == NULL)
		return NULL;
	if (request_id != NULL)
		json_object_set_new(o, "request_id", json_string(request_id));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

static int64_t
rfc3339(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	int64_t ms;

	if (s == NULL || usage_parse_time(s, &ms) != 0)
		return 0;
	return ms;
}

static int
batch_from_json(json_t *o, struct provider_batch *b, char *err, size_t errlen)
{
	const char *id, *st;
	json_t *c;

	memset(b, 0, sizeof(*b));
	id = json_string_value(json_object_get(o, "id"));
	st = json_string_value(json_object_get(o, "processing_status"));
	if (id == NULL || id[0] == '\0' || st == NULL) {
		snprintf(err, errlen, "batch: no id or processing_status");
		return -1;
	}
	usage_strlcpy(b->id, id, sizeof(b->id));
	usage_strlcpy(b->status, st, sizeof(b->status));
	c = json_object_get(o, "request_counts");
	if (usage_json_request_count(c, "processing", &b->processing, err, errlen) != 0 ||
	    usage_json_request_count(c, "succeeded", &b->succeeded, err, errlen) != 0 ||
	    usage_json_request_count(c, "errored", &b->errored, err, errlen) != 0 ||
	    usage_json_request_count(c, "canceled", &b->canceled, err, errlen) != 0 ||
	    usage_json_request_count(c, "expired", &b->expired, err, errlen) != 0)
		return -1;
	/* five counts of at most 10^12 each: the sum fits */
	b->requests = b->processing + b->succeeded + b->errored + b->canceled + b->expired;
	b->created_ms = rfc3339(o, "created_at");
	b->expires_ms = rfc3339(o, "expires_at");
	return 0;
}

static const char *const call_paths[] = { "/v1/messages", NULL };

static const struct provider_batch_api batch_api = {
	.upload = NULL,
	.create = "/v1/messages/batches",
	.get = "/v1/messages/batches",
	.cancel_suffix = "/cancel",
	.results = "/results",
};

const struct provider provider_anthropic = {
	.id = PROVIDER_ANTHROPIC,
	.name = "anthropic",
	.label = "Anthropic",
	.mark = "A",
	.key_env = "ANTHROPIC_API_KEY",
	.base_env = "ANTHROPIC_BASE_URL",
	.admin_key_env = "ANTHROPIC_ADMIN_KEY",
	.origin = "https://api.anthropic.com",
	.request_id_header = "request-id",
	.version_header = "anthropic-version",
	.bearer = 0,
	.base_suffix = NULL,
	.default_model = "claude-sonnet-4-5",
	.ratelimit_prefix = "anthropic-ratelimit-",
	.claim_header = "anthropic-version",
	.paths = NULL,                 /* the default: every path no one else claims */
	.call_paths = call_paths,
	.stream_line_max = PROVIDER_LINE_INLINE,   /* its usage events are short */
	.quota_error = "rate_limit_error",
	.client = 1,
	.batch = &batch_api,
	.org = &orgsync_anthropic,
	.call = &call_anthropic,
	.response_usage = response_usage,
	.stream_data = stream_data,
	.error_type = error_type,
	.error_body = error_body,
	.batch_from_json = batch_from_json,
	.request_rewrite = NULL,
	.relay_line = NULL,
};
