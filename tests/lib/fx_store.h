/* fx_store.h — the store tests' rows and checks (tests/lib/fx_store.c),
 * shared by test_store.c and test_store_rows.c.
 *
 * Include <setjmp.h>, <stdarg.h>, <stddef.h>, <cmocka.h> and data/store.h
 * before it.
 */
#ifndef TOKENTOP_TESTS_FX_STORE_H
#define TOKENTOP_TESTS_FX_STORE_H

#include <stdint.h>

/* store_open(path); fails the test if it does not open. The caller closes
 * it with store_close. */
struct store *fxs_open(const char *path);

/* An imported Anthropic row: model, message id, request id, time, input
 * and output tokens; every other field zero. */
struct usage fxs_row(const char *model, const char *msg, const char *req, int64_t ts,
                     int64_t in, int64_t out);

/* Inserts u; what became of it. Fails the test on an error. */
enum store_put fxs_put(struct store *s, const struct usage *u);

/* The number of usage rows; fails the test on an error. */
int64_t fxs_count(struct store *s);

/* Totals straight from the rollup (no prices: every model unpriced). Fails
 * the test on an error. */
struct report_row fxs_totals(struct store *s);

#endif
