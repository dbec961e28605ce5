/* fakeapi_spawn.h — start the API double for a test and talk to its control
 * endpoints. Static inline, include it from any test:
 *
 *	struct fakeapi fa;
 *	const char *args[] = { "--time-scale", "10", NULL };
 *	if (fakeapi_start(&fa, args) != 0) fail();
 *	fakeapi_config(&fa, &cfg);                  // base URL + key for the client
 *	fakeapi_fault(&fa, "{\"path\":\"/v1/messages\",\"status\":529}");
 *	fakeapi_requests(&fa, "POST /v1/messages"); // from /_fake/stats
 *	fakeapi_stop(&fa);
 *
 * The binary is $TOKENTOP_BUILD/fakeapi (default build/fakeapi), started with
 * --port 0; its first stdout line "port N" tells where it listens. The
 * control calls go through core/http.c without a key.
 */
#ifndef TOKENTOP_FAKEAPI_SPAWN_H
#define TOKENTOP_FAKEAPI_SPAWN_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "core/config.h"
#include "core/http.h"

#define FAKEAPI_KEY "sk-ant-test"

struct fakeapi {
	pid_t              pid;
	int                port;
	char               base[64];     /* http://127.0.0.1:PORT */
	struct http_multi *ctl;          /* control client, no retries */
};

/* Fill c with defaults for talking to the double (key FAKEAPI_KEY,
 * x-api-key auth, 2 retries, 10 s timeout). */
static inline void
fakeapi_config(const struct fakeapi *f, struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->base_url, sizeof(c->base_url), "%s", f->base);
	snprintf(c->api_key, sizeof(c->api_key), "%s", FAKEAPI_KEY);
	snprintf(c->api_version, sizeof(c->api_version), "2023-06-01");
	snprintf(c->auth_style, sizeof(c->auth_style), "x-api-key");
	snprintf(c->default_model, sizeof(c->default_model), "claude-sonnet-4-5");
	c->max_retries = 2;
	c->timeout_ms = 10000;
	c->connect_timeout_ms = 5000;
}

/* Start the double with extra arguments (NULL-terminated list, may be NULL).
 * 0, or -1 with a message on stderr. */
static inline int
fakeapi_start(struct fakeapi *f, const char *const *extra)
{
	const char *build = getenv("TOKENTOP_BUILD");
	char path[1024], line[64], err[256];
	const char *argv[64];
	struct pollfd pfd;
	struct config c;
	size_t n = 0, len = 0;
	int p[2];

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s/fakeapi", build != NULL && *build ? build : "build");
	argv[n++] = path;
	argv[n++] = "--port";
	argv[n++] = "0";
	while (extra != NULL && *extra != NULL && n < 62)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if (pipe(p) != 0)
		return -1;
	if ((f->pid = fork()) < 0)
		return -1;
	if (f->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);   /* never outlive the test */
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(path, (char *const *)argv);
		fprintf(stderr, "fakeapi_start: exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (len < sizeof(line) - 1 && memchr(line, '\n', len) == NULL) {
		ssize_t r;

		if (poll(&pfd, 1, 10000) <= 0 || (r = read(p[0], line + len, sizeof(line) - 1 - len)) <= 0)
			break;
		len += (size_t)r;
	}
	line[len] = '\0';
	close(p[0]);     /* the double ignores SIGPIPE and prints nothing more */
	if (sscanf(line, "port %d", &f->port) != 1 || f->port <= 0) {
		fprintf(stderr, "fakeapi_start: %s: no port line (got \"%s\")\n", path, line);
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
		return -1;
	}
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", f->port);
	fakeapi_config(f, &c);
	c.max_retries = 0;
	if ((f->ctl = http_multi_new(&c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fakeapi_start: %s\n", err);
		return -1;
	}
	return 0;
}

/* Stop the double (SIGTERM, then wait). NULL-safe on a failed start. */
static inline void
fakeapi_stop(struct fakeapi *f)
{
	http_multi_free(f->ctl);
	f->ctl = NULL;
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
	}
	f->pid = 0;
}

/* A control call; returns the parsed body (caller json_decref's) or NULL. */
static inline json_t *
fakeapi_call(struct fakeapi *f, const char *method, const char *path, const char *body)
{
	struct http_request rq;
	struct http_result res;
	json_t *j = NULL;

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.url = path;
	rq.body = body;
	rq.body_len = body != NULL ? strlen(body) : 0;
	rq.no_auth = 1;
	if (http_request_sync(f->ctl, &rq, &res) == 0)
		j = json_loadb(res.body != NULL ? res.body : "", res.body_len, 0, NULL);
	else
		fprintf(stderr, "fakeapi %s %s: %ld %s: %s\n", method, path, res.status,
		        res.error.type, res.error.message);
	http_result_done(&res);
	return j;
}

/* POST /_fake/faults with one FAULT object (JSON text). 0 or -1. */
static inline int
fakeapi_fault(struct fakeapi *f, const char *fault_json)
{
	char body[2048];
	json_t *j;

	snprintf(body, sizeof(body), "{\"faults\":[%s]}", fault_json);
	j = fakeapi_call(f, "POST", "/_fake/faults", body);
	json_decref(j);
	return j != NULL ? 0 : -1;
}

/* Move the virtual clock forward. 0 or -1. */
static inline int
fakeapi_advance(struct fakeapi *f, long seconds)
{
	char body[64];
	json_t *j;

	snprintf(body, sizeof(body), "{\"advance_seconds\":%ld}", seconds);
	j = fakeapi_call(f, "POST", "/_fake/clock", body);
	json_decref(j);
	return j != NULL ? 0 : -1;
}

/* Clear faults, caches, batches and stats. 0 or -1. */
static inline int
fakeapi_reset(struct fakeapi *f)
{
	json_t *j = fakeapi_call(f, "POST", "/_fake/reset", "{}");

	json_decref(j);
	return j != NULL ? 0 : -1;
}

/* Requests the double saw for "METHOD /path" since the last reset; -1 on error. */
static inline long
fakeapi_requests(struct fakeapi *f, const char *key)
{
	json_t *j = fakeapi_call(f, "GET", "/_fake/stats", NULL);
	long n = -1;

	if (j != NULL)
		n = (long)json_integer_value(json_object_get(json_object_get(j, "requests"), key));
	json_decref(j);
	return n;
}

/* The headers of the last request the double saw (key values masked), as
 * JSON (caller json_decref's), or NULL. */
static inline json_t *
fakeapi_last_headers(struct fakeapi *f)
{
	json_t *j = fakeapi_call(f, "GET", "/_fake/stats", NULL), *h = NULL;

	if (j != NULL)
		h = json_incref(json_object_get(j, "last_headers"));
	json_decref(j);
	return h;
}

#endif
