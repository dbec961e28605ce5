/* intents.c — batch create intents: written before a create is sent, so a
 * batch whose create answer was lost can be found and adopted, never lost
 * from the ledger and never created twice (tui/cli_batch_once.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/store_int.h"

#define INTENT_COLS \
	"id, created_ms, requests, bytes, input_file, part, tag, models, est_low_nanos," \
	" est_high_nanos, status, batch_id, owner_pid, provider, token"

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
store_intent_add(struct store *s, struct batch_intent *in, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	char tmp[64];
	int rc;

	if (store_op_begin(s, err, errlen) != 0)
		return -1;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO batch_intent (created_ms, requests, bytes,"
	    " input_file, part, tag, models, est_low_nanos, est_high_nanos, owner_pid, status,"
	    " updated_ms, provider, token) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,'pending',?1,"
	    "?11,?12)", -1, &st, NULL) != SQLITE_OK) {
		store_sqlerr(s, "batch intent", err, errlen);
		store_op_end(s, 0, tmp, sizeof(tmp));
		return -1;
	}
	sqlite3_bind_int64(st, 1, in->created_ms);
	sqlite3_bind_int64(st, 2, in->requests);
	sqlite3_bind_int64(st, 3, in->bytes);
	store_bind_text(st, 4, in->input_file);
	sqlite3_bind_int(st, 5, in->part);
	store_bind_text(st, 6, in->tag);
	store_bind_text(st, 7, in->models);
	sqlite3_bind_int64(st, 8, in->est_low_nanos);
	sqlite3_bind_int64(st, 9, in->est_high_nanos);
	sqlite3_bind_int(st, 10, in->owner_pid);
	store_bind_text(st, 11, in->provider[0] != '\0' ? in->provider : "anthropic");
	store_bind_text(st, 12, in->token);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		store_sqlerr(s, "batch intent", err, errlen);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_op_end(s, 0, tmp, sizeof(tmp));
		return -1;
	}
	in->id = sqlite3_last_insert_rowid(s->db);
	snprintf(in->status, sizeof(in->status), "pending");
	in->batch_id[0] = '\0';
	return store_op_end(s, 1, err, errlen);
}

static void
read_intent(sqlite3_stmt *st, struct batch_intent *in)
{
	memset(in, 0, sizeof(*in));
	in->id = sqlite3_column_int64(st, 0);
	in->created_ms = sqlite3_column_int64(st, 1);
	in->requests = sqlite3_column_int64(st, 2);
	in->bytes = sqlite3_column_int64(st, 3);
	usage_strlcpy(in->input_file, (const char *)sqlite3_column_text(st, 4),
	    sizeof(in->input_file));
	in->part = sqlite3_column_int(st, 5);
	usage_strlcpy(in->tag, (const char *)sqlite3_column_text(st, 6), sizeof(in->tag));
	usage_strlcpy(in->models, (const char *)sqlite3_column_text(st, 7), sizeof(in->models));
	in->est_low_nanos = sqlite3_column_int64(st, 8);
	in->est_high_nanos = sqlite3_column_int64(st, 9);
	usage_strlcpy(in->status, (const char *)sqlite3_column_text(st, 10), sizeof(in->status));
	usage_strlcpy(in->batch_id, (const char *)sqlite3_column_text(st, 11),
	    sizeof(in->batch_id));
	in->owner_pid = sqlite3_column_int(st, 12);
	usage_strlcpy(in->provider, (const char *)sqlite3_column_text(st, 13), sizeof(in->provider));
	usage_strlcpy(in->token, (const char *)sqlite3_column_text(st, 14), sizeof(in->token));
}

int
store_intent_get(struct store *s, int64_t intent_id, struct batch_intent *in, int *found,
                 char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT " INTENT_COLS " FROM batch_intent WHERE id = ?1",
	    -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, "batch intent", err, errlen);
	sqlite3_bind_int64(st, 1, intent_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_intent(st, in);
		*found = 1;
	} else if (rc != SQLITE_DONE)
		store_sqlerr(s, "batch intent", err, errlen);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_intent_pending(struct store *s, struct batch_intent **out, size_t *n, char *err,
                     size_t errlen)
{
	struct batch_intent *v = NULL, *nv;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT " INTENT_COLS " FROM batch_intent"
	    " WHERE status = 'pending' ORDER BY created_ms, id", -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, "batch intent", err, errlen);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				snprintf(err, errlen, "out of memory");
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		read_intent(st, &v[(*n)++]);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_NOMEM)
		store_sqlerr(s, "batch intent", err, errlen);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return -1;
	}
	*out = v;
	return 0;
}

int
store_batch_known(struct store *s, const char *id, int *found, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM batch WHERE id = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return store_sqlerr(s, "batch", err, errlen);
	store_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_sqlerr(s, "batch", err, errlen);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* UPDATE batch_intent SET status, batch_id (inside the caller's
 * transaction); abandoning touches only a pending intent (one another
 * process has just seen created stays created). */
static int
intent_set(struct store *s, int64_t intent_id, const char *status, const char *batch_id,
           char *err, size_t errlen)
{
	int pending_only = strcmp(status, "abandoned") == 0;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "UPDATE batch_intent SET status = ?2,"
	    " batch_id = coalesce(nullif(?3, ''), batch_id), updated_ms = ?4 WHERE id = ?1"
	    " AND (?5 = 0 OR status = 'pending')", -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, "batch intent", err, errlen);
	sqlite3_bind_int64(st, 1, intent_id);
	store_bind_text(st, 2, status);
	store_bind_text(st, 3, batch_id);
	sqlite3_bind_int64(st, 4, wall_ms());
	sqlite3_bind_int(st, 5, pending_only);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		store_sqlerr(s, "batch intent", err, errlen);
	else if (sqlite3_changes(s->db) != 1 && !pending_only) {
		snprintf(err, errlen, "batch intent %lld: no such intent", (long long)intent_id);
		rc = SQLITE_NOTFOUND;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The batch row an intent's batch gets: b, with the intent's local facts. */
static void
merge_rec(struct batch_rec *r, const struct batch_rec *b, const struct batch_intent *in)
{
	*r = *b;
	if (r->input_file[0] == '\0')
		usage_strlcpy(r->input_file, in->input_file, sizeof(r->input_file));
	if (r->tag[0] == '\0')
		usage_strlcpy(r->tag, in->tag, sizeof(r->tag));
	if (r->provider[0] == '\0')
		usage_strlcpy(r->provider, in->provider, sizeof(r->provider));
	if (r->models[0] == '\0')
		usage_strlcpy(r->models, in->models, sizeof(r->models));
	if (r->requests == 0)
		r->requests = in->requests;
	if (r->est_low_nanos == 0 && r->est_high_nanos == 0) {
		r->est_low_nanos = in->est_low_nanos;
		r->est_high_nanos = in->est_high_nanos;
	}
}

int
store_intent_created(struct store *s, int64_t intent_id, const struct batch_rec *b, int adopt,
                     int *taken, char *err, size_t errlen)
{
	struct batch_intent in;
	struct batch_rec r;
	int found = 0, known = 0;

	if (taken != NULL)
		*taken = 0;
	if (store_begin(s, err, errlen) != 0)
		return -1;
	if (store_intent_get(s, intent_id, &in, &found, err, errlen) != 0)
		goto fail;
	if (!found) {
		snprintf(err, errlen, "batch intent %lld: no such intent", (long long)intent_id);
		goto fail;
	}
	if (adopt && store_batch_known(s, b->id, &known, err, errlen) != 0)
		goto fail;
	if (known) {
		if (taken != NULL)
			*taken = 1;
		store_rollback(s);
		return 0;
	}
	merge_rec(&r, b, &in);
	if (store_batch_put(s, &r, err, errlen) != 0 ||
	    intent_set(s, intent_id, "created", b->id, err, errlen) != 0)
		goto fail;
	return store_commit(s, err, errlen);
fail:
	store_rollback(s);
	return -1;
}

int
store_intent_abandon(struct store *s, int64_t intent_id, char *err, size_t errlen)
{
	char tmp[64];

	if (store_op_begin(s, err, errlen) != 0)
		return -1;
	if (intent_set(s, intent_id, "abandoned", "", err, errlen) != 0) {
		store_op_end(s, 0, tmp, sizeof(tmp));
		return -1;
	}
	return store_op_end(s, 1, err, errlen);
}

int
store_intent_prune(struct store *s, int64_t before_ms, int64_t *removed, char *err,
                   size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (removed != NULL)
		*removed = 0;
	if (sqlite3_prepare_v2(s->db, "DELETE FROM batch_intent WHERE status != 'pending'"
	    " AND created_ms < ?1", -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, "batch intent", err, errlen);
	sqlite3_bind_int64(st, 1, before_ms);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		store_sqlerr(s, "batch intent", err, errlen);
	else if (removed != NULL)
		*removed = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
