/* api_stream.c — the SSE accumulator behind a streamed call: lines and
 * events in (any split), the provider's event hook (Messages' here,
 * Responses' in openai_api.c), one message out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/api_int.h"

/* ---- Messages: the SSE stream ------------------------------------------- */

struct api_stream *
api_stream_new(api_text_fn on_text, void *arg)
{
	return api_stream_new_ops(&api_stream_messages, on_text, arg);
}

struct api_stream *
api_stream_new_ops(const struct api_stream_ops *ops, api_text_fn on_text, void *arg)
{
	struct api_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->ops = ops;
	s->on_text = on_text;
	s->arg = arg;
	return s;
}

void
api_stream_free(struct api_stream *s)
{
	if (s == NULL)
		return;
	free(s->line);
	free(s->data);
	free(s->text);
	json_decref(s->message);
	free(s);
}

int
api_stream_text(struct api_stream *s, const char *t)
{
	size_t n = strlen(t);

	if (n == 0)
		return 0;
	if (grow(&s->text, &s->tcap, s->tlen + n + 1) != 0)
		return -1;
	memcpy(s->text + s->tlen, t, n);
	s->tlen += n;
	s->text[s->tlen] = '\0';
	if (s->on_text != NULL)
		s->on_text(s->arg, t, n);
	return 0;
}

/* Cumulative usage of message_delta over message_start's (non-null fields win). */
static void
usage_merge(json_t *msg, json_t *delta_usage)
{
	json_t *u = json_object_get(msg, "usage"), *v;
	const char *k;

	if (!json_is_object(delta_usage))
		return;
	if (!json_is_object(u)) {
		u = json_object();
		json_object_set_new(msg, "usage", u);
	}
	json_object_foreach(delta_usage, k, v) {
		if (!json_is_null(v))
			json_object_set(u, k, v);
	}
}

int
api_stream_fail(struct api_stream *s, const char *type, const char *msg)
{
	s->failed = 1;
	err_set(&s->err, 200, type, msg);
	return -1;
}

/* One complete event: s->event (may be "") and s->data, to the provider's hook. */
static int
stream_event(struct api_stream *s)
{
	json_t *d;
	int rc;

	if (s->dlen == 0)
		return 0;
	if ((d = json_loadb(s->data, s->dlen, 0, NULL)) == NULL)
		return api_stream_fail(s, "invalid_response", "a stream event is not valid JSON");
	rc = s->ops->event(s, s->event[0] ? s->event : jstr(d, "type"), d);
	json_decref(d);
	return rc;
}

/* Messages' events: message_start holds the message, content blocks
 * carry the text, message_delta the stop reason and the final usage,
 * message_stop ends it (the text joined into the message's content). */
static int
messages_event(struct api_stream *s, const char *type, json_t *d)
{
	json_t *x;
	int rc = 0;

	if (strcmp(type, "message_start") == 0) {
		x = json_object_get(d, "message");
		if (!json_is_object(x)) {
			rc = api_stream_fail(s, "invalid_response", "message_start without a message");
		} else {
			json_decref(s->message);
			s->message = json_deep_copy(x);
		}
	} else if (strcmp(type, "content_block_start") == 0) {
		x = json_object_get(d, "content_block");
		if (strcmp(jstr(x, "type"), "text") == 0)
			rc = api_stream_text(s, jstr(x, "text"));
	} else if (strcmp(type, "content_block_delta") == 0) {
		x = json_object_get(d, "delta");
		if (strcmp(jstr(x, "type"), "text_delta") == 0)
			rc = api_stream_text(s, jstr(x, "text"));
	} else if (strcmp(type, "message_delta") == 0 && s->message != NULL) {
		x = json_object_get(d, "delta");
		if (json_object_get(x, "stop_reason") != NULL)
			json_object_set(s->message, "stop_reason", json_object_get(x, "stop_reason"));
		if (json_object_get(x, "stop_sequence") != NULL)
			json_object_set(s->message, "stop_sequence", json_object_get(x, "stop_sequence"));
		usage_merge(s->message, json_object_get(d, "usage"));
	} else if (strcmp(type, "message_stop") == 0 && s->message != NULL) {
		s->stopped = 1;
		x = json_pack("[{s:s, s:s#}]", "type", "text", "text", s->text ? s->text : "",
		    s->tlen);
		if (x == NULL)
			rc = api_stream_fail(s, "invalid_response", "out of memory");
		else
			json_object_set_new(s->message, "content", x);
	} else if (strcmp(type, "error") == 0) {
		x = json_object_get(d, "error");
		rc = api_stream_fail(s, *jstr(x, "type") ? jstr(x, "type") : "api_error",
		                 *jstr(x, "message") ? jstr(x, "message") : "error event in the stream");
	}
	return rc;
}

const struct api_stream_ops api_stream_messages = {
	.event = messages_event,
	.message = api_message_from_json,
	.first = "message_start",
	.last = "message_stop",
};

static int
stream_line(struct api_stream *s, char *line, size_t len)
{
	const char *colon, *v;
	size_t flen, vl;
	int rc;

	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (len == 0) {                 /* blank line: dispatch */
		rc = stream_event(s);
		s->event[0] = '\0';
		s->dlen = 0;
		return rc;
	}
	if (line[0] == ':' || (colon = memchr(line, ':', len)) == NULL)
		return 0;               /* a comment, or a field without value */
	flen = (size_t)(colon - line);
	v = colon + 1;
	vl = len - flen - 1;
	if (vl > 0 && *v == ' ') {
		v++;
		vl--;
	}
	if (flen == 5 && strncmp(line, "event", 5) == 0) {
		snprintf(s->event, sizeof(s->event), "%.*s", (int)vl, v);
	} else if (flen == 4 && strncmp(line, "data", 4) == 0) {
		if (grow(&s->data, &s->dcap, s->dlen + vl + 2) != 0)
			return api_stream_fail(s, "invalid_response", "out of memory");
		if (s->dlen > 0)
			s->data[s->dlen++] = '\n';
		memcpy(s->data + s->dlen, v, vl);
		s->dlen += vl;
		s->data[s->dlen] = '\0';
	}
	return 0;
}

int
api_stream_feed(struct api_stream *s, const char *data, size_t len, struct http_error *err)
{
	size_t i;

	for (i = 0; i < len && !s->failed; i++) {
		if (data[i] != '\n') {
			if (s->llen + 2 > SSE_LINE_MAX) {
				api_stream_fail(s, "invalid_response", "a stream line is too long");
				break;
			}
			if (grow(&s->line, &s->lcap, s->llen + 2) != 0) {
				api_stream_fail(s, "invalid_response", "out of memory");
				break;
			}
			s->line[s->llen++] = data[i];
			continue;
		}
		if (grow(&s->line, &s->lcap, s->llen + 1) != 0) {
			api_stream_fail(s, "invalid_response", "out of memory");
			break;
		}
		s->line[s->llen] = '\0';
		stream_line(s, s->line, s->llen);
		s->llen = 0;
	}
	if (s->failed) {
		if (err != NULL)
			*err = s->err;
		return -1;
	}
	return 0;
}

int
api_stream_finish(struct api_stream *s, struct api_message *out, struct http_error *err)
{
	char why[128];

	memset(out, 0, sizeof(*out));
	if (!s->failed && s->llen > 0) {        /* a last line without newline */
		s->line[s->llen] = '\0';
		stream_line(s, s->line, s->llen);
		s->llen = 0;
	}
	if (!s->failed && s->dlen > 0)
		stream_event(s);
	if (s->failed) {
		if (err != NULL)
			*err = s->err;
		goto partial;
	}
	if (s->message == NULL || !s->stopped) {
		snprintf(why, sizeof(why), "the stream ended before %s",
		    s->message == NULL ? s->ops->first : s->ops->last);
		err_set(err, 200, "invalid_response", why);
		goto partial;
	}
	return s->ops->message(s->message, "", out, err);
partial:
	/* what arrived, for a caller that wants the partial usage */
	if (s->message != NULL) {
		struct http_error ignore;

		s->ops->message(s->message, "", out, &ignore);
	}
	return -1;
}
