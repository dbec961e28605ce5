/* openai_batchfile.c — OpenAI's batch input lines (api-notes §8): the full
 * form {"custom_id","method":"POST","url","body"} checked, the short form
 * {"custom_id","prompt"[,"system","model","max_tokens"]} completed into a
 * Chat Completions request. The file-wide rules (one model, one endpoint,
 * the limits) are the planner's (batchfile.c), set by the caller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/batch_int.h"
#include "core/openai_batch.h"
#include "core/provider.h"

static const char *const endpoints[] = { "/v1/chat/completions", "/v1/responses", NULL };

/* The output cap a body names (0 when none): max_completion_tokens or
 * max_tokens (Chat), max_output_tokens (Responses). */
static int
body_cap(json_t *body, const char *url, struct batch_req *r, char *reason, size_t n)
{
	static const char *const chat[] = { "max_completion_tokens", "max_tokens", NULL };
	static const char *const resp[] = { "max_output_tokens", NULL };
	const char *const *k = strcmp(url, "/v1/responses") == 0 ? resp : chat;
	json_t *v;

	for (; *k != NULL; k++) {
		if ((v = json_object_get(body, *k)) == NULL || json_is_null(v))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			snprintf(reason, n, "body.%s must be an integer >= 1", *k);
			return -1;
		}
		if (json_integer_value(v) > USAGE_COUNT_MAX) {
			usage_count_error("body.", *k, json_integer_value(v), reason, n);
			return -1;
		}
		r->max_tokens = json_integer_value(v);
	}
	return 0;
}

/* Tokens of Chat messages or a Responses input (string or items). */
static int
body_input(json_t *body, const char *url, struct batch_req *r, char *reason, size_t n)
{
	int chat = strcmp(url, "/v1/chat/completions") == 0;
	json_t *v = json_object_get(body, chat ? "messages" : "input"), *m;
	enum batch_cache unused = BATCH_CACHE_OFF;
	size_t i;

	if (json_is_string(v) && !chat) {
		r->est_input = 3 + batch_content_tokens(v, &unused);
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0) {
		snprintf(reason, n, "body.%s must be a non-empty array%s", chat ? "messages" :
		    "input", chat ? "" : " or a string");
		return -1;
	}
	json_array_foreach(v, i, m) {
		if (!json_is_object(m)) {
			snprintf(reason, n, "body.%s[%zu] is not an object", chat ? "messages" :
			    "input", i);
			return -1;
		}
		r->est_input += 3 + batch_content_tokens(json_object_get(m, "content"), &unused);
	}
	v = json_object_get(body, "instructions");
	if (json_is_string(v))
		r->est_input += 3 + batch_content_tokens(v, &unused);
	return 0;
}

static int
check_full(json_t *root, struct batch_req *r, char *reason, size_t n)
{
	const char *key, *s;
	json_t *v, *body;
	char q[128];
	size_t i;

	json_object_foreach(root, key, v) {
		if (strcmp(key, "custom_id") != 0 && strcmp(key, "method") != 0 &&
		    strcmp(key, "url") != 0 && strcmp(key, "body") != 0) {
			batch_quote(key, strlen(key), q, sizeof(q));
			snprintf(reason, n, "unknown field %s (the full form takes custom_id, "
			    "method, url, body)", q);
			return -1;
		}
	}
	s = json_string_value(json_object_get(root, "method"));
	if (s == NULL || strcmp(s, "POST") != 0) {
		snprintf(reason, n, "method must be \"POST\"");
		return -1;
	}
	if ((s = json_string_value(json_object_get(root, "url"))) == NULL) {
		snprintf(reason, n, "url missing");
		return -1;
	}
	for (i = 0; endpoints[i] != NULL && strcmp(s, endpoints[i]) != 0; i++)
		;
	if (endpoints[i] == NULL) {
		batch_quote(s, strlen(s), q, sizeof(q));
		snprintf(reason, n, "url %s is not /v1/chat/completions or /v1/responses", q);
		return -1;
	}
	usage_strlcpy(r->url, s, sizeof(r->url));
	if (!json_is_object(body = json_object_get(root, "body"))) {
		snprintf(reason, n, "body %s", body == NULL ? "missing" : "is not an object");
		return -1;
	}
	v = json_object_get(body, "model");
	if (!json_is_string(v) || json_string_length(v) == 0) {
		snprintf(reason, n, "body.model %s", v == NULL ? "missing" :
		    "must be a non-empty string");
		return -1;
	}
	usage_strlcpy(r->model, json_string_value(v), sizeof(r->model));
	if (json_is_true(json_object_get(body, "stream"))) {
		snprintf(reason, n, "body.stream is not allowed in a batch");
		return -1;
	}
	if (body_cap(body, r->url, r, reason, n) != 0)
		return -1;
	return body_input(body, r->url, r, reason, n);
}

static const char *const short_keys[] = { "custom_id", "prompt", "system", "model",
	"max_tokens", NULL };

/* The short form as a full Chat Completions request (a new reference). */
static json_t *
complete_short(json_t *root, const struct batch_opts *o, struct batch_req *r, char *reason,
               size_t n)
{
	json_t *prompt = json_object_get(root, "prompt"), *sys = json_object_get(root, "system");
	json_t *model = json_object_get(root, "model"), *mt = json_object_get(root, "max_tokens");
	json_t *msgs, *body, *v;
	enum batch_cache unused = BATCH_CACHE_OFF;
	const char *key;
	char q[128];
	size_t i;
	int known;

	json_object_foreach(root, key, v) {
		for (known = 0, i = 0; short_keys[i] != NULL; i++)
			known |= strcmp(key, short_keys[i]) == 0;
		if (!known) {
			batch_quote(key, strlen(key), q, sizeof(q));
			snprintf(reason, n, "unknown field %s (short form takes prompt, system, "
			    "model, max_tokens)", q);
			return NULL;
		}
	}
	if (!json_is_string(prompt) || json_string_length(prompt) == 0) {
		snprintf(reason, n, "prompt must be a non-empty string");
		return NULL;
	}
	if (sys != NULL && !json_is_string(sys)) {
		snprintf(reason, n, "system must be a string");
		return NULL;
	}
	if (model != NULL && (!json_is_string(model) || json_string_length(model) == 0)) {
		snprintf(reason, n, "model must be a non-empty string");
		return NULL;
	}
	if (mt != NULL && (!json_is_integer(mt) || json_integer_value(mt) < 1 ||
	    json_integer_value(mt) > USAGE_COUNT_MAX)) {
		snprintf(reason, n, "max_tokens must be an integer from 1 to 10^12");
		return NULL;
	}
	usage_strlcpy(r->model, model != NULL ? json_string_value(model) :
	    o->model != NULL ? o->model : "", sizeof(r->model));
	if (r->model[0] == '\0') {
		snprintf(reason, n, "model missing (add \"model\" or give --model)");
		return NULL;
	}
	r->max_tokens = mt != NULL ? json_integer_value(mt) : o->max_tokens;
	usage_strlcpy(r->url, endpoints[0], sizeof(r->url));
	msgs = json_array();
	if (sys != NULL)
		json_array_append_new(msgs, json_pack("{s:s,s:O}", "role", "system", "content", sys));
	json_array_append_new(msgs, json_pack("{s:s,s:O}", "role", "user", "content", prompt));
	body = json_pack("{s:s,s:o}", "model", r->model, "messages", msgs);
	if (body != NULL && r->max_tokens > 0)
		json_object_set_new(body, "max_completion_tokens", json_integer(r->max_tokens));
	r->est_input = 3 + batch_content_tokens(prompt, &unused) +
	    (sys != NULL ? 3 + batch_content_tokens(sys, &unused) : 0);
	return body == NULL ? NULL : json_pack("{s:s,s:s,s:s,s:o}", "custom_id", r->custom_id,
	    "method", "POST", "url", r->url, "body", body);
}

int
openai_batch_line_check(const char *line, size_t len, const struct batch_opts *o,
                        struct batch_req *r, char *reason, size_t n)
{
	json_t *root, *req = NULL;
	json_error_t je;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (batch_blank(line, len))
		return 0;
	if ((root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(reason, n, "invalid JSON at column %d: %s", je.column, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(reason, n, "not a JSON object");
		goto out;
	}
	if (batch_custom_id_check(json_object_get(root, "custom_id"), r->custom_id, reason,
	    n) != 0)
		goto out;
	if (json_object_get(root, "body") != NULL && json_object_get(root, "prompt") != NULL) {
		snprintf(reason, n, "both body and prompt (give one form)");
		goto out;
	}
	if (json_object_get(root, "prompt") != NULL)
		req = complete_short(root, o, r, reason, n);
	else if (json_object_get(root, "body") != NULL || json_object_get(root, "url") != NULL)
		req = check_full(root, r, reason, n) == 0 ? json_incref(root) : NULL;
	else
		snprintf(reason, n, "body missing (or \"prompt\" for the short form)");
	if (req == NULL)
		goto out;
	if ((r->json = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		snprintf(reason, n, "out of memory");
		goto out;
	}
	r->json_len = strlen(r->json);
	usage_strlcpy(r->provider, provider_openai.name, sizeof(r->provider));
	rc = 1;
out:
	json_decref(req);
	json_decref(root);
	return rc;
}
