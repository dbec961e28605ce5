/* openai_batch.c — OpenAI's batch table (batch_client_openai) and its files:
 * upload, create body, delete, the orphan sweep. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api_int.h"
#include "core/batch_client.h"
#include "core/openai.h"
#include "core/openai_batch.h"

/* ---- the batch object -------------------------------------------------------- */

/* Unix seconds to ms; 0 when absent or not a plausible time. */
static int64_t
unix_ms(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > 253402300799LL)        /* 9999-12-31 */
		return 0;
	return json_integer_value(v) * 1000;
}

/* errors.data[] as "line N: code: message; …" (cut to fit). */
static void
errors_text(const json_t *o, char *dst, size_t n)
{
	json_t *data = json_object_get(json_object_get(o, "errors"), "data"), *e;
	size_t i, used = 0;

	dst[0] = '\0';
	json_array_foreach(data, i, e) {
		json_t *line = json_object_get(e, "line");
		char one[256], at[32] = "";

		if (json_is_integer(line))
			snprintf(at, sizeof(at), "line %lld: ", (long long)json_integer_value(line));
		snprintf(one, sizeof(one), "%s%s%s: %s", i > 0 ? "; " : "", at, jstr(e, "code"),
		    jstr(e, "message"));
		if (used + strlen(one) + 1 >= n)
			break;
		memcpy(dst + used, one, strlen(one) + 1);
		used += strlen(one);
	}
}

int
openai_batch_from_json(const json_t *obj, struct api_batch *b, struct http_error *err)
{
	json_t *c = json_object_get(obj, "request_counts");
	int64_t total = 0, done = 0, failed = 0;
	char why[256];
	static const char *const ends[] = { "completed_at", "failed_at", "expired_at",
		"cancelled_at" };
	size_t i;

	memset(b, 0, sizeof(*b));
	b->provider = PROVIDER_OPENAI;
	if (!json_is_object(obj) || strcmp(jstr(obj, "object"), "batch") != 0 ||
	    *jstr(obj, "id") == '\0' || *jstr(obj, "status") == '\0') {
		err_set(err, 200, "invalid_response", "the response is not a batch object");
		return -1;
	}
	usage_strlcpy(b->id, jstr(obj, "id"), sizeof(b->id));
	usage_strlcpy(b->processing_status, jstr(obj, "status"), sizeof(b->processing_status));
	/* counts are 0 while validating (the real service may send null) */
	if (c != NULL && !json_is_null(c) &&
	    (usage_json_request_count(c, "total", &total, why, sizeof(why)) != 0 ||
	    usage_json_request_count(c, "completed", &done, why, sizeof(why)) != 0 ||
	    usage_json_request_count(c, "failed", &failed, why, sizeof(why)) != 0)) {
		err_set(err, 200, "invalid_response", why);
		return -1;
	}
	b->succeeded = done;
	b->errored = failed;
	b->processing = total > done + failed ? total - done - failed : 0;
	b->created_ms = unix_ms(obj, "created_at");
	b->expires_ms = unix_ms(obj, "expires_at");
	b->cancel_ms = unix_ms(obj, "cancelling_at");
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]) && b->ended_ms == 0; i++)
		b->ended_ms = unix_ms(obj, ends[i]);
	usage_strlcpy(b->input_file_id, jstr(obj, "input_file_id"), sizeof(b->input_file_id));
	usage_strlcpy(b->output_file_id, jstr(obj, "output_file_id"), sizeof(b->output_file_id));
	usage_strlcpy(b->error_file_id, jstr(obj, "error_file_id"), sizeof(b->error_file_id));
	errors_text(obj, b->errors, sizeof(b->errors));
	usage_strlcpy(b->intent, jstr(json_object_get(obj, "metadata"), OPENAI_BATCH_INTENT_KEY),
	    sizeof(b->intent));
	return 0;
}

/* ---- the table ------------------------------------------------------------------ */

static const char *const words[BATCH_STATE_COUNT] = { "validating", "in_progress",
	"finalizing", "completed", "failed", "expired", "cancelling", "cancelled" };

static enum batch_state
openai_state(const char *status, int64_t cancel_ms, int64_t canceled, int64_t expired)
{
	int i;

	(void)cancel_ms;
	(void)canceled;
	(void)expired;
	for (i = 0; i < BATCH_STATE_COUNT; i++)
		if (strcmp(status, words[i]) == 0)
			return (enum batch_state)i;
	return BATCH_IN_PROGRESS;
}

static int
openai_ended(const struct api_batch *b)
{
	return batch_state_final(openai_state(b->processing_status, 0, 0, 0));
}

/* A file id goes into a path: the id charset only. */
static size_t
openai_results(const struct api_batch *b, char where[][BATCH_WHERE_MAX])
{
	size_t n = 0;

	if (b->output_file_id[0] != '\0' && api_batch_id_ok(b->output_file_id))
		snprintf(where[n++], BATCH_WHERE_MAX, "/v1/files/%s/content", b->output_file_id);
	if (b->error_file_id[0] != '\0' && api_batch_id_ok(b->error_file_id))
		snprintf(where[n++], BATCH_WHERE_MAX, "/v1/files/%s/content", b->error_file_id);
	return n;
}

/* Output and error lines; the lines a batch never ran (cancelled, expired)
 * are outcomes of their own, as Anthropic's canceled / expired. */
static int
openai_result_line(json_t *root, struct usage_result *r, char *err, size_t errlen)
{
	const char *code;

	if (openai_result_from_obj(root, r, err, errlen) != 0)
		return -1;
	code = json_string_value(json_object_get(json_object_get(root, "error"), "code"));
	if (strcmp(r->type, "errored") == 0 && code != NULL &&
	    json_is_null(json_object_get(root, "response"))) {
		if (strcmp(code, "batch_cancelled") == 0)
			usage_strlcpy(r->type, "canceled", sizeof(r->type));
		else if (strcmp(code, "batch_expired") == 0)
			usage_strlcpy(r->type, "expired", sizeof(r->type));
	}
	return 0;
}

const struct batch_client batch_client_openai = {
	.pv = &provider_openai,
	.id_prefix = "batch_",
	.path = "/v1/batches",
	.after_param = "after",
	.list_max = 100,
	.max_requests = 50000,
	.max_bytes = 200LL * 1000 * 1000 - 64,   /* 200 MB read the smaller way, less
	                                            room for the newlines */
	.line_check = openai_batch_line_check,
	.one_model = 1,
	.one_url = 1,
	.uploads = 1,
	.from_json = openai_batch_from_json,
	.ended = openai_ended,
	.results = openai_results,
	.result_line = openai_result_line,
	.state = openai_state,
};

/* ---- files -------------------------------------------------------------------- */

static int
openai_json(struct http_multi *m, const char *method, const char *path, json_t **resp,
            struct http_error *err)
{
	return api_json_for(m, &provider_openai, method, path, NULL, resp, NULL, err);
}

int
openai_file_upload(struct http_multi *m, const char *path, const char *name, char *file_id,
                   struct http_error *err)
{
	static const char *const form[] = { "purpose", "batch", NULL };
	struct http_request rq;
	struct http_result res;
	json_error_t je;
	json_t *j = NULL;
	int rc = -1;

	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = "/v1/files";
	rq.pv = &provider_openai;
	rq.upload_path = path;
	rq.upload_name = name;
	rq.form = form;
	if (http_request_sync(m, &rq, &res) != 0) {
		if (err != NULL)
			*err = res.error;
		goto out;
	}
	if (res.body == NULL || (j = json_loadb(res.body, res.body_len, 0, &je)) == NULL ||
	    strcmp(jstr(j, "object"), "file") != 0 || !api_batch_id_ok(jstr(j, "id"))) {
		err_set(err, res.status, "invalid_response", "upload: the response is not a file object");
		goto out;
	}
	usage_strlcpy(file_id, jstr(j, "id"), USAGE_ID_MAX);
	rc = 0;
out:
	json_decref(j);
	http_result_done(&res);
	return rc;
}

json_t *
openai_batch_create_body(const char *file_id, const char *endpoint, const char *intent)
{
	return json_pack("{s:s,s:s,s:s,s:{s:s}}", "input_file_id", file_id, "endpoint", endpoint,
	    "completion_window", "24h", "metadata", OPENAI_BATCH_INTENT_KEY, intent);
}

int
openai_file_delete(struct http_multi *m, const char *file_id, struct http_error *err)
{
	char path[256];
	json_t *resp = NULL;
	struct http_error e;

	if (!api_batch_id_ok(file_id)) {
		err_set(err, 0, "config_error", "not a file id");
		return -1;
	}
	snprintf(path, sizeof(path), "/v1/files/%s", file_id);
	if (openai_json(m, "DELETE", path, &resp, &e) != 0) {
		if (e.status == 404)
			return 0;
		if (err != NULL)
			*err = e;
		return -1;
	}
	json_decref(resp);
	return 0;
}

int
openai_files_delete_named(struct http_multi *m, const char *name, const char *keep,
                          int *deleted, struct http_error *err)
{
	char path[512], after[USAGE_ID_MAX] = "";
	json_t *resp, *data, *f;
	size_t i;
	int more = 1, n = 0, rc = 0;

	while (more && rc == 0) {
		snprintf(path, sizeof(path), "/v1/files?purpose=batch&limit=10000%s%s",
		    after[0] != '\0' ? "&after=" : "", after);
		if (openai_json(m, "GET", path, &resp, err) != 0)
			return -1;
		data = json_object_get(resp, "data");
		more = json_is_true(json_object_get(resp, "has_more"));
		json_array_foreach(data, i, f) {
			const char *id = jstr(f, "id");

			usage_strlcpy(after, id, sizeof(after));
			if (strcmp(jstr(f, "filename"), name) != 0 ||
			    (keep != NULL && strcmp(id, keep) == 0))
				continue;
			if (openai_file_delete(m, id, err) != 0) {
				rc = -1;
				break;
			}
			n++;
		}
		if (json_array_size(data) == 0 || !api_batch_id_ok(after))
			more = 0;
		json_decref(resp);
	}
	if (deleted != NULL)
		*deleted = n;
	return rc;
}
