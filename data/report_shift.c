/* report_shift.c — a report by local day, week or month in a zone whose
 * midnights are not UTC's (Asia/Seoul, Asia/Kolkata, New York...). Where
 * the query's columns are rollup_dm's, the days are read from rollup_do,
 * the days that start at the UTC hour (every third) nearest to the zone's
 * midnight (report_offset.c): in Seoul (15:00Z) a cell is a local day.
 * Otherwise, and for tag, source and host reports, from the UTC day cells.
 * Each cell is read once and goes to the local period holding most of it;
 * the hours of its other part are moved by the hour (rollup_hm or
 * rollup_hour), and where the midnight falls inside an hour (:30 and :45
 * zones) the first quarters of that hour from rollup_hq, or the raw rows of
 * its other side where no quarter table answers (an hour's cells that a
 * midnight splits are moved so too). The moved sums are netted per period,
 * model, flags and routed before pricing, so the figures are those of the
 * periods' own rows. Blocks of days bound the memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/provider.h"
#include "data/report_int.h"

/* The id of period key (of hour h) among the block's keys; -1 on out of
 * memory. Keys come in order: the last ones are looked at first. */
int
report_shift_key_id(struct agg *a, const char *key, int64_t h)
{
	struct shift_key *k;
	size_t i;

	for (i = a->nsk; i-- > 0;)
		if (strcmp(a->sk[i].key, key) == 0)
			return (int)i;
	if ((k = report_grow(a->sk, &a->skcap, a->nsk + 1, sizeof(*k))) == NULL)
		return -1;
	a->sk = k;
	usage_strlcpy(k[a->nsk].key, key, sizeof(k[0].key));
	k[a->nsk].h0 = h;
	return (int)a->nsk++;
}


/* A piece of kind raw (PIECE_*; PIECE_PART: hour h0's first h1 - h0
 * quarters) moved from period id from to to. 0, or -1 out of memory. */
int
report_add_piece(struct agg *a, int64_t h0, int64_t h1, int from, int to, int raw)
{
	struct shift_piece *p;

	if (h0 >= h1)
		return 0;
	if ((p = report_grow(a->sp, &a->spcap, a->nsp + 1, sizeof(*p))) == NULL)
		return -1;
	a->sp = p;
	if (raw == PIECE_PART)
		h1 -= h0;
	p[a->nsp++] = (struct shift_piece){ h0, h1, from, to, raw };
	return 0;
}

/* The first ms of hour h that is not in period k0 (the hour holds the
 * midnight): a binary search, the period key being monotonic in time. */
static int64_t
midnight_in(struct agg *a, int64_t h, const char *k0)
{
	int64_t lo = h * MS_PER_HOUR, hi = (h + 1) * MS_PER_HOUR - 1, mid;
	char k[32];

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		report_period_key(a->q->group, mid, k, sizeof(k));
		if (strcmp(k, k0) == 0)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* The one local midnight (ms) inside a 24-hour cell [h0, h1) whose UTC
 * offset is the same at both ends (no clock change in it: the local time
 * runs with UTC); 0 when that is not so (then the keys are searched). */
static int64_t
one_midnight(int64_t h0, int64_t h1)
{
	time_t t0 = (time_t)(h0 * 3600), t1 = (time_t)(h1 * 3600 - 1);
	struct tm a, b;
	int64_t m;

	if (h1 - h0 != 24 || localtime_r(&t0, &a) == NULL || localtime_r(&t1, &b) == NULL ||
	    a.tm_gmtoff != b.tm_gmtoff)
		return 0;
	m = (h0 * 3600 + 86400 - (a.tm_hour * 3600 + a.tm_min * 60 + a.tm_sec)) * 1000;
	return m > h0 * MS_PER_HOUR && m < h1 * MS_PER_HOUR ? m : 0;
}

/* Is ms in the local period of key k? */
static int
at_key(enum report_group g, int64_t ms, const char *k)
{
	char buf[32];

	report_period_key(g, ms, buf, sizeof(buf));
	return strcmp(buf, k) == 0;
}

/*
 * Day cell [h0, h1) split by one local midnight: hours [h0, b0) lie in
 * period k0, [b1, h1) in k1, and when b1 = b0 + 1 the midnight falls inside
 * hour b0 (a :30 or :45 zone). The cell goes to the period holding more of
 * it (*id); the hours of the other part become a piece moved to their
 * period, and the raw rows of the split hour's other side a raw piece. 0; 1
 * when the cell holds more than one midnight (then it is read by the hour);
 * -1 on out of memory.
 */
int
report_shift_split(struct agg *a, int64_t h0, int64_t h1, int *id)
{
	enum report_group g = a->q->group;
	char k0[32], k1[32], k[32];
	int64_t h, b0, b1, m, q;
	int i0, i1, big0;

	if (h0 == a->split_h0) {     /* another cell of the same unit */
		*id = a->split_id;
		return a->split_id < 0;
	}
	a->split_h0 = h0;
	a->split_id = -1;
	report_period_key(g, h0 * MS_PER_HOUR, k0, sizeof(k0));
	report_period_key(g, h1 * MS_PER_HOUR - 1, k1, sizeof(k1));
	if ((m = one_midnight(h0, h1)) != 0 && at_key(g, m - 1, k0) && at_key(g, m, k1)) {
		/* most days: no clock change */
		b0 = report_floor_div(m, MS_PER_HOUR);
		b1 = m == b0 * MS_PER_HOUR ? b0 : b0 + 1;
		goto split;
	}
	for (h = h0; h < h1; h++) {     /* the first hour that ends outside k0 */
		report_period_key(g, (h + 1) * MS_PER_HOUR - 1, k, sizeof(k));
		if (strcmp(k, k0) != 0)
			break;
	}
	if (h == h1 || strcmp(k, k1) != 0)
		return 1;
	report_period_key(g, h * MS_PER_HOUR, k, sizeof(k));
	b0 = h;
	b1 = strcmp(k, k0) == 0 ? h + 1 : h;
	for (h = b1; h < h1; h++) {    /* every later hour starts in k1 (a clock set
	                                  back over midnight would not) */
		report_period_key(g, h * MS_PER_HOUR, k, sizeof(k));
		if (strcmp(k, k1) != 0)
			return 1;
	}
	m = b1 > b0 ? midnight_in(a, b0, k0) : b0 * MS_PER_HOUR;
split:
	big0 = b0 - h0 >= h1 - b1;
	if ((i0 = report_shift_key_id(a, k0, h0)) < 0 || (i1 = report_shift_key_id(a, k1, b1)) < 0)
		return -1;
	q = (m - b0 * MS_PER_HOUR) / QUARTER_MS;
	if (a->parts && b1 > b0 && q * QUARTER_MS == m - b0 * MS_PER_HOUR) {
		/* on a quarter (:15, :30, :45): the first q quarters of hour b0
		 * from rollup_hq (the rest of it: the hour less them) */
		if ((big0 ? report_add_piece(a, b0, h1, i0, i1, PIECE_HOURS) ||
		    report_add_piece(a, b0, b0 + q, i1, i0, PIECE_PART) :
		    report_add_piece(a, h0, b0, i1, i0, PIECE_HOURS) ||
		    report_add_piece(a, b0, b0 + q, i1, i0, PIECE_PART)) != 0)
			return -1;
	} else if ((big0 ? report_add_piece(a, b1, h1, i0, i1, PIECE_HOURS) :
	    report_add_piece(a, h0, b0, i1, i0, PIECE_HOURS)) != 0 ||
	    (big0 ? report_add_piece(a, m, b1 * MS_PER_HOUR, i0, i1, PIECE_RAW) :
	    report_add_piece(a, b0 * MS_PER_HOUR, m, i1, i0, PIECE_RAW)) != 0) {
		return -1;
	}
	*id = a->split_id = big0 ? i0 : i1;
	return 0;
}

/* What a raw row's rollup cell needs: its key (model, provider, flags,
 * routed) and sums, not its ids, paths and labels. */
#define PIECE_COLS "model, provider, source, service_tier, speed, inference_geo, tier," \
	" stop_reason, input, write_5m, write_1h, cache_read, output, compressed_tokens," \
	" reasoning_tokens, web_search_requests, code_execution_requests"

static void
col_text(struct db_stmt *st, int col, char *dst, size_t n)
{
	usage_strlcpy(dst, db_column_text(st, col), n);
}

/* PIECE_COLS into u (its other fields left as they were) and its sums
 * into v, in groupsum's order. */
static void
read_piece_row(struct db_stmt *st, struct usage *u, int64_t *v)
{
	col_text(st, 0, u->model, sizeof(u->model));
	col_text(st, 1, u->provider, sizeof(u->provider));
	col_text(st, 2, u->source, sizeof(u->source));
	col_text(st, 3, u->service_tier, sizeof(u->service_tier));
	col_text(st, 4, u->speed, sizeof(u->speed));
	col_text(st, 5, u->inference_geo, sizeof(u->inference_geo));
	col_text(st, 6, u->tier, sizeof(u->tier));
	col_text(st, 7, u->stop_reason, sizeof(u->stop_reason));
	u->tok.input = db_column_int64(st, 8);
	u->tok.write_5m = db_column_int64(st, 9);
	u->tok.write_1h = db_column_int64(st, 10);
	u->tok.cache_read = db_column_int64(st, 11);
	u->tok.output = db_column_int64(st, 12);
	v[0] = 1;
	v[1] = u->tok.input;
	v[2] = u->tok.write_5m;
	v[3] = u->tok.write_1h;
	v[4] = u->tok.cache_read;
	v[5] = u->tok.output;
	v[6] = db_column_int64(st, 13);
	v[7] = strcmp(u->stop_reason, "max_tokens") == 0;
	v[8] = db_column_int64(st, 14);
	v[9] = db_column_int64(st, 15);
	v[10] = db_column_int64(st, 16);
}

/* The raw rows of piece pc (ms), out of one period's groups and into
 * another's, as the cells they are in. 0, or -1 with err. */
static int
read_raw_piece(struct store *s, struct agg *a, const struct shift_piece *pc, char *err,
               size_t errlen)
{
	char sql[768], filt[160];
	struct model_ent *e;
	struct db_stmt *st;
	struct usage u;
	int64_t v[GROUPSUM_N];
	int rc, bits;

	report_filter_sql(a->q, 1, filt, sizeof(filt), 3);
	snprintf(sql, sizeof(sql), "SELECT " PIECE_COLS " FROM usage"
	    " WHERE ts_ms >= ?1 AND ts_ms < ?2%s", filt);
	if ((st = store_prepare(s, sql, "report", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, pc->h0);
	db_bind_int64(st, 2, pc->h1);
	report_filter_bind(a, 1, st, 3);
	groupsum_reset(&a->pgs);
	memset(&u, 0, sizeof(u));
	while ((rc = db_step(st)) == DB_ROW) {
		read_piece_row(st, &u, v);
		if ((e = report_model_ent(a, u.model, provider_of(&u)->id)) == NULL) {
			db_finalize(st);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (!e->match || e->raw)
			continue;
		bits = store_row_flags(&u);
		if (report_group_add(s, &a->pgs, 0, e->model, "", bits, u.tier[0] != '\0', v, 0, err,
		    errlen) != 0) {
			db_finalize(st);
			return -1;
		}
	}
	if (report_read_end(s, st, rc, err, errlen) != 0)
		return -1;
	return report_fold_piece(s, a, pc, err, errlen);
}

/*
 * The pieces of a block at once, where each statement costs a round trip
 * (db.h: round_trip): the hour cells of every hourly piece in one
 * statement, the quarter parts of every part piece in another and the rows
 * of every raw piece in a third, each summed per piece (its index as the
 * groupsum unit) and then moved as read_raw_piece and report_fold_piece
 * move one: the same sums, three round trips a block, not one or two a
 * day.
 */

/* "c >= X AND c < Y OR ..." of the pieces of kind raw (hours, or ms for
 * PIECE_RAW; "hour = H AND part = Q" for PIECE_PART) into a new string
 * (the caller frees it); NULL on out of memory. */
static char *
piece_ranges(const struct agg *a, int raw, const char *col)
{
	size_t i, n = 1, len = 0;
	char *buf;

	for (i = 0; i < a->nsp; i++)
		n += a->sp[i].raw == raw;
	if ((buf = malloc(n * (2 * strlen(col) + 64))) == NULL)
		return NULL;
	buf[0] = '\0';
	for (i = 0; i < a->nsp; i++) {
		if (a->sp[i].raw != raw)
			continue;
		if (raw == PIECE_PART)
			len += (size_t)sprintf(buf + len, "%s%s = %lld AND part = %lld", len > 0 ?
			    " OR " : "", col, (long long)a->sp[i].h0, (long long)a->sp[i].h1);
		else
			len += (size_t)sprintf(buf + len, "%s%s >= %lld AND %s < %lld", len > 0 ?
			    " OR " : "", col, (long long)a->sp[i].h0, col, (long long)a->sp[i].h1);
	}
	return buf;
}

/* The piece of kind raw holding t (of a part piece: hour t, part q);
 * pieces of one kind come in time order, apart. -1 when none does. */
static int
piece_of(const struct agg *a, int raw, int64_t t, int64_t q)
{
	const struct shift_piece *p;
	size_t i;

	for (i = 0; i < a->nsp; i++) {     /* (a block holds a few dozen) */
		p = &a->sp[i];
		if (p->raw == raw && (raw == PIECE_PART ? t == p->h0 && q == p->h1 :
		    t >= p->h0 && t < p->h1))
			return (int)i;
	}
	return -1;
}

/* The statement of kind raw's pieces (filters bound), or NULL + err; *none
 * when the block has no piece of the kind. */
static struct db_stmt *
pieces_stmt(struct store *s, struct agg *a, enum rollup_kind kh, int raw, int *none, char *err,
            size_t errlen)
{
	char filt[160], *ranges, *sql;
	struct db_stmt *st;
	size_t n;

	*none = 0;
	if ((ranges = piece_ranges(a, raw, raw == PIECE_RAW ? "ts_ms" : "hour")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((*none = ranges[0] == '\0')) {
		free(ranges);
		return NULL;
	}
	report_filter_sql(a->q, raw == PIECE_RAW, filt, sizeof(filt), 1);
	n = strlen(ranges) + 1024;
	if ((sql = malloc(n)) == NULL) {
		free(ranges);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (raw == PIECE_RAW)
		snprintf(sql, n, "SELECT " PIECE_COLS ", ts_ms FROM usage WHERE (%s)%s", ranges, filt);
	else      /* (rollup_hq has rollup_hm's columns) */
		snprintf(sql, n, "SELECT hour, model, flags, %s, requests, input, write_5m, write_1h,"
		    " cache_read, output, compressed_tokens, max_tokens_stops, reasoning, web_search,"
		    " code_exec, %s FROM %s WHERE (%s)%s", kh == RK_FULL ?
		    "CASE WHEN tier <> '' THEN 1 ELSE 0 END" : "routed", raw == PIECE_PART ? "part" :
		    "0", raw == PIECE_PART ? "rollup_hq" : report_rollup_table(kh), ranges, filt);
	st = store_prepare(s, sql, "report", err, errlen);
	free(sql);
	free(ranges);
	if (st != NULL)
		report_filter_bind(a, raw == PIECE_RAW, st, 1);
	return st;
}

/* One row of a pieces statement: its piece, model entry, flags, routed and
 * sums. 1 to add it, 0 to pass it by (another model, a pruned cell), -1 on
 * out of memory or a row outside every piece (err). */
static int
piece_row(struct agg *a, struct db_stmt *st, int raw, struct usage *u, int *pi,
          struct model_ent **e, int *bits, int *routed, int64_t *v, char *err, size_t errlen)
{
	int i;

	if (raw == PIECE_RAW) {
		read_piece_row(st, u, v);
		*pi = piece_of(a, raw, db_column_int64(st, 17), 0);
		*bits = store_row_flags(u);
		*routed = u->tier[0] != '\0';
	} else {
		if (db_column_int64(st, 4) == 0)
			return 0;   /* nothing left in the cell (pruned lazily) */
		usage_strlcpy(u->model, db_column_text(st, 1), sizeof(u->model));
		*pi = piece_of(a, raw, db_column_int64(st, 0), db_column_int64(st, 15));
		*bits = (int)db_column_int64(st, 2);
		*routed = db_column_int64(st, 3) != 0;
		for (i = 0; i < GROUPSUM_N; i++)
			v[i] = db_column_int64(st, 4 + i);
		if (provider_at(ROLLUP_PROVIDER(*bits)) == NULL) {
			snprintf(err, errlen, "a rollup cell names provider %d, which this tokentop"
			    " does not know", ROLLUP_PROVIDER(*bits));
			return -1;
		}
	}
	if (*pi < 0) {
		snprintf(err, errlen, "report: a row outside the pieces read");
		return -1;
	}
	*e = report_model_ent(a, u->model, raw == PIECE_RAW ? provider_of(u)->id :
	    ROLLUP_PROVIDER(*bits));
	if (*e == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return (*e)->match && !(*e)->raw;
}

/* The rows of the block's pieces of kind raw added to a->pgs, each to its
 * piece (its index as the unit); *none when there is none of the kind. 0,
 * or -1 + err. */
int
report_piece_rows(struct store *s, struct agg *a, enum rollup_kind kh, int raw, int *none,
                  char *err, size_t errlen)
{
	struct model_ent *e;
	struct db_stmt *st;
	struct usage u;
	int64_t v[GROUPSUM_N];
	int rc, r, pi, bits, routed;

	memset(&u, 0, sizeof(u));
	if ((st = pieces_stmt(s, a, kh, raw, none, err, errlen)) == NULL)
		return *none ? 0 : -1;
	while ((rc = db_step(st)) == DB_ROW) {
		r = piece_row(a, st, raw, &u, &pi, &e, &bits, &routed, v, err, errlen);
		if (r > 0 && report_group_add(s, &a->pgs, pi, e->model, "", bits, routed, v, 0, err,
		    errlen) != 0)
			r = -1;
		if (r < 0) {
			db_finalize(st);
			return -1;
		}
	}
	return report_read_end(s, st, rc, err, errlen);
}

/* Every piece of the block (a->sp) read and moved: see above. 0, or -1 + err. */
static int
read_pieces_at_once(struct store *s, struct agg *a, enum rollup_kind kh, char *err,
                    size_t errlen)
{
	int raw, none;

	groupsum_reset(&a->pgs);
	for (raw = PIECE_HOURS; raw <= PIECE_PART; raw++)
		if (report_piece_rows(s, a, kh, raw, &none, err, errlen) != 0)
			return -1;
	return report_fold_piece(s, a, NULL, err, errlen);
}

/* Day cells by period key (shift_split) when the report is by local day,
 * week or month and prices are undated (a moved piece is priced with the
 * period it joins). */
static int
shifting(const struct agg *a)
{
	enum report_group g = a->q->group;

	return (g == REPORT_DAY || g == REPORT_WEEK || g == REPORT_MONTH) &&
	    !pricing_has_dates(a->p);
}

/* Is unit u of day kind kd (a UTC day, or an offset day) split between
 * two local periods? */
static int
unit_split(struct agg *a, enum rollup_kind kd, int64_t u)
{
	int64_t h0, h1;
	char k[32];

	report_unit_hours(kd, u, &h0, &h1);
	return report_unit_split(a, h0, h1, k, sizeof(k));
}

/* The units of kind kd in [*u0, *u1) that hold cells: [*u0, *u1) narrowed
 * to them (empty when none). 0, or -1 + err. */
int
report_cell_span(struct store *s, struct agg *a, enum rollup_kind kd, int64_t *u0, int64_t *u1,
                 char *err, size_t errlen)
{
	const char *t = report_rollup_table(kd);
	char sql[320], off[32] = "";
	struct db_stmt *st;
	int rc;

	if (kd == RK_DO)
		snprintf(off, sizeof(off), "off = %d AND ", a->off);
	/* two subqueries: each one seek (min and max together would scan) */
	snprintf(sql, sizeof(sql), "SELECT (SELECT min(hour) FROM %s WHERE %shour >= ?1 AND"
	    " hour < ?2), (SELECT max(hour) FROM %s WHERE %shour >= ?1 AND hour < ?2)", t, off, t,
	    off);
	if ((st = store_prepare(s, sql, "report", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, *u0);
	db_bind_int64(st, 2, *u1);
	if ((rc = db_step(st)) == DB_ROW && db_column_type(st, 0) != DB_T_NULL) {
		*u0 = db_column_int64(st, 0);
		*u1 = db_column_int64(st, 1) + 1;
	} else if (rc == DB_ROW) {
		*u1 = *u0;       /* none */
	}
	db_finalize(st);
	return rc == DB_ROW ? 0 : store_sqlerr(s, "report", err, errlen);
}

/* Piece pc (its hours from kh), out of one period's groups and into
 * another's. 0, or -1 + err. */
static int
read_piece(struct store *s, struct agg *a, enum rollup_kind kh, const struct shift_piece *pc,
           char *err, size_t errlen)
{
	if (pc->raw == PIECE_RAW)
		return read_raw_piece(s, a, pc, err, errlen);
	if (pc->raw == PIECE_HOURS)
		return report_read_rollup(s, a, kh, pc->h0, pc->h1, pc, err, errlen);
	a->part = (int)pc->h1;
	return report_read_rollup(s, a, RK_HQ, pc->h0, pc->h0 + 1, pc, err, errlen);
}

/* Units [u0, u1) of day kind kd (UTC days, or offset days: a unit is then
 * its first hour, step 24), by period key, a block at a time: each cell to
 * its period (or the one holding most of it), then the pieces moved by the
 * hour (kh), then every group of the block priced. 0, or -1 + err. */
int
report_read_shifted(struct store *s, struct agg *a, enum rollup_kind kd, enum rollup_kind kh,
                    int64_t u0, int64_t u1, int force, char *err, size_t errlen)
{
	int64_t step = kd == RK_DO ? 24 : 1, b, e, p;
	size_t i;
	int rc;

	if (report_cell_span(s, a, kd, &u0, &u1, err, errlen) != 0)
		return -1;
	a->parts = kh == RK_HM;      /* rollup_hq has rollup_hm's columns */
	/* where local midnights are the cells' (UTC, London in winter, Seoul
	 * from offset days, New York from hour 5 in winter) nothing moves:
	 * three cells of a block decide (a wrong guess costs time, never
	 * exactness: a split cell read as it is is read again, moved), and
	 * such blocks in a row [p, b) are read as one; force: moved all the
	 * same */
	for (rc = 0, b = p = u0; b < u1 && rc == 0; b = e) {
		e = u1 - b > REPORT_SHIFT_BLOCK * step ? b + REPORT_SHIFT_BLOCK * step : u1;
		if (!force && !unit_split(a, kd, b) && !unit_split(a, kd, b + (e - b) / step / 2 *
		    step) && !unit_split(a, kd, e - step))
			continue;
		if (p < b && (rc = report_read_rollup(s, a, kd, p, b, NULL, err, errlen)) != 0)
			break;
		p = e;
		groupsum_reset(&a->gs);
		a->nsk = a->nsp = 0;
		a->split_h0 = INT64_MIN;
		a->shift = 1;
		rc = report_read_rollup(s, a, kd, b, e, NULL, err, errlen);
		a->shift = 0;
		/* a server a round trip away: the hours, quarter parts and raw
		 * parts of a block in three statements */
		if (rc == 0 && a->nsp > 0 && s->db->drv->round_trip)
			rc = read_pieces_at_once(s, a, kh, err, errlen);
		else
			for (i = 0; rc == 0 && i < a->nsp; i++)
				rc = read_piece(s, a, kh, &a->sp[i], err, errlen);
		a->shift = 1;
		if (rc == 0)
			rc = report_add_groups(s, a, kd, err, errlen);
		a->shift = 0;
	}
	if (rc == 0 && p < u1)
		rc = report_read_rollup(s, a, kd, p, u1, NULL, err, errlen);
	return rc;
}

/* Hours [h0, h1), each split by a local midnight, of a query whose hours
 * rollup_hm answers (hm): moved in part as a day cell is, the first
 * quarters of an hour from rollup_hq (a few cells, not the hour's rows).
 * 1 when not so (then the raw rows answer); 0, or -1 + err. */
int
report_read_split_hours(struct store *s, struct agg *a, int hm, int64_t h0, int64_t h1,
                        char *err, size_t errlen)
{
	if (!hm || !shifting(a))
		return 1;
	return report_read_shifted(s, a, RK_HM, RK_HM, h0, h1, 1, err, errlen);
}

/* UTC months [m0, m1) of month kind km: in a zone whose months do not start
 * at UTC midnight, each month cell goes to the local month holding most of
 * it and the hours of its other part (New York: its first five) are moved
 * from rollup_hm (rollup_hour for rollup_mx's tags and sources), a few
 * hundred cells a year, not a year of day cells. */
int
report_read_months(struct store *s, struct agg *a, enum rollup_kind km, int64_t m0, int64_t m1,
                   char *err, size_t errlen)
{
	if (!shifting(a))
		return report_read_rollup(s, a, km, m0, m1, NULL, err, errlen);
	return report_read_shifted(s, a, km, km == RK_MX ? RK_FULL : RK_HM, m0, m1, 0, err, errlen);
}

/* UTC days [d0, d1) from day kind kd: shifted (from offset days where the
 * day table is rollup_dm's), or split days by the hour. */
int
report_read_dayunits(struct store *s, struct agg *a, enum rollup_kind kd, int64_t d0, int64_t d1,
              char *err, size_t errlen)
{
	int rc;

	if (!shifting(a))
		return report_read_rollup(s, a, kd, d0, d1, NULL, err, errlen);
	if (kd == RK_DAY && (rc = report_read_offset_days(s, a, d0, d1, err, errlen)) != 1)
		return rc;
	return report_read_shifted(s, a, kd, kd == RK_DH ? RK_HH :
	    report_needs_full(a->q) ? RK_FULL : RK_HM, d0, d1, 0, err, errlen);
}
