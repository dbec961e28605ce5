/* fuzz_usage.c — libFuzzer target over the usage line parsers, format detection and the time parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/import.h"
#include "core/usage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usage_result r;
	struct usage u;
	char err[256], *s;
	int64_t ms;
	enum usage_line rc;

	/* the parsers take (pointer, length): no NUL terminator is promised */
	usage_parse_message_line((const char *)data, size, &u, err, sizeof(err));
	usage_parse_result_line((const char *)data, size, &r, err, sizeof(err));
	rc = usage_parse_transcript_line((const char *)data, size, &u, err, sizeof(err));
	if (rc == USAGE_LINE_ROW && (u.model[0] == '\0' || strlen(u.source) == 0))
		abort();
	usage_line_has_usage((const char *)data, size);
	import_detect((const char *)data, size);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	usage_parse_time(s, &ms);
	free(s);
	return 0;
}
