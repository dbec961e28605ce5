/* screen_jobs.c — background tokentop runs started by the screens, read
 * through non-blocking pipes; see screen_jobs.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tui/screen_jobs.h"

#define OUT_MAX 8192

extern char **environ;

struct job {
	pid_t       pid;          /* 0 = free slot */
	int         fd;           /* read end, -1 after EOF */
	int         quiet;
	char        label[64];
	char        out[OUT_MAX];
	size_t      len;
	job_done_fn done;
	void       *arg;
};

static struct job jobs[JOBS_MAX];

int
jobs_start(const struct cli *cli, const char *label, int quiet, const char *const *args,
           job_done_fn done, void *arg, char *err, size_t errlen)
{
	const char *argv[32];
	posix_spawn_file_actions_t fa;
	struct job *j = NULL;
	int p[2], n = 0, i, rc;

	for (i = 0; i < JOBS_MAX; i++)
		if (jobs[i].pid == 0) {
			j = &jobs[i];
			break;
		}
	if (j == NULL) {
		snprintf(err, errlen, "too many background jobs");
		return -1;
	}
	argv[n++] = "tokentop";
	/* the ledger goes in the environment, not argv: a URI's password
	 * would show in the job's /proc/PID/cmdline (the environment is the
	 * user's alone); it outranks the config file as --db would */
	if (setenv("TOKENTOP_DB", cli->cfg.db_path, 1) != 0) {
		snprintf(err, errlen, "setenv: %s", strerror(errno));
		return -1;
	}
	if (cli->config_file != NULL) {
		argv[n++] = "--config";
		argv[n++] = cli->config_file;
	}
	for (i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	/* the same program that runs the console */
	rc = posix_spawn(&j->pid, "/proc/self/exe", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		j->pid = 0;
		close(p[0]);
		snprintf(err, errlen, "cannot start tokentop: %s", strerror(rc));
		return -1;
	}
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	j->fd = p[0];
	j->quiet = quiet;
	j->len = 0;
	j->out[0] = '\0';
	j->done = done;
	j->arg = arg;
	snprintf(j->label, sizeof(j->label), "%s", label);
	return 0;
}

int
jobs_pollfds(struct pollfd *pfd, int max)
{
	int i, n = 0;

	for (i = 0; i < JOBS_MAX && n < max; i++)
		if (jobs[i].pid != 0 && jobs[i].fd >= 0) {
			pfd[n].fd = jobs[i].fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
	return n;
}

/* Keep the last OUT_MAX-1 bytes of the output. */
static void
drain(struct job *j)
{
	char buf[4096];
	ssize_t r;
	size_t keep;

	while ((r = read(j->fd, buf, sizeof(buf))) > 0) {
		/* buf is smaller than out, so the tail of out makes room */
		if (j->len + (size_t)r > OUT_MAX - 1) {
			keep = OUT_MAX - 1 - (size_t)r;
			memmove(j->out, j->out + j->len - keep, keep);
			j->len = keep;
		}
		memcpy(j->out + j->len, buf, (size_t)r);
		j->len += (size_t)r;
		j->out[j->len] = '\0';
	}
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		close(j->fd);
		j->fd = -1;
	}
}

int
jobs_collect(void)
{
	struct job *j;
	int i, st, ended = 0, code;
	pid_t r;

	for (i = 0; i < JOBS_MAX; i++) {
		j = &jobs[i];
		if (j->pid == 0)
			continue;
		if (j->fd >= 0)
			drain(j);
		if (j->fd >= 0)
			continue;        /* still writing */
		r = waitpid(j->pid, &st, WNOHANG);
		if (r == 0)
			continue;
		code = r < 0 ? 1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		j->pid = 0;
		ended++;
		if (j->done != NULL)
			j->done(j->arg, j->label, code, j->out);
	}
	return ended;
}

int
jobs_running(int loud_only)
{
	int i, n = 0;

	for (i = 0; i < JOBS_MAX; i++)
		if (jobs[i].pid != 0 && (!loud_only || !jobs[i].quiet))
			n++;
	return n;
}

int
jobs_has(const char *label)
{
	int i;

	for (i = 0; i < JOBS_MAX; i++)
		if (jobs[i].pid != 0 && strcmp(jobs[i].label, label) == 0)
			return 1;
	return 0;
}

int
jobs_stop(const char *label)
{
	int i;

	for (i = 0; i < JOBS_MAX; i++)
		if (jobs[i].pid != 0 && strcmp(jobs[i].label, label) == 0) {
			kill(jobs[i].pid, SIGTERM);
			return 0;
		}
	return -1;
}

void
jobs_stop_all(void)
{
	int i;

	for (i = 0; i < JOBS_MAX; i++) {
		if (jobs[i].pid == 0)
			continue;
		kill(jobs[i].pid, SIGTERM);
		waitpid(jobs[i].pid, NULL, 0);
		if (jobs[i].fd >= 0)
			close(jobs[i].fd);
		jobs[i].pid = 0;
		jobs[i].fd = -1;
	}
}
