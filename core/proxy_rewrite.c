/* proxy_rewrite.c — the proxy's one exception to byte for byte: a request
 * its provider must change so the answer carries usage (OpenAI's Chat
 * Completions stream without stream_options.include_usage) goes upstream
 * changed, and the answer's lines go back through the provider's relay_line,
 * so the client receives exactly the stream it asked for. Line by line: a
 * line is relayed once its '\n' came (a stream's events end in one). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/proxy.h"
#include "core/proxy_int.h"

#define LINE_MAX_KEPT (1024 * 1024)   /* longer lines are relayed as they are */

struct px_filter {
	const struct provider *pv;
	char  *line;            /* the line being assembled, up to its '\n' */
	size_t len, cap;
	int    raw;             /* inside a line past LINE_MAX_KEPT: relayed unchanged */
	int    state;           /* pv->relay_line's */
	char  *out;             /* relayed bytes the client has not taken yet */
	size_t olen, opos, ocap;
	int    eof;
};

void
px_rewrite_request(struct px_req *r)
{
	char *nb = NULL;
	size_t nlen = 0;

	if (r->kind != PX_CALL || r->pv->request_rewrite == NULL || r->body == NULL ||
	    r->pv->request_rewrite(r->uri, r->body, r->len, &nb, &nlen) != 1)
		return;
	if ((int64_t)nlen > r->reserved) {
		if (px_guard_reserve(r->p, (int64_t)nlen - r->reserved) != 0) {
			free(nb);              /* memory is at its limit: forward it unchanged */
			return;
		}
		r->reserved = (int64_t)nlen;
	}
	free(r->body);
	r->body = nb;
	r->len = r->cap = nlen;
	r->rewritten = 1;
}

int
px_filter_start(struct px_req *r)
{
	const char *ct = px_xfer_header(r->x, "Content-Type");
	long st = px_xfer_status(r->x);

	if (!r->rewritten || r->pv->relay_line == NULL || st < 200 || st > 299 || ct == NULL ||
	    strncasecmp(ct, "text/event-stream", 17) != 0)
		return 0;
	if ((r->filter = calloc(1, sizeof(*r->filter))) == NULL)
		return -1;
	r->filter->pv = r->pv;
	return 0;
}

void
px_filter_free(struct px_filter *f)
{
	if (f == NULL)
		return;
	free(f->line);
	free(f->out);
	free(f);
}

/* Room for n more output bytes; 0 or -1. */
static int
out_room(struct px_filter *f, size_t n)
{
	size_t cap;
	char *nb;

	if (f->olen + n <= f->ocap)
		return 0;
	cap = f->ocap ? f->ocap : 16384;
	while (cap < f->olen + n)
		cap *= 2;
	if ((nb = realloc(f->out, cap)) == NULL)
		return -1;
	f->out = nb;
	f->ocap = cap;
	return 0;
}

static int
out_raw(struct px_filter *f, const char *d, size_t n)
{
	if (out_room(f, n) != 0)
		return -1;
	memcpy(f->out + f->olen, d, n);
	f->olen += n;
	return 0;
}

/* n bytes of the answer into the output, whole lines through relay_line. */
static int
feed(struct px_filter *f, const char *d, size_t n)
{
	const char *nl;
	size_t k, cap;
	char *nb;

	while (n > 0) {
		nl = memchr(d, '\n', n);
		k = nl != NULL ? (size_t)(nl - d) + 1 : n;
		if (f->raw) {
			if (out_raw(f, d, k) != 0)
				return -1;
			f->raw = nl == NULL;
		} else if (f->len + k > LINE_MAX_KEPT) {
			if (out_raw(f, f->line, f->len) != 0 || out_raw(f, d, k) != 0)
				return -1;
			f->len = 0;
			f->raw = nl == NULL;
		} else {
			if (f->len + k > f->cap) {
				cap = f->cap ? f->cap : 4096;
				while (cap < f->len + k)
					cap *= 2;
				if ((nb = realloc(f->line, cap)) == NULL)
					return -1;
				f->line = nb;
				f->cap = cap;
			}
			memcpy(f->line + f->len, d, k);
			f->len += k;
			if (nl != NULL) {
				if (out_room(f, f->len) != 0)
					return -1;
				f->olen += f->pv->relay_line(f->line, f->len, f->out + f->olen,
				    &f->state);
				f->len = 0;
			}
		}
		d += k;
		n -= k;
	}
	return 0;
}

/* The end: a last line without '\n' goes as it is. */
static int
finish(struct px_filter *f)
{
	f->eof = 1;
	if (f->len > 0 && out_raw(f, f->line, f->len) != 0)
		return -1;
	f->len = 0;
	return 0;
}

long
px_filter_read(struct px_req *r, char *buf, size_t max)
{
	struct px_filter *f = r->filter;
	long n;

	if (f == NULL)
		return px_xfer_read(r->x, buf, max);
	for (;;) {
		if (f->opos < f->olen) {
			n = (long)(f->olen - f->opos < max ? f->olen - f->opos : max);
			memcpy(buf, f->out + f->opos, (size_t)n);
			f->opos += (size_t)n;
			return n;
		}
		f->olen = f->opos = 0;
		if (f->eof)
			return PX_READ_EOF;
		n = px_xfer_read(r->x, buf, max);     /* buf as scratch: filtered into out */
		if (n == 0 || n == PX_READ_FAIL)
			return n;
		if ((n == PX_READ_EOF ? finish(f) : feed(f, buf, (size_t)n)) != 0)
			return PX_READ_FAIL;
	}
}

int
px_filter_whole(struct px_req *r, const char *in, size_t len, char **out, size_t *outlen)
{
	struct px_filter *f = r->filter;

	if (feed(f, in, len) != 0 || finish(f) != 0)
		return -1;
	*out = f->out;
	*outlen = f->olen;
	f->out = NULL;
	f->olen = f->opos = f->ocap = 0;
	return 0;
}
