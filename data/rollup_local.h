/* rollup_local.h — the rollup cells a report by local day reads where the
 * zone's midnight is not UTC's (issue 12): days that start at another UTC
 * hour (rollup_do) and the first quarters of each UTC hour (rollup_hq),
 * made from a flush's collapsed hour and day cells (rollup.c). */
#ifndef TOKENTOP_ROLLUP_LOCAL_H
#define TOKENTOP_ROLLUP_LOCAL_H

#include "data/groupsum.h"

/* A rollup_do cell of a day that starts q quarters after its unit's first
 * hour has g rollup_local_part_g[q] ("" on the hour; written with off
 * 24 q + the hour); rollup_local_quarters(g) is q. */
extern const char *const rollup_local_part_g[4];
int rollup_local_quarters(const char *g);

/* rollup_do's cells into out from the hm cells (unit: UTC hour; part[i][q]:
 * the sums of cell i's first (q + 1) × 15 minutes) and dm cells (unit: UTC
 * day) of one flush: a cell's unit is its first UTC hour, every step hours
 * of the day but 0 (step: 1, 2, 3, 4, 6, 8 or 12; the driver's do_step),
 * and with g rollup_local_part_g[q] the days that start q quarters into each
 * hour h of bit h of quarter[q - 1] (the driver's do_part). 0, -1 out of
 * memory, or GROUPSUM_OVERFLOW. */
int rollup_local_days(const struct groupsum *hm, int64_t (*part)[3][GROUPSUM_N],
                      const struct groupsum *dm, int step, const unsigned quarter[3],
                      struct groupsum *out);

/* rollup_hq's cells into out: part[i][q] holds the sums of hm cell i's
 * rows in the first (q + 1) × 15 minutes of its hour; a cell's unit is
 * hour × 4 + q + 1. 0, or -1 out of memory. */
int rollup_local_parts(const struct groupsum *hm, int64_t (*part)[3][GROUPSUM_N],
                       struct groupsum *out);

#endif
