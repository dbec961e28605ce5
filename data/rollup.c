/* rollup.c — rollup deltas of the open transaction, summed in memory and
 * written at commit (or when PENDING_CAP cells are waiting), so a bulk import
 * upserts each rollup cell once per flush instead of once per row.
 *
 * Each operation (store_op_begin .. store_op_end) journals what it added;
 * a failing operation takes its deltas back out, as ROLLBACK TO takes its
 * rows. Flushes happen only between operations, so a savepoint never holds
 * rollup writes of an earlier operation. Readers of the rollup tables call
 * store_rollup_flush first. A flush upserts (x = x + excluded.x), in one
 * batch (one round trip to a server), and where writers lock rows
 * (PostgreSQL) each table's cells in key order, so concurrent writers stay
 * exact without deadlocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/num.h"
#include "data/rollup_int.h"

/* Days since 1970-01-01 ↔ (year, month): H. Hinnant's civil calendar
 * algorithms (proleptic Gregorian, any int64 day of the ledger's range). */
int64_t
store_month_of_day(int64_t day)
{
	int64_t z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);

	return (y - 1970) * 12 + m - 1;
}

int64_t
store_month_first_day(int64_t month)
{
	int64_t y = rollup_floor_div(month, 12) + 1970, m = month - (y - 1970) * 12 + 1;
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* A cell's key as it stands in a row (or a pending cell): looked up
 * without copying its strings, which a new cell alone takes. Each string
 * fits its cell field (the fields are at least the row's sizes). */
struct cell_ref {
	int         kind, flags;
	int64_t     hour;
	const char *s[7];      /* model, id, tag, tier, project, key_fp, host */
};

#define FIELD(t, f) sizeof(((struct t *)0)->f)
_Static_assert(FIELD(cell, model) >= FIELD(usage, model) && FIELD(cell, id) >= FIELD(usage, source) &&
    FIELD(cell, id) >= FIELD(usage, batch_id) && FIELD(cell, tag) >= FIELD(usage, tag) &&
    FIELD(cell, tier) >= FIELD(usage, tier) && FIELD(cell, project) >= FIELD(usage, project) &&
    FIELD(cell, key_fp) >= FIELD(usage, key_fp) && FIELD(cell, host) >= FIELD(usage, host),
    "a cell's fields hold a row's strings whole: looked up by the row's own");

static void
ref_of(const struct cell *c, struct cell_ref *r)
{
	r->kind = c->kind;
	r->flags = c->flags;
	r->hour = c->hour;
	r->s[0] = c->model;
	r->s[1] = c->id;
	r->s[2] = c->tag;
	r->s[3] = c->tier;
	r->s[4] = c->project;
	r->s[5] = c->key_fp;
	r->s[6] = c->host;
}

static uint64_t
ref_hash(const struct cell_ref *r)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)r->hour ^ ((uint64_t)r->flags << 56) ^
	    (uint64_t)r->kind << 60;
	const char *p;
	size_t i;

	for (i = 0; i < 7; i++) {
		for (p = r->s[i]; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return h;
}

static int
ref_eq(const struct cell *a, const struct cell_ref *b)
{
	return a->kind == b->kind && a->hour == b->hour && a->flags == b->flags &&
	    strcmp(a->model, b->s[0]) == 0 && strcmp(a->id, b->s[1]) == 0 &&
	    strcmp(a->tag, b->s[2]) == 0 && strcmp(a->tier, b->s[3]) == 0 &&
	    strcmp(a->project, b->s[4]) == 0 && strcmp(a->key_fp, b->s[5]) == 0 &&
	    strcmp(a->host, b->s[6]) == 0;
}

static int
rehash(struct rollup_pending *p, size_t nslots)
{
	size_t *slots = calloc(nslots, sizeof(*slots)), i, j;
	struct cell_ref r;

	if (slots == NULL)
		return -1;
	for (i = 0; i < p->n; i++) {
		ref_of(&p->cells[i], &r);
		j = ref_hash(&r) & (nslots - 1);
		while (slots[j] != 0)
			j = (j + 1) & (nslots - 1);
		slots[j] = i + 1;
	}
	free(p->slots);
	p->slots = slots;
	p->nslots = nslots;
	return 0;
}

/* A new cell at c for key (its strings copied, its sums zero). */
static void
cell_init(struct cell *c, const struct cell_ref *key)
{
	memset(c, 0, sizeof(*c));
	c->kind = key->kind;
	c->flags = key->flags;
	c->hour = key->hour;
	usage_strlcpy(c->model, key->s[0], sizeof(c->model));
	usage_strlcpy(c->id, key->s[1], sizeof(c->id));
	usage_strlcpy(c->tag, key->s[2], sizeof(c->tag));
	usage_strlcpy(c->tier, key->s[3], sizeof(c->tier));
	usage_strlcpy(c->project, key->s[4], sizeof(c->project));
	usage_strlcpy(c->key_fp, key->s[5], sizeof(c->key_fp));
	usage_strlcpy(c->host, key->s[6], sizeof(c->host));
	c->last_ms = INT64_MIN;
}

/* Add sum to the cell keyed like key (created when new) and journal it;
 * last_ms: the row's time, qtr: its quarter of the hour (3: no parts).
 * 0, -1 out of memory, -2 when a sum would leave int64 (nothing added). */
static int
cell_add(struct rollup_pending *p, const struct cell_ref *key, int64_t last_ms, int qtr,
         const int64_t *sum)
{
	struct cell *c;
	struct undo *u;
	size_t j, i, k;
	int64_t t;
	int q;

	if (p->nslots < 2 * (p->n + 1) && rehash(p, p->nslots ? p->nslots * 2 : 256) != 0)
		return -1;
	j = ref_hash(key) & (p->nslots - 1);
	for (; p->slots[j] != 0; j = (j + 1) & (p->nslots - 1))
		if (ref_eq(&p->cells[p->slots[j] - 1], key))
			break;
	if (p->slots[j] == 0) {
		if (p->n == p->cap) {
			size_t nc = p->cap ? p->cap * 2 : 256;
			cell_parts *pa;

			if ((c = realloc(p->cells, nc * sizeof(*c))) == NULL)
				return -1;
			p->cells = c;
			if ((pa = realloc(p->parts, nc * sizeof(*pa))) == NULL)
				return -1;
			p->parts = pa;
			p->cap = nc;
		}
		cell_init(&p->cells[p->n], key);
		memset(p->parts[p->n], 0, sizeof(p->parts[0]));
		p->slots[j] = ++p->n;
	}
	i = p->slots[j] - 1;
	for (k = 0; k < NSUM; k++) {
		if (__builtin_add_overflow(p->cells[i].sum[k], sum[k], &t))
			return -2;
		for (q = qtr; q < 3; q++)
			if (__builtin_add_overflow(p->parts[i][q][k], sum[k], &t))
				return -2;
	}
	if (p->nj == p->jcap) {
		size_t nc = p->jcap ? p->jcap * 2 : 16;

		if ((u = realloc(p->journal, nc * sizeof(*u))) == NULL)
			return -1;
		p->journal = u;
		p->jcap = nc;
	}
	p->journal[p->nj].cell = i;
	p->journal[p->nj].last_ms = p->cells[i].last_ms;
	p->journal[p->nj].qtr = qtr;
	if (sum[0] > 0 && last_ms > p->cells[i].last_ms)
		p->cells[i].last_ms = last_ms;
	for (k = 0; k < NSUM; k++) {
		p->cells[i].sum[k] += sum[k];
		for (q = qtr; q < 3; q++)
			p->parts[i][q][k] += sum[k];
		p->journal[p->nj].sum[k] = sum[k];
	}
	p->nj++;
	return 0;
}

int
store_rollup_add(struct store *s, const struct usage *u, int sign, char *err, size_t errlen)
{
	struct cell_ref key;
	const int64_t v[NSUM] = { 1, u->tok.input, u->tok.write_5m, u->tok.write_1h,
	    u->tok.cache_read, u->tok.output, u->compressed_tokens,
	    strcmp(u->stop_reason, "max_tokens") == 0, u->reasoning_tokens,
	    u->web_search_requests, u->code_execution_requests };
	int64_t sum[NSUM];
	int k, rc;

	for (k = 0; k < NSUM; k++) {
		if (num_mul(v[k], sign, &sum[k]) != 0)     /* only an impossible stored row */
			goto overflow;
	}
	if (s->pend == NULL && (s->pend = calloc(1, sizeof(*s->pend))) == NULL)
		goto oom;
	key.kind = CELL_HOUR;
	key.hour = rollup_floor_div(u->ts_ms, MS_PER_HOUR);
	key.flags = store_row_flags(u);
	key.s[0] = u->model;
	key.s[1] = u->source;
	key.s[2] = u->tag;
	key.s[3] = u->tier;
	key.s[4] = u->project;
	key.s[5] = u->key_fp;
	key.s[6] = u->host;
	if ((rc = cell_add(s->pend, &key, u->ts_ms,
	    (int)((u->ts_ms - key.hour * MS_PER_HOUR) / (MS_PER_HOUR / 4)), sum)) != 0)
		goto fail;
	if (u->batch_id[0] == '\0')
		return 0;
	key.kind = CELL_BATCH;
	key.hour = 0;
	key.s[1] = u->batch_id;
	key.s[2] = key.s[3] = key.s[4] = key.s[5] = key.s[6] = "";
	if ((rc = cell_add(s->pend, &key, 0, 3, sum)) == 0)     /* (no parts) */
		return 0;
fail:
	if (rc == -2)
		goto overflow;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
overflow:
	snprintf(err, errlen, "rollup: a token sum does not fit 64 bits");
	return -1;
}

void
store_rollup_op_end(struct store *s, int ok)
{
	struct rollup_pending *p = s->pend;
	size_t i, k;
	int q;

	if (p == NULL)
		return;
	for (i = p->nj; !ok && i-- > 0;) {     /* newest first: last_ms as it was */
		for (k = 0; k < NSUM; k++) {
			p->cells[p->journal[i].cell].sum[k] -= p->journal[i].sum[k];
			for (q = p->journal[i].qtr; q < 3; q++)
				p->parts[p->journal[i].cell][q][k] -= p->journal[i].sum[k];
		}
		p->cells[p->journal[i].cell].last_ms = p->journal[i].last_ms;
	}
	p->nj = 0;
}

void
store_rollup_discard(struct store *s)
{
	struct rollup_pending *p = s->pend;

	if (p == NULL)
		return;
	p->n = 0;
	p->nj = 0;
	if (p->slots != NULL)
		memset(p->slots, 0, p->nslots * sizeof(*p->slots));
}

void
store_rollup_free(struct store *s)
{
	int i;

	if (s->pend == NULL)
		return;
	free(s->pend->cells);
	free(s->pend->parts);
	free(s->pend->slots);
	free(s->pend->journal);
	free(s->pend->order);
	free(s->pend->hosts);
	free(s->pend->hmpart);
	for (i = 0; i < (int)(sizeof(s->pend->coll) / sizeof(s->pend->coll[0])); i++)
		groupsum_free(&s->pend->coll[i]);
	free(s->pend);
	s->pend = NULL;
}

int
store_rollup_full(const struct store *s)
{
	return s->pend != NULL && s->pend->n >= PENDING_CAP;
}
