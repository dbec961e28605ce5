/* cli_report_limits.c — `tokentop report limits`: the latest rate-limit
 * figures per provider × model × API key fingerprint × kind, as the proxy,
 * `call` and batch polling last read them, with the 429s of the last hour. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/ratelimit.h"
#include "tui/cli.h"
#include "tui/cli_batch.h"
#include "tui/view.h"

#define LCMD "report limits"

static void
limits_help(void)
{
	printf("usage: tokentop report limits [--json]\n"
	       "\n"
	       "Rate-limit headroom: for each provider, model, API key (by fingerprint:\n"
	       "its last four characters and a hash, never the key) and kind (requests,\n"
	       "tokens, input_tokens, output_tokens), what the API's latest answer said\n"
	       "was left, the limit, when it is full again, and the 429s of the last\n"
	       "hour. Read from every answer through `tokentop proxy`, `call` and batch\n"
	       "polling. A model \"\" is the batch API's own limit; a kind \"\" (null in\n"
	       "JSON) a key and model that only ever got 429s without figures.\n"
	       "\n"
	       "  --json   {\"rows\":[{provider, model, key, kind, limit, remaining,\n"
	       "           reset (RFC 3339), rejected_last_hour}]}; an unknown figure is null\n"
	       "\n"
	       "Exit status: 0, 1 failure, 2 usage.\n");
}

static json_t *
num_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static int
print_json(const struct store_ratelimit_row *r, size_t n)
{
	json_t *rows = json_array(), *o, *top;
	char reset[40];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		cli_batch_fmt_time(r[i].reset_ms, reset, sizeof(reset));
		o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I}",
		    "provider", r[i].provider, "model", r[i].model, "key", r[i].key,
		    "kind", r[i].kind[0] != '\0' ? json_string(r[i].kind) : json_null(),
		    "limit", num_or_null(r[i].limit), "remaining", num_or_null(r[i].remaining),
		    "reset", r[i].reset_ms > 0 ? json_string(reset) : json_null(),
		    "rejected_last_hour", (json_int_t)r[i].rejected_last_hour);
		json_array_append_new(rows, o);
	}
	top = json_pack("{s:o}", "rows", rows);
	rc = cli_json(stdout, top, CLI_REPORT_JSON_FLAGS);
	json_decref(top);
	return rc;
}

/* The table: fixed-width figures first, then the key and the model (free
 * text last, so no measure of its width is needed to align the rest). */
static void
print_table(const struct store_ratelimit_row *r, size_t n, int64_t now)
{
	char a[32], b[32], z[24], line[256];
	size_t i;

	if (n == 0) {
		printf("No rate-limit figures yet: they come from answers through `tokentop "
		       "proxy`, `call` and batch polling.\n");
		return;
	}
	printf("%-10s %-13s %13s %13s %9s %7s  %-17s %s\n", "PROVIDER", "KIND", "REMAINING",
	       "LIMIT", "RESET IN", "429/1h", "KEY", "MODEL");
	for (i = 0; i < n; i++) {
		if (r[i].remaining >= 0)
			cli_group(r[i].remaining, a, sizeof(a));
		else
			snprintf(a, sizeof(a), "-");
		if (r[i].limit >= 0)
			cli_group(r[i].limit, b, sizeof(b));
		else
			snprintf(b, sizeof(b), "-");
		snprintf(line, sizeof(line), "%-10s %-13s %13s %13s %9s %7lld  ", r[i].provider,
		    r[i].kind[0] ? r[i].kind : "-", a, b,
		    ratelimit_fmt_reset(r[i].reset_ms, now, z, sizeof(z)),
		    (long long)r[i].rejected_last_hour);
		fputs(line, stdout);
		cli_put(stdout, r[i].key[0] ? r[i].key : "-");
		printf("%*s", 1 + (view_width(r[i].key) < 17 ? 17 - view_width(r[i].key) : 0), "");
		cli_put(stdout, r[i].model[0] ? r[i].model : "(batch API)");
		fputc('\n', stdout);
	}
}

int
cli_report_limits(struct cli *cli, int argc, char **argv)
{
	struct store_ratelimit_row *rows = NULL;
	struct store *st = NULL;
	char err[512];
	size_t n = 0;
	int i, json = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			limits_help();
			return EXIT_OK;
		} else
			return cli_usage_error(LCMD, "unexpected argument '%s'", argv[i]);
	}
	if ((rc = cli_open_ro(cli, &st, NULL)) != EXIT_OK)
		return rc;
	if (store_ratelimit_list(st, cli_now_ms(), &rows, &n, err, sizeof(err)) != 0) {
		rc = cli_fail(LCMD, "%s", err);
		goto out;
	}
	if (json) {
		if (print_json(rows, n) != 0)
			rc = cli_fail(LCMD, "cannot write the output");
	} else {
		print_table(rows, n, cli_now_ms());
	}
out:
	free(rows);
	store_close(st);
	return rc;
}
