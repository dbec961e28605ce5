/* fk_openai_chat.c — POST /v1/chat/completions, plain and streamed (chat.completion.chunk
 * lines, then [DONE]; usage in one extra chunk only with stream_options.include_usage). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

/*
 * Parses the body and plans it for api; on failure fills r with the real error
 * (400 with the SDK-visible message for a body that is not JSON) and returns -1.
 * p is always to be freed with oa_plan_free.
 */
int
oa_read_plan(const struct fk_req *q, struct fk_reply *r, int api, struct oa_plan *p)
{
	struct oa_err e;
	json_t	*body;
	int	 rc;

	memset(p, 0, sizeof *p);
	if ((body = json_loadb(q->body, q->len, 0, NULL)) == NULL) {
		oa_fail(r, 400, NULL, NULL, "We could not parse the JSON body of your request. "
		    "(HINT: This likely means you aren't using your HTTP library correctly. The "
		    "OpenAI API expects a JSON payload, but what was sent was not valid JSON.)");
		return -1;
	}
	rc = oa_plan_build(api, body, p, &e);
	json_decref(body);
	if (rc == -1)
		oa_error(r, &e);
	return rc;
}

/* One chunk: the common fields, one choice with delta (taken) and finish_reason;
 * "usage":null when the client asked for usage. */
static json_t *
chunk(const char *id, long created, const struct oa_plan *p, json_t *delta, const char *fin)
{
	json_t	*c = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:[{s:i, s:o, s:n, s:o}]}",
	    "id", id, "object", "chat.completion.chunk", "created", (json_int_t)created,
	    "model", oa_model_name(p->model), "service_tier", p->tier,
	    "system_fingerprint", "fp_fa4e0c7d12", "choices", "index", 0, "delta", delta,
	    "logprobs", "finish_reason", fin ? json_string(fin) : json_null());

	if (p->include_usage)
		json_object_set_new(c, "usage", json_null());
	return c;
}

/* Cuts the stream for a drop, truncate or stream_error fault (the error arrives as a
 * data line with the real error body, and no [DONE] follows). */
static void
chat_fault(struct fk_sse *s, const struct fk_fault *f)
{
	if (f->drop || f->truncate)
		sse_stop_half(s, f->drop);
	else if (f->stream_error) {
		sse_keep(s, sse_count(s) / 2);
		sse_event(s, NULL, json_pack("{s:{s:s, s:s, s:n, s:n}}", "error", "message",
		    "The server had an error while processing your request. (injected fault)",
		    "type", f->error_type[0] ? f->error_type : "server_error", "param", "code"));
	}
}

static void
chat_stream(const struct fk_req *q, struct fk_reply *r, const char *id, long created,
    const struct oa_plan *p, const struct oa_usage *u, const char *text, int capped)
{
	struct fk_sse *s = sse_new();
	char	 piece[20];
	size_t	 at = 0, k = 0;
	json_t	*c;

	if (s == NULL)
		return;
	sse_event(s, NULL, chunk(id, created, p, json_pack("{s:s, s:s, s:n}", "role",
	    "assistant", "content", "", "refusal"), NULL));
	while (sse_next_piece(text, &at, piece, 16)) {
		if (q->has_fault && q->fault.malformed && k++ == 1)
			sse_raw(s, strdup("data: {\"id\":\"chatcmpl-broken\",\"object\":\"chat."
			    "completion.chunk\",\"choices\":[{\"delta\":{\"cont\n\n"));
		else
			sse_event(s, NULL, chunk(id, created, p, json_pack("{s:s}", "content",
			    piece), NULL));
	}
	sse_event(s, NULL, chunk(id, created, p, json_object(), capped ? "length" : "stop"));
	if (p->include_usage) {
		c = chunk(id, created, p, json_object(), NULL);
		json_object_set_new(c, "choices", json_array());
		json_object_set_new(c, "usage", oa_usage_json(OA_CHAT, u));
		sse_event(s, NULL, c);
	}
	sse_raw(s, strdup("data: [DONE]\n\n"));
	if (q->has_fault)
		chat_fault(s, &q->fault);
	sse_reply(s, r);
}

/* Serves a planned Chat Completions or Responses call: the rate limit, caching and
 * the answer at the virtual now, the organisation's usage row. Fills u, text, id,
 * created and capped; -1 when the rate limit answered 429 in r. */
int
oa_serve_call(const struct fk_req *q, struct fk_reply *r, const struct oa_plan *p,
    struct oa_usage *u, char *text, size_t len, char *id, size_t idlen, long *created,
    int *capped)
{
	char	 key_id[48], project[96];
	double	 now;

	if (oa_limits_take(r, p->model, p->total + (p->max_out > 0 ? p->max_out : 0)) == -1)
		return -1;
	oa_caller(q, key_id, sizeof key_id, project, sizeof project);
	pthread_mutex_lock(&fk.lock);
	now = fk_now();
	oa_serve(p, now, u, text, len, capped);
	if (p->api == OA_CHAT)
		fk_id("chatcmpl-", id, idlen);
	else
		oa_hex_id("resp_", 48, id, idlen);
	*created = oa_unix(now);
	oa_org_record(fk.wall_start + now, p->model, u, key_id, project, p->tier, 0);
	pthread_mutex_unlock(&fk.lock);
	return 0;
}

/* POST /v1/chat/completions */
void
oa_chat(const struct fk_req *q, struct fk_reply *r)
{
	struct oa_plan p;
	struct oa_usage u;
	char	 id[48], text[256];
	long	 created;
	int	 capped;

	if (oa_read_plan(q, r, OA_CHAT, &p) == 0 && oa_serve_call(q, r, &p, &u, text,
	    sizeof text, id, sizeof id, &created, &capped) == 0) {
		if (p.stream)
			chat_stream(q, r, id, created, &p, &u, text, capped);
		else
			fk_reply_json(r, 200, oa_chat_json(id, created, &p, &u, text, capped,
			    p.tier));
	}
	oa_plan_free(&p);
}
