/* import_sink.h — the ledger's side of `tokentop import` (tui/import_sink.c):
 * the callbacks core/import.c delivers rows, outcomes and marks to, and the
 * store writes they come to, on the writer thread (tui/import_writer.h)
 * while it runs. tui/cli_import.c, the command, fills struct imp. */
#ifndef TOKENTOP_IMPORT_SINK_H
#define TOKENTOP_IMPORT_SINK_H

#include <stdint.h>

#include "core/import.h"
#include "core/pricing.h"
#include "core/project.h"
#include "data/store.h"
#include "tui/cli.h"
#include "tui/import_ckpt.h"
#include "tui/import_marks.h"
#include "tui/import_writer.h"

/* Rows, and the marks that account for them, are committed in groups: at
 * most this many rows (usage lines) or this long apart (a killed import loses
 * at most one group, which the next run reads again from the marks it did
 * commit). Time decides on any machine that reads under 500k lines a second.
 * Every commit writes the rollup cells its rows touched (fewer commits write
 * each cell fewer times), and the checkpoint thread (import_ckpt.h) copies
 * each group into the ledger's file beside the import, so that at the end
 * only the last group is left to copy: 150 ms groups took a 400 MB bytes-
 * heavy import from 0.54-0.56 to 0.47-0.48 s wall (2 s groups: one commit,
 * the whole ledger copied after the last row), the response-heavy tree's
 * 1.06-1.25 s unchanged (1.09-1.14).
 * TOKENTOP_IMPORT_GROUP_ROWS and TOKENTOP_IMPORT_GROUP_MS override them
 * (tests, and measurements that must not depend on the machine's speed). */
#define GROUP_ROWS 1000000
#define GROUP_MS   150

struct imp {
	struct cli     *cli;
	struct store   *st;
	struct pricing *pr;
	const char     *tag;
	const char     *batch_flag;
	int64_t         now_ms;
	char            batch_id[USAGE_ID_MAX];   /* of the current file, "" = none */
	int64_t         batch_end_ms;             /* its end time, else now */
	int             batch_end_known;          /* batch_end_ms is the batch's end */
	int64_t         added, duplicates, replaced, malformed;  /* committed */
	int64_t         stamped;                  /* …of them stamped with the import time */
	int64_t         p_added, p_dups, p_replaced, p_stamped;  /* since the last commit:
	                                                 lost if the transaction is rolled back */
	struct import_unreadable bad;             /* paths that could not be read */
	int64_t         group_rows;               /* rows since the last commit */
	int64_t         group_start;              /* when it began (monotonic ms) */
	int64_t         group_max;                /* rows per commit */
	int64_t         group_ms;                 /* ms per commit */
	struct project_cache *projects;           /* cwd → project, asked once each */
	char          **unpriced;                 /* distinct, heap */
	size_t          nunpriced;
	char            priced_model[USAGE_MODEL_MAX];     /* the last row's model, */
	char            priced_provider[sizeof(((struct usage *)0)->provider)]; /* priced */
	struct imarks  *marks;                    /* every mark: read at the start, kept
	                                             up to date; NULL: asked per file */
	struct ickpt   *ck;                       /* the checkpoint thread (NULL: none),
	                                             told of each group's commit */
	struct iw      *w;                        /* the writer thread; NULL: this one
	                                             writes (counts and group: the
	                                             writer's while it runs) */
	int64_t         skip_line;                /* writer: this file's lines up to it
	                                             were imported by another import */
	char            err[512];                 /* why the sink stopped */
};

/* The sink import_files is given (arg: a struct imp). */
extern const struct import_sink imp_sink;

/* The writer thread's calls (arg: the same struct imp). */
extern const struct iw_ops imp_writer_ops;

/* The group's outcomes counted as committed (after a commit). */
void imp_fold_counts(struct imp *m);

/* Monotonic milliseconds (group times). */
int64_t imp_mono_ms(void);

#endif
