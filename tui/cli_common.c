/* cli_common.c — helpers every subcommand shares. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/provider.h"
#include "core/text.h"
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
		cli_warn(NULL, "spool: %s (%lld row(s) wait in %s)", err, (long long)left,
		         cli->cfg.spool_path);
	else if (flushed > 0)
		cli_warn(NULL, "%lld spooled row(s) put into the ledger", (long long)flushed);
}

int
cli_spool(const struct cli *cli, struct store *st, const struct spool_item *items, size_t n,
          char *err, size_t errlen)
{
	struct spool *sp = spool_open(cli->cfg.spool_path, err, errlen);
	int rc;

	if (sp == NULL)
		return -1;
	rc = spool_append(sp, st, items, n, NULL, err, errlen);
	spool_close(sp);
	return rc;
}

/* A ledger that exists and that others may read: said once a process, as
 * ssh does for a key file (the ledger holds what was asked of which model,
 * by tag, and when). */
static void
warn_ledger_mode(const char *path)
{
	static int said;
	struct stat sb;

	if (said || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 044) == 0)
		return;
	said = 1;
	cli_warn(NULL, "warning: %s is readable by others (mode %04o); chmod 600 %s", path,
	    (unsigned)(sb.st_mode & 07777), path);
}

static int
load_prices(struct cli *cli, struct pricing **pr)
{
	char err[512];

	if (pr == NULL)
		return EXIT_OK;
	*pr = pricing_load(cli->cfg.prices_path, cli->cfg.user_prices_path, err, sizeof(err));
	if (*pr == NULL) {
		cli_warn(NULL, "prices: %s", err);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* *st failed to open (err says why): free the prices, say it. */
static int
open_failed(struct pricing **pr, const char *err)
{
	cli_warn(NULL, "%s", err);
	if (pr != NULL) {
		pricing_free(*pr);
		*pr = NULL;
	}
	return EXIT_RUNTIME;
}

/* The ledger setting's syntax: a malformed URI is a usage error (exit 2)
 * naming the part that is wrong, before anything is opened. */
static int
check_target(const struct cli *cli, struct pricing **pr)
{
	char err[1024];

	if (store_target_check(cli->cfg.db_path, err, sizeof(err)) == 0)
		return EXIT_OK;
	cli_warn(NULL, "ledger %s", err);
	if (pr != NULL) {
		pricing_free(*pr);
		*pr = NULL;
	}
	return EXIT_USAGE;
}

int
cli_open(struct cli *cli, struct store **st, struct pricing **pr)
{
	char err[1024];

	if (load_prices(cli, pr) != EXIT_OK)
		return EXIT_RUNTIME;
	if (st != NULL && check_target(cli, pr) != EXIT_OK)
		return EXIT_USAGE;
	if (st != NULL) {
		warn_ledger_mode(cli->cfg.db_path);
		*st = store_open_host(cli->cfg.db_path, cli->cfg.host, err, sizeof(err));
		if (*st == NULL)
			return open_failed(pr, err);
		flush_spool(cli, *st);
	}
	return EXIT_OK;
}

/*
 * prefix, the message of fmt sanitised (text_sanitize: it often holds a
 * server's message, a model name or a file name) and suffix, as one line on
 * f in one call, so lines from threads do not interleave.
 */
static void
vemit(FILE *f, const char *prefix, const char *suffix, const char *fmt, va_list ap)
{
	char *msg = NULL, *clean = NULL;

	if (vasprintf(&msg, fmt, ap) >= 0)
		clean = text_sanitize_dup(msg, 0);
	fprintf(f, "%s%s%s\n", prefix, clean != NULL ? clean : "out of memory", suffix);
	free(clean);
	free(msg);
}

/* "tokentop CMD: " ("tokentop: " without a command) into buf. */
static const char *
prefix(const char *cmd, char *buf, size_t n)
{
	snprintf(buf, n, "tokentop%s%s: ", cmd != NULL ? " " : "", cmd != NULL ? cmd : "");
	return buf;
}

int
cli_open_ro(struct cli *cli, struct store **st, struct pricing **pr)
{
	const char *path = cli->cfg.db_path;
	char err[1024];
	int stale = 0;

	/* no ledger file yet: made as any command makes it, and empty (a
	 * server's ledger, a URI, is opened as any command opens it) */
	if (access(path, F_OK) != 0 || strcmp(path, ":memory:") == 0)
		return cli_open(cli, st, pr);
	if (load_prices(cli, pr) != EXIT_OK)
		return EXIT_RUNTIME;
	warn_ledger_mode(path);
	*st = store_open_ro(path, &stale, err, sizeof(err));
	/* an older schema is migrated by the one open that may, when it can */
	if (*st == NULL && stale && access(path, W_OK) == 0)
		*st = store_open_host(path, cli->cfg.host, err, sizeof(err));
	if (*st == NULL)
		return open_failed(pr, err);
	store_set_host(*st, cli->cfg.host);    /* this host, for those who show it */
	return EXIT_OK;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char pre[64], suffix[64];
	va_list ap;

	snprintf(suffix, sizeof(suffix), " (see tokentop %s --help)", cmd);
	va_start(ap, fmt);
	vemit(stderr, prefix(cmd, pre, sizeof(pre)), suffix, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int
cli_fail(const char *cmd, const char *fmt, ...)
{
	char pre[64];
	va_list ap;

	va_start(ap, fmt);
	vemit(stderr, prefix(cmd, pre, sizeof(pre)), "", fmt, ap);
	va_end(ap);
	return EXIT_RUNTIME;
}

void
cli_warn(const char *cmd, const char *fmt, ...)
{
	char pre[64];
	va_list ap;

	va_start(ap, fmt);
	vemit(stderr, prefix(cmd, pre, sizeof(pre)), "", fmt, ap);
	va_end(ap);
}

void
cli_line(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(f, "", "", fmt, ap);
	va_end(ap);
}

void
cli_put_text(FILE *f, const char *text, size_t len)
{
	char *copy, *clean = NULL;

	if (!isatty(fileno(f))) {
		fwrite(text, 1, len, f);
		return;
	}
	if ((copy = strndup(text, len)) != NULL)
		clean = text_sanitize_dup(copy, TEXT_LINES);
	fputs(clean != NULL ? clean : "(out of memory)", f);
	free(clean);
	free(copy);
}

void
cli_put(FILE *f, const char *s)
{
	char buf[512], *big = NULL;
	size_t need = (s != NULL ? strlen(s) : 0) * 3 + 1;

	if (need > sizeof(buf) && (big = text_sanitize_dup(s, 0)) != NULL)
		fputs(big, f);
	else
		fputs(text_sanitize(s, buf, sizeof(buf), 0), f);
	free(big);
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

int
cli_json(FILE *f, struct json_t *j, size_t flags)
{
	char *text = json_dumps(j, flags);
	int rc;

	if (text == NULL)
		return -1;
	rc = text_json_write(f, text) == 0 && fputc('\n', f) != EOF ? 0 : -1;
	free(text);
	return rc;
}

int
cli_provider_arg(const char *cmd, const char *name)
{
	if (name[0] == '\0' || provider_by_name(name) == NULL)
		return cli_usage_error(cmd, "--provider: unknown provider '%s' (anthropic or"
		    " openai)", name);
	return EXIT_OK;
}
