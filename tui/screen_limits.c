/* screen_limits.c — the Limits screen (L): rate-limit headroom per
 * provider × model × API key fingerprint, each kind as a bar of
 * remaining/limit with its reset countdown, and the 429s of the last hour.
 * The rows come from the ledger (store_ratelimit_list) in rebuild; draw
 * works from memory, so the countdown ticks with no query. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ratelimit.h"
#include "tui/console.h"
#include "tui/view.h"

enum { L_UP = 1, L_DOWN, L_PGUP, L_PGDN, L_HOME, L_END, L_CLOSE };

static const struct key_bind limits_keys[] = {
	{ K_UP,   L_UP,    NULL,    "scroll up" },
	{ 'k',    L_UP,    NULL,    "scroll up" },
	{ K_DOWN, L_DOWN,  NULL,    "scroll down" },
	{ 'j',    L_DOWN,  NULL,    "scroll down" },
	{ K_PGUP, L_PGUP,  NULL,    "page up" },
	{ K_PGDN, L_PGDN,  "page",  "page down" },
	{ K_HOME, L_HOME,  NULL,    "to the top" },
	{ K_END,  L_END,   NULL,    "to the end" },
	{ K_ESC,  L_CLOSE, "close", "back to where you were" },
	{ 0, 0, NULL, NULL },
};

#define KIND_W  14   /* "output_tokens" + a space */
#define NUM_W   15   /* "1.6M / 2M" right-aligned, up to "999.9G / 999.9G" */
#define RESET_W 12   /* "in 59m59s" */

struct limits {
	struct store_ratelimit_row *rows;
	size_t                      n;
	int                         top;     /* first line shown */
	int                         lines;   /* lines of the last draw */
	int                         vis;     /* lines that fit */
	char                        err[256];
};

static void *
limits_create(struct console *c)
{
	(void)c;
	return calloc(1, sizeof(struct limits));
}

static void
limits_destroy(void *st)
{
	struct limits *l = st;

	if (l != NULL)
		free(l->rows);
	free(l);
}

static int
limits_rebuild(struct console *c, void *st)
{
	struct limits *l = st;
	struct store_ratelimit_row *rows;
	size_t n;

	if (store_ratelimit_list(c->st, c->now_ms, &rows, &n, l->err, sizeof(l->err)) != 0) {
		snprintf(c->status, sizeof(c->status), "limits: %s", l->err);
		return -1;
	}
	free(l->rows);
	l->rows = rows;
	l->n = n;
	l->err[0] = '\0';
	return 0;
}

/* Does row i start a new provider × model × key group? */
static int
group_start(const struct limits *l, size_t i)
{
	const struct store_ratelimit_row *a = &l->rows[i], *b = &l->rows[i - 1];

	return i == 0 || strcmp(a->provider, b->provider) != 0 || strcmp(a->model, b->model) != 0 ||
	    strcmp(a->key, b->key) != 0;
}

/* The group's heading at line y: model, provider, key, 429s. */
static void
draw_group(struct console *c, int y, const struct store_ratelimit_row *r)
{
	char tail[96];
	int tw, x;

	snprintf(tail, sizeof(tail), "  %s  key %s  429s last hour: %lld", r->provider,
	    r->key[0] ? r->key : "-", (long long)r->rejected_last_hour);
	tw = view_width(tail);
	if (tw > c->w - 12)
		tw = c->w - 12;
	x = draw_text(y, 1, c->w - 2 - tw, ROLE_TITLE, DRAW_MID,
	    r->model[0] ? r->model : "(batch API)");
	draw_text(y, 1 + x, tw, r->rejected_last_hour > 0 ? ROLE_ALERT : ROLE_DIM, 0, tail);
}

/* One kind at line y: name, bar of remaining/limit, figures, countdown. */
static void
draw_kind(struct console *c, int y, const struct store_ratelimit_row *r)
{
	char a[24], b[24], nums[64], z[24], reset[32];
	int bar = c->w - 2 - KIND_W - NUM_W - RESET_W - 3, x = 3;
	enum draw_role role = ROLE_BAR;

	if (r->kind[0] == '\0') {
		draw_text(y, x, c->w - 4, ROLE_DIM, DRAW_RAW, "only 429s seen, no rate-limit figures");
		return;
	}
	draw_text(y, x, KIND_W, ROLE_NORMAL, DRAW_RAW, r->kind);
	x += KIND_W;
	if (r->limit > 0 && r->remaining >= 0) {
		if (r->remaining * 10 < r->limit)
			role = ROLE_ALERT;          /* under 10% left */
		else if (r->remaining * 4 < r->limit)
			role = ROLE_WARNING;        /* under 25% */
		draw_bar(y, x, bar, role, r->remaining < r->limit ? r->remaining : r->limit, r->limit);
	}
	x += bar + 1;
	snprintf(nums, sizeof(nums), "%s / %s",
	    r->remaining >= 0 ? view_fmt_tokens(r->remaining, a, sizeof(a)) : "?",
	    r->limit >= 0 ? view_fmt_tokens(r->limit, b, sizeof(b)) : "?");
	draw_text(y, x, NUM_W, role == ROLE_BAR ? ROLE_NORMAL : role, DRAW_RAW | DRAW_RIGHT, nums);
	x += NUM_W + 1;
	ratelimit_fmt_reset(r->reset_ms, c->now_ms, z, sizeof(z));
	snprintf(reset, sizeof(reset), r->reset_ms > c->now_ms ? "in %s" : "%s", z);
	draw_text(y, x, RESET_W, ROLE_DIM, DRAW_RAW, reset);
}

static void
limits_draw(struct console *c, void *st)
{
	struct limits *l = st;
	int y, line = 0, ty, th;
	size_t i;

	draw_fill(0, 0, c->w, ROLE_HEADER);
	draw_text(0, 0, c->w, ROLE_HEADER, DRAW_RAW,
	    " tokentop  Limits   rate-limit headroom per model and API key");
	draw_box(1, 0, c->h - 2, c->w, "Limits", 1);
	l->vis = c->h - 4;
	for (i = 0, l->lines = 0; i < l->n; i++)
		l->lines += group_start(l, i) ? 2 : 1;
	if (l->top > l->lines - l->vis)
		l->top = l->lines - l->vis;
	if (l->top < 0)
		l->top = 0;
	l->top = view_scroll_thumb(l->top, l->lines, l->vis, l->vis, &ty, &th);
	if (l->n == 0)
		draw_text(2, 2, c->w - 4, ROLE_DIM, DRAW_RAW, l->err[0] ? l->err :
		    "No rate-limit figures yet: they come from answers through tokentop proxy, "
		    "call and batch polling.");
	for (i = 0; i < l->n; i++) {
		if (group_start(l, i)) {
			y = 2 + line++ - l->top;
			if (y >= 2 && y < 2 + l->vis)
				draw_group(c, y, &l->rows[i]);
		}
		y = 2 + line++ - l->top;
		if (y >= 2 && y < 2 + l->vis)
			draw_kind(c, y, &l->rows[i]);
	}
	draw_scrollbar(2, c->w - 1, l->vis, l->top, l->lines, l->vis);
	console_keybar(c, limits_keys, NULL);
}

static enum console_act
limits_key(struct console *c, void *st, int key)
{
	struct limits *l = st;
	int page = l->vis > 1 ? l->vis - 1 : 1;

	(void)c;
	switch (console_lookup(limits_keys, key)) {
	case L_UP:    l->top--; return CA_REDRAW;
	case L_DOWN:  l->top++; return CA_REDRAW;
	case L_PGUP:  l->top -= page; return CA_REDRAW;
	case L_PGDN:  l->top += page; return CA_REDRAW;
	case L_HOME:  l->top = 0; return CA_REDRAW;
	case L_END:   l->top = l->lines; return CA_REDRAW;
	case L_CLOSE: return CA_BACK;
	}
	return CA_UNHANDLED;
}

const struct screen_ops screen_limits = {
	.name = "Limits",
	.keys = limits_keys,
	.create = limits_create,
	.destroy = limits_destroy,
	.rebuild = limits_rebuild,
	.draw = limits_draw,
	.key = limits_key,
	.resize = NULL,
	.mouse = NULL,
};
