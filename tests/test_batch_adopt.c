/* test_batch_adopt.c — the matching rule that finds a batch whose create
 * answer was lost (core/batch_adopt.c): no match, one match, two candidates
 * (closest after the send wins; too close to call is ambiguous), ids the
 * ledger knows skipped, the time window, and what a failure status means. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/batch_adopt.h"

#define T0 1800000000000LL      /* when the create was sent */

static struct api_batch
b(const char *id, int64_t created, int64_t processing, int64_t succeeded)
{
	struct api_batch x;

	memset(&x, 0, sizeof(x));
	snprintf(x.id, sizeof(x.id), "%s", id);
	snprintf(x.processing_status, sizeof(x.processing_status), "in_progress");
	x.created_ms = created;
	x.processing = processing;
	x.succeeded = succeeded;
	return x;
}

static struct batch_adopt_want
want(int64_t requests)
{
	struct batch_adopt_want w = { T0, requests, 0, NULL, 0 };

	w.hi_ms = batch_adopt_hi(T0, T0 + 2000, 1);
	return w;
}

/* ids listed here are "in the ledger" */
static int
known(void *arg, const char *id)
{
	const char *const *ids = arg;

	for (; *ids != NULL; ids++)
		if (strcmp(*ids, id) == 0)
			return 1;
	return 0;
}

static void
test_no_match(void **state)
{
	struct api_batch l[] = {
		b("wrong_count", T0 + 300, 9, 0),
		b("too_old", T0 - BATCH_ADOPT_SKEW_MS - 1, 10, 0),
		b("too_new", T0 + 2000 + BATCH_ADOPT_SKEW_MS + 1, 10, 0),
	};
	struct batch_adopt_want w = want(10);
	size_t pick = 99;

	(void)state;
	assert_int_equal(batch_adopt_match(&w, l, 3, NULL, NULL, &pick, NULL), BATCH_ADOPT_NONE);
	assert_int_equal(pick, 99);
	assert_int_equal(batch_adopt_match(&w, NULL, 0, NULL, NULL, &pick, NULL),
	    BATCH_ADOPT_NONE);
}

/* The counts sum (an ended batch has its requests spread over four counts). */
static void
test_one_match(void **state)
{
	struct api_batch l[] = {
		b("other", T0 - 60000, 3, 0),
		b("ours", T0 + 850, 0, 10),
		b("wrong_count", T0 + 900, 11, 0),
	};
	struct batch_adopt_want w = want(10);
	size_t pick = 99;

	(void)state;
	l[1].errored = 0;
	assert_int_equal(batch_adopt_match(&w, l, 3, NULL, NULL, &pick, NULL), BATCH_ADOPT_ONE);
	assert_int_equal(pick, 1);
	/* edges of the window are in */
	l[0] = b("edge_lo", T0 - BATCH_ADOPT_SKEW_MS, 10, 0);
	l[1] = b("x", T0, 1, 0);
	assert_int_equal(batch_adopt_match(&w, l, 3, NULL, NULL, &pick, NULL), BATCH_ADOPT_ONE);
	assert_int_equal(pick, 0);
}

/* Two candidates: the one created closest after the send wins, even when
 * one before it is nearer in absolute time. */
static void
test_two_candidates_closest_after(void **state)
{
	struct api_batch l[] = {
		b("later", T0 + 40000, 10, 0),
		b("before", T0 - 200, 10, 0),
		b("soon", T0 + 1500, 10, 0),
	};
	struct batch_adopt_want w = want(10);
	size_t pick = 99;

	(void)state;
	w.hi_ms = batch_adopt_hi(T0, T0 + 60000, 1);
	assert_int_equal(batch_adopt_match(&w, l, 3, NULL, NULL, &pick, NULL), BATCH_ADOPT_ONE);
	assert_string_equal(l[pick].id, "soon");
	/* none after: the closest before (clock skew) */
	assert_int_equal(batch_adopt_match(&w, l + 1, 1, NULL, NULL, &pick, NULL),
	    BATCH_ADOPT_ONE);
	assert_int_equal(pick, 0);
}

/* Two on the same side within BATCH_ADOPT_TIE_MS: ambiguous, both named. */
static void
test_two_candidates_ambiguous(void **state)
{
	struct api_batch l[] = {
		b("a", T0 + 300, 10, 0),
		b("far", T0 + 30000, 10, 0),
		b("c", T0 + 900, 10, 0),
	};
	struct batch_adopt_want w = want(10);
	size_t pick = 99, other = 99;

	(void)state;
	w.hi_ms = batch_adopt_hi(T0, T0 + 60000, 1);
	assert_int_equal(batch_adopt_match(&w, l, 3, NULL, NULL, &pick, &other),
	    BATCH_ADOPT_AMBIGUOUS);
	assert_int_equal(pick, 0);
	assert_int_equal(other, 2);
	/* a second apart is enough to tell */
	l[2].created_ms = T0 + 300 + BATCH_ADOPT_TIE_MS;
	assert_int_equal(batch_adopt_match(&w, l, 3, NULL, NULL, &pick, &other), BATCH_ADOPT_ONE);
	assert_int_equal(pick, 0);
	/* one after and one before, equally near: after wins, not ambiguous */
	l[2].created_ms = T0 - 300;
	assert_int_equal(batch_adopt_match(&w, l, 3, NULL, NULL, &pick, &other), BATCH_ADOPT_ONE);
	assert_int_equal(pick, 0);
}

/* Ids the ledger has are never adopted: the next best is. */
static void
test_known_skipped(void **state)
{
	const char *ledger[] = { "mine_already", NULL };
	struct api_batch l[] = {
		b("mine_already", T0 + 100, 10, 0),
		b("lost", T0 + 5000, 10, 0),
	};
	struct batch_adopt_want w = want(10);
	size_t pick = 99;

	(void)state;
	w.hi_ms = batch_adopt_hi(T0, T0 + 6000, 1);
	assert_int_equal(batch_adopt_match(&w, l, 2, known, ledger, &pick, NULL), BATCH_ADOPT_ONE);
	assert_string_equal(l[pick].id, "lost");
	assert_int_equal(batch_adopt_match(&w, l, 1, known, ledger, &pick, NULL),
	    BATCH_ADOPT_NONE);
	/* without the ledger the nearer one would have been taken */
	assert_int_equal(batch_adopt_match(&w, l, 2, NULL, NULL, &pick, NULL), BATCH_ADOPT_ONE);
	assert_string_equal(l[pick].id, "mine_already");
}

/* Another pending create of the same size sent earlier (a process still
 * waiting, or killed) has the better claim on a batch made between the two
 * sends: it is not ours, and nothing is adopted (the create is sent again). */
static void
test_rival_claims(void **state)
{
	int64_t rivals[] = { T0 - 3000, T0 + 60000 };
	struct api_batch l[] = {
		b("theirs", T0 - 2500, 10, 0),
		b("ours", T0 + 400, 10, 0),
	};
	struct batch_adopt_want w = want(10);
	size_t pick = 99;

	(void)state;
	w.rivals = rivals;
	w.nrivals = 1;
	assert_int_equal(batch_adopt_match(&w, l, 1, NULL, NULL, &pick, NULL), BATCH_ADOPT_NONE);
	assert_int_equal(batch_adopt_match(&w, l, 2, NULL, NULL, &pick, NULL), BATCH_ADOPT_ONE);
	assert_string_equal(l[pick].id, "ours");
	/* without the rival, "theirs" was the closest before: taken */
	w.nrivals = 0;
	assert_int_equal(batch_adopt_match(&w, l, 1, NULL, NULL, &pick, NULL), BATCH_ADOPT_ONE);
	/* a rival sent later ranks "ours" as before its send: no claim */
	w.rivals = rivals + 1;
	w.nrivals = 1;
	assert_int_equal(batch_adopt_match(&w, l, 2, NULL, NULL, &pick, NULL), BATCH_ADOPT_ONE);
	assert_string_equal(l[pick].id, "ours");
	/* the rival's own view: "theirs" is its batch */
	w.created_ms = T0 - 3000;
	w.rivals = NULL;
	assert_int_equal(batch_adopt_match(&w, l, 2, NULL, NULL, &pick, NULL), BATCH_ADOPT_ONE);
	assert_string_equal(l[pick].id, "theirs");
}

/* The window: now + skew during a create; at start, capped at the 24 h
 * batch window after the send. */
static void
test_window(void **state)
{
	(void)state;
	assert_int_equal(batch_adopt_since(T0), T0 - BATCH_ADOPT_SKEW_MS);
	assert_int_equal(batch_adopt_hi(T0, T0 + 10, 1), T0 + 10 + BATCH_ADOPT_SKEW_MS);
	assert_int_equal(batch_adopt_hi(T0, T0 + 10, 0), T0 + 10 + BATCH_ADOPT_SKEW_MS);
	assert_int_equal(batch_adopt_hi(T0, T0 + 3 * BATCH_ADOPT_WINDOW_MS, 0),
	    T0 + BATCH_ADOPT_WINDOW_MS + BATCH_ADOPT_SKEW_MS);
}

/* Which failures may have made a batch. */
static void
test_classify(void **state)
{
	(void)state;
	assert_int_equal(batch_adopt_classify(0), BATCH_ADOPT_FAIL_AMBIGUOUS);
	assert_int_equal(batch_adopt_classify(500), BATCH_ADOPT_FAIL_AMBIGUOUS);
	assert_int_equal(batch_adopt_classify(504), BATCH_ADOPT_FAIL_AMBIGUOUS);
	assert_int_equal(batch_adopt_classify(529), BATCH_ADOPT_FAIL_AMBIGUOUS);
	assert_int_equal(batch_adopt_classify(408), BATCH_ADOPT_FAIL_RETRY);
	assert_int_equal(batch_adopt_classify(409), BATCH_ADOPT_FAIL_RETRY);
	assert_int_equal(batch_adopt_classify(429), BATCH_ADOPT_FAIL_RETRY);
	assert_int_equal(batch_adopt_classify(400), BATCH_ADOPT_FAIL_FINAL);
	assert_int_equal(batch_adopt_classify(401), BATCH_ADOPT_FAIL_FINAL);
	assert_int_equal(batch_adopt_classify(413), BATCH_ADOPT_FAIL_FINAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_one_match),
		cmocka_unit_test(test_two_candidates_closest_after),
		cmocka_unit_test(test_two_candidates_ambiguous),
		cmocka_unit_test(test_known_skipped),
		cmocka_unit_test(test_rival_claims),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
