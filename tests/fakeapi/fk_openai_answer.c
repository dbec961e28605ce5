/* fk_openai_answer.c — what an OpenAI model answers (the Anthropic side's deterministic
 * rule, plus reasoning tokens), its usage after prompt caching, and the
 * chat.completion and response objects that carry it (online and in batch output). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fk.h"

#define FINGERPRINT	"fp_fa4e0c7d12"

/*
 * Applies prompt caching at virtual time now and computes the answer: the text
 * "echo: PREFIX" five times (V tokens by the token rule) after R = effort × V
 * reasoning tokens. The output (R + V) is capped at max_out: reasoning first, then
 * the text cut to the tokens left. Lock held; text needs 256 bytes.
 */
void
oa_serve(const struct oa_plan *p, double now, struct oa_usage *u, char *text, size_t len,
    int *capped)
{
	struct fk_plan fp;
	long	 v, r;
	int	 cut;

	memset(&fp, 0, sizeof fp);
	memcpy(fp.prefix, p->prefix, sizeof fp.prefix);
	fp.max_tokens = LONG_MAX / 8;
	msg_answer(&fp, text, len, &v, &cut);
	u->input = p->total;
	u->cached = cache_steps(p->steps, p->nsteps, now, p->ttl);
	r = p->effort > 0 ? p->effort * v : 0;
	u->reasoning = r;
	u->output = r + v;
	*capped = 0;
	if (p->max_out < 0 || r + v <= p->max_out)
		return;
	*capped = 1;
	u->output = p->max_out;
	if (r >= p->max_out) {
		u->reasoning = p->max_out;
		text[0] = '\0';
		return;
	}
	fp.max_tokens = p->max_out - r;
	msg_answer(&fp, text, len, &v, &cut);
}

/* The usage object of api (Chat Completions or Responses names); a new reference. */
json_t *
oa_usage_json(int api, const struct oa_usage *u)
{
	if (api == OA_CHAT)
		return json_pack("{s:I, s:I, s:I, s:{s:I, s:i}, s:{s:I, s:i, s:i, s:i}}",
		    "prompt_tokens", (json_int_t)u->input,
		    "completion_tokens", (json_int_t)u->output,
		    "total_tokens", (json_int_t)(u->input + u->output),
		    "prompt_tokens_details", "cached_tokens", (json_int_t)u->cached,
		    "audio_tokens", 0,
		    "completion_tokens_details", "reasoning_tokens", (json_int_t)u->reasoning,
		    "audio_tokens", 0, "accepted_prediction_tokens", 0,
		    "rejected_prediction_tokens", 0);
	return json_pack("{s:I, s:{s:I}, s:I, s:{s:I}, s:I}",
	    "input_tokens", (json_int_t)u->input,
	    "input_tokens_details", "cached_tokens", (json_int_t)u->cached,
	    "output_tokens", (json_int_t)u->output,
	    "output_tokens_details", "reasoning_tokens", (json_int_t)u->reasoning,
	    "total_tokens", (json_int_t)(u->input + u->output));
}

/* A chat.completion object; a new reference. */
json_t *
oa_chat_json(const char *id, long created, const struct oa_plan *p, const struct oa_usage *u,
    const char *text, int capped, const char *tier)
{
	return json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s, s:s, s:n, s:[]}, s:n, s:s}], "
	    "s:o, s:s, s:s}", "id", id, "object", "chat.completion", "created",
	    (json_int_t)created, "model", oa_model_name(p->model), "choices", "index", 0,
	    "message", "role", "assistant", "content", text, "refusal", "annotations",
	    "logprobs", "finish_reason", capped ? "length" : "stop",
	    "usage", oa_usage_json(OA_CHAT, u), "service_tier", tier,
	    "system_fingerprint", FINGERPRINT);
}

/* body[name], or def (a new reference either way). */
static json_t *
echo(const struct oa_plan *p, const char *name, json_t *def)
{
	json_t	*v = json_object_get(p->body, name);

	if (v == NULL || json_is_null(v))
		return def;
	json_decref(def);
	return json_deep_copy(v);
}

/* The output items: a reasoning item for reasoning models, then the message (none
 * when the cap left no text). A new reference. */
static json_t *
output_items(const char *msg_id, const struct oa_plan *p, const char *text, int capped)
{
	json_t	*out = json_array();
	char	 rs[72];

	if (p->effort >= 0) {
		snprintf(rs, sizeof rs, "rs_%s", msg_id + 4);
		json_array_append_new(out, json_pack("{s:s, s:s, s:[]}", "id", rs,
		    "type", "reasoning", "summary"));
	}
	if (*text)
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:[], s:[], "
		    "s:s}]}", "id", msg_id, "type", "message", "status", capped ? "incomplete" :
		    "completed", "role", "assistant", "content", "type", "output_text",
		    "annotations", "logprobs", "text", text));
	return out;
}

/* A response object (status completed, or incomplete at max_output_tokens); a new
 * reference. */
json_t *
oa_response_json(const char *id, const char *msg_id, long created, const struct oa_plan *p,
    const struct oa_usage *u, const char *text, int capped, const char *tier)
{
	json_t	*eff = json_object_get(json_object_get(p->body, "reasoning"), "effort");
	json_t	*r;

	r = json_pack("{s:s, s:s, s:I, s:s, s:b, s:n, s:o, s:o, s:o, s:s, s:o, s:b, s:n, "
	    "s:o, s:{s:o, s:n}, s:s, s:b, s:o, s:{s:{s:s}, s:s}, s:s, s:o, s:o, s:s, s:o, "
	    "s:n, s:o}",
	    "id", id, "object", "response", "created_at", (json_int_t)created,
	    "status", capped ? "incomplete" : "completed", "background", 0, "error",
	    "incomplete_details", capped ? json_pack("{s:s}", "reason", "max_output_tokens") :
	    json_null(),
	    "instructions", echo(p, "instructions", json_null()),
	    "max_output_tokens", echo(p, "max_output_tokens", json_null()),
	    "model", oa_model_name(p->model),
	    "output", output_items(msg_id, p, text, capped),
	    "parallel_tool_calls", 1, "previous_response_id",
	    "prompt_cache_key", echo(p, "prompt_cache_key", json_null()),
	    "reasoning", "effort", p->effort < 0 ? json_null() : eff && json_is_string(eff) ?
	    json_copy(eff) : json_string("medium"), "summary",
	    "service_tier", tier, "store", 1,
	    "temperature", echo(p, "temperature", json_real(1.0)),
	    "text", "format", "type", "text", "verbosity", "medium",
	    "tool_choice", "auto", "tools", echo(p, "tools", json_array()),
	    "top_p", echo(p, "top_p", json_real(1.0)), "truncation", "disabled",
	    "usage", oa_usage_json(OA_RESP, u), "user",
	    "metadata", echo(p, "metadata", json_object()));
	return r;
}
