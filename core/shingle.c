/* shingle.c — shingle sets, Jaccard, and a prefix-filter index.
 *
 * Prefix filtering (Chaudhuri et al.): when Jaccard(A, B) >= t, A and B share
 * at least ceil(t * |A|) elements, so under one global order (here: the hash
 * value) the first |A| - ceil(t * |A|) + 1 elements of A, and B's likewise,
 * have one in common. Indexing only those prefixes finds every candidate;
 * each is then checked exactly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/shingle.h"
#include "core/text.h"

static int
push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	uint64_t *nv;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		if ((nv = realloc(*v, *cap * sizeof(*nv))) == NULL)
			return -1;
		*v = nv;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
shingle_set(const char *s, size_t len, size_t k, struct shingles *out)
{
	uint64_t *w = NULL;
	size_t nw = 0, cw = 0, cap = 0, pos = 0, st, wl, i, j = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	while (text_next_word(s, len, &pos, &st, &wl))
		if (push(&w, &nw, &cw, text_hash_fold(s + st, wl)) != 0)
			goto out;
	if (nw > 0 && nw < k)
		k = nw;
	for (i = 0; nw > 0 && i + k <= nw; i++)
		if (push(&out->v, &out->n, &cap,
		    text_hash(w + i, k * sizeof(*w), TEXT_HASH_INIT)) != 0)
			goto out;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_u64);
	for (i = 0; i < out->n; i++)
		if (j == 0 || out->v[j - 1] != out->v[i])
			out->v[j++] = out->v[i];
	out->n = j;
	rc = 0;
out:
	free(w);
	if (rc != 0)
		shingle_set_done(out);
	return rc;
}

void
shingle_set_done(struct shingles *set)
{
	if (set == NULL)
		return;
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

double
shingle_jaccard(const struct shingles *a, const struct shingles *b)
{
	size_t i = 0, j = 0, inter = 0;

	if (a->n == 0 || b->n == 0)
		return 0;
	while (i < a->n && j < b->n) {
		if (a->v[i] == b->v[j]) {
			inter++;
			i++;
			j++;
		} else if (a->v[i] < b->v[j])
			i++;
		else
			j++;
	}
	return (double)inter / (double)(a->n + b->n - inter);
}

struct posting {
	uint64_t key;
	size_t   id;
	size_t   next;    /* index + 1 of the next posting in the slot; 0 = end */
};

struct shingle_index {
	const struct shingles *sets;
	double                 t;
	size_t                *slot;   /* head posting + 1 per hash slot; 0 = empty */
	size_t                 mask;
	struct posting        *post;
	size_t                 npost;
	size_t                *stamp;  /* per set: the last query that met it */
	size_t                 query;  /* queries so far */
};

/* Elements of a set of n that must be indexed (a longer prefix is safe, so
 * round the required overlap down a hair against floating error). */
static size_t
prefix_len(size_t n, double t)
{
	size_t need = (size_t)ceil(t * (double)n - 1e-9);

	return n == 0 ? 0 : n - need + 1;
}

static size_t
slot_of(const struct shingle_index *ix, uint64_t key)
{
	return (size_t)(key ^ (key >> 29)) & ix->mask;
}

struct shingle_index *
shingle_index_new(const struct shingles *sets, size_t nsets, double t)
{
	struct shingle_index *ix = calloc(1, sizeof(*ix));
	size_t i, total = 0, cap = 16;

	if (ix == NULL)
		return NULL;
	for (i = 0; i < nsets; i++)
		total += prefix_len(sets[i].n, t);
	while (cap < 2 * total + 2)
		cap *= 2;
	ix->sets = sets;
	ix->t = t;
	ix->mask = cap - 1;
	ix->slot = calloc(cap, sizeof(*ix->slot));
	ix->post = malloc((total + 1) * sizeof(*ix->post));
	ix->stamp = calloc(nsets + 1, sizeof(*ix->stamp));
	if (ix->slot == NULL || ix->post == NULL || ix->stamp == NULL) {
		shingle_index_free(ix);
		return NULL;
	}
	return ix;
}

void
shingle_index_free(struct shingle_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->slot);
	free(ix->post);
	free(ix->stamp);
	free(ix);
}

void
shingle_index_add(struct shingle_index *ix, size_t id)
{
	const struct shingles *a = &ix->sets[id];
	size_t k, s, p = prefix_len(a->n, ix->t);

	for (k = 0; k < p; k++) {
		s = slot_of(ix, a->v[k]);
		ix->post[ix->npost].key = a->v[k];
		ix->post[ix->npost].id = id;
		ix->post[ix->npost].next = ix->slot[s];
		ix->slot[s] = ++ix->npost;
	}
}

size_t
shingle_index_match(struct shingle_index *ix, size_t id, double *sim)
{
	const struct shingles *a = &ix->sets[id], *b;
	const struct posting *e;
	size_t k, i, j, best = id, lo, hi, p = prefix_len(a->n, ix->t);
	double jac;

	ix->query++;
	for (k = 0; k < p; k++)
		for (i = ix->slot[slot_of(ix, a->v[k])]; i != 0; i = e->next) {
			e = &ix->post[i - 1];
			j = e->id;
			if (e->key != a->v[k] || ix->stamp[j] == ix->query || j >= best)
				continue;
			ix->stamp[j] = ix->query;
			b = &ix->sets[j];
			lo = a->n < b->n ? a->n : b->n;
			hi = a->n < b->n ? b->n : a->n;
			if ((double)lo < ix->t * (double)hi)
				continue;   /* Jaccard <= lo/hi: cannot reach t */
			if ((jac = shingle_jaccard(a, b)) >= ix->t) {
				best = j;
				*sim = jac;
			}
		}
	return best;
}
