/* fk_sse.c — a server-sent event stream: built whole, then sent event by event
 * (with --stream-delay-ms between events) through a libmicrohttpd callback.
 * Faults cut it: drop (error close), truncate (clean end) after half the events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

struct fk_sse {
	char	**ev;
	size_t	 nev, i, off;
	size_t	 stop_at;	/* events before a drop or truncate */
	int	 mode;		/* 0 whole, 1 drop (error close), 2 truncate (clean end) */
	int	 delay_ms;
};

/* A new empty stream; NULL when out of memory. Freed by sse_free or by the
 * response sse_reply makes. */
struct fk_sse *
sse_new(void)
{
	struct fk_sse *s = calloc(1, sizeof *s);

	if (s != NULL)
		s->delay_ms = fk.opt.stream_delay_ms;
	return s;
}

void
sse_free(struct fk_sse *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nev; i++)
		free(s->ev[i]);
	free(s->ev);
	free(s);
}

/* Appends an event's whole text (malloc'd; taken over, freed on failure). */
void
sse_raw(struct fk_sse *s, char *e)
{
	char	**nv;

	if (e == NULL || (nv = realloc(s->ev, (s->nev + 1) * sizeof *nv)) == NULL) {
		free(e);
		return;
	}
	(s->ev = nv)[s->nev++] = e;
}

/* Appends "event: TYPE\ndata: JSON\n\n", or "data: JSON\n\n" when type is NULL;
 * takes the reference to data. */
void
sse_event(struct fk_sse *s, const char *type, json_t *data)
{
	char	*d = json_dumps(data, JSON_COMPACT), *e = NULL;
	int	 n = -1;

	if (d != NULL)
		n = type ? asprintf(&e, "event: %s\ndata: %s\n\n", type, d) :
		    asprintf(&e, "data: %s\n\n", d);
	sse_raw(s, n < 0 ? NULL : e);
	free(d);
	json_decref(data);
}

/* Copies the next piece of text from *at into piece (max + 1 bytes): at most max
 * bytes, cut on a UTF-8 boundary (how streams split an answer into deltas), and
 * moves *at past it. 0 when nothing is left. */
int
sse_next_piece(const char *text, size_t *at, char *piece, size_t max)
{
	size_t	 len = strlen(text + *at), n = len > max ? max : len;

	while (n < len && n > 0 && ((unsigned char)text[*at + n] & 0xc0) == 0x80)
		n--;
	memcpy(piece, text + *at, n);
	piece[n] = '\0';
	*at += n;
	return n > 0;
}

size_t
sse_count(const struct fk_sse *s)
{
	return s->nev;
}

/* Drops the events from n on. */
void
sse_keep(struct fk_sse *s, size_t n)
{
	for (; s->nev > n; s->nev--)
		free(s->ev[s->nev - 1]);
}

/* Sends half the events, then closes with an error (drop) or ends cleanly. */
void
sse_stop_half(struct fk_sse *s, int drop)
{
	s->mode = drop ? 1 : 2;
	s->stop_at = s->nev / 2;
}

static ssize_t
sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct fk_sse *s = cls;
	size_t	 n;

	(void)pos;
	if (s->mode != 0 && s->i >= s->stop_at)
		return s->mode == 1 ? MHD_CONTENT_READER_END_WITH_ERROR :
		    MHD_CONTENT_READER_END_OF_STREAM;
	if (s->i >= s->nev)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (s->off == 0 && s->i > 0 && s->delay_ms > 0 && fk_sleep_ms(s->delay_ms) == -1)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = strlen(s->ev[s->i]) - s->off;
	if (n > max)
		n = max;
	memcpy(buf, s->ev[s->i] + s->off, n);
	s->off += n;
	if (s->ev[s->i][s->off] == '\0') {
		s->i++;
		s->off = 0;
	}
	return (ssize_t)n;
}

static void
sse_release(void *cls)
{
	sse_free(cls);
}

/* Makes r a 200 text/event-stream answer that sends s; takes s. */
void
sse_reply(struct fk_sse *s, struct fk_reply *r)
{
	r->status = 200;
	r->resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, s,
	    sse_release);
	if (r->resp == NULL)
		sse_free(s);
	r->ctype = "text/event-stream; charset=utf-8";
	fk_reply_header(r, "cache-control", "no-cache");
}
