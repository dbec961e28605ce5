/* screen_actions.c — what the Batches and Call screens do: a batch file is
 * checked here (core/batch.h, no network); submitting, canceling, saving
 * results and calls run as background `tokentop` commands (screen_jobs.c),
 * so the console never blocks and shares the CLI's exact code path; the
 * ledger follow shows their rows. Unfinished batches are followed in the
 * console's own loop (screen_poller.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/batch.h"
#include "core/text.h"
#include "tui/screen_actions.h"
#include "tui/screen_jobs.h"
#include "tui/screen_poller.h"
#include "tui/view.h"

#define SYNC_EVERY_MS 5000   /* look for batches to follow (a submit elsewhere) */

static struct console *the_console;
static int watch_now;       /* a job ended: look for batches to follow at once */

/* The last non-empty line of a job's output, for the status line. */
static void
last_line(const char *out, char *buf, size_t n)
{
	const char *end = out + strlen(out), *start;

	while (end > out && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > out && start[-1] != '\n')
		start--;
	snprintf(buf, n, "%.*s", (int)(end - start), start);
}

static void
job_done(void *arg, const char *label, int status, const char *out)
{
	struct console *c = the_console;
	char line[256], clean[256];

	(void)arg;
	last_line(out, line, sizeof(line));
	text_sanitize(line, clean, sizeof(clean), 0);
	if (status == 0)
		console_status(c, ROLE_OK, "%s: done%s%s", label, clean[0] ? ": " : "", clean);
	else
		console_status(c, ROLE_ALERT, "%s failed (%d)%s%s", label, status,
		    clean[0] ? ": " : "", clean);
	c->gen++;               /* whatever it wrote, read it again */
	watch_now = 1;
}

/* An estimate: cents, or four decimals below a dollar (small batches). */
static char *
estimate(int64_t nanos, char *buf, size_t n)
{
	if (nanos < NANOS_PER_USD)
		return pricing_format_usd(nanos, 4, 1, buf, n);
	return view_fmt_money(nanos, 0, buf, n);
}

/* "\nbudget left today $8.73" when a daily all-spend budget is set. */
static void
budget_left(struct console *c, char *out, size_t n)
{
	struct report_query q = { .group = REPORT_TOTAL };
	struct report r = { 0 };
	char err[256], m[48];
	int64_t budget = 0;
	int i;

	for (i = 0; i < c->cli->cfg.nbudgets; i++)
		if (c->cli->cfg.budgets[i].tag[0] == '\0')
			budget = c->cli->cfg.budgets[i].daily_nanos;
	if (budget <= 0 || n == 0)
		return;
	q.since_ms = view_day_start(c->now_ms, 0);
	q.until_ms = view_day_start(c->now_ms, 1);
	if (store_report(c->st, c->pr, &q, &r, err, sizeof(err)) != 0)
		return;
	snprintf(out, n, "\nbudget left today %s",
	    view_fmt_money(budget - r.totals.cost_nanos, 0, m, sizeof(m)));
	store_report_free(&r);
}

static int
batch_check(struct console *c, const char *path, char *out, size_t outlen, char *err,
            size_t errlen)
{
	struct batch_opts o;
	struct batch_plan plan;
	char a[48], b[48], cnt[32];
	size_t i, used;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	o.model = c->cli->cfg.default_model[0] ? c->cli->cfg.default_model : NULL;
	o.max_tokens = 1024;
	o.cache = BATCH_CACHE_5M;
	if (batch_plan_file(path, &o, c->pr, &plan, err, errlen) != 0)
		return -1;
	out[0] = '\0';
	if (plan.nbad > 0 || plan.requests == 0) {
		for (i = 0, used = 0; i < plan.nerrors && i < 5 && used < outlen; i++)
			used += (size_t)snprintf(out + used, outlen - used, "%s\n", plan.errors[i]);
		if (used < outlen)
			snprintf(out + used, outlen - used, "%lld invalid line(s): nothing will be sent",
			    (long long)plan.nbad);
		if (plan.requests == 0 && plan.nbad == 0)
			snprintf(out, outlen, "%s: no requests in the file", path);
		snprintf(err, errlen, "invalid batch file");
		goto out;
	}
	used = (size_t)snprintf(out, outlen, "%s %s requests %s", draw_utf8() ? "✓" : "ok",
	    view_fmt_count(plan.requests, cnt, sizeof(cnt)), draw_utf8() ? "·" : "-");
	for (i = 0; i < plan.nmodels && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? ", " : " ",
		    plan.models[i]);
	if (used < outlen && plan.nparts > 1)
		used += (size_t)snprintf(out + used, outlen - used, " (%zu batches)", plan.nparts);
	if (used < outlen)
		used += (size_t)snprintf(out + used, outlen - used,
		    "\nestimated %s %s %s (50%% batch rate)",
		    estimate(plan.est_low, a, sizeof(a)), draw_utf8() ? "–" : "-",
		    estimate(plan.est_high, b, sizeof(b)));
	if (used < outlen && plan.unpriced > 0)
		used += (size_t)snprintf(out + used, outlen - used,
		    "\n%lld request(s) of unpriced models are not in the estimate",
		    (long long)plan.unpriced);
	if (used < outlen)
		budget_left(c, out + used, outlen - used);
	rc = 0;
out:
	batch_plan_done(&plan);
	return rc;
}

static int
batch_submit(struct console *c, const char *path, char *id, size_t idlen, char *err,
             size_t errlen)
{
	const char *args[] = { "batch", "submit", path, NULL };

	snprintf(id, idlen, "%s (in the background)", path);
	return jobs_start(c->cli, "batch submit", 0, args, job_done, NULL, err, errlen);
}

static int
batch_cancel(struct console *c, const char *bid, char *err, size_t errlen)
{
	const char *args[] = { "batch", "cancel", bid, NULL };

	return jobs_start(c->cli, "batch cancel", 0, args, job_done, NULL, err, errlen);
}

static int
batch_save(struct console *c, const char *bid, const char *path, char *err, size_t errlen)
{
	const char *args[] = { "batch", "results", bid, "-o", path, NULL };

	return jobs_start(c->cli, "batch results", 0, args, job_done, NULL, err, errlen);
}

/* One call at a time; its answer goes to the Call screen's buffer. */
static struct {
	char   *answer;
	size_t  len;
} call_out;

static void
call_done(void *arg, const char *label, int status, const char *out)
{
	(void)arg;
	if (call_out.answer != NULL)
		snprintf(call_out.answer, call_out.len, "%s", out);
	job_done(NULL, label, status, "");
}

static int
call_send(struct console *c, const char *model, const char *prompt, int cache, char *answer,
          size_t anslen, char *err, size_t errlen)
{
	const char *args[] = { "call", "--model", model, "--cache", cache ? "5m" : "off", "--",
		prompt, NULL };

	if (jobs_has("call")) {
		snprintf(err, errlen, "a call is still in flight");
		return -1;
	}
	call_out.answer = answer;
	call_out.len = anslen;
	snprintf(answer, anslen, "sending to %s …", model);
	return jobs_start(c->cli, "call", 0, args, call_done, NULL, err, errlen);
}

void
screen_actions_init(struct console *c)
{
	the_console = c;
	c->act.batch_check = batch_check;
	c->act.batch_submit = batch_submit;
	c->act.batch_cancel = batch_cancel;
	c->act.batch_save = batch_save;
	c->act.call_send = call_send;
}

void
screen_actions_tick(struct console *c)
{
	static int64_t last;

	if (c->now_ms - last < SYNC_EVERY_MS && !watch_now)
		return;
	last = c->now_ms;
	watch_now = 0;
	screen_poller_sync(c);
}
