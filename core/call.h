/* call.h — tokentop's own calls (`tokentop call`), provider-neutral: what
 * to send (system text and documents as a stable prefix, then the prompt)
 * and, per provider, how to build the request and send it (the table's
 * `call` ops: Anthropic's Messages in call.c, OpenAI's Responses in
 * openai_api.c). */
#ifndef TOKENTOP_CALL_H
#define TOKENTOP_CALL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/api.h"
#include "core/config.h"
#include "core/provider.h"

/* One part of the prefix, borrowed. */
struct call_part {
	const char *name;          /* the file: documents are wrapped with it; errors name it */
	const char *text;
	size_t      len;
	int         is_doc;        /* a document (wrapped), else system text */
};

/* One call. The parts come in order (system texts, then documents): the
 * stable prefix a cache can serve; the prompt follows it. */
struct call_spec {
	const char             *model;
	const struct call_part *parts;
	size_t                  nparts;
	const char             *prompt;
	int64_t                 max_tokens;
	const char             *cache;    /* "off", "5m", "1h" (Anthropic's TTLs; OpenAI
	                                     caches by itself: "off" sends no cache key) */
};

struct provider_call_ops {
	/*
	 * The request body for c (a new reference; the caller decrefs), with
	 * *prefix_bytes = the bytes of the prefix as sent. NULL with err naming
	 * the file or field that is not UTF-8 text.
	 */
	json_t *(*body)(const struct call_spec *c, size_t *prefix_bytes, char *err, size_t errlen);

	/* Send a body built by body(): api_messages_start's contract. */
	api_start_fn start;

	/* The prefix's exact token count (blocking; the body borrowed), 0 or
	 * -1; NULL when the API has no counter (the caller estimates). */
	int (*prefix_tokens)(struct http_multi *m, const json_t *body, int64_t *tokens,
	                     struct http_error *err);
};

extern const struct provider_call_ops call_anthropic;
extern const struct provider_call_ops call_openai;

/*
 * "<document source=\"NAME\">\nTEXT\n</document>" for a document, else the
 * text itself, as a JSON string (new reference); *bytes its length. NULL with
 * "NAME: not valid UTF-8 text" in err.
 */
json_t *call_part_text(const struct call_part *p, size_t *bytes, char *err, size_t errlen);

/*
 * A client for pv from cfg (config_for_provider; admin = the Admin key, as
 * Bearer for a Bearer provider, else as x-api-key). NULL with "no API key:
 * set OPENAI_API_KEY" (or "OPENAI_ADMIN_KEY is not set …": the variable pv
 * names) when that key is empty, or the client's failure. Free with
 * http_multi_free.
 */
struct http_multi *call_multi_new(const struct config *cfg, const struct provider *pv, int admin,
                                  char *err, size_t errlen);

#endif
