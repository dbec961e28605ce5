/* spool_mark.c — the ledger's record of spooled rows it took: per spool,
 * the last sequence number applied (data/spool.c flushes against it). */
#include <stdio.h>
#include <time.h>

#include "data/store_int.h"

/* Inside a transaction the mark is read locked until it commits: the
 * upsert takes the row's lock whether it is new or not (a plain SELECT …
 * FOR UPDATE would lock nothing before the first mark). */
static const char mark_lock[] =
    "INSERT INTO spool_mark (spool, seq, updated_ms) VALUES (?1, 0, 0)"
    " ON CONFLICT (spool) DO UPDATE SET seq = spool_mark.seq RETURNING seq";

int
store_spool_mark_get(struct store *s, const char *spool_id, int64_t *seq, char *err,
                     size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, s->in_tx ? mark_lock :
	    "SELECT seq FROM spool_mark WHERE spool = ?1", "spool mark", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, spool_id);
	rc = db_step(st);
	*seq = rc == DB_ROW ? db_column_int64(st, 0) : 0;
	if (rc == DB_ERR)
		store_sqlerr(s, "spool mark", err, errlen);
	db_finalize(st);
	return rc == DB_ERR ? -1 : 0;
}

int
store_spool_mark_set(struct store *s, const char *spool_id, int64_t seq, char *err,
                     size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "INSERT INTO spool_mark (spool, seq, updated_ms)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (spool) DO UPDATE SET"
	    " seq = CASE WHEN excluded.seq > spool_mark.seq THEN excluded.seq"
	    " ELSE spool_mark.seq END, updated_ms = excluded.updated_ms", "spool mark", err,
	    errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, spool_id);
	db_bind_int64(st, 2, seq);
	db_bind_int64(st, 3, (int64_t)time(NULL) * 1000);
	rc = db_step(st);
	if (rc != DB_DONE)
		store_sqlerr(s, "spool mark", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}
