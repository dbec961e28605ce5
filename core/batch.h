/* batch.h — Message Batch input files: validate, complete, split, estimate.
 *
 * No network and no SQL here. A file is read line by line (never whole):
 * batch_plan_file() checks every line and plans the batches the file becomes
 * (100,000 requests or 256 MB of request JSON each); batch_part_body() builds
 * one part's create-call body by reading its byte range again.
 */
#ifndef TOKENTOP_BATCH_H
#define TOKENTOP_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/pricing.h"
#include "core/usage.h"

#define BATCH_MAX_REQUESTS 100000                   /* per batch (api-notes §3) */
/* per batch, of request JSON: 256 MB read the smaller way (10^6), less room
 * for the {"requests":[…]} envelope, so a part never meets a 413 */
#define BATCH_MAX_BYTES    (256LL * 1000 * 1000 - 64)
#define BATCH_MAX_ERRORS   50                       /* error messages kept by a plan */
#define BATCH_CUSTOM_ID_MAX 64

enum batch_cache {
	BATCH_CACHE_OFF = 0,
	BATCH_CACHE_5M,
	BATCH_CACHE_1H,
};

/*
 * Picks the model and max_tokens of a short-form line (`--route auto`):
 * fills model (and *max_tokens when it is 0 and the rule has a default, and
 * tier) from the prompt. Returns 0, or -1 with a reason in err.
 */
typedef int (*batch_route_fn)(void *arg, const char *prompt, char *model, size_t modellen,
                              int64_t *max_tokens, char *tier, size_t tierlen,
                              char *err, size_t errlen);

struct batch_opts;
struct batch_req;

/* A provider's line format (batch_line_check's contract). */
typedef int (*batch_line_fn)(const char *line, size_t len, const struct batch_opts *o,
                             struct batch_req *r, char *reason, size_t reasonlen);

/* How short-form lines are completed and where a file is split. */
struct batch_opts {
	const char      *model;        /* default model of short-form lines; NULL = none */
	int64_t          max_tokens;   /* default max_tokens of short-form lines; 0 = none */
	enum batch_cache cache;        /* cache_control on the short form's system block */
	int64_t          max_requests; /* per batch; 0 = BATCH_MAX_REQUESTS (test hook) */
	int64_t          max_bytes;    /* per batch; 0 = BATCH_MAX_BYTES (test hook) */
	batch_route_fn   route;        /* NULL = no routing; else used when a line names no model */
	void            *route_arg;
	batch_line_fn    line_check;   /* NULL = Anthropic's lines (params); else the
	                                  provider's (openai_batch_line_check) */
	int              one_model;    /* every request of the file names the same model */
	int              one_url;      /* … and the same endpoint (batch_req.url) */
};

/* One checked request. json is the complete request object, compact. */
struct batch_req {
	char    custom_id[BATCH_CUSTOM_ID_MAX + 1];
	char    model[USAGE_MODEL_MAX];
	char    tier[16];              /* routing tier, "" when not routed */
	char    url[32];               /* OpenAI: the endpoint, "" for Anthropic */
	char    provider[12];          /* the ledger's provider name, "" = anthropic */
	int64_t max_tokens;
	int64_t est_input;             /* input tokens: ceil(bytes/4) per text + 3 per message */
	enum batch_cache cache;        /* longest cache_control TTL in the request */
	char   *json;                  /* malloc'd; the caller frees (batch_req_done) */
	size_t  json_len;
};

/*
 * Check one line (without its newline) and complete it into a request.
 * Returns 1 with r filled (free with batch_req_done), 0 for a blank line (to
 * skip), -1 with reason ("custom_id \"a b\" has a space") when the line is
 * invalid. line need not be NUL-terminated; any bytes are safe.
 */
int batch_line_check(const char *line, size_t len, const struct batch_opts *o,
                     struct batch_req *r, char *reason, size_t reasonlen);
void batch_req_done(struct batch_req *r);       /* frees r->json; NULL fine */

/* Cost range of one request in nano-dollars at the batch rate: low = input
 * at the plain input rate + 1 output token, high = input at the cache-write
 * rate of its TTL (plain input when uncached) + max_tokens output. Returns
 * -1 (both 0) when the model has no price. */
int batch_req_estimate(const struct pricing *p, const struct batch_req *r,
                       int64_t *low, int64_t *high);

/* One batch a file becomes: the lines [first_line, last_line] at bytes
 * [offset, end) of the file. */
struct batch_part {
	int64_t offset, end;
	int64_t first_line, last_line;
	int64_t requests;
	int64_t bytes;                 /* request JSON bytes (commas included) */
	char    models[256];           /* distinct models, comma-separated, first-seen order */
	int64_t est_low, est_high;     /* nanos, priced requests only */
	int64_t unpriced;              /* requests whose model has no price */
};

struct batch_plan {
	int64_t            lines;      /* lines read */
	int64_t            requests;   /* valid requests */
	char               url[32];    /* the first request's url ("" for Anthropic's) */
	struct batch_part *parts;
	size_t             nparts;
	char             **models;     /* distinct models of the file, first-seen order */
	size_t             nmodels;
	int64_t            est_low, est_high, unpriced;
	struct {
		char    name[16];
		int64_t requests;
	}                  tiers[8];   /* routed requests per tier, first-seen order */
	size_t             ntiers;
	char             **errors;     /* "FILE:LINE: reason", the first BATCH_MAX_ERRORS */
	size_t             nerrors;
	int64_t            nbad;       /* every invalid line (may exceed nerrors) */
};

/*
 * Read path line by line, check every line (duplicate custom_ids included,
 * naming the line of the first one) and plan its parts; p may be NULL (no
 * estimate). Returns 0 when the file was read — then out->nbad says whether
 * it may be submitted — or -1 with err when it could not be. The caller frees
 * out with batch_plan_done.
 */
int batch_plan_file(const char *path, const struct batch_opts *o, const struct pricing *p,
                    struct batch_plan *out, char *err, size_t errlen);
void batch_plan_done(struct batch_plan *plan);  /* NULL fine; leaves it zeroed */

/*
 * The create-call body {"requests":[…]} of one part, reading the part's byte
 * range of path again. Returns 0 with *body (malloc'd, NUL-terminated, the
 * caller frees) and *len, or -1 with err (e.g. the file changed since).
 */
int batch_part_body(const char *path, const struct batch_part *part,
                    const struct batch_opts *o, char **body, size_t *len,
                    char *err, size_t errlen);

/*
 * Call fn with each request of a part, reading its byte range of path again
 * (r is borrowed for the call). fn returns 0, or non-zero to stop (out of
 * memory). 0, or -1 with err (the file changed since, or fn stopped).
 */
int batch_part_each(const char *path, const struct batch_part *part,
                    const struct batch_opts *o,
                    int (*fn)(void *arg, const struct batch_req *r), void *arg,
                    char *err, size_t errlen);

/* "off", "5m", "1h" → enum; -1 when unknown. */
int batch_cache_parse(const char *s, enum batch_cache *c);

#endif
