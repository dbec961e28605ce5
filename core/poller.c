/* poller.c — the batch poller's state machine: WAIT (until next_ms) →
 * GETTING (a retrieve in flight) → WAIT again, or DOWNLOADING (results
 * streaming into an ingest) once ended → DONE when every result is
 * recorded. Failures go back to WAIT for the next interval. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/batch_client.h"
#include "core/poller.h"

enum pstate { P_WAIT, P_GETTING, P_DOWNLOADING, P_DONE };

struct pentry {
	struct batch_poller *p;
	const struct batch_client *c;       /* the batch's provider */
	char                 id[USAGE_ID_MAX];
	char                 tag[USAGE_TAG_MAX];
	enum pstate          state;
	int64_t              next_ms;
	int                  have;          /* b is filled */
	int                  want_results;  /* ended: download at the next step */
	int                  incomplete;    /* whole downloads in a row that were not complete */
	struct api_batch     b;
	struct http_req     *req;           /* in flight, borrowed */
	struct batch_ingest *in;            /* while downloading */
	char                 where[BATCH_RESULTS_MAX][BATCH_WHERE_MAX];
	size_t               nwhere, wi;    /* results files, the one streaming */
	int64_t              lines;         /* lines of the files before it */
	char                 why[512];      /* why the download stopped */
};

struct batch_poller {
	struct http_multi *m;
	char              *dir;
	int64_t            interval_ms;
	batch_event_fn     fn;
	void              *arg;
	struct pentry    **e;
	size_t             n;
	int64_t            now;
	int                inflight, max_inflight;
	int                closing;
};

struct batch_poller *
batch_poller_new(struct http_multi *m, const char *results_dir, int64_t interval_ms,
                 batch_event_fn fn, void *arg)
{
	struct batch_poller *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	if (results_dir != NULL && (p->dir = strdup(results_dir)) == NULL) {
		free(p);
		return NULL;
	}
	p->m = m;
	p->interval_ms = interval_ms > 0 ? interval_ms : 30000;
	p->fn = fn;
	p->arg = arg;
	p->max_inflight = 16;
	return p;
}

void
batch_poller_free(struct batch_poller *p)
{
	size_t i;

	if (p == NULL)
		return;
	p->closing = 1;
	for (i = 0; i < p->n; i++) {
		if (p->e[i]->req != NULL)
			http_req_cancel(p->m, p->e[i]->req);
		batch_ingest_free(p->e[i]->in);
		free(p->e[i]);
	}
	free(p->e);
	free(p->dir);
	free(p);
}

int
batch_poller_add(struct batch_poller *p, const char *id, const char *tag, char *err,
                 size_t errlen)
{
	struct pentry *e, **ne;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->e[i]->id, id) == 0)
			return 0;
	if (id[0] == '\0' || strlen(id) >= USAGE_ID_MAX) {
		snprintf(err, errlen, "batch id \"%.80s\" is not valid", id);
		return -1;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (ne = realloc(p->e, (p->n + 1) * sizeof(*ne))) == NULL) {
		free(e);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->e = ne;
	e->p = p;
	usage_strlcpy(e->id, id, sizeof(e->id));
	if ((e->c = batch_client_for_id(id)) == NULL)
		e->c = &batch_client_anthropic;      /* start_get refuses what is no id */
	usage_strlcpy(e->tag, tag != NULL ? tag : "", sizeof(e->tag));
	e->state = P_WAIT;
	e->next_ms = 0;
	p->e[p->n++] = e;
	return 0;
}

void
batch_poller_set_concurrency(struct batch_poller *p, int n)
{
	p->max_inflight = n > 0 ? n : 1;
}

/* ---- events ------------------------------------------------------------- */

static int
emit(struct pentry *e, enum batch_ev_kind kind, const char *message,
     const struct batch_ingest_stats *st, const char *file)
{
	struct batch_event ev;
	char err[256];

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.batch_id = e->id;
	ev.batch = e->have ? &e->b : NULL;
	ev.message = message;
	ev.stats = st;
	ev.results_file = file;
	return e->p->fn != NULL ? e->p->fn(e->p->arg, &ev, err, sizeof(err)) : 0;
}

/* The API (or the URL) refuses this id for good: stop following it. */
static void
gone_unknown(struct pentry *e, const char *message)
{
	struct batch_event ev;
	char err[256];

	e->state = P_DONE;
	memset(&ev, 0, sizeof(ev));
	ev.kind = BATCH_EV_GONE;
	ev.batch_id = e->id;
	ev.batch = e->have ? &e->b : NULL;
	ev.message = message;
	ev.unknown = 1;
	if (e->p->fn != NULL)
		e->p->fn(e->p->arg, &ev, err, sizeof(err));
}

/* Back to waiting one interval, after a failure described by message. */
static void
retry_later(struct pentry *e, const char *message, const struct batch_ingest_stats *st)
{
	e->state = P_WAIT;
	e->next_ms = e->p->now + e->p->interval_ms;
	emit(e, BATCH_EV_ERROR, message, st, NULL);
}

static int
on_outcome(void *arg, const struct usage_result *o, char *err, size_t errlen)
{
	struct pentry *e = arg;
	struct batch_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = BATCH_EV_OUTCOME;
	ev.batch_id = e->id;
	ev.batch = &e->b;
	ev.outcome = o;
	if (e->p->fn == NULL)
		return 0;
	return e->p->fn(e->p->arg, &ev, err, errlen);
}

/* ---- the results download ---------------------------------------------- */

static int
on_line(void *arg, const char *line, size_t len)
{
	struct pentry *e = arg;

	if (e->p->closing)
		return 1;
	return batch_ingest_line(e->in, line, len, e->why, sizeof(e->why)) != 0;
}

static int64_t
total_requests(const struct api_batch *b)
{
	return b->processing + b->succeeded + b->errored + b->canceled + b->expired;
}

static void start_part(struct pentry *e);

/* Every results file was read: record the outcome of the whole download. */
static void
results_end(struct pentry *e)
{
	struct batch_ingest_stats st;
	char msg[768], file[1100];

	batch_ingest_stats(e->in, &st);
	if (st.recorded != total_requests(&e->b) || st.bad > 0) {
		snprintf(msg, sizeof(msg), "results incomplete: %lld of %lld recorded "
		    "(%lld lines, %lld malformed)", (long long)st.recorded,
		    (long long)total_requests(&e->b), (long long)e->lines, (long long)st.bad);
		if (++e->incomplete >= BATCH_POLLER_MAX_INCOMPLETE) {
			/* the same answer every time: following it longer changes nothing */
			batch_ingest_free(e->in);
			e->in = NULL;
			e->state = P_DONE;
			emit(e, BATCH_EV_GONE, msg, &st, NULL);
			return;
		}
	} else if (batch_ingest_finish(e->in, file, sizeof(file), msg, sizeof(msg)) == 0) {
		batch_ingest_free(e->in);
		e->in = NULL;
		e->state = P_DONE;
		emit(e, BATCH_EV_INGESTED, NULL, &st, file);
		return;
	}
	batch_ingest_free(e->in);
	e->in = NULL;
	retry_later(e, msg, &st);
}

static void
on_results(void *arg, int64_t lines, const struct http_error *herr)
{
	struct pentry *e = arg;
	struct batch_ingest_stats st;
	char msg[768], es[600];

	e->req = NULL;
	e->p->inflight--;
	if (e->p->closing)
		return;
	e->lines += lines;
	if (herr == NULL && ++e->wi < e->nwhere) {
		start_part(e);           /* the next file (OpenAI: the error file) */
		return;
	}
	if (herr == NULL) {
		results_end(e);
		return;
	}
	batch_ingest_stats(e->in, &st);
	snprintf(msg, sizeof(msg), "results: %s", e->why[0] != '\0' ? e->why :
	    api_error_string(herr, es, sizeof(es)));
	batch_ingest_free(e->in);
	e->in = NULL;
	retry_later(e, msg, &st);
}

/* Stream results file e->wi into the ingest. */
static void
start_part(struct pentry *e)
{
	struct http_error herr;
	char err[600];

	e->state = P_DOWNLOADING;
	e->p->inflight++;
	e->req = batch_client_lines_start(e->c, e->p->m, e->where[e->wi], on_line, on_results, e,
	    &herr);
	if (e->req == NULL) {
		e->p->inflight--;
		batch_ingest_free(e->in);
		e->in = NULL;
		retry_later(e, api_error_string(&herr, err, sizeof(err)), NULL);
	}
}

static void
start_results(struct pentry *e)
{
	char err[512];

	e->why[0] = '\0';
	e->in = batch_ingest_new(e->id, e->p->dir, e->tag, e->b.ended_ms, on_outcome, e,
	    err, sizeof(err));
	if (e->in == NULL) {
		retry_later(e, err, NULL);
		return;
	}
	batch_ingest_set_parser(e->in, e->c->result_line);
	e->nwhere = e->c->results(&e->b, e->where);
	e->wi = 0;
	e->lines = 0;
	if (e->nwhere == 0)
		results_end(e);          /* nothing to read (a batch that failed validation) */
	else
		start_part(e);
}

/* ---- the retrieve -------------------------------------------------------- */

static void
on_batch(void *arg, const struct api_batch *b, const struct http_error *herr)
{
	struct pentry *e = arg;
	char es[600];

	e->req = NULL;
	e->p->inflight--;
	if (e->p->closing)
		return;
	if (herr != NULL) {
		api_error_string(herr, es, sizeof(es));
		if (herr->status == 404 || herr->status == 400)
			gone_unknown(e, es);     /* asking again gets the same answer */
		else
			retry_later(e, es, NULL);
		return;
	}
	e->b = *b;
	e->have = 1;
	emit(e, BATCH_EV_STATUS, NULL, NULL, NULL);
	if (e->c->ended(b)) {
		if (e->p->inflight < e->p->max_inflight) {
			start_results(e);
			return;
		}
		/* no room now: the next step starts the download */
		e->state = P_WAIT;
		e->next_ms = e->p->now;
		e->want_results = 1;
		return;
	}
	e->state = P_WAIT;
	e->next_ms = e->p->now + e->p->interval_ms;
}

static void
start_get(struct pentry *e)
{
	struct http_error herr;
	char es[600];

	if (!api_batch_id_ok(e->id)) {
		gone_unknown(e, "not a batch id");   /* no URL can hold it: asking again is no use */
		return;
	}
	e->state = P_GETTING;
	e->p->inflight++;
	e->req = batch_client_get_start(e->c, e->p->m, e->id, on_batch, e, &herr);
	if (e->req == NULL) {
		e->p->inflight--;
		retry_later(e, api_error_string(&herr, es, sizeof(es)), NULL);
	}
}

int
batch_poller_step(struct batch_poller *p, int64_t now_ms)
{
	size_t i;
	int left = 0;
	struct pentry *e;

	p->now = now_ms;
	for (i = 0; i < p->n; i++) {
		e = p->e[i];
		if (e->state == P_WAIT && e->next_ms <= now_ms && p->inflight < p->max_inflight) {
			/* an ended batch whose download could not start yet goes straight to it */
			if (e->want_results) {
				e->want_results = 0;
				start_results(e);
			}
			else
				start_get(e);
		}
		if (e->state != P_DONE)
			left++;
	}
	return left;
}

int64_t
batch_poller_next_ms(const struct batch_poller *p)
{
	int64_t next = INT64_MAX;
	size_t i;

	/* at the limit nothing can start before a transfer ends, and that wakes
	 * the loop's wait anyway */
	if (p->inflight >= p->max_inflight)
		return INT64_MAX;
	for (i = 0; i < p->n; i++)
		if (p->e[i]->state == P_WAIT && p->e[i]->next_ms < next)
			next = p->e[i]->next_ms;
	return next;
}

int
batch_poller_remaining(const struct batch_poller *p)
{
	size_t i;
	int left = 0;

	for (i = 0; i < p->n; i++)
		left += p->e[i]->state != P_DONE;
	return left;
}
