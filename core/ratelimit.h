/* ratelimit.h — rate-limit headroom from a response's headers (api-notes
 * §1 and §8): Anthropic's anthropic-ratelimit-{requests,tokens,input-tokens,
 * output-tokens}-{limit,remaining,reset} (reset an RFC 3339 time) and
 * OpenAI's x-ratelimit-{limit,remaining,reset}-{requests,tokens} (reset a
 * duration: "6m0s", "1s", "12ms"). Pure: the caller hands a header lookup
 * and the time. Hostile values (signs, spaces inside, overflow, garbage)
 * leave that figure unknown; they never fail the response. */
#ifndef TOKENTOP_RATELIMIT_H
#define TOKENTOP_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

enum ratelimit_kind {
	RATELIMIT_REQUESTS,
	RATELIMIT_TOKENS,
	RATELIMIT_INPUT_TOKENS,
	RATELIMIT_OUTPUT_TOKENS,
	RATELIMIT_NKINDS
};

#define RATELIMIT_VALUE_MAX 1000000000000000LL   /* 10^15: past it a figure is garbage */

/* One kind's latest figures; -1 = not known. */
struct ratelimit_kind_state {
	int64_t limit;
	int64_t remaining;
	int64_t reset_ms;          /* UTC ms when it is full again */
};

struct ratelimit {
	struct ratelimit_kind_state k[RATELIMIT_NKINDS];
};

/* "requests", "tokens", "input_tokens", "output_tokens"; NULL past the end. */
const char *ratelimit_kind_name(int kind);
/* The kind of a name as above; -1 when unknown. */
int ratelimit_kind_of(const char *name);

/* A header's value by name (case-insensitive), NULL when absent. */
typedef const char *(*ratelimit_header_fn)(void *arg, const char *name);

/*
 * Read both vendors' rate-limit headers through get into *out (every figure
 * -1 first). A kind counts as present when its limit or remaining parsed.
 * now_ms turns OpenAI's durations into times. Returns the number of kinds
 * present (0: the response carried none).
 */
int ratelimit_parse(ratelimit_header_fn get, void *arg, int64_t now_ms, struct ratelimit *out);

/* The model a rate limit is kept under: model without a date suffix
 * ("claude-sonnet-4-5-20250929" and "gpt-4.1-2025-04-14" become
 * "claude-sonnet-4-5" and "gpt-4.1"), so a request's id and its response's
 * land on one row. Returns out. */
char *ratelimit_model_key(const char *model, char *out, size_t n);

/* How long until reset_ms from now_ms, for people: "42s", "5m10s", "1h02m",
 * "3d4h"; "now" when passed, "-" when not known (reset_ms < 0). Returns buf. */
char *ratelimit_fmt_reset(int64_t reset_ms, int64_t now_ms, char *buf, size_t n);

/* Pure helpers, exposed for the tests: a count ("123", surrounding spaces
 * allowed) into *v (0..RATELIMIT_VALUE_MAX); a Go duration ("1h2m3.5s",
 * "12ms", "0s") into milliseconds (rounded up, at most 10 days). 0 or -1. */
int ratelimit_parse_count(const char *s, int64_t *v);
int ratelimit_parse_duration(const char *s, int64_t *ms);

#endif
