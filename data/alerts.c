/* alerts.c — budget crossings already announced: the alert command runs
 * once per crossing, across restarts and concurrent processes, because the
 * claim is one INSERT OR IGNORE on a primary key. */
#include <stdio.h>

#include "data/store_int.h"

int
store_alert_claim(struct store *s, const char *key, int64_t now_ms, int *first,
                  char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	*first = 0;
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO budget_alert (key, ts_ms)"
	    " VALUES (?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, "budget alert", err, errlen);
	store_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, now_ms);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		*first = sqlite3_changes(s->db) == 1;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlerr(s, "budget alert", err, errlen);
	return 0;
}
