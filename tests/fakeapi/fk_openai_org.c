/* fk_openai_org.c — OpenAI's organisation reports: /v1/organization/usage/completions
 * and /v1/organization/costs (admin key), fed from what the double served (online
 * calls and batch requests) plus "other apps'" rows from POST /_fake/openai/org. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

#define NGROUP	5	/* model, project_id, api_key_id, batch, service_tier */

/* One usage row of the organisation at a real epoch time (floored to the minute). */
struct row {
	double	 t;
	int	 model;
	char	 key[48], project[96], tier[16];
	int	 batch;
	long	 input, cached, output, requests;
};

static struct row *rows;		/* guarded by fk.lock */
static size_t nrows, caprows;

static const char *group_names[NGROUP] = { "model", "project_id", "api_key_id", "batch",
	"service_tier" };

/* a += b, stopping at LONG_MAX instead of overflowing. */
static void
sat_add(long *a, long b)
{
	if (__builtin_add_overflow(*a, b, a))
		*a = __LONG_MAX__;
}

static int
same(const struct row *a, const struct row *b, const int *g)
{
	return (!g[0] || a->model == b->model) && (!g[1] || strcmp(a->project, b->project) == 0) &&
	    (!g[2] || strcmp(a->key, b->key) == 0) && (!g[3] || a->batch == b->batch) &&
	    (!g[4] || strcmp(a->tier, b->tier) == 0);
}

/* Adds r, merged into a recent row of the same minute and group (memory grows with
 * minutes × groups, not with requests). Lock held. */
static void
add_row(const struct row *r)
{
	static const int all[NGROUP] = { 1, 1, 1, 1, 1 };
	struct row *o;
	double	 t = floor(r->t / 60) * 60;
	size_t	 k;

	for (k = nrows; k > 0 && k + 64 > nrows; k--) {
		o = &rows[k - 1];
		if (o->t == t && same(o, r, all)) {
			sat_add(&o->input, r->input);
			sat_add(&o->cached, r->cached);
			sat_add(&o->output, r->output);
			sat_add(&o->requests, r->requests);
			return;
		}
	}
	if (fk_grow(&rows, &caprows, nrows + 1, sizeof *rows) == -1)
		return;
	rows[nrows] = *r;
	rows[nrows++].t = t;
}

/* One answer the double gave (t: epoch seconds). Lock held. */
void
oa_org_record(double t, int model, const struct oa_usage *u, const char *key_id,
    const char *project, const char *tier, int batch)
{
	struct row r;

	memset(&r, 0, sizeof r);
	r.t = t;
	r.model = model;
	snprintf(r.key, sizeof r.key, "%s", key_id);
	snprintf(r.project, sizeof r.project, "%s", project);
	snprintf(r.tier, sizeof r.tier, "%s", tier);
	r.batch = batch;
	r.input = u->input;
	r.cached = u->cached;
	r.output = u->output;
	r.requests = 1;
	add_row(&r);
}

static const char *
str(json_t *o, const char *name, const char *def)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s ? s : def;
}

/* POST /_fake/openai/org {"rows":[…]} adds other apps' usage; GET counts the rows;
 * DELETE drops them all. */
void
oa_org_control(const struct fk_req *q, struct fk_reply *r, json_t *body)
{
	json_t	*list = json_object_get(body, "rows"), *o;
	struct row w;
	size_t	 i, n = 0;
	double	 now;

	pthread_mutex_lock(&fk.lock);
	now = fk.wall_start + fk_now();
	if (strcmp(q->method, "POST") == 0 && !json_is_array(list))
		oa_fail(r, 400, NULL, "rows", "body must be {\"rows\":[…]}");
	else if (strcmp(q->method, "POST") == 0) {
		json_array_foreach(list, i, o) {
			memset(&w, 0, sizeof w);
			if ((w.model = oa_model_find(str(o, "model", NULL))) < 0)
				break;
			snprintf(w.key, sizeof w.key, "%s", str(o, "api_key_id",
			    "key_OtherApp000000000000"));
			snprintf(w.project, sizeof w.project, "%s", str(o, "project_id",
			    "proj_OtherApp0000000000000"));
			snprintf(w.tier, sizeof w.tier, "%s", str(o, "service_tier", "default"));
			w.batch = json_is_true(json_object_get(o, "batch"));
			w.input = (long)json_integer_value(json_object_get(o, "input_tokens"));
			w.cached = (long)json_integer_value(json_object_get(o, "input_cached_tokens"));
			w.output = (long)json_integer_value(json_object_get(o, "output_tokens"));
			w.requests = json_object_get(o, "num_model_requests") ? (long)
			    json_integer_value(json_object_get(o, "num_model_requests")) : 1;
			w.t = json_is_integer(json_object_get(o, "at")) ? (double)
			    json_integer_value(json_object_get(o, "at")) :
			    now - json_number_value(json_object_get(o, "ago_seconds"));
			add_row(&w);
			n++;
		}
		if (n < json_array_size(list))
			oa_fail(r, 400, NULL, "model", "rows.%zu.model: missing or not a model the "
			    "double knows (%zu added)", n, n);
		else
			fk_reply_json(r, 200, json_pack("{s:I}", "added", (json_int_t)n));
	} else {
		if (strcmp(q->method, "DELETE") == 0)
			nrows = 0;
		fk_reply_json(r, 200, json_pack("{s:I}", "rows", (json_int_t)nrows));
	}
	pthread_mutex_unlock(&fk.lock);
}

/* Lock held. */
void
oa_org_reset(void)
{
	free(rows);
	rows = NULL;
	nrows = caprows = 0;
}

/* ---- the reports ---- */

struct query {
	long	 start, end, width;	/* epoch seconds; the first bucket starts at start */
	int	 limit;
	int	 group[NGROUP];
	int	 by_item, cost;		/* costs: group_by=line_item */
	json_t	*models, *projects, *keys;	/* filters: arrays of strings, or NULL */
	int	 batch;			/* filter: -1 any, 0, 1 */
	char	 bad[128];
};

static int
listed(json_t *filter, const char *s)
{
	size_t	 i;
	json_t	*v;

	if (filter == NULL)
		return 1;
	json_array_foreach(filter, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/* The models filter takes dated and undated ids. */
static int
model_listed(json_t *filter, int model)
{
	size_t	 i;
	json_t	*v;

	if (filter == NULL)
		return 1;
	json_array_foreach(filter, i, v)
		if (oa_model_find(json_string_value(v)) == model)
			return 1;
	return 0;
}

static int
wanted(const struct query *qy, const struct row *r)
{
	return model_listed(qy->models, r->model) && listed(qy->projects, r->project) &&
	    listed(qy->keys, r->key) && (qy->batch < 0 || qy->batch == r->batch);
}

/* A name, or the same with [] (group_by[]=model), or neither. */
static int
is(const char *key, const char *name)
{
	size_t	 n = strlen(name);

	return strncmp(key, name, n) == 0 && (key[n] == '\0' || strcmp(key + n, "[]") == 0);
}

static void
filter_add(json_t **f, const char *v)
{
	if (*f == NULL)
		*f = json_array();
	json_array_append_new(*f, json_string(v));
}

static enum MHD_Result
each_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *v)
{
	struct query *qy = cls;
	int	 i;

	if (v == NULL)
		return MHD_YES;
	if (is(key, "models") && !qy->cost)
		filter_add(&qy->models, v);
	else if (is(key, "project_ids"))
		filter_add(&qy->projects, v);
	else if (is(key, "api_key_ids") && !qy->cost)
		filter_add(&qy->keys, v);
	else if (is(key, "group_by")) {
		for (i = 0; i < NGROUP; i++)
			if (strcmp(v, group_names[i]) == 0 && (!qy->cost || i == 1)) {
				qy->group[i] = 1;
				return MHD_YES;
			}
		if (qy->cost && strcmp(v, "line_item") == 0)
			qy->by_item = 1;
		else if (!qy->cost && strcmp(v, "user_id") == 0)
			;		/* every row has user_id null */
		else
			snprintf(qy->bad, sizeof qy->bad, "%s", v);
	}
	return MHD_YES;
}

static int
int_arg(const struct fk_req *q, const char *name, long *out)
{
	const char *s = oa_arg(q, name);
	char	*end;

	if (s == NULL)
		return 0;
	*out = strtol(s, &end, 10);
	return *s && *end == '\0' ? 1 : -1;
}

/* Reads and checks the query; on failure fills r and returns -1. */
static int
query_parse(const struct fk_req *q, struct fk_reply *r, struct query *qy)
{
	const char *w = oa_arg(q, "bucket_width"), *page = oa_arg(q, "page");
	const char *batch = oa_arg(q, "batch");
	long	 dflt, max, lim = 0;
	char	*end;
	int	 rc;

	if (int_arg(q, "start_time", &qy->start) != 1) {
		oa_fail(r, 400, "missing_required_parameter", "start_time", "start_time: "
		    "required, Unix seconds");
		return -1;
	}
	w = w ? w : "1d";
	if (strcmp(w, "1d") == 0)
		qy->width = 86400, dflt = 7, max = qy->cost ? 180 : 31;
	else if (strcmp(w, "1h") == 0 && !qy->cost)
		qy->width = 3600, dflt = 24, max = 168;
	else if (strcmp(w, "1m") == 0 && !qy->cost)
		qy->width = 60, dflt = 60, max = 1440;
	else {
		oa_fail(r, 400, "invalid_value", "bucket_width", "Invalid value: '%s'. Supported "
		    "values are: %s.", w, qy->cost ? "'1d'" : "'1m', '1h' and '1d'");
		return -1;
	}
	if ((rc = int_arg(q, "limit", &lim)) == -1 || (rc == 1 && (lim < 1 || lim > max))) {
		oa_fail(r, 400, "invalid_value", "limit", "Invalid 'limit': must be 1 to %ld for "
		    "bucket_width %s.", max, w);
		return -1;
	}
	qy->limit = rc == 1 ? (int)lim : (int)dflt;
	pthread_mutex_lock(&fk.lock);
	qy->end = (long)ceil(fk.wall_start + fk_now());
	pthread_mutex_unlock(&fk.lock);
	if (int_arg(q, "end_time", &qy->end) == -1) {
		oa_fail(r, 400, "invalid_value", "end_time", "end_time: Unix seconds");
		return -1;
	}
	qy->start = qy->start / qy->width * qy->width;
	if (page != NULL && (strncmp(page, "page_", 5) != 0 ||
	    (qy->start = strtol(page + 5, &end, 16)) < 0 || *end != '\0')) {
		oa_fail(r, 400, "invalid_value", "page", "Invalid 'page': not a page token.");
		return -1;
	}
	qy->batch = batch == NULL ? -1 : strcmp(batch, "true") == 0;
	MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, each_arg, qy);
	if (qy->bad[0]) {
		oa_fail(r, 400, "invalid_value", "group_by", "Invalid value for 'group_by': '%s'.",
		    qy->bad);
		return -1;
	}
	return 0;
}

static json_t *
str_or_null(int grouped, const char *s)
{
	return grouped ? json_string(s) : json_null();
}

/* The usage results of one bucket: sums per group, in first-seen order. Lock held. */
static json_t *
usage_results(const struct query *qy, double b0, double b1)
{
	json_t	*res = json_array();
	size_t	 i, j;
	struct row s;

	for (i = 0; i < nrows; i++) {
		if (rows[i].t < b0 || rows[i].t >= b1 || !wanted(qy, &rows[i]))
			continue;
		for (j = 0; j < i; j++)
			if (rows[j].t >= b0 && rows[j].t < b1 && wanted(qy, &rows[j]) &&
			    same(&rows[i], &rows[j], qy->group))
				break;
		if (j < i)
			continue;
		memset(&s, 0, sizeof s);
		for (j = i; j < nrows; j++)
			if (rows[j].t >= b0 && rows[j].t < b1 && wanted(qy, &rows[j]) &&
			    same(&rows[i], &rows[j], qy->group)) {
				sat_add(&s.input, rows[j].input);
				sat_add(&s.cached, rows[j].cached);
				sat_add(&s.output, rows[j].output);
				sat_add(&s.requests, rows[j].requests);
			}
		json_array_append_new(res, json_pack("{s:s, s:I, s:I, s:I, s:i, s:i, s:I, s:o, "
		    "s:n, s:o, s:o, s:o, s:o}", "object", "organization.usage.completions.result",
		    "input_tokens", (json_int_t)s.input, "output_tokens", (json_int_t)s.output,
		    "input_cached_tokens", (json_int_t)s.cached, "input_audio_tokens", 0,
		    "output_audio_tokens", 0, "num_model_requests", (json_int_t)s.requests,
		    "project_id", str_or_null(qy->group[1], rows[i].project), "user_id",
		    "api_key_id", str_or_null(qy->group[2], rows[i].key),
		    "model", str_or_null(qy->group[0], oa_model_name(rows[i].model)),
		    "batch", qy->group[3] ? json_boolean(rows[i].batch) : json_null(),
		    "service_tier", str_or_null(qy->group[4], rows[i].tier)));
	}
	return res;
}

/* A row's price of one kind (0 uncached input, 1 cached input, 2 output) in
 * pico-dollars: list price, batch and flex at half, priority at twice. */
static long
pico(const struct row *r, int kind)
{
	long	 tok = kind == 0 ? r->input - r->cached : kind == 1 ? r->cached : r->output, p;

	if (__builtin_mul_overflow(tok, oa_model_price(r->model)[kind], &p))
		return __LONG_MAX__;
	if (r->batch || strcmp(r->tier, "flex") == 0)
		return p / 2;
	if (strcmp(r->tier, "priority") == 0 && __builtin_mul_overflow(p, 2, &p))
		return __LONG_MAX__;
	return p;
}

static json_t *
cost_json(long pico_total, const char *item, int by_project, const char *project)
{
	return json_pack("{s:s, s:{s:f, s:s}, s:o, s:o}", "object",
	    "organization.costs.result", "amount", "value", (double)pico_total / 1e12,
	    "currency", "usd", "line_item", item ? json_string(item) : json_null(),
	    "project_id", str_or_null(by_project, project));
}

/* The costs of one bucket: with line_item, one result per (tier, model, kind[,
 * project]) that costs something; without, one total (per project when grouped).
 * Lock held. */
static json_t *
cost_results(const struct query *qy, double b0, double b1)
{
	static const char *kinds[3] = { "input", "cached input", "output" };
	json_t	*res = json_array();
	int	 g[NGROUP] = { qy->by_item, qy->group[1], 0, qy->by_item, qy->by_item }, k;
	long	 sum[3];
	size_t	 i, j;
	char	 item[200];

	for (i = 0; i < nrows; i++) {
		if (rows[i].t < b0 || rows[i].t >= b1 || !wanted(qy, &rows[i]))
			continue;
		for (j = 0; j < i; j++)
			if (rows[j].t >= b0 && rows[j].t < b1 && wanted(qy, &rows[j]) &&
			    same(&rows[i], &rows[j], g))
				break;
		if (j < i)
			continue;
		memset(sum, 0, sizeof sum);
		for (j = i; j < nrows; j++)
			if (rows[j].t >= b0 && rows[j].t < b1 && wanted(qy, &rows[j]) &&
			    same(&rows[i], &rows[j], g))
				for (k = 0; k < 3; k++)
					sat_add(&sum[k], pico(&rows[j], k));
		if (!qy->by_item) {
			sat_add(&sum[0], sum[1]);
			sat_add(&sum[0], sum[2]);
			json_array_append_new(res, cost_json(sum[0], NULL, qy->group[1],
			    rows[i].project));
			continue;
		}
		for (k = 0; k < 3; k++) {
			if (sum[k] == 0)
				continue;
			snprintf(item, sizeof item, "%s%s, %s", rows[i].batch ? "batch | " :
			    strcmp(rows[i].tier, "flex") == 0 ? "flex | " :
			    strcmp(rows[i].tier, "priority") == 0 ? "priority | " : "",
			    oa_model_name(rows[i].model), kinds[k]);
			json_array_append_new(res, cost_json(sum[k], item, qy->group[1],
			    rows[i].project));
		}
	}
	return res;
}

/* One page of buckets. Lock held. */
static json_t *
report_page(const struct query *qy)
{
	json_t	*data = json_array();
	long	 b0 = qy->start;
	char	 tok[40];
	int	 n;

	for (n = 0; n < qy->limit && b0 < qy->end; n++, b0 += qy->width)
		json_array_append_new(data, json_pack("{s:s, s:I, s:I, s:o}", "object", "bucket",
		    "start_time", (json_int_t)b0, "end_time", (json_int_t)(b0 + qy->width),
		    "results", qy->cost ? cost_results(qy, (double)b0, (double)(b0 + qy->width)) :
		    usage_results(qy, (double)b0, (double)(b0 + qy->width))));
	snprintf(tok, sizeof tok, "page_%lx", (unsigned long)b0);
	return json_pack("{s:s, s:o, s:b, s:o}", "object", "page", "data", data,
	    "has_more", b0 < qy->end, "next_page", b0 < qy->end ? json_string(tok) :
	    json_null());
}

/* GET /v1/organization/usage/completions and GET /v1/organization/costs; the admin
 * key was checked by the caller. */
void
oa_org_route(const struct fk_req *q, struct fk_reply *r)
{
	struct query qy;

	memset(&qy, 0, sizeof qy);
	if (strcmp(q->path, "/v1/organization/costs") == 0)
		qy.cost = 1;
	else if (strcmp(q->path, "/v1/organization/usage/completions") != 0 ||
	    strcmp(q->method, "GET") != 0) {
		oa_fail(r, 404, NULL, NULL, "Invalid URL (%s %s)", q->method, q->path);
		return;
	}
	if (strcmp(q->method, "GET") != 0)
		oa_fail(r, 404, NULL, NULL, "Invalid URL (%s %s)", q->method, q->path);
	else if (query_parse(q, r, &qy) == 0) {
		pthread_mutex_lock(&fk.lock);
		oa_batch_advance_all(fk_now());
		fk_reply_json(r, 200, report_page(&qy));
		pthread_mutex_unlock(&fk.lock);
	}
	json_decref(qy.models);
	json_decref(qy.projects);
	json_decref(qy.keys);
}
