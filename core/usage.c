/* usage.c — the usage record's helpers. */
#include <string.h>

#include "core/usage.h"

int64_t
usage_total_input(const struct tokens *t)
{
	return t->input + t->write_5m + t->write_1h + t->cache_read;
}

int64_t
usage_total(const struct tokens *t)
{
	return usage_total_input(t) + t->output;
}

int
usage_is_batch(const struct usage *u)
{
	return strcmp(u->source, "batch") == 0 || strcmp(u->service_tier, "batch") == 0;
}

void
usage_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len;

	if (n == 0)
		return;
	if (src == NULL) {
		dst[0] = '\0';
		return;
	}
	len = strlen(src);
	if (len >= n) {
		len = n - 1;
		/* back up over UTF-8 continuation bytes so no character is cut */
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}
