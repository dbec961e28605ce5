/* pg_uri.h — the password of a PostgreSQL connection URI, found by its
 * syntax alone (the rules libpq parses by): masked for messages and
 * screens, overwritten in argv, cut out of any message that quotes it.
 * Pure string work, no libpq (data/db_pg.c is its user). */
#ifndef TOKENTOP_PG_URI_H
#define TOKENTOP_PG_URI_H

#include <stddef.h>

/* Does target start with postgres:// or postgresql:// (any case)? */
int pg_uri_is(const char *target);

/* Where passwords sit in uri: the user info's (user:PASSWORD@host) and each
 * password= query parameter's value. Fills up to max (offset, length)
 * pairs; returns how many were found (may exceed max). */
struct pg_uri_span {
	size_t off, len;
};
size_t pg_uri_passwords(const char *uri, struct pg_uri_span *spans, size_t max);

/* uri with every password replaced by "***", into out (truncated to n). */
void pg_uri_mask(const char *uri, char *out, size_t n);

/* Overwrite every password of uri in place with 'x' (same length). */
void pg_uri_scrub(char *uri);

/* Replace in msg (in place, within n bytes) every occurrence of a password
 * of uri, as written and percent-decoded, by "***". */
void pg_uri_redact(const char *uri, char *msg, size_t n);

/* msg as one line into out (newlines as spaces, a last one dropped), every
 * password of uri (may be NULL) cut out as pg_uri_redact. */
void pg_uri_message(const char *uri, const char *msg, char *out, size_t n);

#endif
