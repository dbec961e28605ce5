/* stops.c — responses cut off by max_tokens, per model and routing tier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/store_int.h"

#define MS_PER_HOUR 3600000LL

static int64_t
hour_ceil(int64_t ms)
{
	int64_t q = ms / MS_PER_HOUR;

	return (ms % MS_PER_HOUR != 0 && ms > 0) ? q + 1 : q;
}

int
store_max_tokens_stops(struct store *s, int64_t since_ms, int64_t until_ms,
                       struct stop_row **out, size_t *n, char *err, size_t errlen)
{
	struct db_stmt *st;
	struct stop_row *rows = NULL, *nr;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (store_rollup_flush(s, err, errlen) != 0)
		return -1;
	if ((st = store_prepare(s, "SELECT model, tier, sum(requests), sum(max_tokens_stops)"
	    " FROM rollup_hour WHERE hour >= ?1 AND hour < ?2 GROUP BY model, tier"
	    " ORDER BY 4 DESC, model, tier", "stops", err, errlen)) == NULL)
		return -1;
	db_bind_int64(st, 1, since_ms != 0 ? hour_ceil(since_ms) : INT64_MIN);
	db_bind_int64(st, 2, until_ms != 0 ? hour_ceil(until_ms) : INT64_MAX);
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nr = realloc(rows, cap * sizeof(*rows))) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			rows = nr;
		}
		memset(&rows[*n], 0, sizeof(rows[0]));
		usage_strlcpy(rows[*n].model, db_column_text(st, 0), sizeof(rows[0].model));
		usage_strlcpy(rows[*n].tier, db_column_text(st, 1), sizeof(rows[0].tier));
		rows[*n].requests = db_column_int64(st, 2);
		rows[*n].max_tokens_stops = db_column_int64(st, 3);
		(*n)++;
	}
	if (rc != DB_DONE) {
		store_sqlerr(s, "stops", err, errlen);
		goto fail;
	}
	db_finalize(st);
	*out = rows;
	return 0;
fail:
	db_finalize(st);
	free(rows);
	*n = 0;
	return -1;
}
