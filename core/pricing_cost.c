/* pricing_cost.c — the exact cost of tokens under a price (128-bit
 * intermediates, every step checked) and what each lever saved. */
#include <string.h>

#include "core/num.h"
#include "core/pricing.h"
#include "core/provider.h"

__extension__ typedef __int128 i128;

/* ---- cost ----------------------------------------------------------------- */

struct price_flags
pricing_flags(const struct model_price *mp, const struct usage *u)
{
	struct price_flags f;

	memset(&f, 0, sizeof(f));
	f.batch = usage_is_batch(u);
	f.long_ctx = mp != NULL && mp->has_long &&
	    usage_total_input(&u->tok) > mp->long_threshold;
	f.fast = strcmp(u->speed, "fast") == 0;
	f.us_geo = strcmp(u->inference_geo, "us") == 0;
	f.priority = strcmp(u->service_tier, "priority") == 0;
	return f;
}

/* ---- 128-bit arithmetic that says when it overflows (no compiler-rt) ---- */

__extension__ typedef unsigned __int128 u128;
#define I128_MAX ((i128)(((u128)1 << 127) - 1))

static int
mul128(i128 a, i128 b, i128 *out)
{
	u128 ua = a < 0 ? -(u128)a : (u128)a, ub = b < 0 ? -(u128)b : (u128)b;

	if (ua != 0 && ub > (u128)I128_MAX / ua)
		return -1;
	*out = (a < 0) != (b < 0) ? -(i128)(ua * ub) : (i128)(ua * ub);
	return 0;
}

static int
add128(i128 a, i128 b, i128 *out)
{
	if ((b > 0 && a > I128_MAX - b) || (b < 0 && a < -I128_MAX - b))
		return -1;
	*out = a + b;
	return 0;
}

/*
 * Nano-dollars of token amounts tok[5] (input, write_5m, write_1h,
 * cache_read, output; wider than int64 so a sum of buckets is exact) under
 * mp and f, rounded once, half away from zero. 0, or -1 when the cost does
 * not fit int64 (*out saturated toward its sign).
 */
/* cost128's arithmetic in int64, for the common case where nothing comes
 * near 2^63 (a report prices every rollup cell: 128-bit division and the
 * long double sign were most of a daily report over a year). 1 with *out
 * set, exactly as cost128 would; 0 when a step would overflow (cost128
 * then decides). */
static int
cost64(const struct model_price *mp, const i128 tok[5], const struct price_flags *f,
       int64_t *out)
{
	const struct rates *r = f->long_ctx && mp->has_long ? &mp->lng : &mp->base;
	const int64_t rate[5] = { r->input, r->write_5m, r->write_1h, r->cache_read, r->output };
	int64_t num = 0, den = 1000, t, q, rem;
	int i;

	for (i = 0; i < 5; i++)
		if (tok[i] > INT64_MAX || tok[i] < INT64_MIN ||
		    __builtin_mul_overflow((int64_t)tok[i], rate[i], &t) ||
		    __builtin_add_overflow(num, t, &num))
			return 0;
	if ((f->fast && mp->fast_permille > 0 && (__builtin_mul_overflow(num,
	    mp->fast_permille, &num) || __builtin_mul_overflow(den, 1000, &den))) ||
	    (f->us_geo && mp->us_geo_permille > 0 && (__builtin_mul_overflow(num,
	    mp->us_geo_permille, &num) || __builtin_mul_overflow(den, 1000, &den))) ||
	    (f->priority && mp->priority_permille > 0 && (__builtin_mul_overflow(num,
	    mp->priority_permille, &num) || __builtin_mul_overflow(den, 1000, &den))) ||
	    (f->batch && (__builtin_mul_overflow(num, mp->batch_den > 0 ? mp->batch_num : 1, &num) ||
	    __builtin_mul_overflow(den, mp->batch_den > 0 ? mp->batch_den : 2, &den))) || den <= 0)
		return 0;
	q = num / den;
	rem = num % den;
	if (rem < 0)
		rem = -rem;
	if (rem >= den - rem)
		q += num < 0 ? -1 : 1;
	*out = q;
	return 1;
}

int
pricing_additive(const struct model_price *mp, const struct price_flags *f)
{
	const struct rates *r;
	int64_t rate[5], num, den;
	int i;

	if (mp == NULL)
		return 0;
	r = f->long_ctx && mp->has_long ? &mp->lng : &mp->base;
	rate[0] = r->input;
	rate[1] = r->write_5m;
	rate[2] = r->write_1h;
	rate[3] = r->cache_read;
	rate[4] = r->output;
	for (i = 0; i < 5; i++) {
		/* one token through cost64's steps: whole when num % den == 0 */
		num = rate[i];
		den = 1000;
		if ((f->fast && mp->fast_permille > 0 && (__builtin_mul_overflow(num,
		    mp->fast_permille, &num) || __builtin_mul_overflow(den, 1000, &den))) ||
		    (f->us_geo && mp->us_geo_permille > 0 && (__builtin_mul_overflow(num,
		    mp->us_geo_permille, &num) || __builtin_mul_overflow(den, 1000, &den))) ||
		    (f->priority && mp->priority_permille > 0 && (__builtin_mul_overflow(num,
		    mp->priority_permille, &num) || __builtin_mul_overflow(den, 1000, &den))) ||
		    (f->batch && (__builtin_mul_overflow(num, mp->batch_den > 0 ? mp->batch_num : 1,
		    &num) || __builtin_mul_overflow(den, mp->batch_den > 0 ? mp->batch_den : 2,
		    &den))) || den <= 0 || num % den != 0)
			return 0;
	}
	return 1;
}

static int
cost128(const struct model_price *mp, const i128 tok[5], const struct price_flags *f,
        int64_t *out)
{
	int64_t bnum = mp->batch_den > 0 ? mp->batch_num : 1;
	int64_t bden = mp->batch_den > 0 ? mp->batch_den : 2;
	const struct rates *r = f->long_ctx && mp->has_long ? &mp->lng : &mp->base;
	const int64_t rate[5] = { r->input, r->write_5m, r->write_1h, r->cache_read, r->output };
	i128 num = 0, den = 1000, t, q, rem;    /* pico → nano */
	long double sign = 0;
	int i, bad = 0;

	if (cost64(mp, tok, f, out))
		return 0;
	for (i = 0; i < 5; i++) {
		sign += (long double)tok[i] * rate[i];
		bad |= mul128(tok[i], rate[i], &t) || add128(num, t, &num);
	}
	if (!bad && f->fast && mp->fast_permille > 0)
		bad |= mul128(num, mp->fast_permille, &num) || mul128(den, 1000, &den);
	if (!bad && f->us_geo && mp->us_geo_permille > 0)
		bad |= mul128(num, mp->us_geo_permille, &num) || mul128(den, 1000, &den);
	if (!bad && f->priority && mp->priority_permille > 0)
		bad |= mul128(num, mp->priority_permille, &num) || mul128(den, 1000, &den);
	if (!bad && f->batch)
		bad |= mul128(num, bnum, &num) || mul128(den, bden, &den);
	if (!bad && den > 0) {
		q = num / den;
		rem = num % den;
		if (rem < 0)
			rem = -rem;
		if (rem >= den - rem)
			q += num < 0 ? -1 : 1;
		if (q <= INT64_MAX && q >= INT64_MIN) {
			*out = (int64_t)q;
			return 0;
		}
	}
	*out = sign < 0 ? INT64_MIN : INT64_MAX;
	return -1;
}

static void
tok128(const struct tokens *t, i128 out[5])
{
	out[0] = t->input;
	out[1] = t->write_5m;
	out[2] = t->write_1h;
	out[3] = t->cache_read;
	out[4] = t->output;
}

int
pricing_cost_checked(const struct model_price *mp, const struct tokens *t,
                     const struct price_flags *f, int64_t *nanos)
{
	i128 tok[5];

	tok128(t, tok);
	return cost128(mp, tok, f, nanos);
}

int64_t
pricing_cost(const struct model_price *mp, const struct tokens *t, const struct price_flags *f)
{
	int64_t v;

	pricing_cost_checked(mp, t, f, &v);
	return v;
}

int
pricing_usage_cost(const struct pricing *p, const struct usage *u, int64_t *nanos)
{
	const struct model_price *mp = pricing_find_for_at(p, provider_of(u)->id, u->model,
	    u->ts_ms);
	struct price_flags f;
	int64_t tools;

	*nanos = 0;
	if (mp == NULL)
		return -1;
	f = pricing_flags(mp, u);
	*nanos = pricing_cost(mp, &u->tok, &f);
	if (pricing_usage_tool_cost(p, u, &tools) != 0 || num_add(nanos, tools) != 0)
		*nanos = INT64_MAX;
	return 0;
}

/* *out = a - b: 0, or -1 with *out saturated. */
static int
diff(int64_t a, int64_t b, int64_t *out)
{
	if (__builtin_sub_overflow(a, b, out)) {
		*out = b < 0 ? INT64_MAX : INT64_MIN;
		return -1;
	}
	return 0;
}

int
pricing_savings(const struct model_price *mp, const struct tokens *t,
                const struct price_flags *f, int routed,
                const struct model_price *baseline, int64_t compressed_tokens,
                struct savings *out)
{
	i128 tok[5], plain[5] = { 0 }, comp[5] = { 0 };
	struct price_flags full;
	int64_t actual, v;
	int bad;

	memset(out, 0, sizeof(*out));
	if (mp == NULL)
		return 0;
	tok128(t, tok);
	bad = cost128(mp, tok, f, &actual);

	plain[0] = tok[0] + tok[1] + tok[2] + tok[3];   /* every input token at the plain rate */
	plain[4] = tok[4];
	bad |= cost128(mp, plain, f, &v) | diff(v, actual, &out->cache);

	if (f->batch) {
		full = *f;
		full.batch = 0;
		bad |= cost128(mp, tok, &full, &v) | diff(v, actual, &out->batch);
	}
	if (routed && baseline != NULL)
		bad |= cost128(baseline, tok, f, &v) | diff(v, actual, &out->routing);

	comp[0] = compressed_tokens;
	bad |= cost128(mp, comp, f, &out->compression);
	return bad ? -1 : 0;
}
