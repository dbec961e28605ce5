/* test_import_pool.c — the line classifier's worker pool (core/import_pool.c):
 * whatever the number of threads, or a shared pool, the sink sees exactly
 * what the single-threaded reader gives it; and import_files, every file in
 * one pipeline, gives what import_file file by file gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/import.h"
#include "tests/lib/fx.h"

/* A Claude Code line with no usage (as in tests/test_import.c). */
#define USER "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"hello\"}," \
	"\"timestamp\":\"2025-06-02T22:40:30.000Z\"}\n"

/* ---- threads change nothing the sink sees --------------------------------- */
/* Every event as text, in one growing buffer; rows and outcomes with a hash
 * of all their bytes. */
struct biglog {
	char             *s;
	size_t            n, cap;
	int               stop_at_row, rows;
};

static void
big_add(struct biglog *b, const char *fmt, ...)
{
	char line[768];
	va_list ap;
	size_t k;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	k = strlen(line);
	if (b->n + k + 2 > b->cap) {
		b->cap = (b->n + k + 2) * 2;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	memcpy(b->s + b->n, line, k);
	b->n += k;
	b->s[b->n++] = '\n';
	b->s[b->n] = '\0';
}

static uint64_t
fnv(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 14695981039346656037ULL;

	while (n-- > 0)
		h = (h ^ *c++) * 1099511628211ULL;
	return h;
}

static int
big_begin(void *arg, const struct import_where *w, const struct import_pos *start)
{
	big_add(arg, "begin %s %lld %lld/%lld", w->path, (long long)w->line,
	    (long long)start->offset, (long long)start->line);
	return 0;
}

static int
big_row(void *arg, const struct import_where *w, const struct usage *u)
{
	struct biglog *b = arg;

	big_add(b, "row %lld %s %s %s %s out=%lld side=%d ts=%lld #%016llx", (long long)w->line,
	    import_format_name(w->format), u->model, u->message_id, u->request_id,
	    (long long)u->tok.output, u->sidechain, (long long)u->ts_ms,
	    (unsigned long long)fnv(u, sizeof(*u)));
	return ++b->rows == b->stop_at_row;
}

static int
big_result(void *arg, const struct import_where *w, const struct usage_result *res)
{
	big_add(arg, "result %lld %s %s %s #%016llx", (long long)w->line,
	    import_format_name(w->format), res->custom_id, res->type,
	    (unsigned long long)fnv(res, sizeof(*res)));
	return 0;
}

static int
big_malformed(void *arg, const struct import_where *w, const char *reason)
{
	big_add(arg, "bad %lld %s %s", (long long)w->line, import_format_name(w->format), reason);
	return 0;
}

static int
big_ckpt(void *arg, const struct import_where *w, const struct import_pos *pos)
{
	big_add(arg, "ckpt %lld %lld/%lld size=%lld", (long long)w->line, (long long)pos->offset,
	    (long long)pos->line, (long long)pos->size);
	return 0;
}

static const struct import_sink big_sink = {
	.file_begin = big_begin,
	.row = big_row,
	.result = big_result,
	.malformed = big_malformed,
	.checkpoint = big_ckpt,
};

static uint32_t seed;

static uint32_t
rnd(uint32_t n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

/* One transcript-ish line of every kind the reader meets. */
static void
messy_line(FILE *f, int i)
{
	switch (rnd(16)) {
	case 0:
		fputs(USER, f);
		break;
	case 1:
		fputs("   \n", f);
		break;
	case 2:
		fprintf(f, "{\"message\":{\"usage\":{\"input_tokens\":%d}, broken\n", i);
		break;
	case 3:
		fprintf(f, "{\"timestamp\":\"2025-06-02T22:40:37Z\",\"message\":{\"model\":\"m\","
		    "\"usage\":{\"output_tokens\":-%d}}}\n", i);
		break;
	case 4:
		fprintf(f, "{\"x\":\"%0*d\",\"message\":{\"model\":\"m\",\"usage\":{}}}\n", 700, i);
		break;                               /* too long for max_line 600 */
	case 5:
		fprintf(f, "{\"custom_id\":\"c%d\",\"result\":{\"type\":\"expired\"}}\n", i);
		break;
	case 6:
		fprintf(f, "{\"id\":\"msg_%d\",\"model\":\"m\",\"usage\":{\"output_tokens\":%d}}\n", i, i);
		break;
	default:
		fprintf(f, "{\"type\":\"assistant\",\"isSidechain\":%s,\"timestamp\":"
		    "\"2025-06-%02uT10:%02u:%02u.%03uZ\",\"requestId\":\"req_%u\",\"message\":{\"id\":"
		    "\"msg_%u\",\"model\":\"claude-%s\",\"content\":[{\"type\":\"text\",\"text\":"
		    "\"line %d\"}],\"usage\":{\"input_tokens\":%u,\"output_tokens\":%u,"
		    "\"cache_read_input_tokens\":%u}}}\n", rnd(2) ? "true" : "false", 1 + rnd(28),
		    rnd(60), rnd(60), rnd(1000), rnd(500), rnd(500),
		    rnd(3) ? "opus-4-20250514" : "haiku-4-5", i, rnd(100), rnd(3000), rnd(90000));
	}
}

/* Files that cover the reader's paths: the format decided late (past a
 * chunk) or never, each format, a partial last line, an empty file. */
static void
write_messy(char paths[][128], int nfiles)
{
	FILE *f;
	int k, i, lines;

	seed = 42;
	for (k = 0; k < nfiles; k++) {
		snprintf(paths[k], 128, "%s/messy%d.jsonl", fx_tmpdir, k);
		f = fopen(paths[k], "w");
		assert_non_null(f);
		lines = k == nfiles - 1 ? 0 : 300 + (int)rnd(1500);
		for (i = 0; i < 150 * (k % 2); i++)   /* odd files: not telling for 150 lines */
			fputs(i % 7 == 3 ? "{\"usage\":[1], \"x\":1}\n" : USER, f);
		if (k % 3 == 1)
			fputs("{\"custom_id\":\"b1\",\"result\":{\"type\":\"succeeded\",\"message\":"
			    "{\"id\":\"msg_b\",\"model\":\"claude-haiku-4-5\",\"usage\":"
			    "{\"output_tokens\":4}}}}\n", f);
		for (i = 0; i < lines; i++)
			messy_line(f, i);
		if (k == 2)
			fputs("{\"type\":\"assistant\",\"message\":", f);   /* still being written */
		fclose(f);
	}
}

/* Import every file with jobs threads (or pool's), into b; the stats and
 * errors too. */
static void
import_all(char paths[][128], int nfiles, int jobs, struct import_pool *pool, int stop_at,
           struct biglog *b)
{
	struct import_opts o = { IMPORT_AUTO, 7, 600, jobs, pool };
	struct import_stats st;
	char err[256];
	int k, rc;

	memset(b, 0, sizeof(*b));
	memset(&st, 0, sizeof(st));
	b->stop_at_row = stop_at;
	for (k = 0; k < nfiles; k++) {
		err[0] = '\0';
		rc = import_file(paths[k], &o, &big_sink, b, &st, err, sizeof(err));
		big_add(b, "file %d rc=%d %s", k, rc, rc != 0 ? err : "");
		if (rc != 0)
			break;
	}
	big_add(b, "stats files=%lld bytes=%lld lines=%lld rows=%lld results=%lld skipped=%lld "
	    "malformed=%lld", (long long)st.files, (long long)st.bytes, (long long)st.lines,
	    (long long)st.rows, (long long)st.results, (long long)st.skipped,
	    (long long)st.malformed);
}

/* The same through import_files (all files in one pipeline): the events
 * and stats as text, and the error apart. */
static void
import_files_all(char paths[][128], int nfiles, int jobs, struct import_pool *pool,
                 int stop_at, struct biglog *b, char *err, size_t errlen)
{
	struct import_opts o = { IMPORT_AUTO, 7, 600, jobs, pool };
	struct import_stats st;
	char *files[16];
	int k;

	memset(b, 0, sizeof(*b));
	memset(&st, 0, sizeof(st));
	b->stop_at_row = stop_at;
	for (k = 0; k < nfiles; k++)
		files[k] = paths[k];
	files[nfiles] = NULL;
	err[0] = '\0';
	if (import_files(files, &o, &big_sink, b, &st, err, errlen) == 0)
		err[0] = '\0';
	big_add(b, "stats files=%lld bytes=%lld lines=%lld rows=%lld results=%lld skipped=%lld "
	    "malformed=%lld", (long long)st.files, (long long)st.bytes, (long long)st.lines,
	    (long long)st.rows, (long long)st.results, (long long)st.skipped,
	    (long long)st.malformed);
}

/* A file-by-file log without its "file K rc=..." lines; the last error. */
static void
strip_files(char *s, char *err, size_t errlen)
{
	char *in = s, *out = s, *nl;

	err[0] = '\0';
	while (*in != '\0') {
		nl = strchr(in, '\n');
		size_t n = nl != NULL ? (size_t)(nl - in) + 1 : strlen(in);

		if (strncmp(in, "file ", 5) == 0) {
			char *sp = strstr(in, "rc=-1 ");

			if (sp != NULL && sp < in + n)
				snprintf(err, errlen, "%.*s", (int)(in + n - 1 - (sp + 6)), sp + 6);
		} else {
			memmove(out, in, n);
			out += n;
		}
		in += n;
	}
	*out = '\0';
}

/* Lines read straight into the chunks: a line longer than a chunk's buffer
 * (it grows), one longer than max_line across many reads (skipped), short
 * lines across chunk ends (carried to the next), a partial last line (not
 * consumed): the same with any number of threads, and as counted. */
static void
test_lines_across_chunks(void **state)
{
	static const int jobs[] = { 1, 2, 0 };
	struct import_opts o = { IMPORT_AUTO, 0, 2 * 1024 * 1024, 0, NULL };
	struct import_stats st;
	char paths[2][128], *files[3], err[256], *pad, *want = NULL;
	struct biglog b;
	FILE *f;
	size_t i;
	int k;

	(void)state;
	pad = malloc(2500001);
	assert_non_null(pad);
	memset(pad, 'x', 2500000);
	pad[2500000] = '\0';
	for (k = 0; k < 2; k++) {
		snprintf(paths[k], sizeof(paths[k]), "%s/chunks%d.jsonl", fx_tmpdir, k);
		files[k] = paths[k];
		assert_non_null(f = fopen(paths[k], "w"));
		for (i = 0; i < (k == 0 ? 1000u : 10u); i++) {
			if (k == 0 && i == 700)      /* 1.2 MB, within max_line */
				fprintf(f, "{\"id\":\"msg_big\",\"model\":\"m\",\"pad\":\"%.1200000s\","
				    "\"usage\":{\"output_tokens\":7}}\n", pad);
			else if (k == 0 && i == 701)
				fprintf(f, "%s\n", pad);            /* 2.5 MB: too long */
			else
				fprintf(f, "{\"id\":\"msg_%zu\",\"model\":\"m\",\"usage\":"
				    "{\"output_tokens\":%zu}}\n", i, i);
		}
		if (k == 0)
			fputs("{\"id\":", f);                   /* still being written */
		fclose(f);
	}
	files[2] = NULL;
	free(pad);
	for (i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
		memset(&b, 0, sizeof(b));
		memset(&st, 0, sizeof(st));
		o.jobs = jobs[i];
		assert_int_equal(import_files(files, &o, &big_sink, &b, &st, err, sizeof(err)), 0);
		assert_int_equal(st.rows, 999 + 10);
		assert_int_equal(st.lines, 1000 + 10);
		assert_int_equal(st.malformed, 1);
		assert_non_null(strstr(b.s, "\nbad 702 messages line longer than 2097152 bytes\n"));
		assert_non_null(strstr(b.s, "\nrow 701 messages m msg_big  out=7 "));
		if (want == NULL)
			want = b.s;
		else if (strcmp(want, b.s) != 0)
			fail_msg("jobs %d: not what one thread gave", jobs[i]);
		else
			free(b.s);
	}
	free(want);
}

/* Threads of this process (/proc/self/task). */
static int
threads(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* A shared pool starts its workers with the first chunk of lines, not
 * before: an import with nothing to read (a re-run, every file at its
 * mark) starts no thread (issue 12: a re-import's start-up). */
static void
test_pool_starts_with_work(void **state)
{
	char paths[7][128], err[256];
	struct import_pool *pool;
	struct biglog b;
	int before;

	(void)state;
	write_messy(paths, 7);
	before = threads();
	assert_non_null(pool = import_pool_new(2));
	assert_int_equal(threads(), before);
	import_files_all(&paths[6], 1, 0, pool, 0, &b, err, sizeof(err));   /* the empty file */
	free(b.s);
	assert_string_equal(err, "");
	assert_int_equal(threads(), before);
	import_files_all(paths, 6, 0, pool, 0, &b, err, sizeof(err));
	assert_non_null(strstr(b.s, "\nrow "));
	free(b.s);
	assert_int_equal(threads(), before + 2);
	import_pool_free(pool);
	assert_int_equal(threads(), before);
}

static void
test_jobs_same(void **state)
{
	static const int jobs[] = { 2, 3, 8, 0, 2, 0 };   /* the last two: a pool */
	static const int all_jobs[] = { 1, 2, 3, 8, 0, 2, 0 };
	struct import_pool *pools[2];
	char paths[7][128], want_err[256], got_err[256];
	struct biglog one, many;
	size_t i;
	int stop;

	(void)state;
	write_messy(paths, 7);
	pools[0] = import_pool_new(2);
	pools[1] = import_pool_new(0);
	assert_non_null(pools[0]);
	assert_non_null(pools[1]);
	/* with a pool, a stopped import leaves it ready for the next */
	for (stop = 0; stop <= 1400; stop += 700) {
		import_all(paths, 7, 1, NULL, stop, &one);
		assert_non_null(strstr(one.s, "\nrow "));
		assert_non_null(strstr(one.s, " line longer than 600 bytes\n"));
		assert_non_null(strstr(one.s, " invalid JSON at column "));
		if (stop == 0 && strstr(one.s, "\nresult ") == NULL)
			fail_msg("no batch outcome");
		if (stop > 0 && strstr(one.s, ": import stopped\n") == NULL)
			fail_msg("no stop: %s", strstr(one.s, "stats"));
		for (i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
			import_all(paths, 7, jobs[i], i >= 4 ? pools[i - 4] : NULL, stop, &many);
			if (strcmp(one.s, many.s) != 0) {
				size_t k = 0;

				while (one.s[k] == many.s[k])
					k++;
				fail_msg("jobs %d%s, stop %d: differs at byte %zu: ...%.200s", jobs[i],
				    i >= 4 ? " (pool)" : "", stop, k,
				    many.s + (k > 100 ? k - 100 : 0));
			}
			free(many.s);
		}
		/* every file in one pipeline: what the file-by-file import gave */
		strip_files(one.s, want_err, sizeof(want_err));
		for (i = 0; i < sizeof(all_jobs) / sizeof(all_jobs[0]); i++) {
			import_files_all(paths, 7, all_jobs[i], i >= 5 ? pools[i - 5] : NULL, stop,
			    &many, got_err, sizeof(got_err));
			if (strcmp(one.s, many.s) != 0 || strcmp(want_err, got_err) != 0) {
				size_t k = 0;

				while (one.s[k] == many.s[k])
					k++;
				fail_msg("import_files, jobs %d%s, stop %d: differs at byte %zu: "
				    "...%.200s (error '%s', want '%s')", all_jobs[i],
				    i >= 5 ? " (pool)" : "", stop, k, many.s + (k > 100 ? k - 100 : 0),
				    got_err, want_err);
			}
			free(many.s);
		}
		free(one.s);
	}
	import_pool_free(pools[0]);
	import_pool_free(pools[1]);
	import_pool_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_same),
		cmocka_unit_test(test_pool_starts_with_work),
		cmocka_unit_test(test_lines_across_chunks),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
