/* import_int.h — between the import reader (import.c: reading, in-order
 * delivery on the caller's thread) and the line classifier with its worker
 * pool (import_pool.c). Not for other modules. */
#ifndef TOKENTOP_IMPORT_INT_H
#define TOKENTOP_IMPORT_INT_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/codex.h"
#include "core/import.h"

/*
 * What one line came to, decided by a worker (or by the reader itself while
 * a file's format is still open) and delivered to the sink later, in file
 * order, by the thread that called import_files. A chunk may hold the end of
 * one file and the start of the next: ENT_BEGIN and ENT_END entries stand
 * between them.
 */
enum ent_kind {
	ENT_PENDING = 0,   /* to be classified */
	ENT_SKIP,          /* no row: blank, another kind of line, not telling */
	ENT_BAD,           /* malformed, err says why */
	ENT_TOO_LONG,      /* longer than max_line */
	ENT_ROW,           /* v.u */
	ENT_RESULT,        /* *v.res (in its chunk's res) */
	ENT_BEGIN,         /* a file's first entry: v.file (no line) */
	ENT_END,           /* its last entry: its final checkpoint (no line) */
	ENT_UNREADABLE,    /* a file that could not be read: v.file.path, why in err */
	ENT_CODEX,         /* v.cx: folded into a row (or not) at delivery */
};

struct inflight;

struct ent {
	size_t             off, len;  /* the line in its chunk's buf, without '\n' */
	size_t             n;         /* bytes consumed, '\n' (and a long line's) included */
	enum ent_kind      kind;
	enum import_format fmt;       /* the file's format once this line is read */
	union {
		struct usage        u;
		struct usage_result *res;   /* a batch outcome (rare beside rows: 2.3 KB
		                               the entry need not hold), in its chunk's res */
		struct {
			const char       *path;   /* as given (the caller's) */
			struct import_pos start;  /* where reading began */
			struct inflight  *in;     /* ENT_END: its file, whose head the
			                             worker hashes (ip_classify_chunk) */
			char              why[256];  /* ENT_UNREADABLE */
		} file;
		struct codex_event  cx;
		char                err[512];    /* ENT_BAD: why (a line has no row
		                                    then: the parse's own buffer is
		                                    apart, ip_classify) */
	} v;
};

#define CHUNK_LINES  256             /* lines a chunk holds at most: ~600 KB of
                                        entries, a hand-over per 256 lines */
#define CHUNK_BYTES  (256 * 1024)    /* and bytes, unless one line is longer
                                        (read into straight: import.c; every
                                        chunk's buffer fills to this in time) */
#define CHUNK_KEEP   (4 * 1024 * 1024) /* a larger buffer is freed after use */
#define MAX_JOBS     64

struct chunk {
	char      *buf;
	size_t     used, cap;
	struct ent e[CHUNK_LINES];
	int        n;                /* entries */
	struct usage_result *res;    /* outcomes, nres of them (room for CHUNK_LINES,
	                                made with the first, kept: touched as used) */
	int        nres;
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
	int             nth;                 /* workers running */
	int             want;                /* workers to start with the first chunk */
	char            key_dir[PATH_MAX];   /* the last directory of a file read, */
	char            key_real[PATH_MAX];  /* its realpath (import.c: file_key) */
	int             key_dirfd;           /* and a descriptor (O_PATH) or -1 */
};

/* One line (e->len bytes at line) in format *fmt into e; IMPORT_AUTO: the
 * line may decide *fmt (format detection hands its parse on, so a line is
 * parsed once). An outcome goes into c's res (c NULL: outcomes are not
 * parsed, the entry is skipped). Touches only e, c's outcomes and the line:
 * safe on the thread that has c. */
void ip_classify(struct ent *e, const char *line, enum import_format *fmt, struct chunk *c);

/* Every pending entry of c, in the format each entry carries. */
void ip_classify_chunk(struct chunk *c);

/* Start the pool's workers if they are not running yet (with the first
 * chunk handed on: an import with nothing new to read starts no thread). */
void ip_pool_start(struct import_pool *p);

/* Workers for jobs (0: one per online CPU, at least 2; 1: none, the
 * caller's thread classifies): 0, or -1 on out of memory. ip_pool_fini
 * stops the workers and frees the ring (p itself is the caller's). */
int ip_pool_init(struct import_pool *p, int jobs);
void ip_pool_fini(struct import_pool *p);

/* Wait until chunk c is classified, classifying it here when no worker
 * took it yet; then, after delivery, empty it for reuse. */
void ip_chunk_wait(struct import_pool *p, struct chunk *c);
void ip_chunk_reset(struct chunk *c);

/* After a stop: drop what is in flight, so the pool can read the next file. */
void ip_discard(struct import_pool *p);

/* ---- import_file.c: one file's place ------------------------------------------ */

struct stat;

/*
 * The canonical path of a file for its mark (realpath) into key ("" when
 * there is none), its stat into sb, and where to open it: *at in *dirfd (the
 * path in AT_FDCWD, or its name in its directory's descriptor); 0, or -1
 * with errno. A regular file (not a link) is its directory's canonical path
 * and its name: with a pool, the directory is resolved (realpath, and a
 * descriptor) once for a run of files in it, so a file's stat and open walk
 * no path. ip_dir_forget lets that go (at the start of every import_files:
 * a folder may be another by the next). fd not NULL: such a file is opened
 * right away (as ip_open_regular would; *fd, else -1), its stat taken on the
 * descriptor: one syscall less when it is to be read (a file never read).
 */
int ip_file_key(struct import_pool *p, const char *path, char *key, struct stat *sb,
                int *dirfd, const char **at, int *fd);
void ip_dir_forget(struct import_pool *p);

/* A stat's modification time in ns. */
int64_t ip_mtime_ns(const struct stat *sb);

/*
 * Open at (in dirfd) for reading only if it is a regular file: O_NONBLOCK so a FIFO
 * cannot block the open, and the type checked on the descriptor (what was
 * opened, not what the name meant a moment before). The flag stays: it means
 * nothing to a regular file's reads (ip_pread clears it should one ever say
 * EAGAIN). The descriptor, or -1 with the reason in err (no path). The caller
 * closes it.
 */
int ip_open_regular(int dirfd, const char *at, struct stat *sb, char *err, size_t errlen);

/* pread, again on EINTR (and on EAGAIN with O_NONBLOCK cleared): bytes read,
 * 0 at the end, or -1 (errno). */
ssize_t ip_pread(int fd, void *buf, size_t n, int64_t off);

/* The file's first bytes (up to IMPORT_HEAD_BYTES) into head; 0 or -1 (errno). */
int ip_read_head(int fd, unsigned char *head, size_t *nhead);

/* Is the file (sb, its first nhead bytes) the one prev was read from? A mark
 * without an identity (from an older tokentop) is taken on trust, as before. */
int ip_same_file(const struct import_pos *prev, const struct stat *sb,
                 const unsigned char *head, size_t nhead);

/* Was the file read to its end and not touched since (same size, time and,
 * when the mark knows it, inode)? Then it need not be opened. */
int ip_unchanged(const struct import_pos *prev, const struct stat *sb);

/* Where reading fd (sb) goes on: prev (NULL: never read, or another file)
 * when the file only grew and a '\n' ends what prev consumed, else the top;
 * with the file's device and inode. 0. */
int ip_start(int fd, const struct import_pos *prev, const struct stat *sb,
             struct import_pos *start);

/*
 * A Codex file's fold cx, from the top: read from its mark (start: it grew),
 * the lines before the mark are folded again — their rows are not
 * delivered: they are in the ledger — so the increases go on from the right
 * total and model; when *fmt is open and they are Codex's, *fmt becomes
 * IMPORT_CODEX. Other files: cx fresh, nothing read. (Reads go by offset:
 * the descriptor's own position means nothing to the reader.) 0, or -1
 * (errno) when the file cannot be read.
 */
int ip_codex_prime(int fd, const char *path, const struct import_pos *start,
                   enum import_format *fmt, struct codex_state *cx);

/* ---- the reader (import.c reads, import_deliver.c delivers) ---------------- */

/* A file read but not yet delivered to its end: its key and first bytes
 * (what its marks hash: read ahead when a mark must be checked against them,
 * else kept from the reads as they come, head_open), and a Codex file's fold
 * (primed with the lines before its mark when reading goes on; folded on at
 * delivery), freed at its last entry. */
struct inflight {
	char              *key;
	unsigned char      head[IMPORT_HEAD_BYTES];
	size_t             nhead;
	int                head_open;   /* head filled by read_lines (from offset 0) */
	int                hashed;      /* head_hash is import_hash of all nhead bytes: */
	uint64_t           head_hash;   /* done off the main thread, with its last entry */
	struct codex_state cx;
};

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
	struct inflight          *din;       /* the delivered file's key, start, fold */
	/* files read but not delivered to their end, oldest first */
	struct inflight         **fifo;
	size_t                    fhead, nfifo, fcap;
	int                       marked;    /* the last file looked at had a mark */
	/* the last file that could not be read, when the sink has no unreadable() */
	int                       unreadable;
	char                      why[256];
};

/* Deliver the oldest chunk in flight, once classified; -1: the sink stopped
 * (the rest of the chunk is dropped, keys and all). */
int ip_consume(struct reader *r);

#endif
