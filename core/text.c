/* text.c — UTF-8 decoding, word boundaries, normalising, hashing, the
 * terminal sanitiser and the CSV field writer. Tables are fixed here rather
 * than taken from the C locale so that routing and compression give the same
 * answer on every machine. */
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

size_t
text_decode(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c, min;
	size_t n, i;

	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		goto bad;
	if (n > len)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = 0xfffd;
	return 1;
}

int
text_is_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200b) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000 || c == 0xfeff;
}

int
text_is_punct(uint32_t c)
{
	if (c < 0x80)
		return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) ||
		    (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
	if (c < 0x100)	/* ¡…¿ minus ª µ º and the superscripts/fractions; × ÷ */
		return (c >= 0xa1 && c <= 0xa9) || (c >= 0xab && c <= 0xb1) ||
		    c == 0xb4 || (c >= 0xb6 && c <= 0xb8) || c == 0xbb || c == 0xbf ||
		    c == 0xd7 || c == 0xf7;
	return (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205e) ||
	    (c >= 0x2e00 && c <= 0x2e7f) || (c >= 0x3001 && c <= 0x3003) ||
	    (c >= 0x3008 && c <= 0x3011) || (c >= 0x3014 && c <= 0x301f) ||
	    c == 0x30fb || (c >= 0xff01 && c <= 0xff0f) || (c >= 0xff1a && c <= 0xff20) ||
	    (c >= 0xff3b && c <= 0xff40) || (c >= 0xff5b && c <= 0xff65);
}

int
text_is_hangul(uint32_t c)
{
	return (c >= 0xac00 && c <= 0xd7a3) || (c >= 0x1100 && c <= 0x11ff) ||
	    (c >= 0x3130 && c <= 0x318f) || (c >= 0xa960 && c <= 0xa97f) ||
	    (c >= 0xd7b0 && c <= 0xd7ff);
}

/* Other C0 controls, DEL and C1 controls: never part of a word or of normalised text. */
static int
is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0);
}

static int
is_word_cp(uint32_t c)
{
	return !text_is_space(c) && !text_is_punct(c) && !is_control(c);
}

int
text_next_word(const char *s, size_t len, size_t *pos, size_t *start, size_t *wlen)
{
	size_t i = *pos, n, m;
	uint32_t c, next;

	while (i < len) {	/* skip separators */
		n = text_decode(s + i, len - i, &c);
		if (is_word_cp(c))
			break;
		i += n;
	}
	if (i >= len) {
		*pos = len;
		return 0;
	}
	*start = i;
	while (i < len) {
		n = text_decode(s + i, len - i, &c);
		if (!is_word_cp(c)) {
			if ((c != '\'' && c != 0x2019) || i + n >= len)
				break;
			m = text_decode(s + i + n, len - i - n, &next);
			(void)m;
			if (!is_word_cp(next))
				break;
		}
		i += n;
	}
	*wlen = i - *start;
	*pos = i;
	return 1;
}

size_t
text_count_words(const char *s, size_t len)
{
	size_t pos = 0, st, wl, n = 0;

	while (text_next_word(s, len, &pos, &st, &wl))
		n++;
	return n;
}

int64_t
text_estimate_tokens(size_t n)
{
	return (int64_t)((n + 3) / 4);
}

char *
text_normalize(const char *s, size_t len, int fold, size_t *outlen)
{
	char *out = malloc(len * 3 + 1);	/* a bad byte becomes 3 */
	size_t i = 0, j = 0, n;
	int pending = 0;
	uint32_t c;

	if (out == NULL)
		return NULL;
	while (i < len) {
		n = text_decode(s + i, len - i, &c);
		if (text_is_space(c) || is_control(c)) {
			pending = j > 0;
			i += n;
			continue;
		}
		if (pending) {
			out[j++] = ' ';
			pending = 0;
		}
		if (n == 1 && fold && c >= 'A' && c <= 'Z')
			out[j++] = (char)(c - 'A' + 'a');
		else if (n == 1 && c == 0xfffd) {
			memcpy(out + j, "\xef\xbf\xbd", 3);
			j += 3;
		} else {
			memcpy(out + j, s + i, n);
			j += n;
		}
		i += n;
	}
	out[j] = '\0';
	*outlen = j;
	return out;
}

uint64_t
text_hash(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t
text_hash_fold(const char *s, size_t n)
{
	uint64_t h = TEXT_HASH_INIT;
	unsigned char c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h ^= c;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- outside text on a terminal, in a spreadsheet ---------------------------- */

int
text_is_unsafe(uint32_t c)
{
	return is_control(c) || c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

char *
text_sanitize(const char *s, char *out, size_t n, int flags)
{
	static const char repl[] = "\xef\xbf\xbd";	/* U+FFFD */
	size_t len = s != NULL ? strlen(s) : 0, i = 0, o = 0, k, w;
	const char *put;
	uint32_t c;

	if (n == 0)
		return out;
	while (i < len) {
		k = text_decode(s + i, len - i, &c);
		put = s + i;
		w = k;
		if ((flags & TEXT_LINES) && (c == '\n' || c == '\t')) {
			/* kept */
		} else if ((flags & TEXT_LINES) && c == '\r' && s[i + 1] == '\n') {
			w = 0;
		} else if (c == '\t' || c == '\n' || c == '\r') {
			put = " ";
			w = 1;
		} else if (c == 0xfffd || text_is_unsafe(c)) {
			put = repl;
			w = 3;
		}
		if (w > 1 && (flags & TEXT_ASCII)) {
			put = "?";
			w = 1;
		}
		if (o + w >= n)
			break;
		memcpy(out + o, put, w);
		o += w;
		i += k;
	}
	out[o] = '\0';
	return out;
}

char *
text_sanitize_dup(const char *s, int flags)
{
	size_t n = (s != NULL ? strlen(s) : 0) * 3 + 1;
	char *out = malloc(n);

	return out != NULL ? text_sanitize(s, out, n, flags) : NULL;
}

int
text_csv_write(FILE *f, const char *s)
{
	char *c = text_sanitize_dup(s, 0), *p;
	int formula = s != NULL && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
	int quote = formula || (c != NULL && strpbrk(c, ",\"") != NULL);

	if (c == NULL)
		return -1;
	if (quote)
		fputs(formula ? "\"'" : "\"", f);
	for (p = c; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
	free(c);
	return ferror(f) ? -1 : 0;
}

int
text_json_write(FILE *f, const char *json)
{
	size_t len = strlen(json), i = 0, run = 0, k;
	uint32_t c;

	while (i < len) {
		k = text_decode(json + i, len - i, &c);
		/* below 0x20: the document's own line breaks and indentation */
		if (c >= 0x20 && text_is_unsafe(c)) {
			if ((run > 0 && fwrite(json + i - run, 1, run, f) != run) ||
			    fprintf(f, "\\u%04x", (unsigned)c) < 0)
				return -1;
			run = 0;
		} else
			run += k;
		i += k;
	}
	if (run > 0 && fwrite(json + len - run, 1, run, f) != run)
		return -1;
	return 0;
}
