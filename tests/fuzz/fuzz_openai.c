/* fuzz_openai.c — libFuzzer target over OpenAI's side of the provider seam
 * and Codex: the event-stream scan (two feeds split by the first byte), a
 * response object, a batch output line, Codex lines folded in order, the
 * proxy's include_usage rewrite and its line filter. Every row accepted is
 * bounded and priced (fuzz_numbers.h); reasoning never exceeds output; the
 * rewrite only adds; the filter never grows a line. Run with
 * -dict=tests/fuzz/fuzz_openai.dict and the seeds in tests/fuzz/corpus/fuzz_openai. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/codex.h"
#include "core/openai.h"
#include "tests/fuzz/fuzz_numbers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_row(const struct usage *u)
{
	fuzz_check_tokens(&u->tok);
	if (u->reasoning_tokens < 0 || u->reasoning_tokens > u->tok.output ||
	    u->tok.write_5m != 0 || u->tok.write_1h != 0)
		abort();
}

/* Every line as JSON: a response, a batch line, a Codex line (folded). */
static void
lines(const char *d, size_t n)
{
	struct codex_state st;
	struct codex_event ev;
	struct usage_result r;
	struct usage u;
	const char *end = d + n, *nl;
	char err[256];
	json_t *o;

	codex_state_init(&st, "fuzz");
	for (; d < end; d = nl + 1) {
		if ((nl = memchr(d, '\n', (size_t)(end - d))) == NULL)
			nl = end;
		if ((o = json_loadb(d, (size_t)(nl - d), 0, NULL)) == NULL)
			continue;
		memset(&u, 0, sizeof(u));
		if (openai_response_usage(o, &u, err, sizeof(err)) == 0)
			check_row(&u);
		if (openai_result_from_obj(o, &r, err, sizeof(err)) == 0 &&
		    strcmp(r.type, "succeeded") == 0)
			check_row(&r.u);
		if (codex_parse(o, &ev, err, sizeof(err)) == 0 &&
		    codex_fold(&st, &ev, &u, err, sizeof(err)) == 1)
			check_row(&u);
		json_decref(o);
	}
}

static void
proxy_side(const char *d, size_t n)
{
	char *out = NULL, *line;
	size_t outlen, k, got;
	const char *nl, *end = d + n;
	int state = 0;

	if (openai_request_rewrite("/v1/chat/completions", d, n, &out, &outlen) == 1) {
		if (outlen <= n || memcmp(out, d, 1) != 0)
			abort();
		free(out);
	}
	if ((line = malloc(n + 1)) == NULL)
		return;
	for (; d < end; d = nl + 1) {
		nl = memchr(d, '\n', (size_t)(end - d));
		k = nl != NULL ? (size_t)(nl - d) + 1 : (size_t)(end - d);
		got = openai_relay_line(d, k, line, &state);
		if (got > k)
			abort();
		if (nl == NULL)
			break;
	}
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct provider_stream s;
	struct usage u;
	size_t split;

	if (size == 0)
		return 0;
	split = data[0] % size;
	data++;
	size--;
	provider_stream_init(&s, &provider_openai);
	provider_stream_feed(&s, (const char *)data, split);
	provider_stream_feed(&s, (const char *)data + split, size - split);
	if (provider_stream_usage(&s, &u) == 1)
		check_row(&u);
	else if (provider_stream_error(&s) != NULL && strlen(provider_stream_error(&s)) == 0)
		abort();
	provider_stream_done(&s);
	lines((const char *)data, size);
	proxy_side((const char *)data, size);
	return 0;
}
