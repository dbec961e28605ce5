/* cli_exporter.c — `tokentop exporter`: the ledger's figures for Prometheus
 * at /metrics (core/mserve.c serves, core/expo.c writes, data/metrics.c
 * reads the rollups). One read-only connection, one scrape at a time. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/budget.h"
#include "core/expo.h"
#include "core/http.h"
#include "core/mserve.h"
#include "core/proxy.h"
#include "tui/cli.h"

struct exporter {
	struct cli     *cli;
	struct store   *st;
	struct pricing *pr;
};

static void
help(void)
{
	printf("usage: tokentop exporter [--listen HOST:PORT] [--allow-remote]\n"
	       "\n"
	       "Serves the ledger's counters for Prometheus at http://HOST:PORT/metrics\n"
	       "(text format 0.0.4), read from the rollups on every scrape:\n"
	       "  tokentop_cost_usd_total{provider,model,source,host}\n"
	       "  tokentop_requests_total{provider,model,source,host}\n"
	       "  tokentop_tokens_total{provider,model,type}\n"
	       "  tokentop_budget_spent_usd{period,tag}, tokentop_budget_limit_usd{period,tag}\n"
	       "  tokentop_batches{provider,status}\n"
	       "  tokentop_unpriced_requests_total{model}\n"
	       "With the config's \"metrics\": {\"tag_label\": true} the cost and request\n"
	       "counters gain a tag label. host is the host that wrote the rows (each\n"
	       "writer's config \"host\", TOKENTOP_HOST, or machine name), so one exporter\n"
	       "covers a fleet's ledger. The ledger is opened read-only.\n"
	       "\n"
	       "  --listen HOST:PORT  where to listen (default 127.0.0.1:9464; port 0 = any free)\n"
	       "  --allow-remote      allow a non-loopback --listen address\n");
}

/* Families of the usage cells: cost and requests per label set, tokens per
 * provider × model, unpriced requests per model. */
static void
write_usage(struct expo *e, const struct store_metrics *m, int with_tag)
{
	static const char *const types[] = { "input", "cache_write_5m", "cache_write_1h",
	                                     "cache_read", "output" };
	const struct store_metric_cell *c;
	const char *l[10];
	char v[40];
	size_t i, j, k, nl;
	int64_t t[5], u;

	for (k = 0; k < 2; k++) {
		expo_family(e, k == 0 ? "tokentop_cost_usd_total" : "tokentop_requests_total",
		    "counter", k == 0 ? "Spend in USD of priced requests since the ledger began." :
		    "Billed requests since the ledger began (priced or not).");
		for (i = 0; i < m->ncells; i++) {
			c = &m->cells[i];
			nl = 4;
			l[0] = "provider"; l[1] = c->provider;
			l[2] = "model";    l[3] = c->model;
			l[4] = "source";   l[5] = c->source;
			l[6] = "host";     l[7] = c->host;
			if (with_tag) {
				l[8] = "tag";
				l[9] = c->tag;
				nl = 5;
			}
			expo_sample(e, k == 0 ? "tokentop_cost_usd_total" : "tokentop_requests_total",
			    l, nl, k == 0 ? expo_usd(c->cost_nanos, v, sizeof(v)) :
			    expo_int(c->requests, v, sizeof(v)));
		}
	}
	expo_family(e, "tokentop_tokens_total", "counter",
	    "Tokens since the ledger began, by kind (input excludes cache reads and writes).");
	for (i = 0; i < m->ncells; i = j) {   /* cells come by model: sum each model's run */
		memset(t, 0, sizeof(t));
		for (j = i; j < m->ncells && strcmp(m->cells[j].model, m->cells[i].model) == 0 &&
		    strcmp(m->cells[j].provider, m->cells[i].provider) == 0; j++) {
			t[0] += m->cells[j].tok.input;      /* each below 2^63: the rollups' */
			t[1] += m->cells[j].tok.write_5m;   /* sums are checked, and a model's */
			t[2] += m->cells[j].tok.write_1h;   /* cells were one SQL sum */
			t[3] += m->cells[j].tok.cache_read;
			t[4] += m->cells[j].tok.output;
		}
		for (k = 0; k < 5; k++) {
			l[0] = "provider"; l[1] = m->cells[i].provider;
			l[2] = "model";    l[3] = m->cells[i].model;
			l[4] = "type";     l[5] = types[k];
			expo_sample(e, "tokentop_tokens_total", l, 3, expo_int(t[k], v, sizeof(v)));
		}
	}
	expo_family(e, "tokentop_unpriced_requests_total", "counter",
	    "Requests of models the price table does not know (their cost is not counted).");
	for (i = 0; i < m->ncells; i = j) {
		for (u = 0, j = i; j < m->ncells && strcmp(m->cells[j].model, m->cells[i].model) == 0;
		    j++)
			u += m->cells[j].unpriced_requests;
		if (u == 0)
			continue;
		l[0] = "model";
		l[1] = m->cells[i].model;
		expo_sample(e, "tokentop_unpriced_requests_total", l, 1, expo_int(u, v, sizeof(v)));
	}
}

static void
write_batches(struct expo *e, const struct store_metrics *m)
{
	const char *l[4];
	char v[32];
	size_t i;

	expo_family(e, "tokentop_batches", "gauge",
	    "Message Batches in the ledger by their last known processing status.");
	for (i = 0; i < m->nbatches; i++) {
		l[0] = "provider"; l[1] = m->batches[i].provider;
		l[2] = "status";   l[3] = m->batches[i].status;
		expo_sample(e, "tokentop_batches", l, 2, expo_int(m->batches[i].count, v, sizeof(v)));
	}
}

/* Budget families: each configured limit with this period's spend. */
static int
write_budgets(struct exporter *x, struct expo *e, char *err, size_t errlen)
{
	struct budget_status s[BUDGET_MAX_STATUS];
	const char *l[4];
	char v[40];
	size_t n = 0, i, k;

	if (x->cli->cfg.nbudgets > 0 && cli_budget_status(x->cli, x->st, x->pr, NULL, 1, s,
	    BUDGET_MAX_STATUS, &n, err, errlen) != 0)
		return -1;
	for (k = 0; k < 2; k++) {
		expo_family(e, k == 0 ? "tokentop_budget_spent_usd" : "tokentop_budget_limit_usd",
		    "gauge", k == 0 ? "Spend in USD of the current budget period (local day or "
		    "month; tag \"\" = all spend)." : "The configured budget limit in USD.");
		for (i = 0; i < n; i++) {
			l[0] = "period"; l[1] = budget_period_name(s[i].period);
			l[2] = "tag";    l[3] = s[i].tag;
			expo_sample(e, k == 0 ? "tokentop_budget_spent_usd" : "tokentop_budget_limit_usd",
			    l, 2, expo_usd(k == 0 ? s[i].spent_nanos : s[i].limit_nanos, v, sizeof(v)));
		}
	}
	return 0;
}

/* One scrape (mserve_fn). */
static int
scrape(void *arg, struct expo *e, char *err, size_t errlen)
{
	struct exporter *x = arg;
	struct store_metrics m;
	int tag = x->cli->cfg.metrics_tag_label;

	if (store_metrics_read(x->st, x->pr, tag, &m, err, errlen) != 0)
		return -1;
	write_usage(e, &m, tag);
	write_batches(e, &m);
	store_metrics_free(&m);
	return write_budgets(x, e, err, errlen);
}

int
cli_exporter(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "allow-remote", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = "127.0.0.1:9464";
	struct exporter x = { cli, NULL, NULL };
	struct mserve *ms;
	int ch, remote = 0, rc, sig, port;
	char err[512], host[256];
	sigset_t set;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen = optarg; break;
		case 'r': remote = 1; break;
		case 'h': help(); return EXIT_OK;
		default:
			return cli_usage_error("exporter", "unknown option or missing value: %s",
			                       argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error("exporter", "unexpected argument '%s'", argv[optind]);
	if (proxy_parse_listen(listen, host, sizeof(host), &port, err, sizeof(err)) != 0)
		return cli_usage_error("exporter", "--listen: %s", err);
	if (!remote && !http_host_is_loopback(host))
		return cli_usage_error("exporter", "--listen: %s is not a loopback address; "
		                       "add --allow-remote to listen there", host);
	if ((rc = cli_open_ro(cli, &x.st, &x.pr)) != EXIT_OK)
		return rc;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);   /* before the listener's thread starts */
	signal(SIGPIPE, SIG_IGN);
	if ((ms = mserve_new(listen, remote, scrape, &x, err, sizeof(err))) == NULL) {
		rc = cli_fail("exporter", "%s", err);
		goto out;
	}
	printf(strchr(mserve_host(ms), ':') ? "listening on [%s]:%d\n" : "listening on %s:%d\n",
	       mserve_host(ms), mserve_port(ms));
	fflush(stdout);
	if (!http_host_is_loopback(mserve_host(ms)))
		cli_warn("exporter", "warning: listening on %s, not loopback: anyone who can reach "
		         "it reads your spend", mserve_host(ms));
	while (sigwait(&set, &sig) != 0)
		;
	mserve_free(ms);
	rc = EXIT_OK;
out:
	store_close(x.st);
	pricing_free(x.pr);
	return rc;
}
