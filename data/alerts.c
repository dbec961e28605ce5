/* alerts.c — budget crossings already announced: the alert command runs
 * once per crossing, across restarts and concurrent processes (and hosts
 * sharing a PostgreSQL ledger), because the claim is one INSERT … ON
 * CONFLICT DO NOTHING on a primary key. */
#include <stdio.h>

#include "data/store_int.h"

int
store_alert_claim(struct store *s, const char *key, int64_t now_ms, int *first,
                  char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	*first = 0;
	if ((st = store_prepare(s, "INSERT INTO budget_alert (key, ts_ms) VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO NOTHING", "budget alert", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, key);
	db_bind_int64(st, 2, now_ms);
	rc = db_step(st);
	if (rc == DB_DONE)
		*first = db_changes(s->db) == 1;
	else
		store_sqlerr(s, "budget alert", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}
