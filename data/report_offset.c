/* report_offset.c — a report by local day, week or month read from
 * rollup_do, the days that start at another UTC hour (every third on
 * SQLite, 3, 6, ... 21; every one on PostgreSQL: the driver's do_step): the
 * day start nearest to the zone's, chosen again every few weeks (a clock
 * change moves it: Adelaide's midnight is 14:30Z in winter, 13:30Z in
 * summer, so with every third hour its days are read from 15:00Z and
 * 12:00Z, an hour and a half moved a day at most, not two and a half; with
 * every hour from 14:00Z and 13:00Z, half an hour), the hours between
 * blocks of other starts by the hour (see report_shift.c for the moves
 * inside a block). Where the driver keeps days that start a quarter or
 * half into the hour of the zone's midnight (PostgreSQL's do_part: 14:30Z,
 * 13:30Z), a block runs up to the next clock change and reads them
 * (report_part.c): nothing moves but the quarters at its two ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/report_int.h"

#define OFF_BLOCK 32    /* days read from one day start */

/* The UTC hour (1..23) that holds the start of the next local day after
 * UTC day d's first ms (on the hour, or at :15, :30, :45 into it); 0 when
 * that is UTC's hour 0 or no local day starts within a day of it. *q: the
 * quarters into the hour it starts (0 on the hour; 0 when it starts
 * elsewhere). */
static int
day_start_hour(int64_t d, int *q)
{
	char k0[32], k[32];
	int64_t h, ms;

	*q = 0;
	report_period_key(REPORT_DAY, d * 24 * MS_PER_HOUR, k0, sizeof(k0));
	for (h = 0; h < 24; h++) {
		report_period_key(REPORT_DAY, (d * 24 + h + 1) * MS_PER_HOUR - 1, k, sizeof(k));
		if (strcmp(k, k0) != 0)
			break;
	}
	if (h == 24)
		return 0;
	for (*q = 1; *q < 4; ++*q) {      /* its first ms in another day: a quarter's */
		ms = (d * 24 + h) * MS_PER_HOUR + *q * QUARTER_MS;
		report_period_key(REPORT_DAY, ms - 1, k, sizeof(k));
		if (strcmp(k, k0) != 0)
			break;
		report_period_key(REPORT_DAY, ms, k, sizeof(k));
		if (strcmp(k, k0) != 0)
			return (int)h;
	}
	*q = 0;
	return (int)h;
}

/* Does the day from q quarters into hour h of UTC day d lie in one period
 * of group g (a day a clock changes starts another at another time)? */
static int
part_day_whole(enum report_group g, int64_t d, int h, int q)
{
	int64_t ms = (d * 24 + h) * MS_PER_HOUR + q * QUARTER_MS;
	char k0[32], k1[32];

	report_period_key(g, ms, k0, sizeof(k0));
	report_period_key(g, ms + 24 * MS_PER_HOUR - 1, k1, sizeof(k1));
	return strcmp(k0, k1) == 0;
}

/* The table's day start nearest to the zone's in the block of days from d
 * (up to d1; its end into *e), its starts step hours apart: where its
 * middle day starts (0: rollup_dm's, UTC midnight). Where day d starts q
 * quarters into hour h, h one of the driver's do_part[q - 1]: 24 q + h,
 * the block the days from there that no period's end splits (up to a
 * clock change); none (the day of the change): the whole hour's, for that
 * day alone. */
static int
block_off(const struct store *s, enum report_group g, int64_t d, int64_t d1, int64_t *e)
{
	int step = s->db->drv->do_step, q, h = day_start_hour(d, &q);
	int64_t x;

	*e = d1 - d > OFF_BLOCK ? d + OFF_BLOCK : d1;
	if (q > 0 && (s->db->drv->do_part[q - 1] & 1u << h)) {
		for (x = d; x < *e && part_day_whole(g, x, h, q); x++)
			;
		if (x > d) {
			*e = x;
			return 24 * q + h;
		}
		*e = d + 1;
		return (h + step / 2) / step * step % 24;
	}
	h = day_start_hour(d + (*e - d) / 2, &q);
	return (h + step / 2) / step * step % 24;
}

/* Runs of consecutive units of kind kd (step apart) in v[0..n), each read
 * by hour table kh: shifted (force), or whole hours. */
static int
read_split_runs(struct store *s, struct agg *a, enum rollup_kind kd, const int64_t *v, size_t n,
                int shifted, char *err, size_t errlen)
{
	int64_t step = kd == RK_DO ? 24 : 1, h0, h1, x;
	size_t i, j;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i = j) {
		for (j = i + 1; j < n && v[j] == v[j - 1] + step; j++)
			;
		report_unit_hours(kd, v[i], &h0, &x);
		report_unit_hours(kd, v[j - 1], &x, &h1);
		rc = shifted ? report_read_shifted(s, a, kd, RK_HM, v[i], v[j - 1] + step, 1, err,
		    errlen) : report_read_rollup(s, a, RK_HM, h0, h1, NULL, err, errlen);
	}
	return rc;
}

/* Units [u0, u1) of day kind kd (offset days from a->off, or UTC days)
 * shifted; then the cells split after all (read whole, when few are: a
 * weekly report) moved in part, and those with two local midnights (a
 * clock set back over one) by the hour. 0, or -1 + err. */
static int
read_block(struct store *s, struct agg *a, enum rollup_kind kd, int64_t u0, int64_t u1,
           char *err, size_t errlen)
{
	size_t nsd = a->nsd, n;
	int64_t *v = NULL;
	int rc;

	if (report_read_shifted(s, a, kd, RK_HM, u0, u1, 0, err, errlen) != 0)
		return -1;
	n = a->nsd - nsd;
	if (n > 0 && (v = malloc(n * sizeof(*v))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (n > 0)
		memcpy(v, a->splitday + nsd, n * sizeof(*v));
	a->nsd = nsd;
	rc = read_split_runs(s, a, kd, v, n, 1, err, errlen);
	free(v);
	if (rc == 0)
		rc = read_split_runs(s, a, kd, a->splitday + nsd, a->nsd - nsd, 0, err, errlen);
	a->nsd = nsd;
	return rc;
}

/*
 * UTC days [d0, d1) (narrowed to the days with rows) a block of OFF_BLOCK
 * days at a time, each from the day start nearest to the zone's there
 * (blocks of the same start one range: a statement or two, not two a
 * block): rollup_do's cells of that start, or rollup_dm's where it is UTC
 * midnight. A block's cells start at or after where the last one's ended
 * and end at or before where the next one's start (one cell fewer where
 * the next starts earlier in the day); the hours between, and those of
 * [d0, d1) before the first and after the last, come by the hour. 1 when
 * every block's days start at UTC midnight (rollup_dm answers as it is);
 * 0, or -1 + err.
 */
int
report_read_offset_days(struct store *s, struct agg *a, int64_t d0, int64_t d1, char *err,
                        size_t errlen)
{
	int64_t d, e, be, t, c0, c1, lim;
	enum report_group g = a->q->group;
	int off, next, any = 0;

	if (report_cell_span(s, a, RK_DAY, &d0, &d1, err, errlen) != 0)
		return -1;
	if (d1 - d0 < 2)
		return 1;
	for (d = d0; d < d1 && !any; d = be)
		any = block_off(s, g, d, d1, &be) != 0;
	if (!any)
		return 1;
	t = d0 * 24;        /* hours before t are read */
	for (d = d0, off = block_off(s, g, d0, d1, &be); d < d1; d = e, off = next) {
		do {                                 /* blocks of the same start: one range */
			e = be;
			next = e < d1 ? block_off(s, g, e, d1, &be) : 0;
		} while (e < d1 && next == off);
		lim = e < d1 ? e * 24 + next % 24 : d1 * 24;
		c0 = d * 24 + off % 24;
		for (c1 = e * 24 + off % 24; c1 > lim; c1 -= 24)
			;
		if (c0 < t || c1 <= c0)
			continue;    /* (a block of a day: its hours come with the next gap) */
		a->off = off;
		if (report_read_rollup(s, a, RK_HM, t, c0, NULL, err, errlen) != 0 ||
		    (off >= 24 ? report_read_part_days(s, a, c0, c1, err, errlen) :
		    off != 0 ? read_block(s, a, RK_DO, c0, c1, err, errlen) :
		    read_block(s, a, RK_DAY, c0 / 24, c1 / 24, err, errlen)) != 0)
			return -1;
		t = c1;
	}
	return report_read_rollup(s, a, RK_HM, t, d1 * 24, NULL, err, errlen);
}
