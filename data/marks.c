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
	sqlite3_stmt *st = store_stmt(s, SQ_MARK_GET, err, errlen);
	int rc;

	if (st == NULL)
		return -1;
	store_bind_text(st, 1, path);
	rc = sqlite3_step(st);
	memset(m, 0, sizeof(*m));
	*found = rc == SQLITE_ROW;
	if (*found) {
		m->size = sqlite3_column_int64(st, 0);
		m->mtime_ns = sqlite3_column_int64(st, 1);
		m->offset = sqlite3_column_int64(st, 2);
		m->line = sqlite3_column_int64(st, 3);
		m->dev = sqlite3_column_int64(st, 4);
		m->ino = sqlite3_column_int64(st, 5);
		m->head_len = sqlite3_column_int64(st, 6);
		m->head_hash = sqlite3_column_int64(st, 7);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlerr(s, "import mark", err, errlen);
	return 0;
}

/* Inside the caller's transaction when there is one, so a mark moves
 * together with the rows it accounts for. */
int
store_import_mark_set(struct store *s, const char *path, const struct import_mark *m,
                      char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char tmp[64];
	int rc;

	if (store_op_begin(s, err, errlen) != 0)
		return -1;
	if ((st = store_stmt(s, SQ_MARK_SET, err, errlen)) == NULL) {
		store_op_end(s, 0, tmp, sizeof(tmp));
		return -1;
	}
	store_bind_text(st, 1, path);
	sqlite3_bind_int64(st, 2, m->size);
	sqlite3_bind_int64(st, 3, m->mtime_ns);
	sqlite3_bind_int64(st, 4, m->offset);
	sqlite3_bind_int64(st, 5, m->line);
	sqlite3_bind_int64(st, 6, m->dev);
	sqlite3_bind_int64(st, 7, m->ino);
	sqlite3_bind_int64(st, 8, m->head_len);
	sqlite3_bind_int64(st, 9, m->head_hash);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_sqlerr(s, "import mark", err, errlen);
		store_op_end(s, 0, tmp, sizeof(tmp));
		return -1;
	}
	return store_op_end(s, 1, err, errlen);
}
