/* view_date.c — the console's local days, months and report periods (see
 * view.h, "dates"): mktime does the calendar, so DST and month lengths
 * are the C library's. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/view.h"

/* ---- dates -------------------------------------------------------------- */

int64_t
view_day_start(int64_t ms, int days)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

int64_t
view_month_start(int64_t ms, int months)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_mday = 1;
	tm.tm_mon += months;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static int64_t
local_ms(int y, int mon, int mday, int hour)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

int
view_period_range(char kind, const char *key, int64_t *since, int64_t *until)
{
	int y, m, d, h, wk, jan4wd;
	char tail;
	struct tm tm;
	time_t t;

	switch (kind) {
	case 'h':
		if (sscanf(key, "%4d-%2d-%2d %2d%c", &y, &m, &d, &h, &tail) != 4 || h < 0 || h > 23)
			return -1;
		*since = local_ms(y, m, d, h);
		*until = local_ms(y, m, d, h + 1);
		return 0;
	case 'd':
		if (sscanf(key, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 ||
		    d < 1 || d > 31)
			return -1;
		*since = local_ms(y, m, d, 0);
		*until = local_ms(y, m, d + 1, 0);
		return 0;
	case 'm':
		if (sscanf(key, "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12)
			return -1;
		*since = local_ms(y, m, 1, 0);
		*until = local_ms(y, m + 1, 1, 0);
		return 0;
	case 'w':
		if (sscanf(key, "%4d-W%2d%c", &y, &wk, &tail) != 2 || wk < 1 || wk > 53)
			return -1;
		/* week 1 holds January 4th; weeks start on Monday */
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mday = 4;
		tm.tm_hour = 12;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		localtime_r(&t, &tm);
		jan4wd = (tm.tm_wday + 6) % 7;   /* Monday = 0 */
		d = 4 - jan4wd + (wk - 1) * 7;
		*since = local_ms(y, 1, d, 0);
		*until = local_ms(y, 1, d + 7, 0);
		return 0;
	}
	return -1;
}
