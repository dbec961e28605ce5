/* num.c — checked and saturating int64 arithmetic for counts and money. */
#include <stdint.h>

#include "core/num.h"

__extension__ typedef __int128 i128;

int
num_add(int64_t *acc, int64_t v)
{
	int64_t r;

	if (__builtin_add_overflow(*acc, v, &r))
		return -1;
	*acc = r;
	return 0;
}

int
num_mul(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return -1;
	*out = r;
	return 0;
}

int64_t
num_sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t
num_sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t
num_sat_muldiv(int64_t a, int64_t b, int64_t c)
{
	i128 q;

	if (c <= 0)
		return 0;
	q = (i128)a * b / c;    /* |a × b| < 2^126: no 128-bit overflow */
	if (q > INT64_MAX)
		return INT64_MAX;
	if (q < INT64_MIN)
		return INT64_MIN;
	return (int64_t)q;
}
