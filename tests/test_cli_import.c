/* test_cli_import.c — `tokentop import` (tui/cli_import.c) on a real ledger:
 * row times from the batch the ledger knows or the import time, batch
 * outcomes recorded, tags, and usage errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/import.h"
#include "data/store.h"
#include "tui/cli.h"
#include "tests/lib/fx.h"

#define MSG(id, out) \
	"{\"id\":\"" id "\",\"type\":\"message\",\"model\":\"claude-haiku-4-5\"," \
	"\"usage\":{\"input_tokens\":10,\"output_tokens\":" #out "}}\n"

struct rows {
	struct usage u[16];
	int          n;
};

static int
collect_row(const struct usage *u, void *arg)
{
	struct rows *r = arg;

	if (r->n < 16)
		r->u[r->n++] = *u;
	return 0;
}

static const struct usage *
find_row(const struct rows *r, const char *msg_id)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->u[i].message_id, msg_id) == 0)
			return &r->u[i];
	fail_msg("no row %s", msg_id);
	return NULL;
}

static int
cli_run(const char *db, int argc, char **argv)
{
	struct cli cli;
	char err[512];

	memset(&cli, 0, sizeof(cli));
	cli.prog = "tokentop";
	if (config_load(&cli.cfg, NULL, db, err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
	return cli_import(&cli, argc, argv);
}

static void
test_cli_times_and_batches(void **state)
{
	char db[128], res[128], other[128], msgs[128], err[256];
	struct store *s;
	struct batch_rec b;
	struct batch_counts bc;
	struct rows rows = { .n = 0 };
	const struct usage *u;
	int64_t before, after;
	const char *lines =
	    "{\"custom_id\":\"q-1\",\"result\":{\"type\":\"succeeded\",\"message\":{\"id\":\"msg_Q1\","
	    "\"type\":\"message\",\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":2,"
	    "\"output_tokens\":4,\"service_tier\":\"batch\"}}}}\n"
	    "{\"custom_id\":\"q-2\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\","
	    "\"error\":{\"type\":\"invalid_request_error\",\"message\":\"bad\"}}}}\n"
	    "{\"custom_id\":\"q-3\",\"result\":{\"type\":\"expired\"}}\n";

	(void)state;
	setenv("XDG_CONFIG_HOME", fx_tmpdir, 1);
	snprintf(db, sizeof(db), "%s/cli.db", fx_tmpdir);
	snprintf(res, sizeof(res), "%s", fx_write_file("msgbatch_01Known.jsonl", lines));
	snprintf(other, sizeof(other), "%s", fx_write_file("results-other.jsonl",
	    "{\"custom_id\":\"z\",\"result\":{\"type\":\"succeeded\","
	    "\"message\":{\"id\":\"msg_Z\",\"model\":\"claude-haiku-4-5\",\"usage\":{}}}}\n"));
	snprintf(msgs, sizeof(msgs), "%s", fx_write_file("responses.jsonl", MSG("msg_M", 3)));

	/* the ledger knows the batch and when it ended */
	s = store_open(db, err, sizeof(err));
	assert_non_null(s);
	memset(&b, 0, sizeof(b));
	snprintf(b.id, sizeof(b.id), "msgbatch_01Known");
	snprintf(b.status, sizeof(b.status), "ended");
	b.created_ms = 1699990000000LL;
	b.ended_ms = 1700000000000LL;
	b.requests = 3;
	assert_int_equal(store_batch_put(s, &b, err, sizeof(err)), 0);
	store_close(s);

	before = cli_now_ms();
	{
		char *argv[] = { "import", "--tag", "t1", res, NULL };
		char *argv2[] = { "import", "--batch-id=msgbatch_Unknown", other, NULL };
		char *argv3[] = { "import", "--format", "messages", msgs, NULL };

		assert_int_equal(cli_run(db, 4, argv), EXIT_OK);
		assert_int_equal(cli_run(db, 3, argv2), EXIT_OK);
		assert_int_equal(cli_run(db, 4, argv3), EXIT_OK);
	}
	after = cli_now_ms();

	s = store_open(db, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_each_usage(s, 0, 0, collect_row, &rows, err, sizeof(err)), 0);
	assert_int_equal(rows.n, 3);
	u = find_row(&rows, "msg_Q1");           /* the batch's end time */
	assert_int_equal(u->ts_ms, 1700000000000LL);
	assert_string_equal(u->source, "batch");
	assert_string_equal(u->batch_id, "msgbatch_01Known");
	assert_string_equal(u->custom_id, "q-1");
	assert_string_equal(u->tag, "t1");
	u = find_row(&rows, "msg_Z");            /* unknown batch: the import time */
	assert_true(u->ts_ms >= before && u->ts_ms <= after);
	assert_string_equal(u->batch_id, "msgbatch_Unknown");
	assert_string_equal(u->source, "batch");
	u = find_row(&rows, "msg_M");            /* a bare response: the import time */
	assert_true(u->ts_ms >= before && u->ts_ms <= after);
	assert_string_equal(u->source, "import");
	assert_string_equal(u->tag, "");
	assert_int_equal(store_batch_result_counts(s, "msgbatch_01Known", &bc, err, sizeof(err)), 0);
	assert_int_equal(bc.succeeded, 1);
	assert_int_equal(bc.errored, 1);
	assert_int_equal(bc.expired, 1);
	store_close(s);

	/* usage errors */
	{
		char *bad1[] = { "import", "--format", "csv", msgs, NULL };
		char *bad2[] = { "import", "--tag", NULL };
		char *bad3[] = { "import", "--frobnicate", msgs, NULL };

		assert_int_equal(cli_run(db, 4, bad1), EXIT_USAGE);
		assert_int_equal(cli_run(db, 2, bad2), EXIT_USAGE);
		assert_int_equal(cli_run(db, 3, bad3), EXIT_USAGE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_times_and_batches),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
