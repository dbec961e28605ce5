/* merge_usage.c — the ledger merge's usage rows: each through the ledger's
 * own write path (store_ledger_put_key: the better copy kept, rollups in the
 * same transaction), under its dedupe key, or, for a row without one, a
 * content key (see merge.h); rows the destination has none of, many a
 * statement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/provider.h"
#include "data/merge_int.h"
#include "data/store_int.h"

#define KEY_MAX (USAGE_ID_MAX + 96)

/* ---- the content key ----------------------------------------------------- */

/* Two 64-bit hashes of the same bytes (FNV-1a and a multiply-rotate one),
 * each finished by splitmix64's mixer: 128 bits, so two different rows
 * share a key with a chance of about n² / 2^129. Not cryptographic: ledger
 * rows are not chosen to collide. */
struct h2 {
	uint64_t a, b;
};

static void
h2_bytes(struct h2 *h, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h->a = (h->a ^ (unsigned char)p[i]) * 0x100000001b3ULL;
		h->b = ((h->b ^ (unsigned char)p[i]) * 0x9e3779b97f4a7c15ULL);
		h->b = h->b << 23 | h->b >> 41;
	}
}

static uint64_t
mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* "name=value\0" for a value that is not empty: a column added later with
 * an empty default leaves every older row's key as it was. */
static void
h2_text(struct h2 *h, const char *name, const char *v)
{
	if (v[0] == '\0')
		return;
	h2_bytes(h, name, strlen(name));
	h2_bytes(h, "=", 1);
	h2_bytes(h, v, strlen(v) + 1);
}

static void
h2_int(struct h2 *h, const char *name, int64_t v)
{
	char buf[24];

	if (v == 0)
		return;
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	h2_text(h, name, buf);
}

static struct h2
content_hash(const struct usage *u)
{
	struct h2 h = { 0xcbf29ce484222325ULL, 0x6a09e667f3bcc909ULL };

	h2_int(&h, "ts_ms", u->ts_ms);
	h2_text(&h, "model", u->model);
	h2_text(&h, "source", u->source);
	h2_text(&h, "provider", provider_of(u)->name);
	h2_text(&h, "request_id", u->request_id);
	h2_text(&h, "message_id", u->message_id);
	h2_text(&h, "batch_id", u->batch_id);
	h2_text(&h, "custom_id", u->custom_id);
	h2_text(&h, "tag", u->tag);
	h2_text(&h, "service_tier", u->service_tier);
	h2_text(&h, "speed", u->speed);
	h2_text(&h, "inference_geo", u->inference_geo);
	h2_text(&h, "tier", u->tier);
	h2_text(&h, "stop_reason", u->stop_reason);
	h2_int(&h, "input", u->tok.input);
	h2_int(&h, "write_5m", u->tok.write_5m);
	h2_int(&h, "write_1h", u->tok.write_1h);
	h2_int(&h, "cache_read", u->tok.cache_read);
	h2_int(&h, "output", u->tok.output);
	h2_int(&h, "compressed_tokens", u->compressed_tokens);
	h2_int(&h, "reasoning_tokens", u->reasoning_tokens);
	h2_text(&h, "session_id", u->session_id);
	h2_text(&h, "cwd", u->cwd);
	h2_int(&h, "web_search_requests", u->web_search_requests);
	h2_int(&h, "web_fetch_requests", u->web_fetch_requests);
	h2_int(&h, "code_execution_requests", u->code_execution_requests);
	h2_text(&h, "project", u->project);
	h2_text(&h, "git_branch", u->git_branch);
	h2_text(&h, "key_fp", u->key_fp);
	h2_int(&h, "sidechain", u->sidechain != 0);
	h2_int(&h, "ts_import", u->ts_import != 0);
	h2_text(&h, "host", u->host);
	h.a = mix(h.a);
	h.b = mix(h.b ^ h.a);
	return h;
}

void
merge_content_key(const struct usage *u, char *buf, size_t n)
{
	struct h2 h = content_hash(u);

	snprintf(buf, n, "row:%016llx%016llx", (unsigned long long)h.a, (unsigned long long)h.b);
}

/* ---- occurrences of one content among the source's keyless rows ---------- */

struct occ_slot {
	uint64_t a, b;
	int64_t  n;          /* 0: empty */
};

struct occ {
	struct occ_slot *v;
	size_t           cap, used;   /* cap a power of two */
};

/* The next occurrence of h (1 for the first); -1 out of memory. */
static int64_t
occ_next(struct occ *o, struct h2 h)
{
	struct occ_slot *nv;
	size_t i, j, ncap;

	if (o->used * 2 >= o->cap) {
		ncap = o->cap != 0 ? o->cap * 2 : 1024;
		if ((nv = calloc(ncap, sizeof(*nv))) == NULL)
			return -1;
		for (i = 0; i < o->cap; i++) {
			if (o->v[i].n == 0)
				continue;
			for (j = o->v[i].a & (ncap - 1); nv[j].n != 0; j = (j + 1) & (ncap - 1))
				;
			nv[j] = o->v[i];
		}
		free(o->v);
		o->v = nv;
		o->cap = ncap;
	}
	for (j = h.a & (o->cap - 1); o->v[j].n != 0; j = (j + 1) & (o->cap - 1))
		if (o->v[j].a == h.a && o->v[j].b == h.b)
			return ++o->v[j].n;
	o->v[j].a = h.a;
	o->v[j].b = h.b;
	o->used++;
	return o->v[j].n = 1;
}

/* ---- writing ------------------------------------------------------------- */

struct urow {
	struct usage u;
	char         key[KEY_MAX];
	int64_t      occ;        /* a content key's occurrence (> 0): the destination's
	                            own keyless rows of this content count */
	int64_t      id;         /* the row's id in the source (for messages) */
	int          dup;        /* the destination's copy is as good (prefetch) */
	int          found;      /* the destination has a copy (prefetch) */
};

struct ugroup {
	struct urow       *rows;
	struct urow      **order;   /* the order written */
	struct urow      **sorted;  /* by key */
	size_t             n, cap;
	struct merge_count got;     /* the last successful write's */
	int64_t            bad_id;  /* the row a write failed on */
};

/* "ts_ms = ?1 AND model = ?2 AND …" over STORE_USAGE_COLS into buf. */
static void
same_content_sql(char *buf, size_t n)
{
	const char *p = STORE_USAGE_COLS, *e;
	size_t k;
	int i;

	k = (size_t)snprintf(buf, n, "SELECT count(*) FROM usage WHERE dedupe_key IS NULL");
	for (i = 1; *p != '\0' && k < n; i++) {
		while (*p == ' ' || *p == ',')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		/* a row without a host is any host's (stamped when written) */
		if (e - p == 4 && strncmp(p, "host", 4) == 0)
			k += (size_t)snprintf(buf + k, n - k, " AND (host = ?%d OR host = ''"
			    " OR ?%d = '')", i, i);
		else
			k += (size_t)snprintf(buf + k, n - k, " AND %.*s = ?%d", (int)(e - p), p, i);
		p = e;
	}
}

/* The destination's keyless rows holding exactly u (written by itself,
 * never merged) into *n. */
static int
own_copies(struct store *s, struct db_stmt **st, const struct usage *u, int64_t *n,
           char *err, size_t errlen)
{
	char sql[2048];
	int rc;

	if (*st == NULL) {
		same_content_sql(sql, sizeof(sql));
		if ((*st = store_prepare(s, sql, "usage", err, errlen)) == NULL)
			return -1;
	}
	db_reset(*st);
	db_clear(*st);
	store_bind_usage(*st, u, NULL);
	rc = db_step(*st);
	*n = rc == DB_ROW ? db_column_int64(*st, 0) : 0;
	db_reset(*st);
	return rc == DB_ROW ? 0 : store_sqlerr(s, "usage", err, errlen);
}

static int
by_key(const void *a, const void *b)
{
	return strcmp((*(struct urow *const *)a)->key, (*(struct urow *const *)b)->key);
}

static int
key_is(const void *key, const void *b)
{
	return strcmp(key, (*(struct urow *const *)b)->key);
}

#define PREFETCH 500

/* "SELECT … WHERE dedupe_key IN (?1,…,?n)" into buf. */
static void
prefetch_sql(char *buf, size_t len, size_t n)
{
	size_t k, j;

	k = (size_t)snprintf(buf, len, "SELECT dedupe_key, " STORE_USAGE_COLS
	    " FROM usage WHERE dedupe_key IN (");
	for (j = 0; j < n && k < len; j++)
		k += (size_t)snprintf(buf + k, len - k, "%s?%zu", j > 0 ? "," : "", j + 1);
	if (k < len)
		snprintf(buf + k, len - k, ")");
}

/*
 * The destination's copies of the group's keys, PREFETCH keys a statement
 * and without locks: a row whose stored copy is at least as good is a
 * duplicate and costs no further statement (a stored copy only ever gets
 * better, so that stays true until the commit). A rerun reads a group in a
 * few statements instead of one or two per row.
 */
static int
prefetch(struct store *s, struct ugroup *g, char *err, size_t errlen)
{
	char sql[PREFETCH * 8 + 160];
	struct usage old, stamped;
	struct urow **hit;
	struct db_stmt *st;
	size_t i, j, n;
	int rc;

	for (i = 0; i < g->n; i++)
		g->rows[i].dup = g->rows[i].found = 0;
	for (i = 0; i < g->n; i += n) {
		n = g->n - i < PREFETCH ? g->n - i : PREFETCH;
		prefetch_sql(sql, sizeof(sql), n);
		if ((st = store_prepare(s, sql, "usage", err, errlen)) == NULL)
			return -1;
		for (j = 0; j < n; j++)
			db_bind_text(st, (int)j + 1, g->sorted[i + j]->key);
		while ((rc = db_step(st)) == DB_ROW) {
			hit = bsearch(db_column_text(st, 0), g->sorted + i, n, sizeof(*g->sorted),
			    key_is);
			if (hit == NULL)
				continue;
			store_read_usage(st, 1, &old);
			(*hit)->found = 1;
			(*hit)->dup = !store_usage_beats(store_stamp(s, &(*hit)->u, &stamped), &old);
		}
		db_finalize(st);
		if (rc != DB_DONE)
			return store_sqlerr(s, "usage", err, errlen);
	}
	return 0;
}

/* One row through the ledger's write path, counted. 0, or -1 + err. */
static int
put_one(struct store *s, struct ugroup *g, struct urow *r, char *err, size_t errlen)
{
	enum store_put res;

	if (store_ledger_put_key(s, &r->u, r->key, &res, err, errlen) != 0) {
		g->bad_id = r->id;
		return -1;
	}
	if (res == STORE_ADDED)
		g->got.added++;
	else if (res == STORE_REPLACED)
		g->got.replaced++;
	else
		g->got.duplicates++;
	return 0;
}

/*
 * STORE_ROWS rows the destination had none of (prefetch) in one statement,
 * inside a savepoint: all added (their rollups as put_one would add them),
 * or, when a row is refused (another writer added its key since, or it is
 * not a row the ledger takes), the savepoint undone and each row put alone
 * (the ledger then says which and why). The ids as row by row. 0, or -1 +
 * err.
 */
static int
insert_new(struct store *s, struct ugroup *g, struct urow *const *v, char *err, size_t errlen)
{
	struct usage stamped[STORE_ROWS];
	const struct usage *u;
	struct db_stmt *st;
	char tmp[64];
	int params, rc = DB_ERR, ok = 1;
	size_t i;

	for (i = 0; i < STORE_ROWS && ok; i++) {
		ok = store_usage_check(&v[i]->u, tmp, sizeof(tmp)) == 0;
		if ((u = store_stamp(s, &v[i]->u, &stamped[i])) != &stamped[i])
			stamped[i] = *u;
	}
	if (ok && db_tx(s->db, DB_SAVEPOINT) == 0) {
		if ((st = store_stmt_rows(s, SQ_USAGE_INSERT, &params, tmp, sizeof(tmp))) != NULL) {
			for (i = 0; i < STORE_ROWS; i++)
				store_bind_usage_at(st, (int)i * params, &stamped[i], v[i]->key);
			rc = db_step(st);
			db_reset(st);
		}
		if (rc == DB_DONE && db_changes(s->db) == STORE_ROWS) {
			if (db_tx(s->db, DB_RELEASE) != 0)
				return store_sqlerr(s, "usage write", err, errlen);
			for (i = 0; i < STORE_ROWS; i++) {
				if (store_rollup_add(s, &stamped[i], 1, err, errlen) != 0) {
					g->bad_id = v[i]->id;
					return -1;
				}
				store_bulk_inserted(s, v[i]->key);
			}
			g->got.added += STORE_ROWS;
			return 0;
		}
		if (db_tx(s->db, DB_ROLLBACK_TO) != 0 || db_tx(s->db, DB_RELEASE) != 0)
			return store_sqlerr(s, "usage write", err, errlen);
	}
	for (i = 0; i < STORE_ROWS; i++)
		if (put_one(s, g, v[i], err, errlen) != 0)
			return -1;
	return 0;
}

/* The rows waiting for insert_new: a full statement's, or each alone. */
static int
flush_new(struct store *s, struct ugroup *g, struct urow **v, size_t *n, char *err,
          size_t errlen)
{
	size_t i, k = *n;

	*n = 0;
	if (k == STORE_ROWS)
		return insert_new(s, g, v, err, errlen);
	for (i = 0; i < k; i++)
		if (put_one(s, g, v[i], err, errlen) != 0)
			return -1;
	return 0;
}

/* The group's rows in order: a duplicate counted, rows the destination had
 * none of STORE_ROWS a statement (insert_new), the others each through the
 * ledger's write path. */
static int
write_rows(struct store *s, void *arg, char *err, size_t errlen)
{
	struct ugroup *g = arg;
	struct db_stmt *st = NULL;
	struct urow *r = NULL, *fresh[STORE_ROWS];
	int64_t have;
	size_t i, nf = 0;

	memset(&g->got, 0, sizeof(g->got));
	g->bad_id = 0;
	if (prefetch(s, g, err, errlen) != 0)
		goto fail;
	for (i = 0; i < g->n; i++) {
		r = g->order[i];
		if (r->dup) {
			g->got.duplicates++;
			continue;
		}
		if (!r->found && r->occ == 0) {
			fresh[nf++] = r;
			if (nf == STORE_ROWS && flush_new(s, g, fresh, &nf, err, errlen) != 0)
				goto fail;
			continue;
		}
		if (flush_new(s, g, fresh, &nf, err, errlen) != 0)
			goto fail;
		if (r->occ > 0) {
			if (own_copies(s, &st, &r->u, &have, err, errlen) != 0)
				goto fail;
			if (have >= r->occ) {
				g->got.duplicates++;
				continue;
			}
		}
		if (put_one(s, g, r, err, errlen) != 0)
			goto fail;
	}
	if (flush_new(s, g, fresh, &nf, err, errlen) != 0)
		goto fail;
	db_finalize(st);
	return 0;
fail:
	if (g->bad_id == 0)
		g->bad_id = r != NULL ? r->id : 0;
	db_finalize(st);
	return -1;
}

static int
flush(struct merge_ctx *c, struct ugroup *g, char *err, size_t errlen)
{
	char why[512];
	size_t i;

	if (g->n == 0)
		return 0;
	for (i = 0; i < g->n; i++)
		g->order[i] = g->sorted[i] = &g->rows[i];
	qsort(g->sorted, g->n, sizeof(*g->sorted), by_key);
	/* where writers lock rows side by side (PostgreSQL), in key order, so
	 * two merges never wait for each other */
	if (c->dst->db->drv->row_locks)
		memcpy(g->order, g->sorted, g->n * sizeof(*g->order));
	if (store_op_run(c->dst, write_rows, g, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: usage row %lld: %s", c->src->path, (long long)g->bad_id,
		    why);
		return -1;
	}
	i = g->n;
	g->n = 0;
	return merge_tally(c, MERGE_USAGE, &g->got, (int64_t)i, err, errlen);
}

/* The row's key: the one the source stored, else its content key with its
 * occurrence. A stored content key ("row:HASH:N") keeps its occurrence. */
static int
row_key(struct urow *r, struct db_stmt *st, struct occ *o)
{
	const char *k = db_column_text(st, 1), *colon;
	int64_t n;

	r->occ = 0;
	if (db_column_type(st, 1) != DB_T_NULL) {
		usage_strlcpy(r->key, k, sizeof(r->key));
		if (strncmp(k, "row:", 4) == 0 && (colon = strrchr(k, ':')) != NULL)
			r->occ = strtoll(colon + 1, NULL, 10);
		return 0;
	}
	if ((n = occ_next(o, content_hash(&r->u))) < 0)
		return -1;
	merge_content_key(&r->u, r->key, sizeof(r->key));
	snprintf(r->key + strlen(r->key), sizeof(r->key) - strlen(r->key), ":%lld", (long long)n);
	r->occ = n;
	return 0;
}

int
merge_usage(struct merge_ctx *c, char *err, size_t errlen)
{
	struct ugroup g = { NULL, NULL, NULL, 0, c->group, { 0, 0, 0 }, 0 };
	struct occ o = { NULL, 0, 0 };
	struct db_stmt *st = NULL;
	struct urow *r;
	int rc = DB_DONE, fail = 0;

	g.rows = calloc(g.cap, sizeof(*g.rows));
	g.order = calloc(g.cap, sizeof(*g.order));
	g.sorted = calloc(g.cap, sizeof(*g.sorted));
	if (g.rows == NULL || g.order == NULL || g.sorted == NULL) {
		snprintf(err, errlen, "out of memory");
		fail = 1;
	} else if ((st = db_prepare(c->src->db, "SELECT id, dedupe_key, " STORE_USAGE_COLS
	    " FROM usage ORDER BY id", 0)) == NULL)
		fail = merge_src_err(c, "usage", err, errlen) != 0;
	while (!fail && (rc = db_step(st)) == DB_ROW) {
		r = &g.rows[g.n++];
		r->id = db_column_int64(st, 0);
		store_read_usage(st, 2, &r->u);
		if (row_key(r, st, &o) != 0) {
			snprintf(err, errlen, "out of memory");
			fail = 1;
		} else if (g.n == g.cap)
			fail = flush(c, &g, err, errlen) != 0;
	}
	if (!fail && rc != DB_DONE)
		fail = merge_src_err(c, "usage", err, errlen) != 0;
	if (!fail)
		fail = flush(c, &g, err, errlen) != 0;
	db_finalize(st);
	free(o.v);
	free(g.rows);
	free(g.order);
	free(g.sorted);
	return fail ? -1 : 0;
}
