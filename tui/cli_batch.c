/* cli_batch.c — `tokentop batch`: the dispatch, help, list, status and
 * cancel, and the helpers the batch files share (submit is in
 * cli_batch_submit.c, watch and results in cli_batch_watch.c). Wires core
 * (batch files, the API, the poller) to data (the store). */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/api.h"
#include "core/batch_client.h"
#include "tui/cli_batch.h"

static const char usage_text[] =
    "usage: tokentop batch submit FILE.jsonl [--provider anthropic|openai] [--model M]\n"
    "                                        [--max-tokens N] [--cache off|5m|1h] [--tag T]\n"
    "                                        [--dry-run] [--route auto] [--force]\n"
    "                                        [--mixed-models]\n"
    "       tokentop batch list [--json]\n"
    "       tokentop batch status ID [--json]\n"
    "       tokentop batch cancel ID\n"
    "       tokentop batch results ID [-o FILE]\n"
    "       tokentop batch watch [--interval SECONDS] [ID...]\n"
    "       tokentop batch reconcile\n"
    "\n"
    "Message Batches: half price, results within 24 hours.\n"
    "\n"
    "submit   check every line of FILE first (JSON, custom_id, params; a short form\n"
    "         {\"custom_id\":…,\"prompt\":…[,\"system\",\"model\",\"max_tokens\"]} is\n"
    "         completed from the flags); any bad line is reported as FILE:LINE and\n"
    "         nothing is sent. A file over 100,000 requests or 256 MB becomes several\n"
    "         batches. --dry-run prints the requests, models and estimated cost.\n"
    "         --provider openai (OPENAI_API_KEY, OPENAI_BASE_URL) takes the short form\n"
    "         or {\"custom_id\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\"|\n"
    "         \"/v1/responses\",\"body\":{…}}, one model and one url per file (unless\n"
    "         --mixed-models), split past 50,000 requests or 200 MB; each part is\n"
    "         uploaded (/v1/files) and then created (/v1/batches, 24h window).\n"
    "         --route auto picks each short-form line's model (and max_tokens, unless\n"
    "         given) from the routing rules (see tokentop route). A daily or monthly\n"
    "         budget in the config refuses a batch whose estimate (high end) would\n"
    "         exceed what is left, unless --force.\n"
    "list     batches in the ledger (unfinished first)\n"
    "status   ask the API for a batch's state and counts\n"
    "cancel   ask the API to cancel a batch\n"
    "results  outcome counts, cost and errors of an ended batch (ingesting its\n"
    "         results first if needed); -o FILE writes the raw results JSONL\n"
    "watch    follow the named batches, or every unfinished one, until each has\n"
    "         ended and its results are in the ledger (default every 30 s)\n"
    "reconcile  look for batches whose create answer was lost (tokentop died, or\n"
    "         the API failed after making the batch) and adopt them into the\n"
    "         ledger; submit, list, watch and the console do this when they start\n";
/* ---- shared helpers ------------------------------------------------------ */

void
cli_batch_fmt_time(int64_t ms, char *buf, size_t n)
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
	cli_batch_fmt_time(ms, buf, sizeof(buf));
	return json_string(buf);
}

char *
cli_batch_usd(int64_t nanos, char *buf, size_t n)
{
	return pricing_format_money(nanos, 2, buf, n);
}

/* The results directory: <directory of the database>/results, or for a
 * ledger that is no file here (a PostgreSQL URI) $XDG_DATA_HOME/tokentop/results,
 * whose parent is made (0700) when missing, as opening a ledger file makes its. */
void
cli_batch_results_dir(const struct cli *cli, char *out, size_t n)
{
	char tmp[CONFIG_PATH_MAX];

	if (!store_target_local(cli->cfg.db_path)) {
		snprintf(out, n, "%s/results", cli->cfg.data_home);
		(void)config_mkdirs_for(out);   /* a failure shows when results are saved */
		return;
	}
	usage_strlcpy(tmp, cli->cfg.db_path, sizeof(tmp));
	snprintf(out, n, "%s/results", dirname(tmp));
}

struct http_multi *
cli_batch_open_api(struct cli *cli, const struct provider *pv)
{
	struct http_multi *m;
	char err[512];

	if ((m = http_multi_new(&cli->cfg, err, sizeof(err))) == NULL) {
		cli_fail(CMD, "%s", err);
		return NULL;
	}
	if (pv != NULL && !http_multi_has_key(m, (int)pv->id)) {
		cli_fail(CMD, "%s is not set", pv->key_env);
		http_multi_free(m);
		return NULL;
	}
	return m;
}

void
cli_batch_rec_from_api(struct batch_rec *r, const struct api_batch *b)
{
	usage_strlcpy(r->id, b->id, sizeof(r->id));
	usage_strlcpy(r->provider, provider_at(b->provider) != NULL ?
	    provider_at(b->provider)->name : "anthropic", sizeof(r->provider));
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
	usage_strlcpy(r->errors, b->errors, sizeof(r->errors));
}

/* Record what the API said about a batch (only the API's fields). */
int
cli_batch_store_api(struct store *st, const struct api_batch *b)
{
	struct batch_rec r;
	char err[512];

	memset(&r, 0, sizeof(r));
	cli_batch_rec_from_api(&r, b);
	if (store_batch_put(st, &r, err, sizeof(err)) != 0) {
		cli_fail(CMD, "%s: %s", b->id, err);
		return -1;
	}
	return 0;
}

json_t *
cli_batch_rec_json(const struct batch_rec *r)
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
	json_object_set_new(o, "provider", json_string(r->provider[0] != '\0' ? r->provider :
	    "anthropic"));
	json_object_set_new(o, "state", json_string(batch_state_name(cli_batch_state(r))));
	if (r->errors[0] != '\0')
		json_object_set_new(o, "errors", json_string(r->errors));
	json_object_set_new(o, "created_at", json_time(r->created_ms));
	json_object_set_new(o, "expires_at", json_time(r->expires_ms));
	json_object_set_new(o, "ended_at", json_time(r->ended_ms));
	return o;
}

void
cli_batch_print_json(json_t *j)
{
	cli_json(stdout, j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	json_decref(j);
}

enum batch_state
cli_batch_state(const struct batch_rec *r)
{
	const struct batch_client *c = batch_client_of(provider_by_name(r->provider));

	return c->state(r->status, r->cancel_ms, r->counts.canceled, r->counts.expired);
}

/* "0:12 of 24:00" — time since creation against the 24 h window. */
void
cli_batch_elapsed(int64_t created_ms, int64_t ended_ms, int64_t now_ms, char *buf, size_t n)
{
	int64_t ms = (ended_ms > 0 ? ended_ms : now_ms) - created_ms;

	if (created_ms <= 0 || ms < 0)
		ms = 0;
	snprintf(buf, n, "%lld:%02lld of 24:00", (long long)(ms / 3600000),
	    (long long)(ms / 60000 % 60));
}

void
cli_batch_print_counts(FILE *f, const struct batch_counts *c)
{
	char a[32], b[32], d[32], e[32], g[32];

	fprintf(f, "processing %s · succeeded %s · errored %s · canceled %s · expired %s",
	    cli_group(c->processing, a, sizeof(a)), cli_group(c->succeeded, b, sizeof(b)),
	    cli_group(c->errored, d, sizeof(d)), cli_group(c->canceled, e, sizeof(e)),
	    cli_group(c->expired, g, sizeof(g)));
}

/* Parse "30", "0.25": seconds into ms (> 0). */static int
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
/* ---- list, status, cancel ------------------------------------------------ */

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
	if (cli_open_ro(cli, &st, &pr) != EXIT_OK)
		return EXIT_RUNTIME;
	if (store_batch_list(st, pr, 50, &list, &n, err, sizeof(err)) != 0) {
		cli_fail(CMD, "%s", err);
		goto out;
	}
	if (json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, cli_batch_rec_json(&list[i]));
		cli_batch_print_json(arr);
	} else if (n == 0)
		printf("no batches yet (tokentop batch submit FILE.jsonl)\n");
	else {
		printf("%-40s %-9s %-11s %9s %-20s %19s %10s  %s\n", "ID", "PROVIDER", "STATUS",
		    "REQUESTS", "CREATED", "ESTIMATE", "COST", "TAG");
		for (i = 0; i < n; i++) {
			const struct batch_rec *r = &list[i];
			char est[72];

			cli_batch_fmt_time(r->created_ms, created, sizeof(created));
			snprintf(est, sizeof(est), "%s–%s", cli_batch_usd(r->est_low_nanos, lo, sizeof(lo)),
			    cli_batch_usd(r->est_high_nanos, hi, sizeof(hi)));
			cli_line(stdout, "%-40s %-9s %-11s %9s %-20s %19s %10s  %s", r->id,
			    r->provider[0] != '\0' ? r->provider : "anthropic",
			    r->ingested ? "ingested" : batch_state_name(cli_batch_state(r)),
			    cli_group(r->requests, req,
			    sizeof(req)), created, est, r->ingested ? cli_batch_usd(r->actual_nanos, act,
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
	const struct batch_client *bc;
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
	if (cli_batch_check_id(id) != EXIT_OK)
		return EXIT_USAGE;
	bc = batch_client_for_id(id);
	if (cli_open(cli, &st, &pr) != EXIT_OK)
		return EXIT_RUNTIME;
	if ((m = cli_batch_open_api(cli, bc->pv)) == NULL)
		goto out;
	if ((cancel ? batch_client_cancel(bc, m, id, &b, &herr) :
	    batch_client_get(bc, m, id, &b, &herr)) != 0) {
		cli_fail(CMD, "%s: %s", id, api_error_string(&herr, err, sizeof(err)));
		if (herr.status == 404 || (herr.status == 400 && !cancel))
			rc = EXIT_USAGE;       /* no such batch: asking again changes nothing */
		goto out;
	}
	/* only batches this ledger knows are recorded (another tool's stay out) */
	if (store_batch_get(st, pr, id, &r, &found, err, sizeof(err)) == 0 && found &&
	    cli_batch_store_api(st, &b) != 0)
		goto out;
	memset(&r, 0, sizeof(r));
	if (store_batch_get(st, pr, id, &r, &found, err, sizeof(err)) != 0 || !found) {
		memset(&r, 0, sizeof(r));
		cli_batch_rec_from_api(&r, &b);
		r.requests = b.processing + b.succeeded + b.errored + b.canceled + b.expired;
	}
	if (r.errors[0] == '\0')
		usage_strlcpy(r.errors, b.errors, sizeof(r.errors));
	if (json)
		cli_batch_print_json(cli_batch_rec_json(&r));
	else {
		cli_batch_elapsed(b.created_ms, b.ended_ms, cli_now_ms(), el, sizeof(el));
		cli_line(stdout, "%s  %s  %s  (%s)", b.id, b.processing_status, el, bc->pv->name);
		cli_batch_print_counts(stdout, &r.counts);
		putchar('\n');
		if (r.input_file[0] != '\0')
			cli_line(stdout, "input: %s", r.input_file);
		if (b.errors[0] != '\0')
			cli_line(stdout, "errors: %s", b.errors);
		if (bc->ended(&b) && !r.ingested)
			cli_line(stdout, "results not yet in the ledger: tokentop batch watch %s", b.id);
	}
	rc = EXIT_OK;
out:
	http_multi_free(m);
	store_close(st);
	pricing_free(pr);
	return rc;
}

static int
has_arg(int argc, char **argv, const char *arg)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], arg) == 0)
			return 1;
	return 0;
}

/* Creates whose answer was lost (a crash, a failure after the batch was
 * made): adopted or given up before the command runs; said on stderr. */
static void
reconcile_at_start(struct cli *cli)
{
	struct store *st = NULL;
	int due;

	/* looked at read-only first: a read-only ledger still lists */
	if (cli_open_ro(cli, &st, NULL) != EXIT_OK)
		return;
	due = cli_batch_intents_due(st);
	store_close(st);
	st = NULL;
	if (due > 0 && cli_open(cli, &st, NULL) == EXIT_OK)
		cli_batch_reconcile(cli, st, stderr);
	store_close(st);
}

static int
cmd_reconcile(struct cli *cli, int argc, char **argv)
{
	struct store *st = NULL;
	int rc;

	if (argc > 1)
		return cli_usage_error(CMD, "reconcile takes no arguments");
	if (cli_open(cli, &st, NULL) != EXIT_OK)
		return EXIT_RUNTIME;
	if (cli_batch_intents_due(st) == 0) {
		printf("no unconfirmed batch creates\n");
		rc = EXIT_OK;
	} else
		rc = cli_batch_reconcile(cli, st, stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
	store_close(st);
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
	if ((strcmp(sub, "submit") == 0 && !has_arg(argc, argv, "--dry-run")) ||
	    strcmp(sub, "list") == 0 || strcmp(sub, "watch") == 0)
		reconcile_at_start(cli);
	if (strcmp(sub, "reconcile") == 0)
		return cmd_reconcile(cli, argc - 1, argv + 1);
	if (strcmp(sub, "submit") == 0)
		return cli_batch_submit(cli, argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return cmd_list(cli, argc - 1, argv + 1);
	if (strcmp(sub, "status") == 0)
		return cmd_one(cli, argc - 1, argv + 1, 0);
	if (strcmp(sub, "cancel") == 0)
		return cmd_one(cli, argc - 1, argv + 1, 1);
	if (strcmp(sub, "results") == 0)
		return cli_batch_results(cli, argc - 1, argv + 1);
	if (strcmp(sub, "watch") == 0)
		return cli_batch_watch(cli, argc - 1, argv + 1);
	return cli_usage_error(CMD, "unknown subcommand \"%s\"", sub);
}
