/* keyfp.c — API key fingerprints (see keyfp.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/keyfp.h"

static uint32_t
fnv1a32(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
}

const char *
keyfp_make(const char *key, char *buf, size_t n)
{
	size_t len = key != NULL ? strlen(key) : 0;

	if (n == 0)
		return buf;
	if (len == 0)
		buf[0] = '\0';
	else if (len < 12)
		snprintf(buf, n, "\xe2\x80\xa6-%08x", fnv1a32(key, len));
	else
		snprintf(buf, n, "\xe2\x80\xa6%s-%08x", key + len - 4, fnv1a32(key, len));
	return buf;
}
