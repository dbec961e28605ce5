/* cli_console.c — `tokentop console` (and `tokentop` alone): open the
 * ledger and the prices, then run the live console. */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tui/cli.h"
#include "tui/console.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tokentop [--db PATH|URI] [--no-color] [--no-mouse] [console]\n"
	    "\n"
	    "The live console: today's spend, the rate and budget, daily bars,\n"
	    "models, cache and batches, following the ledger as other tokentop\n"
	    "processes write to it. F1 or ? inside lists every key; q quits.\n"
	    "Needs at least an 80x24 terminal; NO_COLOR or --no-color for\n"
	    "monochrome. The mouse clicks panes, rows, column headings and the\n"
	    "key bar and scrolls with the wheel; --no-mouse leaves it to the\n"
	    "terminal. S opens Setup (panes, columns, mouse); the sort, period,\n"
	    "focused pane and Setup's choices are remembered in\n"
	    "$XDG_STATE_HOME/tokentop/console.json (~/.local/state/...).\n"
	    "\n"
	    "Budgets (config \"budget\") show as a bar in the header and in the Cache\n"
	    "pane; a crossing of 80%% or 100%% rings the bell and runs alert_command\n"
	    "once. With ANTHROPIC_ADMIN_KEY set the console syncs the organisation's\n"
	    "usage and cost reports every 5 minutes (as `tokentop sync`) and shows\n"
	    "the organisation's spend beside tokentop's and the gap (\"unseen\").\n"
	    "TOKENTOP_SYNC_INTERVAL_MS overrides that interval (tests).\n");
}

/*
 * 1 if path (a ledger file that exists) and its folder (where SQLite makes
 * its -wal and -shm files) may be written; if not, the console opens it
 * read-only at once (an open for writing would fail first and say so).
 */
static int
ledger_writable(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (access(path, W_OK) != 0)
		return 0;
	if (slash == NULL)
		return access(".", W_OK) == 0;
	if ((size_t)(slash - path) >= sizeof(dir))
		return 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return access(slash == path ? "/" : dir, W_OK) == 0;
}

int
cli_console(struct cli *cli, int argc, char **argv)
{
	struct store *st = NULL;
	struct pricing *pr = NULL;
	int rc;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[0], "console") == 0)
		return cli_usage_error("console", "unexpected argument '%s'", argv[1]);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cli_fail("console", "needs a terminal (use `tokentop report` in scripts)");
	setlocale(LC_ALL, "");
	if (cli->cfg.tz[0] != '\0' && cli_set_tz(cli->cfg.tz) != 0)
		return cli_fail("console", "unknown time zone '%s'", cli->cfg.tz);
	if (access(cli->cfg.db_path, F_OK) == 0 && !ledger_writable(cli->cfg.db_path)) {
		/* a ledger file it cannot write (a copy, a read-only mount) is
		 * still shown */
		if ((rc = cli_open_ro(cli, &st, &pr)) != EXIT_OK)
			return rc;
		cli_warn("console", "%s opened read-only: launching, cancelling and calls will "
		    "fail", store_path(st));
	} else if ((rc = cli_open(cli, &st, &pr)) != EXIT_OK)
		return rc;
	rc = console_run(cli, st, pr);
	store_close(st);
	pricing_free(pr);
	return rc;
}
