/* cli_batch_submit.c — `tokentop batch submit`: check the whole file, print
 * the plan and estimate, stop at a budget, then create each part and record
 * it the moment the create call returns. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/api.h"
#include "core/batch.h"
#include "core/batch_client.h"
#include "core/router.h"
#include "tui/cli_batch.h"

/* ---- submit --------------------------------------------------------------- */

static void
print_plan_errors(const struct batch_plan *plan)
{
	size_t i;
	char n[32];

	for (i = 0; i < plan->nerrors; i++)
		cli_line(stderr, "%s", plan->errors[i]);     /* FILE:LINE: echoes the file */
	if (plan->nbad > (int64_t)plan->nerrors)
		fprintf(stderr, "… and %s more\n", cli_group(plan->nbad - (int64_t)plan->nerrors,
		    n, sizeof(n)));
}

static void
print_plan(const char *path, const struct batch_plan *plan)
{
	char a[32], lo[48], hi[48];
	size_t i;

	cli_line(stdout, "%s: %s requests in %zu batch%s", path,
	    cli_group(plan->requests, a, sizeof(a)), plan->nparts, plan->nparts == 1 ? "" : "es");
	printf("models: ");
	for (i = 0; i < plan->nmodels; i++) {     /* the file's model names */
		fputs(i > 0 ? ", " : "", stdout);
		cli_put(stdout, plan->models[i]);
	}
	for (i = 0; i < plan->ntiers; i++) {
		fputs(i == 0 ? "\nrouted: " : " · ", stdout);
		cli_put(stdout, plan->tiers[i].name);
		printf(" %s", cli_group(plan->tiers[i].requests, a, sizeof(a)));
	}
	printf("\nestimated cost at the batch rate: %s – %s\n", cli_batch_usd(plan->est_low, lo, sizeof(lo)),
	    cli_batch_usd(plan->est_high, hi, sizeof(hi)));
	if (plan->unpriced > 0)
		printf("(%s requests on unpriced models are not in the estimate)\n",
		    cli_group(plan->unpriced, a, sizeof(a)));
	for (i = 0; plan->nparts > 1 && i < plan->nparts; i++)
		printf("  part %zu: lines %lld–%lld, %s requests, %.1f MB\n", i + 1,
		    (long long)plan->parts[i].first_line, (long long)plan->parts[i].last_line,
		    cli_group(plan->parts[i].requests, a, sizeof(a)),
		    (double)plan->parts[i].bytes / (1024.0 * 1024.0));
}

/* --route auto: the router picks a short-form line's model and max_tokens. */
static int
route_line(void *arg, const char *prompt, char *model, size_t modellen, int64_t *max_tokens,
           char *tier, size_t tierlen, char *err, size_t errlen)
{
	struct router_decision d;

	if (router_route(arg, prompt, strlen(prompt), &d) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	usage_strlcpy(model, d.model, modellen);
	if (*max_tokens < 1)
		*max_tokens = d.max_tokens;
	usage_strlcpy(tier, router_tier_name(d.tier), tierlen);
	return 0;
}

/* "custom_id\ttier\n" of every routed request of a part, for the .tiers file. */
struct tiers_text {
	char  *p;
	size_t len, cap;
};

static int
tiers_add(void *arg, const struct batch_req *r)
{
	struct tiers_text *t = arg;
	size_t need = strlen(r->custom_id) + strlen(r->tier) + 3;
	char *np;

	if (r->tier[0] == '\0')
		return 0;
	if (t->len + need > t->cap) {
		size_t cap = t->cap == 0 ? 4096 : t->cap * 2;

		while (t->len + need > cap)
			cap *= 2;
		if ((np = realloc(t->p, cap)) == NULL)
			return -1;
		t->p = np;
		t->cap = cap;
	}
	t->len += (size_t)snprintf(t->p + t->len, t->cap - t->len, "%s\t%s\n", r->custom_id,
	    r->tier);
	return 0;
}

/*
 * Budgets stop spend: the shared gate (cli_budget_gate over core/budget)
 * with the estimate's high end, so a batch is refused when a budget that
 * applies (untagged, or the batch's tag) is used up or the estimate would
 * pass what is left; --force goes on with a note. EXIT_OK to go on.
 */
static int
submit_budget_gate(struct cli *cli, const struct pricing *pr, const char *tag, int64_t est,
                   int force)
{
	struct store *st = NULL;
	int rc;

	if (cli->cfg.nbudgets == 0)
		return EXIT_OK;
	if (cli_open(cli, &st, NULL) != EXIT_OK)
		return EXIT_RUNTIME;
	rc = cli_budget_gate(cli, st, pr, CMD, "batch", tag, est, force);
	store_close(st);
	return rc;
}

/* Create one part's batch exactly once and record it (cli_batch_once.c;
 * cli_batch_upload.c for a provider whose requests go up as a file first). */
static int
submit_part(struct cli *cli, struct http_multi *m, struct store *st,
            const struct batch_client *c, const char *path, const char *abspath,
            size_t partno, const struct batch_part *part, const struct batch_opts *o,
            const char *endpoint, const char *tag, char *id, size_t idlen)
{
	struct tiers_text t = { NULL, 0, 0 };
	struct batch_intent in;
	struct api_batch b;
	char *body = NULL, err[1024];
	size_t len = (size_t)part->bytes;
	int rc = -1, keep = o->route != NULL;

	if (!c->uploads && batch_part_body(path, part, o, &body, &len, err, sizeof(err)) != 0) {
		cli_fail(CMD, "%s", err);
		return -1;
	}
	memset(&in, 0, sizeof(in));
	in.requests = part->requests;
	in.bytes = (int64_t)len;
	usage_strlcpy(in.input_file, abspath, sizeof(in.input_file));
	in.part = (int)partno + 1;
	usage_strlcpy(in.tag, tag != NULL ? tag : "", sizeof(in.tag));
	usage_strlcpy(in.models, part->models, sizeof(in.models));
	in.est_low_nanos = part->est_low;
	in.est_high_nanos = part->est_high;
	/* a lost tiers file only loses the tier on the rows: warn, go on */
	if (keep && batch_part_each(path, part, o, tiers_add, &t, err, sizeof(err)) != 0) {
		cli_warn("batch", "routing tiers not saved: %s", err);
		keep = 0;
	}
	if (c->uploads) {
		if (cli_batch_create_uploaded(cli, m, st, c, &in, path, part, o, endpoint, &b) != 0)
			goto out;
	} else if (cli_batch_create_once(cli, m, st, &in, body, len,
	    keep ? (t.p != NULL ? t.p : "") : NULL, keep ? t.len : 0, &b) != 0)
		goto out;
	usage_strlcpy(id, b.id, idlen);
	rc = 0;
out:
	free(t.p);
	free(body);
	return rc;
}

static int
submit_all(struct cli *cli, const struct batch_client *c, const char *path,
           const struct batch_plan *plan, const struct batch_opts *o, const char *endpoint,
           const char *tag)
{
	struct store *st = NULL;
	struct http_multi *m;
	char abspath[PATH_MAX], id[USAGE_ID_MAX], n[32];
	size_t i;
	int rc = EXIT_RUNTIME;

	if (realpath(path, abspath) == NULL)
		usage_strlcpy(abspath, path, sizeof(abspath));
	if ((m = cli_batch_open_api(cli, c->pv)) == NULL)
		return EXIT_RUNTIME;
	if (cli_open(cli, &st, NULL) != EXIT_OK)
		goto out;
	for (i = 0; i < plan->nparts; i++) {
		if (submit_part(cli, m, st, c, path, abspath, i, &plan->parts[i], o, endpoint, tag,
		    id, sizeof(id)) != 0) {
			if (i > 0)
				cli_warn("batch", "parts 1–%zu were submitted; "
				    "lines from %lld on were not", i,
				    (long long)plan->parts[i].first_line);
			goto out;
		}
		cli_line(stdout, "submitted %s (%s requests, lines %lld–%lld)", id,
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

/* A limit from the environment (tests set small ones: README), else def. */
static int64_t
env_limit(const char *name, int64_t def)
{
	const char *v = getenv(name);
	char *end;
	long long n;

	if (v == NULL || *v == '\0')
		return def;
	n = strtoll(v, &end, 10);
	return *end == '\0' && n > 0 ? (int64_t)n : def;
}

int
cli_batch_submit(struct cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "max-tokens", required_argument, NULL, 'n' },
		{ "cache", required_argument, NULL, 'c' },
		{ "tag", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "route", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "provider", required_argument, NULL, 'p' },
		{ "mixed-models", no_argument, NULL, 'M' },
		{ "max-requests", required_argument, NULL, 'R' },   /* test hooks, undocumented */
		{ "max-bytes", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct batch_opts o;
	struct batch_plan plan;
	struct pricing *pr = NULL;
	struct router *rt = NULL;
	const char *tag = NULL, *path;
	const struct batch_client *bc = &batch_client_anthropic;
	const struct provider *pv;
	char err[1024], *end;
	int c, dry = 0, route = 0, force = 0, mixed = 0, cache = 0, rc = EXIT_RUNTIME;

	memset(&o, 0, sizeof(o));
	optind = 0;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.model = optarg; break;
		case 't': tag = optarg; break;
		case 'd': dry = 1; break;
		case 'f': force = 1; break;
		case 'M': mixed = 1; break;
		case 'p':
			if ((pv = provider_by_name(optarg)) == NULL || optarg[0] == '\0')
				return cli_usage_error(CMD, "--provider is anthropic or openai, not "
				    "\"%s\"", optarg);
			bc = batch_client_of(pv);
			break;
		case 'r':
			if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "off") != 0)
				return cli_usage_error(CMD, "--route is auto or off, not \"%s\"",
				    optarg);
			route = strcmp(optarg, "auto") == 0;
			break;
		case 'n': case 'R': case 'B': {
			long long v = strtoll(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    (c == 'n' && v > USAGE_COUNT_MAX))
				return cli_usage_error(CMD, "%s wants a positive integer%s, not \"%s\"",
				    c == 'n' ? "--max-tokens" : c == 'R' ? "--max-requests" :
				    "--max-bytes", c == 'n' ? " up to 10^12" : "", optarg);
			if (c == 'n')
				o.max_tokens = v;
			else if (c == 'R')
				o.max_requests = v;
			else
				o.max_bytes = v;
			break;
		}
		case 'c':
			cache = 1;
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
	if (route && o.model != NULL)
		return cli_usage_error(CMD, "--model and --route auto: give one");
	if (bc->line_check != NULL && (route || cache))
		return cli_usage_error(CMD, "--%s is for Anthropic batches (%s caches by itself)",
		    route ? "route" : "cache", bc->pv->label);
	if (mixed && !bc->one_model)
		return cli_usage_error(CMD, "--mixed-models is for OpenAI batches");
	/* the provider's format and limits (a test may set smaller ones) */
	o.line_check = bc->line_check;
	o.one_model = bc->one_model && !mixed;
	o.one_url = bc->one_url;
	if (o.max_requests == 0)
		o.max_requests = env_limit("TOKENTOP_BATCH_MAX_REQUESTS", bc->max_requests);
	if (o.max_bytes == 0)
		o.max_bytes = env_limit("TOKENTOP_BATCH_MAX_BYTES", bc->max_bytes);
	if (o.model == NULL && !route && bc->line_check == NULL &&
	    cli->cfg.default_model[0] != '\0')
		o.model = cli->cfg.default_model;
	/* routed lines take their tier's max_tokens unless --max-tokens says */
	if (o.max_tokens == 0 && !route)
		o.max_tokens = 1024;
	if (cli_open(cli, NULL, &pr) != EXIT_OK)
		return EXIT_RUNTIME;
	if (route) {
		if ((rt = router_load_config(&cli->cfg, err, sizeof(err))) == NULL) {
			cli_fail(CMD, "route: %s", err);
			goto out;
		}
		o.route = route_line;
		o.route_arg = rt;
	}
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
	if (dry)
		rc = EXIT_OK;
	else if ((rc = submit_budget_gate(cli, pr, tag, plan.est_high, force)) == EXIT_OK)
		rc = submit_all(cli, bc, path, &plan, &o, plan.url, tag);
done:
	batch_plan_done(&plan);
out:
	router_free(rt);
	pricing_free(pr);
	return rc;
}

