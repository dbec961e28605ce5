/* api_batch.c — the Message Batches endpoints and the JSONL results download. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/api_int.h"
#include "core/batch.h"
#include "core/batch_client.h"

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

/* request_counts.KEY into *out: absent or not an integer is 0 (as the API
 * never sends); an integer outside 0..USAGE_COUNT_MAX is an invalid response. */
static int
batch_count(const json_t *rc, const char *key, int64_t *out, struct http_error *err)
{
	const json_t *v = json_object_get(rc, key);
	char msg[128];

	*out = json_integer_value(v);
	if (*out >= 0 && *out <= USAGE_COUNT_MAX)
		return 0;
	snprintf(msg, sizeof(msg), "request_counts.%s: %lld: not a count (0..%lld)", key,
	    (long long)*out, (long long)USAGE_COUNT_MAX);
	err_set(err, 200, "invalid_response", msg);
	return -1;
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
	if (batch_count(rc, "processing", &b->processing, err) != 0 ||
	    batch_count(rc, "succeeded", &b->succeeded, err) != 0 ||
	    batch_count(rc, "errored", &b->errored, err) != 0 ||
	    batch_count(rc, "canceled", &b->canceled, err) != 0 ||
	    batch_count(rc, "expired", &b->expired, err) != 0)
		return -1;
	b->created_ms = time_field(obj, "created_at");
	b->expires_ms = time_field(obj, "expires_at");
	b->ended_ms = time_field(obj, "ended_at");
	b->cancel_ms = time_field(obj, "cancel_initiated_at");
	b->archived_ms = time_field(obj, "archived_at");
	return 0;
}

int
api_batch_id_ok(const char *id)
{
	const char *p;

	for (p = id; p != NULL && *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return 0;
	return id != NULL && *id != '\0' && strlen(id) < USAGE_ID_MAX;
}

/* Batch ids go into a URL path: letters, digits, '_' and '-' only. */
static int
batch_path(const char *id, const char *suffix, char *buf, size_t n, struct http_error *err)
{
	if (!api_batch_id_ok(id)) {
		err_set(err, 0, "config_error", "not a batch id");
		return -1;
	}
	snprintf(buf, n, "/v1/messages/batches/%s%s", id, suffix);
	return 0;
}

struct http_req *
api_batch_create_start(struct http_multi *m, const json_t *body, api_batch_fn done, void *arg,
                       struct http_error *err)
{
	return batch_client_create_start(&batch_client_anthropic, m, body, done, arg, err);
}

struct http_req *
api_batch_get_start(struct http_multi *m, const char *id, api_batch_fn done, void *arg,
                    struct http_error *err)
{
	return batch_client_get_start(&batch_client_anthropic, m, id, done, arg, err);
}

struct http_req *
api_batch_cancel_start(struct http_multi *m, const char *id, api_batch_fn done, void *arg,
                       struct http_error *err)
{
	return batch_client_cancel_start(&batch_client_anthropic, m, id, done, arg, err);
}

int
api_batch_create(struct http_multi *m, const json_t *body, struct api_batch *b,
                 struct http_error *err)
{
	return batch_client_create(&batch_client_anthropic, m, body, b, err);
}

int
api_batch_get(struct http_multi *m, const char *id, struct api_batch *b, struct http_error *err)
{
	return batch_client_get(&batch_client_anthropic, m, id, b, err);
}

int
api_batch_cancel(struct http_multi *m, const char *id, struct api_batch *b,
                 struct http_error *err)
{
	return batch_client_cancel(&batch_client_anthropic, m, id, b, err);
}

struct done_ctx {
	api_done_fn done;
	void       *arg;
};

static void
delete_json_done(void *arg, json_t *resp, const struct http_result *res,
                 const struct http_error *err)
{
	struct done_ctx *c = arg;

	(void)resp;
	(void)res;
	c->done(c->arg, err);
	free(c);
}

struct http_req *
api_batch_delete_start(struct http_multi *m, const char *id, api_done_fn done, void *arg,
                       struct http_error *err)
{
	struct done_ctx *c;
	struct http_req *r;
	char path[256];

	if (batch_path(id, "", path, sizeof(path), err) != 0)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_set(err, 0, "config_error", "out of memory");
		return NULL;
	}
	c->done = done;
	c->arg = arg;
	if ((r = api_json_start(m, "DELETE", path, NULL, delete_json_done, c, err)) == NULL)
		free(c);
	return r;
}

struct plain_sync {
	int                finished, failed;
	struct http_error *err;
};

static void
plain_sync_done(void *arg, const struct http_error *err)
{
	struct plain_sync *s = arg;

	s->finished = 1;
	if (err != NULL) {
		s->failed = 1;
		if (s->err != NULL)
			*s->err = *err;
	}
}

int
api_batch_delete(struct http_multi *m, const char *id, struct http_error *err)
{
	struct plain_sync s = { 0, 0, err };

	if (api_batch_delete_start(m, id, plain_sync_done, &s, err) == NULL)
		return -1;
	run_until(m, &s.finished);
	return s.failed ? -1 : 0;
}

struct http_req *
api_batch_list_start(struct http_multi *m, int limit, const char *after_id,
                     api_batch_page_fn done, void *arg, struct http_error *err)
{
	return batch_client_list_start(&batch_client_anthropic, m, limit, after_id, done, arg,
	    err);
}

int
api_batch_list_page(struct http_multi *m, int limit, const char *after_id,
                    struct api_batch **out, size_t *n, int *has_more, char *last_id,
                    struct http_error *err)
{
	return batch_client_list_page(&batch_client_anthropic, m, limit, after_id, out, n,
	    has_more, last_id, err);
}

int
api_batch_list_all(struct http_multi *m, struct api_batch **out, size_t *n,
                   struct http_error *err)
{
	return batch_client_list_since(&batch_client_anthropic, m, 0, out, n, err);
}

int
api_batch_list_since(struct http_multi *m, int64_t since_ms, struct api_batch **out, size_t *n,
                     struct http_error *err)
{
	return batch_client_list_since(&batch_client_anthropic, m, since_ms, out, n, err);
}

/* ---- batch results: JSONL, line by line --------------------------------- */

struct http_req *
api_batch_results_start(struct http_multi *m, const char *where, api_line_fn on_line,
                        api_results_done_fn done, void *arg, struct http_error *err)
{
	char path[256];

	if (where == NULL || strncmp(where, "http", 4) != 0) {
		if (batch_path(where, "/results", path, sizeof(path), err) != 0)
			return NULL;
		where = path;
	}
	return batch_client_lines_start(&batch_client_anthropic, m, where, on_line, done, arg,
	    err);
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

/* ---- the table -------------------------------------------------------------- */

static int
anthropic_from_json(const json_t *obj, struct api_batch *b, struct http_error *err)
{
	return api_batch_from_json(obj, b, err);
}

static int
anthropic_ended(const struct api_batch *b)
{
	return strcmp(b->processing_status, "ended") == 0;
}

static size_t
anthropic_results(const struct api_batch *b, char where[][BATCH_WHERE_MAX])
{
	if (b->results_url[0] != '\0')
		snprintf(where[0], BATCH_WHERE_MAX, "%s", b->results_url);
	else
		snprintf(where[0], BATCH_WHERE_MAX, "/v1/messages/batches/%s/results", b->id);
	return 1;
}

static enum batch_state
anthropic_state(const char *status, int64_t cancel_ms, int64_t canceled, int64_t expired)
{
	if (strcmp(status, "canceling") == 0)
		return BATCH_CANCELLING;
	if (strcmp(status, "ended") != 0)
		return BATCH_IN_PROGRESS;
	if (cancel_ms > 0 || canceled > 0)
		return BATCH_CANCELLED;
	return expired > 0 ? BATCH_EXPIRED : BATCH_COMPLETED;
}

const struct batch_client batch_client_anthropic = {
	.pv = &provider_anthropic,
	.id_prefix = "msgbatch_",
	.path = "/v1/messages/batches",
	.after_param = "after_id",
	.list_max = 1000,
	.max_requests = BATCH_MAX_REQUESTS,
	.max_bytes = BATCH_MAX_BYTES,
	.from_json = anthropic_from_json,
	.ended = anthropic_ended,
	.results = anthropic_results,
	.result_line = usage_result_from_obj,
	.state = anthropic_state,
};
