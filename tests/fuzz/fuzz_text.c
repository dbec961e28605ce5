/* fuzz_text.c — libFuzzer target: the terminal sanitiser and the CSV field
 * writer on arbitrary bytes. Whatever comes in, what comes out is valid
 * UTF-8 with no unsafe code point (LF and TAB only with TEXT_LINES), fits
 * its buffer, and a CSV field never starts a formula. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

static void
check_clean(const char *s, int lines)
{
	size_t len = strlen(s), i, k;
	uint32_t c;

	for (i = 0; i < len; i += k) {
		k = text_decode(s + i, len - i, &c);
		if (c == 0xfffd && k == 1)
			abort();                    /* not valid UTF-8 */
		if (text_is_unsafe(c) && !(lines && (c == '\n' || c == '\t')))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *d, small[16], *csv = NULL;
	size_t csvlen = 0;
	FILE *f;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if ((d = text_sanitize_dup(s, 0)) != NULL) {
		check_clean(d, 0);
		free(d);
	}
	if ((d = text_sanitize_dup(s, TEXT_LINES)) != NULL) {
		check_clean(d, 1);
		free(d);
	}
	text_sanitize(s, small, sizeof(small), 0);
	if (strlen(small) >= sizeof(small))
		abort();
	check_clean(small, 0);
	if ((f = open_memstream(&csv, &csvlen)) != NULL) {
		text_csv_write(f, s);
		fclose(f);
		if (csv != NULL && csvlen > 0 && strchr("=+-@\t\r", csv[0]) != NULL)
			abort();                    /* a formula, unquoted */
		if (csv != NULL && csvlen > 1 && csv[0] == '"' && strchr("=+-@\t\r", csv[1]) != NULL)
			abort();                    /* a formula inside the quotes */
		free(csv);
	}
	free(s);
	return 0;
}
