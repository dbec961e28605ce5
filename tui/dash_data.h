/* dash_data.h — the dashboard's one read of the store: what its panes draw
 * (struct dash_data, pane_data.h), filled in one call so a redraw costs no
 * query. */
#ifndef TOKENTOP_DASH_DATA_H
#define TOKENTOP_DASH_DATA_H

#include <stddef.h>

#include "tui/console.h"
#include "tui/pane_data.h"

/*
 * Read into d what the panes draw at c->now_ms: today; the days before
 * (read again only when the day rolls, the daily pane grows or a minute has
 * passed); the models of d->period_kind, filtered by `filter` (a model name,
 * or "tag:NAME", which narrows the queries) and sorted by sort/desc; the
 * intraday figures (dash_intraday_fill); the batches; the organisation;
 * whether the ledger is empty. What d held from the last read is freed
 * first. 0, or -1 with err (the figures read before the failure stay).
 */
int dash_data_read(struct console *c, struct dash_data *d, const char *filter,
                   enum view_col sort, int desc, char *err, size_t errlen);

/* The model rows again from d->period (no query): filtered by needle,
 * sorted, with their total (d->rows_total). 0, or -1 out of memory. */
int dash_data_rows(struct dash_data *d, const char *needle, enum view_col sort, int desc);

/* Days the daily pane shows at the console's size (the days read). */
int dash_data_days(const struct console *c);

/* Free everything d holds (d itself is the caller's); NULL is fine. */
void dash_data_free(struct dash_data *d);

#endif
