/* cli_proxy.c — `tokentop proxy`: the recording relay (core/proxy.c) wired to
 * the ledger through the recorder (tui/recorder.c: a queue, one writer
 * thread, retries and the spool). The main thread waits for a signal. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/expo.h"
#include "core/http.h"
#include "core/mserve.h"
#include "core/pmetrics.h"
#include "core/provider.h"
#include "core/proxy.h"
#include "tui/alerter.h"
#include "tui/cli.h"
#include "tui/headroom.h"
#include "tui/recorder.h"

#define GRACE_MS         30000
#define HEADROOM_EVERY_S 1       /* rate-limit figures reach the ledger this often */

/* What the proxy's hooks feed: the ledger's writer, the live metrics (NULL
 * without --metrics) and the rate-limit figures on their way to the ledger. */
struct proxy_ctx {
	struct recorder *rec;
	struct pmetrics *pm;
	struct headroom *hr;
};

static void
hook_usage(void *arg, const struct usage *u)
{
	recorder_usage(((struct proxy_ctx *)arg)->rec, u);
}

static void
hook_batch(void *arg, const struct proxy_batch *b)
{
	recorder_batch(((struct proxy_ctx *)arg)->rec, b);
}

static int
hook_budget(void *arg, const char *tag, char *msg, size_t msglen)
{
	return recorder_budget(((struct proxy_ctx *)arg)->rec, tag, msg, msglen);
}

static void
hook_response(void *arg, const struct proxy_response *r)
{
	struct proxy_ctx *c = arg;

	if (c->pm != NULL) {
		pmetrics_request(c->pm, r->provider, r->status, r->duration_us, r->first_byte_us);
		if (r->has_ratelimit)
			pmetrics_ratelimit(c->pm, r->provider, r->model, &r->rl);
	}
	if (r->upstream)
		headroom_note(c->hr, r->provider, r->model, r->keyfp, r->status,
		    r->has_ratelimit ? &r->rl : NULL, r->ts_ms);
	/* per minute and provider (as pmetrics counts it), for the errors rule */
	recorder_response(c->rec, r->provider, r->status);
}

/* The --metrics page (mserve_fn). */
static int
metrics_page(void *arg, struct expo *e, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	pmetrics_write(arg, e);
	return 0;
}

static void
hook_log(void *arg, const char *msg)
{
	(void)arg;
	cli_warn("proxy", "%s", msg);
}

static void
help(void)
{
	printf("usage: tokentop proxy [--listen HOST:PORT] [--upstream URL]\n"
	       "                      [--openai-upstream URL] [--tag T]\n"
	       "                      [--enforce-budget] [--allow-remote] [--threads N]\n"
	       "                      [--max-connections N] [--max-per-address N]\n"
	       "                      [--header-timeout S] [--body-timeout S]\n"
	       "                      [--body-min-rate B] [--max-buffered MB]\n"
	       "                      [--metrics HOST:PORT]\n"
	       "\n"
	       "A recording proxy for the Anthropic and the OpenAI API: point an\n"
	       "application's ANTHROPIC_BASE_URL at it (OPENAI_BASE_URL at it plus /v1)\n"
	       "and change nothing else. A request carrying anthropic-version goes to\n"
	       "Anthropic whatever its path; otherwise /v1/chat/completions, /v1/responses,\n"
	       "/v1/embeddings, /v1/completions, /v1/files, /v1/batches and /v1/models go\n"
	       "to OpenAI, everything else to Anthropic. Every /v1/... request is forwarded\n"
	       "unchanged (the client's own key, x-api-key or Authorization, and OpenAI's\n"
	       "OpenAI-Organization / OpenAI-Project pass through and are never stored);\n"
	       "responses come back unchanged, streams event by event. One exception: a\n"
	       "Chat Completions stream that does not ask for usage is sent upstream with\n"
	       "stream_options.include_usage, and the usage chunk (and the \"usage\":null\n"
	       "it adds to every chunk) is taken out of what the client gets, so it\n"
	       "receives exactly the stream it asked for. Each billed response is recorded\n"
	       "in the ledger (source \"proxy\", its provider, its request-id or\n"
	       "x-request-id), tagged with the request header x-tokentop-tag (removed\n"
	       "before forwarding) or --tag.\n"
	       "Batches created through it are registered: Anthropic's for `tokentop batch\n"
	       "watch` and the console, OpenAI's (listed, not yet polled) for the OpenAI\n"
	       "client to come.\n"
	       "A row is never dropped: when the ledger takes no writes (a full disk, a\n"
	       "lock held too long) rows are kept in memory and retried, then moved to\n"
	       "the spool ($XDG_STATE_HOME/tokentop/spool.db); they go into the ledger in\n"
	       "order, exactly once, when it takes writes again (the proxy, or any tokentop\n"
	       "command that writes it, puts them in). At exit: N recorded, N spooled,\n"
	       "N failed.\n"
	       "A client that leaves mid-stream does not lose the row: the upstream\n"
	       "answer is read to its end and its usage recorded. Over 32 MB of request\n"
	       "body gets 413; an unreachable upstream 502 (both in the API's error shape).\n"
	       "\n"
	       "  --listen HOST:PORT  where to listen (default 127.0.0.1:8787; port 0 = any\n"
	       "                      free port). Prints \"listening on HOST:PORT\" first.\n"
	       "  --upstream URL      the Anthropic API (default ANTHROPIC_BASE_URL of the\n"
	       "                      config, else https://api.anthropic.com)\n"
	       "  --openai-upstream URL  the OpenAI API (default https://api.openai.com; a\n"
	       "                      trailing /v1 is dropped, as the paths carry it)\n"
	       "  --tag T             tag for requests without x-tokentop-tag\n"
	       "  --enforce-budget    once a configured budget is spent, answer new billed\n"
	       "                      calls with a 429 in their API's shape (not sent):\n"
	       "                      rate_limit_error (Anthropic), insufficient_quota (OpenAI)\n"
	       "  --allow-remote      allow a non-loopback --listen address\n"
	       "  --threads N         event loops (1-16; default one per CPU)\n"
	       "  --metrics HOST:PORT the proxy's own metrics for Prometheus at /metrics on\n"
	       "                      a second listener (loopback unless --allow-remote):\n"
	       "                      tokentop_proxy_requests_total{provider,code},\n"
	       "                      tokentop_proxy_request_duration_seconds,\n"
	       "                      tokentop_proxy_upstream_first_byte_seconds (histograms),\n"
	       "                      tokentop_ratelimit_{remaining,limit}{provider,model,kind}\n"
	       "Every answer's rate-limit headers (and each 429) go to the ledger, per\n"
	       "model and API key fingerprint: `tokentop report limits`.\n"
	       "\n"
	       "Limits on hostile or broken clients (also the config's \"proxy\" object:\n"
	       "max_connections, max_per_address, header_timeout_seconds,\n"
	       "body_timeout_seconds, body_min_rate, max_buffered_mb):\n"
	       "  --max-connections N connections at once (default: what the descriptor\n"
	       "                      limit allows, at most 4096)\n"
	       "  --max-per-address N connections from one client address (default a\n"
	       "                      quarter of --max-connections); more are closed at once\n"
	       "  --header-timeout S  a request head must arrive whole within S seconds of\n"
	       "                      the connection's start or the previous answer (10)\n"
	       "  --body-timeout S    a body that sends nothing for S seconds, or averages\n"
	       "  --body-min-rate B   under B bytes/s after its first S seconds, is cut (20, 500)\n"
	       "  --max-buffered MB   request bodies held in memory, all connections (256);\n"
	       "                      past it a request gets 503 with retry-after\n"
	       "Malformed requests are refused before anything is forwarded: 400 for an\n"
	       "ambiguous length, a bad header name, a dot segment or a control byte in\n"
	       "the path; 501 for a transfer-coding other than chunked; 414 past 8 KB.\n"
	       "\n"
	       "SIGINT/SIGTERM: stop accepting, finish and record what is in flight, exit 0.\n");
}

/* A whole number from lo to hi into *v: 0, or -1. */
static int
parse_count(const char *s, int64_t lo, int64_t hi, int64_t *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

struct proxy_args {
	struct proxy_opts o;
	const char       *metrics;           /* --metrics ADDR, or NULL */
	int64_t           max_connections;   /* asked for (0 = as many as fit) */
	int               help;
};

/* The numeric options: name, getopt code, range, scale into the option. */
static const struct num_opt {
	const char *name;
	int         ch;
	int64_t     lo, hi, scale;
} num_opts[] = {
	{ "threads", 'j', 1, 16, 1 },
	{ "max-connections", 'C', 1, 1000000, 1 },
	{ "max-per-address", 'A', 1, 1000000, 1 },
	{ "header-timeout", 'H', 1, 86400, 1000 },
	{ "body-timeout", 'T', 1, 86400, 1000 },
	{ "body-min-rate", 'R', 1, 1000000000, 1 },
	{ "max-buffered", 'M', 1, 1048576, 1024 * 1024 },
};

/* Where a numeric option lands in a. */
static int64_t *
num_slot(struct proxy_args *a, int ch, int64_t *tmp)
{
	switch (ch) {
	case 'C': return &a->max_connections;
	case 'H': return &a->o.header_timeout_ms;
	case 'T': return &a->o.body_timeout_ms;
	case 'R': return &a->o.body_min_rate;
	case 'M': return &a->o.max_buffered;
	default: return tmp;        /* threads, max-per-address: unsigned */
	}
}

/* A numeric option's value into a: 0, or the usage error's status. */
static int
set_num(struct proxy_args *a, int ch, const char *arg)
{
	int64_t tmp = 0, *slot = num_slot(a, ch, &tmp);
	size_t i;

	for (i = 0; num_opts[i].ch != ch; i++)
		;
	if (parse_count(arg, num_opts[i].lo, num_opts[i].hi, slot) != 0)
		return cli_usage_error("proxy", "--%s: '%s' is not a whole number from %lld to %lld",
		                       num_opts[i].name, arg, (long long)num_opts[i].lo,
		                       (long long)num_opts[i].hi);
	*slot *= num_opts[i].scale;
	if (ch == 'j')
		a->o.threads = (unsigned)tmp;
	else if (ch == 'A')
		a->o.max_per_address = (unsigned)tmp;
	return 0;
}

/* The config's "proxy" limits, before the flags override them. */
static void
config_limits(const struct config_proxy *c, struct proxy_args *a)
{
	a->max_connections = c->max_connections;
	a->o.max_per_address = (unsigned)c->max_per_address;
	a->o.header_timeout_ms = c->header_timeout_ms;
	a->o.body_timeout_ms = c->body_timeout_ms;
	a->o.body_min_rate = c->body_min_rate;
	a->o.max_buffered = c->max_buffered_mb * 1024 * 1024;
}

static int
parse_args(struct cli *cli, int argc, char **argv, struct proxy_args *a)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "upstream", required_argument, NULL, 'u' },
		{ "openai-upstream", required_argument, NULL, 'o' },
		{ "tag", required_argument, NULL, 't' },
		{ "enforce-budget", no_argument, NULL, 'b' },
		{ "allow-remote", no_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 'j' },
		{ "max-connections", required_argument, NULL, 'C' },
		{ "max-per-address", required_argument, NULL, 'A' },
		{ "header-timeout", required_argument, NULL, 'H' },
		{ "body-timeout", required_argument, NULL, 'T' },
		{ "body-min-rate", required_argument, NULL, 'R' },
		{ "max-buffered", required_argument, NULL, 'M' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char host[256], err[512], self[300];
	size_t n;
	int ch, port, rc;

	memset(a, 0, sizeof(*a));
	a->o.listen = "127.0.0.1:8787";
	a->o.upstream = cli->cfg.base_url[0] ? cli->cfg.base_url : provider_anthropic.origin;
	a->o.openai_upstream = provider_openai.origin;   /* not OPENAI_BASE_URL: apps point
	                                                    that at the proxy */
	a->o.connect_timeout_ms = cli->cfg.connect_timeout_ms;
	a->o.timeout_ms = cli->cfg.timeout_ms;
	config_limits(&cli->cfg.proxy, a);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': a->o.listen = optarg; break;
		case 'u': a->o.upstream = optarg; break;
		case 'o': a->o.openai_upstream = optarg; break;
		case 't':
			if (strlen(optarg) >= USAGE_TAG_MAX)
				return cli_usage_error("proxy", "--tag: longer than %d bytes",
				                       USAGE_TAG_MAX - 1);
			a->o.tag = optarg;
			break;
		case 'b': a->o.enforce_budget = 1; break;
		case 'r': a->o.allow_remote = 1; break;
		case 'm': a->metrics = optarg; break;
		case 'j': case 'C': case 'A': case 'H': case 'T': case 'R': case 'M':
			if ((rc = set_num(a, ch, optarg)) != 0)
				return rc;
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
	if (http_url_allowed(a->o.openai_upstream, err, sizeof(err)) != 0)
		return cli_usage_error("proxy", "--openai-upstream: %s", err);
	if (a->metrics != NULL &&
	    proxy_parse_listen(a->metrics, host, sizeof(host), &port, err, sizeof(err)) != 0)
		return cli_usage_error("proxy", "--metrics: %s", err);
	if (a->metrics != NULL && !a->o.allow_remote && !http_host_is_loopback(host))
		return cli_usage_error("proxy", "--metrics: %s is not a loopback address; "
		                       "add --allow-remote to listen there", host);
	if (proxy_parse_listen(a->o.listen, host, sizeof(host), &port, err, sizeof(err)) != 0)
		return cli_usage_error("proxy", "%s", err);
	/* a base URL set for the applications must not become a loop */
	snprintf(self, sizeof(self), strchr(host, ':') ? "http://[%s]:%d" : "http://%s:%d", host, port);
	n = strlen(self);
	if (port != 0 && strncmp(a->o.upstream, self, n) == 0 &&
	    (a->o.upstream[n] == '\0' || a->o.upstream[n] == '/'))
		return cli_usage_error("proxy", "--upstream %s is the proxy itself (set --upstream)",
		                       a->o.upstream);
	if (port != 0 && strncmp(a->o.openai_upstream, self, n) == 0 &&
	    (a->o.openai_upstream[n] == '\0' || a->o.openai_upstream[n] == '/'))
		return cli_usage_error("proxy", "--openai-upstream %s is the proxy itself",
		                       a->o.openai_upstream);
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

/* The exit's truthful account of this run's rows. */
static void
report_counts(const struct cli *cli, const struct recorder_counts *c)
{
	if (c->recorded == 0 && c->spooled == 0 && c->failed == 0)
		return;
	cli_warn("proxy", "%lld recorded, %lld spooled, %lld failed", (long long)c->recorded,
	         (long long)c->spooled, (long long)c->failed);
	if (c->spooled > 0)
		cli_warn("proxy", "%lld row(s) wait in %s; the next tokentop command that writes "
		         "this ledger puts them in", (long long)c->spooled, cli->cfg.spool_path);
}

/* Wait for SIGINT or SIGTERM, writing the rate-limit figures every
 * HEADROOM_EVERY_S meanwhile (a failed write is retried the next time). */
static void
wait_signal(const sigset_t *set, struct headroom *hr, struct store *hst)
{
	struct timespec ts = { HEADROOM_EVERY_S, 0 };
	char err[512];
	int warned = 0;

	while (sigtimedwait(set, NULL, &ts) < 0) {
		if (headroom_flush(hr, hst, err, sizeof(err)) == 0)
			warned = 0;
		else if (!warned++)
			cli_warn("proxy", "rate limits not recorded yet: %s", err);
	}
}

int
cli_proxy(struct cli *cli, int argc, char **argv)
{
	struct recorder_counts counts;
	struct proxy_ctx ctx = { NULL, NULL, NULL };
	struct alerter *al = NULL;
	struct pricing *pr = NULL;
	struct store *st = NULL, *hst = NULL;
	struct mserve *ms = NULL;
	struct proxy_args a;
	struct proxy_hooks h;
	struct proxy *p = NULL;
	sigset_t set;
	char err[512];
	int rc;

	if ((rc = parse_args(cli, argc, argv, &a)) != 0)
		return rc;
	if (a.help) {
		help();
		return EXIT_OK;
	}
	if ((rc = cli_open(cli, &st, &pr)) != EXIT_OK)
		return rc;

	/* signals go to this thread only (sigwait), before any thread starts;
	 * a file size limit fails a write (the recorder keeps the rows), it
	 * does not kill the proxy */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);

	a.o.max_connections = raise_fd_limit();
	if (a.max_connections > a.o.max_connections)
		cli_warn("proxy", "warning: --max-connections %lld: only %u fit in the descriptor "
		         "limit (raise ulimit -n)", (long long)a.max_connections, a.o.max_connections);
	else if (a.max_connections > 0)
		a.o.max_connections = (unsigned)a.max_connections;
	else if (a.o.max_connections < 256)
		cli_warn("proxy", "warning: only %u connections at once (raise ulimit -n)",
		         a.o.max_connections);
	if ((ctx.rec = recorder_new(st, pr, &cli->cfg, a.o.enforce_budget, err,
	    sizeof(err))) == NULL) {
		rc = cli_fail("proxy", "%s", err);
		goto out;
	}
	/* the alert rules: checked after each write, on a thread of their own */
	al = cli_alerter(cli, pr, "proxy", 0);
	recorder_set_alerter(ctx.rec, al);
	/* rate-limit figures: their own connection, written from this thread */
	if ((ctx.hr = headroom_new()) == NULL ||
	    (hst = store_open_host(cli->cfg.db_path, cli->cfg.host, err, sizeof(err))) == NULL) {
		rc = cli_fail("proxy", "%s", ctx.hr == NULL ? "out of memory" : err);
		goto out;
	}
	store_set_busy(hst, 200, 500);
	if (a.metrics != NULL && ((ctx.pm = pmetrics_new()) == NULL ||
	    (ms = mserve_new(a.metrics, a.o.allow_remote, metrics_page, ctx.pm, err,
	    sizeof(err))) == NULL)) {
		rc = cli_fail("proxy", "%s", ctx.pm == NULL ? "out of memory" : err);
		goto out;
	}
	memset(&h, 0, sizeof(h));
	h.usage = hook_usage;
	h.batch = hook_batch;
	h.budget = hook_budget;
	h.response = hook_response;
	h.log = hook_log;
	h.arg = &ctx;
	if ((p = proxy_new(&a.o, &h, err, sizeof(err))) == NULL) {
		rc = cli_fail("proxy", "%s", err);
		goto out;
	}
	printf(strchr(proxy_host(p), ':') ? "listening on [%s]:%d\n" : "listening on %s:%d\n",
	       proxy_host(p), proxy_port(p));
	if (ms != NULL)
		printf(strchr(mserve_host(ms), ':') ? "metrics on [%s]:%d\n" : "metrics on %s:%d\n",
		       mserve_host(ms), mserve_port(ms));
	fflush(stdout);
	if (!http_host_is_loopback(proxy_host(p)))
		cli_warn("proxy", "warning: listening on %s, not loopback: anyone who "
		        "can reach it can spend through it", proxy_host(p));
	wait_signal(&set, ctx.hr, hst);
	cli_warn("proxy", "stopping (%d in flight)", proxy_inflight(p));
	proxy_free(p, GRACE_MS);
	p = NULL;
	rc = EXIT_OK;
out:
	proxy_free(p, 0);            /* no hook runs after this */
	mserve_free(ms);
	if (hst != NULL && headroom_flush(ctx.hr, hst, err, sizeof(err)) != 0)
		cli_warn("proxy", "rate limits not recorded: %s", err);
	if (ctx.rec != NULL) {
		recorder_free(ctx.rec, &counts);
		report_counts(cli, &counts);
	}
	alerter_stop(al);            /* a last check and delivery */
	headroom_free(ctx.hr);
	pmetrics_free(ctx.pm);
	store_close(hst);
	store_close(st);
	pricing_free(pr);
	return rc;
}
