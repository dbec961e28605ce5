/* screen_poller.c — the console's own batch follower: core/poller.h driven
 * from the console's one wait (http_multi_wait with the keyboard among its
 * descriptors), outcomes recorded in short transactions that never outlive
 * one turn of the loop. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/poller.h"
#include "core/provider.h"
#include "core/text.h"
#include "tui/cli_batch.h"
#include "tui/headroom.h"
#include "tui/screen_jobs.h"
#include "tui/screen_poller.h"
#include "tui/view.h"

#define POLL_INTERVAL_MS 10000

static struct {
	struct console      *c;
	struct http_multi   *m;
	struct batch_poller *p;
	struct headroom     *hr;       /* the batch API's rate limits, for the ledger */
	int                  in_tx;
	int                  changed;
} pl;

static void
commit(void)
{
	char err[256];

	if (!pl.in_tx)
		return;
	pl.in_tx = 0;
	if (store_commit(pl.c->st, err, sizeof(err)) != 0)
		console_status(pl.c, ROLE_ALERT, "batch results: %s", err);
	pl.changed = 1;
}

static int
outcome(const struct batch_event *ev, char *err, size_t errlen)
{
	const struct usage_result *o = ev->outcome;
	int dup;

	if (!pl.in_tx) {
		if (store_begin(pl.c->st, err, errlen) != 0)
			return -1;
		pl.in_tx = 1;
	}
	if (store_batch_result(pl.c->st, ev->batch_id, o->custom_id, o->type,
	    o->error[0] != '\0' ? o->error : NULL,
	    strcmp(o->type, "succeeded") == 0 ? &o->u : NULL, &dup, err, errlen) != 0) {
		store_rollback(pl.c->st);
		pl.in_tx = 0;
		return -1;
	}
	return 0;
}

static int
on_event(void *arg, const struct batch_event *ev, char *err, size_t errlen)
{
	struct batch_rec r;
	char e[256];

	(void)arg;
	if (ev->kind == BATCH_EV_OUTCOME)
		return outcome(ev, err, errlen);
	commit();
	switch (ev->kind) {
	case BATCH_EV_STATUS:
		memset(&r, 0, sizeof(r));
		cli_batch_rec_from_api(&r, ev->batch);
		if (store_batch_put(pl.c->st, &r, e, sizeof(e)) != 0)
			console_status(pl.c, ROLE_ALERT, "%s: %s", ev->batch_id, e);
		pl.changed = 1;
		break;
	case BATCH_EV_INGESTED:
		if (store_batch_set_ingested(pl.c->st, ev->batch_id, ev->results_file, e,
		    sizeof(e)) != 0)
			console_status(pl.c, ROLE_ALERT, "%s: %s", ev->batch_id, e);
		else
			console_status(pl.c, ROLE_OK, "%s ended: results in the ledger", ev->batch_id);
		pl.changed = 1;
		break;
	case BATCH_EV_ERROR:
		console_status(pl.c, ROLE_WARNING, "%s: %s (trying again)", ev->batch_id,
		    ev->message);
		break;
	case BATCH_EV_GONE:
		console_status(pl.c, ROLE_WARNING, "%s: %s; no longer followed", ev->batch_id,
		    ev->message);
		break;
	default:
		break;
	}
	return 0;
}

/* The start-up reconcile ended: its last line (or a count) on the status line. */
static void
reconcile_done(void *arg, const char *label, int status, const char *out)
{
	const char *end = out + strlen(out), *start;
	char line[256], clean[256];

	(void)arg;
	(void)label;
	while (end > out && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (start = end; start > out && start[-1] != '\n'; start--)
		;
	if (end - start > 16 && strncmp(start, "tokentop batch: ", 16) == 0)
		start += 16;
	snprintf(line, sizeof(line), "%.*s", (int)(end - start), start);
	text_sanitize(line, clean, sizeof(clean), 0);
	console_status(pl.c, status == 0 && strstr(clean, "adopted") != NULL ? ROLE_OK : ROLE_WARNING,
	    "batch creates: %s", clean[0] ? clean : "reconcile failed");
	pl.c->gen++;            /* an adopted batch is a new row: read again */
	pl.changed = 1;
}

/* Creates whose answer was lost (cli_batch_once.c): looked for in the
 * background (`tokentop batch reconcile`), so the console never waits. */
static void
reconcile_start(struct console *c)
{
	const char *args[] = { "batch", "reconcile", NULL };
	char err[256];
	int due = cli_batch_intents_due(c->st);

	if (due == 0)
		return;
	if (c->cli->cfg.api_key[0] == '\0')
		console_status(c, ROLE_WARNING, "%d batch create%s not confirmed: set "
		    "ANTHROPIC_API_KEY to look for %s", due, due == 1 ? " is" : "s are",
		    due == 1 ? "it" : "them");
	else if (jobs_start(c->cli, "batch reconcile", 1, args, reconcile_done, NULL, err,
	    sizeof(err)) != 0)
		console_status(c, ROLE_WARNING, "batch reconcile: %s", err);
	else
		console_status(c, ROLE_NORMAL, "looking for %d batch create%s whose answer was lost",
		    due, due == 1 ? "" : "s");
}

int
screen_poller_init(struct console *c, char *err, size_t errlen)
{
	char dir[CONFIG_PATH_MAX + 16];

	memset(&pl, 0, sizeof(pl));
	pl.c = c;
	reconcile_start(c);
	if (c->cli->cfg.api_key[0] == '\0')
		return 0;
	if ((pl.m = http_multi_new(&c->cli->cfg, err, errlen)) == NULL)
		return -1;
	pl.hr = headroom_new();
	headroom_watch(pl.hr, pl.m, "anthropic", "", c->cli->cfg.api_key);
	cli_batch_results_dir(c->cli, dir, sizeof(dir));
	if ((pl.p = batch_poller_new(pl.m, dir, POLL_INTERVAL_MS, on_event, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		http_multi_free(pl.m);
		headroom_free(pl.hr);
		pl.m = NULL;
		pl.hr = NULL;
		return -1;
	}
	return 0;
}

void
screen_poller_done(void)
{
	char err[256];

	batch_poller_free(pl.p);
	commit();
	if (pl.c != NULL)
		(void)headroom_flush(pl.hr, pl.c->st, err, sizeof(err));  /* closing: no one to tell */
	http_multi_free(pl.m);
	headroom_free(pl.hr);
	memset(&pl, 0, sizeof(pl));
}

int
screen_poller_active(void)
{
	return pl.p != NULL;
}

void
screen_poller_sync(struct console *c)
{
	struct batch_rec *b = NULL;
	size_t n = 0, i;
	char err[256];

	if (pl.p == NULL)
		return;
	/* recent = 0: only the unfinished ones */
	if (store_batch_list(c->st, c->pr, 0, &b, &n, err, sizeof(err)) != 0)
		return;
	for (i = 0; i < n; i++)      /* only the batches of a provider tokentop has a client for */
		if (!b[i].ingested && provider_by_name(b[i].provider) != NULL &&
		    provider_by_name(b[i].provider)->client &&
		    batch_poller_add(pl.p, b[i].id, b[i].tag[0] ? b[i].tag : NULL,
		    err, sizeof(err)) != 0)
			console_status(c, ROLE_WARNING, "%s: %s", b[i].id, err);
	free(b);
}

int
screen_poller_wait(struct console *c, struct pollfd *extra, size_t n, int timeout_ms)
{
	int64_t next = batch_poller_next_ms(pl.p), now = c->now_ms;
	char err[256];
	int changed;

	if (next != INT64_MAX && next - now < timeout_ms)
		timeout_ms = next - now < 0 ? 0 : (int)(next - now);
	http_multi_wait(pl.m, extra, n, timeout_ms);
	http_multi_perform(pl.m);
	batch_poller_step(pl.p, cli_now_ms());
	commit();
	/* a read-only ledger keeps them pending (bounded), quietly */
	(void)headroom_flush(pl.hr, c->st, err, sizeof(err));
	changed = pl.changed;
	pl.changed = 0;
	return changed;
}
