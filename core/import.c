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

static const char *const format_names[] = {
	[IMPORT_AUTO] = "auto",
	[IMPORT_MESSAGES] = "messages",
	[IMPORT_BATCH_RESULTS] = "batch-results",
	[IMPORT_CLAUDE_CODE] = "claude-code",
	[IMPORT_OPENAI] = "openai",
	[IMPORT_OPENAI_BATCH] = "openai-batch",
	[IMPORT_CODEX] = "codex",
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

struct reader {
	const struct import_opts *o;
	const struct import_sink *sink;
	void                     *arg;
	struct import_stats      *st;
	struct import_where       w;
	struct import_pos         pos;
	int64_t                   since_ckpt;
	int64_t                   max_line;
	enum import_format        fmt;       /* the format as read so far (reader side) */
	struct import_pool       *p;
	unsigned char             head[IMPORT_HEAD_BYTES]; /* the file's start, as opened */
	size_t                    nhead;
	struct codex_state        cx;        /* a codex file's fold, in delivery order */
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
	/* only consumed bytes are hashed: they never change in a file that grows */
	r->pos.head_len = r->pos.offset < (int64_t)r->nhead ? r->pos.offset : (int64_t)r->nhead;
	r->pos.head_hash = (int64_t)import_hash(r->head, (size_t)r->pos.head_len);
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

static int
row(struct reader *r, const struct usage *u)
{
	r->st->rows++;
	if (r->sink->row != NULL && r->sink->row(r->arg, &r->w, u) != 0)
		return -1;
	return delivered(r);
}

/* A Codex line folded into the file's state: a row when its total grew. */
static int
codex_row(struct reader *r, const struct codex_event *ev)
{
	char err[256];
	struct usage u;

	switch (codex_fold(&r->cx, ev, &u, err, sizeof(err))) {
	case 1:
		return row(r, &u);
	case -1:
		return bad_line(r, err);
	}
	r->st->skipped++;
	return 0;
}

/* One classified line to the sink; 0, or -1 when the sink stopped. */
static int
deliver(struct reader *r, const struct ent *e)
{
	consumed(r, e->n);
	r->w.format = e->fmt;
	switch (e->kind) {
	case ENT_PENDING:
	case ENT_SKIP:
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
		return row(r, &e->v.u);
	case ENT_CODEX:
		return codex_row(r, &e->v.cx);
	}
	return 0;
}

/* Deliver the oldest chunk in flight, once classified; -1: the sink stopped. */
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

/* Deliver every chunk in flight, in order; -1: the sink stopped. */
static int
drain(struct reader *r)
{
	while (r->p->tail < r->p->head)
		if (consume(r) != 0)
			return -1;
	return 0;
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
	if (p->nth == 0)
		c->done = 1;
	p->head++;
	if (p->nth == 0)
		p->next_work = p->head;   /* nothing left for anyone to claim */
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

/*
 * Add one line (n bytes consumed; line NULL for a line too long) to the
 * chunk being filled, making room first by delivering the oldest chunk when
 * the ring is full. While the format is open the line is classified here,
 * since it may decide the format of the lines after it. 0, -1 (the sink
 * stopped, or out of memory: *oom set).
 */
static int
add_line(struct reader *r, const char *line, size_t len, size_t n, int *oom)
{
	struct import_pool *p = r->p;
	struct chunk *c;
	struct ent *e;
	char *nb;

	if (p->head - p->tail == p->nring && consume(r) != 0)
		return -1;
	c = &p->ring[p->head % p->nring];
	if (line != NULL && (c->buf == NULL || c->used + len > c->cap)) {
		size_t cap = c->used + len > CHUNK_BYTES ? c->used + len : CHUNK_BYTES;

		if ((nb = realloc(c->buf, cap)) == NULL) {
			*oom = 1;
			return -1;
		}
		c->buf = nb;
		c->cap = cap;
	}
	e = &c->e[c->n++];
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
	if (c->n == CHUNK_LINES || c->used >= CHUNK_BYTES)
		dispatch(r);
	return 0;
}

/* The chunk being filled, if any, to the workers, then everything delivered. */
static int
flush(struct reader *r)
{
	if (r->p->head - r->p->tail < r->p->nring && r->p->ring[r->p->head % r->p->nring].n > 0)
		dispatch(r);
	return drain(r);
}

/*
 * Read f from its current position to the end, one complete line at a time,
 * in a buffer of at most max_line + READ_CHUNK bytes. A line longer than
 * max_line is skipped to its '\n' and reported malformed. A trailing partial
 * line stays unconsumed. Lines are classified on worker threads a chunk at a
 * time and delivered here in file order, exactly as one thread would. 0,
 * IMPORT_UNREADABLE (a read failed: strerror in err, what came before is
 * delivered), or -1 (the sink stopped, out of memory).
 */
static int
read_lines(struct reader *r, FILE *f, char *err, size_t errlen)
{
	size_t cap = READ_CHUNK * 4, start = 0, end = 0, got, skip_len = 0;
	char *buf = malloc(cap), *nl, *nb;
	int skipping = 0, rc = -1, eof = 0, oom = 0;

	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
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
				snprintf(err, errlen, "%s", strerror(en));
				rc = IMPORT_UNREADABLE;
				goto out;
			}
			eof = 1;
		}
	}
	if (flush(r) != 0)
		goto stop;
	rc = 0;
	goto out;
stop:
	if (oom && flush(r) == 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(err, errlen, "%s:%lld: import stopped", r->w.path, (long long)r->w.line);
out:
	free(buf);
	return rc;
}

/*
 * The fold of a Codex file starts over at the top of the file. Read from
 * its mark (it grew), the lines before the mark are folded again — their
 * rows are not delivered: they are in the ledger — so the increases go on
 * from the right total and model; a file whose format is open is then
 * known to be Codex's. Other files: nothing. Leaves f at the mark. 0, or
 * -1 (errno) when the file cannot be read or sought.
 */
static int
codex_prime(struct reader *r, FILE *f, const char *path)
{
	enum import_format fmt = r->fmt;
	char sid[USAGE_ID_MAX], err[256], *line = NULL;
	size_t cap = 0;
	int64_t at = 0;
	struct usage u;
	struct ent *e;
	ssize_t n;

	codex_session_from_path(path, sid, sizeof(sid));
	codex_state_init(&r->cx, sid[0] != '\0' ? sid : NULL);
	if (r->pos.offset == 0 || r->pos.offset >= r->pos.size ||
	    (fmt != IMPORT_AUTO && fmt != IMPORT_CODEX))
		return 0;
	if ((e = malloc(sizeof(*e))) == NULL)
		return -1;
	rewind(f);
	while (at < r->pos.offset && (n = getline(&line, &cap, f)) > 0) {
		at += n;
		memset(e, 0, sizeof(*e));
		e->len = (size_t)n - (line[n - 1] == '\n');
		ip_classify(e, line, &fmt);
		if (fmt != IMPORT_AUTO && fmt != IMPORT_CODEX)
			break;                     /* not a Codex file */
		if (e->kind == ENT_CODEX)
			(void)codex_fold(&r->cx, &e->v.cx, &u, err, sizeof(err));
	}
	if (fmt == IMPORT_CODEX)
		r->fmt = IMPORT_CODEX;
	free(line);
	free(e);
	return fseeko(f, (off_t)r->pos.offset, SEEK_SET);
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

/*
 * Open path for reading only if it is a regular file: O_NONBLOCK so a FIFO
 * cannot block the open, and the type checked on the descriptor (what was
 * opened, not what the name meant a moment before). NULL with the reason in
 * err (no path).
 */
static FILE *
open_regular(const char *path, struct stat *sb, char *err, size_t errlen)
{
	int fd, fl;
	FILE *f;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		snprintf(err, errlen, "%s", S_ISREG(sb->st_mode) ? strerror(errno) :
		    "not a regular file");
		close(fd);
		return NULL;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
	    (f = fdopen(fd, "rb")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return NULL;
	}
	return f;
}

/* The file's first bytes (up to IMPORT_HEAD_BYTES) into r->head; 0 or -1. */
static int
read_head(struct reader *r, FILE *f)
{
	ssize_t got;

	r->nhead = 0;
	while (r->nhead < sizeof(r->head)) {
		got = pread(fileno(f), r->head + r->nhead, sizeof(r->head) - r->nhead,
		    (off_t)r->nhead);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		r->nhead += (size_t)got;
	}
	return 0;
}

/* Is the file in r (sb) the one prev was read from? A mark without an
 * identity (from an older tokentop) is taken on trust, as before. */
static int
same_file(const struct reader *r, const struct import_pos *prev, const struct stat *sb)
{
	if (prev->ino != 0 && (prev->dev != (int64_t)sb->st_dev ||
	    prev->ino != (int64_t)sb->st_ino))
		return 0;
	if (prev->head_len > 0 && (prev->head_len > (int64_t)r->nhead ||
	    (int64_t)import_hash(r->head, (size_t)prev->head_len) != prev->head_hash))
		return 0;
	return 1;
}

/* Where to start: the mark when it is this file's and still fits, else the top. */
static int
start_pos(struct reader *r, FILE *f, const struct stat *sb, char *err, size_t errlen)
{
	struct import_pos prev;
	int found = 0;

	if (r->sink->mark_get != NULL && r->sink->mark_get(r->arg, r->w.key, &prev, &found) != 0) {
		snprintf(err, errlen, "%s: cannot read its import mark", r->w.path);
		return -1;
	}
	if (found && !same_file(r, &prev, sb))
		found = 0;
	r->pos = import_resume(found ? &prev : NULL, (int64_t)sb->st_size,
	    (int64_t)sb->st_mtim.tv_sec * 1000000000LL + sb->st_mtim.tv_nsec);
	r->pos.dev = (int64_t)sb->st_dev;
	r->pos.ino = (int64_t)sb->st_ino;
	/* the mark must sit just after a '\n': a file replaced by a larger one
	 * may not have one there, and is then read again from the top */
	if (r->pos.offset > 0 && (fseeko(f, (off_t)r->pos.offset - 1, SEEK_SET) != 0 ||
	    fgetc(f) != '\n')) {
		r->pos.offset = r->pos.line = 0;
		rewind(f);
	}
	r->w.line = r->pos.line;
	return 0;
}

int
import_file(const char *path, const struct import_opts *o, const struct import_sink *sink,
            void *arg, struct import_stats *st, char *err, size_t errlen)
{
	struct import_pool own;
	struct reader *r;
	struct stat sb;
	char key[PATH_MAX];
	int rc = -1;
	FILE *f;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->o = o;
	r->sink = sink;
	r->arg = arg;
	r->st = st;
	r->max_line = o->max_line > 0 ? o->max_line : 64LL * 1024 * 1024;
	r->w.path = path;
	r->w.format = o->format;
	r->fmt = o->format;
	if ((f = open_regular(path, &sb, err, errlen)) == NULL) {
		free(r);
		return IMPORT_UNREADABLE;
	}
	r->w.key = realpath(path, key) != NULL ? key : path;
	st->files++;
	if (read_head(r, f) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		rc = IMPORT_UNREADABLE;
		goto out;
	}
	if (start_pos(r, f, &sb, err, errlen) != 0)
		goto out;
	if (codex_prime(r, f, path) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		rc = IMPORT_UNREADABLE;
		goto out;
	}
	if (sink->file_begin != NULL && sink->file_begin(arg, &r->w, &r->pos) != 0) {
		snprintf(err, errlen, "%s: import stopped", path);
		goto out;
	}
	if (o->pool != NULL && o->jobs != 1) {
		r->p = o->pool;
	} else if (ip_pool_init(&own, pick_jobs(o, (int64_t)sb.st_size - r->pos.offset)) == 0) {
		r->p = &own;
	} else {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((rc = read_lines(r, f, err, errlen)) < 0)
		goto out;
	/* a read that failed part way still records what came before it */
	if (checkpoint(r) != 0) {
		snprintf(err, errlen, "%s: import stopped", path);
		rc = -1;
	}
out:
	if (r->p == &own)
		ip_pool_fini(&own);
	else if (r->p != NULL)
		ip_discard(r->p);
	fclose(f);
	free(r);
	return rc;
}
