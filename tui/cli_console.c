/* cli_console.c — `tokentop console` (placeholder until its issue lands). */
#include "tui/cli.h"

int
cli_console(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return cli_fail("console", "not built yet");
}
