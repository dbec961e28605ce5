/* cli_proxy.c — `tokentop proxy`: the recording relay (core/proxy.c) wired to
 * the ledger. Connection threads hand usage rows and batch creates to a
 * queue; one writer thread owns the store connection, drains the queue in
 * transactions and, with --enforce-budget, refreshes today's and this
 * month's spend for the budget check. The main thread waits for a signal. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/http.h"
#include "core/proxy.h"
#include "tui/cli.h"

#define GRACE_MS         30000
#define WRITER_GATHER_MS 50      /* rows reach the ledger within this (plus a commit) */

struct item {
	struct item       *next;
	int                is_batch;
	struct usage       u;
	struct proxy_batch b;
};

/* The writer: a queue in, the store behind. */
struct rec {
	pthread_mutex_t  mu;
	pthread_cond_t   cv;
	struct item     *head, *tail;
	int              quit;
	struct store    *st;
	struct pricing  *pr;
	struct config   *cfg;
	int              enforce;
	char             over[8][256];   /* per budget: "" = fine, else the 429 message */
	int64_t          recorded, failed;
};

static void
push(struct rec *r, struct item *it)
{
	pthread_mutex_lock(&r->mu);
	if (r->tail != NULL) {
		r->tail->next = it;
	} else {
		r->head = it;
		pthread_cond_signal(&r->cv);    /* the writer only sleeps on an empty queue */
	}
	r->tail = it;
	pthread_mutex_unlock(&r->mu);
}

static void
hook_usage(void *arg, const struct usage *u)
{
	struct item *it = calloc(1, sizeof(*it));

	if (it == NULL)
		return;
	it->u = *u;
	push(arg, it);
}

static void
hook_batch(void *arg, const struct proxy_batch *b)
{
	struct item *it = calloc(1, sizeof(*it));

	if (it == NULL)
		return;
	it->is_batch = 1;
	it->b = *b;
	push(arg, it);
}

static int
hook_budget(void *arg, const char *tag, char *msg, size_t msglen)
{
	struct rec *r = arg;
	int i, hit = 0;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->cfg->nbudgets && !hit; i++) {
		if (r->over[i][0] == '\0')
			continue;
		if (r->cfg->budgets[i].tag[0] != '\0' && strcmp(r->cfg->budgets[i].tag, tag) != 0)
			continue;
		snprintf(msg, msglen, "%s", r->over[i]);
		hit = 1;
	}
	pthread_mutex_unlock(&r->mu);
	return hit;
}

static void
hook_log(void *arg, const char *msg)
{
	cli_warn("proxy", "%s", msg);
}

static int
store_item(struct rec *r, const struct item *it, char *err, size_t errlen)
{
	struct batch_rec b;

	if (!it->is_batch)
		return store_insert_usage(r->st, &it->u, NULL, err, errlen);
	memset(&b, 0, sizeof(b));
	usage_strlcpy(b.id, it->b.id, sizeof(b.id));
	usage_strlcpy(b.status, it->b.status, sizeof(b.status));
	usage_strlcpy(b.tag, it->b.tag, sizeof(b.tag));
	b.requests = it->b.requests;
	b.created_ms = it->b.created_ms;
	b.expires_ms = it->b.expires_ms;
	b.counts.processing = it->b.processing;
	b.counts.succeeded = it->b.succeeded;
	b.counts.errored = it->b.errored;
	b.counts.canceled = it->b.canceled;
	b.counts.expired = it->b.expired;
	return store_batch_put(r->st, &b, err, errlen);
}

/* Write a run of items in one transaction (one row on its own otherwise). */
static void
write_items(struct rec *r, struct item *list)
{
	struct item *it, *next;
	char err[512];
	int tx = list != NULL && list->next != NULL &&
	         store_begin(r->st, err, sizeof(err)) == 0;

	for (it = list; it != NULL; it = next) {
		next = it->next;
		if (store_item(r, it, err, sizeof(err)) != 0) {
			cli_warn("proxy", "ledger: %s", err);
			r->failed++;
		} else {
			r->recorded++;
		}
		free(it);
	}
	if (tx && store_commit(r->st, err, sizeof(err)) != 0)
		cli_warn("proxy", "ledger: %s", err);
}

static void
money(int64_t nanos, char *buf, size_t n)
{
	snprintf(buf, n, "$%lld.%02lld", (long long)(nanos / 1000000000),
	         (long long)(nanos % 1000000000 / 10000000));
}

/* Spend of tag ("" = all) since since_ms; -1 on a store error. */
static int64_t
spend_since(struct rec *r, const char *tag, int64_t since_ms)
{
	struct report_query q;
	struct report rep;
	char err[256];
	int64_t v;

	memset(&q, 0, sizeof(q));
	q.group = REPORT_TOTAL;
	q.since_ms = since_ms;
	q.tag = tag;
	if (store_report(r->st, r->pr, &q, &rep, err, sizeof(err)) != 0)
		return -1;
	v = rep.totals.cost_nanos;
	store_report_free(&rep);
	return v;
}

/* Recompute which budgets are exhausted (local day and month). */
static void
refresh_budgets(struct rec *r)
{
	char over[8][256], lim[32], got[32];
	struct tm tm;
	time_t now = time(NULL);
	int64_t day, month, s;
	int i;

	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	day = (int64_t)mktime(&tm) * 1000;
	tm.tm_mday = 1;
	tm.tm_isdst = -1;
	month = (int64_t)mktime(&tm) * 1000;
	for (i = 0; i < r->cfg->nbudgets && i < 8; i++) {
		const struct budget *b = &r->cfg->budgets[i];
		const char *tag = b->tag[0] ? b->tag : NULL;

		over[i][0] = '\0';
		if (b->daily_nanos > 0 && (s = spend_since(r, tag, day)) >= b->daily_nanos) {
			money(b->daily_nanos, lim, sizeof(lim));
			money(s, got, sizeof(got));
			snprintf(over[i], sizeof(over[i]), "tokentop budget exhausted: daily budget %s%s%s "
			         "(spent %s today)", lim, tag ? " for tag " : "", tag ? tag : "", got);
		} else if (b->monthly_nanos > 0 && (s = spend_since(r, tag, month)) >= b->monthly_nanos) {
			money(b->monthly_nanos, lim, sizeof(lim));
			money(s, got, sizeof(got));
			snprintf(over[i], sizeof(over[i]), "tokentop budget exhausted: monthly budget %s%s%s "
			         "(spent %s this month)", lim, tag ? " for tag " : "", tag ? tag : "", got);
		}
	}
	pthread_mutex_lock(&r->mu);
	memcpy(r->over, over, sizeof(over[0]) * (size_t)i);
	pthread_mutex_unlock(&r->mu);
}

static void *
writer(void *arg)
{
	struct rec *r = arg;
	struct item *list;
	struct timespec ts, gather = { 0, WRITER_GATHER_MS * 1000000L };
	int quit;

	for (;;) {
		pthread_mutex_lock(&r->mu);
		if (r->head == NULL && !r->quit) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&r->cv, &r->mu, &ts);
		}
		list = r->head;
		r->head = r->tail = NULL;
		quit = r->quit;
		pthread_mutex_unlock(&r->mu);
		write_items(r, list);
		if (r->enforce)
			refresh_budgets(r);
		if (quit && list == NULL)
			return NULL;
		if (list != NULL && !quit)    /* gather a burst into one transaction */
			nanosleep(&gather, NULL);
	}
}

static void
help(void)
{
	printf("usage: tokentop proxy [--listen HOST:PORT] [--upstream URL] [--tag T]\n"
	       "                      [--enforce-budget] [--allow-remote]\n"
	       "\n"
	       "A recording proxy for the Anthropic API: point an application's\n"
	       "ANTHROPIC_BASE_URL at it and change nothing else. Every /v1/... request\n"
	       "is forwarded unchanged (the client's own key passes through and is never\n"
	       "stored); responses come back unchanged, streams event by event. Each\n"
	       "billed response is recorded in the ledger (source \"proxy\"), tagged with\n"
	       "the request header x-tokentop-tag (removed before forwarding) or --tag.\n"
	       "Batches created through it are registered for `tokentop batch watch`.\n"
	       "A client that leaves mid-stream does not lose the row: the upstream\n"
	       "answer is read to its end and its usage recorded. Over 32 MB of request\n"
	       "body gets 413; an unreachable upstream 502 (both in the API's error shape).\n"
	       "\n"
	       "  --listen HOST:PORT  where to listen (default 127.0.0.1:8787; port 0 = any\n"
	       "                      free port). Prints \"listening on HOST:PORT\" first.\n"
	       "  --upstream URL      the API (default ANTHROPIC_BASE_URL of the config,\n"
	       "                      else https://api.anthropic.com)\n"
	       "  --tag T             tag for requests without x-tokentop-tag\n"
	       "  --enforce-budget    once a configured budget is spent, answer new\n"
	       "                      Messages calls with 429 rate_limit_error (not sent)\n"
	       "  --allow-remote      allow a non-loopback --listen address\n"
	       "  --threads N         event loops (1-16; default one per CPU)\n"
	       "\n"
	       "SIGINT/SIGTERM: stop accepting, finish and record what is in flight, exit 0.\n");
}

/* "1".."16" into *n: 0, or -1. */
static int
parse_threads(const char *s, unsigned *n)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 16)
		return -1;
	*n = (unsigned)v;
	return 0;
}

struct proxy_args {
	struct proxy_opts o;
	int               help;
};

static int
parse_args(struct cli *cli, int argc, char **argv, struct proxy_args *a)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "upstream", required_argument, NULL, 'u' },
		{ "tag", required_argument, NULL, 't' },
		{ "enforce-budget", no_argument, NULL, 'b' },
		{ "allow-remote", no_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char host[256], err[512], self[300];
	size_t n;
	int ch, port;

	memset(a, 0, sizeof(*a));
	a->o.listen = "127.0.0.1:8787";
	a->o.upstream = cli->cfg.base_url[0] ? cli->cfg.base_url : "https://api.anthropic.com";
	a->o.connect_timeout_ms = cli->cfg.connect_timeout_ms;
	a->o.timeout_ms = cli->cfg.timeout_ms;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': a->o.listen = optarg; break;
		case 'u': a->o.upstream = optarg; break;
		case 't':
			if (strlen(optarg) >= USAGE_TAG_MAX)
				return cli_usage_error("proxy", "--tag: longer than %d bytes",
				                       USAGE_TAG_MAX - 1);
			a->o.tag = optarg;
			break;
		case 'b': a->o.enforce_budget = 1; break;
		case 'r': a->o.allow_remote = 1; break;
		case 'j':
			if (parse_threads(optarg, &a->o.threads) != 0)
				return cli_usage_error("proxy", "--threads: '%s' is not a number "
				                       "from 1 to 16", optarg);
			break;
		case 'h': a->help = 1; return 0;
		default:
			return cli_usage_error("proxy", "unknown option or missing value: %s",
			                       argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error("proxy", "unexpected argument '%s'", argv[optind]);
	if (proxy_parse_listen(a->o.listen, host, sizeof(host), &port, err, sizeof(err)) != 0)
		return cli_usage_error("proxy", "%s", err);
	if (!a->o.allow_remote && !http_host_is_loopback(host))
		return cli_usage_error("proxy", "--listen: %s is not a loopback address; "
		                       "add --allow-remote to listen there", host);
	if (http_url_allowed(a->o.upstream, err, sizeof(err)) != 0)
		return cli_usage_error("proxy", "--upstream: %s", err);
	/* ANTHROPIC_BASE_URL set for the applications must not become a loop */
	snprintf(self, sizeof(self), strchr(host, ':') ? "http://[%s]:%d" : "http://%s:%d", host, port);
	n = strlen(self);
	if (port != 0 && strncmp(a->o.upstream, self, n) == 0 &&
	    (a->o.upstream[n] == '\0' || a->o.upstream[n] == '/'))
		return cli_usage_error("proxy", "--upstream %s is the proxy itself (set --upstream)",
		                       a->o.upstream);
	return 0;
}

/* Room for many connections (raise the soft descriptor limit to the hard
 * one); returns how many connections fit. */
static unsigned
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 256;
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < 65536) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < 128)
		return 16;
	/* client socket, upstream socket, curl's wake-up pair; some to spare */
	return (rl.rlim_cur - 64) / 4 > 4096 ? 4096 : (unsigned)((rl.rlim_cur - 64) / 4);
}

int
cli_proxy(struct cli *cli, int argc, char **argv)
{
	struct proxy_args a;
	struct proxy_hooks h;
	struct proxy *p = NULL;
	struct rec r;
	pthread_t wt;
	sigset_t set;
	char err[512];
	int rc, sig, started = 0;

	if ((rc = parse_args(cli, argc, argv, &a)) != 0)
		return rc;
	if (a.help) {
		help();
		return EXIT_OK;
	}
	memset(&r, 0, sizeof(r));
	if ((rc = cli_open(cli, &r.st, &r.pr)) != EXIT_OK)
		return rc;
	r.cfg = &cli->cfg;
	r.enforce = a.o.enforce_budget;
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	if (r.enforce)
		refresh_budgets(&r);

	/* signals go to this thread only (sigwait), before any thread starts */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	a.o.max_connections = raise_fd_limit();
	if (a.o.max_connections < 256)
		fprintf(stderr, "tokentop proxy: warning: only %u connections at once "
		        "(raise ulimit -n)\n", a.o.max_connections);
	if (pthread_create(&wt, NULL, writer, &r) != 0) {
		rc = cli_fail("proxy", "cannot start the writer thread");
		goto out;
	}
	started = 1;
	memset(&h, 0, sizeof(h));
	h.usage = hook_usage;
	h.batch = hook_batch;
	h.budget = hook_budget;
	h.log = hook_log;
	h.arg = &r;
	if ((p = proxy_new(&a.o, &h, err, sizeof(err))) == NULL) {
		rc = cli_fail("proxy", "%s", err);
		goto out;
	}
	printf(strchr(proxy_host(p), ':') ? "listening on [%s]:%d\n" : "listening on %s:%d\n",
	       proxy_host(p), proxy_port(p));
	fflush(stdout);
	if (!http_host_is_loopback(proxy_host(p)))
		cli_warn("proxy", "warning: listening on %s, not loopback: anyone who "
		        "can reach it can spend through it", proxy_host(p));
	while (sigwait(&set, &sig) != 0)
		;
	fprintf(stderr, "tokentop proxy: stopping (%d in flight)\n", proxy_inflight(p));
	proxy_free(p, GRACE_MS);
	p = NULL;
	rc = EXIT_OK;
out:
	proxy_free(p, 0);
	if (started) {
		pthread_mutex_lock(&r.mu);
		r.quit = 1;
		pthread_cond_signal(&r.cv);
		pthread_mutex_unlock(&r.mu);
		pthread_join(wt, NULL);
	}
	if (r.recorded > 0 || r.failed > 0)
		fprintf(stderr, "tokentop proxy: %lld recorded, %lld failed\n",
		        (long long)r.recorded, (long long)r.failed);
	store_close(r.st);
	pricing_free(r.pr);
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.cv);
	return rc;
}
