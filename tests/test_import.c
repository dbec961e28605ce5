/* test_import.c — the streaming import reader on temporary files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/import.h"
#include "tests/lib/fx.h"

/* ---- a sink that records what it was given -------------------------------- */

struct rec {
	char              log[64][160];   /* one line per event */
	int               n;
	struct import_pos mark;           /* one file's mark */
	int               have_mark;
	int               stop_at_row;    /* stop when this row arrives (1-based); 0 = never */
	int               rows;
	int               ckpts;
};

static void
logf_(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n >= 64)
		fail_msg("too many events");
	va_start(ap, fmt);
	vsnprintf(r->log[r->n++], sizeof(r->log[0]), fmt, ap);
	va_end(ap);
}

static int
rec_mark_get(void *arg, const char *key, struct import_pos *pos, int *found)
{
	struct rec *r = arg;

	(void)key;
	*found = r->have_mark;
	if (r->have_mark)
		*pos = r->mark;
	return 0;
}

static int
rec_begin(void *arg, const struct import_where *w, const struct import_pos *start)
{
	logf_(arg, "begin %lld/%lld", (long long)start->offset, (long long)start->line);
	(void)w;
	return 0;
}

static int
rec_row(void *arg, const struct import_where *w, const struct usage *u)
{
	struct rec *r = arg;

	logf_(r, "row %lld %s %s %s out=%lld side=%d ts=%lld", (long long)w->line,
	    import_format_name(w->format), u->model, u->message_id, (long long)u->tok.output,
	    u->sidechain, (long long)u->ts_ms);
	if (++r->rows == r->stop_at_row)
		return 1;
	return 0;
}

static int
rec_result(void *arg, const struct import_where *w, const struct usage_result *res)
{
	logf_(arg, "result %lld %s %s [%s] out=%lld %s", (long long)w->line, res->custom_id,
	    res->type, res->error, (long long)res->u.tok.output, res->u.source);
	return 0;
}

static int
rec_malformed(void *arg, const struct import_where *w, const char *reason)
{
	logf_(arg, "bad %lld %s", (long long)w->line, reason);
	return 0;
}

static int
rec_ckpt(void *arg, const struct import_where *w, const struct import_pos *pos)
{
	struct rec *r = arg;

	(void)w;
	r->mark = *pos;
	r->have_mark = 1;
	r->ckpts++;
	logf_(r, "ckpt %lld/%lld", (long long)pos->offset, (long long)pos->line);
	return 0;
}

static const struct import_sink sink = {
	.mark_get = rec_mark_get,
	.file_begin = rec_begin,
	.row = rec_row,
	.result = rec_result,
	.malformed = rec_malformed,
	.checkpoint = rec_ckpt,
};

/* Events whose text starts with prefix, in order, joined by '|'. */
static const char *
events(const struct rec *r, const char *prefix, char *buf, size_t n)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < r->n; i++) {
		if (strncmp(r->log[i], prefix, strlen(prefix)) != 0)
			continue;
		if (buf[0] != '\0')
			strncat(buf, "|", n - strlen(buf) - 1);
		strncat(buf, r->log[i], n - strlen(buf) - 1);
	}
	return buf;
}

static const char *
path_of(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", fx_tmpdir, name);
	return buf;
}

static void
write_file(const char *path, const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
run(const char *path, enum import_format fmt, struct rec *r, struct import_stats *st)
{
	struct import_opts o = { fmt, 0, 0, 0, NULL };
	char err[256];
	int rc;

	r->n = 0;
	memset(st, 0, sizeof(*st));
	rc = import_file(path, &o, &sink, r, st, err, sizeof(err));
	if (rc != 0)
		print_message("import_file: %s\n", err);
	return rc;
}

#define MSG(id, out) \
	"{\"id\":\"" id "\",\"type\":\"message\",\"model\":\"claude-haiku-4-5\"," \
	"\"usage\":{\"input_tokens\":10,\"output_tokens\":" #out "}}\n"

static void
test_messages(void **state)
{
	char path[128], buf[1024];
	struct rec r = { 0 };
	struct import_stats st;

	(void)state;
	path_of("resp.jsonl", path, sizeof(path));
	write_file(path, "w", MSG("msg_a", 5) "\n{\"model\":\"m\",\"usage\":{\"output_tokens\":\"x\"}}\n"
	    MSG("msg_b", 6) "not json at all\n");
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_string_equal(events(&r, "row", buf, sizeof(buf)),
	    "row 1 messages claude-haiku-4-5 msg_a out=5 side=0 ts=0|"
	    "row 4 messages claude-haiku-4-5 msg_b out=6 side=0 ts=0");
	/* jansson's own wording after "invalid JSON" varies by version */
	assert_non_null(strstr(events(&r, "bad", buf, sizeof(buf)),
	    "bad 3 usage.output_tokens: not a non-negative integer|bad 5 invalid JSON at column "));
	assert_int_equal(st.rows, 2);
	assert_int_equal(st.malformed, 2);
	assert_int_equal(st.skipped, 3);           /* the blank line and the two bad ones */
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.files, 1);
	assert_int_equal(r.mark.line, 5);
	assert_int_equal(r.mark.offset, st.bytes);
	assert_string_equal(r.log[0], "begin 0/0");
}

static void
test_batch_results(void **state)
{
	char path[128], buf[2048];
	struct rec r = { 0 };
	struct import_stats st;

	(void)state;
	path_of("msgbatch_01.jsonl", path, sizeof(path));
	/* the first line carries no usage: still decides the format */
	write_file(path, "w",
	    "{\"custom_id\":\"c\",\"result\":{\"type\":\"canceled\"}}\n"
	    "{\"custom_id\":\"a\",\"result\":{\"type\":\"succeeded\",\"message\":{\"id\":\"msg_1\","
	    "\"type\":\"message\",\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":1,"
	    "\"output_tokens\":9,\"service_tier\":\"batch\"}}}}\n"
	    "{\"custom_id\":\"b\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\","
	    "\"error\":{\"type\":\"invalid_request_error\",\"message\":\"bad\"}}}}\n"
	    "{\"custom_id\":\"d\",\"result\":{\"type\":\"expired\"}}\n"
	    "{\"custom_id\":\"e\",\"result\":{\"type\":\"nope\"}}\n");
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_string_equal(events(&r, "result", buf, sizeof(buf)),
	    "result 1 c canceled [] out=0 |"
	    "result 2 a succeeded [] out=9 batch|"
	    "result 3 b errored [invalid_request_error: bad] out=0 |"
	    "result 4 d expired [] out=0 ");
	assert_string_equal(events(&r, "bad", buf, sizeof(buf)),
	    "bad 5 result.type: not succeeded/errored/canceled/expired");
	assert_int_equal(st.results, 4);
	assert_int_equal(st.rows, 1);
	assert_int_equal(st.skipped, 4);           /* 3 unbilled outcomes + 1 malformed */
}

#define CC(ts, id, model, out, side) \
	"{\"type\":\"assistant\",\"isSidechain\":" side ",\"sessionId\":\"s1\",\"timestamp\":\"" ts \
	"\",\"requestId\":\"req_" id "\",\"message\":{\"id\":\"msg_" id "\",\"type\":\"message\"," \
	"\"model\":\"" model "\",\"usage\":{\"input_tokens\":3,\"output_tokens\":" #out "," \
	"\"cache_creation_input_tokens\":161,\"cache_read_input_tokens\":89356}}}\n"
#define USER "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"hello\"}," \
	"\"timestamp\":\"2025-06-02T22:40:30.000Z\"}\n"

static void
test_claude_code(void **state)
{
	char path[128], buf[2048];
	struct rec r = { 0 };
	struct import_stats st;

	(void)state;
	path_of("session.jsonl", path, sizeof(path));
	write_file(path, "w",
	    "{\"type\":\"summary\",\"summary\":\"x\"}\n" USER
	    CC("2025-06-02T22:40:37.397Z", "1", "claude-opus-4-20250514", 1, "false")
	    CC("2025-06-02T22:40:37.500Z", "1", "claude-opus-4-20250514", 97, "false")
	    CC("2025-06-02T22:40:38.000Z", "1", "claude-opus-4-20250514", 97, "true")
	    CC("2025-06-02T22:40:39.000Z", "2", "<synthetic>", 0, "false")
	    "{\"type\":\"assistant\",\"timestamp\":\"2025-06-02T22:41:00Z\",\"message\":{\"model\":"
	    "\"m\",\"usage\":{\"output_tokens\":3}\n"
	    "{\"type\":\"assistant\",\"timestamp\":\"noon\",\"message\":{\"model\":\"m\",\"usage\":{}}}\n");
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	/* every streaming copy is delivered: dedupe is the store's job */
	assert_string_equal(events(&r, "row", buf, sizeof(buf)),
	    "row 3 claude-code claude-opus-4-20250514 msg_1 out=1 side=0 ts=1748904037397|"
	    "row 4 claude-code claude-opus-4-20250514 msg_1 out=97 side=0 ts=1748904037500|"
	    "row 5 claude-code claude-opus-4-20250514 msg_1 out=97 side=1 ts=1748904038000");
	events(&r, "bad", buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "bad 7 invalid JSON at column ", 29), 0);
	assert_non_null(strstr(buf, "|bad 8 timestamp: not an RFC 3339 time: \"noon\""));
	assert_int_equal(st.rows, 3);
	assert_int_equal(st.skipped, 5);   /* summary, user, synthetic, 2 malformed */
	assert_int_equal(st.malformed, 2);
}

static void
test_forced_format(void **state)
{
	char path[128], buf[1024];
	struct rec r = { 0 };
	struct import_stats st;

	(void)state;
	path_of("resp2.jsonl", path, sizeof(path));
	write_file(path, "w", MSG("msg_a", 5));
	/* read as transcripts, a bare response has no message.usage: skipped */
	assert_int_equal(run(path, IMPORT_CLAUDE_CODE, &r, &st), 0);
	assert_int_equal(st.rows, 0);
	assert_int_equal(st.skipped, 1);
	/* read as results, it is malformed */
	r.have_mark = 0;
	assert_int_equal(run(path, IMPORT_BATCH_RESULTS, &r, &st), 0);
	assert_string_equal(events(&r, "bad", buf, sizeof(buf)), "bad 1 custom_id: missing");
}

/*
 * The line that decides a file's format is parsed once: its row, outcome or
 * error comes from that parse, and reads as it would in a forced format.
 */
static void
test_telling_line(void **state)
{
	static const struct {
		const char *text;
		const char *want;       /* the events, rows and bad lines */
	} cases[] = {
		{ "{\"model\":\"m\",\"usage\":{\"output_tokens\":-2}}\n" MSG("msg_a", 5),
		  "row 2 messages claude-haiku-4-5 msg_a out=5 side=0 ts=0|"
		  "bad 1 usage.output_tokens: -2: not a token count (0..1000000000000)" },
		{ "{\"custom_id\":\"a\",\"result\":{\"type\":\"lost\"}}\n"
		  "{\"custom_id\":\"b\",\"result\":{\"type\":\"expired\"}}\n",
		  "result 2 b expired [] out=0 |"
		  "bad 1 result.type: not succeeded/errored/canceled/expired" },
		{ "{\"timestamp\":\"noon\",\"message\":{\"model\":\"m\",\"usage\":{}}}\n"
		  CC("2025-06-02T22:40:37.397Z", "1", "claude-opus-4-20250514", 4, "true"),
		  "row 2 claude-code claude-opus-4-20250514 msg_1 out=4 side=1 ts=1748904037397|"
		  "bad 1 timestamp: not an RFC 3339 time: \"noon\"" },
		/* claude-code told by an escaped key: the line parser never reads a
		 * line without a plain "usage":{, so neither does the reader */
		{ "{\"custom_id\":\"x\",\"timestamp\":\"2025-06-02T22:40:37Z\",\"message\":"
		  "{\"model\":\"m\",\"\\u0075sage\":{\"output_tokens\":1}}}\n"
		  CC("2025-06-02T22:40:37.397Z", "1", "claude-opus-4-20250514", 4, "false"),
		  "row 2 claude-code claude-opus-4-20250514 msg_1 out=4 side=0 ts=1748904037397" },
	};
	char path[128], rows[1024], bad[512], got[1600];
	struct rec r = { 0 };
	struct import_stats st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/tell%zu.jsonl", fx_tmpdir, i);
		write_file(path, "w", cases[i].text);
		r.have_mark = 0;
		assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
		events(&r, "r", rows, sizeof(rows));
		events(&r, "bad", bad, sizeof(bad));
		snprintf(got, sizeof(got), "%s%s%s", rows, rows[0] && bad[0] ? "|" : "", bad);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: %s", i, got);
		assert_int_equal(st.lines, 2);
	}
}

static void
test_incremental(void **state)
{
	char path[128], buf[2048];
	struct rec r = { 0 };
	struct import_stats st;
	int64_t first;

	(void)state;
	path_of("grow.jsonl", path, sizeof(path));
	write_file(path, "w", MSG("msg_1", 1) MSG("msg_2", 2));
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_int_equal(st.rows, 2);
	first = r.mark.offset;

	/* nothing new: nothing delivered, the mark stays */
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_int_equal(st.rows, 0);
	assert_int_equal(st.lines, 0);
	assert_int_equal(r.mark.offset, first);

	/* appended lines, the last one still being written (no '\n') */
	write_file(path, "a", MSG("msg_3", 3) "{\"id\":\"msg_4\",\"model\":\"m\",\"usa");
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_string_equal(r.log[0], "begin 210/2");
	assert_string_equal(events(&r, "row", buf, sizeof(buf)),
	    "row 3 messages claude-haiku-4-5 msg_3 out=3 side=0 ts=0");
	assert_int_equal(st.malformed, 0);         /* the partial line is not judged */
	assert_int_equal(r.mark.line, 3);
	assert_int_equal(r.mark.offset, 315);

	/* the line is finished: it is read, from its start */
	write_file(path, "a", "ge\":{\"output_tokens\":4}}\n");
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_string_equal(events(&r, "row", buf, sizeof(buf)), "row 4 messages m msg_4 out=4 side=0 ts=0");
	assert_int_equal(r.mark.line, 4);
}

static void
test_rewritten_file(void **state)
{
	char path[128], buf[2048];
	struct rec r = { 0 };
	struct import_stats st;
	struct timespec ts[2];

	(void)state;
	path_of("rw.jsonl", path, sizeof(path));
	write_file(path, "w", MSG("msg_1", 1) MSG("msg_2", 2) MSG("msg_3", 3));
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_int_equal(st.rows, 3);

	/* shrank: read again from the top */
	write_file(path, "w", MSG("msg_9", 9));
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_string_equal(r.log[0], "begin 0/0");
	assert_string_equal(events(&r, "row", buf, sizeof(buf)),
	    "row 1 messages claude-haiku-4-5 msg_9 out=9 side=0 ts=0");

	/* same size, mtime went back: read again from the top */
	ts[0].tv_sec = ts[1].tv_sec = 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_int_equal(st.rows, 1);
	assert_int_equal(r.mark.mtime_ns, 1000000000LL * 1000000000LL);

	/* replaced by a larger file whose byte before the mark is no '\n' */
	write_file(path, "w", "\n\n" MSG("msg_7", 7) MSG("msg_8", 8));
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_string_equal(r.log[0], "begin 0/0");
	assert_string_equal(events(&r, "row", buf, sizeof(buf)),
	    "row 3 messages claude-haiku-4-5 msg_7 out=7 side=0 ts=0|"
	    "row 4 messages claude-haiku-4-5 msg_8 out=8 side=0 ts=0");
}

static void
test_checkpoints_and_stop(void **state)
{
	char path[128], buf[2048], err[256];
	struct rec r = { 0 };
	struct import_stats st;
	struct import_opts o = { IMPORT_AUTO, 2, 0, 0, NULL };

	(void)state;
	path_of("ck.jsonl", path, sizeof(path));
	write_file(path, "w", MSG("msg_1", 1) MSG("msg_2", 2) MSG("msg_3", 3) MSG("msg_4", 4)
	    MSG("msg_5", 5));
	memset(&st, 0, sizeof(st));
	assert_int_equal(import_file(path, &o, &sink, &r, &st, err, sizeof(err)), 0);
	assert_string_equal(events(&r, "ckpt", buf, sizeof(buf)), "ckpt 210/2|ckpt 420/4|ckpt 525/5");

	/* a sink that stops: -1, and the mark is where the last checkpoint left it */
	memset(&r, 0, sizeof(r));
	r.stop_at_row = 3;
	memset(&st, 0, sizeof(st));
	assert_int_equal(import_file(path, &o, &sink, &r, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ck.jsonl:3: import stopped"));
	assert_int_equal(r.mark.line, 2);

	/* a file that is not there (gone since it was listed): unreadable, why in err */
	assert_int_equal(import_file("/nonexistent/x.jsonl", &o, &sink, &r, &st, err,
	    sizeof(err)), IMPORT_UNREADABLE);
	assert_string_equal(err, "No such file or directory");
}

/* A FIFO or a device is refused at once: the open cannot block, nothing spins. */
static void
test_not_regular(void **state)
{
	char path[128], err[256];
	struct rec r = { 0 };
	struct import_stats st;
	struct import_opts o = { IMPORT_AUTO, 0, 0, 0, NULL };

	(void)state;
	path_of("fifo.jsonl", path, sizeof(path));
	assert_int_equal(mkfifo(path, 0600), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(import_file(path, &o, &sink, &r, &st, err, sizeof(err)), IMPORT_UNREADABLE);
	assert_string_equal(err, "not a regular file");
	assert_int_equal(import_file("/dev/zero", &o, &sink, &r, &st, err, sizeof(err)),
	    IMPORT_UNREADABLE);
	assert_string_equal(err, "not a regular file");
	assert_int_equal(st.files, 0);
	assert_int_equal(r.n, 0);
}

/* A file replaced by another whose lines happen to line up with the old
 * mark: the mark's identity (inode, hash of the start) sends the read back
 * to the top, where before the first lines of the new file were lost. */
static void
test_replaced_file(void **state)
{
	char path[128], tmp[160], buf[2048];
	struct rec r = { 0 };
	struct import_stats st;
	struct import_pos old;

	(void)state;
	path_of("swap.jsonl", path, sizeof(path));
	write_file(path, "w", MSG("msg_1", 1) MSG("msg_2", 2));
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_true(r.mark.ino != 0);
	assert_int_equal(r.mark.head_len, 210);

	/* a new file (another inode) renamed over it, larger, lines of the same length */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	write_file(tmp, "w", MSG("msg_3", 3) MSG("msg_4", 4) MSG("msg_5", 5));
	assert_int_equal(rename(tmp, path), 0);
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_string_equal(r.log[0], "begin 0/0");
	assert_int_equal(st.rows, 3);

	/* rewritten in place (same inode), larger, different content */
	write_file(path, "w", MSG("msg_6", 6) MSG("msg_7", 7) MSG("msg_8", 8) MSG("msg_9", 9));
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_string_equal(r.log[0], "begin 0/0");
	assert_string_equal(events(&r, "row", buf, sizeof(buf)),
	    "row 1 messages claude-haiku-4-5 msg_6 out=6 side=0 ts=0|"
	    "row 2 messages claude-haiku-4-5 msg_7 out=7 side=0 ts=0|"
	    "row 3 messages claude-haiku-4-5 msg_8 out=8 side=0 ts=0|"
	    "row 4 messages claude-haiku-4-5 msg_9 out=9 side=0 ts=0");

	/* grown only: from the mark, as always */
	write_file(path, "a", MSG("msg_A", 10));
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_string_equal(r.log[0], "begin 420/4");
	assert_int_equal(st.rows, 1);

	/* a mark from before identities were kept (all 0) is trusted as it was */
	old = r.mark;
	old.dev = old.ino = old.head_len = old.head_hash = 0;
	r.mark = old;
	write_file(path, "a", MSG("msg_B", 11));
	assert_int_equal(run(path, IMPORT_AUTO, &r, &st), 0);
	assert_string_equal(r.log[0], "begin 526/5");
	assert_int_equal(st.rows, 1);
	assert_true(r.mark.ino != 0);              /* and now it has one */
	assert_int_equal(r.mark.head_len, 632);
	assert_int_equal(r.mark.head_hash, (int64_t)import_hash(MSG("msg_6", 6) MSG("msg_7", 7)
	    MSG("msg_8", 8) MSG("msg_9", 9) MSG("msg_A", 10) MSG("msg_B", 11), 632));
}

static void
test_long_line(void **state)
{
	char path[128], buf[2048], err[256], *big;
	struct rec r = { 0 };
	struct import_stats st;
	struct import_opts o = { IMPORT_MESSAGES, 0, 120, 0, NULL };
	FILE *f;

	(void)state;
	path_of("long.jsonl", path, sizeof(path));
	/* a line of 3 MB (past the read buffer) and one of 150 B, both too long; then a good one */
	big = malloc(3000001);
	assert_non_null(big);
	memset(big, 'x', 3000000);
	big[3000000] = '\0';
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n%.150s\n%s", big, big, MSG("msg_1", 1));
	fclose(f);
	free(big);
	memset(&st, 0, sizeof(st));
	assert_int_equal(import_file(path, &o, &sink, &r, &st, err, sizeof(err)), 0);
	assert_string_equal(events(&r, "bad", buf, sizeof(buf)),
	    "bad 1 line longer than 120 bytes|bad 2 line longer than 120 bytes");
	assert_int_equal(st.rows, 1);              /* a 104-byte line is fine */
	assert_int_equal(st.lines, 3);
	assert_int_equal(r.mark.offset, 3000001 + 151 + 105);
}

static void
test_resume_and_detect(void **state)
{
	struct import_pos prev = { .size = 1000, .mtime_ns = 50, .offset = 900, .line = 10 }, p;

	(void)state;
	p = import_resume(&prev, 1200, 60);        /* grew */
	assert_int_equal(p.offset, 900);
	assert_int_equal(p.line, 10);
	assert_int_equal(p.size, 1200);
	p = import_resume(&prev, 1000, 50);        /* unchanged */
	assert_int_equal(p.offset, 900);
	p = import_resume(&prev, 999, 60);         /* shrank */
	assert_int_equal(p.offset + p.line, 0);
	p = import_resume(&prev, 1200, 49);        /* mtime went back */
	assert_int_equal(p.offset + p.line, 0);
	p = import_resume(NULL, 5, 5);
	assert_int_equal(p.offset, 0);

	assert_int_equal(import_detect(MSG("m", 1), strlen(MSG("m", 1))), IMPORT_MESSAGES);
	assert_int_equal(import_detect(USER, strlen(USER)), IMPORT_AUTO);
	{
		const char *cc = CC("2025-06-02T22:40:37.397Z", "1", "m", 1, "false");
		const char *res = "{\"custom_id\":\"x\",\"result\":{\"type\":\"expired\"}}";

		assert_int_equal(import_detect(cc, strlen(cc)), IMPORT_CLAUDE_CODE);
		assert_int_equal(import_detect(res, strlen(res)), IMPORT_BATCH_RESULTS);
	}
	{
		enum import_format f;

		assert_int_equal(import_format_parse("batch-results", &f), 0);
		assert_int_equal(f, IMPORT_BATCH_RESULTS);
		assert_int_equal(import_format_parse("csv", &f), -1);
		assert_string_equal(import_format_name(IMPORT_CLAUDE_CODE), "claude-code");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_batch_results),
		cmocka_unit_test(test_claude_code),
		cmocka_unit_test(test_forced_format),
		cmocka_unit_test(test_telling_line),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_rewritten_file),
		cmocka_unit_test(test_checkpoints_and_stop),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_replaced_file),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_resume_and_detect),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
