/* db_pg.c — the PostgreSQL driver behind data/db.h (libpq), with its wire
 * half in db_pg_wire.c.
 *
 * The dialect, as small tables: ?N placeholders become $N; kept statements
 * are prepared on the server at their first run, with the parameter types
 * of that run's bindings (bigint, text, or left to the server for NULL);
 * transaction steps (BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO) wait and go
 * with the next statement in one pipeline, so a row inserted inside an
 * import's transaction costs one round trip, not three; rows stream one at
 * a time (single-row mode), and a statement still streaming when another
 * needs the connection has its remaining rows read ahead; integer columns
 * (bigint, and numeric sums) are read strictly, a value outside int64
 * failing the step; the migration lock is pg_advisory_xact_lock; "changed
 * since" is LISTEN tokentop and the count of notifications received.
 * Messages never hold the password (pg_uri.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/db_pg_int.h"
#include "data/pg_sql.h"
#include "data/pglib.h"
#include "data/pg_uri.h"

/* The migration lock's key: "tokentop" in ASCII. */
#define MIGRATE_LOCK "8390042714203516784"

#define CHANNEL "tokentop"

/* Connection settings tokentop supplies; a URI or the environment
 * overrides connect_timeout (a PGCONNECT_TIMEOUT, when set, is kept).
 * libpq waits this long per address (2 s at least) for a host that does
 * not answer: a command then fails, and the proxy spools, in seconds
 * rather than after the operating system's minutes. */
#define CONNECT_TIMEOUT "3"

/* GSSAPI encryption is not tried unless the URI or PGGSSENCMODE asks for
 * it: libpq's default ("prefer") looks for Kerberos credentials before
 * every connection (loading the GSS mechanisms and reading the Kerberos
 * configuration: ~8 ms of a report's start on a machine without them),
 * and a server that wants GSS encryption is one whose URI says so
 * (gssencmode=require). GSSAPI authentication (gss in pg_hba.conf) works
 * either way; TLS (sslmode) is untouched. */
#define GSSENCMODE "disable"

static void pg_finalize(struct db_stmt *st);

/* ---- statements ------------------------------------------------------------ */

static struct db_stmt *
pg_prepare(struct db *db, const char *sql, int keep)
{
	struct pg_db *d = DB(db);
	struct pg_stmt *s = calloc(1, sizeof(*s));
	int n = 0;

	if (s == NULL || (s->sql = pg_sql_rewrite(sql, &n)) == NULL ||
	    (n > 0 && ((s->vals = calloc((size_t)n, sizeof(*s->vals))) == NULL ||
	    (s->num = calloc((size_t)n, sizeof(*s->num))) == NULL ||
	    (s->types = calloc((size_t)n, sizeof(*s->types))) == NULL))) {
		pgw_failed(d, DB_FAILED, s != NULL && s->sql == NULL && strchr(sql, '?') != NULL ?
		    "a '?' that is not a ?N placeholder" : "out of memory");
		if (s != NULL)
			pg_finalize(&s->base);
		return NULL;
	}
	s->nparams = n;
	s->base.drv = &db_pg;
	s->db = d;
	s->keep = keep;
	s->nshape = -1;
	return &s->base;
}

static void
pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	struct pg_stmt *s = ST(st);

	if (i < 1 || i > s->nparams)
		return;
	snprintf(s->num[i - 1], sizeof(s->num[0]), "%lld", (long long)v);
	s->vals[i - 1] = s->num[i - 1];
	s->types[i - 1] = PG_INT8OID;
}

static void
pg_bind_text(struct db_stmt *st, int i, const char *v)
{
	struct pg_stmt *s = ST(st);

	if (i < 1 || i > s->nparams)
		return;
	s->vals[i - 1] = v;
	s->types[i - 1] = PG_TEXTOID;
}

static void
pg_bind_null(struct db_stmt *st, int i)
{
	struct pg_stmt *s = ST(st);

	if (i < 1 || i > s->nparams)
		return;
	s->vals[i - 1] = NULL;
	s->types[i - 1] = 0;    /* the server infers it from the statement */
}

static void
pg_clear(struct db_stmt *st)
{
	struct pg_stmt *s = ST(st);
	int i;

	for (i = 0; i < s->nparams; i++) {
		s->vals[i] = NULL;
		s->types[i] = 0;
	}
}

/* The shape of this run's rows: which columns are integers (1), booleans
 * (2) or neither (0), found once a run (each row of single-row mode is a
 * result of its own, all of one shape). 0, or -1 on out of memory. */
static int
find_shape(struct pg_stmt *s, int n)
{
	char *k;
	Oid t;
	int i;

	if (n == s->nshape)
		return 0;
	if (n > s->nints) {
		int64_t *v = realloc(s->ints, (size_t)n * sizeof(*v));

		if (v == NULL || (k = realloc(s->isint, (size_t)n)) == NULL) {
			if (v != NULL)
				s->ints = v;
			return pgw_failed(s->db, DB_FAILED, "out of memory");
		}
		s->ints = v;
		s->isint = k;
		s->nints = n;
	}
	for (i = 0; i < n; i++) {
		t = PQftype(s->row, i);
		s->isint[i] = pg_sql_type(t) != DB_T_INT ? 0 : t == PG_BOOLOID ? 2 : 1;
		s->ints[i] = 0;      /* (what column_int64 gives for the others) */
	}
	s->nshape = n;
	return 0;
}

/* Parse the integer columns of the row s->row; -1 (DB_OVERFLOW) when one
 * does not fit int64. One libpq call a column: NULL reads as "" (the text
 * of an integer is never empty), so no PQgetisnull (a 33k-row report makes
 * half a million calls of each). */
static int
parse_row(struct pg_stmt *s)
{
	int n = PQnfields(s->row), i;
	const char *v;

	if (find_shape(s, n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s->isint[i] == 0)
			continue;
		v = PQgetvalue(s->row, s->rowi, i);
		if (v == NULL || v[0] == '\0')
			s->ints[i] = 0;                 /* NULL */
		else if (pg_sql_int(v, s->isint[i] == 2, &s->ints[i]) != 0)
			return pgw_failed(s->db, DB_OVERFLOW, "integer overflow");
	}
	return 0;
}

static int
pg_step(struct db_stmt *st)
{
	struct pg_stmt *s = ST(st);
	PGresult *r;
	ExecStatusType t;

	if (!s->running) {
		if (s->done)
			return DB_DONE;
		/* in a batch, a statement the server knows goes without waiting */
		if (s->db->batching && (!s->keep || pgw_prepared(s))) {
			if (pgw_queue(s->db, s) != 0)
				return DB_ERR;
			s->done = 1;
			return DB_DONE;
		}
		if (pgw_send(s->db, s, NULL) != 0)
			return DB_ERR;
		s->nshape = -1;          /* (found again at the first row) */
	}
	if (s->row != NULL && s->rowi + 1 < PQntuples(s->row)) {
		s->rowi++;           /* a whole result (single-row mode refused) */
		if (parse_row(s) == 0)
			return DB_ROW;
		pgw_finish(s);
		s->done = 1;
		return DB_ERR;
	}
	PQclear(s->row);
	s->row = NULL;
	s->rowi = 0;
	r = pgw_next(s);
	if (r == NULL && s->lost) {
		pgw_finish(s);
		s->done = 1;
		pgw_failed(s->db, DB_FAILED, "out of memory");
		return DB_ERR;
	}
	t = r != NULL ? PQresultStatus(r) : PGRES_COMMAND_OK;
	if (t == PGRES_SINGLE_TUPLE || (t == PGRES_TUPLES_OK && PQntuples(r) > 0)) {
		if (t == PGRES_TUPLES_OK)
			s->db->changes = strtoll(PQcmdTuples(r), NULL, 10);
		s->row = r;
		if (parse_row(s) == 0)
			return DB_ROW;
		pgw_finish(s);
		s->done = 1;
		return DB_ERR;
	}
	if (r != NULL && pgw_result_ok(r))
		s->db->changes = strtoll(PQcmdTuples(r), NULL, 10);
	else if (r != NULL)
		pgw_result_failed(s->db, r);
	PQclear(r);
	pgw_finish(s);
	s->done = 1;
	return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK ? DB_DONE : DB_ERR;
}

static int64_t
pg_column_int64(struct db_stmt *st, int i)
{
	struct pg_stmt *s = ST(st);

	return s->row != NULL && i >= 0 && i < s->nshape ? s->ints[i] : 0;
}

static const char *
pg_column_text(struct db_stmt *st, int i)
{
	struct pg_stmt *s = ST(st);

	if (s->row == NULL || i < 0 || i >= s->nshape)
		return "";
	return PQgetvalue(s->row, s->rowi, i);     /* "" for NULL */
}

static enum db_type
pg_column_type(struct db_stmt *st, int i)
{
	struct pg_stmt *s = ST(st);

	if (s->row == NULL || i < 0 || i >= PQnfields(s->row) || PQgetisnull(s->row, s->rowi, i))
		return DB_T_NULL;
	return pg_sql_type(PQftype(s->row, i));
}

static void
pg_reset(struct db_stmt *st)
{
	struct pg_stmt *s = ST(st);

	if (s->running)
		pgw_finish(s);
	PQclear(s->row);
	s->row = NULL;
	s->done = 0;
}

static void
pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = ST(st);

	pg_reset(st);
	free(s->queue);
	free(s->ints);
	free(s->isint);
	free(s->vals);
	free(s->num);
	free(s->types);
	free(s->sql);
	free(s);
}

/* ---- the connection --------------------------------------------------------- */

static int
pg_exec(struct db *db, const char *sql)
{
	return pgw_run(DB(db), sql, NULL);
}

static int
pg_in_tx(struct db *db)
{
	struct pg_db *d = DB(db);
	PGTransactionStatusType t;
	int i;

	for (i = 0; i < d->ndefer; i++)
		if (d->defer[i] == DB_BEGIN || d->defer[i] == DB_BEGIN_READ)
			return 1;
	pgw_drain(d);      /* a streaming statement shows as "active" */
	t = PQtransactionStatus(d->conn);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

static int
pg_tx(struct db *db, enum db_tx what)
{
	struct pg_db *d = DB(db);
	char tag[32];

	switch (what) {
	case DB_ROLLBACK:
		d->ndefer = 0;          /* never sent: nothing to take back */
		d->tx_open = d->tx_read = 0;
		pgw_drain(d);
		return pg_in_tx(db) ? pgw_piped(d, "ROLLBACK", tag, sizeof(tag)) : 0;
	case DB_COMMIT:
		if (d->ndefer == 1 && (d->defer[0] == DB_BEGIN || d->defer[0] == DB_BEGIN_READ)) {
			d->ndefer = 0;  /* a transaction that ran nothing */
			return 0;
		}
		d->tx_open = 0;
		if (d->tx_read) {      /* a snapshot's: nothing to wait for */
			d->tx_read = 0;
			return pgw_commit_unanswered(d);
		}
		if (pgw_piped(d, "COMMIT", tag, sizeof(tag)) != 0)
			return -1;
		/* COMMIT of a transaction the server already aborted answers ROLLBACK */
		return strcmp(tag, "COMMIT") == 0 ? 0 :
		    pgw_failed(d, DB_FAILED, "the transaction was rolled back (a statement in it failed)");
	default:
		return pgw_defer(d, what);
	}
}

static int64_t
pg_changes(struct db *db)
{
	return DB(db)->changes;
}

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;      /* notices (CREATE … IF NOT EXISTS) are not ours to print */
}

static void
pg_close(struct db *db)
{
	struct pg_db *d = DB(db);

	if (d == NULL)
		return;
	PQfinish(d->conn);
	free(d->target);
	free(d);
}

static struct db *
pg_open(const char *target, int readonly, char *err, size_t errlen)
{
	const char *kw[7], *val[7];
	char shown[1024];
	struct pg_db *d = calloc(1, sizeof(*d));
	int n = 0;

	if (d == NULL || (d->target = strdup(target)) == NULL) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (pglib_load(err, errlen) != 0) {     /* libpq is loaded on first use */
		free(d->target);
		free(d);
		return NULL;
	}
	d->base.drv = &db_pg;
	/* before dbname: the URI (expanded there) overrides them */
	kw[n] = "fallback_application_name", val[n++] = "tokentop";
	if (getenv("PGCONNECT_TIMEOUT") == NULL)
		kw[n] = "connect_timeout", val[n++] = CONNECT_TIMEOUT;
	if (getenv("PGGSSENCMODE") == NULL)
		kw[n] = "gssencmode", val[n++] = GSSENCMODE;
	kw[n] = "dbname", val[n++] = target;
	kw[n] = "client_encoding", val[n++] = "UTF8";   /* text is UTF-8 */
	kw[n] = NULL, val[n] = NULL;
	d->conn = PQconnectdbParams(kw, val, 1);
	if (d->conn == NULL || PQstatus(d->conn) != CONNECTION_OK) {
		pg_uri_mask(target, shown, sizeof(shown));
		pgw_failed(d, DB_GONE, d->conn != NULL ? PQerrorMessage(d->conn) : "out of memory");
		snprintf(err, errlen, "%s: %s", shown, d->msg);
		pg_close(&d->base);
		return NULL;
	}
	PQsetNoticeProcessor(d->conn, quiet, NULL);
	d->readonly = readonly != 0;
	if (pgw_session(d) != 0) {
		pg_uri_mask(target, shown, sizeof(shown));
		snprintf(err, errlen, "%s: %s", shown, d->msg);
		pg_close(&d->base);
		return NULL;
	}
	d->base.readonly = readonly != 0;
	return &d->base;
}

/* ---- schema, following ---------------------------------------------------------- */

static int
pg_schema_lock(struct db *db)
{
	struct pg_db *d = DB(db);

	/* (the caller rolls back on a failure) */
	if (pgw_run(d, "BEGIN", NULL) != 0)
		return -1;
	d->tx_open = 1;
	return pgw_run(d, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", NULL) != 0 ||
	    pgw_run(d, "CREATE TABLE IF NOT EXISTS tokentop_schema (version BIGINT NOT NULL)",
	    NULL) != 0 ? -1 : 0;
}

static int
pg_schema_version(struct db *db, int *v)
{
	struct pg_db *d = DB(db);
	PGresult *r;
	const char *state;

	if (d->ndefer > 0 && pgw_send(d, NULL, NULL) != 0)
		return -1;
	pgw_drain(d);
	if (pgw_revive(d) != 0)
		return -1;
	*v = 0;
	r = PQexec(d->conn, "SELECT max(version) FROM tokentop_schema");
	if (!pgw_result_ok(r)) {
		/* a fresh database has no table yet: version 0 (outside a
		 * transaction the failure leaves nothing behind) */
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (state != NULL && strcmp(state, "42P01") == 0 && !pg_in_tx(db)) {
			PQclear(r);
			return 0;
		}
		pgw_result_failed(d, r);
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		*v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

static int
pg_set_schema_version(struct db *db, int v)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "DELETE FROM tokentop_schema;"
	    " INSERT INTO tokentop_schema (version) VALUES (%d)", v);
	return pgw_run(DB(db), sql, NULL);
}

/* The first call LISTENs; later ones count the notifications received,
 * reading only what the server already sent (no round trip). */
static int
pg_changed(struct db *db, int64_t *version)
{
	struct pg_db *d = DB(db);
	PGnotify *n;

	if (!d->listening) {
		if (pgw_run(d, "LISTEN " CHANNEL, NULL) != 0)
			return -1;
		d->listening = 1;
		d->version++;
	}
	/* a COMMIT's answer still to read would hold back the notifications
	 * behind it (and keep the socket readable) */
	if (d->inflight > 0 && d->active == NULL)
		(void)pgw_settle(d);
	if (!PQconsumeInput(d->conn)) {
		d->listening = 0;     /* the socket is dead: stop waiting on it */
		return pgw_failed(d, DB_GONE, PQerrorMessage(d->conn));
	}
	while ((n = PQnotifies(d->conn)) != NULL) {
		d->version++;
		PQfreemem(n);
	}
	*version = d->version;
	return 0;
}

/* A row lock waited for longer than attempt_ms fails the statement (lock
 * not available: DB_BUSY); the server has no retries to bound. */
static void
pg_set_busy(struct db *db, int64_t attempt_ms, int64_t give_up_ms)
{
	struct pg_db *d = DB(db);
	char sql[64];

	(void)give_up_ms;
	d->lock_ms = attempt_ms > 0 ? attempt_ms : 1;   /* (again on a new connection) */
	snprintf(sql, sizeof(sql), "SET lock_timeout = %lld", (long long)d->lock_ms);
	(void)pgw_run(d, sql, NULL);
}

static int
pg_batch(struct db *db, int on)
{
	return pgw_batch(DB(db), on);
}

static int
pg_wait_fd(struct db *db)
{
	struct pg_db *d = DB(db);

	return d->listening ? PQsocket(d->conn) : -1;
}

static const char *
pg_errmsg(struct db *db)
{
	return DB(db)->msg;
}

static enum db_fail
pg_fail(struct db *db)
{
	return DB(db)->fail;
}

/* ---- targets ------------------------------------------------------------------- */

/* libpq's own parse of the URI: its message names the part that is wrong. */
static int
pg_check(const char *target, char *err, size_t errlen)
{
	PQconninfoOption *o;
	char *msg = NULL, shown[1024];

	if (pglib_load(err, errlen) != 0)
		return -1;
	o = PQconninfoParse(target, &msg);
	if (o == NULL) {
		char why[512];

		pg_uri_message(target, msg != NULL ? msg : "out of memory", why, sizeof(why));
		pg_uri_mask(target, shown, sizeof(shown));
		snprintf(err, errlen, "%s: %s", shown, why);
		PQfreemem(msg);
		return -1;
	}
	PQconninfoFree(o);
	return 0;
}

const struct db_driver db_pg = {
	.name = "postgresql",
	.claims = pg_uri_is,
	.check = pg_check,
	.display = pg_uri_mask,
	.scrub = pg_uri_scrub,
	.open = pg_open,
	.close = pg_close,
	.errmsg = pg_errmsg,
	.failure = pg_fail,
	.exec = pg_exec,
	.tx = pg_tx,
	.in_tx = pg_in_tx,
	.changes = pg_changes,
	.prepare = pg_prepare,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.column_int64 = pg_column_int64,
	.column_text = pg_column_text,
	.column_type = pg_column_type,
	.reset = pg_reset,
	.clear = pg_clear,
	.finalize = pg_finalize,
	.schema_lock = pg_schema_lock,
	.schema_version = pg_schema_version,
	.set_schema_version = pg_set_schema_version,
	.set_busy = pg_set_busy,
	.batch = pg_batch,
	.changed = pg_changed,
	.wait_fd = pg_wait_fd,
	.column_sql = "SELECT 1 FROM information_schema.columns WHERE table_schema ="
	    " current_schema() AND table_name = ?1 AND column_name = ?2",
	.insert_rows = "INSERT",
	.lock_rows = " FOR UPDATE",
	.row_locks = 1,
	.group_sums = 1,
	.round_trip = 1,
	.do_step = 1,
	.do_part = { PG_DO_Q1, PG_DO_HALF, 0 },
};
