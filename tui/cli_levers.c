/* cli_levers.c — what the commands that spend share about the levers:
 * the routing baseline, the budget gate in front of a call or batch, the
 * budget alert command (run once per crossing), and compressing --doc
 * files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/budget.h"
#include "core/compress.h"
#include "core/router.h"
#include "tui/alerter.h"
#include "tui/cli.h"

const char *
cli_baseline_model(const struct cli *cli, char *buf, size_t n)
{
	struct router *r;
	char err[256];

	buf[0] = '\0';
	if (cli->cfg.baseline_model[0] != '\0') {
		usage_strlcpy(buf, cli->cfg.baseline_model, n);
		return buf;
	}
	if ((r = router_load_config(&cli->cfg, err, sizeof(err))) == NULL)
		return NULL;
	usage_strlcpy(buf, router_baseline_model(r, NULL), n);
	router_free(r);
	return buf[0] != '\0' ? buf : NULL;
}

/* Dollars as the usage line shows them: 4 places below $1, else 2. */
static char *
usd(int64_t nanos, char *buf, size_t n)
{
	return pricing_format_money(nanos, nanos < NANOS_PER_USD ? 4 : 2, buf, n);
}

int
cli_spend_period(void *arg, const char *tag, int64_t since_ms, int64_t until_ms,
                 int64_t *nanos, char *err, size_t errlen)
{
	struct cli_ledger *a = arg;
	struct report_query q;
	struct report r;

	memset(&q, 0, sizeof(q));
	q.group = REPORT_TOTAL;
	q.since_ms = since_ms;
	q.until_ms = until_ms;
	q.tag = tag;
	if (store_report(a->st, a->pr, &q, &r, err, errlen) != 0)
		return -1;
	*nanos = r.totals.cost_nanos;
	store_report_free(&r);
	return 0;
}

int
cli_spend_rate(void *arg, const char *tag, int64_t since_ms, int64_t until_ms, int64_t *nanos,
               char *err, size_t errlen)
{
	struct cli_ledger *a = arg;
	int64_t reqs;

	return store_spend_between(a->st, a->pr, tag, since_ms, until_ms, nanos, &reqs, NULL, err,
	    errlen);
}

void
cli_config_tz(const struct cli *cli)
{
	if ((getenv("TZ") == NULL || getenv("TZ")[0] == '\0') && cli->cfg.tz[0] != '\0')
		(void)cli_set_tz(cli->cfg.tz);
}

int
cli_budget_status(struct cli *cli, struct store *st, const struct pricing *pr, const char *tag,
                  int all, struct budget_status *out, size_t max, size_t *n,
                  char *err, size_t errlen)
{
	struct cli_ledger a = { st, pr };

	cli_config_tz(cli);
	return budget_collect(&cli->cfg, tag, all, cli_now_ms(), cli_spend_period, &a, out, max, n,
	    err, errlen);
}

int
cli_budget_gate(struct cli *cli, struct store *st, const struct pricing *pr, const char *cmd,
                const char *what, const char *tag, int64_t estimated_nanos, int force)
{
	struct budget_status s[BUDGET_MAX_STATUS];
	char err[512], msg[512];
	size_t n;

	if (cli->cfg.nbudgets == 0)
		return EXIT_OK;
	if (cli_budget_status(cli, st, pr, tag, 0, s, BUDGET_MAX_STATUS, &n, err,
	    sizeof(err)) != 0)
		return cli_fail(cmd, "budget: %s", err);
	if (budget_check(s, n, estimated_nanos, force, what, msg, sizeof(msg)) != 0) {
		cli_fail(cmd, "%s", msg);
		cli_budget_alerts(cli, st, pr, cmd);
		return EXIT_RUNTIME;
	}
	if (msg[0] != '\0')
		cli_warn(cmd, "%s", msg);
	return EXIT_OK;
}

struct claim_arg {
	struct store *st;
	int64_t       now_ms;
};

/* budget_claim_fn over the store's budget_alert table. */
static int
claim(void *arg, const char *key, int *first, char *err, size_t errlen)
{
	struct claim_arg *c = arg;

	return store_alert_claim(c->st, key, c->now_ms, first, err, errlen);
}

/* Start the alert command with the crossing in its environment, without
 * waiting for it; its output goes to stderr, never mixed with an answer. */
static void
run_alert(const char *command, const struct budget_alert *al)
{
	char spent[32], limit[32], pm[32];
	pid_t pid;
	int status;

	snprintf(spent, sizeof(spent), "%lld", (long long)al->status.spent_nanos);
	snprintf(limit, sizeof(limit), "%lld", (long long)al->status.limit_nanos);
	snprintf(pm, sizeof(pm), "%lld", (long long)al->status.permille);
	fflush(NULL);
	if ((pid = fork()) < 0)
		return;
	if (pid == 0) {
		/* detach: the grandchild runs the command, so neither the console's
		 * loop nor a CLI command waits for a slow alert command */
		if (fork() != 0)
			_exit(0);
		setsid();
		dup2(STDERR_FILENO, STDOUT_FILENO);
		setenv("TOKENTOP_BUDGET_PERIOD", budget_period_name(al->status.period), 1);
		setenv("TOKENTOP_BUDGET_STATE", budget_state_name(al->level), 1);
		setenv("TOKENTOP_BUDGET_TAG", al->status.tag, 1);
		setenv("TOKENTOP_BUDGET_KEY", al->status.period_key, 1);
		setenv("TOKENTOP_BUDGET_SPENT_NANOS", spent, 1);
		setenv("TOKENTOP_BUDGET_LIMIT_NANOS", limit, 1);
		setenv("TOKENTOP_BUDGET_PERMILLE", pm, 1);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	/* reaps only the short-lived middle child */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

int
cli_budget_alerts(struct cli *cli, struct store *st, const struct pricing *pr, const char *cmd)
{
	struct budget_status s[BUDGET_MAX_STATUS];
	struct budget_alert due[BUDGET_MAX_STATUS];
	struct claim_arg c = { st, cli_now_ms() };
	char err[512], a[48], b[48];
	size_t n, nd, i;

	if (cli->cfg.nbudgets == 0)
		return 0;
	if (cli_budget_status(cli, st, pr, NULL, 1, s, BUDGET_MAX_STATUS, &n, err,
	    sizeof(err)) != 0 ||
	    budget_alerts_due(s, n, claim, &c, due, BUDGET_MAX_STATUS, &nd, err,
	    sizeof(err)) != 0) {
		cli_warn(cmd, "budget alert: %s", err);
		return 0;
	}
	for (i = 0; i < nd; i++) {
		cli_warn(cmd, "%s budget%s%s %s: %s of %s (%lld%%)",
		    budget_period_name(due[i].status.period), due[i].status.tag[0] ? " " : "",
		    due[i].status.tag, due[i].level == BUDGET_EXCEEDED ? "exceeded" : "at 80%",
		    usd(due[i].status.spent_nanos, a, sizeof(a)),
		    usd(due[i].status.limit_nanos, b, sizeof(b)),
		    (long long)(due[i].status.permille / 10));
		if (cli->cfg.alert_command[0] != '\0')
			run_alert(cli->cfg.alert_command, &due[i]);
	}
	return (int)nd;
}

struct alerter *
cli_alerter(struct cli *cli, const struct pricing *pr, const char *cmd, int flags)
{
	struct alerter *a;
	char err[256];

	if (cli->cfg.nalerts == 0)
		return NULL;
	cli_config_tz(cli);       /* before the thread runs */
	if ((a = alerter_start(&cli->cfg, pr, cmd, flags, err, sizeof(err))) == NULL &&
	    err[0] != '\0' && !(flags & ALERTER_QUIET))
		cli_warn(cmd, "alerts: %s", err);
	return a;
}

/* The kept chunks of document d, joined by blank lines (caller frees). */
static char *
kept_text(const struct compress_result *res, size_t d, size_t *len)
{
	size_t i, n = 0;
	char *out;

	for (i = 0; i < res->nchunks; i++)
		if (res->chunks[i].doc == d && res->chunks[i].fate == COMPRESS_KEPT)
			n += res->chunks[i].len + 2;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	*len = 0;
	for (i = 0; i < res->nchunks; i++) {
		if (res->chunks[i].doc != d || res->chunks[i].fate != COMPRESS_KEPT)
			continue;
		if (*len > 0) {
			memcpy(out + *len, "\n\n", 2);
			*len += 2;
		}
		memcpy(out + *len, res->chunks[i].text, res->chunks[i].len);
		*len += res->chunks[i].len;
	}
	out[*len] = '\0';
	return out;
}

int
cli_compress_docs(const char *cmd, const char *const *paths, size_t n, const char *query,
                  int64_t budget, char **texts, size_t *lens, int64_t *removed,
                  char *err, size_t errlen)
{
	struct compress_input *in = NULL;
	struct compress_result res;
	char a[32], b[32], c[32];
	size_t i;
	int rc = -1;

	memset(&res, 0, sizeof(res));
	for (i = 0; i < n; i++)
		texts[i] = NULL;
	if ((in = compress_input_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (compress_input_add_file(in, paths[i], err, errlen) != 0)
			goto out;
	if (compress_run(in, query, budget, &res, err, errlen) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((texts[i] = kept_text(&res, i, &lens[i])) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (lens[i] == 0) {
			free(texts[i]);
			texts[i] = NULL;
		}
	}
	*removed = res.tokens_removed;
	fprintf(stderr, "tokentop %s: compress: %zu chunks → %zu kept (%zu exact, %zu near "
	    "duplicates dropped), ~%s → ~%s tokens, %s removed (budget %lld)\n", cmd,
	    res.chunks_before, res.chunks_after, res.exact_dups, res.near_dups,
	    cli_group(res.tokens_before, a, sizeof(a)), cli_group(res.tokens_after, b, sizeof(b)),
	    cli_group(res.tokens_removed, c, sizeof(c)), (long long)budget);
	rc = 0;
out:
	if (rc != 0)
		for (i = 0; i < n; i++) {
			free(texts[i]);
			texts[i] = NULL;
		}
	compress_result_done(&res);
	compress_input_free(in);
	return rc;
}
