/* import.h — the streaming import reader: files → usage rows, no SQL.
 *
 * The reader walks paths, picks a format per file, reads each file from
 * where the last import stopped, in bounded memory (a fixed number of
 * chunks of lines in flight), parses lines on worker threads and hands
 * every row, batch outcome and malformed line to a sink, in file order, on
 * the caller's thread. The sink
 * (tui/cli_import.c) writes them to the store; dedupe is the store's job, so
 * the reader delivers repeated streaming lines as they are.
 */
#ifndef TOKENTOP_IMPORT_H
#define TOKENTOP_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/usage.h"

enum import_format {
	IMPORT_AUTO = 0,          /* decide per file from its first telling line */
	IMPORT_MESSAGES,          /* one Messages response object a line */
	IMPORT_BATCH_RESULTS,     /* a Message Batches results file */
	IMPORT_CLAUDE_CODE,       /* Claude Code transcripts */
	IMPORT_OPENAI,            /* one OpenAI Chat Completions / Responses object a line */
	IMPORT_OPENAI_BATCH,      /* an OpenAI batch output or error file */
	IMPORT_CODEX,             /* Codex CLI rollout files (core/codex.h) */
};

/* "auto", "messages", "batch-results", "claude-code", "openai",
 * "openai-batch", "codex". */
const char *import_format_name(enum import_format f);
/* The reverse; 0, or -1 for an unknown name. */
int import_format_parse(const char *name, enum import_format *f);

/*
 * Where a file was read up to. Same fields as the store's import mark; the
 * CLI copies between the two (core/ does not know data/).
 */
struct import_pos {
	int64_t size;      /* file size when read (at least offset) */
	int64_t mtime_ns;  /* modification time when read */
	int64_t offset;    /* bytes consumed, always at a line boundary */
	int64_t line;      /* lines consumed */
	/* The file's identity, so a file replaced by another is read again from
	 * the top (0 = unknown: a mark from before identities were kept). */
	int64_t dev, ino;  /* device and inode */
	int64_t head_len;  /* bytes of its start hashed: min(offset, IMPORT_HEAD_BYTES) */
	int64_t head_hash; /* FNV-1a 64 of them (as a signed integer for the store) */
};

/* How much of a file's start its mark hashes. */
#define IMPORT_HEAD_BYTES 4096

/*
 * Where to start reading a file that is now size bytes with mtime_ns, given
 * where the last read stopped (prev; NULL = never read): at prev when the
 * file only grew, else from 0 (it shrank, or its mtime went back: a
 * rewritten file; re-reading is safe because inserts are idempotent).
 * The identity fields are import_file's to check and fill.
 */
struct import_pos import_resume(const struct import_pos *prev, int64_t size, int64_t mtime_ns);

/*
 * FNV-1a 64 of n bytes: what a mark keeps of a file's start. Not a
 * cryptographic hash, and it need not be: it tells a replaced file from the
 * one that was read; whoever can write the file can write any rows anyway.
 */
uint64_t import_hash(const void *buf, size_t n);

/* The line a callback is about. path as found (for messages); key is the
 * canonical path (realpath) for marks. */
struct import_where {
	const char        *path;
	const char        *key;
	int64_t            line;     /* 1-based */
	enum import_format format;   /* as decided for this file */
};

/*
 * What the reader calls. Every callback may be NULL (then it is not called)
 * and returns 0 to go on, non-zero to stop the whole import (import_run then
 * returns -1 with "stopped by the sink" unless the sink wrote err itself
 * through its own channel). Everything passed is borrowed for the call.
 */
struct import_sink {
	/* Where the last import of key stopped; *found = 0 when never read. */
	int (*mark_get)(void *arg, const char *key, struct import_pos *pos, int *found);
	/* A file is about to be read from start (start->offset 0 = from the top). */
	int (*file_begin)(void *arg, const struct import_where *w, const struct import_pos *start);
	/* A usage row (messages, claude-code, openai and codex formats; a codex
	 * row is the increase of its session's total, folded in file order). */
	int (*row)(void *arg, const struct import_where *w, const struct usage *u);
	/* One outcome of a results file (batch-results and openai-batch formats). */
	int (*result)(void *arg, const struct import_where *w, const struct usage_result *r);
	/* A malformed line; reason has no "FILE:LINE: " prefix. */
	int (*malformed)(void *arg, const struct import_where *w, const char *reason);
	/*
	 * Everything up to pos has been delivered: called after every
	 * opts.checkpoint_rows rows/outcomes and at the end of every file. The
	 * place to record the mark and commit the transaction holding the rows.
	 */
	int (*checkpoint)(void *arg, const struct import_where *w, const struct import_pos *pos);
	/*
	 * import_files: path could not be read (why: strerror text or "not a
	 * regular file"), told in its place among the files; the rest is still
	 * read. Without it, import_files ends with IMPORT_UNREADABLE as
	 * import_file does.
	 */
	int (*unreadable)(void *arg, const char *path, const char *why);
};

/* Worker threads that outlive one file (import_pool_new); opaque. */
struct import_pool;

struct import_opts {
	enum import_format format;   /* IMPORT_AUTO or a forced format */
	int64_t checkpoint_rows;     /* rows between checkpoints; 0 = 2000 */
	int64_t max_line;            /* longer lines are malformed; 0 = 64 MiB */
	int     jobs;                /* threads parsing lines: 0 = one per online CPU
	                                (at least 2; none for a small file), 1 = none:
	                                the caller's thread does all. Whatever the
	                                number, the sink sees the same calls in the
	                                same order, all on the caller's thread. */
	struct import_pool *pool;    /* NULL: threads started and ended per file;
	                                else this pool's (jobs 1 still means none) */
};

struct import_stats {
	int64_t files;       /* files opened */
	int64_t bytes;       /* bytes consumed */
	int64_t lines;       /* complete lines consumed */
	int64_t rows;        /* usage rows delivered (incl. succeeded results) */
	int64_t results;     /* batch outcomes delivered (all types) */
	int64_t skipped;     /* lines without usage: other transcript lines, blank
	                        lines, non-succeeded results, malformed lines */
	int64_t malformed;   /* of which malformed */
};

/* The paths an import could not read and why, in the order met. */
struct import_unreadable {
	char  **path;      /* heap strings, n of them */
	char  **reason;    /* strerror text or "not a regular file" */
	size_t  n;
};

/* Add one (copies both strings); 0, or -1 out of memory. */
int import_unreadable_add(struct import_unreadable *u, const char *path, const char *reason);
/* Free the strings and arrays, leaving u empty; NULL is fine. */
void import_unreadable_free(struct import_unreadable *u);

/*
 * Expand paths into the files to read: a regular file is taken as is, a
 * directory is searched recursively for *.jsonl (each directory's files
 * sorted, so the order is deterministic). Each directory and file is taken
 * once, by (device, inode): a symbolic link back up the tree, or two links to
 * one folder, cost nothing. What cannot be read (a path that does not exist,
 * a directory without read or search permission, a dangling *.jsonl link,
 * a named FIFO or device: only regular files are read) goes to *bad and
 * the rest is still collected. *files is a NULL-terminated array the caller
 * frees with import_files_free. 0, or -1 with err when out of memory.
 */
int import_collect(const char *const *paths, size_t npaths, char ***files,
                   struct import_unreadable *bad, char *err, size_t errlen);
void import_files_free(char **files);          /* NULL is fine */

/*
 * The default Claude Code transcript folders that exist: each entry of
 * CLAUDE_CONFIG_DIR (comma-separated; its projects/ subfolder when there is
 * one) when set, else ~/.config/claude/projects and ~/.claude/projects.
 * NULL-terminated; free with import_files_free. May be empty, never NULL
 * except out of memory.
 */
char **import_default_dirs(void);

/* import_file's result when the file cannot be read. */
#define IMPORT_UNREADABLE 1

/*
 * Read one file from where its mark says (sink->mark_get), in the given
 * format (IMPORT_AUTO: decided from the first line that tells), delivering
 * to sink. A trailing line without '\n' is not consumed (it may still be
 * being written). Only a regular file is read (a FIFO or a device is
 * refused before anything blocks on it). The mark's identity (device,
 * inode, a hash of the first IMPORT_HEAD_BYTES read) must match the file,
 * or it is read from the top. Adds to st. 0; IMPORT_UNREADABLE with only the
 * reason in err (no path) when the file cannot be opened or a read fails
 * part way (what came before is delivered and checkpointed); -1 with the
 * reason in err when the sink stopped or memory ran out. Malformed lines are
 * not errors.
 */
int import_file(const char *path, const struct import_opts *o, const struct import_sink *sink,
                void *arg, struct import_stats *st, char *err, size_t errlen);

/*
 * Every file of files (NULL-terminated), in order, as import_file one after
 * another would: the sink sees the same calls in the same order (mark_get
 * excepted: a file's mark is asked for when it is read, which may be before
 * the files ahead of it are delivered; a file listed twice waits for the
 * first to be delivered). Lines of a file are read and parsed on the worker
 * threads while those of the files before it are still being delivered, so
 * many small files keep both cores busy. A file that cannot be read goes to
 * sink->unreadable in its place and the rest is read (without that callback:
 * IMPORT_UNREADABLE at the end, why in err). A file read to its end whose
 * size, time and inode are those of its mark is not opened. 0, or -1 with
 * the reason in err (a mark that cannot be read, after every file before it
 * is delivered; a sink that stopped; out of memory).
 */
int import_files(char *const *files, const struct import_opts *o,
                 const struct import_sink *sink, void *arg, struct import_stats *st,
                 char *err, size_t errlen);

/*
 * Worker threads for import_file to share across files (opts.pool), jobs
 * as in import_opts: saves starting them for every file. NULL when out of
 * memory. One import_file at a time may use a pool. import_pool_free ends
 * the threads; NULL is fine.
 */
struct import_pool *import_pool_new(int jobs);
void import_pool_free(struct import_pool *p);

/* Decide a file's format from one line; IMPORT_AUTO when the line does not
 * tell (a user turn, a summary, a blank line). */
enum import_format import_detect(const char *line, size_t len);

#endif
