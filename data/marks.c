/* marks.c — how far each imported file has been read, and which file it was
 * (device, inode, a hash of its start: core/import.c checks them). */
#include <stdio.h>
#include <string.h>

#include "data/store_int.h"

int
store_import_mark_get(struct store *s, const char *path, struct import_mark *m,
                      int *found, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "SELECT size, mtime_ns, \"offset\", line, dev, ino,"
	    " head_len, head_hash FROM import_mark WHERE path = ?1", "import mark", err,
	    errlen)) == NULL)
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
		m->dev = db_column_int64(st, 4);
		m->ino = db_column_int64(st, 5);
		m->head_len = db_column_int64(st, 6);
		m->head_hash = db_column_int64(st, 7);
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
	    " line, dev, ino, head_len, head_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT (path) DO UPDATE SET size = excluded.size,"
	    " mtime_ns = excluded.mtime_ns, \"offset\" = excluded.\"offset\","
	    " line = excluded.line, dev = excluded.dev, ino = excluded.ino,"
	    " head_len = excluded.head_len, head_hash = excluded.head_hash",
	    "import mark", err, errlen)) == NULL)
		return -1;
	store_bind_text(st, 1, a->path);
	db_bind_int64(st, 2, a->m->size);
	db_bind_int64(st, 3, a->m->mtime_ns);
	db_bind_int64(st, 4, a->m->offset);
	db_bind_int64(st, 5, a->m->line);
	db_bind_int64(st, 6, a->m->dev);
	db_bind_int64(st, 7, a->m->ino);
	db_bind_int64(st, 8, a->m->head_len);
	db_bind_int64(st, 9, a->m->head_hash);
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
