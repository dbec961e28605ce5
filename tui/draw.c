/* draw.c — the one home of curses: colours by role, text in display
 * columns, boxes, bars, sparklines, keys. Everything else draws through it. */
#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curses.h>

#include "core/text.h"
#include "tui/draw.h"
#include "tui/view.h"

/* How each role looks: colour pair for 8-colour terminals, plus attributes
 * with colour and without (NO_COLOR / --no-color / a monochrome terminal). */
struct theme_entry {
	short  fg, bg;
	attr_t attr;        /* with colour */
	attr_t mono;        /* without */
};

static const struct theme_entry theme[ROLE_COUNT] = {
	[ROLE_NORMAL]   = { -1,            -1,         A_NORMAL,  A_NORMAL },
	[ROLE_HEADER]   = { COLOR_WHITE,   COLOR_BLUE, A_BOLD,    A_REVERSE },
	[ROLE_TITLE]    = { COLOR_CYAN,    -1,         A_BOLD,    A_BOLD },
	[ROLE_BORDER]   = { COLOR_BLUE,    -1,         A_NORMAL,  A_NORMAL },
	[ROLE_FOCUS]    = { COLOR_CYAN,    -1,         A_BOLD,    A_BOLD },
	[ROLE_MONEY]    = { COLOR_GREEN,   -1,         A_BOLD,    A_BOLD },
	[ROLE_WARNING]  = { COLOR_YELLOW,  -1,         A_BOLD,    A_UNDERLINE },
	[ROLE_ALERT]    = { COLOR_WHITE,   COLOR_RED,  A_BOLD,    A_REVERSE | A_BOLD },
	[ROLE_SELECTED] = { COLOR_BLACK,   COLOR_CYAN, A_NORMAL,  A_REVERSE },
	[ROLE_DIM]      = { -1,            -1,         A_DIM,     A_DIM },
	[ROLE_BAR]      = { COLOR_CYAN,    -1,         A_NORMAL,  A_NORMAL },
	[ROLE_OK]       = { COLOR_GREEN,   -1,         A_BOLD,    A_BOLD },
	[ROLE_KEY]      = { COLOR_BLACK,   COLOR_CYAN, A_NORMAL,  A_REVERSE },
	[ROLE_DANGER]   = { COLOR_RED,     -1,         A_BOLD,    A_BOLD },
};

static struct {
	SCREEN *screen;
	int    on;
	int    utf8;
	int    color;
	int    mouse;          /* reporting asked for */
	struct draw_mouse ev;  /* the last K_MOUSE */
	attr_t attr[ROLE_COUNT];
} dr;

int
draw_init(int no_color, char *err, size_t errlen)
{
	const char *cs = nl_langinfo(CODESET);
	int i;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the console needs a terminal (use `tokentop report` in scripts)");
		return -1;
	}
	dr.utf8 = cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
	/* newterm, unlike initscr, returns NULL instead of exiting */
	if ((dr.screen = newterm(NULL, stdout, stdin)) == NULL) {
		snprintf(err, errlen, "cannot start the terminal (TERM=%s)",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		return -1;
	}
	set_term(dr.screen);
	dr.on = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	dr.color = !no_color && has_colors() && start_color() == OK;
	if (dr.color)
		use_default_colors();
	for (i = 0; i < ROLE_COUNT; i++) {
		if (dr.color && (theme[i].fg != -1 || theme[i].bg != -1)) {
			init_pair((short)(i + 1), theme[i].fg, theme[i].bg);
			dr.attr[i] = COLOR_PAIR(i + 1) | theme[i].attr;
		} else
			dr.attr[i] = dr.color ? theme[i].attr : theme[i].mono;
	}
	return 0;
}

void
draw_done(void)
{
	if (!dr.on)
		return;
	if (dr.mouse)
		mousemask(0, NULL);
	endwin();
	delscreen(dr.screen);
	dr.screen = NULL;
	dr.on = 0;
}

int
draw_utf8(void)
{
	return dr.utf8;
}

const char *
draw_ellipsis(void)
{
	return dr.utf8 ? "…" : "~";
}

void
draw_size(int *w, int *h)
{
	getmaxyx(stdscr, *h, *w);
}

void
draw_erase(void)
{
	erase();
}

void
draw_bell(void)
{
	beep();
}

void
draw_flush(void)
{
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- keys ---------------------------------------------------------------- */

static const struct { int curses, ours; const char *name; } keymap[] = {
	{ KEY_UP, K_UP, "Up" },           { KEY_DOWN, K_DOWN, "Down" },
	{ KEY_LEFT, K_LEFT, "Left" },     { KEY_RIGHT, K_RIGHT, "Right" },
	{ KEY_PPAGE, K_PGUP, "PgUp" },    { KEY_NPAGE, K_PGDN, "PgDn" },
	{ KEY_HOME, K_HOME, "Home" },     { KEY_END, K_END, "End" },
	{ KEY_ENTER, K_ENTER, "Enter" },  { KEY_BTAB, K_BTAB, "S-Tab" },
	{ KEY_BACKSPACE, K_BACKSPACE, "Bksp" }, { KEY_DC, K_DELETE, "Del" },
	{ KEY_RESIZE, K_RESIZE, "Resize" },
	{ KEY_F(1), K_F1, "F1" }, { KEY_F(2), K_F2, "F2" }, { KEY_F(3), K_F3, "F3" },
	{ KEY_F(4), K_F4, "F4" }, { KEY_F(5), K_F5, "F5" }, { KEY_F(6), K_F6, "F6" },
	{ KEY_F(7), K_F7, "F7" }, { KEY_F(8), K_F8, "F8" }, { KEY_F(9), K_F9, "F9" },
	{ KEY_F(10), K_F10, "F10" },
	{ 0, K_ESC, "Esc" }, { 0, K_TAB, "Tab" },
};

int
draw_mouse_enable(int on)
{
	mmask_t want = 0;

	if (on) {
		want = BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED;
#ifdef BUTTON5_PRESSED
		want |= BUTTON5_PRESSED;
#endif
	}
	dr.mouse = mousemask(want, NULL) != 0;
	/* a press is reported at once, never held back to tell a click */
	mouseinterval(0);
	return on && !dr.mouse ? -1 : 0;
}

void
draw_mouse_event(struct draw_mouse *ev)
{
	*ev = dr.ev;
}

/* A curses mouse event as ours: 1, or 0 for one we do not use (a release). */
static int
mouse_event(void)
{
	MEVENT me;

	if (!dr.mouse || getmouse(&me) != OK)
		return 0;
	dr.ev.y = me.y;
	dr.ev.x = me.x;
	if (me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		dr.ev.kind = MOUSE_CLICK;
	else if (me.bstate & BUTTON4_PRESSED)
		dr.ev.kind = MOUSE_WHEEL_UP;
#ifdef BUTTON5_PRESSED
	else if (me.bstate & BUTTON5_PRESSED)
		dr.ev.kind = MOUSE_WHEEL_DOWN;
#endif
	else
		return 0;
	return 1;
}

int
draw_key(void)
{
	wint_t ch;
	size_t i;
	int r;

	/* an unused mouse event (a release) is skipped, not returned as "no
	 * key": keys curses has read ahead must not wait for the next poll */
	while ((r = get_wch(&ch)) == KEY_CODE_YES && ch == KEY_MOUSE)
		if (mouse_event())
			return K_MOUSE;
	if (r == ERR)
		return KEY_NONE_;
	if (r == KEY_CODE_YES) {
		for (i = 0; i < sizeof(keymap) / sizeof(keymap[0]); i++)
			if (keymap[i].curses != 0 && keymap[i].curses == (int)ch)
				return keymap[i].ours;
		return KEY_NONE_;
	}
	switch (ch) {
	case 27:   return K_ESC;
	case '\t': return K_TAB;
	case '\r':
	case '\n': return K_ENTER;
	case 127:
	case 8:    return K_BACKSPACE;
	default:   return (int)ch;
	}
}

const char *
draw_key_name(int key, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(keymap) / sizeof(keymap[0]); i++)
		if (keymap[i].ours == key) {
			snprintf(buf, n, "%s", keymap[i].name);
			return buf;
		}
	if (key == ' ')
		snprintf(buf, n, "Space");
	else if (key > 0 && key < 0x20)
		snprintf(buf, n, "^%c", '@' + key);
	else if (key > 0 && key < 0x80)
		snprintf(buf, n, "%c", key);
	else
		snprintf(buf, n, "?");
	return buf;
}

/* ---- text ---------------------------------------------------------------- */

int
draw_text(int y, int x, int w, enum draw_role role, int flags, const char *s)
{
	char clean[1024], fit[1024];
	int tw, pad = 0;

	if (w <= 0)
		return 0;
	if (flags & DRAW_RAW)
		snprintf(clean, sizeof(clean), "%s", s);
	else
		text_sanitize(s, clean, sizeof(clean), dr.utf8 ? 0 : TEXT_ASCII);
	if (flags & DRAW_NUM)
		view_fit_number(clean, w, fit, sizeof(fit));
	else
		view_truncate(clean, w, flags & DRAW_MID ? VIEW_TRUNC_MID : VIEW_TRUNC_END,
		    draw_ellipsis(), fit, sizeof(fit));
	tw = view_width(fit);
	attrset(dr.attr[role]);
	if (flags & DRAW_RIGHT) {
		pad = w - tw;
		if (flags & DRAW_FILL)
			mvhline(y, x, ' ', pad);
	}
	mvaddstr(y, x + pad, fit);
	if ((flags & DRAW_FILL) && !(flags & DRAW_RIGHT) && tw < w)
		mvhline(y, x + tw, ' ', w - tw);
	attrset(A_NORMAL);
	return pad + tw;
}

int
draw_fmt(int y, int x, int w, enum draw_role role, int flags, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* arguments may be outside text (ids, models, statuses): sanitise */
	return draw_text(y, x, w, role, flags, buf);
}

void
draw_fill(int y, int x, int w, enum draw_role role)
{
	if (w <= 0)
		return;
	attrset(dr.attr[role]);
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

/* ---- shapes --------------------------------------------------------------- */

void
draw_box(int y, int x, int h, int w, const char *title, int focused)
{
	enum draw_role r = focused ? ROLE_FOCUS : ROLE_BORDER;
	const char *hz = dr.utf8 ? "─" : "-", *vt = dr.utf8 ? "│" : "|";
	const char *c[4] = { "┌", "┐", "└", "┘" };
	int i;

	if (h < 2 || w < 2)
		return;
	if (!dr.utf8)
		c[0] = c[1] = c[2] = c[3] = "+";
	attrset(dr.attr[r]);
	mvaddstr(y, x, c[0]);
	mvaddstr(y + h - 1, x, c[2]);
	for (i = 1; i < w - 1; i++) {
		mvaddstr(y, x + i, hz);
		mvaddstr(y + h - 1, x + i, hz);
	}
	mvaddstr(y, x + w - 1, c[1]);
	mvaddstr(y + h - 1, x + w - 1, c[3]);
	for (i = 1; i < h - 1; i++) {
		mvaddstr(y + i, x, vt);
		mvaddstr(y + i, x + w - 1, vt);
	}
	attrset(A_NORMAL);
	if (title != NULL && w > 6) {
		draw_text(y, x + 1, 1, r, DRAW_RAW, " ");
		i = draw_text(y, x + 2, w - 5, focused ? ROLE_FOCUS : ROLE_TITLE, 0, title);
		draw_text(y, x + 2 + i, 1, r, DRAW_RAW, " ");
	}
}

void
draw_bar(int y, int x, int w, enum draw_role role, int64_t v, int64_t max)
{
	static const char *const part[8] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	int e = view_bar_eighths(v, max, w), i, full;

	if (w <= 0)
		return;
	attrset(dr.attr[role]);
	if (!dr.utf8) {
		full = (e + 4) / 8;
		for (i = 0; i < w; i++)
			mvaddch(y, x + i, i < full ? '#' : ' ');
		attrset(A_NORMAL);
		return;
	}
	full = e / 8;
	for (i = 0; i < full; i++)
		mvaddstr(y, x + i, "█");
	if (e % 8 != 0)
		mvaddstr(y, x + i++, part[e % 8]);
	for (; i < w; i++)
		mvaddch(y, x + i, ' ');
	attrset(A_NORMAL);
}

void
draw_vbar(int y, int x, int h, int w, enum draw_role role, int64_t v, int64_t max)
{
	static const char *const lv[9] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	int e = view_bar_eighths(v, max, h), row, col, l;

	attrset(dr.attr[role]);
	for (row = 0; row < h; row++) {
		/* the bottom row first holds eighths 1 … 8 */
		l = e - (h - 1 - row) * 8;
		l = l < 0 ? 0 : l > 8 ? 8 : l;
		if (!dr.utf8)
			l = l >= 4 ? 8 : 0;
		for (col = 0; col < w; col++) {
			if (dr.utf8)
				mvaddstr(y + row, x + col, lv[l]);
			else
				mvaddch(y + row, x + col, l ? '#' : ' ');
		}
	}
	attrset(A_NORMAL);
}

void
draw_scrollbar(int y, int x, int h, int top, int n, int vis)
{
	int ty, th, i;

	if (n <= vis || h < 1)
		return;
	view_scroll_thumb(top, n, vis, h, &ty, &th);
	attrset(dr.attr[ROLE_FOCUS]);
	for (i = 0; i < th; i++)
		mvaddstr(y + ty + i, x, dr.utf8 ? "█" : "#");
	attrset(A_NORMAL);
}

void
draw_spark(int y, int x, enum draw_role role, const int64_t *v, size_t n)
{
	static const char *const lv[9] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char ascii[] = " .:-=+*#@";
	int64_t max = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	attrset(dr.attr[role]);
	for (i = 0; i < n; i++) {
		int l = view_spark_level(v[i], max);
		if (dr.utf8)
			mvaddstr(y, x + (int)i, lv[l]);
		else
			mvaddch(y, x + (int)i, (chtype)ascii[l]);
	}
	attrset(A_NORMAL);
}
