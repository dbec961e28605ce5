/* hosts_data.h — what the Hosts view draws: one row per host that wrote to
 * the ledger, with today's spend and requests (store_report, REPORT_HOST),
 * its share of today's spend and its last row's time (store_hosts_seen).
 * Read in one call; sorting and finding a row work from memory. No curses. */
#ifndef TOKENTOP_HOSTS_DATA_H
#define TOKENTOP_HOSTS_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/pricing.h"
#include "core/usage.h"
#include "data/store.h"

/* A host is stale when its last row is older than this. */
#define HOSTS_STALE_MS (15 * 60 * 1000LL)

enum hosts_col { HCOL_HOST, HCOL_SPEND, HCOL_REQS, HCOL_SHARE, HCOL_LAST, HCOL_COUNT };

struct hosts_row {
	char    host[USAGE_HOST_MAX];   /* as stored: outside text, sanitise to draw */
	int64_t cost_nanos;             /* today's priced spend */
	int64_t requests;               /* today's requests */
	int64_t unpriced;               /* today's unpriced requests */
	int64_t share_permille;         /* of today's spend of every host */
	int64_t last_ms;                /* the host's last row; 0 = unknown */
};

struct hosts_data {
	struct hosts_row *rows;         /* owned; hosts_data_free */
	size_t            n;
	int64_t           total_nanos;  /* today, every host */
	int64_t           total_reqs;
	int64_t           day0, day1;   /* today: [day0, day1) local time */
};

/*
 * Read today's figures per host at now_ms (local day) and every host's
 * last row into hd, replacing what it held. 0, or -1 with err (hd keeps
 * what it held).
 */
int hosts_data_read(struct store *st, const struct pricing *pr, int64_t now_ms,
                    struct hosts_data *hd, char *err, size_t errlen);

/* Sort hd's rows by column c (desc: largest first); ties by host name. */
void hosts_data_sort(struct hosts_data *hd, enum hosts_col c, int desc);

/* The row of host among hd's rows, or -1. */
int hosts_data_find(const struct hosts_data *hd, const char *host);

/* Stale: no row for HOSTS_STALE_MS (or no known last row). */
int hosts_stale(const struct hosts_row *r, int64_t now_ms);

/* Column names for the sort indicator ("host", "spend", …). */
const char *hosts_col_name(enum hosts_col c);

/* Free what hd holds (hd itself is the caller's); NULL is fine. */
void hosts_data_free(struct hosts_data *hd);

#endif
