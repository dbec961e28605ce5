/* cli_sync.c — `tokentop sync`: read the organisation's usage and cost reports
 * with the Admin API key and store them (a re-sync replaces its range). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/http.h"
#include "core/orgsync.h"
#include "tui/cli.h"

static void
help(FILE *f)
{
	fprintf(f,
	    "usage: tokentop sync [--since YYYY-MM-DD] [--limit N] [--json]\n"
	    "\n"
	    "Read the organisation's own usage report (grouped by model, API key,\n"
	    "workspace and service tier; 1-minute buckets for today, daily before) and\n"
	    "cost report (daily, by description) with the Admin API key in\n"
	    "ANTHROPIC_ADMIN_KEY (sk-ant-admin…), page through them, and store them.\n"
	    "A re-sync replaces the rows of its range, so it never counts twice.\n"
	    "`tokentop report org` then shows the organisation beside the ledger.\n"
	    "\n"
	    "  --since DATE  first day to read (local; default the 1st of this month).\n"
	    "                The reports bucket by UTC day, so the range starts at the\n"
	    "                UTC midnight on or before it\n"
	    "  --limit N     buckets per page of the daily reports (1-31, default 31)\n"
	    "  --json        what was read as JSON\n"
	    "  -h, --help    this help\n"
	    "\n"
	    "Exit status: 0 success, 1 no Admin key / API or store failure, 2 usage error.\n");
}

struct opts {
	const char *since;
	int         limit;
	int         json;
};

static int
parse_args(int argc, char **argv, struct opts *o)
{
	int64_t ms;
	char *end;
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o->json = 1;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
			o->since = argv[++i];
		else if (strncmp(argv[i], "--since=", 8) == 0)
			o->since = argv[i] + 8;
		else if ((strcmp(argv[i], "--limit") == 0 && i + 1 < argc) ||
		    strncmp(argv[i], "--limit=", 8) == 0) {
			const char *v = argv[i][7] == '=' ? argv[i] + 8 : argv[++i];

			o->limit = (int)strtol(v, &end, 10);
			if (*v == '\0' || *end != '\0' || o->limit < 1 || o->limit > 31)
				return cli_usage_error("sync", "--limit: 1 to 31, not '%s'", v);
		} else if (strcmp(argv[i], "--since") == 0 || strcmp(argv[i], "--limit") == 0)
			return cli_usage_error("sync", "%s needs a value", argv[i]);
		else
			return cli_usage_error("sync", "unknown argument '%s'", argv[i]);
	}
	if (o->since != NULL && cli_parse_date(o->since, 0, &ms) != 0)
		return cli_usage_error("sync", "--since: not a date (YYYY-MM-DD): '%s'", o->since);
	return EXIT_OK;
}

/* Local midnights: of --since (default the 1st of this month) and of today. */
static int
local_days(const struct opts *o, int64_t now_ms, int64_t *since_ms, int64_t *today_ms)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	char today[16], first[16];

	localtime_r(&t, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	strftime(first, sizeof(first), "%Y-%m-01", &tm);
	if (cli_parse_date(today, 0, today_ms) != 0 ||
	    cli_parse_date(o->since ? o->since : first, 0, since_ms) != 0)
		return cli_usage_error("sync", "--since: not a date (YYYY-MM-DD): '%s'", o->since);
	if (*since_ms > now_ms)
		return cli_usage_error("sync", "--since %s is in the future", o->since);
	return EXIT_OK;
}

static void
utc_str(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M UTC", &tm);
}

static int
print_result(const struct opts *o, const struct orgsync_range *r, const struct org_data *d,
             const struct org_report *rep)
{
	const struct org_total *t = &rep->totals;
	char a[32], b[32], g[5][32], c1[32], c2[32];
	json_t *j;
	int rc;

	utc_str(r->since_ms, a, sizeof(a));
	utc_str(r->until_ms, b, sizeof(b));
	if (o->json) {
		j = json_pack("{s:s, s:s, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I,"
		    " s:I, s:I}, s:f, s:I, s:f, s:I, s:I}", "since", a, "until", b,
		    "usage", "pages", (json_int_t)d->usage_pages, "buckets",
		    (json_int_t)d->usage_buckets, "rows", (json_int_t)d->nusage,
		    "cost", "pages", (json_int_t)d->cost_pages, "buckets",
		    (json_int_t)d->cost_buckets, "rows", (json_int_t)d->ncost,
		    "tokens", "input", (json_int_t)t->tok.input, "cache_write_5m",
		    (json_int_t)t->tok.write_5m, "cache_write_1h", (json_int_t)t->tok.write_1h,
		    "cache_read", (json_int_t)t->tok.cache_read, "output", (json_int_t)t->tok.output,
		    "org_cost_usd", pricing_usd(t->cost_nanos), "org_cost_nanos",
		    (json_int_t)t->cost_nanos, "priced_usd", pricing_usd(t->priced_nanos),
		    "priced_nanos", (json_int_t)t->priced_nanos, "unpriced_tokens",
		    (json_int_t)t->unpriced_tokens);
		rc = j ? cli_json(stdout, j, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) : -1;
		json_decref(j);
		if (rc != 0)
			return cli_fail("sync", "writing JSON failed");
		return EXIT_OK;
	}
	printf("synced %s .. %s\n", a, b);
	printf("usage report: %lld pages, %lld buckets, %zu rows\n", (long long)d->usage_pages,
	    (long long)d->usage_buckets, d->nusage);
	printf("cost report:  %lld pages, %lld buckets, %zu rows\n", (long long)d->cost_pages,
	    (long long)d->cost_buckets, d->ncost);
	printf("tokens: in %s · cache write %s (5m) %s (1h) · cache read %s · out %s\n",
	    cli_group(t->tok.input, g[0], 32), cli_group(t->tok.write_5m, g[1], 32),
	    cli_group(t->tok.write_1h, g[2], 32), cli_group(t->tok.cache_read, g[3], 32),
	    cli_group(t->tok.output, g[4], 32));
	printf("cost: %s (cost report) · %s (tokens at list price)%s\n",
	    pricing_format_usd(t->cost_nanos, 4, 1, c1, sizeof(c1)),
	    pricing_format_usd(t->priced_nanos, 4, 1, c2, sizeof(c2)),
	    t->unpriced_tokens ? " · some models unpriced" : "");
	return EXIT_OK;
}

/* Fetch, replace, total. */
static int
run(struct cli *cli, const struct opts *o, struct store *st, const struct pricing *pr)
{
	struct orgsync_range r;
	struct org_data d;
	struct org_report rep;
	struct http_multi *m;
	int64_t now = cli_now_ms(), since, today;
	char err[1024];
	int rc;

	if ((rc = local_days(o, now, &since, &today)) != EXIT_OK)
		return rc;
	orgsync_ranges(since, today, now, o->limit, &r);
	if ((m = orgsync_multi_new(&cli->cfg, err, sizeof(err))) == NULL)
		return cli_fail("sync", "%s", err);
	memset(&d, 0, sizeof(d));
	rc = orgsync_fetch(m, &r, &d, err, sizeof(err));
	http_multi_free(m);
	if (rc != 0) {
		orgsync_data_free(&d);
		return cli_fail("sync", "%s", err);
	}
	if (store_org_replace(st, r.since_ms, r.until_ms, now, d.usage, d.nusage, d.cost,
	    d.ncost, err, sizeof(err)) != 0 ||
	    store_org_report(st, pr, r.since_ms, r.until_ms, &rep, err, sizeof(err)) != 0) {
		orgsync_data_free(&d);
		return cli_fail("sync", "%s", err);
	}
	rc = print_result(o, &r, &d, &rep);
	store_org_report_free(&rep);
	orgsync_data_free(&d);
	return rc;
}

int
cli_sync(struct cli *cli, int argc, char **argv)
{
	struct store *st = NULL;
	struct pricing *pr = NULL;
	struct opts o;
	int i, rc;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help(stdout);
			return EXIT_OK;
		}
	if ((rc = parse_args(argc, argv, &o)) != EXIT_OK)
		return rc;
	if ((getenv("TZ") == NULL || getenv("TZ")[0] == '\0') && cli->cfg.tz[0] &&
	    cli_set_tz(cli->cfg.tz) != 0)
		return cli_fail("sync", "unknown time zone '%s' in the config", cli->cfg.tz);
	if (cli->cfg.admin_key[0] == '\0')
		return cli_fail("sync", "ANTHROPIC_ADMIN_KEY is not set: the organisation's "
		    "reports need an Admin API key (sk-ant-admin…)");
	if ((rc = cli_open(cli, &st, &pr)) != EXIT_OK)
		return rc;
	rc = run(cli, &o, st, pr);
	store_close(st);
	pricing_free(pr);
	return rc;
}
