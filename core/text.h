/* text.h — UTF-8 helpers: decoding, word boundaries (Unicode whitespace and
 * punctuation), normalising, hashing; the one sanitiser for outside text on a
 * terminal, and the one CSV field writer. */
#ifndef TOKENTOP_TEXT_H
#define TOKENTOP_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Decode the code point at s[0..len) (len > 0) into *cp and return the bytes
 * it used (1–4). Malformed or truncated input yields U+FFFD and 1, so every
 * byte string can be walked without loss of position.
 */
size_t text_decode(const char *s, size_t len, uint32_t *cp);

/* Unicode white space (plus U+200B ZERO WIDTH SPACE and U+FEFF BOM). */
int text_is_space(uint32_t cp);

/* Punctuation and ASCII symbols: ASCII, Latin-1, General and Supplemental
 * Punctuation, CJK punctuation and the full-width forms. */
int text_is_punct(uint32_t cp);

/* Hangul syllables and jamo. */
int text_is_hangul(uint32_t cp);

/*
 * The next word of s[0..len) at or after *pos: a run of code points that are
 * neither space, punctuation nor control characters; an apostrophe (' or
 * U+2019) between two word characters stays inside the word ("don't" is one
 * word). Sets *start and *wlen (bytes), advances *pos past the word, returns
 * 1; 0 when none is left.
 */
int text_next_word(const char *s, size_t len, size_t *pos, size_t *start, size_t *wlen);

/* Words in s[0..len) as text_next_word sees them. */
size_t text_count_words(const char *s, size_t len);

/* The project's token estimate for text of n bytes: ceil(n / 4). */
int64_t text_estimate_tokens(size_t n);

/*
 * A copy of s[0..len) with every run of white space and control characters
 * (NUL included) made one ' ', leading and trailing space removed, ASCII letters lower-cased when fold is set, and
 * each malformed byte replaced by U+FFFD (so the result is valid UTF-8).
 * Returns a NUL-terminated string the caller frees, its length in *outlen;
 * NULL when out of memory.
 */
char *text_normalize(const char *s, size_t len, int fold, size_t *outlen);

/* 64-bit FNV-1a of p[0..n) continuing from h (start with TEXT_HASH_INIT). */
#define TEXT_HASH_INIT 0xcbf29ce484222325ULL
uint64_t text_hash(const void *p, size_t n, uint64_t h);

/* text_hash of s[0..n) from TEXT_HASH_INIT with ASCII letters lower-cased. */
uint64_t text_hash_fold(const char *s, size_t n);

/*
 * Code points that must never reach a terminal: C0 controls, DEL, C1
 * controls (U+0080–U+009F) and the invisible bidirectional marks, embeddings,
 * overrides and isolates (U+061C, U+200E, U+200F, U+202A–U+202E,
 * U+2066–U+2069; "Trojan Source"), and U+FEFF.
 */
int text_is_unsafe(uint32_t cp);

/* Flags of text_sanitize. */
#define TEXT_ASCII 0x1  /* every non-ASCII character becomes '?' (a terminal that is not UTF-8) */
#define TEXT_LINES 0x2  /* keep LF and TAB (multi-line text); a CR before LF goes */

/*
 * Outside text (model names, tags, ids, file names, a server's messages) made
 * safe to print, into out[0..n): TAB, LF and CR become one space each; every
 * other text_is_unsafe code point and every byte that is not valid UTF-8 (a
 * raw 8-bit C1 byte such as 0x9B included) becomes U+FFFD, so the reader sees
 * that something was there. Valid printable UTF-8 (Korean, emoji) passes
 * unchanged. Always NUL-terminates and never cuts a character (a short out
 * truncates); s NULL is "". Returns out.
 */
char *text_sanitize(const char *s, char *out, size_t n, int flags);

/* text_sanitize into a new string the caller frees (3 × strlen(s) + 1 bytes
 * at most, so nothing is cut); NULL when out of memory. */
char *text_sanitize_dup(const char *s, int flags);

/*
 * Write the text s to f as one CSV field: sanitised as text_sanitize does
 * (no control character, no line break), quoted per RFC 4180 when it holds a
 * comma or a quote, and, when s starts with '=', '+', '-', '@', TAB or CR
 * (a spreadsheet would run it as a formula), with a ' first inside the
 * quotes (OWASP's advice). Numbers the program writes itself are not text:
 * print them directly. Returns 0, or -1 when out of memory or on a write
 * error.
 */
int text_csv_write(FILE *f, const char *s);

/*
 * Write JSON text (as json_dumps made it: valid UTF-8, controls below 0x20
 * already escaped) to f with every other text_is_unsafe code point (DEL, C1,
 * the bidi marks, U+FEFF) written as a \uXXXX escape. Such code points can
 * only stand inside JSON strings, so the document means exactly the same
 * and a terminal never receives them raw. Returns 0, or -1 on a write error.
 */
int text_json_write(FILE *f, const char *json);

#endif
