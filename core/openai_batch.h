/* openai_batch.h — OpenAI's Batch API (api-notes §8) beside the neutral
 * batch table (batch_client_openai, core/batch_client.h): the batch object,
 * and the files a batch needs: the JSONL input uploaded first
 * (multipart, purpose "batch"), the output and error files read back, and
 * input files no batch used deleted. */
#ifndef TOKENTOP_OPENAI_BATCH_H
#define TOKENTOP_OPENAI_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/api.h"

/* The metadata key that carries a create's intent token (exact adoption). */
#define OPENAI_BATCH_INTENT_KEY "tokentop_intent"

/* A batch object (borrowed) into b (zeroed first): status, request_counts
 * (total, completed, failed → processing, succeeded, errored), times (Unix
 * seconds → ms; ended_ms = when it completed, failed, expired or was
 * cancelled; cancel_ms = cancelling_at), the output and error file ids,
 * errors.data as "line N: code: message; …" and metadata's intent token.
 * 0, or -1 with *err (invalid_response). */
int openai_batch_from_json(const json_t *obj, struct api_batch *b, struct http_error *err);

/*
 * Upload path (read from disk as it is sent) as a batch input file named
 * name: POST /v1/files, purpose "batch". 0 with file_id (size
 * USAGE_ID_MAX), or -1 with *err. The client's retries apply: a repeated
 * upload only leaves a file no batch uses, which openai_files_delete_named
 * removes.
 */
int openai_file_upload(struct http_multi *m, const char *path, const char *name, char *file_id,
                       struct http_error *err);

/* The create body for an uploaded file: endpoint, completion_window 24h,
 * metadata {tokentop_intent: intent}. A new reference (NULL out of memory). */
json_t *openai_batch_create_body(const char *file_id, const char *endpoint, const char *intent);

/* DELETE /v1/files/{id}. 0, or -1 with *err (a 404: already gone, also 0). */
int openai_file_delete(struct http_multi *m, const char *file_id, struct http_error *err);

/* Delete every batch file named name (GET /v1/files?purpose=batch, paged),
 * except keep (may be NULL). *deleted (may be NULL) = how many. 0 or -1. */
int openai_files_delete_named(struct http_multi *m, const char *name, const char *keep,
                              int *deleted, struct http_error *err);

/*
 * One line of an OpenAI batch input file (batch_line_fn, core/batch.h):
 * the full form (method POST, url /v1/chat/completions or /v1/responses, a
 * body with a model, no stream) kept as it is, or the short form completed
 * into a Chat Completions request (o->model and o->max_tokens as defaults;
 * the cap goes as max_completion_tokens, which every model takes). r->url is
 * the endpoint. 1, 0 (blank), or -1 with the reason.
 */
struct batch_opts;
struct batch_req;
int openai_batch_line_check(const char *line, size_t len, const struct batch_opts *o,
                            struct batch_req *r, char *reason, size_t reasonlen);

#endif
