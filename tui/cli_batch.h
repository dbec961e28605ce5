/* cli_batch.h — what the `tokentop batch` files share (cli_batch.c:
 * dispatch, list, status, cancel; cli_batch_submit.c; cli_batch_watch.c:
 * watch and results). Internal to tui/. */
#ifndef TOKENTOP_CLI_BATCH_H
#define TOKENTOP_CLI_BATCH_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/api.h"
#include "core/batch_client.h"
#include "data/store.h"
#include "tui/cli.h"

#define CMD "batch"

/* ms → "2026-11-28T00:12:31Z" ("-" for 0) into buf. */
void cli_batch_fmt_time(int64_t ms, char *buf, size_t n);
/* nanos → "$0.0024" / "$1,234.57" into buf; returns buf. */
char *cli_batch_usd(int64_t nanos, char *buf, size_t n);
/* <directory of the database>/results into out ($XDG_DATA_HOME/tokentop/results
 * for a ledger that is no file here, its parent made when missing). */
void cli_batch_results_dir(const struct cli *cli, char *out, size_t n);
/* The API client from the config (every provider's target); NULL after
 * printing why, also when pv (may be NULL: any) has no key. Free with
 * http_multi_free. */
struct http_multi *cli_batch_open_api(struct cli *cli, const struct provider *pv);
/* A stored batch's state in the console's words. */
enum batch_state cli_batch_state(const struct batch_rec *r);
/* Copy the API's fields of b into r. */
void cli_batch_rec_from_api(struct batch_rec *r, const struct api_batch *b);
/* Record the API's view of b (only its fields); -1 after printing why. */
int cli_batch_store_api(struct store *st, const struct api_batch *b);
/* A batch record as JSON (a new reference). */
json_t *cli_batch_rec_json(const struct batch_rec *r);
/* Print j indented on stdout and drop the reference. */
void cli_batch_print_json(json_t *j);
/* "0:12 of 24:00": time since creation against the 24 h window. */
void cli_batch_elapsed(int64_t created_ms, int64_t ended_ms, int64_t now_ms, char *buf,
                       size_t n);
/* "processing N · succeeded N · …" on f. */
void cli_batch_print_counts(FILE *f, const struct batch_counts *c);

/*
 * Follow ids (tags[i] goes on the rows; tags may be NULL) with the poller
 * until each batch is ingested or gone, or a signal: outcomes recorded with
 * store_batch_result, progress printed. EXIT_* status.
 */
int cli_batch_poll(struct cli *cli, struct store *st, const struct pricing *pr, char **ids,
                   const char **tags, size_t n, int64_t interval_ms);

/*
 * Create one batch exactly once (cli_batch_once.c): in (requests, bytes,
 * input file, part, tag, models, estimates filled by the caller) is stored
 * as a pending intent before the create is sent; the create is sent without
 * automatic retries; after an ambiguous failure the batch list is searched
 * and a match adopted before any retry. tiers (NULL: none) are the routing
 * tiers ("custom_id<TAB>tier" lines) kept beside the intent until its batch
 * is known, by this process or whichever adopts it. 0 with *b recorded in
 * the ledger, or -1 after printing why.
 */
int cli_batch_create_once(struct cli *cli, struct http_multi *m, struct store *st,
                          struct batch_intent *in, const char *body, size_t len,
                          const char *tiers, size_t tiers_len, struct api_batch *b);
/* An intent is stored before anything is sent (its send time and owner set
 * here). 0, or -1 after printing why (nothing was sent). */
int cli_batch_intent_begin(struct store *st, struct batch_intent *in);
/* The create answered b: the batch and the intent's status in one
 * transaction. 0, or -1 after printing the batch's id loudly. */
int cli_batch_record_created(struct store *st, const struct batch_intent *in,
                             const struct api_batch *b);

/* How a create that failed ambiguously is looked for (lookup: 1 = found and
 * adopted into *b, 0 = not made: send again, -1 = cannot tell: stop, said),
 * and what giving up on it does (abandon: the intent and what it left). */
struct cli_create_hooks {
	int  (*lookup)(void *arg, const char *why, struct api_batch *b);
	void (*abandon)(void *arg);
};

/*
 * Send a create (body of len bytes) to c's path once per attempt, on a fresh
 * connection, without the client's retries: an ambiguous failure is looked
 * for first (h->lookup), a clear refusal abandons (h->abandon), a retryable
 * one is sent again with the SDKs' delays; no answer at all keeps the intent
 * pending for the next start. 1 = answered with *b (the caller records it),
 * 0 = adopted by lookup, -1 = failed (said).
 */
int cli_batch_send_create(struct cli *cli, struct http_multi *m, const struct batch_client *c,
                          const char *body, size_t len, const struct cli_create_hooks *h,
                          void *arg, struct api_batch *b);

/* Reconcile the pending intents that are due (their process gone, or older
 * than a minute with no live owner): adopt each one's batch from the list,
 * or mark it abandoned; one line per intent on out. 0, or -1 (said on out). */
int cli_batch_reconcile(struct cli *cli, struct store *st, FILE *out);
/*
 * The same for a provider whose requests are uploaded first (c->uploads,
 * cli_batch_upload.c): in (requests, bytes, input file, part, tag, models,
 * estimates filled) is stored with a random token before anything is sent;
 * the part's lines of input are written to a private file, uploaded, and
 * the create (endpoint) carries the token in metadata. 0 with *b recorded,
 * or -1 after printing why.
 */
int cli_batch_create_uploaded(struct cli *cli, struct http_multi *m, struct store *st,
                              const struct batch_client *c, struct batch_intent *in,
                              const char *input, const struct batch_part *part,
                              const struct batch_opts *o, const char *endpoint,
                              struct api_batch *b);
/* Reconcile the due intents of c's provider among v[0..n) (uploaded first;
 * the others are left): adopt the
 * batch whose metadata holds an intent's token; abandon an intent a minute
 * old that has none, deleting its uploaded files; its local copy in dir (the
 * results directory) goes in any case; one line each on out. */
void cli_batch_reconcile_uploaded(struct http_multi *m, struct store *st, const char *dir,
                                  const struct batch_client *c, const struct batch_intent *v,
                                  size_t n, FILE *out);
/* How many pending intents are due for reconciling (0 on any error). */
int cli_batch_intents_due(struct store *st);

/* EXIT_OK when id looks like a batch id (msgbatch_ then letters, digits,
 * '_', '-'), else the usage error printed and EXIT_USAGE: asking the API
 * about it could never succeed. */
int cli_batch_check_id(const char *id);

/* The subcommands; argv[0] is the subcommand's name. EXIT_* status. */
int cli_batch_submit(struct cli *cli, int argc, char **argv);
int cli_batch_watch(struct cli *cli, int argc, char **argv);
int cli_batch_results(struct cli *cli, int argc, char **argv);

#endif
