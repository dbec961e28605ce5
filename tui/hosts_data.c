/* hosts_data.c — the Hosts view's one read of the store (see hosts_data.h):
 * today's spend per host and every host's last row, merged by host name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/num.h"
#include "tui/hosts_data.h"
#include "tui/view.h"

void
hosts_data_free(struct hosts_data *hd)
{
	if (hd == NULL)
		return;
	free(hd->rows);
	hd->rows = NULL;
	hd->n = 0;
}

const char *
hosts_col_name(enum hosts_col c)
{
	static const char *const names[HCOL_COUNT] = { "host", "spend", "reqs", "share", "last" };

	return c < HCOL_COUNT ? names[c] : "";
}

int
hosts_stale(const struct hosts_row *r, int64_t now_ms)
{
	return r->last_ms <= 0 || now_ms - r->last_ms > HOSTS_STALE_MS;
}

/* Does a report key name this host? A key may be shorter than a host name
 * (report_row.key): then it names the host it starts. */
static int
key_is(const char *key, size_t keymax, const char *host)
{
	size_t kl = strlen(key);

	if (kl + 1 < keymax)
		return strcmp(key, host) == 0;
	return strncmp(key, host, kl) == 0;
}

/* The row of a report key, appended when no host seen has it (a row
 * written before the host table knew it). */
static struct hosts_row *
row_for(struct hosts_row *rows, size_t *n, const char *key, size_t keymax)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (key_is(key, keymax, rows[i].host))
			return &rows[i];
	memset(&rows[*n], 0, sizeof(rows[*n]));
	snprintf(rows[*n].host, sizeof(rows[*n].host), "%s", key);
	return &rows[(*n)++];
}

int
hosts_data_read(struct store *st, const struct pricing *pr, int64_t now_ms,
                struct hosts_data *hd, char *err, size_t errlen)
{
	struct report_query q = { .group = REPORT_HOST };
	struct report r = { 0 };
	struct store_host *seen = NULL;
	struct hosts_row *rows, *row;
	size_t nseen = 0, n = 0, i;
	int64_t day0 = view_day_start(now_ms, 0), day1 = view_day_start(now_ms, 1);

	q.since_ms = day0;
	q.until_ms = day1;
	if (store_report(st, pr, &q, &r, err, errlen) != 0)
		return -1;
	if (store_hosts_seen(st, &seen, &nseen, err, errlen) != 0) {
		store_report_free(&r);
		return -1;
	}
	rows = calloc(nseen + r.nrows + 1, sizeof(*rows));
	if (rows == NULL) {
		snprintf(err, errlen, "out of memory");
		free(seen);
		store_report_free(&r);
		return -1;
	}
	for (i = 0; i < nseen; i++, n++) {
		snprintf(rows[n].host, sizeof(rows[n].host), "%s", seen[i].host);
		rows[n].last_ms = seen[i].last_ms;
	}
	for (i = 0; i < r.nrows; i++) {
		row = row_for(rows, &n, r.rows[i].key, sizeof(r.rows[i].key));
		row->cost_nanos = num_sat_add(row->cost_nanos, r.rows[i].cost_nanos);
		row->requests = num_sat_add(row->requests, r.rows[i].requests);
		row->unpriced = num_sat_add(row->unpriced, r.rows[i].unpriced_requests);
	}
	hosts_data_free(hd);
	hd->rows = rows;
	hd->n = n;
	hd->total_nanos = r.totals.cost_nanos;
	hd->total_reqs = r.totals.requests;
	hd->day0 = day0;
	hd->day1 = day1;
	for (i = 0; i < n; i++)
		rows[i].share_permille = num_sat_muldiv(rows[i].cost_nanos, 1000, hd->total_nanos);
	free(seen);
	store_report_free(&r);
	return 0;
}

static int64_t
col_value(const struct hosts_row *r, enum hosts_col c)
{
	switch (c) {
	case HCOL_SPEND: return r->cost_nanos;
	case HCOL_REQS:  return r->requests;
	case HCOL_SHARE: return r->share_permille;
	case HCOL_LAST:  return r->last_ms;
	default:         return 0;
	}
}

/* qsort has no argument: the column and order of the sort in progress
 * (one thread). */
static enum hosts_col sort_col;
static int sort_desc;

static int
cmp_rows(const void *pa, const void *pb)
{
	const struct hosts_row *a = pa, *b = pb;
	int64_t va = col_value(a, sort_col), vb = col_value(b, sort_col);
	int r = 0;

	if (sort_col == HCOL_HOST)
		r = strcmp(a->host, b->host);
	else
		r = va < vb ? -1 : va > vb;
	if (sort_desc)
		r = -r;
	return r != 0 ? r : strcmp(a->host, b->host);
}

void
hosts_data_sort(struct hosts_data *hd, enum hosts_col c, int desc)
{
	sort_col = c;
	sort_desc = desc;
	if (hd->n > 1)
		qsort(hd->rows, hd->n, sizeof(hd->rows[0]), cmp_rows);
}

int
hosts_data_find(const struct hosts_data *hd, const char *host)
{
	size_t i;

	for (i = 0; i < hd->n; i++)
		if (strcmp(hd->rows[i].host, host) == 0)
			return (int)i;
	return -1;
}
