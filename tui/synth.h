/* synth.h — deterministic synthetic usage: the rows behind `tokentop demo`'s
 * history and `make bench`'s ledger and files. No I/O, no SQL: plain values
 * from a seeded generator, so the same seed gives the same data. */
#ifndef TOKENTOP_SYNTH_H
#define TOKENTOP_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/usage.h"

/* xoshiro256** state; seed it with synth_seed. */
struct synth_rng {
	uint64_t s[4];
};

void     synth_seed(struct synth_rng *r, uint64_t seed);
uint64_t synth_next(struct synth_rng *r);
/* Uniform in [0, n); 0 when n is 0. */
uint64_t synth_below(struct synth_rng *r, uint64_t n);
/* Log-uniform integer in [lo, hi] (lo >= 1): many small values, a long tail. */
int64_t  synth_logu(struct synth_rng *r, int64_t lo, int64_t hi);
/* True with probability permille / 1000. */
int      synth_chance(struct synth_rng *r, unsigned permille);

/* The eight priced models the generators use, with their share of traffic. */
#define SYNTH_NMODELS 8
extern const char *const synth_models[SYNTH_NMODELS];
/* A model id that no price table knows (for "unpriced" in the demo). */
extern const char synth_unpriced_model[];

/* Index into synth_models, weighted by traffic share. */
size_t synth_pick_model(struct synth_rng *r);

/* Weight (0..100) of an hour of the day: office hours busy, nights quiet. */
unsigned synth_hour_weight(int hour);
/* Weight of a day: weekends lighter, a slow upward trend over day_index/ndays. */
unsigned synth_day_weight(int64_t day_start_ms, int64_t day_index, int64_t ndays);
/* A time inside [day_start_ms, day_start_ms + 1 day) following synth_hour_weight. */
int64_t  synth_time_in_day(struct synth_rng *r, int64_t day_start_ms);

/* Token buckets of one plausible Messages response for models[model]
 * (cache reads on most, writes on some, a rare long-context request on
 * Sonnet 4/4.5). claude_code = the shape of Claude Code traffic (tiny
 * uncached input, big cache reads, 1h writes). */
void synth_tokens(struct synth_rng *r, size_t model, int claude_code, struct tokens *t);

/* Random id text: prefix + n base62 characters into buf (size > strlen+ n). */
char *synth_id(struct synth_rng *r, const char *prefix, size_t n, char *buf, size_t len);

/*
 * About size bytes of text made of words (English, code, Korean, Japanese)
 * separated by spaces, already escaped for a JSON string ("\\n", "\\\"").
 * *n gets its length. The caller frees it with free(); NULL when out of memory.
 */
char *synth_pool(struct synth_rng *r, size_t size, size_t *n);
/* A slice of about len bytes of pool (length n) that starts and ends at
 * word boundaries, so no escape or UTF-8 character is split: *start, *end. */
void  synth_slice(struct synth_rng *r, const char *pool, size_t n, size_t len,
                  size_t *start, size_t *end);

struct synth_mix {
	unsigned batch_permille;     /* rows that are batch results */
	unsigned import_permille;    /* rows that came from an import */
	unsigned unpriced_permille;  /* rows on synth_unpriced_model */
	unsigned tagged_permille;    /* rows carrying one of the tags */
	const char *const *tags;     /* NULL-terminated; NULL = none */
	uint64_t run;                /* distinguishes ids of different runs */
	/* a fleet's traffic (bench/gen_ledger; 0 = none, and no extra draws) */
	unsigned proxy_permille;     /* of the non-batch, non-import rows: via the proxy */
	unsigned routed_permille;    /* call/proxy rows with a routing tier */
	unsigned priority_permille;  /* service tier priority */
	unsigned fast_permille;      /* speed fast (on models that offer it) */
	unsigned us_permille;        /* inference_geo us */
	int      api_ids;            /* ids shaped like the API's (msg_01 + 22
	                                base62, req_011C + 20, msgbatch_01 + 22),
	                                increasing with seq; else msg_synthRUN_SEQ */
};

/*
 * Fill u with one plausible ledger row at ts_ms; seq makes its ids unique
 * within a run (message id, request id; batch id + custom_id for batch
 * rows, grouped 500 to a batch).
 */
void synth_row(struct synth_rng *r, const struct synth_mix *m, int64_t ts_ms, uint64_t seq,
               struct usage *u);

struct store;

struct synth_fill {
	struct synth_mix mix;
	uint64_t rows;             /* how many rows in all */
	int      days;             /* spread over this many local days ... */
	int64_t  end_ms;           /* ... the last one containing end_ms; no row at or after it */
	uint64_t chunk;            /* rows per transaction (0 = 10,000) */
	uint64_t seq0;             /* first row's sequence number (ids) */
};

/*
 * Insert f->rows synth_row()s into s, oldest first, following the day and
 * hour weights, f->chunk rows per store_begin/commit. *added (may be NULL)
 * counts rows the store reported as new. 0, or -1 with the store's reason
 * in err (the open chunk is rolled back).
 */
int synth_fill_ledger(struct store *s, struct synth_rng *r, const struct synth_fill *f,
                      uint64_t *added, char *err, size_t errlen);

#endif
