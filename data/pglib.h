/* pglib.h — libpq, loaded on first use.
 *
 * Most ledgers are SQLite files, yet linking libpq makes the dynamic loader
 * map and relocate some twenty more libraries (TLS, Kerberos, LDAP, SASL,
 * GnuTLS...) on every start: about 20 ms of CPU, most of what `tokentop
 * status` or a report costs (issue 12). So the tokentop binary is not linked
 * with libpq; data/pglib.c defines the libpq functions that the PostgreSQL
 * driver (data/db_pg.c, data/db_pg_wire.c) calls, under their own names and
 * prototypes, and each one loads the library (dlopen, once, thread-safe) and
 * calls the real function, as core/netlib.c does for libcurl. A program
 * linked with libpq (tests, bench) gets the same functions through the same
 * wrappers. Every new PQ* function the driver calls must be added to the
 * list in data/pglib.c (the link of tokentop fails otherwise).
 *
 * Call pglib_load before the first connection to learn why the library
 * cannot be loaded; a wrapper that cannot load it fails the way libpq
 * reports failure (NULL, 0, CONNECTION_BAD, PGRES_FATAL_ERROR...).
 */
#ifndef TOKENTOP_PGLIB_H
#define TOKENTOP_PGLIB_H

#include <stddef.h>

/* Load libpq. 0, or -1 with the file name and the loader's reason in err.
 * Thread-safe. */
int pglib_load(char *err, size_t errlen);

#endif
