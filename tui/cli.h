/* cli.h — what every subcommand shares: parsed global options, opening the
 * ledger, dates, errors. One subcommand per cli_<name>.c. */
#ifndef TOKENTOP_CLI_H
#define TOKENTOP_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "core/pricing.h"
#include "data/store.h"

/* Exit statuses of every command. */
#define EXIT_OK      0
#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

struct cli {
	const char   *prog;          /* "tokentop" */
	const char   *config_file;   /* --config FILE, or NULL */
	const char   *db_override;   /* --db PATH, or NULL */
	int           no_color;      /* --no-color or NO_COLOR */
	struct config cfg;           /* loaded before the command runs */
};

/* A subcommand: argv[0] is the command name; returns an EXIT_* status. */
typedef int (*cli_fn)(struct cli *cli, int argc, char **argv);

struct cli_command {
	const char *name;
	cli_fn      fn;
	const char *summary;         /* one line for `tokentop --help` */
};

int cli_import(struct cli *cli, int argc, char **argv);
int cli_report(struct cli *cli, int argc, char **argv);
int cli_prices(struct cli *cli, int argc, char **argv);
int cli_call(struct cli *cli, int argc, char **argv);
int cli_batch(struct cli *cli, int argc, char **argv);
int cli_route(struct cli *cli, int argc, char **argv);
int cli_compress(struct cli *cli, int argc, char **argv);
int cli_console(struct cli *cli, int argc, char **argv);
int cli_demo(struct cli *cli, int argc, char **argv);
int cli_proxy(struct cli *cli, int argc, char **argv);
int cli_sync(struct cli *cli, int argc, char **argv);        /* cli_sync.c */
int cli_report_org(struct cli *cli, int argc, char **argv);  /* cli_report_org.c: report org */

/*
 * Open the store at cli->cfg.db_path and load the prices. On failure prints
 * "tokentop: …" to stderr and returns EXIT_RUNTIME; on success EXIT_OK and the
 * caller owns *st (store_close) and *pr (pricing_free). Either out pointer may
 * be NULL when not wanted.
 */
int cli_open(struct cli *cli, struct store **st, struct pricing **pr);

/* Print "tokentop CMD: message" and a pointer to --help on stderr; returns
 * EXIT_USAGE so callers can `return cli_usage_error(...)`. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "tokentop CMD: message" on stderr; returns EXIT_RUNTIME. */
int cli_fail(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parse YYYY-MM-DD as local midnight (of the current TZ) into UTC ms. With
 * end_of_day the result is the next day's midnight (an exclusive bound).
 * 0 or -1 for a malformed or impossible date.
 */
int cli_parse_date(const char *s, int end_of_day, int64_t *ms);

/* Use IANA zone tz for local time (setenv TZ + tzset); -1 if unknown. */
int cli_set_tz(const char *tz);

/* 1234567 → "1,234,567" into buf; returns buf. */
char *cli_group(int64_t n, char *buf, size_t len);

/* Milliseconds since the epoch, UTC. */
int64_t cli_now_ms(void);

#endif
