/* cli_report_org.c — `tokentop report org`: each provider's organisation
 * totals (from `tokentop sync`) beside what tokentop recorded of that
 * provider, per UTC day, and the gap. */
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
	    "usage: tokentop report org [--provider anthropic|openai] [--since YYYY-MM-DD]\n"
	    "                           [--until YYYY-MM-DD] [--json]\n"
	    "\n"
	    "The organisation's spend (the Admin API cost report, stored by `tokentop\n"
	    "sync`) beside what tokentop recorded itself, per day, and the gap: spend\n"
	    "tokentop did not see (other applications, other keys). Every provider\n"
	    "that has been synced counts (with its own ledger rows only), and each\n"
	    "one's totals follow (JSON: \"providers\"); --provider P shows P alone.\n"
	    "Days are UTC days, the cost report's buckets. `priced` is the\n"
	    "organisation's tokens at the price table, a cross-check of the cost report.\n"
	    "A day outside a last sync's range is marked (JSON: \"synced\": false): its\n"
	    "gap means nothing.\n"
	    "\n"
	    "  --provider P  one provider's organisation and ledger rows\n"
	    "  --since DATE  first UTC day (default the 1st of this month)\n"
	    "  --until DATE  last UTC day, inclusive (default: today)\n"
	    "  --json        rows with date, org_cost_usd, ledger_cost_usd, gap_usd,\n"
	    "                org_priced_usd and the organisation's token buckets;\n"
	    "                totals; models: the organisation's totals per model;\n"
	    "                providers: each provider's totals and last_sync\n"
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
parse_args(int argc, char **argv, const char **since, const char **until, int *json,
           const struct provider **pv)
{
	int i;

	*since = *until = NULL;
	*json = 0;
	*pv = NULL;
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
		else if ((strcmp(argv[i], "--provider") == 0 && i + 1 < argc) ||
		    strncmp(argv[i], "--provider=", 11) == 0) {
			const char *v = argv[i][10] == '=' ? argv[i] + 11 : argv[++i];

			if (cli_provider_arg("report", v) != EXIT_OK)
				return EXIT_USAGE;
			*pv = provider_by_name(v);
		} else if (strcmp(argv[i], "--provider") == 0)
			return cli_usage_error("report", "--provider needs a value");
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

/* One provider's side: its ledger rows, its organisation rows, its last
 * sync, its totals. */
struct side {
	const struct provider *pv;
	struct report     led;
	struct org_report org;
	int               found;
	int64_t           synced_ms, s0, s1;
	char              synced[32];      /* RFC 3339, "" = never */
	struct line       tot;
};

static int
print_json(const struct line *ls, size_t n, const struct line *tot, const char *synced,
           const struct side *sd, size_t nsd)
{
	json_t *root = json_object(), *rows = json_array(), *models = json_array(),
	    *provs = json_array(), *o;
	size_t i, k;
	int rc;

	for (i = 0; i < n; i++)
		json_array_append_new(rows, line_json(&ls[i], 1));
	for (k = 0; k < nsd; k++) {
		for (i = 0; i < sd[k].org.nmodels; i++) {
			o = model_json(&sd[k].org.models[i]);
			json_object_set_new(o, "provider", json_string(sd[k].pv->name));
			json_array_append_new(models, o);
		}
		o = line_json(&sd[k].tot, 0);
		json_object_set_new(o, "provider", json_string(sd[k].pv->name));
		json_object_set_new(o, "last_sync", sd[k].synced[0] ? json_string(sd[k].synced) :
		    json_null());
		json_array_append_new(provs, o);
	}
	json_object_set_new(root, "days", json_string("UTC"));
	json_object_set_new(root, "last_sync", synced[0] ? json_string(synced) : json_null());
	json_object_set_new(root, "rows", rows);
	json_object_set_new(root, "totals", line_json(tot, 0));
	json_object_set_new(root, "models", models);
	json_object_set_new(root, "providers", provs);
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
print_models(const struct side *sd, size_t nsd)
{
	const struct org_total *m;
	char c[2][32], t[32];
	size_t i, k, any = 0;

	for (k = 0; k < nsd; k++)
		any += sd[k].org.nmodels;
	if (any > 0)
		printf("\n%-32s  %-9s  %12s  %12s  %14s\n", "ORG MODEL", "PROVIDER", "COST", "PRICED",
		    "TOKENS");
	for (k = 0; k < nsd; k++)
		for (i = 0; i < sd[k].org.nmodels; i++) {  /* the API's model names: cli_line */
			m = &sd[k].org.models[i];
			cli_line(stdout, "%-32.32s  %-9s  %12s  %12s  %14s", m->key[0] ? m->key :
			    "(not by model)", sd[k].pv->name,
			    pricing_format_usd(m->cost_nanos, 4, 1, c[0], 32),
			    pricing_format_usd(m->priced_nanos, 4, 1, c[1], 32),
			    cli_group(usage_total(&m->tok), t, sizeof(t)));
		}
}

static void
print_table(const struct line *ls, size_t n, const struct line *tot, const char *synced,
            const struct side *sd, size_t nsd)
{
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
	for (i = 0; i < nsd; i++)
		print_line(&sd[i].tot, sd[i].pv->name);
	printf("GAP = spend tokentop did not see (cost report − ledger).\n");
	if (unsynced > 0)
		printf("%zu day%s outside the last sync's range: its gap is not the organisation's "
		    "(run `tokentop sync --since DATE`).\n", unsynced, unsynced == 1 ? " is" : "s are");
	print_models(sd, nsd);
}

/* l += an organisation total and a ledger total; -1 when a sum overflows. */
static int
line_add(struct line *l, const struct org_total *o, int64_t led_nanos,
         const struct tokens *led_tok)
{
	struct line x = *l;

	if ((o != NULL && (usage_tokens_add(&x.org.tok, &o->tok) != 0 ||
	    num_add(&x.org.cost_nanos, o->cost_nanos) ||
	    num_add(&x.org.priced_nanos, o->priced_nanos) ||
	    num_add(&x.org.unpriced_tokens, o->unpriced_tokens))) ||
	    (led_tok != NULL && (num_add(&x.ledger_nanos, led_nanos) ||
	    usage_tokens_add(&x.ledger_tok, led_tok) != 0)))
		return -1;
	*l = x;
	return 0;
}

/* Add one provider's two sides into the per-day lines and the totals. */
static int
merge(struct side *sd, struct line **ls, size_t *n, struct line *tot)
{
	struct line *l;
	size_t i;

	for (i = 0; i < sd->org.ndays; i++)
		if ((l = line_at(ls, n, sd->org.days[i].key)) == NULL ||
		    line_add(l, &sd->org.days[i], 0, NULL) != 0)
			return -1;
	for (i = 0; i < sd->led.nrows; i++)
		if ((l = line_at(ls, n, sd->led.rows[i].key)) == NULL ||
		    line_add(l, NULL, sd->led.rows[i].cost_nanos, &sd->led.rows[i].tok) != 0)
			return -1;
	if (*n > 1)
		qsort(*ls, *n, sizeof(**ls), cmp_line);
	memset(&sd->tot, 0, sizeof(sd->tot));
	if (line_add(&sd->tot, &sd->org.totals, sd->led.totals.cost_nanos,
	    &sd->led.totals.tok) != 0)
		return -1;
	return line_add(tot, &sd->org.totals, sd->led.totals.cost_nanos, &sd->led.totals.tok);
}

/* Which days lie inside every side's last sync range [s0, s1) (UTC days; TZ is UTC). */
static int
mark_synced(struct line *ls, size_t n, const struct side *sd, size_t nsd)
{
	int64_t ms;
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (cli_parse_date(ls[i].date, 0, &ms) != 0)
			return -1;
		ls[i].synced = 1;
		for (k = 0; k < nsd; k++)
			ls[i].synced &= sd[k].found && ms >= sd[k].s0 - sd[k].s0 % 86400000 &&
			    ms < sd[k].s1;
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

/* Read one provider's side over [a, b). 0, or -1 with err. */
static int
side_read(struct store *st, const struct pricing *pr, int64_t a, int64_t b, struct side *sd,
          char *err, size_t errlen)
{
	struct report_query q;
	time_t t;
	struct tm tm;

	memset(&q, 0, sizeof(q));
	q.group = REPORT_DAY;
	q.since_ms = a;
	q.until_ms = b;
	q.provider = sd->pv->name;     /* what its organisation's report covers */
	if (store_report(st, pr, &q, &sd->led, err, errlen) != 0)
		return -1;
	if (store_org_report_for(st, pr, sd->pv->name, a, b, &sd->org, err, errlen) != 0)
		return -1;
	if (sd->found) {
		t = (time_t)(sd->synced_ms / 1000);
		gmtime_r(&t, &tm);
		strftime(sd->synced, sizeof(sd->synced), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	return 0;
}

/*
 * The sides to show: --provider's, else every provider that has been
 * synced (with its ledger rows only: an unsynced provider's spend is not
 * a gap), else Anthropic's (the report says "never synced").
 */
static int
sides_pick(struct store *st, const struct provider *only, struct side *sd, size_t *nsd,
           char *err, size_t errlen)
{
	const struct provider *pv;
	int i;

	*nsd = 0;
	for (i = 0; (pv = provider_at(i)) != NULL; i++) {
		memset(&sd[*nsd], 0, sizeof(sd[*nsd]));
		sd[*nsd].pv = pv;
		if (store_org_last_sync_for(st, pv->name, &sd[*nsd].synced_ms, &sd[*nsd].s0,
		    &sd[*nsd].s1, &sd[*nsd].found, err, errlen) != 0)
			return -1;
		if (only != NULL ? pv == only : sd[*nsd].found)
			(*nsd)++;
	}
	if (*nsd == 0) {
		memset(&sd[0], 0, sizeof(sd[0]));
		sd[0].pv = &provider_anthropic;
		*nsd = 1;
	}
	return 0;
}

/* The oldest of the sides' last syncs ("" when one never synced). */
static const char *
oldest_sync(const struct side *sd, size_t nsd)
{
	size_t k, o = 0;

	for (k = 0; k < nsd; k++) {
		if (!sd[k].found)
			return "";
		if (sd[k].synced_ms < sd[o].synced_ms)
			o = k;
	}
	return sd[o].synced;
}

int
cli_report_org(struct cli *cli, int argc, char **argv)
{
	const char *since, *until;
	const struct provider *only;
	struct side sd[PROVIDER_COUNT];
	struct store *st = NULL;
	struct pricing *pr = NULL;
	struct line *ls = NULL, tot;
	int64_t a, b;
	size_t n = 0, nsd = 0, k;
	char err[512];
	int i, json, rc;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help(stdout);
			return EXIT_OK;
		}
	if ((rc = parse_args(argc, argv, &since, &until, &json, &only)) != EXIT_OK)
		return rc;
	if (cli_set_tz("UTC") != 0)
		return cli_fail("report", "cannot use UTC days");
	if ((rc = range(since, until, &a, &b)) != EXIT_OK)
		return rc;
	if ((rc = cli_open_ro(cli, &st, &pr)) != EXIT_OK)
		return rc;
	memset(&tot, 0, sizeof(tot));
	memset(sd, 0, sizeof(sd));
	if (sides_pick(st, only, sd, &nsd, err, sizeof(err)) != 0) {
		rc = cli_fail("report", "%s", err);
		goto out;
	}
	for (k = 0; k < nsd; k++)
		if (side_read(st, pr, a, b, &sd[k], err, sizeof(err)) != 0) {
			rc = cli_fail("report", "%s", err);
			goto out;
		}
	for (k = 0; k < nsd; k++)
		if (merge(&sd[k], &ls, &n, &tot) != 0) {
			rc = cli_fail("report", "out of memory, or a sum past 64 bits");
			goto out;
		}
	if (mark_synced(ls, n, sd, nsd) != 0)
		rc = cli_fail("report", "bad date in the report");
	else if (json)
		rc = print_json(ls, n, &tot, oldest_sync(sd, nsd), sd, nsd);
	else {
		print_table(ls, n, &tot, oldest_sync(sd, nsd), sd, nsd);
		rc = EXIT_OK;
	}
out:
	free(ls);
	for (k = 0; k < PROVIDER_COUNT; k++) {
		store_org_report_free(&sd[k].org);
		store_report_free(&sd[k].led);
	}
	store_close(st);
	pricing_free(pr);
	return rc;
}
