/* marks.c — how far each imported file has been read. */
#include <stdio.h>
#include <string.h>

#include "data/store_int.h"

int
store_import_mark_get(struct store *s, const char *path, struct import_mark *m,
                      int *found, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "SELECT size, mtime_ns, \"offset\", line FROM import_mark"
	    " WHERE path = ?1", "import mark", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, path);
	rc = db_step(st);
	memset(m, 0, sizeof(*m));
	*found = rc == DB_ROW;
	if (*found) {
		m->size = db_column_int64(st, 0);
		m->mtime_ns = db_column_int64(st, 1);
		m->offset = db_column_int64(st, 2);
		m->line = db_column_int64(st, 3);
	}
	if (rc == DB_ERR)
		store_sqlerr(s, "import mark", err, errlen);
	db_finalize(st);
	return rc == DB_ERR ? -1 : 0;
}

struct mark_arg {
	const char               *path;
	const struct import_mark *m;
};

static int
mark_op(struct store *s, void *arg, char *err, size_t errlen)
{
	struct mark_arg *a = arg;
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "INSERT INTO import_mark (path, size, mtime_ns, \"offset\","
	    " line) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (path) DO UPDATE SET"
	    " size = excluded.size, mtime_ns = excluded.mtime_ns,"
	    " \"offset\" = excluded.\"offset\", line = excluded.line",
	    "import mark", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, a->path);
	db_bind_int64(st, 2, a->m->size);
	db_bind_int64(st, 3, a->m->mtime_ns);
	db_bind_int64(st, 4, a->m->offset);
	db_bind_int64(st, 5, a->m->line);
	rc = db_step(st);
	if (rc != DB_DONE)
		store_sqlerr(s, "import mark", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

/* Inside the caller's transaction when there is one, so a mark moves
 * together with the rows it accounts for. */
int
store_import_mark_set(struct store *s, const char *path, const struct import_mark *m,
                      char *err, size_t errlen)
{
	struct mark_arg a = { path, m };

	return store_op_run(s, mark_op, &a, err, errlen);
}
