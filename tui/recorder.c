/* recorder.c — the proxy's rows on their way to the ledger (see recorder.h):
 * the queue the connection threads fill, and the writer thread that writes
 * it in transactions, retries a ledger that fails, moves what it cannot
 * write to the spool and flushes the spool when the ledger is back. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pmetrics.h"
#include "data/spool.h"
#include "tui/cli.h"
#include "tui/alerter.h"
#include "tui/recorder.h"

#define GATHER_MS      50      /* rows reach the ledger within this (plus a commit) */
#define RETRY_FIRST_MS 100     /* then doubling ... */
#define RETRY_MAX_MS   5000    /* ... up to this */
#define SPOOL_AFTER    5       /* failed attempts in a row before spooling, */
#define SPOOL_AFTER_MS 10000   /* or this long since the first failure */
#define SPOOL_BATCH    256     /* items per spool transaction */
#define BUSY_ATTEMPT_MS 1000   /* a ledger lock held by another process: wait this per try, */
#define BUSY_GIVE_UP_MS 2000   /* and this in all, then count a failed attempt */

struct item {
	struct item       *next;
	int                is_batch;
	struct usage       u;
	struct proxy_batch b;
};

/* Sequence numbers this process put in the spool: [first, first + n). */
struct span {
	int64_t first, n;
};

/* Answers of one status in one minute, not yet in the ledger. */
struct status_count {
	int64_t     minute;
	const char *provider;     /* pmetrics_provider_label's: static */
	int         status;
	int64_t     n;
};
#define STATUS_SLOTS 64

struct recorder {
	pthread_mutex_t        mu;
	struct status_count    codes[STATUS_SLOTS]; /* under mu */
	size_t                 ncodes;              /* under mu */
	struct alerter        *al;           /* poked after each write (may be NULL) */
	pthread_cond_t         cv;
	struct item           *head, *tail;  /* the queue (under mu) */
	int                    quit;         /* under mu */
	char                   over[8][256]; /* per budget: "" fine, else the 429 message (mu) */
	atomic_llong           dropped;      /* not even queued (out of memory) */
	pthread_t              th;

	/* the writer thread's own */
	struct store          *st;
	const struct pricing  *pr;
	const struct config   *cfg;
	int                    enforce;
	struct item           *pend, *pend_tail;  /* not yet written anywhere, in order */
	int64_t                npend;
	int                    fails;        /* failed attempts in a row */
	int64_t                first_fail_ms, next_try_ms;
	struct spool          *sp;           /* opened when first needed */
	int                    spool_dirty;  /* the spool may hold rows for this ledger */
	int64_t                mark;         /* the ledger's mark for the spool, last seen */
	struct span           *mine;
	size_t                 nmine, capmine;
	int64_t                direct, flushed, lost;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the hooks (connection threads) ---------------------------------------- */

static void
push(struct recorder *r, struct item *it)
{
	pthread_mutex_lock(&r->mu);
	if (r->tail != NULL) {
		r->tail->next = it;
	} else {
		r->head = it;
		pthread_cond_signal(&r->cv);    /* the writer only sleeps on an empty queue */
	}
	r->tail = it;
	pthread_mutex_unlock(&r->mu);
}

void
recorder_response(void *arg, const char *provider, int status)
{
	struct recorder *r = arg;
	int64_t minute = (int64_t)time(NULL) / 60;
	const char *pv = pmetrics_provider_label(provider);
	size_t i;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->ncodes; i++)
		if (r->codes[i].minute == minute && r->codes[i].status == status &&
		    r->codes[i].provider == pv)
			break;
	if (i == r->ncodes && i < STATUS_SLOTS) {
		r->codes[i].minute = minute;
		r->codes[i].provider = pv;
		r->codes[i].status = status;
		r->codes[i].n = 0;
		r->ncodes++;
	}
	if (i < STATUS_SLOTS)
		r->codes[i].n++;
	pthread_mutex_unlock(&r->mu);
}

void
recorder_set_alerter(struct recorder *r, struct alerter *al)
{
	pthread_mutex_lock(&r->mu);
	r->al = al;
	pthread_mutex_unlock(&r->mu);
}

void
recorder_usage(void *arg, const struct usage *u)
{
	struct recorder *r = arg;
	struct item *it = calloc(1, sizeof(*it));

	if (it == NULL) {
		atomic_fetch_add(&r->dropped, 1);
		return;
	}
	it->u = *u;
	push(r, it);
}

void
recorder_batch(void *arg, const struct proxy_batch *b)
{
	struct recorder *r = arg;
	struct item *it = calloc(1, sizeof(*it));

	if (it == NULL) {
		atomic_fetch_add(&r->dropped, 1);
		return;
	}
	it->is_batch = 1;
	it->b = *b;
	push(r, it);
}

int
recorder_budget(void *arg, const char *tag, char *msg, size_t msglen)
{
	struct recorder *r = arg;
	int i, hit = 0;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->cfg->nbudgets && i < 8 && !hit; i++) {
		if (r->over[i][0] == '\0')
			continue;
		if (r->cfg->budgets[i].tag[0] != '\0' && strcmp(r->cfg->budgets[i].tag, tag) != 0)
			continue;
		snprintf(msg, msglen, "%s", r->over[i]);
		hit = 1;
	}
	pthread_mutex_unlock(&r->mu);
	return hit;
}

/* ---- writing ------------------------------------------------------------------ */

static void
batch_rec_of(const struct proxy_batch *pb, struct batch_rec *b)
{
	memset(b, 0, sizeof(*b));
	usage_strlcpy(b->id, pb->id, sizeof(b->id));
	usage_strlcpy(b->provider, pb->provider, sizeof(b->provider));
	usage_strlcpy(b->status, pb->status, sizeof(b->status));
	usage_strlcpy(b->tag, pb->tag, sizeof(b->tag));
	b->requests = pb->requests;
	b->created_ms = pb->created_ms;
	b->expires_ms = pb->expires_ms;
	b->counts.processing = pb->processing;
	b->counts.succeeded = pb->succeeded;
	b->counts.errored = pb->errored;
	b->counts.canceled = pb->canceled;
	b->counts.expired = pb->expired;
}

static int
store_item(struct recorder *r, const struct item *it, char *err, size_t errlen)
{
	struct batch_rec b;

	if (!it->is_batch)
		return store_insert_usage(r->st, &it->u, NULL, err, errlen);
	batch_rec_of(&it->b, &b);
	return store_batch_put(r->st, &b, err, errlen);
}

/* Free the first n pending items. */
static void
drop_pending(struct recorder *r, int64_t n)
{
	struct item *it;

	while (n-- > 0 && (it = r->pend) != NULL) {
		r->pend = it->next;
		free(it);
		r->npend--;
	}
	if (r->pend == NULL)
		r->pend_tail = NULL;
}

/* Every pending item in one transaction: all in, or none. */
static int
write_pending(struct recorder *r, char *err, size_t errlen)
{
	struct item *it;

	if (store_begin(r->st, err, errlen) != 0)
		return -1;
	for (it = r->pend; it != NULL; it = it->next) {
		if (store_item(r, it, err, errlen) != 0) {
			store_rollback(r->st);
			return -1;
		}
	}
	if (store_commit(r->st, err, errlen) != 0)
		return -1;
	r->direct += r->npend;
	drop_pending(r, r->npend);
	return 0;
}

/* Put the spool's rows for this ledger in, before anything newer. */
static int
flush_spool(struct recorder *r, char *err, size_t errlen)
{
	int64_t n = 0, left = 0;
	int rc;

	if (r->sp == NULL && (r->sp = spool_open(r->cfg->spool_path, err, errlen)) == NULL) {
		/* an unreadable spool must not stop the ledger: its rows wait */
		cli_warn("proxy", "spool: %s", err);
		r->spool_dirty = 0;
		return 0;
	}
	rc = spool_flush(r->sp, r->st, &n, err, errlen);
	r->flushed += n;
	if (n > 0)
		cli_warn("proxy", "%lld spooled row(s) put into the ledger", (long long)n);
	if (rc != 0)
		return -1;
	spool_applied(r->sp, r->st, &r->mark, err, errlen);
	if (spool_count(r->sp, r->st, &left, err, errlen) == 0)
		r->spool_dirty = left > 0;
	return 0;
}

/* The ledger's turn: the spool first (order), then what is pending. */
static int
write_ledger(struct recorder *r, char *err, size_t errlen)
{
	if (r->spool_dirty && flush_spool(r, err, errlen) != 0)
		return -1;
	return r->pend != NULL ? write_pending(r, err, errlen) : 0;
}

static void
note_span(struct recorder *r, int64_t first, int64_t n)
{
	struct span *ns;
	size_t cap = r->capmine ? r->capmine * 2 : 16;

	if (r->nmine == r->capmine) {
		if ((ns = realloc(r->mine, cap * sizeof(*ns))) == NULL)
			return;            /* only the exit's counts lose precision */
		r->mine = ns;
		r->capmine = cap;
	}
	r->mine[r->nmine].first = first;
	r->mine[r->nmine++].n = n;
}

/* Move what is pending to the spool, in order, SPOOL_BATCH per
 * transaction; on the last chance (final) what the spool refuses is lost
 * and said so. */
static void
to_spool(struct recorder *r, int final)
{
	struct spool_item *batch = calloc(SPOOL_BATCH, sizeof(*batch));
	struct item *it;
	char err[512];
	int64_t first, moved = 0, k;

	if (batch == NULL)
		snprintf(err, sizeof(err), "out of memory");
	else if (r->sp == NULL)
		r->sp = spool_open(r->cfg->spool_path, err, sizeof(err));
	while (batch != NULL && r->sp != NULL && r->pend != NULL) {
		for (k = 0, it = r->pend; it != NULL && k < SPOOL_BATCH; it = it->next, k++) {
			memset(&batch[k], 0, sizeof(batch[k]));
			batch[k].kind = it->is_batch ? SPOOL_BATCH : SPOOL_USAGE;
			if (it->is_batch)
				batch_rec_of(&it->b, &batch[k].b);
			else
				batch[k].u = it->u;
		}
		if (spool_append(r->sp, r->st, batch, (size_t)k, &first, err, sizeof(err)) != 0)
			break;
		note_span(r, first, k);
		drop_pending(r, k);
		moved += k;
		r->spool_dirty = 1;
	}
	free(batch);
	if (moved > 0)
		cli_warn("proxy", "%lld row(s) moved to the spool %s; they go into the ledger, in "
		         "order, once it takes writes again", (long long)moved, r->cfg->spool_path);
	if (r->pend == NULL)
		return;
	cli_warn("proxy", "spool: %s", err);
	if (!final)
		return;
	cli_warn("proxy", "%lld row(s) could not be written to the ledger or the spool: lost",
	    (long long)r->npend);
	r->lost += r->npend;
	drop_pending(r, r->npend);
}

/* One try at the ledger; after SPOOL_AFTER failures (or SPOOL_AFTER_MS, or
 * at the end) the pending rows go to the spool. */
static void
attempt(struct recorder *r, int final)
{
	char err[512];
	int64_t now, wait;

	if (write_ledger(r, err, sizeof(err)) == 0) {
		if (r->fails > 0)
			cli_warn("proxy", "the ledger takes writes again (after %d failed attempt(s))",
			         r->fails);
		r->fails = 0;
		/* rows another process is still spooling: look again shortly */
		r->next_try_ms = r->spool_dirty ? mono_ms() + RETRY_FIRST_MS : 0;
		return;
	}
	now = mono_ms();
	if (r->fails++ == 0) {
		r->first_fail_ms = now;
		cli_warn("proxy", "ledger: %s; %lld row(s) kept in memory, retrying", err,
		         (long long)r->npend);
	}
	wait = RETRY_FIRST_MS << (r->fails < 7 ? r->fails - 1 : 6);
	r->next_try_ms = now + (wait < RETRY_MAX_MS ? wait : RETRY_MAX_MS);
	/* a server out of reach (each try may wait out connect_timeout): the
	 * spool at once */
	if (r->pend != NULL && (final || r->fails >= SPOOL_AFTER || store_unreachable(r->st) ||
	    now - r->first_fail_ms >= SPOOL_AFTER_MS))
		to_spool(r, final);
}

/* ---- budgets --------------------------------------------------------------- */

static void
money(int64_t nanos, char *buf, size_t n)
{
	snprintf(buf, n, "$%lld.%02lld", (long long)(nanos / 1000000000),
	         (long long)(nanos % 1000000000 / 10000000));
}

/* Spend of tag ("" = all) since since_ms; -1 on a store error. */
static int64_t
spend_since(struct recorder *r, const char *tag, int64_t since_ms)
{
	struct report_query q;
	struct report rep;
	char err[256];
	int64_t v;

	memset(&q, 0, sizeof(q));
	q.group = REPORT_TOTAL;
	q.since_ms = since_ms;
	q.tag = tag;
	if (store_report(r->st, r->pr, &q, &rep, err, sizeof(err)) != 0)
		return -1;
	v = rep.totals.cost_nanos;
	store_report_free(&rep);
	return v;
}

/* Recompute which budgets are exhausted (local day and month). */
static void
refresh_budgets(struct recorder *r)
{
	char over[8][256], lim[32], got[32];
	struct tm tm;
	time_t now = time(NULL);
	int64_t day, month, s;
	int i;

	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	day = (int64_t)mktime(&tm) * 1000;
	tm.tm_mday = 1;
	tm.tm_isdst = -1;
	month = (int64_t)mktime(&tm) * 1000;
	for (i = 0; i < r->cfg->nbudgets && i < 8; i++) {
		const struct budget *b = &r->cfg->budgets[i];
		const char *tag = b->tag[0] ? b->tag : NULL;

		over[i][0] = '\0';
		if (b->daily_nanos > 0 && (s = spend_since(r, tag, day)) >= b->daily_nanos) {
			money(b->daily_nanos, lim, sizeof(lim));
			money(s, got, sizeof(got));
			snprintf(over[i], sizeof(over[i]), "tokentop budget exhausted: daily budget %s%s%s "
			         "(spent %s today)", lim, tag ? " for tag " : "", tag ? tag : "", got);
		} else if (b->monthly_nanos > 0 && (s = spend_since(r, tag, month)) >= b->monthly_nanos) {
			money(b->monthly_nanos, lim, sizeof(lim));
			money(s, got, sizeof(got));
			snprintf(over[i], sizeof(over[i]), "tokentop budget exhausted: monthly budget %s%s%s "
			         "(spent %s this month)", lim, tag ? " for tag " : "", tag ? tag : "", got);
		}
	}
	pthread_mutex_lock(&r->mu);
	memcpy(r->over, over, sizeof(over[0]) * (size_t)i);
	pthread_mutex_unlock(&r->mu);
}

/* ---- the writer thread ---------------------------------------------------------- */

/* Wait for rows (or the next retry, or a second), then take the queue onto
 * the end of the pending list. Returns how many arrived; *quit is set once
 * the stop was asked for. */
static int
take_queue(struct recorder *r, int *quit)
{
	struct timespec ts;
	struct item *in, *it;
	int64_t wait = 1000;
	int n = 0;

	if (r->pend != NULL || r->spool_dirty) {
		wait = r->next_try_ms - mono_ms();
		wait = wait < 0 ? 0 : wait > 1000 ? 1000 : wait;
	}
	pthread_mutex_lock(&r->mu);
	if (r->head == NULL && !r->quit && wait > 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait / 1000;
		ts.tv_nsec += (wait % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	in = r->head;
	r->head = r->tail = NULL;
	*quit = r->quit;
	pthread_mutex_unlock(&r->mu);
	for (it = in; it != NULL; it = it->next, n++) {
		if (r->pend_tail != NULL)
			r->pend_tail->next = it;
		else
			r->pend = it;
		r->pend_tail = it;
		r->npend++;
	}
	return n;
}

/* Put a count back (under mu), merged with what came meanwhile. */
static void
recorder_requeue_code(struct recorder *r, const struct status_count *c)
{
	size_t i;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->ncodes; i++)
		if (r->codes[i].minute == c->minute && r->codes[i].status == c->status &&
		    r->codes[i].provider == c->provider)
			break;
	if (i == r->ncodes && i < STATUS_SLOTS)
		r->codes[r->ncodes++] = (struct status_count){ c->minute, c->provider, c->status, 0 };
	if (i < STATUS_SLOTS)
		r->codes[i].n += c->n;
	pthread_mutex_unlock(&r->mu);
}

/* The statuses counted since the last call into the ledger (the errors
 * rule reads them); those it does not take are counted again later. */
static int
write_codes(struct recorder *r)
{
	struct status_count c[STATUS_SLOTS];
	size_t n, i, done = 0;
	char err[256];

	pthread_mutex_lock(&r->mu);
	n = r->ncodes;
	memcpy(c, r->codes, n * sizeof(c[0]));
	r->ncodes = 0;
	pthread_mutex_unlock(&r->mu);
	for (i = 0; i < n; i++, done++)
		if (store_proxy_status_add(r->st, c[i].minute, c[i].provider, c[i].status, c[i].n,
		    err, sizeof(err)) != 0)
			break;
	for (; i < n; i++)      /* the ledger is busy: keep them for the next round */
		recorder_requeue_code(r, &c[i]);
	return done > 0;
}

static void *
writer(void *arg)
{
	struct recorder *r = arg;
	struct timespec gather = { 0, GATHER_MS * 1000000L };
	int quit, in, wrote;

	for (;;) {
		in = take_queue(r, &quit);
		wrote = r->pend != NULL;
		if ((r->pend != NULL || r->spool_dirty) && (quit || mono_ms() >= r->next_try_ms))
			attempt(r, quit);
		wrote = (wrote && r->pend == NULL) | write_codes(r);
		if (wrote) {
			pthread_mutex_lock(&r->mu);
			alerter_poke(r->al);
			pthread_mutex_unlock(&r->mu);
		}
		if (r->enforce)
			refresh_budgets(r);
		if (quit && r->pend == NULL)
			return NULL;
		if (in > 0 && !quit)    /* gather a burst into one transaction */
			nanosleep(&gather, NULL);
	}
}

struct recorder *
recorder_new(struct store *st, const struct pricing *pr, const struct config *cfg, int enforce,
             char *err, size_t errlen)
{
	struct recorder *r = calloc(1, sizeof(*r));
	int64_t waiting = 0;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->st = st;
	store_set_busy(st, BUSY_ATTEMPT_MS, BUSY_GIVE_UP_MS); /* fail over to the spool, not wait */
	r->pr = pr;
	r->cfg = cfg;
	r->enforce = enforce;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	/* rows another run left in the spool go in first (cli_open flushed
	 * what it could; what is left waits for the ledger) */
	r->spool_dirty = spool_pending(cfg->spool_path, st, &waiting, err, errlen) != 0 ||
	                 waiting > 0;
	if (enforce)
		refresh_budgets(r);
	if (pthread_create(&r->th, NULL, writer, r) != 0) {
		snprintf(err, errlen, "cannot start the writer thread");
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		free(r);
		return NULL;
	}
	return r;
}

void
recorder_free(struct recorder *r, struct recorder_counts *c)
{
	char err[256];
	int64_t in;
	size_t i;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->quit = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->th, NULL);
	/* this run's spooled rows the ledger has by now (flushed by this or
	 * any other process) count as recorded */
	if (r->sp != NULL)
		spool_applied(r->sp, r->st, &r->mark, err, sizeof(err));
	if (c != NULL) {
		memset(c, 0, sizeof(*c));
		c->recorded = r->direct;
		for (i = 0; i < r->nmine; i++) {
			in = r->mark - r->mine[i].first + 1;
			in = in < 0 ? 0 : in > r->mine[i].n ? r->mine[i].n : in;
			c->recorded += in;
			c->spooled += r->mine[i].n - in;
		}
		c->failed = r->lost + atomic_load(&r->dropped);
		c->flushed = r->flushed;
	}
	spool_close(r->sp);
	free(r->mine);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}
