/* rollup_int.h — what rollup.c (the pending cells of a transaction) and
 * rollup_flush.c (writing them) share. Only those two include it. */
#ifndef TOKENTOP_ROLLUP_INT_H
#define TOKENTOP_ROLLUP_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "data/groupsum.h"
#include "data/store_int.h"

#define MS_PER_HOUR 3600000LL
#define PENDING_CAP 2048   /* cells waiting: ~2.2 MB, and the flush's collapsed cells (~6 MB)
                              bound the import's peak RSS: see tui/import_sink.h */
#define NSUM        GROUPSUM_N   /* requests, 5 token kinds, compressed, stops,
                                    reasoning */

enum { CELL_HOUR, CELL_BATCH };

struct cell {
	int     kind;
	int     flags;
	int64_t hour;
	char    model[USAGE_MODEL_MAX];
	char    id[USAGE_ID_MAX];      /* source (CELL_HOUR) or batch id */
	char    tag[USAGE_TAG_MAX];
	char    tier[16];
	char    project[USAGE_TAG_MAX]; /* CELL_HOUR: for rollup_hp and rollup_hk */
	char    key_fp[24];
	char    host[USAGE_HOST_MAX];  /* CELL_HOUR: for rollup_dh, rollup_hh, host_seen */
	int64_t last_ms;               /* CELL_HOUR: the latest row added (host_seen) */
	int64_t sum[NSUM];             /* requests, 5 token kinds, compressed, stops,
	                                  reasoning, web searches, code executions */
};

/* A pending cell's sums of its rows in its hour's first 15, 30, 45 minutes
 * (rollup_hq; CELL_HOUR), beside the cells: keys are not copied with them. */
typedef int64_t cell_parts[3][NSUM];

struct undo {
	size_t  cell;
	int64_t last_ms;               /* the cell's before this delta */
	int     qtr;                   /* its row's quarter: in part[qtr..2] too */
	int64_t sum[NSUM];
};

struct host_delta {
	const char *host;              /* a pending cell's */
	int64_t     last_ms, requests;
};

struct rollup_pending {
	struct cell *cells;
	cell_parts  *parts;            /* by cell, as many as cells has room for */
	size_t       n, cap;
	size_t      *slots;            /* open addressing: cell index + 1 */
	size_t       nslots;
	struct undo *journal;          /* this operation's deltas */
	size_t       nj, jcap;
	struct groupsum coll[13];       /* a flush's collapsed cells (hm, dm, dt, ds, lt, hp, hk,
	                                  dh, hh, mm, mx, do, hq) */
	struct host_delta *hosts;      /* a flush's host_seen deltas, by host */
	size_t       nhosts, hcap;
	const struct cell **order;     /* a flush's cells, in the order written */
	size_t       ocap;
	int64_t    (*hmpart)[3][NSUM]; /* a flush's hm cells' parts of their hour (rollup_hq),
	                                  by hm cell */
	size_t       hmpcap, hmpused;   /* [0, hmpused) may hold sums (zeroed next collapse) */
};

static inline int64_t
rollup_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

#endif
