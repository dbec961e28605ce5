/* cli_compress.c — `tokentop compress`: shrink retrieved documents to a token
 * budget (dedupe, BM25 against the query, original order kept). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/compress.h"
#include "tui/cli.h"

static void
compress_usage(FILE *f)
{
	fprintf(f,
	    "usage: tokentop compress --query Q [--budget N] [--json] FILE...\n"
	    "\n"
	    "Read retrieved documents (RAG chunks), drop exact and near duplicates,\n"
	    "rank the rest by BM25 relevance to the query and keep the best that fit\n"
	    "in N estimated tokens (bytes/4), in their original order. The kept text\n"
	    "goes to standard output, a summary to standard error. The same input\n"
	    "always gives the same bytes.\n"
	    "\n"
	    "A FILE is split into chunks at lines that are exactly \"---\" when it has\n"
	    "any, else at blank lines (one paragraph = one chunk). - reads stdin.\n"
	    "\n"
	    "  --query Q    the question the context is for\n"
	    "  --budget N   most tokens to keep (default: no limit, only dedupe)\n"
	    "  --json       print the text, the summary and each chunk's fate as JSON\n"
	    "  -h, --help   this help\n");
}

static const char *
fate_name(enum compress_fate f)
{
	switch (f) {
	case COMPRESS_KEPT:        return "kept";
	case COMPRESS_OVER_BUDGET: return "over_budget";
	case COMPRESS_EXACT_DUP:   return "exact_duplicate";
	case COMPRESS_NEAR_DUP:    return "near_duplicate";
	}
	return "?";
}

static int
print_json(const struct compress_result *r, const char *query, int64_t budget,
           char **files)
{
	json_t *o = json_object(), *arr = json_array(), *c;
	size_t i;
	int rc;

	json_object_set_new(o, "query", json_string(query));
	json_object_set_new(o, "budget", budget < 0 ? json_null() : json_integer(budget));
	json_object_set_new(o, "chunks_before", json_integer((json_int_t)r->chunks_before));
	json_object_set_new(o, "chunks_after", json_integer((json_int_t)r->chunks_after));
	json_object_set_new(o, "tokens_before", json_integer(r->tokens_before));
	json_object_set_new(o, "tokens_after", json_integer(r->tokens_after));
	json_object_set_new(o, "tokens_removed", json_integer(r->tokens_removed));
	json_object_set_new(o, "duplicates_dropped",
	    json_integer((json_int_t)(r->exact_dups + r->near_dups)));
	json_object_set_new(o, "exact_duplicates", json_integer((json_int_t)r->exact_dups));
	json_object_set_new(o, "near_duplicates", json_integer((json_int_t)r->near_dups));
	json_object_set_new(o, "text", json_stringn(r->text, r->len));
	for (i = 0; i < r->nchunks; i++) {
		const struct compress_chunk *k = &r->chunks[i];

		c = json_object();
		json_object_set_new(c, "file", json_string(files[k->doc]));
		json_object_set_new(c, "fate", json_string(fate_name(k->fate)));
		json_object_set_new(c, "tokens", json_integer(k->tokens));
		json_object_set_new(c, "score", json_real(k->score));
		if (k->fate == COMPRESS_EXACT_DUP || k->fate == COMPRESS_NEAR_DUP) {
			json_object_set_new(c, "duplicate_of", json_integer((json_int_t)k->dup_of));
			json_object_set_new(c, "similarity", json_real(k->similarity));
		}
		json_array_append_new(arr, c);
	}
	json_object_set_new(o, "chunks", arr);
	rc = cli_json(stdout, o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(o);
	return rc == 0 ? EXIT_OK : cli_fail("compress", "writing JSON failed");
}

static void
print_summary(const struct compress_result *r)
{
	char a[32], b[32], c[32];
	size_t over = r->chunks_before - r->chunks_after - r->exact_dups - r->near_dups;

	fprintf(stderr,
	    "tokentop compress: %zu chunks -> %zu (%zu duplicates dropped: %zu exact, %zu near;"
	    " %zu over budget); ~%s -> ~%s tokens (%s removed, %.1f%%)\n",
	    r->chunks_before, r->chunks_after, r->exact_dups + r->near_dups, r->exact_dups,
	    r->near_dups, over, cli_group(r->tokens_before, a, sizeof(a)),
	    cli_group(r->tokens_after, b, sizeof(b)), cli_group(r->tokens_removed, c, sizeof(c)),
	    r->tokens_before > 0 ? 100.0 * (double)r->tokens_removed / (double)r->tokens_before : 0.0);
}

/* Parse a non-negative token count. */
static int
parse_budget(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0)
		return -1;
	*out = v;
	return 0;
}

int
cli_compress(struct cli *cli, int argc, char **argv)
{
	const char *query = NULL;
	int64_t budget = COMPRESS_NO_BUDGET;
	int i, first, json = 0, rc = EXIT_RUNTIME;
	struct compress_input *in = NULL;
	struct compress_result res;
	char err[1024];

	memset(&res, 0, sizeof(res));
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--") == 0) {
			i++;
			break;
		} else if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
			compress_usage(stdout);
			return EXIT_OK;
		} else if (strcmp(opt, "--json") == 0)
			json = 1;
		else if (strcmp(opt, "--query") == 0 || strcmp(opt, "--budget") == 0) {
			if (val == NULL)
				return cli_usage_error("compress", "%s needs a value", opt);
			i++;
			if (opt[2] == 'q')
				query = val;
			else if (parse_budget(val, &budget) != 0)
				return cli_usage_error("compress",
				    "--budget: %s is not a token count (a whole number >= 0)", val);
		} else
			return cli_usage_error("compress", "unknown option %s", opt);
	}
	if (query == NULL)
		return cli_usage_error("compress", "--query is required");
	if (i >= argc)
		return cli_usage_error("compress", "no FILE given (- reads stdin)");
	if ((in = compress_input_new()) == NULL)
		return cli_fail("compress", "out of memory");
	for (first = i; i < argc; i++) {
		if (compress_input_add_file(in, argv[i], err, sizeof(err)) != 0) {
			rc = cli_fail("compress", "%s", err);
			goto out;
		}
	}
	if (compress_run(in, query, budget, &res, err, sizeof(err)) != 0) {
		rc = cli_fail("compress", "%s", err);
		goto out;
	}
	if (json)
		rc = print_json(&res, query, budget, argv + first);
	else {
		if (res.len > 0) {
			cli_put_text(stdout, res.text, res.len);
			putchar('\n');
		}
		rc = fflush(stdout) == 0 ? EXIT_OK : cli_fail("compress", "write error");
	}
	print_summary(&res);
out:
	compress_result_done(&res);
	compress_input_free(in);
	(void)cli;
	return rc;
}
