/* test_pg_uri.c — passwords in PostgreSQL URIs: found where libpq finds
 * them, masked, scrubbed in place, cut out of messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "data/pg_uri.h"

static void
test_is(void **state)
{
	(void)state;
	assert_true(pg_uri_is("postgres://h/db"));
	assert_true(pg_uri_is("postgresql://h/db"));
	assert_true(pg_uri_is("PostgreSQL://h/db"));
	assert_false(pg_uri_is("postgresql:/h/db"));
	assert_false(pg_uri_is("/var/lib/postgresql://x"));
	assert_false(pg_uri_is("usage.db"));
	assert_false(pg_uri_is(""));
	assert_false(pg_uri_is(NULL));
}

static const struct {
	const char *uri, *masked;
} cases[] = {
	{ "postgresql://u:secret@h:5432/db", "postgresql://u:***@h:5432/db" },
	{ "postgres://u@h/db", "postgres://u@h/db" },
	{ "postgresql://h/db", "postgresql://h/db" },
	{ "postgresql:///db?host=/run/pg", "postgresql:///db?host=/run/pg" },
	{ "postgresql://u:a:b?c@h/db", "postgresql://u:***@h/db" },
	{ "postgresql://u:@h/db", "postgresql://u:***@h/db" },
	{ "postgresql://h/db?sslmode=require&password=pw2&application_name=x",
	  "postgresql://h/db?sslmode=require&password=***&application_name=x" },
	{ "postgresql://h/db?pass%77ord=pw3", "postgresql://h/db?pass%77ord=***" },
	{ "postgresql://u:p%40ss@h/db?password=q", "postgresql://u:***@h/db?password=***" },
	{ "postgresql://u:pw@h1:5432,h2:5433/db", "postgresql://u:***@h1:5432,h2:5433/db" },
};

static void
test_mask(void **state)
{
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pg_uri_mask(cases[i].uri, out, sizeof(out));
		assert_string_equal(out, cases[i].masked);
	}
	pg_uri_mask("postgresql://u:secret@h/db", out, 12);    /* truncated, terminated */
	assert_int_equal(strlen(out), 11);
}

static void
test_scrub(void **state)
{
	char a[] = "postgresql://u:secret@h:5432/db?password=two&x=1";

	(void)state;
	pg_uri_scrub(a);
	assert_string_equal(a, "postgresql://u:xxxxxx@h:5432/db?password=xxx&x=1");
}

static void
test_redact(void **state)
{
	char m[128];

	(void)state;
	snprintf(m, sizeof(m), "invalid percent-encoded token: \"se%%zzcret\"");
	pg_uri_redact("postgresql://u:se%zzcret@h/db", m, sizeof(m));
	assert_string_equal(m, "invalid percent-encoded token: \"***\"");
	snprintf(m, sizeof(m), "user u: p@ss and p%%40ss");
	pg_uri_redact("postgresql://u:p%40ss@h/db", m, sizeof(m));
	assert_string_equal(m, "user u: *** and ***");
	snprintf(m, sizeof(m), "xy");      /* longer mask than the secret, tiny buffer */
	pg_uri_redact("postgresql://u:y@h/db", m, 4);
	assert_string_equal(m, "x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
