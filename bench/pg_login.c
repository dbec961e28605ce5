/* pg_login.c — the floor under every tokentop command on a PostgreSQL
 * ledger: a new process that loads libpq and the ~20 libraries under it,
 * logs in and runs one statement (tokentop opens libpq on first use,
 * data/pglib.c; this program is linked with it: the same libraries, loaded
 * at start). The bench times it beside `tokentop status`.
 *
 *   pg_login URI
 *
 * Exit 0 once `SELECT 1` answered; 1 with libpq's message on stderr (the URI
 * is never printed: it may hold a password).
 */
#include <stdio.h>

#include <libpq-fe.h>

int
main(int argc, char **argv)
{
	PGconn *conn;
	PGresult *res;
	int ok;

	if (argc != 2) {
		fprintf(stderr, "usage: pg_login URI\n");
		return 2;
	}
	conn = PQconnectdb(argv[1]);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "pg_login: %s", conn != NULL ? PQerrorMessage(conn) : "out of memory\n");
		PQfinish(conn);
		return 1;
	}
	res = PQexec(conn, "SELECT 1");
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "pg_login: %s", PQerrorMessage(conn));
	PQclear(res);
	PQfinish(conn);
	return ok ? 0 : 1;
}
