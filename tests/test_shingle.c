/* test_shingle.c — shingle sets, Jaccard, and the prefix-filter index giving
 * exactly the answers of a comparison with every set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/shingle.h"

static void
test_sets(void **state)
{
	struct shingles a, b, c, e;

	(void)state;
	assert_int_equal(shingle_set("one two three four five six", 27, 5, &a), 0);
	assert_int_equal(a.n, 2);
	assert_int_equal(shingle_set("ONE two, three four five six!", 29, 5, &b), 0);
	assert_true(shingle_jaccard(&a, &b) == 1.0);            /* case and punctuation */
	assert_int_equal(shingle_set("one two", 7, 5, &c), 0);
	assert_int_equal(c.n, 1);                               /* short text: one shingle */
	assert_int_equal(shingle_set(" ,. ", 4, 5, &e), 0);
	assert_int_equal(e.n, 0);
	assert_true(shingle_jaccard(&a, &e) == 0.0);
	assert_true(shingle_jaccard(&e, &e) == 0.0);
	shingle_set_done(&a);
	shingle_set_done(&b);
	shingle_set_done(&c);
	shingle_set_done(&e);
	shingle_set_done(NULL);
	/* repeated shingles count once: a b a b a b a b … */
	assert_int_equal(shingle_set("a b a b a b a b a b", 19, 2, &a), 0);
	assert_int_equal(a.n, 2);
	shingle_set_done(&a);
}

/* Deterministic texts: base paragraphs with 0..12 words edited. */
static char *
text_of(unsigned seed, size_t *len)
{
	static const char *const vocab[] = {
		"cache", "token", "price", "batch", "model", "route", "budget", "ledger", "분석",
		"요약", "prompt", "input", "output", "write", "read", "hour", "day", "month",
	};
	unsigned base = seed % 5, edits = (seed / 5) % 13, x = base * 7919 + 1, y = seed + 17;
	size_t n = 30 + base * 10, i, cap = 2048, l = 0;
	char *s = malloc(cap);

	for (i = 0; i < n; i++) {
		const char *w = vocab[(x >> 8) % 18];

		x = x * 1103515245u + 12345u;
		if (edits > 0 && (y = y * 1664525u + 1013904223u) % n < edits)
			w = "EDIT";
		l += (size_t)snprintf(s + l, cap - l, "%s%s%u", i ? " " : "", w, (x >> 20) % 3);
	}
	*len = l;
	return s;
}

/* The index answers exactly like a comparison with every added set. */
static void
test_index_exact(void **state)
{
	enum { N = 300 };
	static const double th[] = { 0.5, 0.8, 0.9 };
	struct shingles sets[N];
	struct shingle_index *ix;
	int added[N];
	size_t i, j, got, want, t, len, dups;
	double sim, wsim;
	char *s;

	(void)state;
	for (i = 0; i < N; i++) {
		s = text_of((unsigned)i, &len);
		assert_int_equal(shingle_set(s, len, 5, &sets[i]), 0);
		free(s);
	}
	for (t = 0; t < 3; t++) {
		ix = shingle_index_new(sets, N, th[t]);
		assert_non_null(ix);
		memset(added, 0, sizeof(added));
		dups = 0;
		for (i = 0; i < N; i++) {
			want = i;
			wsim = 0;
			for (j = 0; j < i && want == i; j++)
				if (added[j] && (wsim = shingle_jaccard(&sets[i], &sets[j])) >= th[t])
					want = j;
			sim = 0;
			got = shingle_index_match(ix, i, &sim);
			if (got != want)
				fail_msg("t %.1f set %zu: index says %zu, brute force %zu", th[t], i,
				    got, want);
			if (want != i) {
				assert_true(sim == wsim);
				dups++;
			} else {
				shingle_index_add(ix, i);
				added[i] = 1;
			}
		}
		shingle_index_free(ix);
		assert_true(dups > 20 && dups < N - 20);   /* the data exercises both ways */
	}
	for (i = 0; i < N; i++)
		shingle_set_done(&sets[i]);
	shingle_index_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_index_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
