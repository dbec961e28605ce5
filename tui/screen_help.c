/* screen_help.c — every key of every screen, read from the key tables
 * themselves so the help can never disagree with the bindings, and a few
 * notes. As in htop, any key that does not scroll or search closes it. It
 * flows into columns on a wide screen, shows where it is scrolled to, and
 * `/` narrows it to the lines that match. */
#include <stdio.h>
#include <stdlib.h>

#include "tui/console.h"
#include "tui/view.h"

enum { H_UP = 1, H_DOWN, H_PGUP, H_PGDN, H_HOME, H_END, H_SEARCH, H_CLOSE };

static const struct key_bind help_keys[] = {
	{ K_UP,   H_UP,     NULL,     "scroll up" },
	{ 'k',    H_UP,     NULL,     "scroll up" },
	{ K_DOWN, H_DOWN,   NULL,     "scroll down" },
	{ 'j',    H_DOWN,   NULL,     "scroll down" },
	{ K_PGUP, H_PGUP,   NULL,     "page up" },
	{ K_PGDN, H_PGDN,   "page",   "page down" },
	{ K_HOME, H_HOME,   NULL,     "to the top" },
	{ K_END,  H_END,    NULL,     "to the end" },
	{ '/',    H_SEARCH, "search", "search keys and notes (Enter keeps it, Esc clears)" },
	{ K_ESC,  H_CLOSE,  "close",  "close the help (so does any other key)" },
	{ 0, 0, NULL, NULL },
};

/* What the key tables cannot say. */
static const char *const notes[] = {
	"Mouse: click a pane to focus it, a row to select it",
	"  (click it again to open it), a heading to sort;",
	"  the wheel scrolls; the key bar's keys can be clicked.",
	"  --no-mouse or Setup (S) turns it off.",
	"Remembered between runs: sort, period, focused pane,",
	"  hidden panes and columns ($XDG_STATE_HOME/tokentop/",
	"  console.json, else ~/.local/state/tokentop/).",
	"From 160 columns the panes gain columns (cache read",
	"  and written, $/request, tag); from 50 rows the",
	"  spend per hour gets a chart of its own.",
	NULL,
};

/* What the marks on the screens mean (the same in the CLI's reports). */
static const char *const marks[] = {
	"*  a cost that leaves out unpriced requests (no",
	"   price known); \"unpriced\" when all are",
	"!  a budget at 80% or more; OVER: exceeded (red,",
	"   or reversed)",
	"<  before a batch's cost (<= or its sign): the",
	"   estimate's most, until its results are in",
	"^  before $/h (^ or a triangle): the last hour's",
	"   spend, the rate every projection uses",
	NULL,
};

#define LINES_MAX 320
#define GAP       3     /* between columns */

/* One line of the help: a section title, a key and what it does, a note,
 * or a blank between sections. */
struct hline {
	const char *title;
	int         key;
	const char *text;
};

struct help {
	int               top;           /* first slot shown */
	int               searching;     /* the prompt is open */
	struct view_input search;
	struct hline      line[LINES_MAX];
	int               n;             /* lines (after the search) */
	short             slot[LINES_MAX * 2];  /* the flow: a line index, -1 = blank */
	int               nslots;
	int               rows, cols;    /* drawn last time: paging */
};

static void *
help_create(struct console *c)
{
	(void)c;
	return calloc(1, sizeof(struct help));
}

static void
add(struct help *s, const char *title, int key, const char *text)
{
	if (s->n < LINES_MAX)
		s->line[s->n++] = (struct hline){ title, key, text };
}

static int
key_matches(const struct key_bind *k, const char *title, const char *needle)
{
	char name[16];

	return view_match(title, needle) || view_match(k->help, needle) ||
	    view_match(draw_key_name(k->key, name, sizeof(name)), needle);
}

/* A section: its title and the lines that match the search (all of them
 * when the title does), then a blank; nothing when none matches. */
static void
section(struct help *s, const char *title, const struct key_bind *k, const char *const *text)
{
	const char *needle = s->search.buf;
	int first = s->n, any = 0, len, i, hit;

	add(s, title, 0, NULL);
	for (; k != NULL && k->key != 0; k++)
		if (key_matches(k, title, needle)) {
			add(s, NULL, k->key, k->help);
			any = 1;
		}
	while (text != NULL && *text != NULL) {
		/* a note and its indented continuation lines go together */
		for (len = 1; text[len] != NULL && text[len][0] == ' '; len++)
			;
		for (i = 0, hit = view_match(title, needle); i < len && !hit; i++)
			hit = view_match(text[i], needle);
		for (i = 0; hit && i < len; i++)
			add(s, NULL, 0, text[i]);
		any |= hit;
		text += len;
	}
	if (!any)
		s->n = first;
	else
		add(s, NULL, 0, "");
}

static void
collect(struct help *s)
{
	const struct screen_ops *ops;
	int i;

	s->n = 0;
	section(s, "Everywhere", console_global_keys(), NULL);
	for (i = 0; i < SCR_COUNT; i++) {
		ops = console_screen(i);
		if (ops != NULL && ops->keys != NULL)
			section(s, ops->name, ops->keys, NULL);
	}
	section(s, "Marks", NULL, marks);
	section(s, "Notes", NULL, notes);
	if (s->n > 0)
		s->n--;      /* no blank at the end */
}

/* Columns that fit the widest line (at most three). */
static int
columns_for(const struct help *s, int w)
{
	int i, need = 0, lw, cols;

	for (i = 0; i < s->n; i++) {
		lw = s->line[i].title != NULL ? view_width(s->line[i].title) :
		    (s->line[i].key != 0 ? 12 : 2) + view_width(s->line[i].text);
		if (lw > need)
			need = lw;
	}
	cols = (w + GAP) / (need + GAP);
	return cols < 1 ? 1 : cols > 3 ? 3 : cols;
}

/*
 * Lay the lines out in slots, column after column of `rows`: with several
 * columns a section that would break across two starts a new column
 * (unless it is taller than a column), and no column starts with a blank.
 */
static void
flow(struct help *s, int rows, int cols)
{
	int i, len, row;

	s->nslots = 0;
	for (i = 0; i < s->n; i++) {
		row = s->nslots % rows;
		if (s->line[i].title != NULL && cols > 1) {
			for (len = 1; i + len < s->n && s->line[i + len].title == NULL; len++)
				;
			if (row + len - 1 > rows && len - 1 <= rows && row > 0)
				while (s->nslots % rows != 0)
					s->slot[s->nslots++] = -1;
		}
		if (s->line[i].title == NULL && s->line[i].key == 0 && s->line[i].text[0] == '\0' &&
		    s->nslots % rows == 0 && cols > 1)
			continue;      /* a blank at the top of a column */
		s->slot[s->nslots++] = (short)i;
	}
}

static void
draw_line(const struct hline *l, int y, int x, int w)
{
	char name[16];

	if (l->title != NULL)
		draw_text(y, x, w, ROLE_TITLE, DRAW_RAW, l->title);
	else if (l->key != 0) {
		draw_text(y, x + 2, 8, ROLE_KEY, DRAW_RAW, draw_key_name(l->key, name, sizeof(name)));
		draw_text(y, x + 12, w - 12, ROLE_NORMAL, DRAW_RAW, l->text);
	} else
		draw_text(y, x + 2, w - 2, ROLE_NORMAL, DRAW_RAW, l->text);
}

static void
help_draw(struct console *c, void *st)
{
	struct help *s = st;
	char title[600], where[64];
	int i, k, x0 = 2, w = c->w - 4, colw, vis, ty, th;

	collect(s);
	draw_fill(0, 0, c->w, ROLE_HEADER);
	draw_text(0, 0, c->w, ROLE_HEADER, DRAW_RAW, " tokentop  Help");
	/* where the organisation's figures come from, or why there are none */
	draw_text(0, 17, c->w - 18, ROLE_HEADER, DRAW_RAW, c->cli->cfg.admin_key[0] != '\0' ?
	    "   org: synced with the Admin API every 5 minutes (Cache pane: org, unseen)" :
	    "   org: no admin key (set ANTHROPIC_ADMIN_KEY to see the organisation's spend)");
	s->rows = c->h - 4;
	s->cols = columns_for(s, w);
	colw = (w - (s->cols - 1) * GAP) / s->cols;
	vis = s->rows * s->cols;
	flow(s, s->rows, s->cols);
	s->top = view_scroll_thumb(s->top, s->nslots, vis, s->rows, &ty, &th);
	if (s->search.len > 0)
		snprintf(title, sizeof(title), "Keys %s search \"%s\": %d line%s",
		    draw_utf8() ? "·" : "-", s->search.buf, s->n, s->n == 1 ? "" : "s");
	else
		snprintf(title, sizeof(title), "Keys");
	draw_box(1, 0, c->h - 2, c->w, title, 1);
	for (i = 0; i < vis && s->top + i < s->nslots; i++) {
		k = i / s->rows;
		if (s->slot[s->top + i] >= 0)
			draw_line(&s->line[s->slot[s->top + i]], 2 + i % s->rows,
			    x0 + k * (colw + GAP), colw);
	}
	if (s->n == 0)
		draw_text(2, x0 + 2, w - 2, ROLE_DIM, DRAW_RAW, "no key or note matches");
	if (s->nslots > vis) {   /* where this page is: a thumb and the line numbers */
		draw_scrollbar(2, c->w - 1, s->rows, s->top, s->nslots, vis);
		snprintf(where, sizeof(where), " %d%s%d of %d ", s->top + 1, draw_utf8() ? "–" : "-",
		    s->top + vis < s->nslots ? s->top + vis : s->nslots, s->nslots);
		draw_text(c->h - 2, c->w - view_width(where) - 2, view_width(where), ROLE_FOCUS,
		    DRAW_RAW, where);
	}
	if (s->searching)
		console_prompt(c, "Search", " ", s->search.buf);
	else
		console_keybar_own(c, help_keys, NULL, "any other key closes");
}

static enum console_act
search_key(struct help *s, int key)
{
	if (key == K_ENTER)
		s->searching = 0;
	else if (key == K_ESC) {
		s->searching = 0;
		view_input_clear(&s->search);
	} else if (key == 0x15)                 /* ^U: clear the line */
		view_input_clear(&s->search);
	else if (key == K_BACKSPACE)
		view_input_backspace(&s->search);
	else if (key > 0 && key < 0x110000)
		view_input_add(&s->search, (uint32_t)key);
	s->top = 0;
	return CA_REDRAW;
}

static enum console_act
help_key(struct console *c, void *st, int key)
{
	struct help *s = st;
	int page = s->rows * s->cols;

	(void)c;
	if (s->searching)
		return search_key(s, key);
	switch (console_lookup(help_keys, key)) {
	case H_UP:     s->top--; break;
	case H_DOWN:   s->top++; break;
	case H_PGUP:   s->top -= page; break;
	case H_PGDN:   s->top += page; break;
	case H_HOME:   s->top = 0; break;
	case H_END:    s->top = s->nslots; break;    /* the draw clamps */
	case H_SEARCH: s->searching = 1; break;
	default:
		/* any other key closes, as in htop: q leaves the help, not
		 * the program; the search is forgotten */
		s->top = 0;
		view_input_clear(&s->search);
		return CA_BACK;
	}
	if (s->top < 0)
		s->top = 0;
	return CA_REDRAW;
}

/* The wheel scrolls; a click closes nothing (the key bar's close does). */
static enum console_act
help_mouse(struct console *c, void *st, const struct draw_mouse *m)
{
	struct help *s = st;

	(void)c;
	if (m->kind == MOUSE_CLICK)
		return CA_NONE;
	s->top += m->kind == MOUSE_WHEEL_UP ? -3 : 3;
	if (s->top < 0)
		s->top = 0;
	return CA_REDRAW;
}

const struct screen_ops screen_help = {
	.name = "Help",
	.keys = help_keys,
	.create = help_create,
	.destroy = free,
	.rebuild = NULL,
	.draw = help_draw,
	.key = help_key,
	.resize = NULL,
	.mouse = help_mouse,
};
