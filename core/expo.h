/* expo.h — the Prometheus text exposition format (version 0.0.4), written
 * into a growing buffer: families with their # HELP and # TYPE lines,
 * samples with escaped label values, and exact decimal values from integer
 * nano-dollars. Pure: no I/O, no clock. Used by `tokentop exporter` and
 * `tokentop proxy --metrics`. */
#ifndef TOKENTOP_EXPO_H
#define TOKENTOP_EXPO_H

#include <stddef.h>
#include <stdint.h>

/* The Content-Type of what this writes. */
#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A text being written. Zero it (or expo_init) to start; expo_done frees.
 * Out of memory is sticky: every later call does nothing and expo_text
 * returns NULL. */
struct expo {
	char  *buf;
	size_t len, cap;
	int    oom;
};

void expo_init(struct expo *e);
void expo_done(struct expo *e);            /* frees buf; NULL fine; leaves e zeroed */

/* The text so far (NUL-terminated, borrowed until the next call), or NULL
 * after an allocation failed. */
const char *expo_text(const struct expo *e, size_t *len);

/*
 * Start family name: "# HELP name help" (help escaped: backslash and
 * newline) and "# TYPE name type" (counter, gauge, histogram, untyped).
 * Every family is started once, before its samples.
 */
void expo_family(struct expo *e, const char *name, const char *type, const char *help);

/*
 * One sample: name{l1="v1",…} value. labels holds nlabels name/value pairs
 * (labels[2i] the name, labels[2i+1] the value; a NULL value is written as
 * ""). Values are escaped (backslash, double quote, line feed) and any byte
 * that is not valid UTF-8 becomes U+FFFD, so the text stays valid UTF-8;
 * valid UTF-8 (Korean, emoji) is kept as it is. value is written verbatim
 * (expo_int, expo_usd or a histogram's bound).
 */
void expo_sample(struct expo *e, const char *name, const char *const *labels, size_t nlabels,
                 const char *value);

/* A label value escaped as expo_sample writes it, into out (truncated at a
 * whole character to fit n). Returns out. */
char *expo_escape(const char *v, char *out, size_t n);

/* n as decimal ("-12"). Returns buf (n >= 24). */
char *expo_int(int64_t v, char *buf, size_t n);

/* Nano-dollars as exact USD: 1234567890 → "1.23456789", 5 → "0.000000005",
 * 0 → "0", -1500000000 → "-1.5": integer arithmetic only, no trailing
 * zeros. Returns buf (n >= 32). */
char *expo_usd(int64_t nanos, char *buf, size_t n);

/* Microseconds as seconds, exactly: 1500 → "0.0015". Returns buf (n >= 32). */
char *expo_seconds_us(int64_t us, char *buf, size_t n);

#endif
