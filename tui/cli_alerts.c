/* cli_alerts.c — `tokentop alerts`: the recent alerts and their delivery,
 * `alerts test` (a test message to every target), `alerts check` (the
 * rules now, then what is due) and `alerts flush` (every pending alert
 * now, whatever its backoff: postqueue -f). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/alert.h"
#include "tui/alerter.h"
#include "tui/cli.h"

#define CMD "alerts"
#define LIST_DEFAULT 20

static void
help(void)
{
	fputs(
	    "usage: tokentop alerts [--json] [--limit N]\n"
	    "       tokentop alerts test\n"
	    "       tokentop alerts check\n"
	    "       tokentop alerts flush\n"
	    "\n"
	    "The config's \"alerts\" rules: the latest alerts and their delivery (pending,\n"
	    "delivered, failed), newest first; `test` sends a test message to every\n"
	    "target and says how each went (exit 1 if any failed); `check` checks the\n"
	    "rules now and delivers what is due (for cron); `flush` delivers every\n"
	    "pending alert now, whatever its retry backoff. Targets are shown by their\n"
	    "fingerprint (webhook#1a2b3c4d): a webhook URL is a secret.\n"
	    "\n"
	    "  --json      {\"alerts\":[{\"id\",\"created\",\"kind\",\"rule\",\"target\",\"status\",\n"
	    "              \"attempts\",\"delivered\",\"last_error\",\"text\",\"key\",\"fields\"}]}\n"
	    "  --limit N   at most N alerts (default 20)\n", stdout);
}

/* ms as "2026-12-02 14:03:00" local, or (utc) "2026-12-02T13:03:00Z";
 * "" for 0. */
static const char *
stamp(int64_t ms, int utc, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	buf[0] = '\0';
	if (ms > 0 && (utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) != NULL)
		strftime(buf, n, utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static int
list_json(const struct alert_rec *a, size_t n)
{
	json_t *o = json_object(), *arr = json_array();
	char c[40], d[40];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		json_t *f = json_loads(a[i].fields, 0, NULL);

		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:i, s:s, s:s, s:I, s:s?,"
		    " s:s, s:s, s:s, s:o}", "id", (json_int_t)a[i].id,
		    "created", stamp(a[i].created_ms, 1, c, sizeof(c)), "kind", a[i].kind,
		    "rule", a[i].rule, "target", a[i].target, "status", a[i].status,
		    "attempts", (json_int_t)a[i].attempts,
		    "delivered", a[i].delivered_ms > 0 ? stamp(a[i].delivered_ms, 1, d, sizeof(d)) : NULL,
		    "last_error", a[i].last_error, "text", a[i].text, "key", a[i].key,
		    "fields", f != NULL ? f : json_object()));
	}
	json_object_set_new(o, "alerts", arr);
	rc = cli_json(stdout, o, CLI_REPORT_JSON_FLAGS);
	json_decref(o);
	return rc;
}

static void
list_table(const struct alert_rec *a, size_t n)
{
	char c[40];
	size_t i;

	if (n == 0) {
		cli_line(stdout, "no alerts yet");
		return;
	}
	cli_line(stdout, "%-19s  %-9s  %-17s  %-16s  %s", "TIME", "KIND", "TARGET", "STATUS", "ALERT");
	for (i = 0; i < n; i++) {
		char st[48];

		if (strcmp(a[i].status, "pending") == 0 && a[i].attempts > 0)
			snprintf(st, sizeof(st), "pending (%lld tries)", (long long)a[i].attempts);
		else
			snprintf(st, sizeof(st), "%s", a[i].status);
		cli_line(stdout, "%-19s  %-9s  %-17s  %-16s  %s%s%s", stamp(a[i].created_ms, 0, c,
		    sizeof(c)), a[i].kind, a[i].target, st, a[i].text,
		    a[i].last_error[0] ? " — last error: " : "", a[i].last_error);
	}
}

static int
do_list(struct cli *cli, int json, long limit)
{
	struct store *st = NULL;
	struct alert_rec *a;
	char err[512];
	size_t n;
	int rc;

	if ((a = calloc((size_t)limit, sizeof(*a))) == NULL)
		return cli_fail(CMD, "out of memory");
	if ((rc = cli_open_ro(cli, &st, NULL)) != EXIT_OK) {
		free(a);
		return rc;
	}
	if (store_alert_list(st, (size_t)limit, a, &n, err, sizeof(err)) != 0) {
		rc = cli_fail(CMD, "%s", err);
	} else if (json) {
		rc = list_json(a, n) == 0 ? EXIT_OK : cli_fail(CMD, "writing the output failed");
	} else {
		list_table(a, n);
	}
	store_close(st);
	free(a);
	return rc;
}

/* A test message to every rule's target. */
static int
do_test(struct cli *cli)
{
	struct alert_rec a;
	char why[256];
	int i, failed = 0;

	if (cli->cfg.nalerts == 0) {
		cli_warn(CMD, "no alert rules in the config (\"alerts\": [{\"when\": …, \"to\": …}])");
		return EXIT_RUNTIME;
	}
	for (i = 0; i < cli->cfg.nalerts; i++) {
		const struct alert_rule *r = &cli->cfg.alerts[i];

		memset(&a, 0, sizeof(a));
		a.rule = i;
		a.created_ms = cli_now_ms();
		snprintf(a.kind, sizeof(a.kind), "test");
		snprintf(a.key, sizeof(a.key), "%s|test|%lld", r->id, (long long)a.created_ms);
		snprintf(a.target, sizeof(a.target), "%s", r->target);
		snprintf(a.text, sizeof(a.text), "tokentop: a test of alert rule %d (%s) to %s", i,
		    alert_when_name(r->when), r->target);
		snprintf(a.fields, sizeof(a.fields), "{\"rule\":%d,\"when\":\"%s\"}", i,
		    alert_when_name(r->when));
		if (alert_send(r, &a, 0, why, sizeof(why)) == 0) {
			cli_line(stdout, "rule %d (%s) → %s: delivered", i, alert_when_name(r->when),
			    r->target);
		} else {
			cli_line(stdout, "rule %d (%s) → %s: FAILED: %s", i, alert_when_name(r->when),
			    r->target, why);
			failed++;
		}
	}
	return failed > 0 ? EXIT_RUNTIME : EXIT_OK;
}

/* check (the rules, then what is due) or flush (every pending one now). */
static int
do_deliver(struct cli *cli, int check)
{
	struct store *st = NULL;
	struct pricing *pr = NULL;
	struct alert_pass p;
	char err[512];
	int rc, raised = 0;

	if ((rc = cli_open(cli, &st, &pr)) != EXIT_OK)
		return rc;
	cli_config_tz(cli);
	if (check && alert_check(&cli->cfg, st, pr, cli_now_ms(), &raised, err, sizeof(err)) != 0)
		rc = cli_fail(CMD, "checking the rules: %s", err);
	else if (alert_deliver(&cli->cfg, st, cli_now_ms(), !check, 0, &p, err, sizeof(err)) != 0)
		rc = cli_fail(CMD, "%s", err);
	else {
		cli_line(stdout, "%d raised, %d delivered, %d failed%s%s", raised, p.sent, p.failed,
		    p.failed ? " (kept, retried later): " : "", p.last_error);
		rc = p.failed > 0 ? EXIT_RUNTIME : EXIT_OK;
	}
	store_close(st);
	pricing_free(pr);
	return rc;
}

int
cli_alerts(struct cli *cli, int argc, char **argv)
{
	long limit = LIST_DEFAULT;
	int i, json = 0;
	char *end;

	if (argc >= 2 && strcmp(argv[1], "test") == 0)
		return argc == 2 ? do_test(cli) : cli_usage_error(CMD, "test takes no arguments");
	if (argc >= 2 && (strcmp(argv[1], "check") == 0 || strcmp(argv[1], "flush") == 0))
		return argc == 2 ? do_deliver(cli, argv[1][0] == 'c') :
		    cli_usage_error(CMD, "%s takes no arguments", argv[1]);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			help();
			return EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			limit = strtol(argv[++i], &end, 10);
			if (*end != '\0' || limit < 1 || limit > 10000)
				return cli_usage_error(CMD, "--limit: '%s': expected 1..10000", argv[i]);
		} else {
			return cli_usage_error(CMD, "unknown argument '%s'", argv[i]);
		}
	}
	return do_list(cli, json, limit);
}
