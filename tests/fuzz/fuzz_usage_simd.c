/* fuzz_usage_simd.c — libFuzzer target holding the simdjson path of the
 * transcript import (core/usage_simd.cc) to the jansson path: for every
 * input the same decision (row, skip, malformed), the same row to the byte
 * and the same message; and the same format detection where simdjson
 * decides it (never for OpenAI's or Codex's lines). Seeds: tests/fuzz/corpus/fuzz_usage_simd; dictionary:
 * tests/fuzz/fuzz_usage_simd.dict (make fuzz runs it). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/codex.h"
#include "core/openai.h"
#include "core/usage.h"
#include "core/usage_simd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The import's format detection with jansson alone (core/import_pool.c):
 * 0 and *shape, 1 for a line of OpenAI's or Codex's formats (simdjson must
 * be unsure of it), -1 for what jansson does not load. */
static int
jansson_shape(const char *line, size_t len, enum usage_simd_shape *shape)
{
	json_error_t je;
	json_t *r = json_loadb(line, len, 0, &je), *msg;
	int rc = 0;

	if (r == NULL)
		return -1;
	msg = json_object_get(r, "message");
	if (json_is_string(json_object_get(r, "custom_id")) &&
	    json_is_object(json_object_get(r, "result")))
		*shape = USAGE_SIMD_RESULT;
	else if (openai_is_batch_line(r))
		rc = 1;
	else if (json_is_object(msg) && json_is_object(json_object_get(msg, "usage")))
		*shape = USAGE_SIMD_TRANSCRIPT;
	else if (codex_is_line(r) || openai_is_response(r))
		rc = 1;
	else if (json_is_object(json_object_get(r, "usage")))
		*shape = USAGE_SIMD_MESSAGE;
	else
		*shape = USAGE_SIMD_OTHER;
	json_decref(r);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	struct usage a, b, fast;
	char ea[512], eb[512];
	enum usage_line ra, rb;
	enum usage_simd_rc rf;
	enum usage_simd_shape ss, js;

	memset(ea, 0, sizeof(ea));
	memset(eb, 0, sizeof(eb));
	ra = usage_parse_transcript_line(line, size, &a, ea, sizeof(ea));
	rb = usage_simd_parse_transcript_line(line, size, &b, eb, sizeof(eb));
	if (ra != rb || memcmp(&a, &b, sizeof(a)) != 0 ||
	    (ra == USAGE_LINE_MALFORMED && strcmp(ea, eb) != 0))
		abort();
	/* the fast path alone never decides what jansson would call malformed,
	 * and what it decides is jansson's decision */
	/* format detection: where simdjson is sure, jansson agrees */
	if (usage_simd_shape(line, size, &ss) == 0 &&
	    (jansson_shape(line, size, &js) != 0 || js != ss))
		abort();
	rf = usage_simd_transcript(line, size, &fast);
	if (rf != USAGE_SIMD_UNSURE && (ra == USAGE_LINE_MALFORMED ||
	    (rf == USAGE_SIMD_ROW) != (ra == USAGE_LINE_ROW) ||
	    (rf == USAGE_SIMD_ROW && memcmp(&a, &fast, sizeof(a)) != 0)))
		abort();
	return 0;
}
