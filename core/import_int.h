/* import_int.h — between the import reader (import.c: reading, in-order
 * delivery on the caller's thread) and the line classifier with its worker
 * pool (import_pool.c). Not for other modules. */
#ifndef TOKENTOP_IMPORT_INT_H
#define TOKENTOP_IMPORT_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/codex.h"
#include "core/import.h"

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
	ENT_CODEX,         /* v.cx: folded into a row (or not) at delivery */
};

struct ent {
	size_t             off, len;  /* the line in its chunk's buf, without '\n' */
	size_t             n;         /* bytes consumed, '\n' (and a long line's) included */
	enum ent_kind      kind;
	enum import_format fmt;       /* the file's format once this line is read */
	union {
		struct usage        u;
		struct usage_result res;
		struct codex_event  cx;
	} v;
	char               err[512];
};

#define CHUNK_LINES  64              /* lines a chunk holds at most */
#define CHUNK_BYTES  (512 * 1024)    /* and bytes, unless one line is longer */
#define CHUNK_KEEP   (4 * 1024 * 1024) /* a larger buffer is freed after use */
#define MAX_JOBS     64

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

/* One line (e->len bytes at line) in format *fmt into e; IMPORT_AUTO: the
 * line may decide *fmt (format detection hands its parse on, so a line is
 * parsed once). Touches only e and its line: safe on any thread. */
void ip_classify(struct ent *e, const char *line, enum import_format *fmt);

/* Every pending entry of c, in the format each entry carries. */
void ip_classify_chunk(struct chunk *c);

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

#endif
