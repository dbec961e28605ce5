/* usage.h — one billed API response: the ledger's unit of account. */
#ifndef TOKENTOP_USAGE_H
#define TOKENTOP_USAGE_H

#include <stddef.h>
#include <stdint.h>

#define USAGE_MODEL_MAX 96
#define USAGE_ID_MAX    128
#define USAGE_TAG_MAX   96
#define USAGE_CWD_MAX   256
#define USAGE_HOST_MAX  256

/*
 * The largest count one response may carry in any token field (and a batch
 * in any request count): 10^12, a million times any context window, and
 * small enough that the sums of millions of rows stay exact in int64. A
 * count above it is malformed input: parsers refuse it naming the field and
 * the value, and the ledger does not take it.
 */
#define USAGE_COUNT_MAX 1000000000000LL

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
	char          provider[12];                /* anthropic, openai (core/provider.h);
	                                              "" = anthropic, the default */
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
	int64_t       reasoning_tokens;            /* OpenAI: reasoning tokens, INSIDE tok.output
	                                              (display only: never billed twice) */
	char          session_id[USAGE_ID_MAX];    /* a coding agent's session (Codex CLI) */
	char          cwd[USAGE_CWD_MAX];          /* its working directory */
	/* usage.server_tool_use (api-notes §9): counts, each 0..USAGE_COUNT_MAX */
	int64_t       web_search_requests;         /* billed per search (price data) */
	int64_t       web_fetch_requests;          /* tokens only */
	int64_t       code_execution_requests;     /* counted; not priced */
	/* attribution (issue 16) */
	char          project[USAGE_TAG_MAX];      /* the cwd's repository root's (or own) name */
	char          git_branch[USAGE_TAG_MAX];   /* Claude Code gitBranch */
	char          key_fp[24];                  /* the API key's fingerprint (core/keyfp.h),
	                                              never the key */
	int           sidechain;                   /* Claude Code isSidechain */
	int           ts_import;                   /* ts_ms is the import time: the line
	                                              had no time of its own (a bare
	                                              response, results of an unknown
	                                              batch), so it is no rate */
	char          host[USAGE_HOST_MAX];        /* the host that wrote the row (config
	                                              host, TOKENTOP_HOST, gethostname);
	                                              "" = not stamped yet: the store
	                                              stamps its own (store_set_host) */
};

/* Total input tokens of a request: uncached + both cache writes + cache reads.
 * Saturates at INT64_MAX (only sums of many rows can get near it). */
int64_t usage_total_input(const struct tokens *t);

/* All five buckets added up (the dedupe "largest copy" measure); saturates. */
int64_t usage_total(const struct tokens *t);

/* acc += t, bucket by bucket: 0, or -1 leaving acc unchanged when a sum
 * would leave int64. */
int usage_tokens_add(struct tokens *acc, const struct tokens *t);

/*
 * Is every bucket of one row's t (and compressed, its estimate) a count in
 * 0..USAGE_COUNT_MAX? 0, or -1 with "input_tokens: 9223372036854775807: not
 * a token count (0..1000000000000)" in err.
 */
int usage_tokens_check(const struct tokens *t, int64_t compressed, char *err, size_t errlen);

/* usage_tokens_check on u's buckets and compressed tokens, and its
 * reasoning_tokens a count no larger than its output (which includes them).
 * 0, or -1 naming the field and value in err. */
int usage_row_check(const struct usage *u, char *err, size_t errlen);
/* Are u's server tool counts each in 0..USAGE_COUNT_MAX? 0, or -1 with
 * "web_search_requests: -1: not a token count (0..1000000000000)". */
int usage_tools_check(const struct usage *u, char *err, size_t errlen);

/* Could `rows` rows make the sums t and compressed (each 0..rows ×
 * USAGE_COUNT_MAX, and below INT64_MAX)? 1 or 0; 0 for rows <= 0. */
int usage_sums_possible(const struct tokens *t, int64_t compressed, int64_t rows);

/* The error text for a count field outside 0..USAGE_COUNT_MAX:
 * "WHEREKEY: VALUE: not a token count (0..1000000000000)". */
void usage_count_error(const char *where, const char *key, int64_t v, char *err, size_t errlen);

/* True when the row is billed at the batch rate: source batch, service tier
 * batch, or service tier flex (OpenAI bills flex at the batch rate). */
int usage_is_batch(const struct usage *u);

/* Copy src into a fixed buffer of size n, truncating on a UTF-8 boundary. */
void usage_strlcpy(char *dst, const char *src, size_t n);

/*
 * The two cache-write buckets of a response from its usage fields: total
 * cache_creation_input_tokens, and (split: the cache_creation object names
 * either) its ephemeral_5m / ephemeral_1h parts. Without a split every
 * write is 5m; with one, a total above the parts' sum goes to 5m, so no
 * token is lost. Counts are within 0..USAGE_COUNT_MAX (no overflow).
 */
void usage_cache_writes(struct tokens *t, int64_t total, int split, int64_t w5, int64_t w1);

/* ---- parsers (jansson underneath; json_t is forward-declared here) ------ */

struct json_t;

/*
 * RFC 3339 time ("2025-06-02T22:40:37.397Z", "…+02:00"; 't' or ' ' also
 * separate date and time; fractions beyond ms are truncated) into UTC ms
 * since the epoch. 0, or -1 when malformed or impossible (Feb 30).
 */
int usage_parse_time(const char *s, int64_t *ms);

/*
 * Fill u from a Messages response object (api-notes §1): model, id →
 * message_id, stop_reason, usage.* → tok, usage.service_tier / speed /
 * inference_geo (also accepted at the top level), usage.server_tool_use's
 * web_search_requests, web_fetch_requests and code_execution_requests. Absent or null usage
 * fields are 0; without the cache_creation split every write is 5m (with a
 * split, a cache_creation_input_tokens above its sum goes to 5m, so no token
 * is lost). Sets exactly those fields (absent strings become ""): the
 * caller fills time, source, tag and the rest. A count must be an integer in
 * 0..USAGE_COUNT_MAX. 0, or -1 with "usage.output_tokens: not a non-negative
 * integer" or "usage.input_tokens: 9223372036854775807: not a token count
 * (0..1000000000000)" in err.
 * msg is borrowed.
 */
int usage_from_message(struct json_t *msg, struct usage *u, char *err, size_t errlen);

/*
 * Members of a JSON object (borrowed), for the parsers of every provider:
 * a token count (absent or null → 0; otherwise an integer in
 * 0..USAGE_COUNT_MAX, else -1 with "WHEREKEY: not a non-negative integer" or
 * "WHEREKEY: VALUE: not a token count (0..1000000000000)"), and an optional
 * string copied into dst of size n (absent or null → dst unchanged; not a
 * string → -1 with "WHEREKEY: not a string").
 */
int usage_json_count(struct json_t *obj, const char *key, const char *where, int64_t *out,
                     char *err, size_t errlen);
int usage_json_string(struct json_t *obj, const char *key, const char *where, char *dst,
                      size_t n, char *err, size_t errlen);

/* One line of a messages file: a Messages response object (as above, after
 * zeroing u). 0 or -1 with the reason in err. */
int usage_parse_message_line(const char *line, size_t len, struct usage *u,
                             char *err, size_t errlen);

/*
 * A line into a JSON object: NULL with "invalid JSON at column N: …" or
 * "not a JSON object" in err. The caller json_decref()s the result.
 */
struct json_t *usage_load_line(const char *line, size_t len, char *err, size_t errlen);

/* One outcome of a Message Batches results file (api-notes §3). */
struct usage_result {
	char         custom_id[72];
	char         type[16];      /* succeeded, errored, canceled, expired */
	char         error[512];    /* errored: "invalid_request_error: message" */
	struct usage u;             /* succeeded only: the row (source "batch",
	                               custom_id set, time 0: the caller's) */
};

/* Parse one results line into r (zeroed first). 0, or -1 with the reason. */
int usage_parse_result_line(const char *line, size_t len, struct usage_result *r,
                            char *err, size_t errlen);

/* The same from a line already parsed into an object (root borrowed). */
int usage_result_from_obj(struct json_t *root, struct usage_result *r, char *err, size_t errlen);

/* What every provider's results line starts with: r zeroed, root an object
 * with a custom_id (1..71 bytes) copied into r. 0, or -1 naming the field. */
int usage_result_begin(struct json_t *root, struct usage_result *r, char *err, size_t errlen);

/* A batch object's request_counts.KEY (counts borrowed): absent or not an
 * integer → 0; an integer outside 0..USAGE_COUNT_MAX → -1 with "batch:
 * request_counts.KEY: VALUE: not a count (0..1000000000000)". */
int usage_json_request_count(struct json_t *counts, const char *key, int64_t *out, char *err,
                             size_t errlen);

/* What a transcript line turned out to be. */
enum usage_line {
	USAGE_LINE_MALFORMED = -1,   /* err says why */
	USAGE_LINE_ROW = 0,          /* u is a usage row */
	USAGE_LINE_SKIP = 1,         /* not a usage line (user turn, <synthetic>,
	                                API error message, no usage): ignore */
};

/*
 * True when the line can carry usage: it contains "usage" followed by a
 * colon and an object (the cheap test that spares parsing other lines).
 */
int usage_line_has_usage(const char *line, size_t len);

/*
 * One Claude Code transcript line (api-notes §7) into u (zeroed first):
 * timestamp → ts_ms, requestId, message.id, message.model, message.usage,
 * isSidechain, cwd, gitBranch; source "import" (project is the importer's:
 * it needs the file system). Lines without usage, with model
 * "<synthetic>" or isApiErrorMessage true are USAGE_LINE_SKIP.
 */
enum usage_line usage_parse_transcript_line(const char *line, size_t len, struct usage *u,
                                            char *err, size_t errlen);

/*
 * The same from a line already parsed into an object (root borrowed; u
 * zeroed first). The caller has checked usage_line_has_usage: a line
 * without it is USAGE_LINE_SKIP whatever its members.
 */
enum usage_line usage_from_transcript(struct json_t *root, struct usage *u,
                                      char *err, size_t errlen);

#endif
