/* import.c — the streaming import reader: read a file's lines from its mark,
 * hand them in chunks to the classifier (import_pool.c: detection, jansson
 * parse, worker threads), and deliver what each line came to, in file order,
 * to the sink on the caller's thread. */
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

#define READ_CHUNK   (256 * 1024)
#define SMALL_FILE   (128 * 1024) /* auto: read with no workers below this */
#define READ_KEEP    (4 * 1024 * 1024)   /* a larger read buffer is freed after use */

static const char *const format_names[] = {
	[IMPORT_AUTO] = "auto",
	[IMPORT_MESSAGES] = "messages",
	[IMPORT_BATCH_RESULTS] = "batch-results",
	[IMPORT_CLAUDE_CODE] = "claude-code",
};

const char *
import_format_name(enum import_format f)
{
	if ((unsigned)f >= sizeof(format_names) / sizeof(format_names[0]))
		return "?";
	return format_names[f];
}

int
import_format_parse(const char *name, enum import_format *f)
{
	size_t i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*f = (enum import_format)i;
			return 0;
		}
	}
	return -1;
}

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

struct reader {
	const struct import_opts *o;
	const struct import_sink *sink;
	void                     *arg;
	struct import_stats      *st;
	int64_t                   max_line;
	struct import_pool       *p;
	/* delivering: the file whose lines go to the sink now */
	struct import_where       w;
	struct import_pos         pos;
	int64_t                   since_ckpt;
	/* reading: the file whose lines are read now (the same, or a later one) */
	const char               *rpath;
	enum import_format        fmt;       /* its format as read so far */
	/* the keys of files read but not delivered to their end, oldest first */
	char                    **keys;
	size_t                    khead, nkeys, kcap;
};

/* ---- delivering (the caller's thread) ------------------------------------- */

static int
bad_line(struct reader *r, const char *reason)
{
	r->st->skipped++;
	r->st->malformed++;
	if (r->sink->malformed != NULL && r->sink->malformed(r->arg, &r->w, reason) != 0)
		return -1;
	return 0;
}

static int
too_long(struct reader *r)
{
	char why[96];

	snprintf(why, sizeof(why), "line longer than %lld bytes", (long long)r->max_line);
	return bad_line(r, why);
}

static int
checkpoint(struct reader *r)
{
	r->since_ckpt = 0;
	if (r->sink->checkpoint != NULL && r->sink->checkpoint(r->arg, &r->w, &r->pos) != 0)
		return -1;
	return 0;
}

/* A delivered row or outcome: checkpoint every checkpoint_rows of them. */
static int
delivered(struct reader *r)
{
	int64_t every = r->o->checkpoint_rows > 0 ? r->o->checkpoint_rows : 2000;

	if (++r->since_ckpt >= every)
		return checkpoint(r);
	return 0;
}

/* Account for one consumed line of n bytes (incl. '\n'). */
static void
consumed(struct reader *r, size_t n)
{
	r->pos.offset += (int64_t)n;
	r->pos.line++;
	if (r->pos.size < r->pos.offset)
		r->pos.size = r->pos.offset;
	r->w.line = r->pos.line;
	r->st->bytes += (int64_t)n;
	r->st->lines++;
}

/* A file's first entry: the sink is told where reading it began. */
static int
begin_file(struct reader *r, const struct ent *e)
{
	r->w.path = e->v.file.path;
	r->w.key = e->v.file.key;
	r->w.format = r->o->format;
	r->pos = e->v.file.start;
	r->w.line = r->pos.line;
	r->since_ckpt = 0;
	r->st->files++;
	if (r->sink->file_begin != NULL && r->sink->file_begin(r->arg, &r->w, &r->pos) != 0)
		return -1;
	return 0;
}

/* A file's last entry: its final checkpoint; its key is let go. */
static int
end_file(struct reader *r, const struct ent *e)
{
	int rc;

	r->w.format = e->fmt;
	rc = checkpoint(r);
	free(r->keys[r->khead]);
	r->keys[r->khead++] = NULL;
	if (r->khead == r->nkeys)
		r->khead = r->nkeys = 0;
	r->w.key = NULL;
	return rc;
}

/* One classified entry to the sink; 0, or -1 when the sink stopped. */
static int
deliver(struct reader *r, const struct ent *e)
{
	if (e->kind == ENT_BEGIN)
		return begin_file(r, e);
	if (e->kind == ENT_END)
		return end_file(r, e);
	consumed(r, e->n);
	r->w.format = e->fmt;
	switch (e->kind) {
	case ENT_PENDING:
	case ENT_SKIP:
	case ENT_BEGIN:
	case ENT_END:
		r->st->skipped++;
		return 0;
	case ENT_BAD:
		return bad_line(r, e->err);
	case ENT_TOO_LONG:
		return too_long(r);
	case ENT_RESULT:
		r->st->results++;
		if (strcmp(e->v.res.type, "succeeded") == 0)
			r->st->rows++;
		else
			r->st->skipped++;
		if (r->sink->result != NULL && r->sink->result(r->arg, &r->w, &e->v.res) != 0)
			return -1;
		return delivered(r);
	case ENT_ROW:
		r->st->rows++;
		if (r->sink->row != NULL && r->sink->row(r->arg, &r->w, &e->v.u) != 0)
			return -1;
		return delivered(r);
	}
	return 0;
}

/* Deliver the oldest chunk in flight, once classified; -1: the sink stopped
 * (the rest of the chunk is dropped, keys and all). */
static int
consume(struct reader *r)
{
	struct import_pool *p = r->p;
	struct chunk *c = &p->ring[p->tail % p->nring];
	int i, rc = 0;

	ip_chunk_wait(p, c);
	for (i = 0; i < c->n && rc == 0; i++)
		rc = deliver(r, &c->e[i]);
	ip_chunk_reset(c);
	p->tail++;
	return rc;
}

/* ---- reading (the caller's thread) ---------------------------------------- */

/* Hand the chunk being filled on: to the workers, or classified here. */
static void
dispatch(struct reader *r)
{
	struct import_pool *p = r->p;
	struct chunk *c = &p->ring[p->head % p->nring];

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

/* A new entry in the chunk being filled, making room first by delivering
 * the oldest chunk when the ring is full; NULL when the sink stopped. */
static struct ent *
new_ent(struct reader *r)
{
	struct import_pool *p = r->p;

	if (p->head - p->tail == p->nring && consume(r) != 0)
		return NULL;
	return &p->ring[p->head % p->nring].e[p->ring[p->head % p->nring].n++];
}

/* The chunk being filled goes on once full. */
static void
ent_added(struct reader *r)
{
	struct chunk *c = &r->p->ring[r->p->head % r->p->nring];

	if (c->n == CHUNK_LINES || c->used >= CHUNK_BYTES)
		dispatch(r);
}

/*
 * Add one line (n bytes consumed; line NULL for a line too long) to the
 * chunk being filled. While the format is open the line is classified here,
 * since it may decide the format of the lines after it. 0, -1 (the sink
 * stopped, or out of memory: *oom set).
 */
static int
add_line(struct reader *r, const char *line, size_t len, size_t n, int *oom)
{
	struct chunk *c;
	struct ent *e;
	char *nb;

	if ((e = new_ent(r)) == NULL)
		return -1;
	c = &r->p->ring[r->p->head % r->p->nring];
	if (line != NULL && (c->buf == NULL || c->used + len > c->cap)) {
		size_t cap = c->used + len > CHUNK_BYTES ? c->used + len : CHUNK_BYTES;

		if ((nb = realloc(c->buf, cap)) == NULL) {
			c->n--;
			*oom = 1;
			return -1;
		}
		c->buf = nb;
		c->cap = cap;
	}
	e->off = c->used;
	e->len = line != NULL ? len : 0;
	e->n = n;
	e->kind = line != NULL ? ENT_PENDING : ENT_TOO_LONG;
	e->fmt = r->fmt;
	if (line != NULL) {
		memcpy(c->buf + c->used, line, len);
		c->used += len;
		if (r->fmt == IMPORT_AUTO)
			ip_classify(e, c->buf + e->off, &r->fmt);
	}
	ent_added(r);
	return 0;
}

/* A file's first (ENT_BEGIN: path, key, start) or last (ENT_END) entry, in
 * line with its lines. 0, or -1 when the sink stopped. */
static int
add_marker(struct reader *r, enum ent_kind kind, const char *path, const char *key,
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
	e->v.file.key = key;
	if (start != NULL)
		e->v.file.start = *start;
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
		if (consume(r) != 0)
			return -1;
	return 0;
}

/*
 * Read f from its current position to the end, one complete line at a time,
 * in a buffer of at most max_line + READ_CHUNK bytes. A line longer than
 * max_line is skipped to its '\n' and reported malformed. A trailing partial
 * line stays unconsumed. Lines are classified on worker threads a chunk at a
 * time and delivered here, later, in file order, exactly as one thread
 * would. 0, or -1 (an I/O error, after delivering what came before it; the
 * sink stopped; out of memory: err says which).
 */
static int
read_lines(struct reader *r, FILE *f, char *err, size_t errlen)
{
	struct import_pool *p = r->p;
	size_t cap = p->rcap, start = 0, end = 0, got, skip_len = 0;
	char *buf = p->rbuf, *nl, *nb;
	int skipping = 0, rc = -1, eof = 0, oom = 0;

	/* the pool's read buffer, kept from file to file (a larger one than
	 * READ_KEEP, for a long line, is let go at the end) */
	if (buf == NULL) {
		cap = READ_CHUNK * 4;
		if ((buf = malloc(cap)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	for (;;) {
		while ((nl = memchr(buf + start, '\n', end - start)) != NULL) {
			size_t n = (size_t)(nl - (buf + start)) + 1;

			if (skipping || (int64_t)n - 1 > r->max_line) {
				if (add_line(r, NULL, 0, skip_len + n, &oom) != 0)
					goto stop;
				skipping = 0;
				skip_len = 0;
			} else if (add_line(r, buf + start, n - 1, n, &oom) != 0) {
				goto stop;
			}
			start += n;
		}
		if (eof)
			break;
		if (start > 0) {
			memmove(buf, buf + start, end - start);
			end -= start;
			start = 0;
		}
		if (!skipping && end > (size_t)r->max_line) {
			skipping = 1;          /* drop what we have; count it at the '\n' */
			skip_len = end;
			end = 0;
		} else if (skipping) {
			skip_len += end;
			end = 0;
		}
		if (cap - end < READ_CHUNK) {
			if ((nb = realloc(buf, cap * 2)) == NULL) {
				oom = 1;
				goto stop;
			}
			buf = nb;
			cap *= 2;
		}
		got = fread(buf + end, 1, cap - end, f);
		end += got;
		if (got == 0) {
			if (ferror(f)) {
				int en = errno;

				if (flush(r) != 0)
					goto stop;
				snprintf(err, errlen, "%s: %s", r->rpath, strerror(en));
				goto out;
			}
			eof = 1;
		}
	}
	rc = 0;
	goto out;
stop:
	if (oom && flush(r) == 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(err, errlen, "%s:%lld: import stopped", r->w.path, (long long)r->w.line);
out:
	if (cap > READ_KEEP) {
		free(buf);
		buf = NULL;
		cap = 0;
	}
	p->rbuf = buf;
	p->rcap = cap;
	return rc;
}

/*
 * The canonical path of a file for its mark (realpath) into key ("" when
 * there is none), and its stat into sb; 0, or -1 with errno. A regular file
 * (not a link) is its directory's canonical path and its name: the
 * directory's is resolved once for a run of files in it (pool's cache).
 */
static int
file_key(struct import_pool *p, const char *path, char *key, struct stat *sb)
{
	const char *slash = strrchr(path, '/'), *name = slash != NULL ? slash + 1 : path;
	size_t dlen = slash != NULL ? (size_t)(slash - path) : 0;
	char dir[PATH_MAX];

	key[0] = '\0';
	if (lstat(path, sb) != 0)
		return -1;
	if (p == NULL || !S_ISREG(sb->st_mode) || dlen >= sizeof(dir) || name[0] == '\0' ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		if (realpath(path, key) == NULL)
			key[0] = '\0';
		return stat(path, sb);
	}
	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
	} else if (dlen == 0) {
		snprintf(dir, sizeof(dir), "/");      /* "/x": the root */
	} else {
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}
	if (strcmp(dir, p->key_dir) != 0) {
		if (realpath(dir, p->key_real) == NULL) {
			p->key_dir[0] = '\0';
			if (realpath(path, key) == NULL)
				key[0] = '\0';
			return 0;
		}
		usage_strlcpy(p->key_dir, dir, sizeof(p->key_dir));
	}
	if ((size_t)snprintf(key, PATH_MAX, "%s%s%s", p->key_real,
	    strcmp(p->key_real, "/") == 0 ? "" : "/", name) >= PATH_MAX)
		key[0] = '\0';
	return 0;
}

static int64_t
stat_mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000LL + sb->st_mtim.tv_nsec;
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

	for (i = r->khead; i < r->nkeys; i++)
		if (strcmp(r->keys[i], key) == 0)
			return 1;
	return 0;
}

/* Keep a copy of key as the newest file in flight; NULL on out of memory. */
static char *
push_key(struct reader *r, const char *key)
{
	char **v;

	if (r->nkeys == r->kcap) {
		size_t cap = r->kcap ? r->kcap * 2 : 16;

		if ((v = realloc(r->keys, cap * sizeof(*v))) == NULL)
			return NULL;
		r->keys = v;
		r->kcap = cap;
	}
	if ((r->keys[r->nkeys] = strdup(key)) == NULL)
		return NULL;
	return r->keys[r->nkeys++];
}

/* A file that cannot be read ends the import, after every file before it
 * has been delivered (as if read one by one): -1 with "PATH: why" in err,
 * or the sink's stop. */
static int
cannot(struct reader *r, const char *path, const char *why, char *err, size_t errlen)
{
	char msg[256];

	usage_strlcpy(msg, why, sizeof(msg));     /* errno's text, before flush */
	if (flush(r) != 0)
		snprintf(err, errlen, "%s:%lld: import stopped", r->w.path, (long long)r->w.line);
	else
		snprintf(err, errlen, "%s: %s", path, msg);
	return -1;
}

/*
 * The next file: its key and mark, then, unless it was read to its end and
 * not touched since (*f NULL, nothing to read), opened at where reading
 * goes on (*start). 0, or -1 with err (the sink's mark failed, or the file
 * cannot be read).
 */
static int
open_file(struct reader *r, struct import_pool *own, const char *path, FILE **f,
          char *key, struct import_pos *start, char *err, size_t errlen)
{
	struct import_pos prev;
	struct stat sb;
	int found = 0;

	*f = NULL;
	if (file_key(r->o->pool, path, key, &sb) != 0)
		return cannot(r, path, strerror(errno), err, errlen);
	if (key[0] == '\0')
		usage_strlcpy(key, path, PATH_MAX);
	/* the same file again, still in flight: its mark is not written yet */
	if (in_flight(r, key) && flush(r) != 0) {
		snprintf(err, errlen, "%s:%lld: import stopped", r->w.path, (long long)r->w.line);
		return -1;
	}
	if (r->sink->mark_get != NULL && r->sink->mark_get(r->arg, key, &prev, &found) != 0)
		return cannot(r, path, "cannot read its import mark", err, errlen);
	/* read to its end and not touched since: nothing to open (a re-import
	 * of a large tree is this, file after file) */
	if (found && prev.size == (int64_t)sb.st_size && prev.offset == prev.size &&
	    prev.mtime_ns == stat_mtime_ns(&sb)) {
		r->st->files++;
		return 0;
	}
	if ((*f = fopen(path, "rb")) == NULL || fstat(fileno(*f), &sb) != 0)
		return cannot(r, path, strerror(errno), err, errlen);
	*start = import_resume(found ? &prev : NULL, (int64_t)sb.st_size, stat_mtime_ns(&sb));
	/* the mark must sit just after a '\n': a file replaced by a larger one
	 * may not have one there, and is then read again from the top */
	if (start->offset > 0 && (fseeko(*f, (off_t)start->offset - 1, SEEK_SET) != 0 ||
	    fgetc(*f) != '\n')) {
		*start = import_resume(NULL, start->size, start->mtime_ns);
		rewind(*f);
	}
	if (r->p == NULL) {   /* no pool given: threads as this first file asks */
		if (ip_pool_init(own, pick_jobs(r->o, (int64_t)sb.st_size - start->offset)) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		r->p = own;
	}
	return 0;
}

/* One file: its first entry, its lines, its last entry. 0, or -1 + err. */
static int
read_file(struct reader *r, struct import_pool *own, const char *path, char *err,
          size_t errlen)
{
	struct import_pos start;
	char key[PATH_MAX], *kept;
	FILE *f;
	int rc = -1;

	if (open_file(r, own, path, &f, key, &start, err, errlen) != 0)
		goto out;
	if (f == NULL)
		return 0;
	r->rpath = path;
	r->fmt = r->o->format;
	if ((kept = push_key(r, key)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (add_marker(r, ENT_BEGIN, path, kept, &start) != 0 ||
	    read_lines(r, f, err, errlen) != 0)
		goto stopped;
	if (add_marker(r, ENT_END, NULL, NULL, NULL) != 0)
		goto stopped;
	rc = 0;
	goto out;
stopped:
	if (err[0] == '\0')
		snprintf(err, errlen, "%s:%lld: import stopped", r->w.path != NULL ? r->w.path :
		    path, (long long)r->w.line);
out:
	if (f != NULL)
		fclose(f);
	return rc;
}

int
import_files(char *const *files, const struct import_opts *o, const struct import_sink *sink,
             void *arg, struct import_stats *st, char *err, size_t errlen)
{
	struct import_pool own;
	struct reader r;
	size_t i;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	memset(&own, 0, sizeof(own));
	r.o = o;
	r.sink = sink;
	r.arg = arg;
	r.st = st;
	r.max_line = o->max_line > 0 ? o->max_line : 64LL * 1024 * 1024;
	r.p = o->pool != NULL && o->jobs != 1 ? o->pool : NULL;
	err[0] = '\0';
	for (i = 0; files[i] != NULL; i++)
		if (read_file(&r, &own, files[i], err, errlen) != 0)
			goto out;
	if (flush(&r) != 0) {
		snprintf(err, errlen, "%s:%lld: import stopped", r.w.path, (long long)r.w.line);
		goto out;
	}
	rc = 0;
out:
	/* after an error, what was read of the files before it is delivered
	 * (read_lines did, for an I/O error), the rest dropped */
	if (r.p == &own)
		ip_pool_fini(&own);
	else if (r.p != NULL)
		ip_discard(r.p);
	for (i = r.khead; i < r.nkeys; i++)
		free(r.keys[i]);
	free(r.keys);
	return rc;
}

int
import_file(const char *path, const struct import_opts *o, const struct import_sink *sink,
            void *arg, struct import_stats *st, char *err, size_t errlen)
{
	char *const files[] = { (char *)path, NULL };

	return import_files(files, o, sink, arg, st, err, errlen);
}
