/* fk_openai_responses.c — POST /v1/responses, plain and streamed as typed events
 * (response.created … response.output_text.delta … response.completed with the whole
 * response and its usage; response.incomplete when max_output_tokens cut it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

struct rstream {
	struct fk_sse *s;
	int	 seq;		/* sequence_number of the next event */
	int	 malformed;	/* break the second text delta */
	int	 ndelta;
};

/* Adds event type: {"type","sequence_number", …data (taken)}. */
static void
ev(struct rstream *rs, const char *type, json_t *data)
{
	json_t	*e = json_pack("{s:s, s:i}", "type", type, "sequence_number", rs->seq++);

	json_object_update(e, data);
	json_decref(data);
	sse_event(rs->s, type, e);
}

static void
text_deltas(struct rstream *rs, const char *item_id, int index, const char *text)
{
	char	 piece[20];
	size_t	 at = 0;

	while (sse_next_piece(text, &at, piece, 16)) {
		if (rs->malformed && rs->ndelta++ == 1) {
			sse_raw(rs->s, strdup("event: response.output_text.delta\ndata: "
			    "{\"type\":\"response.output_text.delta\",\"delta\":\"ec\n\n"));
			rs->seq++;
			continue;
		}
		ev(rs, "response.output_text.delta", json_pack("{s:s, s:i, s:i, s:s, s:[]}",
		    "item_id", item_id, "output_index", index, "content_index", 0,
		    "delta", piece, "logprobs"));
	}
}

/* The events of one output item: added, (for a message) its text part, done. */
static void
item_events(struct rstream *rs, json_t *item, int index)
{
	const char *id = json_string_value(json_object_get(item, "id"));
	json_t	*part = json_array_get(json_object_get(item, "content"), 0), *start;

	start = json_deep_copy(item);
	if (part != NULL) {
		json_object_set_new(start, "status", json_string("in_progress"));
		json_object_set_new(start, "content", json_array());
	}
	ev(rs, "response.output_item.added", json_pack("{s:i, s:o}", "output_index", index,
	    "item", start));
	if (part != NULL) {
		ev(rs, "response.content_part.added", json_pack("{s:s, s:i, s:i, s:{s:s, s:[], "
		    "s:[], s:s}}", "item_id", id, "output_index", index, "content_index", 0,
		    "part", "type", "output_text", "annotations", "logprobs", "text", ""));
		text_deltas(rs, id, index, json_string_value(json_object_get(part, "text")));
		ev(rs, "response.output_text.done", json_pack("{s:s, s:i, s:i, s:O, s:[]}",
		    "item_id", id, "output_index", index, "content_index", 0,
		    "text", json_object_get(part, "text"), "logprobs"));
		ev(rs, "response.content_part.done", json_pack("{s:s, s:i, s:i, s:O}",
		    "item_id", id, "output_index", index, "content_index", 0, "part", part));
	}
	ev(rs, "response.output_item.done", json_pack("{s:i, s:O}", "output_index", index,
	    "item", item));
}

/* Cuts the stream for a drop, truncate or stream_error fault (an "error" event). */
static void
resp_fault(struct rstream *rs, const struct fk_fault *f)
{
	if (f->drop || f->truncate)
		sse_stop_half(rs->s, f->drop);
	else if (f->stream_error) {
		sse_keep(rs->s, sse_count(rs->s) / 2);
		ev(rs, "error", json_pack("{s:s, s:s, s:n}", "code", f->error_type[0] ?
		    f->error_type : "server_error", "message", "The server had an error while "
		    "processing your request. (injected fault)", "param"));
	}
}

/* The event sequence for the finished response resp (taken). */
static void
resp_stream(const struct fk_req *q, struct fk_reply *r, json_t *resp)
{
	struct rstream rs = { sse_new(), 0, q->has_fault && q->fault.malformed, 0 };
	json_t	*start, *item;
	const char *status = json_string_value(json_object_get(resp, "status"));
	size_t	 i;

	if (rs.s == NULL) {
		json_decref(resp);
		return;
	}
	start = json_deep_copy(resp);
	json_object_set_new(start, "status", json_string("in_progress"));
	json_object_set_new(start, "output", json_array());
	json_object_set_new(start, "usage", json_null());
	json_object_set_new(start, "incomplete_details", json_null());
	ev(&rs, "response.created", json_pack("{s:O}", "response", start));
	ev(&rs, "response.in_progress", json_pack("{s:o}", "response", start));
	json_array_foreach(json_object_get(resp, "output"), i, item)
		item_events(&rs, item, (int)i);
	ev(&rs, strcmp(status, "incomplete") == 0 ? "response.incomplete" :
	    "response.completed", json_pack("{s:o}", "response", resp));
	if (q->has_fault)
		resp_fault(&rs, &q->fault);
	sse_reply(rs.s, r);
}

/* POST /v1/responses */
void
oa_responses(const struct fk_req *q, struct fk_reply *r)
{
	struct oa_plan p;
	struct oa_usage u;
	char	 id[64], msg_id[64], text[256];
	long	 created;
	int	 capped;
	json_t	*resp;

	if (oa_read_plan(q, r, OA_RESP, &p) == 0 && oa_serve_call(q, r, &p, &u, text,
	    sizeof text, id, sizeof id, &created, &capped) == 0) {
		snprintf(msg_id, sizeof msg_id, "msg_%s", id + 5);
		resp = oa_response_json(id, msg_id, created, &p, &u, text, capped, p.tier);
		if (p.stream)
			resp_stream(q, r, resp);
		else
			fk_reply_json(r, 200, resp);
	}
	oa_plan_free(&p);
}
