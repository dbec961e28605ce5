/* ledger.c — usage rows: idempotent inserts; their rollup deltas go to
 * rollup.c, written in the same transaction. */
#include <stdio.h>
#include <string.h>

#include "core/num.h"
#include "core/provider.h"
#include "data/store_int.h"

int
store_row_flags(const struct usage *u)
{
	int bits = 0;

	if (usage_is_batch(u))
		bits |= ROLLUP_BATCH;
	if (usage_total_input(&u->tok) > STORE_LONG_THRESHOLD)
		bits |= ROLLUP_LONG;
	if (strcmp(u->speed, "fast") == 0)
		bits |= ROLLUP_FAST;
	if (strcmp(u->inference_geo, "us") == 0)
		bits |= ROLLUP_US_GEO;
	if (strcmp(u->service_tier, "priority") == 0)
		bits |= ROLLUP_PRIORITY;
	return bits | provider_of(u)->id << ROLLUP_PROVIDER_SHIFT;
}

struct price_flags
store_price_flags(const struct model_price *mp, int bits)
{
	struct price_flags f;

	memset(&f, 0, sizeof(f));
	f.batch = (bits & ROLLUP_BATCH) != 0;
	f.long_ctx = (bits & ROLLUP_LONG) != 0 && mp != NULL && mp->has_long;
	f.fast = (bits & ROLLUP_FAST) != 0;
	f.us_geo = (bits & ROLLUP_US_GEO) != 0;
	f.priority = (bits & ROLLUP_PRIORITY) != 0;
	return f;
}

static void
col_text(struct db_stmt *st, int col, char *dst, size_t n)
{
	usage_strlcpy(dst, db_column_text(st, col), n);
}

void
store_read_usage(struct db_stmt *st, int c, struct usage *u)
{
	memset(u, 0, sizeof(*u));
	u->ts_ms = db_column_int64(st, c);
	col_text(st, c + 1, u->model, sizeof(u->model));
	col_text(st, c + 2, u->source, sizeof(u->source));
	col_text(st, c + 3, u->request_id, sizeof(u->request_id));
	col_text(st, c + 4, u->message_id, sizeof(u->message_id));
	col_text(st, c + 5, u->batch_id, sizeof(u->batch_id));
	col_text(st, c + 6, u->custom_id, sizeof(u->custom_id));
	col_text(st, c + 7, u->tag, sizeof(u->tag));
	col_text(st, c + 8, u->service_tier, sizeof(u->service_tier));
	col_text(st, c + 9, u->speed, sizeof(u->speed));
	col_text(st, c + 10, u->inference_geo, sizeof(u->inference_geo));
	col_text(st, c + 11, u->tier, sizeof(u->tier));
	col_text(st, c + 12, u->stop_reason, sizeof(u->stop_reason));
	u->tok.input = db_column_int64(st, c + 13);
	u->tok.write_5m = db_column_int64(st, c + 14);
	u->tok.write_1h = db_column_int64(st, c + 15);
	u->tok.cache_read = db_column_int64(st, c + 16);
	u->tok.output = db_column_int64(st, c + 17);
	u->compressed_tokens = db_column_int64(st, c + 18);
	u->sidechain = db_column_int64(st, c + 19) != 0;
	u->ts_import = db_column_int64(st, c + 20) != 0;
	col_text(st, c + 21, u->provider, sizeof(u->provider));
	u->reasoning_tokens = db_column_int64(st, c + 22);
	col_text(st, c + 23, u->session_id, sizeof(u->session_id));
	col_text(st, c + 24, u->cwd, sizeof(u->cwd));
	u->web_search_requests = db_column_int64(st, c + 25);
	u->web_fetch_requests = db_column_int64(st, c + 26);
	u->code_execution_requests = db_column_int64(st, c + 27);
	col_text(st, c + 28, u->project, sizeof(u->project));
	col_text(st, c + 29, u->git_branch, sizeof(u->git_branch));
	col_text(st, c + 30, u->key_fp, sizeof(u->key_fp));
	col_text(st, c + 31, u->host, sizeof(u->host));
}

/* Bind u to ?(b+1)..?(b+32) (its provider resolved: "" is anthropic) and
 * the dedupe key (NULL when none) to ?(b+33). Borrowed: u and key outlive
 * the step, and store_stmt clears them before the statement's next use. */
void
store_bind_usage_at(struct db_stmt *st, int b, const struct usage *u, const char *key)
{
	const char *const txt[12] = { u->model, u->source, u->request_id, u->message_id,
	    u->batch_id, u->custom_id, u->tag, u->service_tier, u->speed, u->inference_geo,
	    u->tier, u->stop_reason };
	int i;

	db_bind_int64(st, b + 1, u->ts_ms);
	for (i = 0; i < 12; i++)
		db_bind_text(st, b + 2 + i, txt[i]);
	db_bind_int64(st, b + 14, u->tok.input);
	db_bind_int64(st, b + 15, u->tok.write_5m);
	db_bind_int64(st, b + 16, u->tok.write_1h);
	db_bind_int64(st, b + 17, u->tok.cache_read);
	db_bind_int64(st, b + 18, u->tok.output);
	db_bind_int64(st, b + 19, u->compressed_tokens);
	db_bind_int64(st, b + 20, u->sidechain != 0);
	db_bind_int64(st, b + 21, u->ts_import != 0);
	db_bind_text(st, b + 22, provider_of(u)->name);
	db_bind_int64(st, b + 23, u->reasoning_tokens);
	db_bind_text(st, b + 24, u->session_id);
	db_bind_text(st, b + 25, u->cwd);
	db_bind_int64(st, b + 26, u->web_search_requests);
	db_bind_int64(st, b + 27, u->web_fetch_requests);
	db_bind_int64(st, b + 28, u->code_execution_requests);
	db_bind_text(st, b + 29, u->project);
	db_bind_text(st, b + 30, u->git_branch);
	db_bind_text(st, b + 31, u->key_fp);
	db_bind_text(st, b + 32, u->host);
	if (key != NULL)
		db_bind_text(st, b + STORE_USAGE_NCOLS + 1, key);
	else
		db_bind_null(st, b + STORE_USAGE_NCOLS + 1);
}

void
store_bind_usage(struct db_stmt *st, const struct usage *u, const char *key)
{
	store_bind_usage_at(st, 0, u, key);
}

/* prefix, a and (unless NULL) ':' b into buf (n > 0), cut to n - 1 bytes. */
static void
key_cat(char *buf, size_t n, const char *prefix, const char *a, const char *b)
{
	const char *part[4] = { prefix, a, b != NULL ? ":" : NULL, b };
	size_t k = 0, len, i;

	for (i = 0; i < 4 && part[i] != NULL; i++) {
		len = strlen(part[i]);
		if (len > n - 1 - k)
			len = n - 1 - k;
		memcpy(buf + k, part[i], len);
		k += len;
	}
	buf[k] = '\0';
}

int
store_dedupe_key(const struct usage *u, char *buf, size_t n)
{
	/* (as snprintf would write them, without its cost: an import makes
	 * three keys a row) */
	if (u->message_id[0] != '\0')
		key_cat(buf, n, "msg:", u->message_id, NULL);
	else if (u->request_id[0] != '\0')
		key_cat(buf, n, "req:", u->request_id, NULL);
	else if (u->batch_id[0] != '\0' && u->custom_id[0] != '\0')
		key_cat(buf, n, "batch:", u->batch_id, u->custom_id);
	else
		return 0;
	return 1;
}

/* The row holding key, locked for this transaction where writers lock rows
 * (another writer's copy waits until it commits); *found = 0 when none. */
int
store_usage_find(struct store *s, const char *key, struct usage *old, int *found,
                 char *err, size_t errlen)
{
	struct db_stmt *st = store_stmt(s, SQ_USAGE_FIND, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key);
	rc = db_step(st);
	*found = rc == DB_ROW;
	if (*found)
		store_read_usage(st, 1, old);
	db_reset(st);
	if (rc == DB_ERR)
		return store_sqlerr(s, "usage lookup", err, errlen);
	return 0;
}

/* *written (may be NULL) = rows it wrote (an insert whose key is taken
 * writes none). */
int
store_usage_write(struct store *s, enum store_stmt_id id, const struct usage *u,
                  const char *key, int *written, char *err, size_t errlen)
{
	struct db_stmt *st = store_stmt(s, id, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_usage(st, u, key);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return store_sqlerr(s, "usage write", err, errlen);
	if (id == SQ_USAGE_INSERT)
		store_bulk_inserted(s, key);
	if (written != NULL)       /* (RETURNING costs SQLite a temp table) */
		*written = db_changes(s->db) == 1;
	return 0;
}

int
store_usage_beats(const struct usage *u, const struct usage *old)
{
	int64_t a = usage_total(&u->tok), b = usage_total(&old->tok);

	if (a != b)
		return a > b;
	if (old->sidechain != u->sidechain)
		return old->sidechain;
	/* the same tokens: a copy that knows more wins (server tools, who
	 * spent it), so reading a file again fills rows an older tokentop kept */
	if (u->web_search_requests + u->code_execution_requests + u->web_fetch_requests !=
	    old->web_search_requests + old->code_execution_requests + old->web_fetch_requests)
		return u->web_search_requests + u->code_execution_requests + u->web_fetch_requests >
		    old->web_search_requests + old->code_execution_requests + old->web_fetch_requests;
	return (old->project[0] == '\0' && u->project[0] != '\0') ||
	    (old->git_branch[0] == '\0' && u->git_branch[0] != '\0');
}

int
store_usage_check(const struct usage *u, char *err, size_t errlen)
{
	char why[96];

	if (u->model[0] == '\0' || u->source[0] == '\0') {
		snprintf(err, errlen, "usage row without %s", u->model[0] == '\0' ? "model" : "source");
		return -1;
	}
	if (usage_row_check(u, why, sizeof(why)) != 0 ||
	    usage_tools_check(u, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "usage row: %s", why);
		return -1;
	}
	if (provider_by_name(u->provider) == NULL) {
		snprintf(err, errlen, "usage row: provider: \"%.20s\": not anthropic or openai",
		    u->provider);
		return -1;
	}
	return 0;
}

/*
 * With one writer at a time (SQLite) the stored copy is looked up first:
 * cheaper for the streaming copies an import meets. Where writers run side
 * by side and lock rows (PostgreSQL), the insert goes first (ON CONFLICT DO
 * NOTHING: the one atomic step) and a taken key's row is then read under
 * the driver's row lock, so the copy compared is the one replaced. Either
 * way the better copy is kept.
 */
int
store_ledger_put(struct store *s, const struct usage *u, enum store_put *result,
                 char *err, size_t errlen)
{
	char key[USAGE_ID_MAX + 96];

	return store_ledger_put_key(s, u, store_dedupe_key(u, key, sizeof(key)) ? key : NULL,
	    result, err, errlen);
}

int
store_ledger_put_key(struct store *s, const struct usage *u, const char *key,
                     enum store_put *result, char *err, size_t errlen)
{
	return store_ledger_put_kept(s, u, key, result, NULL, err, errlen);
}

int
store_ledger_put_kept(struct store *s, const struct usage *u, const char *key,
                      enum store_put *result, struct usage *kept, char *err, size_t errlen)
{
	struct usage old, stamped;
	int has_key = key != NULL, added = 0, found = 0;

	if (store_usage_check(u, err, errlen) != 0)
		return -1;
	u = store_stamp(s, u, &stamped);
	if (kept != NULL)
		*kept = *u;
	if (has_key && !s->db->drv->row_locks &&
	    store_usage_find(s, key, &old, &found, err, errlen) != 0)
		return -1;
	if (!found) {
		if (store_usage_write(s, SQ_USAGE_INSERT, u, has_key ? key : NULL, &added, err,
		    errlen) != 0)
			return -1;
		if (added) {
			*result = STORE_ADDED;
			return store_rollup_add(s, u, 1, err, errlen);
		}
		if (has_key && store_usage_find(s, key, &old, &found, err, errlen) != 0)
			return -1;
		if (!found) {
			snprintf(err, errlen, "usage write: %s: neither added nor found",
			    has_key ? key : "a row without a key");
			return -1;
		}
	}
	if (!store_usage_beats(u, &old)) {
		if (kept != NULL)
			*kept = old;
		*result = STORE_DUPLICATE;
		return 0;
	}
	if (store_rollup_add(s, &old, -1, err, errlen) != 0 ||
	    store_usage_write(s, SQ_USAGE_UPDATE, u, key, NULL, err, errlen) != 0)
		return -1;
	*result = STORE_REPLACED;
	return store_rollup_add(s, u, 1, err, errlen);
}

struct put_arg {
	const struct usage *u;
	enum store_put      r;
};

static int
put_op(struct store *s, void *arg, char *err, size_t errlen)
{
	struct put_arg *a = arg;

	return store_ledger_put(s, a->u, &a->r, err, errlen);
}

int
store_insert_usage(struct store *s, const struct usage *u, enum store_put *result,
                   char *err, size_t errlen)
{
	struct put_arg a = { u, STORE_DUPLICATE };

	if (store_op_run(s, put_op, &a, err, errlen) != 0)
		return -1;
	if (result != NULL)
		*result = a.r;
	return 0;
}

int
store_count_usage(struct store *s, int64_t *n, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "SELECT count(*) FROM usage", "count", err, errlen)) == NULL)
		return -1;
	rc = db_step(st);
	*n = rc == DB_ROW ? db_column_int64(st, 0) : 0;
	if (rc != DB_ROW)
		store_sqlerr(s, "count", err, errlen);
	db_finalize(st);
	return rc == DB_ROW ? 0 : -1;
}

int
store_has_usage(struct store *s, int *yes, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "SELECT CASE WHEN EXISTS (SELECT 1 FROM usage) THEN 1 ELSE 0 END",
	    "usage", err, errlen)) == NULL)
		return -1;
	rc = db_step(st);
	*yes = rc == DB_ROW && db_column_int64(st, 0) != 0;
	if (rc != DB_ROW)
		store_sqlerr(s, "usage", err, errlen);
	db_finalize(st);
	return rc == DB_ROW ? 0 : -1;
}

int
store_each_usage(struct store *s, int64_t since_ms, int64_t until_ms,
                 int (*fn)(const struct usage *u, void *arg), void *arg,
                 char *err, size_t errlen)
{
	struct db_stmt *st;
	struct usage u;
	int rc;

	if ((st = store_prepare(s, "SELECT " STORE_USAGE_COLS " FROM usage"
	    " WHERE ts_ms >= ?1 AND ts_ms < ?2 ORDER BY ts_ms, id", "usage", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, since_ms != 0 ? since_ms : INT64_MIN);
	db_bind_int64(st, 2, until_ms != 0 ? until_ms : INT64_MAX);
	while ((rc = db_step(st)) == DB_ROW) {
		store_read_usage(st, 0, &u);
		if (fn(&u, arg) != 0) {
			rc = DB_DONE;
			break;
		}
	}
	if (rc != DB_DONE)
		store_sqlerr(s, "usage", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

/* What a row's price needs (store_spend_between reads thousands of rows for
 * `status` and the budgets: not the ids, paths and labels of the rest). */
#define SPEND_COLS "ts_ms, model, provider, source, service_tier, speed, inference_geo," \
	" input, write_5m, write_1h, cache_read, output, compressed_tokens, ts_import," \
	" web_search_requests"

/* SPEND_COLS into u; its other fields are left as they were. */
static void
read_spend(struct db_stmt *st, struct usage *u)
{
	u->ts_ms = db_column_int64(st, 0);
	col_text(st, 1, u->model, sizeof(u->model));
	col_text(st, 2, u->provider, sizeof(u->provider));
	col_text(st, 3, u->source, sizeof(u->source));
	col_text(st, 4, u->service_tier, sizeof(u->service_tier));
	col_text(st, 5, u->speed, sizeof(u->speed));
	col_text(st, 6, u->inference_geo, sizeof(u->inference_geo));
	u->tok.input = db_column_int64(st, 7);
	u->tok.write_5m = db_column_int64(st, 8);
	u->tok.write_1h = db_column_int64(st, 9);
	u->tok.cache_read = db_column_int64(st, 10);
	u->tok.output = db_column_int64(st, 11);
	u->compressed_tokens = db_column_int64(st, 12);
	u->ts_import = db_column_int64(st, 13) != 0;
	u->web_search_requests = db_column_int64(st, 14);
}

int
store_each_priced(struct store *s, int64_t since_ms, int64_t until_ms,
                  int (*fn)(const struct usage *u, void *arg), void *arg, char *err,
                  size_t errlen)
{
	struct db_stmt *st;
	struct usage u;
	int rc;

	if ((st = store_prepare(s, "SELECT " SPEND_COLS ", tag, host FROM usage"
	    " WHERE ts_ms >= ?1 AND ts_ms < ?2", "usage", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, since_ms != 0 ? since_ms : INT64_MIN);
	db_bind_int64(st, 2, until_ms != 0 ? until_ms : INT64_MAX);
	memset(&u, 0, sizeof(u));
	while ((rc = db_step(st)) == DB_ROW) {
		read_spend(st, &u);
		col_text(st, 15, u.tag, sizeof(u.tag));
		col_text(st, 16, u.host, sizeof(u.host));
		if (fn(&u, arg) != 0) {
			rc = DB_DONE;
			break;
		}
	}
	if (rc != DB_DONE)
		store_sqlerr(s, "usage", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

/* The prices of the models a spend sum met (a few: looked up once each). */
struct spend_cache {
	struct {
		char                      model[USAGE_MODEL_MAX];
		int                       provider;
		const struct model_price *mp;
	} e[16];
	int n;
};

/* pricing_usage_cost, each model's price looked up once (undated prices: the
 * same entry at every time). 0, or -1 when the model has no price. */
static int
spend_cost(const struct pricing *p, const struct usage *u, struct spend_cache *c,
           int64_t *nanos)
{
	const struct model_price *mp;
	struct price_flags f;
	int pv = provider_of(u)->id, i;
	int64_t tools;

	if (pricing_has_dates(p))
		return pricing_usage_cost(p, u, nanos);
	for (i = 0; i < c->n; i++)
		if (c->e[i].provider == pv && strcmp(c->e[i].model, u->model) == 0)
			break;
	if (i < c->n) {
		mp = c->e[i].mp;
	} else {
		mp = pricing_find_for_at(p, pv, u->model, u->ts_ms);
		if (c->n < (int)(sizeof(c->e) / sizeof(c->e[0]))) {
			usage_strlcpy(c->e[c->n].model, u->model, sizeof(c->e[0].model));
			c->e[c->n].provider = pv;
			c->e[c->n++].mp = mp;
		}
	}
	*nanos = 0;
	if (mp == NULL)
		return -1;
	f = pricing_flags(mp, u);
	*nanos = pricing_cost(mp, &u->tok, &f);
	if (pricing_usage_tool_cost(p, u, &tools) != 0 || num_add(nanos, tools) != 0)
		*nanos = INT64_MAX;
	return 0;
}

int
store_spend_between(struct store *s, const struct pricing *p, const char *tag,
                    int64_t since_ms, int64_t until_ms, int64_t *nanos, int64_t *requests,
                    int64_t *imported_nanos, char *err, size_t errlen)
{
	struct spend_cache cache;
	struct db_stmt *st;
	struct usage u;
	char why[160];
	int64_t c, imp = 0;
	int rc;

	*nanos = 0;
	*requests = 0;
	if (imported_nanos != NULL)
		*imported_nanos = 0;
	if ((st = store_prepare(s, "SELECT " SPEND_COLS " FROM usage"
	    " WHERE ts_ms >= ?1 AND ts_ms < ?2 AND (CAST(?3 AS TEXT) IS NULL OR tag = ?3)",
	    "spend", err, errlen)) == NULL)
		return -1;
	memset(&u, 0, sizeof(u));
	cache.n = 0;
	db_bind_int64(st, 1, since_ms);
	db_bind_int64(st, 2, until_ms != 0 ? until_ms : INT64_MAX);
	if (tag != NULL)
		db_bind_text(st, 3, tag);
	while ((rc = db_step(st)) == DB_ROW) {
		read_spend(st, &u);
		if (usage_tokens_check(&u.tok, u.compressed_tokens, why, sizeof(why)) != 0)
			break;
		if (spend_cost(p, &u, &cache, &c) != 0)
			c = 0;
		if (u.ts_import) {      /* stamped at import: spend, but no rate */
			if (num_add(&imp, c) != 0)
				break;
			continue;
		}
		(*requests)++;
		if (num_add(nanos, c) != 0)
			break;
	}
	if (rc == DB_ERR)
		store_sqlerr(s, "spend", err, errlen);
	db_finalize(st);
	if (imported_nanos != NULL)
		*imported_nanos = imp;
	if (rc == DB_ROW) {
		*nanos = INT64_MAX;
		return store_overflow_err(s, NULL, err, errlen);
	}
	return rc == DB_DONE ? 0 : -1;
}

/* The first usage row holding a count outside 0..USAGE_COUNT_MAX into msg:
 * "ledger row 17: input_tokens: 9223372036854775807: not a token count
 * (0..1000000000000)". 1 when found, 0 when none, -1 on an SQL error. */
static int
impossible_row(struct store *s, char *msg, size_t n)
{
	static const char *const names[] = { "input_tokens", "cache_write_5m_tokens",
	    "cache_write_1h_tokens", "cache_read_tokens", "output_tokens", "compressed_tokens" };
	struct db_stmt *st;
	int64_t v = 0;
	int i, rc;

	if ((st = db_prepare(s->db, "SELECT id, input, write_5m, write_1h, cache_read, output,"
	    " compressed_tokens FROM usage WHERE NOT (input BETWEEN 0 AND ?1"
	    " AND write_5m BETWEEN 0 AND ?1 AND write_1h BETWEEN 0 AND ?1"
	    " AND cache_read BETWEEN 0 AND ?1 AND output BETWEEN 0 AND ?1"
	    " AND compressed_tokens BETWEEN 0 AND ?1) LIMIT 1", 0)) == NULL)
		return -1;
	db_bind_int64(st, 1, USAGE_COUNT_MAX);
	rc = db_step(st);
	for (i = 0; rc == DB_ROW && i < 6; i++) {
		v = db_column_int64(st, 1 + i);
		if (v < 0 || v > USAGE_COUNT_MAX || db_column_type(st, 1 + i) != DB_T_INT)
			break;
	}
	if (rc == DB_ROW) {
		char why[96];

		usage_count_error("", names[i < 6 ? i : 0], i < 6 ? v : 0, why, sizeof(why));
		snprintf(msg, n, "ledger row %lld: %s", (long long)db_column_int64(st, 0), why);
	}
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int
store_overflow_err(struct store *s, const char *why, char *err, size_t errlen)
{
	char row[160];

	if (impossible_row(s, row, sizeof(row)) == 1)
		snprintf(err, errlen, "%s (written by an older tokentop or by hand)", row);
	else
		snprintf(err, errlen, "%s", why != NULL ? why : "a sum does not fit 64 bits (more"
		    " than 9223372036854775807 tokens or nano-dollars)");
	return -1;
}
