/* groupsum.c — rollup cells grouped in memory (groupsum.h). */
#include <stdlib.h>
#include <string.h>

#include "data/groupsum.h"

static uint64_t
cell_hash(int64_t unit, const char *model, const char *g, int flags, int routed)
{
	uint64_t h = 1469598103934665603ULL;

	h = (h ^ (uint64_t)unit) * 1099511628211ULL;
	h = (h ^ (uint64_t)(flags * 2 + routed)) * 1099511628211ULL;
	for (; *model != '\0'; model++)
		h = (h ^ (unsigned char)*model) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (; *g != '\0'; g++)
		h = (h ^ (unsigned char)*g) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static int
rehash(struct groupsum *gs, size_t nslots)
{
	size_t *slots = calloc(nslots, sizeof(*slots)), i, j;
	const struct groupsum_cell *c;

	if (slots == NULL)
		return -1;
	for (i = 0; i < gs->n; i++) {
		c = &gs->cells[i];
		j = cell_hash(c->unit, c->model, c->g, c->flags, c->routed) & (nslots - 1);
		while (slots[j] != 0)
			j = (j + 1) & (nslots - 1);
		slots[j] = i + 1;
	}
	free(gs->slots);
	gs->slots = slots;
	gs->nslots = nslots;
	return 0;
}

/* The slot of the cell with this key, or the empty slot it would take
 * (gs->nslots > 0). */
static size_t
probe(const struct groupsum *gs, int64_t unit, const char *model, const char *g, int flags,
      int routed)
{
	const struct groupsum_cell *c;
	size_t j = cell_hash(unit, model, g, flags, routed) & (gs->nslots - 1);

	for (; gs->slots[j] != 0; j = (j + 1) & (gs->nslots - 1)) {
		c = &gs->cells[gs->slots[j] - 1];
		if (c->unit == unit && c->flags == flags && c->routed == routed &&
		    strcmp(c->model, model) == 0 && strcmp(c->g, g) == 0)
			break;
	}
	return j;
}

long
groupsum_find(const struct groupsum *gs, int64_t unit, const char *model, const char *g,
              int flags, int routed)
{
	size_t j;

	if (gs->nslots == 0)
		return -1;
	j = probe(gs, unit, model, g, flags, routed);
	return gs->slots[j] != 0 ? (long)(gs->slots[j] - 1) : -1;
}

int
groupsum_add(struct groupsum *gs, int64_t unit, const char *model, const char *g, int flags,
             int routed, const int64_t sum[GROUPSUM_N])
{
	size_t at;

	return groupsum_add_at(gs, unit, model, g, flags, routed, sum, &at);
}

/* Room for one more cell: 0, or -1 out of memory. */
static int
grow(struct groupsum *gs)
{
	struct groupsum_cell *c;
	size_t nc;

	if (gs->n < gs->cap)
		return 0;
	nc = gs->cap ? gs->cap * 2 : 256;
	if ((c = realloc(gs->cells, nc * sizeof(*c))) == NULL)
		return -1;
	gs->cells = c;
	gs->cap = nc;
	return 0;
}

int
groupsum_append(struct groupsum *gs, const struct groupsum_cell *c)
{
	if (grow(gs) != 0)
		return -1;
	gs->cells[gs->n++] = *c;
	return 0;
}

int
groupsum_add_at(struct groupsum *gs, int64_t unit, const char *model, const char *g, int flags,
                int routed, const int64_t sum[GROUPSUM_N], size_t *at)
{
	struct groupsum_cell *c;
	size_t j, k;
	int64_t t;

	if (gs->nslots < 2 * (gs->n + 1) && rehash(gs, gs->nslots ? gs->nslots * 2 : 256) != 0)
		return -1;
	j = probe(gs, unit, model, g, flags, routed);
	if (gs->slots[j] != 0) {
		c = &gs->cells[gs->slots[j] - 1];
		for (k = 0; k < GROUPSUM_N; k++)
			if (__builtin_add_overflow(c->sum[k], sum[k], &t))
				return GROUPSUM_OVERFLOW;
	} else {
		if (grow(gs) != 0)
			return -1;
		c = &gs->cells[gs->n];
		memset(c, 0, sizeof(*c));
		c->unit = unit;
		usage_strlcpy(c->model, model, sizeof(c->model));
		usage_strlcpy(c->g, g, sizeof(c->g));
		c->flags = flags;
		c->routed = routed;
		gs->slots[j] = ++gs->n;
	}
	*at = gs->slots[j] - 1;
	c = &gs->cells[*at];
	for (k = 0; k < GROUPSUM_N; k++)
		c->sum[k] += sum[k];
	return 0;
}

void
groupsum_reset(struct groupsum *gs)
{
	gs->n = 0;
	if (gs->slots != NULL)
		memset(gs->slots, 0, gs->nslots * sizeof(*gs->slots));
}

void
groupsum_free(struct groupsum *gs)
{
	free(gs->cells);
	free(gs->slots);
	memset(gs, 0, sizeof(*gs));
}
