/* import_marks.h — the import marks of a run in memory: every mark the
 * ledger held when the import began, and each mark this run set since, so
 * the reader asks no query per file while the writer thread holds the
 * store (tui/import_writer.h). */
#ifndef TOKENTOP_IMPORT_MARKS_H
#define TOKENTOP_IMPORT_MARKS_H

#include "data/store.h"

struct imarks;

/* Every mark of s; NULL + err on failure. Free with imarks_free. */
struct imarks *imarks_load(struct store *s, char *err, size_t errlen);
void imarks_free(struct imarks *t);

/* The mark of key into *m: 1 found, 0 not. */
int imarks_get(const struct imarks *t, const char *key, struct import_mark *m);

/* key's mark is m now (key copied): 0, or -1 on out of memory. */
int imarks_set(struct imarks *t, const char *key, const struct import_mark *m);

#endif
