/* keyset.c — a bounded set of 64-bit hashes: linear probing in a table kept
 * at most half full, doubled as it fills. */
#include <stdlib.h>

#include "data/keyset.h"

#define KEYSET_MIN 1024    /* slots to start with (a power of two) */

struct keyset {
	uint64_t *slot;        /* 0: empty */
	size_t    nslots;      /* a power of two */
	size_t    n, cap;
};

struct keyset *
keyset_new(size_t cap)
{
	struct keyset *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->nslots = KEYSET_MIN;
	k->cap = cap > 0 ? cap : 1;
	if ((k->slot = calloc(k->nslots, sizeof(*k->slot))) == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

static size_t
probe(const uint64_t *slot, size_t nslots, uint64_t h)
{
	size_t j = (size_t)(h ^ (h >> 29)) & (nslots - 1);

	while (slot[j] != 0 && slot[j] != h)
		j = (j + 1) & (nslots - 1);
	return j;
}

static int
grow(struct keyset *k)
{
	size_t n = k->nslots * 2, i;
	uint64_t *s = calloc(n, sizeof(*s));

	if (s == NULL)
		return -1;
	for (i = 0; i < k->nslots; i++)
		if (k->slot[i] != 0)
			s[probe(s, n, k->slot[i])] = k->slot[i];
	free(k->slot);
	k->slot = s;
	k->nslots = n;
	return 0;
}

int
keyset_add(struct keyset *k, uint64_t h)
{
	size_t j;

	if (h == 0)
		h = 1;
	j = probe(k->slot, k->nslots, h);
	if (k->slot[j] == h)
		return 0;
	if (k->n >= k->cap)
		return -1;
	if (2 * (k->n + 1) > k->nslots) {
		if (grow(k) != 0)
			return -1;
		j = probe(k->slot, k->nslots, h);
	}
	k->slot[j] = h;
	k->n++;
	return 0;
}

int
keyset_has(const struct keyset *k, uint64_t h)
{
	if (k == NULL)
		return 0;
	if (h == 0)
		h = 1;
	return k->slot[probe(k->slot, k->nslots, h)] == h;
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
	free(k->slot);
	free(k);
}
