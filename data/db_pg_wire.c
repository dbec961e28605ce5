/* db_pg_wire.c — the PostgreSQL driver's wire (see db_pg_int.h): each
 * statement goes in pipeline mode after the transaction steps deferred
 * since the last one, then a sync, in one round trip; results stream one
 * row at a time and are read ahead when another statement needs the
 * connection; failures keep libpq's message, never the password. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/db_pg_int.h"
#include "data/pg_sql.h"
#include "data/pg_uri.h"

/* ---- errors --------------------------------------------------------------- */

/* The message of a failure: what, trimmed to one line, the password cut. */
int
pgw_failed(struct pg_db *d, enum db_fail kind, const char *what)
{
	pg_uri_message(d->target, what != NULL && what[0] != '\0' ? what : "error", d->msg,
	    sizeof(d->msg));
	d->fail = PQstatus(d->conn) == CONNECTION_BAD ? DB_GONE : kind;
	return -1;
}

/* A failed result: its primary message (else the connection's), its kind. */
int
pgw_result_failed(struct pg_db *d, PGresult *res)
{
	const char *m = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (m == NULL)
		m = res != NULL && PQresultErrorMessage(res)[0] != '\0' ? PQresultErrorMessage(res) :
		    PQerrorMessage(d->conn);
	return pgw_failed(d, res != NULL ? pg_sql_fail(PQresultErrorField(res, PG_DIAG_SQLSTATE)) :
	    DB_FAILED, m);
}

int
pgw_result_ok(PGresult *res)
{
	ExecStatusType t = PQresultStatus(res);

	return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
}

/* ---- the wire: each statement goes in pipeline mode, after the transaction
 * steps deferred since the last one, and a sync ---------------------------- */

/* The pipeline's end: its answers read up to the sync point, pipeline mode
 * left. (Commands' results end in NULL; two in a row: nothing pending.) */
static void
end_pipeline(struct pg_db *d)
{
	PGresult *r;
	int nulls = 0;

	if (PQpipelineStatus(d->conn) == PQ_PIPELINE_OFF)
		return;
	while (nulls < 2 && PQstatus(d->conn) == CONNECTION_OK) {
		if ((r = PQgetResult(d->conn)) == NULL) {
			nulls++;
			continue;
		}
		nulls = PQresultStatus(r) == PGRES_PIPELINE_SYNC ? 2 : 0;
		PQclear(r);
	}
	PQexitPipelineMode(d->conn);
}

static int settle(struct pg_db *d);

/* Read what is left of the active statement's results into its queue, so
 * the connection is free for another; its next steps read from the queue. */
void
pgw_drain(struct pg_db *d)
{
	struct pg_stmt *a = d->active;
	PGresult *r, **q;

	if (d->inflight > 0)
		settle(d);              /* a batch's answers first (failures kept) */
	if (a == NULL)
		return;
	d->active = NULL;
	while ((r = PQgetResult(d->conn)) != NULL) {
		if (a->qlen == a->qcap) {
			size_t nc = a->qcap ? a->qcap * 2 : 64;

			if ((q = realloc(a->queue, nc * sizeof(*q))) == NULL) {
				PQclear(r);     /* out of memory: the rest is lost, the step fails */
				a->lost = 1;
				continue;
			}
			a->queue = q;
			a->qcap = nc;
		}
		a->queue[a->qlen++] = r;
	}
	end_pipeline(d);
}

/* The next result of s: from the queue, else the connection. */
PGresult *
pgw_next(struct pg_stmt *s)
{
	if (s->qhead < s->qlen)
		return s->queue[s->qhead++];
	if (s->db->active != s)
		return NULL;
	return PQgetResult(s->db->conn);
}

/* The run of s is over: every result of it read, the queue empty. */
void
pgw_finish(struct pg_stmt *s)
{
	PGresult *r;

	if (s->db->active == s) {
		while ((r = PQgetResult(s->db->conn)) != NULL)
			PQclear(r);
		s->db->active = NULL;
		end_pipeline(s->db);
	}
	while (s->qhead < s->qlen)
		PQclear(s->queue[s->qhead++]);
	s->qhead = s->qlen = 0;
	s->lost = 0;
	PQclear(s->row);
	s->row = NULL;
	s->running = 0;
}

static const char *const step_sql[] = {
	[DB_BEGIN]       = "BEGIN",
	[DB_BEGIN_READ]  = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
	[DB_SAVEPOINT]   = "SAVEPOINT op",
	[DB_RELEASE]     = "RELEASE SAVEPOINT op",
	[DB_ROLLBACK_TO] = "ROLLBACK TO SAVEPOINT op",
};

/* A read transaction (a report, the console, status, the exporter) plans as
 * for data in memory, which its rollups are (small, read over and over):
 * random_page_cost 1.1, not the default 4 (a disk's), in it alone. With 4,
 * a year of offset days in a ledger written over time (their day starts
 * interleaved in the heap) is read by bitmap scan and sorted, spilling
 * past work_mem: 64 ms for 32,800 cells, 38 by the primary key's index. */
#define READ_PLANNING "SET LOCAL random_page_cost = 1.1"

/* Queue in pipeline mode (entered when not yet) the deferred steps (a read
 * transaction's BEGIN with READ_PLANNING), then s (its first run prepares
 * it, as name) or else the parameterless sql: the number of commands
 * queued before the statement (*prep = 1 when one is its prepare), or -1. */
static int
queue(struct pg_db *d, struct pg_stmt *s, const char *sql, char *name, int *prep)
{
	int i, n = d->ndefer, ok = 1, more = 0;

	d->ndefer = 0;
	*prep = 0;
	if (PQpipelineStatus(d->conn) == PQ_PIPELINE_OFF)
		ok = PQenterPipelineMode(d->conn);
	for (i = 0; ok && i < n; i++) {
		ok = PQsendQueryParams(d->conn, step_sql[d->defer[i]], 0, NULL, NULL, NULL, NULL, 0);
		if (d->defer[i] == DB_BEGIN || d->defer[i] == DB_BEGIN_READ) {
			d->tx_open = 1;
			d->tx_read = d->defer[i] == DB_BEGIN_READ;
		}
		if (ok && d->defer[i] == DB_BEGIN_READ) {
			ok = PQsendQueryParams(d->conn, READ_PLANNING, 0, NULL, NULL, NULL, NULL, 0);
			more++;
		}
	}
	n += more;
	if (ok && s != NULL && s->keep && !pgw_prepared(s)) {
		snprintf(name, 16, "tt%u", ++d->next_name);
		ok = PQsendPrepare(d->conn, name, s->sql, s->nparams, s->types);
		*prep = 1;
	}
	if (ok && s != NULL && s->keep)
		ok = PQsendQueryPrepared(d->conn, *prep ? name : s->name, s->nparams, s->vals,
		    NULL, NULL, 0);
	else if (ok && s != NULL)
		ok = PQsendQueryParams(d->conn, s->sql, s->nparams, s->types, s->vals, NULL, NULL, 0);
	else if (ok && sql != NULL)
		ok = PQsendQueryParams(d->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	return ok ? n + *prep : -1;
}

/* Read n commands' answers (each result, then its NULL): 0, or -1 with
 * the first failure. */
static int
answers(struct pg_db *d, int n)
{
	PGresult *r;
	int rc = 0;

	while (n-- > 0) {
		r = PQgetResult(d->conn);
		if (!pgw_result_ok(r) && rc == 0)
			rc = pgw_result_failed(d, r);
		PQclear(r);
		while ((r = PQgetResult(d->conn)) != NULL)
			PQclear(r);
	}
	return rc;
}

/*
 * One round trip: the deferred transaction steps, then statement s or else
 * the parameterless sql (neither: the steps alone), and a sync. The steps'
 * answers are read here; 0 with the statement's results next (s:
 * streaming, d->active), or -1 with the first failure (the pipeline ended).
 */
int
pgw_send(struct pg_db *d, struct pg_stmt *s, const char *sql)
{
	char name[16];
	int n, prep, rc;

	pgw_drain(d);
	if (pgw_revive(d) != 0)
		return -1;
	if ((n = queue(d, s, sql, name, &prep)) < 0 || !PQpipelineSync(d->conn)) {
		pgw_failed(d, DB_FAILED, PQerrorMessage(d->conn));
		end_pipeline(d);
		return -1;
	}
	rc = answers(d, n);
	if (rc != 0 || (s == NULL && sql == NULL)) {
		end_pipeline(d);
		return rc;
	}
	if (prep) {
		memcpy(s->name, name, 16);
		s->gen = d->gen;
	}
	if (s != NULL) {
		PQsetSingleRowMode(d->conn);
		d->active = s;
		s->running = 1;
	}
	return 0;
}

/* In a batch (pgw_batch): s (prepared, without rows) queued after the
 * deferred steps, its answer read when the batch settles. */
int
pgw_queue(struct pg_db *d, struct pg_stmt *s)
{
	char name[16];
	int n, prep;

	if (d->inflight == 0) {
		pgw_drain(d);
		if (pgw_revive(d) != 0) {
			d->batch_failed = 1;
			return -1;
		}
	}
	if ((n = queue(d, s, NULL, name, &prep)) < 0) {
		d->batch_failed = 1;
		return pgw_failed(d, DB_FAILED, PQerrorMessage(d->conn));
	}
	d->inflight += n + 1;
	return 0;
}

/* The batch's answers: a sync (unless it went already), every queued
 * command's answer, pipeline mode left. 0, or -1 with the first failure
 * (also kept for pgw_batch). */
static int
settle(struct pg_db *d)
{
	int n = d->inflight, rc;

	if (n == 0)
		return 0;
	d->inflight = 0;
	rc = d->synced || PQpipelineSync(d->conn) ? answers(d, n) :
	    pgw_failed(d, DB_FAILED, PQerrorMessage(d->conn));
	d->synced = 0;
	end_pipeline(d);
	if (rc != 0)
		d->batch_failed = 1;
	return rc;
}

int
pgw_settle(struct pg_db *d)
{
	return settle(d);
}

/*
 * A report's snapshot ends with a COMMIT that can only succeed (the
 * transaction wrote nothing; a failure inside it was answered already), so
 * nothing waits for its answer: it goes at once with a sync (the server
 * ends the transaction as it reads it) and is read, with the sync, when the
 * connection is next needed (settle, from pgw_drain). A console's reports
 * each save a round trip.
 */
int
pgw_commit_unanswered(struct pg_db *d)
{
	char name[16];
	int n, prep;

	pgw_drain(d);
	if (PQstatus(d->conn) != CONNECTION_OK)
		return 0;        /* the snapshot went with the connection */
	if ((n = queue(d, NULL, "COMMIT", name, &prep)) < 0 || !PQpipelineSync(d->conn)) {
		pgw_failed(d, DB_FAILED, PQerrorMessage(d->conn));
		end_pipeline(d);
		return -1;
	}
	d->inflight = n + 1;
	d->synced = 1;
	return 0;
}

int
pgw_batch(struct pg_db *d, int on)
{
	int failed;

	if (on) {
		d->batching = 1;
		d->batch_failed = 0;
		return 0;
	}
	settle(d);
	failed = d->batch_failed;
	d->batching = d->batch_failed = 0;
	return failed ? -1 : 0;
}

/* sql (one parameterless statement) after the deferred steps: 0 or -1;
 * its command tag (COMMIT, ROLLBACK…) into tag. */
int
pgw_piped(struct pg_db *d, const char *sql, char *tag, size_t n)
{
	PGresult *r;
	int rc;

	if (pgw_send(d, NULL, sql) != 0)
		return -1;
	r = PQgetResult(d->conn);
	rc = pgw_result_ok(r) ? 0 : pgw_result_failed(d, r);
	snprintf(tag, n, "%s", r != NULL ? PQcmdStatus(r) : "");
	PQclear(r);
	end_pipeline(d);
	return rc;
}

/* Defer a transaction step to the next round trip; a savepoint with
 * nothing in it costs nothing. */
int
pgw_defer(struct pg_db *d, enum db_tx what)
{
	int last = d->ndefer > 0 ? (int)d->defer[d->ndefer - 1] : -1;

	if (what == DB_ROLLBACK_TO && last == DB_SAVEPOINT)
		return 0;
	if (what == DB_RELEASE && last == DB_SAVEPOINT) {
		d->ndefer--;
		return 0;
	}
	if (d->ndefer == MAX_DEFER && pgw_send(d, NULL, NULL) != 0)
		return -1;
	d->defer[d->ndefer++] = what;
	return 0;
}

/* Run sql (no parameters, maybe several statements) after the deferred
 * steps; 0 or -1. */
int
pgw_run(struct pg_db *d, const char *sql, PGresult **keep)
{
	PGresult *r;

	if (d->ndefer > 0 && pgw_send(d, NULL, NULL) != 0)
		return -1;
	pgw_drain(d);
	if (pgw_revive(d) != 0)
		return -1;
	r = PQexec(d->conn, sql);
	if (!pgw_result_ok(r)) {
		pgw_result_failed(d, r);
		PQclear(r);
		return -1;
	}
	if (keep != NULL)
		*keep = r;
	else
		PQclear(r);
	return 0;
}

/* ---- a lost connection ------------------------------------------------------ */

int
pgw_prepared(const struct pg_stmt *s)
{
	return s->name[0] != '\0' && s->gen == s->db->gen;
}

/* One setting by a plain query (no deferred steps go with it); 0 or -1. */
static int
set(struct pg_db *d, const char *sql)
{
	PGresult *r = PQexec(d->conn, sql);
	int rc = pgw_result_ok(r) ? 0 : pgw_result_failed(d, r);

	PQclear(r);
	return rc;
}

int
pgw_session(struct pg_db *d)
{
	char sql[64];

	if (d->readonly && set(d, "SET default_transaction_read_only = on") != 0)
		return -1;
	snprintf(sql, sizeof(sql), "SET lock_timeout = %lld", (long long)d->lock_ms);
	return d->lock_ms > 0 ? set(d, sql) : 0;
}

/*
 * A server that restarted (or a network that broke) leaves the connection
 * bad: the next round trip makes it again. Not inside a transaction: what
 * the transaction did is gone with the old connection, so the caller hears
 * of it (DB_GONE), rolls back and starts again, which reconnects.
 */
int
pgw_revive(struct pg_db *d)
{
	if (PQstatus(d->conn) == CONNECTION_OK)
		return 0;
	if (d->tx_open)
		return pgw_failed(d, DB_GONE,
		    "the connection to the server was lost during a transaction");
	d->inflight = 0;
	PQreset(d->conn);
	if (PQstatus(d->conn) != CONNECTION_OK)
		return pgw_failed(d, DB_GONE, PQerrorMessage(d->conn));
	d->gen++;                  /* every kept statement is prepared again */
	if (pgw_session(d) != 0)
		return -1;
	if (d->listening) {        /* what was missed meanwhile: read again */
		if (set(d, "LISTEN tokentop") != 0)
			return -1;
		d->version++;
	}
	return 0;
}
