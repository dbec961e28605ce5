/* fuzz_usage_simd.c — libFuzzer target holding the simdjson path of the
 * transcript import (core/usage_simd.cc) to the jansson path: for every
 * input the same decision (row, skip, malformed), the same row to the byte
 * and the same message. Seeds: tests/fuzz/corpus/fuzz_usage_simd; dictionary:
 * tests/fuzz/fuzz_usage_simd.dict (make fuzz runs it). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/usage.h"
#include "core/usage_simd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	struct usage a, b, fast;
	char ea[512], eb[512];
	enum usage_line ra, rb;
	enum usage_simd_rc rf;

	memset(ea, 0, sizeof(ea));
	memset(eb, 0, sizeof(eb));
	ra = usage_parse_transcript_line(line, size, &a, ea, sizeof(ea));
	rb = usage_simd_parse_transcript_line(line, size, &b, eb, sizeof(eb));
	if (ra != rb || memcmp(&a, &b, sizeof(a)) != 0 ||
	    (ra == USAGE_LINE_MALFORMED && strcmp(ea, eb) != 0))
		abort();
	/* the fast path alone never decides what jansson would call malformed,
	 * and what it decides is jansson's decision */
	rf = usage_simd_transcript(line, size, &fast);
	if (rf != USAGE_SIMD_UNSURE && (ra == USAGE_LINE_MALFORMED ||
	    (rf == USAGE_SIMD_ROW) != (ra == USAGE_LINE_ROW) ||
	    (rf == USAGE_SIMD_ROW && memcmp(&a, &fast, sizeof(a)) != 0)))
		abort();
	return 0;
}
