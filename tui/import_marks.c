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

static int
load_one(void *arg, const char *path, const struct import_mark *m)
{
	return imarks_set(arg, path, m);
}

struct imarks *
imarks_load(struct store *s, char *err, size_t errlen)
{
	struct imarks *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->v = calloc(t->cap = 64, sizeof(*t->v))) == NULL) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (store_import_marks_each(s, load_one, t, err, errlen) != 0) {
		imarks_free(t);
		return NULL;
	}
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
