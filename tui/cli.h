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
#define EXIT_BUDGET  3       /* `status`: a budget is exceeded */

struct cli {
	const char   *prog;          /* "tokentop" */
	const char   *config_file;   /* --config FILE, or NULL */
	const char   *db_override;   /* --db PATH, or NULL */
	int           no_color;      /* --no-color or NO_COLOR */
	int           no_mouse;      /* --no-mouse: the console leaves the mouse to the terminal */
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
/* `report --json` of r: {"rows":[{KEY:…, "requests":…, …}], "totals":{…},
 * "unpriced_models":[…]}, KEY the group's name ("date", "month", "model"…);
 * savings adds the saved_* figures to each row. The console's export writes
 * the same (dumped with CLI_REPORT_JSON_FLAGS). The caller json_decref()s. */
struct json_t;
struct json_t *cli_report_json(const char *key, int savings, const struct report *r);
#define CLI_REPORT_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(15))
/* What every form of a report shows alike (cli_report_json.c): the sum of
 * the four levers' savings (saturating), and the cache hit ratio 0..1. */
int64_t cli_report_saved(const struct savings *s);
double cli_report_hit(const struct tokens *t);
int cli_report_caps(struct cli *cli, int argc, char **argv);   /* `report caps` */
int cli_report_limits(struct cli *cli, int argc, char **argv); /* `report limits` */
int cli_prices(struct cli *cli, int argc, char **argv);
int cli_call(struct cli *cli, int argc, char **argv);
int cli_batch(struct cli *cli, int argc, char **argv);
int cli_route(struct cli *cli, int argc, char **argv);
int cli_compress(struct cli *cli, int argc, char **argv);
int cli_console(struct cli *cli, int argc, char **argv);
int cli_demo(struct cli *cli, int argc, char **argv);
int cli_proxy(struct cli *cli, int argc, char **argv);
int cli_sync(struct cli *cli, int argc, char **argv);        /* cli_sync.c */
int cli_exporter(struct cli *cli, int argc, char **argv);    /* cli_exporter.c */
int cli_report_org(struct cli *cli, int argc, char **argv);  /* cli_report_org.c: report org */
int cli_status(struct cli *cli, int argc, char **argv);      /* cli_status.c */
int cli_alerts(struct cli *cli, int argc, char **argv);      /* cli_alerts.c */
int cli_ledger(struct cli *cli, int argc, char **argv);      /* cli_ledger.c: ledger merge */

/*
 * Open the store at cli->cfg.db_path and load the prices. Rows waiting in
 * the spool for this ledger (data/spool.h) are put in first; a spool that
 * cannot be flushed is a note on stderr, not a failure. On failure prints
 * "tokentop: …" to stderr and returns EXIT_RUNTIME; on success EXIT_OK and the
 * caller owns *st (store_close) and *pr (pricing_free). Either out pointer may
 * be NULL when not wanted.
 */
int cli_open(struct cli *cli, struct store **st, struct pricing **pr);

/*
 * Rows a command has paid for that the ledger st did not take (a database
 * server that is away, a lock held past every retry): kept, in order, in
 * the spool (cli->cfg.spool_path, data/spool.h) for the ledger, which the
 * next process to open it puts them into. 0 when kept; -1 + err.
 */
struct spool_item;
int cli_spool(const struct cli *cli, struct store *st, const struct spool_item *items,
              size_t n, char *err, size_t errlen);

/*
 * The same for commands that only read: an existing ledger is opened
 * read-only (store_open_ro), so a copy, a file without write permission or a
 * read-only mount works. A ledger that does not exist yet is created as
 * cli_open does; one whose schema is older is migrated when the file is
 * writable, else refused with the reason. st must not be NULL.
 */
int cli_open_ro(struct cli *cli, struct store **st, struct pricing **pr);

/*
 * Printing outside text. Model names, tags, ids, custom_ids, file names,
 * argv and a server's messages may hold terminal escapes: whatever of it a
 * command prints for people goes through these, which pass it through
 * text_sanitize (core/text.h), so no control character, C1 control, bidi
 * override or invalid UTF-8 reaches the terminal. JSON output stays exact
 * (jansson escapes controls); CSV goes through text_csv_write. The line
 * printers write each line in one call, so threads may use them too.
 */

/* "tokentop CMD: message" and a pointer to --help on stderr; returns
 * EXIT_USAGE so callers can `return cli_usage_error(...)`. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "tokentop CMD: message" on stderr; returns EXIT_RUNTIME. */
int cli_fail(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "tokentop CMD: message" on stderr (a note or warning; cmd NULL:
 * "tokentop: message"). */
void cli_warn(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One line of output on f: the formatted text sanitised as a whole (a TAB or
 * line break inside becomes a space), then '\n'. */
void cli_line(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Outside text s on f, sanitised, without a newline: a table cell, one
 * word of a list. */
void cli_put(FILE *f, const char *s);

/*
 * Print the JSON value j to f (json_dumps flags), then a newline: exact JSON,
 * with the code points a terminal must not receive (DEL, C1, bidi marks)
 * written as \uXXXX escapes (text_json_write). 0, or -1 when out of memory
 * or on a write error. j is borrowed.
 */
struct json_t;
int cli_json(FILE *f, struct json_t *j, size_t flags);

/* Content (a model's answer, compressed documents) text[0..len) on f:
 * exact when f is a pipe or a file, so scripts get every byte; on a
 * terminal sanitised with TEXT_LINES (lines and tabs kept), as ls does. */
void cli_put_text(FILE *f, const char *text, size_t len);

/*
 * Parse YYYY-MM-DD as local midnight (of the current TZ) into UTC ms. With
 * end_of_day the result is the next day's midnight (an exclusive bound).
 * 0 or -1 for a malformed or impossible date.
 */
int cli_parse_date(const char *s, int end_of_day, int64_t *ms);

/* A --provider value: EXIT_OK for a provider's name (anthropic, openai),
 * else EXIT_USAGE after saying so for cmd. */
int cli_provider_arg(const char *cmd, const char *name);

/* Use IANA zone tz for local time (setenv TZ + tzset); -1 if unknown. */
int cli_set_tz(const char *tz);

/* 1234567 → "1,234,567" into buf; returns buf. */
char *cli_group(int64_t n, char *buf, size_t len);

/* Milliseconds since the epoch, UTC. */
int64_t cli_now_ms(void);

/* ---- the levers (tui/cli_levers.c) ---------------------------------------- */

struct budget_status;

/* The model routing savings are measured against: the config's
 * baseline_model, else the router's complex tier (router.json); NULL when
 * neither is known. Written into buf, which is returned. */
const char *cli_baseline_model(const struct cli *cli, char *buf, size_t n);

/*
 * budget_spend_fn (core/budget.h) over a ledger; arg is a struct
 * cli_ledger. cli_spend_period: a REPORT_TOTAL of [since, until) and tag
 * (the rollups). cli_spend_rate: the raw rows of the window, without the
 * rows stamped at import (a backlog is no rate) — the last hour's rate as
 * the console reads it.
 */
struct cli_ledger {
	struct store         *st;
	const struct pricing *pr;
};
int cli_spend_period(void *arg, const char *tag, int64_t since_ms, int64_t until_ms,
                     int64_t *nanos, char *err, size_t errlen);
int cli_spend_rate(void *arg, const char *tag, int64_t since_ms, int64_t until_ms,
                   int64_t *nanos, char *err, size_t errlen);

/* Days and months in the zone reports use: TZ when set, else the config's. */
void cli_config_tz(const struct cli *cli);

/* Every budget limit that applies to spend with tag (all != 0: every budget)
 * with today's / this month's spend from the ledger; see budget_collect. */
int cli_budget_status(struct cli *cli, struct store *st, const struct pricing *pr,
                      const char *tag, int all, struct budget_status *out, size_t max,
                      size_t *n, char *err, size_t errlen);

/*
 * The budget gate in front of spending up to estimated_nanos (what: "call",
 * "batch") with tag: EXIT_OK to go on (with --force past a limit, a note on
 * stderr), else the refusal with its numbers on stderr ("tokentop CMD: daily
 * budget $50.00: spent $49.20, …") and EXIT_RUNTIME. Nothing is sent then.
 */
int cli_budget_gate(struct cli *cli, struct store *st, const struct pricing *pr,
                    const char *cmd, const char *what, const char *tag,
                    int64_t estimated_nanos, int force);

/* Announce budget crossings not yet announced (a line on stderr each, and
 * the config's alert_command with TOKENTOP_BUDGET_* in its environment).
 * Returns how many; problems are notes, never fatal. */
int cli_budget_alerts(struct cli *cli, struct store *st, const struct pricing *pr,
                      const char *cmd);

/*
 * The config's alert rules in a process that writes usage (tui/alerter.h):
 * a worker starts checking them and delivering what is due at once, while
 * the command goes on; alerter_stop at the end waits for it (bounded by the
 * send timeouts). flags: ALERTER_ONESHOT for a command that exits after
 * its write (a failed delivery is tried once more), ALERTER_QUIET for the
 * console. NULL without rules, or when the worker cannot start (a note on
 * stderr unless quiet).
 */
struct alerter;
struct alerter *cli_alerter(struct cli *cli, const struct pricing *pr, const char *cmd, int flags);

/*
 * --doc-budget: compress the files paths[0..n) for query to budget tokens
 * (core/compress). texts[i] (caller frees each) is document i's kept
 * chunks joined by blank lines, or NULL when nothing of it was kept;
 * *removed = the tokens removed. Says on stderr what compression did
 * ("tokentop CMD: compress: …"). 0, or -1 with err (texts all NULL then).
 */
int cli_compress_docs(const char *cmd, const char *const *paths, size_t n, const char *query,
                      int64_t budget, char **texts, size_t *lens, int64_t *removed,
                      char *err, size_t errlen);

#endif
