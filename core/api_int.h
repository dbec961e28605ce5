/* api_int.h — small helpers shared by core/api*.c (not an interface). */
#ifndef TOKENTOP_API_INT_H
#define TOKENTOP_API_INT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/api.h"

#define SSE_LINE_MAX (16u << 20)   /* one SSE line or JSONL result line */

/* What differs between the providers' streams (api_stream.c; Responses'
 * in openai_api.c): the event hook, the message parser, and the names of
 * the first and last event for "the stream ended before …". */
struct api_stream_ops {
	/* One event (d borrowed): update s (s->message, s->stopped, the text
	 * through api_stream_text, api_stream_fail). 0, or -1 to stop. */
	int (*event)(struct api_stream *s, const char *type, json_t *d);
	/* The response object into a message (api_message_from_json's contract). */
	int (*message)(json_t *resp, const char *request_id, struct api_message *msg,
	               struct http_error *err);
	const char *first, *last;
};

extern const struct api_stream_ops api_stream_messages;      /* api_stream.c */
extern const struct api_stream_ops openai_stream_responses;  /* openai_api.c */

struct api_stream {
	const struct api_stream_ops *ops;
	api_text_fn on_text;
	void       *arg;
	char       *line;          /* the unfinished line */
	size_t      llen, lcap;
	char        event[64];
	char       *data;          /* data: lines of the current event, joined by \n */
	size_t      dlen, dcap;
	json_t     *message;       /* the response so far (the hook's) */
	char       *text;
	size_t      tlen, tcap;
	int         stopped;       /* the last event seen */
	int         failed;
	struct http_error err;     /* the error event, when failed */
};

/* Append the "text" of every part of parts (an array, borrowed) whose
 * "type" is type to *buf (heap, NUL-terminated, *len bytes; grown). 0, or
 * -1 out of memory (*buf still the caller's to free). */
int api_text_append(json_t *parts, const char *type, char **buf, size_t *len);

/* The end of a message parser: the time, the text (join: the response's
 * text into a heap string, 0 or -1) and a reference to resp into msg.
 * 0, or -1 out of memory. */
int api_message_keep(json_t *resp, int (*join)(json_t *, char **, size_t *),
                     struct api_message *msg, struct http_error *err);

/* An accumulator for ops' stream (api_stream_free frees it); NULL when out of memory. */
struct api_stream *api_stream_new_ops(const struct api_stream_ops *ops, api_text_fn on_text,
                                      void *arg);

/* For hooks: append text t (and pass it to on_text); 0 or -1 out of memory. */
int api_stream_text(struct api_stream *s, const char *t);

/* For hooks: the stream failed with type and message; returns -1. */
int api_stream_fail(struct api_stream *s, const char *type, const char *msg);

/* The async call both providers' starts are: POST path with body
 * (borrowed; "stream" set from stream), a plain answer parsed by
 * ops->message, a stream through ops. As api_messages_start. */
struct http_req *api_call_start(struct http_multi *m, const char *path,
                                const struct api_stream_ops *ops, const json_t *body,
                                int stream, api_text_fn on_text, api_message_fn done, void *arg,
                                struct http_error *err);

static inline void
err_set(struct http_error *e, long status, const char *type, const char *msg)
{
	if (e == NULL)
		return;
	memset(e, 0, sizeof(*e));
	e->status = status;
	snprintf(e->type, sizeof(e->type), "%s", type);
	snprintf(e->message, sizeof(e->message), "%s", msg);
}

/* A string member of o, "" when absent or not a string. */
static inline const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static inline int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the loop until *flag is set (the blocking forms). */
static inline void
run_until(struct http_multi *m, const int *flag)
{
	while (!*flag) {
		http_multi_perform(m);
		if (!*flag)
			http_multi_wait(m, NULL, 0, 1000);
	}
}

static inline int
grow(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 256;
	char *nb;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if ((nb = realloc(*buf, ncap)) == NULL)
		return -1;
	*buf = nb;
	*cap = ncap;
	return 0;
}

#endif
