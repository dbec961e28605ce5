/* test_console_settings.c — the console's remembered settings: a round
 * trip, defaults for a missing file, a notice (and defaults) for a broken
 * one, unknown keys and names ignored, values of the wrong kind refused one
 * by one, the file 0600 in a 0700 directory, written atomically (no
 * temporary left, the old file intact when the write cannot happen), and
 * the path from XDG_STATE_HOME. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/lib/fx.h"
#include "tui/console_settings.h"
#include "tui/pane_data.h"

static void
test_round_trip(void **state)
{
	struct console_settings a, b;
	char path[512], err[512];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/state/deep/tokentop/console.json", fx_tmpdir);
	console_settings_defaults(&a);
	a.sort = VCOL_PERREQ;
	a.desc = 0;
	a.period = PERIOD_30D;
	a.focus = PANE_BATCHES;
	a.hidden_panes = VIEW_PANE_BIT(PANE_CACHE) | VIEW_PANE_BIT(PANE_INTRADAY);
	a.hidden_cols = DCOL_BIT(DCOL_MODELS_HIT) | DCOL_BIT(DCOL_BATCHES_TAG);
	a.mouse = 0;
	assert_int_equal(console_settings_save(path, &a, err, sizeof(err)), 0);
	assert_int_equal(console_settings_load(path, &b, err, sizeof(err)), 0);
	assert_int_equal(b.sort, VCOL_PERREQ);
	assert_int_equal(b.desc, 0);
	assert_int_equal(b.period, PERIOD_30D);
	assert_int_equal(b.focus, PANE_BATCHES);
	assert_int_equal(b.hidden_panes, a.hidden_panes);
	assert_int_equal(b.hidden_cols, a.hidden_cols);
	assert_int_equal(b.mouse, 0);
	/* private: the file 0600, the directories made 0700 */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/state/deep/tokentop", fx_tmpdir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* nothing left beside it */
	snprintf(path, sizeof(path), "%s/state/deep/tokentop/console.json.tmp.%ld", fx_tmpdir,
	    (long)getpid());
	assert_int_not_equal(access(path, F_OK), 0);
}

static void
test_missing_is_defaults(void **state)
{
	struct console_settings s, d;
	char path[512], err[256] = "";

	(void)state;
	snprintf(path, sizeof(path), "%s/none/console.json", fx_tmpdir);
	assert_int_equal(console_settings_load(path, &s, err, sizeof(err)), 0);
	console_settings_defaults(&d);
	assert_memory_equal(&s, &d, sizeof(s));
	assert_int_equal(d.sort, VCOL_COST);
	assert_int_equal(d.desc, 1);
	assert_int_equal(d.focus, PANE_MODELS);
	assert_int_equal(d.mouse, 1);
}

static void
test_broken_file(void **state)
{
	static const char *const broken[] = {
		"{\"sort\": \"cost\",",          /* cut short */
		"[1, 2, 3]",                     /* not an object */
		"",                              /* empty */
		"\x01\x02garbage",
	};
	struct console_settings s, d;
	char err[512];
	const char *path;
	size_t i;

	(void)state;
	console_settings_defaults(&d);
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		path = fx_write_file("broken.json", broken[i]);
		err[0] = '\0';
		assert_int_equal(console_settings_load(path, &s, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "broken.json"));       /* names the file */
		assert_non_null(strstr(err, "defaults used"));
		assert_memory_equal(&s, &d, sizeof(s));
	}
}

static void
test_unknown_ignored_bad_refused(void **state)
{
	struct console_settings s;
	char err[512] = "";
	const char *path;

	(void)state;
	/* a newer tokentop's keys and names: ignored, the rest read */
	path = fx_write_file("newer.json",
	    "{\"sort\": \"hit\", \"theme\": \"dark\", \"hidden_panes\": [\"batches\", \"gpu\"],"
	    " \"hidden_columns\": [\"models.read\", \"models.vibes\"], \"period\": \"7d\","
	    " \"focus\": \"intraday\", \"mouse\": false, \"sort_desc\": false}");
	assert_int_equal(console_settings_load(path, &s, err, sizeof(err)), 0);
	assert_int_equal(s.sort, VCOL_HIT);
	assert_int_equal(s.desc, 0);
	assert_int_equal(s.period, PERIOD_7D);
	assert_int_equal(s.focus, PANE_INTRADAY);
	assert_int_equal(s.hidden_panes, VIEW_PANE_BIT(PANE_BATCHES));
	assert_int_equal(s.hidden_cols, DCOL_BIT(DCOL_MODELS_READ));
	assert_int_equal(s.mouse, 0);
	/* a value of the wrong kind: that key's default, a notice naming it,
	 * the other keys kept */
	path = fx_write_file("bad.json", "{\"sort\": 7, \"period\": \"month\", \"mouse\": \"yes\"}");
	assert_int_equal(console_settings_load(path, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"sort\""));
	assert_int_equal(s.sort, VCOL_COST);
	assert_int_equal(s.period, PERIOD_MONTH);
	assert_int_equal(s.mouse, 1);
	/* every pane hidden would show nothing: none is */
	path = fx_write_file("all.json", "{\"hidden_panes\": [\"daily\", \"models\", \"cache\","
	    " \"batches\", \"intraday\"]}");
	assert_int_equal(console_settings_load(path, &s, err, sizeof(err)), 0);
	assert_int_equal(s.hidden_panes, 0);
}

static void
test_failed_write_keeps_old(void **state)
{
	struct console_settings a, b;
	char path[512], tmp[600], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/keep/console.json", fx_tmpdir);
	console_settings_defaults(&a);
	a.sort = VCOL_REQS;
	assert_int_equal(console_settings_save(path, &a, err, sizeof(err)), 0);
	/* the temporary cannot be written (a directory in its place: even
	 * root cannot open that for writing) */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	assert_int_equal(mkdir(tmp, 0700), 0);
	a.sort = VCOL_HIT;
	assert_int_equal(console_settings_save(path, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "console.json"));
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(console_settings_load(path, &b, err, sizeof(err)), 0);
	assert_int_equal(b.sort, VCOL_REQS);
}

static void
test_failed_write_no_dir(void **state)
{
	struct console_settings a;
	char path[600], err[512] = "";
	const char *file = fx_write_file("plain", "x");

	(void)state;
	/* the directory cannot be made (a file is in the way): an error, no crash */
	snprintf(path, sizeof(path), "%s/tokentop/console.json", file);
	console_settings_defaults(&a);
	assert_int_equal(console_settings_save(path, &a, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
}

static void
test_path(void **state)
{
	char p[1024];

	(void)state;
	setenv("XDG_STATE_HOME", "/x/state", 1);
	assert_string_equal(console_settings_path(p, sizeof(p)), "/x/state/tokentop/console.json");
	setenv("XDG_STATE_HOME", "relative", 1);      /* ignored, as the spec says */
	setenv("HOME", "/home/u", 1);
	assert_string_equal(console_settings_path(p, sizeof(p)),
	    "/home/u/.local/state/tokentop/console.json");
	unsetenv("XDG_STATE_HOME");
	assert_string_equal(console_settings_path(p, sizeof(p)),
	    "/home/u/.local/state/tokentop/console.json");
	assert_string_equal(console_settings_col_name(DCOL_BATCHES_TAG), "batches.tag");
	assert_string_equal(console_settings_pane_name(PANE_INTRADAY), "intraday");
	assert_string_equal(console_settings_period_name(PERIOD_30D), "30d");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_missing_is_defaults),
		cmocka_unit_test(test_broken_file),
		cmocka_unit_test(test_unknown_ignored_bad_refused),
		cmocka_unit_test(test_failed_write_keeps_old),
		cmocka_unit_test(test_failed_write_no_dir),
		cmocka_unit_test(test_path),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
