/* cli_batch_once.c — a Message Batch is created exactly once and never lost
 * from the ledger. The API has no idempotency key, so:
 *   - an intent (data/intents.c) is stored BEFORE the create is sent;
 *   - the create goes without the client's automatic retries; after an
 *     ambiguous failure (no answer, a timeout, a 5xx: it may have been
 *     carried out) the recent batch list is searched first (core/batch_adopt.h)
 *     and a matching batch is adopted; only when none matches is the create
 *     sent again, with the SDKs' delays (http_retry_delay_ms);
 *   - the batch row and the intent's status change in one transaction;
 *   - intents left pending by a crash are reconciled when batch submit,
 *     list, watch, reconcile or the console start. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/batch_adopt.h"
#include "core/batch_client.h"
#include "core/batchres.h"
#include "tui/cli_batch.h"

#define INTENT_KEEP_MS (30LL * 24 * 3600 * 1000)   /* settled intents kept 30 days */

#define OWNER_MAX_MS (60LL * 60 * 1000)  /* a live owner keeps its intent this long */

enum found { FOUND_NONE, FOUND_ADOPTED, FOUND_AMBIGUOUS, FOUND_ERROR };

/* rnd in [0,1) for the retry delay's jitter (xorshift, seeded per process) */
static double
jitter(void)
{
	static uint64_t x;

	if (x == 0)
		x = ((uint64_t)cli_now_ms() ^ ((uint64_t)getpid() << 32)) | 1;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (double)(x >> 11) / 9007199254740992.0;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* batch_adopt_known_fn over the ledger; a store error counts as known
 * (never adopt what cannot be checked). */
static int
known_in_store(void *arg, const char *id)
{
	char err[256];
	int found = 0;

	if (store_batch_known(arg, id, &found, err, sizeof(err)) != 0)
		return 1;
	return found;
}

static void
intent_name(const struct batch_intent *in, char *buf, size_t n)
{
	const char *base = strrchr(in->input_file, '/');

	snprintf(buf, n, "%s part %d", base != NULL ? base + 1 : in->input_file, in->part);
}

/* The routing tiers of an intent's requests wait in dir as
 * intent-<id>.tiers until its batch is known (created or adopted, by this
 * process or another), then become <batch_id>.tiers, which results
 * ingestion reads. */
static void
tiers_name(int64_t intent_id, char *buf, size_t n)
{
	snprintf(buf, n, "intent-%lld", (long long)intent_id);
}

/* The intent's batch is known: its tiers (if any were kept) follow it. */
static void
tiers_claim(const char *dir, int64_t intent_id, const char *batch_id)
{
	char name[40], from[2048], to[2048];

	if (dir == NULL)
		return;
	tiers_name(intent_id, name, sizeof(name));
	snprintf(from, sizeof(from), "%s/%s.tiers", dir, name);
	snprintf(to, sizeof(to), "%s/%s.tiers", dir, batch_id);
	if (rename(from, to) != 0 && errno != ENOENT)
		cli_warn("batch", "%s: routing tiers not kept: %s", batch_id,
		    strerror(errno));
}

/* The intent made no batch: its tiers go. */
static void
tiers_drop(const char *dir, int64_t intent_id)
{
	char name[40], path[2048];

	if (dir == NULL)
		return;
	tiers_name(intent_id, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s.tiers", dir, name);
	unlink(path);
}

/* Send times of the other pending intents of in's request count (their
 * batches are not in's: batch_adopt.h). *out (free()) may be NULL. */
static size_t
rivals_of(struct store *st, const struct batch_intent *in, int64_t **out)
{
	struct batch_intent *v = NULL;
	size_t n = 0, i, k = 0;
	char err[256];

	*out = NULL;
	if (store_intent_pending(st, &v, &n, err, sizeof(err)) != 0 || n == 0 ||
	    (*out = malloc(n * sizeof(**out))) == NULL) {
		free(v);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (v[i].id != in->id && v[i].requests == in->requests &&
		    strcmp(v[i].provider, in->provider[0] != '\0' ? in->provider : "anthropic") == 0)
			(*out)[k++] = v[i].created_ms;
	free(v);
	return k;
}

/*
 * Look for in's batch in list and adopt it (batch row + intent created, one
 * transaction). in_progress: the create is being sent now (window up to
 * now), else up to the 24 h batch window. *b gets the batch when adopted;
 * msg says why not.
 */
static enum found
adopt_from(struct store *st, const char *dir, const struct batch_intent *in,
           const struct api_batch *list, size_t n, int in_progress, struct api_batch *b,
           char *msg, size_t msglen)
{
	struct batch_adopt_want w;
	struct batch_intent cur;
	struct batch_rec r;
	size_t pick = 0, other = 0;
	int64_t *rivals = NULL;
	enum found f = FOUND_ERROR;
	char err[512];
	int tries, taken, found;

	w.created_ms = in->created_ms;
	w.requests = in->requests;
	w.hi_ms = batch_adopt_hi(in->created_ms, cli_now_ms(), in_progress);
	for (tries = 0; tries < 8; tries++) {
		free(rivals);
		w.nrivals = rivals_of(st, in, &rivals);
		w.rivals = rivals;
		switch (batch_adopt_match(&w, list, n, known_in_store, st, &pick, &other)) {
		case BATCH_ADOPT_NONE:
			snprintf(msg, msglen, "no batch of %lld requests was created near the send",
			    (long long)in->requests);
			f = FOUND_NONE;
			goto out;
		case BATCH_ADOPT_AMBIGUOUS:
			snprintf(msg, msglen, "batches %s and %s both fit (%lld requests, created "
			    "within a second of each other): neither was adopted", list[pick].id,
			    list[other].id, (long long)in->requests);
			f = FOUND_AMBIGUOUS;
			goto out;
		default:
			break;
		}
		memset(&r, 0, sizeof(r));
		cli_batch_rec_from_api(&r, &list[pick]);
		if (store_intent_created(st, in->id, &r, 1, &taken, err, sizeof(err)) != 0) {
			snprintf(msg, msglen, "%s: %s", list[pick].id, err);
			goto out;
		}
		if (!taken) {
			*b = list[pick];
			tiers_claim(dir, in->id, b->id);
			f = FOUND_ADOPTED;
			goto out;
		}
		/* recorded meanwhile by another process: for this intent? */
		if (store_intent_get(st, in->id, &cur, &found, err, sizeof(err)) == 0 && found &&
		    strcmp(cur.status, "pending") != 0) {
			snprintf(msg, msglen, "already %s by another tokentop", cur.status);
			memset(b, 0, sizeof(*b));
			usage_strlcpy(b->id, cur.batch_id, sizeof(b->id));
			f = strcmp(cur.status, "created") == 0 ? FOUND_ADOPTED : FOUND_NONE;
			goto out;
		}
	}
	snprintf(msg, msglen, "the ledger kept changing while adopting");
out:
	free(rivals);
	return f;
}

/* List the batches an intent may be among, and adopt. */
static enum found
reconcile_one(struct http_multi *m, struct store *st, const char *dir,
              const struct batch_intent *in, int in_progress, struct api_batch *b, char *msg,
              size_t msglen)
{
	struct api_batch *list = NULL;
	struct http_error he;
	enum found f;
	char e[600];
	size_t n = 0;

	if (api_batch_list_since(m, batch_adopt_since(in->created_ms), &list, &n, &he) != 0) {
		snprintf(msg, msglen, "listing batches: %s", api_error_string(&he, e, sizeof(e)));
		return FOUND_ERROR;
	}
	f = adopt_from(st, dir, in, list, n, in_progress, b, msg, msglen);
	free(list);
	return f;
}

int
cli_batch_intent_begin(struct store *st, struct batch_intent *in)
{
	char why[700];

	in->created_ms = cli_now_ms();
	in->owner_pid = (int)getpid();
	if (store_intent_add(st, in, why, sizeof(why)) != 0) {
		cli_fail(CMD, "%s; nothing was sent", why);
		return -1;
	}
	return 0;
}

int
cli_batch_record_created(struct store *st, const struct batch_intent *in,
                         const struct api_batch *b)
{
	struct batch_rec r;
	char err[512];

	memset(&r, 0, sizeof(r));
	cli_batch_rec_from_api(&r, b);
	if (store_intent_created(st, in->id, &r, 0, NULL, err, sizeof(err)) != 0) {
		/* the batch exists and will be billed: say its id loudly */
		cli_fail(CMD, "batch %s was created but could not be recorded: %s "
		    "(the next tokentop batch list adopts it; or run: tokentop batch watch %s)",
		    b->id, err, b->id);
		return -1;
	}
	return 0;
}

/* One attempt: POST the body once, on a fresh connection. 1 = answered
 * with a batch (*b). */
static int
create_attempt(struct http_multi *m, const struct batch_client *c, const char *body,
               size_t len, struct http_result *res, struct api_batch *b)
{
	struct http_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = c->path;
	rq.pv = c->pv;
	rq.body = body;
	rq.body_len = len;
	rq.no_retry = 1;
	memset(res, 0, sizeof(*res));
	return http_request_sync(m, &rq, res) == 0 &&
	    batch_client_parse(c, res->body, res->body_len, b) == 0;
}

int
cli_batch_send_create(struct cli *cli, struct http_multi *m, const struct batch_client *c,
                      const char *body, size_t len, const struct cli_create_hooks *h,
                      void *arg, struct api_batch *b)
{
	int max = cli->cfg.max_retries >= 0 ? cli->cfg.max_retries : 2, attempt, kind, rc;
	struct http_result res;
	char why[700];
	int64_t delay;

	for (attempt = 0;; attempt++) {
		if (create_attempt(m, c, body, len, &res, b))
			break;
		/* a 2xx that is not a batch object: the create was carried out */
		kind = res.ok ? BATCH_ADOPT_FAIL_AMBIGUOUS : (int)batch_adopt_classify(res.status);
		if (res.ok)
			snprintf(why, sizeof(why), "the response is not a batch object");
		else
			api_error_string(&res.error, why, sizeof(why));
		if (kind == BATCH_ADOPT_FAIL_AMBIGUOUS && (rc = h->lookup(arg, why, b)) != 0) {
			http_result_done(&res);
			return rc > 0 ? 0 : -1;
		}
		if (kind == BATCH_ADOPT_FAIL_FINAL || attempt >= max || res.ok ||
		    !http_should_retry(res.status, http_result_header(&res, "x-should-retry"))) {
			/* no answer at all (or a 2xx we could not read): the batch may
			 * yet show up; keep the intent pending for the next start */
			if (kind != BATCH_ADOPT_FAIL_AMBIGUOUS || (res.status != 0 && !res.ok))
				h->abandon(arg);
			else
				cli_warn("batch", "no answer and no batch yet: "
				    "tokentop batch list checks again");
			cli_fail(CMD, "create: %s", why);
			http_result_done(&res);
			return -1;
		}
		delay = http_retry_delay_ms(attempt, http_result_header(&res, "retry-after-ms"),
		    http_result_header(&res, "retry-after"), time(NULL), jitter());
		cli_warn("batch", "create: %s; sending it again in %.1f s", why,
		    (double)delay / 1000.0);
		http_result_done(&res);
		sleep_ms(delay);
	}
	http_result_done(&res);
	return 1;
}

/* After an ambiguous failure: 1 = adopted (*b), 0 = none (go on), -1 = stop. */
static int
create_reconcile(struct http_multi *m, struct store *st, const char *dir,
                 const struct batch_intent *in, const char *why, struct api_batch *b)
{
	char msg[1024], when[40];

	cli_warn("batch", "create: %s; looking for the batch in the API's list",
	    why);
	switch (reconcile_one(m, st, dir, in, 1, b, msg, sizeof(msg))) {
	case FOUND_ADOPTED:
		cli_batch_fmt_time(b->created_ms, when, sizeof(when));
		cli_warn("batch", "found %s (created %s, %lld requests): the create "
		    "had gone through; recorded it, not sent again", b->id, when,
		    (long long)in->requests);
		return 1;
	case FOUND_NONE:
		return 0;
	default:
		cli_fail(CMD, "%s; the create may have gone through, so it is not sent again "
		    "(tokentop batch reconcile checks again)", msg);
		return -1;
	}
}

/* Anthropic's hooks of the create loop: adoption by time and size. */
struct once_ctx {
	struct http_multi         *m;
	struct store              *st;
	const char                *dir;
	const struct batch_intent *in;
};

static int
once_lookup(void *arg, const char *why, struct api_batch *b)
{
	struct once_ctx *o = arg;

	return create_reconcile(o->m, o->st, o->dir, o->in, why, b);
}

static void
once_abandon(void *arg)
{
	struct once_ctx *o = arg;
	char err[256];

	if (store_intent_abandon(o->st, o->in->id, err, sizeof(err)) != 0)
		cli_warn("batch", "%s", err);
	else
		tiers_drop(o->dir, o->in->id);
}

int
cli_batch_create_once(struct cli *cli, struct http_multi *m, struct store *st,
                      struct batch_intent *in, const char *body, size_t len,
                      const char *tiers, size_t tiers_len, struct api_batch *b)
{
	static const struct cli_create_hooks hooks = { once_lookup, once_abandon };
	char dir[CONFIG_PATH_MAX + 16], name[40];
	char err[256];
	struct once_ctx o;
	int rc;

	if (cli_batch_intent_begin(st, in) != 0)
		return -1;
	cli_batch_results_dir(cli, dir, sizeof(dir));
	tiers_name(in->id, name, sizeof(name));
	/* a lost tiers file only loses the tier on the rows: warn, go on */
	if (tiers != NULL && batch_tiers_save(dir, name, tiers, tiers_len, err, sizeof(err)) != 0)
		cli_warn("batch", "routing tiers not saved: %s", err);
	o.m = m;
	o.st = st;
	o.dir = dir;
	o.in = in;
	if ((rc = cli_batch_send_create(cli, m, &batch_client_anthropic, body, len, &hooks, &o,
	    b)) <= 0)
		return rc;
	if (cli_batch_record_created(st, in, b) != 0)
		return -1;
	tiers_claim(dir, in->id, b->id);
	return 0;
}

/*
 * Is a pending intent for start-up reconciling? Its process is gone, or it
 * is older than a minute and no live process owns it (a live owner keeps it
 * up to an hour: a large upload, timeouts and retries).
 */
static int
intent_due(const struct batch_intent *in, int64_t now)
{
	int64_t age = now - in->created_ms;
	int alive = 0, dead = 0;

	if (in->owner_pid > 0 && in->owner_pid != (int)getpid()) {
		if (kill((pid_t)in->owner_pid, 0) == 0 || errno == EPERM)
			alive = 1;
		else if (errno == ESRCH)
			dead = 1;
	} else if (in->owner_pid == (int)getpid())
		dead = 1;       /* an earlier process with our pid: not us, we send nothing yet */
	return dead || (age >= BATCH_ADOPT_STALE_MS && (!alive || age >= OWNER_MAX_MS));
}

int
cli_batch_intents_due(struct store *st)
{
	struct batch_intent *v = NULL;
	size_t n = 0, i;
	int64_t now = cli_now_ms();
	char err[256];
	int due = 0;

	if (store_intent_pending(st, &v, &n, err, sizeof(err)) != 0)
		return 0;
	for (i = 0; i < n; i++)
		due += intent_due(&v[i], now);
	free(v);
	return due;
}

/* Reconcile one due intent (found in list) and say what happened on out. */
static void
reconcile_report(struct store *st, const char *dir, const struct batch_intent *in,
                 const struct api_batch *list, size_t n, FILE *out)
{
	struct api_batch b;
	char name[160], when[40], msg[1024], err[256];

	intent_name(in, name, sizeof(name));
	cli_batch_fmt_time(in->created_ms, when, sizeof(when));
	switch (adopt_from(st, dir, in, list, n, 0, &b, msg, sizeof(msg))) {
	case FOUND_ADOPTED:
		cli_line(out, "tokentop batch: %s: adopted %s — its create (sent %s) had gone "
		    "through but was never recorded", name, b.id, when);
		break;
	case FOUND_NONE:
		/* a request the dying process had sent may still be carried out:
		 * give up only once it is a minute old */
		if (cli_now_ms() - in->created_ms < BATCH_ADOPT_STALE_MS)
			cli_line(out, "tokentop batch: %s: the create sent %s has no batch yet; "
			    "looked for again at the next start", name, when);
		else if (store_intent_abandon(st, in->id, err, sizeof(err)) != 0)
			cli_line(out, "tokentop batch: %s: %s", name, err);
		else {
			tiers_drop(dir, in->id);
			cli_line(out, "tokentop batch: %s: the create sent %s made no batch (%s); "
			    "marked abandoned", name, when, msg);
		}
		break;
	case FOUND_AMBIGUOUS:
		if (cli_now_ms() - in->created_ms > BATCH_ADOPT_WINDOW_MS &&
		    store_intent_abandon(st, in->id, err, sizeof(err)) == 0) {
			tiers_drop(dir, in->id);
			cli_line(out, "tokentop batch: %s: %s; given up after 24 h", name, msg);
		} else
			cli_line(out, "tokentop batch: %s: %s; left pending (see tokentop batch "
			    "status ID)", name, msg);
		break;
	default:
		cli_line(out, "tokentop batch: %s: %s", name, msg);
		break;
	}
}

/* The due intents of providers that upload first (exact adoption) move
 * from v to u; returns how many stay in v. */
static size_t
split_uploaded(struct batch_intent *v, size_t n, struct batch_intent *u, size_t *nu)
{
	size_t i, k = 0;

	*nu = 0;
	for (i = 0; i < n; i++) {
		if (batch_client_of(provider_by_name(v[i].provider))->uploads)
			u[(*nu)++] = v[i];
		else
			v[k++] = v[i];
	}
	return k;
}

int
cli_batch_reconcile(struct cli *cli, struct store *st, FILE *out)
{
	struct batch_intent *v = NULL, *u = NULL;
	struct api_batch *list = NULL;
	struct http_multi *m = NULL;
	struct http_error he;
	size_t n = 0, nl = 0, nu = 0, i, due = 0;
	int64_t now = cli_now_ms(), since = INT64_MAX;
	char err[600], dir[CONFIG_PATH_MAX + 16];
	int rc = -1;

	/* settled intents are kept a while for inspection, then dropped */
	if (store_intent_prune(st, now - INTENT_KEEP_MS, NULL, err, sizeof(err)) != 0 ||
	    store_intent_pending(st, &v, &n, err, sizeof(err)) != 0) {
		cli_line(out, "tokentop batch: %s", err);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (intent_due(&v[i], now))
			v[due++] = v[i];
	if (due == 0) {
		rc = 0;
		goto out;
	}
	if ((u = calloc(due, sizeof(*u))) == NULL ||
	    (m = http_multi_new(&cli->cfg, err, sizeof(err))) == NULL) {
		cli_line(out, "tokentop batch: %s", u == NULL ? "out of memory" : err);
		goto out;
	}
	due = split_uploaded(v, due, u, &nu);
	cli_batch_results_dir(cli, dir, sizeof(dir));
	for (i = 0; nu > 0 && i < PROVIDER_COUNT; i++)
		if (batch_client_of(provider_at((int)i))->uploads)
			cli_batch_reconcile_uploaded(m, st, dir, batch_client_of(provider_at((int)i)),
			    u, nu, out);
	for (i = 0; i < due; i++)
		if (batch_adopt_since(v[i].created_ms) < since)
			since = batch_adopt_since(v[i].created_ms);
	if (due == 0) {
		rc = 0;
		goto out;
	}
	if (cli->cfg.api_key[0] == '\0') {
		cli_line(out, "tokentop batch: %zu batch create%s not confirmed; set "
		    "ANTHROPIC_API_KEY to look for %s", due, due == 1 ? " is" : "s are",
		    due == 1 ? "it" : "them");
		goto out;
	}
	if (api_batch_list_since(m, since, &list, &nl, &he) != 0) {
		api_error_string(&he, err, sizeof(err));
		cli_line(out, "tokentop batch: %zu batch create%s not confirmed; could not list "
		    "batches: %s", due, due == 1 ? " is" : "s are", err);
		goto out;
	}
	for (i = 0; i < due; i++)
		reconcile_report(st, dir, &v[i], list, nl, out);
	rc = 0;
out:
	free(list);
	free(u);
	free(v);
	http_multi_free(m);
	return rc;
}
