/* project.h — who spent it: the project of a coding agent's working
 * directory (issue 16 attribution), for Claude Code and Codex rows. */
#ifndef TOKENTOP_PROJECT_H
#define TOKENTOP_PROJECT_H

#include <stddef.h>

/* Answers already found, per working directory (opaque). */
struct project_cache;

/* An empty cache; NULL when out of memory. Free with project_cache_free. */
struct project_cache *project_cache_new(void);
void project_cache_free(struct project_cache *c);      /* NULL is fine */

/*
 * The project of working directory cwd into dst (size n) and returns dst:
 * the name of the root of the git work tree holding cwd (the nearest
 * directory, cwd itself or above, with a ".git" entry: a directory, or a
 * file as in linked worktrees and submodules; no git binary is run), else
 * the basename of cwd (also when cwd no longer exists here). Trailing
 * slashes are ignored; "" for an empty cwd; "/" for the root. Answers are
 * kept in c (may be NULL: nothing kept), so the file system is asked once
 * per distinct cwd.
 */
const char *project_of(struct project_cache *c, const char *cwd, char *dst, size_t n);

#endif
