/* db_pg_int.h — what the two halves of the PostgreSQL driver share:
 * data/db_pg.c (the driver's table: statements, transactions, schema,
 * following) and data/db_pg_wire.c (the wire: pipelines, results, errors).
 * Together they are the only users of libpq-fe.h. */
#ifndef TOKENTOP_DB_PG_INT_H
#define TOKENTOP_DB_PG_INT_H

#include <libpq-fe.h>

#include "data/db.h"

#define MAX_DEFER 16

struct pg_stmt;

struct pg_db {
	struct db       base;
	PGconn         *conn;
	char           *target;        /* the URI as given: to redact messages */
	struct pg_stmt *active;        /* the statement whose rows are streaming */
	enum db_tx      defer[MAX_DEFER]; /* transaction steps not sent yet */
	int             ndefer;
	int             batching;      /* inside pgw_batch(d, 1) .. (d, 0) */
	int             inflight;      /* commands queued, not answered (a batch, or
	                                  a read-only transaction's COMMIT) */
	int             synced;        /* their sync went out already */
	int             batch_failed;
	int64_t         changes;
	unsigned        next_name;     /* server-side statement names */
	int             listening;
	int64_t         version;       /* notifications counted */
	unsigned        gen;           /* connections made again (pgw_revive) */
	int             tx_open;       /* a BEGIN went out, its COMMIT/ROLLBACK not yet */
	int             tx_read;       /* ... and it began a read-only snapshot */
	int             readonly;      /* session settings to make again on a new connection */
	int64_t         lock_ms;
	enum db_fail    fail;
	char            msg[512];
};

struct pg_stmt {
	struct db_stmt  base;
	struct pg_db   *db;
	char           *sql;           /* with $N */
	int             nparams;
	int             keep;
	char            name[16];      /* "" until prepared on the server */
	unsigned        gen;           /* of the connection it was prepared on */
	const char    **vals;          /* NULL = SQL NULL */
	char          (*num)[24];      /* text of the bigint parameters */
	Oid            *types;
	int             running;       /* executed, results not all read */
	int             done;
	PGresult       *row;           /* the current row(s) */
	int             rowi;          /* the current one of them */
	int64_t        *ints;          /* its integer columns, parsed */
	int             nints;
	char           *isint;         /* which columns are integers (this run's
	                                  shape, found at its first row) */
	int             nshape;        /* columns in isint; -1: not found yet */
	PGresult      **queue;         /* results read ahead (see drain) */
	size_t          qhead, qlen, qcap;
	int             lost;          /* out of memory while reading ahead */
};

#define DB(d)  ((struct pg_db *)(d))
#define ST(s)  ((struct pg_stmt *)(s))

/* Note a failure: what (one line, the password cut) and its kind; -1. */
int pgw_failed(struct pg_db *d, enum db_fail kind, const char *what);
/* A failed result's message and kind (its SQLSTATE); -1. */
int pgw_result_failed(struct pg_db *d, PGresult *res);
int pgw_result_ok(PGresult *res);               /* COMMAND_OK or TUPLES_OK */

/* The active statement's remaining results into its queue (the connection
 * is free after). */
void pgw_drain(struct pg_db *d);
/* The next result of s (from its queue, else the connection); NULL at its end. */
PGresult *pgw_next(struct pg_stmt *s);
/* The run of s is over: every result read, the queue empty. */
void pgw_finish(struct pg_stmt *s);
/* One round trip: the deferred steps, then s (or the parameterless sql, or
 * nothing) and a sync; 0 with the statement's results next, or -1. */
int pgw_send(struct pg_db *d, struct pg_stmt *s, const char *sql);
/* In a batch: s (prepared on the server, no rows) queued without waiting. */
int pgw_queue(struct pg_db *d, struct pg_stmt *s);
/* A batch starts (on) or ends: its commands' answers; 0, or -1 with the
 * first failure. */
int pgw_batch(struct pg_db *d, int on);
/* A read-only transaction's COMMIT, sent with a sync but not waited for:
 * its answer is read when the connection is next needed. 0 or -1. */
int pgw_commit_unanswered(struct pg_db *d);
/* Read what went without waiting (a batch, such a COMMIT), so the
 * connection is idle; 0, or -1 with the first failure. */
int pgw_settle(struct pg_db *d);
/* sql (parameterless) after the deferred steps; its command tag into tag. */
int pgw_piped(struct pg_db *d, const char *sql, char *tag, size_t n);
/* Is s prepared on the current connection? */
int pgw_prepared(const struct pg_stmt *s);
/* Before a round trip: a connection found lost is made again (statements
 * are prepared again as they run, the session's settings and LISTEN are
 * restored), unless a transaction was open on it; 0 or -1 (DB_GONE). */
int pgw_revive(struct pg_db *d);
/* The session's settings (read-only, lock_timeout) on the connection. */
int pgw_session(struct pg_db *d);
/* A transaction step deferred to the next round trip; 0 or -1. */
int pgw_defer(struct pg_db *d, enum db_tx what);
/* sql (parameterless, maybe several statements) after the deferred steps;
 * 0 or -1; with keep, its result (the caller clears it). */
int pgw_run(struct pg_db *d, const char *sql, PGresult **keep);

#endif
