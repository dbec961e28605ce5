/* db.h — the store's driver interface: one connection to SQLite or
 * PostgreSQL behind a const table of functions chosen once at open.
 *
 * The drivers, data/db_sqlite.c and data/db_pg.c (with its wire half,
 * db_pg_wire.c), are the only files that include sqlite3.h and libpq-fe.h.
 * The query layer (the other data/ files) writes
 * its SQL once, with ?N placeholders, and runs it through these calls; what
 * differs between the two dialects (placeholders, transactions, the
 * migration lock, the row lock of a read-then-write, following changes)
 * lives in the drivers as small tables.
 *
 * Errors: a driver call that fails returns -1 (NULL for prepare, DB_ERR for
 * step) and leaves a one-line message in db_errmsg() — never the password —
 * and its kind in db_fail(). Nothing prints.
 */
#ifndef TOKENTOP_DB_H
#define TOKENTOP_DB_H

#include <stddef.h>
#include <stdint.h>

struct db_driver;

/* Each driver's connection and statement structs begin with these. */
struct db {
	const struct db_driver *drv;
	int readonly;      /* 0 read-write, 1 read-only, 2 an immutable snapshot */
};

struct db_stmt {
	const struct db_driver *drv;
};

/* db_step results. */
#define DB_ROW   1
#define DB_DONE  0
#define DB_ERR  (-1)

/* What the last failure was, for the callers that act on it. */
enum db_fail {
	DB_FAILED = 1,   /* anything else: db_errmsg says */
	DB_BUSY,         /* another writer held the lock past every retry */
	DB_RETRY,        /* serialization failure or deadlock: the transaction
	                    (or savepoint) is lost; running it again may work */
	DB_OVERFLOW,     /* an integer outside int64: a sum, a column, an update */
	DB_GONE,         /* the connection is lost */
};

/* Column kinds (db_column_type). */
enum db_type { DB_T_NULL, DB_T_INT, DB_T_TEXT, DB_T_OTHER };

/* Transaction steps (db_tx). A write transaction takes the writer's lock
 * at once where the backend has one (SQLite: BEGIN IMMEDIATE, retried while
 * another process writes); a read transaction is one snapshot. */
enum db_tx {
	DB_BEGIN,          /* a write transaction */
	DB_BEGIN_READ,     /* a read-only snapshot */
	DB_COMMIT,         /* fails (and rolls back) when the backend rolled back */
	DB_ROLLBACK,       /* no-op outside a transaction */
	DB_SAVEPOINT,      /* one savepoint level, named by the driver */
	DB_RELEASE,
	DB_ROLLBACK_TO,
};

#define DB_WAL_AUTO (-1)   /* wal_autocheckpoint: the driver's own length */

struct db_driver {
	const char *name;               /* "sqlite", "postgresql" */

	/* Is target (--db, TOKENTOP_DB, config "db") this driver's? */
	int  (*claims)(const char *target);
	/* The syntax of target alone, without connecting: 0, or -1 with err
	 * naming the part that is wrong (a usage error). */
	int  (*check)(const char *target, char *err, size_t errlen);
	/* target as shown to people, its password masked, into out. */
	void (*display)(const char *target, char *out, size_t n);
	/* Overwrite target's password in place (an argv string, so that
	 * /proc/PID/cmdline does not show it); the rest stays. */
	void (*scrub)(char *target);

	/* Connect (and create, for a file); NULL + err. readonly: nothing is
	 * created or written (writes fail); a file that cannot be read so (its
	 * -shm cannot be made) is read as an immutable snapshot (readonly 2). */
	struct db *(*open)(const char *target, int readonly, char *err, size_t errlen);
	void (*close)(struct db *db);                  /* NULL is fine */
	const char *(*errmsg)(struct db *db);
	enum db_fail (*failure)(struct db *db);

	/* SQL without results and without placeholders (several statements
	 * separated by ';' are fine). 0 or -1. */
	int  (*exec)(struct db *db, const char *sql);
	int  (*tx)(struct db *db, enum db_tx what);
	int  (*in_tx)(struct db *db);                  /* inside a transaction? */
	int64_t (*changes)(struct db *db);             /* rows the last statement wrote */

	/* A statement with ?N placeholders. keep = 1: run many times (cached by
	 * the caller for the connection's life). NULL on failure. */
	struct db_stmt *(*prepare)(struct db *db, const char *sql, int keep);
	/* Bindings; text is borrowed until the statement is cleared, rebound
	 * or finalised. A parameter the statement does not have is ignored. */
	void (*bind_int64)(struct db_stmt *st, int i, int64_t v);
	void (*bind_text)(struct db_stmt *st, int i, const char *v);
	void (*bind_null)(struct db_stmt *st, int i);
	int  (*step)(struct db_stmt *st);              /* DB_ROW, DB_DONE, DB_ERR */
	/* Columns of the current row (0-based); text is "" for NULL and valid
	 * until the next step. An integer column outside int64 fails the step
	 * (DB_OVERFLOW), so these never see one. */
	int64_t (*column_int64)(struct db_stmt *st, int i);
	const char *(*column_text)(struct db_stmt *st, int i);
	enum db_type (*column_type)(struct db_stmt *st, int i);
	/* End the current run (the next step starts again); bindings stay.
	 * clear unbinds every parameter (NULL). */
	void (*reset)(struct db_stmt *st);
	void (*clear)(struct db_stmt *st);
	void (*finalize)(struct db_stmt *st);

	/* The schema: a write transaction holding the migration lock (the
	 * caller commits or rolls back), and the version number. */
	int  (*schema_lock)(struct db *db);
	int  (*schema_version)(struct db *db, int *v);
	int  (*set_schema_version)(struct db *db, int v);

	/* on = 1: until batch(db, 0), steps need not be answered one by one
	 * (PostgreSQL queues them in one pipeline): only statements without
	 * rows whose changes() nobody reads. batch(db, 0) answers for them all:
	 * 0, or -1 with the first failure. */
	int  (*batch)(struct db *db, int on);
	/* How long a write waits for another connection's lock: attempt_ms in
	 * one try, give_up_ms in all (where the driver retries). */
	void (*set_busy)(struct db *db, int64_t attempt_ms, int64_t give_up_ms);

	/* "Changed since": *version differs from the previous call's when
	 * another connection committed since. A descriptor that becomes
	 * readable when that happens, or -1 (check on a timer instead). */
	int  (*changed)(struct db *db, int64_t *version);
	int  (*wait_fd)(struct db *db);

	/* A write-ahead log of the connection's own (SQLite; NULL where the
	 * server keeps its log): copy what is committed in it into the file
	 * now, waiting for no reader or writer (a passive checkpoint), 0 or -1;
	 * and how long (KiB) the log may grow before a commit copies it itself
	 * (DB_WAL_AUTO: the driver's default; 0: never). */
	int  (*wal_checkpoint)(struct db *db);
	int  (*wal_autocheckpoint)(struct db *db, int kib);

	/* Dialect: a query with ?1 a table and ?2 a column of it: a row when the
	 * column exists (a migration that adds one is skipped where it has). */
	const char *column_sql;
	/* Dialect: appended to a SELECT whose row the transaction is about to
	 * change ("" where a write transaction already excludes other writers). */
	const char *lock_rows;
	/* Dialect: how a multi-row INSERT begins. SQLite: "INSERT OR FAIL",
	 * as a failing row need not take back the rows before it (the caller's
	 * transaction is abandoned then), so the statement keeps no statement
	 * journal (a page copy per page it touches). */
	const char *insert_rows;
	/* The target is a file on this machine (what belongs with the ledger,
	 * batch results, can go beside it). */
	int         local;
	/* Writers lock rows, several transactions at once (PostgreSQL): a
	 * transaction that writes many rows writes them in key order, so that
	 * two never wait for each other. 0 where one writer excludes the rest. */
	int         row_locks;
	/* Dialect: rollup cells that a report adds up are summed by the server
	 * (GROUP BY), which costs less than sending them one by one
	 * (PostgreSQL); 0 where reading the cells costs less than the GROUP BY's
	 * sort (SQLite). */
	int         group_sums;
	/* Each statement costs a round trip to a server (PostgreSQL): reads of
	 * many small ranges go as one statement (0 where a statement costs
	 * less than the SQL that joins them, SQLite). */
	int         round_trip;
	/* rollup_do's day starts, every do_step UTC hours (3: 3, 6, ... 21;
	 * 1: every hour; 0 is rollup_dm's). A local day is read from the start
	 * nearest its midnight and the hours between are moved. Every hour
	 * (PostgreSQL, whose server takes ~1.3 us to send each moved cell)
	 * leaves a zone whose midnight is on the hour nothing to move, for 16
	 * more cells written a day group (a one-row transaction: 23 upserts of
	 * rollup_do, not 7); every third (SQLite, whose import is measured
	 * against ccusage and whose cells cost little to read) an hour a day
	 * at most. */
	int         do_step;
	/* Bit h (0..23) of do_part[q - 1]: rollup_do also holds the days
	 * that start q quarters into UTC hour h (h:15, h:30, h:45; off 24 q +
	 * h, hour = the cell's first whole UTC hour h), so a zone whose
	 * midnight is there (Kolkata 18:30Z, Adelaide 14:30Z or 13:30Z,
	 * Kathmandu 18:15Z) reads one cell group a local day and moves
	 * nothing. Only the hours that the tz database's zones use (every
	 * start costs a flush two cells a UTC day group): none where reading
	 * the quarters moved costs little (SQLite). */
	unsigned    do_part[3];
};

/* PostgreSQL's do_part (db_pg.c), and its starts as SQL rows (quarters,
 * hour) for migration 25 (schema_pg.c); tests/test_rollup_days.c checks
 * that they agree. At :15, Nepal (18:15Z); the Chatham Islands (10:15Z, 11:15Z)
 * and Eucla (15:15Z), a few hundred people, move their quarter. At :30,
 * Newfoundland (2:30Z, 3:30Z), Marquesas (9:30Z), Adelaide and Lord Howe
 * (13:30Z), Adelaide and Darwin (14:30Z), Myanmar and Cocos (17:30Z), India
 * and Sri Lanka (18:30Z), Afghanistan (19:30Z), Iran (20:30Z). No zone's
 * midnight is at :45 UTC. */
#define PG_DO_Q1 (1u << 18)
#define PG_DO_HALF (1u << 2 | 1u << 3 | 1u << 9 | 1u << 13 | 1u << 14 | 1u << 17 | \
	1u << 18 | 1u << 19 | 1u << 20)
#define PG_DO_PART_ROWS "(1, 18), (2, 2), (2, 3), (2, 9), (2, 13), (2, 14), (2, 17), (2, 18)," \
	" (2, 19), (2, 20)"

extern const struct db_driver db_sqlite;
extern const struct db_driver db_pg;

/* The driver of target: PostgreSQL for postgres:// and postgresql:// URIs,
 * SQLite for anything else. */
const struct db_driver *db_driver_for(const char *target);

/* The calls, through the table of the connection or statement. */
static inline const char *db_errmsg(struct db *db) { return db->drv->errmsg(db); }
static inline enum db_fail db_fail(struct db *db) { return db->drv->failure(db); }
static inline int db_exec(struct db *db, const char *sql) { return db->drv->exec(db, sql); }
static inline int db_tx(struct db *db, enum db_tx what) { return db->drv->tx(db, what); }
static inline int db_in_tx(struct db *db) { return db->drv->in_tx(db); }
static inline int db_batch(struct db *db, int on) { return db->drv->batch(db, on); }
static inline int64_t db_changes(struct db *db) { return db->drv->changes(db); }
static inline struct db_stmt *db_prepare(struct db *db, const char *sql, int keep)
{
	return db->drv->prepare(db, sql, keep);
}
static inline void db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	st->drv->bind_int64(st, i, v);
}
static inline void db_bind_text(struct db_stmt *st, int i, const char *v)
{
	st->drv->bind_text(st, i, v);
}
static inline void db_bind_null(struct db_stmt *st, int i) { st->drv->bind_null(st, i); }
static inline int db_step(struct db_stmt *st) { return st->drv->step(st); }
static inline int64_t db_column_int64(struct db_stmt *st, int i)
{
	return st->drv->column_int64(st, i);
}
static inline const char *db_column_text(struct db_stmt *st, int i)
{
	return st->drv->column_text(st, i);
}
static inline enum db_type db_column_type(struct db_stmt *st, int i)
{
	return st->drv->column_type(st, i);
}
static inline void db_reset(struct db_stmt *st) { st->drv->reset(st); }
static inline void db_clear(struct db_stmt *st) { st->drv->clear(st); }
static inline void db_finalize(struct db_stmt *st)
{
	if (st != NULL)
		st->drv->finalize(st);
}

#endif
