/* test_import_find.c — finding what to import (core/import_find.c): files
 * under directories in a stable order, only *.jsonl, a named file as given,
 * and the default Claude Code directories (CLAUDE_CONFIG_DIR, else ~/.claude). */
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

static const char *
path_of(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", fx_tmpdir, name);
	return buf;
}

static void
test_collect(void **state)
{
	char p[256], **files = NULL, err[256];
	const char *paths[2];
	size_t i;

	(void)state;
	snprintf(p, sizeof(p), "mkdir -p %s/tree/b/deep %s/tree/a", fx_tmpdir, fx_tmpdir);
	assert_int_equal(system(p), 0);
	fx_write_file("tree/b/deep/z.jsonl", "");
	fx_write_file("tree/b/y.jsonl", "");
	fx_write_file("tree/a/x.jsonl", "");
	fx_write_file("tree/a/notes.txt", "");
	fx_write_file("tree/a/x.jsonl.bak", "");
	fx_write_file("single.txt", "");

	paths[0] = path_of("tree", p, sizeof(p));
	assert_int_equal(import_collect(paths, 1, &files, err, sizeof(err)), 0);
	{
		static const char *const want[] = { "tree/a/x.jsonl", "tree/b/deep/z.jsonl",
			"tree/b/y.jsonl" };

		for (i = 0; i < 3; i++) {
			assert_non_null(files[i]);
			assert_non_null(strstr(files[i], want[i]));
		}
		assert_null(files[3]);
	}
	import_files_free(files);

	/* a named file is taken whatever its name */
	paths[0] = path_of("single.txt", p, sizeof(p));
	assert_int_equal(import_collect(paths, 1, &files, err, sizeof(err)), 0);
	assert_non_null(files[0]);
	assert_null(files[1]);
	import_files_free(files);

	paths[0] = "/nonexistent/dir";
	assert_int_equal(import_collect(paths, 1, &files, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/dir: No such file or directory");
	assert_null(files);
	import_files_free(NULL);
}

static void
test_default_dirs(void **state)
{
	char cmd[256], env[256], **d;
	const char *home = getenv("HOME");
	char *saved_home = home != NULL ? strdup(home) : NULL;

	(void)state;
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/c1/projects %s/c2 %s/h/.claude/projects", fx_tmpdir,
	    fx_tmpdir, fx_tmpdir);
	assert_int_equal(system(cmd), 0);
	snprintf(env, sizeof(env), "%s/c1, %s/c2,%s/missing", fx_tmpdir, fx_tmpdir, fx_tmpdir);
	setenv("CLAUDE_CONFIG_DIR", env, 1);
	d = import_default_dirs();
	assert_non_null(d);
	snprintf(cmd, sizeof(cmd), "%s/c1/projects", fx_tmpdir);
	assert_string_equal(d[0], cmd);
	snprintf(cmd, sizeof(cmd), "%s/c2", fx_tmpdir);
	assert_string_equal(d[1], cmd);
	assert_null(d[2]);
	import_files_free(d);

	unsetenv("CLAUDE_CONFIG_DIR");
	snprintf(env, sizeof(env), "%s/h", fx_tmpdir);
	setenv("HOME", env, 1);
	d = import_default_dirs();
	assert_non_null(d);
	snprintf(cmd, sizeof(cmd), "%s/h/.claude/projects", fx_tmpdir);
	assert_string_equal(d[0], cmd);
	assert_null(d[1]);
	import_files_free(d);
	if (saved_home != NULL)
		setenv("HOME", saved_home, 1);
	free(saved_home);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_default_dirs),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
