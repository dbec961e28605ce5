/* draw.h — the console's only door to the terminal (draw.c is the one file
 * that includes curses): colour roles through a theme, text measured in
 * display columns and sanitised, boxes, bars, sparklines, keys. */
#ifndef TOKENTOP_DRAW_H
#define TOKENTOP_DRAW_H

#include <stddef.h>
#include <stdint.h>

/* What a piece of text means; the theme decides how it looks. */
enum draw_role {
	ROLE_NORMAL,
	ROLE_HEADER,     /* the header line */
	ROLE_TITLE,      /* pane titles */
	ROLE_BORDER,
	ROLE_FOCUS,      /* border and title of the focused pane */
	ROLE_MONEY,
	ROLE_WARNING,    /* 80% budget, errored results */
	ROLE_ALERT,      /* budget exceeded, failures */
	ROLE_SELECTED,   /* the cursor row */
	ROLE_DIM,        /* secondary text, column heads */
	ROLE_BAR,
	ROLE_OK,         /* live, succeeded */
	ROLE_KEY,        /* key names in the key bar */
	ROLE_DANGER,     /* red on the default background: an exceeded budget's bar */
	ROLE_COUNT
};

/* Flags of draw_text. */
#define DRAW_LEFT   0x0
#define DRAW_RIGHT  0x1     /* right-align within the width */
#define DRAW_MID    0x2     /* truncate in the middle (ids, model names) */
#define DRAW_NUM    0x4     /* a number: never cut, '#' when it does not fit */
#define DRAW_FILL   0x8     /* pad the rest of the width with spaces */
#define DRAW_RAW    0x10    /* our own text: skip sanitising */

/* Keys beyond plain characters (which come as their code point). */
enum {
	KEY_NONE_ = -1,
	K_UP = 0x110000, K_DOWN, K_LEFT, K_RIGHT, K_PGUP, K_PGDN, K_HOME, K_END,
	K_ENTER, K_ESC, K_TAB, K_BTAB, K_BACKSPACE, K_DELETE, K_RESIZE,
	K_F1, K_F2, K_F3, K_F4, K_F5, K_F6, K_F7, K_F8, K_F9, K_F10,
	K_MOUSE,         /* a click or the wheel: draw_mouse_event says which and where */
};

/*
 * Start curses on the terminal (the caller has called setlocale). no_color:
 * monochrome attributes only. Returns 0, or -1 with the reason in err (not
 * a terminal). draw_done restores the terminal; safe to call twice.
 */
int  draw_init(int no_color, char *err, size_t errlen);
void draw_done(void);

int  draw_utf8(void);                 /* the locale speaks UTF-8 */
void draw_size(int *w, int *h);       /* current terminal size */
void draw_erase(void);                /* start a frame */
void draw_flush(void);                /* show the frame (one doupdate) */
void draw_bell(void);                 /* the terminal's bell (a budget crossing) */

/* Next key without waiting; KEY_NONE_ when none. */
int  draw_key(void);
/* ---- the mouse (as htop and btop): clicks and the wheel ---------------- */

enum draw_mouse_kind { MOUSE_CLICK, MOUSE_WHEEL_UP, MOUSE_WHEEL_DOWN };

struct draw_mouse {
	enum draw_mouse_kind kind;
	int                  y, x;      /* the cell, from the top left */
};

/* Report clicks and the wheel as K_MOUSE (on) or not (off: the terminal
 * keeps its own selection). 0, or -1 when the terminal has no mouse. */
int  draw_mouse_enable(int on);
/* The event of the K_MOUSE draw_key returned last. */
void draw_mouse_event(struct draw_mouse *ev);

/* Name of a key for the help screen and key bar ("F1", "Tab", "q"). */
const char *draw_key_name(int key, char *buf, size_t n);

/* Text at (y, x) within w columns, with role and DRAW_* flags. Outside text
 * is sanitised first (text_sanitize: controls, C1, bidi marks and invalid
 * UTF-8 become U+FFFD, or '?' on a terminal that is not UTF-8) unless
 * DRAW_RAW. Returns the columns used. */
int  draw_text(int y, int x, int w, enum draw_role role, int flags, const char *s);
/* printf-style draw_text; the result is sanitised like outside text. */
int  draw_fmt(int y, int x, int w, enum draw_role role, int flags, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Fill w cells with spaces in role (a selected row's background). */
void draw_fill(int y, int x, int w, enum draw_role role);

/* A box with a title in its top border; focused boxes use ROLE_FOCUS. */
void draw_box(int y, int x, int h, int w, const char *title, int focused);

/* A horizontal bar of value v against max in w cells, in eighths of a cell
 * (ASCII '#' when not UTF-8); the rest blank. */
void draw_bar(int y, int x, int w, enum draw_role role, int64_t v, int64_t max);
/* A vertical bar of value v against max, h cells tall and w wide, its top
 * row at y, growing from the bottom in eighths (ASCII '#' when not UTF-8). */
void draw_vbar(int y, int x, int h, int w, enum draw_role role, int64_t v, int64_t max);
/* A scroll bar over a box's border: the thumb of lines top … top+vis of n
 * on the h cells from (y, x) down; nothing when everything shows. */
void draw_scrollbar(int y, int x, int h, int top, int n, int vis);
/* A sparkline of n values (one cell each) scaled to their maximum. */
void draw_spark(int y, int x, enum draw_role role, const int64_t *v, size_t n);

/* The ellipsis in use: "…" or "~". */
const char *draw_ellipsis(void);

#endif
