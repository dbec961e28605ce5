/* fuzz_router.c — libFuzzer target over the routing rules parser, routing,
 * UTF-8 word counting and compression; checks their invariants. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/compress.h"
#include "core/router.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules[] =
    "{\"tiers\":{\"simple\":{\"model\":\"s\",\"max_tokens\":1},"
    "\"medium\":{\"model\":\"m\",\"max_tokens\":2},\"complex\":{\"model\":\"c\",\"max_tokens\":3}},"
    "\"rules\":[{\"type\":\"keywords\",\"tier\":\"complex\",\"keywords\":[\"plan\",\"분석\",\"a b\"]},"
    "{\"type\":\"words_over\",\"words\":5,\"tier\":\"complex\"},"
    "{\"type\":\"words_under\",\"words\":2,\"tier\":\"simple\"}]}";

/* Is s[0..n) valid UTF-8? */
static int
valid_utf8(const char *s, size_t n)
{
	size_t i = 0, k;
	uint32_t c;

	while (i < n) {
		k = text_decode(s + i, n - i, &c);
		if (c == 0xfffd && k == 1)
			return 0;
		i += k;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct router *fixed;
	struct router *r;
	struct router_decision d;
	struct compress_input *in;
	struct compress_result res;
	char err[256], *s;
	int64_t budget;

	if (fixed == NULL && (fixed = router_parse(rules, "fixed", err, sizeof(err))) == NULL)
		abort();
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if ((r = router_parse(s, "fuzz", err, sizeof(err))) != NULL) {
		router_route(r, s, size, &d);
		router_free(r);
	} else if (strncmp(err, "fuzz", 4) != 0)
		abort();   /* every error names the file */
	if (router_route(fixed, (const char *)data, size, &d) == 0 &&
	    (d.tier >= ROUTER_NTIERS || d.max_tokens != (int64_t)d.tier + 1 ||
	    d.words != text_count_words((const char *)data, size)))
		abort();

	budget = size > 0 ? data[0] : COMPRESS_NO_BUDGET;
	in = compress_input_new();
	if (in != NULL && compress_input_add(in, (const char *)data, size, err, sizeof(err)) == 0 &&
	    compress_run(in, size > 8 ? s + size - 8 : s, budget, &res, err, sizeof(err)) == 0) {
		if ((budget >= 0 && res.tokens_after > budget) || !valid_utf8(res.text, res.len) ||
		    res.len != strlen(res.text) ||
		    res.chunks_after + res.exact_dups + res.near_dups > res.chunks_before)
			abort();
		compress_result_done(&res);
	}
	compress_input_free(in);
	free(s);
	return 0;
}
