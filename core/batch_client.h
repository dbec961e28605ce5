/* batch_client.h — the batch endpoints of a provider behind one const table
 * (style.md, "Providers"): where batches are created, read, listed and
 * cancelled, how a batch object and a results line read, when a batch has
 * ended and where its results are. The poller, `tokentop batch`, the
 * exactly-once creates and the console take a table and stay
 * provider-neutral. Anthropic's table is in api_batch.c, OpenAI's in
 * openai_batch.c; the neutral calls over a table are in batch_client.c. */
#ifndef TOKENTOP_BATCH_CLIENT_H
#define TOKENTOP_BATCH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/api.h"
#include "core/batch.h"
#include "core/provider.h"

#define BATCH_RESULTS_MAX 2          /* results files of one batch (OpenAI: output, error) */
#define BATCH_WHERE_MAX   512

/* The console's (and `batch list`'s) state words, for every provider. */
enum batch_state {
	BATCH_VALIDATING = 0,
	BATCH_IN_PROGRESS,
	BATCH_FINALIZING,
	BATCH_COMPLETED,
	BATCH_FAILED,
	BATCH_EXPIRED,
	BATCH_CANCELLING,
	BATCH_CANCELLED,
	BATCH_STATE_COUNT
};

struct batch_client {
	const struct provider *pv;
	const char *id_prefix;       /* "msgbatch_", "batch_" */
	const char *path;            /* POST create; GET {path}/{id}; POST {path}/{id}/cancel;
	                                GET {path}?limit=N&{after}=ID */
	const char *after_param;     /* "after_id", "after" */
	int         list_max;        /* largest page */
	int         max_requests;    /* per batch (api-notes) */
	int64_t     max_bytes;       /* per batch input */
	batch_line_fn line_check;    /* the input line format; NULL = Anthropic's */
	int         one_model;       /* one model per file (a setting may turn it off) */
	int         one_url;         /* one endpoint per file */
	int         uploads;         /* the requests go up as a file first, and the create
	                                carries the intent token in metadata (exact
	                                adoption: openai_batch.h) */

	/* A batch object (borrowed) into b (zeroed first, provider set). 0, or
	 * -1 with *err (invalid_response; also a count outside 0..USAGE_COUNT_MAX). */
	int (*from_json)(const json_t *obj, struct api_batch *b, struct http_error *err);

	/* Has b ended (its results are final and can be fetched)? */
	int (*ended)(const struct api_batch *b);

	/* Where b's results are, in the order to read them: paths (or URLs on
	 * the provider's base) into where[0..n), n <= BATCH_RESULTS_MAX. */
	size_t (*results)(const struct api_batch *b, char where[][BATCH_WHERE_MAX]);

	/* One results line (root borrowed) into r (zeroed first): 0, or -1 with
	 * the reason. A succeeded outcome's row gets the provider's stamp. */
	int (*result_line)(json_t *root, struct usage_result *r, char *err, size_t errlen);

	/* A status word of the provider's in the console's words (an ended
	 * Anthropic batch: cancelled when it was cancelled, expired when
	 * requests expired, else completed). */
	enum batch_state (*state)(const char *status, int64_t cancel_ms, int64_t canceled,
	                          int64_t expired);
};

extern const struct batch_client batch_client_anthropic;
extern const struct batch_client batch_client_openai;

/* The table of provider pv (never NULL for a known provider). */
const struct batch_client *batch_client_of(const struct provider *pv);
/* By a batch id's prefix ("batch_…" OpenAI, "msgbatch_…" Anthropic); NULL when
 * neither, or when the rest is not letters, digits, '_' and '-'. */
const struct batch_client *batch_client_for_id(const char *id);

/* Is s an end: completed, failed, expired, cancelled? */
int batch_state_final(enum batch_state s);
/* "validating", "in_progress", … */
const char *batch_state_name(enum batch_state s);

/* ---- the calls, over a table (async like api.h, and blocking) ------------ */

struct http_req *batch_client_get_start(const struct batch_client *c, struct http_multi *m,
                                        const char *id, api_batch_fn done, void *arg,
                                        struct http_error *err);
struct http_req *batch_client_cancel_start(const struct batch_client *c, struct http_multi *m,
                                           const char *id, api_batch_fn done, void *arg,
                                           struct http_error *err);
/* POST {path} with body (borrowed), retried as the client retries: for
 * tests and tools; `batch submit` creates exactly once (cli_batch_once.c). */
struct http_req *batch_client_create_start(const struct batch_client *c, struct http_multi *m,
                                           const json_t *body, api_batch_fn done, void *arg,
                                           struct http_error *err);
int batch_client_create(const struct batch_client *c, struct http_multi *m, const json_t *body,
                        struct api_batch *b, struct http_error *err);
int batch_client_get(const struct batch_client *c, struct http_multi *m, const char *id,
                     struct api_batch *b, struct http_error *err);
int batch_client_cancel(const struct batch_client *c, struct http_multi *m, const char *id,
                        struct api_batch *b, struct http_error *err);

/* One list page (newest first): as api_batch_list_start. */
struct http_req *batch_client_list_start(const struct batch_client *c, struct http_multi *m,
                                         int limit, const char *after,
                                         api_batch_page_fn done, void *arg,
                                         struct http_error *err);
/* Blocking form of one page: *out (free()) gets *n batches; *has_more, and
 * last_id (size USAGE_ID_MAX) where the next page starts. 0 or -1. */
int batch_client_list_page(const struct batch_client *c, struct http_multi *m, int limit,
                           const char *after, struct api_batch **out, size_t *n,
                           int *has_more, char *last_id, struct http_error *err);
/* The batches created at or after since_ms (0: every one) (newest first), paging until an
 * older one. *out (free()) gets *n. 0 or -1. */
int batch_client_list_since(const struct batch_client *c, struct http_multi *m,
                            int64_t since_ms, struct api_batch **out, size_t *n,
                            struct http_error *err);

/* A 2xx body (bytes) that is a batch object: 0 with *b, else -1. */
int batch_client_parse(const struct batch_client *c, const char *body, size_t len,
                       struct api_batch *b);

/*
 * Stream a JSONL file line by line from where (a path on the provider's
 * base, or a URL that must be on it: the key goes nowhere else). As
 * api_batch_results_start.
 */
struct http_req *batch_client_lines_start(const struct batch_client *c, struct http_multi *m,
                                          const char *where, api_line_fn on_line,
                                          api_results_done_fn done, void *arg,
                                          struct http_error *err);

#endif
