/* import_writer.h — an import's store writes on a thread of their own.
 *
 * The thread that delivers an import's lines in order (core/import.c) hands
 * rows and marks over in batches; one writer thread takes them in the same
 * order and makes the store calls (ops), so parsing, reading and writing run
 * side by side and the ledger ends as if one thread had done all. While the
 * writer runs, only it uses the store: the deliverer calls iw_sync (every
 * item written, the writer idle) before it touches the store itself. */
#ifndef TOKENTOP_IMPORT_WRITER_H
#define TOKENTOP_IMPORT_WRITER_H

#include "core/usage.h"
#include "data/store.h"

/* What the writer calls, in the order the items were given; each returns 0,
 * or -1 after saying why in arg's own error buffer (the writer then stops:
 * later items are dropped and every iw_ call returns -1). */
struct iw_ops {
	int (*row)(void *arg, const struct usage *u, int64_t line);
	int (*mark)(void *arg, const char *key, const struct import_mark *m);
	/* a file's reading begins at start; found, was: the mark the reader
	 * had for it (start's offset and line: where reading begins) */
	int (*begin)(void *arg, const char *key, int found, const struct import_mark *was,
	             const struct import_mark *start);
};

struct iw;

/* Items the deliverer may hand over ahead of the writer: it learns of the
 * writer's failure at most this many items late. */
#define IW_AHEAD_MAX (128 * 128)

/* A writer thread calling ops with arg; NULL when no thread can start (the
 * caller then writes itself). Ended by iw_stop. */
struct iw *iw_start(const struct iw_ops *ops, void *arg);

/* Hand an item over (copied; key too). 0, or -1 once the writer failed. */
int iw_row(struct iw *w, const struct usage *u, int64_t line);
int iw_mark(struct iw *w, const char *key, const struct import_mark *m);
int iw_begin(struct iw *w, const char *key, int found, const struct import_mark *was,
             const struct import_mark *start);

/* Wait until every item handed over is written and the writer is idle (the
 * caller may use the store until its next item). 0, or -1 once it failed. */
int iw_sync(struct iw *w);

/* iw_sync, then end the thread and free w (NULL: nothing). 0, or -1 when
 * the writer failed at any point. */
int iw_stop(struct iw *w);

#endif
