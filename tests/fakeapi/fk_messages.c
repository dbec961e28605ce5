/* fk_messages.c — POST /v1/messages (plain and server-sent events) and count_tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

/*
 * The deterministic answer: ("echo: " + prefix) five times, cut to
 * 4 × max_tokens bytes on a UTF-8 boundary when it would not fit.
 * buf needs 256 bytes.
 */
void
msg_answer(const struct fk_plan *p, char *buf, size_t len, long *out_tokens, int *capped)
{
	size_t	 n = 0, lim;
	int	 i;

	buf[0] = '\0';
	for (i = 0; i < 5; i++)
		n += snprintf(buf + n, len - n, "echo: %s", p->prefix);
	*out_tokens = fk_tokens(n);
	*capped = 0;
	if (*out_tokens > p->max_tokens) {
		lim = (size_t)p->max_tokens * 4;
		while (lim > 0 && ((unsigned char)buf[lim] & 0xc0) == 0x80)
			lim--;
		buf[lim] = '\0';
		*out_tokens = p->max_tokens;
		*capped = 1;
	}
}

/* The usage object; a new reference. */
json_t *
msg_usage_json(const struct fk_usage *u, const char *tier)
{
	return json_pack("{s:I, s:I, s:I, s:{s:I, s:I}, s:I, s:s}",
	    "input_tokens", (json_int_t)u->input,
	    "cache_creation_input_tokens", (json_int_t)(u->cw5 + u->cw1h),
	    "cache_read_input_tokens", (json_int_t)u->cread,
	    "cache_creation", "ephemeral_5m_input_tokens", (json_int_t)u->cw5,
	    "ephemeral_1h_input_tokens", (json_int_t)u->cw1h,
	    "output_tokens", (json_int_t)u->output, "service_tier", tier);
}

/* A full Message object for plan p; a new reference. */
json_t *
msg_message_json(const char *id, const struct fk_plan *p, const struct fk_usage *u,
    const char *tier)
{
	char	 text[256];
	long	 out;
	int	 capped;
	json_t	*content = json_array();

	msg_answer(p, text, sizeof text, &out, &capped);
	if (*text)
		json_array_append_new(content, json_pack("{s:s, s:s}", "type", "text",
		    "text", text));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:n, s:o}", "id", id,
	    "type", "message", "role", "assistant", "model", fk_model_name(p->model),
	    "content", content, "stop_reason", capped ? "max_tokens" : "end_turn",
	    "stop_sequence", "usage", msg_usage_json(u, tier));
}

/* Parses and plans the body; on failure fills r with the error and returns -1. */
static int
plan_body(const struct fk_req *q, struct fk_reply *r, int count_only, struct fk_plan *p)
{
	json_error_t je;
	json_t	*body;
	const char *etype;
	char	 err[512];
	int	 status, rc;

	if ((body = json_loadb(q->body, q->len, 0, &je)) == NULL) {
		fk_reply_error(r, q, 400, NULL, "There was an error parsing the body of your "
		    "request: %s (line %d)", je.text, je.line);
		return -1;
	}
	rc = plan_build(body, count_only, p, &status, &etype, err, sizeof err);
	json_decref(body);
	if (rc == -1)
		fk_reply_error(r, q, status, etype, "%s", err);
	return rc;
}

/* ---- streaming (fk_sse.c) ---- */

/* Text deltas of at most 16 bytes, cut on UTF-8 boundaries; with malformed the
 * second one is broken JSON. */
static void
ev_deltas(struct fk_sse *s, const char *text, int malformed)
{
	char	 piece[20];
	size_t	 at = 0, k = 0;

	while (sse_next_piece(text, &at, piece, 16)) {
		if (malformed && k++ == 1)
			sse_raw(s, strdup("event: content_block_delta\ndata: {\"type\":"
			    "\"content_block_delta\",\"index\":0,\"delta\":{\"ty\n\n"));
		else
			sse_event(s, "content_block_delta", json_pack("{s:s, s:i, s:{s:s, s:s}}",
			    "type", "content_block_delta", "index", 0, "delta", "type",
			    "text_delta", "text", piece));
	}
}

/* Applies a drop, truncate or stream_error fault to the built sequence. */
static void
stream_fault(struct fk_sse *s, const struct fk_fault *f)
{
	const char *type = f->error_type[0] ? f->error_type : "overloaded_error";

	if (f->drop || f->truncate)
		sse_stop_half(s, f->drop);
	else if (f->stream_error) {
		sse_keep(s, sse_count(s) / 2);
		sse_event(s, "error", json_pack("{s:s, s:{s:s, s:s}}", "type", "error", "error",
		    "type", type, "message", strcmp(type, "overloaded_error") == 0 ?
		    "Overloaded" : "Injected stream error"));
	}
}

/* Builds the event sequence of the real API as a callback response. */
static void
stream_reply(const struct fk_req *q, struct fk_reply *r, const char *id,
    const struct fk_plan *p, const struct fk_usage *u)
{
	struct fk_sse *s = sse_new();
	struct fk_usage start = *u;
	json_t	*msg, *fin;
	char	 text[256];
	long	 out;
	int	 capped;

	if (s == NULL)
		return;
	msg_answer(p, text, sizeof text, &out, &capped);
	start.output = 1;
	msg = msg_message_json(id, p, &start, "standard");
	json_object_set_new(msg, "content", json_array());
	json_object_set_new(msg, "stop_reason", json_null());
	sse_event(s, "message_start", json_pack("{s:s, s:o}", "type", "message_start",
	    "message", msg));
	sse_event(s, "ping", json_pack("{s:s}", "type", "ping"));
	if (*text) {
		sse_event(s, "content_block_start", json_pack("{s:s, s:i, s:{s:s, s:s}}",
		    "type", "content_block_start", "index", 0, "content_block",
		    "type", "text", "text", ""));
		ev_deltas(s, text, q->has_fault && q->fault.malformed);
		sse_event(s, "content_block_stop", json_pack("{s:s, s:i}", "type",
		    "content_block_stop", "index", 0));
	}
	fin = msg_usage_json(u, "standard");
	json_object_del(fin, "cache_creation");
	json_object_del(fin, "service_tier");
	sse_event(s, "message_delta", json_pack("{s:s, s:{s:s, s:n}, s:o}", "type",
	    "message_delta", "delta", "stop_reason", capped ? "max_tokens" : "end_turn",
	    "stop_sequence", "usage", fin));
	sse_event(s, "message_stop", json_pack("{s:s}", "type", "message_stop"));
	if (q->has_fault)
		stream_fault(s, &q->fault);
	sse_reply(s, r);
}

/* POST /v1/messages */
void
msg_messages(const struct fk_req *q, struct fk_reply *r)
{
	struct fk_plan p;
	struct fk_usage u;
	char	 id[40], text[256];
	int	 capped;

	if (plan_body(q, r, 0, &p) == -1)
		return;
	pthread_mutex_lock(&fk.lock);
	cache_apply(&p, fk_now(), &u);
	fk_id("msg_01", id, sizeof id);
	pthread_mutex_unlock(&fk.lock);
	msg_answer(&p, text, sizeof text, &u.output, &capped);
	fk_ratelimit_headers(r, p.total, u.output);
	admin_record(q, p.model, &u);
	if (p.stream)
		stream_reply(q, r, id, &p, &u);
	else
		fk_reply_json(r, 200, msg_message_json(id, &p, &u, "standard"));
}

/* POST /v1/messages/count_tokens */
void
msg_count_tokens(const struct fk_req *q, struct fk_reply *r)
{
	struct fk_plan p;

	if (plan_body(q, r, 1, &p) == -1)
		return;
	fk_reply_json(r, 200, json_pack("{s:I}", "input_tokens", (json_int_t)p.total));
}
