/* fx_db.h — the ledger under test on both backends (tests/lib/fx_db.c).
 *
 * A store test program runs its group twice through the same test code:
 * on SQLite, then on PostgreSQL when TOKENTOP_TEST_PG holds a server's URI
 * (tests/run.sh starts one private server for the whole run, tests/lib/pg.sh):
 *
 *	return FX_RUN_BACKENDS(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
 *	s = store_open(fx_ledger(), err, sizeof(err));
 *
 * On PostgreSQL the program makes a database of its own (dropped at the
 * end) and each fresh ledger is a new schema in it (a URI whose options set
 * search_path), so tests do not see each other's rows.
 *
 * Include <setjmp.h>, <stdarg.h>, <stddef.h> and <cmocka.h> before it.
 */
#ifndef TOKENTOP_TESTS_FX_DB_H
#define TOKENTOP_TESTS_FX_DB_H

#include <stddef.h>
#include <stdint.h>

extern int fx_pg;               /* 1 while the group runs on PostgreSQL */

/* Runs the group on each backend; the number of failed tests. */
int fx_run_backends(const char *name, const struct CMUnitTest *tests, size_t n,
                    CMFixtureFunction setup, CMFixtureFunction teardown);
#define FX_RUN_BACKENDS(tests, setup, teardown) \
	fx_run_backends(#tests, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown)

/* Runs the group on PostgreSQL only (skipped without TOKENTOP_TEST_PG). */
int fx_run_pg(const char *name, const struct CMUnitTest *tests, size_t n,
              CMFixtureFunction setup, CMFixtureFunction teardown);
#define FX_RUN_PG(tests, setup, teardown) \
	fx_run_pg(#tests, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown)

/* A URI of the test server for user, password (NULL: none) and database
 * db. Static storage as fx_ledger. */
const char *fx_pg_uri(const char *user, const char *password, const char *db);

/* A fresh, empty ledger target: ":memory:" on SQLite, a new schema's URI
 * on PostgreSQL. Static storage, valid until the fourth call after. */
const char *fx_ledger(void);

/* A fresh ledger that other connections (processes) can open too: the
 * file fx_tmpdir/name on SQLite (fx_tmpdir_setup must have run), a new
 * schema's URI on PostgreSQL. Static storage as fx_ledger. */
const char *fx_ledger_shared(const char *name);

/* Run sql on target through a connection of its own (raw states a test
 * needs: an older schema version, an impossible count). Fails the test on
 * an error. */
void fx_sql(const char *target, const char *sql);

/* The first column of sql's first row on target, through a connection of
 * its own (read-only on SQLite); -1 for no row or NULL. Fails the test on
 * an error. */
int64_t fx_one(const char *target, const char *sql);

/* The rows of each query q[0..n) on target, as text ("== QUERY" lines,
 * then each row's values followed by '|'): two ledgers compared whole.
 * The caller frees it. Fails the test on an error. */
char *fx_dump(const char *target, const char *const *q, size_t n);

/* Set the schema version of target (a ledger "from" an older or newer
 * tokentop). */
void fx_set_schema_version(const char *target, int v);

/* Wait (up to 10 s) until store_wait_fd(fd) is readable; no wait for -1
 * (SQLite: data_version changes at once). For PostgreSQL notifications,
 * which arrive after the writer's commit returns. */
void fx_wait_readable(int fd);

#endif
