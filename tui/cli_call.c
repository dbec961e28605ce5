/* cli_call.c — `tokentop call` (placeholder until its issue lands). */
#include "tui/cli.h"

int
cli_call(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return cli_fail("call", "not built yet");
}
