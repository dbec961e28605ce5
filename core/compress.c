/* compress.c — RAG chunk compression: split, normalise, dedupe by shingle
 * Jaccard, rank by BM25, fit a token budget. See compress.h for the rules. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compress.h"
#include "core/shingle.h"
#include "core/text.h"

#define BM25_K1 1.2
#define BM25_B  0.75

struct span {
	size_t doc, off, len;
};

struct compress_input {
	char        *arena;      /* normalised chunks, back to back */
	size_t       alen, acap;
	struct span *ch;
	size_t       n, cap;
	size_t       ndocs;
	size_t       raw_bytes;
};

/* A growable array of 64-bit hashes. */
struct vec {
	uint64_t *v;
	size_t    n, cap;
};

static int
vec_push(struct vec *a, uint64_t x)
{
	uint64_t *nv;

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		if ((nv = realloc(a->v, a->cap * sizeof(*nv))) == NULL)
			return -1;
		a->v = nv;
	}
	a->v[a->n++] = x;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort and, when uniq, drop repeats. */
static void
vec_sort(struct vec *a, int uniq)
{
	size_t i, j = 0;

	if (a->n > 1)
		qsort(a->v, a->n, sizeof(*a->v), cmp_u64);
	if (!uniq)
		return;
	for (i = 0; i < a->n; i++)
		if (j == 0 || a->v[j - 1] != a->v[i])
			a->v[j++] = a->v[i];
	a->n = a->n ? j : 0;
}

struct compress_input *
compress_input_new(void)
{
	return calloc(1, sizeof(struct compress_input));
}

void
compress_input_free(struct compress_input *in)
{
	if (in == NULL)
		return;
	free(in->arena);
	free(in->ch);
	free(in);
}

size_t
compress_input_count(const struct compress_input *in)
{
	return in->n;
}

/* Normalise s[0..len) and append it as a chunk of the current document. */
static int
add_chunk(struct compress_input *in, const char *s, size_t len)
{
	size_t nlen;
	char *norm = text_normalize(s, len, 0, &nlen), *na;
	struct span *nc;

	if (norm == NULL)
		return -1;
	if (nlen == 0)
		goto done;
	if (in->alen + nlen > in->acap) {
		size_t cap = in->acap ? in->acap : 4096;

		while (cap < in->alen + nlen)
			cap *= 2;
		if ((na = realloc(in->arena, cap)) == NULL)
			goto fail;
		in->arena = na;
		in->acap = cap;
	}
	if (in->n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 64;

		if ((nc = realloc(in->ch, cap * sizeof(*nc))) == NULL)
			goto fail;
		in->ch = nc;
		in->cap = cap;
	}
	memcpy(in->arena + in->alen, norm, nlen);
	in->ch[in->n].doc = in->ndocs;
	in->ch[in->n].off = in->alen;
	in->ch[in->n].len = nlen;
	in->n++;
	in->alen += nlen;
done:
	free(norm);
	return 0;
fail:
	free(norm);
	return -1;
}

/* Is line s[0..n) the separator "---" (trailing blanks and CR ignored)? */
static int
is_sep_line(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n == 3 && memcmp(s, "---", 3) == 0;
}

/* Is line s[0..n) only white space? */
static int
is_blank_line(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t c;

	while (i < n) {
		i += text_decode(s + i, n - i, &c);
		if (!text_is_space(c))
			return 0;
	}
	return 1;
}

int
compress_input_add(struct compress_input *in, const char *text, size_t len,
                   char *err, size_t errlen)
{
	const char *nl;
	size_t ls, le, start = 0;
	int sep_mode = 0, boundary;

	for (ls = 0; ls < len && !sep_mode; ls = le + 1) {
		nl = memchr(text + ls, '\n', len - ls);
		le = nl != NULL ? (size_t)(nl - text) : len;
		sep_mode = is_sep_line(text + ls, le - ls);
	}
	for (ls = 0; ls < len; ls = le + 1) {
		nl = memchr(text + ls, '\n', len - ls);
		le = nl != NULL ? (size_t)(nl - text) : len;
		boundary = sep_mode ? is_sep_line(text + ls, le - ls) :
		    is_blank_line(text + ls, le - ls);
		if (!boundary)
			continue;
		if (add_chunk(in, text + start, ls - start) != 0)
			goto oom;
		start = le + 1 < len ? le + 1 : len;
	}
	if (start < len && add_chunk(in, text + start, len - start) != 0)
		goto oom;
	in->ndocs++;
	in->raw_bytes += len;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
compress_input_add_file(struct compress_input *in, const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 65536, n = 0, got;
	char *buf = NULL, *nb;
	int rc = -1;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(cap)) == NULL)
		goto oom;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0)
		if ((n += got) == cap) {
			if ((nb = realloc(buf, cap * 2)) == NULL)
				goto oom;
			buf = nb;
			cap *= 2;
		}
	if (ferror(f))
		snprintf(err, errlen, "%s: read error", path);
	else if (compress_input_add(in, buf, n, err, errlen) == 0)
		rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
out:
	free(buf);
	if (f != stdin)
		fclose(f);
	return rc;
}

double
compress_similarity(const char *a, size_t alen, const char *b, size_t blen)
{
	struct shingles x, y;
	double j = -1;

	if (shingle_set(a, alen, COMPRESS_SHINGLE, &x) == 0 &&
	    shingle_set(b, blen, COMPRESS_SHINGLE, &y) == 0)
		j = shingle_jaccard(&x, &y);
	shingle_set_done(&x);
	shingle_set_done(&y);
	return j;
}

enum cls { SEP, WORD, HANGUL };

static enum cls
classify(uint32_t c)
{
	if (text_is_space(c) || text_is_punct(c))
		return SEP;
	return text_is_hangul(c) ? HANGUL : WORD;
}

/*
 * BM25 terms of s: runs of non-Hangul word characters (ASCII lower-cased),
 * and overlapping bigrams of each Hangul run (a lone syllable is a unigram).
 * Appended to t, unsorted.
 */
static int
terms(const char *s, size_t len, struct vec *t)
{
	size_t i = 0, n = 0, wstart = 0, prev = 0, hrun = 0;
	int inword = 0, rc = 0;
	enum cls k;
	uint32_t c;

	while (i <= len && rc == 0) {
		k = SEP;
		if (i < len) {
			n = text_decode(s + i, len - i, &c);
			k = classify(c);
		}
		if (inword && k != WORD) {
			rc |= vec_push(t, text_hash_fold(s + wstart, i - wstart));
			inword = 0;
		}
		if (hrun > 0 && k != HANGUL) {
			if (hrun == 1)
				rc |= vec_push(t, text_hash(s + prev, i - prev, TEXT_HASH_INIT));
			hrun = 0;
		}
		if (k == WORD && !inword) {
			inword = 1;
			wstart = i;
		} else if (k == HANGUL) {
			if (hrun > 0)
				rc |= vec_push(t, text_hash(s + prev, i + n - prev, TEXT_HASH_INIT));
			prev = i;
			hrun++;
		}
		if (i == len)
			break;
		i += n;
	}
	return rc;
}

/* Occurrences of x in sorted a. */
static size_t
count_in(const struct vec *a, uint64_t x)
{
	size_t lo = 0, hi = a->n, mid, first;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < a->n && a->v[lo] == x)
		lo++;
	return lo - first;
}

/* Per-chunk scratch of one run. */
struct work {
	uint64_t   hash;   /* of the normalised bytes */
	struct vec tm;     /* sorted terms (with repeats) */
};

/* Is chunk i an exact copy of an earlier unique chunk? Returns its index or i. */
static size_t
exact_match(const struct compress_result *res, const struct work *w, size_t i)
{
	const struct compress_chunk *c = &res->chunks[i], *d;
	size_t j;

	for (j = 0; j < i; j++) {
		d = &res->chunks[j];
		if (d->fate == COMPRESS_KEPT && w[j].hash == w[i].hash && d->len == c->len &&
		    memcmp(d->text, c->text, c->len) == 0)
			return j;
	}
	return i;
}

/* Mark exact and near duplicates of earlier unique chunks (first one wins). */
static int
dedupe(struct compress_result *res, struct work *w)
{
	struct compress_chunk *c;
	struct shingles *sh;
	struct shingle_index *ix = NULL;
	size_t i, j;
	double sim = 0;
	int rc = -1;

	if ((sh = calloc(res->nchunks + 1, sizeof(*sh))) == NULL)
		return -1;
	for (i = 0; i < res->nchunks; i++) {
		w[i].hash = text_hash(res->chunks[i].text, res->chunks[i].len, TEXT_HASH_INIT);
		if (shingle_set(res->chunks[i].text, res->chunks[i].len, COMPRESS_SHINGLE,
		    &sh[i]) != 0)
			goto out;
	}
	if ((ix = shingle_index_new(sh, res->nchunks, COMPRESS_NEAR)) == NULL)
		goto out;
	for (i = 0; i < res->nchunks; i++) {
		c = &res->chunks[i];
		if ((j = exact_match(res, w, i)) != i) {
			c->fate = COMPRESS_EXACT_DUP;
			c->similarity = 1;
			res->exact_dups++;
		} else if ((j = shingle_index_match(ix, i, &sim)) != i) {
			c->fate = COMPRESS_NEAR_DUP;
			c->similarity = sim;
			res->near_dups++;
		} else {
			shingle_index_add(ix, i);
			continue;
		}
		c->dup_of = j;
	}
	rc = 0;
out:
	shingle_index_free(ix);
	for (i = 0; i < res->nchunks; i++)
		shingle_set_done(&sh[i]);
	free(sh);
	return rc;
}

/* BM25 score of every unique chunk against query. */
static int
rank(struct compress_result *res, struct work *w, const char *query)
{
	struct vec q = { NULL, 0, 0 };
	size_t i, k, nu = 0, *df = NULL, tf;
	double avgdl = 0, idf, norm;
	int rc = -1;

	for (i = 0; i < res->nchunks; i++) {
		if (res->chunks[i].fate != COMPRESS_KEPT)
			continue;
		if (terms(res->chunks[i].text, res->chunks[i].len, &w[i].tm) != 0)
			goto out;
		vec_sort(&w[i].tm, 0);
		avgdl += (double)w[i].tm.n;
		nu++;
	}
	if (terms(query, strlen(query), &q) != 0)
		goto out;
	vec_sort(&q, 1);
	rc = 0;
	if (nu == 0 || q.n == 0)
		goto out;
	avgdl = avgdl > 0 ? avgdl / (double)nu : 1;
	if ((df = calloc(q.n, sizeof(*df))) == NULL) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < res->nchunks; i++)
		for (k = 0; res->chunks[i].fate == COMPRESS_KEPT && k < q.n; k++)
			df[k] += count_in(&w[i].tm, q.v[k]) > 0;
	for (i = 0; i < res->nchunks; i++) {
		if (res->chunks[i].fate != COMPRESS_KEPT)
			continue;
		norm = BM25_K1 * (1 - BM25_B + BM25_B * (double)w[i].tm.n / avgdl);
		for (k = 0; k < q.n; k++) {
			if (df[k] == 0 || (tf = count_in(&w[i].tm, q.v[k])) == 0)
				continue;
			idf = log(1 + ((double)nu - (double)df[k] + 0.5) / ((double)df[k] + 0.5));
			res->chunks[i].score += idf * (double)tf * (BM25_K1 + 1) / ((double)tf + norm);
		}
	}
out:
	free(df);
	free(q.v);
	return rc;
}

struct ranked {
	double score;
	size_t idx;
};

/* Best score first; equal scores in input order. A total order. */
static int
cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Take chunks best first while they fit; mark the rest over budget. */
static int
select_budget(struct compress_result *res, int64_t budget)
{
	struct ranked *r;
	size_t i, n = 0;
	int64_t left = budget;

	if ((r = malloc((res->nchunks + 1) * sizeof(*r))) == NULL)
		return -1;
	for (i = 0; i < res->nchunks; i++)
		if (res->chunks[i].fate == COMPRESS_KEPT) {
			r[n].score = res->chunks[i].score;
			r[n++].idx = i;
		}
	qsort(r, n, sizeof(*r), cmp_ranked);
	for (i = 0; i < n; i++) {
		struct compress_chunk *c = &res->chunks[r[i].idx];

		if (budget == COMPRESS_NO_BUDGET || c->tokens <= left)
			left -= c->tokens;
		else
			c->fate = COMPRESS_OVER_BUDGET;
	}
	free(r);
	return 0;
}

/* Join the kept chunks, in input order, into res->text. */
static int
emit(struct compress_result *res)
{
	size_t i, need = 1, j = 0;

	for (i = 0; i < res->nchunks; i++)
		if (res->chunks[i].fate == COMPRESS_KEPT)
			need += res->chunks[i].len + 2;
	if ((res->text = malloc(need)) == NULL)
		return -1;
	for (i = 0; i < res->nchunks; i++) {
		if (res->chunks[i].fate != COMPRESS_KEPT)
			continue;
		if (j > 0) {
			memcpy(res->text + j, "\n\n", 2);
			j += 2;
		}
		memcpy(res->text + j, res->chunks[i].text, res->chunks[i].len);
		j += res->chunks[i].len;
		res->chunks_after++;
	}
	res->text[j] = '\0';
	res->len = j;
	return 0;
}

int
compress_run(const struct compress_input *in, const char *query, int64_t budget,
              struct compress_result *res, char *err, size_t errlen)
{
	struct work *w = NULL;
	size_t i;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (budget < 0 && budget != COMPRESS_NO_BUDGET) {
		snprintf(err, errlen, "budget: %lld is negative", (long long)budget);
		return -1;
	}
	res->nchunks = res->chunks_before = in->n;
	res->chunks = calloc(in->n + 1, sizeof(*res->chunks));
	w = calloc(in->n + 1, sizeof(*w));
	if (res->chunks == NULL || w == NULL)
		goto oom;
	for (i = 0; i < in->n; i++) {
		res->chunks[i].doc = in->ch[i].doc;
		res->chunks[i].text = in->arena + in->ch[i].off;
		res->chunks[i].len = in->ch[i].len;
		res->chunks[i].tokens = text_estimate_tokens(in->ch[i].len + 2);
	}
	if (dedupe(res, w) != 0 || rank(res, w, query != NULL ? query : "") != 0 ||
	    select_budget(res, budget) != 0 || emit(res) != 0)
		goto oom;
	res->tokens_before = text_estimate_tokens(in->raw_bytes);
	res->tokens_after = text_estimate_tokens(res->len);
	res->tokens_removed = res->tokens_before > res->tokens_after ?
	    res->tokens_before - res->tokens_after : 0;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	compress_result_done(res);
out:
	for (i = 0; w != NULL && i < in->n; i++) {
		free(w[i].tm.v);
	}
	free(w);
	return rc;
}

void
compress_result_done(struct compress_result *res)
{
	if (res == NULL)
		return;
	free(res->text);
	free(res->chunks);
	memset(res, 0, sizeof(*res));
}
