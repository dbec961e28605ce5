/* report_int.h — between the report's aggregation (report.c: rows by group
 * key, pricing, order) and its reading (report_read.c: which rollup or raw
 * rows answer a query exactly, and the report_*.c files split from it).
 * Only those include it. */
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

#define QUARTER_MS (MS_PER_HOUR / 4)
#define REPORT_SHIFT_BLOCK 32   /* days a block of a shifted read: its groups are in
                                   memory at once */

enum { PIECE_HOURS, PIECE_RAW, PIECE_PART };

struct shift_piece {               /* hours [h0, h1) of a day cell moved */
	int64_t h0, h1;                /* PIECE_RAW: ms, the raw rows of part of an hour;
	                                  PIECE_PART: hour h0's first h1 quarters */
	int     from, to;              /* shift_key ids (-1: none; a piece added to
	                                  a period alone, or taken from one alone) */
	int     raw;                   /* PIECE_* */
};

#define REPORT_STMTS 4

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
	char                       host[USAGE_HOST_MAX]; /* q->host as rows keep it */
	struct groupsum            pgs;       /* a moved piece's, before the move */
	int                        shift;     /* grouping day cells by shift_key id */
	int64_t                    split_h0;  /* the last split unit's first hour */
	int                        split_id;  /* its cells' key id (-1: read by the hour) */
	struct shift_key          *sk;
	size_t                     nsk, skcap;
	struct shift_piece        *sp;
	size_t                     nsp, spcap;
	int                        off;       /* RK_DO reads: the days' first UTC hour
	                                         (24 q + h: q quarters into hour h) */
	int                        quarters;  /* cells read start this many quarters
	                                         after their unit's first hour */
	int64_t                    part_end;  /* ... priced a block at a time: where
	                                         the block read ends */
	int                        part;      /* RK_HQ reads: quarters of the hour */
	int                        parts;     /* pieces of hours from rollup_hq (not raw) */
	struct read_stmt {                    /* rollup reads prepared once a report (a
	                                         piece a day re-reads the same SQL) */
		struct db_stmt *st;
		char            sql[768];
	}                          rs[REPORT_STMTS];
	size_t                     nrs;       /* the next slot to reuse */
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

/* A rollup's sums, as report_read_rollup takes them: cell by cell, or summed. */
#define CELL_SUMS "requests, input, write_5m, write_1h, cache_read, output," \
	" compressed_tokens, max_tokens_stops, reasoning, web_search, code_exec"
#define GROUP_SUMS "sum(requests), sum(input), sum(write_5m), sum(write_1h)," \
	" sum(cache_read), sum(output), sum(compressed_tokens), sum(max_tokens_stops)," \
	" sum(reasoning), sum(web_search), sum(code_exec)"

/* report_whole.c: does rollup_lt answer the query (the whole ledger, prices
 * without dates, a group among its columns)? Its groups into a (0, or -1 +
 * err). Hours [*h0, *h1) widened by an hour cut by since or until whose
 * other part holds no row (0, or -1 + err). */
int report_lifetime(const struct agg *a);
int report_read_lifetime(struct store *s, struct agg *a, char *err, size_t errlen);
int report_whole_edges(struct store *s, const struct report_query *q, int64_t *h0, int64_t *h1,
                       char *err, size_t errlen);

/* Which rollup a read reads: per UTC day or hour × model × flags × routed
 * (DAY, HM), per UTC day and tag or source as well (DT, DS), per hour and
 * project or key (HP, HK), per UTC month (MM, and MX with source and tag),
 * per day from UTC hour a->off (DO: a unit is its first hour), the first
 * a->part quarters of an hour (HQ), or the full hourly cells (FULL). NONE:
 * no table of that unit will do. */
enum rollup_kind { RK_DAY, RK_HM, RK_DT, RK_DS, RK_HP, RK_HK, RK_DH, RK_HH, RK_MM, RK_MX, RK_DO,
	RK_HQ, RK_FULL, RK_NONE };

/* report_read.c, for the files below: the table of kind k; the SQL of
 * the query's filters (raw: of the usage rows) from parameter first on,
 * and their bindings; whether the query needs rollup_hour's columns;
 * whether the hours [h0, h1) lie in two local periods (key: the first's);
 * the UTC hours [*h0, *h1) of unit u of kind k; the rollup read of units
 * [u0, u1) (pc: a piece moved). The ints: 0, or -1 + err. */
const char *report_rollup_table(enum rollup_kind k);
void report_filter_sql(const struct report_query *q, int raw, char *buf, size_t n, int first);
void report_filter_bind(const struct agg *a, int raw, struct db_stmt *st, int first);
int report_needs_full(const struct report_query *q);
int report_unit_split(struct agg *a, int64_t h0, int64_t h1, char *key, size_t n);
void report_unit_hours(enum rollup_kind k, int64_t u, int64_t *h0, int64_t *h1);
int report_read_rollup(struct store *s, struct agg *a, enum rollup_kind k, int64_t u0,
                       int64_t u1, const struct shift_piece *pc, char *err, size_t errlen);

/* report_stmt.c: the end of a read loop (0 at DB_DONE, else -1 + err;
 * finalises st); sql's statement from a->rs (prepared once a report, reset
 * for another read; NULL + err on failure); the end of its read loop
 * (reset, never finalised); a->rs finalised (store_report's end). */
int report_read_end(struct store *s, struct db_stmt *st, int rc, char *err, size_t errlen);
struct db_stmt *report_kept_prepare(struct store *s, struct agg *a, const char *sql, char *err,
                                    size_t errlen);
int report_kept_end(struct store *s, struct db_stmt *st, int rc, char *err, size_t errlen);
void report_read_free(struct agg *a);

/* report_group.c: sum (negated when neg) into gs's group of unit; a
 * piece's sums (a->pgs) moved between its periods' groups (pc NULL: each
 * cell's piece is a->sp[its unit]); one cell (unit of kind k) into its
 * row; a group summed by period key (a->shift) into its row; a->gs's
 * groups into their rows. The ints: 0, or -1 + err. */
int report_group_add(struct store *s, struct groupsum *gs, int64_t unit, const char *model,
                     const char *g, int bits, int routed, const int64_t *sum, int neg,
                     char *err, size_t errlen);
int report_fold_piece(struct store *s, struct agg *a, const struct shift_piece *pc, char *err,
                      size_t errlen);
int report_add_cell(struct store *s, struct agg *a, enum rollup_kind k, int64_t unit,
                    struct model_ent *e, const char *g, int flags, int routed,
                    const int64_t *sum, char *err, size_t errlen);
int report_add_shifted(struct store *s, struct agg *a, const struct groupsum_cell *gc,
                       struct model_ent *e, char *err, size_t errlen);
int report_add_groups(struct store *s, struct agg *a, enum rollup_kind k, char *err,
                      size_t errlen);

/* report_shift.c (see its head): the id of period key (of hour h) among the
 * block's keys (-1: out of memory); a day cell [h0, h1) split by a local
 * midnight: its period's id into *id and the pieces to move noted (0; 1
 * when it holds more than one midnight; -1 out of memory); UTC days [d0,
 * d1) of day kind kd, moved in part where local midnights are not UTC's;
 * units [*u0, *u1) of kind kd narrowed to those with cells; units [u0, u1)
 * of day kind kd (RK_DO: a->off's) by period key, their pieces from hour
 * kind kh (force: moved even where three cells say nothing is split);
 * hours [h0, h1), each split by a local midnight, moved in part where the
 * query's hours are rollup_hm's (hm; 1 when they are not: the raw rows
 * answer); UTC months [m0, m1) of month kind km (rollup_mm or _mx), a
 * cell to the local month holding most of it and the hours of its other
 * part moved, where the report is by local period (else as they are).
 * The ints: 0, or -1 + err. */
int report_shift_key_id(struct agg *a, const char *key, int64_t h);
/* A piece of kind raw (PIECE_*) of hours [h0, h1) (PIECE_RAW: ms;
 * PIECE_PART: hour h0's first h1 - h0 quarters) moved from period id from
 * to id to (-1: none), noted in a->sp (0, or -1 out of memory); the rows of
 * the noted pieces of kind raw read into a->pgs, each to its piece (its
 * index as the unit; *none when there is none of the kind): 0, or -1 +
 * err. */
int report_add_piece(struct agg *a, int64_t h0, int64_t h1, int from, int to, int raw);
int report_piece_rows(struct store *s, struct agg *a, enum rollup_kind kh, int raw, int *none,
                      char *err, size_t errlen);
int report_shift_split(struct agg *a, int64_t h0, int64_t h1, int *id);
int report_read_dayunits(struct store *s, struct agg *a, enum rollup_kind kd, int64_t d0,
                         int64_t d1, char *err, size_t errlen);
int report_cell_span(struct store *s, struct agg *a, enum rollup_kind kd, int64_t *u0,
                     int64_t *u1, char *err, size_t errlen);
int report_read_shifted(struct store *s, struct agg *a, enum rollup_kind kd, enum rollup_kind kh,
                        int64_t u0, int64_t u1, int force, char *err, size_t errlen);
int report_read_split_hours(struct store *s, struct agg *a, int hm, int64_t h0, int64_t h1,
                            char *err, size_t errlen);
int report_read_months(struct store *s, struct agg *a, enum rollup_kind km, int64_t m0,
                       int64_t m1, char *err, size_t errlen);
/* report_part.c: units [u0, u1) of rollup_do's days from q quarters into
 * hour a->off % 24 (q = a->off / 24 > 0; none split by a period's end),
 * and the first q quarters of hour u0 (before them) less those of hour u1
 * (in the last), so that whole hours [u0, u1) are read: each cell to its
 * period, the quarters from rollup_hq. 0, or -1 + err. */
int report_read_part_days(struct store *s, struct agg *a, int64_t u0, int64_t u1, char *err,
                          size_t errlen);
/* report_read_rollup's, reading them: unit u is past the block's end (its
 * groups are priced, the next one started). 0, or -1 + err. */
int report_part_next(struct store *s, struct agg *a, int64_t u, char *err, size_t errlen);

/* report_offset.c: UTC days [d0, d1) of a report by local period from
 * rollup_do, its day start chosen every few weeks; 1 when the zone's days
 * start at UTC midnight (rollup_dm answers), 0, or -1 + err. */
int report_read_offset_days(struct store *s, struct agg *a, int64_t d0, int64_t d1, char *err,
                            size_t errlen);

#endif
