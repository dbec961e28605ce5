/* screen_export.c — the Reports screen's export: CSV or JSON (jansson) of
 * the table in view, with the same figures the screen shows. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "core/text.h"
#include "tui/cli.h"
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

/* The CLI's `report --json` (cli_report_json, written through cli_json):
 * the same keys, values and escapes. */
static int
write_json(FILE *f, const struct report *r, const char *column)
{
	json_t *root = cli_report_json(column, 0, r);
	int rc;

	if (root == NULL)
		return -1;
	rc = cli_json(f, root, CLI_REPORT_JSON_FLAGS);
	json_decref(root);
	return rc;
}

/* The format by the extension, any case: 1 JSON, 0 CSV, -1 neither. */
static int
format_of(const char *path)
{
	size_t n = strlen(path);

	if (n >= 5 && strcasecmp(path + n - 5, ".json") == 0)
		return 1;
	if (n >= 4 && strcasecmp(path + n - 4, ".csv") == 0)
		return 0;
	return -1;
}

int
screen_export_write(const char *path, const struct report *r, const char *column,
                    int overwrite, char *msg, size_t msglen)
{
	char tmp[PATH_MAX], abs[PATH_MAX];
	size_t n = strlen(path);
	int json = format_of(path), rc = -1;
	FILE *f;

	if (n == 0 || snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		snprintf(msg, msglen, "bad file name");
		return -1;
	}
	if (json < 0) {
		snprintf(msg, msglen, "name it .csv or .json (the format follows the name)");
		return -1;
	}
	if (!overwrite && access(path, F_OK) == 0) {
		snprintf(msg, msglen, "%s exists", path);
		return 1;
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
