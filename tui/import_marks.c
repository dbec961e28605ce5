/* import_marks.c — key → import mark, open addressing over a power-of-two
 * table of slots (FNV-1a of the key), grown at half full. Only the thread
 * that delivers an import's lines uses it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/import_marks.h"

struct slot {
	char              *key;    /* owned; NULL: empty */
	uint64_t           hash;
	struct import_mark m;
};

struct imarks {
	struct slot *v;
	size_t       n, cap;       /* used, slots (a power of two) */
};

static uint64_t
hash_of(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *k != '\0'; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return h;
}

/* The slot of key (hash h): where it is, or the empty one it would take. */
static struct slot *
find(const struct imarks *t, const char *key, uint64_t h)
{
	size_t j = (size_t)h & (t->cap - 1);

	while (t->v[j].key != NULL && (t->v[j].hash != h || strcmp(t->v[j].key, key) != 0))
		j = (j + 1) & (t->cap - 1);
	return &t->v[j];
}

/* Twice the slots, every key moved over. 0, or -1 on out of memory. */
static int
grow(struct imarks *t)
{
	struct imarks bigger = { NULL, t->n, t->cap * 2 };
	size_t i;

	if ((bigger.v = calloc(bigger.cap, sizeof(*bigger.v))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++)
		if (t->v[i].key != NULL)
			*find(&bigger, t->v[i].key, t->v[i].hash) = t->v[i];
	free(t->v);
	*t = bigger;
	return 0;
}

int
imarks_set(struct imarks *t, const char *key, const struct import_mark *m)
{
	uint64_t h = hash_of(key);
	struct slot *sl;

	if (2 * (t->n + 1) > t->cap && grow(t) != 0)
		return -1;
	sl = find(t, key, h);
	if (sl->key == NULL) {
		if ((sl->key = strdup(key)) == NULL)
			return -1;
		sl->hash = h;
		t->n++;
	}
	sl->m = *m;
	return 0;
}

int
imarks_get(const struct imarks *t, const char *key, struct import_mark *m)
{
	const struct slot *sl = find(t, key, hash_of(key));

	if (sl->key == NULL)
		return 0;
	*m = sl->m;
	return 1;
}

/* The ledger's marks as read, before the table is sized for them. */
struct loaded {
	struct slot *v;            /* keys owned */
	size_t       n, cap;
	int          oom;
};

static int
load_one(void *arg, const char *path, const struct import_mark *m)
{
	struct loaded *l = arg;
	struct slot *v;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;

		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			goto oom;
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n].key = strdup(path)) == NULL)
		goto oom;
	l->v[l->n].hash = hash_of(path);
	l->v[l->n++].m = *m;
	return 0;
oom:
	l->oom = 1;
	return -1;
}

/* A table of l's marks (keys moved over), sized once: twice the slots of
 * the marks and a run's new files (a table grown by doubling from 64 slots
 * touched ~3 MB of fresh pages for a 4,600-file tree: a fifth of a
 * re-import's CPU). NULL on out of memory (l's keys still l's). */
static struct imarks *
table_of(struct loaded *l)
{
	struct imarks *t = calloc(1, sizeof(*t));
	size_t i;

	if (t == NULL)
		return NULL;
	for (t->cap = 64; t->cap < 2 * (l->n + 64); t->cap *= 2)
		;
	if ((t->v = calloc(t->cap, sizeof(*t->v))) == NULL) {
		free(t);
		return NULL;
	}
	for (i = 0; i < l->n; i++) {
		struct slot *sl = find(t, l->v[i].key, l->v[i].hash);

		if (sl->key != NULL) {           /* (a path the ledger holds twice: the last) */
			free(sl->key);
			t->n--;
		}
		*sl = l->v[i];
		t->n++;
	}
	l->n = 0;
	return t;
}

struct imarks *
imarks_load(struct store *s, char *err, size_t errlen)
{
	struct loaded l = { NULL, 0, 0, 0 };
	struct imarks *t = NULL;
	size_t i;

	if (store_import_marks_each(s, load_one, &l, err, errlen) == 0 &&
	    (t = table_of(&l)) == NULL)
		l.oom = 1;
	if (l.oom)
		snprintf(err, errlen, "out of memory");
	for (i = 0; i < l.n; i++)
		free(l.v[i].key);
	free(l.v);
	return t;
}

void
imarks_free(struct imarks *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->cap; i++)
		free(t->v[i].key);
	free(t->v);
	free(t);
}
