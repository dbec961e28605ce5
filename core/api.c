/* api.c — Messages, count_tokens and Message Batches over http.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/api.h"

#define SSE_LINE_MAX (16u << 20)   /* one SSE line or JSONL result line */

static void
err_set(struct http_error *e, long status, const char *type, const char *msg)
{
	if (e == NULL)
		return;
	memset(e, 0, sizeof(*e));
	e->status = status;
	snprintf(e->type, sizeof(e->type), "%s", type);
	snprintf(e->message, sizeof(e->message), "%s", msg);
}

/* A string member of o, "" when absent or not a string. */
static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the loop until *flag is set (the blocking forms). */
static void
run_until(struct http_multi *m, const int *flag)
{
	while (!*flag) {
		http_multi_perform(m);
		if (!*flag)
			http_multi_wait(m, NULL, 0, 1000);
	}
}

char *
api_error_string(const struct http_error *e, char *buf, size_t n)
{
	char status[32] = "", rid[160] = "", att[32] = "";

	if (e->status != 0)
		snprintf(status, sizeof(status), "%ld ", e->status);
	if (e->request_id[0] != '\0')
		snprintf(rid, sizeof(rid), "request-id %s", e->request_id);
	if (e->attempts > 1)
		snprintf(att, sizeof(att), "%s%d attempts", rid[0] ? ", " : "", e->attempts);
	snprintf(buf, n, "%s%s: %s%s%s%s%s", status, e->type[0] ? e->type : "error", e->message,
	         rid[0] || att[0] ? " (" : "", rid, att, rid[0] || att[0] ? ")" : "");
	return buf;
}

/* ---- Messages: the response object -------------------------------------- */

void
api_message_done(struct api_message *m)
{
	if (m == NULL)
		return;
	free(m->text);
	json_decref(m->message);
	memset(m, 0, sizeof(*m));
}

static int
join_text(json_t *resp, char **out, size_t *outlen)
{
	json_t *content = json_object_get(resp, "content"), *blk;
	const char *t;
	size_t i, len = 0, tl;
	char *buf = NULL, *nb;

	json_array_foreach(content, i, blk) {
		if (strcmp(jstr(blk, "type"), "text") != 0)
			continue;
		if ((t = json_string_value(json_object_get(blk, "text"))) == NULL)
			continue;
		tl = strlen(t);
		if ((nb = realloc(buf, len + tl + 1)) == NULL) {
			free(buf);
			return -1;
		}
		buf = nb;
		memcpy(buf + len, t, tl);
		len += tl;
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return -1;
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

int
api_message_from_json(json_t *resp, const char *request_id, struct api_message *msg,
                      struct http_error *err)
{
	char why[256];
	const char *s;

	if (!json_is_object(resp) ||
	    strcmp(jstr(resp, "type"), "message") != 0) {
		err_set(err, 200, "invalid_response", "the response is not a message object");
		return -1;
	}
	memset(&msg->usage, 0, sizeof(msg->usage));
	if (usage_from_message(resp, &msg->usage, why, sizeof(why)) != 0) {
		err_set(err, 200, "invalid_response", why);
		return -1;
	}
	usage_strlcpy(msg->usage.request_id, request_id, sizeof(msg->usage.request_id));
	if ((s = json_string_value(json_object_get(resp, "id"))) != NULL)
		usage_strlcpy(msg->usage.message_id, s, sizeof(msg->usage.message_id));
	if ((s = json_string_value(json_object_get(resp, "model"))) != NULL)
		usage_strlcpy(msg->usage.model, s, sizeof(msg->usage.model));
	if ((s = json_string_value(json_object_get(resp, "stop_reason"))) != NULL)
		usage_strlcpy(msg->usage.stop_reason, s, sizeof(msg->usage.stop_reason));
	msg->usage.ts_ms = wall_ms();
	free(msg->text);
	msg->text = NULL;
	if (join_text(resp, &msg->text, &msg->text_len) != 0) {
		err_set(err, 200, "invalid_response", "out of memory");
		return -1;
	}
	if (msg->message != resp) {
		json_decref(msg->message);
		msg->message = json_incref(resp);
	}
	return 0;
}

/* ---- generic JSON calls ------------------------------------------------- */

struct json_ctx {
	api_json_fn done;
	void       *arg;
};

static void
json_done(void *arg, struct http_result *res)
{
	struct json_ctx *c = arg;
	struct http_error e;
	json_t *root = NULL;
	json_error_t je;
	char msg[300];

	if (!res->ok) {
		c->done(c->arg, NULL, res, &res->error);
		goto out;
	}
	root = json_loadb(res->body ? res->body : "", res->body_len, 0, &je);
	if (root == NULL) {
		memset(&e, 0, sizeof(e));
		snprintf(msg, sizeof(msg), "the %ld response body is not valid JSON (%zu bytes: %s)",
		         res->status, res->body_len, je.text);
		err_set(&e, res->status, "invalid_response", msg);
		snprintf(e.request_id, sizeof(e.request_id), "%s", res->request_id);
		e.attempts = res->attempts;
		c->done(c->arg, NULL, res, &e);
		goto out;
	}
	c->done(c->arg, root, res, NULL);
out:
	json_decref(root);
	free(c);
}

struct http_req *
api_json_start(struct http_multi *m, const char *method, const char *path, const json_t *body,
               api_json_fn done, void *arg, struct http_error *err)
{
	struct http_request rq;
	struct json_ctx *c;
	struct http_req *r;
	char *text = NULL;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL)) {
		free(c);
		err_set(err, 0, "config_error", "out of memory");
		return NULL;
	}
	c->done = done;
	c->arg = arg;
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.url = path;
	rq.body = text;
	rq.body_len = text ? strlen(text) : 0;
	rq.done = json_done;
	rq.arg = c;
	r = http_req_start(m, &rq, err);
	free(text);
	if (r == NULL)
		free(c);
	return r;
}

struct json_sync {
	int               finished;
	json_t           *resp;
	char             *request_id;
	struct http_error err;
	int               failed;
};

static void
json_sync_done(void *arg, json_t *resp, const struct http_result *res, const struct http_error *err)
{
	struct json_sync *s = arg;

	s->finished = 1;
	if (s->request_id != NULL)
		snprintf(s->request_id, 128, "%s", res->request_id);
	if (err != NULL) {
		s->err = *err;
		s->failed = 1;
		return;
	}
	s->resp = json_incref(resp);
}

int
api_json(struct http_multi *m, const char *method, const char *path, const json_t *body,
         json_t **resp, char *request_id, struct http_error *err)
{
	struct json_sync s;

	memset(&s, 0, sizeof(s));
	s.request_id = request_id;
	*resp = NULL;
	if (api_json_start(m, method, path, body, json_sync_done, &s, err) == NULL)
		return -1;
	run_until(m, &s.finished);
	if (s.failed) {
		if (err != NULL)
			*err = s.err;
		return -1;
	}
	*resp = s.resp;
	return 0;
}

/* ---- Messages: the SSE stream ------------------------------------------- */

struct api_stream {
	api_text_fn on_text;
	void       *arg;
	char       *line;          /* the unfinished line */
	size_t      llen, lcap;
	char        event[64];
	char       *data;          /* data: lines of the current event, joined by \n */
	size_t      dlen, dcap;
	json_t     *message;       /* from message_start, updated by message_delta */
	char       *text;
	size_t      tlen, tcap;
	int         stopped;       /* message_stop seen */
	int         failed;
	struct http_error err;     /* the error event, when failed */
};

static int
grow(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 256;
	char *nb;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if ((nb = realloc(*buf, ncap)) == NULL)
		return -1;
	*buf = nb;
	*cap = ncap;
	return 0;
}

struct api_stream *
api_stream_new(api_text_fn on_text, void *arg)
{
	struct api_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
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

static int
text_add(struct api_stream *s, const char *t)
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

static int
stream_fail(struct api_stream *s, const char *type, const char *msg)
{
	s->failed = 1;
	err_set(&s->err, 200, type, msg);
	return -1;
}

/* One complete event: s->event (may be "") and s->data. */
static int
stream_event(struct api_stream *s)
{
	json_t *d, *x;
	const char *type;
	int rc = 0;

	if (s->dlen == 0)
		return 0;
	if ((d = json_loadb(s->data, s->dlen, 0, NULL)) == NULL)
		return stream_fail(s, "invalid_response", "a stream event is not valid JSON");
	type = s->event[0] ? s->event : jstr(d, "type");
	if (strcmp(type, "message_start") == 0) {
		x = json_object_get(d, "message");
		if (!json_is_object(x)) {
			rc = stream_fail(s, "invalid_response", "message_start without a message");
		} else {
			json_decref(s->message);
			s->message = json_deep_copy(x);
		}
	} else if (strcmp(type, "content_block_start") == 0) {
		x = json_object_get(d, "content_block");
		if (strcmp(jstr(x, "type"), "text") == 0)
			rc = text_add(s, jstr(x, "text"));
	} else if (strcmp(type, "content_block_delta") == 0) {
		x = json_object_get(d, "delta");
		if (strcmp(jstr(x, "type"), "text_delta") == 0)
			rc = text_add(s, jstr(x, "text"));
	} else if (strcmp(type, "message_delta") == 0 && s->message != NULL) {
		x = json_object_get(d, "delta");
		if (json_object_get(x, "stop_reason") != NULL)
			json_object_set(s->message, "stop_reason", json_object_get(x, "stop_reason"));
		if (json_object_get(x, "stop_sequence") != NULL)
			json_object_set(s->message, "stop_sequence", json_object_get(x, "stop_sequence"));
		usage_merge(s->message, json_object_get(d, "usage"));
	} else if (strcmp(type, "message_stop") == 0) {
		s->stopped = 1;
	} else if (strcmp(type, "error") == 0) {
		x = json_object_get(d, "error");
		rc = stream_fail(s, *jstr(x, "type") ? jstr(x, "type") : "api_error",
		                 *jstr(x, "message") ? jstr(x, "message") : "error event in the stream");
	}
	json_decref(d);
	return rc;
}

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
			return stream_fail(s, "invalid_response", "out of memory");
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
				stream_fail(s, "invalid_response", "a stream line is too long");
				break;
			}
			if (grow(&s->line, &s->lcap, s->llen + 2) != 0) {
				stream_fail(s, "invalid_response", "out of memory");
				break;
			}
			s->line[s->llen++] = data[i];
			continue;
		}
		if (grow(&s->line, &s->lcap, s->llen + 1) != 0) {
			stream_fail(s, "invalid_response", "out of memory");
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
	json_t *content, *blk;

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
		err_set(err, 200, "invalid_response",
		        s->message == NULL ? "the stream ended before message_start"
		                           : "the stream ended before message_stop");
		goto partial;
	}
	content = json_array();
	blk = json_pack("{s:s, s:s#}", "type", "text", "text", s->text ? s->text : "", s->tlen);
	json_array_append_new(content, blk);
	json_object_set_new(s->message, "content", content);
	return api_message_from_json(s->message, "", out, err);
partial:
	/* what arrived, for a caller that wants the partial usage */
	if (s->message != NULL) {
		struct http_error ignore;

		api_message_from_json(s->message, "", out, &ignore);
	}
	return -1;
}

/* ---- Messages: calls ---------------------------------------------------- */

struct msg_ctx {
	api_message_fn     done;
	void              *arg;
	struct api_stream *stream;      /* NULL for a plain call */
};

static void
msg_json_done(void *arg, json_t *resp, const struct http_result *res, const struct http_error *err)
{
	struct msg_ctx *c = arg;
	struct api_message msg;
	struct http_error e;

	memset(&msg, 0, sizeof(msg));
	msg.status = res->status;
	msg.attempts = res->attempts;
	if (err != NULL) {
		c->done(c->arg, &msg, err);
	} else if (api_message_from_json(resp, res->request_id, &msg, &e) != 0) {
		snprintf(e.request_id, sizeof(e.request_id), "%s", res->request_id);
		e.attempts = res->attempts;
		c->done(c->arg, &msg, &e);
	} else {
		c->done(c->arg, &msg, NULL);
	}
	api_message_done(&msg);
	free(c);
}

static int
msg_sink(void *arg, const char *data, size_t len)
{
	struct msg_ctx *c = arg;

	/* an error event ends the consumption; the transfer is stopped */
	return api_stream_feed(c->stream, data, len, NULL) != 0;
}

static void
msg_stream_done(void *arg, struct http_result *res)
{
	struct msg_ctx *c = arg;
	struct api_message msg;
	struct http_error e;
	int rc;

	rc = api_stream_finish(c->stream, &msg, &e);
	msg.status = res->status;
	msg.attempts = res->attempts;
	usage_strlcpy(msg.usage.request_id, res->request_id, sizeof(msg.usage.request_id));
	if (!res->ok && !(c->stream->failed && strcmp(res->error.type, "aborted") == 0))
		e = res->error;         /* the transport failed first */
	snprintf(e.request_id, sizeof(e.request_id), "%s", res->request_id);
	e.attempts = res->attempts;
	c->done(c->arg, &msg, rc == 0 && res->ok ? NULL : &e);
	api_message_done(&msg);
	api_stream_free(c->stream);
	free(c);
}

struct http_req *
api_messages_start(struct http_multi *m, const json_t *body, int stream,
                   api_text_fn on_text, api_message_fn done, void *arg,
                   struct http_error *err)
{
	struct msg_ctx *c = calloc(1, sizeof(*c));
	struct http_request rq;
	struct http_req *r = NULL;
	json_t *b = NULL;
	char *text = NULL;

	if (c == NULL || (b = json_deep_copy(body)) == NULL) {
		err_set(err, 0, "config_error", "out of memory");
		goto out;
	}
	c->done = done;
	c->arg = arg;
	if (!stream) {
		json_object_del(b, "stream");
		r = api_json_start(m, "POST", "/v1/messages", b, msg_json_done, c, err);
		goto out;
	}
	json_object_set_new(b, "stream", json_true());
	if ((c->stream = api_stream_new(on_text, arg)) == NULL ||
	    (text = json_dumps(b, JSON_COMPACT)) == NULL) {
		err_set(err, 0, "config_error", "out of memory");
		goto out;
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = "/v1/messages";
	rq.body = text;
	rq.body_len = strlen(text);
	rq.accept = "text/event-stream";
	rq.sink = msg_sink;
	rq.done = msg_stream_done;
	rq.arg = c;
	r = http_req_start(m, &rq, err);
out:
	if (r == NULL && c != NULL) {
		api_stream_free(c->stream);
		free(c);
	}
	json_decref(b);
	free(text);
	return r;
}

struct msg_sync {
	int                 finished;
	struct api_message *out;
	struct http_error  *err;
	int                 failed;
	api_text_fn         on_text;
	void               *text_arg;
};

static void
msg_sync_done(void *arg, struct api_message *msg, const struct http_error *err)
{
	struct msg_sync *s = arg;

	s->finished = 1;
	*s->out = *msg;
	memset(msg, 0, sizeof(*msg));
	if (err != NULL) {
		s->failed = 1;
		if (s->err != NULL)
			*s->err = *err;
	}
}

static void
msg_sync_text(void *arg, const char *text, size_t len)
{
	struct msg_sync *s = arg;

	if (s->on_text != NULL)
		s->on_text(s->text_arg, text, len);
}

int
api_messages(struct http_multi *m, const json_t *body, int stream,
             api_text_fn on_text, void *text_arg,
             struct api_message *out, struct http_error *err)
{
	struct msg_sync s;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.out = out;
	s.err = err;
	s.on_text = on_text;
	s.text_arg = text_arg;
	if (api_messages_start(m, body, stream, msg_sync_text, msg_sync_done, &s, err) == NULL)
		return -1;
	run_until(m, &s.finished);
	return s.failed ? -1 : 0;
}

/* ---- count_tokens ------------------------------------------------------- */

int
api_count_tokens(struct http_multi *m, const json_t *body, int64_t *tokens,
                 struct http_error *err)
{
	json_t *b = json_deep_copy(body), *resp = NULL, *n;
	int rc = -1;

	if (b == NULL) {
		err_set(err, 0, "config_error", "out of memory");
		return -1;
	}
	json_object_del(b, "max_tokens");
	json_object_del(b, "stream");
	json_object_del(b, "temperature");
	json_object_del(b, "stop_sequences");
	json_object_del(b, "metadata");
	if (api_json(m, "POST", "/v1/messages/count_tokens", b, &resp, NULL, err) != 0)
		goto out;
	n = json_object_get(resp, "input_tokens");
	if (!json_is_integer(n)) {
		err_set(err, 200, "invalid_response", "count_tokens: no input_tokens in the response");
		goto out;
	}
	*tokens = json_integer_value(n);
	rc = 0;
out:
	json_decref(b);
	json_decref(resp);
	return rc;
}

/* ---- Message Batches ---------------------------------------------------- */

int
api_parse_time(const char *s, int64_t *ms)
{
	return usage_parse_time(s, ms);
}

static int64_t
time_field(const json_t *obj, const char *key)
{
	int64_t ms = 0;

	if (api_parse_time(json_string_value(json_object_get(obj, key)), &ms) != 0)
		return 0;
	return ms;
}

int
api_batch_from_json(const json_t *obj, struct api_batch *b, struct http_error *err)
{
	const json_t *rc = json_object_get(obj, "request_counts");

	memset(b, 0, sizeof(*b));
	if (!json_is_object(obj) || strcmp(jstr(obj, "type"), "message_batch") != 0 ||
	    *jstr(obj, "id") == '\0') {
		err_set(err, 200, "invalid_response", "the response is not a message_batch object");
		return -1;
	}
	usage_strlcpy(b->id, jstr(obj, "id"), sizeof(b->id));
	usage_strlcpy(b->processing_status, jstr(obj, "processing_status"),
	              sizeof(b->processing_status));
	usage_strlcpy(b->results_url, jstr(obj, "results_url"), sizeof(b->results_url));
	b->processing = json_integer_value(json_object_get(rc, "processing"));
	b->succeeded = json_integer_value(json_object_get(rc, "succeeded"));
	b->errored = json_integer_value(json_object_get(rc, "errored"));
	b->canceled = json_integer_value(json_object_get(rc, "canceled"));
	b->expired = json_integer_value(json_object_get(rc, "expired"));
	b->created_ms = time_field(obj, "created_at");
	b->expires_ms = time_field(obj, "expires_at");
	b->ended_ms = time_field(obj, "ended_at");
	b->cancel_ms = time_field(obj, "cancel_initiated_at");
	b->archived_ms = time_field(obj, "archived_at");
	return 0;
}

/* Batch ids go into a URL path: letters, digits, '_' and '-' only. */
static int
batch_path(const char *id, const char *suffix, char *buf, size_t n, struct http_error *err)
{
	const char *p;

	for (p = id; p != NULL && *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			break;
	if (id == NULL || *id == '\0' || *p != '\0' || strlen(id) >= USAGE_ID_MAX) {
		err_set(err, 0, "config_error", "not a batch id");
		return -1;
	}
	snprintf(buf, n, "/v1/messages/batches/%s%s", id, suffix);
	return 0;
}

struct batch_ctx {
	api_batch_fn done;
	void        *arg;
};

static void
batch_json_done(void *arg, json_t *resp, const struct http_result *res, const struct http_error *err)
{
	struct batch_ctx *c = arg;
	struct api_batch b;
	struct http_error e;

	if (err != NULL) {
		c->done(c->arg, NULL, err);
	} else if (api_batch_from_json(resp, &b, &e) != 0) {
		snprintf(e.request_id, sizeof(e.request_id), "%s", res->request_id);
		e.attempts = res->attempts;
		c->done(c->arg, NULL, &e);
	} else {
		c->done(c->arg, &b, NULL);
	}
	free(c);
}

static struct http_req *
batch_start(struct http_multi *m, const char *method, const char *path, const json_t *body,
            api_batch_fn done, void *arg, struct http_error *err)
{
	struct batch_ctx *c = calloc(1, sizeof(*c));
	struct http_req *r;

	if (c == NULL) {
		err_set(err, 0, "config_error", "out of memory");
		return NULL;
	}
	c->done = done;
	c->arg = arg;
	if ((r = api_json_start(m, method, path, body, batch_json_done, c, err)) == NULL)
		free(c);
	return r;
}

struct http_req *
api_batch_create_start(struct http_multi *m, const json_t *body, api_batch_fn done, void *arg,
                       struct http_error *err)
{
	return batch_start(m, "POST", "/v1/messages/batches", body, done, arg, err);
}

struct http_req *
api_batch_get_start(struct http_multi *m, const char *id, api_batch_fn done, void *arg,
                    struct http_error *err)
{
	char path[256];

	if (batch_path(id, "", path, sizeof(path), err) != 0)
		return NULL;
	return batch_start(m, "GET", path, NULL, done, arg, err);
}

struct http_req *
api_batch_cancel_start(struct http_multi *m, const char *id, api_batch_fn done, void *arg,
                       struct http_error *err)
{
	char path[256];

	if (batch_path(id, "/cancel", path, sizeof(path), err) != 0)
		return NULL;
	return batch_start(m, "POST", path, NULL, done, arg, err);
}

struct batch_sync {
	int                finished, failed;
	struct api_batch  *out;
	struct http_error *err;
};

static void
batch_sync_done(void *arg, const struct api_batch *b, const struct http_error *err)
{
	struct batch_sync *s = arg;

	s->finished = 1;
	if (err != NULL) {
		s->failed = 1;
		if (s->err != NULL)
			*s->err = *err;
	} else {
		*s->out = *b;
	}
}

static int
batch_sync(struct http_multi *m, struct http_req *r, struct batch_sync *s)
{
	if (r == NULL)
		return -1;
	run_until(m, &s->finished);
	return s->failed ? -1 : 0;
}

int
api_batch_create(struct http_multi *m, const json_t *body, struct api_batch *b,
                 struct http_error *err)
{
	struct batch_sync s = { 0, 0, b, err };

	return batch_sync(m, api_batch_create_start(m, body, batch_sync_done, &s, err), &s);
}

int
api_batch_get(struct http_multi *m, const char *id, struct api_batch *b, struct http_error *err)
{
	struct batch_sync s = { 0, 0, b, err };

	return batch_sync(m, api_batch_get_start(m, id, batch_sync_done, &s, err), &s);
}

int
api_batch_cancel(struct http_multi *m, const char *id, struct api_batch *b,
                 struct http_error *err)
{
	struct batch_sync s = { 0, 0, b, err };

	return batch_sync(m, api_batch_cancel_start(m, id, batch_sync_done, &s, err), &s);
}

int
api_batch_delete(struct http_multi *m, const char *id, struct http_error *err)
{
	char path[256];
	json_t *resp = NULL;

	if (batch_path(id, "", path, sizeof(path), err) != 0 ||
	    api_json(m, "DELETE", path, NULL, &resp, NULL, err) != 0)
		return -1;
	json_decref(resp);
	return 0;
}

int
api_batch_list_page(struct http_multi *m, int limit, const char *after_id,
                    struct api_batch **out, size_t *n, int *has_more, char *last_id,
                    struct http_error *err)
{
	char path[512], after[256] = "";
	json_t *resp = NULL, *data, *o;
	size_t i;
	int rc = -1;

	*out = NULL;
	*n = 0;
	*has_more = 0;
	if (after_id != NULL && *after_id != '\0') {
		if (batch_path(after_id, "", path, sizeof(path), err) != 0)
			return -1;
		snprintf(after, sizeof(after), "&after_id=%s", after_id);
	}
	snprintf(path, sizeof(path), "/v1/messages/batches?limit=%d%s",
	         limit < 1 ? 20 : limit > 1000 ? 1000 : limit, after);
	last_id[0] = '\0';    /* after_id may be last_id itself: it is in the path by now */
	if (api_json(m, "GET", path, NULL, &resp, NULL, err) != 0)
		return -1;
	data = json_object_get(resp, "data");
	if (!json_is_array(data)) {
		err_set(err, 200, "invalid_response", "batch list: no data array");
		goto out;
	}
	if (json_array_size(data) > 0 &&
	    (*out = calloc(json_array_size(data), sizeof(**out))) == NULL) {
		err_set(err, 200, "invalid_response", "out of memory");
		goto out;
	}
	json_array_foreach(data, i, o) {
		if (api_batch_from_json(o, &(*out)[i], err) != 0) {
			free(*out);
			*out = NULL;
			goto out;
		}
	}
	*n = json_array_size(data);
	*has_more = json_is_true(json_object_get(resp, "has_more"));
	usage_strlcpy(last_id, jstr(resp, "last_id"), USAGE_ID_MAX);
	if (last_id[0] == '\0' && *n > 0)
		usage_strlcpy(last_id, (*out)[*n - 1].id, USAGE_ID_MAX);
	rc = 0;
out:
	json_decref(resp);
	return rc;
}

int
api_batch_list_all(struct http_multi *m, struct api_batch **out, size_t *n,
                   struct http_error *err)
{
	struct api_batch *all = NULL, *page, *na;
	size_t total = 0, np;
	char after[USAGE_ID_MAX] = "", last[USAGE_ID_MAX];
	int more = 1;

	while (more) {
		if (api_batch_list_page(m, 1000, after, &page, &np, &more, last, err) != 0) {
			free(all);
			return -1;
		}
		if (np > 0) {
			if ((na = realloc(all, (total + np) * sizeof(*na))) == NULL) {
				free(page);
				free(all);
				err_set(err, 200, "invalid_response", "out of memory");
				return -1;
			}
			all = na;
			memcpy(all + total, page, np * sizeof(*page));
			total += np;
		}
		free(page);
		if (np == 0 || last[0] == '\0' || strcmp(last, after) == 0)
			break;          /* no progress: stop rather than loop */
		snprintf(after, sizeof(after), "%s", last);
	}
	*out = all;
	*n = total;
	return 0;
}

/* ---- batch results: JSONL, line by line --------------------------------- */

struct results_ctx {
	api_line_fn         on_line;
	api_results_done_fn done;
	void               *arg;
	char               *line;
	size_t              llen, lcap;
	int64_t             lines;
	int                 stopped;     /* on_line asked to stop */
	int                 too_long;
};

static int
results_emit(struct results_ctx *c)
{
	if (c->llen > 0 && c->line[c->llen - 1] == '\r')
		c->llen--;
	c->line[c->llen] = '\0';
	if (c->llen == 0)
		return 0;
	c->lines++;
	c->llen = 0;
	if (c->on_line(c->arg, c->line, strlen(c->line)) != 0) {
		c->stopped = 1;
		return -1;
	}
	return 0;
}

static int
results_sink(void *arg, const char *data, size_t len)
{
	struct results_ctx *c = arg;
	const char *nl;
	size_t take;

	while (len > 0) {
		nl = memchr(data, '\n', len);
		take = nl ? (size_t)(nl - data) : len;
		if (c->llen + take + 1 > SSE_LINE_MAX) {
			c->too_long = 1;
			return -1;
		}
		if (grow(&c->line, &c->lcap, c->llen + take + 1) != 0)
			return -1;
		memcpy(c->line + c->llen, data, take);
		c->llen += take;
		if (nl == NULL)
			break;
		if (results_emit(c) != 0)
			return -1;
		data += take + 1;
		len -= take + 1;
	}
	return 0;
}

static void
results_done(void *arg, struct http_result *res)
{
	struct results_ctx *c = arg;
	struct http_error e;

	if (res->ok && c->llen > 0)
		results_emit(c);        /* the last line had no newline */
	if (res->ok || c->stopped) {
		c->done(c->arg, c->lines, NULL);
	} else {
		e = res->error;
		if (c->too_long)
			err_set(&e, res->status, "invalid_response", "a results line is too long");
		c->done(c->arg, c->lines, &e);
	}
	free(c->line);
	free(c);
}

struct http_req *
api_batch_results_start(struct http_multi *m, const char *where, api_line_fn on_line,
                        api_results_done_fn done, void *arg, struct http_error *err)
{
	const char *base = http_multi_base_url(m);
	size_t bl = strlen(base);
	struct results_ctx *c;
	struct http_request rq;
	struct http_req *r;
	char path[256];

	if (where != NULL && strncmp(where, "http", 4) == 0) {
		if (strncmp(where, base, bl) != 0 || (where[bl] != '/' && where[bl] != '\0')) {
			err_set(err, 0, "insecure_url",
			        "results_url is not on the configured API base URL; not sending the key there");
			return NULL;
		}
	} else if (batch_path(where, "/results", path, sizeof(path), err) != 0) {
		return NULL;
	} else {
		where = path;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_set(err, 0, "config_error", "out of memory");
		return NULL;
	}
	c->on_line = on_line;
	c->done = done;
	c->arg = arg;
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.url = where;
	rq.accept = "application/binary";
	rq.sink = results_sink;
	rq.done = results_done;
	rq.arg = c;
	if ((r = http_req_start(m, &rq, err)) == NULL)
		free(c);
	return r;
}

struct results_sync {
	int                finished, failed;
	int64_t            lines;
	struct http_error *err;
	api_line_fn        on_line;     /* the caller's, with its arg */
	void              *arg;
};

static int
results_sync_line(void *arg, const char *line, size_t len)
{
	struct results_sync *s = arg;

	return s->on_line(s->arg, line, len);
}

static void
results_sync_done(void *arg, int64_t lines, const struct http_error *err)
{
	struct results_sync *s = arg;

	s->finished = 1;
	s->lines = lines;
	if (err != NULL) {
		s->failed = 1;
		if (s->err != NULL)
			*s->err = *err;
	}
}

int
api_batch_results(struct http_multi *m, const char *where, api_line_fn on_line, void *arg,
                  int64_t *lines, struct http_error *err)
{
	struct results_sync s;

	memset(&s, 0, sizeof(s));
	s.err = err;
	s.on_line = on_line;
	s.arg = arg;
	if (lines != NULL)
		*lines = 0;
	if (api_batch_results_start(m, where, results_sync_line, results_sync_done, &s, err) == NULL)
		return -1;
	run_until(m, &s.finished);
	if (lines != NULL)
		*lines = s.lines;
	return s.failed ? -1 : 0;
}
