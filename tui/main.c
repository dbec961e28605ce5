/* main.c — tokentop's entry: global options, then one subcommand or the console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cli.h"

static const struct cli_command commands[] = {
	{ "import",   cli_import,   "read usage from transcripts, results or response files" },
	{ "report",   cli_report,   "spend by day, month, model, source or tag" },
	{ "prices",   cli_prices,   "print the price table in use" },
	{ "call",     cli_call,     "send one Messages call, with prompt caching" },
	{ "batch",    cli_batch,    "submit, list, watch, cancel Message Batches" },
	{ "route",    cli_route,    "explain which model a prompt would be routed to" },
	{ "compress", cli_compress, "compress retrieved context to a token budget" },
	{ "console",  cli_console,  "the live console (the default)" },
	{ "demo",     cli_demo,     "the console against the bundled simulator" },
	{ "proxy",    cli_proxy,    "a recording proxy for applications' API calls" },
	{ "alerts",   cli_alerts,   "recent alerts and their delivery; test, check, flush" },
	{ "status",   cli_status,   "today's spend, rate, projection and budgets in one line" },
	{ "sync",     cli_sync,     "read the organisation's usage and cost (Admin API key)" },
	{ "exporter", cli_exporter, "serve the ledger's counters to Prometheus (/metrics)" },
	{ "ledger",   cli_ledger,   "merge another ledger (SQLite file or PostgreSQL URI) into this one" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: tokentop [--db PATH|URI] [--config FILE] [--no-color] [--no-mouse] [COMMAND [ARGS]]\n"
	    "\n"
	    "With no command, opens the live console.\n"
	    "\n"
	    "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
	    "\n"
	    "Global options:\n"
	    "  --db PATH|URI   the ledger: a SQLite file, or a PostgreSQL URI\n"
	    "                  postgresql://USER@HOST/DB (the password best in\n"
	    "                  ~/.pgpass or PGPASSWORD); default $TOKENTOP_DB, else\n"
	    "                  $XDG_DATA_HOME/tokentop/usage.db\n"
	    "  --config FILE   settings (default $XDG_CONFIG_HOME/tokentop/config.json)\n"
	    "  --no-color      no colours in the console (also NO_COLOR)\n"
	    "  --no-mouse      the console leaves the mouse to the terminal (no clicks)\n"
	    "  -h, --help      this help; `tokentop COMMAND --help` for a command's\n"
	    "  --version       print the version\n"
	    "\n"
	    "Exit status: 0 success, 1 failure at run time, 2 usage error,\n"
	    "3 `status`: a budget is exceeded.\n");
}

/* Take a global option's value, "--opt VALUE" or "--opt=VALUE". Returns the
 * number of argv slots used (0 = not this option), -1 when VALUE is missing. */
static int
take_opt(const char *name, int argc, char **argv, int i, const char **val)
{
	size_t n = strlen(name);

	if (strcmp(argv[i], name) == 0) {
		if (i + 1 >= argc)
			return -1;
		*val = argv[i + 1];
		return 2;
	}
	if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=') {
		*val = argv[i] + n + 1;
		return 1;
	}
	return 0;
}

/* --db's value, kept here: the argv copy has its password overwritten. */
static char db_arg[CONFIG_PATH_MAX];

/* The ledger of --db: kept, then its password (a PostgreSQL URI's) is
 * overwritten in argv itself, as the mysql client does, so that
 * /proc/PID/cmdline and ps do not show it. */
static void
take_db(struct cli *cli, const char *val)
{
	usage_strlcpy(db_arg, val, sizeof(db_arg));
	cli->db_override = db_arg;
	store_target_scrub((char *)val);
}

/* Remove the global options from anywhere in argv (before "--"), so that
 * `tokentop report daily --db x` works like `tokentop --db x report daily`. */
static int
strip_globals(struct cli *cli, int *argc, char **argv)
{
	int i = 1, j, used;
	const char *val;

	while (i < *argc) {
		if (strcmp(argv[i], "--") == 0)
			break;
		used = 0;
		if ((used = take_opt("--db", *argc, argv, i, &val)) != 0) {
			if (used > 0)
				take_db(cli, val);
		} else if ((used = take_opt("--config", *argc, argv, i, &val)) != 0)
			cli->config_file = val;
		else if (strcmp(argv[i], "--no-color") == 0) {
			cli->no_color = 1;
			used = 1;
		} else if (strcmp(argv[i], "--no-mouse") == 0) {
			cli->no_mouse = 1;
			used = 1;
		}
		if (used < 0) {
			cli_warn(NULL, "%s needs a value", argv[i]);
			return -1;
		}
		if (used == 0) {
			i++;
			continue;
		}
		for (j = i; j + used <= *argc; j++)
			argv[j] = argv[j + used];
		*argc -= used;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli cli;
	char err[512];
	size_t i;
	const char *name;

	memset(&cli, 0, sizeof(cli));
	cli.prog = "tokentop";
	if (strip_globals(&cli, &argc, argv) != 0)
		return EXIT_USAGE;
	if (getenv("NO_COLOR") != NULL && getenv("NO_COLOR")[0] != '\0')
		cli.no_color = 1;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("tokentop 0.1.0\n");
		return EXIT_OK;
	}
	if (config_load(&cli.cfg, cli.config_file, cli.db_override, err, sizeof(err)) != 0) {
		cli_warn(NULL, "%s", err);
		return cli.cfg.usage_error ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if (cli.cfg.warning[0] != '\0')
		cli_warn(NULL, "warning: %s", cli.cfg.warning);
	if (argc < 2)
		return cli_console(&cli, argc, argv);

	name = argv[1];
	if (name[0] == '-') {
		cli_warn(NULL, "unknown option %s (see tokentop --help)", name);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].fn(&cli, argc - 1, argv + 1);
	cli_warn(NULL, "unknown command '%s' (see tokentop --help)", name);
	return EXIT_USAGE;
}
