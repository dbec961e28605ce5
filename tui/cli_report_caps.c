/* cli_report_caps.c — `tokentop report caps`: responses that stopped on
 * max_tokens, per model and routing tier, so a user sees when a cap is too
 * tight. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/num.h"
#include "tui/cli.h"

#define CMD "report caps"

struct caps_opts {
	const char *since, *until, *tz, *model, *tag, *provider, *host;
	int         json;
};

/* One line of the report, split out of the "MODEL\tTIER" key. */
struct cap_row {
	char    model[USAGE_MODEL_MAX];
	char    tier[16];
	int64_t requests, stops;
};

static void
caps_help(void)
{
	printf("usage: tokentop report caps [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
	       "                            [--tz ZONE] [--model M] [--tag T]\n"
	       "                            [--provider anthropic|openai] [--host H]\n"
	       "                            [--json]\n"
	       "\n"
	       "Responses that stopped because they reached max_tokens, per model and\n"
	       "routing tier (\"-\" = not routed): requests, max_tokens stops and their\n"
	       "share. A high share means the cap (a tier's max_tokens in router.json,\n"
	       "or --max-tokens) cuts answers short.\n"
	       "\n"
	       "  --host H rows written by host H\n"
	       "  --json   {\"rows\":[{model, tier, requests, max_tokens_stops, share}],\n"
	       "            \"totals\":{requests, max_tokens_stops, share}}; tier \"\" = not\n"
	       "           routed, share 0..1\n"
	       "\n"
	       "Rows are ordered by stops, most first. Exit status: 0, 1 failure, 2 usage.\n");
}

static int
caps_args(int argc, char **argv, struct caps_opts *o)
{
	static const char *const names[] = { "--since", "--until", "--tz", "--model", "--tag",
	    "--provider", "--host" };
	const char **slots[] = { &o->since, &o->until, &o->tz, &o->model, &o->tag, &o->provider,
	    &o->host };
	size_t k, n;
	int i, hit;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		for (k = 0, hit = 0; k < sizeof(names) / sizeof(names[0]) && !hit; k++) {
			n = strlen(names[k]);
			if (strcmp(argv[i], names[k]) == 0) {
				if (i + 1 >= argc)
					return cli_usage_error(CMD, "%s needs a value", argv[i]);
				*slots[k] = argv[++i];
				hit = 1;
			} else if (strncmp(argv[i], names[k], n) == 0 && argv[i][n] == '=') {
				*slots[k] = argv[i] + n + 1;
				hit = 1;
			}
		}
		if (hit)
			continue;
		if (strcmp(argv[i], "--json") == 0)
			o->json = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return -1;
		else
			return cli_usage_error(CMD, "unexpected argument '%s'", argv[i]);
	}
	return EXIT_OK;
}

static int
caps_query(struct cli *cli, const struct caps_opts *o, struct report_query *q)
{
	const char *tz = o->tz;

	memset(q, 0, sizeof(*q));
	q->group = REPORT_MODEL_TIER;
	if (tz == NULL && (getenv("TZ") == NULL || getenv("TZ")[0] == '\0') && cli->cfg.tz[0])
		tz = cli->cfg.tz;
	if (tz != NULL && cli_set_tz(tz) != 0)
		return cli_usage_error(CMD, "unknown time zone '%s'", tz);
	if (o->since != NULL && cli_parse_date(o->since, 0, &q->since_ms) != 0)
		return cli_usage_error(CMD, "--since: not a date (YYYY-MM-DD): '%s'", o->since);
	if (o->until != NULL && cli_parse_date(o->until, 1, &q->until_ms) != 0)
		return cli_usage_error(CMD, "--until: not a date (YYYY-MM-DD): '%s'", o->until);
	if (q->since_ms != 0 && q->until_ms != 0 && q->since_ms >= q->until_ms)
		return cli_usage_error(CMD, "--since %s is after --until %s", o->since, o->until);
	q->model = o->model;
	q->tag = o->tag;
	if (o->provider != NULL && cli_provider_arg(CMD, o->provider) != EXIT_OK)
		return EXIT_USAGE;
	q->provider = o->provider;
	if (o->host != NULL && o->host[0] == '\0')
		return cli_usage_error(CMD, "--host: empty host name");
	q->host = o->host;
	return EXIT_OK;
}

static int
by_stops(const void *x, const void *y)
{
	const struct cap_row *a = x, *b = y;
	int c;

	if (a->stops != b->stops)
		return a->stops > b->stops ? -1 : 1;
	if ((c = strcmp(a->model, b->model)) != 0)
		return c;
	return strcmp(a->tier, b->tier);
}

/* The report's rows as cap rows, sorted; caller frees. NULL when empty or
 * out of memory (*n says which). */
static struct cap_row *
cap_rows(const struct report *r, size_t *n)
{
	struct cap_row *c = calloc(r->nrows ? r->nrows : 1, sizeof(*c));
	const char *tab;
	size_t i;

	*n = 0;
	if (c == NULL)
		return NULL;
	for (i = 0; i < r->nrows; i++) {
		tab = strchr(r->rows[i].key, '\t');
		snprintf(c[i].model, sizeof(c[i].model), "%.*s",
		    (int)(tab ? (size_t)(tab - r->rows[i].key) : strlen(r->rows[i].key)),
		    r->rows[i].key);
		usage_strlcpy(c[i].tier, tab ? tab + 1 : "", sizeof(c[i].tier));
		c[i].requests = r->rows[i].requests;
		c[i].stops = r->rows[i].max_tokens_stops;
	}
	*n = r->nrows;
	qsort(c, *n, sizeof(*c), by_stops);
	return c;
}

static double
share(int64_t stops, int64_t requests)
{
	return requests > 0 ? (double)stops / (double)requests : 0.0;
}

static int
caps_json(const struct cap_row *c, size_t n, const struct report_row *tot)
{
	json_t *root = json_object(), *rows = json_array();
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		json_array_append_new(rows, json_pack("{s:s, s:s, s:I, s:I, s:f}", "model",
		    c[i].model, "tier", c[i].tier, "requests", (json_int_t)c[i].requests,
		    "max_tokens_stops", (json_int_t)c[i].stops, "share",
		    share(c[i].stops, c[i].requests)));
	json_object_set_new(root, "rows", rows);
	json_object_set_new(root, "totals", json_pack("{s:I, s:I, s:f}", "requests",
	    (json_int_t)tot->requests, "max_tokens_stops", (json_int_t)tot->max_tokens_stops,
	    "share", share(tot->max_tokens_stops, tot->requests)));
	rc = cli_json(stdout, root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	json_decref(root);
	if (rc != 0)
		return cli_fail(CMD, "writing JSON failed");
	return EXIT_OK;
}

/* "12.5%" of stops/requests, one decimal, rounded half up. */
static char *
pct(int64_t stops, int64_t requests, char *buf, size_t n)
{
	int64_t pm = requests > 0 ? (num_sat_muldiv(stops, 2000, requests) + 1) / 2 : 0;

	snprintf(buf, n, "%lld.%lld%%", (long long)(pm / 10), (long long)(pm % 10));
	return buf;
}

static int
caps_table(const struct cap_row *c, size_t n, const struct report_row *tot)
{
	char a[32], b[32], p[16];
	int w = 5;
	size_t i;

	for (i = 0; i < n; i++)
		if ((int)strlen(c[i].model) > w)
			w = (int)strlen(c[i].model);
	printf("%-*s  %-8s  %10s  %10s  %7s\n", w, "MODEL", "TIER", "REQUESTS", "MAX_TOKENS",
	    "SHARE");
	for (i = 0; i < n; i++)     /* model and tier come from outside: cli_line */
		cli_line(stdout, "%-*s  %-8s  %10s  %10s  %7s", w, c[i].model,
		    c[i].tier[0] ? c[i].tier : "-", cli_group(c[i].requests, a, sizeof(a)),
		    cli_group(c[i].stops, b, sizeof(b)), pct(c[i].stops, c[i].requests, p, sizeof(p)));
	printf("%-*s  %-8s  %10s  %10s  %7s\n", w, "total", "",
	    cli_group(tot->requests, a, sizeof(a)), cli_group(tot->max_tokens_stops, b, sizeof(b)),
	    pct(tot->max_tokens_stops, tot->requests, p, sizeof(p)));
	return fflush(stdout) == 0 ? EXIT_OK : cli_fail(CMD, "writing failed");
}

int
cli_report_caps(struct cli *cli, int argc, char **argv)
{
	struct caps_opts o;
	struct report_query q;
	struct report r;
	struct store *st = NULL;
	struct pricing *pr = NULL;
	struct cap_row *c;
	char err[512];
	size_t n;
	int rc;

	if ((rc = caps_args(argc, argv, &o)) != EXIT_OK) {
		if (rc < 0)
			caps_help();
		return rc < 0 ? EXIT_OK : rc;
	}
	if ((rc = caps_query(cli, &o, &q)) != EXIT_OK)
		return rc;
	if ((rc = cli_open_ro(cli, &st, &pr)) != EXIT_OK)
		return rc;
	if (store_report(st, pr, &q, &r, err, sizeof(err)) != 0) {
		rc = cli_fail(CMD, "%s", err);
		goto out;
	}
	if ((c = cap_rows(&r, &n)) == NULL)
		rc = cli_fail(CMD, "out of memory");
	else
		rc = o.json ? caps_json(c, n, &r.totals) : caps_table(c, n, &r.totals);
	free(c);
	store_report_free(&r);
out:
	store_close(st);
	pricing_free(pr);
	return rc;
}
