/* usage.h — one billed API response: the ledger's unit of account. */
#ifndef TOKENTOP_USAGE_H
#define TOKENTOP_USAGE_H

#include <stddef.h>
#include <stdint.h>

#define USAGE_MODEL_MAX 96
#define USAGE_ID_MAX    128
#define USAGE_TAG_MAX   96

/*
 * The five token buckets of one response. input is the UNCACHED input
 * (api-notes §1): total input = input + write_5m + write_1h + cache_read.
 */
struct tokens {
	int64_t input;
	int64_t write_5m;
	int64_t write_1h;
	int64_t cache_read;
	int64_t output;
};

/*
 * One usage row. Plain value type: fixed-size, NUL-terminated strings
 * (longer values are truncated on parse), no heap, copy with '='.
 * Empty string means "absent".
 */
struct usage {
	int64_t       ts_ms;                       /* UTC, ms since the epoch */
	char          model[USAGE_MODEL_MAX];
	char          source[16];                  /* call, batch, import, proxy */
	char          request_id[USAGE_ID_MAX];    /* request-id header / requestId */
	char          message_id[USAGE_ID_MAX];    /* msg_… */
	char          batch_id[USAGE_ID_MAX];
	char          custom_id[72];
	char          tag[USAGE_TAG_MAX];
	char          service_tier[16];            /* standard, priority, batch */
	char          speed[16];                   /* standard, fast */
	char          inference_geo[16];           /* e.g. "us" */
	char          tier[16];                    /* routing tier: simple/medium/complex, "" = not routed */
	char          stop_reason[32];
	struct tokens tok;
	int64_t       compressed_tokens;           /* input tokens removed by compression (estimate) */
	int           sidechain;                   /* Claude Code isSidechain */
};

/* Total input tokens of a request: uncached + both cache writes + cache reads. */
int64_t usage_total_input(const struct tokens *t);

/* All five buckets added up (the dedupe "largest copy" measure). */
int64_t usage_total(const struct tokens *t);

/* True when the row is billed at the batch rate (source batch or tier batch). */
int usage_is_batch(const struct usage *u);

/* Copy src into a fixed buffer of size n, truncating on a UTF-8 boundary. */
void usage_strlcpy(char *dst, const char *src, size_t n);

#endif
