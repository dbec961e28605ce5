/* import_ckpt.h — an import's checkpoints on a thread of their own.
 *
 * A SQLite ledger's commits go to its write-ahead log; a checkpoint copies
 * them into the file. Left to the import's commits, that copy of the whole
 * new ledger comes at the end, after the last row, with the other core idle
 * (60-80 ms of a 0.55 s import of a 400 MB tree). Here a connection of its
 * own copies each group as soon as it is committed, beside the import, and
 * the import's connection copies at its commits only what the thread left
 * once the log is long (ICKPT_WAL_KIB, which bounds it). Nothing rests on
 * it: a failed or slow checkpoint leaves the log longer, and the last
 * connection to close copies what is left (SQLite's rule), as before. */
#ifndef TOKENTOP_IMPORT_CKPT_H
#define TOKENTOP_IMPORT_CKPT_H

#include "data/store.h"

struct ickpt;

/* A checkpoint thread on its own connection to target, and s's commits
 * copying the log only once it is long (store_autocheckpoint). NULL when
 * there is no log of ours (PostgreSQL, an in-memory ledger) or the thread
 * or connection cannot start: s is left as it was. Ended by ickpt_stop. */
struct ickpt *ickpt_start(const char *target, struct store *s);

/* A group was committed: copy it (the thread wakes). NULL: nothing. */
void ickpt_kick(struct ickpt *k);

/* A last copy, then the thread ends, its connection closed, and k freed
 * (NULL: nothing). s (the import's, still open) copies at its commits
 * again. */
void ickpt_stop(struct ickpt *k, struct store *s);

#endif
