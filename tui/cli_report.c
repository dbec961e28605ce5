/* cli_report.c — `tokentop report`: spend by day, week, month, model,
 * source or tag, and what each lever saved; as a table, JSON or CSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/num.h"
#include "core/provider.h"
#include "core/text.h"
#include "tui/cli.h"

enum out_fmt { OUT_TABLE, OUT_JSON, OUT_CSV };

/* The kinds of report: name, grouping, the key's name in JSON/CSV and the
 * table header. */
static const struct kind {
	const char       *name;
	enum report_group group;
	const char       *key;
	const char       *header;
	int               savings;    /* rows carry the saved_* figures */
} kinds[] = {
	{ "daily",   REPORT_DAY,    "date",   "DATE",   0 },
	{ "weekly",  REPORT_WEEK,   "week",   "WEEK",   0 },
	{ "monthly", REPORT_MONTH,  "month",  "MONTH",  0 },
	{ "models",  REPORT_MODEL,  "model",  "MODEL",  0 },
	{ "sources", REPORT_SOURCE, "source", "SOURCE", 0 },
	{ "tags",    REPORT_TAG,    "tag",    "TAG",    0 },
	{ "projects", REPORT_PROJECT, "project", "PROJECT", 0 },
	{ "keys",    REPORT_KEY,    "key",    "KEY",    0 },
	{ "savings", REPORT_DAY,    "date",   "DATE",   1 },
	{ "providers", REPORT_PROVIDER, "provider", "PROVIDER", 0 },
	{ "hosts",   REPORT_HOST,   "host",   "HOST",   0 },
};

struct opts {
	const struct kind *kind;
	const char   *since, *until, *tz, *model, *tag, *source, *provider, *host;
	enum out_fmt  fmt;
};

static void
help(void)
{
	printf(
	    "usage: tokentop report [daily|weekly|monthly|models|sources|tags|providers|\n"
	    "                        projects|keys|hosts|savings] [--since YYYY-MM-DD]\n"
	    "                       [--until YYYY-MM-DD] [--tz ZONE] [--model M] [--tag T]\n"
	    "                       [--source S] [--provider anthropic|openai] [--host H]\n"
	    "                       [--json|--csv]\n"
	    "\n"
	    "Spend from the ledger, grouped by local day (default), ISO week, month,\n"
	    "model, source, tag, provider, project (a Claude Code or Codex session's\n"
	    "repository, else its directory) or key (the proxy's API key fingerprint,\n"
	    "never the key), host (the machine that wrote the row: config \"host\", else\n"
	    "TOKENTOP_HOST, else its hostname); `savings` shows per day what caching,\n"
	    "batching, routing and compression saved. `tokentop report caps` counts the\n"
	    "responses cut by max_tokens per model and routing tier; `tokentop report\n"
	    "limits` shows the rate-limit headroom per model and API key.\n"
	    "\n"
	    "  --since DATE   from that local day on (inclusive)\n"
	    "  --until DATE   up to and including that local day\n"
	    "  --tz ZONE      IANA time zone for days (default: TZ, the config, local)\n"
	    "  --model M      one model; dated and undated ids match alike\n"
	    "  --tag T        one tag\n"
	    "  --source S     call, batch, import or proxy\n"
	    "  --provider P   anthropic or openai\n"
	    "  --host H       rows written by host H (see `tokentop report hosts`)\n"
	    "  --json         {\"rows\":[...],\"totals\":{...},\"unpriced_models\":[...]}\n"
	    "  --csv          a header line, then one line per row (no totals line);\n"
	    "                 a key starting with = + - @ is written as '=... (text)\n"
	    "\n"
	    "Row fields: the group key (date, week, month, model, source, tag,\n"
	    "provider, project, key or host), requests, input_tokens, cache_write_5m_tokens,\n"
	    "cache_write_1h_tokens, cache_read_tokens, output_tokens, cache_hit_ratio\n"
	    "(0..1), cost_usd (tokens and server tools), tool_cost_usd (web searches,\n"
	    "inside cost_usd), web_search_requests, code_execution_requests (counted, not\n"
	    "priced); JSON rows also provider (anthropic, openai, \"mixed\" for a\n"
	    "row holding both, null for none) and reasoning_tokens (OpenAI's, already\n"
	    "inside output_tokens: never add them again). input_tokens is the uncached\n"
	    "input for both providers; OpenAI's cached input is in cache_read_tokens, and\n"
	    "its cache_hit_ratio is the cached-input ratio.\n"
	    "Totals add saved_by_cache_usd, saved_by_batch_usd, saved_by_routing_usd,\n"
	    "saved_by_compression_usd and saved_usd (savings rows carry them too).\n"
	    "The table shows cache writes (5m + 1h) as CACHE WR (or WRITE) and cache reads\n"
	    "as CACHE RD (or READ), shortening figures (1.2M) when 80 columns are tight;\n"
	    "--json and --csv carry every figure exactly.\n"
	    "Models without a price are counted but never priced: cost_usd covers priced\n"
	    "tokens only and unpriced_models names the others.\n"
	    "\n"
	    "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

/* "--name VALUE" or "--name=VALUE": 1 = taken (advances *i), 0 = not this
 * option, -1 = value missing. */
static int
opt_value(const char *name, int argc, char **argv, int *i, const char **val)
{
	size_t n = strlen(name);

	if (strcmp(argv[*i], name) == 0) {
		if (*i + 1 >= argc)
			return -1;
		*val = argv[++*i];
		return 1;
	}
	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const char *const names[] = { "--since", "--until", "--tz", "--model", "--tag",
	    "--source", "--provider", "--host" };
	const char **slots[] = { &o->since, &o->until, &o->tz, &o->model, &o->tag, &o->source,
	    &o->provider, &o->host };
	size_t k, j;
	int i, r;

	memset(o, 0, sizeof(*o));
	o->kind = &kinds[0];
	for (i = 1; i < argc; i++) {
		for (k = 0, r = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if ((r = opt_value(names[k], argc, argv, &i, slots[k])) != 0)
				break;
		if (r < 0)
			return cli_usage_error("report", "%s needs a value", argv[i]);
		if (r > 0)
			continue;
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "--csv") == 0) {
			enum out_fmt f = argv[i][2] == 'j' ? OUT_JSON : OUT_CSV;

			if (o->fmt != OUT_TABLE && o->fmt != f)
				return cli_usage_error("report", "--json and --csv exclude each other");
			o->fmt = f;
		} else if (argv[i][0] == '-') {
			return cli_usage_error("report", "unknown option %s", argv[i]);
		} else if (i == 1) {
			for (j = 0; j < sizeof(kinds) / sizeof(kinds[0]); j++)
				if (strcmp(argv[i], kinds[j].name) == 0)
					break;
			if (j == sizeof(kinds) / sizeof(kinds[0]))
				return cli_usage_error("report", "unknown report '%s'", argv[i]);
			o->kind = &kinds[j];
		} else {
			return cli_usage_error("report", "unexpected argument '%s'", argv[i]);
		}
	}
	return EXIT_OK;
}

/* Zone, then dates (local midnights of that zone) into q. */
static int
make_query(struct cli *cli, const struct opts *o, struct report_query *q)
{
	const char *tz = o->tz;

	memset(q, 0, sizeof(*q));
	q->group = o->kind->group;
	if (tz == NULL && (getenv("TZ") == NULL || getenv("TZ")[0] == '\0') && cli->cfg.tz[0])
		tz = cli->cfg.tz;
	if (tz != NULL && cli_set_tz(tz) != 0)
		return cli_usage_error("report", "unknown time zone '%s'", tz);
	tzset();
	if (o->since != NULL && cli_parse_date(o->since, 0, &q->since_ms) != 0)
		return cli_usage_error("report", "--since: not a date (YYYY-MM-DD): '%s'", o->since);
	if (o->until != NULL && cli_parse_date(o->until, 1, &q->until_ms) != 0)
		return cli_usage_error("report", "--until: not a date (YYYY-MM-DD): '%s'", o->until);
	if (q->since_ms != 0 && q->until_ms != 0 && q->since_ms >= q->until_ms)
		return cli_usage_error("report", "--since %s is after --until %s", o->since, o->until);
	q->model = o->model;
	q->tag = o->tag;
	q->source = o->source;
	if (o->provider != NULL && cli_provider_arg("report", o->provider) != EXIT_OK)
		return EXIT_USAGE;
	q->provider = o->provider;
	if (o->host != NULL && o->host[0] == '\0')
		return cli_usage_error("report", "--host: empty host name");
	q->host = o->host;
	return EXIT_OK;
}

static int
print_json(const struct kind *k, const struct report *r)
{
	json_t *root = cli_report_json(k->key, k->savings, r);
	int rc;

	rc = cli_json(stdout, root, CLI_REPORT_JSON_FLAGS);
	json_decref(root);
	if (rc != 0)
		return cli_fail("report", "writing JSON failed");
	return EXIT_OK;
}

/* ---- CSV ------------------------------------------------------------------ */

/* Exact decimal dollars from nanos: "12.3456", "-0.31", "0". */
static void
usd_plain(int64_t nanos, char *buf, size_t n)
{
	uint64_t u = nanos < 0 ? (uint64_t)0 - (uint64_t)nanos : (uint64_t)nanos;
	char frac[16];
	size_t len;

	snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)(u % 1000000000ULL));
	for (len = strlen(frac); len > 0 && frac[len - 1] == '0'; len--)
		frac[len - 1] = '\0';
	snprintf(buf, n, "%s%llu%s%s", nanos < 0 ? "-" : "", (unsigned long long)(u / 1000000000ULL),
	    frac[0] != '\0' ? "." : "", frac);
}

static int
print_csv(const struct kind *k, const struct report *r)
{
	char c[5][40];
	size_t i;

	printf("%s,requests,input_tokens,cache_write_5m_tokens,cache_write_1h_tokens,"
	    "cache_read_tokens,output_tokens,cache_hit_ratio,cost_usd%s%s\n", k->key,
	    k->savings ? ",saved_by_cache_usd,saved_by_batch_usd,saved_by_routing_usd,"
	    "saved_by_compression_usd,saved_usd" : "",
	    ",tool_cost_usd,web_search_requests,code_execution_requests");
	for (i = 0; i < r->nrows; i++) {
		const struct report_row *w = &r->rows[i];

		text_csv_write(stdout, w->key);
		usd_plain(w->cost_nanos, c[0], sizeof(c[0]));
		printf(",%lld,%lld,%lld,%lld,%lld,%lld,%.6f,%s", (long long)w->requests,
		    (long long)w->tok.input, (long long)w->tok.write_5m, (long long)w->tok.write_1h,
		    (long long)w->tok.cache_read, (long long)w->tok.output, cli_report_hit(&w->tok), c[0]);
		if (k->savings) {
			usd_plain(w->saved.cache, c[0], sizeof(c[0]));
			usd_plain(w->saved.batch, c[1], sizeof(c[1]));
			usd_plain(w->saved.routing, c[2], sizeof(c[2]));
			usd_plain(w->saved.compression, c[3], sizeof(c[3]));
			usd_plain(cli_report_saved(&w->saved), c[4], sizeof(c[4]));
			printf(",%s,%s,%s,%s,%s", c[0], c[1], c[2], c[3], c[4]);
		}
		usd_plain(w->tool_cost_nanos, c[0], sizeof(c[0]));
		printf(",%s,%lld,%lld\n", c[0], (long long)w->web_search_requests,
		    (long long)w->code_execution_requests);
	}
	if (fflush(stdout) != 0)
		return cli_fail("report", "writing CSV failed");
	return EXIT_OK;
}

/* ---- table ---------------------------------------------------------------- */

#define MAXCOLS 9
#define CELL    48

struct table {
	const char *head[MAXCOLS];
	int         ncols;
	char      (*cells)[MAXCOLS][CELL];  /* nrows + 1 (totals) */
	size_t      nrows;
	int         width[MAXCOLS];
	int         gap;                    /* spaces between numeric columns */
};

/* Next code point of UTF-8 s (advances *s); invalid bytes count as one. */
static unsigned
utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	unsigned c = p[0];
	int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0, k;

	for (k = 1; k <= n; k++) {
		if ((p[k] & 0xC0) != 0x80) {
			n = 0;
			break;
		}
		c = (k == 1 ? c & (0x3F >> n) : c) << 6 | (p[k] & 0x3F);
	}
	*s += n + 1;
	return n == 0 ? p[0] : c;
}

/* Terminal columns of a code point: East Asian wide ranges (Hangul, CJK,
 * full-width forms, emoji) take two. */
static int
cp_width(unsigned c)
{
	if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
	    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
	    (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
	    (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
	    (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
		return 2;
	return 1;
}

static int
str_width(const char *s)
{
	int w = 0;

	while (*s != '\0')
		w += cp_width(utf8_next(&s));
	return w;
}

/* A key from the ledger (model ids and tags come from outside), sanitised so
 * nothing can move the cursor. */
static void
key_cell(char *dst, const char *src)
{
	text_sanitize(src, dst, CELL, 0);
}

/* 1234567 → "1.2M" (for tables too wide for full figures). */
static void
short_num(int64_t v, char *buf, size_t n)
{
	static const char *const units[] = { "", "K", "M", "B", "T" };
	double d = (double)v;
	int u = 0;

	if (v < 10000) {
		cli_group(v, buf, n);
		return;
	}
	while (d >= 999.95 && u < 4) {
		d /= 1000.0;
		u++;
	}
	snprintf(buf, n, "%.1f%s", d, units[u]);
}

/* The table's places (one per table, so a column aligns), and more where
 * a non-zero amount would read as zero: the one money rule. */
static void
money(int64_t nanos, int decimals, char *buf, size_t n)
{
	pricing_format_money(nanos, decimals, buf, n);
}

static void
fill_row(struct table *t, size_t i, const struct kind *k, const struct report_row *r,
         int shorten, int decimals)
{
	char (*c)[CELL] = t->cells[i];
	const int64_t tokv[4] = { r->tok.input, num_sat_add(r->tok.write_5m, r->tok.write_1h),
	    r->tok.cache_read, r->tok.output };
	int j;

	key_cell(c[0], i == t->nrows ? "TOTAL" : r->key[0] != '\0' ? r->key :
	    k->group == REPORT_TAG || k->group == REPORT_PROJECT || k->group == REPORT_KEY ||
	    k->group == REPORT_HOST ?
	    "(none)" : "?");
	cli_group(r->requests, c[1], CELL);
	for (j = 0; j < 4; j++) {
		if (shorten)
			short_num(tokv[j], c[2 + j], CELL);
		else
			cli_group(tokv[j], c[2 + j], CELL);
	}
	if (!k->savings) {
		int64_t pm = report_hit_permille(&r->tok);

		snprintf(c[6], CELL, "%lld.%lld%%", (long long)(pm / 10), (long long)(pm % 10));
		pricing_format_cost(r->cost_nanos, r->requests, r->unpriced_requests, decimals,
		    c[7], CELL);
	}
}

static void
fill_savings_row(struct table *t, size_t i, const struct report_row *r, int decimals)
{
	char (*c)[CELL] = t->cells[i];

	key_cell(c[0], i == t->nrows ? "TOTAL" : r->key);
	money(r->cost_nanos, decimals, c[1], CELL);
	money(r->saved.cache, decimals, c[2], CELL);
	money(r->saved.batch, decimals, c[3], CELL);
	money(r->saved.routing, decimals, c[4], CELL);
	money(r->saved.compression, decimals, c[5], CELL);
	money(cli_report_saved(&r->saved), decimals, c[6], CELL);
}

static int
table_width(struct table *t)
{
	size_t i;
	int j, w = 0;

	for (j = 0; j < t->ncols; j++) {
		t->width[j] = str_width(t->head[j]);
		for (i = 0; i <= t->nrows; i++)
			if (str_width(t->cells[i][j]) > t->width[j])
				t->width[j] = str_width(t->cells[i][j]);
		w += t->width[j] + (j > 1 ? t->gap : j == 1 ? 2 : 0);
	}
	return w;
}

static void
print_cell(const char *s, int width, int left)
{
	const char *p = s, *q;
	int w = str_width(s), used = 0, cw;

	if (!left) {
		printf("%*s%s", width > w ? width - w : 0, "", s);
		return;
	}
	if (w <= width) {
		printf("%s%*s", s, width - w, "");
		return;
	}
	/* too wide: whole characters up to width - 1, then "~" */
	while (*p != '\0') {
		q = p;
		cw = cp_width(utf8_next(&q));
		if (used + cw > width - 1)
			break;
		used += cw;
		p = q;
	}
	printf("%.*s~%*s", (int)(p - s), s, width - 1 - used, "");
}

static void
print_line(struct table *t, const char (*cells)[CELL], const char *const *head)
{
	int j;

	for (j = 0; j < t->ncols; j++) {
		printf("%*s", j > 1 ? t->gap : j == 1 ? 2 : 0, "");
		print_cell(head != NULL ? head[j] : cells[j], t->width[j], j == 0);
	}
	putchar('\n');
}

/* Header, rows, a rule, the totals row. */
static void
print_table_rows(struct table *t, int w)
{
	size_t i;
	int j;

	print_line(t, NULL, t->head);
	for (i = 0; i < t->nrows; i++)
		print_line(t, t->cells[i], NULL);
	for (j = 0; j < w; j++)
		putchar('-');
	putchar('\n');
	print_line(t, t->cells[t->nrows], NULL);
}

/* Words (outside text: model names) after prefix, separated by ", ",
 * wrapped at 80 columns with a two-space indent. */
static void
print_wrapped(const char *prefix, const char *const *words, size_t n)
{
	int col = printf("%s", prefix), w;
	char word[256];
	size_t i;

	for (i = 0; i < n; i++) {
		text_sanitize(words[i], word, sizeof(word), 0);
		w = str_width(word) + (i + 1 < n ? 1 : 0);
		if (col + 1 + w > 80 && col > 2) {
			printf("\n ");
			col = 1;
		}
		col += printf(" %s%s", word, i + 1 < n ? "," : "");
	}
	putchar('\n');
}

/* "saved $X: cache $a, batch $b, ..." naming only the levers that moved. */
static void
print_saved(const struct savings *sv, int decimals)
{
	static const char *const names[] = { "cache", "batch", "routing (est.)",
	    "compression (est.)" };
	const int64_t v[4] = { sv->cache, sv->batch, sv->routing, sv->compression };
	char total[40], m[40], parts[4][64], head[64];
	const char *words[4];
	size_t n = 0, i;

	for (i = 0; i < 4; i++)
		if (v[i] != 0) {
			money(v[i], decimals, m, sizeof(m));
			snprintf(parts[n], sizeof(parts[n]), "%s %s", names[i], m);
			words[n] = parts[n];
			n++;
		}
	money(cli_report_saved(sv), decimals, total, sizeof(total));
	snprintf(head, sizeof(head), "saved %s%s", total, n > 0 ? ":" : "");
	print_wrapped(head, words, n);
}

/* "server tools: web search $X (N searches, in COST), code execution N
 * (not priced)" when the rows used any. */
static void
print_tools(const struct report_row *t, int decimals)
{
	char m[40], n[32], e[32];

	if (t->web_search_requests == 0 && t->code_execution_requests == 0)
		return;
	money(t->tool_cost_nanos, decimals, m, sizeof(m));
	cli_group(t->web_search_requests, n, sizeof(n));
	cli_group(t->code_execution_requests, e, sizeof(e));
	printf("server tools: web search %s (%s searches, in COST), code execution %s"
	    " (not priced)\n", m, n, e);
}

static int
print_table(const struct kind *k, const struct report *r)
{
	static const char *const heads[] = { NULL, "REQS", "INPUT", "CACHE WR", "CACHE RD",
	    "OUTPUT", "HIT", "COST" };
	static const char *const sheads[] = { NULL, "COST", "CACHE", "BATCH", "ROUTING",
	    "COMPRESS", "SAVED" };
	struct table t;
	int decimals = r->totals.cost_nanos < 100 * NANOS_PER_USD ? 4 : 2, shorten, j, w = 80;
	size_t i;

	memset(&t, 0, sizeof(t));
	t.nrows = r->nrows;
	t.cells = calloc(r->nrows + 1, sizeof(*t.cells));
	if (t.cells == NULL)
		return cli_fail("report", "out of memory");
	t.ncols = k->savings ? 7 : 8;
	for (j = 0; j < t.ncols; j++)
		t.head[j] = j == 0 ? k->header : k->savings ? sheads[j] : heads[j];
	/* full figures with wide gaps, then narrow gaps, then short figures
	 * (1.2M), then cut the key column (long model ids) */
	for (shorten = 0; shorten < 3; shorten++) {
		if (shorten == 2 && !k->savings) {   /* last: terse headers */
			t.head[3] = "WRITE";
			t.head[4] = "READ";
		}
		for (i = 0; i <= r->nrows; i++) {
			const struct report_row *row = i < r->nrows ? &r->rows[i] : &r->totals;

			if (k->savings)
				fill_savings_row(&t, i, row, decimals);
			else
				fill_row(&t, i, k, row, shorten > 0, decimals);
		}
		for (t.gap = 2; t.gap > 0; t.gap--)
			if ((w = table_width(&t)) <= 80)
				break;
		if (w <= 80 || k->savings)
			break;
		t.gap = 1;
	}
	if (w > 80) {
		t.width[0] = t.width[0] - (w - 80) > 8 ? t.width[0] - (w - 80) : 8;
		w = 80;
	}
	if (r->nrows == 0)
		printf("no usage in this period\n");
	print_table_rows(&t, w);
	free(t.cells);
	for (i = 0; i <= r->nrows; i++) {
		const struct report_row *row = i < r->nrows ? &r->rows[i] : &r->totals;

		if (row->unpriced_requests > 0 && row->unpriced_requests < row->requests) {
			printf("%s\n", PRICING_UNPRICED_LEGEND);
			break;
		}
	}
	if (r->nunpriced > 0)
		print_wrapped("unpriced (no price, not in COST):", (const char *const *)r->unpriced,
		    r->nunpriced);
	print_saved(&r->totals.saved, decimals);
	print_tools(&r->totals, decimals);
	return fflush(stdout) == 0 ? EXIT_OK : cli_fail("report", "writing failed");
}

int
cli_report(struct cli *cli, int argc, char **argv)
{
	struct report_query q;
	struct report r;
	struct opts o;
	struct store *st = NULL;
	struct pricing *pr = NULL;
	char err[512], base[96];
	int i, rc;

	if (argc > 1 && strcmp(argv[1], "caps") == 0)
		return cli_report_caps(cli, argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "limits") == 0)   /* cli_report_limits.c */
		return cli_report_limits(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "org") == 0)    /* cli_report_org.c */
		return cli_report_org(cli, argc - 1, argv + 1);
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help();
			return EXIT_OK;
		}
	if ((rc = parse_args(argc, argv, &o)) != EXIT_OK)
		return rc;
	if ((rc = make_query(cli, &o, &q)) != EXIT_OK)
		return rc;
	q.baseline_model = cli_baseline_model(cli, base, sizeof(base));
	if ((rc = cli_open_ro(cli, &st, &pr)) != EXIT_OK)
		return rc;
	if (store_report(st, pr, &q, &r, err, sizeof(err)) != 0) {
		rc = cli_fail("report", "%s", err);
		goto out;
	}
	rc = o.fmt == OUT_JSON ? print_json(o.kind, &r) : o.fmt == OUT_CSV ?
	    print_csv(o.kind, &r) : print_table(o.kind, &r);
	store_report_free(&r);
out:
	store_close(st);
	pricing_free(pr);
	return rc;
}
