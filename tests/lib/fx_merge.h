/* fx_merge.h — fixtures of the ledger merge tests (test_merge.c,
 * test_merge_race.c): rows, seeded ledgers, and checks that a ledger's
 * rollups agree with its rows. Each fails the running cmocka test on error. */
#ifndef FX_MERGE_H
#define FX_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/usage.h"

struct store;
struct merge_stats;

#define FXM_T0 1764500000000LL      /* 2025-11-30 */

/* Row i of a seeded ledger, from host: its time, model, source, tag and
 * tokens follow from i. */
struct usage fxm_row(int i, const char *host);
/* u written as any tokentop writes it (store_insert_usage). */
void fxm_put(struct store *s, const struct usage *u);
/* n keyed rows (request ids req_BASE…) and, with keyless, four rows without
 * a key: two of them alike. */
void fxm_seed_rows(struct store *s, int base, int n, int keyless, const char *host);
/* a and b hold the same rows (by content). */
void fxm_assert_same_rows(struct store *a, struct store *b);
/* s holds want_rows rows and its rollups agree with them (the totals, and
 * the local days of a zone whose midnight is inside a UTC hour). */
void fxm_assert_rollups_exact(struct store *s, int64_t want_rows);
/* merge_run of src into dst in groups of group rows (0: the default), or
 * the test fails. */
void fxm_merge_ok(struct store *dst, struct store *src, size_t group, struct merge_stats *m);

#endif
