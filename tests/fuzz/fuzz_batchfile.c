/* fuzz_batchfile.c — libFuzzer target: the batch-file line validator on
 * arbitrary bytes, each input split into lines and checked with and without
 * the short form's defaults; every accepted request must be valid JSON. The
 * same bytes also go through results ingestion (line cutting across feeds,
 * outcome counting), with no file written. Accepted max_tokens and result
 * rows are bounded, their estimates and prices never overflow. OpenAI's line
 * format (openai_batch_line_check) and output lines (its table's reader)
 * get the same bytes. Run with
 * -dict=tests/fuzz/fuzz_batchfile.dict and tests/fuzz/corpus/fuzz_batchfile. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/batch.h"
#include "core/batch_client.h"
#include "core/batchres.h"
#include "core/openai_batch.h"
#include "tests/fuzz/fuzz_numbers.h"

static void
check(const char *line, size_t len, const struct batch_opts *o)
{
	struct batch_req r;
	char reason[512];
	json_t *j;
	json_error_t je;
	int64_t low, high;
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
	/* (an OpenAI request may name no cap: max_tokens 0) */
	if (j == NULL || r.custom_id[0] == '\0' || r.model[0] == '\0' ||
	    r.max_tokens < (o->line_check != NULL ? 0 : 1) ||
	    r.max_tokens > USAGE_COUNT_MAX || r.json_len != strlen(r.json))
		abort();
	if (batch_req_estimate(fuzz_pricing(), &r, &low, &high) == 0 &&
	    (low < 0 || high < low || high == INT64_MAX))
		abort();
	json_decref(j);
	batch_req_done(&r);
}

static int
count(void *arg, const struct usage_result *o, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	if (o->custom_id[0] == '\0' || o->type[0] == '\0')
		abort();
	if (strcmp(o->type, "succeeded") == 0)
		fuzz_check_row(&o->u);
	(*(long *)arg)++;
	return 0;
}

/* Feed the bytes in two pieces split at the first byte's value. */
static void
ingest(const uint8_t *data, size_t size, batch_result_fn parse)
{
	struct batch_ingest *in;
	struct batch_ingest_stats st;
	char err[256];
	long n = 0;
	size_t cut = size > 0 ? data[0] % (size + 1) : 0;

	in = batch_ingest_new("msgbatch_fuzz", NULL, "t", 1, count, &n, err, sizeof(err));
	if (in == NULL)
		abort();
	batch_ingest_set_parser(in, parse);
	if (batch_ingest_feed(in, (const char *)data, cut, err, sizeof(err)) != 0 ||
	    batch_ingest_feed(in, (const char *)data + cut, size - cut, err, sizeof(err)) != 0 ||
	    batch_ingest_finish(in, NULL, 0, err, sizeof(err)) != 0)
		abort();
	batch_ingest_stats(in, &st);
	if (st.recorded != n || st.recorded + st.bad != st.lines ||
	    st.succeeded + st.errored + st.canceled + st.expired != st.recorded)
		abort();
	batch_ingest_free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_opts plain, completed, oai;
	const char *p = (const char *)data, *end = p + size, *nl;

	memset(&plain, 0, sizeof(plain));
	completed = plain;
	oai = plain;
	oai.line_check = openai_batch_line_check;
	oai.model = "gpt-4.1-mini";
	oai.max_tokens = (size > 0 && data[0] & 2) ? 32 : 0;
	completed.model = "claude-haiku-4-5";
	completed.max_tokens = 64;
	completed.cache = (size > 0 && data[0] & 1) ? BATCH_CACHE_1H : BATCH_CACHE_5M;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		check(p, (size_t)(nl - p), &plain);
		check(p, (size_t)(nl - p), &completed);
		check(p, (size_t)(nl - p), &oai);
		p = nl + 1;
	}
	ingest(data, size, NULL);
	ingest(data, size, batch_client_openai.result_line);
	return 0;
}
