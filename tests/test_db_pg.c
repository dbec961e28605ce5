/* test_db_pg.c — the PostgreSQL driver (data/db_pg.c) against a real
 * server (TOKENTOP_TEST_PG; skipped without): URIs refused by their syntax,
 * refused logins and unreachable servers without the password in any
 * message, many processes migrating one fresh ledger, integers read
 * strictly, placeholders, rows read ahead when a second statement runs,
 * transaction steps sent with the next statement, and how a row's columns
 * read: integers near the int64 limits and negative, NULLs among them (an
 * integer NULL reads 0 and DB_T_NULL, an empty text "" and DB_T_TEXT),
 * booleans, Korean UTF-8 text byte for byte, columns past the row's end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "data/db.h"
#include "data/store.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

/* Neither the password nor any piece of it longer than 3 bytes in msg. */
static void
assert_no_secret(const char *msg, const char *secret)
{
	size_t n = strlen(secret), i;
	char piece[8];

	for (i = 0; i + 4 <= n; i++) {
		snprintf(piece, sizeof(piece), "%.4s", secret + i);
		if (strstr(msg, piece) != NULL)
			fail_msg("'%s' holds '%s' of the password", msg, piece);
	}
}

/* A malformed URI: refused by its syntax, naming the part, never the
 * password, before any connection. */
static void
test_bad_uris(void **state)
{
	static const struct {
		const char *uri, *want;
	} bad[] = {
		{ "postgresql://u:sesame-pw@h/db?nosuch=1", "invalid URI query parameter: \"nosuch\"" },
		{ "postgresql://u:sesame-pw@h/db?sslmode", "missing key/value separator \"=\"" },
		{ "postgresql://u:ses%zzame-pw@h/db", "invalid percent-encoded token" },
		{ "postgresql://u:sesame-pw@[::1/db", "matching \"]\"" },
	};
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(store_target_check(bad[i].uri, err, sizeof(err)), -1);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("%s: '%s', want '%s'", bad[i].uri, err, bad[i].want);
		assert_no_secret(err, "sesame-pw");
		assert_no_secret(err, "ses%zzame-pw");
		assert_non_null(strstr(err, ":***@"));
		assert_null(store_open(bad[i].uri, err, sizeof(err)));
		assert_no_secret(err, "sesame-pw");
	}
	assert_int_equal(store_target_check("postgresql://u:pw@h:5432/db?sslmode=require",
	    err, sizeof(err)), 0);
	assert_int_equal(store_target_check("/some/path/usage.db", err, sizeof(err)), 0);
}

/* A refused login and an unreachable server: libpq's reason, the URI
 * masked, the password nowhere. */
static void
test_refused(void **state)
{
	struct store *s;
	char err[1024];

	(void)state;
	s = store_open(fx_pg_uri("tokentop", "wrong-pw-4711", "tokentop"), err, sizeof(err));
	assert_null(s);
	assert_non_null(strstr(err, "password authentication failed"));
	assert_non_null(strstr(err, ":***@"));
	assert_no_secret(err, "wrong-pw-4711");
	s = store_open("postgresql://tokentop:wrong-pw-4711@127.0.0.1:1/x", err, sizeof(err));
	assert_null(s);
	assert_non_null(strstr(err, "refused"));
	assert_no_secret(err, "wrong-pw-4711");
}

#define MIGRATORS 8

/* Eight processes open one fresh ledger at once: under the advisory lock
 * it is migrated once (a second run of a migration would fail: its
 * CREATEs have no IF NOT EXISTS), and every process gets it. */
static void
test_migrate_at_once(void **state)
{
	const char *target = fx_ledger();
	char err[512];
	pid_t pid[MIGRATORS];
	struct store *s;
	int i, status, v;

	(void)state;
	for (i = 0; i < MIGRATORS; i++) {
		assert_true((pid[i] = fork()) >= 0);
		if (pid[i] == 0) {
			s = store_open(target, err, sizeof(err));
			if (s == NULL)
				fprintf(stderr, "migrator %d: %s\n", i, err);
			_exit(s != NULL && store_schema_version(s) > 0 ? 0 : 1);
		}
	}
	for (i = 0; i < MIGRATORS; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_non_null(s = store_open(target, err, sizeof(err)));
	v = store_schema_version(s);
	store_close(s);
	/* one version row, one notify function: nothing ran twice */
	fx_sql(target, "DO $$ BEGIN IF (SELECT count(*) FROM tokentop_schema) <> 1 OR"
	    " (SELECT count(*) FROM pg_proc WHERE proname = 'tokentop_notify') <> 1 THEN"
	    " RAISE EXCEPTION 'migrated twice'; END IF; END $$");
	assert_true(v >= 6);
}

/* The driver's connection to a fresh ledger (schema made by store_open). */
static struct db *
raw_open(void)
{
	const char *target = fx_ledger();
	char err[512];
	struct store *s = store_open(target, err, sizeof(err));
	struct db *db;

	if (s == NULL)
		fail_msg("%s", err);
	store_close(s);
	if ((db = db_pg.open(target, 0, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return db;
}

/* One integer of sql; DB_ROW/DB_ERR as the step said. */
static int
one_int(struct db *db, const char *sql, int64_t *v)
{
	struct db_stmt *st = db_prepare(db, sql, 0);
	int rc;

	assert_non_null(st);
	rc = db_step(st);
	if (rc == DB_ROW)
		*v = db_column_int64(st, 0);
	db_finalize(st);
	return rc;
}

/* bigint and numeric columns are read strictly: a value outside int64
 * fails the step as an overflow, as SQLite's sum() does. */
static void
test_integers_strict(void **state)
{
	struct db *db = raw_open();
	int64_t v = 0;

	(void)state;
	assert_int_equal(one_int(db, "SELECT 9223372036854775807::bigint", &v), DB_ROW);
	assert_true(v == INT64_MAX);
	assert_int_equal(one_int(db, "SELECT -9223372036854775808::numeric", &v), DB_ROW);
	assert_true(v == INT64_MIN);
	assert_int_equal(one_int(db, "SELECT sum(x) FROM (VALUES (9223372036854775807::bigint),"
	    " (1::bigint)) t(x)", &v), DB_ERR);
	assert_int_equal(db_fail(db), DB_OVERFLOW);
	assert_string_equal(db_errmsg(db), "integer overflow");
	assert_int_equal(one_int(db, "SELECT 9223372036854775807::bigint + 1", &v), DB_ERR);
	assert_int_equal(db_fail(db), DB_OVERFLOW);       /* the server's 22003 */
	assert_int_equal(one_int(db, "SELECT 12::numeric(10,2)", &v), DB_ROW);
	assert_true(v == 12);
	/* 18 digits read unchecked, the 19th checked (either sign) */
	assert_int_equal(one_int(db, "SELECT 999999999999999999::bigint", &v), DB_ROW);
	assert_true(v == 999999999999999999LL);
	assert_int_equal(one_int(db, "SELECT -999999999999999999::bigint", &v), DB_ROW);
	assert_true(v == -999999999999999999LL);
	assert_int_equal(one_int(db, "SELECT 1000000000000000000::bigint", &v), DB_ROW);
	assert_true(v == 1000000000000000000LL);
	assert_int_equal(one_int(db, "SELECT -9223372036854775807::bigint", &v), DB_ROW);
	assert_true(v == -INT64_MAX);
	assert_int_equal(one_int(db, "SELECT 9223372036854775808::numeric", &v), DB_ERR);
	assert_int_equal(db_fail(db), DB_OVERFLOW);
	assert_int_equal(one_int(db, "SELECT -9223372036854775809::numeric", &v), DB_ERR);
	assert_int_equal(db_fail(db), DB_OVERFLOW);
	assert_int_equal(one_int(db, "SELECT 99999999999999999990::numeric", &v), DB_ERR);
	assert_int_equal(db_fail(db), DB_OVERFLOW);
	assert_int_equal(one_int(db, "SELECT 0::bigint", &v), DB_ROW);
	assert_true(v == 0);
	assert_int_equal(one_int(db, "SELECT 7.50::numeric(10,2)", &v), DB_ERR);
	db->drv->close(db);
}

/* ?N outside quotes and comments are parameters; a bare ? is refused. */
static void
test_placeholders(void **state)
{
	struct db *db = raw_open();
	struct db_stmt *st;

	(void)state;
	st = db_prepare(db, "SELECT '?1 ''?''' AS q, ?2 AS b, \"?\".x -- ?3\n"
	    " FROM (SELECT ?1::bigint AS x) AS \"?\" /* ?9 */", 1);
	assert_non_null(st);
	db_bind_int64(st, 1, 41);
	db_bind_text(st, 2, "two");
	db_bind_int64(st, 9, 1);             /* not in the statement: ignored */
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "?1 '?'");
	assert_string_equal(db_column_text(st, 1), "two");
	assert_true(db_column_int64(st, 2) == 41);
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);                        /* kept: runs again, prepared once */
	db_bind_int64(st, 1, 42);
	assert_int_equal(db_step(st), DB_ROW);
	assert_true(db_column_int64(st, 2) == 42);
	db_finalize(st);
	assert_null(db_prepare(db, "SELECT ?", 0));
	assert_non_null(strstr(db_errmsg(db), "?N"));
	db->drv->close(db);
}

/* A statement still reading rows when another runs: its rows are read
 * ahead and it carries on where it was. */
static void
test_nested_statements(void **state)
{
	struct db *db = raw_open();
	struct db_stmt *a = db_prepare(db, "SELECT generate_series(1, 3000)", 0);
	int64_t sum = 0, n = 0, v = 0;
	int rc;

	(void)state;
	assert_non_null(a);
	while ((rc = db_step(a)) == DB_ROW) {
		sum += db_column_int64(a, 0);
		if (++n == 10)
			assert_int_equal(one_int(db, "SELECT 7", &v), DB_ROW);
	}
	assert_int_equal(rc, DB_DONE);
	assert_true(v == 7);
	assert_true(n == 3000);
	assert_true(sum == 3000LL * 3001 / 2);
	db_finalize(a);
	db->drv->close(db);
}

/* COMMIT of a transaction the server rolled back is a failure. */
static void
test_commit_of_failed(void **state)
{
	struct db *db = raw_open();
	int64_t v;

	(void)state;
	assert_int_equal(db_tx(db, DB_BEGIN), 0);
	assert_int_equal(one_int(db, "SELECT 1 / 0", &v), DB_ERR);
	assert_non_null(strstr(db_errmsg(db), "division by zero"));
	assert_int_equal(db_tx(db, DB_COMMIT), -1);
	assert_non_null(strstr(db_errmsg(db), "rolled back"));
	assert_false(db_in_tx(db));
	db->drv->close(db);
}

/* Run sql with ?1 = v: its step's result. */
static int
step_with(struct db *db, const char *sql, int64_t v)
{
	struct db_stmt *st = db_prepare(db, sql, 1);
	int rc;

	assert_non_null(st);
	db_bind_int64(st, 1, v);
	rc = db_step(st);
	db_finalize(st);
	return rc;
}

/* Transaction steps wait for the next statement and go with it in one
 * round trip: in order, a failed savepoint taken back alone, a rollback
 * dropping what was never sent, empty transactions and savepoints free. */
static void
test_deferred_steps(void **state)
{
	struct db *db = raw_open();
	int64_t n = 0;

	(void)state;
	assert_int_equal(db_exec(db, "CREATE TABLE t (x BIGINT PRIMARY KEY)"), 0);
	assert_int_equal(db_tx(db, DB_BEGIN), 0);
	assert_true(db_in_tx(db));                 /* deferred, and still a transaction */
	assert_int_equal(step_with(db, "INSERT INTO t VALUES (?1)", 1), DB_DONE);
	assert_int_equal(db_tx(db, DB_SAVEPOINT), 0);
	assert_int_equal(step_with(db, "INSERT INTO t VALUES (?1)", 1), DB_ERR);
	assert_non_null(strstr(db_errmsg(db), "duplicate key"));
	assert_int_equal(db_tx(db, DB_ROLLBACK_TO), 0);
	assert_int_equal(db_tx(db, DB_RELEASE), 0);
	assert_int_equal(db_tx(db, DB_SAVEPOINT), 0);     /* an empty one */
	assert_int_equal(db_tx(db, DB_RELEASE), 0);
	assert_int_equal(step_with(db, "INSERT INTO t VALUES (?1)", 2), DB_DONE);
	assert_int_equal(db_tx(db, DB_COMMIT), 0);
	assert_false(db_in_tx(db));
	assert_int_equal(one_int(db, "SELECT count(*) FROM t", &n), DB_ROW);
	assert_true(n == 2);
	assert_int_equal(db_tx(db, DB_BEGIN), 0);         /* nothing in it */
	assert_int_equal(db_tx(db, DB_COMMIT), 0);
	assert_int_equal(db_tx(db, DB_BEGIN), 0);
	assert_int_equal(step_with(db, "INSERT INTO t VALUES (?1)", 3), DB_DONE);
	assert_int_equal(db_tx(db, DB_SAVEPOINT), 0);
	assert_int_equal(db_tx(db, DB_ROLLBACK), 0);      /* the savepoint never went */
	assert_false(db_in_tx(db));
	assert_int_equal(one_int(db, "SELECT count(*) FROM t", &n), DB_ROW);
	assert_true(n == 2);
	db->drv->close(db);
}

/* A read transaction plans for data in memory (random_page_cost 1.1, its
 * index scans); the setting ends with it (SET LOCAL): a write transaction
 * and a statement outside any plan with the server's own. */
static void
test_read_planning(void **state)
{
	struct db *db = raw_open();
	char server[32] = "", v[32];
	struct db_stmt *st;

	(void)state;
	assert_non_null(st = db_prepare(db, "SHOW random_page_cost", 0));
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(server, sizeof(server), "%s", db_column_text(st, 0));
	db_finalize(st);
	assert_int_equal(db_tx(db, DB_BEGIN_READ), 0);
	assert_non_null(st = db_prepare(db, "SHOW random_page_cost", 0));
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(v, sizeof(v), "%s", db_column_text(st, 0));
	db_finalize(st);
	assert_string_equal(v, "1.1");
	assert_int_equal(db_tx(db, DB_COMMIT), 0);
	assert_int_equal(db_tx(db, DB_BEGIN), 0);
	assert_non_null(st = db_prepare(db, "SHOW random_page_cost", 0));
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), server);
	db_finalize(st);
	assert_int_equal(db_tx(db, DB_COMMIT), 0);
	assert_string_not_equal(server, "1.1");    /* (the test server's default, 4) */
	db->drv->close(db);
}

/* The server ends db's connection (as a restart does). */
static void
kill_session(struct db *db, const char *target)
{
	char sql[96];
	int64_t pid = 0;

	assert_int_equal(one_int(db, "SELECT pg_backend_pid()", &pid), DB_ROW);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%lld)", (long long)pid);
	fx_sql(target, sql);
}

/* A connection the server dropped is made again at the next round trip:
 * the statement that finds it lost fails (DB_GONE), the next one runs on a
 * new connection with its kept statements prepared again and the
 * session's settings back; inside a transaction nothing reconnects until
 * the caller rolls back (what the transaction did is gone). */
static void
test_reconnect(void **state)
{
	const char *target = fx_ledger();
	char err[512], shown[64];
	struct store *s = store_open(target, err, sizeof(err));
	struct db *db;
	struct db_stmt *st;
	int64_t v = 0;

	(void)state;
	if (s == NULL)
		fail_msg("%s", err);
	store_close(s);
	assert_non_null(db = db_pg.open(target, 0, err, sizeof(err)));
	db->drv->set_busy(db, 1234, 5000);
	assert_non_null(st = db_prepare(db, "SELECT ?1::bigint + 1", 1));
	db_bind_int64(st, 1, 1);
	assert_int_equal(db_step(st), DB_ROW);
	db_reset(st);
	kill_session(db, target);
	assert_int_equal(one_int(db, "SELECT 1", &v), DB_ERR);
	assert_int_equal(db_fail(db), DB_GONE);
	db_bind_int64(st, 1, 41);            /* prepared again on the new connection */
	assert_int_equal(db_step(st), DB_ROW);
	assert_true(db_column_int64(st, 0) == 42);
	db_finalize(st);
	assert_non_null(st = db_prepare(db, "SELECT current_setting('lock_timeout')", 0));
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(shown, sizeof(shown), "%s", db_column_text(st, 0));
	db_finalize(st);
	assert_string_equal(shown, "1234ms");

	assert_int_equal(db_exec(db, "CREATE TABLE t (x BIGINT)"), 0);
	assert_int_equal(db_tx(db, DB_BEGIN), 0);
	assert_int_equal(step_with(db, "INSERT INTO t VALUES (?1)", 1), DB_DONE);
	kill_session(db, target);
	assert_int_equal(step_with(db, "INSERT INTO t VALUES (?1)", 2), DB_ERR);
	assert_int_equal(step_with(db, "INSERT INTO t VALUES (?1)", 3), DB_ERR);
	assert_int_equal(db_fail(db), DB_GONE);      /* not silently outside the transaction */
	assert_non_null(strstr(db_errmsg(db), "lost during a transaction"));
	db_tx(db, DB_ROLLBACK);
	assert_int_equal(one_int(db, "SELECT count(*) FROM t", &v), DB_ROW);
	assert_true(v == 0);
	db->drv->close(db);
}

/* ---- how a row's columns read ------------------------------------------------ */

#define KOREAN "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xeb\xb9\x84\xec\x9a\xa9"   /* 한국어 비용 */

/* One row as the driver should read it: an integer column (bigint, then
 * numeric, then boolean) and a text column, each maybe NULL. */
static const struct row {
	int     null_i;
	int64_t i;           /* bigint */
	int64_t n;           /* numeric */
	int     null_n;
	int     b;           /* boolean: -1 NULL */
	const char *s;       /* NULL: SQL NULL */
} rows[] = {
	{ 0, 1, 5, 0, 1, "a" },
	{ 1, 0, 0, 1, -1, NULL },
	{ 0, INT64_MIN, -42, 0, 0, KOREAN },
	{ 0, INT64_MAX, INT64_MAX, 0, -1, "" },
	{ 1, 0, INT64_MIN, 0, 1, KOREAN "\t'\"\\" },
	{ 0, -1, -999999999999999999LL, 0, 0, NULL },
	{ 0, 1000000000000000000LL, 1000000000000000000LL, 0, 1, "0" },
};

/* The rows above as one VALUES statement (one run: the column shapes are
 * found once, at its first row). */
static struct db_stmt *
values(struct db *db)
{
	static char sql[4096];
	char one[512];
	size_t k;

	snprintf(sql, sizeof(sql), "SELECT * FROM (VALUES ");
	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		const struct row *r = &rows[k];
		char i[32] = "NULL", n[32] = "NULL";

		if (!r->null_i)
			snprintf(i, sizeof(i), "%lld", (long long)r->i);
		if (!r->null_n)
			snprintf(n, sizeof(n), "%lld", (long long)r->n);
		/* ?N texts: the server gets the bytes as they are */
		snprintf(one, sizeof(one), "%s(%d, (%s)::bigint, (%s)::numeric, %s::boolean, ?%zu::text)",
		    k > 0 ? ", " : "", (int)k, i, n, r->b < 0 ? "NULL" : r->b ? "true" : "false",
		    k + 1);
		strncat(sql, one, sizeof(sql) - strlen(sql) - 1);
	}
	strncat(sql, ") t(k, i, n, b, s) ORDER BY k", sizeof(sql) - strlen(sql) - 1);
	return db_prepare(db, sql, 1);
}

static void
bind_all(struct db_stmt *st)
{
	size_t k;

	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
		if (rows[k].s != NULL)
			db_bind_text(st, (int)k + 1, rows[k].s);
		else
			db_bind_null(st, (int)k + 1);
}

static void
check_rows(struct db_stmt *st)
{
	size_t k;

	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		const struct row *r = &rows[k];

		assert_int_equal(db_step(st), DB_ROW);
		assert_true(db_column_int64(st, 0) == (int64_t)k);
		assert_int_equal(db_column_type(st, 1), r->null_i ? DB_T_NULL : DB_T_INT);
		assert_true(db_column_int64(st, 1) == (r->null_i ? 0 : r->i));
		assert_int_equal(db_column_type(st, 2), r->null_n ? DB_T_NULL : DB_T_INT);
		assert_true(db_column_int64(st, 2) == (r->null_n ? 0 : r->n));
		assert_int_equal(db_column_type(st, 3), r->b < 0 ? DB_T_NULL : DB_T_INT);
		assert_true(db_column_int64(st, 3) == (r->b < 0 ? 0 : r->b));
		assert_int_equal(db_column_type(st, 4), r->s == NULL ? DB_T_NULL : DB_T_TEXT);
		assert_string_equal(db_column_text(st, 4), r->s == NULL ? "" : r->s);
		assert_true(db_column_int64(st, 4) == 0);        /* a text column */
		/* past the row's end: nothing */
		assert_true(db_column_int64(st, 5) == 0);
		assert_string_equal(db_column_text(st, 5), "");
		assert_int_equal(db_column_type(st, 5), DB_T_NULL);
		assert_true(db_column_int64(st, -1) == 0);
	}
	assert_int_equal(db_step(st), DB_DONE);
}

/* Every row read as written, twice (a kept statement's second run reads
 * the same), and the first values of a run again after a reset midway. */
static void
test_values(void **state)
{
	struct db *db = raw_open();
	struct db_stmt *st = values(db);

	(void)state;
	assert_non_null(st);
	bind_all(st);
	check_rows(st);
	db_reset(st);
	check_rows(st);
	db_reset(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_step(st), DB_ROW);              /* the NULL row */
	db_reset(st);
	check_rows(st);
	db_finalize(st);
	db->drv->close(db);
}

/* A statement of another shape after one that had text in column 1: no
 * value of the first shows through (integers read 0, NULLs NULL). */
static void
test_shapes(void **state)
{
	struct db *db = raw_open();
	struct db_stmt *st = db_prepare(db, "SELECT ?1::text, 7::bigint", 1);

	(void)state;
	db_bind_text(st, 1, KOREAN);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), KOREAN);
	assert_true(db_column_int64(st, 0) == 0);
	assert_true(db_column_int64(st, 1) == 7);
	db_finalize(st);
	st = db_prepare(db, "SELECT NULL::bigint, sum(x) FROM (VALUES ((-5)::bigint), (-6))"
	    " t(x)", 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_type(st, 0), DB_T_NULL);
	assert_true(db_column_int64(st, 0) == 0);
	assert_true(db_column_int64(st, 1) == -11);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	/* a sum of numerics past int64 still fails the step */
	st = db_prepare(db, "SELECT 1::bigint, sum(x) FROM (VALUES ((-9223372036854775808)::bigint),"
	    " (-1)) t(x)", 0);
	assert_int_equal(db_step(st), DB_ERR);
	assert_int_equal(db_fail(db), DB_OVERFLOW);
	assert_string_equal(db_errmsg(db), "integer overflow");    /* read, not the server's */
	db_finalize(st);
	db->drv->close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_uris),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_migrate_at_once),
		cmocka_unit_test(test_integers_strict),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_nested_statements),
		cmocka_unit_test(test_commit_of_failed),
		cmocka_unit_test(test_deferred_steps),
		cmocka_unit_test(test_read_planning),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_shapes),
	};

	return FX_RUN_PG(tests, NULL, NULL);
}
