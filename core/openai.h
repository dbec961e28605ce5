/* openai.h — OpenAI's side of the provider seam (api-notes §8): usage from
 * Chat Completions, Responses, legacy completions and embeddings objects,
 * batch output lines, stream events, and the proxy's include_usage rewrite.
 * The table itself is provider_openai (core/provider.h). */
#ifndef TOKENTOP_OPENAI_H
#define TOKENTOP_OPENAI_H

#include <stddef.h>
#include <stdint.h>

#include "core/provider.h"
#include "core/usage.h"

struct json_t;

/*
 * OpenAI's "included" counts into the neutral buckets: cached tokens are
 * INSIDE input, reasoning tokens INSIDE output. So u->tok.input = input −
 * cached (uncached input), u->tok.cache_read = cached, u->tok.output =
 * output (reasoning included, never added again), u->reasoning_tokens =
 * reasoning; no cache writes. names[4] name the four fields for errors
 * (e.g. "usage.prompt_tokens"). -1 with "…cached_tokens: 2000: more than
 * usage.prompt_tokens (1000), which include them" when a part exceeds its
 * whole.
 */
int openai_usage_split(int64_t input, int64_t cached, int64_t output, int64_t reasoning,
                       const char *const names[4], struct usage *u, char *err, size_t errlen);

/*
 * A usage object (borrowed) of either shape into u's buckets: Chat
 * (prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens,
 * completion_tokens_details.reasoning_tokens; embeddings have only
 * prompt_tokens) or Responses (input_tokens, output_tokens,
 * input_tokens_details.cached_tokens, output_tokens_details.reasoning_tokens).
 * where prefixes field names in errors ("usage."). 0 or -1.
 */
int openai_usage_object(struct json_t *us, const char *where, struct usage *u, char *err,
                        size_t errlen);

/*
 * A response object (borrowed): "object" chat.completion, response,
 * text_completion or list (embeddings). model, id → message_id,
 * service_tier, the stop reason (finish_reason of the first choice, or a
 * Responses status; a stop at the output cap — "length", incomplete for
 * max_output_tokens — is the ledger's "max_tokens"), usage → buckets;
 * provider openai. The caller zeroes u. 0, or -1 naming the field.
 */
int openai_response_usage(struct json_t *obj, struct usage *u, char *err, size_t errlen);

/* When a response object (borrowed) was made: "created" (Chat) or
 * "created_at" (Responses), Unix seconds, as UTC ms; 0 when absent. */
int64_t openai_response_time(struct json_t *obj);

/* Is this parsed line an OpenAI response object (its "object" member is one
 * openai_response_usage reads)? */
int openai_is_response(struct json_t *obj);

/* Is this parsed line an OpenAI batch output or error line (a custom_id and
 * a "response" member that is an object or null)? */
int openai_is_batch_line(struct json_t *obj);

/*
 * One line of an OpenAI batch output or error file (root borrowed) into r
 * (zeroed first): status_code 200 with a body → "succeeded" with the row
 * (source "batch", custom_id, request_id of the inner call, the body's
 * created time, 0 when absent: then the caller's); anything else → "errored" with "type: message" (or the error's
 * code for lines the batch never ran: batch_expired, batch_cancelled).
 * 0, or -1 with the reason.
 */
int openai_result_from_obj(struct json_t *root, struct usage_result *r, char *err,
                           size_t errlen);

/* The batch id an OpenAI batch file's name carries (batch_ID_output.jsonl or
 * batch_ID_error.jsonl, as the API names them → "batch_ID") into buf; ""
 * when it carries none. */
void openai_batch_name(const char *base, char *buf, size_t n);

/*
 * The table's stream_data: Chat Completions (and legacy completions)
 * chunks — the finish_reason chunk, and the usage chunk sent with
 * stream_options.include_usage — and Responses events, whose
 * response.completed / response.incomplete / response.failed carries the
 * whole response with its usage. The usage is known once that part came.
 */
void openai_stream_data(struct provider_stream *s, const char *event, const char *data,
                        size_t len);

/*
 * The proxy's rewrite of a Chat Completions stream request (the table's
 * request_rewrite): a body with "stream": true whose stream_options lacks
 * "include_usage": true gets it, spliced into the bytes as they are (the
 * rest of the body unchanged). Returns 1 with *out (heap, the caller frees),
 * 0 when nothing needs changing (not chat, not streamed, usage already asked
 * for, or not a JSON object), -1 out of memory.
 */
int openai_request_rewrite(const char *path, const char *body, size_t len, char **out,
                           size_t *outlen);

/*
 * For a stream whose request was rewritten (the table's relay_line): one SSE
 * line as the client would have had it. The usage-only chunk ("choices": []
 * and a usage object) and the blank line after it are dropped; a top-level
 * "usage": null member is taken out of every other chunk; everything else
 * is copied. out has room for len bytes; returns the bytes written.
 */
size_t openai_relay_line(const char *line, size_t len, char *out, int *state);

/* ---- the organisation's reports (core/openai_org.c; the ops are orgsync_openai) ---- */

/* A cost report amount in dollars (a JSON number) to nano-dollars, rounded
 * to the nearest: 0, or -1 when not finite or beyond ORGSYNC_AMOUNT_MAX. */
int openai_usd_to_nanos(double usd, int64_t *nanos);

/* ---- tokentop's calls: Responses (core/openai_api.c; the ops are call_openai) ---- */

struct api_message;
struct http_error;
struct http_multi;
struct http_req;

/*
 * The prompt_cache_key of a prefix made of n texts (borrowed): a hash, never
 * the text, as "tokentop-" and 16 hex digits into buf. The same texts give
 * the same key; a change anywhere gives another.
 */
void openai_cache_key(const char *const *texts, const size_t *lens, size_t n, char *buf,
                      size_t bufsz);

/* A Responses object (borrowed) as a message: usage (openai_response_usage),
 * the output text joined, request_id when not "". api_message_from_json's
 * contract. */
int openai_message_from_json(struct json_t *resp, const char *request_id,
                             struct api_message *msg, struct http_error *err);

/* POST /v1/responses, plain or streamed: api_messages_start's contract
 * (core/api.h). */
struct http_req *openai_responses_start(struct http_multi *m, const struct json_t *body,
                                        int stream,
                                        void (*on_text)(void *arg, const char *text, size_t len),
                                        void (*done)(void *arg, struct api_message *msg,
                                                     const struct http_error *err),
                                        void *arg, struct http_error *err);

#endif
