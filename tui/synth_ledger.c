/* synth_ledger.c — fill a ledger with synth rows through the store API
 * (the demo's history, the bench's ten million rows), in long transactions
 * of rows written in bulk (store_put_bulk), as an import writes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/store.h"
#include "tui/synth.h"

/* Local midnight of the day holding ms. */
static int64_t
local_midnight(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Row counts per day, proportional to synth_day_weight (the last day only
 * for its elapsed part); the caller frees. */
static uint64_t *
day_counts(const struct synth_fill *f, int64_t day0)
{
	uint64_t *n = calloc((size_t)f->days, sizeof(*n)), total = 0, given = 0;
	int64_t last_part = f->end_ms - (day0 + (int64_t)(f->days - 1) * 86400000);
	int i;

	if (n == NULL)
		return NULL;
	for (i = 0; i < f->days; i++) {
		n[i] = synth_day_weight(day0 + (int64_t)i * 86400000, i, f->days);
		if (i == f->days - 1)
			n[i] = n[i] * (uint64_t)(last_part > 0 ? last_part : 1) / 86400000 + 1;
		total += n[i];
	}
	for (i = 0; i < f->days; i++) {
		n[i] = f->rows * n[i] / total;
		given += n[i];
	}
	n[f->days - 1] += f->rows - given;
	return n;
}

/* Times of one day's rows, sorted; the day may be cut at end_ms. */
static void
day_times(struct synth_rng *r, int64_t start, int64_t end_ms, int64_t *ts, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		ts[i] = synth_time_in_day(r, start);
		if (ts[i] >= end_ms)
			ts[i] = start + (ts[i] - start) % (end_ms - start > 0 ? end_ms - start : 1);
	}
	qsort(ts, (size_t)n, sizeof(*ts), cmp_i64);
}

int
synth_fill_ledger(struct store *s, struct synth_rng *r, const struct synth_fill *f,
                  uint64_t *added, char *err, size_t errlen)
{
	int64_t day0 = local_midnight(f->end_ms) - (int64_t)(f->days - 1) * 86400000, *ts = NULL;
	uint64_t *counts = NULL, chunk = f->chunk ? f->chunk : 10000, seq = f->seq0, in_tx = 0;
	uint64_t i, max = 0;
	struct usage u;
	enum store_put put;
	int d, rc = -1, open_tx = 0;

	if (added != NULL)
		*added = 0;
	if (f->days < 1 || (counts = day_counts(f, day0)) == NULL) {
		snprintf(err, errlen, "synth: bad day count or out of memory");
		return -1;
	}
	for (d = 0; d < f->days; d++)
		max = counts[d] > max ? counts[d] : max;
	if ((ts = malloc((size_t)(max ? max : 1) * sizeof(*ts))) == NULL) {
		snprintf(err, errlen, "synth: out of memory");
		goto out;
	}
	for (d = 0; d < f->days; d++) {
		day_times(r, day0 + (int64_t)d * 86400000, f->end_ms, ts, counts[d]);
		for (i = 0; i < counts[d]; i++) {
			if (!open_tx) {
				if (store_begin(s, err, errlen) != 0)
					goto out;
				open_tx = 1;
				in_tx = 0;
			}
			synth_row(r, &f->mix, ts[i], seq++, &u);
			if (store_put_bulk(s, &u, &put, err, errlen) != 0)
				goto out;
			if (added != NULL && put == STORE_ADDED)
				(*added)++;
			if (++in_tx >= chunk) {
				if (store_commit(s, err, errlen) != 0)
					goto out;
				open_tx = 0;
			}
		}
	}
	if (open_tx && store_commit(s, err, errlen) != 0)
		goto out;
	open_tx = 0;
	rc = 0;
out:
	if (open_tx)
		store_rollback(s);
	free(ts);
	free(counts);
	return rc;
}
