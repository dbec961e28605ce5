/* fk_openai_batches.c — OpenAI batches on the virtual clock: validating → in_progress
 * (requests handled one by one, counts moving) → finalizing → completed; failed,
 * expired, cancelling → cancelled; the batch object; the output and error files.
 * The endpoints are in fk_openai_batch_api.c, the input file and each request's
 * line in fk_openai_batch_input.c. Everything here runs with fk.lock held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

static const char *status_name[] = {
	"validating", "in_progress", "finalizing", "completed", "failed", "expired",
	"cancelling", "cancelled"
};

struct oa_batch **oa_batch_list;	/* creation order; listed newest first */
size_t	 oa_batch_n;

void
oa_batch_free(struct oa_batch *b)
{
	size_t	 i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		free(b->items[i].custom_id);
		free(b->items[i].line);
	}
	free(b->items);
	oa_file_unref(b->input);
	json_decref(b->metadata);
	json_decref(b->errors);
	free(b);
}

static uint64_t
fnv(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int
cmp_line(const void *a, const void *b)
{
	const struct oa_item *x = *(struct oa_item *const *)a, *y = *(struct oa_item *const *)b;
	uint64_t hx = fnv(x->custom_id), hy = fnv(y->custom_id);

	return hx < hy ? -1 : hx > hy;
}

/* One file of the lines of the handled items with failed == want, in an order that is
 * not the input's (by a hash of custom_id): the real service promises no order. */
static void
write_file(struct oa_batch *b, int want, const char *kind, char *id, size_t idlen)
{
	struct oa_item **sel = malloc((b->n + 1) * sizeof *sel);
	struct oa_file *f;
	size_t	 i, k = 0, len = 0;
	char	*data, name[96];

	if (sel == NULL)
		return;
	for (i = 0; i < b->n; i++)
		if (b->items[i].line != NULL && b->items[i].failed == want) {
			sel[k++] = &b->items[i];
			len += strlen(b->items[i].line);
		}
	if (k > 0 && (data = malloc(len + 1)) != NULL) {
		qsort(sel, k, sizeof *sel, cmp_line);
		for (i = 0, len = 0; i < k; i++) {
			strcpy(data + len, sel[i]->line);
			len += strlen(sel[i]->line);
		}
		snprintf(name, sizeof name, "%s_%s.jsonl", b->id, kind);
		if ((f = oa_file_add(data, len, name, "batch_output")) != NULL)
			snprintf(id, idlen, "%s", f->id);
	}
	free(sel);
}

/* The requests never handled (expired or cancelled) as error lines. */
static void
unhandled_lines(struct oa_batch *b, const char *code, const char *msg)
{
	struct oa_item *it;
	char	 id[48];
	json_t	*j;
	char	*d;
	size_t	 i;

	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		if (it->line != NULL)
			continue;
		oa_hex_id("batch_req_", 32, id, sizeof id);
		j = json_pack("{s:s, s:s, s:n, s:{s:s, s:s}}", "id", id, "custom_id",
		    it->custom_id, "response", "error", "code", code, "message", msg);
		d = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		if (d != NULL && asprintf(&it->line, "%s\n", d) < 0)
			it->line = NULL;
		it->failed = 1;
		free(d);
	}
}

/* Ends b at virtual time at with status, writing its output and error files. */
static void
finish(struct oa_batch *b, int status, double at)
{
	if (status == OB_EXPIRED)
		unhandled_lines(b, "batch_expired", "This request could not be executed before "
		    "the completion window expired.");
	else if (status == OB_CANCELLED)
		unhandled_lines(b, "batch_cancelled", "This request was not executed because "
		    "the batch was cancelled.");
	write_file(b, 0, "output", b->output_id, sizeof b->output_id);
	write_file(b, 1, "error", b->error_id, sizeof b->error_id);
	b->status = status;
	b->ended = at;
}

/* Handles the requests due by virtual time t: request i of n at
 * in_progress + (i+1)/n × --batch-seconds. */
static void
process(struct oa_batch *b, double t)
{
	double	 bs = fk.opt.batch_seconds;
	size_t	 k = b->n;

	if (bs > 0 && t < b->in_progress + bs)
		k = t <= b->in_progress ? 0 :
		    (size_t)((double)b->n * (t - b->in_progress) / bs);
	for (; b->done < k && b->done < b->n; b->done++)
		oa_batch_item(b, b->done, b->in_progress + (bs > 0 ?
		    bs * (double)(b->done + 1) / (double)b->n : 0));
}

/* Validation ends at created + --openai-validate-seconds: failed, or in_progress. */
static int
validated(struct oa_batch *b, double now)
{
	double	 tv = b->created + oa_opt.validate_seconds;

	if (now < tv || tv >= b->expires || (b->status == OB_CANCELLING && b->cancelling < tv))
		return 0;
	if (oa_batch_validate(b) == -1) {
		b->status = OB_FAILED;
		b->ended = tv;
		return 0;
	}
	b->in_progress = tv;
	if (b->status == OB_VALIDATING)
		b->status = OB_IN_PROGRESS;
	return 1;
}

/* Brings b up to the virtual time now. */
void
oa_batch_advance(struct oa_batch *b, double now)
{
	double	 stop = now, bs = fk.opt.batch_seconds > 0 ? fk.opt.batch_seconds : 0;
	double	 cancel_end = b->cancelling + fk.opt.cancel_seconds;

	if (b->in_progress < 0 && (b->status == OB_VALIDATING || b->status == OB_CANCELLING) &&
	    !validated(b, now) && b->status == OB_FAILED)
		return;
	if (b->status == OB_IN_PROGRESS || b->status == OB_CANCELLING) {
		if (b->status == OB_CANCELLING && b->cancelling < stop)
			stop = b->cancelling;
		if (b->expires < stop)
			stop = b->expires;
		if (b->in_progress >= 0)
			process(b, stop);
		if (b->status == OB_IN_PROGRESS && b->done == b->n) {
			b->status = OB_FINALIZING;
			b->finalizing = b->in_progress + bs;
		} else if (b->status == OB_CANCELLING && now >= cancel_end)
			finish(b, OB_CANCELLED, cancel_end);
		else if (now >= b->expires)
			finish(b, OB_EXPIRED, b->expires);
	} else if (b->status == OB_VALIDATING && now >= b->expires)
		finish(b, OB_EXPIRED, b->expires);
	if (b->status == OB_FINALIZING && now >= b->finalizing + oa_opt.finalize_seconds)
		finish(b, OB_COMPLETED, b->finalizing + oa_opt.finalize_seconds);
}

void
oa_batch_advance_all(double now)
{
	size_t	 i;

	for (i = 0; i < oa_batch_n; i++)
		oa_batch_advance(oa_batch_list[i], now);
}

/* validating or in_progress → cancelling; other states are left as they are. */
void
oa_batch_cancel(struct oa_batch *b, double now)
{
	if (b->status != OB_VALIDATING && b->status != OB_IN_PROGRESS)
		return;
	b->status = OB_CANCELLING;
	b->cancelling = now;
	oa_batch_advance(b, now);
}

const char *
oa_batch_status(const struct oa_batch *b)
{
	return status_name[b->status];
}

static json_t *
at(double t, int set)
{
	return set && t >= 0 ? json_integer(oa_unix(t)) : json_null();
}

static json_t *
str_or_null(const char *s)
{
	return *s ? json_string(s) : json_null();
}

/* The batch object; a new reference. */
json_t *
oa_batch_json(const struct oa_batch *b)
{
	int	 st = b->status;
	int	 cancelled = st == OB_CANCELLED, started = b->in_progress >= 0;

	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:I, "
	    "s:o, s:o, s:o, s:o, s:o, s:o, s:{s:I, s:I, s:I}, s:o, s:o}",
	    "id", b->id, "object", "batch", "endpoint", b->api == OA_CHAT ?
	    "/v1/chat/completions" : "/v1/responses",
	    "model", str_or_null(b->model),
	    "errors", b->errors ? json_incref(b->errors) : json_null(),
	    "input_file_id", b->input->id, "completion_window", "24h",
	    "status", status_name[st],
	    "output_file_id", str_or_null(b->output_id),
	    "error_file_id", str_or_null(b->error_id),
	    "created_at", (json_int_t)oa_unix(b->created),
	    "in_progress_at", at(b->in_progress, started),
	    "expires_at", (json_int_t)oa_unix(b->expires),
	    "finalizing_at", at(b->finalizing, 1),
	    "completed_at", at(b->ended, st == OB_COMPLETED),
	    "failed_at", at(b->ended, st == OB_FAILED),
	    "expired_at", at(b->ended, st == OB_EXPIRED),
	    "cancelling_at", at(b->cancelling, st == OB_CANCELLING || cancelled),
	    "cancelled_at", at(b->ended, cancelled),
	    "request_counts", "total", (json_int_t)(started ? b->n : 0),
	    "completed", (json_int_t)b->completed, "failed", (json_int_t)b->failed,
	    "usage", oa_usage_json(OA_RESP, &b->usage),
	    "metadata", b->metadata ? json_incref(b->metadata) : json_null());
}

/* Drops every batch. */
void
oa_batches_reset(void)
{
	size_t	 i;

	for (i = 0; i < oa_batch_n; i++)
		oa_batch_free(oa_batch_list[i]);
	free(oa_batch_list);
	oa_batch_list = NULL;
	oa_batch_n = 0;
}
