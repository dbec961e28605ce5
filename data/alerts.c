/* alerts.c — alerts in the ledger. Budget crossings already announced to
 * the alert command (table budget_alert), and the crossings of the
 * config's rules with their delivery (table alert): each is raised once
 * across restarts, processes and hosts (sharing a PostgreSQL ledger),
 * because the claim is one INSERT … ON CONFLICT DO NOTHING on a unique key,
 * and sent by one process at a time, because the lease is one UPDATE.
 * Also the statuses the proxy answered, per minute and provider. */
#include <stdio.h>
#include <string.h>

#include "data/store_int.h"

int
store_alert_claim(struct store *s, const char *key, int64_t now_ms, int *first,
                  char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	*first = 0;
	if ((st = store_prepare(s, "INSERT INTO budget_alert (key, ts_ms) VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO NOTHING", "budget alert", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, key);
	db_bind_int64(st, 2, now_ms);
	rc = db_step(st);
	if (rc == DB_DONE)
		*first = db_changes(s->db) == 1;
	else
		store_sqlerr(s, "budget alert", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

/* ---- alerts of the config's rules --------------------------------------- */

/* Does a row with key exist? 1, 0, or -1 + err. */
static int
alert_exists(struct store *s, const char *key, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "SELECT 1 FROM alert WHERE key = ?1", "alert", err,
	    errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, key);
	rc = db_step(st);
	if (rc == DB_ERR)
		store_sqlerr(s, "alert", err, errlen);
	db_finalize(st);
	return rc == DB_ERR ? -1 : rc == DB_ROW;
}

/* Insert one alert with status unless its key is taken; *id = its id when
 * it is new, else 0. */
static int
alert_insert(struct store *s, const struct alert_rec *a, const char *status, int64_t now_ms,
             int64_t *id, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	*id = 0;
	if ((st = store_prepare(s, "INSERT INTO alert (key, rule, target, kind, text, fields,"
	    " status, created_ms, next_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"
	    " ON CONFLICT (key) DO NOTHING RETURNING id", "alert", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, a->key);
	db_bind_int64(st, 2, a->rule);
	store_bind_text(st, 3, a->target);
	store_bind_text(st, 4, a->kind);
	store_bind_text(st, 5, a->text);
	store_bind_text(st, 6, a->fields);
	store_bind_text(st, 7, status);
	db_bind_int64(st, 8, now_ms);
	if ((rc = db_step(st)) == DB_ROW) {
		*id = db_column_int64(st, 0);
		rc = db_step(st);
	}
	if (rc != DB_DONE)
		store_sqlerr(s, "alert", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

/* UPDATE one alert by id: sql with ?1 = id and ?2.. = the int64 args. */
static int
alert_update(struct store *s, const char *sql, int64_t id, const char *text, int nargs,
             const int64_t *args, int *changed, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc, i;

	if ((st = store_prepare(s, sql, "alert", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	for (i = 0; i < nargs; i++)
		db_bind_int64(st, 2 + i, args[i]);
	if (text != NULL)
		store_bind_text(st, 2 + nargs, text);
	rc = db_step(st);
	if (changed != NULL)
		*changed = rc == DB_DONE && db_changes(s->db) > 0;
	if (rc != DB_DONE)
		store_sqlerr(s, "alert", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

int
store_alert_raise(struct store *s, const struct alert_rec *a, size_t n, const char *after,
                  int64_t now_ms, int *raised, char *err, size_t errlen)
{
	const char *status = "passed";
	int64_t last_id = 0, id;
	size_t i;
	int quiet = 0, ok = 0;

	*raised = -1;
	if (store_op_begin(s, err, errlen) != 0)
		return -1;
	if (after != NULL && after[0] != '\0' && (quiet = alert_exists(s, after, err, errlen)) < 0)
		goto out;
	if (quiet)
		status = "quiet";      /* the same episode as the window before */
	for (i = 0; i < n; i++) {
		if (alert_insert(s, &a[i], status, now_ms, &id, err, errlen) != 0)
			goto out;
		if (id != 0) {
			*raised = (int)i;
			last_id = id;
		}
	}
	/* several levels reached at once: one message, for the highest */
	if (*raised >= 0 && !quiet &&
	    alert_update(s, "UPDATE alert SET status = 'pending' WHERE id = ?1", last_id, NULL, 0,
	    NULL, NULL, err, errlen) != 0)
		goto out;
	if (quiet)
		*raised = -1;
	ok = 1;
out:
	if (store_op_end(s, ok, err, errlen) != 0)
		ok = 0;
	if (!ok)
		*raised = -1;
	return ok ? 0 : -1;
}

#define ALERT_COLS "id, key, rule, target, kind, text, fields, status, attempts, created_ms," \
	" next_ms, delivered_ms, last_error"

static void
alert_read(struct db_stmt *st, struct alert_rec *a)
{
	memset(a, 0, sizeof(*a));
	a->id = db_column_int64(st, 0);
	snprintf(a->key, sizeof(a->key), "%s", db_column_text(st, 1));
	a->rule = (int)db_column_int64(st, 2);
	snprintf(a->target, sizeof(a->target), "%s", db_column_text(st, 3));
	snprintf(a->kind, sizeof(a->kind), "%s", db_column_text(st, 4));
	snprintf(a->text, sizeof(a->text), "%s", db_column_text(st, 5));
	snprintf(a->fields, sizeof(a->fields), "%s", db_column_text(st, 6));
	snprintf(a->status, sizeof(a->status), "%s", db_column_text(st, 7));
	a->attempts = db_column_int64(st, 8);
	a->created_ms = db_column_int64(st, 9);
	a->next_ms = db_column_int64(st, 10);
	a->delivered_ms = db_column_int64(st, 11);
	snprintf(a->last_error, sizeof(a->last_error), "%s", db_column_text(st, 12));
}

/* Rows of sql (?1 = arg, ?2 = max) into out[0..*n). */
static int
alert_select(struct store *s, const char *sql, int64_t arg, struct alert_rec *out, size_t max,
             size_t *n, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	*n = 0;
	if ((st = store_prepare(s, sql, "alerts", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, arg);
	db_bind_int64(st, 2, (int64_t)max);
	while ((rc = db_step(st)) == DB_ROW && *n < max)
		alert_read(st, &out[(*n)++]);
	if (rc == DB_ERR)
		store_sqlerr(s, "alerts", err, errlen);
	db_finalize(st);
	return rc == DB_ERR ? -1 : 0;
}

int
store_alert_due(struct store *s, int64_t now_ms, int all, struct alert_rec *out, size_t max,
                size_t *n, char *err, size_t errlen)
{
	return alert_select(s, all ?
	    "SELECT " ALERT_COLS " FROM alert WHERE status = 'pending'"
	    " AND lease_ms <= ?1 ORDER BY id LIMIT ?2" :
	    "SELECT " ALERT_COLS " FROM alert WHERE status = 'pending'"
	    " AND next_ms <= ?1 AND lease_ms <= ?1 ORDER BY id LIMIT ?2", now_ms, out, max, n,
	    err, errlen);
}

int
store_alert_lease(struct store *s, int64_t id, int64_t now_ms, int64_t until_ms, int all,
                  int *got, char *err, size_t errlen)
{
	int64_t args[3] = { now_ms, until_ms, all };

	/* one process sends it: the lease is taken by one UPDATE */
	return alert_update(s, "UPDATE alert SET lease_ms = ?3, attempts = attempts + 1"
	    " WHERE id = ?1 AND status = 'pending' AND (?4 <> 0 OR next_ms <= ?2) AND lease_ms <= ?2",
	    id, NULL, 3, args, got, err, errlen);
}

int
store_alert_result(struct store *s, int64_t id, int ok, const char *error, int64_t now_ms,
                   int64_t next_ms, int give_up, char *err, size_t errlen)
{
	int64_t args[2] = { now_ms, next_ms };

	if (ok)
		return alert_update(s, "UPDATE alert SET status = 'delivered', delivered_ms = ?2,"
		    " lease_ms = 0, last_error = '' WHERE id = ?1", id, NULL, 1, args, NULL, err,
		    errlen);
	return alert_update(s, give_up ?
	    "UPDATE alert SET status = 'failed', lease_ms = 0, next_ms = ?3, last_error = ?4"
	    " WHERE id = ?1 AND ?2 = ?2" :
	    "UPDATE alert SET lease_ms = 0, next_ms = ?3, last_error = ?4 WHERE id = ?1"
	    " AND ?2 = ?2", id, error != NULL ? error : "", 2, args, NULL, err, errlen);
}

int
store_alert_list(struct store *s, size_t max, struct alert_rec *out, size_t *n, char *err,
                 size_t errlen)
{
	return alert_select(s, "SELECT " ALERT_COLS " FROM alert WHERE status NOT IN"
	    " ('passed', 'quiet') AND ?1 = ?1 ORDER BY id DESC LIMIT ?2", 0, out, max, n, err,
	    errlen);
}

int
store_proxy_status_add(struct store *s, int64_t minute, const char *provider, int status,
                       int64_t requests, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "INSERT INTO proxy_status_minute (minute, provider, status,"
	    " requests) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (minute, provider, status)"
	    " DO UPDATE SET requests = proxy_status_minute.requests + excluded.requests",
	    "proxy status", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, minute);
	store_bind_text(st, 2, provider);
	db_bind_int64(st, 3, status);
	db_bind_int64(st, 4, requests);
	rc = db_step(st);
	if (rc != DB_DONE)
		store_sqlerr(s, "proxy status", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

int
store_proxy_status_sums(struct store *s, int64_t since_minute, struct store_status_sum *out,
                        size_t max, size_t *n, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	*n = 0;
	if ((st = store_prepare(s, "SELECT provider, sum(requests),"
	    " coalesce(sum(CASE WHEN status = 429 OR status >= 500 THEN requests END), 0)"
	    " FROM proxy_status_minute WHERE minute >= ?1 GROUP BY provider ORDER BY provider",
	    "proxy status", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, since_minute);
	while ((rc = db_step(st)) == DB_ROW && *n < max) {
		usage_strlcpy(out[*n].provider, db_column_text(st, 0), sizeof(out[0].provider));
		out[*n].requests = db_column_int64(st, 1);
		out[*n].errors = db_column_int64(st, 2);
		(*n)++;
	}
	if (rc == DB_ERR)
		store_sqlerr(s, "proxy status", err, errlen);
	db_finalize(st);
	return rc == DB_ERR ? -1 : 0;
}
