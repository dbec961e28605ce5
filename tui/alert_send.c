/* alert_send.c — delivering alerts: a webhook POST (core/http, no API key,
 * a short timeout, the URL never in a message) or a command with the alert
 * in its environment; pending alerts leased one process at a time and
 * retried with backoff. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/alert.h"
#include "core/http.h"
#include "tui/alerter.h"

extern char **environ;

#define DUE_MAX 32     /* alerts per pass */

static int
send_webhook(const struct alert_rule *r, const char *body, const char *idem, char *why,
             size_t whylen)
{
	struct config cfg;
	struct http_multi *m;
	struct http_request rq;
	struct http_result res;
	char err[256];
	int rc = -1;

	/* nothing of the API's settings: no key, no retries (the ledger's
	 * backoff decides), a short timeout */
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.base_url, sizeof(cfg.base_url), "https://localhost");
	cfg.timeout_ms = ALERT_SEND_TIMEOUT_MS;
	cfg.connect_timeout_ms = ALERT_SEND_TIMEOUT_MS / 2;
	if ((m = http_multi_new(&cfg, err, sizeof(err))) == NULL) {
		snprintf(why, whylen, "%s", err);
		return -1;
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = r->to;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.no_auth = 1;
	rq.no_retry = 1;
	rq.idempotency_key = idem;
	memset(&res, 0, sizeof(res));
	if (http_request_sync(m, &rq, &res) == 0 && res.status >= 200 && res.status < 300)
		rc = 0;
	else if (res.status != 0)
		snprintf(why, whylen, "HTTP %ld", res.status);
	else
		snprintf(why, whylen, "%s", res.error.message[0] ? res.error.message :
		    res.error.type);
	http_result_done(&res);
	http_multi_free(m);
	return rc;
}

/* NAME=value into a new string (the caller frees). */
static char *
env_pair(const char *name, const char *value)
{
	char *s;

	if (asprintf(&s, "%s=%s", name, value) < 0)
		return NULL;
	return s;
}

/* The budget's TOKENTOP_BUDGET_* (as alert_command gets them) from fields. */
static size_t
budget_env(const char *fields, char **out)
{
	json_t *f = json_loads(fields, 0, NULL);
	const char *names[][2] = { { "TOKENTOP_BUDGET_PERIOD", "period" },
	    { "TOKENTOP_BUDGET_TAG", "tag" }, { "TOKENTOP_BUDGET_KEY", "period_key" } };
	char num[32];
	size_t i, n = 0;

	for (i = 0; f != NULL && i < 3; i++) {
		json_t *v = json_object_get(f, names[i][1]);

		out[n++] = env_pair(names[i][0], json_is_string(v) ? json_string_value(v) : "");
	}
	if (f != NULL) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(json_object_get(f, "threshold_percent")));
		out[n++] = env_pair("TOKENTOP_ALERT_THRESHOLD", num);
	}
	json_decref(f);
	return n;
}

/* Run r's command with the alert in its environment and wait for it (at
 * most ALERT_CMD_TIMEOUT_MS: then it is killed and the run failed). */
static int
run_command(const struct alert_rule *r, const struct alert_rec *a, int quiet, char *why,
            size_t whylen)
{
	posix_spawn_file_actions_t fa;
	char *body = alert_body(1, a->kind, a->key, a->created_ms, a->text, a->fields);
	char **env, *argv[] = { "sh", "-c", (char *)r->to, NULL }, idem[ALERT_IDEM_MAX];
	size_t ne = 0, i, extra = 11;
	pid_t pid;
	int st = 0, rc = -1, waited;

	for (i = 0; environ[i] != NULL; i++)
		ne++;
	if ((env = calloc(ne + extra + 1, sizeof(*env))) == NULL) {
		free(body);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	memcpy(env, environ, ne * sizeof(*env));
	env[ne + 0] = env_pair("TOKENTOP_ALERT_KIND", a->kind);
	env[ne + 1] = env_pair("TOKENTOP_ALERT_TEXT", a->text);
	env[ne + 2] = env_pair("TOKENTOP_ALERT_KEY", a->key);
	env[ne + 3] = env_pair("TOKENTOP_ALERT_JSON", body != NULL ? body : "{}");
	env[ne + 4] = env_pair("TOKENTOP_ALERT_IDEMPOTENCY_KEY",
	    alert_idempotency_key(a->key, a->created_ms, idem, sizeof(idem)));
	i = ne + 5;
	if (strcmp(a->kind, "budget") == 0)
		i += budget_env(a->fields, env + i);
	posix_spawn_file_actions_init(&fa);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	} else {
		posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	}
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, env) != 0) {
		snprintf(why, whylen, "cannot run the command: %s", strerror(errno));
		goto out;
	}
	for (waited = 0; waited < ALERT_CMD_TIMEOUT_MS; waited += 20) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		struct timespec ts = { 0, 20 * 1000000L };

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		nanosleep(&ts, NULL);
	}
	if (waited >= ALERT_CMD_TIMEOUT_MS) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		snprintf(why, whylen, "the command ran past %d s", ALERT_CMD_TIMEOUT_MS / 1000);
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		rc = 0;
	} else {
		snprintf(why, whylen, "the command exited with status %d",
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
out:
	posix_spawn_file_actions_destroy(&fa);
	for (i = ne; env[i] != NULL; i++)
		free(env[i]);
	free(env);
	free(body);
	return rc;
}

int
alert_send(const struct alert_rule *r, const struct alert_rec *a, int quiet, char *why,
           size_t whylen)
{
	char *body, idem[ALERT_IDEM_MAX];
	int rc;

	why[0] = '\0';
	if (r->to_kind == ALERT_TO_COMMAND)
		return run_command(r, a, quiet, why, whylen);
	if ((body = alert_body(r->json, a->kind, a->key, a->created_ms, a->text,
	    a->fields)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	rc = send_webhook(r, body, alert_idempotency_key(a->key, a->created_ms, idem,
	    sizeof(idem)), why, whylen);
	free(body);
	alert_scrub(why, r->to, r->target);    /* a transport's message may quote it */
	return rc;
}

/* The rule that sends a (its index, when the target still matches), or
 * the first rule with that target; NULL when this config has none. */
static const struct alert_rule *
rule_of(const struct config *cfg, const struct alert_rec *a)
{
	int i;

	if (a->rule >= 0 && a->rule < cfg->nalerts &&
	    strcmp(cfg->alerts[a->rule].target, a->target) == 0)
		return &cfg->alerts[a->rule];
	for (i = 0; i < cfg->nalerts; i++)
		if (strcmp(cfg->alerts[i].target, a->target) == 0)
			return &cfg->alerts[i];
	return NULL;
}

/* Backoff after attempt n (1 = the first): 5 s, 10 s, 20 s … 10 min. */
static int64_t
backoff_ms(int64_t n)
{
	int64_t d = ALERT_RETRY_BASE_MS;

	while (--n > 0 && d < ALERT_RETRY_MAX_MS)
		d *= 2;
	return d < ALERT_RETRY_MAX_MS ? d : ALERT_RETRY_MAX_MS;
}

int
alert_deliver(const struct config *cfg, struct store *st, int64_t now_ms, int force,
              int quiet, struct alert_pass *pass, char *err, size_t errlen)
{
	struct alert_rec *due;
	const struct alert_rule *r;
	char why[256];
	size_t n, i;
	int got, ok, rc = -1;

	memset(pass, 0, sizeof(*pass));
	if (cfg->nalerts == 0)
		return 0;
	if ((due = calloc(DUE_MAX, sizeof(*due))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (store_alert_due(st, now_ms, force, due, DUE_MAX, &n, err, errlen) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = rule_of(cfg, &due[i])) == NULL)
			continue;        /* another host's target: its process sends it */
		if (store_alert_lease(st, due[i].id, now_ms, now_ms + ALERT_LEASE_MS, force, &got,
		    err, errlen) != 0)
			goto out;
		if (!got)
			continue;        /* another process took it */
		ok = alert_send(r, &due[i], quiet, why, sizeof(why)) == 0;
		if (ok) {
			pass->sent++;
		} else {
			pass->failed++;
			snprintf(pass->last_error, sizeof(pass->last_error), "%s: %s", r->target, why);
		}
		if (store_alert_result(st, due[i].id, ok, why, now_ms,
		    now_ms + backoff_ms(due[i].attempts + 1),
		    !ok && now_ms - due[i].created_ms > ALERT_GIVE_UP_MS, err, errlen) != 0)
			goto out;
	}
	rc = 0;
out:
	free(due);
	return rc;
}
