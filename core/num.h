/* num.h — checked arithmetic for token counts and money (int64): every sum
 * of counts or nano-dollars goes through these, so nothing wraps. */
#ifndef TOKENTOP_NUM_H
#define TOKENTOP_NUM_H

#include <stdint.h>

/* *acc += v: 0, or -1 leaving *acc unchanged when the sum leaves int64. */
int num_add(int64_t *acc, int64_t v);

/* a × b: 0 with *out set, or -1 (*out unchanged) when it leaves int64. */
int num_mul(int64_t a, int64_t b, int64_t *out);

/* Saturating forms: the exact result, or INT64_MAX / INT64_MIN when it does
 * not fit. For display sums, where a pinned figure beats a wrapped one. */
int64_t num_sat_add(int64_t a, int64_t b);
int64_t num_sat_sub(int64_t a, int64_t b);

/* a × b / c with a 128-bit intermediate, truncated toward zero; saturates
 * when the quotient does not fit; 0 when c <= 0. */
int64_t num_sat_muldiv(int64_t a, int64_t b, int64_t c);

#endif
