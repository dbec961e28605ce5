/* import_file.c — one file's place in an import: the key its marks are
 * kept under, its identity (device, inode, a hash of its first bytes), and
 * where reading goes on (a resumed Codex file: its fold primed with the
 * lines before its mark); opened only when it is a regular file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/import.h"
#include "core/import_int.h"

struct import_pos
import_resume(const struct import_pos *prev, int64_t size, int64_t mtime_ns)
{
	struct import_pos p;

	memset(&p, 0, sizeof(p));
	if (prev != NULL && size >= prev->size && size >= prev->offset &&
	    mtime_ns >= prev->mtime_ns && prev->offset >= 0 && prev->line >= 0)
		p = *prev;
	p.size = size;
	p.mtime_ns = mtime_ns;
	return p;
}

uint64_t
import_hash(const void *buf, size_t n)
{
	const unsigned char *b = buf;
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void
ip_dir_forget(struct import_pool *p)
{
	if (p->key_dirfd >= 0)
		close(p->key_dirfd);
	p->key_dirfd = -1;
	p->key_dir[0] = '\0';
}

/* dir (a file's, as given) the pool's directory: its realpath and a
 * descriptor for it (-1 when none: paths are used). */
static void
dir_set(struct import_pool *p, const char *dir)
{
	ip_dir_forget(p);
	if (realpath(dir, p->key_real) == NULL)
		return;                    /* key_dir stays "": realpath per file */
	usage_strlcpy(p->key_dir, dir, sizeof(p->key_dir));
	p->key_dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int
ip_file_key(struct import_pool *p, const char *path, char *key, struct stat *sb,
            int *dirfd, const char **at, int *fd)
{
	const char *slash = strrchr(path, '/'), *name = slash != NULL ? slash + 1 : path;
	size_t dlen = slash != NULL ? (size_t)(slash - path) : 0;
	int cached = p != NULL && dlen < PATH_MAX && name[0] != '\0' && strcmp(name, ".") != 0 &&
	    strcmp(name, "..") != 0;
	char dir[PATH_MAX];

	key[0] = '\0';
	*dirfd = AT_FDCWD;
	*at = path;
	if (cached) {
		if (slash == NULL) {
			snprintf(dir, sizeof(dir), ".");
		} else if (dlen == 0) {
			snprintf(dir, sizeof(dir), "/");      /* "/x": the root */
		} else {
			memcpy(dir, path, dlen);
			dir[dlen] = '\0';
		}
		if (strcmp(dir, p->key_dir) != 0)
			dir_set(p, dir);
		if (p->key_dir[0] != '\0' && p->key_dirfd >= 0) {
			*dirfd = p->key_dirfd;    /* the name in it: no walk of the path */
			*at = name;
		}
	}
	/* opened first, not a link (O_NOFOLLOW): the descriptor's stat is the
	 * name's; a link, or anything but a regular file, goes the long way */
	if (fd != NULL && *at == name && (*fd = openat(*dirfd, name, O_RDONLY | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
		if (fstat(*fd, sb) == 0 && S_ISREG(sb->st_mode) && (size_t)snprintf(key, PATH_MAX,
		    "%s%s%s", p->key_real, strcmp(p->key_real, "/") == 0 ? "" : "/", name) <
		    PATH_MAX)
			return 0;
		close(*fd);
		*fd = -1;
		key[0] = '\0';
	}
	if (fstatat(*dirfd, *at, sb, AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	if (!cached || !S_ISREG(sb->st_mode) || p->key_dir[0] == '\0') {
		if (realpath(path, key) == NULL)
			key[0] = '\0';
		return S_ISREG(sb->st_mode) ? 0 : fstatat(*dirfd, *at, sb, 0);
	}
	if ((size_t)snprintf(key, PATH_MAX, "%s%s%s", p->key_real,
	    strcmp(p->key_real, "/") == 0 ? "" : "/", name) >= PATH_MAX)
		key[0] = '\0';
	return 0;
}

int64_t
ip_mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000LL + sb->st_mtim.tv_nsec;
}

int
ip_open_regular(int dirfd, const char *at, struct stat *sb, char *err, size_t errlen)
{
	int fd;

	if ((fd = openat(dirfd, at, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		snprintf(err, errlen, "%s", S_ISREG(sb->st_mode) ? strerror(errno) :
		    "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

ssize_t
ip_pread(int fd, void *buf, size_t n, int64_t off)
{
	ssize_t got;
	int fl;

	for (;;) {
		if ((got = pread(fd, buf, n, (off_t)off)) >= 0)
			return got;
		if (errno == EINTR)
			continue;
		/* a regular file's reads never say it on Linux; should some file
		 * system, block from here on */
		if (errno != EAGAIN || (fl = fcntl(fd, F_GETFL)) < 0 || !(fl & O_NONBLOCK) ||
		    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
			return -1;
	}
}

int
ip_read_head(int fd, unsigned char *head, size_t *nhead)
{
	ssize_t got;

	*nhead = 0;
	while (*nhead < IMPORT_HEAD_BYTES) {
		got = ip_pread(fd, head + *nhead, IMPORT_HEAD_BYTES - *nhead, (int64_t)*nhead);
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		*nhead += (size_t)got;
	}
	return 0;
}

int
ip_same_file(const struct import_pos *prev, const struct stat *sb, const unsigned char *head,
             size_t nhead)
{
	if (prev->ino != 0 && (prev->dev != (int64_t)sb->st_dev ||
	    prev->ino != (int64_t)sb->st_ino))
		return 0;
	if (prev->head_len > 0 && (prev->head_len > (int64_t)nhead ||
	    (int64_t)import_hash(head, (size_t)prev->head_len) != prev->head_hash))
		return 0;
	return 1;
}

int
ip_unchanged(const struct import_pos *prev, const struct stat *sb)
{
	return S_ISREG(sb->st_mode) && prev->size == (int64_t)sb->st_size &&
	    prev->offset == prev->size && prev->mtime_ns == ip_mtime_ns(sb) &&
	    (prev->ino == 0 || (prev->dev == (int64_t)sb->st_dev &&
	    prev->ino == (int64_t)sb->st_ino));
}

int
ip_start(int fd, const struct import_pos *prev, const struct stat *sb,
         struct import_pos *start)
{
	char c;

	*start = import_resume(prev, (int64_t)sb->st_size, ip_mtime_ns(sb));
	start->dev = (int64_t)sb->st_dev;
	start->ino = (int64_t)sb->st_ino;
	/* the mark must sit just after a '\n': a file replaced by a larger one
	 * may not have one there, and is then read again from the top */
	if (start->offset > 0 && (ip_pread(fd, &c, 1, start->offset - 1) != 1 || c != '\n'))
		start->offset = start->line = 0;
	return 0;
}

int
ip_codex_prime(int fd, const char *path, const struct import_pos *start,
               enum import_format *fmt, struct codex_state *cx)
{
	enum import_format lf = *fmt;
	char sid[USAGE_ID_MAX], err[256], *line = NULL;
	size_t cap = 0;
	int64_t at = 0;
	struct usage u;
	struct ent *e;
	ssize_t n;
	FILE *f;
	int dfd;

	codex_session_from_path(path, sid, sizeof(sid));
	codex_state_init(cx, sid[0] != '\0' ? sid : NULL);
	if (start->offset == 0 || start->offset >= start->size ||
	    (lf != IMPORT_AUTO && lf != IMPORT_CODEX))
		return 0;
	/* a stream of its own, from the top (the reader reads by offset) */
	if ((dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return -1;
	if (lseek(dfd, 0, SEEK_SET) != 0 || (f = fdopen(dfd, "rb")) == NULL) {
		close(dfd);
		return -1;
	}
	if ((e = malloc(sizeof(*e))) == NULL) {
		fclose(f);
		return -1;
	}
	while (at < start->offset && (n = getline(&line, &cap, f)) > 0) {
		at += n;
		memset(e, 0, sizeof(*e));
		e->len = (size_t)n - (line[n - 1] == '\n');
		ip_classify(e, line, &lf, NULL);
		if (lf != IMPORT_AUTO && lf != IMPORT_CODEX)
			break;                     /* not a Codex file */
		if (e->kind == ENT_CODEX)
			(void)codex_fold(cx, &e->v.cx, &u, err, sizeof(err));
	}
	if (lf == IMPORT_CODEX)
		*fmt = IMPORT_CODEX;
	free(line);
	free(e);
	return fclose(f) == 0 ? 0 : -1;
}
