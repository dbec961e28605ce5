/* view_layout.h — the dashboard's geometry for a terminal size (pure, no
 * curses; tests/test_view.c): which panes show where, which are hidden,
 * and which columns a wide screen adds. Included by view.h. */
#ifndef TOKENTOP_VIEW_LAYOUT_H
#define TOKENTOP_VIEW_LAYOUT_H

#define VIEW_MIN_W    80
#define VIEW_MIN_H    24
#define VIEW_WIDE_W   120    /* panes side by side from here (with VIEW_WIDE_H rows) */
#define VIEW_WIDE_H   30
#define VIEW_BROAD_W  160    /* panes side by side down to VIEW_MIN_H rows; extra columns */
#define VIEW_TALL_H   50     /* the intraday chart gets a pane of its own */

enum view_mode {
	VIEW_TOO_SMALL,  /* below 80×24: only the too-small message */
	VIEW_TABBED,     /* one pane at a time, Tab cycles */
	VIEW_WIDE,       /* the panes side by side, two rows (and the intraday above) */
};

/* The dashboard's panes; PANE_INTRADAY is the spend per hour of the last
 * 24 hours: a one-line strip above the others, a chart from VIEW_TALL_H. */
enum view_pane { PANE_DAILY, PANE_MODELS, PANE_CACHE, PANE_BATCHES, PANE_INTRADAY, PANE_COUNT };

#define VIEW_PANE_BIT(p) (1u << (p))

struct view_rect { int y, x, h, w; };

struct view_layout {
	enum view_mode   mode;
	int              w, h;
	int              broad;             /* w >= VIEW_BROAD_W: panes gain columns */
	enum view_pane   focus;             /* the focus asked for, moved off a hidden pane */
	struct view_rect header;            /* one line */
	struct view_rect keybar;            /* one line */
	struct view_rect body;              /* between them */
	struct view_rect pane[PANE_COUNT];  /* h == 0: not shown */
};

/*
 * The dashboard's geometry for a w×h terminal. hidden: VIEW_PANE_BIT()s of
 * the panes the user hid (never all: the Setup screen keeps one). In
 * VIEW_TABBED only the focused pane gets a rectangle (the whole body); a
 * focus on a hidden pane moves to the next shown one (out->focus).
 */
void view_layout(int w, int h, enum view_pane focus, unsigned hidden, struct view_layout *out);

/* The next (dir 1) or previous (dir -1) shown pane after `from` in Tab's
 * order (as they stand: intraday, daily, models, cache, batches), wrapping;
 * `from` itself when nothing else shows. view_pane_rank: p's place in it. */
enum view_pane view_pane_step(enum view_pane from, int dir, unsigned hidden);
int view_pane_rank(enum view_pane p);

/* The pane whose rectangle holds (y, x), or -1. */
int view_pane_at(const struct view_layout *l, int y, int x);

/* The Reports screen: the periods table and the breakdown, stacked, or
 * side by side from VIEW_BROAD_W (each table then keeps every row it can). */
void view_reports_split(int w, int h, struct view_rect *periods, struct view_rect *breakdown);

/*
 * A scroll position for a list of n lines of which vis show, without a
 * cursor (Help, Setup; a list with a cursor keeps it in view with
 * view_scroll): the first line (clamped to 0 … n-vis), and a thumb for a
 * scroll bar of `track` cells (*thumb_y from 0, *thumb_h >= 1). Returns the
 * clamped top.
 */
int view_scroll_thumb(int top, int n, int vis, int track, int *thumb_y, int *thumb_h);

#endif
