/* keyset.c — a Bloom filter over 64-bit hashes: two bits a hash, taken from
 * the hash's two halves (mixed first, as callers' hashes may be weak in
 * their low bits), in a table of KEYSET_BITS bits. */
#include <stdlib.h>

#include "data/keyset.h"

#define KEYSET_LOG2 23                       /* 2^23 bits: 1 MiB */
#define KEYSET_BITS ((uint64_t)1 << KEYSET_LOG2)

struct keyset {
	uint64_t *word;        /* KEYSET_BITS / 64 of them */
	size_t    n;
};

struct keyset *
keyset_new(void)
{
	struct keyset *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	if ((k->word = calloc(KEYSET_BITS / 64, sizeof(*k->word))) == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

/* h's two bit numbers. */
static void
bits(uint64_t h, uint64_t *a, uint64_t *b)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	*a = h & (KEYSET_BITS - 1);
	*b = (h >> 32) & (KEYSET_BITS - 1);
}

void
keyset_add(struct keyset *k, uint64_t h)
{
	uint64_t a, b;

	bits(h, &a, &b);
	k->word[a / 64] |= (uint64_t)1 << (a % 64);
	k->word[b / 64] |= (uint64_t)1 << (b % 64);
	k->n++;
}

int
keyset_has(const struct keyset *k, uint64_t h)
{
	uint64_t a, b;

	if (k == NULL)
		return 0;
	bits(h, &a, &b);
	return (k->word[a / 64] >> (a % 64) & 1) && (k->word[b / 64] >> (b % 64) & 1);
}

size_t
keyset_count(const struct keyset *k)
{
	return k != NULL ? k->n : 0;
}

void
keyset_free(struct keyset *k)
{
	if (k == NULL)
		return;
	free(k->word);
	free(k);
}
