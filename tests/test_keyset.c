/* test_keyset.c — data/keyset.c: every hash added is in (never a wrong
 * "not in"), and hashes never added are mostly not (the Bloom filter's
 * false positives at 200,000 hashes under 1%). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "data/keyset.h"

/* Weak hashes on purpose (consecutive numbers): the set mixes them. */
static void
test_in_and_out(void **state)
{
	struct keyset *k = keyset_new();
	uint64_t i;
	unsigned wrong = 0;

	(void)state;
	assert_non_null(k);
	assert_false(keyset_has(k, 42));
	assert_false(keyset_has(NULL, 42));
	for (i = 0; i < 200000; i++)
		keyset_add(k, i);
	keyset_add(k, 0);
	assert_int_equal(keyset_count(k), 200001);
	for (i = 0; i < 200000; i++)
		assert_true(keyset_has(k, i));
	for (i = 200000; i < 300000; i++)
		wrong += (unsigned)keyset_has(k, i);
	assert_true(wrong < 1000);           /* expected ~0.2%: ~230 of 100,000 */
	keyset_free(k);
	keyset_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_and_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
