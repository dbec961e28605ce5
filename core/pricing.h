/* pricing.h — the price table and the exact (integer) cost of usage. */
#ifndef TOKENTOP_PRICING_H
#define TOKENTOP_PRICING_H

#include <stddef.h>
#include <stdint.h>

#include "core/usage.h"

/*
 * Money is integer. Rates are pico-dollars per token (= micro-dollars per
 * million tokens: $3/MTok is 3,000,000). Costs come out in nano-dollars
 * (1e-9 USD), computed with 128-bit intermediates and rounded once, half
 * up, so a sum of any size is exact to far below a cent.
 */
#define NANOS_PER_USD 1000000000LL

struct rates {
	int64_t input;
	int64_t write_5m;
	int64_t write_1h;
	int64_t cache_read;
	int64_t output;
};

struct model_price {
	char         id[USAGE_MODEL_MAX];   /* canonical id, e.g. claude-sonnet-4-5 */
	int          provider;               /* enum provider_id (core/provider.h) */
	struct rates base;
	int          has_long;               /* long-context tier exists */
	int64_t      long_threshold;         /* total input tokens; above it every token is long */
	struct rates lng;
	int64_t      min_cache_tokens;       /* smallest cacheable prefix */
	/* multipliers in per-mille (1000 = ×1) on input-side and output rates */
	int64_t      fast_permille;          /* speed "fast"; 0 = not offered */
	int64_t      us_geo_permille;        /* inference_geo "us"; 0 = ×1 */
	int64_t      priority_permille;      /* service_tier "priority"; 0 = ×1 */
	/* the table's batch factor, copied into every model by the loader so
	 * pricing_cost needs only the model; 0/0 (a hand-built price) = 1/2 */
	int64_t      batch_num, batch_den;
	/* when this price applies, UTC ms: from since_ms (its "since" date;
	 * PRICING_ALWAYS when it has none) to the next entry's since of the same
	 * id (PRICING_FOREVER when none). The first entry of an id also covers
	 * everything before its date. Set by the loader; 0/0 in a hand-built
	 * price means always. */
	int64_t      since_ms, until_ms;
};

#define PRICING_ALWAYS  INT64_MIN
#define PRICING_FOREVER INT64_MAX

/*
 * The table file (share/prices.json; a user file of the same format at
 * $XDG_CONFIG_HOME/tokentop/prices.json adds models or replaces same-id ones):
 *   {"batch_factor":{"num":1,"den":2},
 *    "models":[{"id":"claude-sonnet-4-5","aliases":["claude-sonnet-4-5-20250929"],
 *               "provider":"anthropic",
 *               "input":"3","write_5m":"3.75","write_1h":"6","cache_read":"0.30","output":"15",
 *               "long":{"threshold":200000,"input":"6",…same five rates…},
 *               "min_cache_tokens":1024,"fast":"6","us_geo":"1.1","priority":"2",
 *               "note":"…"}]}
 * Rates are USD per MTok as decimal strings (≤ 6 decimals, parsed exactly, no
 * float); fast/us_geo/priority are decimal-string multipliers (≤ 3 decimals);
 * provider (default anthropic), long, min_cache_tokens, fast, us_geo,
 * priority, aliases, note are optional, and so are write_5m and write_1h for
 * an openai entry (no cache-write charge: they default to the input rate);
 * keys starting with '_' are comments; any other key is an error.
 * batch_factor is optional in the user file only. A rate or multiplier of
 * 10^18 units or more (a rate of $10^12/MTok) is refused.
 *
 * Dates: a model entry may carry "since":"YYYY-MM-DD" (a UTC day). One id
 * (of one provider) may then have several entries, each in force from its
 * date until the next one's, so a price change applies from its date and
 * older rows keep the old price; the first entry of an id also covers the
 * time before its date. Two entries of one id with the same date (or both
 * without one) in one file are an error naming the file and the model. A
 * user file's entry replaces the shipped entry of the same id and date, or
 * adds a dated one.
 *
 * Server tools: "server_tools":[{"id":"web_search","usd_per_1000":"10",
 * "since":"…","note":"…"}] prices what a response counts besides tokens
 * (api-notes §9): usd_per_1000 (≤ 6 decimals) per thousand uses; since as
 * for models. Only web_search is billed so (web fetch costs tokens only;
 * code execution is counted, its container hours are not in the response).
 */
struct pricing;

/*
 * Load the shipped table at path, then overlay user_path if it exists (a
 * model in the user file replaces or adds to the shipped one). user_path may
 * be NULL. Returns a table the caller frees with pricing_free, or NULL with
 * the reason ("FILE: models[3].input: not a number") in err.
 */
struct pricing *pricing_load(const char *path, const char *user_path,
                             char *err, size_t errlen);

/* Parse a table from a JSON string (same format as the file); as pricing_load. */
struct pricing *pricing_parse(const char *json, const char *name,
                              char *err, size_t errlen);

/* Frees the table; NULL is fine. */
void pricing_free(struct pricing *p);

/*
 * The price of a model id, resolving dated and undated ids
 * (claude-sonnet-4-5-20250929 → claude-sonnet-4-5, gpt-4.1-2025-04-14 →
 * gpt-4.1) and aliases from the table, whatever its provider. NULL when unknown: the model is unpriced. Borrowed pointer, valid
 * until pricing_free.
 */
const struct model_price *pricing_find(const struct pricing *p, const char *model);

/* The same among one provider's entries only (enum provider_id): what
 * prices a ledger row. */
const struct model_price *pricing_find_for(const struct pricing *p, int provider,
                                           const char *model);

/* The same in force at at_ms (pricing_find_for is this at the current time). */
const struct model_price *pricing_find_for_at(const struct pricing *p, int provider,
                                              const char *model, int64_t at_ms);
/*
 * The entry of model (resolved as pricing_find) in force at at_ms (UTC ms).
 * pricing_find is this at the current time. NULL when unknown. Borrowed.
 */
const struct model_price *pricing_find_at(const struct pricing *p, const char *model,
                                          int64_t at_ms);

/* The entry of mp's id (mp: any entry of p; NULL gives NULL) in force at
 * at_ms; PRICING_ALWAYS gives the id's first. */
const struct model_price *pricing_version_at(const struct pricing *p,
                                             const struct model_price *mp, int64_t at_ms);

/* The entry of mp's id that follows mp in time, or NULL (to walk an id's
 * dated entries from pricing_find_at(p, id, PRICING_ALWAYS)). */
const struct model_price *pricing_next_version(const struct pricing *p,
                                               const struct model_price *mp);

/* Does the table hold more than one entry for some model or tool (so a
 * cost depends on when)? */
int pricing_has_dates(const struct pricing *p);

/* Is entry mp (of this table) the one of its id in force at at_ms? */
int pricing_in_force(const struct pricing *p, const struct model_price *mp, int64_t at_ms);

/* A "YYYY-MM-DD" UTC day into its first ms: 0, or -1 when not such a date. */
int pricing_parse_date(const char *s, int64_t *ms);

/* The server tools priced per use (PRICING_TOOL_*). */
enum pricing_tool { PRICING_TOOL_WEB_SEARCH, PRICING_NTOOLS };

/*
 * The rate of tool in force at at_ms, nano-dollars per 1,000 uses: 0, or -1
 * when the table has none (the uses are then not priced).
 */
int pricing_tool_rate(const struct pricing *p, enum pricing_tool tool, int64_t at_ms,
                      int64_t *nanos_per_1000);

/*
 * Nano-dollars of `uses` uses at nanos_per_1000 (rounded once, half up):
 * 0, or -1 when negative or past int64 (*nanos saturated).
 */
int pricing_tool_cost(int64_t uses, int64_t nanos_per_1000, int64_t *nanos);

/* "since 2026-03-01" (a since_ms) or "no since date" (PRICING_ALWAYS). */
void pricing_since_text(int64_t since_ms, char *buf, size_t n);

/* Is tool entry i the one of its tool in force at at_ms? */
int pricing_tool_in_force(const struct pricing *p, size_t i, int64_t at_ms);

/* Tool rates for `tokentop prices`: how many, and the i-th (its id, rate,
 * since_ms as for models). Borrowed. */
size_t pricing_tool_count(const struct pricing *p);
int pricing_tool_at(const struct pricing *p, size_t i, const char **id,
                    int64_t *nanos_per_1000, int64_t *since_ms, int64_t *until_ms);

/* Batch discount as a fraction num/den of the full price (1/2 in the table). */
void pricing_batch_factor(const struct pricing *p, int64_t *num, int64_t *den);

/* Number of models and the i-th one (for `tokentop prices`). Borrowed. */
size_t pricing_count(const struct pricing *p);
const struct model_price *pricing_at(const struct pricing *p, size_t i);
/* Aliases of the i-th model, NULL-terminated. Borrowed. */
const char *const *pricing_aliases(const struct pricing *p, size_t i);
/* Where the table came from: "shipped[+user]" paths, for display. Borrowed. */
const char *pricing_origin(const struct pricing *p);

/*
 * Flags that change the rate of a group of tokens. Tokens of many rows with
 * the same model and flags may be summed first and priced once: cost is
 * linear in tokens.
 */
struct price_flags {
	int batch;      /* billed at the batch factor */
	int long_ctx;   /* request total input above the model's long threshold */
	int fast;       /* speed fast */
	int us_geo;     /* inference_geo us */
	int priority;   /* service_tier priority (the model's multiplier, if any) */
};

/* Flags of one usage row under model price mp (long_ctx needs the model). */
struct price_flags pricing_flags(const struct model_price *mp, const struct usage *u);

/* Cost in nano-dollars of token sums t under mp and flags f (128-bit
 * intermediates, every step checked). pricing_cost saturates at INT64_MAX
 * (INT64_MIN for negative tokens) when the cost does not fit; the checked
 * form returns 0, or -1 with *nanos saturated so: sums of costs use it. */
int64_t pricing_cost(const struct model_price *mp, const struct tokens *t,
                     const struct price_flags *f);
int pricing_cost_checked(const struct model_price *mp, const struct tokens *t,
                         const struct price_flags *f, int64_t *nanos);

/* Is every per-token rate of mp under f (multipliers and batch factor
 * applied) a whole number of nano-dollars? Then pricing_cost is additive:
 * the cost of a sum of token groups is the sum of their costs, however
 * they are grouped (no rounding). 1 or 0 (0 for NULL). */
int pricing_additive(const struct model_price *mp, const struct price_flags *f);

/* Cost of one row (its provider's entry for its model, in force at its
 * ts_ms): its tokens and its server tools (pricing_usage_tool_cost);
 * returns -1 (and *nanos = 0) when the model is unpriced. */
int pricing_usage_cost(const struct pricing *p, const struct usage *u, int64_t *nanos);

/* The server tools' part of one row's cost at its ts_ms (0 when the table
 * prices none of them); 0, or -1 past int64. */
int pricing_usage_tool_cost(const struct pricing *p, const struct usage *u, int64_t *nanos);

/*
 * What each lever saved on a group of tokens (nano-dollars; negative when a
 * lever cost more, e.g. cache writes never read). One computation for the
 * reports, JSON and console.
 *  cache:       cost with writes and reads priced as plain input, minus actual
 *  batch:       full-price cost minus actual (0 when not batch)
 *  routing:     same tokens on the baseline model minus actual (0 when not routed
 *               or baseline unknown) — an estimate
 *  compression: compressed_tokens × the input rate (with the same flags) — an estimate
 */
struct savings {
	int64_t cache;
	int64_t batch;
	int64_t routing;
	int64_t compression;
};
/* 0, or -1 when a figure does not fit int64 (that figure saturated). */
int pricing_savings(const struct model_price *mp, const struct tokens *t,
                     const struct price_flags *f, int routed,
                     const struct model_price *baseline, int64_t compressed_tokens,
                     struct savings *out);

/* Formats nanos as dollars with `decimals` places, e.g. "$1,234.57" (commas
 * when group is true) into buf; negative as "−$0.31" with ASCII '-'. Returns buf. */
char *pricing_format_usd(int64_t nanos, int decimals, int group, char *buf, size_t n);

/*
 * The one money rule of every screen, table and message: at least
 * min_decimals places (0 = whole dollars), and more (2, then 4, 5, … 9) while
 * a non-zero amount would otherwise read as zero, so "$0.00" only ever means
 * nothing. Thousands grouped, half up, "-$0.31" when negative. Callers choose
 * min_decimals by context (2 on screens; a table's own, to align a column).
 * Returns buf.
 */
char *pricing_format_money(int64_t nanos, int min_decimals, char *buf, size_t n);

/* The mark of a figure that leaves unpriced requests out (their tokens are
 * counted, their cost is unknown); every table and pane uses it and says so
 * in a legend. */
#define PRICING_UNPRICED_MARK "*"
#define PRICING_UNPRICED_LEGEND "* leaves out unpriced requests (no price known)"
#define PRICING_UNPRICED_LEGEND_SHORT "* without unpriced"

/* A row's cost: "unpriced" when every request of it was, else the money
 * (pricing_format_money) with PRICING_UNPRICED_MARK when some were.
 * Returns buf. */
char *pricing_format_cost(int64_t nanos, int64_t requests, int64_t unpriced, int min_decimals,
                          char *buf, size_t n);

/* nanos as a JSON-ready double in USD (only for printing; never for sums). */
double pricing_usd(int64_t nanos);

#endif
