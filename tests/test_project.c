/* test_project.c — a working directory's project (core/project.c): the git
 * work tree's root name (a .git directory, or a .git file as in linked
 * worktrees), else the directory's own name; real directories in /tmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/project.h"

static char root[64];

static void
mk(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (mkdir(p, 0700) != 0)
		fail_msg("mkdir %s", p);
}

static void
touch(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static const char *
of(struct project_cache *c, const char *rel)
{
	static char out[96];
	char p[512];

	snprintf(p, sizeof(p), "%s%s%s", root, rel[0] != '\0' ? "/" : "", rel);
	return project_of(c, p, out, sizeof(out));
}

static int
setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/tt-project-XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	/* repo/ (a .git directory) with src/deep; wt/ (a .git file: a linked
	 * worktree) with sub/; plain/ (no git anywhere up to /tmp) */
	mk("repo");
	mk("repo/.git");
	mk("repo/src");
	mk("repo/src/deep");
	mk("wt");
	touch("wt/.git", "gitdir: /elsewhere/.git/worktrees/wt\n");
	mk("wt/sub");
	mk("plain");
	mk("plain/inner");
	*state = project_cache_new();
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	project_cache_free(*state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_git_work_trees(void **state)
{
	struct project_cache *c = *state;

	assert_string_equal(of(c, "repo"), "repo");
	assert_string_equal(of(c, "repo/src"), "repo");
	assert_string_equal(of(c, "repo/src/deep/"), "repo");   /* trailing slash */
	assert_string_equal(of(c, "wt"), "wt");                 /* .git is a file */
	assert_string_equal(of(c, "wt/sub"), "wt");
	/* no work tree: the directory's own name (also when it is gone) */
	assert_string_equal(of(c, "plain/inner"), "inner");
	assert_string_equal(of(c, "plain/gone/away"), "away");
	assert_string_equal(of(NULL, "repo/src"), "repo");      /* without a cache */
}

static void
test_cached_per_cwd(void **state)
{
	struct project_cache *c = *state;
	char p[512], out[96];

	assert_string_equal(of(c, "plain/inner"), "inner");
	/* a repository made later is not seen for a cwd already answered… */
	mk("plain/.git");
	assert_string_equal(of(c, "plain/inner"), "inner");
	/* …but is for another cwd, and by a new cache */
	mk("plain/inner/x");
	assert_string_equal(of(c, "plain/inner/x"), "plain");
	snprintf(p, sizeof(p), "%s/plain/inner", root);
	struct project_cache *d = project_cache_new();
	assert_string_equal(project_of(d, p, out, sizeof(out)), "plain");
	project_cache_free(d);
}

static void
test_edges(void **state)
{
	struct project_cache *c = *state;
	char out[8];

	assert_string_equal(project_of(c, "", out, sizeof(out)), "");
	assert_string_equal(project_of(c, NULL, out, sizeof(out)), "");
	assert_string_equal(project_of(c, "/", out, sizeof(out)), "/");
	assert_string_equal(project_of(c, "relative/dir", out, sizeof(out)), "dir");
	/* truncated to the buffer, never past it */
	assert_string_equal(project_of(c, "/nowhere/a-very-long-name", out, sizeof(out)),
	    "a-very-");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_git_work_trees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cached_per_cwd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edges, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
