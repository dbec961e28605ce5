/* keyset.h — a set of 64-bit hashes (open addressing), bounded: past its
 * cap it refuses to grow, so a caller that relies on it can fall back. */
#ifndef TOKENTOP_KEYSET_H
#define TOKENTOP_KEYSET_H

#include <stddef.h>
#include <stdint.h>

struct keyset;

/* A new empty set that holds at most cap hashes (cap >= 1). NULL when out
 * of memory. The caller frees it with keyset_free. */
struct keyset *keyset_new(size_t cap);

/* Add h (0 is stored as 1, as the set's empty marker is 0). 0, or -1 when
 * the set is full (cap) or out of memory: the set is unchanged then. */
int keyset_add(struct keyset *k, uint64_t h);

/* Is h in the set? (A NULL set holds nothing.) */
int keyset_has(const struct keyset *k, uint64_t h);

/* Hashes held. */
size_t keyset_count(const struct keyset *k);

/* Accepts NULL. */
void keyset_free(struct keyset *k);

#endif
