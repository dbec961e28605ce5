/* fx_db.c — the ledger under test on both backends; see fx_db.h. The test
 * side talks to SQLite and PostgreSQL directly (raw states, databases). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"

int fx_pg;

static char pg_base[512];       /* TOKENTOP_TEST_PG up to its database name */
static char pg_db[64];          /* this program's database */
static int  nschema;

static char *
slot(void)
{
	static char buf[4][768];
	static int k;

	return buf[k++ % 4];
}

/* A connection to database db of the test server; fails the test. */
static PGconn *
pg_connect(const char *db)
{
	char uri[700];
	PGconn *c;

	snprintf(uri, sizeof(uri), "%s/%s", pg_base, db);
	c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("fx_db: connect %s: %s", db, PQerrorMessage(c));
	return c;
}

static void
pg_run(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("fx_db: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

/* Server-side setup outside cmocka's tests: -1 on failure (said when
 * loud). */
static int
pg_admin(const char *db, const char *sql, int loud)
{
	char uri[700];
	PGconn *c;
	PGresult *r;
	int ok;

	snprintf(uri, sizeof(uri), "%s/%s", pg_base, db);
	c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "fx_db: %s\n", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok && loud)
		fprintf(stderr, "fx_db: %s: %s\n", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

/* The group on each backend asked for. */
static int
run_groups(const char *name, const struct CMUnitTest *tests, size_t n,
           CMFixtureFunction setup, CMFixtureFunction teardown, int sqlite)
{
	const char *uri = getenv("TOKENTOP_TEST_PG"), *slash;
	char gname[128], sql[160];
	int failed = 0, i;

	fx_pg = 0;
	snprintf(gname, sizeof(gname), "%s (sqlite)", name);
	if (sqlite)
		failed = _cmocka_run_group_tests(gname, tests, n, setup, teardown);
	if (uri == NULL || uri[0] == '\0') {
		printf("[  SKIPPED ] %s on PostgreSQL: TOKENTOP_TEST_PG is not set\n", name);
		return failed;
	}
	/* postgresql://user:pw@host:port/db → up to the last '/' */
	slash = strrchr(uri, '/');
	if (slash == NULL || strchr(uri, '?') != NULL || (size_t)(slash - uri) >= sizeof(pg_base)) {
		fprintf(stderr, "fx_db: TOKENTOP_TEST_PG: want postgresql://…/DBNAME\n");
		return failed + 1;
	}
	snprintf(pg_base, sizeof(pg_base), "%.*s", (int)(slash - uri), uri);
	snprintf(pg_db, sizeof(pg_db), "tt_%ld", (long)getpid());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s STRATEGY file_copy", pg_db);
	if (pg_admin(slash + 1, sql, 1) != 0)
		return failed + 1;
	fx_pg = 1;
	snprintf(gname, sizeof(gname), "%s (postgresql)", name);
	failed += _cmocka_run_group_tests(gname, tests, n, setup, teardown);
	fx_pg = 0;
	if (getenv("TOKENTOP_TEST_PG_KEEP") != NULL) {   /* to look at what a test left */
		printf("[  KEPT    ] database %s\n", pg_db);
		return failed;
	}
	/* (an autovacuum worker may hold it a moment: try again) */
	snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", pg_db);
	for (i = 0; i < 20 && pg_admin(slash + 1, sql, i == 19) != 0; i++)
		usleep(250000);
	return failed;
}

int
fx_run_backends(const char *name, const struct CMUnitTest *tests, size_t n,
                CMFixtureFunction setup, CMFixtureFunction teardown)
{
	return run_groups(name, tests, n, setup, teardown, 1);
}

int
fx_run_pg(const char *name, const struct CMUnitTest *tests, size_t n,
          CMFixtureFunction setup, CMFixtureFunction teardown)
{
	return run_groups(name, tests, n, setup, teardown, 0);
}

const char *
fx_pg_uri(const char *user, const char *password, const char *db)
{
	const char *uri = getenv("TOKENTOP_TEST_PG"), *at, *host;
	char *p = slot();

	if (uri == NULL || (host = strstr(uri, "://")) == NULL)
		fail_msg("fx_pg_uri: TOKENTOP_TEST_PG is not a URI");
	host += 3;
	if ((at = strchr(host, '@')) != NULL)
		host = at + 1;
	snprintf(p, 768, "postgresql://%s%s%s@%.*s/%s", user, password != NULL ? ":" : "",
	    password != NULL ? password : "", (int)strcspn(host, "/"), host, db);
	return p;
}

/* A new schema of this program's database, as a ledger URI. */
static const char *
new_schema(void)
{
	char sql[64];
	char *uri = slot();
	PGconn *c = pg_connect(pg_db);

	snprintf(sql, sizeof(sql), "CREATE SCHEMA l%d", ++nschema);
	pg_run(c, sql);
	PQfinish(c);
	/* sorting discouraged: the planner hashes where it may, so no test
	 * passes on an order that SQL does not promise */
	snprintf(uri, 768, "%s/%s?options=-csearch_path%%3Dl%d%%20-cenable_sort%%3Doff", pg_base,
	    pg_db, nschema);
	return uri;
}

const char *
fx_ledger(void)
{
	char *p;

	if (fx_pg)
		return new_schema();
	p = slot();
	snprintf(p, 768, ":memory:");
	return p;
}

const char *
fx_ledger_shared(const char *name)
{
	char *p;

	if (fx_pg)
		return new_schema();
	p = slot();
	snprintf(p, 768, "%s/%s", fx_tmpdir, name);
	return p;
}

void
fx_sql(const char *target, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	PGconn *c;

	if (strncmp(target, "postgres", 8) == 0) {
		c = PQconnectdb(target);
		if (PQstatus(c) != CONNECTION_OK)
			fail_msg("fx_sql: %s", PQerrorMessage(c));
		pg_run(c, sql);
		PQfinish(c);
		return;
	}
	if (sqlite3_open(target, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL,
	    &msg) != SQLITE_OK)
		fail_msg("fx_sql: %s: %s", sql, msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_close(db);
}

int64_t
fx_one(const char *target, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	PGresult *r;
	PGconn *c;
	int64_t v = -1;

	if (strncmp(target, "postgres", 8) == 0) {
		c = PQconnectdb(target);
		if (PQstatus(c) != CONNECTION_OK)
			fail_msg("fx_one: %s", PQerrorMessage(c));
		r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			fail_msg("fx_one: %s: %s", sql, PQerrorMessage(c));
		if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
			v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		PQfinish(c);
		return v;
	}
	if (sqlite3_open_v2(target, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("fx_one: %s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

char *
fx_dump(const char *target, const char *const *q, size_t n)
{
	char *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	PGconn *c = NULL;
	PGresult *r;
	int pg = strncmp(target, "postgres", 8) == 0, row, col;

	if (f == NULL)
		fail_msg("fx_dump: out of memory");
	if (pg && PQstatus(c = PQconnectdb(target)) != CONNECTION_OK)
		fail_msg("fx_dump: %s", PQerrorMessage(c));
	if (!pg && sqlite3_open_v2(target, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("fx_dump: %s: %s", target, sqlite3_errmsg(db));
	for (i = 0; i < n; i++) {
		fprintf(f, "== %s\n", q[i]);
		if (pg) {
			r = PQexec(c, q[i]);
			if (PQresultStatus(r) != PGRES_TUPLES_OK)
				fail_msg("fx_dump: %s: %s", q[i], PQerrorMessage(c));
			for (row = 0; row < PQntuples(r); row++) {
				for (col = 0; col < PQnfields(r); col++)
					fprintf(f, "%s|", PQgetisnull(r, row, col) ? "(null)" :
					    PQgetvalue(r, row, col));
				fputc('\n', f);
			}
			PQclear(r);
			continue;
		}
		if (sqlite3_prepare_v2(db, q[i], -1, &st, NULL) != SQLITE_OK)
			fail_msg("fx_dump: %s: %s", q[i], sqlite3_errmsg(db));
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (col = 0; col < sqlite3_column_count(st); col++)
				fprintf(f, "%s|", (const char *)sqlite3_column_text(st, col));
			fputc('\n', f);
		}
		sqlite3_finalize(st);
	}
	PQfinish(c);
	sqlite3_close(db);
	fclose(f);
	return out;
}

void
fx_set_schema_version(const char *target, int v)
{
	char sql[96];

	if (strncmp(target, "postgres", 8) != 0) {
		fx_set_user_version(target, v);
		return;
	}
	snprintf(sql, sizeof(sql), "UPDATE tokentop_schema SET version = %d", v);
	fx_sql(target, sql);
}

void
fx_wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (fd >= 0)
		(void)poll(&p, 1, 10000);
}
