/* import_writer.c — batches of items in a ring of IW_RING; the deliverer
 * fills ring[head % IW_RING] without a lock (the writer only reads batches
 * below head) and publishes it whole, so the two threads meet once a batch,
 * not once a row. An item's payload (a row, or a file's marks) is packed
 * into its batch's bytes: a row is a struct usage of ~1.9 KB, most of it the
 * zeros after its strings, packed to a few hundred bytes, so the ring holds
 * thousands of rows (the deliverer runs on while the writer flushes its
 * rollups) in a few MB. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/import_writer.h"

#define IW_BATCH 128          /* items a batch at most */
#define IW_BYTES (40 * 1024)  /* packed bytes a batch at most: ~100-128 rows */
#define IW_RING  128          /* batches: the deliverer runs at most this far ahead
                                 (~13,000 rows; ring ~5.6 MB once all are used) */
_Static_assert(IW_RING * IW_BATCH == IW_AHEAD_MAX, "import_writer.h says how far ahead");

/* struct usage as 8-byte words: it starts with an int64, so its size is a
 * whole number of them (and a run's length fits 16 bits) */
#define USAGE_WORDS (sizeof(struct usage) / 8)
_Static_assert(sizeof(struct usage) % 8 == 0, "struct usage: whole 8-byte words");
_Static_assert(USAGE_WORDS < 65536, "struct usage: run lengths fit 16 bits");
#define PACK_MAX (sizeof(struct usage) + 4)   /* a packed row at most (all words set) */

enum iw_kind { IW_ROW, IW_MARK, IW_BEGIN };

struct iw_item {
	enum iw_kind kind;
	int          found;    /* IW_BEGIN */
	int64_t      line;     /* IW_ROW */
	char        *key;      /* IW_MARK, IW_BEGIN: owned */
	uint32_t     off;      /* its payload in the batch's bytes: the packed row
	                          (IW_ROW), the mark (IW_MARK), the reader's mark
	                          and where reading begins (IW_BEGIN) */
};

struct batch {
	struct iw_item it[IW_BATCH];
	int            n;
	size_t         used;   /* of bytes */
	unsigned char *bytes;  /* IW_BYTES, allocated at the batch's first use */
};

struct iw {
	const struct iw_ops *ops;
	void               *arg;
	pthread_t           th;
	pthread_mutex_t     mu;
	pthread_cond_t      work, space;   /* the writer waits on work, the deliverer on space */
	struct batch       *ring;          /* IW_RING of them */
	uint64_t            head, tail;    /* published, written (batches) */
	int                 quit;
	int                 failed;        /* written under mu; read without
	                                      (atomic) by next_item */
	int                 writer_waits, deliverer_waits;
};

/* Word j of the bytes at b (any alignment). */
static inline uint64_t
word_at(const unsigned char *b, size_t j)
{
	uint64_t x;

	memcpy(&x, b + j * 8, sizeof(x));
	return x;
}

/*
 * The words of u as runs: a run is two 16-bit counts (words set, then words
 * zero) and the set words. Exact for any bytes; small when the strings are
 * zero-filled past their ends (rows are built from a zeroed struct). Writes
 * at most PACK_MAX bytes to out; returns how many. Zero runs are skipped
 * four words a step: most of a row is zeros.
 */
static size_t
pack_row(const struct usage *u, unsigned char *out)
{
	const unsigned char *b = (const unsigned char *)u;
	uint16_t run[2];
	size_t i = 0, j, z, o = 0;

	while (i < USAGE_WORDS) {
		for (j = i; j < USAGE_WORDS && word_at(b, j) != 0; j++)
			;
		for (z = j; z + 4 <= USAGE_WORDS && (word_at(b, z) | word_at(b, z + 1) |
		    word_at(b, z + 2) | word_at(b, z + 3)) == 0; z += 4)
			;
		for (; z < USAGE_WORDS && word_at(b, z) == 0; z++)
			;
		run[0] = (uint16_t)(j - i);
		run[1] = (uint16_t)(z - j);
		memcpy(out + o, run, sizeof(run));
		memcpy(out + o + sizeof(run), b + i * 8, (j - i) * 8);
		o += sizeof(run) + (j - i) * 8;
		i = z;
	}
	return o;
}

/* The row pack_row packed at in, into *u. */
static void
unpack_row(const unsigned char *in, struct usage *u)
{
	unsigned char *w = (unsigned char *)u;
	uint16_t run[2];
	size_t i = 0, o = 0;

	while (i < USAGE_WORDS) {
		memcpy(run, in + o, sizeof(run));
		memcpy(w + i * 8, in + o + sizeof(run), (size_t)run[0] * 8);
		memset(w + (i + run[0]) * 8, 0, (size_t)run[1] * 8);
		o += sizeof(run) + (size_t)run[0] * 8;
		i += (size_t)run[0] + run[1];
	}
}

static void
drop(struct batch *b)
{
	int i;

	for (i = 0; i < b->n; i++) {
		free(b->it[i].key);
		b->it[i].key = NULL;
	}
	b->n = 0;
	b->used = 0;
}

/* The batch's items through ops, in order: 0, or -1 at the first failure. */
static int
write_batch(struct iw *w, struct batch *b)
{
	struct iw_item *it;
	int i, rc = 0;

	struct import_mark m[2];
	struct usage u;

	for (i = 0; i < b->n && rc == 0; i++) {
		it = &b->it[i];
		if (it->kind == IW_ROW) {
			unpack_row(b->bytes + it->off, &u);
			rc = w->ops->row(w->arg, &u, it->line);
			continue;
		}
		memcpy(m, b->bytes + it->off, it->kind == IW_MARK ? sizeof(m[0]) : sizeof(m));
		if (it->kind == IW_MARK)
			rc = w->ops->mark(w->arg, it->key, &m[0]);
		else
			rc = w->ops->begin(w->arg, it->key, it->found, &m[0], &m[1]);
	}
	drop(b);
	return rc;
}

static void *
writer(void *arg)
{
	struct iw *w = arg;
	struct batch *b;
	int failed = 0;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->tail == w->head && !w->quit) {
			w->writer_waits = 1;
			pthread_cond_wait(&w->work, &w->mu);
		}
		w->writer_waits = 0;
		if (w->tail == w->head)
			break;
		b = &w->ring[w->tail % IW_RING];
		pthread_mutex_unlock(&w->mu);
		if (failed)
			drop(b);
		else
			failed = write_batch(w, b) != 0;
		pthread_mutex_lock(&w->mu);
		if (failed)
			__atomic_store_n(&w->failed, 1, __ATOMIC_RELAXED);
		w->tail++;
		if (w->deliverer_waits)
			pthread_cond_signal(&w->space);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct iw *
iw_start(const struct iw_ops *ops, void *arg)
{
	struct iw *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	if ((w->ring = calloc(IW_RING, sizeof(*w->ring))) == NULL)
		goto fail;
	w->ops = ops;
	w->arg = arg;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->space, NULL);
	if (pthread_create(&w->th, NULL, writer, w) != 0) {
		pthread_cond_destroy(&w->space);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mu);
		goto fail;
	}
	return w;
fail:
	free(w->ring);
	free(w);
	return NULL;
}

/* Publish the batch being filled (if it holds anything), then wait until
 * all: the writer idle, or room for the next batch. 0, or -1 once failed. */
static int
publish(struct iw *w, int all)
{
	int failed;

	pthread_mutex_lock(&w->mu);
	if (w->ring[w->head % IW_RING].n > 0) {
		w->head++;
		if (w->writer_waits)
			pthread_cond_signal(&w->work);
	}
	while (!w->failed && (all ? w->tail != w->head : w->head - w->tail == IW_RING)) {
		w->deliverer_waits = 1;
		pthread_cond_wait(&w->space, &w->mu);
	}
	w->deliverer_waits = 0;
	failed = w->failed;
	pthread_mutex_unlock(&w->mu);
	return failed ? -1 : 0;
}

/* The next item to fill, with room for a payload of up to max bytes at
 * its off, publishing a full batch first (*b: the item's batch); NULL once
 * failed or out of memory. */
static struct iw_item *
next_item(struct iw *w, size_t max, struct batch **b)
{
	*b = &w->ring[w->head % IW_RING];
	if (__atomic_load_n(&w->failed, __ATOMIC_RELAXED))
		return NULL;
	if ((*b)->n == IW_BATCH || (*b)->used + max > IW_BYTES) {
		if (publish(w, 0) != 0)
			return NULL;
		*b = &w->ring[w->head % IW_RING];
	}
	if ((*b)->bytes == NULL && ((*b)->bytes = malloc(IW_BYTES)) == NULL)
		return NULL;
	(*b)->it[(*b)->n].off = (uint32_t)(*b)->used;
	return &(*b)->it[(*b)->n];
}

/* The item just filled, with n bytes of payload, counts. */
static int
commit_item(struct batch *b, size_t n)
{
	b->used += n;
	b->n++;
	return 0;
}

int
iw_row(struct iw *w, const struct usage *u, int64_t line)
{
	struct batch *b;
	struct iw_item *it = next_item(w, PACK_MAX, &b);

	if (it == NULL)
		return -1;
	it->kind = IW_ROW;
	it->line = line;
	it->key = NULL;
	return commit_item(b, pack_row(u, b->bytes + it->off));
}

static int
keyed(struct iw *w, enum iw_kind kind, const char *key, int found, const struct import_mark *m,
      const struct import_mark *start)
{
	struct batch *b;
	struct iw_item *it = next_item(w, 2 * sizeof(*m), &b);

	if (it == NULL || (it->key = strdup(key)) == NULL) {
		if (it != NULL || !__atomic_load_n(&w->failed, __ATOMIC_RELAXED))
			publish(w, 1);    /* what was handed over is written first */
		return -1;
	}
	it->kind = kind;
	it->found = found;
	memcpy(b->bytes + it->off, m, sizeof(*m));
	if (kind == IW_MARK)
		return commit_item(b, sizeof(*m));
	if (start != NULL)
		memcpy(b->bytes + it->off + sizeof(*m), start, sizeof(*start));
	else
		memset(b->bytes + it->off + sizeof(*m), 0, sizeof(*start));
	return commit_item(b, 2 * sizeof(*m));
}

int
iw_mark(struct iw *w, const char *key, const struct import_mark *m)
{
	return keyed(w, IW_MARK, key, 0, m, NULL);
}

int
iw_begin(struct iw *w, const char *key, int found, const struct import_mark *was,
         const struct import_mark *start)
{
	return keyed(w, IW_BEGIN, key, found, was, start);
}

int
iw_sync(struct iw *w)
{
	if (w == NULL)
		return 0;
	return publish(w, 1);
}

int
iw_stop(struct iw *w)
{
	int rc, i;

	if (w == NULL)
		return 0;
	rc = publish(w, 1);
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	for (i = 0; i < IW_RING; i++) {
		drop(&w->ring[i]);
		free(w->ring[i].bytes);
	}
	rc |= w->failed ? -1 : 0;
	pthread_cond_destroy(&w->space);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	free(w->ring);
	free(w);
	return rc;
}
