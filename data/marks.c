/* marks.c — how far each imported file has been read, and which file it was
 * (device, inode, a hash of its start: core/import.c checks them). Both
 * statements are cached: a re-import of a large tree asks once per file. */
#include <stdio.h>
#include <string.h>

#include "data/store_int.h"

int
store_import_mark_get(struct store *s, const char *path, struct import_mark *m,
                      int *found, char *err, size_t errlen)
{
	struct db_stmt *st = store_stmt(s, SQ_MARK_GET, err, errlen);
	int rc;

	if (st == NULL)
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
	db_reset(st);
	if (rc == DB_ERR)
		return store_sqlerr(s, "import mark", err, errlen);
	return 0;
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

	if ((st = store_stmt(s, SQ_MARK_SET, err, errlen)) == NULL)
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
	db_reset(st);
	return rc == DB_DONE ? 0 : store_sqlerr(s, "import mark", err, errlen);
}

/* Inside the caller's transaction when there is one, so a mark moves
 * together with the rows it accounts for. There it is one statement, not an
 * operation: it touches no rollup, fails whole, and the rows an import holds
 * in memory (bulk.c) need not be written first: they commit with it. So an
 * import of many small files writes its rows in large rounds, not per file. */
int
store_import_mark_set(struct store *s, const char *path, const struct import_mark *m,
                      char *err, size_t errlen)
{
	struct mark_arg a = { path, m };

	if (s->in_tx && !s->in_op)
		return mark_op(s, &a, err, errlen);
	return store_op_run(s, mark_op, &a, err, errlen);
}

int
store_import_marks_each(struct store *s,
                        int (*fn)(void *arg, const char *path, const struct import_mark *m),
                        void *arg, char *err, size_t errlen)
{
	struct import_mark m;
	struct db_stmt *st;
	int rc;

	if ((st = store_prepare(s, "SELECT path, size, mtime_ns, \"offset\", line, dev, ino,"
	    " head_len, head_hash FROM import_mark", "import marks", err, errlen)) == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		m.size = db_column_int64(st, 1);
		m.mtime_ns = db_column_int64(st, 2);
		m.offset = db_column_int64(st, 3);
		m.line = db_column_int64(st, 4);
		m.dev = db_column_int64(st, 5);
		m.ino = db_column_int64(st, 6);
		m.head_len = db_column_int64(st, 7);
		m.head_hash = db_column_int64(st, 8);
		if (fn(arg, db_column_text(st, 0), &m) != 0) {
			db_finalize(st);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (rc != DB_DONE) {
		store_sqlerr(s, "import marks", err, errlen);
		db_finalize(st);
		return -1;
	}
	db_finalize(st);
	return 0;
}
