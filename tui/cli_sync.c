/* cli_sync.c — `tokentop sync`: read each provider's organisation usage and
 * cost reports with its Admin API key and store them (a re-sync replaces its
 * range, per provider). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/http.h"
#include "core/num.h"
#include "core/orgsync.h"
#include "tui/cli.h"

static void
help(FILE *f)
{
	fprintf(f,
	    "usage: tokentop sync [--provider anthropic|openai] [--since YYYY-MM-DD]\n"
	    "                     [--limit N] [--json]\n"
	    "\n"
	    "Read the organisation's own usage report (grouped by model, API key,\n"
	    "workspace or project, service tier and, for OpenAI, batch; 1-minute\n"
	    "buckets for today, daily before) and cost report (daily, by description\n"
	    "or line item) with the provider's Admin API key (ANTHROPIC_ADMIN_KEY,\n"
	    "sk-ant-admin…; OPENAI_ADMIN_KEY, sk-admin-…), page through them, and store\n"
	    "them as that provider's organisation rows. Without --provider, every\n"
	    "provider that has an Admin key is synced. A re-sync replaces the rows of\n"
	    "its range, so it never counts twice. `tokentop report org` then shows each\n"
	    "organisation beside the ledger.\n"
	    "\n"
	    "  --provider P  sync only P's organisation (its Admin key is needed)\n"
	    "  --since DATE  first day to read (local; default the 1st of this month).\n"
	    "                The reports bucket by UTC day, so the range starts at the\n"
	    "                UTC midnight on or before it\n"
	    "  --limit N     buckets per page of the daily reports (1-31, default 31)\n"
	    "  --json        what was read as JSON: the sums, and \"providers\": the same\n"
	    "                per provider (with \"provider\")\n"
	    "  -h, --help    this help\n"
	    "\n"
	    "Exit status: 0 success, 1 no Admin key / API or store failure (of any\n"
	    "provider: the others are still stored), 2 usage error.\n");
}

struct opts {
	const char *since;
	const struct provider *pv;   /* --provider, NULL = every one with an Admin key */
	int         limit;
	int         json;
};

/* What one provider's sync read (or, summed, every provider's). */
struct synced {
	const struct provider *pv;   /* NULL for the sums */
	int64_t          usage_pages, usage_buckets, usage_rows;
	int64_t          cost_pages, cost_buckets, cost_rows;
	struct org_total totals;
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
		else if ((strcmp(argv[i], "--provider") == 0 && i + 1 < argc) ||
		    strncmp(argv[i], "--provider=", 11) == 0) {
			const char *v = argv[i][10] == '=' ? argv[i] + 11 : argv[++i];

			if (cli_provider_arg("sync", v) != EXIT_OK)
				return EXIT_USAGE;
			o->pv = provider_by_name(v);
		} else if (strcmp(argv[i], "--provider") == 0)
			return cli_usage_error("sync", "--provider needs a value");
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

static json_t *
synced_json(const struct synced *y, const char *since, const char *until)
{
	const struct org_total *t = &y->totals;
	json_t *j;

	j = json_pack("{s:s, s:s, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I,"
	    " s:I, s:I}, s:f, s:I, s:f, s:I, s:I}", "since", since, "until", until,
	    "usage", "pages", (json_int_t)y->usage_pages, "buckets", (json_int_t)y->usage_buckets,
	    "rows", (json_int_t)y->usage_rows,
	    "cost", "pages", (json_int_t)y->cost_pages, "buckets", (json_int_t)y->cost_buckets,
	    "rows", (json_int_t)y->cost_rows,
	    "tokens", "input", (json_int_t)t->tok.input, "cache_write_5m",
	    (json_int_t)t->tok.write_5m, "cache_write_1h", (json_int_t)t->tok.write_1h,
	    "cache_read", (json_int_t)t->tok.cache_read, "output", (json_int_t)t->tok.output,
	    "org_cost_usd", pricing_usd(t->cost_nanos), "org_cost_nanos",
	    (json_int_t)t->cost_nanos, "priced_usd", pricing_usd(t->priced_nanos),
	    "priced_nanos", (json_int_t)t->priced_nanos, "unpriced_tokens",
	    (json_int_t)t->unpriced_tokens);
	if (j != NULL && y->pv != NULL)
		json_object_set_new(j, "provider", json_string(y->pv->name));
	return j;
}

/* The sums of every provider's sync (top level) and "providers": each one. */
static int
print_json(const struct orgsync_range *r, const struct synced *ys, size_t n,
           const struct synced *sum)
{
	char a[32], b[32];
	json_t *j, *list = json_array();
	size_t i;
	int rc;

	utc_str(r->since_ms, a, sizeof(a));
	utc_str(r->until_ms, b, sizeof(b));
	j = synced_json(sum, a, b);
	for (i = 0; i < n && list != NULL; i++)
		json_array_append_new(list, synced_json(&ys[i], a, b));
	if (j != NULL && list != NULL)
		json_object_set(j, "providers", list);
	json_decref(list);
	rc = j ? cli_json(stdout, j, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) : -1;
	json_decref(j);
	return rc != 0 ? cli_fail("sync", "writing JSON failed") : EXIT_OK;
}

static void
print_text(const struct orgsync_range *r, const struct synced *y)
{
	const struct org_total *t = &y->totals;
	char a[32], b[32], g[5][32], c1[32], c2[32];

	utc_str(r->since_ms, a, sizeof(a));
	utc_str(r->until_ms, b, sizeof(b));
	printf("%s: synced %s .. %s\n", y->pv->label, a, b);
	printf("usage report: %lld pages, %lld buckets, %lld rows\n", (long long)y->usage_pages,
	    (long long)y->usage_buckets, (long long)y->usage_rows);
	printf("cost report:  %lld pages, %lld buckets, %lld rows\n", (long long)y->cost_pages,
	    (long long)y->cost_buckets, (long long)y->cost_rows);
	printf("tokens: in %s · cache write %s (5m) %s (1h) · cache read %s · out %s\n",
	    cli_group(t->tok.input, g[0], 32), cli_group(t->tok.write_5m, g[1], 32),
	    cli_group(t->tok.write_1h, g[2], 32), cli_group(t->tok.cache_read, g[3], 32),
	    cli_group(t->tok.output, g[4], 32));
	printf("cost: %s (cost report) · %s (tokens at list price)%s\n",
	    pricing_format_usd(t->cost_nanos, 4, 1, c1, sizeof(c1)),
	    pricing_format_usd(t->priced_nanos, 4, 1, c2, sizeof(c2)),
	    t->unpriced_tokens ? " · some models unpriced" : "");
}

/* sum += y; -1 when a sum does not fit 64 bits. */
static int
add_synced(struct synced *sum, const struct synced *y)
{
	struct org_total t = sum->totals;

	if (num_add(&sum->usage_pages, y->usage_pages) || num_add(&sum->usage_buckets,
	    y->usage_buckets) || num_add(&sum->usage_rows, y->usage_rows) ||
	    num_add(&sum->cost_pages, y->cost_pages) || num_add(&sum->cost_buckets,
	    y->cost_buckets) || num_add(&sum->cost_rows, y->cost_rows) ||
	    usage_tokens_add(&t.tok, &y->totals.tok) != 0 ||
	    num_add(&t.cost_nanos, y->totals.cost_nanos) ||
	    num_add(&t.priced_nanos, y->totals.priced_nanos) ||
	    num_add(&t.unpriced_tokens, y->totals.unpriced_tokens))
		return -1;
	sum->totals = t;
	return 0;
}

/* One provider: fetch, replace its rows, total them into *y. */
static int
sync_one(struct cli *cli, const struct orgsync_range *r0, int64_t now, struct store *st,
         const struct pricing *pr, struct synced *y, char *err, size_t errlen)
{
	struct orgsync_range r = *r0;
	struct org_data d;
	struct org_report rep;
	struct http_multi *m;
	int rc;

	r.pv = y->pv;
	if ((m = orgsync_multi_new_for(&cli->cfg, y->pv, err, errlen)) == NULL)
		return -1;
	memset(&d, 0, sizeof(d));
	rc = orgsync_fetch(m, &r, &d, err, errlen);
	http_multi_free(m);
	if (rc == 0 && (store_org_replace_for(st, y->pv->name, r.since_ms, r.until_ms, now,
	    d.usage, d.nusage, d.cost, d.ncost, err, errlen) != 0 ||
	    store_org_report_for(st, pr, y->pv->name, r.since_ms, r.until_ms, &rep, err,
	    errlen) != 0))
		rc = -1;
	if (rc == 0) {
		y->usage_pages = d.usage_pages;
		y->usage_buckets = d.usage_buckets;
		y->usage_rows = (int64_t)d.nusage;
		y->cost_pages = d.cost_pages;
		y->cost_buckets = d.cost_buckets;
		y->cost_rows = (int64_t)d.ncost;
		y->totals = rep.totals;
		store_org_report_free(&rep);
	}
	orgsync_data_free(&d);
	return rc;
}

/* Sync the chosen providers, each on its own (a failure is named and the
 * others still stored), then print. */
static int
run(struct cli *cli, const struct opts *o, struct store *st, const struct pricing *pr)
{
	struct orgsync_range r;
	struct synced ys[PROVIDER_COUNT], sum;
	int64_t now = cli_now_ms(), since, today;
	char err[1024];
	size_t n = 0, i;
	int rc, k;

	if ((rc = local_days(o, now, &since, &today)) != EXIT_OK)
		return rc;
	orgsync_ranges(since, today, now, o->limit, &r);
	memset(&sum, 0, sizeof(sum));
	for (k = 0; k < PROVIDER_COUNT; k++) {
		memset(&ys[n], 0, sizeof(ys[n]));
		ys[n].pv = provider_at(k);
		if (o->pv != NULL ? o->pv != ys[n].pv : cli->cfg.cred[k].admin_key[0] == '\0')
			continue;
		if (sync_one(cli, &r, now, st, pr, &ys[n], err, sizeof(err)) != 0) {
			rc = o->pv != NULL ? cli_fail("sync", "%s", err) :
			    cli_fail("sync", "%s: %s", ys[n].pv->label, err);
			continue;
		}
		if (add_synced(&sum, &ys[n]) != 0)
			return cli_fail("sync", "the sums do not fit 64 bits");
		n++;
	}
	if (n == 0)
		return rc;
	if (o->json)
		return print_json(&r, ys, n, &sum) != EXIT_OK ? EXIT_RUNTIME : rc;
	for (i = 0; i < n; i++)
		print_text(&r, &ys[i]);
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
	if (o.pv != NULL && cli->cfg.cred[o.pv->id].admin_key[0] == '\0')
		return cli_fail("sync", "%s is not set: the organisation's reports need an Admin "
		    "API key", o.pv->admin_key_env);
	for (i = 0; i < PROVIDER_COUNT && cli->cfg.cred[i].admin_key[0] == '\0'; i++)
		;
	if (i == PROVIDER_COUNT)
		return cli_fail("sync", "ANTHROPIC_ADMIN_KEY is not set: the organisation's "
		    "reports need an Admin API key (sk-ant-admin…; OPENAI_ADMIN_KEY, sk-admin-…, "
		    "for OpenAI's)");
	if ((rc = cli_open(cli, &st, &pr)) != EXIT_OK)
		return rc;
	rc = run(cli, &o, st, pr);
	store_close(st);
	pricing_free(pr);
	return rc;
}
