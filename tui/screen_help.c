/* screen_help.c — every key of every screen, read from the key tables
 * themselves so the help can never disagree with the bindings. */
#include <stdio.h>
#include <stdlib.h>

#include "tui/console.h"

enum { H_UP = 1, H_DOWN, H_PGUP, H_PGDN, H_CLOSE };

static const struct key_bind help_keys[] = {
	{ K_UP,   H_UP,    NULL,    "scroll up" },
	{ K_DOWN, H_DOWN,  NULL,    "scroll down" },
	{ K_PGUP, H_PGUP,  NULL,    "page up" },
	{ K_PGDN, H_PGDN,  NULL,    "page down" },
	{ K_ESC,  H_CLOSE, "close", "close the help" },
	{ 0, 0, NULL, NULL },
};

struct help {
	int top;
	int lines;    /* drawn last time, for scrolling */
};

static void *
help_create(struct console *c)
{
	(void)c;
	return calloc(1, sizeof(struct help));
}

/* One table's lines from line index *n on; draws the ones on screen. */
static void
table(struct console *c, struct help *s, const char *title, const struct key_bind *k, int *n)
{
	char name[16];
	int y;

	if (*n - s->top >= 0 && *n - s->top < c->h - 4)
		draw_text(*n - s->top + 2, 2, c->w - 4, ROLE_TITLE, DRAW_RAW, title);
	(*n)++;
	for (; k->key != 0; k++, (*n)++) {
		y = *n - s->top + 2;
		if (y < 2 || y >= c->h - 2)
			continue;
		draw_text(y, 4, 8, ROLE_KEY, DRAW_RAW, draw_key_name(k->key, name, sizeof(name)));
		draw_text(y, 14, c->w - 16, ROLE_NORMAL, DRAW_RAW, k->help);
	}
	(*n)++;
}

static void
help_draw(struct console *c, void *st)
{
	struct help *s = st;
	char title[64];
	int n = 0, i;

	draw_fill(0, 0, c->w, ROLE_HEADER);
	draw_text(0, 0, c->w, ROLE_HEADER, DRAW_RAW, " tokentop  Help");
	/* where the organisation's figures come from, or why there are none */
	draw_text(0, 17, c->w - 18, ROLE_HEADER, DRAW_RAW, c->cli->cfg.admin_key[0] != '\0' ?
	    "   org: synced with the Admin API every 5 minutes (Cache pane: org, unseen)" :
	    "   org: no admin key (set ANTHROPIC_ADMIN_KEY to see the organisation's spend)");
	draw_box(1, 0, c->h - 2, c->w, "Keys", 1);
	table(c, s, "Everywhere", console_global_keys(), &n);
	for (i = 0; i < SCR_COUNT; i++) {
		const struct screen_ops *ops = console_screen(i);
		if (ops == NULL || ops->keys == NULL || i == SCR_HELP)
			continue;
		snprintf(title, sizeof(title), "%s", ops->name);
		table(c, s, title, ops->keys, &n);
	}
	table(c, s, "Help", help_keys, &n);
	table(c, s, "Marks", console_marks(), &n);
	s->lines = n;
	console_keybar(c, help_keys, NULL);
}

static enum console_act
help_key(struct console *c, void *st, int key)
{
	struct help *s = st;
	int page = c->h - 6, max = s->lines - (c->h - 4);

	switch (console_lookup(help_keys, key)) {
	case H_UP:    s->top--; break;
	case H_DOWN:  s->top++; break;
	case H_PGUP:  s->top -= page; break;
	case H_PGDN:  s->top += page; break;
	case H_CLOSE: return CA_BACK;
	default:      return CA_UNHANDLED;
	}
	if (s->top > max)
		s->top = max;
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
};
