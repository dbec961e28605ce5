/* screen_setup.c — the Setup screen (as htop's F2): which dashboard panes
 * and columns show, and the mouse. Every change is remembered at once
 * (console_settings_changed writes console.json). */
#include <stdio.h>
#include <stdlib.h>

#include "tui/console.h"
#include "tui/view.h"

enum { U_UP = 1, U_DOWN, U_PGUP, U_PGDN, U_HOME, U_END, U_TOGGLE, U_DEFAULTS, U_CLOSE };

static const struct key_bind setup_keys[] = {
	{ K_UP,    U_UP,       NULL,       "previous item" },
	{ 'k',     U_UP,       NULL,       "previous item" },
	{ K_DOWN,  U_DOWN,     NULL,       "next item" },
	{ 'j',     U_DOWN,     NULL,       "next item" },
	{ K_PGUP,  U_PGUP,     NULL,       "page up" },
	{ K_PGDN,  U_PGDN,     NULL,       "page down" },
	{ K_HOME,  U_HOME,     NULL,       "first item" },
	{ K_END,   U_END,      NULL,       "last item" },
	{ ' ',     U_TOGGLE,   "toggle",   "show or hide the item (remembered at once)" },
	{ K_ENTER, U_TOGGLE,   NULL,       "show or hide the item" },
	{ 'd',     U_DEFAULTS, "defaults", "every pane and column shown, the mouse on" },
	{ K_ESC,   U_CLOSE,    "close",    "back to where you were" },
	{ 'q',     U_CLOSE,    NULL,       "back" },
	{ 'S',     U_CLOSE,    NULL,       "back" },
	{ 0, 0, NULL, NULL },
};

enum kind { IT_TITLE, IT_PANE, IT_COL, IT_MOUSE };

static const struct item {
	enum kind   kind;
	int         id;
	int         wide;         /* a column shown from VIEW_BROAD_W only */
	const char *label;
} items[] = {
	{ IT_TITLE, 0, 0, "Panes of the dashboard (Tab cycles the shown ones)" },
	{ IT_PANE, PANE_INTRADAY, 0, "Spend per hour, last 24 h (a chart from 50 rows)" },
	{ IT_PANE, PANE_DAILY,    0, "Daily spend" },
	{ IT_PANE, PANE_MODELS,   0, "Models" },
	{ IT_PANE, PANE_CACHE,    0, "Cache, savings, budgets" },
	{ IT_PANE, PANE_BATCHES,  0, "Batches" },
	{ IT_TITLE, 0, 0, "" },
	{ IT_TITLE, 0, 0, "Columns (wide: shown from 160 columns)" },
	{ IT_COL, DCOL_MODELS_INPUT,  0, "Models: input tokens" },
	{ IT_COL, DCOL_MODELS_OUTPUT, 0, "Models: output tokens" },
	{ IT_COL, DCOL_MODELS_HIT,    0, "Models: cache hit ratio" },
	{ IT_COL, DCOL_MODELS_READ,   1, "Models: cache read tokens" },
	{ IT_COL, DCOL_MODELS_WRITE,  1, "Models: cache written tokens" },
	{ IT_COL, DCOL_MODELS_PERREQ, 1, "Models: cost per request" },
	{ IT_COL, DCOL_DAILY_REQS,    1, "Daily: requests" },
	{ IT_COL, DCOL_DAILY_OUTPUT,  1, "Daily: output tokens" },
	{ IT_COL, DCOL_DAILY_PERREQ,  1, "Daily: cost per request" },
	{ IT_COL, DCOL_BATCHES_TAG,   1, "Batches: tag" },
	{ IT_TITLE, 0, 0, "" },
	{ IT_TITLE, 0, 0, "Console" },
	{ IT_MOUSE, 0, 0, "Mouse: clicks and the wheel (--no-mouse overrides)" },
};

#define NITEMS ((int)(sizeof(items) / sizeof(items[0])))

struct setup {
	int sel, top, rows;
};

static void *
setup_create(struct console *c)
{
	struct setup *s = calloc(1, sizeof(*s));

	(void)c;
	if (s != NULL)
		s->sel = 1;     /* the first item under the first title */
	return s;
}

static int
item_on(const struct console *c, const struct item *it)
{
	switch (it->kind) {
	case IT_PANE:  return !(c->set.hidden_panes & VIEW_PANE_BIT(it->id));
	case IT_COL:   return !(c->set.hidden_cols & DCOL_BIT(it->id));
	case IT_MOUSE: return c->set.mouse;
	default:       return 0;
	}
}

static enum console_act
toggle(struct console *c, const struct item *it)
{
	unsigned all = (1u << PANE_COUNT) - 1;

	switch (it->kind) {
	case IT_PANE:
		if ((c->set.hidden_panes | VIEW_PANE_BIT(it->id)) == all) {
			console_status(c, ROLE_WARNING, "one pane at least stays shown");
			return CA_REDRAW;
		}
		c->set.hidden_panes ^= VIEW_PANE_BIT(it->id);
		break;
	case IT_COL:   c->set.hidden_cols ^= DCOL_BIT(it->id); break;
	case IT_MOUSE: c->set.mouse = !c->set.mouse; break;
	default:       return CA_NONE;
	}
	console_settings_changed(c);
	return CA_REDRAW;
}

static void
setup_draw(struct console *c, void *st)
{
	struct setup *s = st;
	const struct item *it;
	char line[256], title[64];
	int i, y, on, ty, th;
	enum draw_role role;

	draw_fill(0, 0, c->w, ROLE_HEADER);
	draw_fmt(0, 0, c->w, ROLE_HEADER, 0, " tokentop  Setup   remembered in %s", c->set_path);
	s->rows = c->h - 4;
	if (s->sel < s->top)
		s->top = s->sel;
	if (s->sel >= s->top + s->rows)
		s->top = s->sel - s->rows + 1;
	s->top = view_scroll_thumb(s->top, NITEMS, s->rows, s->rows, &ty, &th);
	snprintf(title, sizeof(title), "Setup %s %s", draw_utf8() ? "·" : "-",
	    c->w >= VIEW_BROAD_W ? "this screen is wide" : "wide columns show from 160 columns");
	draw_box(1, 0, c->h - 2, c->w, title, 1);
	for (i = 0; i < s->rows && s->top + i < NITEMS; i++) {
		it = &items[s->top + i];
		y = 2 + i;
		if (it->kind == IT_TITLE) {
			draw_text(y, 2, c->w - 4, ROLE_TITLE, DRAW_RAW, it->label);
			continue;
		}
		on = item_on(c, it);
		snprintf(line, sizeof(line), " [%c] %s%s%s", on ? 'x' : ' ', it->label,
		    it->wide ? "  (wide)" : "", it->kind == IT_MOUSE && c->no_mouse ?
		    "  (off: --no-mouse)" : "");
		role = s->top + i == s->sel ? ROLE_SELECTED : on ? ROLE_NORMAL : ROLE_DIM;
		draw_text(y, 2, c->w - 4, role, DRAW_RAW | DRAW_FILL, line);
	}
	draw_scrollbar(2, c->w - 1, s->rows, s->top, NITEMS, s->rows);
	console_keybar_own(c, setup_keys, NULL, NULL);
}

/* The next selectable item from sel in direction dir, or sel. */
static int
step(int sel, int dir)
{
	int i;

	for (i = sel + dir; i >= 0 && i < NITEMS; i += dir)
		if (items[i].kind != IT_TITLE)
			return i;
	return sel;
}

static enum console_act
setup_key(struct console *c, void *st, int key)
{
	struct setup *s = st;
	int i, page = s->rows > 1 ? s->rows - 1 : 1;

	switch (console_lookup(setup_keys, key)) {
	case U_UP:     s->sel = step(s->sel, -1); return CA_REDRAW;
	case U_DOWN:   s->sel = step(s->sel, 1); return CA_REDRAW;
	case U_PGUP:   for (i = 0; i < page; i++) s->sel = step(s->sel, -1); return CA_REDRAW;
	case U_PGDN:   for (i = 0; i < page; i++) s->sel = step(s->sel, 1); return CA_REDRAW;
	case U_HOME:   s->sel = step(-1, 1); return CA_REDRAW;
	case U_END:    s->sel = step(NITEMS, -1); return CA_REDRAW;
	case U_TOGGLE: return toggle(c, &items[s->sel]);
	case U_DEFAULTS:
		c->set.hidden_panes = 0;
		c->set.hidden_cols = 0;
		c->set.mouse = 1;
		console_settings_changed(c);
		return CA_REDRAW;
	case U_CLOSE:  return CA_BACK;
	}
	return CA_UNHANDLED;
}

/* A click selects an item and toggles it; the wheel moves the cursor. */
static enum console_act
setup_mouse(struct console *c, void *st, const struct draw_mouse *m)
{
	struct setup *s = st;
	int k = s->top + m->y - 2;

	if (m->kind != MOUSE_CLICK)
		return setup_key(c, st, m->kind == MOUSE_WHEEL_UP ? K_UP : K_DOWN);
	if (m->y < 2 || m->y >= 2 + s->rows || k >= NITEMS || items[k].kind == IT_TITLE)
		return CA_NONE;
	s->sel = k;
	return toggle(c, &items[k]);
}

const struct screen_ops screen_setup = {
	.name = "Setup",
	.keys = setup_keys,
	.create = setup_create,
	.destroy = free,
	.rebuild = NULL,
	.draw = setup_draw,
	.key = setup_key,
	.resize = NULL,
	.mouse = setup_mouse,
};
