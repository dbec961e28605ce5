/* hosts.c — which host writes a store's rows, and every host that wrote
 * one (the host_seen table, kept in the writing transaction by rollup.c's
 * flush). A host is kept as text_sanitize makes it (valid UTF-8, no
 * control character or bidi mark, at most USAGE_HOST_MAX - 1 bytes), so
 * every backend takes it and a report's --host names it as shown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/text.h"
#include "data/store_int.h"

/* Is host printable ASCII (what text_sanitize leaves alone)? */
static int
plain_ascii(const char *host)
{
	const unsigned char *p;

	for (p = (const unsigned char *)host; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			return 0;
	return 1;
}

void
store_host_clean(const char *host, char *out, size_t n)
{
	if (plain_ascii(host))
		usage_strlcpy(out, host, n);
	else
		text_sanitize(host, out, n, 0);
}

void
store_set_host(struct store *s, const char *host)
{
	char def[USAGE_HOST_MAX];

	if (host != NULL && host[0] != '\0') {
		store_host_clean(host, s->host, sizeof(s->host));
	} else if (s->host[0] == '\0') {
		config_default_host(def, sizeof(def));
		store_host_clean(def, s->host, sizeof(s->host));
	}
}

const char *
store_host(const struct store *s)
{
	return s->host;
}

const struct usage *
store_stamp(const struct store *s, const struct usage *u, struct usage *buf)
{
	if (u->host[0] != '\0' && plain_ascii(u->host))
		return u;                     /* the common case: no copy */
	*buf = *u;
	if (u->host[0] == '\0')
		memcpy(buf->host, s->host, sizeof(buf->host));
	else
		store_host_clean(u->host, buf->host, sizeof(buf->host));
	return buf;
}

int
store_hosts_seen(struct store *s, struct store_host **out, size_t *n, char *err,
                 size_t errlen)
{
	struct store_host *v = NULL, *nv;
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (s->in_tx && store_rollup_flush(s, err, errlen) != 0)
		return -1;
	if ((st = store_prepare(s, "SELECT host, last_ms, requests FROM host_seen"
	    " WHERE requests > 0 ORDER BY host", "hosts", err, errlen)) == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			v = nv;
		}
		usage_strlcpy(v[*n].host, db_column_text(st, 0), sizeof(v[*n].host));
		v[*n].last_ms = db_column_int64(st, 1);
		v[*n].requests = db_column_int64(st, 2);
		(*n)++;
	}
	if (rc != DB_DONE) {
		store_sqlerr(s, "hosts", err, errlen);
		goto fail;
	}
	db_finalize(st);
	*out = v;
	return 0;
fail:
	db_finalize(st);
	free(v);
	*n = 0;
	return -1;
}
