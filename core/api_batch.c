/* api_batch.c — the Message Batches endpoints and the JSONL results download. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/api_int.h"

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

/* A list page's JSON into a heap array (*out, caller frees) and last_id. */
static int
page_parse(json_t *resp, struct api_batch **out, size_t *n, int *has_more, char *last_id,
           struct http_error *err)
{
	json_t *data = json_object_get(resp, "data"), *o;
	size_t i;

	*out = NULL;
	*n = 0;
	*has_more = 0;
	last_id[0] = '\0';
	if (!json_is_array(data)) {
		err_set(err, 200, "invalid_response", "batch list: no data array");
		return -1;
	}
	if (json_array_size(data) > 0 &&
	    (*out = calloc(json_array_size(data), sizeof(**out))) == NULL) {
		err_set(err, 200, "invalid_response", "out of memory");
		return -1;
	}
	json_array_foreach(data, i, o) {
		if (api_batch_from_json(o, &(*out)[i], err) != 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
	}
	*n = json_array_size(data);
	*has_more = json_is_true(json_object_get(resp, "has_more"));
	usage_strlcpy(last_id, jstr(resp, "last_id"), USAGE_ID_MAX);
	if (last_id[0] == '\0' && *n > 0)
		usage_strlcpy(last_id, (*out)[*n - 1].id, USAGE_ID_MAX);
	return 0;
}

struct page_ctx {
	api_batch_page_fn done;
	void             *arg;
};

static void
page_json_done(void *arg, json_t *resp, const struct http_result *res,
               const struct http_error *err)
{
	struct page_ctx *c = arg;
	struct api_batch *list = NULL;
	struct http_error e;
	char last[USAGE_ID_MAX] = "";
	size_t n = 0;
	int more = 0;

	if (err != NULL) {
		c->done(c->arg, NULL, 0, 0, "", err);
	} else if (page_parse(resp, &list, &n, &more, last, &e) != 0) {
		snprintf(e.request_id, sizeof(e.request_id), "%s", res->request_id);
		e.attempts = res->attempts;
		c->done(c->arg, NULL, 0, 0, "", &e);
	} else {
		c->done(c->arg, list, n, more, last, NULL);
	}
	free(list);
	free(c);
}

struct http_req *
api_batch_list_start(struct http_multi *m, int limit, const char *after_id,
                     api_batch_page_fn done, void *arg, struct http_error *err)
{
	char path[512], after[256] = "";
	struct page_ctx *c;
	struct http_req *r;

	if (after_id != NULL && *after_id != '\0') {
		if (batch_path(after_id, "", path, sizeof(path), err) != 0)
			return NULL;
		snprintf(after, sizeof(after), "&after_id=%s", after_id);
	}
	snprintf(path, sizeof(path), "/v1/messages/batches?limit=%d%s",
	         limit < 1 ? 20 : limit > 1000 ? 1000 : limit, after);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_set(err, 0, "config_error", "out of memory");
		return NULL;
	}
	c->done = done;
	c->arg = arg;
	if ((r = api_json_start(m, "GET", path, NULL, page_json_done, c, err)) == NULL)
		free(c);
	return r;
}

struct page_sync {
	int                finished, failed;
	struct api_batch **out;
	size_t            *n;
	int               *has_more;
	char              *last_id;
	struct http_error *err;
};

static void
page_sync_done(void *arg, const struct api_batch *b, size_t n, int has_more,
               const char *last_id, const struct http_error *err)
{
	struct page_sync *s = arg;

	s->finished = 1;
	if (err != NULL) {
		s->failed = 1;
		if (s->err != NULL)
			*s->err = *err;
		return;
	}
	if (n > 0 && (*s->out = malloc(n * sizeof(*b))) == NULL) {
		s->failed = 1;
		err_set(s->err, 200, "invalid_response", "out of memory");
		return;
	}
	if (n > 0)
		memcpy(*s->out, b, n * sizeof(*b));
	*s->n = n;
	*s->has_more = has_more;
	usage_strlcpy(s->last_id, last_id, USAGE_ID_MAX);
}

int
api_batch_list_page(struct http_multi *m, int limit, const char *after_id,
                    struct api_batch **out, size_t *n, int *has_more, char *last_id,
                    struct http_error *err)
{
	struct page_sync s = { 0, 0, out, n, has_more, last_id, err };

	*out = NULL;
	*n = 0;
	*has_more = 0;
	/* after_id may be last_id itself: it is copied into the path by the start */
	if (api_batch_list_start(m, limit, after_id, page_sync_done, &s, err) == NULL)
		return -1;
	last_id[0] = '\0';
	run_until(m, &s.finished);
	return s.failed ? -1 : 0;
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

int
api_batch_list_since(struct http_multi *m, int64_t since_ms, struct api_batch **out, size_t *n,
                     struct http_error *err)
{
	struct api_batch *all = NULL, *page, *na;
	size_t total = 0, np, i;
	char after[USAGE_ID_MAX] = "", last[USAGE_ID_MAX];
	int more = 1, older = 0;

	while (more && !older) {
		if (api_batch_list_page(m, 100, after, &page, &np, &more, last, err) != 0) {
			free(all);
			return -1;
		}
		if (np > 0 && (na = realloc(all, (total + np) * sizeof(*na))) == NULL) {
			free(page);
			free(all);
			err_set(err, 200, "invalid_response", "out of memory");
			return -1;
		}
		if (np > 0)
			all = na;
		for (i = 0; i < np; i++) {
			/* newest first: once one is older, the rest are too */
			if (page[i].created_ms != 0 && page[i].created_ms < since_ms)
				older = 1;
			else
				all[total++] = page[i];
		}
		free(page);
		if (np == 0 || last[0] == '\0' || strcmp(last, after) == 0)
			break;
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
