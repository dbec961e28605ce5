/* import.c — the streaming import reader: read every file's lines from its
 * mark (import_file.c: key, identity, where to go on), hand them in chunks
 * to the classifier (import_pool.c: detection, simdjson/jansson parse,
 * worker threads), and have what each line came to delivered, in file
 * order, to the sink on the caller's thread (import_deliver.c), while the
 * next files are read and parsed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/import.h"
#include "core/import_int.h"

#define READ_MIN     (64 * 1024)  /* a read has at least this much room */
#define SMALL_FILE   (128 * 1024) /* auto: read with no workers below this */

/* ---- reading (the caller's thread) ---------------------------------------- */

/* Hand the chunk being filled on: to the workers, or classified here. */
static void
dispatch(struct reader *r)
{
	struct import_pool *p = r->p;
	struct chunk *c = &p->ring[p->head % p->nring];

	if (p->nth < p->want && c->used > 0)    /* lines to parse, not only file marks */
		ip_pool_start(p);
	if (p->nth == 0)
		ip_classify_chunk(c);
	pthread_mutex_lock(&p->mu);
	if (p->nth == 0) {
		c->done = 1;
		p->next_work = p->head + 1;   /* nothing left for anyone to claim */
	}
	p->head++;
	if (p->nth > 0)
		pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

/* The chunk being filled, its slot's last chunk delivered first when the
 * ring is full; NULL when the sink stopped. */
static struct chunk *
filling(struct reader *r)
{
	struct import_pool *p = r->p;

	if (p->head - p->tail == p->nring && ip_consume(r) != 0)
		return NULL;
	return &p->ring[p->head % p->nring];
}

/* A new entry in the chunk being filled; NULL when the sink stopped. */
static struct ent *
new_ent(struct reader *r)
{
	struct chunk *c = filling(r);

	return c != NULL ? &c->e[c->n++] : NULL;
}

/* The chunk being filled goes on once full. */
static void
ent_added(struct reader *r)
{
	struct chunk *c = &r->p->ring[r->p->head % r->p->nring];

	if (c->n == CHUNK_LINES || c->used >= CHUNK_BYTES)
		dispatch(r);
}

/* Room in c's buffer for need bytes in all (c is not in flight); 0 or -1. */
static int
chunk_room(struct chunk *c, size_t need)
{
	size_t cap = c->cap * 2 > CHUNK_BYTES ? c->cap * 2 : CHUNK_BYTES;
	char *nb;

	if (need <= c->cap)
		return 0;
	if (cap < need)
		cap = need;
	if ((nb = realloc(c->buf, cap)) == NULL)
		return -1;
	c->buf = nb;
	c->cap = cap;
	return 0;
}

/*
 * Hand the chunk being filled on, and carry the bytes read after its lines
 * (tail of them: a line not complete yet) to the next, with room for a read
 * after them. 0, or -1 (the sink stopped, or out of memory: *oom set).
 */
static int
hand_on(struct reader *r, size_t tail, int *oom)
{
	struct import_pool *p = r->p;
	struct chunk *c = &p->ring[p->head % p->nring], *d;

	dispatch(r);
	if ((d = filling(r)) == NULL)   /* (nring >= 2: d is not c) */
		return -1;
	if (chunk_room(d, tail + READ_MIN) != 0) {
		*oom = 1;
		return -1;
	}
	memcpy(d->buf, c->buf + c->used, tail);   /* (the workers only read c's lines) */
	return 0;
}

/*
 * The line that starts the bytes read after the chunk's lines (*tail of
 * them), n bytes with its '\n', as an entry where it lies: no copy. A line
 * too long (skipped: bytes of it consumed before) is counted, its bytes
 * dropped. While the format is open the line is classified here, since it
 * may decide the format of the lines after it. The chunk goes on once full.
 * 0, -1 (the sink stopped, or out of memory: *oom set).
 */
static int
add_line(struct reader *r, size_t n, size_t *tail, int too_long, size_t skipped, int *oom)
{
	struct chunk *c = &r->p->ring[r->p->head % r->p->nring];
	struct ent *e = &c->e[c->n++];    /* (not full: it went on at CHUNK_LINES) */

	e->off = c->used;
	e->n = skipped + n;
	e->fmt = r->fmt;
	if (too_long) {
		e->len = 0;
		e->kind = ENT_TOO_LONG;
		memmove(c->buf + c->used, c->buf + c->used + n, *tail - n);
	} else {
		e->len = n - 1;
		e->kind = ENT_PENDING;
		if (r->fmt == IMPORT_AUTO)
			ip_classify(e, c->buf + e->off, &r->fmt, c);
		c->used += n;
	}
	*tail -= n;
	if (c->n == CHUNK_LINES || c->used >= CHUNK_BYTES)
		return hand_on(r, *tail, oom);
	return 0;
}

/* A file's first (ENT_BEGIN: path, start; its key and head are the newest
 * in flight) or last (ENT_END) entry, in line with its lines, or a file that
 * could not be read (ENT_UNREADABLE: path, why). 0, or -1 when the sink
 * stopped. */
static int
add_marker(struct reader *r, enum ent_kind kind, const char *path, const char *why,
           const struct import_pos *start)
{
	struct ent *e = new_ent(r);

	if (e == NULL)
		return -1;
	memset(&e->v.file, 0, sizeof(e->v.file));
	e->off = r->p->ring[r->p->head % r->p->nring].used;
	e->len = e->n = 0;
	e->kind = kind;
	e->fmt = r->fmt;
	e->v.file.path = path;
	if (why != NULL)
		usage_strlcpy(e->v.file.why, why, sizeof(e->v.file.why));
	if (start != NULL)
		e->v.file.start = *start;
	if (kind == ENT_END)
		e->v.file.in = r->fifo[r->nfifo - 1];   /* the file being read: the newest */
	ent_added(r);
	return 0;
}

/* The chunk being filled, if any, to the workers, then everything
 * delivered. 0, or -1 when the sink stopped. */
static int
flush(struct reader *r)
{
	struct import_pool *p = r->p;

	if (p == NULL)
		return 0;
	if (p->head - p->tail < p->nring && p->ring[p->head % p->nring].n > 0)
		dispatch(r);
	while (p->tail < p->head)
		if (ip_consume(r) != 0)
			return -1;
	return 0;
}

/* The bytes of a read (got of them, from the file's offset off) that fall
 * in its first IMPORT_HEAD_BYTES, into the head its marks hash: reads go on
 * from the top, so the head grows with them. */
static void
keep_head(struct inflight *in, const char *b, size_t got, int64_t off)
{
	size_t n;

	if (!in->head_open || off >= IMPORT_HEAD_BYTES || (size_t)off != in->nhead)
		return;
	n = IMPORT_HEAD_BYTES - (size_t)off < got ? IMPORT_HEAD_BYTES - (size_t)off : got;
	memcpy(in->head + off, b, n);
	in->nhead += n;
}

/*
 * Read fd from off (size: its size at open) to the end, one complete line at
 * a time, straight into the chunk being filled (its lines are parsed where
 * they lie; a line still incomplete when a chunk goes on is carried to the
 * next). A line longer than max_line is skipped to its '\n' and reported
 * malformed. A trailing partial line stays unconsumed. Lines are classified
 * on worker threads a chunk at a time and delivered here, later, in file
 * order, exactly as one thread would. 0, IMPORT_UNREADABLE (a read failed:
 * strerror in err; the lines before it stay in flight), or -1 (the sink
 * stopped, out of memory: err).
 */
static int
read_lines(struct reader *r, int fd, int64_t off, int64_t size, struct inflight *in,
           char *err, size_t errlen)
{
	struct import_pool *p = r->p;
	size_t tail = 0, scan = 0, skip_len = 0, want, n;
	struct chunk *c;
	char *at, *nl;
	ssize_t got;
	int skipping = 0, eof = 0, oom = 0;

	if (filling(r) == NULL)
		goto stop;
	for (;;) {
		/* the complete lines read (tail: bytes after the chunk's lines) */
		c = &p->ring[p->head % p->nring];
		while (scan < tail &&
		    (nl = memchr(c->buf + c->used + scan, '\n', tail - scan)) != NULL) {
			n = (size_t)(nl - (c->buf + c->used)) + 1;
			if (add_line(r, n, &tail, skipping || (int64_t)n - 1 > r->max_line,
			    skipping ? skip_len : 0, &oom) != 0)
				goto stop;
			skipping = 0;
			skip_len = 0;
			scan = 0;
			c = &p->ring[p->head % p->nring];
		}
		scan = tail;
		if (eof)
			return 0;
		if (!skipping && tail > (size_t)r->max_line) {
			skipping = 1;          /* drop what we have; count it at the '\n' */
			skip_len = tail;
			tail = scan = 0;
		} else if (skipping) {
			skip_len += tail;
			tail = scan = 0;
		}
		/* room for a read: a chunk with lines goes on (its tail carried),
		 * else (a long line) grows */
		if (c->cap - c->used - tail < READ_MIN) {
			if (c->used > 0) {
				if (hand_on(r, tail, &oom) != 0)
					goto stop;
				c = &p->ring[p->head % p->nring];
			} else if (chunk_room(c, tail + READ_MIN) != 0) {
				oom = 1;
				goto stop;
			}
		}
		at = c->buf + c->used + tail;
		want = c->cap - c->used - tail;
		if ((got = ip_pread(fd, at, want, off)) < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			return IMPORT_UNREADABLE;
		}
		keep_head(in, at, (size_t)got, off);
		tail += (size_t)got;
		off += got;
		/* short of what was asked, at or past the size seen at open: the
		 * end (no further read to be told so, a syscall a file) */
		if (got == 0 || ((size_t)got < want && off >= size))
			eof = 1;
	}
stop:
	if (oom && flush(r) == 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(err, errlen, "%s:%lld: import stopped", r->w.path, (long long)r->w.line);
	return -1;
}

/* Threads for what is left of a file: none for a little (starting them
 * would cost more than they save), else as asked. */
static int
pick_jobs(const struct import_opts *o, int64_t left)
{
	if (o->jobs == 0 && left < SMALL_FILE)
		return 1;
	return o->jobs;
}

/* Is key the key of a file still in flight (read, not delivered to its end)? */
static int
in_flight(const struct reader *r, const char *key)
{
	size_t i;

	for (i = r->fhead; i < r->nfifo; i++)
		if (strcmp(r->fifo[i]->key, key) == 0)
			return 1;
	return 0;
}

/* A new file in flight with a copy of key, newest; NULL on out of memory. */
static struct inflight *
push_file(struct reader *r, const char *key)
{
	struct inflight **v, *in;

	if (r->nfifo == r->fcap) {
		size_t cap = r->fcap ? r->fcap * 2 : 16;

		if ((v = realloc(r->fifo, cap * sizeof(*v))) == NULL)
			return NULL;
		r->fifo = v;
		r->fcap = cap;
	}
	if ((in = calloc(1, sizeof(*in))) == NULL || (in->key = strdup(key)) == NULL) {
		free(in);
		return NULL;
	}
	r->fifo[r->nfifo++] = in;
	return in;
}

/* The newest file in flight was not read after all: let it go. */
static void
pop_newest(struct reader *r)
{
	struct inflight *in = r->fifo[--r->nfifo];

	free(in->key);
	free(in);
}

/* A mark or memory failed: every file before is delivered first (as if
 * read one by one), then -1 with err (or the sink's stop). */
static int
fail_after(struct reader *r, const char *path, const char *why, char *err, size_t errlen)
{
	char msg[256];

	usage_strlcpy(msg, why, sizeof(msg));     /* errno's text, before flush */
	if (flush(r) != 0)
		snprintf(err, errlen, "%s:%lld: import stopped", r->w.path, (long long)r->w.line);
	else
		snprintf(err, errlen, "%s%s%s", path != NULL ? path : "", path != NULL ? ": " : "",
		    msg);
	return -1;
}

/*
 * The next file: its key and mark, then, unless it was read to its end and
 * not touched since (*fd -1, nothing to read), opened, with where reading
 * goes on (*start), its key and, when a mark is to be checked, its first
 * bytes in flight (else they are kept as they are read: from the top). 0 (opened or
 * nothing to read), IMPORT_UNREADABLE (why in err; nothing in flight), or
 * -1 with err (the sink's mark failed, out of memory).
 */
static int
open_file(struct reader *r, struct import_pool *own, const char *path, int *fd,
          struct import_pos *start, char *err, size_t errlen)
{
	struct import_pos prev;
	struct inflight *in;
	struct stat sb;
	char key[PATH_MAX];
	const char *at;
	int found = 0, dirfd;

	*fd = -1;
	/* while files have no mark (a first import), open before asking: a
	 * stat less each; once they have, stat first (a re-import opens none) */
	if (ip_file_key(r->o->pool, path, key, &sb, &dirfd, &at, r->marked ? NULL : fd) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return IMPORT_UNREADABLE;
	}
	if (key[0] == '\0')
		usage_strlcpy(key, path, sizeof(key));
	/* the same file again, still in flight: its mark is not written yet */
	if (in_flight(r, key) && flush(r) != 0)
		return fail_after(r, NULL, "", err, errlen);
	if (r->sink->mark_get != NULL && r->sink->mark_get(r->arg, key, &prev, &found) != 0)
		return fail_after(r, path, "cannot read its import mark", err, errlen);
	r->marked = found;
	/* read to its end and not touched since (same size, time and inode):
	 * nothing to open (a re-import of a large tree is this, file after file) */
	if (found && ip_unchanged(&prev, &sb)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		r->st->files++;
		return 0;
	}
	if (*fd < 0 && (*fd = ip_open_regular(dirfd, at, &sb, err, errlen)) < 0)
		return IMPORT_UNREADABLE;
	if ((in = push_file(r, key)) == NULL)
		return fail_after(r, NULL, "out of memory", err, errlen);
	in->head_open = !found;      /* no mark: read from the top, head as it comes */
	if (found && ip_read_head(*fd, in->head, &in->nhead) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		pop_newest(r);
		r->st->files++;          /* opened: counted, as a read that failed */
		return IMPORT_UNREADABLE;
	}
	if (found && !ip_same_file(&prev, &sb, in->head, in->nhead))
		found = 0;
	ip_start(*fd, found ? &prev : NULL, &sb, start);
	if (r->p == NULL) {   /* no pool given: threads as this first file asks */
		if (ip_pool_init(own, pick_jobs(r->o, (int64_t)sb.st_size - start->offset)) != 0) {
			pop_newest(r);
			return fail_after(r, NULL, "out of memory", err, errlen);
		}
		r->p = own;
	}
	return 0;
}

/* An entry saying path could not be read (why), in its place: needs the
 * ring, made here when no file before it was opened. 0, or -1 + err. */
static int
add_unreadable(struct reader *r, struct import_pool *own, const char *path, const char *why,
               char *err, size_t errlen)
{
	if (r->p == NULL) {
		if (ip_pool_init(own, 1) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		r->p = own;
	}
	if (add_marker(r, ENT_UNREADABLE, path, why, NULL) != 0) {
		snprintf(err, errlen, "%s:%lld: import stopped", r->w.path, (long long)r->w.line);
		return -1;
	}
	return 0;
}

/* One file: its first entry, its lines, its last entry (and, after a read
 * that failed part way, an unreadable entry). 0, or -1 + err. */
static int
read_file(struct reader *r, struct import_pool *own, const char *path, char *err,
          size_t errlen)
{
	struct import_pos start;
	struct inflight *in;
	char why[256];
	int fd = -1, rc;

	err[0] = '\0';
	if ((rc = open_file(r, own, path, &fd, &start, err, errlen)) == IMPORT_UNREADABLE) {
		usage_strlcpy(why, err, sizeof(why));
		rc = add_unreadable(r, own, path, why, err, errlen);
		goto out;
	}
	if (rc != 0 || fd < 0)
		goto out;
	in = r->fifo[r->nfifo - 1];       /* this file's, the newest in flight */
	r->rpath = path;
	r->fmt = r->o->format;
	rc = -1;
	if (add_marker(r, ENT_BEGIN, path, NULL, &start) != 0)
		goto stopped;
	why[0] = '\0';
	if (ip_codex_prime(fd, path, &start, &r->fmt, &in->cx) != 0)
		usage_strlcpy(why, strerror(errno), sizeof(why));   /* nothing read */
	else if ((rc = read_lines(r, fd, start.offset, start.size, in, err, errlen)) ==
	    IMPORT_UNREADABLE)
		usage_strlcpy(why, err, sizeof(why));    /* what came before still counts */
	else if (rc != 0)
		goto stopped;
	if (add_marker(r, ENT_END, NULL, NULL, NULL) != 0)
		goto stopped;
	rc = why[0] != '\0' ? add_unreadable(r, own, path, why, err, errlen) : 0;
	goto out;
stopped:
	rc = -1;
	if (err[0] == '\0')
		snprintf(err, errlen, "%s:%lld: import stopped", r->w.path != NULL ? r->w.path :
		    path, (long long)r->w.line);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Every file in one pipeline; r->unreadable tells of the last file that
 * could not be read when the sink has no unreadable(). 0, or -1 + err. */
static int
run(struct reader *r, char *const *files, char *err, size_t errlen)
{
	struct import_pool own;
	size_t i;
	int rc = -1;

	memset(&own, 0, sizeof(own));
	r->max_line = r->o->max_line > 0 ? r->o->max_line : 64LL * 1024 * 1024;
	r->p = r->o->pool != NULL && r->o->jobs != 1 ? r->o->pool : NULL;
	if (r->o->pool != NULL)
		ip_dir_forget(r->o->pool);   /* (ip_file_key's: a folder may be another now) */
	for (i = 0; files[i] != NULL; i++)
		if (read_file(r, &own, files[i], err, errlen) != 0)
			goto out;
	if (flush(r) != 0) {
		snprintf(err, errlen, "%s:%lld: import stopped", r->w.path, (long long)r->w.line);
		goto out;
	}
	rc = 0;
out:
	/* after an error, what was read of the files before it is delivered
	 * (fail_after did), the rest dropped */
	if (r->p == &own)
		ip_pool_fini(&own);
	else if (r->p != NULL)
		ip_discard(r->p);
	for (i = r->fhead; i < r->nfifo; i++) {
		free(r->fifo[i]->key);
		free(r->fifo[i]);
	}
	free(r->fifo);
	return rc;
}

int
import_files(char *const *files, const struct import_opts *o, const struct import_sink *sink,
             void *arg, struct import_stats *st, char *err, size_t errlen)
{
	struct reader *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->o = o;
	r->sink = sink;
	r->arg = arg;
	r->st = st;
	rc = run(r, files, err, errlen);
	if (rc == 0 && r->unreadable) {
		usage_strlcpy(err, r->why, errlen);
		rc = IMPORT_UNREADABLE;
	}
	free(r);
	return rc;
}

int
import_file(const char *path, const struct import_opts *o, const struct import_sink *sink,
            void *arg, struct import_stats *st, char *err, size_t errlen)
{
	char *const files[] = { (char *)path, NULL };

	return import_files(files, o, sink, arg, st, err, errlen);
}
