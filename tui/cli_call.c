/* cli_call.c — `tokentop call`: one call with prompt caching to either
 * provider (Messages or Responses, through the provider's call ops); the
 * answer on stdout, one usage line on stderr, the row in the ledger first. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/api.h"
#include "core/budget.h"
#include "core/call.h"
#include "core/router.h"
#include "core/text.h"
#include "data/spool.h"
#include "tui/alerter.h"
#include "tui/cli.h"
#include "tui/headroom.h"

#define MAX_FILES 16

struct call_opts {
	const struct provider *pv;    /* --provider, the model's, or the route's */
	int         provider_explicit;
	const char *model;
	int         model_explicit;
	const char *system[MAX_FILES];
	int         nsystem;
	const char *doc[MAX_FILES];
	int         ndoc;
	const char *cache;            /* off, 5m, 1h */
	int         cache_explicit;
	long        max_tokens;
	int         max_tokens_explicit;
	long        doc_budget;       /* --doc-budget, -1 = none */
	int         route;            /* --route auto */
	int         force;            /* --force: past a budget */
	const char *tag;
	int         stream;
	int         json;
	const char *prompt;           /* text, or "-" for stdin */
	char       *doctext[MAX_FILES]; /* the --doc texts as sent (compressed or not) */
	size_t      doclen[MAX_FILES];
	char        tier[16];         /* routing tier, "" = not routed */
	char        routed_model[ROUTER_MODEL_MAX];
	int64_t     compressed;       /* tokens removed by --doc-budget */
};

static void
call_help(void)
{
	printf("usage: tokentop call [--provider anthropic|openai] [--model M | --route auto]\n"
	       "                     [--system FILE]... [--doc FILE]... [--doc-budget N]\n"
	       "                     [--cache off|5m|1h]\n"
	       "                     [--max-tokens N] [--tag T] [--force] [--stream] [--json]\n"
	       "                     [PROMPT | -]\n"
	       "\n"
	       "Sends one call: Anthropic's Messages API, or with --provider openai (or\n"
	       "an OpenAI --model) the Responses API. --system and --doc files come\n"
	       "first, in that order, so they form a prefix the cache can serve:\n"
	       "Anthropic: system text blocks, with caching on (default 5m) the last\n"
	       "one carrying cache_control; OpenAI (automatic caching from 1,024\n"
	       "tokens): instructions, then the documents before the prompt, with a\n"
	       "prompt_cache_key that is a hash of that prefix (--cache off: no key).\n"
	       "PROMPT \"-\" reads the prompt from stdin.\n"
	       "\n"
	       "--route auto lets the router (router.json) pick the model and max_tokens\n"
	       "from the prompt (--max-tokens still overrides); the decision is printed\n"
	       "on stderr and the tier stored with the call. --doc-budget N compresses\n"
	       "the --doc files to at most N tokens (duplicates dropped, the chunks most\n"
	       "relevant to the prompt kept, in order); the tokens removed are recorded.\n"
	       "Budgets (config \"budget\"): the call is refused, and nothing sent, when a\n"
	       "daily or monthly budget is exceeded or the call's most expensive outcome\n"
	       "(input estimate + max_tokens of output) would pass what is left;\n"
	       "--force sends it anyway.\n"
	       "\n"
	       "Prints the answer on stdout and one usage line on stderr:\n"
	       "  in 21 · cache write 188,086 (5m) · cache read 0 · out 393 · $0.7113 · hit 0%%\n"
	       "With --json, one object: answer, usage, cost_usd, request_id, model,\n"
	       "stop_reason, provider. The call is recorded in the ledger (source \"call\")\n"
	       "before anything is printed; when the ledger takes no writes (a server that\n"
	       "is away), in the spool ($XDG_STATE_HOME/tokentop/spool.db), which the next\n"
	       "command to open the ledger puts in.\n"
	       "\n"
	       "Keys: ANTHROPIC_API_KEY / OPENAI_API_KEY; base URLs: ANTHROPIC_BASE_URL /\n"
	       "OPENAI_BASE_URL (with or without its /v1).\n");
}

/* 0, EXIT_USAGE (message printed), or -1 for --help. */
static int
parse_args(int argc, char **argv, struct call_opts *o)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "provider", required_argument, NULL, 'p' },
		{ "system", required_argument, NULL, 's' },
		{ "doc", required_argument, NULL, 'd' },
		{ "cache", required_argument, NULL, 'c' },
		{ "max-tokens", required_argument, NULL, 'n' },
		{ "route", required_argument, NULL, 'r' },
		{ "doc-budget", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "tag", required_argument, NULL, 't' },
		{ "stream", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm': o->model = optarg; o->model_explicit = 1; break;
		case 'p':
			if (cli_provider_arg("call", optarg) != EXIT_OK)
				return EXIT_USAGE;
			o->pv = provider_by_name(optarg);
			o->provider_explicit = 1;
			break;
		case 'r':
			if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "off") != 0)
				return cli_usage_error("call", "--route: expected auto or off, not '%s'",
				                       optarg);
			o->route = strcmp(optarg, "auto") == 0;
			break;
		case 'b':
			errno = 0;
			o->doc_budget = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || o->doc_budget < 0 ||
			    o->doc_budget > 100000000)
				return cli_usage_error("call", "--doc-budget: expected a token count, "
				                       "not '%s'", optarg);
			break;
		case 'f': o->force = 1; break;
		case 's':
			if (o->nsystem + o->ndoc >= MAX_FILES)
				return cli_usage_error("call", "at most %d --system/--doc files", MAX_FILES);
			o->system[o->nsystem++] = optarg;
			break;
		case 'd':
			if (o->nsystem + o->ndoc >= MAX_FILES)
				return cli_usage_error("call", "at most %d --system/--doc files", MAX_FILES);
			o->doc[o->ndoc++] = optarg;
			break;
		case 'c':
			if (strcmp(optarg, "off") != 0 && strcmp(optarg, "5m") != 0 &&
			    strcmp(optarg, "1h") != 0)
				return cli_usage_error("call", "--cache: expected off, 5m or 1h, not '%s'",
				                       optarg);
			o->cache = optarg;
			o->cache_explicit = 1;
			break;
		case 'n':
			errno = 0;
			o->max_tokens = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || o->max_tokens < 0 ||
			    o->max_tokens > 1000000)
				return cli_usage_error("call", "--max-tokens: expected 0..1000000, not '%s'",
				                       optarg);
			o->max_tokens_explicit = 1;
			break;
		case 't': o->tag = optarg; break;
		case 'S': o->stream = 1; break;
		case 'j': o->json = 1; break;
		case 'h': return -1;
		default:
			return cli_usage_error("call", "unknown option or missing value: %s",
			                       argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("call", optind >= argc ? "a PROMPT (or - for stdin) is needed"
		                                              : "one PROMPT only (quote it)");
	o->prompt = argv[optind];
	if (o->route && o->model_explicit)
		return cli_usage_error("call", "--model and --route auto: give one");
	if (o->route && o->provider_explicit)
		return cli_usage_error("call", "--provider and --route auto: give one (the route "
		    "names the provider)");
	if (o->doc_budget >= 0 && o->ndoc == 0)
		return cli_usage_error("call", "--doc-budget needs --doc files");
	return 0;
}

/* Whole file (or stdin for "-") into *out (caller frees). 0, or -1 + err. */
static int
slurp(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	do {
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 65536 * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", strcmp(path, "-") ? path : "stdin", strerror(errno));
		goto fail;
	}
	buf[n] = '\0';
	if (f != stdin)
		fclose(f);
	*out = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	if (f != stdin)
		fclose(f);
	return -1;
}

/*
 * The --doc texts into o->doctext: as read, or with --doc-budget compressed
 * for the prompt (cli_compress_docs: a document with nothing kept is left
 * out of the request).
 */
static int
load_docs(struct call_opts *o, const char *prompt, char *err, size_t errlen)
{
	int i;

	if (o->doc_budget >= 0)
		return cli_compress_docs("call", o->doc, (size_t)o->ndoc, prompt, o->doc_budget,
		    o->doctext, o->doclen, &o->compressed, err, errlen);
	for (i = 0; i < o->ndoc; i++)
		if (slurp(o->doc[i], &o->doctext[i], &o->doclen[i], err, errlen) != 0)
			return -1;
	return 0;
}

/*
 * The call's parts: the --system files (read here; *sys holds them, the
 * caller frees each) and the --doc texts as loaded, in that order (a
 * document compression kept nothing of is left out).
 */
static int
call_parts(const struct call_opts *o, char **sys, struct call_part *parts, size_t *n,
           char *err, size_t errlen)
{
	size_t len;
	int i;

	*n = 0;
	for (i = 0; i < o->nsystem; i++) {
		if (slurp(o->system[i], &sys[i], &len, err, errlen) != 0)
			return -1;
		parts[(*n)++] = (struct call_part){ o->system[i], sys[i], len, 0 };
	}
	for (i = 0; i < o->ndoc; i++)
		if (o->doctext[i] != NULL)
			parts[(*n)++] = (struct call_part){ o->doc[i], o->doctext[i], o->doclen[i], 1 };
	return 0;
}

/* The request body through the provider's call ops; *prefix_bytes = the
 * bytes of the prefix. */
static json_t *
build_body(const struct call_opts *o, const char *prompt, size_t *prefix_bytes,
           char *err, size_t errlen)
{
	struct call_part parts[MAX_FILES];
	char *sys[MAX_FILES] = { NULL };
	struct call_spec c;
	json_t *body = NULL;
	int i;

	memset(&c, 0, sizeof(c));
	c.model = o->model;
	c.parts = parts;
	c.prompt = prompt;
	c.max_tokens = o->max_tokens;
	c.cache = o->cache;
	if (call_parts(o, sys, parts, &c.nparts, err, errlen) == 0)
		body = o->pv->call->body(&c, prefix_bytes, err, errlen);
	for (i = 0; i < o->nsystem; i++)
		free(sys[i]);
	return body;
}

/*
 * Say on stderr when the cached prefix is below the model's minimum (it
 * would silently not be cached). The estimate is bytes/4; near the
 * threshold count_tokens refines it (the prefix = the system blocks with a
 * one-character message, less that message's few tokens).
 */
static void
check_prefix(struct http_multi *m, const struct call_opts *o, const struct model_price *mp,
             const json_t *body, size_t prefix_bytes)
{
	int64_t est = (int64_t)(prefix_bytes + 3) / 4, counted;
	struct http_error e;
	char a[32], b[32];
	const char *how = "~", *model = o->model;

	if (mp == NULL || mp->min_cache_tokens <= 0 || prefix_bytes == 0)
		return;
	if (est < 2 * mp->min_cache_tokens && est > mp->min_cache_tokens / 2 &&
	    o->pv->call->prefix_tokens != NULL &&
	    o->pv->call->prefix_tokens(m, body, &counted, &e) == 0) {
		est = counted;
		how = "";
	}
	if (est >= mp->min_cache_tokens)
		return;
	cli_warn("call", "note: the cached prefix is %s%s tokens, below the %s-token "
	        "minimum of %s: the API will not cache it", how, cli_group(est, a, sizeof(a)),
	        cli_group(mp->min_cache_tokens, b, sizeof(b)), model);
}

/* "12.5%" / "0%" from per-mille. */
static char *
fmt_hit(int64_t permille, char *buf, size_t n)
{
	if (permille % 10 == 0)
		snprintf(buf, n, "%lld%%", (long long)(permille / 10));
	else
		snprintf(buf, n, "%lld.%lld%%", (long long)(permille / 10), (long long)(permille % 10));
	return buf;
}

/* The one usage line: in · cache write (ttl) · cache read · out · $ · hit. */
static void
usage_line(const struct usage *u, int priced, int64_t nanos, char *buf, size_t n)
{
	const struct tokens *t = &u->tok;
	char in[32], w[32], r[32], o[32], usd[48], hit[16];
	const char *ttl = t->write_1h == 0 ? " (5m)" : t->write_5m == 0 ? " (1h)" : " (5m+1h)";

	if (priced)
		pricing_format_money(nanos, nanos < NANOS_PER_USD ? 4 : 2, usd, sizeof(usd));
	else
		snprintf(usd, sizeof(usd), "unpriced");
	snprintf(buf, n, "in %s · cache write %s%s · cache read %s · out %s · %s · hit %s",
	         cli_group(t->input, in, sizeof(in)), cli_group(t->write_5m + t->write_1h, w, sizeof(w)),
	         t->write_5m + t->write_1h > 0 ? ttl : "", cli_group(t->cache_read, r, sizeof(r)),
	         cli_group(t->output, o, sizeof(o)), usd, fmt_hit(report_hit_permille(t), hit, sizeof(hit)));
}

static int
print_json(const struct api_message *msg, int priced, int64_t nanos)
{
	const struct usage *u = &msg->usage;
	json_t *o;
	int rc;

	o = json_pack("{s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:s, s:s, s:s, s:s, s:f}",
	              "answer", msg->text ? msg->text : "",
	              "usage", "input_tokens", (json_int_t)u->tok.input,
	              "cache_creation_input_tokens", (json_int_t)(u->tok.write_5m + u->tok.write_1h),
	              "cache_write_5m_tokens", (json_int_t)u->tok.write_5m,
	              "cache_write_1h_tokens", (json_int_t)u->tok.write_1h,
	              "cache_read_input_tokens", (json_int_t)u->tok.cache_read,
	              "output_tokens", (json_int_t)u->tok.output,
	              "cost_usd", priced ? json_real(pricing_usd(nanos)) : json_null(),
	              "request_id", u->request_id, "message_id", u->message_id,
	              "model", u->model, "stop_reason", u->stop_reason,
	              "cache_hit_ratio", (double)report_hit_permille(&u->tok) / 1000.0);
	if (o == NULL)
		return -1;
	json_object_set_new(o, "provider", json_string(provider_of(u)->name));
	json_object_set_new(json_object_get(o, "usage"), "reasoning_tokens",
	    json_integer(u->reasoning_tokens));
	if (u->tag[0] != '\0')
		json_object_set_new(o, "tag", json_string(u->tag));
	if (u->tier[0] != '\0')
		json_object_set_new(o, "tier", json_string(u->tier));
	if (u->compressed_tokens > 0)
		json_object_set_new(o, "compressed_tokens", json_integer(u->compressed_tokens));
	rc = cli_json(stdout, o, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(o);
	return rc;
}

static void
print_delta(void *arg, const char *text, size_t len)
{
	(void)arg;
	cli_put_text(stdout, text, len);
	fflush(stdout);
}

/* The call is paid for but the ledger did not take it (why: err): into
 * the spool, said on stderr (EXIT_OK); else said with its request-id
 * (EXIT_RUNTIME). Either way it is still shown. */
static int
spool_call(const struct cli *cli, struct store *st, const struct usage *u, const char *why)
{
	struct spool_item it;
	char err[512];

	memset(&it, 0, sizeof(it));
	it.kind = SPOOL_USAGE;
	it.u = *u;
	if (cli_spool(cli, st, &it, 1, err, sizeof(err)) == 0) {
		cli_warn("call", "the ledger did not take this call (%s); it waits in the spool %s "
		         "and goes into the ledger once it takes writes again", why,
		         cli->cfg.spool_path);
		return EXIT_OK;
	}
	cli_warn("call", "the ledger did not take this call: %s; nor did the spool: %s "
	         "(request-id %s)", why, err, u->request_id);
	return EXIT_RUNTIME;
}

/* Send, record, print. The row goes into the ledger before any output
 * that could fail (a closed pipe), so a paid call is never lost. */
static int
run_call(struct cli *cli, const struct call_opts *o, struct store *st,
         const struct pricing *pr, const json_t *body, size_t prefix_bytes)
{
	struct http_multi *m;
	struct headroom *hr = headroom_new();   /* every answer's rate-limit headers */
	struct api_message msg;
	struct http_error e;
	struct alerter *al = NULL;
	char err[512], line[512];
	int64_t nanos = 0;
	int priced, rc = EXIT_RUNTIME, live = o->stream && !o->json;

	memset(&msg, 0, sizeof(msg));
	if ((m = call_multi_new(&cli->cfg, o->pv, 0, err, sizeof(err))) == NULL) {
		headroom_free(hr);
		return cli_fail("call", "%s", err);
	}
	headroom_watch(hr, m, o->pv->name, o->model, cli->cfg.cred[o->pv->id].api_key);
	if (strcmp(o->cache, "off") != 0)
		check_prefix(m, o, pricing_find_for(pr, (int)o->pv->id, o->model), body, prefix_bytes);
	if (api_call(o->pv->call->start, m, body, o->stream, live ? print_delta : NULL, NULL, &msg,
	    &e) != 0) {
		if (live)
			fputc('\n', stdout);
		rc = cli_fail("call", "%s", api_error_string(&e, line, sizeof(line)));
		goto out;
	}
	usage_strlcpy(msg.usage.source, "call", sizeof(msg.usage.source));
	usage_strlcpy(msg.usage.tag, o->tag ? o->tag : "", sizeof(msg.usage.tag));
	usage_strlcpy(msg.usage.tier, o->tier, sizeof(msg.usage.tier));
	msg.usage.compressed_tokens = o->compressed;
	rc = EXIT_OK;
	if (store_insert_usage(st, &msg.usage, NULL, err, sizeof(err)) != 0)
		rc = spool_call(cli, st, &msg.usage, err);
	priced = pricing_usage_cost(pr, &msg.usage, &nanos) == 0;
	cli_budget_alerts(cli, st, pr, "call");
	/* the rules are checked and alerts sent while the answer is printed */
	al = cli_alerter(cli, pr, "call", ALERTER_ONESHOT);
	if (o->json) {
		print_json(&msg, priced, nanos);
	} else {
		if (!live)
			cli_put_text(stdout, msg.text, msg.text_len);
		if (msg.text_len == 0 || msg.text[msg.text_len - 1] != '\n')
			fputc('\n', stdout);
		fflush(stdout);
		usage_line(&msg.usage, priced, nanos, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
out:
	alerter_stop(al);
	if (headroom_flush(hr, st, err, sizeof(err)) != 0)
		cli_warn("call", "rate limits not recorded: %s", err);
	headroom_free(hr);
	api_message_done(&msg);
	http_multi_free(m);
	return rc;
}

/*
 * The most this call can cost: the system text (bytes/4) written to the
 * cache at its TTL (or plain input without caching), the prompt as input,
 * and max_tokens of output. 0 for an unpriced model (nothing to weigh).
 */
static int64_t
max_cost(const struct call_opts *o, const struct pricing *pr, size_t prefix_bytes,
         size_t prompt_bytes)
{
	const struct model_price *mp = pricing_find_for(pr, (int)o->pv->id, o->model);
	struct usage u;
	struct price_flags f;
	int64_t prefix = text_estimate_tokens(prefix_bytes);

	if (mp == NULL)
		return 0;
	memset(&u, 0, sizeof(u));
	usage_strlcpy(u.model, o->model, sizeof(u.model));
	u.tok.input = text_estimate_tokens(prompt_bytes) + 3;
	if (strcmp(o->cache, "off") == 0)
		u.tok.input += prefix;
	else if (strcmp(o->cache, "1h") == 0)
		u.tok.write_1h = prefix;
	else
		u.tok.write_5m = prefix;
	u.tok.output = o->max_tokens;
	f = pricing_flags(mp, &u);
	return pricing_cost(mp, &u.tok, &f);
}

/* --route auto: the router picks model, max_tokens (unless given) and tier. */
static int
route_prompt(struct cli *cli, struct call_opts *o, const char *prompt)
{
	struct router *r;
	struct router_decision d;
	char err[512];

	if ((r = router_load_config(&cli->cfg, err, sizeof(err))) == NULL)
		return cli_fail("call", "route: %s", err);
	if (router_route(r, prompt, strlen(prompt), &d) != 0) {
		router_free(r);
		return cli_fail("call", "route: out of memory");
	}
	router_free(r);
	usage_strlcpy(o->tier, router_tier_name(d.tier), sizeof(o->tier));
	usage_strlcpy(o->routed_model, d.model, sizeof(o->routed_model));
	o->model = o->routed_model;
	o->model_explicit = 1;         /* the route's model, on the route's provider */
	o->pv = d.provider;
	if (!o->max_tokens_explicit)
		o->max_tokens = (long)d.max_tokens;
	cli_warn("call", "route: tier %s (rule %s) → %s/%s, max_tokens %ld%s",
	    o->tier, d.rule, o->pv->name, o->model, o->max_tokens, o->max_tokens_explicit ?
	    " (--max-tokens)" : "");
	return EXIT_OK;
}

/*
 * The provider and the model: --provider (or the route's), else the
 * --model's price entry's, else Anthropic. Without --model: the configured
 * default when it is that provider's model, else the provider's own
 * default. A --model priced under another provider is a usage error.
 */
static int
resolve_provider(struct cli *cli, struct call_opts *o, const struct pricing *pr)
{
	const struct model_price *mp = pricing_find(pr, o->model_explicit ? o->model :
	    cli->cfg.default_model);

	if (o->model_explicit) {
		if (o->pv == NULL)
			o->pv = provider_at(mp != NULL ? mp->provider : PROVIDER_ANTHROPIC);
		else if (mp != NULL && pricing_find_for(pr, (int)o->pv->id, o->model) == NULL)
			return cli_usage_error("call", "--model %s is one of %s's models, not %s's",
			    o->model, provider_at(mp->provider)->label, o->pv->label);
		return EXIT_OK;
	}
	if (o->pv == NULL)
		o->pv = &provider_anthropic;
	if (cli->cfg.default_model[0] != '\0' && (mp == NULL || mp->provider == (int)o->pv->id) &&
	    (mp != NULL || o->pv->id == PROVIDER_ANTHROPIC))
		o->model = cli->cfg.default_model;
	else
		o->model = o->pv->default_model;
	return EXIT_OK;
}

int
cli_call(struct cli *cli, int argc, char **argv)
{
	struct call_opts o;
	struct store *st = NULL;
	struct pricing *pr = NULL;
	json_t *body = NULL;
	char err[512], *prompt = NULL;
	size_t plen, prefix_bytes = 0;
	int i, rc;

	memset(&o, 0, sizeof(o));
	o.cache = "5m";
	o.max_tokens = 1024;
	o.doc_budget = -1;
	if ((rc = parse_args(argc, argv, &o)) != 0) {
		if (rc < 0)
			call_help();
		return rc < 0 ? EXIT_OK : rc;
	}
	signal(SIGPIPE, SIG_IGN);       /* a closed stdout must not kill us before the insert */
	if (strcmp(o.prompt, "-") == 0) {
		if (slurp("-", &prompt, &plen, err, sizeof(err)) != 0)
			return cli_fail("call", "%s", err);
	} else if ((prompt = strdup(o.prompt)) == NULL) {
		return cli_fail("call", "out of memory");
	}
	if (prompt[strspn(prompt, " \t\r\n")] == '\0') {
		free(prompt);
		return cli_usage_error("call", "the prompt is empty");
	}
	if ((rc = cli_open(cli, NULL, &pr)) != EXIT_OK)
		goto out;
	if (o.route && (rc = route_prompt(cli, &o, prompt)) != EXIT_OK)
		goto out;
	if ((rc = resolve_provider(cli, &o, pr)) != EXIT_OK)
		goto out;
	if (cli->cfg.cred[o.pv->id].api_key[0] == '\0') {
		rc = cli_fail("call", "no API key: set %s", o.pv->key_env);
		goto out;
	}
	if (o.cache_explicit && strcmp(o.cache, "off") != 0 && o.nsystem + o.ndoc == 0)
		fprintf(stderr, "tokentop call: note: nothing to cache without --system or --doc\n");
	if (load_docs(&o, prompt, err, sizeof(err)) != 0 ||
	    (body = build_body(&o, prompt, &prefix_bytes, err, sizeof(err))) == NULL) {
		rc = cli_fail("call", "%s", err);
		goto out;
	}
	/* open the ledger and weigh the budgets before spending anything */
	if ((rc = cli_open(cli, &st, NULL)) != EXIT_OK)
		goto out;
	if ((rc = cli_budget_gate(cli, st, pr, "call", "call", o.tag,
	    max_cost(&o, pr, prefix_bytes, strlen(prompt)), o.force)) != EXIT_OK)
		goto out;
	rc = run_call(cli, &o, st, pr, body, prefix_bytes);
out:
	for (i = 0; i < o.ndoc; i++)
		free(o.doctext[i]);
	json_decref(body);
	free(prompt);
	store_close(st);
	pricing_free(pr);
	return rc;
}
