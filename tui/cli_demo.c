/* cli_demo.c — `tokentop demo` (placeholder until its issue lands). */
#include "tui/cli.h"

int
cli_demo(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return cli_fail("demo", "not built yet");
}
