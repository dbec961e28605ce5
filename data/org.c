/* org.c — the organisation's own usage and cost (from `tokentop sync`), per
 * provider: replace a provider's synced range in one transaction, and total
 * it per UTC day and per model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/num.h"
#include "data/store_int.h"

#define DAY_MS 86400000LL

/* The provider a row names ("" or unknown: the ledger's default). */
static const struct provider *
provider_by_name_or_default(const char *name)
{
	const struct provider *pv = provider_by_name(name);

	return pv != NULL ? pv : &provider_anthropic;
}

static const char usage_ins[] =
    "INSERT INTO org_usage (bucket_start, bucket_width, model, api_key_id, workspace_id,"
    " service_tier, input, write_5m, write_1h, cache_read, output, provider)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    " ON CONFLICT (provider, bucket_start, bucket_width, model, api_key_id, workspace_id,"
    " service_tier)"
    " DO UPDATE SET input = org_usage.input + excluded.input,"
    " write_5m = org_usage.write_5m + excluded.write_5m,"
    " write_1h = org_usage.write_1h + excluded.write_1h,"
    " cache_read = org_usage.cache_read + excluded.cache_read,"
    " output = org_usage.output + excluded.output";

static const char cost_ins[] =
    "INSERT INTO org_cost (bucket_start, description, model, token_type, service_tier,"
    " amount_nanos, provider) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (provider, bucket_start, description, model, token_type, service_tier)"
    " DO UPDATE SET amount_nanos = org_cost.amount_nanos + excluded.amount_nanos";

/* The provider's sync row, written first: its row lock (the upsert takes it
 * whether the row is new or not) makes concurrent syncs of one provider
 * replace one after the other instead of summing into each other's rows. */
static const char sync_lock[] =
    "INSERT INTO org_sync (provider, synced_ms, since_ms, until_ms) VALUES (?3, 0, 0, 0)"
    " ON CONFLICT (provider) DO UPDATE SET synced_ms = org_sync.synced_ms";

static const char sync_set[] =
    "INSERT INTO org_sync (provider, synced_ms, since_ms, until_ms) VALUES (?3, ?4, ?1, ?2)"
    " ON CONFLICT (provider) DO UPDATE SET synced_ms = excluded.synced_ms,"
    " since_ms = excluded.since_ms, until_ms = excluded.until_ms";

/* Runs sql with ?1, ?2, ?3 (and ?4) bound to a, b, the provider (and c). */
static int
exec_range(struct store *s, const char *sql, int64_t a, int64_t b, const char *provider,
           int64_t c, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, sql, "org", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, a);
	db_bind_int64(st, 2, b);
	store_bind_text(st, 3, provider);
	db_bind_int64(st, 4, c);
	rc = db_step(st);
	if (rc != DB_DONE)
		store_sqlerr(s, "org", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

static int
put_usage(struct store *s, struct db_stmt *st, const char *provider, const struct org_usage *u,
          char *err, size_t errlen)
{
	db_reset(st);
	store_bind_text(st, 12, provider);
	db_bind_int64(st, 1, u->bucket_ms);
	db_bind_int64(st, 2, u->width_s);
	store_bind_text(st, 3, u->model);
	store_bind_text(st, 4, u->api_key_id);
	store_bind_text(st, 5, u->workspace_id);
	store_bind_text(st, 6, u->service_tier);
	db_bind_int64(st, 7, u->tok.input);
	db_bind_int64(st, 8, u->tok.write_5m);
	db_bind_int64(st, 9, u->tok.write_1h);
	db_bind_int64(st, 10, u->tok.cache_read);
	db_bind_int64(st, 11, u->tok.output);
	return db_step(st) == DB_DONE ? 0 : store_sqlerr(s, "org usage", err, errlen);
}

static int
put_cost(struct store *s, struct db_stmt *st, const char *provider, const struct org_cost *c,
         char *err, size_t errlen)
{
	db_reset(st);
	store_bind_text(st, 7, provider);
	db_bind_int64(st, 1, c->bucket_ms);
	store_bind_text(st, 2, c->description);
	store_bind_text(st, 3, c->model);
	store_bind_text(st, 4, c->token_type);
	store_bind_text(st, 5, c->service_tier);
	db_bind_int64(st, 6, c->amount_nanos);
	return db_step(st) == DB_DONE ? 0 : store_sqlerr(s, "org cost", err, errlen);
}

/* Every record inside [since, until)? */
static int
check_range(int64_t since, int64_t until, const struct org_usage *u, size_t nu,
            const struct org_cost *c, size_t nc, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < nu; i++)
		if (u[i].bucket_ms < since || u[i].bucket_ms >= until || u[i].width_s <= 0) {
			snprintf(err, errlen, "org usage %zu: bucket %lld outside the synced range",
			    i, (long long)u[i].bucket_ms);
			return -1;
		}
	for (i = 0; i < nc; i++)
		if (c[i].bucket_ms < since || c[i].bucket_ms >= until) {
			snprintf(err, errlen, "org cost %zu: bucket %lld outside the synced range",
			    i, (long long)c[i].bucket_ms);
			return -1;
		}
	return 0;
}

struct replace_arg {
	const char             *provider;
	int64_t                 since_ms, until_ms, now_ms;
	const struct org_usage *u;
	size_t                  nu;
	const struct org_cost  *c;
	size_t                  nc;
};

static int
replace_op(struct store *s, void *arg, char *err, size_t errlen)
{
	struct replace_arg *a = arg;
	struct db_stmt *su = NULL, *sc = NULL;
	size_t i;
	int ok = 0;

	if (exec_range(s, sync_lock, 0, 0, a->provider, 0, err, errlen) != 0 ||
	    exec_range(s, "DELETE FROM org_usage WHERE bucket_start >= ?1 AND bucket_start < ?2"
	    " AND provider = ?3", a->since_ms, a->until_ms, a->provider, 0, err, errlen) != 0 ||
	    exec_range(s, "DELETE FROM org_cost WHERE bucket_start >= ?1 AND bucket_start < ?2"
	    " AND provider = ?3", a->since_ms, a->until_ms, a->provider, 0, err, errlen) != 0)
		return -1;
	if ((su = store_prepare(s, usage_ins, "org", err, errlen)) == NULL ||
	    (sc = store_prepare(s, cost_ins, "org", err, errlen)) == NULL)
		goto out;
	for (i = 0; i < a->nu; i++)
		if (put_usage(s, su, a->provider, &a->u[i], err, errlen) != 0)
			goto out;
	for (i = 0; i < a->nc; i++)
		if (put_cost(s, sc, a->provider, &a->c[i], err, errlen) != 0)
			goto out;
	ok = exec_range(s, sync_set, a->since_ms, a->until_ms, a->provider, a->now_ms, err,
	    errlen) == 0;
out:
	db_finalize(su);
	db_finalize(sc);
	return ok ? 0 : -1;
}

int
store_org_replace(struct store *s, int64_t since_ms, int64_t until_ms, int64_t now_ms,
                  const struct org_usage *u, size_t nu, const struct org_cost *c,
                  size_t nc, char *err, size_t errlen)
{
	return store_org_replace_for(s, "anthropic", since_ms, until_ms, now_ms, u, nu, c, nc, err,
	    errlen);
}

int
store_org_replace_for(struct store *s, const char *provider, int64_t since_ms,
                      int64_t until_ms, int64_t now_ms, const struct org_usage *u, size_t nu,
                      const struct org_cost *c, size_t nc, char *err, size_t errlen)
{
	struct replace_arg a = { provider, since_ms, until_ms, now_ms, u, nu, c, nc };

	if (since_ms >= until_ms) {
		snprintf(err, errlen, "org: empty range");
		return -1;
	}
	if (check_range(since_ms, until_ms, u, nu, c, nc, err, errlen) != 0)
		return -1;
	return store_op_run(s, replace_op, &a, err, errlen);
}

int
store_org_last_sync(struct store *s, int64_t *synced_ms, int64_t *since_ms, int64_t *until_ms,
                    int *found, char *err, size_t errlen)
{
	return store_org_last_sync_for(s, "anthropic", synced_ms, since_ms, until_ms, found, err,
	    errlen);
}

int
store_org_last_sync_for(struct store *s, const char *provider, int64_t *synced_ms,
                        int64_t *since_ms, int64_t *until_ms, int *found, char *err,
                        size_t errlen)
{
	struct db_stmt *st;
	int rc;

	*found = 0;
	if ((st = store_prepare(s, "SELECT synced_ms, since_ms, until_ms FROM org_sync"
	    " WHERE provider = ?1", "org sync", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, provider);
	if ((rc = db_step(st)) == DB_ROW) {
		*found = 1;
		*synced_ms = db_column_int64(st, 0);
		*since_ms = db_column_int64(st, 1);
		*until_ms = db_column_int64(st, 2);
	} else if (rc == DB_ERR)
		store_sqlerr(s, "org sync", err, errlen);
	db_finalize(st);
	return rc == DB_ERR ? -1 : 0;
}

/* ---- the report ---- */

/* The total with key in *arr (appended when new); NULL on out of memory. */
static struct org_total *
total_at(struct org_total **arr, size_t *n, const char *key)
{
	struct org_total *na;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*arr)[i].key, key) == 0)
			return &(*arr)[i];
	if ((na = realloc(*arr, (*n + 1) * sizeof(*na))) == NULL)
		return NULL;
	*arr = na;
	memset(&na[*n], 0, sizeof(na[*n]));
	usage_strlcpy(na[*n].key, key, sizeof(na[*n].key));
	return &na[(*n)++];
}

static void
day_key(int64_t day, char *buf, size_t n)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d", &tm);
}

static int
overflow(char *err, size_t errlen)
{
	snprintf(err, errlen, "org report: a sum does not fit 64 bits (the synced figures hold"
	    " impossible counts)");
	return -1;
}

/* Adds tokens (and their price) or a cost to the day, model and total cells.
 * 0, or -1 with err (out of memory, or a sum that does not fit 64 bits). */
static int
account(struct org_report *r, int64_t day, const char *model, const struct tokens *t,
        int64_t cost, int64_t priced, int64_t unpriced, char *err, size_t errlen)
{
	struct org_total *cell[3], c;
	char key[16];
	int i;

	day_key(day, key, sizeof(key));
	cell[0] = total_at(&r->days, &r->ndays, key);
	cell[1] = total_at(&r->models, &r->nmodels, model);
	cell[2] = &r->totals;
	if (cell[0] == NULL || cell[1] == NULL) {
		snprintf(err, errlen, "org report: out of memory");
		return -1;
	}
	for (i = 0; i < 3; i++) {
		c = *cell[i];
		if ((t != NULL && usage_tokens_add(&c.tok, t) != 0) || num_add(&c.cost_nanos, cost) ||
		    num_add(&c.priced_nanos, priced) || num_add(&c.unpriced_tokens, unpriced))
			return overflow(err, errlen);
		*cell[i] = c;
	}
	return 0;
}

/* The end of a report read: 0 at DB_DONE, else -1 with err (a sum outside
 * 64 bits named as such). */
static int
read_done(struct store *s, struct db_stmt *st, int rc, char *err, size_t errlen)
{
	if (rc != DB_DONE && db_fail(s->db) == DB_OVERFLOW)
		overflow(err, errlen);
	else if (rc != DB_DONE)
		store_sqlerr(s, "org report", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

static int
read_usage(struct store *s, const struct pricing *p, const char *provider, int64_t a, int64_t b,
           struct org_report *r, char *err, size_t errlen)
{
	struct db_stmt *st;
	const struct model_price *mp;
	struct price_flags f;
	struct tokens t;
	const char *model, *tier;
	int64_t priced;
	int rc;

	if ((st = store_prepare(s, "SELECT bucket_start / 86400000, model, service_tier,"
	    " SUM(input), SUM(write_5m), SUM(write_1h), SUM(cache_read), SUM(output), provider"
	    " FROM org_usage WHERE bucket_start >= ?1 AND bucket_start < ?2"
	    " AND (?3 = '' OR provider = ?3)"
	    " GROUP BY 1, 2, 3, 9 ORDER BY 1, 2, 3, 9", "org report", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, a);
	db_bind_int64(st, 2, b);
	store_bind_text(st, 3, provider);     /* NULL binds "": every provider */
	while ((rc = db_step(st)) == DB_ROW) {
		model = db_column_text(st, 1);
		tier = db_column_text(st, 2);
		t.input = db_column_int64(st, 3);
		t.write_5m = db_column_int64(st, 4);
		t.write_1h = db_column_int64(st, 5);
		t.cache_read = db_column_int64(st, 6);
		t.output = db_column_int64(st, 7);
		memset(&f, 0, sizeof(f));
		f.batch = strcmp(tier, "batch") == 0;
		/* its provider's price in force on the bucket's UTC day (column 0) */
		mp = p != NULL ? pricing_find_for_at(p,
		    (int)provider_by_name_or_default(db_column_text(st, 8))->id, model,
		    db_column_int64(st, 0) * 86400000LL) : NULL;
		priced = 0;
		if ((mp != NULL && pricing_cost_checked(mp, &t, &f, &priced) != 0 &&
		    overflow(err, errlen)) ||
		    account(r, db_column_int64(st, 0), mp ? mp->id : model, &t, 0,
		    priced, mp ? 0 : usage_total(&t), err, errlen) != 0) {
			db_finalize(st);
			return -1;
		}
	}
	return read_done(s, st, rc, err, errlen);
}

static int
read_cost(struct store *s, const struct pricing *p, const char *provider, int64_t a, int64_t b,
          struct org_report *r, char *err, size_t errlen)
{
	const struct model_price *mp;
	struct db_stmt *st;
	const char *model;
	int rc;

	if ((st = store_prepare(s, "SELECT bucket_start / 86400000, model, SUM(amount_nanos),"
	    " provider FROM org_cost WHERE bucket_start >= ?1 AND bucket_start < ?2"
	    " AND (?3 = '' OR provider = ?3)"
	    " GROUP BY 1, 2, 4 ORDER BY 1, 2, 4", "org report", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, a);
	db_bind_int64(st, 2, b);
	store_bind_text(st, 3, provider);     /* NULL binds "": every provider */
	while ((rc = db_step(st)) == DB_ROW) {
		model = db_column_text(st, 1);
		mp = p != NULL && model[0] ? pricing_find_for(p,
		    (int)provider_by_name_or_default(db_column_text(st, 3))->id, model) : NULL;
		if (account(r, db_column_int64(st, 0), mp ? mp->id : model, NULL,
		    db_column_int64(st, 2), 0, 0, err, errlen) != 0) {
			db_finalize(st);
			return -1;
		}
	}
	return read_done(s, st, rc, err, errlen);
}

static int
cmp_day(const void *a, const void *b)
{
	return strcmp(((const struct org_total *)a)->key, ((const struct org_total *)b)->key);
}

static int
cmp_model(const void *a, const void *b)
{
	const struct org_total *x = a, *y = b;

	if (x->cost_nanos != y->cost_nanos)
		return x->cost_nanos > y->cost_nanos ? -1 : 1;
	return strcmp(x->key, y->key);
}

int
store_org_report(struct store *s, const struct pricing *p, int64_t since_ms, int64_t until_ms,
                 struct org_report *out, char *err, size_t errlen)
{
	return store_org_report_for(s, p, NULL, since_ms, until_ms, out, err, errlen);
}

int
store_org_report_for(struct store *s, const struct pricing *p, const char *provider,
                     int64_t since_ms, int64_t until_ms, struct org_report *out, char *err,
                     size_t errlen)
{
	int64_t a = since_ms > 0 ? since_ms : INT64_MIN, b = until_ms > 0 ? until_ms : INT64_MAX;

	memset(out, 0, sizeof(*out));
	if (read_usage(s, p, provider, a, b, out, err, errlen) != 0 ||
	    read_cost(s, p, provider, a, b, out, err, errlen) != 0) {
		store_org_report_free(out);
		return -1;
	}
	if (out->ndays > 1)
		qsort(out->days, out->ndays, sizeof(*out->days), cmp_day);
	if (out->nmodels > 1)
		qsort(out->models, out->nmodels, sizeof(*out->models), cmp_model);
	return 0;
}

void
store_org_report_free(struct org_report *r)
{
	if (r == NULL)
		return;
	free(r->days);
	free(r->models);
	memset(r, 0, sizeof(*r));
}
