/* batches.c — Message Batches as the store knows them, and each result
 * line's outcome recorded exactly once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/num.h"
#include "core/provider.h"
#include "data/store_int.h"

#define BATCH_COLS \
	"id, status, input_file, results_file, results_url, models, tag, requests," \
	" est_low_nanos, est_high_nanos, created_ms, expires_ms, ended_ms, cancel_ms," \
	" n_processing, n_succeeded, n_errored, n_canceled, n_expired, ingested, provider, errors"

/* Text fields left empty and times left 0 keep what is stored (a poller
 * that only knows the API's view does not erase the input file or the
 * estimate); ingested never goes back from 1 to 0. */
static const char batch_put_sql[] =
	"INSERT INTO batch (" BATCH_COLS ") VALUES"
	" (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22)"
	" ON CONFLICT (id) DO UPDATE SET"
	" status = coalesce(nullif(excluded.status, ''), batch.status),"
	" input_file = coalesce(nullif(excluded.input_file, ''), batch.input_file),"
	" results_file = coalesce(nullif(excluded.results_file, ''), batch.results_file),"
	" results_url = coalesce(nullif(excluded.results_url, ''), batch.results_url),"
	" models = coalesce(nullif(excluded.models, ''), batch.models),"
	" tag = coalesce(nullif(excluded.tag, ''), batch.tag),"
	" requests = coalesce(nullif(excluded.requests, 0), batch.requests),"
	" est_low_nanos = coalesce(nullif(excluded.est_low_nanos, 0), batch.est_low_nanos),"
	" est_high_nanos = coalesce(nullif(excluded.est_high_nanos, 0), batch.est_high_nanos),"
	" created_ms = coalesce(nullif(excluded.created_ms, 0), batch.created_ms),"
	" expires_ms = coalesce(nullif(excluded.expires_ms, 0), batch.expires_ms),"
	" ended_ms = coalesce(nullif(excluded.ended_ms, 0), batch.ended_ms),"
	" cancel_ms = coalesce(nullif(excluded.cancel_ms, 0), batch.cancel_ms),"
	" n_processing = excluded.n_processing, n_succeeded = excluded.n_succeeded,"
	" n_errored = excluded.n_errored, n_canceled = excluded.n_canceled,"
	" n_expired = excluded.n_expired,"
	" ingested = CASE WHEN excluded.ingested > batch.ingested THEN excluded.ingested"
	" ELSE batch.ingested END,"
	" errors = coalesce(nullif(excluded.errors, ''), batch.errors)";

int
store_batch_upsert(struct store *s, const struct batch_rec *b, char *err, size_t errlen)
{
	const struct provider *pv;
	struct db_stmt *st;
	int rc;

	if ((pv = provider_by_name(b->provider)) == NULL) {
		snprintf(err, errlen, "batch %s: provider: \"%.20s\": not anthropic or openai", b->id,
		    b->provider);
		return -1;
	}
	if ((st = store_prepare(s, batch_put_sql, "batch", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, b->id);
	store_bind_text(st, 2, b->status);
	store_bind_text(st, 3, b->input_file);
	store_bind_text(st, 4, b->results_file);
	store_bind_text(st, 5, b->results_url);
	store_bind_text(st, 6, b->models);
	store_bind_text(st, 7, b->tag);
	db_bind_int64(st, 8, b->requests);
	db_bind_int64(st, 9, b->est_low_nanos);
	db_bind_int64(st, 10, b->est_high_nanos);
	db_bind_int64(st, 11, b->created_ms);
	db_bind_int64(st, 12, b->expires_ms);
	db_bind_int64(st, 13, b->ended_ms);
	db_bind_int64(st, 14, b->cancel_ms);
	db_bind_int64(st, 15, b->counts.processing);
	db_bind_int64(st, 16, b->counts.succeeded);
	db_bind_int64(st, 17, b->counts.errored);
	db_bind_int64(st, 18, b->counts.canceled);
	db_bind_int64(st, 19, b->counts.expired);
	db_bind_int64(st, 20, b->ingested != 0);
	store_bind_text(st, 21, pv->name);       /* a batch's provider never changes */
	store_bind_text(st, 22, b->errors);
	rc = db_step(st);
	if (rc != DB_DONE)
		store_sqlerr(s, "batch", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

static int
batch_op(struct store *s, void *arg, char *err, size_t errlen)
{
	return store_batch_upsert(s, arg, err, errlen);
}

int
store_batch_put(struct store *s, const struct batch_rec *b, char *err, size_t errlen)
{
	if (b->id[0] == '\0') {
		snprintf(err, errlen, "batch without an id");
		return -1;
	}
	return store_op_run(s, batch_op, (void *)b, err, errlen);
}

static void
read_batch(struct db_stmt *st, struct batch_rec *b)
{
	memset(b, 0, sizeof(*b));
#define TXT(i, f) usage_strlcpy(b->f, db_column_text(st, i), sizeof(b->f))
	TXT(0, id);
	TXT(1, status);
	TXT(2, input_file);
	TXT(3, results_file);
	TXT(4, results_url);
	TXT(5, models);
	TXT(6, tag);
#undef TXT
	b->requests = db_column_int64(st, 7);
	b->est_low_nanos = db_column_int64(st, 8);
	b->est_high_nanos = db_column_int64(st, 9);
	b->created_ms = db_column_int64(st, 10);
	b->expires_ms = db_column_int64(st, 11);
	b->ended_ms = db_column_int64(st, 12);
	b->cancel_ms = db_column_int64(st, 13);
	b->counts.processing = db_column_int64(st, 14);
	b->counts.succeeded = db_column_int64(st, 15);
	b->counts.errored = db_column_int64(st, 16);
	b->counts.canceled = db_column_int64(st, 17);
	b->counts.expired = db_column_int64(st, 18);
	b->ingested = db_column_int64(st, 19) != 0;
	usage_strlcpy(b->provider, db_column_text(st, 20), sizeof(b->provider));
	usage_strlcpy(b->errors, db_column_text(st, 21), sizeof(b->errors));
}

/* Priced cost of the batch's rows, row by row (for models whose long
 * threshold is not the rollup's). */
static int
actual_cost_raw(struct store *s, const struct pricing *p, struct batch_rec *b,
                char *err, size_t errlen)
{
	struct db_stmt *st;
	struct usage u;
	int64_t nanos;
	int rc;

	b->actual_nanos = 0;
	if ((st = store_prepare(s, "SELECT " STORE_USAGE_COLS " FROM usage WHERE batch_id = ?1",
	    "batch cost", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, b->id);
	while ((rc = db_step(st)) == DB_ROW) {
		store_read_usage(st, 0, &u);
		if (pricing_usage_cost(p, &u, &nanos) == 0)
			b->actual_nanos = num_sat_add(b->actual_nanos, nanos);
	}
	if (rc != DB_DONE)
		store_sqlerr(s, "batch cost", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

/* Priced cost of the batch's usage rows from its per-batch sums (tokens
 * and web searches; row by row when a model's long-context line is not the
 * rollup's or prices change by date); unpriced rows add nothing. */
static int
actual_cost(struct store *s, const struct pricing *p, struct batch_rec *b,
            char *err, size_t errlen)
{
	const struct model_price *mp;
	struct price_flags pf;
	struct tokens t;
	struct db_stmt *st;
	int64_t rate, tools;
	int rc, raw, bits;

	b->actual_nanos = 0;
	if (p == NULL)
		return 0;
	/* prices that change by date: each row by its own time */
	raw = pricing_has_dates(p);
	if (store_rollup_flush(s, err, errlen) != 0)
		return -1;
	if ((st = store_prepare(s, "SELECT model, flags, input, write_5m, write_1h, cache_read,"
	    " output, web_search FROM rollup_batch WHERE batch_id = ?1", "batch cost", err,
	    errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, b->id);
	while ((rc = db_step(st)) == DB_ROW) {
		bits = (int)db_column_int64(st, 1);
		mp = pricing_find_for(p, ROLLUP_PROVIDER(bits), db_column_text(st, 0));
		if (mp == NULL)
			continue;
		if (mp->has_long && mp->long_threshold != STORE_LONG_THRESHOLD)
			raw = 1;
		pf = store_price_flags(mp, bits);
		t.input = db_column_int64(st, 2);
		t.write_5m = db_column_int64(st, 3);
		t.write_1h = db_column_int64(st, 4);
		t.cache_read = db_column_int64(st, 5);
		t.output = db_column_int64(st, 6);
		b->actual_nanos = num_sat_add(b->actual_nanos, pricing_cost(mp, &t, &pf));
		if (pricing_tool_rate(p, PRICING_TOOL_WEB_SEARCH, 0, &rate) == 0) {
			pricing_tool_cost(db_column_int64(st, 7), rate, &tools);
			b->actual_nanos = num_sat_add(b->actual_nanos, tools);
		}
	}
	if (rc != DB_DONE)
		store_sqlerr(s, "batch cost", err, errlen);
	db_finalize(st);
	if (rc != DB_DONE)
		return -1;
	return raw ? actual_cost_raw(s, p, b, err, errlen) : 0;
}

int
store_batch_get(struct store *s, const struct pricing *p, const char *id,
                struct batch_rec *b, int *found, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "SELECT " BATCH_COLS " FROM batch WHERE id = ?1", "batch", err,
	    errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, id);
	rc = db_step(st);
	*found = rc == DB_ROW;
	if (*found)
		read_batch(st, b);
	if (rc == DB_ERR)
		store_sqlerr(s, "batch", err, errlen);
	db_finalize(st);
	if (rc == DB_ERR)
		return -1;
	return *found ? actual_cost(s, p, b, err, errlen) : 0;
}

/* Append the rows of sql (bound with limit ?1) to *out. */
static int
list_append(struct store *s, const char *sql, int64_t limit,
            struct batch_rec **out, size_t *n, size_t *cap, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, sql, "batches", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, limit);
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			struct batch_rec *nb = realloc(*out, nc * sizeof(*nb));

			if (nb == NULL) {
				db_finalize(st);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			*out = nb;
			*cap = nc;
		}
		read_batch(st, &(*out)[*n]);
		(*n)++;
	}
	if (rc != DB_DONE)
		store_sqlerr(s, "batches", err, errlen);
	db_finalize(st);
	if (rc != DB_DONE)
		return -1;
	return 0;
}

int
store_batch_list(struct store *s, const struct pricing *p, int recent,
                 struct batch_rec **out, size_t *n, char *err, size_t errlen)
{
	size_t cap = 0, i;

	*out = NULL;
	*n = 0;
	/* unfinished = not yet ended, or ended with results still to ingest */
	if (list_append(s, "SELECT " BATCH_COLS " FROM batch"
	    " WHERE NOT (status = 'ended' AND ingested = 1) ORDER BY created_ms DESC, id DESC"
	    " LIMIT ?1", INT64_MAX, out, n, &cap, err, errlen) != 0)
		goto fail;
	if (recent != 0 && list_append(s, "SELECT " BATCH_COLS " FROM batch"
	    " WHERE status = 'ended' AND ingested = 1"
	    " ORDER BY CASE WHEN ended_ms > created_ms THEN ended_ms ELSE created_ms END DESC,"
	    " id DESC LIMIT ?1", recent < 0 ? INT64_MAX : recent, out, n, &cap, err, errlen) != 0)
		goto fail;
	for (i = 0; i < *n; i++)
		if (actual_cost(s, p, &(*out)[i], err, errlen) != 0)
			goto fail;
	return 0;
fail:
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

struct result_arg {
	const char *batch_id, *custom_id, *type, *error;
	const struct usage *u;
	int *dup;
};

static int
result_op(struct store *s, void *arg, char *err, size_t errlen)
{
	struct result_arg *a = arg;
	struct db_stmt *st;
	enum store_put r;
	int rc;

	if ((st = store_stmt(s, SQ_RESULT_INSERT, err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, a->batch_id);
	store_bind_text(st, 2, a->custom_id);
	store_bind_text(st, 3, a->type);
	if (a->error != NULL)
		store_bind_text(st, 4, a->error);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return store_sqlerr(s, "batch result", err, errlen);
	*a->dup = db_changes(s->db) == 0;
	if (!*a->dup && a->u != NULL && strcmp(a->type, "succeeded") == 0 &&
	    store_ledger_put(s, a->u, &r, err, errlen) != 0)
		return -1;
	return 0;
}

int
store_batch_result(struct store *s, const char *batch_id, const char *custom_id,
                   const char *type, const char *error, const struct usage *u,
                   int *dup, char *err, size_t errlen)
{
	struct result_arg a = { batch_id, custom_id, type, error, u, dup };

	*dup = 0;
	if (batch_id == NULL || batch_id[0] == '\0' || custom_id == NULL || custom_id[0] == '\0' ||
	    type == NULL || type[0] == '\0') {
		snprintf(err, errlen, "batch result without batch id, custom_id or type");
		return -1;
	}
	return store_op_run(s, result_op, &a, err, errlen);
}

int
store_batch_result_counts(struct store *s, const char *batch_id,
                          struct batch_counts *c, char *err, size_t errlen)
{
	struct db_stmt *st;
	const char *type;
	int64_t k;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((st = store_prepare(s, "SELECT type, count(*) FROM batch_result WHERE batch_id = ?1"
	    " GROUP BY type", "batch results", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, batch_id);
	while ((rc = db_step(st)) == DB_ROW) {
		type = db_column_text(st, 0);
		k = db_column_int64(st, 1);
		if (strcmp(type, "succeeded") == 0)
			c->succeeded += k;
		else if (strcmp(type, "errored") == 0)
			c->errored += k;
		else if (strcmp(type, "canceled") == 0)
			c->canceled += k;
		else if (strcmp(type, "expired") == 0)
			c->expired += k;
	}
	if (rc != DB_DONE)
		store_sqlerr(s, "batch results", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

int
store_batch_errors(struct store *s, const char *batch_id, size_t max,
                   char ***custom_ids, char ***messages, size_t *n,
                   char *err, size_t errlen)
{
	struct db_stmt *st = NULL;
	size_t i;
	int rc = DB_DONE;

	*custom_ids = NULL;
	*messages = NULL;
	*n = 0;
	if (max == 0)
		return 0;
	*custom_ids = calloc(max, sizeof(char *));
	*messages = calloc(max, sizeof(char *));
	if (*custom_ids == NULL || *messages == NULL)
		goto oom;
	if ((st = store_prepare(s, "SELECT custom_id, coalesce(error, '') FROM batch_result"
	    " WHERE batch_id = ?1 AND type = 'errored' ORDER BY custom_id LIMIT ?2",
	    "batch errors", err, errlen)) == NULL)
		goto fail;
	store_bind_text(st, 1, batch_id);
	db_bind_int64(st, 2, (int64_t)max);
	while (*n < max && (rc = db_step(st)) == DB_ROW) {
		(*custom_ids)[*n] = strdup(db_column_text(st, 0));
		(*messages)[*n] = strdup(db_column_text(st, 1));
		if ((*custom_ids)[*n] == NULL || (*messages)[*n] == NULL) {
			(*n)++;
			goto oom;
		}
		(*n)++;
	}
	if (*n < max && rc != DB_DONE) {
		store_sqlerr(s, "batch errors", err, errlen);
		goto fail;
	}
	db_finalize(st);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	db_finalize(st);
	for (i = 0; i < *n; i++) {
		free((*custom_ids)[i]);
		free((*messages)[i]);
	}
	free(*custom_ids);
	free(*messages);
	*custom_ids = NULL;
	*messages = NULL;
	*n = 0;
	return -1;
}

struct ingested_arg {
	const char *batch_id, *results_file;
};

static int
ingested_op(struct store *s, void *arg, char *err, size_t errlen)
{
	struct ingested_arg *a = arg;
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "UPDATE batch SET ingested = 1,"
	    " results_file = coalesce(nullif(?2, ''), results_file) WHERE id = ?1",
	    "batch", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, a->batch_id);
	store_bind_text(st, 2, a->results_file);
	rc = db_step(st);
	if (rc != DB_DONE)
		store_sqlerr(s, "batch", err, errlen);
	else if (db_changes(s->db) == 0) {
		snprintf(err, errlen, "batch %s: not in the store", a->batch_id);
		rc = DB_ERR;
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

int
store_batch_set_ingested(struct store *s, const char *batch_id, const char *results_file,
                         char *err, size_t errlen)
{
	struct ingested_arg a = { batch_id, results_file };

	return store_op_run(s, ingested_op, &a, err, errlen);
}
