/* fk.h — shared declarations of the API test double (tests/fakeapi). */
#ifndef FAKEAPI_FK_H
#define FAKEAPI_FK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <microhttpd.h>

#define FK_MAXKEYS	16
#define FK_MAXHDR	24
#define FK_MAXBP	4
#define FK_MSG_LIMIT	(32L << 20)	/* Messages body limit */
#define FK_BATCH_LIMIT	(256L << 20)	/* batch create body limit */

/* One injected fault (see README "Control endpoints"). */
struct fk_fault {
	char	path[256];
	char	method[12];		/* "" = any */
	int	count;			/* uses left */
	int	status;			/* 0 = no error response */
	char	retry_after[32];
	char	retry_after_ms[32];
	char	should_retry[8];
	char	error_type[48];
	int	delay_ms;
	int	drop, truncate, malformed, cut_results, stream_error;
	int	after_commit;		/* handle the request first, then fail the answer */
};

/* Settings from the command line; read-only once serving. */
struct fk_opts {
	const char *host;
	int	port;
	const char *keys[FK_MAXKEYS];
	int	nkeys;
	double	time_scale;
	double	batch_seconds;
	double	batch_expiry;
	double	cancel_seconds;
	int	stream_delay_ms;
};

/* Everything mutable, guarded by lock. */
struct fk_state {
	pthread_mutex_t lock;
	struct fk_opts opt;
	double	clock_offset;		/* virtual seconds added by /_fake/clock */
	double	mono_start;		/* real monotonic seconds at start */
	double	wall_start;		/* real epoch seconds at start */
	uint64_t rng;
	struct fk_fault *faults;
	size_t	nfaults;
	json_t	*stats;			/* {"requests":{},"total":N,"last_headers":{}} */
};

extern struct fk_state fk;
extern atomic_int fk_stopping;		/* set on SIGTERM: sleeps and streams end */

/* One request, fully read. */
struct fk_req {
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	const char *body;
	size_t	len;
	char	rid[40];		/* request-id of the answer */
	char	base[160];		/* http://host:port, from the Host header */
	struct fk_fault fault;		/* the matched fault, or all zero */
	int	has_fault;
	int	openai;			/* an OpenAI path (oa_path): OpenAI ids, headers, errors */
	double	t0;			/* real monotonic seconds when it was read */
};

/* One answer. Either body/len, or a prebuilt callback response in resp. */
struct fk_reply {
	int	status;
	char	*body;			/* malloc'd, owned by the reply */
	size_t	len;
	const char *ctype;
	int	nhdr;
	char	hdr[FK_MAXHDR][2][128];
	struct MHD_Response *resp;	/* streams: owned until queued */
};

/* Token usage of one answer, in the five buckets of the real API. */
struct fk_usage {
	long	input, cw5, cw1h, cread, output;
};

/* A validated Messages request, reduced to what the double needs. */
struct fk_bp {
	long	tokens;			/* prefix tokens up to and including the block */
	uint64_t hash;			/* prefix hash (model included) */
	int	ttl;			/* seconds: 300 or 3600 */
};
struct fk_plan {
	int	model;			/* index into the model table */
	long	max_tokens;
	int	stream;
	long	total;			/* input tokens before caching */
	int	nbp;
	struct fk_bp bp[FK_MAXBP];
	char	prefix[44];		/* first <= 40 bytes of the last user text */
};

/* fk_util.c */
double	fk_now(void);				/* virtual seconds; lock held */
void	fk_time_str(double vt, char *buf, size_t len);	/* RFC 3339 of a virtual time */
void	fk_id(const char *prefix, char *buf, size_t len); /* lock held */
long	fk_tokens(size_t bytes);
int	fk_grow(void *arrp, size_t *cap, size_t need, size_t size);
void	fk_prefix(char *dst, const char *s);	/* dst: 41 bytes or more */
void	fk_reply_header(struct fk_reply *r, const char *name, const char *value);
void	fk_reply_json(struct fk_reply *r, int status, json_t *obj);	/* steals obj */
void	fk_reply_error(struct fk_reply *r, const struct fk_req *q, int status,
	    const char *type, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
const char *fk_error_type(int status);
void	fk_ratelimit_headers(struct fk_reply *r, long in, long out);
void	fk_ratelimit_headers_ex(struct fk_reply *r, long in, long out, int exhausted);
int	fk_sleep_ms(long ms);			/* -1 when cut short by shutdown */

/* fk_models.c */
int	fk_model_find(const char *id);		/* -1 if unknown */
const char *fk_model_name(int m);		/* the id a response reports */
long	fk_model_min_cache(int m);
int	fk_model_set_min(const char *spec);	/* "MODEL=N"; 0/-1 */

/* fk_plan.c */
int	plan_build(json_t *body, int count_only, struct fk_plan *p, int *status,
	    const char **etype, char *err, size_t errlen);

/* fk_messages.c */
void	msg_answer(const struct fk_plan *p, char *buf, size_t len, long *out_tokens,
	    int *capped);
json_t *msg_usage_json(const struct fk_usage *u, const char *tier);
json_t *msg_message_json(const char *id, const struct fk_plan *p, const struct fk_usage *u,
	    const char *tier);
void	msg_messages(const struct fk_req *q, struct fk_reply *r);
void	msg_count_tokens(const struct fk_req *q, struct fk_reply *r);

/* fk_cache.c — lock held */
void	cache_apply(const struct fk_plan *p, double now, struct fk_usage *u);
long	cache_steps(const uint64_t *steps, size_t n, double now, int ttl);
void	cache_reset(void);

/* fk_batches.c — batch state; everything but batch_create with the lock held */
enum { K_PROCESSING, K_SUCCEEDED, K_ERRORED, K_CANCELED, K_EXPIRED, K_N };
enum { S_IN_PROGRESS, S_CANCELING, S_ENDED };

struct fk_item {
	char	 custom_id[68];
	int	 kind;		/* K_*; K_PROCESSING until handled */
	int	 invalid;	/* params failed validation: becomes errored */
	char	*error;		/* its message (malloc'd) */
	const char *etype;
	struct fk_plan plan;
	struct fk_usage usage;
};

/* Items are immutable once the batch ended, so a results stream reads them unlocked. */
struct fk_batch {
	char	 id[48];
	int	 refs;		/* the list holds one, each results stream one */
	int	 status;	/* S_* */
	double	 created, expires, cancel_at, ended;	/* virtual; cancel_at -1 = none */
	size_t	 n, done;
	struct fk_item *items;
};

extern struct fk_batch **batch_list;	/* creation order */
extern size_t batch_nlist;

void	batch_create(const struct fk_req *q, struct fk_reply *r);	/* takes the lock */
void	batch_advance(struct fk_batch *b, double now);
json_t *batch_json(const struct fk_batch *b, const char *base);	/* new reference */
struct fk_batch *batch_find(const char *id, size_t *pos);
void	batch_unref(struct fk_batch *b);
void	batch_reset(void);

/* fk_batch_api.c */
void	batch_route(const struct fk_req *q, struct fk_reply *r);

/* fk_sse.c — a server-sent event stream sent event by event */
struct fk_sse;
struct fk_sse *sse_new(void);
void	sse_free(struct fk_sse *s);
void	sse_raw(struct fk_sse *s, char *text);		/* takes text */
void	sse_event(struct fk_sse *s, const char *type, json_t *data);	/* steals data */
size_t	sse_count(const struct fk_sse *s);
int	sse_next_piece(const char *text, size_t *at, char *piece, size_t max);
void	sse_keep(struct fk_sse *s, size_t n);
void	sse_stop_half(struct fk_sse *s, int drop);
void	sse_reply(struct fk_sse *s, struct fk_reply *r);	/* takes s */

/* fk_faults.c */
int	fault_parse(json_t *obj, struct fk_fault *f, char *err, size_t errlen);
int	fault_parse_spec(const char *spec, struct fk_fault *f, char *err, size_t errlen);
int	fault_add(const struct fk_fault *f);		/* lock held */
int	fault_take(const char *method, const char *path, struct fk_fault *out); /* lock held */
void	fault_error_reply(const struct fk_req *q, struct fk_reply *r);

/* fk_control.c */
void	control_route(const struct fk_req *q, struct fk_reply *r);
void	control_record(const struct fk_req *q);	/* takes the lock */

/* fk_admin.c — the Admin API reports (usage_report/messages, cost_report) */
void	admin_record(const struct fk_req *q, int model, const struct fk_usage *u);
int	admin_option(const char *name, const char *value);	/* admin-key, org-extra */
void	admin_route(const struct fk_req *q, struct fk_reply *r);
void	admin_control(const struct fk_req *q, struct fk_reply *r, json_t *body);
void	admin_reset(void);					/* lock held */

/* ---- OpenAI (api-notes §8): fk_openai*.c, names oa_ ---- */

#define FK_FILE_LIMIT	(512L << 20)	/* /v1/files upload limit */

/* OpenAI settings from the command line (oa_option); read-only once serving. */
struct oa_opts {
	const char *keys[FK_MAXKEYS];
	int	nkeys;
	const char *admin_keys[FK_MAXKEYS];
	int	nadmin;
	double	cache_ttl;		/* idle seconds a cached prefix lives */
	long	rpm, tpm;		/* rate limits per model and minute */
	double	validate_seconds, finalize_seconds;
	long	batch_max_requests;
	long	batch_max_bytes;
	int	mixed_models;		/* 1: no one-model-per-file rule */
	const char *batch_tier;		/* service_tier of batch output bodies */
};
extern struct oa_opts oa_opt;

enum { OA_CHAT, OA_RESP };

/* An error answer: {"error":{"message","type","param","code"}}. */
struct oa_err {
	int	status;
	const char *type;		/* NULL: by status */
	const char *code;		/* NULL: null */
	char	param[96];		/* "": null */
	char	msg[512];
};

/* A validated Chat Completions or Responses body, reduced to what the double needs. */
struct oa_plan {
	int	api;			/* OA_CHAT or OA_RESP */
	int	model;			/* index into the OpenAI model table */
	long	max_out;		/* output cap, reasoning included; -1 = none */
	int	stream, include_usage;
	int	effort;			/* reasoning tokens per answer token; -1 = not a reasoning model */
	long	total;			/* input tokens */
	uint64_t *steps;		/* prefix hashes at 1024, 1152, … tokens (malloc'd) */
	size_t	nsteps;
	int	ttl;			/* cache idle TTL, seconds */
	char	tier[12];		/* service_tier the answer reports */
	char	prefix[44];		/* first <= 40 bytes of the last user text */
	json_t	*body;			/* the request (a reference) */
};

/* OpenAI usage: input includes cached, output includes reasoning. */
struct oa_usage {
	long	input, cached, output, reasoning;
};

/* fk_openai.c — routing, keys, error bodies, response headers, options */
int	oa_path(const char *path);		/* 1 for the OpenAI paths */
void	oa_route(const struct fk_req *q, struct fk_reply *r);
json_t *oa_error_json(const struct oa_err *e);
void	oa_error(struct fk_reply *r, const struct oa_err *e);
void	oa_fail(struct fk_reply *r, int status, const char *code, const char *param,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void	oa_fault_error(const struct fk_req *q, struct fk_reply *r);
int	oa_auth(const struct fk_req *q, struct fk_reply *r, int admin);	/* -1: 401 in r */
void	oa_response_headers(const struct fk_req *q, struct MHD_Response *resp);
void	oa_hex_id(const char *prefix, int nhex, char *buf, size_t len);	/* lock held */
long	oa_unix(double vt);			/* Unix seconds of a virtual time */
int	oa_caller(const struct fk_req *q, char *key_id, size_t klen, char *project,
	    size_t plen);			/* the key's id and the project; key index */
int	oa_option(const char *name, const char *value);
void	oa_reset(void);				/* lock held */
const char *oa_arg(const struct fk_req *q, const char *name);

/* fk_openai_models.c */
int	oa_model_find(const char *id);		/* -1 if unknown */
const char *oa_model_name(int m);		/* the id responses report */
int	oa_model_reasoning(int m);
const long *oa_model_price(int m);		/* input, cached, output: micro-$ per MTok */
int	oa_model_count(void);
void	oa_models_route(const struct fk_req *q, struct fk_reply *r);	/* GET /v1/models… */

/* fk_openai_plan.c */
int	oa_plan_build(int api, json_t *body, struct oa_plan *p, struct oa_err *e);
void	oa_plan_free(struct oa_plan *p);

/* fk_openai_answer.c — the answer, its usage and the objects that carry it */
void	oa_serve(const struct oa_plan *p, double now, struct oa_usage *u, char *text,
	    size_t len, int *capped);		/* lock held; text needs 256 bytes */
json_t *oa_usage_json(int api, const struct oa_usage *u);
json_t *oa_chat_json(const char *id, long created, const struct oa_plan *p,
	    const struct oa_usage *u, const char *text, int capped, const char *tier);
json_t *oa_response_json(const char *id, const char *msg_id, long created,
	    const struct oa_plan *p, const struct oa_usage *u, const char *text, int capped,
	    const char *tier);

/* fk_openai_chat.c, fk_openai_responses.c — the two endpoints, plain and streamed */
void	oa_chat(const struct fk_req *q, struct fk_reply *r);
void	oa_responses(const struct fk_req *q, struct fk_reply *r);
int	oa_read_plan(const struct fk_req *q, struct fk_reply *r, int api, struct oa_plan *p);
int	oa_serve_call(const struct fk_req *q, struct fk_reply *r, const struct oa_plan *p,
	    struct oa_usage *u, char *text, size_t len, char *id, size_t idlen, long *created,
	    int *capped);			/* -1: 429 in r */

/* fk_openai_limits.c — x-ratelimit-* on the virtual clock */
int	oa_limits_take(struct fk_reply *r, int model, long tokens);	/* -1: 429 in r */
void	oa_limits_reset(void);			/* lock held */

/* fk_openai_files.c — /v1/files */
struct oa_file {
	char	 id[40];
	char	 filename[256];
	char	 purpose[24];
	char	*data;
	size_t	 len;
	long	 created;		/* Unix seconds */
	int	 refs;			/* the list holds one; batches and downloads one each */
};
struct oa_file *oa_file_add(char *data, size_t len, const char *name,
	    const char *purpose);		/* takes data; lock held; NULL on OOM */
struct oa_file *oa_file_find(const char *id);	/* lock held */
void	oa_file_unref(struct oa_file *f);	/* lock held */
void	oa_files_route(const struct fk_req *q, struct fk_reply *r);
void	oa_files_reset(void);			/* lock held */

/* fk_openai_batches.c, fk_openai_batch_input.c, fk_openai_batch_api.c — /v1/batches */
enum { OB_VALIDATING, OB_IN_PROGRESS, OB_FINALIZING, OB_COMPLETED, OB_FAILED, OB_EXPIRED,
	OB_CANCELLING, OB_CANCELLED };

struct oa_item {
	char	*custom_id;
	size_t	 off, len;		/* the line in the input file */
	char	*line;			/* its output or error line once handled (malloc'd) */
	int	 failed;
};

struct oa_batch {
	char	 id[48];
	int	 status;		/* OB_* */
	int	 api;			/* endpoint: OA_CHAT or OA_RESP */
	struct oa_file *input;		/* a reference */
	json_t	*metadata;		/* object or null */
	json_t	*errors;		/* validation errors: array, or NULL */
	double	 created, in_progress, finalizing, ended, cancelling, expires;	/* virtual */
	size_t	 n, done, completed, failed;
	struct oa_item *items;
	char	 model[96];		/* "" until validated */
	char	 output_id[40], error_id[40];
	char	 key_id[48], project[64];	/* who created it (org usage) */
	struct oa_usage usage;		/* sum over completed requests */
};

extern struct oa_batch **oa_batch_list;		/* creation order */
extern size_t oa_batch_n;

void	oa_batch_advance(struct oa_batch *b, double now);	/* lock held */
void	oa_batch_advance_all(double now);		/* lock held */
json_t *oa_batch_json(const struct oa_batch *b);	/* lock held */
const char *oa_batch_status(const struct oa_batch *b);
void	oa_batch_cancel(struct oa_batch *b, double now);	/* lock held */
void	oa_batch_free(struct oa_batch *b);		/* lock held */
int	oa_batch_validate(struct oa_batch *b);		/* lock held; 0 ok, -1 failed */
void	oa_batch_item(struct oa_batch *b, size_t i, double t);	/* lock held */
void	oa_batches_route(const struct fk_req *q, struct fk_reply *r);
void	oa_batches_reset(void);				/* lock held */

/* fk_openai_org.c — /v1/organization/usage/completions and /v1/organization/costs */
void	oa_org_record(double t, int model, const struct oa_usage *u, const char *key_id,
	    const char *project, const char *tier, int batch);	/* lock held */
void	oa_org_route(const struct fk_req *q, struct fk_reply *r);
void	oa_org_control(const struct fk_req *q, struct fk_reply *r, json_t *body);
void	oa_org_reset(void);				/* lock held */

#endif
