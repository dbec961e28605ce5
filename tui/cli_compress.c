/* cli_compress.c — `tokentop compress` (placeholder until its issue lands). */
#include "tui/cli.h"

int
cli_compress(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return cli_fail("compress", "not built yet");
}
