/* test_import_find.c — finding what to import (core/import_find.c): files
 * under directories in a stable order, only *.jsonl, a named file as given,
 * the default Claude Code directories (CLAUDE_CONFIG_DIR, else ~/.claude), each
 * folder and file once however many links lead to it, and what cannot be read
 * set aside. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	struct import_unreadable bad = { 0 };
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
	assert_int_equal(import_collect(paths, 1, &files, &bad, err, sizeof(err)), 0);
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
	assert_int_equal(import_collect(paths, 1, &files, &bad, err, sizeof(err)), 0);
	assert_non_null(files[0]);
	assert_null(files[1]);
	import_files_free(files);

	import_files_free(NULL);
}

/* What cannot be read is set aside with its reason; the rest is collected. */
static void
test_unreadable(void **state)
{
	char p[256], q[256], fifo[256], **files = NULL, err[256];
	const char *paths[4];
	struct import_unreadable bad = { 0 };

	(void)state;
	fx_write_file("ok.jsonl", "");
	snprintf(p, sizeof(p), "mkdir -p %s/dang && ln -s %s/nowhere.jsonl %s/dang/gone.jsonl &&"
	    " ln -s %s/nowhere %s/dang/other", fx_tmpdir, fx_tmpdir, fx_tmpdir, fx_tmpdir, fx_tmpdir);
	assert_int_equal(system(p), 0);
	path_of("pipe.jsonl", fifo, sizeof(fifo));
	assert_int_equal(mkfifo(fifo, 0600), 0);
	paths[0] = "/nonexistent/dir";
	paths[1] = fifo;                               /* named: refused, never opened */
	paths[2] = path_of("dang", q, sizeof(q));      /* a dangling *.jsonl link inside */
	paths[3] = path_of("ok.jsonl", p, sizeof(p));
	assert_int_equal(import_collect(paths, 4, &files, &bad, err, sizeof(err)), 0);
	assert_non_null(files[0]);
	assert_non_null(strstr(files[0], "/ok.jsonl"));
	assert_null(files[1]);
	assert_int_equal(bad.n, 3);      /* the dangling link of another name is nothing to import */
	assert_string_equal(bad.path[0], "/nonexistent/dir");
	assert_string_equal(bad.reason[0], "No such file or directory");
	assert_string_equal(bad.path[1], fifo);
	assert_string_equal(bad.reason[1], "not a regular file");
	assert_non_null(strstr(bad.path[2], "/dang/gone.jsonl"));
	assert_string_equal(bad.reason[2], "No such file or directory");
	import_files_free(files);
	import_unreadable_free(&bad);
	assert_int_equal(bad.n, 0);
	import_unreadable_free(NULL);
}

/* Links back up the tree and second paths to one folder or file: each is
 * taken once, and the walk ends. */
static void
test_cycles(void **state)
{
	char p[1024], **files = NULL, err[256];
	const char *paths[3];
	struct import_unreadable bad = { 0 };
	size_t n;

	(void)state;
	snprintf(p, sizeof(p), "d=%s/cyc && mkdir -p $d/a/b && touch $d/a/one.jsonl $d/a/b/two.jsonl"
	    " && ln -s .. $d/a/b/up && ln -s . $d/a/b/self && ln -s ../.. $d/a/b/top"
	    " && ln -s $d/a $d/again && ln -s a/one.jsonl $d/link.jsonl"
	    " && ln $d/a/b/two.jsonl $d/hard.jsonl", fx_tmpdir);
	assert_int_equal(system(p), 0);
	paths[0] = path_of("cyc", p, sizeof(p));
	assert_int_equal(import_collect(paths, 1, &files, &bad, err, sizeof(err)), 0);
	for (n = 0; files[n] != NULL; n++)
		;
	assert_int_equal(n, 2);
	assert_int_equal(bad.n, 0);
	import_files_free(files);

	/* named directly and again through its folder: once */
	snprintf(p, sizeof(p), "%s/cyc/a/one.jsonl", fx_tmpdir);
	paths[0] = p;
	paths[1] = paths[0];
	assert_int_equal(import_collect(paths, 2, &files, &bad, err, sizeof(err)), 0);
	assert_non_null(files[0]);
	assert_null(files[1]);
	import_files_free(files);
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
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_default_dirs),
	};

	return cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
}
