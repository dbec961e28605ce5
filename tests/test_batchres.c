/* test_batchres.c — a batch's results (core/batchres.c): fed in pieces of
 * any size into outcomes exactly once, the raw lines kept in a results file
 * that appears only when complete; a refused outcome stops the feed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/batchres.h"
#include "tests/lib/fx.h"

static const char results_text[] =
    "{\"custom_id\":\"a\",\"result\":{\"type\":\"succeeded\",\"message\":{\"id\":\"msg_1\","
    "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\",\"content\":[],"
    "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":4,"
    "\"output_tokens\":7,\"service_tier\":\"batch\"}}}}\n"
    "{\"custom_id\":\"b\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\","
    "\"error\":{\"type\":\"invalid_request_error\",\"message\":\"bad model\"}}}}\r\n"
    "not json at all\n"
    "{\"custom_id\":\"c\",\"result\":{\"type\":\"canceled\"}}\n"
    "{\"custom_id\":\"d\",\"result\":{\"type\":\"expired\"}}";   /* no final newline */

struct got {
	int  n;
	char ids[8][16];
	char types[8][16];
	struct usage u;
	char error[512];
	int  fail_at;         /* 1-based outcome to refuse, 0 = none */
};

static int
record(void *arg, const struct usage_result *o, char *err, size_t errlen)
{
	struct got *g = arg;

	if (g->fail_at > 0 && g->n + 1 == g->fail_at) {
		snprintf(err, errlen, "disk full");
		return -1;
	}
	if (g->n < 8) {
		usage_strlcpy(g->ids[g->n], o->custom_id, sizeof(g->ids[0]));
		usage_strlcpy(g->types[g->n], o->type, sizeof(g->types[0]));
	}
	if (strcmp(o->type, "succeeded") == 0)
		g->u = o->u;
	if (strcmp(o->type, "errored") == 0)
		usage_strlcpy(g->error, o->error, sizeof(g->error));
	g->n++;
	return 0;
}

static void
test_ingest(void **state)
{
	struct got g;
	struct batch_ingest *in;
	struct batch_ingest_stats st;
	char dir[300], err[256], path[512], part[512], buf[4096];
	size_t i, step = 7, len = strlen(results_text);
	FILE *f;

	(void)state;
	memset(&g, 0, sizeof(g));
	snprintf(dir, sizeof(dir), "%s/results", fx_tmpdir);
	in = batch_ingest_new("msgbatch_01", dir, "nightly", 1700000000000LL, record, &g, err,
	    sizeof(err));
	assert_non_null(in);
	snprintf(part, sizeof(part), "%s/msgbatch_01.jsonl.part", dir);
	assert_int_equal(access(part, F_OK), 0);
	for (i = 0; i < len; i += step)
		assert_int_equal(batch_ingest_feed(in, results_text + i,
		    i + step > len ? len - i : step, err, sizeof(err)), 0);
	assert_int_equal(g.n, 3);                 /* d waits for the end */
	assert_int_equal(batch_ingest_finish(in, path, sizeof(path), err, sizeof(err)), 0);
	assert_int_equal(g.n, 4);
	batch_ingest_stats(in, &st);
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.recorded, 4);
	assert_int_equal(st.succeeded, 1);
	assert_int_equal(st.errored, 1);
	assert_int_equal(st.canceled, 1);
	assert_int_equal(st.expired, 1);
	assert_string_equal(g.ids[0], "a");
	assert_string_equal(g.ids[3], "d");
	assert_string_equal(g.types[1], "errored");
	assert_non_null(strstr(g.error, "bad model"));
	/* the succeeded row is a batch row of this batch, at the given time */
	assert_string_equal(g.u.batch_id, "msgbatch_01");
	assert_string_equal(g.u.custom_id, "a");
	assert_string_equal(g.u.tag, "nightly");
	assert_string_equal(g.u.source, "batch");
	assert_string_equal(g.u.service_tier, "batch");
	assert_string_equal(g.u.message_id, "msg_1");
	assert_int_equal(g.u.ts_ms, 1700000000000LL);
	assert_int_equal(g.u.tok.input, 10);
	assert_int_equal(g.u.tok.cache_read, 4);
	assert_int_equal(g.u.tok.output, 7);
	assert_true(usage_is_batch(&g.u));
	batch_ingest_free(in);
	/* renamed into place, the raw lines kept (CR dropped, newline added) */
	snprintf(buf, sizeof(buf), "%s/msgbatch_01.jsonl", dir);
	assert_string_equal(path, buf);
	assert_int_not_equal(access(part, F_OK), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[len] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "bad model\"}}}}\nnot json at all\n"));
	assert_int_equal(buf[len - 1], '\n');
	assert_non_null(strstr(buf, "\"expired\"}}\n"));

	/* the same results read from a file, a block at a time */
	memset(&g, 0, sizeof(g));
	f = fopen(fx_write_file("res.jsonl", results_text), "r");
	assert_non_null(f);
	in = batch_ingest_new("msgbatch_01", NULL, NULL, 0, record, &g, err, sizeof(err));
	assert_non_null(in);
	assert_int_equal(batch_ingest_file(in, f, err, sizeof(err)), 0);
	fclose(f);
	assert_int_equal(batch_ingest_finish(in, NULL, 0, err, sizeof(err)), 0);
	batch_ingest_stats(in, &st);
	assert_int_equal(st.recorded, 4);
	assert_int_equal(st.bad, 1);
	assert_int_equal(g.n, 4);
	batch_ingest_free(in);
}

static void
test_ingest_abandoned(void **state)
{
	struct got g;
	struct batch_ingest *in;
	char dir[300], err[256], part[512];
	const char *two = "{\"custom_id\":\"c\",\"result\":{\"type\":\"canceled\"}}\n"
	    "{\"custom_id\":\"d\",\"result\":{\"type\":\"expired\"}}\n";

	(void)state;
	memset(&g, 0, sizeof(g));
	g.fail_at = 2;
	snprintf(dir, sizeof(dir), "%s/results", fx_tmpdir);
	in = batch_ingest_new("msgbatch_02", dir, NULL, 0, record, &g, err, sizeof(err));
	assert_non_null(in);
	/* the callback refuses the second outcome: the feed stops with its reason */
	assert_int_equal(batch_ingest_feed(in, two, strlen(two), err, sizeof(err)), -1);
	assert_string_equal(err, "disk full");
	assert_int_equal(g.n, 1);
	snprintf(part, sizeof(part), "%s/msgbatch_02.jsonl.part", dir);
	assert_int_equal(access(part, F_OK), 0);
	/* never finished: the temp file goes, no results file appears */
	batch_ingest_free(in);
	assert_int_not_equal(access(part, F_OK), 0);
	snprintf(part, sizeof(part), "%s/msgbatch_02.jsonl", dir);
	assert_int_not_equal(access(part, F_OK), 0);
	batch_ingest_free(NULL);

	/* a batch id is a file name: nothing but [A-Za-z0-9_-] */
	assert_null(batch_ingest_new("../evil", dir, NULL, 0, record, &g, err, sizeof(err)));
	assert_null(batch_ingest_new("", dir, NULL, 0, record, &g, err, sizeof(err)));
	/* without a directory nothing is written, outcomes still flow */
	memset(&g, 0, sizeof(g));
	in = batch_ingest_new("msgbatch_03", NULL, NULL, 0, record, &g, err, sizeof(err));
	assert_non_null(in);
	assert_int_equal(batch_ingest_feed(in, two, strlen(two), err, sizeof(err)), 0);
	assert_int_equal(batch_ingest_finish(in, part, sizeof(part), err, sizeof(err)), 0);
	assert_string_equal(part, "");
	assert_int_equal(g.n, 2);
	batch_ingest_free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ingest),
		cmocka_unit_test(test_ingest_abandoned),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
