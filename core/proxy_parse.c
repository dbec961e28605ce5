/* proxy_parse.c — what the proxy reads from the traffic it relays: the
 * listen address, usage from a response or an event stream, batch objects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/proxy.h"

int
proxy_parse_listen(const char *s, char *host, size_t hostlen, int *port,
                   char *err, size_t errlen)
{
	const char *colon, *h = s, *hend;
	char *end;
	long v;

	if (s[0] == '[') {
		hend = strchr(s, ']');
		if (hend == NULL || hend[1] != ':') {
			snprintf(err, errlen, "--listen: %s: expected [ADDR]:PORT", s);
			return -1;
		}
		h = s + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL) {
			snprintf(err, errlen, "--listen: %s: expected HOST:PORT", s);
			return -1;
		}
		hend = colon;
	}
	if (hend == h || (size_t)(hend - h) >= hostlen) {
		snprintf(err, errlen, "--listen: %s: bad host", s);
		return -1;
	}
	v = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || v < 0 || v > 65535) {
		snprintf(err, errlen, "--listen: %s: bad port", s);
		return -1;
	}
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	*port = (int)v;
	return 0;
}

void
proxy_sse_init(struct proxy_sse *s)
{
	s->len = 0;
	s->overflow = 0;
	s->started = 0;
	s->delta = 0;
	s->bad[0] = '\0';
	memset(&s->u, 0, sizeof(s->u));
}

/* The first malformed usage event makes the whole stream's usage unknown. */
static void
sse_bad(struct proxy_sse *s, const char *event, const char *why)
{
	if (s->bad[0] == '\0')
		snprintf(s->bad, sizeof(s->bad), "%s: %s", event, why);
}

static int
has_int(json_t *o, const char *key)
{
	return json_is_integer(json_object_get(o, key));
}

/* message_delta: cumulative counts replace message_start's where present. */
static void
sse_delta(struct proxy_sse *s, json_t *ev)
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
			sse_bad(s, "message_delta", err);
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

/* One complete line of the stream (no newline). Only data lines of the two
 * usage events are parsed; the cheap substring test spares the rest. */
static void
sse_line(struct proxy_sse *s, const char *line, size_t len)
{
	json_t *ev, *msg;
	const char *type;
	char err[128];
	struct usage u;

	if (len < 6 || memcmp(line, "data:", 5) != 0)
		return;
	if (memmem(line, len, "message_start", 13) == NULL &&
	    memmem(line, len, "message_delta", 13) == NULL)
		return;
	ev = json_loadb(line + 5, len - 5, 0, NULL);
	type = json_string_value(json_object_get(ev, "type"));
	if (type != NULL && strcmp(type, "message_start") == 0) {
		msg = json_object_get(ev, "message");
		memset(&u, 0, sizeof(u));
		if (json_is_object(msg) && usage_from_message(msg, &u, err, sizeof(err)) == 0) {
			s->u = u;
			s->started = 1;
		} else if (json_is_object(msg)) {
			sse_bad(s, "message_start", err);
		}
	} else if (type != NULL && strcmp(type, "message_delta") == 0 && s->started) {
		sse_delta(s, ev);
	}
	json_decref(ev);
}

void
proxy_sse_feed(struct proxy_sse *s, const char *data, size_t len)
{
	const char *nl;
	size_t n;

	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl != NULL ? (size_t)(nl - data) : len;
		if (!s->overflow) {
			if (s->len + n > sizeof(s->line)) {
				s->overflow = 1;
				s->len = 0;
			} else {
				memcpy(s->line + s->len, data, n);
				s->len += n;
			}
		}
		if (nl == NULL)
			return;
		if (!s->overflow) {
			n = s->len;
			if (n > 0 && s->line[n - 1] == '\r')
				n--;
			sse_line(s, s->line, n);
		}
		s->len = 0;
		s->overflow = 0;
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
}

int
proxy_sse_usage(const struct proxy_sse *s, struct usage *u)
{
	if (!s->started || s->bad[0] != '\0')
		return 0;
	*u = s->u;
	return 1;
}

const char *
proxy_sse_error(const struct proxy_sse *s)
{
	return s->bad[0] != '\0' ? s->bad : NULL;
}

int
proxy_message_usage(const char *body, size_t len, struct usage *u, char *err, size_t errlen)
{
	json_error_t je;
	json_t *msg;
	int rc;

	msg = json_loadb(body, len, 0, &je);
	if (msg == NULL) {
		snprintf(err, errlen, "response: %s", je.text);
		return -1;
	}
	memset(u, 0, sizeof(*u));
	rc = usage_from_message(msg, u, err, errlen);
	json_decref(msg);
	return rc;
}

/* request_counts.KEY: absent or not an integer → 0 (as before); an integer
 * outside 0..USAGE_COUNT_MAX → -1 with the field and value in err. */
static int
count(json_t *c, const char *key, int64_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(c, key);

	*out = 0;
	if (!json_is_integer(v))
		return 0;
	if (json_integer_value(v) < 0 || json_integer_value(v) > USAGE_COUNT_MAX) {
		snprintf(err, errlen, "batch: request_counts.%s: %lld: not a count (0..%lld)", key,
		    (long long)json_integer_value(v), (long long)USAGE_COUNT_MAX);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
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

int
proxy_batch_parse(const char *body, size_t len, struct proxy_batch *b, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o, *c;
	const char *id, *st;
	int rc = -1;

	memset(b, 0, sizeof(*b));
	o = json_loadb(body, len, 0, &je);
	if (o == NULL) {
		snprintf(err, errlen, "batch: %s", je.text);
		return -1;
	}
	id = json_string_value(json_object_get(o, "id"));
	st = json_string_value(json_object_get(o, "processing_status"));
	if (id == NULL || id[0] == '\0' || st == NULL) {
		snprintf(err, errlen, "batch: no id or processing_status");
		goto out;
	}
	usage_strlcpy(b->id, id, sizeof(b->id));
	usage_strlcpy(b->status, st, sizeof(b->status));
	c = json_object_get(o, "request_counts");
	if (count(c, "processing", &b->processing, err, errlen) != 0 ||
	    count(c, "succeeded", &b->succeeded, err, errlen) != 0 ||
	    count(c, "errored", &b->errored, err, errlen) != 0 ||
	    count(c, "canceled", &b->canceled, err, errlen) != 0 ||
	    count(c, "expired", &b->expired, err, errlen) != 0)
		goto out;
	/* five counts of at most 10^12 each: the sum fits */
	b->requests = b->processing + b->succeeded + b->errored + b->canceled + b->expired;
	b->created_ms = rfc3339(o, "created_at");
	b->expires_ms = rfc3339(o, "expires_at");
	rc = 0;
out:
	json_decref(o);
	return rc;
}
