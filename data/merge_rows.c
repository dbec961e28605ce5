/* merge_rows.c — the ledger merge's keyed tables (batches, their intents
 * and results, the organisation's rows): each record the destination lacks
 * is inserted as it is; one it has (its key taken) is a duplicate and stays
 * as it is. Values are copied column by column, as their type is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/merge_int.h"
#include "data/store_int.h"

/* Columns as the schema (current version) has them; a column added by a
 * later migration must be added here too (tests/test_merge.c copies every
 * field and reads it back). */
#define BATCH_COLS \
	"id, status, input_file, results_file, results_url, models, tag, requests," \
	" est_low_nanos, est_high_nanos, created_ms, expires_ms, ended_ms, cancel_ms," \
	" n_processing, n_succeeded, n_errored, n_canceled, n_expired, ingested, provider, errors"
#define INTENT_COLS \
	"created_ms, requests, bytes, input_file, part, tag, models, est_low_nanos," \
	" est_high_nanos, status, batch_id, owner_pid, updated_ms, provider, token"
#define ORG_USAGE_KEY \
	"provider, bucket_start, bucket_width, model, api_key_id, workspace_id, service_tier"
#define ORG_COST_KEY "provider, bucket_start, description, model, token_type, service_tier"

struct mtable {
	const char *select;     /* the source's records, in key order */
	const char *insert;     /* "%s": the placeholders; changes() = 1 when added */
	int         ncols;
};

/* In enum merge_table's order (MERGE_USAGE: merge_usage.c). */
static const struct mtable tables[MERGE_NTABLES] = {
	[MERGE_BATCH] = { "SELECT " BATCH_COLS " FROM batch ORDER BY id",
	    "INSERT INTO batch (" BATCH_COLS ") VALUES (%s) ON CONFLICT (id) DO NOTHING", 22 },
	/* no key of its own (a local id): one the same create made is there
	 * already; a copied intent has no owner process on this side (0) */
	[MERGE_INTENT] = { "SELECT created_ms, requests, bytes, input_file, part, tag, models,"
	    " est_low_nanos, est_high_nanos, status, batch_id, 0, updated_ms, provider, token"
	    " FROM batch_intent ORDER BY id",
	    "INSERT INTO batch_intent (" INTENT_COLS ") SELECT %s WHERE NOT EXISTS"
	    " (SELECT 1 FROM batch_intent WHERE created_ms = ?1 AND requests = ?2 AND bytes = ?3"
	    " AND input_file = ?4 AND part = ?5 AND provider = ?14 AND token = ?15)", 15 },
	[MERGE_RESULT] = { "SELECT batch_id, custom_id, type, error FROM batch_result"
	    " ORDER BY batch_id, custom_id",
	    "INSERT INTO batch_result (batch_id, custom_id, type, error) VALUES (%s)"
	    " ON CONFLICT (batch_id, custom_id) DO NOTHING", 4 },
	[MERGE_ORG_USAGE] = { "SELECT " ORG_USAGE_KEY ", input, write_5m, write_1h, cache_read,"
	    " output FROM org_usage ORDER BY " ORG_USAGE_KEY,
	    "INSERT INTO org_usage (" ORG_USAGE_KEY ", input, write_5m, write_1h, cache_read,"
	    " output) VALUES (%s) ON CONFLICT (" ORG_USAGE_KEY ") DO NOTHING", 12 },
	[MERGE_ORG_COST] = { "SELECT " ORG_COST_KEY ", amount_nanos FROM org_cost"
	    " ORDER BY " ORG_COST_KEY,
	    "INSERT INTO org_cost (" ORG_COST_KEY ", amount_nanos) VALUES (%s)"
	    " ON CONFLICT (" ORG_COST_KEY ") DO NOTHING", 7 },
	[MERGE_ORG_SYNC] = { "SELECT provider, synced_ms, since_ms, until_ms FROM org_sync"
	    " ORDER BY provider",
	    "INSERT INTO org_sync (provider, synced_ms, since_ms, until_ms) VALUES (%s)"
	    " ON CONFLICT (provider) DO NOTHING", 4 },
};

#define MAX_COLS 24

struct cell {
	enum db_type type;
	int64_t      i;
	char        *t;          /* owned */
};

/* A group of records read, waiting to be written. */
struct group {
	enum merge_table t;
	struct cell     *cells;  /* n × ncols */
	size_t           n, cap;
	int              ncols;
	struct merge_count got;  /* the last (successful) write's */
};

static void
group_clear(struct group *g)
{
	size_t i;

	for (i = 0; i < g->n * (size_t)g->ncols; i++)
		free(g->cells[i].t);
	g->n = 0;
}

/* The current row of st into the group; -1 out of memory. */
static int
group_add(struct group *g, struct db_stmt *st)
{
	struct cell *c;
	int k;

	c = &g->cells[g->n * (size_t)g->ncols];
	for (k = 0; k < g->ncols; k++) {
		c[k].type = db_column_type(st, k);
		c[k].t = NULL;
		c[k].i = 0;
		if (c[k].type == DB_T_INT)
			c[k].i = db_column_int64(st, k);
		else if (c[k].type != DB_T_NULL &&
		    (c[k].t = strdup(db_column_text(st, k))) == NULL) {
			while (k-- > 0)
				free(c[k].t);
			return -1;
		}
	}
	g->n++;
	return 0;
}

/* "?1,?2,…,?n" into buf. */
static void
placeholders(char *buf, size_t len, int n)
{
	size_t k = 0;
	int i;

	buf[0] = '\0';
	for (i = 1; i <= n && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s?%d", i > 1 ? "," : "", i);
}

/* One group into the destination, as one operation (store_op_run: run
 * again from the start after a serialization failure). */
static int
write_group(struct store *s, void *arg, char *err, size_t errlen)
{
	struct group *g = arg;
	char sql[1024], ph[256];
	struct db_stmt *st;
	struct cell *c;
	size_t r;
	int k, rc = DB_DONE;

	memset(&g->got, 0, sizeof(g->got));
	placeholders(ph, sizeof(ph), g->ncols);
	snprintf(sql, sizeof(sql), tables[g->t].insert, ph);
	if ((st = store_prepare(s, sql, merge_table_name(g->t), err, errlen)) == NULL)
		return -1;
	for (r = 0; r < g->n && rc == DB_DONE; r++) {
		c = &g->cells[r * (size_t)g->ncols];
		db_reset(st);
		db_clear(st);
		for (k = 0; k < g->ncols; k++) {
			if (c[k].type == DB_T_INT)
				db_bind_int64(st, k + 1, c[k].i);
			else if (c[k].type == DB_T_NULL)
				db_bind_null(st, k + 1);
			else
				db_bind_text(st, k + 1, c[k].t);
		}
		if ((rc = db_step(st)) != DB_DONE)
			store_sqlerr(s, merge_table_name(g->t), err, errlen);
		else if (db_changes(s->db) == 1)
			g->got.added++;
		else
			g->got.duplicates++;
	}
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

static int
flush(struct merge_ctx *c, struct group *g, char *err, size_t errlen)
{
	char why[512];
	int rc = 0;

	if (g->n == 0)
		return 0;
	if (store_op_run(c->dst, write_group, g, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s: %s", c->src->path, merge_table_name(g->t), why);
		rc = -1;
	} else
		rc = merge_tally(c, g->t, &g->got, (int64_t)g->n, err, errlen);
	group_clear(g);
	return rc;
}

static int
copy_table(struct merge_ctx *c, enum merge_table t, char *err, size_t errlen)
{
	struct group g = { t, NULL, 0, c->group, tables[t].ncols, { 0, 0, 0 } };
	struct db_stmt *st;
	int rc = DB_DONE, fail = 0;

	if ((g.cells = calloc(g.cap, (size_t)g.ncols * sizeof(*g.cells))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((st = db_prepare(c->src->db, tables[t].select, 0)) == NULL) {
		free(g.cells);
		return merge_src_err(c, merge_table_name(t), err, errlen);
	}
	while (!fail && (rc = db_step(st)) == DB_ROW) {
		if (group_add(&g, st) != 0) {
			snprintf(err, errlen, "out of memory");
			fail = 1;
		} else if (g.n == g.cap)
			fail = flush(c, &g, err, errlen) != 0;
	}
	if (!fail && rc != DB_DONE)
		fail = merge_src_err(c, merge_table_name(t), err, errlen) != 0;
	if (!fail)
		fail = flush(c, &g, err, errlen) != 0;
	db_finalize(st);
	group_clear(&g);
	free(g.cells);
	return fail ? -1 : 0;
}

int
merge_tables(struct merge_ctx *c, enum merge_table first, enum merge_table last,
             char *err, size_t errlen)
{
	int t;

	for (t = first; t <= (int)last; t++)
		if (t != MERGE_USAGE && copy_table(c, t, err, errlen) != 0)
			return -1;
	return 0;
}
