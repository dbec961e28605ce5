/* api.c — Messages (plain and streamed), count_tokens and any JSON call over http.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/api_int.h"

char *
api_error_string(const struct http_error *e, char *buf, size_t n)
{
	char status[32] = "", rid[160] = "", att[32] = "", type[160];

	if (e->status != 0)
		snprintf(status, sizeof(status), "%ld ", e->status);
	snprintf(type, sizeof(type), "%s", e->type[0] ? e->type : "error");
	if (e->code[0] != '\0' && strcmp(e->code, e->type) != 0)
		snprintf(type, sizeof(type), "%s (%s)", e->type[0] ? e->type : "error", e->code);
	if (e->request_id[0] != '\0')
		snprintf(rid, sizeof(rid), "request-id %s", e->request_id);
	if (e->attempts > 1)
		snprintf(att, sizeof(att), "%s%d attempts", rid[0] ? ", " : "", e->attempts);
	snprintf(buf, n, "%s%s: %s%s%s%s%s", status, type, e->message,
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

int
api_text_append(json_t *parts, const char *type, char **buf, size_t *len)
{
	json_t *blk;
	const char *t;
	size_t i, tl;
	char *nb;

	json_array_foreach(parts, i, blk) {
		if (strcmp(jstr(blk, "type"), type) != 0 ||
		    (t = json_string_value(json_object_get(blk, "text"))) == NULL)
			continue;
		tl = strlen(t);
		if ((nb = realloc(*buf, *len + tl + 1)) == NULL)
			return -1;
		*buf = nb;
		memcpy(*buf + *len, t, tl);
		*len += tl;
		(*buf)[*len] = '\0';
	}
	return 0;
}

/* Messages: the text blocks of content. */
static int
join_text(json_t *resp, char **out, size_t *outlen)
{
	char *buf = calloc(1, 1);
	size_t len = 0;

	if (buf == NULL || api_text_append(json_object_get(resp, "content"), "text", &buf,
	    &len) != 0) {
		free(buf);
		return -1;
	}
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
	return api_message_keep(resp, join_text, msg, err);
}

int
api_message_keep(json_t *resp, int (*join)(json_t *, char **, size_t *),
                 struct api_message *msg, struct http_error *err)
{
	msg->usage.ts_ms = wall_ms();
	free(msg->text);
	msg->text = NULL;
	if (join(resp, &msg->text, &msg->text_len) != 0) {
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

/* ---- Messages: calls ---------------------------------------------------- */

struct msg_ctx {
	const struct api_stream_ops *ops;
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
	} else if (c->ops->message(resp, res->request_id, &msg, &e) != 0) {
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
	if (!res->ok && strcmp(res->error.type, "aborted") != 0)
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
	return api_call_start(m, "/v1/messages", &api_stream_messages, body, stream, on_text, done,
	    arg, err);
}

struct http_req *
api_call_start(struct http_multi *m, const char *path, const struct api_stream_ops *ops,
               const json_t *body, int stream, api_text_fn on_text, api_message_fn done,
               void *arg, struct http_error *err)
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
	c->ops = ops;
	c->done = done;
	c->arg = arg;
	if (!stream) {
		json_object_del(b, "stream");
		r = api_json_start(m, "POST", path, b, msg_json_done, c, err);
		goto out;
	}
	json_object_set_new(b, "stream", json_true());
	if ((c->stream = api_stream_new_ops(ops, on_text, arg)) == NULL ||
	    (text = json_dumps(b, JSON_COMPACT)) == NULL) {
		err_set(err, 0, "config_error", "out of memory");
		goto out;
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = path;
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
	return api_call(api_messages_start, m, body, stream, on_text, text_arg, out, err);
}

int
api_call(api_start_fn start, struct http_multi *m, const json_t *body, int stream,
         api_text_fn on_text, void *text_arg, struct api_message *out, struct http_error *err)
{
	struct msg_sync s;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.out = out;
	s.err = err;
	s.on_text = on_text;
	s.text_arg = text_arg;
	if (start(m, body, stream, msg_sync_text, msg_sync_done, &s, err) == NULL)
		return -1;
	run_until(m, &s.finished);
	return s.failed ? -1 : 0;
}

/* ---- count_tokens ------------------------------------------------------- */

struct count_ctx {
	api_count_fn done;
	void        *arg;
};

static void
count_json_done(void *arg, json_t *resp, const struct http_result *res,
                const struct http_error *err)
{
	struct count_ctx *c = arg;
	json_t *n = json_object_get(resp, "input_tokens");
	struct http_error e;

	if (err != NULL) {
		c->done(c->arg, 0, err);
	} else if (!json_is_integer(n)) {
		err_set(&e, res->status, "invalid_response", "count_tokens: no input_tokens in the response");
		snprintf(e.request_id, sizeof(e.request_id), "%s", res->request_id);
		e.attempts = res->attempts;
		c->done(c->arg, 0, &e);
	} else {
		c->done(c->arg, json_integer_value(n), NULL);
	}
	free(c);
}

struct http_req *
api_count_tokens_start(struct http_multi *m, const json_t *body, api_count_fn done, void *arg,
                       struct http_error *err)
{
	static const char *const drop[] = { "max_tokens", "stream", "temperature", "top_p",
	                                    "top_k", "stop_sequences", "metadata", NULL };
	struct count_ctx *c = calloc(1, sizeof(*c));
	json_t *b = json_deep_copy(body);
	struct http_req *r = NULL;
	size_t i;

	if (c == NULL || b == NULL) {
		err_set(err, 0, "config_error", "out of memory");
		goto out;
	}
	for (i = 0; drop[i] != NULL; i++)     /* the endpoint rejects them as extra inputs */
		json_object_del(b, drop[i]);
	c->done = done;
	c->arg = arg;
	r = api_json_start(m, "POST", "/v1/messages/count_tokens", b, count_json_done, c, err);
out:
	if (r == NULL)
		free(c);
	json_decref(b);
	return r;
}

struct count_sync {
	int                finished, failed;
	int64_t            tokens;
	struct http_error *err;
};

static void
count_sync_done(void *arg, int64_t tokens, const struct http_error *err)
{
	struct count_sync *s = arg;

	s->finished = 1;
	s->tokens = tokens;
	if (err != NULL) {
		s->failed = 1;
		if (s->err != NULL)
			*s->err = *err;
	}
}

int
api_count_tokens(struct http_multi *m, const json_t *body, int64_t *tokens,
                 struct http_error *err)
{
	struct count_sync s = { 0, 0, 0, err };

	if (api_count_tokens_start(m, body, count_sync_done, &s, err) == NULL)
		return -1;
	run_until(m, &s.finished);
	*tokens = s.tokens;
	return s.failed ? -1 : 0;
}
