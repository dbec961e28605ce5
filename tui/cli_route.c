/* cli_route.c — `tokentop route` (placeholder until its issue lands). */
#include "tui/cli.h"

int
cli_route(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return cli_fail("route", "not built yet");
}
