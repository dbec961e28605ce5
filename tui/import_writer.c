/* import_writer.c — batches of items in a ring of IW_RING; the deliverer
 * fills ring[head % IW_RING] without a lock (the writer only reads batches
 * below head) and publishes it whole, so the two threads meet once a batch,
 * not once a row. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tui/import_writer.h"

#define IW_BATCH 128    /* items a batch: ~230 KB (the ring: ~3.7 MB) */
#define IW_RING  16     /* batches: the deliverer runs at most this far ahead (2,048 rows) */

enum iw_kind { IW_ROW, IW_MARK, IW_BEGIN };

struct iw_item {
	enum iw_kind       kind;
	int                found;    /* IW_BEGIN */
	int64_t            line;     /* IW_ROW */
	char              *key;      /* IW_MARK, IW_BEGIN: owned */
	struct import_mark m;        /* IW_MARK: the new mark; IW_BEGIN: the reader's */
	struct import_mark start;    /* IW_BEGIN: where reading begins */
	struct usage       u;        /* IW_ROW */
};

struct batch {
	struct iw_item it[IW_BATCH];
	int            n;
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

static void
drop(struct batch *b)
{
	int i;

	for (i = 0; i < b->n; i++) {
		free(b->it[i].key);
		b->it[i].key = NULL;
	}
	b->n = 0;
}

/* The batch's items through ops, in order: 0, or -1 at the first failure. */
static int
write_batch(struct iw *w, struct batch *b)
{
	struct iw_item *it;
	int i, rc = 0;

	for (i = 0; i < b->n && rc == 0; i++) {
		it = &b->it[i];
		if (it->kind == IW_ROW)
			rc = w->ops->row(w->arg, &it->u, it->line);
		else if (it->kind == IW_MARK)
			rc = w->ops->mark(w->arg, it->key, &it->m);
		else
			rc = w->ops->begin(w->arg, it->key, it->found, &it->m, &it->start);
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

/* The next item to fill, publishing a full batch first; NULL once failed. */
static struct iw_item *
next_item(struct iw *w)
{
	struct batch *b = &w->ring[w->head % IW_RING];

	if (__atomic_load_n(&w->failed, __ATOMIC_RELAXED))
		return NULL;
	if (b->n == IW_BATCH) {
		if (publish(w, 0) != 0)
			return NULL;
		b = &w->ring[w->head % IW_RING];
	}
	return &b->it[b->n];
}

/* The item just filled counts (its batch's n moves on). */
static int
commit_item(struct iw *w)
{
	w->ring[w->head % IW_RING].n++;
	return 0;
}

int
iw_row(struct iw *w, const struct usage *u, int64_t line)
{
	struct iw_item *it = next_item(w);

	if (it == NULL)
		return -1;
	it->kind = IW_ROW;
	it->line = line;
	it->key = NULL;
	memcpy(&it->u, u, sizeof(*u));
	return commit_item(w);
}

static int
keyed(struct iw *w, enum iw_kind kind, const char *key, int found, const struct import_mark *m,
      const struct import_mark *start)
{
	struct iw_item *it = next_item(w);

	if (it == NULL || (it->key = strdup(key)) == NULL) {
		if (it != NULL)
			publish(w, 1);    /* what was handed over is written first */
		return -1;
	}
	it->kind = kind;
	it->found = found;
	it->m = *m;
	if (start != NULL)
		it->start = *start;
	return commit_item(w);
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
	for (i = 0; i < IW_RING; i++)
		drop(&w->ring[i]);
	rc |= w->failed ? -1 : 0;
	pthread_cond_destroy(&w->space);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	free(w->ring);
	free(w);
	return rc;
}
