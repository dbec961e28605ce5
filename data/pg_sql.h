/* pg_sql.h — the text side of the PostgreSQL dialect, for data/db_pg.c:
 * ?N placeholders as $N, integers read strictly from the text protocol,
 * the kind of a failure by its SQLSTATE. Pure string work, no libpq. */
#ifndef TOKENTOP_PG_SQL_H
#define TOKENTOP_PG_SQL_H

#include <stdint.h>

#include "data/db.h"

/* sql with every ?N outside quotes and comments written $N; *maxp = the
 * highest N. The caller frees. NULL for a '?' without a number (no
 * placeholder in this dialect) or out of memory. */
char *pg_sql_rewrite(const char *sql, int *maxp);

/* "123", "-45", "12.00" (a numeric with a zero scale) into *v; for a
 * boolean ("t", "f") 1 or 0. -1 when the text is no integer or one outside
 * int64. */
int pg_sql_int(const char *text, int boolean, int64_t *v);

/* Type oids tokentop meets (catalog/pg_type_d.h is a server header). */
#define PG_BOOLOID  16
#define PG_INT8OID  20
#define PG_TEXTOID  25

/* A column of type oid as the driver reads it: DB_T_INT for the integer
 * types (bigint, integer, smallint, numeric, boolean, oid), DB_T_TEXT for
 * the text types, DB_T_OTHER else. */
enum db_type pg_sql_type(unsigned oid);

/* The kind of a server error by its SQLSTATE (NULL: DB_FAILED). */
enum db_fail pg_sql_fail(const char *sqlstate);

#endif
