/* screen_export.h — the Reports screen's export of the table in view. */
#ifndef TOKENTOP_SCREEN_EXPORT_H
#define TOKENTOP_SCREEN_EXPORT_H

#include <stddef.h>

#include "data/store.h"

/*
 * Write the rows and totals of r to path: JSON when the name ends in .json,
 * else CSV. `column` names the key column ("month", "model", …); CSV keys go
 * through text_csv_write (sanitised, quoted, formulas made text). Written to
 * a temporary file and renamed, so nothing is half-written. Returns 0 with
 * the absolute path written into msg, or -1 with the reason in msg.
 */
int screen_export_write(const char *path, const struct report *r, const char *column,
                        char *msg, size_t msglen);

#endif
