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

static int
intent_add_op(struct store *s, void *arg, char *err, size_t errlen)
{
	struct batch_intent *in = arg;
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "INSERT INTO batch_intent (created_ms, requests, bytes,"
	    " input_file, part, tag, models, est_low_nanos, est_high_nanos, owner_pid, status,"
	    " updated_ms, provider, token) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,'pending',?1,"
	    "?11,?12) RETURNING id",
	    "batch intent", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, in->created_ms);
	db_bind_int64(st, 2, in->requests);
	db_bind_int64(st, 3, in->bytes);
	store_bind_text(st, 4, in->input_file);
	db_bind_int64(st, 5, in->part);
	store_bind_text(st, 6, in->tag);
	store_bind_text(st, 7, in->models);
	db_bind_int64(st, 8, in->est_low_nanos);
	db_bind_int64(st, 9, in->est_high_nanos);
	db_bind_int64(st, 10, in->owner_pid);
	store_bind_text(st, 11, in->provider[0] != '\0' ? in->provider : "anthropic");
	store_bind_text(st, 12, in->token);
	rc = db_step(st);
	if (rc == DB_ROW)
		in->id = db_column_int64(st, 0);
	else
		store_sqlerr(s, "batch intent", err, errlen);
	db_finalize(st);
	return rc == DB_ROW ? 0 : -1;
}

int
store_intent_add(struct store *s, struct batch_intent *in, char *err, size_t errlen)
{
	if (store_op_run(s, intent_add_op, in, err, errlen) != 0)
		return -1;
	snprintf(in->status, sizeof(in->status), "pending");
	in->batch_id[0] = '\0';
	return 0;
}

static void
read_intent(struct db_stmt *st, struct batch_intent *in)
{
	memset(in, 0, sizeof(*in));
	in->id = db_column_int64(st, 0);
	in->created_ms = db_column_int64(st, 1);
	in->requests = db_column_int64(st, 2);
	in->bytes = db_column_int64(st, 3);
	usage_strlcpy(in->input_file, db_column_text(st, 4), sizeof(in->input_file));
	in->part = (int)db_column_int64(st, 5);
	usage_strlcpy(in->tag, db_column_text(st, 6), sizeof(in->tag));
	usage_strlcpy(in->models, db_column_text(st, 7), sizeof(in->models));
	in->est_low_nanos = db_column_int64(st, 8);
	in->est_high_nanos = db_column_int64(st, 9);
	usage_strlcpy(in->status, db_column_text(st, 10), sizeof(in->status));
	usage_strlcpy(in->batch_id, db_column_text(st, 11), sizeof(in->batch_id));
	in->owner_pid = (int)db_column_int64(st, 12);
	usage_strlcpy(in->provider, db_column_text(st, 13), sizeof(in->provider));
	usage_strlcpy(in->token, db_column_text(st, 14), sizeof(in->token));
}

int
store_intent_get(struct store *s, int64_t intent_id, struct batch_intent *in, int *found,
                 char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	*found = 0;
	if ((st = store_prepare(s, "SELECT " INTENT_COLS " FROM batch_intent WHERE id = ?1",
	    "batch intent", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, intent_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		read_intent(st, in);
		*found = 1;
	} else if (rc == DB_ERR)
		store_sqlerr(s, "batch intent", err, errlen);
	db_finalize(st);
	return rc == DB_ERR ? -1 : 0;
}

int
store_intent_pending(struct store *s, struct batch_intent **out, size_t *n, char *err,
                     size_t errlen)
{
	struct batch_intent *v = NULL, *nv;
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = store_prepare(s, "SELECT " INTENT_COLS " FROM batch_intent"
	    " WHERE status = 'pending' ORDER BY created_ms, id", "batch intent", err,
	    errlen)) == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				snprintf(err, errlen, "out of memory");
				rc = DB_ROW;
				break;
			}
			v = nv;
		}
		read_intent(st, &v[(*n)++]);
	}
	if (rc == DB_ERR)
		store_sqlerr(s, "batch intent", err, errlen);
	db_finalize(st);
	if (rc != DB_DONE) {
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
	struct db_stmt *st;
	int rc;

	*found = 0;
	if ((st = store_prepare(s, "SELECT 1 FROM batch WHERE id = ?1", "batch", err,
	    errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, id);
	rc = db_step(st);
	*found = rc == DB_ROW;
	if (rc == DB_ERR)
		store_sqlerr(s, "batch", err, errlen);
	db_finalize(st);
	return rc == DB_ERR ? -1 : 0;
}

/* UPDATE batch_intent SET status, batch_id (inside the caller's
 * transaction); abandoning touches only a pending intent (one another
 * process has just seen created stays created). */
static int
intent_set(struct store *s, int64_t intent_id, const char *status, const char *batch_id,
           char *err, size_t errlen)
{
	int pending_only = strcmp(status, "abandoned") == 0;
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "UPDATE batch_intent SET status = ?2,"
	    " batch_id = coalesce(nullif(?3, ''), batch_id), updated_ms = ?4 WHERE id = ?1"
	    " AND (?5 = 0 OR status = 'pending')", "batch intent", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, intent_id);
	store_bind_text(st, 2, status);
	store_bind_text(st, 3, batch_id);
	db_bind_int64(st, 4, wall_ms());
	db_bind_int64(st, 5, pending_only);
	rc = db_step(st);
	if (rc != DB_DONE)
		store_sqlerr(s, "batch intent", err, errlen);
	else if (db_changes(s->db) != 1 && !pending_only) {
		snprintf(err, errlen, "batch intent %lld: no such intent", (long long)intent_id);
		rc = DB_ERR;
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
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

struct created_arg {
	int64_t                 intent_id;
	const struct batch_rec *b;
	int                     adopt;
	int                     taken;
};

/* Adopting: claim the batch id for this intent (one INSERT … ON CONFLICT DO
 * NOTHING, atomic against another process adopting the same batch); *taken
 * = 1 when the ledger already has it. */
static int
claim_batch(struct store *s, const char *id, int *taken, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "INSERT INTO batch (id) VALUES (?1) ON CONFLICT (id) DO NOTHING",
	    "batch", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, id);
	rc = db_step(st);
	if (rc != DB_DONE)
		store_sqlerr(s, "batch", err, errlen);
	else
		*taken = db_changes(s->db) == 0;
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

static int
created_op(struct store *s, void *arg, char *err, size_t errlen)
{
	struct created_arg *a = arg;
	struct batch_intent in;
	struct batch_rec r;
	int found = 0;

	a->taken = 0;
	if (store_intent_get(s, a->intent_id, &in, &found, err, errlen) != 0)
		return -1;
	if (!found) {
		snprintf(err, errlen, "batch intent %lld: no such intent", (long long)a->intent_id);
		return -1;
	}
	if (a->adopt && claim_batch(s, a->b->id, &a->taken, err, errlen) != 0)
		return -1;
	if (a->taken)
		return 0;
	merge_rec(&r, a->b, &in);
	if (store_batch_upsert(s, &r, err, errlen) != 0 ||
	    intent_set(s, a->intent_id, "created", a->b->id, err, errlen) != 0)
		return -1;
	return 0;
}

int
store_intent_created(struct store *s, int64_t intent_id, const struct batch_rec *b, int adopt,
                     int *taken, char *err, size_t errlen)
{
	struct created_arg a = { intent_id, b, adopt, 0 };

	if (taken != NULL)
		*taken = 0;
	if (b->id[0] == '\0') {
		snprintf(err, errlen, "batch without an id");
		return -1;
	}
	if (store_op_run(s, created_op, &a, err, errlen) != 0)
		return -1;
	if (taken != NULL)
		*taken = a.taken;
	return 0;
}

static int
abandon_op(struct store *s, void *arg, char *err, size_t errlen)
{
	return intent_set(s, *(int64_t *)arg, "abandoned", "", err, errlen);
}

int
store_intent_abandon(struct store *s, int64_t intent_id, char *err, size_t errlen)
{
	return store_op_run(s, abandon_op, &intent_id, err, errlen);
}

int
store_intent_prune(struct store *s, int64_t before_ms, int64_t *removed, char *err,
                   size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if (removed != NULL)
		*removed = 0;
	if ((st = store_prepare(s, "DELETE FROM batch_intent WHERE status != 'pending'"
	    " AND created_ms < ?1", "batch intent", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, before_ms);
	rc = db_step(st);
	if (rc != DB_DONE)
		store_sqlerr(s, "batch intent", err, errlen);
	else if (removed != NULL)
		*removed = db_changes(s->db);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}
