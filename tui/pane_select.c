/* pane_select.c — what a dashboard cursor stands on: the key of a row (a
 * model, a batch id, a day), so the cursor follows its row when rows come
 * and go instead of staying on a row number (issue 11, defect 2). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/pane_data.h"

int
pane_row_count(const struct dash_data *d, enum view_pane p, int days)
{
	switch (p) {
	case PANE_MODELS:  return (int)d->nrows;
	case PANE_BATCHES: return (int)d->nbatches;
	case PANE_DAILY:   return days;
	default:           return 0;
	}
}

int
pane_row_key(const struct dash_data *d, enum view_pane p, int i, char *buf, size_t n)
{
	time_t t;
	struct tm tm;

	buf[0] = '\0';
	if (i < 0)
		return -1;
	switch (p) {
	case PANE_MODELS:
		if ((size_t)i >= d->nrows)
			return -1;
		snprintf(buf, n, "%s", d->rows[i].model);
		return 0;
	case PANE_BATCHES:
		if ((size_t)i >= d->nbatches)
			return -1;
		snprintf(buf, n, "%s", d->batches[i].id);
		return 0;
	case PANE_DAILY:
		t = (time_t)(view_day_start(d->now_ms, -i) / 1000);
		localtime_r(&t, &tm);
		strftime(buf, n, "%Y-%m-%d", &tm);
		return 0;
	default:
		return -1;
	}
}

int
pane_find_key(const struct dash_data *d, enum view_pane p, const char *key, int rows)
{
	char k[USAGE_ID_MAX];
	int i;

	if (key == NULL || key[0] == '\0')
		return -1;
	for (i = 0; i < rows; i++)
		if (pane_row_key(d, p, i, k, sizeof(k)) == 0 && strcmp(k, key) == 0)
			return i;
	return -1;
}
