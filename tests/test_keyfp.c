/* test_keyfp.c — key fingerprints: stable, distinct, never the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/keyfp.h"

static void
test_form(void **state)
{
	char a[KEYFP_MAX], b[KEYFP_MAX];
	(void)state;

	keyfp_make("sk-ant-api03-abcdefghijklmnopqrstuvwxyzWXYZ", a, sizeof(a));
	assert_int_equal(strncmp(a, "\xe2\x80\xa6WXYZ-", 8), 0);
	assert_int_equal(strlen(a), 3 + 4 + 1 + 8);
	keyfp_make("sk-ant-api03-abcdefghijklmnopqrstuvwxyzWXYZ", b, sizeof(b));
	assert_string_equal(a, b);                       /* stable */
	keyfp_make("sk-ant-api03-AbcdefghijklmnopqrstuvwxyzWXYZ", b, sizeof(b));
	assert_string_not_equal(a, b);                   /* same tail, another key */
	assert_null(strstr(a, "sk-ant"));
}

static void
test_short_and_empty(void **state)
{
	char a[KEYFP_MAX];
	(void)state;

	assert_string_equal(keyfp_make(NULL, a, sizeof(a)), "");
	assert_string_equal(keyfp_make("", a, sizeof(a)), "");
	keyfp_make("sk-test", a, sizeof(a));
	assert_null(strstr(a, "test"));
	assert_int_equal(strncmp(a, "\xe2\x80\xa6-", 4), 0);
	keyfp_make("sk-ant-api03-abcdefghWXYZ", a, 5);    /* truncated, terminated */
	assert_true(strlen(a) < 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_short_and_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
