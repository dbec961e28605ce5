/* pricing.c — placeholder: the price table lands with issue 2. */
#include <stdio.h>

#include "core/pricing.h"

struct pricing *
pricing_load(const char *path, const char *user_path, char *err, size_t errlen)
{
	(void)path;
	(void)user_path;
	snprintf(err, errlen, "pricing not built yet");
	return NULL;
}

void
pricing_free(struct pricing *p)
{
	(void)p;
}
