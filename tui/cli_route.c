/* cli_route.c — `tokentop route`: which tier and model a prompt would go to,
 * which rule decided it, and what it would cost beside the baseline model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/router.h"
#include "core/text.h"
#include "tui/cli.h"

static void
route_usage(FILE *f)
{
	fprintf(f,
	    "usage: tokentop route [--json] [--rules FILE] PROMPT...|-\n"
	    "\n"
	    "Explain where a prompt would be routed: the tier (simple, medium, complex),\n"
	    "the rule that matched, the model and its default max_tokens, and the\n"
	    "estimated cost beside the cost of the same tokens on the baseline model\n"
	    "(config baseline_model, else the complex tier's model).\n"
	    "The estimate counts input as bytes/4 tokens and output as the tier's\n"
	    "max_tokens: an upper bound, since a reply may stop earlier.\n"
	    "\n"
	    "  -             read the prompt from standard input\n"
	    "  PROMPT...     the prompt; several arguments are joined with spaces\n"
	    "  --json        print {tier, rule, model, max_tokens, estimated_cost_usd,\n"
	    "                baseline_model, baseline_cost_usd, provider,\n"
	    "                baseline_provider} (costs null when unpriced)\n"
	    "  --rules FILE  use this rules file instead of router.json\n"
	    "                (default $XDG_CONFIG_HOME/tokentop/router.json, else shipped)\n"
	    "  -h, --help    this help\n");
}

/* All of stdin into a NUL-terminated heap buffer the caller frees. */
static char *
read_stdin(size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap), *nb;

	while (buf != NULL && (got = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf == NULL || ferror(stdin)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* argv[first..argc) joined with single spaces; heap, caller frees. */
static char *
join_args(int argc, char **argv, int first, size_t *len)
{
	size_t n = 0;
	char *s;
	int i;

	for (i = first; i < argc; i++)
		n += strlen(argv[i]) + 1;
	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = first; i < argc; i++) {
		if (i > first)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	*len = strlen(s);
	return s;
}

/* Cost of in/out tokens on model (of provider pv; NULL = whichever
 * provider has it: the baseline); -1 when the model is unpriced. */
static int
estimate(const struct pricing *pr, const struct provider *pv, const char *model, int64_t in,
         int64_t out, int64_t *nanos)
{
	const struct model_price *mp = pv != NULL ? pricing_find_for(pr, (int)pv->id, model) :
	    pricing_find(pr, model);
	struct usage u;
	struct price_flags f;

	*nanos = 0;
	if (mp == NULL)
		return -1;
	memset(&u, 0, sizeof(u));
	usage_strlcpy(u.model, model, sizeof(u.model));
	u.tok.input = in;
	u.tok.output = out;
	f = pricing_flags(mp, &u);
	*nanos = pricing_cost(mp, &u.tok, &f);
	return 0;
}

static json_t *
usd_or_null(int priced, int64_t nanos)
{
	return priced ? json_real(pricing_usd(nanos)) : json_null();
}

static int
print_json(const struct router_decision *d, const char *base, const char *bprov, int okc,
           int64_t cost, int okb, int64_t bcost)
{
	json_t *o = json_object();
	int rc;

	json_object_set_new(o, "tier", json_string(router_tier_name(d->tier)));
	json_object_set_new(o, "rule", json_string(d->rule));
	json_object_set_new(o, "model", json_string(d->model));
	json_object_set_new(o, "max_tokens", json_integer(d->max_tokens));
	json_object_set_new(o, "estimated_cost_usd", usd_or_null(okc, cost));
	json_object_set_new(o, "baseline_model", json_string(base));
	json_object_set_new(o, "baseline_cost_usd", usd_or_null(okb, bcost));
	json_object_set_new(o, "provider", json_string(d->provider->name));
	json_object_set_new(o, "baseline_provider", bprov != NULL ? json_string(bprov) : json_null());
	rc = cli_json(stdout, o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(o);
	return rc == 0 ? EXIT_OK : cli_fail("route", "writing JSON failed");
}

static void
print_text(const struct router *r, const struct router_decision *d, const char *base,
           int64_t in, int okc, int64_t cost, int okb, int64_t bcost)
{
	char a[48], b[48], g1[32], g2[32];

	printf("tier        %s\n", router_tier_name(d->tier));
	cli_line(stdout, "rule        %s", d->rule);     /* router.json's text: sanitised */
	cli_line(stdout, "provider    %s", d->provider->name);
	cli_line(stdout, "model       %s", d->model);
	printf("max_tokens  %s\n", cli_group(d->max_tokens, g1, sizeof(g1)));
	printf("words       %zu\n", d->words);
	printf("estimate    %s  at most: input ~%s tokens (bytes/4) + output up to %s (max_tokens)\n",
	    okc ? pricing_format_usd(cost, 6, 1, a, sizeof(a)) : "unpriced",
	    cli_group(in, g1, sizeof(g1)), cli_group(d->max_tokens, g2, sizeof(g2)));
	cli_line(stdout, "baseline    %s  %s  (same tokens)",
	    okb ? pricing_format_usd(bcost, 6, 1, b, sizeof(b)) : "unpriced", base);
	if (okc && okb)
		printf("saves       %s  (an upper bound)\n",
		    pricing_format_usd(bcost - cost, 6, 1, a, sizeof(a)));
	cli_line(stdout, "rules       %s", router_origin(r));
}

int
cli_route(struct cli *cli, int argc, char **argv)
{
	int i, json = 0, rc = EXIT_RUNTIME, okc, okb;
	const char *rules = NULL, *base;
	char err[1024], *prompt = NULL;
	size_t len = 0;
	struct router *r = NULL;
	struct pricing *pr = NULL;
	struct router_decision d;
	const struct model_price *bmp;
	int64_t in, cost, bcost;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			route_usage(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
			rules = argv[++i];
		else if (strncmp(argv[i], "--rules=", 8) == 0)
			rules = argv[i] + 8;
		else if (strcmp(argv[i], "--rules") == 0)
			return cli_usage_error("route", "--rules needs a FILE");
		else
			return cli_usage_error("route", "unknown option %s", argv[i]);
	}
	if (i >= argc)
		return cli_usage_error("route", "no prompt given (PROMPT, or - for stdin)");
	if (strcmp(argv[i], "-") == 0 && i + 1 == argc)
		prompt = read_stdin(&len);
	else
		prompt = join_args(argc, argv, i, &len);
	if (prompt == NULL)
		return cli_fail("route", "cannot read the prompt");

	r = rules != NULL ? router_load(rules, NULL, err, sizeof(err)) :
	    router_load_config(&cli->cfg, err, sizeof(err));
	if (r == NULL) {
		rc = cli_fail("route", "%s", err);
		goto out;
	}
	if (cli_open(cli, NULL, &pr) != EXIT_OK)
		goto out;
	if (router_route(r, prompt, len, &d) != 0) {
		rc = cli_fail("route", "out of memory");
		goto out;
	}
	base = router_baseline_model(r, cli->cfg.baseline_model);
	in = text_estimate_tokens(len);
	okc = estimate(pr, d.provider, d.model, in, d.max_tokens, &cost) == 0;
	okb = estimate(pr, NULL, base, in, d.max_tokens, &bcost) == 0;
	bmp = pricing_find(pr, base);
	if (json)
		rc = print_json(&d, base, bmp != NULL ? provider_at(bmp->provider)->name : NULL, okc,
		    cost, okb, bcost);
	else {
		print_text(r, &d, base, in, okc, cost, okb, bcost);
		rc = EXIT_OK;
	}
	if (!okc)
		cli_warn("route", "%s is not in the price table", d.model);
	if (!okb && strcmp(base, d.model) != 0)
		cli_warn("route", "%s is not in the price table", base);
out:
	router_free(r);
	pricing_free(pr);
	free(prompt);
	return rc;
}
