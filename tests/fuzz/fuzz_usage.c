/* fuzz_usage.c — libFuzzer target over the usage line parsers, format
 * detection and the time parser; every row they accept is bounded and priced
 * (fuzz_numbers.h). Run with -dict=tests/fuzz/fuzz_usage.dict and the seeds
 * in tests/fuzz/corpus/fuzz_usage. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/import.h"
#include "core/usage.h"
#include "tests/fuzz/fuzz_numbers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The transcript line parser must give what the import reader's parsed-object
 * path gives (usage_load_line + usage_from_transcript). */
static void
same_as_whole(const char *line, size_t size, enum usage_line rc, const struct usage *u,
              const char *err)
{
	struct usage w;
	char werr[256];
	json_t *root;
	enum usage_line wrc = USAGE_LINE_SKIP;

	memset(&w, 0, sizeof(w));
	if (usage_line_has_usage(line, size)) {
		if ((root = usage_load_line(line, size, werr, sizeof(werr))) == NULL) {
			wrc = USAGE_LINE_MALFORMED;
		} else {
			wrc = usage_from_transcript(root, &w, werr, sizeof(werr));
			json_decref(root);
		}
	}
	if (wrc != rc || memcmp(&w, u, sizeof(w)) != 0 ||
	    (rc == USAGE_LINE_MALFORMED && strcmp(err, werr) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usage_result r;
	struct usage u;
	char err[256], *s;
	int64_t ms;
	enum usage_line rc;

	/* the parsers take (pointer, length): no NUL terminator is promised */
	if (usage_parse_message_line((const char *)data, size, &u, err, sizeof(err)) == 0)
		fuzz_check_row(&u);
	if (usage_parse_result_line((const char *)data, size, &r, err, sizeof(err)) == 0 &&
	    strcmp(r.type, "succeeded") == 0)
		fuzz_check_row(&r.u);
	rc = usage_parse_transcript_line((const char *)data, size, &u, err, sizeof(err));
	if (rc == USAGE_LINE_ROW && (u.model[0] == '\0' || strlen(u.source) == 0))
		abort();
	if (rc == USAGE_LINE_ROW)
		fuzz_check_row(&u);
	same_as_whole((const char *)data, size, rc, &u, err);
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
