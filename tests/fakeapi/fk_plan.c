/* fk_plan.c — validates a Messages body like the real API and reduces it to a plan:
 * token counts by the documented rule and the cache breakpoints with their prefix hashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

static const char *msg_keys[] = {
	"model", "messages", "max_tokens", "system", "temperature", "top_p", "top_k",
	"stop_sequences", "metadata", "stream", "tools", "tool_choice", "thinking",
	"service_tier", "container", "mcp_servers", "context_management", "inference_geo",
	"speed", "output_config", "output_format", NULL
};
static const char *count_keys[] = {
	"model", "messages", "system", "tools", "tool_choice", "thinking", "mcp_servers",
	"context_management", "output_config", "output_format", NULL
};

struct walk {
	struct fk_plan *p;
	uint64_t h;		/* running FNV-1a of the prefix */
	int	marks;		/* cache_control blocks seen, also past 4 */
	int	saw5m;
	char	*err;
	size_t	errlen;
};

static void
feed(struct walk *w, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		w->h ^= (unsigned char)s[i];
		w->h *= 1099511628211ULL;
	}
	w->h ^= 0xff;			/* separator: "ab"+"c" differs from "a"+"bc" */
	w->h *= 1099511628211ULL;
}

static int
fail(struct walk *w, const char *fmt, const char *where, const char *what)
{
	snprintf(w->err, w->errlen, fmt, where, what);
	return -1;
}

/* Records a breakpoint when block carries cache_control. */
static int
mark(struct walk *w, json_t *block, const char *where)
{
	json_t	*cc = json_object_get(block, "cache_control"), *ttl;
	const char *t;
	struct fk_bp *bp;
	int	 secs = 300;

	if (cc == NULL || json_is_null(cc))
		return 0;
	t = json_string_value(json_object_get(cc, "type"));
	if (!json_is_object(cc) || t == NULL || strcmp(t, "ephemeral") != 0)
		return fail(w, "%s.cache_control.type: Input should be %s", where, "'ephemeral'");
	if ((ttl = json_object_get(cc, "ttl")) != NULL) {
		t = json_string_value(ttl);
		if (t != NULL && strcmp(t, "1h") == 0)
			secs = 3600;
		else if (t == NULL || strcmp(t, "5m") != 0)
			return fail(w, "%s.cache_control.ttl: Input should be %s", where,
			    "'5m' or '1h'");
	}
	if (secs == 3600 && w->saw5m)
		return fail(w, "%s: %s", where, "a ttl='1h' cache_control block must not "
		    "come after a ttl='5m' cache_control block");
	if (secs == 300)
		w->saw5m = 1;
	if (w->marks++ < FK_MAXBP) {
		bp = &w->p->bp[w->p->nbp++];
		bp->tokens = w->p->total;
		bp->hash = w->h ? w->h : 1;
		bp->ttl = secs;
	}
	return 0;
}

/* Counts and hashes a non-text block or tool: its compact JSON without cache_control. */
static int
add_json(struct walk *w, json_t *obj, const char *where)
{
	json_t	*c = json_copy(obj);
	char	*s;

	json_object_del(c, "cache_control");
	s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(c);
	if (s == NULL)
		return fail(w, "%s: %s", where, "cannot be serialised");
	feed(w, s, strlen(s));
	w->p->total += fk_tokens(strlen(s));
	free(s);
	return mark(w, obj, where);
}

static void
add_text(struct walk *w, const char *s)
{
	feed(w, s, strlen(s));
	w->p->total += fk_tokens(strlen(s));
}

/* One content block (system or message); *text gets a text block's text. */
static int
add_block(struct walk *w, json_t *b, const char *where, const char **text)
{
	const char *type = json_string_value(json_object_get(b, "type"));
	const char *s;

	if (!json_is_object(b))
		return fail(w, "%s: Input should be %s", where, "a valid dictionary");
	if (type == NULL)
		return fail(w, "%s.type: %s", where, "Field required");
	if (strcmp(type, "text") != 0)
		return add_json(w, b, where);
	if ((s = json_string_value(json_object_get(b, "text"))) == NULL)
		return fail(w, "%s.text: %s", where, "Field required");
	if (*s == '\0')
		return fail(w, "%s: %s", "messages", "text content blocks must be non-empty");
	*text = s;
	add_text(w, s);
	return mark(w, b, where);
}

static int
add_system(struct walk *w, json_t *sys)
{
	const char *dummy;
	char	 where[48];
	size_t	 i;

	if (sys == NULL || json_is_string(sys)) {
		if (sys != NULL)
			add_text(w, json_string_value(sys));
		return 0;
	}
	if (!json_is_array(sys))
		return fail(w, "%s: Input should be %s", "system", "a valid string or list");
	for (i = 0; i < json_array_size(sys); i++) {
		snprintf(where, sizeof where, "system.%zu", i);
		if (add_block(w, json_array_get(sys, i), where, &dummy) == -1)
			return -1;
	}
	return 0;
}

static int
add_message(struct walk *w, json_t *m, size_t i, size_t n)
{
	const char *role = json_string_value(json_object_get(m, "role"));
	json_t	*c = json_object_get(m, "content");
	const char *text = NULL;
	char	 where[64];
	size_t	 j;

	snprintf(where, sizeof where, "messages.%zu", i);
	if (!json_is_object(m))
		return fail(w, "%s: Input should be %s", where, "a valid dictionary");
	if (role == NULL || (strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0))
		return fail(w, "%s.role: Input should be %s", where, "'user' or 'assistant'");
	feed(w, role, strlen(role));
	w->p->total += 3;
	if (json_is_string(c)) {
		text = json_string_value(c);
		if (*text == '\0' && !(i + 1 == n && strcmp(role, "assistant") == 0))
			return fail(w, "%s: %s", "messages", "all messages must have non-empty "
			    "content except for the optional final assistant message");
		add_text(w, text);
	} else if (json_is_array(c)) {
		if (json_array_size(c) == 0 && !(i + 1 == n && strcmp(role, "assistant") == 0))
			return fail(w, "%s: %s", "messages", "all messages must have non-empty "
			    "content except for the optional final assistant message");
		for (j = 0; j < json_array_size(c); j++) {
			snprintf(where, sizeof where, "messages.%zu.content.%zu", i, j);
			if (add_block(w, json_array_get(c, j), where, &text) == -1)
				return -1;
		}
	} else
		return fail(w, "%s.content: Input should be %s", where, "a valid string or list");
	if (strcmp(role, "user") == 0)
		fk_prefix(w->p->prefix, text ? text : "");
	return 0;
}

static int
check_keys(json_t *body, const char **keys, struct walk *w)
{
	const char *k;
	json_t	*v;
	size_t	 i;

	json_object_foreach(body, k, v) {
		for (i = 0; keys[i] && strcmp(keys[i], k) != 0; i++)
			;
		if (keys[i] == NULL)
			return fail(w, "%s: %s", k, "Extra inputs are not permitted");
	}
	return 0;
}

/* Top-level fields other than the content walk. */
static int
check_top(json_t *body, int count_only, struct fk_plan *p, struct walk *w)
{
	json_t	*v;

	if (check_keys(body, count_only ? count_keys : msg_keys, w) == -1)
		return -1;
	if (!json_is_string(json_object_get(body, "model")))
		return fail(w, "%s: %s", "model", json_object_get(body, "model") ?
		    "Input should be a valid string" : "Field required");
	if (!count_only) {
		v = json_object_get(body, "max_tokens");
		if (v == NULL)
			return fail(w, "%s: %s", "max_tokens", "Field required");
		if (!json_is_integer(v))
			return fail(w, "%s: %s", "max_tokens", "Input should be a valid integer");
		if ((p->max_tokens = json_integer_value(v)) < 0)
			return fail(w, "%s: %s", "max_tokens",
			    "Input should be greater than or equal to 0");
	}
	v = json_object_get(body, "messages");
	if (!json_is_array(v))
		return fail(w, "%s: %s", "messages", v ? "Input should be a valid list" :
		    "Field required");
	if (json_array_size(v) == 0)
		return fail(w, "%s: %s", "messages", "at least one message is required");
	if ((v = json_object_get(body, "stream")) != NULL && !json_is_boolean(v))
		return fail(w, "%s: %s", "stream", "Input should be a valid boolean");
	p->stream = json_is_true(v);
	v = json_object_get(body, "temperature");
	if (v != NULL && (!json_is_number(v) || json_number_value(v) < 0 ||
	    json_number_value(v) > 1))
		return fail(w, "%s: %s", "temperature", "Input should be a number from 0 to 1");
	v = json_object_get(body, "tools");
	if (v != NULL && !json_is_array(v))
		return fail(w, "%s: %s", "tools", "Input should be a valid list");
	return 0;
}

/*
 * Validates body (a Messages or, with count_only, a count_tokens body) and
 * fills p. On failure returns -1 with *status (400 or 404), *etype and err.
 */
int
plan_build(json_t *body, int count_only, struct fk_plan *p, int *status, const char **etype,
    char *err, size_t errlen)
{
	struct walk w = { p, 14695981039346656037ULL, 0, 0, err, errlen };
	json_t	*tools, *msgs;
	char	 where[32];
	size_t	 i;

	memset(p, 0, sizeof *p);
	*status = 400;
	*etype = "invalid_request_error";
	if (!json_is_object(body))
		return fail(&w, "%s: %s", "body", "Input should be a valid dictionary");
	if (check_top(body, count_only, p, &w) == -1)
		return -1;
	p->model = fk_model_find(json_string_value(json_object_get(body, "model")));
	feed(&w, p->model >= 0 ? fk_model_name(p->model) : "", p->model >= 0 ?
	    strlen(fk_model_name(p->model)) : 0);
	tools = json_object_get(body, "tools");
	for (i = 0; i < json_array_size(tools); i++) {
		snprintf(where, sizeof where, "tools.%zu", i);
		if (!json_is_string(json_object_get(json_array_get(tools, i), "name")))
			return fail(&w, "%s.name: %s", where, "Field required");
		if (add_json(&w, json_array_get(tools, i), where) == -1)
			return -1;
	}
	if (add_system(&w, json_object_get(body, "system")) == -1)
		return -1;
	msgs = json_object_get(body, "messages");
	for (i = 0; i < json_array_size(msgs); i++)
		if (add_message(&w, json_array_get(msgs, i), i, json_array_size(msgs)) == -1)
			return -1;
	if (w.marks > FK_MAXBP) {
		snprintf(err, errlen, "A maximum of 4 blocks with cache_control may be "
		    "provided. Found %d.", w.marks);
		return -1;
	}
	if (p->model < 0) {
		*status = 404;
		*etype = "not_found_error";
		snprintf(err, errlen, "model: %s",
		    json_string_value(json_object_get(body, "model")));
		return -1;
	}
	return 0;
}
