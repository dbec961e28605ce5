/* dash_intraday.h — the dashboard's intraday figures (struct dash_intraday
 * in pane_data.h) read in one pass: the hourly rollup of the last 24 hours
 * and the raw rows of the last 60 minutes. */
#ifndef TOKENTOP_DASH_INTRADAY_H
#define TOKENTOP_DASH_INTRADAY_H

#include <stddef.h>
#include <stdint.h>

#include "core/pricing.h"
#include "data/store.h"
#include "tui/pane_data.h"

/*
 * Fill d->intra, the Cache pane's hourly hit ratio (d->hour_hit,
 * d->hour_reqs_n) and the header's last hour (d->hour_nanos, d->hour_reqs:
 * all spend, whatever the filter; rows stamped at import are no rate: their
 * spend goes to d->hour_imported) for the time now_ms. tag ("" or NULL =
 * all) filters the intraday figures and the hit ratio; host ("" or NULL =
 * all) filters everything, the header's last hour too. Two queries: one
 * REPORT_HOUR over the rollup, one scan of the last hour's rows (the scan
 * the header's $/h needed anyway). 0, or -1 with err.
 */
int dash_intraday_fill(struct store *st, const struct pricing *pr, int64_t now_ms,
                       const char *tag, const char *host, struct dash_data *d, char *err,
                       size_t errlen);

#endif
