/* provider.h — what differs between API vendors, behind one const table per
 * provider (style.md, "Providers"; htop's class tables): names, environment,
 * how a response and a stream carry usage, the error shape, rate-limit
 * headers, batch objects and endpoints, which paths are whose. The usage
 * record, pricing, the ledger, imports, reports and the proxy's relay stay
 * provider-neutral and take a provider as data. Anthropic's entry wraps
 * usage.c (core/provider.c); OpenAI's lives in core/openai_*.c. */
#ifndef TOKENTOP_PROVIDER_H
#define TOKENTOP_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "core/usage.h"

struct json_t;
struct provider_stream;
struct provider_call_ops;
struct provider_org_ops;

/* The providers, in the order of provider_at (the ledger stores the name;
 * the rollups the index, see data/store_int.h). */
enum provider_id {
	PROVIDER_ANTHROPIC = 0,
	PROVIDER_OPENAI = 1,
	PROVIDER_COUNT
};

/* A batch object in neutral terms (the proxy registers batches created
 * through it). Times UTC ms, 0 when absent. */
struct provider_batch {
	char    id[USAGE_ID_MAX];
	char    status[16];        /* the provider's word: in_progress / validating, … */
	int64_t requests;          /* all of them */
	int64_t processing, succeeded, errored, canceled, expired;
	int64_t created_ms, expires_ms;
};

/* The batch endpoints, relative to the API base (the next issue's client
 * builds on them; the proxy uses create). NULL = not offered. */
struct provider_batch_api {
	const char *upload;        /* POST a JSONL file first (OpenAI /v1/files) */
	const char *create;        /* POST */
	const char *get;           /* GET  {create}/{id} */
	const char *cancel_suffix; /* POST {create}/{id}{cancel_suffix} */
	const char *results;       /* Anthropic: {create}/{id}/results; OpenAI: the
	                              output file's /v1/files/{id}/content */
};

struct provider {
	enum provider_id id;
	const char *name;              /* the ledger's provider: "anthropic", "openai" */
	const char *label;             /* for people: "Anthropic", "OpenAI" */
	const char *mark;              /* one-letter mark in narrow columns: "A", "O" */
	const char *key_env;           /* ANTHROPIC_API_KEY, OPENAI_API_KEY */
	const char *base_env;          /* ANTHROPIC_BASE_URL, OPENAI_BASE_URL */
	const char *admin_key_env;     /* ANTHROPIC_ADMIN_KEY, OPENAI_ADMIN_KEY */
	const char *origin;            /* default upstream: https://api.anthropic.com */
	const char *request_id_header; /* request-id, x-request-id: a call's dedupe key */
	const char *version_header;    /* sent by tokentop's client with the config's
	                                  api_version (anthropic-version); NULL = none */
	int         bearer;            /* the key always goes as Authorization: Bearer
	                                  (else the config's auth style) */
	const char *base_suffix;       /* the vendor's base-URL convention ends with it
	                                  (OPENAI_BASE_URL: "/v1"); stripped, as every
	                                  path here carries it; NULL = none */
	const char *default_model;     /* `tokentop call` without --model */
	const char *ratelimit_prefix;  /* anthropic-ratelimit-, x-ratelimit- */
	const char *claim_header;      /* a request carrying it is this provider's,
	                                  whatever its path (anthropic-version); NULL */
	const char *const *paths;      /* path prefixes that are this provider's
	                                  (NULL-terminated; NULL = the default) */
	const char *const *call_paths; /* POST paths whose answer is a billed response */
	size_t      stream_line_max;   /* longest SSE line read for usage */
	const char *quota_error;       /* error type of a budget refusal (a 429) */
	int         client;            /* tokentop has a client for its API: it follows
	                                  its batches (OpenAI's comes with the next issue) */
	const struct provider_batch_api *batch;
	const struct provider_call_ops *call; /* tokentop's own calls (core/call.h) */
	const struct provider_org_ops *org;   /* the organisation's reports (core/orgsync.h) */

	/* Usage of one non-streamed response object (borrowed) into u: model,
	 * ids, stop reason, service tier, the buckets and reasoning; provider
	 * set. The caller zeroes u and fills time, source, tag. A count must be
	 * an integer in 0..USAGE_COUNT_MAX. 0, or -1 naming field and value. */
	int (*response_usage)(struct json_t *obj, struct usage *u, char *err, size_t errlen);

	/* One complete "data:" line of a streamed response (without the
	 * "data:" prefix and the newline), event the current "event:" name
	 * ("" when none): update s's usage (provider_stream_* below). */
	void (*stream_data)(struct provider_stream *s, const char *event, const char *data,
	                    size_t len);

	/* The error type the provider's API uses for an HTTP status (for the
	 * proxy's own refusals: 404, 413, 429, 5xx, …). */
	const char *(*error_type)(int status);

	/* The provider's error body for a refusal by tokentop itself (type,
	 * message; request_id may be NULL). Heap, NUL-terminated; the caller
	 * frees it. NULL when out of memory. */
	char *(*error_body)(const char *type, const char *message, const char *request_id);

	/* A batch object (borrowed) into b (zeroed first): 0, or -1 with err
	 * (also for a request count outside 0..USAGE_COUNT_MAX). */
	int (*batch_from_json)(struct json_t *obj, struct provider_batch *b, char *err,
	                       size_t errlen);

	/* The proxy may need to change a request so the answer carries its
	 * usage (OpenAI: a Chat Completions stream without
	 * stream_options.include_usage). NULL or: given the path and body, 1 and
	 * a new body (*out, heap, the caller frees) when it changed it, 0 when
	 * not, -1 when out of memory. */
	int (*request_rewrite)(const char *path, const char *body, size_t len, char **out,
	                       size_t *outlen);

	/* After request_rewrite changed a request: one complete SSE line of its
	 * answer (with its "\n", len > 0) rewritten into out (at most len
	 * bytes): the line as the client would have had it without the change.
	 * Returns the bytes to relay (0 drops the line). *state (0 at the
	 * stream's start) carries what a line decides for the next. */
	size_t (*relay_line)(const char *line, size_t len, char *out, int *state);
};

/* The table of provider i (0..PROVIDER_COUNT-1), else NULL. */
const struct provider *provider_at(int i);

/* By name ("anthropic", "openai"); "" and NULL are anthropic, the ledger's
 * default; an unknown name is NULL. */
const struct provider *provider_by_name(const char *name);

/* The provider of a usage row (u->provider; "" = anthropic). Never NULL: an
 * unknown name (only a hand-edited ledger has one) counts as anthropic. */
const struct provider *provider_of(const struct usage *u);

/* Set u->provider to pv's name. */
void provider_stamp(const struct provider *pv, struct usage *u);

/* Which provider a request is for: the first whose claim_header the request
 * carries (has_header(arg, name) != 0), else the first whose paths hold
 * path (a prefix followed by the end, '/' or '?'), else anthropic. */
const struct provider *provider_route(const char *path,
                                      int (*has_header)(void *arg, const char *name),
                                      void *arg);

/* Is path (query allowed) one of pv's call_paths? */
int provider_is_call(const struct provider *pv, const char *path);

/* Is path (query allowed) pv's batch create endpoint? */
int provider_is_batch_create(const struct provider *pv, const char *path);

/* ---- streams: the neutral accumulator ------------------------------------- */

/*
 * An incremental scan of an event stream: feed the bytes as they pass (any
 * split); the provider's stream_data sees each data line with its event
 * name. Lines up to PROVIDER_LINE_INLINE bytes live in the struct; longer
 * ones (OpenAI's response.completed carries the whole response) grow a heap
 * buffer up to pv->stream_line_max, past which the line is skipped.
 * provider_stream_done frees it.
 */
#define PROVIDER_LINE_INLINE (32 * 1024)

struct provider_stream {
	const struct provider *pv;
	char         line[PROVIDER_LINE_INLINE];
	char        *big;            /* heap line past the inline buffer, or NULL */
	size_t       len, bigcap;
	int          overflow;       /* the current line is being skipped */
	char         event[64];      /* the current event's name, "" = none */
	int          started;        /* the usage's first part was seen */
	int          finished;       /* the provider's final usage was seen */
	int          delta;          /* Anthropic: message_delta seen */
	char         bad[192];       /* the first malformed usage event, "" = none */
	struct usage u;
};

void provider_stream_init(struct provider_stream *s, const struct provider *pv);
void provider_stream_done(struct provider_stream *s);   /* frees the heap line */
void provider_stream_feed(struct provider_stream *s, const char *data, size_t len);

/* The usage of the stream so far: 1 with u filled when its usage was seen
 * (and none of it was malformed), else 0. */
int provider_stream_usage(const struct provider_stream *s, struct usage *u);

/* NULL, or why the stream's usage is unknown ("message_delta:
 * usage.output_tokens: …"). Borrowed. */
const char *provider_stream_error(const struct provider_stream *s);

/* For stream_data hooks: the first malformed part makes the usage unknown. */
void provider_stream_bad(struct provider_stream *s, const char *event, const char *why);

/* ---- the tables ------------------------------------------------------------ */

extern const struct provider provider_anthropic;
extern const struct provider provider_openai;

#endif
