/* store.c — placeholder: the store lands with issue 2. */
#include <stdio.h>

#include "data/store.h"

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	(void)path;
	snprintf(err, errlen, "store not built yet");
	return NULL;
}

void
store_close(struct store *s)
{
	(void)s;
}
