/* batchfile.c — a whole batch input file: read it line by line, collect every
 * bad line, find duplicate custom_ids, split it into parts and estimate each
 * (the per-line checks are in batch.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/batch.h"
#include "core/num.h"

/* ---- a set of custom_ids with the line each was first seen on ------------ */

struct idslot {
	char   *id;
	int64_t line;
};

struct idset {
	struct idslot *slot;
	size_t         cap, n;
};

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

static int
idset_grow(struct idset *set)
{
	size_t cap = set->cap == 0 ? 1024 : set->cap * 2, i, j;
	struct idslot *ns = calloc(cap, sizeof(*ns));

	if (ns == NULL)
		return -1;
	for (i = 0; i < set->cap; i++) {
		if (set->slot[i].id == NULL)
			continue;
		for (j = fnv1a(set->slot[i].id) & (cap - 1); ns[j].id != NULL; j = (j + 1) & (cap - 1))
			;
		ns[j] = set->slot[i];
	}
	free(set->slot);
	set->slot = ns;
	set->cap = cap;
	return 0;
}

/* Adds id first seen on line; returns 0, the earlier line when already
 * there, -1 when out of memory. */
static int64_t
idset_add(struct idset *set, const char *id, int64_t line)
{
	size_t j;

	if ((set->n + 1) * 2 > set->cap && idset_grow(set) != 0)
		return -1;
	for (j = fnv1a(id) & (set->cap - 1); set->slot[j].id != NULL; j = (j + 1) & (set->cap - 1))
		if (strcmp(set->slot[j].id, id) == 0)
			return set->slot[j].line;
	if ((set->slot[j].id = strdup(id)) == NULL)
		return -1;
	set->slot[j].line = line;
	set->n++;
	return 0;
}

static void
idset_free(struct idset *set)
{
	size_t i;

	for (i = 0; i < set->cap; i++)
		free(set->slot[i].id);
	free(set->slot);
	memset(set, 0, sizeof(*set));
}

/* ---- a small list of distinct strings (models) --------------------------- */

static int
strlist_add(char ***v, size_t *n, const char *s)
{
	size_t i;
	char **nv;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return 0;
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

static void
strlist_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- the plan ----------------------------------------------------------- */

struct planner {
	const char        *path;
	const struct batch_opts *o;
	const struct pricing *p;
	struct batch_plan *plan;
	struct idset       ids;
	char             **pmodels;      /* models of the open part */
	size_t             npmodels;
	int64_t            max_req, max_bytes;
	char               first_model[USAGE_MODEL_MAX];  /* one_model / one_url: the */
	char               first_url[32];                 /* first request's, and its line */
	int64_t            first_line;
};

/* The file-wide rules of o (one model, one endpoint): 0, or -1 with the
 * reason naming the first request's line. */
static int
same_as_first(struct planner *pl, const struct batch_req *r, int64_t lineno, char *reason,
              size_t n)
{
	if (pl->first_line == 0) {
		usage_strlcpy(pl->first_model, r->model, sizeof(pl->first_model));
		usage_strlcpy(pl->first_url, r->url, sizeof(pl->first_url));
		pl->first_line = lineno;
		return 0;
	}
	if (pl->o->one_url && strcmp(r->url, pl->first_url) != 0) {
		snprintf(reason, n, "url \"%s\" differs from line %lld's \"%s\" (a batch has "
		    "one endpoint)", r->url, (long long)pl->first_line, pl->first_url);
		return -1;
	}
	if (pl->o->one_model && strcmp(r->model, pl->first_model) != 0) {
		snprintf(reason, n, "model \"%.80s\" differs from line %lld's \"%.80s\" (one "
		    "model per batch file; --mixed-models allows more)", r->model,
		    (long long)pl->first_line, pl->first_model);
		return -1;
	}
	return 0;
}

static int
add_error(struct planner *pl, int64_t line, const char *reason)
{
	struct batch_plan *plan = pl->plan;
	char buf[1400];
	char **nv;

	plan->nbad++;
	if (plan->nerrors >= BATCH_MAX_ERRORS)
		return 0;
	snprintf(buf, sizeof(buf), "%s:%lld: %s", pl->path, (long long)line, reason);
	if ((nv = realloc(plan->errors, (plan->nerrors + 1) * sizeof(*nv))) == NULL)
		return -1;
	plan->errors = nv;
	if ((nv[plan->nerrors] = strdup(buf)) == NULL)
		return -1;
	plan->nerrors++;
	return 0;
}

/* Write the open part's model list into it and forget it. */
static void
close_part(struct planner *pl)
{
	struct batch_part *bp;
	size_t i, used = 0;

	if (pl->plan->nparts == 0)
		return;
	bp = &pl->plan->parts[pl->plan->nparts - 1];
	bp->models[0] = '\0';
	for (i = 0; i < pl->npmodels; i++) {
		size_t len = strlen(pl->pmodels[i]);

		if (used + len + 2 >= sizeof(bp->models))
			break;
		used += (size_t)snprintf(bp->models + used, sizeof(bp->models) - used, "%s%s",
		    i > 0 ? "," : "", pl->pmodels[i]);
	}
	strlist_free(pl->pmodels, pl->npmodels);
	pl->pmodels = NULL;
	pl->npmodels = 0;
}

static int
open_part(struct planner *pl, int64_t offset, int64_t line)
{
	struct batch_plan *plan = pl->plan;
	struct batch_part *np;

	close_part(pl);
	if ((np = realloc(plan->parts, (plan->nparts + 1) * sizeof(*np))) == NULL)
		return -1;
	plan->parts = np;
	np = &plan->parts[plan->nparts++];
	memset(np, 0, sizeof(*np));
	np->offset = offset;
	np->first_line = line;
	return 0;
}

/* A valid request on line at [offset, end): count it into the current part. */
static int
plan_request(struct planner *pl, const struct batch_req *r, int64_t line, int64_t offset,
             int64_t end)
{
	struct batch_plan *plan = pl->plan;
	struct batch_part *bp = plan->nparts > 0 ? &plan->parts[plan->nparts - 1] : NULL;
	int64_t need = (int64_t)r->json_len, low, high;

	if (bp == NULL || bp->requests + 1 > pl->max_req ||
	    bp->bytes + need + (bp->requests > 0) > pl->max_bytes) {
		if (open_part(pl, offset, line) != 0)
			return -1;
		bp = &plan->parts[plan->nparts - 1];
	}
	bp->bytes += need + (bp->requests > 0);
	bp->requests++;
	bp->last_line = line;
	bp->end = end;
	plan->requests++;
	if (plan->url[0] == '\0')
		usage_strlcpy(plan->url, r->url, sizeof(plan->url));
	if (r->tier[0] != '\0') {
		size_t t;

		for (t = 0; t < plan->ntiers && strcmp(plan->tiers[t].name, r->tier) != 0; t++)
			;
		if (t == plan->ntiers && t < sizeof(plan->tiers) / sizeof(plan->tiers[0]))
			usage_strlcpy(plan->tiers[plan->ntiers++].name, r->tier,
			    sizeof(plan->tiers[0].name));
		if (t < plan->ntiers)
			plan->tiers[t].requests++;
	}
	if (strlist_add(&pl->pmodels, &pl->npmodels, r->model) != 0 ||
	    strlist_add(&plan->models, &plan->nmodels, r->model) != 0)
		return -1;
	if (batch_req_estimate(pl->p, r, &low, &high) != 0) {
		bp->unpriced++;
		plan->unpriced++;
		return 0;
	}
	bp->est_low = num_sat_add(bp->est_low, low);       /* a pinned estimate, never a wrapped one */
	bp->est_high = num_sat_add(bp->est_high, high);
	plan->est_low = num_sat_add(plan->est_low, low);
	plan->est_high = num_sat_add(plan->est_high, high);
	return 0;
}

/* Check one line; bad lines become errors, good ones part of the plan. */
static int
plan_line(struct planner *pl, const char *line, size_t len, int64_t lineno, int64_t offset,
          int64_t end)
{
	struct batch_req r;
	char reason[1024];
	int64_t first;
	int rc;

	rc = batch_line_check(line, len, pl->o, &r, reason, sizeof(reason));
	if (rc == 0)
		return 0;
	if (rc < 0)
		return add_error(pl, lineno, reason);
	rc = 0;
	if ((int64_t)r.json_len > pl->max_bytes) {
		snprintf(reason, sizeof(reason), "request is %zu bytes, more than the %lld-byte "
		    "limit of a batch", r.json_len, (long long)pl->max_bytes);
		rc = add_error(pl, lineno, reason);
	} else if ((pl->o->one_model || pl->o->one_url) &&
	    same_as_first(pl, &r, lineno, reason, sizeof(reason)) != 0)
		rc = add_error(pl, lineno, reason);
	else if ((first = idset_add(&pl->ids, r.custom_id, lineno)) < 0)
		rc = -1;
	else if (first > 0) {
		snprintf(reason, sizeof(reason), "custom_id \"%s\" repeats line %lld",
		    r.custom_id, (long long)first);
		rc = add_error(pl, lineno, reason);
	} else
		rc = plan_request(pl, &r, lineno, offset, end);
	batch_req_done(&r);
	return rc;
}

int
batch_plan_file(const char *path, const struct batch_opts *o, const struct pricing *p,
                struct batch_plan *out, char *err, size_t errlen)
{
	struct planner pl;
	FILE *f;
	char *line = NULL;
	size_t cap = 0, len;
	ssize_t got;
	int64_t offset = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&pl, 0, sizeof(pl));
	pl.path = path;
	pl.o = o;
	pl.p = p;
	pl.plan = out;
	pl.max_req = o->max_requests > 0 ? o->max_requests : BATCH_MAX_REQUESTS;
	pl.max_bytes = o->max_bytes > 0 ? o->max_bytes : BATCH_MAX_BYTES;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((got = getline(&line, &cap, f)) > 0) {
		len = (size_t)got;
		out->lines++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (plan_line(&pl, line, len, out->lines, offset, offset + got) != 0) {
			snprintf(err, errlen, "%s:%lld: out of memory", path, (long long)out->lines);
			goto out;
		}
		offset += got;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	close_part(&pl);
	rc = 0;
out:
	if (rc != 0) {
		close_part(&pl);
		batch_plan_done(out);
	}
	idset_free(&pl.ids);
	free(line);
	fclose(f);
	return rc;
}

void
batch_plan_done(struct batch_plan *plan)
{
	if (plan == NULL)
		return;
	free(plan->parts);
	strlist_free(plan->models, plan->nmodels);
	strlist_free(plan->errors, plan->nerrors);
	memset(plan, 0, sizeof(*plan));
}

/* ---- a part's body ------------------------------------------------------- */

struct buf {
	char  *p;
	size_t len, cap;
};

static int
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 65536 : b->cap;
		char *np;

		while (b->len + n + 1 > cap)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
batch_part_each(const char *path, const struct batch_part *part, const struct batch_opts *o,
                int (*fn)(void *arg, const struct batch_req *r), void *arg,
                char *err, size_t errlen)
{
	struct batch_req r;
	FILE *f;
	char *line = NULL, reason[1024];
	size_t cap = 0, n;
	ssize_t got;
	int64_t offset = part->offset, count = 0, lineno = part->first_line;
	int rc = -1, k;

	if ((f = fopen(path, "r")) == NULL || fseeko(f, (off_t)part->offset, SEEK_SET) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (offset < part->end && (got = getline(&line, &cap, f)) > 0) {
		offset += got;
		n = (size_t)got;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		k = batch_line_check(line, n, o, &r, reason, sizeof(reason));
		if (k < 0) {
			snprintf(err, errlen, "%s:%lld: changed since it was checked: %s", path,
			    (long long)lineno, reason);
			goto out;
		}
		lineno++;
		if (k == 0)
			continue;
		k = fn(arg, &r);
		batch_req_done(&r);
		if (k != 0) {
			snprintf(err, errlen, "out of memory building the batch body");
			goto out;
		}
		count++;
	}
	if (count != part->requests) {
		snprintf(err, errlen, "%s: changed since it was checked (%lld requests in lines "
		    "%lld-%lld, expected %lld)", path, (long long)count, (long long)part->first_line,
		    (long long)part->last_line, (long long)part->requests);
		goto out;
	}
	rc = 0;
out:
	free(line);
	if (f != NULL)
		fclose(f);
	return rc;
}

struct body_ctx {
	struct buf b;
	int64_t    count;
};

static int
body_add(void *arg, const struct batch_req *r)
{
	struct body_ctx *c = arg;

	if (c->count++ > 0 && buf_add(&c->b, ",", 1) != 0)
		return -1;
	return buf_add(&c->b, r->json, r->json_len);
}

int
batch_part_body(const char *path, const struct batch_part *part, const struct batch_opts *o,
                char **body, size_t *len, char *err, size_t errlen)
{
	struct body_ctx c;

	memset(&c, 0, sizeof(c));
	if (errlen > 0)
		err[0] = '\0';
	*body = NULL;
	*len = 0;
	if (buf_add(&c.b, "{\"requests\":[", 13) != 0 ||
	    batch_part_each(path, part, o, body_add, &c, err, errlen) != 0 ||
	    buf_add(&c.b, "]}", 2) != 0) {
		if (c.b.p != NULL && err[0] == '\0')
			snprintf(err, errlen, "out of memory building the batch body");
		free(c.b.p);
		return -1;
	}
	*body = c.b.p;
	*len = c.b.len;
	return 0;
}
