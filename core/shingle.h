/* shingle.h — near-duplicate detection: sets of hashed word shingles, their
 * Jaccard similarity, and an exact prefix-filter index to find, among many
 * sets, the first one similar enough to a new set. */
#ifndef TOKENTOP_SHINGLE_H
#define TOKENTOP_SHINGLE_H

#include <stddef.h>
#include <stdint.h>

/* A sorted set of 64-bit shingle hashes. */
struct shingles {
	uint64_t *v;
	size_t    n;
};

/*
 * The set of k-word shingles of s[0..len): words as text_next_word splits
 * them, ASCII lower-cased, hashed with FNV-1a; a text of fewer than k words
 * (but at least one) is a single shingle. Fills *out (release with
 * shingle_set_done); 0, or -1 when out of memory.
 */
int shingle_set(const char *s, size_t len, size_t k, struct shingles *out);

/* Frees the set's array; a zeroed set is fine. */
void shingle_set_done(struct shingles *set);

/* |A ∩ B| / |A ∪ B|; 0 when either set is empty. */
double shingle_jaccard(const struct shingles *a, const struct shingles *b);

/*
 * An index over sets[0..nsets) (borrowed; they must outlive the index) for
 * threshold t. Only sets added with shingle_index_add are searched. NULL when
 * out of memory. Free with shingle_index_free (NULL is fine).
 */
struct shingle_index *shingle_index_new(const struct shingles *sets, size_t nsets, double t);
void shingle_index_free(struct shingle_index *ix);

/* Make sets[id] findable. */
void shingle_index_add(struct shingle_index *ix, size_t id);

/* The smallest added id whose set has Jaccard >= t with sets[id], its
 * similarity in *sim; id itself when there is none. Exact: the same answer
 * as comparing with every added set. */
size_t shingle_index_match(struct shingle_index *ix, size_t id, double *sim);

#endif
