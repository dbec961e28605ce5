/* alerter.c — the worker thread behind alerter.h: it owns a ledger
 * connection of its own, wakes when poked (usage written) or when a retry
 * may be due, checks the rules and delivers. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/alerter.h"
#include "tui/cli.h"

#define TICK_MS      5000      /* look for due retries this often */
#define CHECK_MS     60000     /* and check the rules (time moves: burn rate, windows) */
#define AGAIN_MS     1000      /* before a stopping process's last try */

struct alerter {
	const struct config  *cfg;
	const struct pricing *pr;
	char                  cmd[32];
	int                   quiet, oneshot;
	pthread_t             thread;
	pthread_mutex_t       mu;
	pthread_cond_t        cv;
	int                   poked, stopping;
	atomic_llong          gen;
	struct store         *st;      /* the worker's own connection */
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A note on stderr unless quiet. */
__attribute__((format(printf, 2, 3)))
static void
note(const struct alerter *a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (a->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_warn(a->cmd, "alert: %s", buf);
}

/* One pass: check (when asked) and deliver what is due (with force,
 * every pending alert: the last try of a stopping process). */
static int
pass(struct alerter *a, int check, int force, int *failed_pending)
{
	struct alert_pass p;
	char err[512];
	int raised = 0;

	if (a->st == NULL) {
		if ((a->st = store_open_host(a->cfg->db_path, a->cfg->host, err,
		    sizeof(err))) == NULL) {
			note(a, "%s", err);
			return 1;
		}
		store_set_busy(a->st, 2000, 5000);   /* never stuck behind a bulk import */
	}
	if (check && alert_check(a->cfg, a->st, a->pr, cli_now_ms(), &raised, err,
	    sizeof(err)) != 0)
		note(a, "checking the rules: %s", err);
	if (alert_deliver(a->cfg, a->st, cli_now_ms(), force, a->quiet, &p, err,
	    sizeof(err)) != 0) {
		note(a, "%s", err);
		return 1;
	}
	if (raised > 0 || p.sent > 0 || p.failed > 0)
		atomic_fetch_add(&a->gen, 1);
	if (p.failed > 0)
		note(a, "delivery failed (%s); kept, retried later", p.last_error);
	if (failed_pending != NULL)
		*failed_pending += p.failed;
	return 0;
}

static void *
worker(void *arg)
{
	struct alerter *a = arg;
	int64_t last_check = 0;
	int failed = 0;          /* deliveries this process saw fail, in any pass */

	pthread_mutex_lock(&a->mu);
	for (;;) {
		int check, stopping;

		while (!a->poked && !a->stopping) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += TICK_MS / 1000;
			if (pthread_cond_timedwait(&a->cv, &a->mu, &ts) == ETIMEDOUT)
				break;
		}
		check = a->poked || a->stopping || mono_ms() - last_check >= CHECK_MS;
		stopping = a->stopping;
		a->poked = 0;
		pthread_mutex_unlock(&a->mu);
		if (check)
			last_check = mono_ms();
		(void)pass(a, check, 0, &failed);
		if (stopping) {
			/* a one-shot process tries a failed delivery once more (the
			 * failure may be a pass before the last: then it waits out
			 * its backoff, and only this forced try comes before exit) */
			if (failed > 0 && a->oneshot) {
				struct timespec ts = { AGAIN_MS / 1000, (AGAIN_MS % 1000) * 1000000L };

				nanosleep(&ts, NULL);
				(void)pass(a, 0, 1, NULL);
			}
			return NULL;
		}
		pthread_mutex_lock(&a->mu);
	}
}

struct alerter *
alerter_start(const struct config *cfg, const struct pricing *pr, const char *cmd, int flags,
              char *err, size_t errlen)
{
	struct alerter *a;

	err[0] = '\0';
	if (cfg->nalerts == 0)
		return NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->cfg = cfg;
	a->pr = pr;
	a->quiet = (flags & ALERTER_QUIET) != 0;
	a->oneshot = (flags & ALERTER_ONESHOT) != 0;
	a->poked = 1;            /* a first pass at once */
	snprintf(a->cmd, sizeof(a->cmd), "%s", cmd);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	atomic_init(&a->gen, 0);
	if (pthread_create(&a->thread, NULL, worker, a) != 0) {
		snprintf(err, errlen, "cannot start the alert thread");
		pthread_cond_destroy(&a->cv);
		pthread_mutex_destroy(&a->mu);
		free(a);
		return NULL;
	}
	return a;
}

void
alerter_poke(struct alerter *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	a->poked = 1;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

int64_t
alerter_generation(struct alerter *a)
{
	return a != NULL ? atomic_load(&a->gen) : 0;
}

void
alerter_stop(struct alerter *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	a->stopping = 1;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	store_close(a->st);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	free(a);
}
