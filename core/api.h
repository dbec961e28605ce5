/* api.h — the Anthropic API on top of http.c: Messages (plain and
 * streamed), count_tokens and the Message Batches endpoints. Each call comes
 * async (a done callback from http_multi_perform; for the console and the
 * batch poller) and blocking (for the CLI). */
#ifndef TOKENTOP_API_H
#define TOKENTOP_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/http.h"
#include "core/usage.h"

/* ---- Messages ----------------------------------------------------------- */

/*
 * A Messages response. usage has model, request_id, message_id,
 * stop_reason, service_tier and the five buckets filled (source and ts_ms
 * are left to the caller: ts_ms is set to the time the response ended).
 * text is every text block joined; message the response object (for a
 * stream: rebuilt from the events, with the merged usage). Heap parts are
 * freed by api_message_done.
 */
struct api_message {
	struct usage usage;
	char        *text;        /* NUL-terminated, never NULL after success */
	size_t       text_len;
	json_t      *message;     /* owned reference */
	long         status;
	int          attempts;
};

/* Free m's heap parts and zero it; NULL is fine. */
void api_message_done(struct api_message *m);

/*
 * Called once with the response (msg, owned by the callee for the call:
 * it may steal msg->text / msg->message by setting them to NULL) or, when
 * err != NULL, with the failure (msg then holds what arrived, possibly
 * partial usage of a broken stream).
 */
typedef void (*api_message_fn)(void *arg, struct api_message *msg, const struct http_error *err);

/* Called with each text delta of a streamed response, as it arrives (may be
 * NULL). Async calls pass it the same arg as the done callback. */
typedef void (*api_text_fn)(void *arg, const char *text, size_t len);

/*
 * POST /v1/messages with body (borrowed; "stream" is set from stream).
 * Async: returns the request handle (borrowed) or NULL with *err filled.
 */
struct http_req *api_messages_start(struct http_multi *m, const json_t *body, int stream,
                                    api_text_fn on_text, api_message_fn done, void *arg,
                                    struct http_error *err);

/* An async call of either provider (api_messages_start, openai_responses_start). */
typedef struct http_req *(*api_start_fn)(struct http_multi *m, const json_t *body, int stream,
                                         api_text_fn on_text, api_message_fn done, void *arg,
                                         struct http_error *err);

/* The blocking form of start: 0 and *out filled (free with
 * api_message_done), or -1 and *err (out then holds what arrived). */
int api_call(api_start_fn start, struct http_multi *m, const json_t *body, int stream,
             api_text_fn on_text, void *text_arg, struct api_message *out,
             struct http_error *err);

/* Blocking form: 0 and *out filled (free with api_message_done), or -1 and *err. */
int api_messages(struct http_multi *m, const json_t *body, int stream,
                 api_text_fn on_text, void *text_arg,
                 struct api_message *out, struct http_error *err);

/*
 * The SSE accumulator behind streaming, usable alone (tests, fuzzing).
 * Feed raw bytes in any split; finish when the stream ended. An `error`
 * event makes feed or finish fail with its error.type and message.
 */
struct api_stream;
struct api_stream *api_stream_new(api_text_fn on_text, void *arg);
void api_stream_free(struct api_stream *s);     /* NULL is fine */
int api_stream_feed(struct api_stream *s, const char *data, size_t len, struct http_error *err);
/* Build *out (api_message_done frees) from what was fed; -1 with *err when the
 * stream was incomplete (no message_stop) or carried an error. */
int api_stream_finish(struct api_stream *s, struct api_message *out, struct http_error *err);

/*
 * Fill msg->usage and msg->text from a Messages response object (borrowed)
 * and the request-id. 0, or -1 with *err (type invalid_response).
 */
int api_message_from_json(json_t *resp, const char *request_id, struct api_message *msg,
                          struct http_error *err);

/* ---- count_tokens -------------------------------------------------------- */

/* Called once with the count, or err. */
typedef void (*api_count_fn)(void *arg, int64_t tokens, const struct http_error *err);

/* POST /v1/messages/count_tokens with a Messages body (borrowed; max_tokens,
 * stream, temperature and the like are dropped: the endpoint refuses them). */
struct http_req *api_count_tokens_start(struct http_multi *m, const json_t *body,
                                        api_count_fn done, void *arg, struct http_error *err);
/* Blocking form: 0 and *tokens, or -1 and *err. */
int api_count_tokens(struct http_multi *m, const json_t *body, int64_t *tokens,
                     struct http_error *err);

/* ---- Message Batches ---------------------------------------------------- */

/* A batch object (api-notes §3). Times in UTC ms, 0 when null. */
struct api_batch {
	char    id[USAGE_ID_MAX];
	char    processing_status[16];     /* in_progress, canceling, ended */
	int64_t processing, succeeded, errored, canceled, expired;
	int64_t created_ms, expires_ms, ended_ms, cancel_ms, archived_ms;
	char    results_url[512];          /* "" until ended */
};

/* Parse a batch object (borrowed). 0, or -1 with *err (also for a request
 * count outside 0..USAGE_COUNT_MAX: an invalid_response). */
int api_batch_from_json(const json_t *obj, struct api_batch *b, struct http_error *err);

/* RFC 3339 ("2024-09-24T18:37:24.100435Z", offsets allowed) to UTC ms; -1 if bad. */
int api_parse_time(const char *s, int64_t *ms);

/* Called once with the batch (borrowed for the call) or err. */
typedef void (*api_batch_fn)(void *arg, const struct api_batch *b, const struct http_error *err);

/* Can id go into a batch URL: 1 to USAGE_ID_MAX - 1 letters, digits, '_'
 * and '-'? (The API's ids are msgbatch_ and such characters.) */
int api_batch_id_ok(const char *id);

/* POST /v1/messages/batches with body {"requests":[…]} (borrowed). */
struct http_req *api_batch_create_start(struct http_multi *m, const json_t *body,
                                        api_batch_fn done, void *arg, struct http_error *err);
/* GET /v1/messages/batches/{id}. */
struct http_req *api_batch_get_start(struct http_multi *m, const char *id,
                                     api_batch_fn done, void *arg, struct http_error *err);
/* POST /v1/messages/batches/{id}/cancel. */
struct http_req *api_batch_cancel_start(struct http_multi *m, const char *id,
                                        api_batch_fn done, void *arg, struct http_error *err);

/* Blocking forms: 0 and *b, or -1 and *err. */
int api_batch_create(struct http_multi *m, const json_t *body, struct api_batch *b,
                     struct http_error *err);
int api_batch_get(struct http_multi *m, const char *id, struct api_batch *b,
                  struct http_error *err);
int api_batch_cancel(struct http_multi *m, const char *id, struct api_batch *b,
                     struct http_error *err);
/* Called once when a call without a result ended: err NULL on success. */
typedef void (*api_done_fn)(void *arg, const struct http_error *err);

/* DELETE /v1/messages/batches/{id} (only an ended batch); async and blocking (0 or -1). */
struct http_req *api_batch_delete_start(struct http_multi *m, const char *id, api_done_fn done,
                                        void *arg, struct http_error *err);
int api_batch_delete(struct http_multi *m, const char *id, struct http_error *err);

/*
 * Called once with a list page: n batches at b (borrowed for the call), whether
 * more follow, and the id to pass as after_id for the next page; or err.
 */
typedef void (*api_batch_page_fn)(void *arg, const struct api_batch *b, size_t n, int has_more,
                                  const char *last_id, const struct http_error *err);

/* GET /v1/messages/batches?limit=&after_id= (after_id may be NULL or ""). */
struct http_req *api_batch_list_start(struct http_multi *m, int limit, const char *after_id,
                                      api_batch_page_fn done, void *arg, struct http_error *err);

/*
 * Blocking form of one page. *out (caller frees with free()) gets *n batches; *has_more
 * and last_id (size USAGE_ID_MAX, "" when empty) say where the next page
 * starts. 0 or -1.
 */
int api_batch_list_page(struct http_multi *m, int limit, const char *after_id,
                        struct api_batch **out, size_t *n, int *has_more, char *last_id,
                        struct http_error *err);

/* The list's batches created at or after since_ms (newest first), paging
 * with after_id and stopping at the first older one (batch_adopt.h). As
 * api_batch_list_page: *out (free()) gets *n batches. */
int api_batch_list_since(struct http_multi *m, int64_t since_ms, struct api_batch **out,
                         size_t *n, struct http_error *err);

/* Every page of the list, followed with after_id; as api_batch_list_page. */
int api_batch_list_all(struct http_multi *m, struct api_batch **out, size_t *n,
                       struct http_error *err);

/*
 * Called with each results line (without the newline, NUL-terminated,
 * borrowed for the call); return non-zero to stop the download.
 */
typedef int (*api_line_fn)(void *arg, const char *line, size_t len);

/* Called once when the results download ended: err NULL on success;
 * lines = complete lines delivered. */
typedef void (*api_results_done_fn)(void *arg, int64_t lines, const struct http_error *err);

/*
 * Stream a batch's results (Accept: application/binary), line by line.
 * where is the batch's results_url (it must be on the configured base URL:
 * the key goes nowhere else) or a batch id. A final line without a newline
 * is delivered too, unless the transfer failed.
 */
struct http_req *api_batch_results_start(struct http_multi *m, const char *where,
                                         api_line_fn on_line, api_results_done_fn done,
                                         void *arg, struct http_error *err);
/* Blocking form; *lines (may be NULL) = lines delivered. 0 or -1. */
int api_batch_results(struct http_multi *m, const char *where, api_line_fn on_line, void *arg,
                      int64_t *lines, struct http_error *err);

/* ---- generic ------------------------------------------------------------- */

/* Called with the parsed 2xx JSON body (borrowed; json_incref to keep) or err. */
typedef void (*api_json_fn)(void *arg, json_t *resp, const struct http_result *res,
                            const struct http_error *err);

/*
 * Any JSON call: method, path (or absolute URL), body (borrowed, may be NULL).
 * A 2xx body that is not JSON fails with invalid_response.
 */
struct http_req *api_json_start(struct http_multi *m, const char *method, const char *path,
                                const json_t *body, api_json_fn done, void *arg,
                                struct http_error *err);

/* Blocking: 0 and *resp (caller json_decref's) or -1 and *err. request_id
 * (size 128, may be NULL) gets the request-id header. */
int api_json(struct http_multi *m, const char *method, const char *path, const json_t *body,
             json_t **resp, char *request_id, struct http_error *err);

/* One line for a human: "429 rate_limit_error: message (request-id req_…, 3 attempts)". */
char *api_error_string(const struct http_error *e, char *buf, size_t n);

#endif
