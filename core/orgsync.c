/* orgsync.c — paging through a provider's organisation usage and cost
 * reports and parsing them into plain records; Anthropic's report forms
 * (api-notes §5) are its org ops here. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/api.h"
#include "core/call.h"
#include "core/config.h"
#include "core/http.h"
#include "core/orgsync.h"

#define DAY_MS      86400000LL
#define DAILY_MAX   31
#define MINUTE_MAX  1440

void
orgsync_data_free(struct org_data *d)
{
	if (d == NULL)
		return;
	free(d->usage);
	free(d->cost);
	memset(d, 0, sizeof(*d));
}

/* Grow an array of n elements of size sz to hold one more. */
static void *
grow1(void *arr, size_t n, size_t *cap, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 256;
	if ((p = realloc(arr, ncap * sz)) == NULL)
		return NULL;
	*cap = ncap;
	return p;
}

int
orgsync_member_str(const json_t *o, const char *key, char *dst, size_t n)
{
	const json_t *v = json_object_get(o, key);

	dst[0] = '\0';
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	usage_strlcpy(dst, json_string_value(v), n);
	return 0;
}

int
orgsync_member_int(const json_t *o, const char *key, int required, int64_t *out)
{
	const json_t *v = json_object_get(o, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return required ? -1 : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > USAGE_COUNT_MAX)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* The page envelope: data[] and has_more / next_page. */
static int
page_envelope(json_t *page, json_t **data, int *has_more, char *next, char *err, size_t errlen)
{
	json_t *hm = json_object_get(page, "has_more"), *np = json_object_get(page, "next_page");

	*data = json_object_get(page, "data");
	if (!json_is_array(*data)) {
		snprintf(err, errlen, "data: not a list");
		return -1;
	}
	if (hm != NULL && !json_is_boolean(hm)) {
		snprintf(err, errlen, "has_more: not a boolean");
		return -1;
	}
	*has_more = json_is_true(hm);
	next[0] = '\0';
	if (np != NULL && !json_is_null(np)) {
		if (!json_is_string(np) || json_string_length(np) >= ORG_ID_MAX) {
			snprintf(err, errlen, "next_page: not a page token");
			return -1;
		}
		usage_strlcpy(next, json_string_value(np), ORG_ID_MAX);
	}
	if (*has_more && next[0] == '\0') {
		snprintf(err, errlen, "has_more without next_page");
		return -1;
	}
	return 0;
}

/* A bucket's start and its results list. */
static int
bucket_head(const struct provider_org_ops *ops, json_t *b, size_t i, int64_t *start,
            json_t **results, char *err, size_t errlen)
{
	const char *bad = "";

	if (ops->bucket_start(b, start, &bad) != 0) {
		snprintf(err, errlen, "data[%zu].%s", i, bad);
		return -1;
	}
	*results = json_object_get(b, "results");
	if (!json_is_array(*results)) {
		snprintf(err, errlen, "data[%zu].results: not a list", i);
		return -1;
	}
	return 0;
}

/* Keep one usage result of a bucket (a walk_page callback). */
static int
keep_usage(const struct provider_org_ops *ops, json_t *o, int64_t start, int width_s,
           struct org_data *d, const char **bad)
{
	struct org_usage u, *nu;

	memset(&u, 0, sizeof(u));
	u.bucket_ms = start;
	u.width_s = width_s;
	if (!json_is_object(o))
		return *bad = "", -1;
	if (ops->usage_result(o, &u, bad) != 0)
		return -1;
	if ((nu = grow1(d->usage, d->nusage, &d->cap_usage, sizeof(u))) == NULL)
		return *bad = NULL, -1;
	d->usage = nu;
	d->usage[d->nusage++] = u;
	return 0;
}

/* "data[i].results[j].FIELD: VALUE: not valid" for the field path bad of
 * result o: a number or a numeric string is shown (never other text). */
static void
bad_field(json_t *o, size_t i, size_t j, const char *bad, char *err, size_t errlen)
{
	char key[64], val[48] = "";
	const char *dot = strchr(bad, '.'), *s;
	json_t *v = o;

	if (dot != NULL && (size_t)(dot - bad) < sizeof(key)) {
		memcpy(key, bad, (size_t)(dot - bad));
		key[dot - bad] = '\0';
		v = json_object_get(v, key);
	}
	v = json_object_get(v, dot != NULL ? dot + 1 : bad);
	if (json_is_integer(v))
		snprintf(val, sizeof(val), " %lld:", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(val, sizeof(val), " %.15g:", json_real_value(v));
	else if ((s = json_string_value(v)) != NULL && strlen(s) < 40 &&
	    strspn(s, "0123456789.+-") == strlen(s))
		snprintf(val, sizeof(val), " \"%s\":", s);
	snprintf(err, errlen, "data[%zu].results[%zu]%s%s:%s not valid", i, j, *bad ? "." : "",
	    bad, val);
}

/*
 * Walk a report page (usage or cost: the same envelope and buckets), calling
 * keep on every result with its bucket's start. keep fails with *bad naming
 * the field, or NULL for out of memory. Adds the buckets to *buckets.
 */
static int
walk_page(const struct provider_org_ops *ops, json_t *page, int width_s, struct org_data *d,
          int64_t *buckets, int *has_more, char *next,
          int (*keep)(const struct provider_org_ops *, json_t *, int64_t, int, struct org_data *,
                      const char **),
          char *err, size_t errlen)
{
	json_t *data, *results;
	const char *bad;
	int64_t start;
	size_t i, j;

	if (page_envelope(page, &data, has_more, next, err, errlen) != 0)
		return -1;
	for (i = 0; i < json_array_size(data); i++) {
		if (bucket_head(ops, json_array_get(data, i), i, &start, &results, err, errlen) != 0)
			return -1;
		for (j = 0; j < json_array_size(results); j++) {
			if (keep(ops, json_array_get(results, j), start, width_s, d, &bad) == 0)
				continue;
			if (bad == NULL)
				snprintf(err, errlen, "out of memory");
			else
				bad_field(json_array_get(results, j), i, j, bad, err, errlen);
			return -1;
		}
		(*buckets)++;
	}
	return 0;
}

static int keep_cost(const struct provider_org_ops *ops, json_t *o, int64_t start,
                     int width_s, struct org_data *d, const char **bad);

int
orgsync_parse_page(const struct provider *pv, enum orgsync_stage stage, json_t *page,
                   int width_s, struct org_data *d, int *has_more, char *next, char *err,
                   size_t errlen)
{
	const struct provider_org_ops *ops = pv != NULL && pv->org != NULL ? pv->org :
	    &orgsync_anthropic;
	int cost = stage == ORGSYNC_COST;

	if (walk_page(ops, page, cost ? 0 : width_s, d, cost ? &d->cost_buckets :
	    &d->usage_buckets, has_more, next, cost ? keep_cost : keep_usage, err, errlen) != 0)
		return -1;
	if (cost)
		d->cost_pages++;
	else
		d->usage_pages++;
	return 0;
}

int
orgsync_parse_usage_page(json_t *page, int width_s, struct org_data *d, int *has_more,
                         char *next, char *err, size_t errlen)
{
	return orgsync_parse_page(&provider_anthropic, ORGSYNC_DAILY, page, width_s, d, has_more,
	    next, err, errlen);
}

/* Keep one cost result of a bucket (a walk_page callback). */
static int
keep_cost(const struct provider_org_ops *ops, json_t *o, int64_t start, int width_s,
          struct org_data *d, const char **bad)
{
	struct org_cost c, *nc;

	(void)width_s;
	memset(&c, 0, sizeof(c));
	c.bucket_ms = start;
	if (!json_is_object(o))
		return *bad = "", -1;
	if (ops->cost_result(o, &c, bad) != 0)
		return -1;
	if ((nc = grow1(d->cost, d->ncost, &d->cap_cost, sizeof(c))) == NULL)
		return *bad = NULL, -1;
	d->cost = nc;
	d->cost[d->ncost++] = c;
	return 0;
}

int
orgsync_parse_cost_page(json_t *page, struct org_data *d, int *has_more, char *next,
                        char *err, size_t errlen)
{
	return orgsync_parse_page(&provider_anthropic, ORGSYNC_COST, page, 0, d, has_more, next,
	    err, errlen);
}

void
orgsync_ranges(int64_t since_ms, int64_t today_ms, int64_t now_ms, int limit,
               struct orgsync_range *r)
{
	r->since_ms = since_ms - ((since_ms % DAY_MS) + DAY_MS) % DAY_MS;
	r->split_ms = today_ms - ((today_ms % DAY_MS) + DAY_MS) % DAY_MS;
	if (r->split_ms < r->since_ms)
		r->split_ms = r->since_ms;
	r->until_ms = now_ms > r->split_ms ? now_ms : r->split_ms;
	r->limit = limit;
	r->pv = NULL;
}

void
orgsync_encode(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s != '\0' && o + 4 < n; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s) != NULL)
			out[o++] = *s;
		else
			o += snprintf(out + o, n - o, "%%%02X", (unsigned char)*s);
	}
	out[o] = '\0';
}

/* ---- paging, async ---- */

#define ST_DAILY   ORGSYNC_DAILY
#define ST_MINUTES ORGSYNC_MINUTES
#define ST_COST    ORGSYNC_COST
#define ST_DONE    ORGSYNC_DONE

struct orgsync {
	struct http_multi   *m;
	struct orgsync_range r;
	struct org_data     *d;
	orgsync_done_fn      done;
	void                *arg;
	struct http_req     *req;          /* the page in flight */
	int                  stage;        /* ST_* */
	int                  pages;        /* of this stage */
	char                 next[ORG_ID_MAX];
	char                 err[1024];
};

static const char *
stage_name(int stage)
{
	return stage == ST_COST ? "cost" : "usage";
}

/* The range of a stage; empty when there is nothing to read. */
static void
stage_range(const struct orgsync *s, int stage, int64_t *from, int64_t *to)
{
	*from = stage == ST_MINUTES ? s->r.split_ms : s->r.since_ms;
	*to = stage == ST_DAILY ? s->r.split_ms : s->r.until_ms;
}

static const struct provider_org_ops *
ops_of(const struct orgsync *s)
{
	return s->r.pv != NULL && s->r.pv->org != NULL ? s->r.pv->org : &orgsync_anthropic;
}

static void
page_path(const struct orgsync *s, char *path, size_t n)
{
	char enc[3 * ORG_ID_MAX + 1];
	int64_t from, to;
	int limit = s->r.limit > 0 && s->r.limit <= DAILY_MAX ? s->r.limit : DAILY_MAX;

	stage_range(s, s->stage, &from, &to);
	orgsync_encode(s->next, enc, sizeof(enc));
	ops_of(s)->page_path((enum orgsync_stage)s->stage, from, to,
	    s->stage == ST_MINUTES ? MINUTE_MAX : limit, enc, path, n);
}

static void page_done(void *arg, json_t *resp, const struct http_result *res,
                      const struct http_error *err);

/*
 * Start the next page (of this stage when s->next is set, else of the next
 * stage with a non-empty range). 1 when a request is in flight, 0 when every
 * stage is done, -1 with s->err.
 */
static int
step(struct orgsync *s)
{
	struct http_error he;
	char path[1024], msg[600];
	int64_t from, to;

	if (s->next[0] == '\0') {
		for (s->stage++, s->pages = 0; s->stage < ST_DONE; s->stage++) {
			stage_range(s, s->stage, &from, &to);
			if (to > from)
				break;
		}
	}
	if (s->stage >= ST_DONE)
		return 0;
	page_path(s, path, sizeof(path));
	if ((s->req = api_json_start(s->m, "GET", path, NULL, page_done, s, &he)) == NULL) {
		snprintf(s->err, sizeof(s->err), "%s report: %s", stage_name(s->stage),
		         api_error_string(&he, msg, sizeof(msg)));
		return -1;
	}
	return 1;
}

static void
finish(struct orgsync *s, const char *err)
{
	s->done(s->arg, s->d, err);
	free(s);
}

static void
page_done(void *arg, json_t *resp, const struct http_result *res, const struct http_error *err)
{
	struct orgsync *s = arg;
	char msg[600], perr[256];
	int more, rc;

	(void)res;
	s->req = NULL;
	if (err != NULL) {
		snprintf(s->err, sizeof(s->err), "%s report: %s", stage_name(s->stage),
		         api_error_string(err, msg, sizeof(msg)));
		finish(s, s->err);
		return;
	}
	rc = orgsync_parse_page(s->r.pv, (enum orgsync_stage)s->stage, resp,
	    s->stage == ST_MINUTES ? 60 : 86400, s->d, &more, s->next, perr, sizeof(perr));
	if (rc == 0 && s->pages >= 100000) {
		rc = -1;
		snprintf(perr, sizeof(perr), "more than 100000 pages");
	}
	if (rc != 0) {
		snprintf(s->err, sizeof(s->err), "%s report page %d: %s", stage_name(s->stage),
		         s->pages + 1, perr);
		finish(s, s->err);
		return;
	}
	s->pages++;
	if (!more)
		s->next[0] = '\0';
	if ((rc = step(s)) <= 0)
		finish(s, rc == 0 ? NULL : s->err);
}

struct orgsync *
orgsync_start(struct http_multi *m, const struct orgsync_range *r, struct org_data *d,
              orgsync_done_fn done, void *arg, char *err, size_t errlen)
{
	struct orgsync *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->m = m;
	s->r = *r;
	s->d = d;
	s->done = done;
	s->arg = arg;
	s->stage = -1;
	if ((rc = step(s)) <= 0) {
		snprintf(err, errlen, "%s", rc == 0 ? "nothing to sync: empty range" : s->err);
		free(s);
		return NULL;
	}
	return s;
}

void
orgsync_cancel(struct orgsync *s)
{
	if (s != NULL && s->req != NULL)
		http_req_cancel(s->m, s->req);
}

struct fetch_sync {
	int  finished;
	int  failed;
	char err[1024];
};

static void
fetch_done(void *arg, struct org_data *d, const char *err)
{
	struct fetch_sync *f = arg;

	(void)d;
	f->finished = 1;
	if (err != NULL) {
		f->failed = 1;
		snprintf(f->err, sizeof(f->err), "%s", err);
	}
}

int
orgsync_fetch(struct http_multi *m, const struct orgsync_range *r, struct org_data *d,
              char *err, size_t errlen)
{
	struct fetch_sync f;

	memset(&f, 0, sizeof(f));
	if (orgsync_start(m, r, d, fetch_done, &f, err, errlen) == NULL)
		return -1;
	while (!f.finished) {
		http_multi_perform(m);
		if (!f.finished)
			http_multi_wait(m, NULL, 0, 1000);
	}
	if (f.failed) {
		snprintf(err, errlen, "%s", f.err);
		return -1;
	}
	return 0;
}

struct http_multi *
orgsync_multi_new(const struct config *cfg, char *err, size_t errlen)
{
	return orgsync_multi_new_for(cfg, &provider_anthropic, err, errlen);
}

struct http_multi *
orgsync_multi_new_for(const struct config *cfg, const struct provider *pv, char *err,
                      size_t errlen)
{
	return call_multi_new(cfg, pv, 1, err, errlen);
}
