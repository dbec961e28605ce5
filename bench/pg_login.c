/* pg_login.c — the floor under every tokentop command on a PostgreSQL
 * ledger: a new process that loads libpq and the ~20 libraries under it
 * (tokentop opens it on first use, data/pglib.c), logs in and runs one
 * statement. The bench times it beside `tokentop status`.
 *
 *   pg_login URI
 *
 * Exit 0 once `SELECT 1` answered; 1 with libpq's message on stderr (the URI
 * is never printed: it may hold a password).
 */
#include <dlfcn.h>
#include <stdio.h>

typedef void *(*connectdb_fn)(const char *);
typedef int (*status_fn)(const void *);
typedef void *(*exec_fn)(void *, const char *);
typedef int (*result_status_fn)(const void *);
typedef char *(*errmsg_fn)(const void *);
typedef void (*void_fn)(void *);

#define PGRES_TUPLES_OK 2
#define CONNECTION_OK   0

int
main(int argc, char **argv)
{
	void *lib, *conn, *res;
	connectdb_fn connectdb;
	status_fn status;
	exec_fn exec;
	result_status_fn result_status;
	errmsg_fn errmsg;
	void_fn clear, finish;
	int ok;

	if (argc != 2) {
		fprintf(stderr, "usage: pg_login URI\n");
		return 2;
	}
	if ((lib = dlopen("libpq.so.5", RTLD_NOW)) == NULL) {
		fprintf(stderr, "pg_login: %s\n", dlerror());
		return 1;
	}
	connectdb = (connectdb_fn)dlsym(lib, "PQconnectdb");
	status = (status_fn)dlsym(lib, "PQstatus");
	exec = (exec_fn)dlsym(lib, "PQexec");
	result_status = (result_status_fn)dlsym(lib, "PQresultStatus");
	errmsg = (errmsg_fn)dlsym(lib, "PQerrorMessage");
	clear = (void_fn)dlsym(lib, "PQclear");
	finish = (void_fn)dlsym(lib, "PQfinish");
	if (!connectdb || !status || !exec || !result_status || !errmsg || !clear || !finish) {
		fprintf(stderr, "pg_login: libpq lacks a function: %s\n", dlerror());
		return 1;
	}
	conn = connectdb(argv[1]);
	if (conn == NULL || status(conn) != CONNECTION_OK) {
		fprintf(stderr, "pg_login: %s", conn != NULL ? errmsg(conn) : "out of memory\n");
		if (conn != NULL)
			finish(conn);
		return 1;
	}
	res = exec(conn, "SELECT 1");
	ok = res != NULL && result_status(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "pg_login: %s", errmsg(conn));
	clear(res);
	finish(conn);
	return ok ? 0 : 1;
}
