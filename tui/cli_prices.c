/* cli_prices.c — `tokentop prices`: the price table in use. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/provider.h"
#include "core/text.h"
#include "tui/cli.h"

static void
help(FILE *f)
{
	fprintf(f,
	    "usage: tokentop prices [--json]\n"
	    "\n"
	    "Print the price table in use: the shipped share/prices.json with\n"
	    "$XDG_CONFIG_HOME/tokentop/prices.json laid over it (a model there adds to\n"
	    "or replaces the shipped one). Rates are USD per million tokens.\n"
	    "\n"
	    "  --json      the table in the prices.json format (rates as exact decimal\n"
	    "              strings), a starting point for a user file\n"
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

static int
print_json(const struct pricing *p)
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
		m = json_object();
		al = json_array();
		json_object_set_new(m, "id", json_string(mp->id));
		json_object_set_new(m, "provider", json_string(provider_at(mp->provider)->name));
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

static int
print_table(const struct pricing *p)
{
	const struct model_price *mp;
	const char *const *a;
	int64_t num, den;
	char b[32], g[32];
	size_t i;

	pricing_batch_factor(p, &num, &den);
	cli_line(stdout, "Prices in USD per million tokens, from %s", pricing_origin(p));
	printf("Batch rows (and OpenAI's flex tier) pay %" PRId64 "/%" PRId64 " of every component,"
	    " cache included.\nOpenAI bills no cache writes: its write columns repeat the input"
	    " rate.\n\n", num, den);
	printf("%-20s %7s %8s %8s %8s %8s %9s %s\n", "MODEL", "INPUT", "5M WRITE", "1H WRITE",
	    "CACHE RD", "OUTPUT", "MIN CACHE", "PROVIDER");
	for (i = 0; i < pricing_count(p); i++) {
		mp = pricing_at(p, i);
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
	}
	printf("\nModels not listed are unpriced: their tokens are kept and reported as such.\n");
	return EXIT_OK;
}

int
cli_prices(struct cli *cli, int argc, char **argv)
{
	struct pricing *p = NULL;
	int i, json = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			help(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else {
			return cli_usage_error("prices", "unknown argument '%s'", argv[i]);
		}
	}
	if ((rc = cli_open(cli, NULL, &p)) != EXIT_OK)
		return rc;
	rc = json ? print_json(p) : print_table(p);
	pricing_free(p);
	return rc;
}
