/* fuzz_codex_simd.c — libFuzzer target holding the simdjson path of the
 * Codex import (usage_simd_codex, core/usage_simd.cc) to the jansson path
 * (usage_load_line + codex_parse, as core/import_pool.c reads a line): where
 * simdjson answers, jansson loads the line, codex_parse returns 0 and its
 * event is the same to the byte; where it is unsure, its event is zeroed.
 * Seeds: tests/fuzz/corpus/fuzz_codex_simd; dictionary:
 * tests/fuzz/fuzz_codex_simd.dict (make fuzz runs it). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/codex.h"
#include "core/usage.h"
#include "core/usage_simd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct codex_event zero;
	const char *line = (const char *)data;
	struct codex_event a, b;
	char err[512];
	json_t *root;
	int rc = -1;

	memset(&a, 0, sizeof(a));
	if ((root = usage_load_line(line, size, err, sizeof(err))) != NULL)
		rc = codex_parse(root, &a, err, sizeof(err));
	json_decref(root);
	switch (usage_simd_codex(line, size, &b)) {
	case USAGE_SIMD_ROW:
		if (rc != 0 || memcmp(&a, &b, sizeof(a)) != 0)
			abort();
		break;
	case USAGE_SIMD_UNSURE:
		if (memcmp(&b, &zero, sizeof(b)) != 0)
			abort();
		break;
	default:
		abort();             /* the Codex path answers ROW or UNSURE only */
	}
	return 0;
}
