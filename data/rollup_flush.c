/* rollup_flush.c — writing a transaction's pending rollup cells (rollup.c):
 * rollup_hour and rollup_batch cell by cell, the collapsed tables (hour,
 * day, month, lifetime × model and one more column; local days and quarter
 * hours, rollup_local.c) grouped in memory first, host_seen; upserts, then
 * the prunes of cells whose request count fell to 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/num.h"
#include "data/rollup_local.h"
#include "data/rollup_int.h"

/* Step a bound statement that returns no row: 0, or -1 + err. */
static int
step_done(struct store *s, struct db_stmt *st, char *err, size_t errlen)
{
	int rc = db_step(st);

	db_reset(st);
	if (rc != DB_DONE)
		return store_sqlerr(s, "rollup", err, errlen);
	return 0;
}

/* Bind cell c's key and sums sum to statement id's parameters from ?(b+1)
 * on (rollup_hour's or rollup_batch's upsert, or rollup_hour's prune). */
static int
bind_cell(struct db_stmt *st, enum store_stmt_id id, int b, const struct cell *c,
          const int64_t *sum)
{
	int k = b + 1, i;

	if (id == SQ_BATCH_ROLLUP_ADD) {
		store_bind_text(st, k++, c->id);
		store_bind_text(st, k++, c->model);
		db_bind_int64(st, k++, c->flags);
		for (i = 0; i < 6; i++)     /* requests and the five token kinds */
			db_bind_int64(st, k++, sum[i]);
		db_bind_int64(st, k++, sum[9]);   /* web searches */
	} else {
		db_bind_int64(st, k++, c->hour);
		store_bind_text(st, k++, c->model);
		store_bind_text(st, k++, c->id);
		store_bind_text(st, k++, c->tag);
		store_bind_text(st, k++, c->tier);
		db_bind_int64(st, k++, c->flags);
		for (i = 0; id == SQ_ROLLUP_ADD && i < NSUM; i++)
			db_bind_int64(st, k++, sum[i]);
	}
	return k - b - 1;       /* parameters bound */
}

/* Step statement id for cell c (bind_cell). */
static int
write_cell(struct store *s, enum store_stmt_id id, const struct cell *c, char *err,
           size_t errlen)
{
	struct db_stmt *st = store_stmt(s, id, err, errlen);

	if (st == NULL)
		return -1;
	bind_cell(st, id, 0, c, c->sum);
	return step_done(s, st, err, errlen);
}

/* The collapsed tables: each pending hour cell's sums go to one cell of
 * each, grouped in memory first so a cell is written once per flush. */
enum { C_HM, C_DM, C_DT, C_DS, C_LT, C_HP, C_HK, C_DH, C_HH, C_MM, C_MX, C_DO, C_HQ, NCOLL };

static const enum store_stmt_id coll_add[NCOLL] = { SQ_HM_ADD, SQ_DM_ADD, SQ_DT_ADD, SQ_DS_ADD,
	SQ_LT_ADD, SQ_HP_ADD, SQ_HK_ADD, SQ_DH_ADD, SQ_HH_ADD, SQ_MM_ADD, SQ_MX_ADD, SQ_DO_ADD,
	SQ_HQ_ADD };
static const enum store_stmt_id coll_prune[NCOLL] = { SQ_HM_PRUNE, SQ_DM_PRUNE, SQ_DT_PRUNE,
	SQ_DS_PRUNE, SQ_LT_PRUNE, SQ_HP_PRUNE, SQ_HK_PRUNE, SQ_DH_PRUNE, SQ_HH_PRUNE, SQ_MM_PRUNE,
	SQ_MX_PRUNE, SQ_DO_PRUNE, SQ_HQ_PRUNE };
/* Every table the flush writes, by the statements above and write_cell's:
 * a new ledger's first flush may insert into them only while all are empty. */
static const char *const flush_tables[] = { "rollup_hour", "rollup_batch", "rollup_hm",
	"rollup_dm", "rollup_dt", "rollup_ds", "rollup_lt", "rollup_hp", "rollup_hk", "rollup_dh",
	"rollup_hh", "rollup_mm", "rollup_mx", "rollup_do", "rollup_hq" };
_Static_assert(sizeof(flush_tables) / sizeof(flush_tables[0]) == NCOLL + 2,
    "flush_tables: rollup_hour, rollup_batch and each collapsed table");

int
store_rollup_empty(struct store *s, char *err, size_t errlen)
{
	char sql[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(flush_tables) / sizeof(flush_tables[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT 1 FROM %s LIMIT 1", flush_tables[i]);
		if ((rc = store_any_row(s, sql, "rollup rows", err, errlen)) != 0)
			return rc < 0 ? -1 : 0;
	}
	return 1;
}

#define LT_SEP '\x1f'     /* a collapsed cell's g: "SOURCE\x1fTAG" (month × source × tag),
                            "SOURCE\x1fTAG\x1fHOST" (lifetime), "SOURCE\x1fHOST" (day ×
                            source); sources and hosts hold none (text_sanitize) */

/* A collapsed cell's key parts, bound (not copied) until the statement's
 * step: the caller keeps them. */
struct coll_key {
	char source[GROUPSUM_G_MAX], tag[GROUPSUM_G_MAX];
};

/* Bind collapsed cell c to statement id's parameters from ?(b+1) on (an
 * upsert, or a prune: add 0), its key parts split into *key. */
static int
bind_coll(struct db_stmt *st, enum store_stmt_id id, int b, int add,
          const struct groupsum_cell *c, struct coll_key *key)
{
	char *source = key->source, *tag = key->tag;
	const char *host = "", *last;
	size_t n;
	int k = b + 1, i;

	/* sources and hosts hold no LT_SEP: the first one ends the source;
	 * in a lifetime cell the last one starts the host (a tag between) */
	n = strcspn(c->g, (const char[]){ LT_SEP, '\0' });
	memcpy(source, c->g, n);
	source[n] = '\0';
	usage_strlcpy(tag, c->g[n] != '\0' ? c->g + n + 1 : "", sizeof(key->tag));
	if ((id == SQ_LT_ADD || id == SQ_LT_PRUNE) && (last = strrchr(c->g, LT_SEP)) != NULL &&
	    last != c->g + n) {
		host = last + 1;
		tag[last - (c->g + n + 1)] = '\0';
	} else if (id == SQ_DS_ADD || id == SQ_DS_PRUNE) {
		host = tag;
	}
	if (id == SQ_LT_ADD || id == SQ_LT_PRUNE) {   /* model, source, tag, flags, routed, host */
		store_bind_text(st, k++, c->model);
		store_bind_text(st, k++, source);
		store_bind_text(st, k++, tag);
		db_bind_int64(st, k++, c->flags);
		db_bind_int64(st, k++, c->routed);
		store_bind_text(st, k++, host);
		for (i = 0; add && i < NSUM; i++)
			db_bind_int64(st, k++, c->sum[i]);
		return k - b - 1;
	}
	if (id == SQ_DO_ADD || id == SQ_DO_PRUNE)     /* off: the first hour's, of the day */
		db_bind_int64(st, k++, (c->unit % 24 + 24) % 24 +
		    24 * rollup_local_quarters(c->g));     /* (+ 24 q: q quarters into it) */
	if (id == SQ_HQ_ADD || id == SQ_HQ_PRUNE) {   /* unit: hour × 4 + part */
		db_bind_int64(st, k++, rollup_floor_div(c->unit, 4));
		db_bind_int64(st, k++, c->unit - rollup_floor_div(c->unit, 4) * 4);
	} else {
		db_bind_int64(st, k++, c->unit);
	}
	store_bind_text(st, k++, c->model);
	if (id == SQ_MX_ADD || id == SQ_MX_PRUNE) {   /* source, tag */
		store_bind_text(st, k++, source);
		store_bind_text(st, k++, tag);
	} else if (id == SQ_DS_ADD || id == SQ_DS_PRUNE) {   /* source, host */
		store_bind_text(st, k++, source);
		store_bind_text(st, k++, host);
	} else if (id != SQ_HM_ADD && id != SQ_HM_PRUNE && id != SQ_DM_ADD &&
	    id != SQ_DM_PRUNE && id != SQ_MM_ADD && id != SQ_MM_PRUNE && id != SQ_DO_ADD &&
	    id != SQ_DO_PRUNE && id != SQ_HQ_ADD && id != SQ_HQ_PRUNE) {
		store_bind_text(st, k++, c->g);     /* tag, source, project, key or host */
	}
	db_bind_int64(st, k++, c->flags);
	db_bind_int64(st, k++, c->routed);
	for (i = 0; add && i < NSUM; i++)
		db_bind_int64(st, k++, c->sum[i]);
	if (id == SQ_DO_ADD)
		db_bind_int64(st, k++, ROLLUP_DO_GEN);
	return k - b - 1;
}

/* Step statement id for collapsed cell c (bind_coll). */
static int
write_coll(struct store *s, enum store_stmt_id id, int add, const struct groupsum_cell *c,
           char *err, size_t errlen)
{
	struct db_stmt *st = store_stmt(s, id, err, errlen);
	struct coll_key key;

	if (st == NULL)
		return -1;
	bind_coll(st, id, 0, add, c, &key);
	return step_done(s, st, err, errlen);
}

static int
nonzero(const int64_t *sum)
{
	int k;

	for (k = 0; k < NSUM; k++)
		if (sum[k] != 0)
			return 1;
	return 0;
}

/* Pending cell parts' into hm cell at's (p->hmpart grown, zeroed, to hold
 * it). 0, -1 out of memory, or GROUPSUM_OVERFLOW. */
static int
add_parts(struct rollup_pending *p, size_t at, const cell_parts part)
{
	int64_t (*v)[3][NSUM];
	size_t nc, q, k;

	if (at >= p->hmpcap) {
		nc = p->hmpcap ? p->hmpcap * 2 : 256;
		while (nc <= at)
			nc *= 2;
		if ((v = realloc(p->hmpart, nc * sizeof(*v))) == NULL)
			return -1;
		memset(v + p->hmpcap, 0, (nc - p->hmpcap) * sizeof(*v));
		p->hmpart = v;
		p->hmpcap = nc;
	}
	if (at >= p->hmpused)
		p->hmpused = at + 1;
	for (q = 0; q < 3; q++)
		for (k = 0; k < NSUM; k++)
			if (__builtin_add_overflow(p->hmpart[at][q][k], part[q][k],
			    &p->hmpart[at][q][k]))
				return GROUPSUM_OVERFLOW;
	return 0;
}

/* The pending hour cells summed into the collapsed tables' cells (rollup_do's
 * day starts: the driver's do_step and do_part): 0, or groupsum_add's
 * failure. */
static int
collapse(struct rollup_pending *p, struct groupsum *coll, const struct db_driver *drv)
{
	const struct cell *c;
	char lt[sizeof(coll[0].cells[0].g)];
	int64_t day, month;
	size_t i, at;
	int routed, rc;

	if (p->hmpused > 0)        /* parts left by a flush that failed too */
		memset(p->hmpart, 0, p->hmpused * sizeof(*p->hmpart));
	p->hmpused = 0;
	for (i = 0; i < NCOLL; i++)
		groupsum_reset(&coll[i]);
	for (i = 0; i < p->n; i++) {
		c = &p->cells[i];
		/* (a row moved within its hour by a copy that replaced it
		 * changes the parts alone) */
		if (c->kind != CELL_HOUR || (!nonzero(c->sum) && !nonzero(p->parts[i][0]) &&
		    !nonzero(p->parts[i][1]) && !nonzero(p->parts[i][2])))
			continue;
		day = rollup_floor_div(c->hour, 24);
		routed = c->tier[0] != '\0';
		if ((rc = groupsum_add_at(&coll[C_HM], c->hour, c->model, "", c->flags, routed,
		    c->sum, &at)) != 0 || (rc = add_parts(p, at, p->parts[i])) != 0 ||
		    (rc = groupsum_add(&coll[C_DM], day, c->model, "", c->flags, routed,
		    c->sum)) != 0 ||
		    (rc = groupsum_add(&coll[C_DT], day, c->model, c->tag, c->flags, routed,
		    c->sum)) != 0 ||
		    (rc = groupsum_add(&coll[C_HP], c->hour, c->model, c->project, c->flags, routed,
		    c->sum)) != 0 ||
		    (rc = groupsum_add(&coll[C_HK], c->hour, c->model, c->key_fp, c->flags, routed,
		    c->sum)) != 0 ||
		    (rc = groupsum_add(&coll[C_DH], day, c->model, c->host, c->flags, routed,
		    c->sum)) != 0 ||
		    (rc = groupsum_add(&coll[C_HH], c->hour, c->model, c->host, c->flags, routed,
		    c->sum)) != 0)
			return rc;
		month = store_month_of_day(day);
		snprintf(lt, sizeof(lt), "%s%c%s", c->id, LT_SEP, c->host);
		if ((rc = groupsum_add(&coll[C_DS], day, c->model, lt, c->flags, routed,
		    c->sum)) != 0)
			return rc;
		snprintf(lt, sizeof(lt), "%s%c%s", c->id, LT_SEP, c->tag);
		if ((rc = groupsum_add(&coll[C_MX], month, c->model, lt, c->flags, routed,
		    c->sum)) != 0)
			return rc;
		snprintf(lt, sizeof(lt), "%s%c%s%c%s", c->id, LT_SEP, c->tag, LT_SEP, c->host);
		if ((rc = groupsum_add(&coll[C_LT], 0, c->model, lt, c->flags, routed, c->sum)) != 0 ||
		    (rc = groupsum_add(&coll[C_MM], month, c->model, "", c->flags, routed,
		    c->sum)) != 0)
			return rc;
	}
	if ((rc = rollup_local_parts(&coll[C_HM], p->hmpart, &coll[C_HQ])) != 0)
		return rc;
	return rollup_local_days(&coll[C_HM], p->hmpart, &coll[C_DM], drv->do_step, drv->do_part,
	    &coll[C_DO]);
}

/* Orders of the rollup tables' keys: where writers lock rows, concurrent
 * flushes take their locks in one global order and never deadlock. */
static int
cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

#define CELL(x) (*(const struct cell *const *)(x))

/* rollup_hour's key, then rollup_batch's (a batch cell after every hour cell) */
static int
cmp_cell(const void *x, const void *y)
{
	const struct cell *a = CELL(x), *b = CELL(y);
	int r;

	if ((r = cmp_i64(a->kind, b->kind)) != 0)
		return r;
	if (a->kind == CELL_BATCH) {
		if ((r = strcmp(a->id, b->id)) != 0 || (r = strcmp(a->model, b->model)) != 0)
			return r;
		return cmp_i64(a->flags, b->flags);
	}
	if ((r = cmp_i64(a->hour, b->hour)) != 0 || (r = strcmp(a->model, b->model)) != 0 ||
	    (r = strcmp(a->id, b->id)) != 0 || (r = strcmp(a->tag, b->tag)) != 0 ||
	    (r = strcmp(a->tier, b->tier)) != 0 || (r = cmp_i64(a->flags, b->flags)) != 0 ||
	    (r = strcmp(a->project, b->project)) != 0 || (r = strcmp(a->key_fp, b->key_fp)) != 0)
		return r;
	return strcmp(a->host, b->host);
}

static int
cmp_coll(const void *x, const void *y)
{
	const struct groupsum_cell *a = x, *b = y;
	int r;

	if ((r = cmp_i64(a->unit, b->unit)) != 0 || (r = strcmp(a->model, b->model)) != 0 ||
	    (r = strcmp(a->g, b->g)) != 0 || (r = cmp_i64(a->flags, b->flags)) != 0)
		return r;
	return cmp_i64(a->routed, b->routed);
}

/* The pending cells worth writing into p->order, and the collapsed ones in
 * place (their groupsum is not added to again before its reset), in key
 * order when sort; 0, or -1 out of memory. */
static int
order_cells(struct rollup_pending *p, int sort, size_t *m)
{
	size_t i;

	if (p->ocap < p->n) {
		const struct cell **o = realloc(p->order, p->n * sizeof(*o));

		if (o == NULL)
			return -1;
		p->order = o;
		p->ocap = p->n;
	}
	for (i = *m = 0; i < p->n; i++)
		if (nonzero(p->cells[i].sum))
			p->order[(*m)++] = &p->cells[i];
	if (!sort)
		return 0;
	qsort(p->order, *m, sizeof(*p->order), cmp_cell);
	for (i = 0; i < NCOLL; i++)
		if (p->coll[i].n > 1)
			qsort(p->coll[i].cells, p->coll[i].n, sizeof(*p->coll[i].cells), cmp_coll);
	return 0;
}

static int
cmp_host(const void *x, const void *y)
{
	return strcmp(((const struct host_delta *)x)->host, ((const struct host_delta *)y)->host);
}

/* The hour cells' deltas per host into p->hosts (by host when sort): the
 * requests added and the latest row's time. 0, or -1 out of memory. */
static int
host_deltas(struct rollup_pending *p, size_t m, int sort)
{
	struct host_delta *h;
	const struct cell *c;
	size_t i, j;

	p->nhosts = 0;
	for (i = 0; i < m; i++) {
		if ((c = p->order[i])->kind != CELL_HOUR)
			continue;
		for (j = 0; j < p->nhosts && strcmp(p->hosts[j].host, c->host) != 0; j++)
			;
		if (j == p->nhosts) {
			if (p->nhosts == p->hcap) {
				size_t nc = p->hcap ? p->hcap * 2 : 8;

				if ((h = realloc(p->hosts, nc * sizeof(*h))) == NULL)
					return -1;
				p->hosts = h;
				p->hcap = nc;
			}
			p->hosts[j].host = c->host;
			p->hosts[j].last_ms = INT64_MIN;
			p->hosts[j].requests = 0;
			p->nhosts++;
		}
		p->hosts[j].requests += c->sum[0];    /* a cell's count: no overflow in sum */
		if (c->last_ms > p->hosts[j].last_ms)
			p->hosts[j].last_ms = c->last_ms;
	}
	if (sort && p->nhosts > 1)
		qsort(p->hosts, p->nhosts, sizeof(*p->hosts), cmp_host);
	return 0;
}

/* host_seen's upsert for every host of the flush (the latest time wins,
 * counts add up: one statement each, in the writing transaction). */
static int
write_hosts(struct store *s, const struct rollup_pending *p, char *err, size_t errlen)
{
	struct db_stmt *st;
	size_t i;

	for (i = 0; i < p->nhosts; i++) {
		if ((st = store_stmt(s, SQ_HOST_SEEN, err, errlen)) == NULL)
			return -1;
		store_bind_text(st, 1, p->hosts[i].host);
		db_bind_int64(st, 2, p->hosts[i].last_ms);
		db_bind_int64(st, 3, p->hosts[i].requests);
		if (step_done(s, st, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* A table row's worth of pending cells: rollup_hour's key leaves out a
 * cell's project, key and host, so several cells can make one row. */
struct cell_run {
	const struct cell *c;          /* the first: the row's key */
	int64_t            sum[NSUM];  /* all of theirs */
};

/* Rows a table takes before its plain multi-row INSERT is worth preparing
 * (~2M instructions for STORE_ROWS rows; ~5k a row saved against one
 * upsert a row: callgrind, a new ledger's flush) */
#define PLAIN_MIN 384

/* A multi-row statement keeps its bindings (store_stmt_rows): one row's
 * parameters not all bound would take the last statement's. */
static int
unbound(enum store_stmt_id id, int params, char *err, size_t errlen)
{
	snprintf(err, errlen, "rollup: statement %d: a row binds other than %d parameters",
	    (int)id, params);
	return -1;
}

/* Runs v[0..n) by statement id (bind_cell) into a table that holds none of
 * them: STORE_ROWS a plain multi-row INSERT (PLAIN_MIN rows or more), the
 * rest one upsert each. 0, or -1 + err. */
static int
insert_cells(struct store *s, enum store_stmt_id id, const struct cell_run *v, size_t n,
             char *err, size_t errlen)
{
	struct db_stmt *st;
	size_t i;
	int r, params;

	for (i = 0; n >= PLAIN_MIN && i + STORE_ROWS <= n; i += STORE_ROWS) {
		if ((st = store_stmt_plain_rows(s, id, &params, err, errlen)) == NULL)
			return -1;
		for (r = 0; r < STORE_ROWS; r++)
			if (bind_cell(st, id, r * params, v[i + r].c, v[i + r].sum) != params)
				return unbound(id, params, err, errlen);
		if (step_done(s, st, err, errlen) != 0)
			return -1;
	}
	for (; i < n; i++) {
		if ((st = store_stmt(s, id, err, errlen)) == NULL)
			return -1;
		bind_cell(st, id, 0, v[i].c, v[i].sum);
		if (step_done(s, st, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Do a and b make the same row of their table (rollup_hour's key, or
 * rollup_batch's)? */
static int
same_row(const struct cell *a, const struct cell *b)
{
	return a->kind == b->kind && a->hour == b->hour && a->flags == b->flags &&
	    strcmp(a->model, b->model) == 0 && strcmp(a->id, b->id) == 0 &&
	    (a->kind == CELL_BATCH || (strcmp(a->tag, b->tag) == 0 &&
	    strcmp(a->tier, b->tier) == 0));
}

/* The sorted pending cells o[0..m) of one kind as rows: runs of cells of
 * one row summed into v, those an upsert and prune would leave (a batch
 * row: any sum set; an hour row: requests not 0). Their count. */
static size_t
cell_rows(const struct cell *const *o, size_t m, int kind, struct cell_run *v)
{
	size_t i, j, n = 0;
	int k;

	for (i = 0; i < m; i = j) {
		v[n].c = o[i];
		memcpy(v[n].sum, o[i]->sum, sizeof(v[n].sum));
		for (j = i + 1; j < m && same_row(o[i], o[j]); j++)
			for (k = 0; k < NSUM; k++)     /* the ledger's sums: no overflow */
				v[n].sum[k] += o[j]->sum[k];
		if (o[i]->kind == kind && nonzero(v[n].sum) &&
		    (kind == CELL_BATCH || v[n].sum[0] != 0))
			n++;
	}
	return n;
}

/* The same for collapsed cells w[0..n) (bind_coll). */
static int
insert_colls(struct store *s, enum store_stmt_id id, const struct groupsum_cell *const *w,
             size_t n, char *err, size_t errlen)
{
	struct coll_key keys[STORE_ROWS];
	struct db_stmt *st;
	size_t i;
	int r, params;

	for (i = 0; n >= PLAIN_MIN && i + STORE_ROWS <= n; i += STORE_ROWS) {
		if ((st = store_stmt_plain_rows(s, id, &params, err, errlen)) == NULL)
			return -1;
		for (r = 0; r < STORE_ROWS; r++)
			if (bind_coll(st, id, r * params, 1, w[i + r], &keys[r]) != params)
				return unbound(id, params, err, errlen);
		if (step_done(s, st, err, errlen) != 0)
			return -1;
	}
	for (; i < n; i++)
		if (write_coll(s, id, 1, w[i], err, errlen) != 0)
			return -1;
	return 0;
}

/*
 * A flush into rollup tables known empty (s->rollup_virgin): each cell the
 * upserts and prunes would leave, inserted. That is every nonzero batch
 * cell, and every nonzero hour or collapsed cell but those with 0 requests
 * (a prune's). The first flush of an import into a new ledger (for a tree
 * of under PENDING_CAP hour cells, its only one). 0, or -1 + err.
 */
static int
write_virgin(struct store *s, struct rollup_pending *p, size_t m, char *err, size_t errlen)
{
	const struct groupsum_cell **w = NULL;
	struct cell_run *v = NULL;
	size_t i, t, n, most = m;
	int kind, rc = 0;

	for (t = 0; t < NCOLL; t++)
		if (p->coll[t].n > most)
			most = p->coll[t].n;
	if ((v = malloc((m + 1) * sizeof(*v))) == NULL ||
	    (w = malloc((most + 1) * sizeof(*w))) == NULL) {
		free(v);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (m > 1)        /* one row's cells side by side (order_cells sorts only for row locks) */
		qsort(p->order, m, sizeof(*p->order), cmp_cell);
	for (kind = CELL_HOUR; kind <= CELL_BATCH && rc == 0; kind++) {
		n = cell_rows(p->order, m, kind, v);
		rc = insert_cells(s, kind == CELL_BATCH ? SQ_BATCH_ROLLUP_ADD : SQ_ROLLUP_ADD, v, n,
		    err, errlen);
	}
	for (t = 0; t < NCOLL && rc == 0; t++) {
		for (i = n = 0; i < p->coll[t].n; i++)
			if (nonzero(p->coll[t].cells[i].sum) && p->coll[t].cells[i].sum[0] != 0)
				w[n++] = &p->coll[t].cells[i];
		rc = insert_colls(s, coll_add[t], w, n, err, errlen);
	}
	if (rc == 0)
		rc = write_hosts(s, p, err, errlen);
	free(v);
	free(w);
	return rc;
}

/* The upserts, then, once every delta is in, the prunes of cells whose
 * request count may have fallen to 0. 0, or -1 + err. */
static int
write_deltas(struct store *s, struct rollup_pending *p, size_t m, char *err, size_t errlen)
{
	const struct groupsum_cell *g;
	const struct cell *c;
	size_t i, t;
	int rc = 0;

	for (i = 0; i < m && rc == 0; i++) {
		c = p->order[i];
		rc = write_cell(s, c->kind == CELL_BATCH ? SQ_BATCH_ROLLUP_ADD : SQ_ROLLUP_ADD,
		    c, err, errlen);
	}
	for (t = 0; t < NCOLL; t++)
		for (i = 0; i < p->coll[t].n && rc == 0; i++)
			if (nonzero((g = &p->coll[t].cells[i])->sum))
				rc = write_coll(s, coll_add[t], 1, g, err, errlen);
	if (rc == 0)
		rc = write_hosts(s, p, err, errlen);
	for (i = 0; i < m && rc == 0; i++) {
		c = p->order[i];
		if (c->kind == CELL_HOUR && c->sum[0] <= 0)
			rc = write_cell(s, SQ_ROLLUP_PRUNE, c, err, errlen);
	}
	for (t = 0; t < NCOLL; t++)
		for (i = 0; i < p->coll[t].n && rc == 0; i++)
			if (nonzero((g = &p->coll[t].cells[i])->sum) && g->sum[0] <= 0)
				rc = write_coll(s, coll_prune[t], 0, g, err, errlen);
	return rc;
}

int
store_rollup_flush(struct store *s, char *err, size_t errlen)
{
	struct rollup_pending *p = s->pend;
	size_t m = 0;
	int rc = 0, virgin;

	/* rows waiting in bulk.c first: their deltas belong in this flush
	 * (unless bulk.c's own put is writing: the rest of them come later) */
	if (!s->in_op && !s->bulk_hold && store_bulk_flush(s, err, errlen) != 0)
		return -1;
	p = s->pend;
	if (p == NULL || p->n == 0)
		return 0;
	if (s->in_op) {
		snprintf(err, errlen, "rollup flush inside an operation");
		return -1;
	}
	if ((rc = collapse(p, p->coll, s->db->drv)) != 0) {
		snprintf(err, errlen, rc == GROUPSUM_OVERFLOW ?
		    "rollup: a token sum does not fit 64 bits" : "out of memory");
		rc = -1;
	}
	if (rc == 0 && (order_cells(p, s->db->drv->row_locks, &m) != 0 ||
	    host_deltas(p, m, s->db->drv->row_locks) != 0)) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	/* empty tables (a new ledger's first flush, no other writer since:
	 * data_version, once a transaction) take plain inserts */
	virgin = s->rollup_virgin && !s->db->drv->row_locks;
	if (rc == 0 && virgin && s->fresh_tx != s->tx_seq &&
	    store_bulk_fresh_check(s, err, errlen) != 0)
		rc = -1;
	virgin = virgin && s->rollup_virgin;
	s->rollup_virgin = 0;
	/* all of it one batch (one round trip to a server) */
	db_batch(s->db, 1);
	if (rc == 0)
		rc = virgin ? write_virgin(s, p, m, err, errlen) : write_deltas(s, p, m, err, errlen);
	if (db_batch(s->db, 0) != 0 && rc == 0)
		rc = store_sqlerr(s, "rollup", err, errlen);
	store_rollup_discard(s);
	return rc;
}
