/* orgsync.h — the organisation's own numbers: page through the Admin API's
 * usage report and cost report (api-notes §5) and parse them into plain
 * records for the store. No SQL, no printing. */
#ifndef TOKENTOP_ORGSYNC_H
#define TOKENTOP_ORGSYNC_H

#include <stddef.h>
#include <stdint.h>

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
};

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
 * A client for the Admin API: cfg with admin_key as the key (sent as
 * x-api-key, as the Admin API wants). NULL with err when cfg has no Admin
 * key ("ANTHROPIC_ADMIN_KEY is not set") or on failure. Free with
 * http_multi_free.
 */
struct http_multi *orgsync_multi_new(const struct config *cfg, char *err, size_t errlen);

#endif
