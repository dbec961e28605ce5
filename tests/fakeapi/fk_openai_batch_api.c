/* fk_openai_batch_api.c — the /v1/batches endpoints: create (input_file_id, endpoint,
 * completion_window, metadata), retrieve, list (limit, after) and cancel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

/* metadata: null, or an object of at most 16 string pairs (keys <= 64, values <= 512). */
static int
metadata_ok(struct fk_reply *r, json_t *md)
{
	const char *k;
	json_t	*v;

	if (md == NULL || json_is_null(md))
		return 1;
	if (!json_is_object(md)) {
		oa_fail(r, 400, "invalid_type", "metadata", "Invalid type for 'metadata': "
		    "expected an object.");
		return 0;
	}
	if (json_object_size(md) > 16) {
		oa_fail(r, 400, "object_above_max_properties", "metadata", "Invalid 'metadata': "
		    "too many properties. Expected an object with at most 16 properties, but got "
		    "an object with %zu properties instead.", json_object_size(md));
		return 0;
	}
	json_object_foreach(md, k, v) {
		if (strlen(k) > 64 || !json_is_string(v) || strlen(json_string_value(v)) > 512) {
			oa_fail(r, 400, "invalid_value", "metadata", "Invalid 'metadata.%s': keys "
			    "are strings of at most 64 characters, values strings of at most 512.",
			    k);
			return 0;
		}
	}
	return 1;
}

/* The create body's fields; 0, or -1 with r filled. */
static int
create_args(struct fk_reply *r, json_t *body, int *api, const char **file)
{
	static const char *keys[] = { "input_file_id", "endpoint", "completion_window",
	    "metadata", "output_expires_after", NULL };
	const char *ep = json_string_value(json_object_get(body, "endpoint"));
	const char *win = json_string_value(json_object_get(body, "completion_window")), *k;
	json_t	*v;
	size_t	 i;

	if (!json_is_object(body)) {
		oa_fail(r, 400, NULL, NULL, "We could not parse the JSON body of your request.");
		return -1;
	}
	json_object_foreach(body, k, v) {
		for (i = 0; keys[i] && strcmp(keys[i], k) != 0; i++)
			;
		if (keys[i] == NULL) {
			oa_fail(r, 400, NULL, NULL, "Unrecognized request argument supplied: %s", k);
			return -1;
		}
	}
	if ((*file = json_string_value(json_object_get(body, "input_file_id"))) == NULL) {
		oa_fail(r, 400, "missing_required_parameter", "input_file_id", "Missing required "
		    "parameter: 'input_file_id'.");
		return -1;
	}
	if (ep == NULL || (strcmp(ep, "/v1/chat/completions") != 0 &&
	    strcmp(ep, "/v1/responses") != 0)) {
		oa_fail(r, 400, ep ? "invalid_value" : "missing_required_parameter", "endpoint",
		    ep ? "Invalid value: '%s'. fakeapi supports '/v1/chat/completions' and "
		    "'/v1/responses'." : "Missing required parameter: 'endpoint'.%s", ep ? ep : "");
		return -1;
	}
	if (win == NULL || strcmp(win, "24h") != 0) {
		oa_fail(r, 400, "invalid_value", "completion_window", "Invalid value: '%s'. "
		    "Supported values are: '24h'.", win ? win : "");
		return -1;
	}
	*api = strcmp(ep, "/v1/responses") == 0 ? OA_RESP : OA_CHAT;
	return metadata_ok(r, json_object_get(body, "metadata")) ? 0 : -1;
}

/* POST /v1/batches: a batch in validating that holds its input file. */
static void
create(const struct fk_req *q, struct fk_reply *r)
{
	json_t	*body = json_loadb(q->body, q->len, 0, NULL);
	const char *fid;
	struct oa_file *f;
	struct oa_batch *b, **nl;
	int	 api;

	if (create_args(r, body, &api, &fid) == -1)
		goto out;
	pthread_mutex_lock(&fk.lock);
	if ((f = oa_file_find(fid)) == NULL)
		oa_fail(r, 404, NULL, "input_file_id", "No such File object: %s", fid);
	else if (strcmp(f->purpose, "batch") != 0)
		oa_fail(r, 400, "invalid_value", "input_file_id", "Invalid 'input_file_id': the "
		    "file's purpose is '%s', a batch needs 'batch'.", f->purpose);
	else if ((b = calloc(1, sizeof *b)) == NULL ||
	    (nl = realloc(oa_batch_list, (oa_batch_n + 1) * sizeof *nl)) == NULL) {
		free(b);
		oa_fail(r, 500, NULL, NULL, "out of memory");
	} else {
		oa_hex_id("batch_", 32, b->id, sizeof b->id);
		b->api = api;
		b->input = f;
		f->refs++;
		b->metadata = json_deep_copy(json_object_get(body, "metadata"));
		b->created = fk_now();
		b->expires = b->created + fk.opt.batch_expiry;
		b->in_progress = b->finalizing = b->ended = b->cancelling = -1;
		oa_caller(q, b->key_id, sizeof b->key_id, b->project, sizeof b->project);
		(oa_batch_list = nl)[oa_batch_n++] = b;
		fk_reply_json(r, 200, oa_batch_json(b));
	}
	pthread_mutex_unlock(&fk.lock);
out:
	json_decref(body);
}

static struct oa_batch *
find(const char *id, size_t *pos)
{
	size_t	 i;

	for (i = 0; i < oa_batch_n; i++)
		if (strcmp(oa_batch_list[i]->id, id) == 0) {
			*pos = i;
			return oa_batch_list[i];
		}
	return NULL;
}

/* GET /v1/batches?limit=&after=, newest first. Lock held. */
static void
list(const struct fk_req *q, struct fk_reply *r)
{
	const char *lim = oa_arg(q, "limit"), *after = oa_arg(q, "after");
	long	 limit = 20, start = 0, end, i;
	size_t	 pos;
	char	*e;
	json_t	*data = json_array();

	if (lim != NULL && ((limit = strtol(lim, &e, 10)) < 1 || limit > 100 || *e)) {
		oa_fail(r, 400, "invalid_value", "limit", "Invalid 'limit': expected an integer "
		    "from 1 to 100.");
		goto out;
	}
	if (after != NULL) {
		if (find(after, &pos) == NULL) {
			oa_fail(r, 400, "invalid_value", "after", "Invalid 'after': no batch %s.",
			    after);
			goto out;
		}
		start = (long)(oa_batch_n - pos);
	}
	end = start + limit < (long)oa_batch_n ? start + limit : (long)oa_batch_n;
	oa_batch_advance_all(fk_now());
	for (i = start; i < end; i++)
		json_array_append_new(data, oa_batch_json(oa_batch_list[oa_batch_n - 1 - i]));
	fk_reply_json(r, 200, json_pack("{s:s, s:O, s:o, s:o, s:b}", "object", "list",
	    "data", data, "first_id", end > start ?
	    json_string(oa_batch_list[oa_batch_n - 1 - start]->id) : json_null(),
	    "last_id", end > start ? json_string(oa_batch_list[oa_batch_n - end]->id) :
	    json_null(), "has_more", end < (long)oa_batch_n));
out:
	json_decref(data);
}

/* GET /v1/batches/{id} and POST /v1/batches/{id}/cancel (tail "" or "/cancel").
 * Cancelling a batch that is past in_progress is a 400. Lock held. */
static void
one(const struct fk_req *q, struct fk_reply *r, const char *id, const char *tail)
{
	struct oa_batch *b;
	size_t	 pos;
	double	 now = fk_now();

	if ((b = find(id, &pos)) == NULL) {
		oa_fail(r, 404, NULL, "batch_id", "No batch found with id '%s'.", id);
		return;
	}
	oa_batch_advance(b, now);
	if (strcmp(q->method, "GET") == 0 && *tail == '\0')
		fk_reply_json(r, 200, oa_batch_json(b));
	else if (strcmp(q->method, "POST") != 0 || strcmp(tail, "/cancel") != 0)
		oa_fail(r, 404, NULL, NULL, "Invalid URL (%s %s)", q->method, q->path);
	else if (b->status == OB_VALIDATING || b->status == OB_IN_PROGRESS ||
	    b->status == OB_CANCELLING) {
		oa_batch_cancel(b, now);
		fk_reply_json(r, 200, oa_batch_json(b));
	} else
		oa_fail(r, 400, NULL, NULL, "Cannot cancel a batch with status '%s'.",
		    oa_batch_status(b));
}

/* Everything under /v1/batches. */
void
oa_batches_route(const struct fk_req *q, struct fk_reply *r)
{
	const char *rest = q->path + strlen("/v1/batches");
	char	 id[64];
	size_t	 n;

	if (*rest == '\0' && strcmp(q->method, "POST") == 0) {
		create(q, r);
		return;
	}
	pthread_mutex_lock(&fk.lock);
	if (*rest == '\0' && strcmp(q->method, "GET") == 0)
		list(q, r);
	else if (*rest == '/' && (n = strcspn(rest + 1, "/")) > 0 && n < sizeof id) {
		memcpy(id, rest + 1, n);
		id[n] = '\0';
		one(q, r, id, rest + 1 + n);
	} else
		oa_fail(r, 404, NULL, NULL, "Invalid URL (%s %s)", q->method, q->path);
	pthread_mutex_unlock(&fk.lock);
}
