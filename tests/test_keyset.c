/* test_keyset.c — data/keyset.c: hashes in and found, 0 as any other,
 * growth past the first table, and the cap refusing without change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "data/keyset.h"

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static void
test_add_has(void **state)
{
	struct keyset *k = keyset_new(100000);
	uint64_t i;

	(void)state;
	assert_non_null(k);
	assert_false(keyset_has(k, 42));
	assert_false(keyset_has(NULL, 42));
	for (i = 0; i < 50000; i++)          /* many doublings of the table */
		assert_int_equal(keyset_add(k, mix(i)), 0);
	assert_int_equal(keyset_add(k, mix(7)), 0);     /* again: no second copy */
	assert_int_equal(keyset_count(k), 50000);
	for (i = 0; i < 50000; i++)
		assert_true(keyset_has(k, mix(i)));
	for (i = 50000; i < 60000; i++)
		assert_false(keyset_has(k, mix(i)));
	assert_int_equal(keyset_add(k, 0), 0);           /* 0 is a hash like any */
	assert_true(keyset_has(k, 0));
	keyset_free(k);
	keyset_free(NULL);
}

static void
test_cap(void **state)
{
	struct keyset *k = keyset_new(3);

	(void)state;
	assert_int_equal(keyset_add(k, 1), 0);
	assert_int_equal(keyset_add(k, 2), 0);
	assert_int_equal(keyset_add(k, 3), 0);
	assert_int_equal(keyset_add(k, 4), -1);          /* full */
	assert_int_equal(keyset_add(k, 2), 0);           /* already in: fine */
	assert_int_equal(keyset_count(k), 3);
	assert_false(keyset_has(k, 4));
	keyset_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_has),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
