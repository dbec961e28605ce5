/* fk_batch_api.c — the batch endpoints: retrieve, list, cancel, delete and the JSONL results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

/* A results download in progress; holds a reference to its batch. */
struct results {
	struct fk_batch *b;
	size_t	 i;		/* next item */
	char	*line;		/* current line, partly sent */
	size_t	 len, off;
	size_t	 stop_at;	/* lines before a cut */
	int	 mode;		/* 0 whole, 1 cut (error close), 2 truncate (clean end) */
	size_t	 bad_at;	/* malformed: this line is garbage; (size_t)-1 = none */
};

static json_t *
result_json(const struct fk_batch *b, size_t i)
{
	const struct fk_item *it = &b->items[i];
	char	 id[64];
	uint64_t h = 14695981039346656037ULL;
	const char *p;
	json_t	*res;

	switch (it->kind) {
	case K_SUCCEEDED:
		/* Stable per (batch, line): a re-download repeats the same message ids. */
		for (p = b->id; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		snprintf(id, sizeof id, "msg_01%016llx%08zx", (unsigned long long)h, i);
		res = json_pack("{s:s, s:o}", "type", "succeeded", "message",
		    msg_message_json(id, &it->plan, &it->usage, "batch"));
		break;
	case K_ERRORED:
		res = json_pack("{s:s, s:{s:s, s:{s:s, s:s}}}", "type", "errored", "error",
		    "type", "error", "error", "type", it->etype ? it->etype :
		    "invalid_request_error", "message", it->error ? it->error : "invalid");
		break;
	default:
		res = json_pack("{s:s}", "type", it->kind == K_CANCELED ? "canceled" : "expired");
	}
	return json_pack("{s:s, s:o}", "custom_id", it->custom_id, "result", res);
}

static ssize_t
results_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct results *s = cls;
	json_t	*j;
	char	*d;
	size_t	 n;

	if (s->line == NULL) {
		if (s->mode != 0 && s->i >= s->stop_at)
			return s->mode == 1 ? MHD_CONTENT_READER_END_WITH_ERROR :
			    MHD_CONTENT_READER_END_OF_STREAM;
		if (s->i >= s->b->n)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (s->i == s->bad_at)
			d = strdup("{\"custom_id\":\"oops\",\"result\":{\"type\":\"succ");
		else {
			j = result_json(s->b, s->i);
			d = json_dumps(j, JSON_COMPACT);
			json_decref(j);
		}
		s->i++;
		if (d == NULL || asprintf(&s->line, "%s\n", d) < 0)
			s->line = NULL;
		free(d);
		if (s->line == NULL)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		s->len = strlen(s->line);
		s->off = 0;
	}
	n = s->len - s->off < max ? s->len - s->off : max;
	memcpy(buf, s->line + s->off, n);
	if ((s->off += n) == s->len) {
		free(s->line);
		s->line = NULL;
	}
	return (ssize_t)n;
}

static void
results_free(void *cls)
{
	struct results *s = cls;

	pthread_mutex_lock(&fk.lock);
	batch_unref(s->b);
	pthread_mutex_unlock(&fk.lock);
	free(s->line);
	free(s);
}

/* GET …/results: 404 until the batch ended, then the lines generated as they are sent. */
static void
results(const struct fk_req *q, struct fk_reply *r, struct fk_batch *b)
{
	struct results *s;

	if (b->status != S_ENDED) {
		fk_reply_error(r, q, 404, NULL, "Batch %s has not ended yet; results are "
		    "available once processing_status is ended", b->id);
		return;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		fk_reply_error(r, q, 500, NULL, "out of memory");
		return;
	}
	s->b = b;
	b->refs++;
	s->bad_at = (size_t)-1;
	if (q->has_fault && (q->fault.cut_results || q->fault.drop))
		s->mode = 1;
	else if (q->has_fault && q->fault.truncate)
		s->mode = 2;
	if (q->has_fault && q->fault.malformed)
		s->bad_at = b->n / 2;
	s->stop_at = b->n / 2;
	r->status = 200;
	r->ctype = "application/binary";
	r->resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
	    results_read, s, results_free);
	if (r->resp == NULL) {
		b->refs--;
		free(s);
		fk_reply_error(r, q, 500, NULL, "out of memory");
	}
}

static const char *
arg(const struct fk_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Position of id in the newest-first order, or -1 (with r filled). */
static long
list_pos(const struct fk_req *q, struct fk_reply *r, const char *name, const char *id)
{
	size_t	 pos;

	if (batch_find(id, &pos) == NULL) {
		fk_reply_error(r, q, 400, NULL, "%s: no batch %s", name, id);
		return -1;
	}
	return (long)(batch_nlist - 1 - pos);
}

/* GET /v1/messages/batches?limit=&after_id=&before_id=, newest first. Lock held. */
static void
list_batches(const struct fk_req *q, struct fk_reply *r)
{
	const char *lim = arg(q, "limit"), *after = arg(q, "after_id");
	const char *before = arg(q, "before_id");
	long	 limit = 20, start = 0, end, p = -1, i;
	char	*e;
	json_t	*data = json_array();
	int	 more = 0;

	if (lim != NULL && ((limit = strtol(lim, &e, 10)) < 1 || limit > 1000 || *e)) {
		fk_reply_error(r, q, 400, NULL, "limit: must be an integer from 1 to 1000");
		goto out;
	}
	end = (long)batch_nlist;
	if (before != NULL) {
		if ((p = list_pos(q, r, "before_id", before)) < 0)
			goto out;
		end = p;
		start = end - limit > 0 ? end - limit : 0;
		more = start > 0;
	} else {
		if (after != NULL && (p = list_pos(q, r, "after_id", after)) < 0)
			goto out;
		start = after != NULL ? p + 1 : 0;
		if (end > start + limit)
			end = start + limit;
		more = end < (long)batch_nlist;
	}
	for (i = start; i < end; i++)
		json_array_append_new(data, batch_json(batch_list[batch_nlist - 1 - i], q->base));
	fk_reply_json(r, 200, json_pack("{s:O, s:b, s:o, s:o}", "data", data, "has_more", more,
	    "first_id", json_array_size(data) ? json_copy(json_object_get(json_array_get(data,
	    0), "id")) : json_null(), "last_id", json_array_size(data) ?
	    json_copy(json_object_get(json_array_get(data, json_array_size(data) - 1), "id")) :
	    json_null()));
out:
	json_decref(data);
}

/* One batch's endpoints; tail is "", "/cancel" or "/results". Lock held. */
static void
one_batch(const struct fk_req *q, struct fk_reply *r, const char *id, const char *tail)
{
	struct fk_batch *b = batch_find(id, NULL);
	double	 now = fk_now();
	size_t	 pos;

	if (b == NULL) {
		fk_reply_error(r, q, 404, NULL, "No batch found with id %s", id);
		return;
	}
	batch_advance(b, now);
	if (strcmp(q->method, "GET") == 0 && *tail == '\0')
		fk_reply_json(r, 200, batch_json(b, q->base));
	else if (strcmp(q->method, "GET") == 0 && strcmp(tail, "/results") == 0)
		results(q, r, b);
	else if (strcmp(q->method, "POST") == 0 && strcmp(tail, "/cancel") == 0) {
		if (b->status == S_IN_PROGRESS) {
			b->status = S_CANCELING;
			b->cancel_at = now;
			batch_advance(b, now);
		}
		fk_reply_json(r, 200, batch_json(b, q->base));
	} else if (strcmp(q->method, "DELETE") == 0 && *tail == '\0') {
		if (b->status != S_ENDED) {
			fk_reply_error(r, q, 400, NULL, "Batch %s cannot be deleted while it "
			    "is %s; cancel it first", id, b->status == S_CANCELING ?
			    "canceling" : "in progress");
			return;
		}
		batch_find(id, &pos);
		memmove(&batch_list[pos], &batch_list[pos + 1],
		    (batch_nlist - pos - 1) * sizeof *batch_list);
		batch_nlist--;
		fk_reply_json(r, 200, json_pack("{s:s, s:s}", "id", id, "type",
		    "message_batch_deleted"));
		batch_unref(b);
	} else
		fk_reply_error(r, q, 404, NULL, "Not found: %s %s", q->method, q->path);
}

/* Everything under /v1/messages/batches. */
void
batch_route(const struct fk_req *q, struct fk_reply *r)
{
	const char *rest = q->path + strlen("/v1/messages/batches");
	char	 id[80];
	size_t	 n, i;

	if (*rest == '\0' && strcmp(q->method, "POST") == 0) {
		batch_create(q, r);
		return;
	}
	pthread_mutex_lock(&fk.lock);
	if (*rest == '\0' && strcmp(q->method, "GET") == 0) {
		for (i = 0; i < batch_nlist; i++)
			batch_advance(batch_list[i], fk_now());
		list_batches(q, r);
	} else if (*rest == '/' && (n = strcspn(rest + 1, "/")) > 0 && n < sizeof id) {
		memcpy(id, rest + 1, n);
		id[n] = '\0';
		one_batch(q, r, id, rest + 1 + n);
	} else
		fk_reply_error(r, q, 404, NULL, "Not found: %s %s", q->method, q->path);
	pthread_mutex_unlock(&fk.lock);
}
