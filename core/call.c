/* call.c — the neutral parts of tokentop's own calls (the client for a
 * provider, a part's text) and Anthropic's call ops: a Messages body whose
 * system blocks carry cache_control breakpoints, count_tokens for the prefix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/call.h"

json_t *
call_part_text(const struct call_part *p, size_t *bytes, char *err, size_t errlen)
{
	char *wrapped = NULL;
	json_t *s;

	if (p->is_doc && asprintf(&wrapped, "<document source=\"%s\">\n%.*s\n</document>", p->name,
	    (int)p->len, p->text) < 0)
		wrapped = NULL;
	s = wrapped ? json_string(wrapped) : json_stringn(p->text, p->len);
	if (s == NULL)
		snprintf(err, errlen, "%s: not valid UTF-8 text", p->name);
	*bytes = wrapped ? strlen(wrapped) : p->len;
	free(wrapped);
	return s;
}

struct http_multi *
call_multi_new(const struct config *cfg, const struct provider *pv, int admin, char *err,
               size_t errlen)
{
	struct config *c;
	struct http_multi *m;

	if ((c = malloc(sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	config_for_provider(cfg, pv, c);
	if (admin) {          /* Admin APIs: Bearer, or x-api-key whatever the config says */
		memcpy(c->api_key, c->admin_key, sizeof(c->api_key));
		snprintf(c->auth_style, sizeof(c->auth_style), "%s", pv->bearer ? "bearer" :
		    "x-api-key");
	}
	if (c->api_key[0] == '\0' && admin)
		snprintf(err, errlen, "%s is not set (an Admin API key is needed for the "
		    "organisation's reports)", pv->admin_key_env);
	else if (c->api_key[0] == '\0')
		snprintf(err, errlen, "no API key: set %s", pv->key_env);
	m = c->api_key[0] != '\0' ? http_multi_new(c, err, errlen) : NULL;
	memset(c, 0, sizeof(*c));       /* keys leave no copy behind */
	free(c);
	return m;
}

/* ---- Anthropic: Messages with cache_control --------------------------------- */

static void
set_breakpoint(json_t *blk, const char *ttl)
{
	json_t *cc = json_pack("{s:s}", "type", "ephemeral");

	if (strcmp(ttl, "1h") == 0)
		json_object_set_new(cc, "ttl", json_string("1h"));
	json_object_set_new(blk, "cache_control", cc);
}

/*
 * The parts become system text blocks. Breakpoints (at most 2 of the 4
 * allowed): after the last system text when documents follow (a system
 * prompt reused across documents), and on the last block.
 */
static json_t *
anthropic_body(const struct call_spec *c, size_t *prefix_bytes, char *err, size_t errlen)
{
	json_t *body, *system = json_array(), *blk, *text;
	size_t i, bytes, nsys = 0;
	int caching = strcmp(c->cache, "off") != 0;

	for (i = 0; i < c->nparts; i++)
		nsys += !c->parts[i].is_doc;
	*prefix_bytes = 0;
	for (i = 0; i < c->nparts; i++) {
		if ((text = call_part_text(&c->parts[i], &bytes, err, errlen)) == NULL ||
		    (blk = json_pack("{s:s, s:o}", "type", "text", "text", text)) == NULL) {
			json_decref(system);
			return NULL;
		}
		if (caching && nsys > 0 && nsys < c->nparts && i == nsys - 1)
			set_breakpoint(blk, c->cache);
		json_array_append_new(system, blk);
		*prefix_bytes += bytes;
	}
	if (caching && json_array_size(system) > 0)
		set_breakpoint(json_array_get(system, json_array_size(system) - 1), c->cache);
	body = json_pack("{s:s, s:I, s:[{s:s, s:s}]}", "model", c->model, "max_tokens",
	                 (json_int_t)c->max_tokens, "messages", "role", "user", "content", c->prompt);
	if (body == NULL) {
		snprintf(err, errlen, "the prompt or --model is not valid UTF-8 text");
		json_decref(system);
		return NULL;
	}
	if (json_array_size(system) > 0)
		json_object_set_new(body, "system", system);
	else
		json_decref(system);
	return body;
}

/* The system blocks with a one-character message, less that message's
 * few tokens. */
static int
anthropic_prefix_tokens(struct http_multi *m, const json_t *body, int64_t *tokens,
                        struct http_error *err)
{
	json_t *probe;
	int64_t n;
	int rc;

	probe = json_pack("{s:O, s:O, s:[{s:s, s:s}]}", "model", json_object_get(body, "model"),
	                  "system", json_object_get(body, "system"), "messages", "role", "user",
	                  "content", ".");
	if (probe == NULL) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -1;
	}
	rc = api_count_tokens(m, probe, &n, err);
	json_decref(probe);
	if (rc == 0)
		*tokens = n > 4 ? n - 4 : n;
	return rc;
}

const struct provider_call_ops call_anthropic = {
	.body = anthropic_body,
	.start = api_messages_start,
	.prefix_tokens = anthropic_prefix_tokens,
};
