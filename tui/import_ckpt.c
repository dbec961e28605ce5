/* import_ckpt.c — the checkpoint thread: it sleeps until a group is
 * committed (ickpt_kick) or the import ends (ickpt_stop), and copies the
 * log into the ledger's file on a connection of its own. */
#include <pthread.h>
#include <stdlib.h>

#include "tui/import_ckpt.h"

/*
 * The import's own commits copy the log only once it reaches this long.
 * The writer begins its next group right after each commit, before the
 * thread has copied that one, so the log never starts over while the
 * thread alone copies: it held every frame of the import (83 MB for a
 * 33 MB ledger). A commit that finds it this long copies what the thread
 * has not (little) and the next group starts the log over.
 */
#define ICKPT_WAL_KIB (32 * 1024)

struct ickpt {
	struct store   *st;        /* its own connection: only the thread uses it */
	pthread_t       th;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	unsigned        kicks;     /* groups committed (under mu) */
	int             quit;      /* (under mu) */
};

static void *
run(void *arg)
{
	struct ickpt *k = arg;
	unsigned done = 0;
	char err[256];
	int quit = 0;

	while (!quit) {
		pthread_mutex_lock(&k->mu);
		while (k->kicks == done && !k->quit)
			pthread_cond_wait(&k->cv, &k->mu);
		done = k->kicks;
		quit = k->quit;
		pthread_mutex_unlock(&k->mu);
		/* (a failure leaves the log longer; the last close copies it) */
		(void)store_checkpoint(k->st, err, sizeof(err));
	}
	return NULL;
}

struct ickpt *
ickpt_start(const char *target, struct store *s)
{
	struct ickpt *k;
	char err[256];

	if (!store_wal(s) || (k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	if ((k->st = store_open(target, err, sizeof(err))) == NULL) {
		free(k);
		return NULL;
	}
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (pthread_create(&k->th, NULL, run, k) != 0) {
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		store_close(k->st);
		free(k);
		return NULL;
	}
	if (store_autocheckpoint(s, ICKPT_WAL_KIB, err, sizeof(err)) != 0) {
		ickpt_stop(k, s);
		return NULL;
	}
	return k;
}

void
ickpt_kick(struct ickpt *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&k->mu);
	k->kicks++;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

void
ickpt_stop(struct ickpt *k, struct store *s)
{
	char err[256];

	if (k == NULL)
		return;
	pthread_mutex_lock(&k->mu);
	k->quit = 1;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->th, NULL);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	store_close(k->st);
	(void)store_autocheckpoint(s, STORE_WAL_AUTO, err, sizeof(err));
	free(k);
}
