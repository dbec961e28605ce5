/* cli_call.c — `tokentop call`: one Messages call with prompt caching; the
 * answer on stdout, one usage line on stderr, the row in the ledger first. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/api.h"
#include "tui/cli.h"

#define MAX_FILES 16

struct call_opts {
	const char *model;
	const char *system[MAX_FILES];
	int         nsystem;
	const char *doc[MAX_FILES];
	int         ndoc;
	const char *cache;            /* off, 5m, 1h */
	int         cache_explicit;
	long        max_tokens;
	const char *tag;
	int         stream;
	int         json;
	const char *prompt;           /* text, or "-" for stdin */
};

static void
call_help(void)
{
	printf("usage: tokentop call [--model M] [--system FILE]... [--doc FILE]...\n"
	       "                     [--cache off|5m|1h] [--max-tokens N] [--tag T]\n"
	       "                     [--stream] [--json] [PROMPT | -]\n"
	       "\n"
	       "Sends one Messages call. --system and --doc files become system text\n"
	       "blocks (in that order); with caching on (default 5m) the last block\n"
	       "carries cache_control, so the next call with the same files reads them\n"
	       "from the cache. PROMPT \"-\" reads the prompt from stdin.\n"
	       "\n"
	       "Prints the answer on stdout and one usage line on stderr:\n"
	       "  in 21 · cache write 188,086 (5m) · cache read 0 · out 393 · $0.7113 · hit 0%%\n"
	       "With --json, one object: answer, usage, cost_usd, request_id, model,\n"
	       "stop_reason. The call is recorded in the ledger (source \"call\") before\n"
	       "anything is printed.\n"
	       "\n"
	       "Key: ANTHROPIC_API_KEY; base URL: ANTHROPIC_BASE_URL.\n");
}

/* 0, EXIT_USAGE (message printed), or -1 for --help. */
static int
parse_args(int argc, char **argv, struct call_opts *o)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "system", required_argument, NULL, 's' },
		{ "doc", required_argument, NULL, 'd' },
		{ "cache", required_argument, NULL, 'c' },
		{ "max-tokens", required_argument, NULL, 'n' },
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
		case 'm': o->model = optarg; break;
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

/* A system text block from a file; docs are wrapped with their name. */
static json_t *
file_block(const char *path, int is_doc, size_t *bytes, char *err, size_t errlen)
{
	char *text, *wrapped = NULL;
	size_t len;
	json_t *s;

	if (slurp(path, &text, &len, err, errlen) != 0)
		return NULL;
	if (is_doc && asprintf(&wrapped, "<document source=\"%s\">\n%s\n</document>", path, text) < 0)
		wrapped = NULL;
	s = wrapped ? json_string(wrapped) : json_stringn(text, len);
	if (s == NULL)
		snprintf(err, errlen, "%s: not valid UTF-8 text", path);
	*bytes = wrapped ? strlen(wrapped) : len;
	free(text);
	free(wrapped);
	return s == NULL ? NULL : json_pack("{s:s, s:o}", "type", "text", "text", s);
}

static void
set_breakpoint(json_t *blk, const char *ttl)
{
	json_t *cc = json_pack("{s:s}", "type", "ephemeral");

	if (strcmp(ttl, "1h") == 0)
		json_object_set_new(cc, "ttl", json_string("1h"));
	json_object_set_new(blk, "cache_control", cc);
}

/*
 * The request body. Breakpoints (at most 2 of the 4 allowed): after the
 * last --system block when docs follow (a system prompt reused across
 * documents), and on the last block. *prefix_bytes = bytes of the system text.
 */
static json_t *
build_body(const struct call_opts *o, const char *prompt, size_t *prefix_bytes,
           char *err, size_t errlen)
{
	json_t *body, *system = json_array(), *blk;
	size_t bytes;
	int i, caching = strcmp(o->cache, "off") != 0;

	*prefix_bytes = 0;
	for (i = 0; i < o->nsystem + o->ndoc; i++) {
		int is_doc = i >= o->nsystem;

		blk = file_block(is_doc ? o->doc[i - o->nsystem] : o->system[i], is_doc, &bytes,
		                 err, errlen);
		if (blk == NULL) {
			json_decref(system);
			return NULL;
		}
		if (caching && o->ndoc > 0 && o->nsystem > 0 && i == o->nsystem - 1)
			set_breakpoint(blk, o->cache);
		if (caching && i == o->nsystem + o->ndoc - 1)
			set_breakpoint(blk, o->cache);
		json_array_append_new(system, blk);
		*prefix_bytes += bytes;
	}
	body = json_pack("{s:s, s:I, s:[{s:s, s:s}]}", "model", o->model, "max_tokens",
	                 (json_int_t)o->max_tokens, "messages", "role", "user", "content", prompt);
	if (body == NULL) {
		snprintf(err, errlen, "the prompt or --model is not valid UTF-8 text");
		json_decref(system);
		return NULL;
	}
	if (json_array_size(system) > 0)
		json_object_set_new(body, "system", system);
	else
		json_decref(system);
	return body;
}

/*
 * Say on stderr when the cached prefix is below the model's minimum (it
 * would silently not be cached). The estimate is bytes/4; near the
 * threshold count_tokens refines it (the prefix = the system blocks with a
 * one-character message, less that message's few tokens).
 */
static void
check_prefix(struct http_multi *m, const struct model_price *mp, const char *model,
             const json_t *body, size_t prefix_bytes)
{
	int64_t est = (int64_t)(prefix_bytes + 3) / 4, counted;
	json_t *probe;
	struct http_error e;
	char a[32], b[32];
	const char *how = "~";

	if (mp == NULL || mp->min_cache_tokens <= 0 || prefix_bytes == 0)
		return;
	if (est < 2 * mp->min_cache_tokens && est > mp->min_cache_tokens / 2) {
		probe = json_pack("{s:s, s:O, s:[{s:s, s:s}]}", "model", model, "system",
		                  json_object_get(body, "system"), "messages", "role", "user",
		                  "content", ".");
		if (probe != NULL && api_count_tokens(m, probe, &counted, &e) == 0) {
			est = counted > 4 ? counted - 4 : counted;
			how = "";
		}
		json_decref(probe);
	}
	if (est >= mp->min_cache_tokens)
		return;
	fprintf(stderr, "tokentop call: note: the cached prefix is %s%s tokens, below the %s-token "
	        "minimum of %s: the API will not cache it\n", how, cli_group(est, a, sizeof(a)),
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
		pricing_format_usd(nanos, nanos < NANOS_PER_USD ? 4 : 2, 1, usd, sizeof(usd));
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
	if (u->tag[0] != '\0')
		json_object_set_new(o, "tag", json_string(u->tag));
	rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	fputc('\n', stdout);
	json_decref(o);
	return rc;
}

static void
print_delta(void *arg, const char *text, size_t len)
{
	(void)arg;
	fwrite(text, 1, len, stdout);
	fflush(stdout);
}

/* Send, record, print. The row goes into the ledger before any output
 * that could fail (a closed pipe), so a paid call is never lost. */
static int
run_call(struct cli *cli, const struct call_opts *o, struct store *st,
         const struct pricing *pr, const json_t *body, size_t prefix_bytes)
{
	struct http_multi *m;
	struct api_message msg;
	struct http_error e;
	char err[512], line[512];
	int64_t nanos = 0;
	int priced, rc = EXIT_RUNTIME, live = o->stream && !o->json;

	memset(&msg, 0, sizeof(msg));
	if ((m = http_multi_new(&cli->cfg, err, sizeof(err))) == NULL)
		return cli_fail("call", "%s", err);
	if (strcmp(o->cache, "off") != 0)
		check_prefix(m, pricing_find(pr, o->model), o->model, body, prefix_bytes);
	if (api_messages(m, body, o->stream, live ? print_delta : NULL, NULL, &msg, &e) != 0) {
		if (live)
			fputc('\n', stdout);
		rc = cli_fail("call", "%s", api_error_string(&e, line, sizeof(line)));
		goto out;
	}
	usage_strlcpy(msg.usage.source, "call", sizeof(msg.usage.source));
	usage_strlcpy(msg.usage.tag, o->tag ? o->tag : "", sizeof(msg.usage.tag));
	rc = EXIT_OK;
	if (store_insert_usage(st, &msg.usage, NULL, err, sizeof(err)) != 0) {
		/* the call is paid for: still show it, say why it is not recorded, exit 1 */
		fprintf(stderr, "tokentop call: the ledger did not take this call: %s "
		        "(request-id %s)\n", err, msg.usage.request_id);
		rc = EXIT_RUNTIME;
	}
	priced = pricing_usage_cost(pr, &msg.usage, &nanos) == 0;
	if (o->json) {
		print_json(&msg, priced, nanos);
	} else {
		if (!live)
			fputs(msg.text, stdout);
		if (msg.text_len == 0 || msg.text[msg.text_len - 1] != '\n')
			fputc('\n', stdout);
		fflush(stdout);
		usage_line(&msg.usage, priced, nanos, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
out:
	api_message_done(&msg);
	http_multi_free(m);
	return rc;
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
	int rc;

	memset(&o, 0, sizeof(o));
	o.model = cli->cfg.default_model[0] ? cli->cfg.default_model : "claude-sonnet-4-5";
	o.cache = "5m";
	o.max_tokens = 1024;
	if ((rc = parse_args(argc, argv, &o)) != 0) {
		if (rc < 0)
			call_help();
		return rc < 0 ? EXIT_OK : rc;
	}
	signal(SIGPIPE, SIG_IGN);       /* a closed stdout must not kill us before the insert */
	if (cli->cfg.api_key[0] == '\0')
		return cli_fail("call", "no API key: set ANTHROPIC_API_KEY (or api_key in the "
		                "config file)");
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
	if (o.cache_explicit && strcmp(o.cache, "off") != 0 && o.nsystem + o.ndoc == 0)
		fprintf(stderr, "tokentop call: note: nothing to cache without --system or --doc\n");
	if ((body = build_body(&o, prompt, &prefix_bytes, err, sizeof(err))) == NULL) {
		rc = cli_fail("call", "%s", err);
		goto out;
	}
	/* open the ledger before spending anything */
	if ((rc = cli_open(cli, &st, &pr)) != EXIT_OK)
		goto out;
	rc = run_call(cli, &o, st, pr, body, prefix_bytes);
out:
	json_decref(body);
	free(prompt);
	store_close(st);
	pricing_free(pr);
	return rc;
}
