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
	provider_stream_init(&s->ps, &provider_anthropic);
}

void
proxy_sse_init_for(struct proxy_sse *s, const struct provider *pv)
{
	provider_stream_init(&s->ps, pv);
}

void
proxy_sse_done(struct proxy_sse *s)
{
	if (s != NULL)
		provider_stream_done(&s->ps);
}

void
proxy_sse_feed(struct proxy_sse *s, const char *data, size_t len)
{
	provider_stream_feed(&s->ps, data, len);
}

int
proxy_sse_usage(const struct proxy_sse *s, struct usage *u)
{
	return provider_stream_usage(&s->ps, u);
}

const char *
proxy_sse_error(const struct proxy_sse *s)
{
	return provider_stream_error(&s->ps);
}

int
proxy_response_usage(const struct provider *pv, const char *body, size_t len,
                     struct usage *u, char *err, size_t errlen)
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
	rc = pv->response_usage(msg, u, err, errlen);
	json_decref(msg);
	return rc;
}

int
proxy_message_usage(const char *body, size_t len, struct usage *u, char *err, size_t errlen)
{
	return proxy_response_usage(&provider_anthropic, body, len, u, err, errlen);
}

int
proxy_batch_parse_for(const struct provider *pv, const char *body, size_t len,
                      struct proxy_batch *b, char *err, size_t errlen)
{
	struct provider_batch pb;
	json_error_t je;
	json_t *o;
	int rc;

	memset(b, 0, sizeof(*b));
	o = json_loadb(body, len, 0, &je);
	if (o == NULL) {
		snprintf(err, errlen, "batch: %s", je.text);
		return -1;
	}
	rc = pv->batch_from_json(o, &pb, err, errlen);
	json_decref(o);
	if (rc != 0)
		return -1;
	usage_strlcpy(b->id, pb.id, sizeof(b->id));
	usage_strlcpy(b->status, pb.status, sizeof(b->status));
	b->requests = pb.requests;
	b->processing = pb.processing;
	b->succeeded = pb.succeeded;
	b->errored = pb.errored;
	b->canceled = pb.canceled;
	b->expired = pb.expired;
	b->created_ms = pb.created_ms;
	b->expires_ms = pb.expires_ms;
	return 0;
}

int
proxy_batch_parse(const char *body, size_t len, struct proxy_batch *b, char *err, size_t errlen)
{
	return proxy_batch_parse_for(&provider_anthropic, body, len, b, err, errlen);
}
