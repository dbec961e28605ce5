/* fx_report.h — the report tests' fixture (tests/lib/fx_report.c): a price
 * table of their own, a fresh ledger per test, rows made and reported.
 *
 *	FXR_TEST(test_x),      (fxr_setup, fxr_teardown)
 *	return FX_RUN_BACKENDS(tests, NULL, NULL);
 *	struct fxr *f = *state;
 *	u = fxr_mk("claude-haiku-4-5", "call", "", FXR_T0, "req_1");
 *	fxr_put(f, &u);
 *	fxr_report(f, &q, &r);
 *
 * Include <setjmp.h>, <stdarg.h>, <stddef.h>, <cmocka.h> and data/store.h
 * before it.
 */
#ifndef TOKENTOP_TESTS_FX_REPORT_H
#define TOKENTOP_TESTS_FX_REPORT_H

#include <stdint.h>

#define FXR_T0 1762776000000LL      /* 2025-11-10T12:00:00Z */
#define FXR_HOUR 3600000LL

struct fxr {
	struct store   *s;
	struct pricing *p;       /* the fixture's table, not share/'s */
	char            path[768];   /* fxr_setup_file: the ledger (a file on SQLite) */
};

/* A test with a fresh ledger, and with one on a file. */
#define FXR_TEST(t) cmocka_unit_test_setup_teardown(t, fxr_setup, fxr_teardown)
#define FXR_TEST_FILE(t) cmocka_unit_test_setup_teardown(t, fxr_setup_file, fxr_teardown)

/* Test setup: a struct fxr in *state with the fixture's prices and a fresh
 * ledger (fx_ledger); 0. Fails the test if either cannot be made. */
int fxr_setup(void **state);
/* As fxr_setup, on a file in f->path (so raw SQL can reach it through a
 * second connection: fx_sql(f->path, ...)); 0. */
int fxr_setup_file(void **state);
/* Test teardown: closes and frees it all, removes fxr_setup_file's file and
 * sets TZ back to UTC; 0. */
int fxr_teardown(void **state);

/* Sets TZ to tz (an Olson name) and calls tzset. */
void fxr_tz(const char *tz);

/* A usage row, zeroed but for these fields (no tokens). */
struct usage fxr_mk(const char *model, const char *source, const char *tag, int64_t ts,
                    const char *id);

/* Inserts u; fails the test unless it is added. */
void fxr_put(struct fxr *f, const struct usage *u);

/* store_report with the fixture's prices; fails the test on an error. The
 * caller frees r with store_report_free. */
void fxr_report(struct fxr *f, struct report_query *q, struct report *r);

/*
 * The hand-computed ledger (nanos; rates in nanos per token = $/MTok × 1000):
 *  A sonnet-4-5-20250929 import: in 199,000 + w5m 1,000 = 200,000 total (NOT long), out 1,000
 *    199,000×3,000 + 1,000×3,750 + 1,000×15,000            =   615,750,000
 *  B sonnet-4-5 call: in 200,001 (long: every token at the long rate), out 1,000
 *    200,001×6,000 + 1,000×22,500                           = 1,222,506,000
 *  C haiku-4-5 batch, tag nightly: in 10,000, read 50,000, out 2,000
 *    (10,000×1,000 + 50,000×100 + 2,000×5,000) / 2          =    12,500,000
 *  D mystery-model-1 import: in 100, out 100                 unpriced
 *  E haiku-4-5 call, tag nightly, stop max_tokens: w1h 4,000, in 500, out 300
 *    4,000×2,000 + 500×1,000 + 300×5,000                    =    10,000,000
 * at FXR_T0 + 0, 1, 2, 3 and 4 minutes, request ids req_A … req_E.
 */
void fxr_seed_hand(struct fxr *f);

#endif
