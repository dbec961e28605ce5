/* report_int.h — between the report's aggregation (report.c: rows by group
 * key, pricing, order) and its reading (report_read.c: which rollup or raw
 * rows answer a query exactly). Only those two include it. */
#ifndef TOKENTOP_REPORT_INT_H
#define TOKENTOP_REPORT_INT_H

#include "data/groupsum.h"
#include "data/store_int.h"

#define MS_PER_HOUR 3600000LL

struct model_ent {                 /* per distinct model × provider seen */
	char                      model[USAGE_MODEL_MAX];
	int                       provider;  /* enum provider_id */
	const struct model_price *mp;
	int                       match;   /* passes the model filter */
	int                       listed;  /* already in the unpriced list */
	int                       raw;     /* long threshold unlike the rollup's: raw rows */
};

/* A report by local day, week or month in a zone whose midnights do not
 * fall on UTC midnights (report_read.c): each UTC day cell goes to the
 * period holding most of it, and the hours of its other part are moved. */
struct shift_key {                 /* a period key of the block being read */
	char    key[32];
	int64_t h0;                    /* an hour in it (the time that prices it) */
};

struct shift_piece {               /* hours [h0, h1) of a day cell moved */
	int64_t h0, h1;                /* raw: ms, the raw rows of part of an hour */
	int     from, to;              /* shift_key ids */
	int     raw;
};

struct agg {
	const struct pricing      *p;
	const struct report_query *q;
	const struct model_price  *baseline;
	const struct model_price  *filter_mp;
	struct report             *out;
	size_t                     rcap;
	size_t                    *slots;     /* open addressing: row index + 1 */
	size_t                     nslots;
	struct model_ent          *me;
	size_t                     nme, mecap;
	size_t                     unpcap;
	int64_t                   *straddle;  /* hours to re-read from raw rows */
	size_t                     nstr, strcap;
	int64_t                   *splitday;  /* UTC days to re-read by the hour */
	size_t                     nsd, sdcap;
	int64_t                   *splitmon;  /* UTC months to re-read by the day */
	size_t                     nsm, smcap;
	int64_t                    hour, hour_end; /* the last unit keyed (its hours), its key */
	int                        hour_split;
	char                       hour_key[32];
	struct groupsum            gs;        /* one rollup read's groups */
	int                        shift;     /* grouping day cells by shift_key id */
	int64_t                    split_h0;  /* the last split unit's first hour */
	int                        split_id;  /* its cells' key id (-1: read by the hour) */
	struct shift_key          *sk;
	size_t                     nsk, skcap;
	struct shift_piece        *sp;
	size_t                     nsp, spcap;
};

/* One group of tokens (a rollup cell or a raw row) into the row of key. */
struct contrib {
	const char        *key;
	struct model_ent  *e;
	struct price_flags f;
	int                routed;
	int64_t            ms;           /* when (a cell's first ms): which prices */
	int64_t            requests, compressed, max_stops, reasoning;
	int64_t            web_search, code_exec;
	struct tokens      tok;
};

/* report.c */
int64_t report_floor_div(int64_t a, int64_t b);
int report_is_period(enum report_group g);
/* The local period of ms for group g into buf. */
void report_period_key(enum report_group g, int64_t ms, char *buf, size_t n);
/* p grown (realloc) to hold need items of size; *cap updated; NULL on out of
 * memory (p is then still valid). */
void *report_grow(void *p, size_t *cap, size_t need, size_t size);
/* The cached facts of a model id of a provider (in a->me, which may move);
 * NULL on out of memory. */
struct model_ent *report_model_ent(struct agg *a, const char *model, int provider);
/* c into the row of its key. 0, or -1 with err (out of memory, a sum that
 * does not fit, or a group no rows can make). */
int report_add(struct store *s, struct agg *a, const struct contrib *c, char *err,
               size_t errlen);
/* The group key of a row at ms: g is its source, tag, tier, project or
 * key, whichever the group is by (buf holds it when it is made up). */
const char *report_group_key(struct agg *a, int64_t ms, const struct model_ent *e,
                             const char *g, char *buf, size_t n);

/* report_read.c: every figure of a->q into a (rollups where they are exact,
 * raw rows for the rest); 0, or -1 + err. */
int report_collect(struct store *s, struct agg *a, char *err, size_t errlen);

#endif
