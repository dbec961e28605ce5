/* cli_status.c — `tokentop status`: one line (or one JSON object) for shell
 * prompts, tmux status lines and agent hooks: today's spend, the last
 * hour's rate, where it leads by midnight (the console's projection), the
 * month, every budget's use, rows waiting in the spool. Exit 3 when a
 * budget is exceeded. It reads the rollups (and the last hour's rows for
 * the rate), so it answers in milliseconds whatever the ledger's size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/budget.h"
#include "core/num.h"
#include "data/spool.h"
#include "tui/cli.h"

#define CMD "status"

/* What status says, gathered once for every form. */
struct status {
	int64_t now_ms, day_end_ms;
	int64_t today_nanos, hour_nanos, projected_nanos, month_nanos;
	int64_t spooled;
	struct budget_status b[BUDGET_MAX_STATUS];
	size_t  nb;
	int     exceeded;
};

static void
help(void)
{
	fputs(
	    "usage: tokentop status [--json] [--format TEMPLATE]\n"
	    "\n"
	    "Today's spend, the last hour's rate, the projection to midnight at that\n"
	    "rate, the month, every budget's use and rows waiting in the spool, in one\n"
	    "line (or JSON) for prompts and status lines. Exits 3 when a budget is\n"
	    "exceeded, so scripts and agent hooks can stop.\n"
	    "\n"
	    "  --json             {\"today_usd\",\"rate_usd_per_hour\",\"projected_today_usd\",\n"
	    "                     \"month_usd\",\"spooled_rows\",\"budgets\":[{\"period\",\"tag\",\n"
	    "                     \"spent_usd\",\"limit_usd\",\"percent\",\"exceeded\"}]}\n"
	    "  --format TEMPLATE  fields {today} {rate} {projection} {month} {budget}\n"
	    "                     ({budget}: the most used limit, \"82% daily\"; \"\" when\n"
	    "                     none); {{ and }} are braces. Example: '{today} {rate}/h'\n", stdout);
}

/* $ with 2 decimals from $1 on, 4 below (as the usage line). */
static char *
usd(int64_t nanos, char *buf, size_t n)
{
	return pricing_format_money(nanos, nanos != 0 && nanos < NANOS_PER_USD && nanos > -NANOS_PER_USD ? 4 : 2,
	    buf, n);
}

static int
gather(struct cli *cli, struct store *st, const struct pricing *pr, struct status *s,
       char *err, size_t errlen)
{
	int64_t day0, mon0, mon1;
	struct cli_ledger led = { st, pr };
	char key[16];
	size_t i;

	memset(s, 0, sizeof(*s));
	if (cli_budget_status(cli, st, pr, NULL, 1, s->b, BUDGET_MAX_STATUS, &s->nb, err,
	    errlen) != 0 ||
	    budget_add_rate(s->b, s->nb, cli_now_ms(), cli_spend_rate, &led, err, errlen) != 0)
		return -1;
	s->now_ms = cli_now_ms();
	if (budget_period_bounds(BUDGET_DAILY, s->now_ms, &day0, &s->day_end_ms, key,
	    sizeof(key)) != 0 ||
	    budget_period_bounds(BUDGET_MONTHLY, s->now_ms, &mon0, &mon1, key, sizeof(key)) != 0) {
		snprintf(err, errlen, "the local time cannot be converted");
		return -1;
	}
	/* the periods from the rollups, each bounded as a budget's is (a row
	 * stamped tomorrow by a clock ahead is not today's; whole local days
	 * and months are read from their cells, no hour or raw row at an
	 * edge); the rate from the last hour's rows */
	if (cli_spend_period(&led, NULL, day0, s->day_end_ms, &s->today_nanos, err,
	    errlen) != 0 ||
	    cli_spend_period(&led, NULL, mon0, mon1, &s->month_nanos, err, errlen) != 0 ||
	    cli_spend_rate(&led, NULL, s->now_ms - BUDGET_RATE_WINDOW_MS, s->now_ms,
	    &s->hour_nanos, err, errlen) != 0)
		return -1;
	s->projected_nanos = budget_project(s->today_nanos, s->hour_nanos, s->now_ms,
	    s->day_end_ms);
	if (spool_pending(cli->cfg.spool_path, st, &s->spooled, err, errlen) != 0) {
		cli_warn(CMD, "spool: %s", err);   /* a note: the figures stand */
		s->spooled = 0;
	}
	for (i = 0; i < s->nb; i++)
		if (s->b[i].state == BUDGET_EXCEEDED)
			s->exceeded = 1;
	return 0;
}

static int
put_json(const struct status *s)
{
	json_t *o = json_object(), *list = json_array();
	size_t i;
	int rc;

	json_object_set_new(o, "today_usd", json_real(pricing_usd(s->today_nanos)));
	json_object_set_new(o, "rate_usd_per_hour", json_real(pricing_usd(s->hour_nanos)));
	json_object_set_new(o, "projected_today_usd", json_real(pricing_usd(s->projected_nanos)));
	json_object_set_new(o, "month_usd", json_real(pricing_usd(s->month_nanos)));
	json_object_set_new(o, "spooled_rows", json_integer(s->spooled));
	for (i = 0; i < s->nb; i++) {
		const struct budget_status *b = &s->b[i];

		json_array_append_new(list, json_pack("{s:s, s:s, s:f, s:f, s:f, s:b}",
		    "period", budget_period_name(b->period), "tag", b->tag,
		    "spent_usd", pricing_usd(b->spent_nanos), "limit_usd", pricing_usd(b->limit_nanos),
		    "percent", (double)b->permille / 10.0, "exceeded", b->state == BUDGET_EXCEEDED));
	}
	json_object_set_new(o, "budgets", list);
	rc = cli_json(stdout, o, CLI_REPORT_JSON_FLAGS);
	json_decref(o);
	return rc;
}

/* {budget}: the limit used most, "82% daily" ("82% daily ci" with a tag). */
static void
most_used(const struct status *s, char *buf, size_t n)
{
	const struct budget_status *m = NULL;
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < s->nb; i++)
		if (m == NULL || s->b[i].permille > m->permille)
			m = &s->b[i];
	if (m != NULL)
		snprintf(buf, n, "%lld%% %s%s%s", (long long)(m->permille / 10),
		    budget_period_name(m->period), m->tag[0] ? " " : "", m->tag);
}

/* The value of template field name[0..len), or NULL when there is none. */
static const char *
field(const struct status *s, const char *name, size_t len, char *buf, size_t n)
{
	static const char *const names[] = { "today", "rate", "projection", "month", "budget" };
	int64_t v[] = { s->today_nanos, s->hour_nanos, s->projected_nanos, s->month_nanos };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) != len || strncmp(names[i], name, len) != 0)
			continue;
		if (i == 4)
			most_used(s, buf, n);
		else
			usd(v[i], buf, n);
		return buf;
	}
	return NULL;
}

/* Expand tpl into out (NUL-terminated, truncated at n). 0, or -1 with the
 * unknown or unclosed field in err. */
static int
expand(const struct status *s, const char *tpl, char *out, size_t n, char *err, size_t errlen)
{
	size_t o = 0;
	char val[64];

	while (*tpl != '\0') {
		const char *add = tpl, *end;
		size_t len = 1;

		if ((tpl[0] == '{' && tpl[1] == '{') || (tpl[0] == '}' && tpl[1] == '}')) {
			tpl++;           /* "{{" → "{" */
		} else if (tpl[0] == '{') {
			if ((end = strchr(tpl, '}')) == NULL) {
				snprintf(err, errlen, "--format: unclosed field '%s'", tpl);
				return -1;
			}
			if ((add = field(s, tpl + 1, (size_t)(end - tpl - 1), val, sizeof(val))) == NULL) {
				snprintf(err, errlen, "--format: unknown field '%.*s' (fields: {today} "
				    "{rate} {projection} {month} {budget})", (int)(end - tpl + 1), tpl);
				return -1;
			}
			len = strlen(add);
			tpl = end;
		}
		if (o + len < n) {
			memcpy(out + o, add, len);
			o += len;
		}
		tpl++;
	}
	out[o] = '\0';
	return 0;
}

/* The default line: "today $4.20 · $0.80/h → $12.40 · month $88.10 ·
 * daily 42% of $10.00 · 3 spooled". */
static void
put_line(const struct status *s)
{
	char line[1024], a[32], b[32], c[32], d[32];
	size_t i, o;

	o = (size_t)snprintf(line, sizeof(line), "today %s · %s/h → %s by midnight · month %s",
	    usd(s->today_nanos, a, sizeof(a)), usd(s->hour_nanos, b, sizeof(b)),
	    usd(s->projected_nanos, c, sizeof(c)), usd(s->month_nanos, d, sizeof(d)));
	for (i = 0; i < s->nb && o < sizeof(line); i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, " · %s%s%s %lld%% of %s%s",
		    budget_period_name(s->b[i].period), s->b[i].tag[0] ? " " : "", s->b[i].tag,
		    (long long)(s->b[i].permille / 10),
		    pricing_format_money(s->b[i].limit_nanos, 2, b, sizeof(b)),
		    s->b[i].state == BUDGET_EXCEEDED ? " EXCEEDED" : "");
	if (s->spooled > 0 && o < sizeof(line))
		snprintf(line + o, sizeof(line) - o, " · %lld rows spooled", (long long)s->spooled);
	cli_line(stdout, "%s", line);
}

int
cli_status(struct cli *cli, int argc, char **argv)
{
	struct store *st = NULL;
	struct pricing *pr = NULL;
	struct status s;
	const char *tpl = NULL;
	char err[512], out[1024];
	int i, json = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			help();
			return EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			tpl = argv[++i];
		} else if (strncmp(argv[i], "--format=", 9) == 0) {
			tpl = argv[i] + 9;
		} else if (strcmp(argv[i], "--format") == 0) {
			return cli_usage_error(CMD, "--format needs a template");
		} else {
			return cli_usage_error(CMD, "unknown argument '%s'", argv[i]);
		}
	}
	if (json && tpl != NULL)
		return cli_usage_error(CMD, "--json and --format exclude each other");
	cli_config_tz(cli);
	/* a bad template is a usage error before the ledger is read */
	memset(&s, 0, sizeof(s));
	if (tpl != NULL && expand(&s, tpl, out, sizeof(out), err, sizeof(err)) != 0)
		return cli_usage_error(CMD, "%s", err);
	if ((rc = cli_open_ro(cli, &st, &pr)) != EXIT_OK)
		return rc;
	if (gather(cli, st, pr, &s, err, sizeof(err)) != 0) {
		rc = cli_fail(CMD, "%s", err);
		goto out;
	}
	if (json) {
		if (put_json(&s) != 0) {
			rc = cli_fail(CMD, "writing the output failed");
			goto out;
		}
	} else if (tpl != NULL) {
		(void)expand(&s, tpl, out, sizeof(out), err, sizeof(err));
		cli_line(stdout, "%s", out);
	} else {
		put_line(&s);
	}
	rc = s.exceeded ? EXIT_BUDGET : EXIT_OK;
out:
	store_close(st);
	pricing_free(pr);
	return rc;
}
