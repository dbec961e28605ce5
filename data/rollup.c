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

static uint64_t
cell_hash(const struct cell *c)
{
	const char *const f[] = { c->model, c->id, c->tag, c->tier, c->project, c->key_fp,
	    c->host };
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)c->hour ^ ((uint64_t)c->flags << 56) ^
	    (uint64_t)c->kind << 60;
	const char *p;
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		for (p = f[i]; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return h;
}

static int
cell_eq(const struct cell *a, const struct cell *b)
{
	return a->kind == b->kind && a->hour == b->hour && a->flags == b->flags &&
	    strcmp(a->model, b->model) == 0 && strcmp(a->id, b->id) == 0 &&
	    strcmp(a->tag, b->tag) == 0 && strcmp(a->tier, b->tier) == 0 &&
	    strcmp(a->project, b->project) == 0 && strcmp(a->key_fp, b->key_fp) == 0 &&
	    strcmp(a->host, b->host) == 0;
}

static int
rehash(struct rollup_pending *p, size_t nslots)
{
	size_t *slots = calloc(nslots, sizeof(*slots)), i, j;

	if (slots == NULL)
		return -1;
	for (i = 0; i < p->n; i++) {
		j = cell_hash(&p->cells[i]) & (nslots - 1);
		while (slots[j] != 0)
			j = (j + 1) & (nslots - 1);
		slots[j] = i + 1;
	}
	free(p->slots);
	p->slots = slots;
	p->nslots = nslots;
	return 0;
}

/* Add sum to the cell keyed like key (created when new) and journal it.
 * 0, -1 out of memory, -2 when a sum would leave int64 (nothing added). */
static int
cell_add(struct rollup_pending *p, const struct cell *key, const int64_t *sum)
{
	struct cell *c;
	struct undo *u;
	size_t j, i, k;
	int64_t t;
	int q;

	if (p->nslots < 2 * (p->n + 1) && rehash(p, p->nslots ? p->nslots * 2 : 256) != 0)
		return -1;
	j = cell_hash(key) & (p->nslots - 1);
	for (; p->slots[j] != 0; j = (j + 1) & (p->nslots - 1))
		if (cell_eq(&p->cells[p->slots[j] - 1], key))
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
		p->cells[p->n] = *key;
		p->cells[p->n].last_ms = INT64_MIN;
		memset(p->cells[p->n].sum, 0, sizeof(key->sum));
		memset(p->parts[p->n], 0, sizeof(p->parts[0]));
		p->slots[j] = ++p->n;
	}
	i = p->slots[j] - 1;
	for (k = 0; k < NSUM; k++) {
		if (__builtin_add_overflow(p->cells[i].sum[k], sum[k], &t))
			return -2;
		for (q = key->qtr; q < 3; q++)
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
	p->journal[p->nj].qtr = key->qtr;
	if (sum[0] > 0 && key->last_ms > p->cells[i].last_ms)
		p->cells[i].last_ms = key->last_ms;
	for (k = 0; k < NSUM; k++) {
		p->cells[i].sum[k] += sum[k];
		for (q = key->qtr; q < 3; q++)
			p->parts[i][q][k] += sum[k];
		p->journal[p->nj].sum[k] = sum[k];
	}
	p->nj++;
	return 0;
}

int
store_rollup_add(struct store *s, const struct usage *u, int sign, char *err, size_t errlen)
{
	struct cell key;
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
	memset(&key, 0, sizeof(key));
	key.kind = CELL_HOUR;
	key.hour = rollup_floor_div(u->ts_ms, MS_PER_HOUR);
	key.flags = store_row_flags(u);
	usage_strlcpy(key.model, u->model, sizeof(key.model));
	usage_strlcpy(key.id, u->source, sizeof(key.id));
	usage_strlcpy(key.tag, u->tag, sizeof(key.tag));
	usage_strlcpy(key.tier, u->tier, sizeof(key.tier));
	usage_strlcpy(key.project, u->project, sizeof(key.project));
	usage_strlcpy(key.key_fp, u->key_fp, sizeof(key.key_fp));
	usage_strlcpy(key.host, u->host, sizeof(key.host));
	key.last_ms = u->ts_ms;
	key.qtr = (int)((u->ts_ms - key.hour * MS_PER_HOUR) / (MS_PER_HOUR / 4));
	if ((rc = cell_add(s->pend, &key, sum)) != 0)
		goto fail;
	if (u->batch_id[0] == '\0')
		return 0;
	key.kind = CELL_BATCH;
	key.hour = 0;
	usage_strlcpy(key.id, u->batch_id, sizeof(key.id));
	key.tag[0] = key.tier[0] = key.project[0] = key.key_fp[0] = key.host[0] = '\0';
	key.last_ms = 0;
	key.qtr = 3;             /* (no parts) */
	if ((rc = cell_add(s->pend, &key, sum)) == 0)
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
