/* cli_batch.c — `tokentop batch` (placeholder until its issue lands). */
#include "tui/cli.h"

int
cli_batch(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return cli_fail("batch", "not built yet");
}
