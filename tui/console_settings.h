/* console_settings.h — what the console remembers between runs: the sort,
 * the period, the focused pane, hidden panes and columns, the mouse. Kept in
 * $XDG_STATE_HOME/tokentop/console.json (~/.local/state/…), written
 * atomically (a temporary file renamed over it), mode 0600 in a 0700
 * directory. A broken file means defaults and a notice, never a failure;
 * unknown keys are ignored (a newer tokentop's file still loads). */
#ifndef TOKENTOP_CONSOLE_SETTINGS_H
#define TOKENTOP_CONSOLE_SETTINGS_H

#include <stddef.h>

#include "tui/view.h"     /* not pane_data.h: console.h includes this one */

/* Columns the user may hide (Setup); the DCOL_WIDE ones show only on a
 * screen of VIEW_BROAD_W columns or more. */
enum dash_column {
	DCOL_MODELS_INPUT, DCOL_MODELS_OUTPUT, DCOL_MODELS_HIT,
	DCOL_MODELS_READ, DCOL_MODELS_WRITE, DCOL_MODELS_PERREQ,
	DCOL_DAILY_REQS, DCOL_DAILY_OUTPUT, DCOL_DAILY_PERREQ,
	DCOL_BATCHES_TAG,
	DCOL_COUNT
};

#define DCOL_BIT(c) (1u << (c))
/* Shown only from VIEW_BROAD_W columns. */
#define DCOL_WIDE (DCOL_BIT(DCOL_MODELS_READ) | DCOL_BIT(DCOL_MODELS_WRITE) | \
	DCOL_BIT(DCOL_MODELS_PERREQ) | DCOL_BIT(DCOL_DAILY_REQS) | \
	DCOL_BIT(DCOL_DAILY_OUTPUT) | DCOL_BIT(DCOL_DAILY_PERREQ) | DCOL_BIT(DCOL_BATCHES_TAG))

struct console_settings {
	enum view_col    sort;
	int              desc;           /* largest first */
	int              period;         /* enum dash_period (pane_data.h) */
	enum view_pane   focus;
	unsigned         hidden_panes;   /* VIEW_PANE_BIT()s */
	unsigned         hidden_cols;    /* DCOL_BIT()s */
	int              mouse;          /* 1 = clicks and the wheel (default) */
};

void console_settings_defaults(struct console_settings *s);

/* The file: $XDG_STATE_HOME/tokentop/console.json, else
 * $HOME/.local/state/tokentop/console.json. Returns out. */
char *console_settings_path(char *out, size_t n);

/*
 * Read path into s. A missing file: defaults, 0. A file that is not a JSON
 * object, or a known key with a value of the wrong kind: s holds defaults
 * for what could not be read, and -1 with "PATH: problem" in err (a notice
 * to show, not a failure). Unknown keys are ignored.
 */
int console_settings_load(const char *path, struct console_settings *s, char *err,
                          size_t errlen);

/* Write s to path atomically (path.tmp.PID, fsync, rename), mode 0600, the
 * directory made 0700 when missing. 0, or -1 with the reason in err (the
 * old file, if any, is untouched then). */
int console_settings_save(const char *path, const struct console_settings *s, char *err,
                          size_t errlen);

/* Names as the file and the Setup screen spell them: "models", "daily"…;
 * "models.input", "batches.tag"…; "today", "7d", "30d", "month". */
const char *console_settings_pane_name(enum view_pane p);
const char *console_settings_col_name(enum dash_column c);
const char *console_settings_period_name(int period);

#endif
