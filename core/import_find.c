/* import_find.c — the files an import reads: paths walked for *.jsonl (each
 * folder and file once, what cannot be read set aside), the default
 * transcript folders. */
#include <dirent.h>
#include <errno.h>
#include <search.h>
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

/* ---- what cannot be read ------------------------------------------------- */

int
import_unreadable_add(struct import_unreadable *u, const char *path, const char *reason)
{
	char **p, **r;

	if ((p = realloc(u->path, (u->n + 1) * sizeof(*p))) == NULL)
		return -1;
	u->path = p;
	if ((r = realloc(u->reason, (u->n + 1) * sizeof(*r))) == NULL)
		return -1;
	u->reason = r;
	p[u->n] = strdup(path);
	r[u->n] = strdup(reason);
	if (p[u->n] == NULL || r[u->n] == NULL) {
		free(p[u->n]);
		free(r[u->n]);
		return -1;
	}
	u->n++;
	return 0;
}

void
import_unreadable_free(struct import_unreadable *u)
{
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < u->n; i++) {
		free(u->path[i]);
		free(u->reason[i]);
	}
	free(u->path);
	free(u->reason);
	memset(u, 0, sizeof(*u));
}

/* ---- the walk -------------------------------------------------------------- */

/* A directory or file already taken, by identity (a tsearch tree). */
struct seen_id {
	dev_t dev;
	ino_t ino;
};

struct walk {
	struct list              l;
	struct import_unreadable *bad;
	void                    *seen;    /* tsearch root of struct seen_id */
	int                      oom;
};

static int
cmp_id(const void *a, const void *b)
{
	const struct seen_id *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/* 1 when sb's file was not taken before (and is now), 0 when it was, -1
 * out of memory. */
static int
first_visit(struct walk *w, const struct stat *sb)
{
	struct seen_id *id = malloc(sizeof(*id)), **found;

	if (id == NULL)
		return -1;
	id->dev = sb->st_dev;
	id->ino = sb->st_ino;
	if ((found = tsearch(id, &w->seen, cmp_id)) == NULL) {
		free(id);
		return -1;
	}
	if (*found != id) {
		free(id);
		return 0;
	}
	return 1;
}

static void
bad_path(struct walk *w, const char *path, const char *reason)
{
	if (import_unreadable_add(w->bad, path, reason) != 0)
		w->oom = 1;
}

static int
cmp_dirent(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
not_dots(const struct dirent *de)
{
	return !(de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
	    (de->d_name[1] == '.' && de->d_name[2] == '\0')));
}

static void walk(struct walk *w, const char *dir, const struct stat *dsb, int depth);

/*
 * One directory entry (de, in dir whose stat is dsb): a directory is
 * walked, a *.jsonl file taken. An entry that cannot be looked at is
 * nothing to import unless it is named *.jsonl (a dangling link, a file gone
 * since the listing). A plain file's identity is its directory's device and
 * its own inode number as listed, so the walk asks no stat of the files of
 * a tree (the import's reader asks one of each it reads; a re-import of a
 * large tree is little else) once one stat in the directory (*searched)
 * showed it can be searched. 1 when the directory itself turned out not
 * searchable (stop listing it), else 0.
 */
static int
walk_entry(struct walk *w, const char *dir, const struct stat *dsb, const struct dirent *de,
           int depth, int *searched)
{
	char path[PATH_MAX];
	const char *name = de->d_name;
	struct stat sb;
	int jsonl = ends_with(name, ".jsonl"), first;

	if (de->d_type == DT_REG && !jsonl)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		if (jsonl)
			bad_path(w, dir, strerror(ENAMETOOLONG));
		return 0;
	}
	if (de->d_type == DT_REG && *searched) {
		memset(&sb, 0, sizeof(sb));
		sb.st_dev = dsb->st_dev;
		sb.st_ino = de->d_ino;
		sb.st_mode = S_IFREG;
	} else if (stat(path, &sb) != 0) {
		int en = errno;

		if (en == EACCES && lstat(path, &sb) != 0 && errno == EACCES) {
			bad_path(w, dir, strerror(EACCES));    /* no search permission */
			return 1;
		}
		if (jsonl)
			bad_path(w, path, strerror(en));
		return 0;
	} else {
		*searched = 1;
	}
	if (S_ISDIR(sb.st_mode)) {
		walk(w, path, &sb, depth + 1);
		return 0;
	}
	if (!S_ISREG(sb.st_mode) || !jsonl)
		return 0;
	if ((first = first_visit(w, &sb)) < 0 || (first == 1 && list_add(&w->l, path) != 0))
		w->oom = 1;
	return 0;
}

/* Every *.jsonl under dir (dsb: its stat) into w->l, each directory once;
 * the caller sorts by full path. */
static void
walk(struct walk *w, const char *dir, const struct stat *dsb, int depth)
{
	struct dirent **ents = NULL;
	int n, i, first, searched = 0;

	if (depth > MAX_DEPTH || w->oom)
		return;
	if ((first = first_visit(w, dsb)) <= 0) {
		w->oom = first < 0;
		return;                 /* a link back up the tree, or a folder seen already */
	}
	/* names sorted, so which of two paths to one file is taken does not
	 * depend on the directory's order */
	if ((n = scandir(dir, &ents, not_dots, cmp_dirent)) < 0) {
		if (errno == ENOMEM)
			w->oom = 1;
		else
			bad_path(w, dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++)
		if (!w->oom && walk_entry(w, dir, dsb, ents[i], depth, &searched) != 0)
			break;
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
}

int
import_collect(const char *const *paths, size_t npaths, char ***files,
               struct import_unreadable *bad, char *err, size_t errlen)
{
	struct walk w;
	struct stat sb;
	size_t i, first;
	int fresh;

	memset(&w, 0, sizeof(w));
	w.bad = bad;
	*files = NULL;
	if ((w.l.v = calloc(1, sizeof(char *))) == NULL)
		goto oom;
	w.l.cap = 1;
	for (i = 0; i < npaths && !w.oom; i++) {
		if (stat(paths[i], &sb) != 0) {
			bad_path(&w, paths[i], strerror(errno));
		} else if (S_ISDIR(sb.st_mode)) {
			first = w.l.n;
			walk(&w, paths[i], &sb, 0);
			qsort(w.l.v + first, w.l.n - first, sizeof(char *), cmp_str);
		} else if (!S_ISREG(sb.st_mode)) {
			bad_path(&w, paths[i], "not a regular file");
		} else if ((fresh = first_visit(&w, &sb)) < 0 ||
		    (fresh == 1 && list_add(&w.l, paths[i]) != 0)) {
			w.oom = 1;
		}
	}
	tdestroy(w.seen, free);
	if (w.oom)
		goto oom;
	*files = w.l.v;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	import_files_free(w.l.v);
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
