/* report_part.c — a report by local day, week or month read from
 * rollup_do's days that start a quarter, half or three quarters into an
 * hour (PostgreSQL's do_part, db.h), where the zone's midnight is there
 * (Kolkata 18:30Z, Adelaide 14:30Z or 13:30Z, Kathmandu 18:15Z):
 * report_offset.c chooses them for the blocks of days no clock change
 * splits, so a cell is a local day and nothing moves but the quarters at
 * the two ends. */
#include <stdio.h>
#include <string.h>

#include "data/report_int.h"

/*
 * A read of rollup_do's days from q quarters into an hour
 * (report_read_part_days): no cell is split, so nothing moves but the
 * first q quarters of hour u0 (added to the period before the first cell)
 * and those of hour u1 (in the last cell, and read again with the hours
 * after it: taken out). Both are read first (pieces 0 and 1, kept in
 * a->pgs), then the cells in one statement, priced REPORT_SHIFT_BLOCK days
 * at a time as they come (report_part_next).
 */

/* Piece i's sums (a->pgs's cells of unit i) into the groups of the period
 * holding hour h's first ms, or out of them (sub). 0, or -1 + err. */
static int
fold_edge(struct store *s, struct agg *a, size_t i, int64_t h, int sub, char *err,
          size_t errlen)
{
	const struct groupsum_cell *c;
	char k[32];
	size_t j;
	int id;

	report_period_key(a->q->group, h * MS_PER_HOUR, k, sizeof(k));
	if ((id = report_shift_key_id(a, k, h)) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (j = 0; j < a->pgs.n; j++) {
		c = &a->pgs.cells[j];
		if ((size_t)c->unit == i && report_group_add(s, &a->gs, id, c->model, c->g, c->flags,
		    c->routed, c->sum, sub, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int
report_part_next(struct store *s, struct agg *a, int64_t u, char *err, size_t errlen)
{
	if (report_add_groups(s, a, RK_DO, err, errlen) != 0)
		return -1;
	groupsum_reset(&a->gs);
	a->nsk = 0;
	a->split_h0 = INT64_MIN;
	while (a->part_end <= u)
		a->part_end += REPORT_SHIFT_BLOCK * 24;
	return 0;
}

int
report_read_part_days(struct store *s, struct agg *a, int64_t u0, int64_t u1, char *err,
                      size_t errlen)
{
	int none = 0, q = a->off / 24, rc;

	a->nsp = a->nsk = 0;
	if (report_add_piece(a, u0, u0 + q, -1, -1, PIECE_PART) != 0 ||
	    report_add_piece(a, u1, u1 + q, -1, -1, PIECE_PART) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	groupsum_reset(&a->pgs);
	if (report_piece_rows(s, a, RK_HM, PIECE_PART, &none, err, errlen) != 0)
		return -1;
	groupsum_reset(&a->gs);
	a->split_h0 = INT64_MIN;
	a->part_end = u0 + REPORT_SHIFT_BLOCK * 24;
	a->shift = 1;
	a->quarters = q;
	a->hour_key[0] = '\0';
	rc = fold_edge(s, a, 0, u0, 0, err, errlen);
	if (rc == 0)
		rc = report_read_rollup(s, a, RK_DO, u0, u1, NULL, err, errlen);
	a->quarters = 0;
	a->hour_key[0] = '\0';
	if (rc == 0)
		rc = fold_edge(s, a, 1, u1, 1, err, errlen);
	if (rc == 0)
		rc = report_add_groups(s, a, RK_DO, err, errlen);
	a->shift = 0;
	groupsum_reset(&a->pgs);
	return rc;
}
