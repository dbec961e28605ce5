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
void	fk_reply_header(struct fk_reply *r, const char *name, const char *value);
void	fk_reply_json(struct fk_reply *r, int status, json_t *obj);	/* steals obj */
void	fk_reply_error(struct fk_reply *r, const struct fk_req *q, int status,
	    const char *type, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
const char *fk_error_type(int status);
void	fk_ratelimit_headers(struct fk_reply *r, long in, long out);
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

#endif
