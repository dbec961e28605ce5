/* pmetrics.c — the proxy's live metrics: atomics for the counters and
 * histograms, a mutex over the rate-limit table. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/expo.h"
#include "core/pmetrics.h"
#include "core/usage.h"

#define NPROV   3            /* anthropic, openai, other */
#define NCODES  600          /* status 0 (none) and 100..599 */
#define RL_MAX  256          /* provider × model rows kept */

static const char *const providers[NPROV] = { "anthropic", "openai", "other" };
static const int64_t bounds_ms[PMETRICS_NBOUNDS] = PMETRICS_BOUNDS_MS;

struct hist {
	atomic_ullong bucket[PMETRICS_NBOUNDS + 1];   /* not cumulative; the last is +Inf */
	atomic_ullong count;
	atomic_ullong sum_us;
};

struct rl_row {
	int              prov;
	char             model[USAGE_MODEL_MAX];
	struct ratelimit rl;
};

struct pmetrics {
	atomic_ullong   requests[NPROV][NCODES];
	struct hist     duration, first_byte;
	pthread_mutex_t mu;
	struct rl_row   rows[RL_MAX];
	size_t          nrows;
};

struct pmetrics *
pmetrics_new(void)
{
	struct pmetrics *m = calloc(1, sizeof(*m));   /* zeroed atomics are 0 */

	if (m != NULL && pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

void
pmetrics_free(struct pmetrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static int
prov_index(const char *p)
{
	int i;

	for (i = 0; p != NULL && i < NPROV - 1; i++)
		if (strcmp(p, providers[i]) == 0)
			return i;
	return NPROV - 1;
}

const char *
pmetrics_provider_label(const char *provider)
{
	return providers[prov_index(provider)];
}

static void
observe(struct hist *h, int64_t us)
{
	size_t i;

	if (us < 0)
		us = 0;
	for (i = 0; i < PMETRICS_NBOUNDS && us > bounds_ms[i] * 1000; i++)
		;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, (unsigned long long)us, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

void
pmetrics_request(struct pmetrics *m, const char *provider, long code, int64_t duration_us,
                 int64_t first_byte_us)
{
	int p = prov_index(provider);

	if (code < 100 || code >= NCODES)
		code = 0;
	atomic_fetch_add_explicit(&m->requests[p][code], 1, memory_order_relaxed);
	observe(&m->duration, duration_us);
	if (first_byte_us >= 0)
		observe(&m->first_byte, first_byte_us);
}

void
pmetrics_ratelimit(struct pmetrics *m, const char *provider, const char *model,
                   const struct ratelimit *rl)
{
	int p = prov_index(provider), k;
	struct rl_row *r = NULL;
	size_t i;

	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->nrows && r == NULL; i++)
		if (m->rows[i].prov == p && strcmp(m->rows[i].model, model) == 0)
			r = &m->rows[i];
	if (r == NULL && m->nrows < RL_MAX) {
		r = &m->rows[m->nrows++];
		r->prov = p;
		usage_strlcpy(r->model, model, sizeof(r->model));
		for (k = 0; k < RATELIMIT_NKINDS; k++)
			r->rl.k[k].limit = r->rl.k[k].remaining = r->rl.k[k].reset_ms = -1;
	}
	for (k = 0; r != NULL && k < RATELIMIT_NKINDS; k++)
		if (rl->k[k].limit >= 0 || rl->k[k].remaining >= 0)
			r->rl.k[k] = rl->k[k];
	pthread_mutex_unlock(&m->mu);
}

static void
write_hist(struct expo *e, const char *name, const char *help, struct hist *h)
{
	char bname[96], le[32], v[32];
	const char *l[2] = { "le", le };
	unsigned long long cum = 0, count, sum;
	size_t i;

	/* count first: a bucket read later may hold more, never less */
	count = atomic_load_explicit(&h->count, memory_order_relaxed);
	sum = atomic_load_explicit(&h->sum_us, memory_order_relaxed);
	expo_family(e, name, "histogram", help);
	snprintf(bname, sizeof(bname), "%s_bucket", name);
	for (i = 0; i < PMETRICS_NBOUNDS; i++) {
		cum += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
		expo_seconds_us(bounds_ms[i] * 1000, le, sizeof(le));
		expo_sample(e, bname, l, 1, expo_int((int64_t)(cum < count ? cum : count), v,
		    sizeof(v)));
	}
	snprintf(le, sizeof(le), "+Inf");
	expo_sample(e, bname, l, 1, expo_int((int64_t)count, v, sizeof(v)));
	snprintf(bname, sizeof(bname), "%s_sum", name);
	expo_sample(e, bname, NULL, 0, expo_seconds_us((int64_t)sum, v, sizeof(v)));
	snprintf(bname, sizeof(bname), "%s_count", name);
	expo_sample(e, bname, NULL, 0, expo_int((int64_t)count, v, sizeof(v)));
}

static void
write_ratelimits(struct pmetrics *m, struct expo *e)
{
	static const char *const fam[2] = { "tokentop_ratelimit_remaining",
	                                    "tokentop_ratelimit_limit" };
	const char *l[6];
	char v[32];
	size_t i, f;
	int64_t x;
	int k;

	pthread_mutex_lock(&m->mu);
	for (f = 0; f < 2; f++) {
		expo_family(e, fam[f], "gauge", f == 0 ?
		    "What the API said is left of its rate limit, as of the latest response." :
		    "The API's rate limit, as of the latest response.");
		for (i = 0; i < m->nrows; i++)
			for (k = 0; k < RATELIMIT_NKINDS; k++) {
				x = f == 0 ? m->rows[i].rl.k[k].remaining : m->rows[i].rl.k[k].limit;
				if (x < 0)
					continue;
				l[0] = "provider"; l[1] = providers[m->rows[i].prov];
				l[2] = "model";    l[3] = m->rows[i].model;
				l[4] = "kind";     l[5] = ratelimit_kind_name(k);
				expo_sample(e, fam[f], l, 3, expo_int(x, v, sizeof(v)));
			}
	}
	pthread_mutex_unlock(&m->mu);
}

void
pmetrics_write(struct pmetrics *m, struct expo *e)
{
	const char *l[4];
	char code[8], v[32];
	unsigned long long n;
	int p, c;

	expo_family(e, "tokentop_proxy_requests_total", "counter",
	    "Requests the proxy answered, by provider and the status the client got "
	    "(0: none).");
	for (p = 0; p < NPROV; p++)
		for (c = 0; c < NCODES; c++) {
			if ((n = atomic_load_explicit(&m->requests[p][c], memory_order_relaxed)) == 0)
				continue;
			snprintf(code, sizeof(code), "%d", c);
			l[0] = "provider"; l[1] = providers[p];
			l[2] = "code";     l[3] = code;
			expo_sample(e, "tokentop_proxy_requests_total", l, 2,
			    expo_int((int64_t)n, v, sizeof(v)));
		}
	write_hist(e, "tokentop_proxy_request_duration_seconds",
	    "Time from a request's forwarding to the end of its answer.", &m->duration);
	write_hist(e, "tokentop_proxy_upstream_first_byte_seconds",
	    "Time from a request's forwarding to the upstream's response head.", &m->first_byte);
	write_ratelimits(m, e);
}
