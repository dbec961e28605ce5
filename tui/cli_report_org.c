/* cli_report_org.c — `tokentop report org`: the organisation's own totals (from
 * `tokentop sync`) beside what tokentop recorded, per UTC day, and the gap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/num.h"
#include "tui/cli.h"

static void
help(FILE *f)
{
	fprintf(f,
	    "usage: tokentop report org [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--json]\n"
	    "\n"
	    "The organisation's spend (the Admin API cost report, stored by `tokentop\n"
	    "sync`) beside what tokentop recorded itself, per day, and the gap: spend\n"
	    "tokentop did not see (other applications, other keys). Days are UTC days,\n"
	    "the cost report's buckets. `priced` is the organisation's tokens at the\n"
	    "price table, a cross-check of the cost report. A day outside the last\n"
	    "sync's range is marked (JSON: \"synced\": false): its gap means nothing.\n"
	    "\n"
	    "  --since DATE  first UTC day (default the 1st of this month)\n"
	    "  --until DATE  last UTC day, inclusive (default: today)\n"
	    "  --json        rows with date, org_cost_usd, ledger_cost_usd, gap_usd,\n"
	    "                org_priced_usd and the organisation's token buckets;\n"
	    "                totals; models: the organisation's totals per model\n"
	    "  -h, --help    this help\n"
	    "\n"
	    "Exit status: 0 success, 1 store failure, 2 usage error.\n");
}

/* One output row: a UTC day, or the totals. */
struct line {
	char            date[16];
	struct org_total org;
	int64_t         ledger_nanos;
	struct tokens   ledger_tok;
	int             synced;         /* inside the last sync's range */
};

static int
parse_args(int argc, char **argv, const char **since, const char **until, int *json)
{
	int i;

	*since = *until = NULL;
	*json = 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			*json = 1;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
			*since = argv[++i];
		else if (strcmp(argv[i], "--until") == 0 && i + 1 < argc)
			*until = argv[++i];
		else if (strncmp(argv[i], "--since=", 8) == 0)
			*since = argv[i] + 8;
		else if (strncmp(argv[i], "--until=", 8) == 0)
			*until = argv[i] + 8;
		else if (strcmp(argv[i], "--since") == 0 || strcmp(argv[i], "--until") == 0)
			return cli_usage_error("report", "%s needs a value", argv[i]);
		else if ((strcmp(argv[i], "--provider") == 0 && i + 1 < argc &&
		    strcmp(argv[++i], "anthropic") == 0) ||
		    strcmp(argv[i], "--provider=anthropic") == 0)
			continue;   /* the organisation's numbers are Anthropic's */
		else if (strncmp(argv[i - 1], "--provider", 10) == 0 ||
		    strncmp(argv[i], "--provider", 10) == 0)
			return cli_usage_error("report", "org: the organisation's numbers come from"
			    " Anthropic's Admin API: --provider anthropic only");
		else
			return cli_usage_error("report", "org: unexpected argument '%s'", argv[i]);
	}
	return EXIT_OK;
}

/* The row of date in lines (appended, zeroed, when new); NULL on out of memory. */
static struct line *
line_at(struct line **ls, size_t *n, const char *date)
{
	struct line *nl;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*ls)[i].date, date) == 0)
			return &(*ls)[i];
	if ((nl = realloc(*ls, (*n + 1) * sizeof(*nl))) == NULL)
		return NULL;
	*ls = nl;
	memset(&nl[*n], 0, sizeof(nl[*n]));
	snprintf(nl[*n].date, sizeof(nl[*n].date), "%s", date);
	return &nl[(*n)++];
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->date, ((const struct line *)b)->date);
}

static json_t *
line_json(const struct line *l, int with_date)
{
	json_t *o = json_object();

	if (with_date) {
		json_object_set_new(o, "date", json_string(l->date));
		json_object_set_new(o, "synced", json_boolean(l->synced));
	}
	json_object_set_new(o, "org_cost_usd", json_real(pricing_usd(l->org.cost_nanos)));
	json_object_set_new(o, "ledger_cost_usd", json_real(pricing_usd(l->ledger_nanos)));
	json_object_set_new(o, "gap_usd",
	    json_real(pricing_usd(num_sat_sub(l->org.cost_nanos, l->ledger_nanos))));
	json_object_set_new(o, "org_priced_usd", json_real(pricing_usd(l->org.priced_nanos)));
	json_object_set_new(o, "org_cost_nanos", json_integer(l->org.cost_nanos));
	json_object_set_new(o, "ledger_cost_nanos", json_integer(l->ledger_nanos));
	json_object_set_new(o, "gap_nanos", json_integer(num_sat_sub(l->org.cost_nanos,
	    l->ledger_nanos)));
	json_object_set_new(o, "org_input_tokens", json_integer(l->org.tok.input));
	json_object_set_new(o, "org_cache_write_5m_tokens", json_integer(l->org.tok.write_5m));
	json_object_set_new(o, "org_cache_write_1h_tokens", json_integer(l->org.tok.write_1h));
	json_object_set_new(o, "org_cache_read_tokens", json_integer(l->org.tok.cache_read));
	json_object_set_new(o, "org_output_tokens", json_integer(l->org.tok.output));
	json_object_set_new(o, "ledger_tokens", json_integer(usage_total(&l->ledger_tok)));
	json_object_set_new(o, "org_unpriced_tokens", json_integer(l->org.unpriced_tokens));
	return o;
}

/* The organisation's totals of one model (no ledger side: the ledger's
 * model ids are per call, the report's per bucket). */
static json_t *
model_json(const struct org_total *t)
{
	return json_pack("{s:s, s:f, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "model", t->key, "org_cost_usd", pricing_usd(t->cost_nanos), "org_cost_nanos",
	    (json_int_t)t->cost_nanos, "org_priced_usd", pricing_usd(t->priced_nanos),
	    "org_priced_nanos", (json_int_t)t->priced_nanos,
	    "org_input_tokens", (json_int_t)t->tok.input,
	    "org_cache_write_5m_tokens", (json_int_t)t->tok.write_5m,
	    "org_cache_write_1h_tokens", (json_int_t)t->tok.write_1h,
	    "org_cache_read_tokens", (json_int_t)t->tok.cache_read,
	    "org_output_tokens", (json_int_t)t->tok.output,
	    "org_unpriced_tokens", (json_int_t)t->unpriced_tokens);
}

static int
print_json(const struct line *ls, size_t n, const struct line *tot, const char *synced,
           const struct org_report *org)
{
	json_t *root = json_object(), *rows = json_array(), *models = json_array();
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		json_array_append_new(rows, line_json(&ls[i], 1));
	for (i = 0; i < org->nmodels; i++)
		json_array_append_new(models, model_json(&org->models[i]));
	json_object_set_new(root, "days", json_string("UTC"));
	json_object_set_new(root, "last_sync", synced[0] ? json_string(synced) : json_null());
	json_object_set_new(root, "rows", rows);
	json_object_set_new(root, "totals", line_json(tot, 0));
	json_object_set_new(root, "models", models);
	rc = cli_json(stdout, root, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (rc != 0)
		return cli_fail("report", "writing JSON failed");
	return EXIT_OK;
}

static void
print_line(const struct line *l, const char *label)
{
	char c[4][32], t[32];

	printf("%-10s  %12s  %12s  %12s  %12s  %14s\n", label,
	    pricing_format_usd(l->org.cost_nanos, 4, 1, c[0], 32),
	    pricing_format_usd(l->org.priced_nanos, 4, 1, c[1], 32),
	    pricing_format_usd(l->ledger_nanos, 4, 1, c[2], 32),
	    pricing_format_usd(num_sat_sub(l->org.cost_nanos, l->ledger_nanos), 4, 1, c[3], 32),
	    cli_group(usage_total(&l->org.tok), t, sizeof(t)));
}

static void
print_table(const struct line *ls, size_t n, const struct line *tot, const char *synced,
            const struct org_report *org)
{
	char c[2][32], t[32];
	size_t i, unsynced = 0;

	cli_line(stdout, "organisation vs tokentop, UTC days (last sync: %s)",
	    synced[0] ? synced : "never — run `tokentop sync`");
	printf("%-10s  %12s  %12s  %12s  %12s  %14s\n", "DATE", "ORG COST", "ORG PRICED",
	    "TOKENTOP", "GAP", "ORG TOKENS");
	for (i = 0; i < n; i++) {
		print_line(&ls[i], ls[i].date);
		unsynced += !ls[i].synced;
	}
	print_line(tot, "total");
	printf("GAP = spend tokentop did not see (cost report − ledger).\n");
	if (unsynced > 0)
		printf("%zu day%s outside the last sync's range: its gap is not the organisation's "
		    "(run `tokentop sync --since DATE`).\n", unsynced, unsynced == 1 ? " is" : "s are");
	if (org->nmodels > 0)
		printf("\n%-32s  %12s  %12s  %14s\n", "ORG MODEL", "COST", "PRICED", "TOKENS");
	for (i = 0; i < org->nmodels; i++)     /* the API's model names: cli_line */
		cli_line(stdout, "%-32.32s  %12s  %12s  %14s", org->models[i].key[0] ?
		    org->models[i].key : "(not by model)",
		    pricing_format_usd(org->models[i].cost_nanos, 4, 1, c[0], 32),
		    pricing_format_usd(org->models[i].priced_nanos, 4, 1, c[1], 32),
		    cli_group(usage_total(&org->models[i].tok), t, sizeof(t)));
}

/* Merge the two sides into per-day lines. */
static int
merge(const struct org_report *org, const struct report *led, struct line **ls, size_t *n,
      struct line *tot)
{
	struct line *l;
	size_t i;

	for (i = 0; i < org->ndays; i++) {
		if ((l = line_at(ls, n, org->days[i].key)) == NULL)
			return -1;
		l->org = org->days[i];
	}
	for (i = 0; i < led->nrows; i++) {
		if ((l = line_at(ls, n, led->rows[i].key)) == NULL)
			return -1;
		l->ledger_nanos = led->rows[i].cost_nanos;
		l->ledger_tok = led->rows[i].tok;
	}
	if (*n > 1)
		qsort(*ls, *n, sizeof(**ls), cmp_line);
	memset(tot, 0, sizeof(*tot));
	tot->org = org->totals;
	tot->ledger_nanos = led->totals.cost_nanos;
	tot->ledger_tok = led->totals.tok;
	return 0;
}

/* Which days lie inside the last sync's range [s0, s1) (UTC days; TZ is UTC). */
static int
mark_synced(struct line *ls, size_t n, int found, int64_t s0, int64_t s1)
{
	int64_t ms;
	size_t i;

	for (i = 0; i < n; i++) {
		if (cli_parse_date(ls[i].date, 0, &ms) != 0)
			return -1;
		ls[i].synced = found && ms >= s0 - s0 % 86400000 && ms < s1;
	}
	return 0;
}

static int
range(const char *since, const char *until, int64_t *a, int64_t *b)
{
	time_t t = time(NULL);
	struct tm tm;
	char first[16];

	gmtime_r(&t, &tm);
	strftime(first, sizeof(first), "%Y-%m-01", &tm);
	if (cli_parse_date(since ? since : first, 0, a) != 0)
		return cli_usage_error("report", "--since: not a date (YYYY-MM-DD): '%s'", since);
	*b = 0;
	if (until != NULL && cli_parse_date(until, 1, b) != 0)
		return cli_usage_error("report", "--until: not a date (YYYY-MM-DD): '%s'", until);
	if (*b != 0 && *b <= *a)
		return cli_usage_error("report", "--until is before --since");
	return EXIT_OK;
}

int
cli_report_org(struct cli *cli, int argc, char **argv)
{
	const char *since, *until;
	struct report_query q;
	struct report led;
	struct org_report org;
	struct store *st = NULL;
	struct pricing *pr = NULL;
	struct line *ls = NULL, tot;
	int64_t a, b, synced_ms, s0, s1;
	size_t n = 0;
	char err[512], synced[32] = "";
	int i, json, rc, found;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help(stdout);
			return EXIT_OK;
		}
	if ((rc = parse_args(argc, argv, &since, &until, &json)) != EXIT_OK)
		return rc;
	if (cli_set_tz("UTC") != 0)
		return cli_fail("report", "cannot use UTC days");
	if ((rc = range(since, until, &a, &b)) != EXIT_OK)
		return rc;
	if ((rc = cli_open_ro(cli, &st, &pr)) != EXIT_OK)
		return rc;
	memset(&q, 0, sizeof(q));
	q.group = REPORT_DAY;
	q.since_ms = a;
	q.until_ms = b;
	q.provider = "anthropic";     /* what the organisation's report covers */
	if (store_report(st, pr, &q, &led, err, sizeof(err)) != 0) {
		rc = cli_fail("report", "%s", err);
		goto out;
	}
	if (store_org_report(st, pr, a, b, &org, err, sizeof(err)) != 0 ||
	    store_org_last_sync(st, &synced_ms, &s0, &s1, &found, err, sizeof(err)) != 0) {
		store_report_free(&led);
		rc = cli_fail("report", "%s", err);
		goto out;
	}
	if (found) {
		time_t t = (time_t)(synced_ms / 1000);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(synced, sizeof(synced), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	if (merge(&org, &led, &ls, &n, &tot) != 0)
		rc = cli_fail("report", "out of memory");
	else if (mark_synced(ls, n, found, s0, s1) != 0)
		rc = cli_fail("report", "bad date in the report");
	else if (json)
		rc = print_json(ls, n, &tot, synced, &org);
	else {
		print_table(ls, n, &tot, synced, &org);
		rc = EXIT_OK;
	}
	free(ls);
	store_org_report_free(&org);
	store_report_free(&led);
out:
	store_close(st);
	pricing_free(pr);
	return rc;
}
