/* limits.c — rate-limit headroom in the ledger: the latest figures per
 * provider × model × key fingerprint × kind, and 429s per minute. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/store_int.h"

/* A figure that is not known (-1) keeps the stored one. */
static const char put_sql[] =
    "INSERT INTO ratelimit (provider, model, key, kind, lim, remaining, reset_ms, updated_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT (provider, model, key, kind) DO UPDATE SET"
    "  lim = CASE WHEN excluded.lim >= 0 THEN excluded.lim ELSE ratelimit.lim END,"
    "  remaining = CASE WHEN excluded.remaining >= 0 THEN excluded.remaining"
    "   ELSE ratelimit.remaining END,"
    "  reset_ms = CASE WHEN excluded.reset_ms >= 0 THEN excluded.reset_ms"
    "   ELSE ratelimit.reset_ms END,"
    "  updated_ms = excluded.updated_ms"
    " WHERE excluded.updated_ms >= ratelimit.updated_ms";

static const char reject_sql[] =
    "INSERT INTO ratelimit_reject (provider, model, key, minute, n) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (provider, model, key, minute) DO UPDATE SET"
    " n = ratelimit_reject.n + excluded.n";

static int
step_one(struct store *s, struct db_stmt *st, char *err, size_t errlen)
{
	int rc = db_step(st);

	db_reset(st);
	if (rc != DB_DONE)
		return store_sqlerr(s, "rate limits", err, errlen);
	return 0;
}

struct put_arg {
	const char *provider, *model, *key;
	const struct ratelimit *rl;
	int64_t rejected, ts_ms;
};

static int
put_rows(struct store *s, void *arg, char *err, size_t errlen)
{
	const struct put_arg *a = arg;
	const char *provider = a->provider, *model = a->model, *key = a->key;
	const struct ratelimit *rl = a->rl;
	int64_t rejected = a->rejected, ts_ms = a->ts_ms;
	struct db_stmt *st = NULL;
	int k, rc = -1;

	if ((st = store_prepare(s, put_sql, "rate limits", err, errlen)) == NULL)
		return -1;
	for (k = 0; rl != NULL && k < RATELIMIT_NKINDS; k++) {
		if (rl->k[k].limit < 0 && rl->k[k].remaining < 0)
			continue;
		store_bind_text(st, 1, provider);
		store_bind_text(st, 2, model);
		store_bind_text(st, 3, key);
		store_bind_text(st, 4, ratelimit_kind_name(k));
		db_bind_int64(st, 5, rl->k[k].limit);
		db_bind_int64(st, 6, rl->k[k].remaining);
		db_bind_int64(st, 7, rl->k[k].reset_ms);
		db_bind_int64(st, 8, ts_ms);
		if (step_one(s, st, err, errlen) != 0)
			goto out;
	}
	db_finalize(st);
	st = NULL;
	if (rejected > 0) {
		if ((st = store_prepare(s, reject_sql, "rate limits", err, errlen)) == NULL)
			return -1;
		store_bind_text(st, 1, provider);
		store_bind_text(st, 2, model);
		store_bind_text(st, 3, key);
		db_bind_int64(st, 4, ts_ms / 60000);
		db_bind_int64(st, 5, rejected);
		if (step_one(s, st, err, errlen) != 0)
			goto out;
		db_finalize(st);
		if ((st = store_prepare(s, "DELETE FROM ratelimit_reject WHERE minute < ?1",
		    "rate limits", err, errlen)) == NULL)
			return -1;
		db_bind_int64(st, 1, (ts_ms - STORE_REJECT_KEEP_MS) / 60000);
		if (step_one(s, st, err, errlen) != 0)
			goto out;
	}
	rc = 0;
out:
	db_finalize(st);
	return rc;
}

int
store_ratelimit_put(struct store *s, const char *provider, const char *model, const char *key,
                    const struct ratelimit *rl, int64_t rejected, int64_t ts_ms, char *err,
                    size_t errlen)
{
	struct put_arg a = { provider, model != NULL ? model : "", key != NULL ? key : "", rl,
		rejected, ts_ms };

	return store_op_run(s, put_rows, &a, err, errlen);
}

/* requests, tokens, input_tokens, output_tokens, then "" (429s only) */
static int
kind_rank(const char *k)
{
	int r = ratelimit_kind_of(k);

	return r < 0 ? RATELIMIT_NKINDS : r;
}

static int
by_row(const void *x, const void *y)
{
	const struct store_ratelimit_row *a = x, *b = y;
	int c;

	if ((c = strcmp(a->provider, b->provider)) != 0 || (c = strcmp(a->model, b->model)) != 0 ||
	    (c = strcmp(a->key, b->key)) != 0)
		return c;
	return kind_rank(a->kind) - kind_rank(b->kind);
}

int
store_ratelimit_list(struct store *s, int64_t now_ms, struct store_ratelimit_row **out,
                     size_t *n, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT provider, model, key, kind, lim, remaining, reset_ms, updated_ms,"
	    "  (SELECT coalesce(sum(j.n), 0) FROM ratelimit_reject j WHERE j.provider = r.provider"
	    "   AND j.model = r.model AND j.key = r.key AND j.minute >= ?1)"
	    " FROM ratelimit r"
	    " UNION ALL"
	    " SELECT provider, model, key, '', -1, -1, -1, max(minute) * 60000, sum(n)"
	    " FROM ratelimit_reject j WHERE minute >= ?1 AND NOT EXISTS (SELECT 1 FROM ratelimit r"
	    "  WHERE r.provider = j.provider AND r.model = j.model AND r.key = j.key)"
	    " GROUP BY provider, model, key";
	struct store_ratelimit_row *v = NULL, *nv, *row;
	size_t cap = 0;
	struct db_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = store_prepare(s, sql, "rate limits", err, errlen)) == NULL)
		return -1;
	/* the hour before now: the minutes that end after now - 1 h */
	db_bind_int64(st, 1, (now_ms - 3600000) / 60000);
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			v = nv;
		}
		row = &v[(*n)++];
		memset(row, 0, sizeof(*row));
		usage_strlcpy(row->provider, db_column_text(st, 0), sizeof(row->provider));
		usage_strlcpy(row->model, db_column_text(st, 1), sizeof(row->model));
		usage_strlcpy(row->key, db_column_text(st, 2), sizeof(row->key));
		usage_strlcpy(row->kind, db_column_text(st, 3), sizeof(row->kind));
		row->limit = db_column_int64(st, 4);
		row->remaining = db_column_int64(st, 5);
		row->reset_ms = db_column_int64(st, 6);
		row->updated_ms = db_column_int64(st, 7);
		row->rejected_last_hour = db_column_int64(st, 8);
	}
	if (rc != DB_DONE) {
		store_sqlerr(s, "rate limits", err, errlen);
		goto fail;
	}
	db_finalize(st);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), by_row);
	*out = v;
	return 0;
fail:
	db_finalize(st);
	free(v);
	*n = 0;
	return -1;
}
