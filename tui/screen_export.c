/* screen_export.c — the Reports screen's export: CSV or JSON (jansson) of
 * the table in view, with the same figures the screen shows. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/text.h"
#include "tui/screen_export.h"

/* Exact dollars from nanos: "41.270000000". */
static void
usd_exact(int64_t nanos, char *buf, size_t n)
{
	uint64_t u = nanos < 0 ? (uint64_t)0 - (uint64_t)nanos : (uint64_t)nanos;

	snprintf(buf, n, "%s%llu.%09llu", nanos < 0 ? "-" : "",
	    (unsigned long long)(u / 1000000000ULL), (unsigned long long)(u % 1000000000ULL));
}

static void
csv_row(FILE *f, const struct report_row *r, const char *key)
{
	char usd[48];

	text_csv_write(f, key);     /* sanitised, quoted, formulas neutralised */
	usd_exact(r->cost_nanos, usd, sizeof(usd));
	fprintf(f, ",%lld,%lld,%lld,%lld,%lld,%lld,%s,%lld\n", (long long)r->requests,
	    (long long)r->tok.input, (long long)r->tok.write_5m, (long long)r->tok.write_1h,
	    (long long)r->tok.cache_read, (long long)r->tok.output, usd,
	    (long long)r->unpriced_requests);
}

static int
write_csv(FILE *f, const struct report *r, const char *column)
{
	size_t i;

	fprintf(f, "%s,requests,input_tokens,cache_write_5m_tokens,cache_write_1h_tokens,"
	    "cache_read_tokens,output_tokens,cost_usd,unpriced_requests\n", column);
	for (i = 0; i < r->nrows; i++)
		csv_row(f, &r->rows[i], r->rows[i].key);
	csv_row(f, &r->totals, "total");
	return ferror(f) ? -1 : 0;
}

static json_t *
json_row(const struct report_row *r)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:I}",
	    "key", r->key, "requests", (json_int_t)r->requests,
	    "input_tokens", (json_int_t)r->tok.input,
	    "cache_write_5m_tokens", (json_int_t)r->tok.write_5m,
	    "cache_write_1h_tokens", (json_int_t)r->tok.write_1h,
	    "cache_read_tokens", (json_int_t)r->tok.cache_read,
	    "output_tokens", (json_int_t)r->tok.output,
	    "cost_nanos", (json_int_t)r->cost_nanos,
	    "cost_usd", (double)r->cost_nanos / 1e9,
	    "unpriced_requests", (json_int_t)r->unpriced_requests);
}

static int
write_json(FILE *f, const struct report *r, const char *column)
{
	json_t *root, *rows;
	size_t i;
	int rc;

	rows = json_array();
	for (i = 0; i < r->nrows; i++)
		json_array_append_new(rows, json_row(&r->rows[i]));
	root = json_pack("{s:s, s:o, s:o}", "group", column, "rows", rows, "totals",
	    json_row(&r->totals));
	if (root == NULL)
		return -1;
	rc = json_dumpf(root, f, JSON_INDENT(2)) == 0 && fputc('\n', f) != EOF ? 0 : -1;
	json_decref(root);
	return rc;
}

int
screen_export_write(const char *path, const struct report *r, const char *column,
                    char *msg, size_t msglen)
{
	char tmp[PATH_MAX], abs[PATH_MAX];
	size_t n = strlen(path);
	int json = n >= 5 && strcmp(path + n - 5, ".json") == 0, rc = -1;
	FILE *f;

	if (n == 0 || snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		snprintf(msg, msglen, "bad file name");
		return -1;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = json ? write_json(f, r, column) : write_csv(f, r, column);
	if (fclose(f) != 0 || rc != 0) {
		snprintf(msg, msglen, "%s: write failed", path);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (realpath(path, abs) == NULL)
		snprintf(abs, sizeof(abs), "%s", path);
	snprintf(msg, msglen, "%s (%zu rows, %s)", abs, r->nrows, json ? "JSON" : "CSV");
	return 0;
}
