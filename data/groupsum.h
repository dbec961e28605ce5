/* groupsum.h — sums of rollup cells grouped in memory by (unit, model,
 * group column, flags, routed): what a SQL GROUP BY over a rollup table
 * gives, without its sort. report_read.c groups the cells it reads with it;
 * rollup.c collapses its pending hour cells into the day and hm tables' cells. */
#ifndef TOKENTOP_GROUPSUM_H
#define TOKENTOP_GROUPSUM_H

#include <stddef.h>
#include <stdint.h>

#include "core/usage.h"

/* The longest group key: a source (16 bytes), a tag and a host, two separators. */
#define GROUPSUM_G_MAX (16 + USAGE_TAG_MAX + USAGE_HOST_MAX)
#define GROUPSUM_N 11  /* requests, five token kinds, compressed, max_tokens stops,
                          reasoning, web searches, code executions */

struct groupsum_cell {
	int64_t unit;              /* hour or UTC day; 0 when not grouped by time */
	char    model[USAGE_MODEL_MAX];
	char    g[GROUPSUM_G_MAX]; /* source, tag, tier, project, key or host ("" when not
	                              grouped by one), or rollup.c's collapsed keys
	                              ("SOURCE\x1fTAG\x1fHOST" at most) */
	int     flags, routed;
	int64_t sum[GROUPSUM_N];
};

/* Cells in the order their groups first came. Zero it to start. */
struct groupsum {
	struct groupsum_cell *cells;
	size_t                n, cap;
	size_t               *slots;   /* open addressing: cell index + 1 */
	size_t                nslots;
};

#define GROUPSUM_OVERFLOW (-2)

/* Add sum to the cell of (unit, model, g, flags, routed), made when new.
 * 0, -1 on out of memory, GROUPSUM_OVERFLOW when a sum would leave int64
 * (gs unchanged either way). */
int groupsum_add(struct groupsum *gs, int64_t unit, const char *model, const char *g,
                 int flags, int routed, const int64_t sum[GROUPSUM_N]);

/* groupsum_add, and the index in gs->cells of the cell added to into *at. */
int groupsum_add_at(struct groupsum *gs, int64_t unit, const char *model, const char *g,
                    int flags, int routed, const int64_t sum[GROUPSUM_N], size_t *at);

/* c appended as a cell of its own, not looked up or hashed: for a groupsum
 * that is then only read (no groupsum_add or _find until groupsum_reset).
 * 0, or -1 on out of memory. */
int groupsum_append(struct groupsum *gs, const struct groupsum_cell *c);

/* The index in gs->cells of the cell of (unit, model, g, flags, routed);
 * -1 when there is none. */
long groupsum_find(const struct groupsum *gs, int64_t unit, const char *model, const char *g,
                   int flags, int routed);

/* Empty it for reuse (memory kept); groupsum_free frees it (zeroed after). */
void groupsum_reset(struct groupsum *gs);
void groupsum_free(struct groupsum *gs);

#endif
