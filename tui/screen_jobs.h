/* screen_jobs.h — background tokentop runs the screens start (batch
 * submit, cancel, results, watch; call): the exact code path of the CLI,
 * without blocking the console. Their output comes back through a pipe the
 * console's one wait watches; nothing here blocks. */
#ifndef TOKENTOP_SCREEN_JOBS_H
#define TOKENTOP_SCREEN_JOBS_H

#include <poll.h>
#include <stddef.h>

#include "tui/cli.h"

#define JOBS_MAX 8

/* Called once when a job has ended: status is the exit status (or 128+signal),
 * out its stdout+stderr (the last 8 KB, outside text: sanitise to draw). */
typedef void (*job_done_fn)(void *arg, const char *label, int status, const char *out);

/*
 * Run `tokentop [--db …] [--config …] ARGS…` (args ends with NULL) in the
 * background. label names it in messages; quiet jobs (the batch watcher)
 * do not count as "in flight" for the quit confirmation. done may be NULL.
 * 0, or -1 with err.
 */
int jobs_start(const struct cli *cli, const char *label, int quiet, const char *const *args,
               job_done_fn done, void *arg, char *err, size_t errlen);

/* Fill up to max pollfds with the jobs' pipes; returns how many. */
int jobs_pollfds(struct pollfd *pfd, int max);
/* Read what is there, reap the ended ones (calling their done). Never
 * blocks. Returns the number of jobs that ended. */
int jobs_collect(void);
/* Jobs running: all, or only the non-quiet ones. */
int jobs_running(int loud_only);
/* Is a job with this label running? */
int jobs_has(const char *label);
/* Ask the job with this label to stop (SIGTERM); it is reaped, and its done
 * called, like any other. 0, or -1 when none runs. */
int jobs_stop(const char *label);
/* Terminate (SIGTERM) and reap every job this process started. */
void jobs_stop_all(void);

#endif
