/* compress.h — context compression for retrieved documents (RAG chunks):
 * normalise, drop exact and near duplicates, rank by BM25 against the query,
 * keep the best within a token budget, in their original order. */
#ifndef TOKENTOP_COMPRESS_H
#define TOKENTOP_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Chunks. A document is split into chunks at separator lines — a line that
 * is exactly "---" (trailing blanks and CR ignored) — when it has any; else at
 * blank lines (one paragraph = one chunk). Inside a chunk every run of white
 * space (newlines included) becomes one space.
 *
 * Duplicates. Two chunks are exact duplicates when their normalised bytes
 * are equal; near duplicates when the Jaccard similarity of their sets of
 * COMPRESS_SHINGLE-word shingles (words lower-cased in ASCII, split on
 * Unicode space and punctuation; 64-bit FNV-1a hashes) is at least
 * COMPRESS_NEAR. The first occurrence stays. Candidates come from an exact
 * prefix-filter index (core/shingle.h), so a run costs far less than
 * comparing every pair, with the same result.
 *
 * Ranking. BM25 (k1 1.2, b 0.75) over the remaining chunks; terms are
 * ASCII-lower-cased words, and Hangul is indexed as character bigrams so that
 * 분석 matches 분석해줘. Ties go to the earlier chunk.
 *
 * Budget. Each chunk costs ceil((bytes + 2) / 4) tokens (its "\n\n"
 * separator included), so the kept text's estimate, ceil(bytes / 4), never
 * exceeds the budget. Chunks are taken best first; one that does not fit is
 * skipped and smaller ones after it may still fit.
 *
 * Everything is deterministic: no seeds, total orders, so the same input
 * gives the same bytes (and the compressed context keeps hitting the cache).
 */
#define COMPRESS_SHINGLE   5
#define COMPRESS_NEAR      0.8
#define COMPRESS_NO_BUDGET (-1)

enum compress_fate {
	COMPRESS_KEPT,
	COMPRESS_OVER_BUDGET,   /* unique, but did not fit */
	COMPRESS_EXACT_DUP,
	COMPRESS_NEAR_DUP
};

struct compress_chunk {
	size_t             doc;         /* index of the document it came from */
	const char        *text;        /* normalised, borrowed from the input; not NUL-terminated */
	size_t             len;
	int64_t            tokens;      /* ceil((len + 2) / 4) */
	double             score;       /* BM25; 0 for duplicates */
	enum compress_fate fate;
	size_t             dup_of;      /* the chunk it duplicates (duplicates only) */
	double             similarity;  /* shingle Jaccard with dup_of (1 for exact) */
};

struct compress_result {
	char                  *text;    /* kept chunks joined by "\n\n", no final newline */
	size_t                 len;
	struct compress_chunk *chunks;  /* every chunk, in input order */
	size_t                 nchunks;
	size_t                 chunks_before, chunks_after;
	size_t                 exact_dups, near_dups;
	int64_t                tokens_before;   /* ceil(raw input bytes / 4) */
	int64_t                tokens_after;    /* ceil(len / 4) */
	int64_t                tokens_removed;  /* before − after, never below 0 */
};

struct compress_input;

/* An empty set of documents; NULL when out of memory. Free with compress_input_free. */
struct compress_input *compress_input_new(void);

/* Split text[0..len) (UTF-8) into chunks and add them (copied). 0, or -1 with err. */
int compress_input_add(struct compress_input *in, const char *text, size_t len,
                       char *err, size_t errlen);

/* compress_input_add with the contents of the file at path ("-" = stdin).
 * 0, or -1 with "PATH: reason" in err. */
int compress_input_add_file(struct compress_input *in, const char *path, char *err, size_t errlen);

/* Frees the input; NULL is fine. Chunks of results computed from it become invalid. */
void compress_input_free(struct compress_input *in);

/* Number of chunks added so far. */
size_t compress_input_count(const struct compress_input *in);

/*
 * Compress in for query (UTF-8, may be empty) to budget tokens
 * (COMPRESS_NO_BUDGET = only drop duplicates). Fills *res, which the caller
 * releases with compress_result_done (res->chunks borrow text from in, so
 * free in after). 0, or -1 with err.
 */
int compress_run(const struct compress_input *in, const char *query, int64_t budget,
                 struct compress_result *res, char *err, size_t errlen);

/* Releases what compress_run allocated in res; a zeroed res is fine. */
void compress_result_done(struct compress_result *res);

/* Shingle Jaccard similarity of two texts (the measure used for near duplicates). */
double compress_similarity(const char *a, size_t alen, const char *b, size_t blen);

#endif
