/* api_int.h — small helpers shared by core/api*.c (not an interface). */
#ifndef TOKENTOP_API_INT_H
#define TOKENTOP_API_INT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/api.h"

#define SSE_LINE_MAX (16u << 20)   /* one SSE line or JSONL result line */

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
