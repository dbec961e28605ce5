/* cli_batch.c — `tokentop batch`: submit, list, status, cancel, results,
 * watch. Wires core (batch files, the API, the poller) to data (the store). */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/api.h"
#include "core/batch.h"
#include "core/poller.h"
#include "tui/cli.h"

#define CMD "batch"

static const char usage_text[] =
    "usage: tokentop batch submit FILE.jsonl [--model M] [--max-tokens N]\n"
    "                                        [--cache off|5m|1h] [--tag T] [--dry-run]\n"
    "       tokentop batch list [--json]\n"
    "       tokentop batch status ID [--json]\n"
    "       tokentop batch cancel ID\n"
    "       tokentop batch results ID [-o FILE]\n"
    "       tokentop batch watch [--interval SECONDS] [ID...]\n"
    "\n"
    "Message Batches: half price, results within 24 hours.\n"
    "\n"
    "submit   check every line of FILE first (JSON, custom_id, params; a short form\n"
    "         {\"custom_id\":…,\"prompt\":…[,\"system\",\"model\",\"max_tokens\"]} is\n"
    "         completed from the flags); any bad line is reported as FILE:LINE and\n"
    "         nothing is sent. A file over 100,000 requests or 256 MB becomes several\n"
    "         batches. --dry-run prints the requests, models and estimated cost.\n"
    "list     batches in the ledger (unfinished first)\n"
    "status   ask the API for a batch's state and counts\n"
    "cancel   ask the API to cancel a batch\n"
    "results  outcome counts, cost and errors of an ended batch (ingesting its\n"
    "         results first if needed); -o FILE writes the raw results JSONL\n"
    "watch    follow the named batches, or every unfinished one, until each has\n"
    "         ended and its results are in the ledger (default every 30 s)\n";

/* ---- shared helpers ------------------------------------------------------ */

static void
fmt_time(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0) {
		snprintf(buf, n, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
json_time(int64_t ms)
{
	char buf[40];

	if (ms <= 0)
		return json_null();
	fmt_time(ms, buf, sizeof(buf));
	return json_string(buf);
}

static char *
usd(int64_t nanos, char *buf, size_t n)
{
	return pricing_format_usd(nanos, nanos != 0 && nanos < 10000000 ? 4 : 2, 1, buf, n);
}

/* The results directory: <directory of the database>/results. */
static void
results_dir(const struct cli *cli, char *out, size_t n)
{
	char tmp[CONFIG_PATH_MAX];

	usage_strlcpy(tmp, cli->cfg.db_path, sizeof(tmp));
	snprintf(out, n, "%s/results", dirname(tmp));
}

static struct http_multi *
open_api(struct cli *cli)
{
	struct http_multi *m;
	char err[512];

	if (cli->cfg.api_key[0] == '\0') {
		cli_fail(CMD, "ANTHROPIC_API_KEY is not set");
		return NULL;
	}
	if ((m = http_multi_new(&cli->cfg, err, sizeof(err))) == NULL)
		cli_fail(CMD, "%s", err);
	return m;
}

static void
rec_from_api(struct batch_rec *r, const struct api_batch *b)
{
	usage_strlcpy(r->id, b->id, sizeof(r->id));
	usage_strlcpy(r->status, b->processing_status, sizeof(r->status));
	usage_strlcpy(r->results_url, b->results_url, sizeof(r->results_url));
	r->created_ms = b->created_ms;
	r->expires_ms = b->expires_ms;
	r->ended_ms = b->ended_ms;
	r->cancel_ms = b->cancel_ms;
	r->counts.processing = b->processing;
	r->counts.succeeded = b->succeeded;
	r->counts.errored = b->errored;
	r->counts.canceled = b->canceled;
	r->counts.expired = b->expired;
}

/* Record what the API said about a batch (only the API's fields). */
static int
store_api_batch(struct store *st, const struct api_batch *b)
{
	struct batch_rec r;
	char err[512];

	memset(&r, 0, sizeof(r));
	rec_from_api(&r, b);
	if (store_batch_put(st, &r, err, sizeof(err)) != 0) {
		cli_fail(CMD, "%s: %s", b->id, err);
		return -1;
	}
	return 0;
}

static json_t *
rec_json(const struct batch_rec *r)
{
	json_t *o, *models = json_array();
	char tmp[sizeof(r->models)], *tok, *save = NULL;

	usage_strlcpy(tmp, r->models, sizeof(tmp));
	for (tok = strtok_r(tmp, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(models, json_string(tok));
	o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:I,s:{s:I,s:I,s:I,s:I,s:I},s:f,s:f,s:f,s:b}",
	    "id", r->id, "status", r->status, "input_file", r->input_file,
	    "results_file", r->results_file, "models", models, "tag", r->tag,
	    "requests", (json_int_t)r->requests, "request_counts",
	    "processing", (json_int_t)r->counts.processing,
	    "succeeded", (json_int_t)r->counts.succeeded,
	    "errored", (json_int_t)r->counts.errored,
	    "canceled", (json_int_t)r->counts.canceled,
	    "expired", (json_int_t)r->counts.expired,
	    "estimate_low_usd", pricing_usd(r->est_low_nanos),
	    "estimate_high_usd", pricing_usd(r->est_high_nanos),
	    "actual_usd", pricing_usd(r->actual_nanos), "ingested", r->ingested != 0);
	json_object_set_new(o, "created_at", json_time(r->created_ms));
	json_object_set_new(o, "expires_at", json_time(r->expires_ms));
	json_object_set_new(o, "ended_at", json_time(r->ended_ms));
	return o;
}

static void
print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
}

/* "0:12 of 24:00" — time since creation against the 24 h window. */
static void
elapsed(int64_t created_ms, int64_t ended_ms, int64_t now_ms, char *buf, size_t n)
{
	int64_t ms = (ended_ms > 0 ? ended_ms : now_ms) - created_ms;

	if (created_ms <= 0 || ms < 0)
		ms = 0;
	snprintf(buf, n, "%lld:%02lld of 24:00", (long long)(ms / 3600000),
	    (long long)(ms / 60000 % 60));
}

static void
print_counts(FILE *f, const struct batch_counts *c)
{
	char a[32], b[32], d[32], e[32], g[32];

	fprintf(f, "processing %s · succeeded %s · errored %s · canceled %s · expired %s",
	    cli_group(c->processing, a, sizeof(a)), cli_group(c->succeeded, b, sizeof(b)),
	    cli_group(c->errored, d, sizeof(d)), cli_group(c->canceled, e, sizeof(e)),
	    cli_group(c->expired, g, sizeof(g)));
}

/* Parse "30", "0.25": seconds into ms (> 0). */
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

static int
want_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

/* ---- submit --------------------------------------------------------------- */

static void
print_plan_errors(const struct batch_plan *plan)
{
	size_t i;
	char n[32];

	for (i = 0; i < plan->nerrors; i++)
		fprintf(stderr, "%s\n", plan->errors[i]);
	if (plan->nbad > (int64_t)plan->nerrors)
		fprintf(stderr, "… and %s more\n", cli_group(plan->nbad - (int64_t)plan->nerrors,
		    n, sizeof(n)));
}

static void
print_plan(const char *path, const struct batch_plan *plan)
{
	char a[32], lo[48], hi[48];
	size_t i;

	printf("%s: %s requests in %zu batch%s\n", path, cli_group(plan->requests, a, sizeof(a)),
	    plan->nparts, plan->nparts == 1 ? "" : "es");
	printf("models: ");
	for (i = 0; i < plan->nmodels; i++)
		printf("%s%s", i > 0 ? ", " : "", plan->models[i]);
	printf("\nestimated cost at the batch rate: %s – %s\n", usd(plan->est_low, lo, sizeof(lo)),
	    usd(plan->est_high, hi, sizeof(hi)));
	if (plan->unpriced > 0)
		printf("(%s requests on unpriced models are not in the estimate)\n",
		    cli_group(plan->unpriced, a, sizeof(a)));
	for (i = 0; plan->nparts > 1 && i < plan->nparts; i++)
		printf("  part %zu: lines %lld–%lld, %s requests, %.1f MB\n", i + 1,
		    (long long)plan->parts[i].first_line, (long long)plan->parts[i].last_line,
		    cli_group(plan->parts[i].requests, a, sizeof(a)),
		    (double)plan->parts[i].bytes / (1024.0 * 1024.0));
}

/* Create one part's batch and record it the moment the call returns. */
static int
submit_part(struct http_multi *m, struct store *st, const char *path, const char *abspath,
            const struct batch_part *part, const struct batch_opts *o, const char *tag,
            char *id, size_t idlen)
{
	struct http_request rq;
	struct http_result res;
	struct http_error herr;
	struct api_batch b;
	struct batch_rec r;
	json_t *j = NULL;
	json_error_t je;
	char *body = NULL, err[1024];
	size_t len;
	int rc = -1;

	if (batch_part_body(path, part, o, &body, &len, err, sizeof(err)) != 0) {
		cli_fail(CMD, "%s", err);
		return -1;
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = "/v1/messages/batches";
	rq.body = body;
	rq.body_len = len;
	memset(&res, 0, sizeof(res));
	if (http_request_sync(m, &rq, &res) != 0) {
		cli_fail(CMD, "create: %s", api_error_string(&res.error, err, sizeof(err)));
		goto out;
	}
	if ((j = json_loadb(res.body, res.body_len, 0, &je)) == NULL ||
	    api_batch_from_json(j, &b, &herr) != 0) {
		cli_fail(CMD, "create: the response is not a batch object");
		goto out;
	}
	memset(&r, 0, sizeof(r));
	rec_from_api(&r, &b);
	usage_strlcpy(r.input_file, abspath, sizeof(r.input_file));
	usage_strlcpy(r.models, part->models, sizeof(r.models));
	usage_strlcpy(r.tag, tag != NULL ? tag : "", sizeof(r.tag));
	r.requests = part->requests;
	r.est_low_nanos = part->est_low;
	r.est_high_nanos = part->est_high;
	if (store_batch_put(st, &r, err, sizeof(err)) != 0) {
		/* the batch exists and will be billed: say its id loudly */
		cli_fail(CMD, "batch %s was created but could not be recorded: %s "
		    "(run: tokentop batch watch %s)", b.id, err, b.id);
		goto out;
	}
	usage_strlcpy(id, b.id, idlen);
	rc = 0;
out:
	json_decref(j);
	http_result_done(&res);
	free(body);
	return rc;
}

static int
submit_all(struct cli *cli, const char *path, const struct batch_plan *plan,
           const struct batch_opts *o, const char *tag)
{
	struct store *st = NULL;
	struct http_multi *m;
	char abspath[PATH_MAX], id[USAGE_ID_MAX], n[32];
	size_t i;
	int rc = EXIT_RUNTIME;

	if (realpath(path, abspath) == NULL)
		usage_strlcpy(abspath, path, sizeof(abspath));
	if ((m = open_api(cli)) == NULL)
		return EXIT_RUNTIME;
	if (cli_open(cli, &st, NULL) != EXIT_OK)
		goto out;
	for (i = 0; i < plan->nparts; i++) {
		if (submit_part(m, st, path, abspath, &plan->parts[i], o, tag, id, sizeof(id)) != 0) {
			if (i > 0)
				fprintf(stderr, "tokentop batch: parts 1–%zu were submitted; "
				    "lines from %lld on were not\n", i,
				    (long long)plan->parts[i].first_line);
			goto out;
		}
		printf("submitted %s (%s requests, lines %lld–%lld)\n", id,
		    cli_group(plan->parts[i].requests, n, sizeof(n)),
		    (long long)plan->parts[i].first_line, (long long)plan->parts[i].last_line);
		fflush(stdout);
	}
	rc = EXIT_OK;
out:
	store_close(st);
	http_multi_free(m);
	return rc;
}

static int
cmd_submit(struct cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "max-tokens", required_argument, NULL, 'n' },
		{ "cache", required_argument, NULL, 'c' },
		{ "tag", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "max-requests", required_argument, NULL, 'R' },   /* test hooks, undocumented */
		{ "max-bytes", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct batch_opts o;
	struct batch_plan plan;
	struct pricing *pr = NULL;
	const char *tag = NULL, *path;
	char err[1024], *end;
	int c, dry = 0, rc = EXIT_RUNTIME;

	memset(&o, 0, sizeof(o));
	o.max_tokens = 1024;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+", lopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.model = optarg; break;
		case 't': tag = optarg; break;
		case 'd': dry = 1; break;
		case 'n': case 'R': case 'B': {
			long long v = strtoll(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < 1)
				return cli_usage_error(CMD, "%s wants a positive integer, not \"%s\"",
				    c == 'n' ? "--max-tokens" : c == 'R' ? "--max-requests" :
				    "--max-bytes", optarg);
			if (c == 'n')
				o.max_tokens = v;
			else if (c == 'R')
				o.max_requests = v;
			else
				o.max_bytes = v;
			break;
		}
		case 'c':
			if (batch_cache_parse(optarg, &o.cache) != 0)
				return cli_usage_error(CMD, "--cache is off, 5m or 1h, not \"%s\"",
				    optarg);
			break;
		default:
			return cli_usage_error(CMD, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(CMD, "submit takes one FILE.jsonl");
	path = argv[optind];
	if (o.model == NULL && cli->cfg.default_model[0] != '\0')
		o.model = cli->cfg.default_model;
	if (cli_open(cli, NULL, &pr) != EXIT_OK)
		return EXIT_RUNTIME;
	if (batch_plan_file(path, &o, pr, &plan, err, sizeof(err)) != 0) {
		cli_fail(CMD, "%s", err);
		goto out;
	}
	if (plan.nbad > 0) {
		print_plan_errors(&plan);
		cli_fail(CMD, "%s: %lld bad line%s; nothing was submitted", path,
		    (long long)plan.nbad, plan.nbad == 1 ? "" : "s");
		goto done;
	}
	if (plan.requests == 0) {
		cli_fail(CMD, "%s: no requests; nothing was submitted", path);
		goto done;
	}
	print_plan(path, &plan);
	fflush(stdout);
	rc = dry ? EXIT_OK : submit_all(cli, path, &plan, &o, tag);
done:
	batch_plan_done(&plan);
out:
	pricing_free(pr);
	return rc;
}

/* ---- the poller, wired to the store (watch and results) ----------------- */

#define COMMIT_EVERY 1000

struct seen {
	char                id[USAGE_ID_MAX];
	char                status[16];
	struct batch_counts c;
};

struct watch {
	struct store         *st;
	const struct pricing *pr;
	int                   in_tx;
	int64_t               uncommitted;
	int                   failed;       /* a batch is gone or could not be recorded */
	struct seen          *seen;
	size_t                nseen;
};

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int
watch_commit(struct watch *w)
{
	char err[512];

	if (!w->in_tx)
		return 0;
	w->in_tx = 0;
	w->uncommitted = 0;
	if (store_commit(w->st, err, sizeof(err)) != 0) {
		cli_fail(CMD, "%s", err);
		w->failed = 1;
		return -1;
	}
	return 0;
}

static int
watch_outcome(struct watch *w, const struct batch_event *ev, char *err, size_t errlen)
{
	const struct usage_result *o = ev->outcome;
	int dup;

	if (!w->in_tx) {
		if (store_begin(w->st, err, errlen) != 0)
			return -1;
		w->in_tx = 1;
	}
	if (store_batch_result(w->st, ev->batch_id, o->custom_id, o->type,
	    o->error[0] != '\0' ? o->error : NULL,
	    strcmp(o->type, "succeeded") == 0 ? &o->u : NULL, &dup, err, errlen) != 0) {
		store_rollback(w->st);
		w->in_tx = 0;
		return -1;
	}
	if (++w->uncommitted >= COMMIT_EVERY && watch_commit(w) != 0) {
		snprintf(err, errlen, "commit failed");
		return -1;
	}
	return 0;
}

/* Print a batch's line when its status or counts changed. */
static void
watch_status(struct watch *w, const struct api_batch *b)
{
	struct seen *s = NULL, *ns;
	struct batch_counts c = { b->processing, b->succeeded, b->errored, b->canceled,
	    b->expired };
	char el[48];
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
	elapsed(b->created_ms, b->ended_ms, cli_now_ms(), el, sizeof(el));
	printf("%s  %-11s  %s  ", b->id, b->processing_status, el);
	print_counts(stdout, &c);
	putchar('\n');
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
		cli_fail(CMD, "%s: %s", ev->batch_id, err);
		w->failed = 1;
		return;
	}
	memset(&r, 0, sizeof(r));
	store_batch_get(w->st, w->pr, ev->batch_id, &r, &found, err, sizeof(err));
	printf("%s  ingested: %lld succeeded · %lld errored · %lld canceled · %lld expired · "
	    "cost %s\n", ev->batch_id, (long long)ev->stats->succeeded,
	    (long long)ev->stats->errored, (long long)ev->stats->canceled,
	    (long long)ev->stats->expired, usd(r.actual_nanos, cost, sizeof(cost)));
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
		if (store_api_batch(w->st, ev->batch) != 0)
			w->failed = 1;
		watch_status(w, ev->batch);
		break;
	case BATCH_EV_INGESTED:
		watch_ingested(w, ev);
		break;
	case BATCH_EV_ERROR:
		fprintf(stderr, "tokentop batch: %s: %s (trying again)\n", ev->batch_id,
		    ev->message);
		break;
	case BATCH_EV_GONE:
		fprintf(stderr, "tokentop batch: %s: %s; no longer followed\n", ev->batch_id,
		    ev->message);
		w->failed = 1;
		break;
	default:
		break;
	}
	return 0;
}

/* Follow ids until each is ingested or gone (or a signal). EXIT_* status. */
static int
run_poller(struct cli *cli, struct store *st, const struct pricing *pr, char **ids,
           const char **tags, size_t n, int64_t interval_ms)
{
	struct http_multi *m;
	struct batch_poller *p = NULL;
	struct watch w;
	struct sigaction sa, old_int, old_term;
	char dir[CONFIG_PATH_MAX + 16], err[512];
	int64_t now, next, wait;
	size_t i;
	int rc = EXIT_RUNTIME;

	memset(&w, 0, sizeof(w));
	w.st = st;
	w.pr = pr;
	if ((m = open_api(cli)) == NULL)
		return EXIT_RUNTIME;
	results_dir(cli, dir, sizeof(dir));
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
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	stop_flag = 0;
	while (!stop_flag) {
		http_multi_perform(m);
		now = cli_now_ms();
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
	else if (!w.failed)
		rc = EXIT_OK;
out:
	batch_poller_free(p);
	watch_commit(&w);
	http_multi_free(m);
	free(w.seen);
	return rc;
}

/* ---- watch, list, status, cancel, results ----------------------------------- */

static int
cmd_watch(struct cli *cli, int argc, char **argv)
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
	while ((c = getopt_long(argc, argv, "+", lopts, NULL)) != -1) {
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
				printf("%s  already ended and ingested\n", argv[optind]);
				continue;
			}
			ids[k] = argv[optind];
			tags[k] = named[k].tag;
			k++;
		}
	} else
		for (i = 0; i < n; i++, k++) {
			ids[k] = list[i].id;
			tags[k] = list[i].tag;
		}
	if (k == 0) {
		printf("no unfinished batches\n");
		rc = EXIT_OK;
		goto out;
	}
	rc = run_poller(cli, st, pr, ids, tags, k, interval);
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
cmd_list(struct cli *cli, int argc, char **argv)
{
	struct store *st = NULL;
	struct pricing *pr = NULL;
	struct batch_rec *list = NULL;
	size_t n = 0, i;
	char err[512], created[40], lo[32], hi[32], act[32], req[32];
	int json = 0, rc = EXIT_RUNTIME;
	json_t *arr;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return cli_usage_error(CMD, "list takes only --json, not \"%s\"", argv[i]);
	}
	if (cli_open(cli, &st, &pr) != EXIT_OK)
		return EXIT_RUNTIME;
	if (store_batch_list(st, pr, 50, &list, &n, err, sizeof(err)) != 0) {
		cli_fail(CMD, "%s", err);
		goto out;
	}
	if (json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, rec_json(&list[i]));
		print_json(arr);
	} else if (n == 0)
		printf("no batches yet (tokentop batch submit FILE.jsonl)\n");
	else {
		printf("%-32s %-11s %9s %-20s %19s %10s  %s\n", "ID", "STATUS", "REQUESTS",
		    "CREATED", "ESTIMATE", "COST", "TAG");
		for (i = 0; i < n; i++) {
			const struct batch_rec *r = &list[i];
			char est[72];

			fmt_time(r->created_ms, created, sizeof(created));
			snprintf(est, sizeof(est), "%s–%s", usd(r->est_low_nanos, lo, sizeof(lo)),
			    usd(r->est_high_nanos, hi, sizeof(hi)));
			printf("%-32s %-11s %9s %-20s %19s %10s  %s\n", r->id,
			    r->ingested ? "ingested" : r->status, cli_group(r->requests, req,
			    sizeof(req)), created, est, r->ingested ? usd(r->actual_nanos, act,
			    sizeof(act)) : "-", r->tag);
		}
	}
	rc = EXIT_OK;
out:
	free(list);
	store_close(st);
	pricing_free(pr);
	return rc;
}

/* status and cancel: one API call on a batch, recorded and shown. */
static int
cmd_one(struct cli *cli, int argc, char **argv, int cancel)
{
	struct store *st = NULL;
	struct pricing *pr = NULL;
	struct http_multi *m = NULL;
	struct http_error herr;
	struct api_batch b;
	struct batch_rec r;
	const char *id = NULL;
	char err[600], el[48];
	int json = 0, found = 0, i, rc = EXIT_RUNTIME;

	for (i = 1; i < argc; i++) {
		if (!cancel && strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (argv[i][0] == '-' || id != NULL)
			return cli_usage_error(CMD, "%s takes one ID%s", argv[0],
			    cancel ? "" : " [--json]");
		else
			id = argv[i];
	}
	if (id == NULL)
		return cli_usage_error(CMD, "%s needs a batch ID", argv[0]);
	if (cli_open(cli, &st, &pr) != EXIT_OK)
		return EXIT_RUNTIME;
	if ((m = open_api(cli)) == NULL)
		goto out;
	if ((cancel ? api_batch_cancel(m, id, &b, &herr) : api_batch_get(m, id, &b, &herr)) != 0) {
		cli_fail(CMD, "%s: %s", id, api_error_string(&herr, err, sizeof(err)));
		goto out;
	}
	/* only batches this ledger knows are recorded (another tool's stay out) */
	if (store_batch_get(st, pr, id, &r, &found, err, sizeof(err)) == 0 && found &&
	    store_api_batch(st, &b) != 0)
		goto out;
	memset(&r, 0, sizeof(r));
	if (store_batch_get(st, pr, id, &r, &found, err, sizeof(err)) != 0 || !found) {
		memset(&r, 0, sizeof(r));
		rec_from_api(&r, &b);
		r.requests = b.processing + b.succeeded + b.errored + b.canceled + b.expired;
	}
	if (json)
		print_json(rec_json(&r));
	else {
		elapsed(b.created_ms, b.ended_ms, cli_now_ms(), el, sizeof(el));
		printf("%s  %s  %s\n", b.id, b.processing_status, el);
		print_counts(stdout, &r.counts);
		putchar('\n');
		if (r.input_file[0] != '\0')
			printf("input: %s\n", r.input_file);
		if (strcmp(b.processing_status, "ended") == 0 && !r.ingested)
			printf("results not yet in the ledger: tokentop batch watch %s\n", b.id);
	}
	rc = EXIT_OK;
out:
	http_multi_free(m);
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
	printf("%s  %lld succeeded · %lld errored · %lld canceled · %lld expired\n", r->id,
	    (long long)c.succeeded, (long long)c.errored, (long long)c.canceled,
	    (long long)c.expired);
	printf("cost %s at the batch rate (estimated %s – %s)\n",
	    usd(r->actual_nanos, cost, sizeof(cost)), usd(r->est_low_nanos, lo, sizeof(lo)),
	    usd(r->est_high_nanos, hi, sizeof(hi)));
	if (r->results_file[0] != '\0')
		printf("results: %s\n", r->results_file);
	if (store_batch_errors(st, r->id, 20, &cids, &msgs, &n, err, sizeof(err)) != 0)
		return;
	for (i = 0; i < n; i++) {
		printf("  errored %s: %s\n", cids[i], msgs[i] != NULL ? msgs[i] : "");
		free(cids[i]);
		free(msgs[i]);
	}
	if (c.errored > (int64_t)n)
		printf("  … and %lld more errored\n", (long long)(c.errored - (int64_t)n));
	free(cids);
	free(msgs);
}

static int
cmd_results(struct cli *cli, int argc, char **argv)
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
		/* ingest now when it has ended; the poller says if it has not */
		ids[0] = (char *)id;
		tags[0] = found ? r.tag : NULL;
		if (found && strcmp(r.status, "ended") != 0)
			fprintf(stderr, "tokentop batch: %s is %s; waiting for it to end "
			    "(Ctrl-C to stop)\n", id, r.status);
		if (run_poller(cli, st, pr, ids, tags, 1, 5000) != EXIT_OK)
			goto out;
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

int
cli_batch(struct cli *cli, int argc, char **argv)
{
	const char *sub;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (want_help(argc - 1, argv + 1)) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (strcmp(sub, "submit") == 0)
		return cmd_submit(cli, argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return cmd_list(cli, argc - 1, argv + 1);
	if (strcmp(sub, "status") == 0)
		return cmd_one(cli, argc - 1, argv + 1, 0);
	if (strcmp(sub, "cancel") == 0)
		return cmd_one(cli, argc - 1, argv + 1, 1);
	if (strcmp(sub, "results") == 0)
		return cmd_results(cli, argc - 1, argv + 1);
	if (strcmp(sub, "watch") == 0)
		return cmd_watch(cli, argc - 1, argv + 1);
	return cli_usage_error(CMD, "unknown subcommand \"%s\"", sub);
}
