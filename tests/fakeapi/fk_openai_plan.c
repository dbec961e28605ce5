/* fk_openai_plan.c — validates a Chat Completions or Responses body like the real API
 * and reduces it to a plan: input tokens by the documented rule, and the prefix hashes
 * at every 128-token step from 1024 on that automatic prompt caching matches. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

#define FNV_PRIME	1099511628211ULL

static const char *chat_keys[] = {
	"model", "messages", "max_tokens", "max_completion_tokens", "stream", "stream_options",
	"temperature", "top_p", "n", "stop", "presence_penalty", "frequency_penalty",
	"logit_bias", "logprobs", "top_logprobs", "user", "seed", "tools", "tool_choice",
	"parallel_tool_calls", "response_format", "reasoning_effort", "service_tier", "store",
	"metadata", "prompt_cache_key", "prompt_cache_retention", "safety_identifier",
	"modalities", "audio", "prediction", "verbosity", "web_search_options", "functions",
	"function_call", NULL
};
static const char *resp_keys[] = {
	"model", "input", "instructions", "max_output_tokens", "stream", "stream_options",
	"temperature", "top_p", "tools", "tool_choice", "parallel_tool_calls", "reasoning",
	"text", "store", "metadata", "previous_response_id", "prompt_cache_key",
	"prompt_cache_retention", "service_tier", "truncation", "user", "safety_identifier",
	"include", "background", "conversation", "prompt", "max_tool_calls", "top_logprobs",
	NULL
};

struct walk {
	struct oa_plan *p;
	uint64_t h;		/* running FNV-1a of the prefix */
	long	next;		/* the next cache step, in tokens */
	size_t	cap;		/* of p->steps */
	struct oa_err *e;
};

static int
fail(struct walk *w, int status, const char *code, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
fail(struct walk *w, int status, const char *code, const char *param, const char *fmt, ...)
{
	va_list	 ap;

	w->e->status = status;
	w->e->type = NULL;
	w->e->code = code;
	snprintf(w->e->param, sizeof w->e->param, "%s", param ? param : "");
	va_start(ap, fmt);
	vsnprintf(w->e->msg, sizeof w->e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* Records the prefix hash at every step the token count has reached. */
static void
step(struct walk *w)
{
	while (w->p->total >= w->next) {
		if (fk_grow(&w->p->steps, &w->cap, w->p->nsteps + 1, sizeof *w->p->steps) == -1)
			return;
		w->p->steps[w->p->nsteps++] = w->h ? w->h : 1;
		w->next += 128;
	}
}

static void
sep(struct walk *w)
{
	w->h = (w->h ^ 0xff) * FNV_PRIME;	/* "ab"+"c" differs from "a"+"bc" */
}

/* Hashes without counting (model, cache key, roles). */
static void
feed_raw(struct walk *w, const char *s)
{
	for (; *s; s++)
		w->h = (w->h ^ (unsigned char)*s) * FNV_PRIME;
	sep(w);
}

/* Hashes and counts a text: each 4 bytes (and a last partial group) is a token. */
static void
feed_text(struct walk *w, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		w->h = (w->h ^ (unsigned char)s[i]) * FNV_PRIME;
		if ((i + 1) % 4 == 0 || i + 1 == n) {
			w->p->total++;
			step(w);
		}
	}
	sep(w);
}

/* A tool, a non-text part or item: its compact JSON with sorted keys. */
static void
feed_json(struct walk *w, json_t *v)
{
	char	*s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	if (s != NULL)
		feed_text(w, s, strlen(s));
	free(s);
}

/* A message's start: its role, and 3 tokens. */
static void
feed_role(struct walk *w, const char *role)
{
	feed_raw(w, role);
	w->p->total += 3;
	step(w);
}

static const char *
jtype(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a decimal";
	case JSON_NULL: return "null";
	default: return "a boolean";
	}
}

/*
 * Content: a string, or a list of parts ({"type":"text"|"input_text"|"output_text",
 * "text"} count their text, other parts their JSON). *text gets the last text.
 */
static int
feed_content(struct walk *w, json_t *c, const char *where, const char **text)
{
	char	 pw[128];
	json_t	*part;
	const char *t, *s;
	size_t	 i;

	if (json_is_string(c)) {
		*text = json_string_value(c);
		feed_text(w, *text, strlen(*text));
		return 0;
	}
	if (!json_is_array(c))
		return fail(w, 400, "invalid_type", where, "Invalid type for '%s': expected one "
		    "of a string or array of objects, but got %s instead.", where, jtype(c));
	json_array_foreach(c, i, part) {
		snprintf(pw, sizeof pw, "%s[%zu]", where, i);
		t = json_string_value(json_object_get(part, "type"));
		if (!json_is_object(part) || t == NULL)
			return fail(w, 400, "missing_required_parameter", pw, "Missing required "
			    "parameter: '%s.type'.", pw);
		if (strcmp(t, "text") != 0 && strcmp(t, "input_text") != 0 &&
		    strcmp(t, "output_text") != 0) {
			feed_json(w, part);
			continue;
		}
		if ((s = json_string_value(json_object_get(part, "text"))) == NULL)
			return fail(w, 400, "missing_required_parameter", pw, "Missing required "
			    "parameter: '%s.text'.", pw);
		*text = s;
		feed_text(w, s, strlen(s));
	}
	return 0;
}

/* One chat message or Responses input item. */
static int
feed_message(struct walk *w, json_t *m, const char *where, int api)
{
	static const char *roles[] = { "system", "developer", "user", "assistant", "tool",
	    "function", NULL };
	const char *role = json_string_value(json_object_get(m, "role")), *text = NULL;
	json_t	*c = json_object_get(m, "content");
	char	 cw[128];
	int	 i;

	if (!json_is_object(m))
		return fail(w, 400, "invalid_type", where, "Invalid type for '%s': expected an "
		    "object, but got %s instead.", where, jtype(m));
	if (api == OA_RESP && role == NULL) {	/* function_call_output and other items */
		feed_json(w, m);
		return 0;
	}
	if (role == NULL)
		return fail(w, 400, "missing_required_parameter", where, "Missing required "
		    "parameter: '%s.role'.", where);
	for (i = 0; roles[i] && strcmp(roles[i], role) != 0; i++)
		;
	if (roles[i] == NULL || (api == OA_RESP && i >= 4)) {
		snprintf(cw, sizeof cw, "%s.role", where);
		return fail(w, 400, "invalid_value", cw, "Invalid value: '%s'. Supported values "
		    "are: 'system', 'assistant', 'user', %s'developer'.", role, api == OA_CHAT ?
		    "'function', 'tool', and " : "and ");
	}
	feed_role(w, role);
	snprintf(cw, sizeof cw, "%s.content", where);
	if (c == NULL || json_is_null(c)) {
		if (strcmp(role, "assistant") != 0)
			return fail(w, 400, "missing_required_parameter", cw, "Missing required "
			    "parameter: '%s'.", cw);
	} else if (feed_content(w, c, cw, &text) == -1)
		return -1;
	if (json_object_get(m, "tool_calls") != NULL)
		feed_json(w, json_object_get(m, "tool_calls"));
	if (strcmp(role, "user") == 0)
		fk_prefix(w->p->prefix, text ? text : "");
	return 0;
}

static int
check_keys(struct walk *w, json_t *body, int api)
{
	const char **keys = api == OA_CHAT ? chat_keys : resp_keys, *k;
	json_t	*v;
	size_t	 i;

	json_object_foreach(body, k, v) {
		for (i = 0; keys[i] && strcmp(keys[i], k) != 0; i++)
			;
		if (keys[i] == NULL)
			return api == OA_CHAT ? fail(w, 400, NULL, NULL, "Unrecognized request "
			    "argument supplied: %s", k) : fail(w, 400, "unknown_parameter", k,
			    "Unknown parameter: '%s'.", k);
	}
	return 0;
}

/* An optional integer field at or above min; *out keeps -1 when absent. */
static int
int_field(struct walk *w, json_t *body, const char *name, long min, long *out)
{
	json_t	*v = json_object_get(body, name);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return fail(w, 400, "invalid_type", name, "Invalid type for '%s': expected an "
		    "integer, but got %s instead.", name, jtype(v));
	if (json_integer_value(v) < min)
		return fail(w, 400, "integer_below_min_value", name, "Invalid '%s': integer "
		    "below minimum value. Expected a value >= %ld, but got %lld instead.", name,
		    min, (long long)json_integer_value(v));
	*out = (long)json_integer_value(v);
	return 0;
}

/* stream, stream_options, temperature, n, service_tier, cache key and retention. */
static int
check_common(struct walk *w, json_t *body, int api)
{
	json_t	*v = json_object_get(body, "stream"), *so = json_object_get(body,
	    "stream_options");
	const char *tier = json_string_value(json_object_get(body, "service_tier"));
	const char *ret = json_string_value(json_object_get(body, "prompt_cache_retention"));

	if (v != NULL && !json_is_boolean(v) && !json_is_null(v))
		return fail(w, 400, "invalid_type", "stream", "Invalid type for 'stream': "
		    "expected a boolean, but got %s instead.", jtype(v));
	w->p->stream = json_is_true(v);
	if (so != NULL && !json_is_null(so) && !w->p->stream)
		return fail(w, 400, NULL, "stream_options", "The 'stream_options' parameter is "
		    "only allowed when 'stream' is enabled.");
	v = json_object_get(so, "include_usage");
	if (v != NULL && (api == OA_RESP || !json_is_boolean(v)))
		return fail(w, 400, api == OA_RESP ? "unknown_parameter" : "invalid_type",
		    "stream_options.include_usage", api == OA_RESP ? "Unknown parameter: "
		    "'stream_options.include_usage'." : "Invalid type for "
		    "'stream_options.include_usage': expected a boolean.");
	w->p->include_usage = json_is_true(v);
	v = json_object_get(body, "temperature");
	if (v != NULL && !json_is_null(v) && (!json_is_number(v) || json_number_value(v) < 0 ||
	    json_number_value(v) > 2))
		return fail(w, 400, "decimal_above_max_value", "temperature", "Invalid "
		    "'temperature': expected a number from 0 to 2.");
	v = json_object_get(body, "n");
	if (v != NULL && !json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) != 1))
		return fail(w, 400, NULL, "n", "fakeapi answers n=1 only");
	snprintf(w->p->tier, sizeof w->p->tier, "%s", tier == NULL || strcmp(tier, "auto") == 0 ?
	    "default" : tier);
	if (strcmp(w->p->tier, "default") != 0 && strcmp(w->p->tier, "flex") != 0 &&
	    strcmp(w->p->tier, "priority") != 0)
		return fail(w, 400, "invalid_value", "service_tier", "Invalid value: '%s'. "
		    "Supported values are: 'auto', 'default', 'flex' and 'priority'.", tier);
	if (json_object_get(body, "prompt_cache_key") != NULL &&
	    !json_is_string(json_object_get(body, "prompt_cache_key")))
		return fail(w, 400, "invalid_type", "prompt_cache_key", "Invalid type for "
		    "'prompt_cache_key': expected a string.");
	if (ret != NULL && strcmp(ret, "in_memory") != 0 && strcmp(ret, "24h") != 0)
		return fail(w, 400, "invalid_value", "prompt_cache_retention", "Invalid value: "
		    "'%s'. Supported values are: 'in_memory' and '24h'.", ret);
	w->p->ttl = ret && strcmp(ret, "24h") == 0 ? 86400 : (int)oa_opt.cache_ttl;
	return 0;
}

/* The output cap and the reasoning effort, which depend on the model. */
static int
check_model_args(struct walk *w, json_t *body, int api)
{
	static const struct { const char *name; int mult; } efforts[] = {
		{ "none", 0 }, { "minimal", 0 }, { "low", 1 }, { "medium", 2 }, { "high", 4 },
	};
	int	 reasoning = w->p->model >= 0 && oa_model_reasoning(w->p->model);
	const char *ename = api == OA_CHAT ? "reasoning_effort" : "reasoning.effort";
	json_t	*ev = api == OA_CHAT ? json_object_get(body, "reasoning_effort") :
	    json_object_get(json_object_get(body, "reasoning"), "effort");
	json_t	*t = json_object_get(body, "temperature");
	size_t	 i;

	w->p->max_out = -1;
	if (api == OA_RESP && int_field(w, body, "max_output_tokens", 16, &w->p->max_out) == -1)
		return -1;
	if (api == OA_CHAT && (int_field(w, body, "max_completion_tokens", 1, &w->p->max_out) ==
	    -1 || (w->p->max_out < 0 && int_field(w, body, "max_tokens", 1, &w->p->max_out) == -1)))
		return -1;
	if (reasoning && api == OA_CHAT && json_object_get(body, "max_tokens") != NULL)
		return fail(w, 400, "unsupported_parameter", "max_tokens", "Unsupported parameter: "
		    "'max_tokens' is not supported with this model. Use 'max_completion_tokens' "
		    "instead.");
	if (reasoning && t != NULL && json_is_number(t) && json_number_value(t) != 1)
		return fail(w, 400, "unsupported_value", "temperature", "Unsupported value: "
		    "'temperature' does not support %g with this model. Only the default (1) "
		    "value is supported.", json_number_value(t));
	w->p->effort = reasoning ? 2 : -1;
	if (ev == NULL || json_is_null(ev))
		return 0;
	if (!reasoning)
		return fail(w, 400, "unsupported_parameter", ename, "Unsupported parameter: '%s' "
		    "is not supported with this model.", ename);
	for (i = 0; i < sizeof efforts / sizeof efforts[0]; i++)
		if (json_is_string(ev) && strcmp(json_string_value(ev), efforts[i].name) == 0) {
			w->p->effort = efforts[i].mult;
			return 0;
		}
	return fail(w, 400, "invalid_value", ename, "Invalid value for '%s': expected one of "
	    "'none', 'minimal', 'low', 'medium' or 'high'.", ename);
}

/* Features the double does not simulate: a clear 400 rather than a wrong answer. */
static int
check_unsupported(struct walk *w, json_t *body)
{
	static const char *names[] = { "previous_response_id", "conversation", "prompt", NULL };
	size_t	 i;

	for (i = 0; names[i]; i++)
		if (json_object_get(body, names[i]) != NULL &&
		    !json_is_null(json_object_get(body, names[i])))
			return fail(w, 400, NULL, names[i], "fakeapi does not simulate '%s'",
			    names[i]);
	if (json_is_true(json_object_get(body, "background")))
		return fail(w, 400, NULL, "background", "fakeapi does not simulate 'background'");
	return 0;
}

/* Chat: messages (non-empty). Responses: instructions, then input (string or items). */
static int
feed_conversation(struct walk *w, json_t *body, int api)
{
	json_t	*list = json_object_get(body, api == OA_CHAT ? "messages" : "input");
	json_t	*ins = json_object_get(body, "instructions"), *m;
	const char *name = api == OA_CHAT ? "messages" : "input";
	char	 where[48];
	size_t	 i;

	if (api == OA_RESP && ins != NULL && !json_is_null(ins)) {
		if (!json_is_string(ins))
			return fail(w, 400, "invalid_type", "instructions", "Invalid type for "
			    "'instructions': expected a string, but got %s instead.", jtype(ins));
		feed_role(w, "developer");
		feed_text(w, json_string_value(ins), strlen(json_string_value(ins)));
	}
	if (api == OA_RESP && (list == NULL || json_is_null(list)))
		return 0;
	if (api == OA_RESP && json_is_string(list)) {
		feed_role(w, "user");
		feed_text(w, json_string_value(list), strlen(json_string_value(list)));
		fk_prefix(w->p->prefix, json_string_value(list));
		return 0;
	}
	if (list == NULL)
		return fail(w, 400, "missing_required_parameter", name, "Missing required "
		    "parameter: '%s'.", name);
	if (!json_is_array(list))
		return fail(w, 400, "invalid_type", name, "Invalid type for '%s': expected %s, "
		    "but got %s instead.", name, api == OA_CHAT ? "an array of objects" :
		    "a string or an array of objects", jtype(list));
	if (api == OA_CHAT && json_array_size(list) == 0)
		return fail(w, 400, "empty_array", name, "Invalid 'messages': empty array. "
		    "Expected an array with minimum length 1, but got an empty array instead.");
	json_array_foreach(list, i, m) {
		snprintf(where, sizeof where, "%s[%zu]", name, i);
		if (feed_message(w, m, where, api) == -1)
			return -1;
	}
	return 0;
}

/*
 * Validates body for api (OA_CHAT or OA_RESP) and fills p (free it with
 * oa_plan_free, also on failure). On failure returns -1 with e filled.
 */
int
oa_plan_build(int api, json_t *body, struct oa_plan *p, struct oa_err *e)
{
	struct walk w = { p, 14695981039346656037ULL, 1024, 0, e };
	json_t	*model = json_object_get(body, "model"), *tools, *tool;
	const char *key = json_string_value(json_object_get(body, "prompt_cache_key"));
	size_t	 i;

	memset(p, 0, sizeof *p);
	memset(e, 0, sizeof *e);
	p->api = api;
	p->model = -1;
	if (!json_is_object(body))
		return fail(&w, 400, "invalid_type", NULL, "Invalid type for the request body: "
		    "expected an object, but got %s instead.", jtype(body));
	p->body = json_incref(body);
	if (check_keys(&w, body, api) == -1 || check_unsupported(&w, body) == -1)
		return -1;
	if (model == NULL)
		return api == OA_CHAT ? fail(&w, 400, NULL, NULL, "you must provide a model "
		    "parameter") : fail(&w, 400, "missing_required_parameter", "model",
		    "Missing required parameter: 'model'.");
	if (!json_is_string(model))
		return fail(&w, 400, "invalid_type", "model", "Invalid type for 'model': "
		    "expected a string, but got %s instead.", jtype(model));
	p->model = oa_model_find(json_string_value(model));
	if (check_common(&w, body, api) == -1 || check_model_args(&w, body, api) == -1)
		return -1;
	feed_raw(&w, p->model >= 0 ? oa_model_name(p->model) : "");
	feed_raw(&w, key ? key : "");
	w.h ^= key ? 1 : 0;		/* no key and an empty key differ */
	tools = json_object_get(body, "tools");
	if (tools != NULL && !json_is_array(tools) && !json_is_null(tools))
		return fail(&w, 400, "invalid_type", "tools", "Invalid type for 'tools': "
		    "expected an array, but got %s instead.", jtype(tools));
	json_array_foreach(tools, i, tool)
		feed_json(&w, tool);
	if (feed_conversation(&w, body, api) == -1)
		return -1;
	if (p->model < 0)
		return fail(&w, 404, "model_not_found", NULL, "The model `%s` does not exist or "
		    "you do not have access to it.", json_string_value(model));
	return 0;
}

void
oa_plan_free(struct oa_plan *p)
{
	free(p->steps);
	p->steps = NULL;
	p->nsteps = 0;
	json_decref(p->body);
	p->body = NULL;
}
