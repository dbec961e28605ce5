/* fx_fleet.h — fixtures of the rollup tests (test_rollup.c,
 * test_rollup_days.c): a fleet's ledger, and two queries' cells compared.
 * Each fails the running cmocka test on error. */
#ifndef FX_FLEET_H
#define FX_FLEET_H

#include <stdint.h>

/* The ledger at path filled with a fleet's rows (tags, sources, tiers,
 * batches), then other rows under the same ids whose larger copies replace
 * rows, and rows through the bulk path (OpenAI's when openai, else
 * Anthropic's alike without reasoning). */
void fxf_fill(const char *path, int openai);
/* Cells of query a not in b and of b not in a (0: the same multisets). */
int64_t fxf_differ(const char *path, const char *a, const char *b);

#endif
