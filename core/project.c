/* project.c — the project of a working directory: the git work tree's root
 * name, found by looking for ".git" upward, else the directory's name;
 * cached per directory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/project.h"
#include "core/usage.h"

#define NBUCKETS 256

struct entry {
	struct entry *next;
	char         *cwd;
	char          project[USAGE_TAG_MAX];
};

struct project_cache {
	struct entry *bucket[NBUCKETS];
};

struct project_cache *
project_cache_new(void)
{
	return calloc(1, sizeof(struct project_cache));
}

void
project_cache_free(struct project_cache *c)
{
	struct entry *e, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < NBUCKETS; i++) {
		for (e = c->bucket[i]; e != NULL; e = next) {
			next = e->next;
			free(e->cwd);
			free(e);
		}
	}
	free(c);
}

static size_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return (size_t)(h % NBUCKETS);
}

/* The last component of path[0..len) (len > 0, no trailing slash). */
static void
base(const char *path, size_t len, char *dst, size_t n)
{
	size_t i = len;
	char tmp[USAGE_TAG_MAX];

	while (i > 0 && path[i - 1] != '/')
		i--;
	if (len - i >= sizeof(tmp))
		len = i + sizeof(tmp) - 1;
	memcpy(tmp, path + i, len - i);
	tmp[len - i] = '\0';
	usage_strlcpy(dst, tmp, n);
}

/* Look upward from cwd (an absolute path; a relative one is only named)
 * for a ".git" entry: the file system's answer. */
static void
find(const char *cwd, char *dst, size_t n)
{
	size_t len = strlen(cwd), dlen;
	char *path;
	struct stat sb;

	while (len > 1 && cwd[len - 1] == '/')
		len--;
	if (len == 1 && cwd[0] == '/') {
		usage_strlcpy(dst, "/", n);
		return;
	}
	if ((path = malloc(len + 6)) == NULL) {
		base(cwd, len, dst, n);
		return;
	}
	for (dlen = len; cwd[0] == '/' && dlen > 0;) {
		memcpy(path, cwd, dlen);
		memcpy(path + dlen, "/.git", 6);
		if (stat(path, &sb) == 0 && (S_ISDIR(sb.st_mode) || S_ISREG(sb.st_mode))) {
			base(cwd, dlen, dst, n);
			free(path);
			return;
		}
		while (dlen > 0 && cwd[dlen - 1] != '/')    /* up one directory */
			dlen--;
		while (dlen > 0 && cwd[dlen - 1] == '/')    /* the root itself is not asked */
			dlen--;
	}
	free(path);
	base(cwd, len, dst, n);
}

const char *
project_of(struct project_cache *c, const char *cwd, char *dst, size_t n)
{
	struct entry *e;
	size_t h;

	if (n == 0)
		return dst;
	dst[0] = '\0';
	if (cwd == NULL || cwd[0] == '\0')
		return dst;
	h = hash(cwd);
	for (e = c != NULL ? c->bucket[h] : NULL; e != NULL; e = e->next) {
		if (strcmp(e->cwd, cwd) == 0) {
			usage_strlcpy(dst, e->project, n);
			return dst;
		}
	}
	if (c == NULL || (e = calloc(1, sizeof(*e))) == NULL || (e->cwd = strdup(cwd)) == NULL) {
		if (c != NULL)
			free(e);
		find(cwd, dst, n);
		return dst;
	}
	find(cwd, e->project, sizeof(e->project));
	e->next = c->bucket[h];
	c->bucket[h] = e;
	usage_strlcpy(dst, e->project, n);
	return dst;
}
