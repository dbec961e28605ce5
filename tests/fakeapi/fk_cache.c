/* fk_cache.c — prompt caching on the virtual clock: Anthropic's breakpoints (api-notes §1)
 * and OpenAI's automatic 128-token steps (§8) in one table. Caller holds fk.lock. */
#include <stdlib.h>
#include <string.h>

#include "fk.h"

/* One cached prefix; the hash already covers the model. Never deleted, only expired. */
struct entry {
	uint64_t hash;		/* 0 = empty slot */
	double	expires;
	int	ttl;
};

static struct entry *tab;
static size_t	 cap, used;

static struct entry *
slot(uint64_t h)
{
	size_t	 i = (size_t)(h ^ (h >> 29)) & (cap - 1);

	while (tab[i].hash != 0 && tab[i].hash != h)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static int
grow(void)
{
	struct entry *old = tab;
	size_t	 ocap = cap, i;

	cap = cap ? cap * 2 : 1024;
	if ((tab = calloc(cap, sizeof *tab)) == NULL) {
		tab = old;
		cap = ocap;
		return -1;
	}
	for (i = 0; i < ocap; i++)
		if (old[i].hash != 0)
			*slot(old[i].hash) = old[i];
	free(old);
	return 0;
}

static struct entry *
lookup(uint64_t h, double now)
{
	struct entry *e;

	if (cap == 0)
		return NULL;
	e = slot(h);
	return e->hash == h && e->expires > now ? e : NULL;
}

static void
store(uint64_t h, double now, int ttl)
{
	struct entry *e;

	if (h == 0)
		h = 1;
	if ((used + 1) * 2 > cap && grow() == -1)
		return;
	e = slot(h);
	if (e->hash == 0) {
		e->hash = h;
		used++;
	}
	if (ttl > e->ttl || e->expires <= now)
		e->ttl = ttl;
	if (now + e->ttl > e->expires)
		e->expires = now + e->ttl;
}

/*
 * Fills u's input and cache buckets for plan p at virtual time now: the
 * longest live cached breakpoint prefix is read (and it and the earlier
 * breakpoints are refreshed); each later breakpoint at or above the model's
 * minimum writes the tokens since the previous cached point with its own TTL.
 */
void
cache_apply(const struct fk_plan *p, double now, struct fk_usage *u)
{
	long	 min = fk_model_min_cache(p->model), prev = 0;
	int	 k, hit = -1;
	struct entry *e;

	u->cread = u->cw5 = u->cw1h = 0;
	for (k = p->nbp - 1; k >= 0; k--)
		if (p->bp[k].tokens >= min && lookup(p->bp[k].hash, now) != NULL) {
			hit = k;
			break;
		}
	for (k = 0; k <= hit; k++)
		if ((e = lookup(p->bp[k].hash, now)) != NULL)
			e->expires = now + e->ttl;
	if (hit >= 0)
		prev = u->cread = p->bp[hit].tokens;
	for (k = hit + 1; k < p->nbp; k++) {
		if (p->bp[k].tokens < min || p->bp[k].tokens <= prev)
			continue;
		if (p->bp[k].ttl == 3600)
			u->cw1h += p->bp[k].tokens - prev;
		else
			u->cw5 += p->bp[k].tokens - prev;
		prev = p->bp[k].tokens;
		store(p->bp[k].hash, now, p->bp[k].ttl);
	}
	u->input = p->total - u->cread - u->cw5 - u->cw1h;
}

void
cache_reset(void)
{
	free(tab);
	tab = NULL;
	cap = used = 0;
}

/*
 * OpenAI's automatic caching: steps[k] is the prefix hash at 1024 + 128k tokens.
 * The longest live step is read (its TTL refreshed, and so are the shorter ones);
 * every step is then stored (or refreshed) with the idle TTL ttl. Returns the
 * cached tokens: 1024 + 128k for the step read, 0 on a miss.
 */
long
cache_steps(const uint64_t *steps, size_t n, double now, int ttl)
{
	size_t	 k;
	long	 cached = 0;

	for (k = n; k > 0; k--)
		if (lookup(steps[k - 1], now) != NULL) {
			cached = 1024 + 128 * (long)(k - 1);
			break;
		}
	for (k = 0; k < n; k++)
		store(steps[k], now, ttl);	/* stores, or refreshes to now + its TTL */
	return cached;
}
