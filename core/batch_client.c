/* batch_client.c — the batch calls over a provider's table (batch_client.h):
 * get, cancel, list pages, the list since a time, and JSONL results
 * streamed line by line. No provider is named here. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api_int.h"
#include "core/batch_client.h"

const struct batch_client *
batch_client_of(const struct provider *pv)
{
	return pv != NULL && pv->id == PROVIDER_OPENAI ? &batch_client_openai :
	    &batch_client_anthropic;
}

const struct batch_client *
batch_client_for_id(const char *id)
{
	static const struct batch_client *const all[] = { &batch_client_anthropic,
		&batch_client_openai };
	size_t i, n;

	if (!api_batch_id_ok(id))
		return NULL;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		n = strlen(all[i]->id_prefix);
		if (strncmp(id, all[i]->id_prefix, n) == 0 && id[n] != '\0')
			return all[i];
	}
	return NULL;
}

const char *
batch_state_name(enum batch_state s)
{
	static const char *const names[BATCH_STATE_COUNT] = { "validating", "in_progress",
		"finalizing", "completed", "failed", "expired", "cancelling", "cancelled" };

	return s >= 0 && s < BATCH_STATE_COUNT ? names[s] : "in_progress";
}

int
batch_state_final(enum batch_state s)
{
	return s == BATCH_COMPLETED || s == BATCH_FAILED || s == BATCH_EXPIRED ||
	    s == BATCH_CANCELLED;
}

/* Batch ids go into a URL path: letters, digits, '_' and '-' only. */
static int
batch_path(const struct batch_client *c, const char *id, const char *suffix, char *buf,
           size_t n, struct http_error *err)
{
	if (!api_batch_id_ok(id)) {
		err_set(err, 0, "config_error", "not a batch id");
		return -1;
	}
	snprintf(buf, n, "%s/%s%s", c->path, id, suffix);
	return 0;
}

int
batch_client_parse(const struct batch_client *c, const char *body, size_t len,
                   struct api_batch *b)
{
	struct http_error he;
	json_error_t je;
	json_t *j;
	int rc;

	if (body == NULL || (j = json_loadb(body, len, 0, &je)) == NULL)
		return -1;
	rc = c->from_json(j, b, &he);
	json_decref(j);
	return rc;
}

/* ---- one batch object ------------------------------------------------------- */

struct batch_ctx {
	const struct batch_client *c;
	api_batch_fn               done;
	void                      *arg;
};

static void
batch_json_done(void *arg, json_t *resp, const struct http_result *res, const struct http_error *err)
{
	struct batch_ctx *c = arg;
	struct api_batch b;
	struct http_error e;

	if (err != NULL) {
		c->done(c->arg, NULL, err);
	} else if (c->c->from_json(resp, &b, &e) != 0) {
		snprintf(e.request_id, sizeof(e.request_id), "%s", res->request_id);
		e.attempts = res->attempts;
		c->done(c->arg, NULL, &e);
	} else {
		c->done(c->arg, &b, NULL);
	}
	free(c);
}

static struct http_req *
batch_start(const struct batch_client *bc, struct http_multi *m, const char *method,
            const char *path, const json_t *body, api_batch_fn done, void *arg,
            struct http_error *err)
{
	struct batch_ctx *c = calloc(1, sizeof(*c));
	struct http_req *r;

	if (c == NULL) {
		err_set(err, 0, "config_error", "out of memory");
		return NULL;
	}
	c->c = bc;
	c->done = done;
	c->arg = arg;
	r = api_json_start_for(m, bc->pv, method, path, body, batch_json_done, c, err);
	if (r == NULL)
		free(c);
	return r;
}

struct http_req *
batch_client_get_start(const struct batch_client *c, struct http_multi *m, const char *id,
                       api_batch_fn done, void *arg, struct http_error *err)
{
	char path[256];

	if (batch_path(c, id, "", path, sizeof(path), err) != 0)
		return NULL;
	return batch_start(c, m, "GET", path, NULL, done, arg, err);
}

struct http_req *
batch_client_cancel_start(const struct batch_client *c, struct http_multi *m, const char *id,
                          api_batch_fn done, void *arg, struct http_error *err)
{
	char path[256];

	if (batch_path(c, id, "/cancel", path, sizeof(path), err) != 0)
		return NULL;
	return batch_start(c, m, "POST", path, NULL, done, arg, err);
}

struct http_req *
batch_client_create_start(const struct batch_client *c, struct http_multi *m,
                          const json_t *body, api_batch_fn done, void *arg,
                          struct http_error *err)
{
	return batch_start(c, m, "POST", c->path, body, done, arg, err);
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
batch_client_get(const struct batch_client *c, struct http_multi *m, const char *id,
                 struct api_batch *b, struct http_error *err)
{
	struct batch_sync s = { 0, 0, b, err };

	return batch_sync(m, batch_client_get_start(c, m, id, batch_sync_done, &s, err), &s);
}

int
batch_client_cancel(const struct batch_client *c, struct http_multi *m, const char *id,
                    struct api_batch *b, struct http_error *err)
{
	struct batch_sync s = { 0, 0, b, err };

	return batch_sync(m, batch_client_cancel_start(c, m, id, batch_sync_done, &s, err), &s);
}

int
batch_client_create(const struct batch_client *c, struct http_multi *m, const json_t *body,
                    struct api_batch *b, struct http_error *err)
{
	struct batch_sync s = { 0, 0, b, err };

	return batch_sync(m, batch_client_create_start(c, m, body, batch_sync_done, &s, err), &s);
}

/* ---- the list ---------------------------------------------------------------- */

/* A list page's JSON into a heap array (*out, caller frees) and last_id. */
static int
page_parse(const struct batch_client *c, json_t *resp, struct api_batch **out, size_t *n,
           int *has_more, char *last_id, struct http_error *err)
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
		if (c->from_json(o, &(*out)[i], err) != 0) {
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
	const struct batch_client *c;
	api_batch_page_fn          done;
	void                      *arg;
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
	} else if (page_parse(c->c, resp, &list, &n, &more, last, &e) != 0) {
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
batch_client_list_start(const struct batch_client *bc, struct http_multi *m, int limit,
                        const char *after, api_batch_page_fn done, void *arg,
                        struct http_error *err)
{
	char path[512], q[256] = "";
	struct page_ctx *c;
	struct http_req *r;

	if (after != NULL && *after != '\0') {
		if (batch_path(bc, after, "", path, sizeof(path), err) != 0)
			return NULL;
		snprintf(q, sizeof(q), "&%s=%s", bc->after_param, after);
	}
	snprintf(path, sizeof(path), "%s?limit=%d%s", bc->path,
	         limit < 1 ? 20 : limit > bc->list_max ? bc->list_max : limit, q);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_set(err, 0, "config_error", "out of memory");
		return NULL;
	}
	c->c = bc;
	c->done = done;
	c->arg = arg;
	r = api_json_start_for(m, bc->pv, "GET", path, NULL, page_json_done, c, err);
	if (r == NULL)
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
batch_client_list_page(const struct batch_client *c, struct http_multi *m, int limit,
                       const char *after, struct api_batch **out, size_t *n, int *has_more,
                       char *last_id, struct http_error *err)
{
	struct page_sync s = { 0, 0, out, n, has_more, last_id, err };

	*out = NULL;
	*n = 0;
	*has_more = 0;
	/* after may be last_id itself: it is copied into the path by the start */
	if (batch_client_list_start(c, m, limit, after, page_sync_done, &s, err) == NULL)
		return -1;
	last_id[0] = '\0';
	run_until(m, &s.finished);
	return s.failed ? -1 : 0;
}

/* Append np batches of page to *all (*total of them). 0, or -1 out of memory. */
static int
append(struct api_batch **all, size_t *total, const struct api_batch *page, size_t np)
{
	struct api_batch *na;

	if (np == 0)
		return 0;
	if ((na = realloc(*all, (*total + np) * sizeof(*na))) == NULL)
		return -1;
	*all = na;
	memcpy(na + *total, page, np * sizeof(*page));
	*total += np;
	return 0;
}

int
batch_client_list_since(const struct batch_client *c, struct http_multi *m, int64_t since_ms,
                        struct api_batch **out, size_t *n, struct http_error *err)
{
	struct api_batch *all = NULL, *page;
	size_t total = 0, np, i, keep;
	char after[USAGE_ID_MAX] = "", last[USAGE_ID_MAX];
	int more = 1, older = 0;

	while (more && !older) {
		if (batch_client_list_page(c, m, c->list_max, after, &page, &np, &more, last,
		    err) != 0) {
			free(all);
			return -1;
		}
		/* newest first: once one is older, the rest are too (since_ms 0: all) */
		for (keep = 0, i = 0; i < np && !older; i++) {
			if (since_ms > 0 && page[i].created_ms != 0 && page[i].created_ms < since_ms)
				older = 1;
			else
				keep++;
		}
		if (append(&all, &total, page, keep) != 0) {
			free(page);
			free(all);
			err_set(err, 200, "invalid_response", "out of memory");
			return -1;
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

/* ---- JSONL results, line by line --------------------------------------------- */

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
batch_client_lines_start(const struct batch_client *bc, struct http_multi *m,
                         const char *where, api_line_fn on_line, api_results_done_fn done,
                         void *arg, struct http_error *err)
{
	const char *base = http_multi_base_url_of(m, (int)bc->pv->id);
	size_t bl = strlen(base);
	struct results_ctx *c;
	struct http_request rq;
	struct http_req *r;

	if (where == NULL || (where[0] != '/' && (strncmp(where, base, bl) != 0 ||
	    (where[bl] != '/' && where[bl] != '\0')))) {
		err_set(err, 0, "insecure_url",
		        "results_url is not on the configured API base URL; not sending the key there");
		return NULL;
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
	rq.pv = bc->pv;
	rq.accept = "application/binary";
	rq.sink = results_sink;
	rq.done = results_done;
	rq.arg = c;
	if ((r = http_req_start(m, &rq, err)) == NULL)
		free(c);
	return r;
}
