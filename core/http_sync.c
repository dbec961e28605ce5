/* http_sync.c — the blocking side of the client, for the CLI: run the loop
 * until nothing is pending, or until one request has finished. Built only
 * on the public interface of core/http.h (no libcurl here). */
#include <string.h>

#include "core/http.h"

void
http_multi_run(struct http_multi *m)
{
	while (http_multi_perform(m) > 0)
		http_multi_wait(m, NULL, 0, 1000);
}

struct sync_state {
	struct http_result *out;
	int                 finished;
	http_sink_fn        sink;       /* the caller's sink and its arg */
	void               *sink_arg;
};

static void
sync_done(void *arg, struct http_result *res)
{
	struct sync_state *s = arg;

	*s->out = *res;
	memset(res, 0, sizeof(*res));   /* ownership moves to s->out */
	s->finished = 1;
}

static int
sync_sink(void *arg, const char *data, size_t len)
{
	struct sync_state *s = arg;

	return s->sink(s->sink_arg, data, len);
}

int
http_request_sync(struct http_multi *m, const struct http_request *rq, struct http_result *out)
{
	struct sync_state s;
	struct http_request q = *rq;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.out = out;
	s.sink = rq->sink;
	s.sink_arg = rq->arg;
	q.done = sync_done;
	q.arg = &s;
	q.sink = rq->sink != NULL ? sync_sink : NULL;
	if (http_req_start(m, &q, &out->error) == NULL)
		return -1;
	while (!s.finished) {
		http_multi_perform(m);
		if (!s.finished)
			http_multi_wait(m, NULL, 0, 1000);
	}
	return out->ok ? 0 : -1;
}
