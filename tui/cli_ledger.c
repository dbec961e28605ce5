/* cli_ledger.c — `tokentop ledger merge SOURCE`: copy into the ledger what
 * another ledger (a SQLite file or a PostgreSQL URI) holds that it lacks
 * (data/merge.h), with a progress line on a terminal. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "data/merge.h"
#include "tui/cli.h"

#define CMD "ledger merge"
#define PROGRESS_MS 250      /* at most four updates a second */
#define PROGRESS_MIN 10000   /* records: a smaller source merges in a blink */

static void
help(void)
{
	fputs(
	    "usage: tokentop ledger merge SOURCE [--json]\n"
	    "\n"
	    "Copy into the ledger (--db, TOKENTOP_DB or the config's \"db\") every usage\n"
	    "row, batch, batch intent, batch result and organisation row that SOURCE holds\n"
	    "and it lacks. SOURCE is a SQLite file or a PostgreSQL URI; it is read in one\n"
	    "snapshot and never written, so either side may be in use meanwhile. Rows keep\n"
	    "the host that wrote them. Running it again adds nothing: a row is known by\n"
	    "its request or message id, a row without one by its content. Written in\n"
	    "groups, each one transaction: Ctrl-C stops after the group being written, a\n"
	    "failure keeps the groups finished before it, and running it again completes\n"
	    "the merge.\n"
	    "\n"
	    "SOURCE must be a ledger of this tokentop's schema: one of an older tokentop\n"
	    "is not migrated here (open it once with this tokentop first).\n"
	    "\n"
	    "  --json   {\"added\":N,\"duplicates\":N,\"replaced\":N,\"tables\":{TABLE:\n"
	    "           {\"added\",\"duplicates\",\"replaced\"}}}: added and duplicates count\n"
	    "           every record (usage rows, batches, intents, results, organisation\n"
	    "           rows); replaced: usage rows whose copy here was the lesser one\n"
	    "           (fewer tokens), now SOURCE's\n"
	    "\n"
	    "Exit status: 0 merged, 1 SOURCE unreadable (missing, not a ledger, another\n"
	    "schema) or a failure while writing, 2 usage error (a malformed URI, SOURCE\n"
	    "is the ledger itself).\n", stdout);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The progress line on a terminal (stderr), at most every PROGRESS_MS. */
struct progress {
	int64_t last_ms;
	int     on;       /* stderr is a terminal */
	int     shown;    /* a line is on the screen */
};

/* SIGINT or SIGTERM: stop after the group being written (a second one
 * ends the process: SA_RESETHAND). */
static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* merge_progress_fn: the line, and whether to stop. */
static int
progress_show(const struct merge_stats *m, void *arg)
{
	struct progress *p = arg;
	int64_t now = mono_ms();
	char a[32], b[32], c[32];

	if (!p->on || m->total < PROGRESS_MIN || (p->shown && now - p->last_ms < PROGRESS_MS))
		return stop_flag;
	p->last_ms = now;
	p->shown = 1;
	fprintf(stderr, "\r\033[Kmerging: %s of %s records (%d%%), %s added",
	    cli_group(m->read, a, sizeof(a)), cli_group(m->total, b, sizeof(b)),
	    m->total > 0 ? (int)(m->read * 100 / m->total) : 100,
	    cli_group(m->all.added, c, sizeof(c)));
	fflush(stderr);
	return stop_flag;
}

static void
progress_erase(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = 0;
}

static json_t *
count_json(const struct merge_count *c)
{
	return json_pack("{s:I, s:I, s:I}", "added", (json_int_t)c->added,
	    "duplicates", (json_int_t)c->duplicates, "replaced", (json_int_t)c->replaced);
}

static int
put_json(const struct merge_stats *m)
{
	json_t *o = count_json(&m->all), *t = json_object();
	int i, rc;

	for (i = 0; i < MERGE_NTABLES; i++)
		json_object_set_new(t, merge_table_name(i), count_json(&m->t[i]));
	json_object_set_new(o, "tables", t);
	rc = cli_json(stdout, o, JSON_COMPACT);
	json_decref(o);
	return rc;
}

static void
put_line(const char *source, const struct merge_stats *m)
{
	char a[32], d[32], r[32], u[32], b[32], in[32], res[32], org[32];

	cli_line(stdout, "merged %s: %s added, %s duplicates%s%s%s (usage rows %s, batches %s,"
	    " intents %s, batch results %s, organisation rows %s added)", source,
	    cli_group(m->all.added, a, sizeof(a)), cli_group(m->all.duplicates, d, sizeof(d)),
	    m->all.replaced ? ", " : "", m->all.replaced ? cli_group(m->all.replaced, r,
	    sizeof(r)) : "", m->all.replaced ? " replaced by a larger copy" : "",
	    cli_group(m->t[MERGE_USAGE].added, u, sizeof(u)),
	    cli_group(m->t[MERGE_BATCH].added, b, sizeof(b)),
	    cli_group(m->t[MERGE_INTENT].added, in, sizeof(in)),
	    cli_group(m->t[MERGE_RESULT].added, res, sizeof(res)),
	    cli_group(m->t[MERGE_ORG_USAGE].added + m->t[MERGE_ORG_COST].added +
	    m->t[MERGE_ORG_SYNC].added, org, sizeof(org)));
}

/* The merge itself, SIGINT and SIGTERM stopping it after the group being
 * written; then the summary. An EXIT_* status. */
static int
run(struct store *dst, struct store *src, const char *shown, int json)
{
	struct progress p = { 0, isatty(STDERR_FILENO), 0 };
	struct sigaction sa, old_int, old_term;
	struct merge_stats m;
	char err[1024];
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = merge_run(dst, src, 0, progress_show, &p, &m, err, sizeof(err));
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	progress_erase(&p);
	if (rc != 0)
		return cli_fail(CMD, "%s; %lld of %lld records merged, in whole groups (running it"
		    " again adds only what is missing)", err, (long long)m.read, (long long)m.total);
	if (json)
		return put_json(&m) == 0 ? EXIT_OK : EXIT_RUNTIME;
	put_line(shown, &m);
	return EXIT_OK;
}

static int
merge(struct cli *cli, const char *source, int json)
{
	char err[1024], shown[STORE_TARGET_MAX];
	struct store *src, *dst = NULL;
	int rc, same = 0;

	store_target_display(source, shown, sizeof(shown));
	if (store_target_check(source, err, sizeof(err)) != 0)
		return cli_usage_error(CMD, "SOURCE %s", err);
	/* the source first: a source that cannot be read leaves the ledger
	 * as it was (not even created) */
	if ((src = merge_open_source(source, err, sizeof(err))) == NULL)
		return cli_fail(CMD, "%s", err);
	if ((rc = cli_open(cli, &dst, NULL)) != EXIT_OK) {
		store_close(src);
		return rc;
	}
	if (merge_same(dst, src, &same, err, sizeof(err)) != 0)
		rc = cli_fail(CMD, "%s", err);
	else if (same)
		rc = cli_usage_error(CMD, "%s is the ledger itself (--db): nothing to merge", shown);
	else
		rc = run(dst, src, shown, json);
	store_close(dst);
	store_close(src);
	return rc;
}

int
cli_ledger(struct cli *cli, int argc, char **argv)
{
	const char *source = NULL;
	char *copy;
	int i, json = 0, rc;

	if (argc < 2)
		return cli_usage_error("ledger", "a subcommand is needed: merge");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		help();
		return EXIT_OK;
	}
	if (strcmp(argv[1], "merge") != 0)
		return cli_usage_error("ledger", "unknown subcommand '%s' (merge)", argv[1]);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			help();
			return EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error(CMD, "unknown option '%s'", argv[i]);
		} else if (source != NULL) {
			return cli_usage_error(CMD, "one SOURCE only");
		} else {
			source = argv[i];
		}
	}
	if (source == NULL)
		return cli_usage_error(CMD, "SOURCE missing: a SQLite file or a PostgreSQL URI");
	/* keep it, then overwrite its password in argv (ps, /proc/PID/cmdline) */
	if ((copy = strdup(source)) == NULL)
		return cli_fail(CMD, "out of memory");
	store_target_scrub((char *)source);
	rc = merge(cli, copy, json);
	free(copy);
	return rc;
}
