/* pmetrics.h — the proxy's own live metrics (`tokentop proxy --metrics`):
 * requests by provider and status code, request duration and upstream
 * time-to-first-byte histograms, and the latest rate-limit figures per
 * provider × model × kind. Counters and histograms are atomics (no lock on
 * the request path); the rate-limit gauges are a small table under a mutex,
 * touched once per response that carries the headers. */
#ifndef TOKENTOP_PMETRICS_H
#define TOKENTOP_PMETRICS_H

#include <stdint.h>

#include "core/ratelimit.h"

struct expo;
struct pmetrics;

/* A new set, every figure 0; NULL when out of memory. pmetrics_free: NULL fine. */
struct pmetrics *pmetrics_new(void);
void pmetrics_free(struct pmetrics *m);

/*
 * One request answered: provider ("anthropic", "openai"; another name counts
 * as "other"), the status the client got (100..599; anything else counts as
 * code "0"), its duration and the upstream's time to its response head
 * (-1: none came) in microseconds. Thread-safe, lock-free.
 */
void pmetrics_request(struct pmetrics *m, const char *provider, long code, int64_t duration_us,
                      int64_t first_byte_us);

/* The provider label a request counts under: "anthropic", "openai", or
 * "other" for any other name (NULL too). Static storage. */
const char *pmetrics_provider_label(const char *provider);

/* The latest figures of provider × model (kinds absent from rl, -1, keep
 * their last value). Thread-safe. */
void pmetrics_ratelimit(struct pmetrics *m, const char *provider, const char *model,
                        const struct ratelimit *rl);

/* Every family into e (core/expo.h). Thread-safe. */
void pmetrics_write(struct pmetrics *m, struct expo *e);

/* Histogram upper bounds in seconds (the last bucket is +Inf). */
#define PMETRICS_BOUNDS_MS { 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, \
                             120000, 300000 }
#define PMETRICS_NBOUNDS 12

#endif
