/* cli_prices.c — `tokentop prices` (placeholder until its issue lands). */
#include "tui/cli.h"

int
cli_prices(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return cli_fail("prices", "not built yet");
}
