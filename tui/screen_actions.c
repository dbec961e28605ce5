/* screen_actions.c — what the Batches and Call screens do: a batch file is
 * checked here (core/batch.h, no network); submitting, canceling, saving
 * results and calls run as background `tokentop` commands (screen_jobs.c),
 * so the console never blocks and shares the CLI's exact code path; the
 * ledger follow shows their rows. Unfinished batches are followed in the
 * console's own loop (screen_poller.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/batch.h"
#include "core/batch_client.h"
#include "core/provider.h"
#include "core/text.h"
#include "tui/screen_actions.h"
#include "tui/screen_jobs.h"
#include "tui/screen_poller.h"
#include "tui/view.h"

#define SYNC_EVERY_MS 60000  /* look for batches to follow: when the ledger changed
                                (a submit elsewhere), and at least this often */

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
	if (end - start > 10 && strncmp(start, "tokentop ", 9) == 0)   /* "tokentop batch: …" */
		start += strcspn(start, ":") + (start[strcspn(start, ":")] ? 2 : 0);
	snprintf(buf, n, "%.*s", (int)(end - start), start);
}

/* A job's own words for success, chosen when it starts (the CLI's last line
 * may name another file: the results cache, the input); heap, freed by
 * job_done. NULL when out of memory (then a plain "done"). */
static char *
job_words(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
job_words(const char *fmt, ...)
{
	char buf[256], *w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	w = strdup(buf);
	return w;
}

static void
job_done(void *arg, const char *label, int status, const char *out)
{
	struct console *c = the_console;
	char line[256], clean[256], *ok = arg;

	last_line(out, line, sizeof(line));
	text_sanitize(line, clean, sizeof(clean), 0);
	if (status == 0)
		console_status(c, ROLE_OK, "%s", ok != NULL ? ok : "done");
	else
		console_status(c, ROLE_ALERT, "%s failed%s%s", label, clean[0] ? ": " : "", clean);
	free(ok);
	c->gen++;               /* whatever it wrote, read it again */
	watch_now = 1;
}

/* Start a job that ends in job_done with ok_words (taken: freed there). */
static int
start(struct console *c, const char *label, const char *const *args, char *ok_words,
      char *err, size_t errlen)
{
	if (jobs_start(c->cli, label, 0, args, job_done, ok_words, err, errlen) != 0) {
		free(ok_words);
		return -1;
	}
	return 0;
}

/* An estimate: cents, or four places below a dollar (small batches), as
 * `batch submit --dry-run` prints it. */
static char *
estimate(int64_t nanos, char *buf, size_t n)
{
	return pricing_format_money(nanos, nanos < NANOS_PER_USD ? 4 : 2, buf, n);
}

/*
 * The budgets a batch of up to est_nanos meets (untagged: the console's
 * submit has no tag), as `batch submit` weighs them: "\nbudget left today
 * $8.73", or the refusal in words with the console's override. Returns 1
 * when refused.
 */
static int
budget_words(struct console *c, int64_t est_nanos, char *out, size_t n)
{
	struct budget_status s[BUDGET_MAX_STATUS];
	char err[256], msg[512], m[48];
	size_t ns = 0, i;
	int refused;

	if (c->cli->cfg.nbudgets == 0 || n == 0 ||
	    cli_budget_status(c->cli, c->st, c->pr, NULL, 0, s, BUDGET_MAX_STATUS, &ns, err,
	    sizeof(err)) != 0)
		return 0;
	refused = budget_check_how(s, ns, est_nanos, 0, "batch", "o submits it anyway", msg,
	    sizeof(msg)) != 0;
	if (refused) {
		snprintf(out, n, "\n%s", msg);
		return 1;
	}
	for (i = 0; i < ns; i++)
		if (s[i].period == BUDGET_DAILY)
			snprintf(out, n, "\nbudget left today %s",
			    view_fmt_money(s[i].left_nanos, 0, m, sizeof(m)));
	return 0;
}

/* The plan's lines into out: requests, models, estimate. */
static void
plan_words(const struct batch_plan *plan, char *out, size_t outlen)
{
	char a[48], b[48], cnt[32];
	size_t i, used;

	used = (size_t)snprintf(out, outlen, "%s %s requests %s", draw_utf8() ? "✓" : "ok",
	    view_fmt_count(plan->requests, cnt, sizeof(cnt)), draw_utf8() ? "·" : "-");
	for (i = 0; i < plan->nmodels && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? ", " : " ",
		    plan->models[i]);
	if (used < outlen && plan->nparts > 1)
		used += (size_t)snprintf(out + used, outlen - used, " (%zu batches)", plan->nparts);
	if (used < outlen)
		used += (size_t)snprintf(out + used, outlen - used,
		    "\nestimated %s %s %s (50%% batch rate)",
		    estimate(plan->est_low, a, sizeof(a)), draw_utf8() ? "–" : "-",
		    estimate(plan->est_high, b, sizeof(b)));
	if (used < outlen && plan->unpriced > 0)
		snprintf(out + used, outlen - used,
		    "\n%lld request(s) of unpriced models are not in the estimate",
		    (long long)plan->unpriced);
}

/* The file's FILE:LINE errors (the first five) into out. */
static void
error_words(const char *path, const struct batch_plan *plan, char *out, size_t outlen)
{
	size_t i, used;

	out[0] = '\0';
	for (i = 0, used = 0; i < plan->nerrors && i < 5 && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s\n", plan->errors[i]);
	if (used < outlen)
		snprintf(out + used, outlen - used, "%lld invalid line(s): nothing will be sent",
		    (long long)plan->nbad);
	if (plan->requests == 0 && plan->nbad == 0)
		snprintf(out, outlen, "%s: no requests in the file", path);
}

static int
batch_check(struct console *c, const char *path, const char *provider, struct batch_check *out,
            char *err, size_t errlen)
{
	const struct batch_client *bc = batch_client_of(provider_by_name(provider));
	struct batch_opts o;
	struct batch_plan plan;
	struct stat sb;
	size_t used;

	memset(out, 0, sizeof(*out));
	/* the defaults of the `batch submit --provider P` the console runs */
	memset(&o, 0, sizeof(o));
	o.model = c->cli->cfg.default_model[0] && bc->line_check == NULL ?
	    c->cli->cfg.default_model : NULL;
	o.max_tokens = 1024;
	o.line_check = bc->line_check;
	o.one_model = bc->one_model;
	o.one_url = bc->one_url;
	o.max_requests = bc->max_requests;
	o.max_bytes = bc->max_bytes;
	if (stat(path, &sb) == 0) {
		out->size = (int64_t)sb.st_size;
		out->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	}
	if (batch_plan_file(path, &o, c->pr, &plan, err, errlen) != 0) {
		snprintf(out->text, sizeof(out->text), "%s", err);
		return -1;
	}
	if (plan.nbad > 0 || plan.requests == 0) {
		error_words(path, &plan, out->text, sizeof(out->text));
		snprintf(err, errlen, "invalid batch file");
		batch_plan_done(&plan);
		return -1;
	}
	plan_words(&plan, out->text, sizeof(out->text));
	used = strlen(out->text);
	out->over_budget = budget_words(c, plan.est_high, out->text + used,
	    sizeof(out->text) - used);
	out->ok = 1;
	batch_plan_done(&plan);
	return 0;
}

static int
batch_submit(struct console *c, const char *path, const char *provider, int force, char *id,
             size_t idlen, char *err, size_t errlen)
{
	const char *args[] = { "batch", "submit", "--provider", provider, force ? "--force" : path,
		force ? path : NULL, NULL };

	snprintf(id, idlen, "%s (in the background)", path);
	return start(c, "batch submit", args, job_words("submitted %s%s", path,
	    force ? " past the budget" : ""), err, errlen);
}

static int
batch_cancel(struct console *c, const char *bid, char *err, size_t errlen)
{
	const char *args[] = { "batch", "cancel", bid, NULL };

	return start(c, "batch cancel", args, job_words("cancel of %s sent: it ends as canceling",
	    bid), err, errlen);
}

static int
batch_save(struct console *c, const char *bid, const char *path, char *err, size_t errlen)
{
	const char *args[] = { "batch", "results", bid, "-o", path, NULL };

	return start(c, "batch results", args, job_words("saved the results of %s to %s", bid,
	    path), err, errlen);
}

/* One call at a time; its answer goes to the Call screen's buffer. */
static struct {
	char   *answer;
	size_t  len;
	int    *refused;
	int     stopped;                 /* Esc: the screen asked to stop it */
	char    sysfile[64];             /* the system text for --system; removed after */
} call_out;

#define CALL_REFUSAL "refusing (use --force)"

static void
call_done(void *arg, const char *label, int status, const char *out)
{
	char *at;

	(void)arg;
	if (call_out.sysfile[0] != '\0')
		unlink(call_out.sysfile);
	call_out.sysfile[0] = '\0';
	if (call_out.stopped) {
		snprintf(call_out.answer, call_out.len, "canceled (Esc) before an answer came; if the "
		    "API had answered already, that call is billed but not in the ledger");
		console_status(the_console, ROLE_WARNING, "call canceled");
		call_out.stopped = 0;
		the_console->gen++;
		return;
	}
	snprintf(call_out.answer, call_out.len, "%s", out);
	/* a budget stopped it: the console's way past it, not the CLI's flag */
	if (status != 0 && (at = strstr(call_out.answer, CALL_REFUSAL)) != NULL) {
		*call_out.refused = 1;
		snprintf(at, call_out.len - (size_t)(at - call_out.answer),
		    "refusing: nothing was sent (F9 sends it past the budget)");
	}
	job_done(job_words("call: answered"), label, status, "");
}

/* The system text into a private temporary file for --system. */
static int
system_file(const char *text, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR") != NULL && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
	size_t len = strlen(text);
	int fd;

	snprintf(call_out.sysfile, sizeof(call_out.sysfile), "%.40s/tokentop-sys-XXXXXX", dir);
	if ((fd = mkstemp(call_out.sysfile)) < 0) {
		snprintf(err, errlen, "system text: %s", strerror(errno));
		call_out.sysfile[0] = '\0';
		return -1;
	}
	if (write(fd, text, len) != (ssize_t)len) {
		snprintf(err, errlen, "system text: %s", strerror(errno));
		close(fd);
		unlink(call_out.sysfile);
		call_out.sysfile[0] = '\0';
		return -1;
	}
	close(fd);
	return 0;
}

static int
call_send(struct console *c, const struct call_req *rq, char *answer, size_t anslen,
          int *refused, char *err, size_t errlen)
{
	const char *args[40];
	char docs[512], *tok, *save = NULL;
	int n = 0, nd = 0;

	if (jobs_has("call")) {
		snprintf(err, errlen, "a call is still in flight (Esc stops it)");
		return -1;
	}
	args[n++] = "call";
	args[n++] = "--model";
	args[n++] = rq->model;
	if (!rq->cache || rq->system[0] != '\0' || rq->docs[0] != '\0') {
		/* (the CLI's default is 5m; naming it with nothing to cache
		 * would only earn a note) */
		args[n++] = "--cache";
		args[n++] = rq->cache ? "5m" : "off";
	}
	if (rq->system[0] != '\0') {
		if (system_file(rq->system, err, errlen) != 0)
			return -1;
		args[n++] = "--system";
		args[n++] = call_out.sysfile;
	}
	snprintf(docs, sizeof(docs), "%s", rq->docs);
	for (tok = strtok_r(docs, " ", &save); tok != NULL && nd < 8;
	    tok = strtok_r(NULL, " ", &save), nd++) {
		args[n++] = "--doc";
		args[n++] = tok;
	}
	if (rq->force)
		args[n++] = "--force";
	args[n++] = "--";
	args[n++] = rq->prompt;
	args[n] = NULL;
	call_out.answer = answer;
	call_out.len = anslen;
	call_out.refused = refused;
	call_out.stopped = 0;
	*refused = 0;
	answer[0] = '\0';         /* the screen shows the time while it flies */
	if (jobs_start(c->cli, "call", 0, args, call_done, NULL, err, errlen) != 0) {
		if (call_out.sysfile[0] != '\0')
			unlink(call_out.sysfile);
		call_out.sysfile[0] = '\0';
		return -1;
	}
	return 0;
}

static int
call_stop(struct console *c)
{
	(void)c;
	if (!jobs_has("call"))
		return -1;
	call_out.stopped = 1;
	return jobs_stop("call");
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
	c->act.call_stop = call_stop;
}

void
screen_actions_tick(struct console *c)
{
	static int64_t last, last_gen = -1;

	/* not on a timer alone: an idle console reads nothing from the ledger */
	if (c->gen == last_gen && c->now_ms - last < SYNC_EVERY_MS && !watch_now)
		return;
	last = c->now_ms;
	last_gen = c->gen;
	watch_now = 0;
	screen_poller_sync(c);
}
