/* screen_export.h — the Reports screen's export of the table in view. */
#ifndef TOKENTOP_SCREEN_EXPORT_H
#define TOKENTOP_SCREEN_EXPORT_H

#include <stddef.h>

#include "data/store.h"

/*
 * Write the rows and totals of r to path: JSON when the name ends in .json
 * (the keys and values of `tokentop report --json`), CSV when it ends in
 * .csv (any case); another name is refused. `column` names the key column
 * ("month", "model", …); CSV keys go through text_csv_write (sanitised,
 * quoted, formulas made text). An existing file is replaced only with
 * overwrite set. Written to a temporary file and renamed, so nothing is
 * half-written. Returns 0 with the absolute path written into msg; 1 when
 * path exists and overwrite is 0 (nothing written: ask first); -1 with the
 * reason.
 */
int screen_export_write(const char *path, const struct report *r, const char *column,
                        int overwrite, char *msg, size_t msglen);

#endif
