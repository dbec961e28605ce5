/* headroom.c — rate-limit observations pending for the ledger (see
 * headroom.h): one entry per provider × model × key × UTC minute, holding
 * the latest figures and the 429s of that minute. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/http.h"
#include "core/keyfp.h"
#include "tui/headroom.h"

#define MAX_PENDING 1024    /* past it, new rows wait for the next flush's room */

struct pending {
	char             provider[16];
	char             model[USAGE_MODEL_MAX];
	char             key[KEYFP_MAX];
	int64_t          minute;
	int64_t          ts_ms;       /* the latest response noted */
	int64_t          rejected;
	struct ratelimit rl;          /* merged: the latest known figure of each kind */
};

struct watch {
	char provider[16];
	char model[USAGE_MODEL_MAX];
	char key[KEYFP_MAX];
};

struct headroom {
	pthread_mutex_t mu;
	struct pending *p;
	size_t          n;
	struct watch    w;
};

struct headroom *
headroom_new(void)
{
	struct headroom *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	if ((h->p = calloc(MAX_PENDING, sizeof(*h->p))) == NULL ||
	    pthread_mutex_init(&h->mu, NULL) != 0) {
		free(h->p);
		free(h);
		return NULL;
	}
	return h;
}

void
headroom_free(struct headroom *h)
{
	if (h == NULL)
		return;
	pthread_mutex_destroy(&h->mu);
	free(h->p);
	free(h);
}

/* The entry of provider × model × key × minute, made when new; NULL when
 * MAX_PENDING are waiting. Under h->mu. */
static struct pending *
slot(struct headroom *h, const char *provider, const char *model, const char *key,
     int64_t minute)
{
	struct pending *e;
	size_t i;
	int k;

	for (i = 0; i < h->n; i++)
		if (h->p[i].minute == minute && strcmp(h->p[i].provider, provider) == 0 &&
		    strcmp(h->p[i].model, model) == 0 && strcmp(h->p[i].key, key) == 0)
			return &h->p[i];
	if (h->n == MAX_PENDING)
		return NULL;
	e = &h->p[h->n++];
	memset(e, 0, sizeof(*e));
	usage_strlcpy(e->provider, provider, sizeof(e->provider));
	usage_strlcpy(e->model, model, sizeof(e->model));
	usage_strlcpy(e->key, key, sizeof(e->key));
	e->minute = minute;
	for (k = 0; k < RATELIMIT_NKINDS; k++)
		e->rl.k[k].limit = e->rl.k[k].remaining = e->rl.k[k].reset_ms = -1;
	return e;
}

/* The figures of rl as of ts_ms (the later wins) and rejected 429s into e. */
static void
merge(struct pending *e, const struct ratelimit *rl, int64_t ts_ms, int64_t rejected)
{
	int k;

	e->rejected += rejected;
	for (k = 0; rl != NULL && k < RATELIMIT_NKINDS; k++)
		if ((rl->k[k].limit >= 0 || rl->k[k].remaining >= 0) && ts_ms >= e->ts_ms)
			e->rl.k[k] = rl->k[k];
	if (ts_ms > e->ts_ms)
		e->ts_ms = ts_ms;
}

void
headroom_note(struct headroom *h, const char *provider, const char *model, const char *key,
              long status, const struct ratelimit *rl, int64_t ts_ms)
{
	struct pending *e;

	if (h == NULL || (status != 429 && rl == NULL))
		return;
	pthread_mutex_lock(&h->mu);
	if ((e = slot(h, provider, model, key, ts_ms / 60000)) != NULL)
		merge(e, rl, ts_ms, status == 429);
	pthread_mutex_unlock(&h->mu);
}

int
headroom_flush(struct headroom *h, struct store *st, char *err, size_t errlen)
{
	struct pending *batch, *e;
	size_t n, i, j;

	if (h == NULL)
		return 0;
	pthread_mutex_lock(&h->mu);          /* take the pending set; write without the lock */
	n = h->n;
	batch = n > 0 ? malloc(n * sizeof(*batch)) : NULL;
	if (batch != NULL) {
		memcpy(batch, h->p, n * sizeof(*batch));
		h->n = 0;
	}
	pthread_mutex_unlock(&h->mu);
	if (n > 0 && batch == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (store_ratelimit_put(st, batch[i].provider, batch[i].model, batch[i].key,
		    &batch[i].rl, batch[i].rejected, batch[i].ts_ms, err, errlen) != 0)
			break;
	if (i < n) {                         /* the rest waits for the next flush */
		pthread_mutex_lock(&h->mu);
		for (j = i; j < n; j++)
			if ((e = slot(h, batch[j].provider, batch[j].model, batch[j].key,
			    batch[j].minute)) != NULL)
				merge(e, &batch[j].rl, batch[j].ts_ms, batch[j].rejected);
		pthread_mutex_unlock(&h->mu);
	}
	free(batch);
	return i < n ? -1 : 0;
}

/* http_observe_fn: a response of the watched client. */
static void
observed(void *arg, long status, http_header_fn header, void *hs)
{
	struct headroom *h = arg;
	struct ratelimit rl;
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (ratelimit_parse(header, hs, now, &rl) > 0)
		headroom_note(h, h->w.provider, h->w.model, h->w.key, status, &rl, now);
	else
		headroom_note(h, h->w.provider, h->w.model, h->w.key, status, NULL, now);
}

void
headroom_watch(struct headroom *h, struct http_multi *m, const char *provider,
               const char *model, const char *api_key)
{
	if (h == NULL)
		return;
	usage_strlcpy(h->w.provider, provider, sizeof(h->w.provider));
	ratelimit_model_key(model, h->w.model, sizeof(h->w.model));
	keyfp_make(api_key, h->w.key, sizeof(h->w.key));
	http_multi_set_observer(m, observed, h);
}
