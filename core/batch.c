/* batch.c — Message Batch input files: check each line, complete the short
 * form, split into batches, estimate the cost. No network, no SQL. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/batch.h"
#include "core/batch_int.h"

/* ---- reasons ------------------------------------------------------------ */

/* A value quoted for a message: control bytes escaped, cut at 40 bytes. */
void
batch_quote(const char *s, size_t len, char *out, size_t n)
{
	size_t i, j = 0;

	if (n < 8) {
		if (n > 0)
			out[0] = '\0';
		return;
	}
	out[j++] = '"';
	for (i = 0; i < len && j + 6 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= 40) {
			memcpy(out + j, "...", 3);
			j += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			if (j + 5 >= n - 1)
				break;
			j += (size_t)snprintf(out + j, n - j, "\\x%02x", c);
		} else
			out[j++] = (char)c;
	}
	out[j++] = '"';
	out[j] = '\0';
}

int
batch_custom_id_check(json_t *v, char *id, char *reason, size_t n)
{
	const char *s;
	size_t len, i;
	char q[128];

	if (v == NULL) {
		snprintf(reason, n, "custom_id missing");
		return -1;
	}
	if (!json_is_string(v)) {
		snprintf(reason, n, "custom_id is not a string");
		return -1;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	batch_quote(s, len, q, sizeof(q));
	if (len == 0) {
		snprintf(reason, n, "custom_id is empty");
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-')
			continue;
		if (c == ' ')
			snprintf(reason, n, "custom_id %s has a space", q);
		else if (c >= 0x80 || c < 0x20 || c == 0x7f)
			snprintf(reason, n, "custom_id %s has a character other than "
			    "letters, digits, _ and -", q);
		else
			snprintf(reason, n, "custom_id %s has '%c' (only letters, digits, _ and -)",
			    q, c);
		return -1;
	}
	if (len > BATCH_CUSTOM_ID_MAX) {
		snprintf(reason, n, "custom_id %s is %zu characters long (at most %d)", q, len,
		    BATCH_CUSTOM_ID_MAX);
		return -1;
	}
	memcpy(id, s, len + 1);
	return 0;
}

/* ---- token estimate (the double's rule: ceil(bytes/4) per text) --------- */

static int64_t
bytes_tokens(size_t bytes)
{
	return (int64_t)((bytes + 3) / 4);
}

/* Tokens of a content value (string or array of blocks); notes the
 * longest cache_control TTL seen. */
int64_t
batch_content_tokens(json_t *c, enum batch_cache *cache)
{
	size_t i;
	json_t *b, *cc, *t;
	int64_t sum = 0;
	char *dump;

	if (json_is_string(c))
		return bytes_tokens(json_string_length(c));
	if (!json_is_array(c))
		return 0;
	json_array_foreach(c, i, b) {
		t = json_object_get(b, "text");
		if (json_is_string(t))
			sum += bytes_tokens(json_string_length(t));
		else if ((dump = json_dumps(b, JSON_COMPACT)) != NULL) {
			sum += bytes_tokens(strlen(dump));
			free(dump);
		}
		cc = json_object_get(b, "cache_control");
		if (json_is_object(cc)) {
			t = json_object_get(cc, "ttl");
			if (json_is_string(t) && strcmp(json_string_value(t), "1h") == 0)
				*cache = BATCH_CACHE_1H;
			else if (*cache == BATCH_CACHE_OFF)
				*cache = BATCH_CACHE_5M;
		}
	}
	return sum;
}

/* ---- the full form -------------------------------------------------------- */

static int
check_messages(json_t *msgs, struct batch_req *r, char *reason, size_t n)
{
	size_t i;
	json_t *m, *role, *content;
	const char *rs;

	if (msgs == NULL) {
		snprintf(reason, n, "params.messages missing");
		return -1;
	}
	if (!json_is_array(msgs) || json_array_size(msgs) == 0) {
		snprintf(reason, n, "params.messages must be a non-empty array");
		return -1;
	}
	json_array_foreach(msgs, i, m) {
		if (!json_is_object(m)) {
			snprintf(reason, n, "params.messages[%zu] is not an object", i);
			return -1;
		}
		role = json_object_get(m, "role");
		rs = json_string_value(role);
		if (rs == NULL || (strcmp(rs, "user") != 0 && strcmp(rs, "assistant") != 0)) {
			char q[128] = "missing";

			if (rs != NULL)
				batch_quote(rs, json_string_length(role), q, sizeof(q));
			snprintf(reason, n, "params.messages[%zu].role %s is not user or assistant",
			    i, q);
			return -1;
		}
		content = json_object_get(m, "content");
		if (!json_is_string(content) &&
		    !(json_is_array(content) && json_array_size(content) > 0)) {
			snprintf(reason, n, "params.messages[%zu].content must be a string or "
			    "a non-empty array of blocks", i);
			return -1;
		}
		r->est_input += 3 + batch_content_tokens(content, &r->cache);
	}
	return 0;
}

static int
check_params(json_t *params, struct batch_req *r, char *reason, size_t n)
{
	json_t *v;
	char *dump;

	if (!json_is_object(params)) {
		snprintf(reason, n, "params is not an object");
		return -1;
	}
	v = json_object_get(params, "model");
	if (v == NULL || !json_is_string(v) || json_string_length(v) == 0) {
		snprintf(reason, n, "params.model %s", v == NULL ? "missing" :
		    "must be a non-empty string");
		return -1;
	}
	usage_strlcpy(r->model, json_string_value(v), sizeof(r->model));
	v = json_object_get(params, "max_tokens");
	if (v == NULL) {
		snprintf(reason, n, "params.max_tokens missing");
		return -1;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		snprintf(reason, n, "params.max_tokens must be an integer >= 1");
		return -1;
	}
	if (json_integer_value(v) > USAGE_COUNT_MAX) {
		usage_count_error("params.", "max_tokens", json_integer_value(v), reason, n);
		return -1;
	}
	r->max_tokens = json_integer_value(v);
	if (json_object_get(params, "stream") != NULL) {
		snprintf(reason, n, "params.stream is not allowed in a batch");
		return -1;
	}
	v = json_object_get(params, "system");
	if (v != NULL && !json_is_string(v) && !json_is_array(v)) {
		snprintf(reason, n, "params.system must be a string or an array of blocks");
		return -1;
	}
	if (v != NULL)
		r->est_input += batch_content_tokens(v, &r->cache);
	v = json_object_get(params, "tools");
	if (v != NULL && (dump = json_dumps(v, JSON_COMPACT)) != NULL) {
		r->est_input += bytes_tokens(strlen(dump));
		free(dump);
	}
	return check_messages(json_object_get(params, "messages"), r, reason, n);
}

/* ---- the short form ------------------------------------------------------ */

static json_t *
system_value(const char *text, enum batch_cache cache)
{
	json_t *block, *cc;

	if (cache == BATCH_CACHE_OFF)
		return json_string(text);
	cc = json_pack("{s:s}", "type", "ephemeral");
	if (cache == BATCH_CACHE_1H)
		json_object_set_new(cc, "ttl", json_string("1h"));
	block = json_pack("{s:s,s:s,s:o}", "type", "text", "text", text, "cache_control", cc);
	return json_pack("[o]", block);
}

static const char *const short_keys[] = { "custom_id", "prompt", "system", "model",
	"max_tokens", NULL };

/* Build params from a short-form line; returns the params or NULL + reason. */
static json_t *
complete_short(json_t *line, const struct batch_opts *o, struct batch_req *r,
               char *reason, size_t n)
{
	json_t *prompt, *sys, *model, *mt, *params;
	const char *key;
	json_t *v;
	size_t i;
	int known;
	char rerr[256];

	json_object_foreach(line, key, v) {
		for (known = 0, i = 0; short_keys[i] != NULL; i++)
			known |= strcmp(key, short_keys[i]) == 0;
		if (!known) {
			char q[128];

			batch_quote(key, strlen(key), q, sizeof(q));
			snprintf(reason, n, "unknown field %s (short form takes prompt, system, "
			    "model, max_tokens)", q);
			return NULL;
		}
	}
	prompt = json_object_get(line, "prompt");
	if (!json_is_string(prompt) || json_string_length(prompt) == 0) {
		snprintf(reason, n, "prompt must be a non-empty string");
		return NULL;
	}
	sys = json_object_get(line, "system");
	if (sys != NULL && !json_is_string(sys)) {
		snprintf(reason, n, "system must be a string");
		return NULL;
	}
	model = json_object_get(line, "model");
	if (model != NULL && (!json_is_string(model) || json_string_length(model) == 0)) {
		snprintf(reason, n, "model must be a non-empty string");
		return NULL;
	}
	mt = json_object_get(line, "max_tokens");
	if (mt != NULL && (!json_is_integer(mt) || json_integer_value(mt) < 1)) {
		snprintf(reason, n, "max_tokens must be an integer >= 1");
		return NULL;
	}
	if (mt != NULL && json_integer_value(mt) > USAGE_COUNT_MAX) {
		usage_count_error("", "max_tokens", json_integer_value(mt), reason, n);
		return NULL;
	}
	r->max_tokens = mt != NULL ? json_integer_value(mt) : o->max_tokens;
	if (model != NULL)
		usage_strlcpy(r->model, json_string_value(model), sizeof(r->model));
	else if (o->route != NULL) {
		if (o->route(o->route_arg, json_string_value(prompt), r->model, sizeof(r->model),
		    &r->max_tokens, r->tier, sizeof(r->tier), rerr, sizeof(rerr)) != 0) {
			snprintf(reason, n, "route: %s", rerr);
			return NULL;
		}
	} else if (o->model != NULL && o->model[0] != '\0')
		usage_strlcpy(r->model, o->model, sizeof(r->model));
	if (r->model[0] == '\0') {
		snprintf(reason, n, "model missing (add \"model\" or give --model)");
		return NULL;
	}
	if (r->max_tokens < 1) {
		snprintf(reason, n, "max_tokens missing (add \"max_tokens\" or give --max-tokens)");
		return NULL;
	}
	params = json_pack("{s:s,s:I,s:[{s:s,s:O}]}", "model", r->model,
	    "max_tokens", (json_int_t)r->max_tokens, "messages", "role", "user",
	    "content", prompt);
	if (params == NULL) {
		snprintf(reason, n, "out of memory");
		return NULL;
	}
	r->est_input = 3 + batch_content_tokens(prompt, &r->cache);
	if (sys != NULL) {
		json_object_set_new(params, "system", system_value(json_string_value(sys),
		    o->cache));
		r->est_input += bytes_tokens(json_string_length(sys));
		if (o->cache != BATCH_CACHE_OFF)
			r->cache = o->cache;
	}
	return params;
}

/* ---- one line ----------------------------------------------------------- */

int
batch_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int
batch_line_check(const char *line, size_t len, const struct batch_opts *o,
                 struct batch_req *r, char *reason, size_t n)
{
	json_t *root = NULL, *params, *req = NULL;
	json_error_t je;
	int rc = -1;
	const char *key;
	json_t *v;

	memset(r, 0, sizeof(*r));
	if (o->line_check != NULL)
		return o->line_check(line, len, o, r, reason, n);
	if (batch_blank(line, len))
		return 0;
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(reason, n, "invalid JSON at column %d: %s", je.column, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(reason, n, "not a JSON object");
		goto out;
	}
	if (batch_custom_id_check(json_object_get(root, "custom_id"), r->custom_id, reason, n) != 0)
		goto out;
	params = json_object_get(root, "params");
	if (params != NULL && json_object_get(root, "prompt") != NULL) {
		snprintf(reason, n, "both params and prompt (give one form)");
		goto out;
	}
	if (params != NULL) {
		json_object_foreach(root, key, v) {
			if (strcmp(key, "custom_id") != 0 && strcmp(key, "params") != 0) {
				char q[128];

				batch_quote(key, strlen(key), q, sizeof(q));
				snprintf(reason, n, "unknown field %s next to params", q);
				goto out;
			}
		}
		if (check_params(params, r, reason, n) != 0)
			goto out;
		req = json_incref(root);
	} else if (json_object_get(root, "prompt") != NULL) {
		if ((params = complete_short(root, o, r, reason, n)) == NULL)
			goto out;
		req = json_pack("{s:s,s:o}", "custom_id", r->custom_id, "params", params);
	} else {
		snprintf(reason, n, "params missing (or \"prompt\" for the short form)");
		goto out;
	}
	if (req == NULL || (r->json = json_dumps(req, JSON_COMPACT)) == NULL) {
		snprintf(reason, n, "out of memory");
		goto out;
	}
	r->json_len = strlen(r->json);
	rc = 1;
out:
	json_decref(req);
	json_decref(root);
	return rc;
}

void
batch_req_done(struct batch_req *r)
{
	if (r == NULL)
		return;
	free(r->json);
	r->json = NULL;
	r->json_len = 0;
}

int
batch_req_estimate(const struct pricing *p, const struct batch_req *r, int64_t *low,
                   int64_t *high)
{
	struct usage u;

	*low = *high = 0;
	memset(&u, 0, sizeof(u));
	usage_strlcpy(u.model, r->model, sizeof(u.model));
	usage_strlcpy(u.provider, r->provider, sizeof(u.provider));
	usage_strlcpy(u.source, "batch", sizeof(u.source));
	usage_strlcpy(u.service_tier, "batch", sizeof(u.service_tier));
	u.ts_ms = (int64_t)time(NULL) * 1000;    /* today's prices */
	u.tok.input = r->est_input;
	u.tok.output = 1;
	if (p == NULL || pricing_usage_cost(p, &u, low) != 0)
		return -1;
	u.tok.output = r->max_tokens;
	if (r->cache != BATCH_CACHE_OFF) {
		u.tok.input = 0;
		if (r->cache == BATCH_CACHE_1H)
			u.tok.write_1h = r->est_input;
		else
			u.tok.write_5m = r->est_input;
	}
	return pricing_usage_cost(p, &u, high);
}

int
batch_cache_parse(const char *s, enum batch_cache *c)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "off") == 0)
		*c = BATCH_CACHE_OFF;
	else if (strcmp(s, "5m") == 0)
		*c = BATCH_CACHE_5M;
	else if (strcmp(s, "1h") == 0)
		*c = BATCH_CACHE_1H;
	else
		return -1;
	return 0;
}
