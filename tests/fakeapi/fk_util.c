/* fk_util.c — clock, ids, token rule and reply helpers of the test double. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fk.h"

struct fk_state fk = { .lock = PTHREAD_MUTEX_INITIALIZER };
atomic_int fk_stopping;

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Virtual seconds since start: real time × --time-scale + /_fake/clock advances. */
double
fk_now(void)
{
	return (mono() - fk.mono_start) * fk.opt.time_scale + fk.clock_offset;
}

/* Formats virtual time vt as an RFC 3339 UTC string with microseconds. */
void
fk_time_str(double vt, char *buf, size_t len)
{
	double	 t = fk.wall_start + vt;
	time_t	 s = (time_t)floor(t);
	long	 us = (long)((t - (double)s) * 1e6);
	struct tm tm;

	if (us > 999999)
		us = 999999;
	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

/* Writes prefix + 24 random base62 characters into buf. Caller holds the lock. */
void
fk_id(const char *prefix, char *buf, size_t len)
{
	static const char a[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t	 n = strlen(prefix), i;

	snprintf(buf, len, "%s", prefix);
	for (i = 0; i < 24 && n + i + 1 < len; i++) {
		fk.rng ^= fk.rng << 13;
		fk.rng ^= fk.rng >> 7;
		fk.rng ^= fk.rng << 17;
		buf[n + i] = a[fk.rng % 62];
	}
	buf[n + i] = '\0';
}

/* Makes room for need elements of size bytes in the array *arrp (capacity *cap,
 * growing by doubling from 64). 0, or -1 with the array unchanged. */
int
fk_grow(void *arrp, size_t *cap, size_t need, size_t size)
{
	void	*a, *n;
	size_t	 ncap;

	if (need <= *cap)
		return 0;
	for (ncap = *cap ? *cap : 64; ncap < need; ncap *= 2)
		;
	memcpy(&a, arrp, sizeof a);
	if ((n = realloc(a, ncap * size)) == NULL)
		return -1;
	memcpy(arrp, &n, sizeof n);
	*cap = ncap;
	return 0;
}

/* The answer rule's prefix: the first 40 bytes of s, cut on a UTF-8 boundary, into
 * dst (41 bytes or more). */
void
fk_prefix(char *dst, const char *s)
{
	size_t	 n = strlen(s);

	if (n > 40) {
		n = 40;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* The documented token rule: ceil(bytes / 4). */
long
fk_tokens(size_t bytes)
{
	return (long)((bytes + 3) / 4);
}

void
fk_reply_header(struct fk_reply *r, const char *name, const char *value)
{
	if (r->nhdr >= FK_MAXHDR)
		return;
	snprintf(r->hdr[r->nhdr][0], sizeof r->hdr[0][0], "%s", name);
	snprintf(r->hdr[r->nhdr][1], sizeof r->hdr[0][1], "%s", value);
	r->nhdr++;
}

/* Sets a JSON body; takes the reference to obj. */
void
fk_reply_json(struct fk_reply *r, int status, json_t *obj)
{
	free(r->body);
	r->status = status;
	r->body = json_dumps(obj, JSON_COMPACT);
	r->len = r->body ? strlen(r->body) : 0;
	r->ctype = "application/json";
	json_decref(obj);
}

const char *
fk_error_type(int status)
{
	switch (status) {
	case 400: return "invalid_request_error";
	case 401: return "authentication_error";
	case 402: return "billing_error";
	case 403: return "permission_error";
	case 404: return "not_found_error";
	case 408: return "timeout_error";
	case 409: return "conflict_error";
	case 413: return "request_too_large";
	case 429: return "rate_limit_error";
	case 504: return "timeout_error";
	case 529: return "overloaded_error";
	default:  return status >= 500 ? "api_error" : "invalid_request_error";
	}
}

/* The real error body: {"type":"error","error":{type,message},"request_id":…}. */
void
fk_reply_error(struct fk_reply *r, const struct fk_req *q, int status, const char *type,
    const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (type == NULL)
		type = fk_error_type(status);
	fk_reply_json(r, status, json_pack("{s:s, s:{s:s, s:s}, s:s}", "type", "error",
	    "error", "type", type, "message", msg, "request_id", q->rid));
}

/* anthropic-ratelimit-* headers; the figures are generous and static. */
void
fk_ratelimit_headers(struct fk_reply *r, long in, long out)
{
	fk_ratelimit_headers_ex(r, in, out, 0);
}

/* The same; exhausted: the requests limit is used up (what a 429 says). */
void
fk_ratelimit_headers_ex(struct fk_reply *r, long in, long out, int exhausted)
{
	static const struct { const char *name; long limit; } l[] = {
		{ "requests", 4000 }, { "tokens", 2000000 },
		{ "input-tokens", 1600000 }, { "output-tokens", 400000 },
	};
	char	 name[80], val[48], reset[48];
	size_t	 i;
	long	 used;

	pthread_mutex_lock(&fk.lock);
	fk_time_str(fk_now() + 60, reset, sizeof reset);
	pthread_mutex_unlock(&fk.lock);
	for (i = 0; i < sizeof l / sizeof l[0]; i++) {
		used = i == 0 ? (exhausted ? l[i].limit : 1) : i == 1 ? in + out : i == 2 ? in : out;
		if (used > l[i].limit)
			used = l[i].limit;
		snprintf(name, sizeof name, "anthropic-ratelimit-%s-limit", l[i].name);
		snprintf(val, sizeof val, "%ld", l[i].limit);
		fk_reply_header(r, name, val);
		snprintf(name, sizeof name, "anthropic-ratelimit-%s-remaining", l[i].name);
		snprintf(val, sizeof val, "%ld", l[i].limit - used);
		fk_reply_header(r, name, val);
		snprintf(name, sizeof name, "anthropic-ratelimit-%s-reset", l[i].name);
		fk_reply_header(r, name, reset);
	}
}

/* Sleeps ms real milliseconds in short slices, so a shutdown never waits on it. */
int
fk_sleep_ms(long ms)
{
	struct timespec ts;
	long	 step;

	for (; ms > 0; ms -= step) {
		if (atomic_load(&fk_stopping))
			return -1;
		step = ms < 20 ? ms : 20;
		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	return atomic_load(&fk_stopping) ? -1 : 0;
}
