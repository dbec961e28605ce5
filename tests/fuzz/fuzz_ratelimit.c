/* fuzz_ratelimit.c — libFuzzer target: rate-limit header values (counts,
 * RFC 3339 resets, Go durations) and the exposition writer's escaping on
 * arbitrary bytes. Parsed figures stay in range; an escaped label value is
 * valid UTF-8 with no raw line feed or unescaped quote. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/expo.h"
#include "core/ratelimit.h"
#include "core/text.h"

struct one { const char *v; };

static const char *
same(void *arg, const char *name)
{
	(void)name;
	return ((struct one *)arg)->v;      /* every header has the fuzzed value */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[4096];
	struct one h;
	struct ratelimit rl;
	int64_t v;
	size_t i;
	uint32_t cp;
	int k;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ratelimit_parse_count(s, &v) == 0 && (v < 0 || v > RATELIMIT_VALUE_MAX))
		abort();
	if (ratelimit_parse_duration(s, &v) == 0 && (v < 0 || v > 10LL * 24 * 3600 * 1000 + 1))
		abort();
	h.v = s;
	ratelimit_parse(same, &h, 1700000000000LL, &rl);
	for (k = 0; k < RATELIMIT_NKINDS; k++)
		if (rl.k[k].limit < -1 || rl.k[k].remaining < -1 || rl.k[k].limit > RATELIMIT_VALUE_MAX)
			abort();
	expo_escape(s, out, sizeof(out));
	for (i = 0; out[i] != '\0'; i += text_decode(out + i, strlen(out + i), &cp)) {
		if (out[i] == '\n')
			abort();
		if (out[i] == '"' && (i == 0 || out[i - 1] != '\\'))
			abort();
	}
	free(s);
	return 0;
}
