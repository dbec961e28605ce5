/* cli_prices.c — `tokentop prices`: the price table in use. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/provider.h"
#include "core/text.h"
#include "tui/cli.h"

static void
help(FILE *f)
{
	fprintf(f,
	    "usage: tokentop prices [--at DATE] [--json]\n"
	    "\n"
	    "Print the price table in use: the shipped share/prices.json with\n"
	    "$XDG_CONFIG_HOME/tokentop/prices.json laid over it (a model there adds to\n"
	    "or replaces the shipped one of the same id and since date). Rates are USD\n"
	    "per million tokens; server tools are USD per thousand uses.\n"
	    "\n"
	    "  --at DATE   the table in force on DATE (YYYY-MM-DD, a UTC day, or an\n"
	    "              RFC 3339 time); default: now\n"
	    "  --json      the table in the prices.json format (rates as exact decimal\n"
	    "              strings), a starting point for a user file; without --at,\n"
	    "              every dated entry\n"
	    "  -h, --help  this help\n"
	    "\n"
	    "Exit status: 0 success, 1 the table could not be loaded, 2 usage error.\n");
}

/* An integer scaled by 10^scale as the shortest decimal with at least
 * mindec decimals: (3750000, 6, 2) → "3.75", (6000, 3, 0) → "6". */
static char *
decimal(int64_t v, int scale, int mindec, char *buf, size_t n)
{
	int64_t div = 1, frac;
	char fr[16];
	int i, keep;

	for (i = 0; i < scale; i++)
		div *= 10;
	frac = v % div;
	snprintf(fr, sizeof(fr), "%0*" PRId64, scale, frac);
	for (keep = scale; keep > mindec && fr[keep - 1] == '0'; keep--)
		;
	fr[keep] = '\0';
	snprintf(buf, n, "%" PRId64 "%s%s", v / div, keep > 0 ? "." : "", fr);
	return buf;
}

/* "since 2026-03-01" of a since_ms as the date alone. */
static const char *
since_date(int64_t ms, char *buf, size_t n)
{
	char t[32];

	pricing_since_text(ms, t, sizeof(t));
	snprintf(buf, n, "%s", strncmp(t, "since ", 6) == 0 ? t + 6 : t);
	return buf;
}

static const char *
until_date(int64_t ms, char *buf, size_t n)
{
	char d[32];

	snprintf(buf, n, "until %s", since_date(ms, d, sizeof(d)));
	return buf;
}

static json_t *
rates_json(json_t *o, const struct rates *r)
{
	char b[32];

	json_object_set_new(o, "input", json_string(decimal(r->input, 6, 0, b, sizeof(b))));
	json_object_set_new(o, "write_5m", json_string(decimal(r->write_5m, 6, 0, b, sizeof(b))));
	json_object_set_new(o, "write_1h", json_string(decimal(r->write_1h, 6, 0, b, sizeof(b))));
	json_object_set_new(o, "cache_read",
	    json_string(decimal(r->cache_read, 6, 0, b, sizeof(b))));
	json_object_set_new(o, "output", json_string(decimal(r->output, 6, 0, b, sizeof(b))));
	return o;
}

/* The server tools (in force at at_ms, or all when all) into root. */
static void
tools_json(json_t *root, const struct pricing *p, int all, int64_t at_ms)
{
	json_t *tools = json_array(), *t;
	int64_t rate, since, until;
	const char *id;
	char b[40];
	size_t i;

	for (i = 0; pricing_tool_at(p, i, &id, &rate, &since, &until) == 0; i++) {
		if (!all && !pricing_tool_in_force(p, i, at_ms))
			continue;
		t = json_object();
		json_object_set_new(t, "id", json_string(id));
		json_object_set_new(t, "usd_per_1000", json_string(decimal(rate, 9, 0, b, sizeof(b))));
		if (since != PRICING_ALWAYS)
			json_object_set_new(t, "since", json_string(since_date(since, b, sizeof(b))));
		json_array_append_new(tools, t);
	}
	json_object_set_new(root, "server_tools", tools);
}

static int
print_json(const struct pricing *p, int all, int64_t at_ms)
{
	json_t *root = json_object(), *models = json_array(), *m, *al;
	const struct model_price *mp;
	const char *const *a;
	int64_t num, den;
	char b[32];
	int rc;
	size_t i;

	pricing_batch_factor(p, &num, &den);
	json_object_set_new(root, "_origin", json_string(pricing_origin(p)));
	json_object_set_new(root, "batch_factor", json_pack("{s:I,s:I}", "num", (json_int_t)num,
	    "den", (json_int_t)den));
	for (i = 0; i < pricing_count(p); i++) {
		mp = pricing_at(p, i);
		if (!all && !pricing_in_force(p, mp, at_ms))
			continue;
		m = json_object();
		al = json_array();
		json_object_set_new(m, "id", json_string(mp->id));
		json_object_set_new(m, "provider", json_string(provider_at(mp->provider)->name));
		if (mp->since_ms != PRICING_ALWAYS)
			json_object_set_new(m, "since", json_string(since_date(mp->since_ms, b,
			    sizeof(b))));
		for (a = pricing_aliases(p, i); *a != NULL; a++)
			json_array_append_new(al, json_string(*a));
		json_object_set_new(m, "aliases", al);
		rates_json(m, &mp->base);
		if (mp->has_long) {
			json_t *l = rates_json(json_object(), &mp->lng);

			json_object_set_new(l, "threshold", json_integer(mp->long_threshold));
			json_object_set_new(m, "long", l);
		}
		json_object_set_new(m, "min_cache_tokens", json_integer(mp->min_cache_tokens));
		if (mp->fast_permille > 0)
			json_object_set_new(m, "fast",
			    json_string(decimal(mp->fast_permille, 3, 0, b, sizeof(b))));
		if (mp->us_geo_permille > 0 && mp->us_geo_permille != 1000)
			json_object_set_new(m, "us_geo",
			    json_string(decimal(mp->us_geo_permille, 3, 0, b, sizeof(b))));
		if (mp->priority_permille > 0 && mp->priority_permille != 1000)
			json_object_set_new(m, "priority",
			    json_string(decimal(mp->priority_permille, 3, 0, b, sizeof(b))));
		json_array_append_new(models, m);
	}
	json_object_set_new(root, "models", models);
	tools_json(root, p, all, at_ms);
	rc = cli_json(stdout, root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return rc == 0 ? EXIT_OK : cli_fail("prices", "writing JSON failed");
}

static void
rates_row(const char *label, const struct rates *r)
{
	char b[5][32], id[96];

	/* the price files' model ids: sanitised */
	printf("%-20s %7s %8s %8s %8s %8s", text_sanitize(label, id, sizeof(id), 0),
	    decimal(r->input, 6, 2, b[0], 32),
	    decimal(r->write_5m, 6, 2, b[1], 32), decimal(r->write_1h, 6, 2, b[2], 32),
	    decimal(r->cache_read, 6, 2, b[3], 32), decimal(r->output, 6, 2, b[4], 32));
}

/* The server tools in force at at_ms, one line each. */
static void
tools_table(const struct pricing *p, int64_t at_ms)
{
	int64_t rate, since, until;
	const char *id;
	char b[40];
	size_t i;

	for (i = 0; pricing_tool_at(p, i, &id, &rate, &since, &until) == 0; i++) {
		if (!pricing_tool_in_force(p, i, at_ms))
			continue;
		printf("Server tool %s: $%s per 1,000 uses", id, decimal(rate, 9, 2, b, sizeof(b)));
		if (since != PRICING_ALWAYS)
			printf(" (%s)", since_date(since, b, sizeof(b)));
		putchar('\n');
	}
}

static int
print_table(const struct pricing *p, int64_t at_ms, const char *at_text)
{
	const struct model_price *mp;
	const char *const *a;
	int64_t num, den;
	char b[32], g[32];
	size_t i;

	pricing_batch_factor(p, &num, &den);
	cli_line(stdout, "Prices in USD per million tokens, from %s", pricing_origin(p));
	if (at_text != NULL)
		cli_line(stdout, "In force on %s.", at_text);
	printf("Batch rows (and OpenAI's flex tier) pay %" PRId64 "/%" PRId64 " of every component,"
	    " cache included.\nOpenAI bills no cache writes: its write columns repeat the input"
	    " rate.\n", num, den);
	tools_table(p, at_ms);
	putchar('\n');
	printf("%-20s %7s %8s %8s %8s %8s %9s %s\n", "MODEL", "INPUT", "5M WRITE", "1H WRITE",
	    "CACHE RD", "OUTPUT", "MIN CACHE", "PROVIDER");
	for (i = 0; i < pricing_count(p); i++) {
		mp = pricing_at(p, i);
		if (!pricing_in_force(p, mp, at_ms))
			continue;
		rates_row(mp->id, &mp->base);
		printf(" %9s %s\n", cli_group(mp->min_cache_tokens, g, sizeof(g)),
		    provider_at(mp->provider)->name);
		a = pricing_aliases(p, i);
		if (*a != NULL) {
			printf("  also:");
			for (; *a != NULL; a++) {
				putchar(' ');
				cli_put(stdout, *a);
			}
			putchar('\n');
		}
		if (mp->has_long) {
			printf("  above %s input tokens, every token:\n",
			    cli_group(mp->long_threshold, g, sizeof(g)));
			rates_row("", &mp->lng);
			putchar('\n');
		}
		if (mp->fast_permille > 0)
			printf("  fast mode: x%s", decimal(mp->fast_permille, 3, 0, b, sizeof(b)));
		if (mp->us_geo_permille > 0 && mp->us_geo_permille != 1000)
			printf("%s US-only inference: x%s", mp->fast_permille > 0 ? "," : " ",
			    decimal(mp->us_geo_permille, 3, 0, b, sizeof(b)));
		if (mp->priority_permille > 0 && mp->priority_permille != 1000)
			printf("%s priority tier: x%s", mp->fast_permille > 0 ||
			    (mp->us_geo_permille > 0 && mp->us_geo_permille != 1000) ? "," : " ",
			    decimal(mp->priority_permille, 3, 0, b, sizeof(b)));
		if (mp->fast_permille > 0 || (mp->us_geo_permille > 0 && mp->us_geo_permille != 1000) ||
		    (mp->priority_permille > 0 && mp->priority_permille != 1000))
			putchar('\n');
		if (mp->since_ms != PRICING_ALWAYS || mp->until_ms != PRICING_FOREVER)
			printf("  %s%s%s\n", mp->since_ms != PRICING_ALWAYS ?
			    since_date(mp->since_ms, b, sizeof(b)) : "",
			    mp->since_ms != PRICING_ALWAYS && mp->until_ms != PRICING_FOREVER ? ", " : "",
			    mp->until_ms != PRICING_FOREVER ? until_date(mp->until_ms, g, sizeof(g)) : "");
	}
	printf("\nModels not listed are unpriced: their tokens are kept and reported as such.\n");
	return EXIT_OK;
}

int
cli_prices(struct cli *cli, int argc, char **argv)
{
	struct pricing *p = NULL;
	const char *at = NULL;
	int64_t at_ms = (int64_t)time(NULL) * 1000;
	int i, json = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			help(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--at") == 0 || strncmp(argv[i], "--at=", 5) == 0) {
			at = argv[i][4] == '=' ? argv[i] + 5 : i + 1 < argc ? argv[++i] : NULL;
			if (at == NULL)
				return cli_usage_error("prices", "--at needs a date (YYYY-MM-DD)");
			if (pricing_parse_date(at, &at_ms) != 0 && usage_parse_time(at, &at_ms) != 0)
				return cli_usage_error("prices", "--at: not a date YYYY-MM-DD or an"
				    " RFC 3339 time: '%s'", at);
		} else {
			return cli_usage_error("prices", "unknown argument '%s'", argv[i]);
		}
	}
	if ((rc = cli_open(cli, NULL, &p)) != EXIT_OK)
		return rc;
	rc = json ? print_json(p, at == NULL, at_ms) : print_table(p, at_ms, at);
	pricing_free(p);
	return rc;
}
