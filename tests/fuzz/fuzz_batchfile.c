/* fuzz_batchfile.c — libFuzzer target: the batch-file line validator on
 * arbitrary bytes, each input split into lines and checked with and without
 * the short form's defaults; every accepted request must be valid JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/batch.h"

static void
check(const char *line, size_t len, const struct batch_opts *o)
{
	struct batch_req r;
	char reason[512];
	json_t *j;
	json_error_t je;
	int rc;

	rc = batch_line_check(line, len, o, &r, reason, sizeof(reason));
	if (rc < 0) {
		if (memchr(reason, '\0', sizeof(reason)) == NULL || reason[0] == '\0')
			abort();
		return;
	}
	if (rc == 0)
		return;
	/* an accepted line completes into a request the API would parse */
	j = json_loadb(r.json, r.json_len, 0, &je);
	if (j == NULL || r.custom_id[0] == '\0' || r.model[0] == '\0' || r.max_tokens < 1 ||
	    r.json_len != strlen(r.json))
		abort();
	json_decref(j);
	batch_req_done(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_opts plain, completed;
	const char *p = (const char *)data, *end = p + size, *nl;

	memset(&plain, 0, sizeof(plain));
	completed = plain;
	completed.model = "claude-haiku-4-5";
	completed.max_tokens = 64;
	completed.cache = (size > 0 && data[0] & 1) ? BATCH_CACHE_1H : BATCH_CACHE_5M;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		check(p, (size_t)(nl - p), &plain);
		check(p, (size_t)(nl - p), &completed);
		p = nl + 1;
	}
	return 0;
}
