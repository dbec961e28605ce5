/* keyset.h — a set of 64-bit hashes that may answer "in" wrongly but
 * never "not in" wrongly (a Bloom filter: two bits a hash in a fixed 1 MiB
 * table): a caller asks something exact where it says "in". With n hashes
 * added it says "in" wrongly for about (1 - e^(-2n/2^23))^2 of the others:
 * 0.2% at 200,000, 4% at 1,000,000. */
#ifndef TOKENTOP_KEYSET_H
#define TOKENTOP_KEYSET_H

#include <stddef.h>
#include <stdint.h>

struct keyset;

/* A new empty set (1 MiB). NULL when out of memory. The caller frees it
 * with keyset_free. */
struct keyset *keyset_new(void);

/* Add h. */
void keyset_add(struct keyset *k, uint64_t h);

/* 0: h was never added. 1: h was added, or shares both bits with hashes
 * that were. (A NULL set holds nothing.) */
int keyset_has(const struct keyset *k, uint64_t h);

/* Hashes added (each add counts). */
size_t keyset_count(const struct keyset *k);

/* Accepts NULL. */
void keyset_free(struct keyset *k);

#endif
