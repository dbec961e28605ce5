/* fk_openai_limits.c — OpenAI's rate limits per model on the virtual clock: a bucket of
 * requests and one of tokens per minute that refill continuously, reported in the
 * x-ratelimit-{limit,remaining,reset}-{requests,tokens} headers; over the limit, 429. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

#define MAXMODELS	64

/* Use per model: requests and tokens taken and not yet refilled, as of time t. */
static struct window {
	double	req, tok, t;
} win[MAXMODELS];

/* A duration the way the real headers write it (Go's): 12ms, 1s, 1.5s, 6m0s, 1h2m3s. */
static void
duration(double secs, char *buf, size_t len)
{
	long	 ms = (long)ceil(secs * 1000 - 1e-9), h, m;
	char	 s[24];
	size_t	 n;

	if (ms <= 0) {
		snprintf(buf, len, "0s");
		return;
	}
	if (ms < 1000) {
		snprintf(buf, len, "%ldms", ms);
		return;
	}
	h = ms / 3600000;
	m = ms / 60000 % 60;
	snprintf(s, sizeof s, "%ld.%03ld", ms / 1000 % 60, ms % 1000);
	n = strlen(s);
	while (s[n - 1] == '0')
		s[--n] = '\0';
	if (s[n - 1] == '.')
		s[--n] = '\0';
	if (h > 0)
		snprintf(buf, len, "%ldh%ldm%ss", h, m, s);
	else if (m > 0)
		snprintf(buf, len, "%ldm%ss", m, s);
	else
		snprintf(buf, len, "%ss", s);
}

static void
headers(struct fk_reply *r, const char *what, long limit, double used)
{
	char	 name[48], val[32];

	snprintf(name, sizeof name, "x-ratelimit-limit-%s", what);
	snprintf(val, sizeof val, "%ld", limit);
	fk_reply_header(r, name, val);
	snprintf(name, sizeof name, "x-ratelimit-remaining-%s", what);
	snprintf(val, sizeof val, "%ld", used >= limit ? 0 : (long)floor(limit - used));
	fk_reply_header(r, name, val);
	snprintf(name, sizeof name, "x-ratelimit-reset-%s", what);
	duration(used * 60 / (double)limit, val, sizeof val);	/* until fully refilled */
	fk_reply_header(r, name, val);
}

/*
 * Takes one request and tokens (input + the output cap when given, as the real
 * service reserves) from model's buckets and adds the six headers to r. When a
 * bucket lacks room, takes nothing and fills r with the real 429
 * (rate_limit_exceeded) instead; returns -1 then.
 */
int
oa_limits_take(struct fk_reply *r, int model, long tokens)
{
	struct window *w = &win[model % MAXMODELS];
	double	 now, dt;
	int	 over_req, over_tok;
	char	 wait[32];

	pthread_mutex_lock(&fk.lock);
	now = fk_now();
	dt = now > w->t ? now - w->t : 0;
	w->req = fmax(0, w->req - dt * (double)oa_opt.rpm / 60);
	w->tok = fmax(0, w->tok - dt * (double)oa_opt.tpm / 60);
	w->t = now;
	over_req = w->req + 1 > (double)oa_opt.rpm;
	over_tok = !over_req && w->tok + (double)tokens > (double)oa_opt.tpm;
	if (!over_req && !over_tok) {
		w->req += 1;
		w->tok += (double)tokens;
	}
	if (over_req || over_tok) {
		duration(over_req ? (w->req + 1 - (double)oa_opt.rpm) * 60 / (double)oa_opt.rpm :
		    (w->tok + (double)tokens - (double)oa_opt.tpm) * 60 / (double)oa_opt.tpm,
		    wait, sizeof wait);
		oa_fail(r, 429, "rate_limit_exceeded", NULL, "Rate limit reached for %s in "
		    "organization on %s per min (%s): Limit %ld, Used %ld, Requested %ld. Please "
		    "try again in %s.", oa_model_name(model), over_req ? "requests" : "tokens",
		    over_req ? "RPM" : "TPM", over_req ? oa_opt.rpm : oa_opt.tpm,
		    (long)ceil(over_req ? w->req : w->tok), over_req ? 1 : tokens, wait);
	}
	headers(r, "requests", oa_opt.rpm, w->req);
	headers(r, "tokens", oa_opt.tpm, w->tok);
	pthread_mutex_unlock(&fk.lock);
	return over_req || over_tok ? -1 : 0;
}

/* Lock held. */
void
oa_limits_reset(void)
{
	memset(win, 0, sizeof win);
}
