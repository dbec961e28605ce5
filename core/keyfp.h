/* keyfp.h — an API key's fingerprint: how tokentop names a key anywhere it
 * must be told apart (rate-limit state, proxy rows, reports) without ever
 * holding the key. The form is "…WXYZ-1a2b3c4d": the key's last four
 * characters and 32 bits of an FNV-1a hash of the whole key. Two keys that
 * share their last four characters still differ; the key cannot be read
 * back from it. */
#ifndef TOKENTOP_KEYFP_H
#define TOKENTOP_KEYFP_H

#include <stddef.h>

/* Longest fingerprint with its NUL ("…" is 3 bytes in UTF-8). */
#define KEYFP_MAX 24

/* Writes key's fingerprint into buf (n >= KEYFP_MAX) and returns buf.
 * An empty or NULL key gives "" (no key); a key shorter than 12
 * characters gives only the hash part ("…-1a2b3c4d"), so a short test key
 * is not shown nearly whole. Never fails; buf is caller-owned. */
const char *keyfp_make(const char *key, char *buf, size_t n);

#endif
