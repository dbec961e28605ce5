/* netlib.h — libcurl and libmicrohttpd, loaded on first use.
 *
 * Most runs of tokentop (import, report, the console, status) never touch
 * the network, yet linking libcurl and libmicrohttpd makes the dynamic
 * loader map and relocate some 30 more libraries (TLS, Kerberos, LDAP, SSH,
 * ...) on every start: about 25 ms of CPU, most of a re-import's cost
 * (issue 12). So the tokentop binary is not linked with them; core/netlib.c
 * defines the libraries' functions that tokentop calls, under their own
 * names and prototypes, and each one loads the library (dlopen, once,
 * thread-safe) and calls the real function. Callers write plain libcurl
 * and libmicrohttpd; a program that is linked with the libraries (tests,
 * fakeapi, bench) gets the same functions through the same wrappers.
 *
 * Call netlib_load before the first handle is made to learn why a library
 * cannot be loaded; a wrapper that cannot load its library fails the way
 * the library itself reports failure (NULL, CURLE_FAILED_INIT, MHD_NO...).
 */
#ifndef TOKENTOP_NETLIB_H
#define TOKENTOP_NETLIB_H

#include <stddef.h>

#define NETLIB_CURL 1u   /* libcurl */
#define NETLIB_MHD  2u   /* libmicrohttpd */

/* Load the libraries in which (NETLIB_CURL | NETLIB_MHD). 0, or -1 with the
 * library's file name and the loader's reason in err. Thread-safe. */
int netlib_load(unsigned which, char *err, size_t errlen);

#endif
