/* provider.c — the provider tables by index and name, request routing, and
 * the neutral event-stream accumulator the providers' stream_data hooks fill. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/provider.h"

static const struct provider *const tables[PROVIDER_COUNT] = {
	[PROVIDER_ANTHROPIC] = &provider_anthropic,
	[PROVIDER_OPENAI] = &provider_openai,
};

const struct provider *
provider_at(int i)
{
	return i >= 0 && i < PROVIDER_COUNT ? tables[i] : NULL;
}

const struct provider *
provider_by_name(const char *name)
{
	int i;

	if (name == NULL || name[0] == '\0')
		return &provider_anthropic;
	for (i = 0; i < PROVIDER_COUNT; i++)
		if (strcmp(tables[i]->name, name) == 0)
			return tables[i];
	return NULL;
}

const struct provider *
provider_of(const struct usage *u)
{
	const struct provider *pv = provider_by_name(u->provider);

	return pv != NULL ? pv : &provider_anthropic;
}

void
provider_stamp(const struct provider *pv, struct usage *u)
{
	usage_strlcpy(u->provider, pv->name, sizeof(u->provider));
}

/* Does path (a query allowed) start with prefix, followed by the end, '/'
 * or '?' ("/v1/files" holds "/v1/files/f-1" but not "/v1/filesx")? */
static int
path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/' || path[n] == '?');
}

/* Is path exactly p, a query allowed? */
static int
path_is(const char *path, const char *p)
{
	size_t n = strlen(p);

	return strncmp(path, p, n) == 0 && (path[n] == '\0' || path[n] == '?');
}

const struct provider *
provider_route(const char *path, int (*has_header)(void *arg, const char *name), void *arg)
{
	size_t k;
	int i;

	for (i = 0; i < PROVIDER_COUNT && has_header != NULL; i++)
		if (tables[i]->claim_header != NULL && has_header(arg, tables[i]->claim_header))
			return tables[i];
	for (i = 0; i < PROVIDER_COUNT; i++)
		for (k = 0; tables[i]->paths != NULL && tables[i]->paths[k] != NULL; k++)
			if (path_under(path, tables[i]->paths[k]))
				return tables[i];
	return &provider_anthropic;
}

int
provider_is_call(const struct provider *pv, const char *path)
{
	size_t k;

	for (k = 0; pv->call_paths != NULL && pv->call_paths[k] != NULL; k++)
		if (path_is(path, pv->call_paths[k]))
			return 1;
	return 0;
}

int
provider_is_batch_create(const struct provider *pv, const char *path)
{
	return pv->batch != NULL && pv->batch->create != NULL && path_is(path, pv->batch->create);
}

/* ---- the stream accumulator ------------------------------------------------ */

void
provider_stream_init(struct provider_stream *s, const struct provider *pv)
{
	s->pv = pv;
	s->big = NULL;
	s->bigcap = 0;
	s->len = 0;
	s->overflow = 0;
	s->event[0] = '\0';
	s->started = 0;
	s->finished = 0;
	s->delta = 0;
	s->bad[0] = '\0';
	memset(&s->u, 0, sizeof(s->u));
	provider_stamp(pv, &s->u);
}

void
provider_stream_done(struct provider_stream *s)
{
	if (s == NULL)
		return;
	free(s->big);
	s->big = NULL;
	s->bigcap = 0;
}

void
provider_stream_bad(struct provider_stream *s, const char *event, const char *why)
{
	if (s->bad[0] == '\0')
		snprintf(s->bad, sizeof(s->bad), "%s: %s", event, why);
}

/* One complete line (no newline, no CR): "event:" names the next data,
 * "data:" goes to the provider, a blank line ends the event. */
static void
line(struct provider_stream *s, const char *l, size_t n)
{
	size_t k;

	if (n == 0) {
		s->event[0] = '\0';
		return;
	}
	if (n >= 6 && memcmp(l, "event:", 6) == 0) {
		for (k = 6; k < n && l[k] == ' '; k++)
			;
		n -= k;
		if (n >= sizeof(s->event))
			n = sizeof(s->event) - 1;
		memcpy(s->event, l + k, n);
		s->event[n] = '\0';
		return;
	}
	if (n < 5 || memcmp(l, "data:", 5) != 0)
		return;
	k = n > 5 && l[5] == ' ' ? 6 : 5;
	s->pv->stream_data(s, s->event, l + k, n - k);
}

/* Append n bytes to the line being assembled, growing into the heap past
 * the inline buffer up to the provider's bound; past it the line is skipped. */
static void
append(struct provider_stream *s, const char *data, size_t n)
{
	size_t need = s->len + n, cap;
	char *nb;

	if (need <= sizeof(s->line) && s->big == NULL) {
		memcpy(s->line + s->len, data, n);
		s->len = need;
		return;
	}
	if (need > s->pv->stream_line_max) {
		s->overflow = 1;
		s->len = 0;
		return;
	}
	if (need > s->bigcap) {
		cap = s->bigcap ? s->bigcap : 2 * sizeof(s->line);
		while (cap < need)
			cap *= 2;
		if ((nb = realloc(s->big, cap)) == NULL) {
			s->overflow = 1;
			s->len = 0;
			return;
		}
		if (s->big == NULL)
			memcpy(nb, s->line, s->len);
		s->big = nb;
		s->bigcap = cap;
	}
	memcpy(s->big + s->len, data, n);
	s->len = need;
}

void
provider_stream_feed(struct provider_stream *s, const char *data, size_t len)
{
	const char *nl, *l;
	size_t n;

	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl != NULL ? (size_t)(nl - data) : len;
		if (!s->overflow)
			append(s, data, n);
		if (nl == NULL)
			return;
		if (!s->overflow) {
			l = s->big != NULL ? s->big : s->line;
			n = s->len;
			if (n > 0 && l[n - 1] == '\r')
				n--;
			line(s, l, n);
		}
		if (s->big != NULL && s->bigcap > 4 * sizeof(s->line)) {
			free(s->big);       /* a large line is rare: do not keep its buffer */
			s->big = NULL;
			s->bigcap = 0;
		} else if (s->big != NULL) {
			s->big[0] = '\0';
		}
		s->len = 0;
		s->overflow = 0;
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
}

int
provider_stream_usage(const struct provider_stream *s, struct usage *u)
{
	if (!s->started || s->bad[0] != '\0')
		return 0;
	if (u != NULL)
		*u = s->u;
	return 1;
}

const char *
provider_stream_error(const struct provider_stream *s)
{
	return s->bad[0] != '\0' ? s->bad : NULL;
}
