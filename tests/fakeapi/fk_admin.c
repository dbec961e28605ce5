/* fk_admin.c — the Admin API reports of the double: the organisation's usage
 * report (/v1/organizations/usage_report/messages) and cost report
 * (/v1/organizations/cost_report), built from the usage the double served plus
 * "other apps'" rows added with --org-extra or POST /_fake/org. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fk.h"

#define ADMIN_MAXKEYS	8
#define NGROUP		4	/* model, api_key_id, workspace_id, service_tier */

/* One usage row of the organisation at a real epoch time. */
struct org_row {
	double	 t;			/* epoch seconds */
	char	 model[96];
	char	 key[64];		/* api_key_id, "" = null */
	char	 ws[64];		/* workspace_id, "" = null (default workspace) */
	char	 tier[16];
	struct fk_usage u;
};

static const char *admin_keys[ADMIN_MAXKEYS];
static int admin_nkeys;
static struct org_row *rows;		/* guarded by fk.lock */
static size_t nrows, caprows;

/* USD per MTok in micro-dollars (= pico-dollars per token), api-notes §6:
 * input, 5m write, 1h write, cache read, output. */
static const struct { const char *prefix; long r[5]; } prices[] = {
	{ "claude-opus-4-1", { 15000000, 18750000, 30000000, 1500000, 75000000 } },
	{ "claude-opus-4-0", { 15000000, 18750000, 30000000, 1500000, 75000000 } },
	{ "claude-opus-4-2025", { 15000000, 18750000, 30000000, 1500000, 75000000 } },
	{ "claude-opus", { 5000000, 6250000, 10000000, 500000, 25000000 } },
	{ "claude-sonnet-5", { 2000000, 2500000, 4000000, 200000, 10000000 } },
	{ "claude-sonnet", { 3000000, 3750000, 6000000, 300000, 15000000 } },
	{ "claude-3-7-sonnet", { 3000000, 3750000, 6000000, 300000, 15000000 } },
	{ "claude-haiku-4-5", { 1000000, 1250000, 2000000, 100000, 5000000 } },
	{ "claude-3-5-haiku", { 800000, 1000000, 1600000, 80000, 4000000 } },
	{ "claude-3-haiku", { 250000, 300000, 500000, 30000, 1250000 } },
};

static const char *token_types[5] = {
	"uncached_input_tokens", "cache_creation.ephemeral_5m_input_tokens",
	"cache_creation.ephemeral_1h_input_tokens", "cache_read_input_tokens", "output_tokens",
};
static const char *token_labels[5] = {
	"Input Tokens", "Cache Write (5m) Tokens", "Cache Write (1h) Tokens",
	"Cache Read Tokens", "Output Tokens",
};

static const long *
price_of(const char *model)
{
	size_t	 i;

	for (i = 0; i < sizeof prices / sizeof prices[0]; i++)
		if (strncmp(model, prices[i].prefix, strlen(prices[i].prefix)) == 0)
			return prices[i].r;
	return NULL;
}

static long
bucket_tok(const struct fk_usage *u, int k)
{
	switch (k) {
	case 0: return u->input;
	case 1: return u->cw5;
	case 2: return u->cw1h;
	case 3: return u->cread;
	default: return u->output;
	}
}

/* Adds a row at minute precision (the finest bucket), merged into a recent row of
 * the same minute and group, so memory grows with minutes × groups, not with
 * requests (a benchmark may send millions through the double). Lock held. */
static void
row_add(const struct org_row *r, int merge)
{
	struct org_row *o;
	double	 t = floor(r->t / 60) * 60;
	size_t	 k;

	for (k = nrows; merge && k > 0 && k + 64 > nrows; k--) {
		o = &rows[k - 1];
		if (o->t == t && strcmp(o->model, r->model) == 0 && strcmp(o->key, r->key) == 0 &&
		    strcmp(o->ws, r->ws) == 0 && strcmp(o->tier, r->tier) == 0) {
			o->u.input += r->u.input;
			o->u.cw5 += r->u.cw5;
			o->u.cw1h += r->u.cw1h;
			o->u.cread += r->u.cread;
			o->u.output += r->u.output;
			return;
		}
	}
	if (fk_grow(&rows, &caprows, nrows + 1, sizeof *rows) == -1)
		return;
	rows[nrows] = *r;
	rows[nrows++].t = t;
}

static void
key_id(int i, char *buf, size_t len)
{
	snprintf(buf, len, "apikey_01FakeKey%010d", i);
}

/* Records the usage of one Messages answer, under the api_key_id of the key that
 * made it. Takes the lock. */
void
admin_record(const struct fk_req *q, int model, const struct fk_usage *u)
{
	const char *key = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "x-api-key");
	const char *auth = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	    "authorization");
	struct org_row r;
	int	 i, k = 0;

	if (key == NULL && auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0)
		key = auth + 7;
	for (i = 0; key != NULL && i < fk.opt.nkeys; i++)
		if (strcmp(key, fk.opt.keys[i]) == 0)
			k = i;
	memset(&r, 0, sizeof r);
	snprintf(r.model, sizeof r.model, "%s", fk_model_name(model));
	key_id(k, r.key, sizeof r.key);
	snprintf(r.tier, sizeof r.tier, "standard");
	r.u = *u;
	pthread_mutex_lock(&fk.lock);
	r.t = fk.wall_start + fk_now();
	row_add(&r, 1);
	pthread_mutex_unlock(&fk.lock);
}

/* Reads one extra row from JSON (token fields as in the report). */
static int
extra_parse(json_t *o, double now, struct org_row *r, char *err, size_t errlen)
{
	json_t	*cc = json_object_get(o, "cache_creation");
	const char *model = json_string_value(json_object_get(o, "model"));
	const char *at = json_string_value(json_object_get(o, "at"));
	struct tm tm;

	memset(&r->u, 0, sizeof r->u);
	if (model == NULL || price_of(model) == NULL) {
		snprintf(err, errlen, "model: missing or not priced by the double");
		return -1;
	}
	snprintf(r->model, sizeof r->model, "%s", model);
	snprintf(r->key, sizeof r->key, "%s", json_string_value(json_object_get(o,
	    "api_key_id")) ? json_string_value(json_object_get(o, "api_key_id")) :
	    "apikey_01OtherApp000000000");
	snprintf(r->ws, sizeof r->ws, "%s", json_string_value(json_object_get(o,
	    "workspace_id")) ? json_string_value(json_object_get(o, "workspace_id")) : "");
	snprintf(r->tier, sizeof r->tier, "%s", json_string_value(json_object_get(o,
	    "service_tier")) ? json_string_value(json_object_get(o, "service_tier")) : "standard");
	r->u.input = (long)json_integer_value(json_object_get(o, "uncached_input_tokens"));
	r->u.cread = (long)json_integer_value(json_object_get(o, "cache_read_input_tokens"));
	r->u.cw5 = (long)json_integer_value(json_object_get(cc, "ephemeral_5m_input_tokens"));
	r->u.cw1h = (long)json_integer_value(json_object_get(cc, "ephemeral_1h_input_tokens"));
	r->u.output = (long)json_integer_value(json_object_get(o, "output_tokens"));
	r->t = now - json_number_value(json_object_get(o, "ago_seconds"));
	if (at != NULL) {
		memset(&tm, 0, sizeof tm);
		if (strptime(at, "%Y-%m-%dT%H:%M:%S", &tm) == NULL) {
			snprintf(err, errlen, "at: not RFC 3339 UTC: %s", at);
			return -1;
		}
		r->t = (double)timegm(&tm);
	}
	return 0;
}

/* Adds the rows of {"rows":[…]}; 0 or -1 with err. Takes the lock. */
static int
extra_add(json_t *body, size_t *n, char *err, size_t errlen)
{
	json_t	*list = json_object_get(body, "rows");
	struct org_row r;
	double	 now;
	size_t	 i;
	int	 rc = 0;

	*n = 0;
	if (!json_is_array(list)) {
		snprintf(err, errlen, "body must be {\"rows\":[…]}");
		return -1;
	}
	pthread_mutex_lock(&fk.lock);
	/* --org-extra is read before the clock starts: then real time */
	now = fk.wall_start > 0 ? fk.wall_start + fk_now() : (double)time(NULL);
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		if ((rc = extra_parse(json_array_get(list, i), now, &r, err, errlen)) == 0) {
			row_add(&r, 1);
			(*n)++;
		}
	}
	pthread_mutex_unlock(&fk.lock);
	return rc;
}

/* --admin-key KEY and --org-extra JSON (a row object or {"rows":[…]}). 0 or -1. */
int
admin_option(const char *name, const char *value)
{
	json_t	*j, *body;
	char	 err[256];
	size_t	 n;
	int	 rc;

	if (strcmp(name, "admin-key") == 0) {
		if (admin_nkeys == ADMIN_MAXKEYS)
			return -1;
		admin_keys[admin_nkeys++] = value;
		return 0;
	}
	if ((j = json_loads(value, 0, NULL)) == NULL)
		return -1;
	body = json_object_get(j, "rows") ? json_incref(j) : json_pack("{s:[O]}", "rows", j);
	rc = extra_add(body, &n, err, sizeof err);
	if (rc == -1)
		fprintf(stderr, "fakeapi: --org-extra: %s\n", err);
	json_decref(body);
	json_decref(j);
	return rc;
}

/* POST /_fake/org {"rows":[…]} adds other apps' usage; GET reads the row count.
 * DELETE (or /_fake/reset, through admin_reset) clears every row. */
void
admin_control(const struct fk_req *q, struct fk_reply *r, json_t *body)
{
	char	 err[256];
	size_t	 n;

	if (strcmp(q->method, "POST") == 0) {
		if (extra_add(body, &n, err, sizeof err) == -1)
			fk_reply_error(r, q, 400, NULL, "%s", err);
		else
			fk_reply_json(r, 200, json_pack("{s:I}", "added", (json_int_t)n));
		return;
	}
	pthread_mutex_lock(&fk.lock);
	if (strcmp(q->method, "DELETE") == 0)
		nrows = 0;
	n = nrows;
	pthread_mutex_unlock(&fk.lock);
	fk_reply_json(r, 200, json_pack("{s:I}", "rows", (json_int_t)n));
}

/* Lock held. */
void
admin_reset(void)
{
	free(rows);
	rows = NULL;
	nrows = caprows = 0;
}

/* ---- the reports ---- */

/* A query: the range, the bucket width, what to group by, the page. */
struct query {
	double	 start, end;		/* epoch seconds; the first bucket starts at start */
	long	 width;
	int	 limit;
	int	 group[NGROUP];		/* model, api_key_id, workspace_id, service_tier */
	int	 by_desc;		/* cost: group_by[]=description */
	int	 by_cw;			/* usage: group_by[]=context_window */
	int	 cost;
};

static const char *
arg(const struct fk_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

static int
parse_time(const char *s, double *t)
{
	struct tm tm;
	const char *p;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return -1;
	*t = (double)timegm(&tm);
	return 0;
}

static void
time_str(double t, char *buf, size_t len)
{
	time_t	 s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct gcollect {
	struct query *qy;
	char	 bad[128];
};

static enum MHD_Result
each_group(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	static const char *names[NGROUP] = { "model", "api_key_id", "workspace_id",
	    "service_tier" };
	struct gcollect *g = cls;
	int	 i;

	if (strcmp(key, "group_by[]") != 0 && strcmp(key, "group_by") != 0)
		return MHD_YES;
	for (i = 0; i < NGROUP; i++)
		if (value != NULL && strcmp(value, names[i]) == 0 &&
		    (!g->qy->cost || i == 2)) {
			g->qy->group[i] = 1;
			return MHD_YES;
		}
	if (g->qy->cost && value != NULL && strcmp(value, "description") == 0)
		g->qy->by_desc = 1;
	else if (!g->qy->cost && value != NULL && strcmp(value, "context_window") == 0)
		g->qy->by_cw = 1;
	else
		snprintf(g->bad, sizeof g->bad, "%s", value ? value : "");
	return MHD_YES;
}

/* Reads and checks the query string; on failure fills r and returns -1. */
static int
query_parse(const struct fk_req *q, struct fk_reply *r, struct query *qy)
{
	const char *w = arg(q, "bucket_width"), *lim = arg(q, "limit"), *page = arg(q, "page");
	long	 dflt, max;
	struct gcollect g = { qy, "" };
	char	*end;
	double	 now;

	if (parse_time(arg(q, "starting_at"), &qy->start) == -1) {
		fk_reply_error(r, q, 400, NULL, "starting_at: required, RFC 3339 (UTC)");
		return -1;
	}
	w = w ? w : "1d";
	if (strcmp(w, "1d") == 0)
		qy->width = 86400, dflt = 7, max = 31;
	else if (strcmp(w, "1h") == 0 && !qy->cost)
		qy->width = 3600, dflt = 24, max = 168;
	else if (strcmp(w, "1m") == 0 && !qy->cost)
		qy->width = 60, dflt = 60, max = 1440;
	else {
		fk_reply_error(r, q, 400, NULL, "bucket_width: invalid value: %s", w);
		return -1;
	}
	qy->limit = (int)dflt;
	if (lim != NULL && ((qy->limit = (int)strtol(lim, &end, 10)) < 1 || qy->limit > max ||
	    *end != '\0')) {
		fk_reply_error(r, q, 400, NULL, "limit: must be 1..%ld for bucket_width %s",
		    max, w);
		return -1;
	}
	pthread_mutex_lock(&fk.lock);
	now = fk.wall_start + fk_now();
	pthread_mutex_unlock(&fk.lock);
	qy->end = now;
	if (arg(q, "ending_at") != NULL && parse_time(arg(q, "ending_at"), &qy->end) == -1) {
		fk_reply_error(r, q, 400, NULL, "ending_at: RFC 3339 (UTC)");
		return -1;
	}
	qy->start = floor(qy->start / (double)qy->width) * (double)qy->width;
	if (page != NULL && (strncmp(page, "page_", 5) != 0 ||
	    (qy->start = (double)strtoll(page + 5, &end, 16)) < 0 || *end != '\0')) {
		fk_reply_error(r, q, 400, NULL, "page: invalid page token");
		return -1;
	}
	MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, each_group, &g);
	if (g.bad[0]) {
		fk_reply_error(r, q, 400, NULL, "group_by: invalid value: %s", g.bad);
		return -1;
	}
	if (qy->end <= qy->start && page == NULL) {
		fk_reply_error(r, q, 400, NULL, "ending_at: must be after starting_at");
		return -1;
	}
	return 0;
}

/* Adds the double's batch results (each at the virtual time it was processed) to
 * the row list once per report: returns how many were appended (removed again by
 * the caller). Lock held. */
static size_t
batch_rows(void)
{
	double	 now = fk_now(), bs = fk.opt.batch_seconds;
	size_t	 i, j, added = 0;
	struct fk_batch *b;
	struct org_row r;

	for (i = 0; i < batch_nlist; i++) {
		b = batch_list[i];
		batch_advance(b, now);
		for (j = 0; j < b->done; j++) {
			if (b->items[j].kind != K_SUCCEEDED)
				continue;
			memset(&r, 0, sizeof r);
			r.t = fk.wall_start + b->created + (bs > 0 ?
			    bs * (double)(j + 1) / (double)b->n : 0);
			snprintf(r.model, sizeof r.model, "%s", fk_model_name(b->items[j].plan.model));
			key_id(0, r.key, sizeof r.key);
			snprintf(r.tier, sizeof r.tier, "batch");
			r.u = b->items[j].usage;
			row_add(&r, 0);	/* removed again after the report */
			added++;
		}
	}
	return added;
}

static int
same_group(const struct query *qy, const struct org_row *a, const struct org_row *b)
{
	return (!qy->group[0] || strcmp(a->model, b->model) == 0) &&
	    (!qy->group[1] || strcmp(a->key, b->key) == 0) &&
	    (!qy->group[2] || strcmp(a->ws, b->ws) == 0) &&
	    (!qy->group[3] || strcmp(a->tier, b->tier) == 0);
}

static json_t *
str_or_null(int grouped, const char *s)
{
	return grouped && *s ? json_string(s) : json_null();
}

/* The usage results of one bucket: sums per group, in first-seen order. Lock held. */
static json_t *
usage_results(const struct query *qy, double b0, double b1)
{
	json_t	*res = json_array();
	size_t	 i, j;
	struct fk_usage s;

	for (i = 0; i < nrows; i++) {
		if (rows[i].t < b0 || rows[i].t >= b1)
			continue;
		for (j = 0; j < i; j++)
			if (rows[j].t >= b0 && rows[j].t < b1 && same_group(qy, &rows[i], &rows[j]))
				break;
		if (j < i)
			continue;
		memset(&s, 0, sizeof s);
		for (j = i; j < nrows; j++)
			if (rows[j].t >= b0 && rows[j].t < b1 && same_group(qy, &rows[i], &rows[j])) {
				s.input += rows[j].u.input;
				s.cw5 += rows[j].u.cw5;
				s.cw1h += rows[j].u.cw1h;
				s.cread += rows[j].u.cread;
				s.output += rows[j].u.output;
			}
		json_array_append_new(res, json_pack("{s:I, s:I, s:{s:I, s:I}, s:I, s:o, s:o, "
		    "s:o, s:o, s:n, s:o, s:{s:i}}",
		    "uncached_input_tokens", (json_int_t)s.input,
		    "cache_read_input_tokens", (json_int_t)s.cread,
		    "cache_creation", "ephemeral_5m_input_tokens", (json_int_t)s.cw5,
		    "ephemeral_1h_input_tokens", (json_int_t)s.cw1h,
		    "output_tokens", (json_int_t)s.output,
		    "model", str_or_null(qy->group[0], rows[i].model),
		    "api_key_id", str_or_null(qy->group[1], rows[i].key),
		    "workspace_id", str_or_null(qy->group[2], rows[i].ws),
		    "service_tier", str_or_null(qy->group[3], rows[i].tier),
		    "inference_geo", "context_window", str_or_null(qy->by_cw, "0-200k"),
		    "server_tool_use", "web_search_requests", 0));
	}
	return res;
}

/* Cents as a decimal string from pico-dollars: 1 cent = 1e10 pico-dollars. */
static void
cents_str(long long pico, char *buf, size_t len)
{
	size_t	 n;

	snprintf(buf, len, "%lld.%010lld", pico / 10000000000LL, pico % 10000000000LL);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/* The cost of rows in one bucket: one row per (model, tier, token type[, workspace])
 * with description, or one total per workspace without. Lock held. */
static json_t *
cost_results(const struct query *qy, double b0, double b1)
{
	json_t	*res = json_array();
	size_t	 i, j;
	long long pico, total = 0;
	const long *pr;
	char	 amt[48], desc[200];
	int	 k;
	struct query g = *qy;

	g.group[0] = g.group[3] = qy->by_desc;
	for (i = 0; i < nrows; i++) {
		if (rows[i].t < b0 || rows[i].t >= b1)
			continue;
		for (j = 0; j < i; j++)
			if (rows[j].t >= b0 && rows[j].t < b1 && same_group(&g, &rows[i], &rows[j]))
				break;
		if (j < i)
			continue;
		for (k = 0; k < 5; k++) {
			pico = 0;
			for (j = i; j < nrows; j++)
				if (rows[j].t >= b0 && rows[j].t < b1 &&
				    same_group(&g, &rows[i], &rows[j]) &&
				    (pr = price_of(rows[j].model)) != NULL)
					pico += (long long)bucket_tok(&rows[j].u, k) * pr[k] /
					    (strcmp(rows[j].tier, "batch") == 0 ? 2 : 1);
			if (!qy->by_desc) {
				total += pico;
				continue;
			}
			if (pico == 0)
				continue;
			cents_str(pico, amt, sizeof amt);
			snprintf(desc, sizeof desc, "%s Usage - %s%s", rows[i].model,
			    token_labels[k], strcmp(rows[i].tier, "batch") == 0 ? " (Batch)" : "");
			json_array_append_new(res, json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, "
			    "s:s, s:s}", "currency", "USD", "amount", amt,
			    "workspace_id", str_or_null(qy->group[2], rows[i].ws),
			    "description", desc, "cost_type", "tokens", "context_window", "0-200k",
			    "model", rows[i].model, "service_tier", rows[i].tier,
			    "token_type", token_types[k]));
		}
		if (!qy->by_desc) {
			cents_str(total, amt, sizeof amt);
			json_array_append_new(res, json_pack("{s:s, s:s, s:o, s:n, s:n, s:n, s:n, "
			    "s:n, s:n}", "currency", "USD", "amount", amt, "workspace_id",
			    str_or_null(qy->group[2], rows[i].ws), "description", "cost_type",
			    "context_window", "model", "service_tier", "token_type"));
			total = 0;
		}
	}
	return res;
}

/* Builds one page of buckets. Lock held. */
static json_t *
report_page(const struct query *qy)
{
	json_t	*data = json_array();
	double	 b0 = qy->start;
	char	 s0[40], s1[40], tok[40];
	int	 n;

	for (n = 0; n < qy->limit && b0 < qy->end; n++, b0 += (double)qy->width) {
		time_str(b0, s0, sizeof s0);
		time_str(b0 + (double)qy->width, s1, sizeof s1);
		json_array_append_new(data, json_pack("{s:s, s:s, s:o}", "starting_at", s0,
		    "ending_at", s1, "results", qy->cost ?
		    cost_results(qy, b0, b0 + (double)qy->width) :
		    usage_results(qy, b0, b0 + (double)qy->width)));
	}
	snprintf(tok, sizeof tok, "page_%llx", (unsigned long long)b0);
	return json_pack("{s:o, s:b, s:o}", "data", data, "has_more", b0 < qy->end,
	    "next_page", b0 < qy->end ? json_string(tok) : json_null());
}

/* 0 when the request carries an admin key; else fills r (401 without a key or with
 * an unknown one, 403 permission_error with a normal API key). */
static int
admin_auth(const struct fk_req *q, struct fk_reply *r)
{
	const char *key = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "x-api-key");
	int	 i;

	if (key == NULL) {
		fk_reply_error(r, q, 401, NULL, "x-api-key header is required");
		return -1;
	}
	for (i = 0; i < admin_nkeys; i++)
		if (strcmp(key, admin_keys[i]) == 0)
			return 0;
	if (admin_nkeys == 0 && strcmp(key, "sk-ant-admin-test") == 0)
		return 0;
	for (i = 0; i < fk.opt.nkeys; i++)
		if (strcmp(key, fk.opt.keys[i]) == 0) {
			fk_reply_error(r, q, 403, "permission_error", "This endpoint requires "
			    "an Admin API key (sk-ant-admin…); an API key was given");
			return -1;
		}
	fk_reply_error(r, q, 401, NULL, "invalid x-api-key");
	return -1;
}

/* GET /v1/organizations/usage_report/messages and /v1/organizations/cost_report. */
void
admin_route(const struct fk_req *q, struct fk_reply *r)
{
	struct query qy;
	size_t	 added;

	memset(&qy, 0, sizeof qy);
	if (admin_auth(q, r) == -1)
		return;
	if (MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "anthropic-version") == NULL) {
		fk_reply_error(r, q, 400, NULL, "anthropic-version: header is required");
		return;
	}
	if (strcmp(q->path, "/v1/organizations/cost_report") == 0)
		qy.cost = 1;
	else if (strcmp(q->path, "/v1/organizations/usage_report/messages") != 0) {
		fk_reply_error(r, q, 404, NULL, "Not found: %s %s", q->method, q->path);
		return;
	}
	if (strcmp(q->method, "GET") != 0) {
		fk_reply_error(r, q, 405, NULL, "Method not allowed: %s", q->method);
		return;
	}
	if (query_parse(q, r, &qy) == -1)
		return;
	pthread_mutex_lock(&fk.lock);
	added = batch_rows();
	fk_reply_json(r, 200, report_page(&qy));
	nrows -= added;
	pthread_mutex_unlock(&fk.lock);
}
