/* cli_batch_watch.c — `tokentop batch watch` and `batch results`: the
 * poller wired to the store. Outcomes are recorded with store_batch_result
 * (once per custom_id, so a killed watch resumes without double counting),
 * committed every COMMIT_EVERY and whenever anything but an outcome happens. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/poller.h"
#include "core/provider.h"
#include "core/text.h"
#include "data/spool.h"
#include "tui/alerter.h"
#include "tui/cli_batch.h"
#include "tui/headroom.h"

static int
parse_seconds(const char *s, int64_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 86400)
		return -1;
	*ms = (int64_t)(v * 1000 + 0.5);
	return *ms > 0 ? 0 : -1;
}

/* ---- the poller, wired to the store (watch and results) ----------------- */

#define COMMIT_EVERY 1000

struct seen {
	char                id[USAGE_ID_MAX];
	char                status[16];
	struct batch_counts c;
};

struct watch {
	const struct cli     *cli;
	struct store         *st;
	const struct pricing *pr;
	int                   in_tx;
	/* the outcomes of the open transaction, kept until it commits: when the
	 * ledger fails (a server that is away) they go to the spool instead */
	struct spool_item    *open;
	int64_t               uncommitted;
	int                   spooling;     /* the ledger failed: outcomes go to the spool */
	int64_t               spooled;      /* rows put in the spool */
	int                   failed;       /* a batch is gone or could not be recorded */
	int                   unknown;      /* a batch the API does not know (for good) */
	struct seen          *seen;
	size_t                nseen;
	struct alerter       *al;           /* the alert rules, checked after each write */
};

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* The kept outcomes into the spool (they are paid for; the ledger did not
 * take them): 0, or -1 + err (they stay in the API's results, not ingested). */
static int
spool_open_outcomes(struct watch *w, char *err, size_t errlen)
{
	int64_t n = w->uncommitted;

	w->uncommitted = 0;
	if (n == 0)
		return 0;
	if (cli_spool(w->cli, w->st, w->open, (size_t)n, err, errlen) != 0)
		return -1;
	w->spooled += n;
	return 0;
}

/* The ledger failed (why): the open transaction is gone; its outcomes, and
 * those that follow until the next status, go to the spool. */
static int
ledger_failed(struct watch *w, const char *why, char *err, size_t errlen)
{
	if (w->in_tx)
		store_rollback(w->st);
	w->in_tx = 0;
	if (!w->spooling)
		cli_warn("batch", "the ledger did not take the results (%s); they go to the spool %s",
		    why, w->cli->cfg.spool_path);
	w->spooling = 1;
	return spool_open_outcomes(w, err, errlen);
}

/* End the open transaction (or the spool's run): 0, or -1 when its
 * outcomes are neither in the ledger nor in the spool. */
static int
watch_commit(struct watch *w)
{
	char err[512], why[512];

	if (w->spooling) {
		w->spooling = 0;      /* the ledger is tried again after this */
		if (spool_open_outcomes(w, err, sizeof(err)) == 0)
			return 0;
	} else if (!w->in_tx) {
		return 0;
	} else {
		w->in_tx = 0;
		if (store_commit(w->st, why, sizeof(why)) == 0) {
			w->uncommitted = 0;
			return 0;
		}
		if (ledger_failed(w, why, err, sizeof(err)) == 0)
			return 0;
	}
	cli_fail(CMD, "spool: %s", err);
	w->failed = 1;
	return -1;
}

/* Keep o (the outcome of ev) as a spool row in w->open. */
static void
keep_outcome(struct watch *w, const struct batch_event *ev)
{
	const struct usage_result *o = ev->outcome;
	struct spool_item *it = &w->open[w->uncommitted++];

	memset(it, 0, sizeof(*it));
	it->kind = SPOOL_RESULT;
	it->u = o->u;
	usage_strlcpy(it->u.batch_id, ev->batch_id, sizeof(it->u.batch_id));
	usage_strlcpy(it->u.custom_id, o->custom_id, sizeof(it->u.custom_id));
	usage_strlcpy(it->r_type, o->type, sizeof(it->r_type));
	usage_strlcpy(it->r_error, o->error, sizeof(it->r_error));
}

static int
watch_outcome(struct watch *w, const struct batch_event *ev, char *err, size_t errlen)
{
	const struct usage_result *o = ev->outcome;
	char why[512];
	int dup;

	keep_outcome(w, ev);
	if (w->spooling)
		return w->uncommitted >= COMMIT_EVERY ? spool_open_outcomes(w, err, errlen) : 0;
	if (!w->in_tx) {
		if (store_begin(w->st, why, sizeof(why)) != 0)
			return ledger_failed(w, why, err, errlen);
		w->in_tx = 1;
	}
	if (store_batch_result(w->st, ev->batch_id, o->custom_id, o->type,
	    o->error[0] != '\0' ? o->error : NULL,
	    strcmp(o->type, "succeeded") == 0 ? &o->u : NULL, &dup, why, sizeof(why)) != 0)
		return ledger_failed(w, why, err, errlen);
	if (w->uncommitted >= COMMIT_EVERY && watch_commit(w) != 0) {
		snprintf(err, errlen, "commit failed");
		return -1;
	}
	return 0;
}

/* A batch's status into the ledger, else the spool. */
static void
watch_store_status(struct watch *w, const struct api_batch *b)
{
	struct spool_item it;
	char why[512], err[512];

	memset(&it, 0, sizeof(it));
	it.kind = SPOOL_BATCH;
	cli_batch_rec_from_api(&it.b, b);
	if (store_batch_put(w->st, &it.b, why, sizeof(why)) == 0)
		return;
	if (cli_spool(w->cli, w->st, &it, 1, err, sizeof(err)) == 0) {
		w->spooled++;
		return;
	}
	cli_fail(CMD, "%s: %s; spool: %s", b->id, why, err);
	w->failed = 1;
}

/* Print a batch's line when its status or counts changed. */
static void
watch_status(struct watch *w, const struct api_batch *b)
{
	struct seen *s = NULL, *ns;
	struct batch_counts c = { b->processing, b->succeeded, b->errored, b->canceled,
	    b->expired };
	char el[48], id[3 * USAGE_ID_MAX], status[3 * 512];
	const struct batch_client *bc;
	size_t i;

	for (i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i].id, b->id) == 0)
			s = &w->seen[i];
	if (s == NULL) {
		if ((ns = realloc(w->seen, (w->nseen + 1) * sizeof(*ns))) == NULL)
			return;
		w->seen = ns;
		s = &w->seen[w->nseen++];
		memset(s, 0, sizeof(*s));
		usage_strlcpy(s->id, b->id, sizeof(s->id));
	} else if (strcmp(s->status, b->processing_status) == 0 && memcmp(&s->c, &c,
	    sizeof(c)) == 0)
		return;
	usage_strlcpy(s->status, b->processing_status, sizeof(s->status));
	s->c = c;
	cli_batch_elapsed(b->created_ms, b->ended_ms, cli_now_ms(), el, sizeof(el));
	bc = batch_client_of(provider_at(b->provider));
	printf("%s  %-11s  %s  ", text_sanitize(b->id, id, sizeof(id), 0),
	    batch_state_name(bc->state(b->processing_status, b->cancel_ms, b->canceled,
	    b->expired)), el);
	cli_batch_print_counts(stdout, &c);
	putchar('\n');
	if (b->errors[0] != '\0')
		printf("%s  errors: %s\n", id, text_sanitize(b->errors, status, sizeof(status), 0));
	fflush(stdout);
}

static void
watch_ingested(struct watch *w, const struct batch_event *ev)
{
	struct batch_rec r;
	char err[512], cost[48];
	int found = 0;

	if (store_batch_set_ingested(w->st, ev->batch_id, ev->results_file, err,
	    sizeof(err)) != 0) {
		if (w->spooled > 0) {     /* its rows wait in the spool: nothing is lost */
			cli_warn("batch", "%s: its results wait in the spool; the next batch watch "
			    "marks it ingested (%s)", ev->batch_id, err);
			return;
		}
		cli_fail(CMD, "%s: %s", ev->batch_id, err);
		w->failed = 1;
		return;
	}
	memset(&r, 0, sizeof(r));
	store_batch_get(w->st, w->pr, ev->batch_id, &r, &found, err, sizeof(err));
	cli_line(stdout, "%s  ingested: %lld succeeded · %lld errored · %lld canceled · "
	    "%lld expired · cost %s", ev->batch_id, (long long)ev->stats->succeeded,
	    (long long)ev->stats->errored, (long long)ev->stats->canceled,
	    (long long)ev->stats->expired, cli_batch_usd(r.actual_nanos, cost, sizeof(cost)));
	fflush(stdout);
}

static int
watch_event(void *arg, const struct batch_event *ev, char *err, size_t errlen)
{
	struct watch *w = arg;

	if (ev->kind == BATCH_EV_OUTCOME)
		return watch_outcome(w, ev, err, errlen);
	if (watch_commit(w) != 0)
		return -1;
	switch (ev->kind) {
	case BATCH_EV_STATUS:
		watch_store_status(w, ev->batch);
		watch_status(w, ev->batch);
		alerter_poke(w->al);     /* a batch may have ended */
		break;
	case BATCH_EV_INGESTED:
		watch_ingested(w, ev);
		alerter_poke(w->al);
		break;
	case BATCH_EV_ERROR:
		cli_warn("batch", "%s: %s (trying again)", ev->batch_id,
		    ev->message);
		break;
	case BATCH_EV_GONE:
		if (ev->unknown)
			cli_warn("batch", "%s: no such batch (%s)", ev->batch_id, ev->message);
		else
			cli_warn("batch", "%s: %s; no longer followed", ev->batch_id,
			    ev->message);
		w->failed = 1;
		w->unknown |= ev->unknown;
		break;
	default:
		break;
	}
	return 0;
}

/* Follow ids until each is ingested or gone (or a signal). EXIT_* status. */
int
cli_batch_poll(struct cli *cli, struct store *st, const struct pricing *pr, char **ids,
           const char **tags, size_t n, int64_t interval_ms)
{
	struct http_multi *m;
	struct batch_poller *p = NULL;
	struct headroom *hr = headroom_new();   /* the batch API's rate limits (model "") */
	struct watch w;
	struct sigaction sa, old_int, old_term;
	char dir[CONFIG_PATH_MAX + 16], err[512];
	int64_t now, next, wait;
	size_t i;
	int rc = EXIT_RUNTIME;

	memset(&w, 0, sizeof(w));
	w.cli = cli;
	w.st = st;
	w.pr = pr;
	if ((w.open = calloc(COMMIT_EVERY, sizeof(*w.open))) == NULL) {
		headroom_free(hr);
		return cli_fail(CMD, "out of memory");
	}
	if ((m = cli_batch_open_api(cli, NULL)) == NULL) {
		free(w.open);
		headroom_free(hr);
		return EXIT_RUNTIME;
	}
	headroom_watch(hr, m, "anthropic", "", cli->cfg.api_key);
	for (i = 0; i < n; i++) {
		const struct batch_client *bc = batch_client_for_id(ids[i]);

		if (bc != NULL && !http_multi_has_key(m, (int)bc->pv->id)) {
			cli_fail(CMD, "%s: %s is not set", ids[i], bc->pv->key_env);
			goto out;
		}
	}
	cli_batch_results_dir(cli, dir, sizeof(dir));
	if ((p = batch_poller_new(m, dir, interval_ms, watch_event, &w)) == NULL) {
		cli_fail(CMD, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (batch_poller_add(p, ids[i], tags != NULL ? tags[i] : NULL, err,
		    sizeof(err)) != 0) {
			cli_fail(CMD, "%s", err);
			goto out;
		}
	w.al = cli_alerter(cli, pr, "batch", 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	stop_flag = 0;
	while (!stop_flag) {
		http_multi_perform(m);
		now = cli_now_ms();
		if (headroom_flush(hr, st, err, sizeof(err)) != 0)
			cli_warn(CMD, "rate limits not recorded: %s", err);
		if (batch_poller_step(p, now) == 0)
			break;
		next = batch_poller_next_ms(p);
		wait = next == INT64_MAX ? 1000 : next - now;
		if (wait > 1000)
			wait = 1000;
		if (wait > 0)
			http_multi_wait(m, NULL, 0, (int)wait);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	watch_commit(&w);
	if (stop_flag)
		fprintf(stderr, "tokentop batch: stopped; %d batch(es) still followed "
		    "(run watch again to resume)\n", batch_poller_remaining(p));
	else if (w.unknown)
		rc = EXIT_USAGE;       /* asked about a batch that is not there */
	else if (!w.failed)
		rc = EXIT_OK;
out:
	batch_poller_free(p);
	if (headroom_flush(hr, st, err, sizeof(err)) != 0)
		cli_warn(CMD, "rate limits not recorded: %s", err);
	watch_commit(&w);
	alerter_stop(w.al);
	http_multi_free(m);
	headroom_free(hr);
	free(w.seen);
	free(w.open);
	if (w.spooled > 0)
		cli_warn("batch", "%lld row(s) wait in the spool %s; they go into the ledger once it "
		    "takes writes again", (long long)w.spooled, cli->cfg.spool_path);
	return rc;
}

/* ---- watch, list, status, cancel, results ----------------------------------- */

int
cli_batch_check_id(const char *id)
{
	if (batch_client_for_id(id) != NULL)
		return EXIT_OK;
	return cli_usage_error(CMD, "\"%.80s\" is not a batch id (ids look like msgbatch_… "
	    "or batch_…: letters, digits, '_' and '-')", id);
}

/* Does tokentop follow b (a client for its provider: OpenAI's comes with the
 * next issue)? */
static int
batch_followed(const struct batch_rec *b)
{
	const struct provider *pv = provider_by_name(b->provider);

	return pv != NULL && pv->client;
}

int
cli_batch_watch(struct cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct pricing *pr = NULL;
	struct batch_rec *list = NULL, *named = NULL;
	size_t n = 0, i, k = 0;
	char **ids = NULL;
	const char **tags = NULL;
	char err[512];
	int64_t interval = 30000;
	int c, rc = EXIT_RUNTIME;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (c != 'i')
			return cli_usage_error(CMD, "unknown option %s", argv[optind - 1]);
		if (parse_seconds(optarg, &interval) != 0)
			return cli_usage_error(CMD, "--interval wants seconds > 0, not \"%s\"",
			    optarg);
	}
	if (cli_open(cli, &st, &pr) != EXIT_OK)
		return EXIT_RUNTIME;
	if (store_batch_list(st, pr, 0, &list, &n, err, sizeof(err)) != 0) {
		cli_fail(CMD, "%s", err);
		goto out;
	}
	/* the named batches, or every unfinished one (list holds only those) */
	i = optind < argc ? (size_t)(argc - optind) : n;
	ids = calloc(i + 1, sizeof(*ids));
	tags = calloc(i + 1, sizeof(*tags));
	if (ids == NULL || tags == NULL)
		goto out;
	if (optind < argc) {
		if ((named = calloc(i, sizeof(*named))) == NULL)
			goto out;
		for (; optind < argc; optind++) {
			int found = 0;

			if (store_batch_get(st, pr, argv[optind], &named[k], &found, err,
			    sizeof(err)) != 0 || !found)
				memset(&named[k], 0, sizeof(named[k]));
			if (found && named[k].ingested) {
				cli_line(stdout, "%s  already ended and ingested", argv[optind]);
				continue;
			}
			if (found && !batch_followed(&named[k])) {
				cli_line(stdout, "%s  an %s batch: not followed yet", argv[optind],
				    provider_by_name(named[k].provider)->label);
				continue;
			}
			/* what is to be asked of the API must be an id it could know */
			if (cli_batch_check_id(argv[optind]) != EXIT_OK) {
				rc = EXIT_USAGE;
				goto out;
			}
			ids[k] = argv[optind];
			tags[k] = named[k].tag;
			k++;
		}
	} else
		for (i = 0; i < n; i++) {
			if (!batch_followed(&list[i]))
				continue;
			ids[k] = list[i].id;
			tags[k++] = list[i].tag;
		}
	if (k == 0) {
		printf("no unfinished batches\n");
		rc = EXIT_OK;
		goto out;
	}
	rc = cli_batch_poll(cli, st, pr, ids, tags, k, interval);
	if (rc == EXIT_USAGE && named == NULL)
		rc = EXIT_RUNTIME;     /* the ledger's batch, not the user's word */
out:
	free(ids);
	free(tags);
	free(named);
	free(list);
	store_close(st);
	pricing_free(pr);
	return rc;
}

static int
copy_file(const char *from, const char *to)
{
	FILE *in, *out;
	char buf[65536];
	size_t got;
	int rc = 0;

	if ((in = fopen(from, "r")) == NULL) {
		cli_fail(CMD, "%s: %s", from, strerror(errno));
		return -1;
	}
	out = strcmp(to, "-") == 0 ? stdout : fopen(to, "w");
	if (out == NULL) {
		cli_fail(CMD, "%s: %s", to, strerror(errno));
		fclose(in);
		return -1;
	}
	while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, got, out) != got) {
			rc = -1;
			break;
		}
	if (ferror(in) || (out != stdout ? fclose(out) : fflush(out)) != 0)
		rc = -1;
	fclose(in);
	if (rc != 0)
		cli_fail(CMD, "%s: %s", to, strerror(errno));
	return rc;
}

static void
print_results(struct store *st, const struct batch_rec *r)
{
	struct batch_counts c;
	char **cids = NULL, **msgs = NULL, err[512], cost[48], lo[48], hi[48];
	size_t n = 0, i;

	memset(&c, 0, sizeof(c));
	store_batch_result_counts(st, r->id, &c, err, sizeof(err));
	cli_line(stdout, "%s  %lld succeeded · %lld errored · %lld canceled · %lld expired", r->id,
	    (long long)c.succeeded, (long long)c.errored, (long long)c.canceled,
	    (long long)c.expired);
	printf("cost %s at the batch rate (estimated %s – %s)\n",
	    cli_batch_usd(r->actual_nanos, cost, sizeof(cost)), cli_batch_usd(r->est_low_nanos, lo, sizeof(lo)),
	    cli_batch_usd(r->est_high_nanos, hi, sizeof(hi)));
	if (r->results_file[0] != '\0')
		cli_line(stdout, "results: %s", r->results_file);
	if (store_batch_errors(st, r->id, 20, &cids, &msgs, &n, err, sizeof(err)) != 0)
		return;
	for (i = 0; i < n; i++) {
		cli_line(stdout, "  errored %s: %s", cids[i], msgs[i] != NULL ? msgs[i] : "");
		free(cids[i]);
		free(msgs[i]);
	}
	if (c.errored > (int64_t)n)
		printf("  … and %lld more errored\n", (long long)(c.errored - (int64_t)n));
	free(cids);
	free(msgs);
}

int
cli_batch_results(struct cli *cli, int argc, char **argv)
{
	struct store *st = NULL;
	struct pricing *pr = NULL;
	struct batch_rec r;
	const char *id = NULL, *outfile = NULL;
	char err[512], *ids[1];
	const char *tags[1];
	int i, found = 0, rc = EXIT_RUNTIME;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
			if (++i >= argc)
				return cli_usage_error(CMD, "-o needs a FILE");
			outfile = argv[i];
		} else if (argv[i][0] == '-' || id != NULL)
			return cli_usage_error(CMD, "results takes one ID [-o FILE]");
		else
			id = argv[i];
	}
	if (id == NULL)
		return cli_usage_error(CMD, "results needs a batch ID");
	if (cli_open(cli, &st, &pr) != EXIT_OK)
		return EXIT_RUNTIME;
	if (store_batch_get(st, pr, id, &r, &found, err, sizeof(err)) != 0) {
		cli_fail(CMD, "%s", err);
		goto out;
	}
	if (!found || !r.ingested) {
		/* ingest now when it has ended; the poller says if it has not. An id
		 * the API could never know is a usage error, asked of nobody. */
		if (cli_batch_check_id(id) != EXIT_OK) {
			rc = EXIT_USAGE;
			goto out;
		}
		ids[0] = (char *)id;
		tags[0] = found ? r.tag : NULL;
		if (found && !batch_state_final(cli_batch_state(&r)))
			cli_warn("batch", "%s is %s; waiting for it to end "
			    "(Ctrl-C to stop)", id, batch_state_name(cli_batch_state(&r)));
		if ((rc = cli_batch_poll(cli, st, pr, ids, tags, 1, 5000)) != EXIT_OK) {
			if (rc != EXIT_USAGE)
				rc = EXIT_RUNTIME;
			goto out;
		}
		rc = EXIT_RUNTIME;
		if (store_batch_get(st, pr, id, &r, &found, err, sizeof(err)) != 0 || !found) {
			cli_fail(CMD, "%s: not in the ledger", id);
			goto out;
		}
	}
	if (outfile != NULL) {
		if (r.results_file[0] == '\0') {
			cli_fail(CMD, "%s: no results file was kept", id);
			goto out;
		}
		if (copy_file(r.results_file, outfile) != 0)
			goto out;
		if (strcmp(outfile, "-") == 0) {
			rc = EXIT_OK;
			goto out;
		}
	}
	print_results(st, &r);
	rc = EXIT_OK;
out:
	store_close(st);
	pricing_free(pr);
	return rc;
}

