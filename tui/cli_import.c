/* cli_import.c — `tokentop import` (placeholder until its issue lands). */
#include "tui/cli.h"

int
cli_import(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return cli_fail("import", "not built yet");
}
