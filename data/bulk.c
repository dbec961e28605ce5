/* bulk.c — rows held in memory inside a long transaction (imports, generated
 * ledgers). The streaming copies of one response settle among themselves
 * there, with no SQL; the rows are written in the order they first came when
 * the transaction commits, before any other operation or reader, or when
 * BULK_CAP rows wait. The ledger ends exactly as store_insert_usage row by
 * row would leave it (same rows, same ids, same rollups), and each put says
 * what that call would have said. On a driver whose writers run side by
 * side (row_locks: PostgreSQL) what the ledger holds may change until a row
 * is locked: a key's first put in a round goes to the ledger at once, as
 * store_insert_usage (its row then stays locked by this transaction: the
 * copy held here stays true), and its later copies (a stream's) settle here
 * as on SQLite, without a round trip each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/keyset.h"
#include "data/store_int.h"

#define BULK_CAP 2048     /* rows waiting: ~3.5 MB */

/* s->fresh: a first import into an empty ledger need not ask the ledger
 * about each new key. While the ledger held no rows when this handle first
 * looked, and no other connection has committed since (data_version, read
 * once a transaction), the ledger's keys are the ones this handle inserted
 * (s->written: a Bloom filter of their hashes, 1 MiB): a key it has not
 * seen is new. Anything unsure (another writer, a key the filter may have
 * seen) asks the ledger. */
enum { BULK_FRESH_UNKNOWN, BULK_FRESH_ON, BULK_FRESH_OFF };

enum bulk_state {
	B_NEW,       /* not in the ledger: insert */
	B_SAME,      /* the ledger's row, still the best copy: nothing to write */
	B_CHANGED,   /* replaces the ledger's row (already taken out of the rollups) */
};
/* (with row_locks a first sight is written at once: B_SAME, the ledger's
 * copy as it then is) */

struct bulk_row {
	struct usage    u;
	enum bulk_state state;
	uint64_t        hash;     /* of the dedupe key; 0: the row has none */
};

struct store_bulk {
	struct bulk_row *rows;    /* in the order they came */
	size_t           n, cap;
	uint32_t        *slots;   /* open addressing over rows with a key: index + 1 */
	size_t           nslots;  /* a power of two, at least 2 × BULK_CAP */
};

static uint64_t
key_hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *k != '\0'; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return h != 0 ? h : 1;
}

static struct store_bulk *
bulk_of(struct store *s)
{
	struct store_bulk *b = s->bulk;

	if (b != NULL)
		return b;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->nslots = 2 * BULK_CAP;
	b->cap = BULK_CAP;
	b->rows = malloc(b->cap * sizeof(*b->rows));
	b->slots = calloc(b->nslots, sizeof(*b->slots));
	if (b->rows == NULL || b->slots == NULL) {
		free(b->rows);
		free(b->slots);
		free(b);
		return NULL;
	}
	s->bulk = b;
	return b;
}

/* The waiting row with key (hash h), or NULL; *slot: where it is or would go. */
static struct bulk_row *
lookup(struct store_bulk *b, const char *key, uint64_t h, size_t *slot)
{
	char k2[USAGE_ID_MAX + 96];
	size_t j = h & (b->nslots - 1);
	struct bulk_row *r;

	for (; b->slots[j] != 0; j = (j + 1) & (b->nslots - 1)) {
		r = &b->rows[b->slots[j] - 1];
		if (r->hash == h && store_dedupe_key(&r->u, k2, sizeof(k2)) &&
		    strcmp(k2, key) == 0)
			break;
	}
	*slot = j;
	return b->slots[j] != 0 ? &b->rows[b->slots[j] - 1] : NULL;
}

static void
fresh_off(struct store *s)
{
	s->fresh = BULK_FRESH_OFF;
	s->rollup_virgin = 0;
	keyset_free(s->written);
	s->written = NULL;
}

int
store_any_row(struct store *s, const char *sql, const char *what, char *err, size_t errlen)
{
	struct db_stmt *st = store_prepare(s, sql, what, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_step(st);
	db_finalize(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_sqlerr(s, what, err, errlen);
	return rc == DB_ROW;
}

/* Does the ledger still hold only the keys in s->written? Checked once a
 * transaction (the transaction's write lock keeps others out until it
 * ends). 0, or -1 + err. */
static int
fresh_check(struct store *s, char *err, size_t errlen)
{
	int64_t dv;
	int rc;

	if (s->fresh == BULK_FRESH_OFF || s->fresh_tx == s->tx_seq)
		return 0;
	s->fresh_tx = s->tx_seq;
	if (store_data_version(s, &dv, err, errlen) != 0)
		return -1;
	if (s->fresh == BULK_FRESH_ON) {
		if (dv != s->fresh_dv)         /* another connection committed */
			fresh_off(s);
		return 0;
	}
	if ((rc = store_any_row(s, "SELECT 1 FROM usage LIMIT 1", "usage rows", err, errlen)) < 0)
		return -1;
	if (rc == 1 || (s->written = keyset_new()) == NULL) {
		fresh_off(s);
		return 0;
	}
	s->fresh = BULK_FRESH_ON;
	s->fresh_dv = dv;
	/* no flush has happened yet on this handle's pending cells? (a flush
	 * before the first check could have written cells) */
	if ((rc = store_rollup_empty(s, err, errlen)) < 0)
		return -1;
	s->rollup_virgin = rc;
	return 0;
}

int
store_bulk_fresh_check(struct store *s, char *err, size_t errlen)
{
	return fresh_check(s, err, errlen);
}

void
store_bulk_inserted(struct store *s, const char *key)
{
	/* (before the first check nothing is kept: the check sees the rows) */
	if (s->fresh == BULK_FRESH_ON && key != NULL)
		keyset_add(s->written, key_hash(key));
}

/* A key first seen in this round: what the ledger holds for it decides. */
static int
first_sight(struct store *s, struct bulk_row *r, const struct usage *u, const char *key,
            uint64_t h, enum store_put *result, char *err, size_t errlen)
{
	struct usage old;
	int found = 0;

	if (fresh_check(s, err, errlen) != 0)
		return -1;
	if ((s->fresh != BULK_FRESH_ON || keyset_has(s->written, h)) &&
	    store_usage_find(s, key, &old, &found, err, errlen) != 0)
		return -1;
	if (!found) {
		r->u = *u;
		r->state = B_NEW;
		*result = STORE_ADDED;
	} else if (store_usage_beats(u, &old)) {
		if (store_rollup_add(s, &old, -1, err, errlen) != 0)
			return -1;
		r->u = *u;
		r->state = B_CHANGED;
		*result = STORE_REPLACED;
	} else {
		r->u = old;              /* later copies measure against it */
		r->state = B_SAME;
		*result = STORE_DUPLICATE;
	}
	return 0;
}

/* A later copy u of a row held in r: the better one kept, as the ledger
 * would keep it. 0, or -1 + err. */
static int
settle(struct store *s, struct bulk_row *r, const struct usage *u, enum store_put *res,
       char *err, size_t errlen)
{
	*res = STORE_DUPLICATE;
	if (!store_usage_beats(u, &r->u))
		return 0;
	if (r->state == B_SAME && store_rollup_add(s, &r->u, -1, err, errlen) != 0)
		return -1;
	r->u = *u;
	if (r->state == B_SAME)
		r->state = B_CHANGED;
	*res = STORE_REPLACED;
	return 0;
}

struct locked_arg {
	const struct usage *u;
	const char         *key;
	enum store_put      res;
	struct usage        kept;
};

static int
locked_op(struct store *s, void *arg, char *err, size_t errlen)
{
	struct locked_arg *a = arg;

	return store_ledger_put_kept(s, a->u, a->key, &a->res, &a->kept, err, errlen);
}

/*
 * A put where writers lock rows (PostgreSQL) of a row with key (NULL: none)
 * and its hash h: a key held here settles here; a key first seen (or no
 * key) goes to the ledger now, as store_insert_usage (its row
 * then locked until this transaction ends, so what the ledger holds is the
 * copy kept here), the rows held here staying held meanwhile. 0, or -1 +
 * err.
 */
static int
put_locked(struct store *s, struct store_bulk *b, const struct usage *u, const char *key,
           uint64_t h, enum store_put *res, char *err, size_t errlen)
{
	struct locked_arg a = { u, key, STORE_DUPLICATE, { 0 } };
	struct bulk_row *r;
	size_t slot;
	int rc;

	if (key != NULL && (r = lookup(b, key, h, &slot)) != NULL)
		return settle(s, r, u, res, err, errlen);
	s->bulk_hold = 1;
	rc = store_op_run(s, locked_op, &a, err, errlen);
	s->bulk_hold = 0;
	if (rc != 0)
		return -1;
	*res = a.res;
	if (key == NULL)        /* (no later copy can find it) */
		return 0;
	if (b->n == b->cap && store_bulk_flush(s, err, errlen) != 0)
		return -1;
	(void)lookup(b, key, h, &slot);        /* (a flush empties the table) */
	r = &b->rows[b->n];
	r->u = a.kept;
	r->state = B_SAME;
	r->hash = h;
	b->slots[slot] = (uint32_t)++b->n;
	return 0;
}

int
store_put_bulk(struct store *s, const struct usage *u, enum store_put *result,
               char *err, size_t errlen)
{
	char key[USAGE_ID_MAX + 96];
	struct store_bulk *b;
	struct bulk_row *r;
	struct usage stamped;
	enum store_put res = STORE_ADDED;
	size_t slot;
	uint64_t h = 0;

	if (!s->in_tx || s->in_op) {
		snprintf(err, errlen, "store_put_bulk: outside a transaction");
		return -1;
	}
	if (store_usage_check(u, err, errlen) != 0)
		return -1;
	u = store_stamp(s, u, &stamped);
	if ((b = bulk_of(s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* where writers run side by side (PostgreSQL), a row is held here only
	 * once this transaction has it locked; a row without a key is written
	 * at once */
	if (s->db->drv->row_locks) {
		if (store_dedupe_key(u, key, sizeof(key))) {
			if (put_locked(s, b, u, key, key_hash(key), &res, err, errlen) != 0)
				return -1;
		} else if (put_locked(s, b, u, NULL, 0, &res, err, errlen) != 0) {
			return -1;
		}
		goto out;
	}
	if (b->n == b->cap && store_bulk_flush(s, err, errlen) != 0)
		return -1;
	if (store_dedupe_key(u, key, sizeof(key))) {
		h = key_hash(key);
		if ((r = lookup(b, key, h, &slot)) != NULL) {
			if (settle(s, r, u, &res, err, errlen) != 0)
				return -1;
			goto out;
		}
		r = &b->rows[b->n];
		if (first_sight(s, r, u, key, h, &res, err, errlen) != 0)
			return -1;
		b->slots[slot] = (uint32_t)++b->n;
	} else {
		r = &b->rows[b->n++];
		r->u = *u;
		r->state = B_NEW;
	}
	r->hash = h;
out:
	/* a full round of rollup cells is written now, as store_op_end would */
	if (store_rollup_full(s) && store_rollup_flush(s, err, errlen) != 0)
		return -1;
	if (result != NULL)
		*result = res;
	return 0;
}

/* Insert rows[0..n) (new rows, in order) in one multi-row statement when
 * there are STORE_ROWS of them, else one by one. 0, or -1 + err. */
static int
insert_rows(struct store *s, struct bulk_row *const *rows, size_t n, char *err, size_t errlen)
{
	char key[STORE_ROWS][USAGE_ID_MAX + 96];
	struct db_stmt *st;
	int has[STORE_ROWS], params, rc;
	size_t i;

	for (i = 0; i < n; i++)
		has[i] = store_dedupe_key(&rows[i]->u, key[i], sizeof(key[i]));
	if (n < STORE_ROWS) {
		for (i = 0; i < n; i++)
			if (store_usage_write(s, SQ_USAGE_INSERT, &rows[i]->u, has[i] ? key[i] : NULL,
			    NULL, err, errlen) != 0)
				return -1;
		return 0;
	}
	if ((st = store_stmt_rows(s, SQ_USAGE_INSERT, &params, err, errlen)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		store_bind_usage_at(st, (int)i * params, &rows[i]->u, has[i] ? key[i] : NULL);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return store_sqlerr(s, "usage write", err, errlen);
	for (i = 0; i < n; i++)
		store_bulk_inserted(s, has[i] ? key[i] : NULL);
	return 0;
}

int
store_bulk_flush(struct store *s, char *err, size_t errlen)
{
	struct store_bulk *b = s->bulk;
	char key[USAGE_ID_MAX + 96];
	struct bulk_row *r, *fresh[STORE_ROWS];
	size_t i, nf = 0;
	int has, batch, rc = 0;

	if (b == NULL || b->n == 0)
		return 0;
	/* new rows in their order, STORE_ROWS a statement (the ids as row by
	 * row); a changed row is one the ledger held before: updated alone
	 * (where rows are locked only changed rows wait here: their updates go
	 * in one batch, one round trip to a server) */
	batch = s->db->drv->row_locks;
	if (batch)
		db_batch(s->db, 1);
	for (i = 0; i < b->n && rc == 0; i++) {
		r = &b->rows[i];
		if (r->state == B_NEW) {
			fresh[nf++] = r;
			if (nf == STORE_ROWS) {
				rc = insert_rows(s, fresh, nf, err, errlen);
				nf = 0;
			}
		} else if (r->state == B_CHANGED) {
			has = store_dedupe_key(&r->u, key, sizeof(key));
			rc = store_usage_write(s, SQ_USAGE_UPDATE, &r->u, has ? key : NULL, NULL,
			    err, errlen);
		}
	}
	if (rc == 0 && nf > 0)
		rc = insert_rows(s, fresh, nf, err, errlen);
	if (batch && db_batch(s->db, 0) != 0 && rc == 0)
		rc = store_sqlerr(s, "usage write", err, errlen);
	for (i = 0; i < b->n && rc == 0; i++)
		if (b->rows[i].state != B_SAME)
			rc = store_rollup_add(s, &b->rows[i].u, 1, err, errlen);
	if (rc != 0) {
		s->rollup_failed = 1;    /* half written: the transaction must not commit */
		return -1;
	}
	store_bulk_discard(s);
	/* deltas added outside any operation: keep them all */
	store_rollup_op_end(s, 1);
	return 0;
}

void
store_bulk_discard(struct store *s)
{
	struct store_bulk *b = s->bulk;

	if (b == NULL || b->n == 0)
		return;
	b->n = 0;
	memset(b->slots, 0, b->nslots * sizeof(*b->slots));
}

void
store_bulk_free(struct store *s)
{
	keyset_free(s->written);
	s->written = NULL;
	if (s->bulk == NULL)
		return;
	free(s->bulk->rows);
	free(s->bulk->slots);
	free(s->bulk);
	s->bulk = NULL;
}
