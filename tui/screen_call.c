/* screen_call.c — send one prompt: type it, choose the model, toggle
 * caching; the answer, usage and cost appear when it returns (through the
 * console's call_send seam, so the ledger row is written by the client). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console.h"
#include "tui/view.h"

enum { C_FIELD = 1, C_CACHE, C_SEND, C_BACK, C_CLEAR };

static const struct key_bind call_keys[] = {
	{ K_TAB,   C_FIELD, "field",  "switch between the prompt and the model" },
	{ K_F6,    C_CACHE, "cache",  "prompt caching on/off" },
	{ K_ENTER, C_SEND,  "send",   "send the prompt" },
	{ K_F8,    C_CLEAR, "clear",  "clear the prompt and the answer" },
	{ K_ESC,   C_BACK,  "back",   "back to the dashboard" },
	{ 0, 0, NULL, NULL },
};

struct call {
	struct view_input prompt, model;
	int               field;       /* 0 prompt, 1 model */
	int               cache;
	char              answer[8192];
};

static void *
call_create(struct console *c)
{
	struct call *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	view_input_set(&s->model, c->cli->cfg.default_model);
	s->cache = 1;
	return s;
}

static void
call_draw(struct console *c, void *st)
{
	struct call *s = st;
	const char *p, *nl;
	char line[1024];
	int y, w = c->w - 4;

	draw_fill(0, 0, c->w, ROLE_HEADER);
	draw_text(0, 0, c->w, ROLE_HEADER, DRAW_RAW, " tokentop  Call");
	draw_box(1, 0, c->h - 2, c->w, "Call", 1);
	draw_text(2, 2, 8, ROLE_DIM, DRAW_RAW, "model");
	draw_text(2, 10, w - 8, s->field == 1 ? ROLE_SELECTED : ROLE_NORMAL, DRAW_FILL,
	    s->model.buf);
	draw_fmt(3, 2, w, ROLE_DIM, 0, "caching %s (F6)", s->cache ? "on" : "off");
	draw_text(5, 2, 8, ROLE_DIM, DRAW_RAW, "prompt");
	draw_text(5, 10, w - 8, s->field == 0 ? ROLE_SELECTED : ROLE_NORMAL, DRAW_FILL | DRAW_MID,
	    s->prompt.buf);
	if (c->act.call_send == NULL)
		draw_text(7, 2, w, ROLE_WARNING, DRAW_RAW,
		    "sending needs the API client, which is not in this build");
	/* the answer comes from outside: draw_text sanitises each line */
	for (p = s->answer, y = 8; *p != '\0' && y < c->h - 2; y++, p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		draw_text(y, 2, w, ROLE_NORMAL, 0, line);
	}
	console_keybar(c, call_keys, NULL);
}

static enum console_act
call_key(struct console *c, void *st, int key)
{
	struct call *s = st;
	struct view_input *in = s->field == 0 ? &s->prompt : &s->model;
	char err[256];

	switch (console_lookup(call_keys, key)) {
	case C_FIELD: s->field = !s->field; return CA_REDRAW;
	case C_CACHE: s->cache = !s->cache; return CA_REDRAW;
	case C_BACK:  return CA_BACK;
	case C_CLEAR:
		view_input_clear(&s->prompt);
		s->answer[0] = '\0';
		return CA_REDRAW;
	case C_SEND:
		if (c->act.call_send == NULL) {
			console_status(c, ROLE_WARNING, "sending needs the API client (not in this build)");
			return CA_REDRAW;
		}
		if (s->prompt.len == 0)
			return CA_NONE;
		if (c->act.call_send(c, s->model.buf, s->prompt.buf, s->cache, s->answer,
		    sizeof(s->answer), err, sizeof(err)) != 0)
			console_status(c, ROLE_ALERT, "call: %s", err);
		return CA_REBUILD;
	}
	/* everything else types into the field: no single-letter keys here,
	 * so q and ? are text (F10 quits, F1 helps) */
	if (key == K_BACKSPACE) {
		view_input_backspace(in);
		return CA_REDRAW;
	}
	if (key > 0 && key < 0x110000 && view_input_add(in, (uint32_t)key) == 0)
		return CA_REDRAW;
	return CA_UNHANDLED;
}

const struct screen_ops screen_call = {
	.name = "Call",
	.keys = call_keys,
	.create = call_create,
	.destroy = free,
	.rebuild = NULL,
	.draw = call_draw,
	.key = call_key,
	.resize = NULL,
};
