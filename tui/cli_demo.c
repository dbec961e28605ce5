/* cli_demo.c — `tokentop demo`: the console against the bundled API double,
 * with a fresh ledger of 30 days' history and light live traffic.
 *
 * Everything it starts (the double, the traffic generator and the commands
 * that one runs) lives in one process group, killed and reaped when the
 * console returns; the temporary directory goes with it unless --keep.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tui/cli.h"
#include "tui/synth.h"

#define DEMO_KEY     "sk-ant-test"
#define HISTORY_DAYS 30
#define HISTORY_ROWS 7500        /* about 250 calls a day: a small team */

struct demo {
	char   exe[PATH_MAX];        /* this tokentop */
	char   fakeapi[PATH_MAX];    /* build/fakeapi beside it */
	char   dir[PATH_MAX];        /* the temporary directory */
	char   db[PATH_MAX];
	char   base_url[64];
	pid_t  pgid;                 /* the children's process group, 0 = none yet */
	pid_t  fake_pid, traffic_pid;
	int    keep;
	int    headless;             /* seconds to run without the console, 0 = console */
};

static void
demo_help(void)
{
	printf("usage: tokentop demo [--keep] [--headless SECONDS]\n"
	    "\n"
	    "Opens the console on a simulator: starts the API double (fakeapi, next to\n"
	    "the tokentop binary) on a free loopback port, makes a fresh ledger in a\n"
	    "temporary directory with 30 days of history, and runs light traffic against\n"
	    "the double (calls across models with prompt caching every few seconds, a\n"
	    "small batch every minute). Quitting the console stops all of it and removes\n"
	    "the directory. Nothing leaves this machine: the key is a test key.\n"
	    "\n"
	    "  --keep              keep the temporary directory (its path is printed)\n"
	    "  --headless SECONDS  no console: run the double and the traffic for\n"
	    "                      SECONDS, print the ledger's directory, then stop\n"
	    "  -h, --help          this help\n");
}

/* ---- children ------------------------------------------------------------ */

/* In a new child: join (or found) the demo's process group, die with the
 * parent, read nothing from the terminal, write (stdout and stderr) to log. */
static void
child_setup(pid_t pgid, const char *log)
{
	int fd;

	setpgid(0, pgid);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (log != NULL && (fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
}

/* Start the double; read "port N" from its stdout. */
static int
start_fakeapi(struct demo *d)
{
	char log[PATH_MAX + 16], line[128];
	int fds[2], port = 0;
	FILE *f;
	pid_t pid;

	snprintf(log, sizeof(log), "%s/fakeapi.log", d->dir);
	if (pipe(fds) != 0)
		return cli_fail("demo", "pipe: %s", strerror(errno));
	if ((pid = fork()) < 0)
		return cli_fail("demo", "fork: %s", strerror(errno));
	if (pid == 0) {
		child_setup(0, log);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		/* batches end within a minute or so, as the dashboard should show */
		execl(d->fakeapi, d->fakeapi, "--port", "0", "--key", DEMO_KEY,
		    "--batch-seconds", "45", (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", d->fakeapi, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);           /* both sides, to win the race */
	d->pgid = d->fake_pid = pid;
	close(fds[1]);
	if ((f = fdopen(fds[0], "r")) == NULL) {
		close(fds[0]);
		return cli_fail("demo", "fdopen: %s", strerror(errno));
	}
	if (fgets(line, sizeof(line), f) != NULL)
		sscanf(line, "port %d", &port);
	fclose(f);   /* the double writes nothing more to stdout */
	if (port <= 0 || port > 65535)
		return cli_fail("demo", "%s did not report its port (see %s)", d->fakeapi, log);
	snprintf(d->base_url, sizeof(d->base_url), "http://127.0.0.1:%d", port);
	return EXIT_OK;
}

/* Run `tokentop --db DB ARGS…` and wait for it; 0 when it exited 0. */
static int
run_tokentop(const struct demo *d, const char *log, char *const args[])
{
	char *argv[24];
	int i, n = 0, status;
	pid_t pid;

	argv[n++] = (char *)d->exe;
	argv[n++] = (char *)"--db";
	argv[n++] = (char *)d->db;
	for (i = 0; args[i] != NULL && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		child_setup(d->pgid, log);
		execv(d->exe, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A document long enough to be cached on every model (fakeapi counts
 * bytes / 4 tokens; the largest minimum is 4096 tokens). */
static int
write_doc(const char *path)
{
	static const char *const topics[] = { "ledger", "cache", "batch", "router",
		"budget", "report", "console", "pricing" };
	FILE *f = config_fopen_private(path);
	int i;

	if (f == NULL)
		return -1;
	for (i = 0; i < 240; i++)
		fprintf(f, "Section %d. The %s keeps every billed token of a request exactly once; "
		    "its totals are integers and agree with the report to the cent.\n",
		    i + 1, topics[i % 8]);
	return fclose(f);
}

/* Round `round`'s batch: 40 short-form requests sharing a system text of
 * about 600 tokens, so the batch has a cost worth showing. */
static int
write_batch_file(const char *path, int round)
{
	static const char *const asks[] = { "Summarise the release notes", "Translate the "
		"greeting to Korean", "Classify this ticket", "Extract the dates from the memo",
		"Write a haiku about caching" };
	char sys[2600];
	size_t n = 0;
	FILE *f;
	int i;

	while (n + 80 < sizeof(sys))
		n += (size_t)snprintf(sys + n, sizeof(sys) - n, "Rule %zu: answer briefly, cite the "
		    "section, never guess a price. ", n / 60 + 1);
	if ((f = config_fopen_private(path)) == NULL)
		return -1;
	for (i = 0; i < 40; i++)
		fprintf(f, "{\"custom_id\":\"demo-%d-%d\",\"system\":\"%s\",\"prompt\":\"%s "
		    "(item %d)\"}\n", round, i, sys, asks[(round + i) % 5], i);
	return fclose(f);
}

/* The traffic child: a call every 3–8 s, a batch every minute, until killed. */
static void
traffic(struct demo *d)
{
	static char *const models[] = { "claude-sonnet-4-5", "claude-haiku-4-5",
		"claude-opus-4-6", "claude-sonnet-4-6" };
	static char *const prompts[] = { "What does section 12 say about the ledger?",
		"List three facts from the document.", "How is a batch priced?",
		"Explain the cache section in one line.", "요약: 문서의 핵심은 무엇인가?" };
	static char *const tags[] = { "web", "support", "eval" };
	char log[PATH_MAX + 16], doc[PATH_MAX + 16], bfile[PATH_MAX + 32];
	struct synth_rng r;
	time_t last_batch = 0;
	pid_t watch = 0;
	int round = 0, n = 0;

	snprintf(log, sizeof(log), "%s/traffic.log", d->dir);
	snprintf(doc, sizeof(doc), "%s/handbook.txt", d->dir);
	if (write_doc(doc) != 0)
		_exit(1);
	synth_seed(&r, (uint64_t)time(NULL));
	for (;;) {
		/* two calls a model in turn: a cache write, then reads within the TTL */
		char *call[] = { "call", "--model", models[(n++ / 2) % 4], "--system", doc,
			"--cache", "5m", "--max-tokens", "256", "--tag", tags[synth_below(&r, 3)],
			prompts[synth_below(&r, 5)], NULL };

		run_tokentop(d, log, call);
		if (time(NULL) - last_batch >= 60) {
			char *submit[] = { "batch", "submit", "--model", "claude-sonnet-4-5",
				"--max-tokens", "512", "--tag", "nightly", bfile, NULL };

			last_batch = time(NULL);
			snprintf(bfile, sizeof(bfile), "%s/batch-%d.jsonl", d->dir, ++round);
			if (write_batch_file(bfile, round) == 0 && run_tokentop(d, log, submit) == 0 &&
			    watch == 0) {
				/* follow it to its results, whether or not the console does */
				if ((watch = fork()) == 0) {
					char *w[] = { "batch", "watch", "--interval", "5", NULL };

					_exit(run_tokentop(d, log, w) == 0 ? 0 : 1);
				}
				if (watch < 0)
					watch = 0;
			}
		}
		if (watch > 0 && waitpid(watch, NULL, WNOHANG) == watch)
			watch = 0;
		sleep(3 + (unsigned)synth_below(&r, 6));
	}
}

static int
start_traffic(struct demo *d)
{
	char log[PATH_MAX + 16];
	pid_t pid;

	snprintf(log, sizeof(log), "%s/traffic.log", d->dir);
	if ((pid = fork()) < 0)
		return cli_fail("demo", "fork: %s", strerror(errno));
	if (pid == 0) {
		child_setup(d->pgid, log);
		traffic(d);
		_exit(0);
	}
	setpgid(pid, d->pgid);
	d->traffic_pid = pid;
	return EXIT_OK;
}

/* Stop the whole group: TERM, up to 3 s to go, then KILL; reap them all. As
 * the subreaper (see cli_demo) the demo also inherits and reaps the
 * commands the traffic child ran, so nothing is left, not even a zombie. */
static void
stop_children(struct demo *d)
{
	pid_t pid;
	int i;

	if (d->pgid <= 0)
		return;
	kill(-d->pgid, SIGTERM);
	for (i = 0; i < 60; i++) {
		while ((pid = waitpid(-d->pgid, NULL, WNOHANG)) > 0)
			;
		if (pid < 0 && errno == ECHILD)
			break;
		usleep(50000);
	}
	if (i == 60) {
		kill(-d->pgid, SIGKILL);
		while (waitpid(-d->pgid, NULL, 0) > 0 || errno == EINTR)
			;
	}
	d->pgid = 0;
}

/* ---- history ------------------------------------------------------------- */

struct batch_seen {
	struct batch_rec rec[64];
	size_t n;
	const struct pricing *p;     /* for a plausible estimate; may be NULL */
};

static int
note_batch(const struct usage *u, void *arg)
{
	struct batch_seen *bs = arg;
	struct batch_rec *b;
	int64_t nanos;
	size_t i;

	if (u->batch_id[0] == '\0')
		return 0;
	for (i = 0; i < bs->n && strcmp(bs->rec[i].id, u->batch_id) != 0; i++)
		;
	if (i == bs->n) {
		if (bs->n == sizeof(bs->rec) / sizeof(bs->rec[0]))
			return 0;
		b = &bs->rec[bs->n++];
		memset(b, 0, sizeof(*b));
		usage_strlcpy(b->id, u->batch_id, sizeof(b->id));
		usage_strlcpy(b->status, "ended", sizeof(b->status));
		usage_strlcpy(b->models, u->model, sizeof(b->models));
		usage_strlcpy(b->tag, u->tag, sizeof(b->tag));
		b->ingested = 1;
	}
	b = &bs->rec[i];
	b->requests++;
	b->counts.succeeded++;
	/* what a dry run would have said: the actual cost, give or take 30% */
	if (bs->p != NULL && pricing_usage_cost(bs->p, u, &nanos) == 0) {
		b->est_low_nanos += nanos * 7 / 10;
		b->est_high_nanos += nanos * 13 / 10;
	}
	if (u->ts_ms > b->ended_ms)
		b->ended_ms = u->ts_ms;
	return 0;
}

/* 30 days of plausible usage, and the ended batches behind its batch rows. */
static int
seed_history(const struct demo *d, const struct pricing *p)
{
	static const char *const tags[] = { "web", "etl", "eval", "support", NULL };
	struct synth_fill f;
	struct synth_rng r;
	struct batch_seen *bs = NULL;
	struct store *s;
	char err[512];
	size_t i;
	int rc = EXIT_RUNTIME;

	if ((s = store_open(d->db, err, sizeof(err))) == NULL)
		return cli_fail("demo", "%s", err);
	memset(&f, 0, sizeof(f));
	f.rows = HISTORY_ROWS;
	f.days = HISTORY_DAYS;
	f.end_ms = cli_now_ms();
	f.chunk = 5000;
	f.mix.batch_permille = 120;
	f.mix.import_permille = 100;
	f.mix.unpriced_permille = 8;
	f.mix.tagged_permille = 700;
	f.mix.tags = tags;
	f.mix.run = (uint64_t)f.end_ms;
	synth_seed(&r, (uint64_t)f.end_ms);
	if (synth_fill_ledger(s, &r, &f, NULL, err, sizeof(err)) != 0) {
		cli_fail("demo", "seeding the ledger: %s", err);
		goto out;
	}
	if ((bs = calloc(1, sizeof(*bs))) != NULL)
		bs->p = p;
	if (bs == NULL || store_each_usage(s, 0, 0, note_batch, bs, err, sizeof(err)) != 0) {
		cli_fail("demo", "reading the seeded ledger: %s", bs ? err : "out of memory");
		goto out;
	}
	for (i = 0; i < bs->n; i++) {
		/* a batch's rows are spread over days in the simulation; the
		 * batch itself ran 20 to 59 minutes before its last row, as
		 * most real ones end within the hour (never past 24 h) */
		bs->rec[i].created_ms = bs->rec[i].ended_ms - (20 + (int64_t)(i * 7 % 40)) * 60000;
		bs->rec[i].expires_ms = bs->rec[i].created_ms + 86400000;
	}
	for (i = 0; i < bs->n; i++)
		if (store_batch_put(s, &bs->rec[i], err, sizeof(err)) != 0) {
			cli_fail("demo", "seeding batches: %s", err);
			goto out;
		}
	rc = EXIT_OK;
out:
	free(bs);
	store_close(s);
	return rc;
}

/* ---- the demo ------------------------------------------------------------ */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
find_binaries(struct demo *d)
{
	ssize_t n = readlink("/proc/self/exe", d->exe, sizeof(d->exe) - 1);
	char *slash;

	if (n <= 0)
		return cli_fail("demo", "cannot find this program: %s", strerror(errno));
	d->exe[n] = '\0';
	snprintf(d->fakeapi, sizeof(d->fakeapi), "%s", d->exe);
	if ((slash = strrchr(d->fakeapi, '/')) != NULL)
		slash[1] = '\0';
	if (strlen(d->fakeapi) + 8 >= sizeof(d->fakeapi))
		return cli_fail("demo", "path too long: %s", d->exe);
	strcat(d->fakeapi, "fakeapi");
	if (access(d->fakeapi, X_OK) != 0)
		return cli_fail("demo", "the API double %s is missing: build it with `make` "
		    "(tests/fakeapi)", d->fakeapi);
	return EXIT_OK;
}

static int
parse_args(struct demo *d, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			demo_help();
			return -1;
		} else if (strcmp(argv[i], "--keep") == 0)
			d->keep = 1;
		else if (strcmp(argv[i], "--headless") == 0 && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end != '\0' || v < 1 || v > 86400)
				return cli_usage_error("demo", "--headless: not a number of seconds: %s",
				    argv[i]);
			d->headless = (int)v;
		} else
			return cli_usage_error("demo", "unknown argument %s", argv[i]);
	}
	return 0;
}

static volatile sig_atomic_t demo_stop;

static void
on_stop(int sig)
{
	(void)sig;
	demo_stop = 1;
}

/* No console: wait for the time, or for ^C / TERM, which end it cleanly. */
static void
run_headless(const struct demo *d)
{
	struct sigaction sa;
	time_t until = time(NULL) + d->headless;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;      /* no SA_RESTART: sleep returns early */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("demo: double at %s, ledger %s; traffic for %d s\n", d->base_url, d->db,
	    d->headless);
	fflush(stdout);
	while (!demo_stop && time(NULL) < until)
		sleep(1);
}

/*
 * Point this process (and so every child) at the double, the fresh ledger and
 * a demo config of its own (a budget, so the bar shows; the user's config and
 * price overrides stay out of it): environment first, then reload cli->cfg.
 */
static int
point_at(struct cli *cli, const struct demo *d)
{
	char cfgdir[PATH_MAX + 16], file[PATH_MAX + 64], err[512];
	FILE *f;

	snprintf(cfgdir, sizeof(cfgdir), "%s/config", d->dir);
	snprintf(file, sizeof(file), "%s/tokentop/config.json", cfgdir);
	if (config_mkdirs_for(file) != 0 || (f = config_fopen_private(file)) == NULL)
		return cli_fail("demo", "%s: %s", file, strerror(errno));
	fprintf(f, "{\"budget\": {\"daily\": \"25\", \"monthly\": \"600\"}}\n");
	if (fclose(f) != 0)
		return cli_fail("demo", "%s: %s", file, strerror(errno));
	setenv("XDG_CONFIG_HOME", cfgdir, 1);
	setenv("ANTHROPIC_BASE_URL", d->base_url, 1);
	setenv("ANTHROPIC_API_KEY", DEMO_KEY, 1);
	setenv("TOKENTOP_DB", d->db, 1);
	unsetenv("ANTHROPIC_ADMIN_KEY");
	cli->config_file = NULL;
	cli->db_override = NULL;
	if (config_load(&cli->cfg, NULL, d->db, err, sizeof(err)) != 0)
		return cli_fail("demo", "%s", err);
	return EXIT_OK;
}

int
cli_demo(struct cli *cli, int argc, char **argv)
{
	struct demo d;
	struct pricing *pr;
	char *con_argv[] = { (char *)"console", NULL }, err[512];
	int rc;

	memset(&d, 0, sizeof(d));
	if ((rc = parse_args(&d, argc, argv)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (d.headless == 0 && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
		return cli_fail("demo", "needs a terminal for the console (or --headless SECONDS)");
	if ((rc = find_binaries(&d)) != EXIT_OK)
		return rc;
	snprintf(d.dir, sizeof(d.dir), "/tmp/tokentop-demo.XXXXXX");
	if (mkdtemp(d.dir) == NULL)
		return cli_fail("demo", "mkdtemp: %s", strerror(errno));
	snprintf(d.db, sizeof(d.db), "%s/usage.db", d.dir);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pr = pricing_load(cli->cfg.prices_path, NULL, err, sizeof(err));
	rc = seed_history(&d, pr);
	pricing_free(pr);
	if (rc != EXIT_OK || (rc = start_fakeapi(&d)) != EXIT_OK)
		goto out;
	if ((rc = point_at(cli, &d)) != EXIT_OK || (rc = start_traffic(&d)) != EXIT_OK)
		goto out;
	if (d.headless > 0)
		run_headless(&d);
	else
		rc = cli_console(cli, 1, con_argv);
out:
	stop_children(&d);
	if (d.keep)
		printf("demo: kept %s (ledger %s)\n", d.dir, d.db);
	else
		nftw(d.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
