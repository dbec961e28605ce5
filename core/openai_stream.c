/* openai_stream.c — usage from OpenAI event streams (Chat Completions chunks,
 * Responses events), and the proxy's include_usage rewrite: spliced into the
 * request bytes, taken back out of the answer's lines, so the client gets
 * exactly the stream it asked for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/openai.h"

/* ---- stream usage ----------------------------------------------------------- */

/* The response.* event a Responses stream ends with, else NULL. */
static const char *
final_event(const char *event, const char *data, size_t len)
{
	static const char *const finals[] = { "response.completed", "response.incomplete",
		"response.failed", NULL };
	char quoted[48];
	size_t i;

	for (i = 0; finals[i] != NULL; i++) {
		if (event[0] != '\0') {
			if (strcmp(event, finals[i]) == 0)
				return finals[i];
			continue;
		}
		snprintf(quoted, sizeof(quoted), "\"type\":\"%s\"", finals[i]);
		if (memmem(data, len, quoted, strlen(quoted)) != NULL)
			return finals[i];
	}
	return NULL;
}

/* response.completed and its kin: {"type":…,"response":{…,"usage":…}}. */
static void
responses_final(struct provider_stream *s, const char *name, const char *data, size_t len)
{
	json_t *ev = json_loadb(data, len, 0, NULL), *resp = json_object_get(ev, "response");
	struct usage u;
	char err[160];

	if (json_is_object(resp) && json_is_object(json_object_get(resp, "usage"))) {
		memset(&u, 0, sizeof(u));
		if (openai_response_usage(resp, &u, err, sizeof(err)) == 0) {
			s->u = u;
			s->started = s->finished = 1;
		} else {
			provider_stream_bad(s, name, err);
		}
	}
	json_decref(ev);
}

/* A chunk with a usage object: the usage; a chunk with a finish_reason:
 * the stop reason (kept apart: the usage chunk has no choices). */
static void
chat_chunk(struct provider_stream *s, const char *data, size_t len)
{
	json_t *c = json_loadb(data, len, 0, NULL), *us = json_object_get(c, "usage"), *c0;
	const char *fr, *model;
	char err[160];
	struct usage u;

	c0 = json_array_get(json_object_get(c, "choices"), 0);
	fr = json_string_value(json_object_get(c0, "finish_reason"));
	if (fr != NULL)
		usage_strlcpy(s->u.stop_reason, strcmp(fr, "length") == 0 ? "max_tokens" : fr,
		    sizeof(s->u.stop_reason));
	if (!json_is_object(us)) {
		json_decref(c);
		return;
	}
	u = s->u;
	model = json_string_value(json_object_get(c, "model"));
	if (model == NULL || model[0] == '\0') {
		provider_stream_bad(s, "chunk", "model: missing");
	} else if (usage_json_string(c, "id", "", u.message_id, sizeof(u.message_id), err,
	    sizeof(err)) != 0 ||
	    usage_json_string(c, "service_tier", "", u.service_tier, sizeof(u.service_tier), err,
	    sizeof(err)) != 0 ||
	    openai_usage_object(us, "usage.", &u, err, sizeof(err)) != 0) {
		provider_stream_bad(s, "chunk", err);
	} else {
		usage_strlcpy(u.model, model, sizeof(u.model));
		s->u = u;
		s->started = s->finished = 1;
	}
	json_decref(c);
}

void
openai_stream_data(struct provider_stream *s, const char *event, const char *data, size_t len)
{
	const char *fin;

	if (len == 6 && memcmp(data, "[DONE]", 6) == 0)
		return;
	if ((fin = final_event(event, data, len)) != NULL) {
		responses_final(s, fin, data, len);
		return;
	}
	if (event[0] != '\0')
		return;                       /* other Responses events: text, items */
	if (usage_line_has_usage(data, len) ||
	    memmem(data, len, "\"finish_reason\":\"", 17) != NULL)
		chat_chunk(s, data, len);
}

/* ---- a top-level member of a JSON text, found without parsing it all ------- */

static size_t
ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/* Past the string opening at s[i] == '"'; n when unterminated. */
static size_t
skip_string(const char *s, size_t i, size_t n)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/* Past the value starting at s[i]; n when it does not end. */
static size_t
skip_value(const char *s, size_t i, size_t n)
{
	int depth = 0;

	if (i < n && s[i] == '"')
		return skip_string(s, i, n);
	if (i < n && s[i] != '{' && s[i] != '[') {
		while (i < n && strchr(",}] \t\r\n", s[i]) == NULL)
			i++;
		return i;
	}
	for (; i < n; i++) {
		if (s[i] == '"') {
			i = skip_string(s, i, n) - 1;
		} else if (s[i] == '{' || s[i] == '[') {
			depth++;
		} else if (s[i] == '}' || s[i] == ']') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return n;
}

/* Where a member sits: its key's start, its value's span, and the comma
 * before it (0 when it is the first member). */
struct span {
	size_t key, val, end, comma;
};

/*
 * Find member key of the object that opens at s[at] == '{'. 1 with *m
 * filled, 0 when the object has no such member, -1 when the text is not a
 * well-formed object as far as the scan goes.
 */
static int
member(const char *s, size_t at, size_t n, const char *key, struct span *m)
{
	size_t i = ws(s, at + 1, n), k, kend, klen = strlen(key), comma = 0;

	if (i < n && s[i] == '}')
		return 0;
	while (i < n && s[i] == '"') {
		k = i;
		i = kend = skip_string(s, i, n);
		if (i >= n)
			return -1;
		i = ws(s, i, n);
		if (i >= n || s[i] != ':')
			return -1;
		m->key = k;
		m->val = ws(s, i + 1, n);
		m->end = skip_value(s, m->val, n);
		m->comma = comma;
		if (m->end >= n || m->end == m->val)
			return -1;
		if (kend - k == klen + 2 && memcmp(s + k + 1, key, klen) == 0)
			return 1;
		i = ws(s, m->end, n);
		if (i < n && s[i] == '}')
			return 0;
		if (i >= n || s[i] != ',')
			return -1;
		comma = i;
		i = ws(s, i + 1, n);
	}
	return -1;
}

static int
value_is(const char *s, const struct span *m, const char *lit)
{
	size_t n = strlen(lit);

	return m->end - m->val == n && memcmp(s + m->val, lit, n) == 0;
}

/* out = body[0..at) + ins + body[cut..len): 1, or -1 out of memory. */
static int
splice(const char *body, size_t len, size_t at, size_t cut, const char *ins, char **out,
       size_t *outlen)
{
	size_t n = strlen(ins), total = at + n + (len - cut);
	char *o = malloc(total + 1);

	if (o == NULL)
		return -1;
	memcpy(o, body, at);
	memcpy(o + at, ins, n);
	memcpy(o + at + n, body + cut, len - cut);
	o[total] = '\0';
	*out = o;
	*outlen = total;
	return 1;
}

int
openai_request_rewrite(const char *path, const char *body, size_t len, char **out,
                       size_t *outlen)
{
	static const char *const chat = "/v1/chat/completions";
	size_t at = ws(body, 0, len), plen = strlen(chat), o;
	struct span m, so;

	*out = NULL;
	*outlen = 0;
	if (strncmp(path, chat, plen) != 0 || (path[plen] != '\0' && path[plen] != '?'))
		return 0;
	if (at >= len || body[at] != '{' || member(body, at, len, "stream", &m) != 1 ||
	    !value_is(body, &m, "true"))
		return 0;
	switch (member(body, at, len, "stream_options", &so)) {
	case 0:
		return splice(body, len, at + 1, at + 1, "\"stream_options\":{\"include_usage\":true},",
		    out, outlen);
	case 1:
		break;
	default:
		return 0;
	}
	if (value_is(body, &so, "null"))
		return splice(body, len, so.val, so.end, "{\"include_usage\":true}", out, outlen);
	if (body[so.val] != '{')
		return 0;                      /* the API refuses it: leave it to say so */
	switch (member(body, so.val, len, "include_usage", &m)) {
	case 0:
		o = ws(body, so.val + 1, len);
		return splice(body, len, so.val + 1, so.val + 1, body[o] == '}' ?
		    "\"include_usage\":true" : "\"include_usage\":true,", out, outlen);
	case 1:
		if (value_is(body, &m, "true"))
			return 0;
		return splice(body, len, m.val, m.end, "true", out, outlen);
	}
	return 0;
}

size_t
openai_relay_line(const char *line, size_t len, char *out, int *state)
{
	size_t at, end = len, cut_from, cut_to;
	struct span us, ch;

	if (*state == 1 && (len == 1 || (len == 2 && line[0] == '\r'))) {
		*state = 0;
		return 0;                      /* the blank line ending a dropped chunk */
	}
	*state = 0;
	while (end > 0 && (line[end - 1] == '\n' || line[end - 1] == '\r'))
		end--;
	if (end < 5 || memcmp(line, "data:", 5) != 0)
		goto copy;
	at = ws(line, 5, end);
	if (at >= end || line[at] != '{' || member(line, at, end, "usage", &us) != 1)
		goto copy;
	if (line[us.val] == '{' && member(line, at, end, "choices", &ch) == 1 &&
	    line[ch.val] == '[' && ws(line, ch.val + 1, end) < end &&
	    line[ws(line, ch.val + 1, end)] == ']') {
		*state = 1;
		return 0;                      /* the usage-only chunk the client did not ask for */
	}
	if (!value_is(line, &us, "null") && line[us.val] != '{')
		goto copy;
	/* take "usage":… out with one comma next to it */
	if (us.comma != 0) {
		cut_from = us.comma;
		cut_to = us.end;
	} else {
		cut_from = us.key;
		cut_to = ws(line, us.end, end);
		if (cut_to < end && line[cut_to] == ',')
			cut_to = ws(line, cut_to + 1, end);
		else
			cut_to = us.end;
	}
	memcpy(out, line, cut_from);
	memcpy(out + cut_from, line + cut_to, len - cut_to);
	return len - (cut_to - cut_from);
copy:
	memcpy(out, line, len);
	return len;
}
