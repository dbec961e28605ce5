/* orgsync.h — the organisation's own numbers: page through a provider's
 * Admin API usage and cost reports (Anthropic: api-notes §5, here; OpenAI:
 * §8, core/openai_org.c; each behind its table's `org` ops) and parse them
 * into plain records for the store. No SQL, no printing. */
#ifndef TOKENTOP_ORGSYNC_H
#define TOKENTOP_ORGSYNC_H

#include <stddef.h>
#include <stdint.h>

#include "core/provider.h"
#include "core/usage.h"

struct config;
struct http_multi;
struct json_t;

#define ORG_ID_MAX 128

/* One result of a usage-report bucket: tokens of one group. Empty strings
 * stand for the report's nulls (e.g. the default workspace). */
struct org_usage {
	int64_t       bucket_ms;                  /* bucket start, UTC ms */
	int           width_s;                    /* 60, 3600 or 86400 */
	char          model[USAGE_MODEL_MAX];
	char          api_key_id[ORG_ID_MAX];
	char          workspace_id[ORG_ID_MAX];
	char          service_tier[16];
	struct tokens tok;                        /* input = uncached_input_tokens */
};

/* One row of a cost-report bucket (daily buckets only). */
struct org_cost {
	int64_t bucket_ms;                        /* UTC day start, ms */
	char    description[256];
	char    model[USAGE_MODEL_MAX];
	char    token_type[64];
	char    service_tier[16];
	char    currency[8];
	int64_t amount_nanos;                     /* "123.45" cents → 1234500000 */
};

/* What a sync read. Arrays grow as pages are parsed; free with orgsync_data_free. */
struct org_data {
	struct org_usage *usage;
	size_t            nusage, cap_usage;
	struct org_cost  *cost;
	size_t            ncost, cap_cost;
	int64_t           usage_pages, usage_buckets;
	int64_t           cost_pages, cost_buckets;
};

/* Free d's arrays and zero it; NULL is fine. */
void orgsync_data_free(struct org_data *d);

/* The largest cost amount one cost-report row may carry, either sign, in
 * nano-dollars ($1,000,000,000): beyond it the row is malformed. Token counts
 * of the usage report are bounded by USAGE_COUNT_MAX. */
#define ORGSYNC_AMOUNT_MAX 1000000000000000000LL

/*
 * An amount in cents as the cost report writes it ("123.45", "-0.5", "7")
 * to nano-dollars, exactly: 1 cent = 10^7 nanos, so "123.45" → 1,234,500,000
 * ($1.2345). Digits past the seventh decimal are rounded half up (away from
 * zero). 0, or -1 for anything that is not a plain decimal number or overflows.
 */
int orgsync_cents_to_nanos(const char *s, int64_t *nanos);

/*
 * Parse one usage-report page (borrowed) with buckets of width_s seconds,
 * appending its results to d (empty buckets add nothing). *has_more and
 * next (size ORG_ID_MAX; "" when none) say where the next page starts.
 * 0, or -1 with "data[2].results[0].output_tokens: not an integer" in err.
 */
int orgsync_parse_usage_page(struct json_t *page, int width_s, struct org_data *d,
                             int *has_more, char *next, char *err, size_t errlen);

/* The same for one cost-report page. */
int orgsync_parse_cost_page(struct json_t *page, struct org_data *d, int *has_more,
                            char *next, char *err, size_t errlen);

/*
 * The ranges of one sync. Daily buckets cover [since_ms, split_ms), minute
 * buckets [split_ms, until_ms), the cost report (daily only) [since_ms,
 * until_ms). The reports bucket on UTC boundaries, so since_ms and split_ms
 * are UTC midnights (orgsync_ranges computes them).
 */
struct orgsync_range {
	int64_t since_ms;
	int64_t split_ms;
	int64_t until_ms;
	int     limit;       /* buckets per page of the daily reports; 0 = 31 (the maximum) */
	const struct provider *pv;   /* whose reports; NULL = Anthropic's */
};

/* The three stages of a sync, in order. */
enum orgsync_stage { ORGSYNC_DAILY, ORGSYNC_MINUTES, ORGSYNC_COST, ORGSYNC_DONE };

/*
 * What differs between the vendors' organisation reports (a provider
 * table's `org`): the request of a page, and how a bucket and a result
 * read. The paging, the envelope (data, has_more, next_page), the stages
 * and the records are shared.
 */
struct provider_org_ops {
	/* The path of one page of stage over [from_ms, to_ms), limit buckets
	 * a page, page the percent-encoded page token ("" = the first). */
	void (*page_path)(enum orgsync_stage stage, int64_t from_ms, int64_t to_ms, int limit,
	                  const char *page, char *path, size_t n);
	/* A bucket's start (UTC ms): 0, or -1 with its field's name in *bad. */
	int (*bucket_start)(struct json_t *bucket, int64_t *ms, const char **bad);
	/* One usage / cost result into u / c (zeroed, bucket set): 0, or -1
	 * with the field path in *bad ("" = the result itself). */
	int (*usage_result)(struct json_t *o, struct org_usage *u, const char **bad);
	int (*cost_result)(struct json_t *o, struct org_cost *c, const char **bad);
};

extern const struct provider_org_ops orgsync_anthropic;
extern const struct provider_org_ops orgsync_openai;   /* core/openai_org.c */

/* Shared by the ops (core/orgsync.c): a string member ("" when null or
 * absent; -1 when present but not a string); a token count member
 * (0..USAGE_COUNT_MAX; absent or null = 0 unless required; -1 otherwise). */
int orgsync_member_str(const struct json_t *o, const char *key, char *dst, size_t n);
int orgsync_member_int(const struct json_t *o, const char *key, int required, int64_t *out);

/* Percent-encode s (an opaque page token; unreserved characters kept). */
void orgsync_encode(const char *s, char *out, size_t n);

/*
 * Parse one page of stage (usage: buckets of width_s seconds; cost) of
 * pv's reports, appending to d; as orgsync_parse_usage_page (which is
 * Anthropic's usage form).
 */
int orgsync_parse_page(const struct provider *pv, enum orgsync_stage stage,
                       struct json_t *page, int width_s, struct org_data *d, int *has_more,
                       char *next, char *err, size_t errlen);

/*
 * The ranges for "daily from since_ms, minutes for today": since_ms and
 * today_ms (local midnights, as cli_parse_date gives) are floored to their UTC
 * day, so a zone east of UTC fetches a little more by the minute, never less.
 */
void orgsync_ranges(int64_t since_ms, int64_t today_ms, int64_t now_ms, int limit,
                    struct orgsync_range *r);

/*
 * Page through both reports on m (its key must be the Admin key: see
 * orgsync_multi_new), grouped by model, API key, workspace and service tier
 * (usage) and by description (cost), appending to d. Blocking. 0, or -1
 * with a one-line reason in err (the API's error, never the key). Built on
 * orgsync_start.
 */
int orgsync_fetch(struct http_multi *m, const struct orgsync_range *r, struct org_data *d,
                  char *err, size_t errlen);

/*
 * Called once when an async sync ended: d is the org_data given to
 * orgsync_start (still owned by the caller), err NULL on success or a
 * one-line reason (borrowed for the call; "canceled" after orgsync_cancel
 * or http_multi_free). The sync handle is freed after the callback returns.
 */
typedef void (*orgsync_done_fn)(void *arg, struct org_data *d, const char *err);

struct orgsync;

/*
 * The same paging as orgsync_fetch, driven by http_multi_perform (for the
 * console's loop): each page's answer starts the next request. d (borrowed,
 * must outlive the sync) receives the records. Returns a handle (borrowed,
 * valid until done has run) or NULL with err (nothing started, done never
 * called).
 */
struct orgsync *orgsync_start(struct http_multi *m, const struct orgsync_range *r,
                              struct org_data *d, orgsync_done_fn done, void *arg,
                              char *err, size_t errlen);

/* Stop a running sync: its done callback runs with a "canceled" error. */
void orgsync_cancel(struct orgsync *s);

/*
 * A client for pv's Admin API: its credentials from cfg with the Admin key
 * as the key (Anthropic's as x-api-key, as its Admin API wants; a Bearer
 * provider's as Bearer). NULL with err when there is no Admin key
 * ("OPENAI_ADMIN_KEY is not set…") or on failure. Free with http_multi_free.
 * orgsync_multi_new is Anthropic's.
 */
struct http_multi *orgsync_multi_new_for(const struct config *cfg, const struct provider *pv,
                                         char *err, size_t errlen);
struct http_multi *orgsync_multi_new(const struct config *cfg, char *err, size_t errlen);

#endif
