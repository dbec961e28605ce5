/* cli_report.c — `tokentop report` (placeholder until its issue lands). */
#include "tui/cli.h"

int
cli_report(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return cli_fail("report", "not built yet");
}
