/* fk_openai_batch_input.c — a batch's input file: validated like the real service
 * (errors.data[{code,message,param,line}] fail the batch), then each request handled
 * into its output or error line, billed as batch usage. fk.lock held throughout. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

#define MAX_ERRORS	100

struct check {
	struct oa_batch *b;
	json_t	*errors;	/* errors.data */
	char	 model[96];	/* the first line's model */
};

static void
add_error(struct check *c, const char *code, const char *param, long line, const char *fmt,
    ...) __attribute__((format(printf, 5, 6)));

static void
add_error(struct check *c, const char *code, const char *param, long line, const char *fmt,
    ...)
{
	char	 msg[512];
	va_list	 ap;

	if (json_array_size(c->errors) >= MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_array_append_new(c->errors, json_pack("{s:s, s:s, s:o, s:o}", "code", code,
	    "message", msg, "param", param ? json_string(param) : json_null(),
	    "line", line > 0 ? json_integer(line) : json_null()));
}

static const char *
endpoint(int api)
{
	return api == OA_CHAT ? "/v1/chat/completions" : "/v1/responses";
}

/* Checks one input line (number line) and fills it; 0 when it is a request. */
static int
check_line(struct check *c, json_t *j, long line, struct oa_item *it)
{
	const char *cid = json_string_value(json_object_get(j, "custom_id"));
	const char *method = json_string_value(json_object_get(j, "method"));
	const char *url = json_string_value(json_object_get(j, "url"));
	json_t	*body = json_object_get(j, "body");
	const char *model = json_string_value(json_object_get(body, "model"));
	int	 m;

	if (!json_is_object(j)) {
		add_error(c, "invalid_json_line", NULL, line, "This line is not parseable as "
		    "valid JSON.");
		return -1;
	}
	if (cid == NULL || *cid == '\0')
		add_error(c, "invalid_request", "custom_id", line, "Missing required "
		    "parameter: 'custom_id'.");
	if (method == NULL || strcmp(method, "POST") != 0)
		add_error(c, "invalid_request", "method", line, "Invalid value for 'method': "
		    "'%s'. Only POST is supported.", method ? method : "");
	if (url == NULL || strcmp(url, endpoint(c->b->api)) != 0)
		add_error(c, "url_mismatch", "url", line, "The url provided for this request "
		    "does not match the batch endpoint %s.", endpoint(c->b->api));
	if (!json_is_object(body))
		add_error(c, "invalid_request", "body", line, "Missing required parameter: "
		    "'body'.");
	if (model != NULL && (m = oa_model_find(model)) >= 0)
		model = oa_model_name(m);
	if (model != NULL && c->model[0] == '\0')
		snprintf(c->model, sizeof c->model, "%s", model);
	else if (model != NULL && strcmp(model, c->model) != 0 && !oa_opt.mixed_models)
		add_error(c, "model_mismatch", "body.model", line, "The model of this request "
		    "differs from the batch's model %s; a batch file holds one model.", c->model);
	if (cid == NULL || (it->custom_id = strdup(cid)) == NULL)
		return -1;
	return 0;
}

static int
cmp_item(const void *a, const void *b)
{
	const struct oa_item *x = a, *y = b;
	int	 d = strcmp(x->custom_id, y->custom_id);

	return d ? d : (x->off > y->off) - (x->off < y->off);
}

/* Reports every repeated custom_id at the line that repeats it. */
static void
duplicates(struct check *c, const struct oa_item *items, size_t n, const long *lines)
{
	struct oa_item *s = malloc(n * sizeof *s);
	size_t	 i, k;

	if (s == NULL)
		return;
	memcpy(s, items, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_item);
	for (i = 1; i < n; i++)
		if (strcmp(s[i - 1].custom_id, s[i].custom_id) == 0) {
			for (k = 0; items[k].off != s[i].off; k++)
				;
			add_error(c, "duplicate_custom_id", "custom_id", lines[k], "The custom_id "
			    "%s is used by another request in this batch.", s[i].custom_id);
		}
	free(s);
}

/* Reads the lines of the input file into items (n of them) with their line numbers. */
static void
read_lines(struct check *c, struct oa_item **items, long **lines, size_t *n)
{
	const char *d = c->b->input->data, *nl;
	size_t	 len = c->b->input->len, at = 0, cap = 0, lcap = 0, ln;
	long	 line = 0;
	json_t	*j;

	for (; at < len; at += ln + 1) {
		nl = memchr(d + at, '\n', len - at);
		ln = nl ? (size_t)(nl - (d + at)) : len - at;
		line++;
		if (ln == 0 || (ln == 1 && d[at] == '\r'))
			continue;
		if (fk_grow(items, &cap, *n + 1, sizeof **items) == -1 ||
		    fk_grow(lines, &lcap, *n + 1, sizeof **lines) == -1)
			return;
		memset(&(*items)[*n], 0, sizeof **items);
		j = json_loadb(d + at, ln, 0, NULL);
		if (check_line(c, j, line, &(*items)[*n]) == 0) {
			(*items)[*n].off = at;
			(*items)[*n].len = ln;
			(*lines)[(*n)++] = line;
		}
		json_decref(j);
	}
}

/*
 * Validates the input file: not empty, at most --openai-batch-max-bytes and
 * --openai-batch-max-requests, each line a JSON request with a custom_id (unique),
 * method POST, the batch's url, a body, and (unless --openai-mixed-models) the
 * model of the first line. 0 with b->items set, or -1 with b->errors set.
 */
int
oa_batch_validate(struct oa_batch *b)
{
	struct check c = { b, json_array(), "" };
	struct oa_item *items = NULL;
	long	*lines = NULL;
	size_t	 n = 0, i;

	if ((long)b->input->len > oa_opt.batch_max_bytes)
		add_error(&c, "file_too_large", NULL, 0, "The input file is larger than the "
		    "%ld bytes a batch accepts.", oa_opt.batch_max_bytes);
	else
		read_lines(&c, &items, &lines, &n);
	if (n == 0 && json_array_size(c.errors) == 0)
		add_error(&c, "empty_file", NULL, 0, "The input file has no requests.");
	if ((long)n > oa_opt.batch_max_requests)
		add_error(&c, "too_many_tasks", NULL, 0, "The input file holds %zu requests, "
		    "more than the %ld a batch accepts.", n, oa_opt.batch_max_requests);
	if (n > 1)
		duplicates(&c, items, n, lines);
	free(lines);
	if (json_array_size(c.errors) > 0) {
		for (i = 0; i < n; i++)
			free(items[i].custom_id);
		free(items);
		b->errors = json_pack("{s:s, s:o}", "object", "list", "data", c.errors);
		return -1;
	}
	json_decref(c.errors);
	b->items = items;
	b->n = n;
	snprintf(b->model, sizeof b->model, "%s", c.model);
	return 0;
}

/* The output/error line envelope around a response; takes body. */
static void
set_line(struct oa_item *it, int status, json_t *body)
{
	char	 id[48], rid[48], *d;
	json_t	*j;

	oa_hex_id("batch_req_", 32, id, sizeof id);
	oa_hex_id("req_", 32, rid, sizeof rid);
	j = json_pack("{s:s, s:s, s:{s:i, s:s, s:o}, s:n}", "id", id, "custom_id",
	    it->custom_id, "response", "status_code", status, "request_id", rid, "body", body,
	    "error");
	d = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (d != NULL && asprintf(&it->line, "%s\n", d) < 0)
		it->line = NULL;
	free(d);
	it->failed = status != 200;
}

/* Handles request i at virtual time t (prompt caching at t, shared with online calls):
 * a 200 line with the whole chat.completion or response, billed as batch usage, or an
 * error line with the status and error body the call would have had. */
void
oa_batch_item(struct oa_batch *b, size_t i, double t)
{
	struct oa_item *it = &b->items[i];
	json_t	*j = json_loadb(b->input->data + it->off, it->len, 0, NULL);
	struct oa_plan p;
	struct oa_usage u;
	struct oa_err e;
	char	 id[64], msg_id[64], text[256];
	int	 capped;

	if (oa_plan_build(b->api, json_object_get(j, "body"), &p, &e) == 0 && p.stream) {
		e.status = 400;
		e.type = e.code = NULL;
		snprintf(e.param, sizeof e.param, "stream");
		snprintf(e.msg, sizeof e.msg, "Streaming is not supported in a batch.");
	} else if (e.status == 0) {
		oa_serve(&p, t, &u, text, sizeof text, &capped);
		if (b->api == OA_CHAT) {
			fk_id("chatcmpl-", id, sizeof id);
			set_line(it, 200, oa_chat_json(id, oa_unix(t), &p, &u, text, capped,
			    oa_opt.batch_tier));
		} else {
			oa_hex_id("resp_", 48, id, sizeof id);
			snprintf(msg_id, sizeof msg_id, "msg_%s", id + 5);
			set_line(it, 200, oa_response_json(id, msg_id, oa_unix(t), &p, &u, text,
			    capped, oa_opt.batch_tier));
		}
		b->completed++;
		b->usage.input += u.input;
		b->usage.cached += u.cached;
		b->usage.output += u.output;
		b->usage.reasoning += u.reasoning;
		oa_org_record(fk.wall_start + t, p.model, &u, b->key_id, b->project,
		    oa_opt.batch_tier, 1);
	}
	if (e.status != 0) {
		set_line(it, e.status, oa_error_json(&e));
		b->failed++;
	}
	oa_plan_free(&p);
	json_decref(j);
}
