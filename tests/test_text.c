/* test_text.c — the terminal sanitiser (a table of hostile inputs, random
 * bytes, small buffers) and the CSV field writer (quoting, formulas). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/text.h"

#define R "\xef\xbf\xbd"    /* U+FFFD, the visible replacement */

static const struct {
	const char *name, *in, *want;
	int         flags;
} cases[] = {
	{ "plain",            "claude-haiku-4-5",              "claude-haiku-4-5", 0 },
	{ "Korean unchanged", "모델 한국어 ✓ 🙂",              "모델 한국어 ✓ 🙂", 0 },
	{ "CSI",              "a\x1b[2Jb",                     "a" R "[2Jb", 0 },
	{ "OSC title + BEL",  "\x1b]0;pwned\x07x",             R "]0;pwned" R "x", 0 },
	{ "OSC 8 hyperlink",  "\x1b]8;;http://e\x1b\\l\x1b]8;;\x1b\\",
	                      R "]8;;http://e" R "\\l" R "]8;;" R "\\", 0 },
	{ "backspace, NUL-free C0", "a\x08\x01\x1f" "b",       "a" R R R "b", 0 },
	{ "DEL",              "a\x7f" "b",                     "a" R "b", 0 },
	{ "C1 CSI as UTF-8",  "x\xc2\x9b" "31m",               "x" R "31m", 0 },
	{ "C1 NEL as UTF-8",  "x\xc2\x85y",                    "x" R "y", 0 },
	{ "C1 CSI raw byte",  "x\x9b" "31m",                   "x" R "31m", 0 },
	{ "raw 8-bit C1 run", "\x80\x9f",                      R R, 0 },
	{ "bidi override",    "ab\xe2\x80\xae" "cd",           "ab" R "cd", 0 },
	{ "bidi isolates",    "\xe2\x81\xa6" "x\xe2\x81\xa9",  R "x" R, 0 },
	{ "bidi marks",       "\xe2\x80\x8f" "a\xd8\x9c",      R "a" R, 0 },
	{ "invalid UTF-8",    "a\xff" "b\xc0\x9b" "c",         "a" R "b" R R "c", 0 },
	{ "surrogate",        "\xed\xa0\x80",                  R R R, 0 },
	{ "truncated",        "ok\xe2\x80",                    "ok" R R, 0 },
	{ "line breaks",      "tab\there\r\nnl",               "tab here  nl", 0 },
	{ "lines kept",       "a\tb\r\nc\rd\x1b",              "a\tb\nc d" R, TEXT_LINES },
	{ "ASCII terminal",   "모델 x\x1b",                    "?? x?", TEXT_ASCII },
	{ "empty",            "",                              "", 0 },
};

static void
test_sanitize_table(void **state)
{
	char out[256], *d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text_sanitize(cases[i].in, out, sizeof(out), cases[i].flags);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s: got \"%s\"", cases[i].name, out);
		d = text_sanitize_dup(cases[i].in, cases[i].flags);
		assert_non_null(d);
		assert_string_equal(d, cases[i].want);
		free(d);
	}
	assert_string_equal(text_sanitize(NULL, out, sizeof(out), 0), "");
}

/* A short buffer truncates at a whole character, never half a U+FFFD. */
static void
test_sanitize_short(void **state)
{
	char b[8];

	(void)state;
	assert_string_equal(text_sanitize("가나", b, 5, 0), "가");
	assert_string_equal(text_sanitize("ab\x1b", b, 5, 0), "ab");
	assert_string_equal(text_sanitize("abcdefghij", b, sizeof(b), 0), "abcdefg");
	b[0] = 'x';
	text_sanitize("abc", b, 0, 0);       /* no room at all: untouched */
	assert_int_equal(b[0], 'x');
}

/* Whatever comes in, what comes out is valid UTF-8 with no control, C1 or
 * bidi code point, and the worst case (every byte bad) fits the dup. */
static void
test_sanitize_random(void **state)
{
	unsigned char in[64];
	char out[48], *d;
	const char *p;
	unsigned seed = 12345;
	uint32_t c;
	size_t k, len;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		for (k = 0; k < 63; k++) {
			seed = seed * 1103515245u + 12345u;
			in[k] = (unsigned char)(seed >> 16);
			if (in[k] == 0)
				in[k] = 0x1b;
		}
		in[63] = 0;
		d = text_sanitize_dup((const char *)in, i % 2 ? TEXT_LINES : 0);
		assert_non_null(d);
		text_sanitize((const char *)in, out, sizeof(out), 0);
		assert_true(strlen(out) < sizeof(out));
		for (p = d, len = strlen(d); p < d + len; p += k) {
			k = text_decode(p, (size_t)(d + len - p), &c);
			assert_false(c == 0xfffd && k == 1);             /* valid UTF-8 */
			if (c != '\n' && c != '\t')
				assert_false(text_is_unsafe(c));
		}
		if (i % 2 == 0)                                      /* same prefix */
			assert_int_equal(strncmp(d, out, strlen(out)), 0);
		free(d);
	}
}

static void
test_unsafe(void **state)
{
	(void)state;
	assert_true(text_is_unsafe(0x1b));
	assert_true(text_is_unsafe(0x9b));
	assert_true(text_is_unsafe(0x202e));
	assert_true(text_is_unsafe(0x2066));
	assert_false(text_is_unsafe(' '));
	assert_false(text_is_unsafe(0xa0));
	assert_false(text_is_unsafe(0xac00));
	assert_false(text_is_unsafe(0xfffd));
}

static const struct {
	const char *in, *want;
} csv[] = {
	{ "claude-haiku-4-5",           "claude-haiku-4-5" },
	{ "2026-01-05",                 "2026-01-05" },
	{ "odd, \"name\"",              "\"odd, \"\"name\"\"\"" },
	{ "=HYPERLINK(\"http://e\",\"x\")", "\"'=HYPERLINK(\"\"http://e\"\",\"\"x\"\")\"" },
	{ "+SUM(1)",                    "\"'+SUM(1)\"" },
	{ "-2+3",                       "\"'-2+3\"" },
	{ "@cmd",                       "\"'@cmd\"" },
	{ "\t=1",                       "\"' =1\"" },
	{ "\r=1",                       "\"' =1\"" },
	{ "a=1",                        "a=1" },
	{ "\x1b]0;t\x07",               R "]0;t" R },
	{ "line\nbreak",                "line break" },
	{ "모델",                       "모델" },
	{ "",                           "" },
};

static void
test_csv(void **state)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(csv) / sizeof(csv[0]); i++) {
		f = open_memstream(&buf, &len);
		assert_non_null(f);
		assert_int_equal(text_csv_write(f, csv[i].in), 0);
		fclose(f);
		if (strcmp(buf, csv[i].want) != 0)
			fail_msg("csv %zu: got %s, want %s", i, buf, csv[i].want);
		free(buf);
		buf = NULL;
	}
}

/* JSON out: C1, DEL and bidi marks as escapes; Korean, \n of the layout kept. */
static void
test_json(void **state)
{
	static const struct { const char *in, *want; } jcases[] = {
		{ "{\"m\": \"a\xc2\x9b" "31m\"}\n", "{\"m\": \"a\\u009b31m\"}\n" },
		{ "[\"\x7f\xe2\x80\xae\xef\xbb\xbf\"]", "[\"\\u007f\\u202e\\ufeff\"]" },
		{ "{\"\xed\x95\x9c\": 1}", "{\"\xed\x95\x9c\": 1}" },
		{ "", "" },
	};
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(jcases) / sizeof(jcases[0]); i++) {
		f = open_memstream(&buf, &len);
		assert_non_null(f);
		assert_int_equal(text_json_write(f, jcases[i].in), 0);
		fclose(f);
		if (strcmp(buf, jcases[i].want) != 0)
			fail_msg("json %zu: got %s, want %s", i, buf, jcases[i].want);
		free(buf);
		buf = NULL;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_table),
		cmocka_unit_test(test_sanitize_short),
		cmocka_unit_test(test_sanitize_random),
		cmocka_unit_test(test_unsafe),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
