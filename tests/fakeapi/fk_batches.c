/* fk_batches.c — Message Batches on the virtual clock: create, advance, the batch object;
 * retrieve, list, cancel, delete and results are in fk_batch_api.c (api-notes §3). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

static const char *kind_name[K_N] = {
	"processing", "succeeded", "errored", "canceled", "expired"
};
static const char *status_name[] = { "in_progress", "canceling", "ended" };

struct fk_batch **batch_list;	/* creation order; listed newest first */
size_t	 batch_nlist;

void
batch_unref(struct fk_batch *b)	/* lock held */
{
	size_t	 i;

	if (b == NULL || --b->refs > 0)
		return;
	for (i = 0; i < b->n; i++)
		free(b->items[i].error);
	free(b->items);
	free(b);
}

/* Handles the requests due by virtual time t, each at its own time (for the cache). */
static void
process(struct fk_batch *b, double t)
{
	double	 bs = fk.opt.batch_seconds, ti;
	size_t	 k = b->n;
	struct fk_item *it;
	char	 text[256];
	int	 capped;

	if (bs > 0 && t < b->created + bs)
		k = t <= b->created ? 0 : (size_t)((double)b->n * (t - b->created) / bs);
	for (; b->done < k && b->done < b->n; b->done++) {
		it = &b->items[b->done];
		ti = b->created + (bs > 0 ? bs * (double)(b->done + 1) / (double)b->n : 0);
		if (it->invalid) {
			it->kind = K_ERRORED;
			continue;
		}
		cache_apply(&it->plan, ti, &it->usage);
		msg_answer(&it->plan, text, sizeof text, &it->usage.output, &capped);
		it->kind = K_SUCCEEDED;
	}
}

static void
finish(struct fk_batch *b, int kind, double at)
{
	size_t	 i;

	for (i = b->done; i < b->n; i++)
		b->items[i].kind = kind;
	b->status = S_ENDED;
	b->ended = at;
}

/* Brings b up to the virtual time now. Lock held. */
void
batch_advance(struct fk_batch *b, double now)
{
	double	 stop = now, cancel_end, bs = fk.opt.batch_seconds;

	if (b->status == S_ENDED)
		return;
	if (b->status == S_CANCELING && b->cancel_at < stop)
		stop = b->cancel_at;
	if (b->expires < stop)
		stop = b->expires;
	process(b, stop);
	cancel_end = b->cancel_at + fk.opt.cancel_seconds;
	if (b->done == b->n)
		finish(b, K_SUCCEEDED, b->created + (bs > 0 ? bs : 0));
	else if (b->status == S_CANCELING && now >= cancel_end && cancel_end < b->expires)
		finish(b, K_CANCELED, cancel_end);
	else if (now >= b->expires)
		finish(b, K_EXPIRED, b->expires);
}

static json_t *
time_or_null(double t, int set)
{
	char	 buf[48];

	if (!set)
		return json_null();
	fk_time_str(t, buf, sizeof buf);
	return json_string(buf);
}

/* The batch object; a new reference. Lock held. */
json_t *
batch_json(const struct fk_batch *b, const char *base)
{
	size_t	 counts[K_N] = { 0 }, i;
	json_t	*rc = json_object(), *url = json_null();
	char	 buf[512];

	if (b->status == S_ENDED)
		for (i = 0; i < b->n; i++)
			counts[b->items[i].kind]++;
	else
		counts[K_PROCESSING] = b->n;
	for (i = 0; i < K_N; i++)
		json_object_set_new(rc, kind_name[i], json_integer((json_int_t)counts[i]));
	if (b->status == S_ENDED) {
		snprintf(buf, sizeof buf, "%s/v1/messages/batches/%s/results", base, b->id);
		url = json_string(buf);
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:n, s:o}",
	    "id", b->id, "type", "message_batch", "processing_status", status_name[b->status],
	    "request_counts", rc, "ended_at", time_or_null(b->ended, b->status == S_ENDED),
	    "created_at", time_or_null(b->created, 1), "expires_at",
	    time_or_null(b->expires, 1), "cancel_initiated_at",
	    time_or_null(b->cancel_at, b->cancel_at >= 0), "archived_at", "results_url", url);
}

static int
custom_id_ok(const char *s)
{
	size_t	 n;

	for (n = 0; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-'))
			return 0;
	return n >= 1 && n <= 64;
}

static int
cmp_item(const void *a, const void *b)
{
	return strcmp((*(struct fk_item *const *)a)->custom_id,
	    (*(struct fk_item *const *)b)->custom_id);
}

/* Fills it from request i; -1 with err when the create call must fail. */
static int
read_item(json_t *req, size_t i, struct fk_item *it, char *err, size_t errlen)
{
	const char *cid = json_string_value(json_object_get(req, "custom_id"));
	json_t	*params = json_object_get(req, "params");
	char	 msg[512];
	int	 status;

	if (!json_is_object(req)) {
		snprintf(err, errlen, "requests.%zu: Input should be a valid dictionary", i);
		return -1;
	}
	if (cid == NULL || !custom_id_ok(cid)) {
		snprintf(err, errlen, "requests.%zu.custom_id: String should match pattern "
		    "'^[a-zA-Z0-9_-]{1,64}$'", i);
		return -1;
	}
	if (!json_is_object(params)) {
		snprintf(err, errlen, "requests.%zu.params: %s", i,
		    params ? "Input should be a valid dictionary" : "Field required");
		return -1;
	}
	snprintf(it->custom_id, sizeof it->custom_id, "%s", cid);
	if (plan_build(params, 0, &it->plan, &status, &it->etype, msg, sizeof msg) == -1)
		it->invalid = 1;
	else if (it->plan.stream) {
		snprintf(msg, sizeof msg, "stream: batch requests cannot be streamed");
		it->etype = "invalid_request_error";
		it->invalid = 1;
	}
	if (it->invalid && (it->error = strdup(msg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Validates the requests array into items; -1 with err on a create-level error. */
static int
read_items(json_t *reqs, struct fk_item *items, size_t n, char *err, size_t errlen)
{
	struct fk_item **sorted;
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < n; i++)
		if (read_item(json_array_get(reqs, i), i, &items[i], err, errlen) == -1)
			return -1;
	if ((sorted = malloc(n * sizeof *sorted)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		sorted[i] = &items[i];
	qsort(sorted, n, sizeof *sorted, cmp_item);
	for (i = 1; i < n && rc == 0; i++)
		if (strcmp(sorted[i - 1]->custom_id, sorted[i]->custom_id) == 0) {
			snprintf(err, errlen, "Duplicate custom_id: %s; each request in a batch "
			    "must have a unique custom_id", sorted[i]->custom_id);
			rc = -1;
		}
	free(sorted);
	return rc;
}

static void
free_items(struct fk_item *items, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(items[i].error);
	free(items);
}

void
batch_create(const struct fk_req *q, struct fk_reply *r)
{
	json_t	*body = json_loadb(q->body, q->len, 0, NULL), *reqs;
	struct fk_batch *b = NULL, **nl;
	struct fk_item *items = NULL;
	char	 err[512];
	size_t	 n;

	reqs = json_object_get(body, "requests");
	n = json_array_size(reqs);
	if (body == NULL || !json_is_array(reqs) || n < 1 || n > 100000) {
		fk_reply_error(r, q, 400, NULL, body == NULL ? "There was an error parsing "
		    "the body of your request" : "requests: a batch needs 1 to 100000 "
		    "requests (got %zu)", n);
		goto out;
	}
	if ((items = calloc(n, sizeof *items)) == NULL ||
	    (b = calloc(1, sizeof *b)) == NULL) {
		fk_reply_error(r, q, 500, NULL, "out of memory");
		goto out;
	}
	if (read_items(reqs, items, n, err, sizeof err) == -1) {
		fk_reply_error(r, q, 400, NULL, "%s", err);
		goto out;
	}
	pthread_mutex_lock(&fk.lock);
	if ((nl = realloc(batch_list, (batch_nlist + 1) * sizeof *nl)) != NULL) {
		fk_id("msgbatch_01", b->id, sizeof b->id);
		b->refs = 1;
		b->items = items;
		b->n = n;
		b->created = fk_now();
		b->expires = b->created + fk.opt.batch_expiry;
		b->cancel_at = -1;
		(batch_list = nl)[batch_nlist++] = b;
		items = NULL;
		fk_reply_json(r, 200, batch_json(b, q->base));
		b = NULL;
	} else
		fk_reply_error(r, q, 500, NULL, "out of memory");
	pthread_mutex_unlock(&fk.lock);
out:
	if (items != NULL)
		free_items(items, n);
	free(b);
	json_decref(body);
	malloc_trim(0);		/* a 256 MB body's parse tree need not stay resident */
}

struct fk_batch *
batch_find(const char *id, size_t *pos)	/* lock held */
{
	size_t	 i;

	for (i = 0; i < batch_nlist; i++)
		if (strcmp(batch_list[i]->id, id) == 0) {
			if (pos)
				*pos = i;
			return batch_list[i];
		}
	return NULL;
}


/* Drops every batch (results streams keep theirs until done). Lock held. */
void
batch_reset(void)
{
	size_t	 i;

	for (i = 0; i < batch_nlist; i++)
		batch_unref(batch_list[i]);
	free(batch_list);
	batch_list = NULL;
	batch_nlist = 0;
}
