/* pglib.c — the libpq functions that tokentop calls, each loading the
 * library on first use (see pglib.h). The prototypes are libpq-fe.h's own:
 * the compiler checks every wrapper against them. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "data/pglib.h"

/* The library's run-time name (its SONAME; the Makefile reads it from the
 * library it builds against). */
#ifndef PGLIB_SO
#define PGLIB_SO "libpq.so.5"
#endif

/* What a wrapper answers when libpq cannot be loaded (PQerrorMessage: why). */
static char why[256];

/* X(return type, name, (parameters), (arguments), value on failure);
 * V(name, (parameters), (arguments)) for a void function. */
#define PQ_FNS(X, V) \
	V(PQclear, (PGresult *res), (res)) \
	X(char *, PQcmdStatus, (PGresult *res), (res), NULL) \
	X(char *, PQcmdTuples, (PGresult *res), (res), NULL) \
	X(PGconn *, PQconnectdbParams, (const char *const *keywords, \
	    const char *const *values, int expand_dbname), (keywords, values, expand_dbname), \
	    NULL) \
	V(PQconninfoFree, (PQconninfoOption *o), (o)) \
	X(PQconninfoOption *, PQconninfoParse, (const char *conninfo, char **errmsg), \
	    (conninfo, errmsg), NULL) \
	X(int, PQconsumeInput, (PGconn *conn), (conn), 0) \
	X(int, PQenterPipelineMode, (PGconn *conn), (conn), 0) \
	X(char *, PQerrorMessage, (const PGconn *conn), (conn), why) \
	X(PGresult *, PQexec, (PGconn *conn, const char *query), (conn, query), NULL) \
	X(int, PQexitPipelineMode, (PGconn *conn), (conn), 0) \
	V(PQfinish, (PGconn *conn), (conn)) \
	V(PQfreemem, (void *ptr), (ptr)) \
	X(Oid, PQftype, (const PGresult *res, int field_num), (res, field_num), 0) \
	X(PGresult *, PQgetResult, (PGconn *conn), (conn), NULL) \
	X(int, PQgetisnull, (const PGresult *res, int tup_num, int field_num), \
	    (res, tup_num, field_num), 1) \
	X(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), \
	    (res, tup_num, field_num), NULL) \
	X(int, PQnfields, (const PGresult *res), (res), 0) \
	X(PGnotify *, PQnotifies, (PGconn *conn), (conn), NULL) \
	X(int, PQntuples, (const PGresult *res), (res), 0) \
	X(PGpipelineStatus, PQpipelineStatus, (const PGconn *conn), (conn), PQ_PIPELINE_OFF) \
	X(int, PQpipelineSync, (PGconn *conn), (conn), 0) \
	V(PQreset, (PGconn *conn), (conn)) \
	X(char *, PQresultErrorField, (const PGresult *res, int fieldcode), (res, fieldcode), \
	    NULL) \
	X(char *, PQresultErrorMessage, (const PGresult *res), (res), why) \
	X(ExecStatusType, PQresultStatus, (const PGresult *res), (res), PGRES_FATAL_ERROR) \
	X(int, PQsendPrepare, (PGconn *conn, const char *stmtName, const char *query, \
	    int nParams, const Oid *paramTypes), (conn, stmtName, query, nParams, paramTypes), 0) \
	X(int, PQsendQueryParams, (PGconn *conn, const char *command, int nParams, \
	    const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, \
	    const int *paramFormats, int resultFormat), (conn, command, nParams, paramTypes, \
	    paramValues, paramLengths, paramFormats, resultFormat), 0) \
	X(int, PQsendQueryPrepared, (PGconn *conn, const char *stmtName, int nParams, \
	    const char *const *paramValues, const int *paramLengths, const int *paramFormats, \
	    int resultFormat), (conn, stmtName, nParams, paramValues, paramLengths, \
	    paramFormats, resultFormat), 0) \
	X(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn *conn, PQnoticeProcessor proc, \
	    void *arg), (conn, proc, arg), NULL) \
	X(int, PQsetSingleRowMode, (PGconn *conn), (conn), 0) \
	X(int, PQsocket, (const PGconn *conn), (conn), -1) \
	X(ConnStatusType, PQstatus, (const PGconn *conn), (conn), CONNECTION_BAD) \
	X(PGTransactionStatusType, PQtransactionStatus, (const PGconn *conn), (conn), \
	    PQTRANS_UNKNOWN)

#define SLOT(ret, name, params, args, fail) ret (*name) params;
#define VSLOT(name, params, args) void (*name) params;

static struct { PQ_FNS(SLOT, VSLOT) } pq;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

#define LOAD(ret, name, params, args, fail) \
	if ((pq.name = (ret (*) params)dlsym(h, #name)) == NULL) goto missing;
#define VLOAD(name, params, args) \
	if ((pq.name = (void (*) params)dlsym(h, #name)) == NULL) goto missing;

static void
load(void)
{
	void *h = dlopen(PGLIB_SO, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		snprintf(why, sizeof(why), "cannot load %s: %s", PGLIB_SO, dlerror());
		return;
	}
	PQ_FNS(LOAD, VLOAD)
	__atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
	return;
missing:
	snprintf(why, sizeof(why), "%s lacks a function tokentop calls: %s", PGLIB_SO, dlerror());
}

/* Every call of a wrapper asks: once loaded, a plain (acquire) load answers,
 * without pthread_once (a report reads tens of thousands of values). */
static int
ready(void)
{
	if (__atomic_load_n(&loaded, __ATOMIC_ACQUIRE))
		return 0;
	pthread_once(&once, load);
	return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE) ? 0 : -1;
}

int
pglib_load(char *err, size_t errlen)
{
	if (ready() == 0)
		return 0;
	snprintf(err, errlen, "%s", why);
	return -1;
}

#define WRAP(ret, name, params, args, fail) \
	ret name params \
	{ \
		if (ready() != 0) \
			return fail; \
		return pq.name args; \
	}
#define VWRAP(name, params, args) \
	void name params \
	{ \
		if (ready() == 0) \
			pq.name args; \
	}

PQ_FNS(WRAP, VWRAP)
