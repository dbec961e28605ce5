/* rollup_local.c — rollup_do's and rollup_hq's cells of a flush
 * (rollup_local.h). */
#include <stdlib.h>
#include <string.h>

#include "data/rollup_local.h"
#include "data/store_int.h"

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int
nonzero(const int64_t *sum)
{
	int k;

	for (k = 0; k < GROUPSUM_N; k++)
		if (sum[k] != 0)
			return 1;
	return 0;
}

/* Add sum to out's cell (unit, c's model, flags and routed; g) unless it
 * is all zero. 0, -1 out of memory, or GROUPSUM_OVERFLOW. */
static int
add_day(struct groupsum *out, int64_t unit, const struct groupsum_cell *c, const char *g,
        const int64_t *sum)
{
	return nonzero(sum) ? groupsum_add(out, unit, c->model, g, c->flags, c->routed, sum) : 0;
}

const char *const rollup_local_part_g[4] = { "", "15", "30", "45" };

int
rollup_local_quarters(const char *g)
{
	int q;

	for (q = 1; q < 4; q++)
		if (strcmp(g, rollup_local_part_g[q]) == 0)
			return q;
	return 0;
}

/* The cells of day group c (its hours h[0..23], the first quarters of each
 * that a start skips q[0..23], or none) for the day starts at the hours of
 * starts (the part of the UTC day before a start, pre[start], and q's of
 * its hour): the part before into the cell that started the day before,
 * the rest into the one that starts then (a cell's unit is its first UTC
 * hour). */
static int
day_cells(const struct groupsum_cell *c, int64_t (*h)[GROUPSUM_N], int64_t (*q)[GROUPSUM_N],
          unsigned starts, const char *g, struct groupsum *out)
{
	int64_t pre[GROUPSUM_N], part[GROUPSUM_N], rest[GROUPSUM_N];
	int off, k, rc = 0;

	memset(pre, 0, sizeof(pre));
	for (off = 0; off < 24 && rc == 0; off++) {
		if (off > 0)
			for (k = 0; k < GROUPSUM_N; k++)
				if (__builtin_add_overflow(pre[k], h[off - 1][k], &pre[k]))
					return GROUPSUM_OVERFLOW;
		if (!(starts & 1u << off))
			continue;
		for (k = 0; k < GROUPSUM_N; k++)
			if (__builtin_add_overflow(pre[k], q != NULL ? q[off][k] : 0, &part[k]) ||
			    __builtin_sub_overflow(c->sum[k], part[k], &rest[k]))
				return GROUPSUM_OVERFLOW;
		if ((rc = add_day(out, (c->unit - 1) * 24 + off, c, g, part)) == 0)
			rc = add_day(out, c->unit * 24 + off, c, g, rest);
	}
	return rc;
}

/* rollup_do's cells from the flush's hm cells (their first quarters in
 * part[i]) and dm cells: the hours of each UTC day group (dm) side by
 * side (and the first q quarters of each, for the q that quarter names),
 * then the day's cells for every start (day_cells): every step hours but
 * 0 (g ""), and q quarters into the hours of quarter[q - 1] (g
 * rollup_local_part_g[q]). At most 2 (24 / step - 1 + the starts into
 * hours) adds a day group, not as many an hour. */
int
rollup_local_days(const struct groupsum *hm, int64_t (*part)[3][GROUPSUM_N],
                  const struct groupsum *dm, int step, const unsigned quarter[3],
                  struct groupsum *out)
{
	const struct groupsum_cell *c;
	int64_t (*h)[24][GROUPSUM_N], day, r;
	unsigned whole = 0;
	size_t i, k, w = 1, at[4] = { 0 };     /* day group d's hours: h[d * w]; its
	                                          first q quarters: h[d * w + at[q]] */
	long d;
	int off, q, rc = 0;

	if (dm->n == 0)
		return 0;
	for (q = 1; q < 4; q++)
		if (quarter[q - 1] != 0)
			at[q] = w++;
	if ((h = calloc(dm->n * w, sizeof(*h))) == NULL)
		return -1;
	for (off = step; off < 24; off += step)
		whole |= 1u << off;
	for (i = 0; i < hm->n && rc == 0; i++) {
		c = &hm->cells[i];
		day = floor_div(c->unit, 24);
		if ((d = groupsum_find(dm, day, c->model, "", c->flags, c->routed)) < 0)
			continue;       /* (every hm cell has its day's) */
		r = c->unit - day * 24;
		for (q = 0; q < 4; q++)
			for (k = 0; (q == 0 || at[q] != 0) && k < GROUPSUM_N; k++)
				if (__builtin_add_overflow(h[d * w + at[q]][r][k], q == 0 ? c->sum[k] :
				    part[i][q - 1][k], &h[d * w + at[q]][r][k]))
					rc = GROUPSUM_OVERFLOW;
	}
	for (i = 0; i < dm->n && rc == 0; i++) {
		rc = day_cells(&dm->cells[i], h[i * w], NULL, whole, "", out);
		for (q = 1; q < 4 && rc == 0; q++)
			if (at[q] != 0)
				rc = day_cells(&dm->cells[i], h[i * w], h[i * w + at[q]], quarter[q - 1],
				    rollup_local_part_g[q], out);
	}
	free(h);
	return rc;
}

/* Each hm cell's parts, a cell each, appended (they are distinct). */
int
rollup_local_parts(const struct groupsum *hm, int64_t (*part)[3][GROUPSUM_N],
                   struct groupsum *out)
{
	struct groupsum_cell c;
	const struct groupsum_cell *h;
	size_t i, q;

	for (i = 0; i < hm->n; i++) {
		h = &hm->cells[i];
		for (q = 0; q < 3; q++) {
			if (!nonzero(part[i][q]))
				continue;
			memset(&c, 0, sizeof(c));
			c.unit = h->unit * 4 + (int64_t)q + 1;
			usage_strlcpy(c.model, h->model, sizeof(c.model));
			c.flags = h->flags;
			c.routed = h->routed;
			memcpy(c.sum, part[i][q], sizeof(c.sum));
			if (groupsum_append(out, &c) != 0)
				return -1;
		}
	}
	return 0;
}
