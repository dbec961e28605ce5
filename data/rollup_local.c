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

/* rollup_do's cells from the flush's hm and dm cells: the hours of each
 * UTC day group (dm) side by side, then for every day start off (step,
 * 2 step, ... < 24) the part of the day from off on into the cell that
 * starts then, and the part before it into the cell that started the day
 * before (a cell's unit is its first UTC hour): 2 (24 / step - 1) adds a
 * day group at most, not 24 / step - 1 an hour. */
int
rollup_local_days(const struct groupsum *hm, const struct groupsum *dm, int step,
                  struct groupsum *out)
{
	const struct groupsum_cell *c;
	int64_t (*h)[24][GROUPSUM_N], pre[GROUPSUM_N], suf[GROUPSUM_N], day;
	long d;
	size_t i, k;
	int off, r, rc = 0;

	if (dm->n == 0)
		return 0;
	if ((h = calloc(dm->n, sizeof(*h))) == NULL)
		return -1;
	for (i = 0; i < hm->n && rc == 0; i++) {
		c = &hm->cells[i];
		day = floor_div(c->unit, 24);
		if ((d = groupsum_find(dm, day, c->model, "", c->flags, c->routed)) < 0)
			continue;       /* (every hm cell has its day's) */
		for (k = 0; k < GROUPSUM_N; k++)
			if (__builtin_add_overflow(h[d][c->unit - day * 24][k], c->sum[k],
			    &h[d][c->unit - day * 24][k]))
				rc = GROUPSUM_OVERFLOW;
	}
	for (i = 0; i < dm->n && rc == 0; i++) {
		c = &dm->cells[i];
		memset(pre, 0, sizeof(pre));
		for (off = step; off < 24 && rc == 0; off += step) {
			for (k = 0; k < GROUPSUM_N; k++)
				for (r = off - step; r < off; r++)
					if (__builtin_add_overflow(pre[k], h[i][r][k], &pre[k]))
						rc = GROUPSUM_OVERFLOW;
			for (k = 0; k < GROUPSUM_N; k++)
				if (__builtin_sub_overflow(c->sum[k], pre[k], &suf[k]))
					rc = GROUPSUM_OVERFLOW;
			if (rc != 0)
				break;
			for (r = 0; r < GROUPSUM_N && pre[r] == 0; r++)
				;
			if (r < GROUPSUM_N)
				rc = groupsum_add(out, (c->unit - 1) * 24 + off, c->model, "",
				    c->flags, c->routed, pre);
			for (r = 0; rc == 0 && r < GROUPSUM_N && suf[r] == 0; r++)
				;
			if (rc == 0 && r < GROUPSUM_N)
				rc = groupsum_add(out, c->unit * 24 + off, c->model, "",
				    c->flags, c->routed, suf);
		}
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
