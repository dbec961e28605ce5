/* console_budget.c — the console's budgets: the same limits, spend and
 * projection as `call` and `batch submit` see (cli_budget_status over
 * core/budget), read again when the ledger moves; a crossing rings the bell
 * and runs the configured alert command once (cli_budget_alerts claims it
 * in the store, so a `call` in another terminal never repeats it). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tui/console.h"
#include "tui/view.h"

/*
 * cli_budget_alerts writes a line per crossing on stderr and runs the
 * alert command with its output there: under curses that would scribble
 * over the screen, so stderr points at /dev/null for the call. The
 * crossing itself is said in the status line. Returns the crossings
 * announced.
 */
static int
alerts_quietly(struct console *c)
{
	int saved, nul, n;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && nul >= 0)
		dup2(nul, STDERR_FILENO);
	n = cli_budget_alerts(c->cli, c->st, c->pr, "console");
	fflush(stderr);
	if (saved >= 0 && nul >= 0)
		dup2(saved, STDERR_FILENO);
	if (saved >= 0)
		close(saved);
	if (nul >= 0)
		close(nul);
	return n;
}

/* The crossing in the status line. */
static void
say_crossing(struct console *c, const struct budget_status *s)
{
	char a[32], b[32];

	console_status(c, s->state == BUDGET_EXCEEDED ? ROLE_ALERT : ROLE_WARNING,
	    "%s budget%s%s %s: %s of %s (%lld%%)", budget_period_name(s->period),
	    s->tag[0] ? " " : "", s->tag, s->state == BUDGET_EXCEEDED ? "exceeded" : "at 80%",
	    view_fmt_money(s->spent_nanos, 0, a, sizeof(a)),
	    view_fmt_money(s->limit_nanos, 0, b, sizeof(b)), (long long)(s->permille / 10));
}

void
console_budget_update(struct console *c)
{
	struct budget_status now[BUDGET_MAX_STATUS];
	struct cli_ledger led = { c->st, c->pr };
	char err[256];
	size_t n = 0, i;
	int rose = -1, first = c->budget_gen == 0;

	if (c->cli->cfg.nbudgets == 0 || c->budget_gen == c->gen)
		return;
	c->budget_gen = c->gen;
	if (cli_budget_status(c->cli, c->st, c->pr, NULL, 1, now, BUDGET_MAX_STATUS, &n, err,
	    sizeof(err)) != 0) {
		console_status(c, ROLE_ALERT, "budget: %s", err);
		return;
	}
	if (budget_add_rate(now, n, c->now_ms, cli_spend_rate, &led, err, sizeof(err)) != 0) {
		console_status(c, ROLE_ALERT, "budget: %s", err);
		return;
	}
	for (i = 0; i < n; i++) {
		/* budget_collect keeps the config's order, so index i is the
		 * same limit; a new period (midnight, the 1st) starts at OK */
		int was = i < c->nbudgets && strcmp(c->budgets[i].period_key, now[i].period_key) == 0 ?
		    (int)c->budgets[i].state : BUDGET_OK;

		if ((int)now[i].state > was && (rose < 0 || now[i].state > now[rose].state))
			rose = (int)i;
	}
	memcpy(c->budgets, now, n * sizeof(now[0]));
	c->nbudgets = n;
	if (rose < 0)
		return;
	/* at start, an old crossing is not news: only one not yet claimed */
	if (alerts_quietly(c) > 0 || !first) {
		draw_bell();
		say_crossing(c, &now[rose]);
	}
}
