/* openai_api.c — OpenAI's call ops (api-notes §8): a Responses body whose
 * instructions and documents form a stable prefix with a prompt_cache_key
 * derived from it, the Responses answer as a message, and its typed
 * stream events. The transfer, retries and errors are http.c's and api.c's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api_int.h"
#include "core/call.h"
#include "core/openai.h"
#include "core/text.h"

/* ---- the request ------------------------------------------------------------- */

void
openai_cache_key(const char *const *texts, const size_t *lens, size_t n, char *buf,
                 size_t bufsz)
{
	uint64_t h = TEXT_HASH_INIT, len;
	size_t i;

	for (i = 0; i < n; i++) {
		len = lens[i];
		h = text_hash(&len, sizeof(len), h);    /* lengths keep part boundaries apart */
		h = text_hash(texts[i], lens[i], h);
	}
	snprintf(buf, bufsz, "tokentop-%016" PRIx64, h);
}

/*
 * {"model", "instructions": the system texts, "input": [one user message:
 * each document, then the prompt, as input_text parts], "max_output_tokens",
 * "prompt_cache_key"}. Everything before the prompt is the same from call
 * to call with the same files, so OpenAI's automatic cache serves it; the
 * key (a hash of that prefix, never its text) sends repeats to one cache.
 */
static json_t *
openai_body(const struct call_spec *c, size_t *prefix_bytes, char *err, size_t errlen)
{
	json_t *body = NULL, *content = json_array(), *text, *held[64];
	const char *texts[64];
	size_t lens[64], i, bytes, nt = 0;
	char *instr = NULL, key[48];
	size_t ilen = 0;

	*prefix_bytes = 0;
	for (i = 0; i < c->nparts && content != NULL; i++) {
		if ((text = call_part_text(&c->parts[i], &bytes, err, errlen)) == NULL)
			goto fail;
		*prefix_bytes += bytes;
		if (nt < sizeof(texts) / sizeof(texts[0])) {   /* held until the key is made */
			held[nt] = json_incref(text);
			texts[nt] = json_string_value(text);
			lens[nt++] = json_string_length(text);
		}
		if (!c->parts[i].is_doc) {          /* system text joins the instructions */
			char *ni = realloc(instr, ilen + bytes + 3);

			if (ni == NULL) {
				json_decref(text);
				goto oom;
			}
			instr = ni;
			if (ilen > 0) {
				memcpy(instr + ilen, "\n\n", 2);
				ilen += 2;
			}
			memcpy(instr + ilen, json_string_value(text), bytes);
			ilen += bytes;
			instr[ilen] = '\0';
			json_decref(text);
		} else if (json_array_append_new(content, json_pack("{s:s, s:o}", "type",
		    "input_text", "text", text)) != 0) {
			goto oom;
		}
	}
	if (content == NULL)
		goto oom;
	if (json_array_append_new(content, json_pack("{s:s, s:s}", "type", "input_text", "text",
	    c->prompt)) != 0 ||
	    (body = json_pack("{s:s, s:[{s:s, s:O}], s:I}", "model", c->model, "input", "role",
	    "user", "content", content, "max_output_tokens", (json_int_t)c->max_tokens)) == NULL) {
		snprintf(err, errlen, "the prompt or --model is not valid UTF-8 text");
		goto fail;
	}
	if (instr != NULL)
		json_object_set_new(body, "instructions", json_stringn(instr, ilen));
	if (nt > 0 && strcmp(c->cache, "off") != 0) {
		openai_cache_key(texts, lens, nt, key, sizeof(key));
		json_object_set_new(body, "prompt_cache_key", json_string(key));
	}
	json_decref(content);
	free(instr);
	for (i = 0; i < nt; i++)
		json_decref(held[i]);
	return body;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	json_decref(content);
	free(instr);
	for (i = 0; i < nt; i++)
		json_decref(held[i]);
	return NULL;
}

/* ---- the answer -------------------------------------------------------------- */

/* The text of every output_text part of every message item, joined. */
static int
join_output(json_t *resp, char **out, size_t *outlen)
{
	json_t *item;
	size_t i, len = 0;
	char *buf = calloc(1, 1);

	if (buf == NULL)
		return -1;
	json_array_foreach(json_object_get(resp, "output"), i, item)
		if (strcmp(jstr(item, "type"), "message") == 0 &&
		    api_text_append(json_object_get(item, "content"), "output_text", &buf, &len) != 0) {
			free(buf);
			return -1;
		}
	*out = buf;
	*outlen = len;
	return 0;
}

int
openai_message_from_json(json_t *resp, const char *request_id, struct api_message *msg,
                         struct http_error *err)
{
	char why[256];

	if (!json_is_object(resp) || strcmp(jstr(resp, "object"), "response") != 0) {
		err_set(err, 200, "invalid_response", "the response is not a response object");
		return -1;
	}
	memset(&msg->usage, 0, sizeof(msg->usage));
	if (openai_response_usage(resp, &msg->usage, why, sizeof(why)) != 0) {
		err_set(err, 200, "invalid_response", why);
		return -1;
	}
	if (request_id[0] != '\0')
		usage_strlcpy(msg->usage.request_id, request_id, sizeof(msg->usage.request_id));
	return api_message_keep(resp, join_output, msg, err);
}

/* ---- the stream -------------------------------------------------------------- */

/* The failure an error object ({"code","message"} or {"type","message"}) names. */
static int
event_fail(struct api_stream *s, json_t *e, const char *fallback)
{
	const char *code = *jstr(e, "code") ? jstr(e, "code") : jstr(e, "type");

	return api_stream_fail(s, *code ? code : "server_error",
	    *jstr(e, "message") ? jstr(e, "message") : fallback);
}

/*
 * Responses' typed events: response.created holds the response, the text
 * comes as response.output_text.delta, and response.completed (or
 * response.incomplete, at the output cap) carries the whole response with
 * its usage and ends it; response.failed and error fail it.
 */
static int
responses_event(struct api_stream *s, const char *type, json_t *d)
{
	json_t *r = json_object_get(d, "response");

	if (strcmp(type, "response.created") == 0 && json_is_object(r)) {
		json_decref(s->message);
		s->message = json_deep_copy(r);
	} else if (strcmp(type, "response.output_text.delta") == 0) {
		return api_stream_text(s, jstr(d, "delta"));
	} else if ((strcmp(type, "response.completed") == 0 ||
	    strcmp(type, "response.incomplete") == 0) && json_is_object(r)) {
		json_decref(s->message);
		s->message = json_deep_copy(r);
		s->stopped = s->message != NULL;
	} else if (strcmp(type, "response.failed") == 0) {
		return event_fail(s, json_object_get(r, "error"), "the response failed");
	} else if (strcmp(type, "error") == 0) {
		return event_fail(s, d, "error event in the stream");
	}
	return 0;
}

const struct api_stream_ops openai_stream_responses = {
	.event = responses_event,
	.message = openai_message_from_json,
	.first = "response.created",
	.last = "response.completed",
};

struct http_req *
openai_responses_start(struct http_multi *m, const json_t *body, int stream, api_text_fn on_text,
                       api_message_fn done, void *arg, struct http_error *err)
{
	return api_call_start(m, "/v1/responses", &openai_stream_responses, body, stream, on_text, done,
	    arg, err);
}

const struct provider_call_ops call_openai = {
	.body = openai_body,
	.start = openai_responses_start,
	.prefix_tokens = NULL,          /* no counting endpoint: the caller estimates */
};
