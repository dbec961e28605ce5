/* fuzz_orgsync.c — libFuzzer target over the organisation report parsers
 * (core/orgsync.c, core/openai_org.c): any bytes as a usage page and a cost
 * page of each provider, and a cents amount.
 * Accepted counts and amounts are bounded and add up without overflow. Run
 * with -dict=tests/fuzz/fuzz_orgsync.dict and tests/fuzz/corpus/fuzz_orgsync. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/orgsync.h"
#include "tests/fuzz/fuzz_numbers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct org_data d;
	char next[ORG_ID_MAX], err[256], *s;
	int64_t nanos, again;
	json_t *j;
	size_t i;
	int more;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* an amount parsed twice gives the same nanos */
	if (orgsync_cents_to_nanos(s, &nanos) == 0) {
		if (orgsync_cents_to_nanos(s, &again) != 0 || again != nanos)
			abort();
	}
	free(s);
	if ((j = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return 0;
	memset(&d, 0, sizeof(d));
	if (orgsync_parse_usage_page(j, 60, &d, &more, next, err, sizeof(err)) == 0) {
		for (i = 0; i < d.nusage; i++) {
			if (d.usage[i].width_s != 60)
				abort();
			fuzz_check_tokens(&d.usage[i].tok);
		}
		if (more && next[0] == '\0')
			abort();
	}
	/* OpenAI's forms: the same bounds (cached inside input is split apart) */
	if (orgsync_parse_page(&provider_openai, ORGSYNC_DAILY, j, 86400, &d, &more, next, err,
	    sizeof(err)) == 0)
		for (i = 0; i < d.nusage; i++)
			fuzz_check_tokens(&d.usage[i].tok);
	if (orgsync_parse_page(&provider_openai, ORGSYNC_COST, j, 0, &d, &more, next, err,
	    sizeof(err)) == 0)
		for (i = 0; i < d.ncost; i++)
			if (d.cost[i].amount_nanos > ORGSYNC_AMOUNT_MAX ||
			    d.cost[i].amount_nanos < -ORGSYNC_AMOUNT_MAX)
				abort();
	orgsync_data_free(&d);
	if (orgsync_parse_cost_page(j, &d, &more, next, err, sizeof(err)) == 0) {
		for (i = 0, nanos = 0; i < d.ncost; i++) {
			/* a page of up to 9 rows at the bound still adds up */
			if (d.cost[i].amount_nanos > ORGSYNC_AMOUNT_MAX ||
			    d.cost[i].amount_nanos < -ORGSYNC_AMOUNT_MAX ||
			    (i < 9 && num_add(&nanos, d.cost[i].amount_nanos) != 0))
				abort();
		}
	}
	if (strlen(err) >= sizeof(err))
		abort();
	orgsync_data_free(&d);
	json_decref(j);
	return 0;
}
