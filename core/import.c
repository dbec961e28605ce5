/* import.c — the streaming import reader: detect formats, read lines from a mark, parse them on worker threads. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/import.h"

#define READ_CHUNK   (256 * 1024)

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

/* ---- format detection ----------------------------------------------------- */

/*
 * As import_detect; *bad = 1 (with the reason) when the line looked like
 * ours ("usage" or "custom_id" in it) but is not valid JSON. When the line
 * tells, *root is its parse, for the caller to read the row from (and
 * json_decref): a line is parsed once.
 */
static enum import_format
detect(const char *line, size_t len, int *bad, json_t **root, char *err, size_t errlen)
{
	enum import_format f = IMPORT_AUTO;
	json_error_t je;
	json_t *r, *msg;
	int has_usage = usage_line_has_usage(line, len);

	*bad = 0;
	*root = NULL;
	if (!has_usage && memmem(line, len, "\"custom_id\"", 11) == NULL)
		return IMPORT_AUTO;
	if ((r = json_loadb(line, len, 0, &je)) == NULL) {
		*bad = 1;
		snprintf(err, errlen, "invalid JSON at column %d: %s", je.column, je.text);
		return IMPORT_AUTO;
	}
	msg = json_object_get(r, "message");
	if (json_is_string(json_object_get(r, "custom_id")) &&
	    json_is_object(json_object_get(r, "result")))
		f = IMPORT_BATCH_RESULTS;
	else if (json_is_object(msg) && json_is_object(json_object_get(msg, "usage")))
		f = IMPORT_CLAUDE_CODE;
	else if (json_is_object(json_object_get(r, "usage")))
		f = IMPORT_MESSAGES;
	if (f == IMPORT_AUTO)
		json_decref(r);
	else
		*root = r;
	return f;
}

enum import_format
import_detect(const char *line, size_t len)
{
	enum import_format f;
	json_t *root;
	char err[8];
	int bad;

	f = detect(line, len, &bad, &root, err, sizeof(err));
	json_decref(root);
	return f;
}

/* ---- classifying lines (any thread) --------------------------------------- */

/*
 * One line in the file's format into a row (USAGE_LINE_ROW, in u) or a
 * result (USAGE_LINE_ROW, in res), or USAGE_LINE_SKIP / _MALFORMED (err).
 * root: the line already parsed by detect (borrowed), else NULL.
 */
static enum usage_line
parse_line(enum import_format f, const char *line, size_t len, json_t *root,
           struct usage *u, struct usage_result *res, char *err, size_t errlen)
{
	switch (f) {
	case IMPORT_MESSAGES:
		memset(u, 0, sizeof(*u));
		if (root != NULL ? usage_from_message(root, u, err, errlen) != 0 :
		    usage_parse_message_line(line, len, u, err, errlen) != 0)
			return USAGE_LINE_MALFORMED;
		usage_strlcpy(u->source, "import", sizeof(u->source));
		return USAGE_LINE_ROW;
	case IMPORT_CLAUDE_CODE:
		if (root == NULL)
			return usage_parse_transcript_line(line, len, u, err, errlen);
		if (!usage_line_has_usage(line, len))
			return USAGE_LINE_SKIP;        /* as the line parser decides */
		return usage_from_transcript(root, u, err, errlen);
	case IMPORT_BATCH_RESULTS:
		if (root != NULL ? usage_result_from_obj(root, res, err, errlen) != 0 :
		    usage_parse_result_line(line, len, res, err, errlen) != 0)
			return USAGE_LINE_MALFORMED;
		return USAGE_LINE_ROW;
	case IMPORT_AUTO:
		break;
	}
	return USAGE_LINE_SKIP;
}

/*
 * What one line came to, decided by a worker (or by the reader itself while
 * a file's format is still open) and delivered to the sink later, in file
 * order, by the thread that called import_file.
 */
enum ent_kind {
	ENT_PENDING = 0,   /* to be classified */
	ENT_SKIP,          /* no row: blank, another kind of line, not telling */
	ENT_BAD,           /* malformed, err says why */
	ENT_TOO_LONG,      /* longer than max_line */
	ENT_ROW,           /* v.u */
	ENT_RESULT,        /* v.res */
};

struct ent {
	size_t             off, len;  /* the line in its chunk's buf, without '\n' */
	size_t             n;         /* bytes consumed, '\n' (and a long line's) included */
	enum ent_kind      kind;
	enum import_format fmt;       /* the file's format once this line is read */
	union {
		struct usage        u;
		struct usage_result res;
	} v;
	char               err[512];
};

static int
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/*
 * One line in format *fmt into e; IMPORT_AUTO: the line may decide *fmt
 * (format detection hands its parse on, so a line is parsed once). Touches
 * only e and its line: safe on any thread.
 */
static void
classify(struct ent *e, const char *line, enum import_format *fmt)
{
	enum usage_line rc;
	json_t *root = NULL;
	int bad;

	e->kind = ENT_SKIP;
	if (blank(line, e->len))
		goto out;
	if (*fmt == IMPORT_AUTO) {
		*fmt = detect(line, e->len, &bad, &root, e->err, sizeof(e->err));
		if (bad)
			e->kind = ENT_BAD;
		if (*fmt == IMPORT_AUTO)
			goto out;
	}
	rc = parse_line(*fmt, line, e->len, root, &e->v.u, &e->v.res, e->err, sizeof(e->err));
	json_decref(root);
	if (rc == USAGE_LINE_MALFORMED)
		e->kind = ENT_BAD;
	else if (rc == USAGE_LINE_ROW)
		e->kind = *fmt == IMPORT_BATCH_RESULTS ? ENT_RESULT : ENT_ROW;
out:
	e->fmt = *fmt;
}

/* ---- the pipeline: reader → workers → in-order delivery ------------------- */

#define CHUNK_LINES  64              /* lines a chunk holds at most */
#define CHUNK_BYTES  (512 * 1024)    /* and bytes, unless one line is longer */
#define CHUNK_KEEP   (4 * 1024 * 1024) /* a larger buffer is freed after use */
#define MAX_JOBS     64
#define SMALL_FILE   (128 * 1024) /* auto: read with no workers below this */

struct chunk {
	char      *buf;
	size_t     used, cap;
	struct ent e[CHUNK_LINES];
	int        n;                /* entries */
	int        done;             /* every entry classified (under pool.mu) */
};

/*
 * The chunks of one file in flight: ring[seq % nring]. The reader fills
 * ring[head % nring], workers classify chunks in seq order (next_work), and
 * the caller's thread delivers ring[tail % nring] once done. At most nring
 * chunks exist, so memory does not grow with the file.
 */
struct import_pool {
	pthread_mutex_t mu;
	pthread_cond_t  work, done;
	struct chunk   *ring;
	unsigned        nring;
	uint64_t        head, tail, next_work;
	int             quit;
	pthread_t       th[MAX_JOBS];
	int             nth;
};

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
};

static void
classify_chunk(struct chunk *c)
{
	enum import_format fmt;
	int i;

	for (i = 0; i < c->n; i++) {
		fmt = c->e[i].fmt;        /* decided: a line is left pending only then */
		if (c->e[i].kind == ENT_PENDING)
			classify(&c->e[i], c->buf + c->e[i].off, &fmt);
	}
}

/*
 * Claim the oldest chunk not yet claimed and classify it: workers, and the
 * caller's thread while it waits for a chunk. Called, and returns, with
 * p->mu held.
 */
static void
work_one(struct import_pool *p)
{
	struct chunk *c = &p->ring[p->next_work++ % p->nring];

	pthread_mutex_unlock(&p->mu);
	classify_chunk(c);
	pthread_mutex_lock(&p->mu);
	c->done = 1;
	pthread_cond_broadcast(&p->done);
}

static void *
worker(void *arg)
{
	struct import_pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->next_work == p->head)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		work_one(p);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Workers for o->jobs (0: one per online CPU, at least 2; 1: none, the
 * caller's thread classifies). 0, or -1 when no thread could start. */
static int
pool_init(struct import_pool *p, int jobs)
{
	long cpus;
	int want;

	memset(p, 0, sizeof(*p));
	if (jobs <= 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = cpus > 2 ? (int)cpus : 2;
	}
	want = jobs > 1 ? (jobs > MAX_JOBS ? MAX_JOBS : jobs) : 0;
	p->nring = (unsigned)(want > 0 ? 2 * want + 2 : 1);
	if ((p->ring = calloc(p->nring, sizeof(*p->ring))) == NULL)
		return -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (want > 0)
		json_object_seed(0);      /* before any thread parses (jansson: thread safety) */
	while (p->nth < want && pthread_create(&p->th[p->nth], NULL, worker, p) == 0)
		p->nth++;
	return 0;
}

static void
pool_fini(struct import_pool *p)
{
	unsigned i;
	int k;

	if (p->ring == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (k = 0; k < p->nth; k++)
		pthread_join(p->th[k], NULL);
	for (i = 0; i < p->nring; i++)
		free(p->ring[i].buf);
	free(p->ring);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	p->ring = NULL;
}

struct import_pool *
import_pool_new(int jobs)
{
	struct import_pool *p = malloc(sizeof(*p));

	if (p != NULL && pool_init(p, jobs) != 0) {
		free(p);
		p = NULL;
	}
	return p;
}

void
import_pool_free(struct import_pool *p)
{
	if (p == NULL)
		return;
	pool_fini(p);
	free(p);
}

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
		r->st->rows++;
		if (r->sink->row != NULL && r->sink->row(r->arg, &r->w, &e->v.u) != 0)
			return -1;
		return delivered(r);
	}
	return 0;
}

/*
 * Wait until the oldest chunk in flight (c) is classified; when no worker
 * has taken it yet (they are busy, or descheduled on a shared machine),
 * classify it here rather than wait. Chunks after it are left to the
 * workers: the caller's thread has the reading and delivering to do.
 */
static void
chunk_wait(struct import_pool *p, struct chunk *c)
{
	pthread_mutex_lock(&p->mu);
	while (!c->done) {
		if (p->next_work == p->tail)
			work_one(p);
		else
			pthread_cond_wait(&p->done, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
}

static void
chunk_reset(struct chunk *c)
{
	c->n = 0;
	c->used = 0;
	c->done = 0;
	if (c->cap > CHUNK_KEEP) {
		free(c->buf);
		c->buf = NULL;
		c->cap = 0;
	}
}

/* Deliver the oldest chunk in flight, once classified; -1: the sink stopped. */
static int
consume(struct reader *r)
{
	struct import_pool *p = r->p;
	struct chunk *c = &p->ring[p->tail % p->nring];
	int i, rc = 0;

	chunk_wait(p, c);
	for (i = 0; i < c->n && rc == 0; i++)
		rc = deliver(r, &c->e[i]);
	chunk_reset(c);
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

/* After a stop: drop what is in flight, so the pool can read the next file. */
static void
discard(struct import_pool *p)
{
	struct chunk *c;

	for (; p->tail < p->head; p->tail++) {
		c = &p->ring[p->tail % p->nring];
		chunk_wait(p, c);
		chunk_reset(c);
	}
	chunk_reset(&p->ring[p->head % p->nring]);   /* the one being filled */
}

/* ---- reading (the caller's thread) ---------------------------------------- */

/* Hand the chunk being filled on: to the workers, or classified here. */
static void
dispatch(struct reader *r)
{
	struct import_pool *p = r->p;
	struct chunk *c = &p->ring[p->head % p->nring];

	if (p->nth == 0)
		classify_chunk(c);
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
			classify(e, c->buf + e->off, &r->fmt);
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
 * time and delivered here in file order, exactly as one thread would. 0, or
 * -1 (I/O error in err, or the sink stopped).
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
				snprintf(err, errlen, "%s: %s", r->w.path, strerror(en));
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

/* Threads for what is left of a file: none for a little (starting them
 * would cost more than they save), else as asked. */
static int
pick_jobs(const struct import_opts *o, int64_t left)
{
	if (o->jobs == 0 && left < SMALL_FILE)
		return 1;
	return o->jobs;
}

int
import_file(const char *path, const struct import_opts *o, const struct import_sink *sink,
            void *arg, struct import_stats *st, char *err, size_t errlen)
{
	struct import_pool own;
	struct reader r;
	struct import_pos prev;
	struct stat sb;
	char key[PATH_MAX];
	int found = 0, rc = -1;
	FILE *f;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.sink = sink;
	r.arg = arg;
	r.st = st;
	r.max_line = o->max_line > 0 ? o->max_line : 64LL * 1024 * 1024;
	r.w.path = path;
	r.w.key = realpath(path, key) != NULL ? key : path;
	r.w.format = o->format;
	r.fmt = o->format;
	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	st->files++;
	if (sink->mark_get != NULL && sink->mark_get(arg, r.w.key, &prev, &found) != 0) {
		snprintf(err, errlen, "%s: cannot read its import mark", path);
		goto out;
	}
	r.pos = import_resume(found ? &prev : NULL, (int64_t)sb.st_size,
	    (int64_t)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec);
	/* the mark must sit just after a '\n': a file replaced by a larger one
	 * may not have one there, and is then read again from the top */
	if (r.pos.offset > 0 && (fseeko(f, (off_t)r.pos.offset - 1, SEEK_SET) != 0 ||
	    fgetc(f) != '\n')) {
		r.pos = import_resume(NULL, r.pos.size, r.pos.mtime_ns);
		rewind(f);
	}
	r.w.line = r.pos.line;
	if (sink->file_begin != NULL && sink->file_begin(arg, &r.w, &r.pos) != 0) {
		snprintf(err, errlen, "%s: import stopped", path);
		goto out;
	}
	if (o->pool != NULL && o->jobs != 1) {
		r.p = o->pool;
	} else if (pool_init(&own, pick_jobs(o, (int64_t)sb.st_size - r.pos.offset)) == 0) {
		r.p = &own;
	} else {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (read_lines(&r, f, err, errlen) != 0)
		goto out;
	if (checkpoint(&r) != 0) {
		snprintf(err, errlen, "%s: import stopped", path);
		goto out;
	}
	rc = 0;
out:
	if (r.p == &own)
		pool_fini(&own);
	else if (r.p != NULL)
		discard(r.p);
	fclose(f);
	return rc;
}
