/* cli_common.c — helpers every subcommand shares. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "data/spool.h"
#include "tui/cli.h"

/* Rows spooled while this ledger took no writes (data/spool.h) go in now,
 * before this command writes anything; a failure is a note, not fatal. */
static void
flush_spool(const struct cli *cli, struct store *st)
{
	int64_t flushed = 0, left = 0;
	char err[512];

	if (spool_flush_path(cli->cfg.spool_path, st, &flushed, &left, err, sizeof(err)) != 0)
		fprintf(stderr, "tokentop: spool: %s (%lld row(s) wait in %s)\n", err,
		        (long long)left, cli->cfg.spool_path);
	else if (flushed > 0)
		fprintf(stderr, "tokentop: %lld spooled row(s) put into the ledger\n",
		        (long long)flushed);
}

int
cli_open(struct cli *cli, struct store **st, struct pricing **pr)
{
	char err[512];

	if (pr != NULL) {
		*pr = pricing_load(cli->cfg.prices_path, cli->cfg.user_prices_path, err, sizeof(err));
		if (*pr == NULL) {
			fprintf(stderr, "tokentop: prices: %s\n", err);
			return EXIT_RUNTIME;
		}
	}
	if (st != NULL) {
		*st = store_open(cli->cfg.db_path, err, sizeof(err));
		if (*st == NULL) {
			fprintf(stderr, "tokentop: %s\n", err);
			if (pr != NULL) {
				pricing_free(*pr);
				*pr = NULL;
			}
			return EXIT_RUNTIME;
		}
		flush_spool(cli, *st);
	}
	return EXIT_OK;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tokentop %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see tokentop %s --help)\n", cmd);
	return EXIT_USAGE;
}

int
cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tokentop %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_RUNTIME;
}

int
cli_parse_date(const char *s, int end_of_day, int64_t *ms)
{
	struct tm tm, chk;
	int y, m, d, n = 0;
	time_t t;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0' ||
	    strlen(s) != 10)
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 || y > 9999)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + (end_of_day ? 1 : 0);
	tm.tm_isdst = -1;
	chk = tm;
	chk.tm_mday = d;
	/* reject 2026-02-30: mktime would normalise it into March */
	t = mktime(&chk);
	if (t == (time_t)-1 || chk.tm_mday != d || chk.tm_mon != m - 1)
		return -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -1;
	*ms = (int64_t)t * 1000;
	return 0;
}

int
cli_set_tz(const char *tz)
{
	char path[512];

	if (tz == NULL || tz[0] == '\0')
		return 0;
	/* glibc silently falls back to UTC for unknown zones: check the file. */
	if (strcmp(tz, "UTC") != 0 && strcmp(tz, "GMT") != 0) {
		const char *dir = getenv("TZDIR");

		snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : "/usr/share/zoneinfo",
		    tz[0] == ':' ? tz + 1 : tz);
		if (tz[0] == '/' ? access(tz, R_OK) != 0 : access(path, R_OK) != 0)
			return -1;
	}
	if (setenv("TZ", tz, 1) != 0)
		return -1;
	tzset();
	return 0;
}

char *
cli_group(int64_t n, char *buf, size_t len)
{
	char tmp[32];
	size_t i, j = 0, digits;
	int neg = n < 0;
	uint64_t u = neg ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;

	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)u);
	digits = strlen(tmp);
	if (len == 0)
		return buf;
	if (neg && j + 1 < len)
		buf[j++] = '-';
	for (i = 0; i < digits && j + 1 < len; i++) {
		if (i > 0 && (digits - i) % 3 == 0 && j + 1 < len)
			buf[j++] = ',';
		if (j + 1 < len)
			buf[j++] = tmp[i];
	}
	buf[j] = '\0';
	return buf;
}

int64_t
cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
