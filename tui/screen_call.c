/* screen_call.c — send one prompt: the model, a system text and documents
 * (the prefix prompt caching keeps, on by default), the prompt; the answer,
 * wrapped, with its usage and cost when it returns (through the console's
 * call_send seam, so the ledger row is written by the client). While it is
 * in flight the time runs and Esc stops it; a budget refusal offers F9. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console.h"
#include "tui/screen_jobs.h"
#include "tui/view.h"

enum { C_FIELD = 1, C_CACHE, C_SEND, C_BACK, C_CLEAR, C_FORCE, C_UP, C_DOWN, C_PGUP, C_PGDN };

static const struct key_bind call_keys[] = {
	{ K_TAB,   C_FIELD, "field",  "next field: prompt, model, system, documents" },
	{ K_F6,    C_CACHE, "cache",  "prompt caching (system + documents) on/off" },
	{ K_ENTER, C_SEND,  "send",   "send the prompt" },
	{ K_F8,    C_CLEAR, "clear",  "clear the prompt and the answer" },
	{ K_F9,    C_FORCE, NULL,     "send past a budget (after a refusal)" },
	{ K_ESC,   C_BACK,  "back",   "stop the call in flight, else back to the dashboard" },
	{ K_UP,    C_UP,    NULL,     "scroll the answer up" },
	{ K_DOWN,  C_DOWN,  NULL,     "scroll the answer down" },
	{ K_PGUP,  C_PGUP,  NULL,     "scroll the answer a page up" },
	{ K_PGDN,  C_PGDN,  NULL,     "scroll the answer a page down" },
	{ 0, 0, NULL, NULL },
};

enum { F_PROMPT, F_MODEL, F_SYSTEM, F_DOCS, F_COUNT };

struct call {
	struct view_input field[F_COUNT];
	int               cur;         /* the field typed into */
	int               cache;
	int               refused;     /* the last send was stopped by a budget */
	int64_t           sent_ms;     /* when the call in flight was sent */
	int               top;         /* first answer line shown */
	char              answer[8192];
};

static void *
call_create(struct console *c)
{
	struct call *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	view_input_set(&s->field[F_MODEL], c->cli->cfg.default_model[0] ?
	    c->cli->cfg.default_model : "claude-sonnet-4-5");
	s->cache = 1;
	return s;
}

static int
in_flight(void)
{
	return jobs_has("call");
}

static void
draw_field(int y, int w, const char *label, const struct view_input *in, int cur,
           const char *hint)
{
	draw_text(y, 2, 9, cur ? ROLE_TITLE : ROLE_DIM, DRAW_RAW, label);
	draw_text(y, 11, w - 9, cur ? ROLE_SELECTED : ROLE_NORMAL, DRAW_FILL | DRAW_MID, in->buf);
	if (in->len == 0 && !cur)
		draw_text(y, 12, w - 10, ROLE_DIM, DRAW_RAW, hint);
}

/* The answer, wrapped at the width, from line s->top; returns its lines. */
static int
draw_answer(struct console *c, struct call *s, int y0, int rows, int w)
{
	const char *p = s->answer;
	char line[1024];
	int n = 0, len;

	while (*p != '\0') {
		len = (int)view_wrap(p, w);
		if (n >= s->top && n - s->top < rows) {
			snprintf(line, sizeof(line), "%.*s", len, p);
			/* the answer comes from outside: draw_text sanitises it */
			draw_text(y0 + n - s->top, 2, w, s->refused ? ROLE_WARNING : ROLE_NORMAL, 0,
			    line);
		}
		n++;
		p += len;
		if (*p == '\n')
			p++;
		else
			while (*p == ' ')
				p++;
	}
	return n;
}

static void
call_draw(struct console *c, void *st)
{
	struct call *s = st;
	char t[32];
	int w = c->w - 4, n;

	draw_fill(0, 0, c->w, ROLE_HEADER);
	draw_text(0, 0, c->w, ROLE_HEADER, DRAW_RAW, " tokentop  Call");
	draw_box(1, 0, c->h - 2, c->w, "Call", 1);
	draw_field(2, w, "model", &s->field[F_MODEL], s->cur == F_MODEL, "");
	draw_field(3, w, "system", &s->field[F_SYSTEM], s->cur == F_SYSTEM,
	    "(text sent as the system prompt; cached with the documents)");
	draw_field(4, w, "docs", &s->field[F_DOCS], s->cur == F_DOCS,
	    "(files, space-separated: sent before the prompt, cached)");
	draw_fmt(5, 2, w, ROLE_DIM, 0, "caching  %s (F6)%s", s->cache ? "5m on" : "off",
	    s->cache && s->field[F_SYSTEM].len + s->field[F_DOCS].len == 0 ?
	    "  nothing to cache yet: add a system text or documents" : "");
	draw_field(6, w, "prompt", &s->field[F_PROMPT], s->cur == F_PROMPT, "");
	if (c->act.call_send == NULL)
		draw_text(8, 2, w, ROLE_WARNING, DRAW_RAW,
		    "sending needs the API client, which is not in this build");
	else if (c->cli->cfg.api_key[0] == '\0')
		draw_text(8, 2, w, ROLE_WARNING, DRAW_RAW,
		    "no API key: set ANTHROPIC_API_KEY to send");
	if (in_flight()) {
		view_fmt_elapsed(c->now_ms - s->sent_ms, t, sizeof(t));
		draw_fmt(8, 2, w, ROLE_WARNING, 0, "sending to %s %s %s  (Esc stops it)",
		    s->field[F_MODEL].buf, draw_ellipsis(), t);
	}
	n = draw_answer(c, s, 9, c->h - 11, w);
	if (n > c->h - 11)
		draw_fmt(c->h - 2, c->w - 22, 20, ROLE_DIM, DRAW_RIGHT, "lines %d-%d of %d",
		    s->top + 1, s->top + c->h - 11 < n ? s->top + c->h - 11 : n, n);
	if (s->refused)
		draw_text(c->h - 2, 2, w - 24, ROLE_ALERT, DRAW_RAW,
		    " over a budget: F9 sends it past the budget ");
	/* q, ? and every letter type text here: the bar names F10 */
	console_keybar_typing(c, call_keys, NULL);
}

static enum console_act
send(struct console *c, struct call *s, int force)
{
	struct call_req rq;
	char err[256];

	if (c->act.call_send == NULL) {
		console_status(c, ROLE_WARNING, "sending needs the API client (not in this build)");
		return CA_REDRAW;
	}
	if (s->field[F_PROMPT].len == 0 || in_flight())
		return CA_NONE;
	rq.model = s->field[F_MODEL].buf;
	rq.system = s->field[F_SYSTEM].buf;
	rq.docs = s->field[F_DOCS].buf;
	rq.prompt = s->field[F_PROMPT].buf;
	rq.cache = s->cache;
	rq.force = force;
	s->top = 0;
	s->sent_ms = c->now_ms;
	if (c->act.call_send(c, &rq, s->answer, sizeof(s->answer), &s->refused, err,
	    sizeof(err)) != 0)
		console_status(c, ROLE_ALERT, "call: %s", err);
	return CA_REBUILD;
}

static enum console_act
scroll(struct console *c, struct call *s, int delta)
{
	s->top = view_move(s->top, delta, 1 << 20);
	(void)c;
	return CA_REDRAW;
}

static enum console_act
call_key(struct console *c, void *st, int key)
{
	struct call *s = st;
	struct view_input *in = &s->field[s->cur];

	switch (console_lookup(call_keys, key)) {
	case C_FIELD: s->cur = (s->cur + 1) % F_COUNT; return CA_REDRAW;
	case C_CACHE: s->cache = !s->cache; return CA_REDRAW;
	case C_SEND:  return send(c, s, 0);
	case C_FORCE: return s->refused ? send(c, s, 1) : CA_NONE;
	case C_UP:    return scroll(c, s, -1);
	case C_DOWN:  return scroll(c, s, 1);
	case C_PGUP:  return scroll(c, s, -(c->h - 12));
	case C_PGDN:  return scroll(c, s, c->h - 12);
	case C_BACK:
		if (in_flight() && c->act.call_stop != NULL) {
			c->act.call_stop(c);
			return CA_REDRAW;
		}
		return CA_BACK;
	case C_CLEAR:
		view_input_clear(&s->field[F_PROMPT]);
		s->answer[0] = '\0';
		s->refused = 0;
		return CA_REDRAW;
	}
	/* everything else types into the field: no single-letter keys here,
	 * so q and ? are text (F10 quits, F1 helps) */
	if (key == K_BACKSPACE) {
		view_input_backspace(in);
		return CA_REDRAW;
	}
	if (key == 0x15) {
		view_input_clear(in);
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
