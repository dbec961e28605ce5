/* import_find.c — the files an import reads: paths walked for *.jsonl, the default transcript folders. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/import.h"

#define MAX_DEPTH    64

/* ---- finding files -------------------------------------------------------- */

struct list {
	char **v;
	size_t n, cap;
};

static int
list_add(struct list *l, const char *s)
{
	if (l->n + 2 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n] = strdup(s)) == NULL)
		return -1;
	l->n++;
	l->v[l->n] = NULL;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Every *.jsonl under dir into l, sorted by full path at the end by the caller. */
static int
walk(const char *dir, int depth, struct list *l, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return 0;
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		/* the entry's type when the directory tells it, else a stat (links
		 * are followed: a linked file or folder is read like its target) */
		if (de->d_type == DT_DIR || de->d_type == DT_REG)
			sb.st_mode = de->d_type == DT_DIR ? S_IFDIR : S_IFREG;
		else if (stat(path, &sb) != 0)
			continue;                 /* a dangling link: nothing to read */
		if (S_ISDIR(sb.st_mode))
			rc = walk(path, depth + 1, l, err, errlen);
		else if (S_ISREG(sb.st_mode) && ends_with(de->d_name, ".jsonl") &&
		    list_add(l, path) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

int
import_collect(const char *const *paths, size_t npaths, char ***files, char *err, size_t errlen)
{
	struct list l = { NULL, 0, 0 };
	struct stat sb;
	size_t i, first;

	*files = NULL;
	if ((l.v = calloc(1, sizeof(char *))) == NULL)
		goto oom;
	l.cap = 1;
	for (i = 0; i < npaths; i++) {
		if (stat(paths[i], &sb) != 0) {
			snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
			goto fail;
		}
		if (S_ISDIR(sb.st_mode)) {
			first = l.n;
			if (walk(paths[i], 0, &l, err, errlen) != 0)
				goto fail;
			qsort(l.v + first, l.n - first, sizeof(char *), cmp_str);
		} else if (list_add(&l, paths[i]) != 0) {
			goto oom;
		}
	}
	*files = l.v;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	import_files_free(l.v);
	return -1;
}

void
import_files_free(char **files)
{
	size_t i;

	if (files == NULL)
		return;
	for (i = 0; files[i] != NULL; i++)
		free(files[i]);
	free(files);
}

static int
is_dir(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Add dir (or dir/projects when it exists) unless already listed. */
static int
add_default(struct list *l, const char *dir)
{
	char path[PATH_MAX];
	size_t i;

	snprintf(path, sizeof(path), "%s/projects", dir);
	if (!is_dir(path)) {
		if (!is_dir(dir))
			return 0;
		snprintf(path, sizeof(path), "%s", dir);
	}
	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], path) == 0)
			return 0;
	return list_add(l, path);
}

char **
import_default_dirs(void)
{
	struct list l = { NULL, 0, 0 };
	const char *env = getenv("CLAUDE_CONFIG_DIR"), *home = getenv("HOME");
	char buf[PATH_MAX], *tok, *save = NULL, *copy;

	if ((l.v = calloc(1, sizeof(char *))) == NULL)
		return NULL;
	l.cap = 1;
	if (env != NULL && env[0] != '\0') {
		if ((copy = strdup(env)) == NULL)
			goto oom;
		for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ')
				tok++;
			if (*tok != '\0' && add_default(&l, tok) != 0) {
				free(copy);
				goto oom;
			}
		}
		free(copy);
		return l.v;
	}
	if (home == NULL)
		return l.v;
	snprintf(buf, sizeof(buf), "%s/.config/claude", home);
	if (add_default(&l, buf) != 0)
		goto oom;
	snprintf(buf, sizeof(buf), "%s/.claude", home);
	if (add_default(&l, buf) != 0)
		goto oom;
	return l.v;
oom:
	import_files_free(l.v);
	return NULL;
}
