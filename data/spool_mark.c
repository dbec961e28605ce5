/* spool_mark.c — the ledger's record of spooled rows it took: per spool,
 * the last sequence number applied (data/spool.c flushes against it). */
#include <stdio.h>
#include <time.h>

#include "data/store_int.h"

int
store_spool_mark_get(struct store *s, const char *spool_id, int64_t *seq, char *err,
                     size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT seq FROM spool_mark WHERE spool = ?1", -1, &st,
	    NULL) != SQLITE_OK)
		return store_sqlerr(s, "spool mark", err, errlen);
	store_bind_text(st, 1, spool_id);
	rc = sqlite3_step(st);
	*seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlerr(s, "spool mark", err, errlen);
	return 0;
}

int
store_spool_mark_set(struct store *s, const char *spool_id, int64_t seq, char *err,
                     size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO spool_mark (spool, seq, updated_ms)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (spool) DO UPDATE SET"
	    " seq = max(seq, excluded.seq), updated_ms = excluded.updated_ms", -1, &st,
	    NULL) != SQLITE_OK)
		return store_sqlerr(s, "spool mark", err, errlen);
	store_bind_text(st, 1, spool_id);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL) * 1000);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "spool mark", err, errlen);
	return 0;
}
