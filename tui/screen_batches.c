/* screen_batches.c — every batch: a filtered list, a detail view (counts,
 * timing, cost, errored requests' messages) and the actions (launch,
 * cancel, save results) through the console's action seams. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/num.h"
#include "tui/console.h"
#include "tui/screen_batches.h"
#include "tui/view.h"

enum {
	B_UP = 1, B_DOWN, B_PGUP, B_PGDN, B_ENTER, B_BACK, B_FILTER, B_NEW, B_CANCEL, B_SAVE,
};

static const struct key_bind bat_keys[] = {
	{ K_UP,    B_UP,     NULL,     "previous batch / scroll errors" },
	{ K_DOWN,  B_DOWN,   NULL,     "next batch / scroll errors" },
	{ K_PGUP,  B_PGUP,   NULL,     "page up" },
	{ K_PGDN,  B_PGDN,   NULL,     "page down" },
	{ K_ENTER, B_ENTER,  "detail", "the batch's counts, timing, cost and errors" },
	{ K_ESC,   B_BACK,   "back",   "back to the list (or the dashboard)" },
	{ '/',     B_FILTER, "filter", "filter batches by id, status, model or tag" },
	{ 'n',     B_NEW,    "new",    "launch a batch from a JSONL file" },
	{ 'c',     B_CANCEL, "cancel", "cancel the selected batch (asks first)" },
	{ 'w',     B_SAVE,   "save",   "save the batch's results to a file" },
	{ 0, 0, NULL, NULL },
};

enum mode { M_LIST, M_DETAIL };
enum prompt { P_NONE, P_FILTER, P_FILE, P_CONFIRM_SUBMIT, P_CONFIRM_CANCEL, P_SAVE };

struct batches {
	enum mode          mode;
	enum prompt        prompt;
	struct view_input  input, filter;
	struct batch_rec  *all;
	size_t             nall;
	size_t            *shown;          /* indexes into all, filtered */
	size_t             nshown;
	int                sel, top, err_top;
	char               detail_id[USAGE_ID_MAX];
	struct batch_rec   detail;
	int                have_detail;
	char             **err_ids, **err_msgs;
	size_t             nerr;
	char               check[2048];    /* the launch dialog's validation text */
	int                check_ok;
};

static char pending_detail[USAGE_ID_MAX];
static int pending_launch;

void
batches_open_detail(struct console *c, const char *id)
{
	snprintf(pending_detail, sizeof(pending_detail), "%s", id);
	c->built[SCR_BATCHES] = 0;     /* the next visit rebuilds */
}

void
batches_open_launch(struct console *c)
{
	pending_launch = 1;
	c->built[SCR_BATCHES] = 0;
}

static void *
bat_create(struct console *c)
{
	(void)c;
	return calloc(1, sizeof(struct batches));
}

static void
free_errors(struct batches *s)
{
	size_t i;

	for (i = 0; i < s->nerr; i++) {
		free(s->err_ids[i]);
		free(s->err_msgs[i]);
	}
	free(s->err_ids);
	free(s->err_msgs);
	s->err_ids = s->err_msgs = NULL;
	s->nerr = 0;
}

static void
bat_destroy(void *st)
{
	struct batches *s = st;

	if (s == NULL)
		return;
	free(s->all);
	free(s->shown);
	free_errors(s);
	free(s);
}

static int
matches(const struct batch_rec *b, const char *needle)
{
	return view_match(b->id, needle) || view_match(b->status, needle) ||
	    view_match(b->models, needle) || view_match(b->tag, needle);
}

static enum console_act
unavailable(struct console *c, const char *what)
{
	console_status(c, ROLE_WARNING, "%s needs the batch client, which is not in this build", what);
	return CA_REDRAW;
}

static int
bat_rebuild(struct console *c, void *st)
{
	struct batches *s = st;
	char err[256];
	size_t i;
	int found = 0;

	if (pending_detail[0] != '\0') {
		snprintf(s->detail_id, sizeof(s->detail_id), "%s", pending_detail);
		pending_detail[0] = '\0';
		s->mode = M_DETAIL;
		s->err_top = 0;
	}
	if (pending_launch && (c->act.batch_check == NULL || c->act.batch_submit == NULL)) {
		pending_launch = 0;
		unavailable(c, "launching a batch");
	}
	if (pending_launch) {
		pending_launch = 0;
		s->prompt = P_FILE;
		view_input_clear(&s->input);
		s->check[0] = '\0';
	}
	free(s->all);
	free(s->shown);
	s->all = NULL;
	s->shown = NULL;
	s->nall = s->nshown = 0;
	free_errors(s);
	s->have_detail = 0;
	if (store_batch_list(c->st, c->pr, -1, &s->all, &s->nall, err, sizeof(err)) != 0)
		goto fail;
	if ((s->shown = calloc(s->nall + 1, sizeof(*s->shown))) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	for (i = 0; i < s->nall; i++)
		if (matches(&s->all[i], s->filter.buf))
			s->shown[s->nshown++] = i;
	if (s->sel >= (int)s->nshown)
		s->sel = s->nshown > 0 ? (int)s->nshown - 1 : 0;
	if (s->mode != M_DETAIL)
		return 0;
	if (store_batch_get(c->st, c->pr, s->detail_id, &s->detail, &found, err, sizeof(err)) != 0)
		goto fail;
	s->have_detail = found;
	if (found && store_batch_errors(c->st, s->detail_id, 200, &s->err_ids, &s->err_msgs,
	    &s->nerr, err, sizeof(err)) != 0)
		goto fail;
	return 0;
fail:
	console_status(c, ROLE_ALERT, "batches: %s", err);
	return -1;
}

static const char *
when(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0)
		return draw_utf8() ? "—" : "-";
	localtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static void
draw_list(struct console *c, struct batches *s)
{
	const struct batch_rec *b;
	char title[128], a[32], e[32], m[32], el[16];
	int vis = c->h - 5, i, y, idw = c->w >= 120 ? 36 : c->w - 64, x;
	enum draw_role r;
	size_t k;

	snprintf(title, sizeof(title), "Batches %s %zu of %zu%s%s", draw_utf8() ? "·" : "-",
	    s->nshown, s->nall, s->filter.len ? "  filter: " : "", s->filter.buf);
	draw_box(1, 0, c->h - 2, c->w, title, 1);
	draw_fmt(2, 2, c->w - 4, ROLE_DIM, 0, "%-*s %-11s %7s %11s %6s %9s %9s", idw, "id",
	    "status", "reqs", "ok/err", "elapsed", "est.", "cost");
	draw_text(2, 2 + idw + 1 + 60, c->w - (2 + idw + 1 + 60) - 2, ROLE_DIM, DRAW_RAW, "models");
	if (s->sel < s->top)
		s->top = s->sel;
	if (s->sel >= s->top + vis)
		s->top = s->sel - vis + 1;
	for (i = 0; i < vis && (size_t)(s->top + i) < s->nshown; i++) {
		k = (size_t)(s->top + i);
		b = &s->all[s->shown[k]];
		y = 3 + i;
		r = (int)k == s->sel ? ROLE_SELECTED : ROLE_NORMAL;
		draw_fill(y, 1, c->w - 2, r);
		draw_text(y, 2, idw, r, DRAW_MID, b->id);
		x = 2 + idw + 1;
		draw_text(y, x, 11, r, 0, b->status);
		draw_text(y, x + 12, 7, r, DRAW_RIGHT | DRAW_NUM,
		    view_fmt_count(b->requests, a, sizeof(a)));
		draw_fmt(y, x + 20, 11, b->counts.errored > 0 && r == ROLE_NORMAL ? ROLE_WARNING : r,
		    DRAW_RIGHT | DRAW_NUM, "%lld/%lld", (long long)b->counts.succeeded,
		    (long long)num_sat_add(b->counts.errored, num_sat_add(b->counts.expired,
		    b->counts.canceled)));
		draw_text(y, x + 32, 6, r, DRAW_RIGHT | DRAW_NUM, view_fmt_elapsed((b->ended_ms > 0 ?
		    b->ended_ms : c->now_ms) - b->created_ms, el, sizeof(el)));
		draw_text(y, x + 39, 9, r, DRAW_RIGHT | DRAW_NUM,
		    view_fmt_money(b->est_high_nanos, 0, e, sizeof(e)));
		draw_text(y, x + 49, 9, r, DRAW_RIGHT | DRAW_NUM, b->ingested ?
		    view_fmt_money(b->actual_nanos, 0, m, sizeof(m)) : (draw_utf8() ? "—" : "-"));
		draw_text(y, x + 60, c->w - x - 62, r, 0, b->models);
	}
	if (s->nshown == 0)
		draw_text(3, 2, c->w - 4, ROLE_DIM, DRAW_RAW, s->nall ? "no batch matches the filter" :
		    "no batches yet: press n to launch one");
}

static void
draw_detail(struct console *c, struct batches *s)
{
	const struct batch_rec *b = &s->detail;
	char a[48], e[48], f[48], title[200];
	int y = 2, x = 2, w = c->w - 4, i, vis;
	size_t k;

	snprintf(title, sizeof(title), "Batch %s", s->detail_id);
	draw_box(1, 0, c->h - 2, c->w, title, 1);
	if (!s->have_detail) {
		draw_text(y, x, w, ROLE_WARNING, DRAW_RAW, "this batch is not in the ledger");
		return;
	}
	draw_fmt(y++, x, w, ROLE_NORMAL, 0, "status    %s%s", b->status,
	    b->ingested ? "  (results ingested)" : "");
	draw_fmt(y++, x, w, ROLE_NORMAL, 0, "requests  %lld   models %s   tag %s",
	    (long long)b->requests, b->models, b->tag[0] ? b->tag : "-");
	draw_fmt(y++, x, w, ROLE_NORMAL, 0,
	    "counts    succeeded %lld  errored %lld  canceled %lld  expired %lld  processing %lld",
	    (long long)b->counts.succeeded, (long long)b->counts.errored,
	    (long long)b->counts.canceled, (long long)b->counts.expired,
	    (long long)b->counts.processing);
	draw_fmt(y++, x, w, ROLE_NORMAL, 0, "created   %s", when(b->created_ms, a, sizeof(a)));
	draw_fmt(y++, x, w, ROLE_NORMAL, 0, "expires   %s", when(b->expires_ms, a, sizeof(a)));
	draw_fmt(y++, x, w, ROLE_NORMAL, 0, "ended     %s   elapsed %s", when(b->ended_ms, a,
	    sizeof(a)), view_fmt_elapsed((b->ended_ms > 0 ? b->ended_ms : c->now_ms) -
	    b->created_ms, e, sizeof(e)));
	draw_fmt(y++, x, w, ROLE_MONEY, 0, "cost      estimated %s %s %s   actual %s",
	    view_fmt_money(b->est_low_nanos, 0, a, sizeof(a)), draw_utf8() ? "–" : "-",
	    view_fmt_money(b->est_high_nanos, 0, e, sizeof(e)), b->ingested ?
	    view_fmt_money(b->actual_nanos, 0, f, sizeof(f)) : "not yet");
	draw_text(y, x, 10, ROLE_NORMAL, DRAW_RAW, "input");
	draw_text(y++, x + 10, w - 10, ROLE_NORMAL, 0, b->input_file[0] ? b->input_file : "-");
	draw_text(y, x, 10, ROLE_NORMAL, DRAW_RAW, "results");
	draw_text(y++, x + 10, w - 10, ROLE_NORMAL, 0, b->results_file[0] ? b->results_file : "-");
	y++;
	draw_fmt(y++, x, w, s->nerr ? ROLE_WARNING : ROLE_DIM, 0, "errored requests: %zu%s", s->nerr,
	    s->nerr == 200 ? " (first 200)" : "");
	vis = c->h - 2 - y;
	for (i = 0; i < vis && (size_t)(s->err_top + i) < s->nerr; i++) {
		k = (size_t)(s->err_top + i);
		draw_text(y, x, 24, ROLE_WARNING, DRAW_MID, s->err_ids[k]);
		draw_text(y++, x + 25, w - 25, ROLE_NORMAL, 0, s->err_msgs[k] ? s->err_msgs[k] : "");
	}
}

/* The launch dialog, over whatever is below. */
static void
draw_dialog(struct console *c, struct batches *s)
{
	int w = c->w - 10 > 80 ? 80 : c->w - 10, h = 12, y = (c->h - h) / 2, x = (c->w - w) / 2;
	int i, line = 0;
	const char *p, *nl;
	char buf[256];

	for (i = 0; i < h; i++)
		draw_fill(y + i, x, w, ROLE_NORMAL);
	draw_box(y, x, h, w, "New batch", 1);
	draw_text(y + 1, x + 2, 7, ROLE_DIM, DRAW_RAW, "File");
	draw_text(y + 1, x + 9, w - 11, ROLE_NORMAL, 0, s->input.buf);
	for (p = s->check; *p != '\0' && line < h - 5; line++, p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		snprintf(buf, sizeof(buf), "%.*s", (int)(nl - p), p);
		draw_text(y + 3 + line, x + 2, w - 4, s->check_ok ? ROLE_OK : ROLE_WARNING, 0, buf);
	}
	if (s->prompt == P_FILE)
		draw_text(y + h - 2, x + 2, w - 4, ROLE_DIM, DRAW_RAW,
		    "Enter: check the file   Esc: close");
	else if (s->check_ok)
		draw_text(y + h - 2, x + w - 30, 28, ROLE_KEY, DRAW_RAW, "[ y Submit ]  [ Esc Cancel ]");
	else
		draw_text(y + h - 2, x + 2, w - 4, ROLE_DIM, DRAW_RAW,
		    "fix the file, then Enter to check again   Esc: close");
}

static void
bat_draw(struct console *c, void *st)
{
	struct batches *s = st;
	int x;

	draw_fill(0, 0, c->w, ROLE_HEADER);
	draw_text(0, 0, c->w, ROLE_HEADER, DRAW_RAW, " tokentop  Batches");
	if (s->mode == M_DETAIL)
		draw_detail(c, s);
	else
		draw_list(c, s);
	if (s->prompt == P_FILE || s->prompt == P_CONFIRM_SUBMIT)
		draw_dialog(c, s);
	if (s->prompt == P_FILTER || s->prompt == P_SAVE || s->prompt == P_CONFIRM_CANCEL) {
		draw_fill(c->h - 1, 0, c->w, ROLE_NORMAL);
		x = draw_text(c->h - 1, 0, c->w, ROLE_KEY, DRAW_RAW, s->prompt == P_FILTER ? "Filter" :
		    s->prompt == P_SAVE ? "Save results to" : "Cancel this batch? y/n");
		x += draw_text(c->h - 1, x, 1, ROLE_NORMAL, DRAW_RAW, " ");
		if (s->prompt != P_CONFIRM_CANCEL)
			draw_text(c->h - 1, x, c->w - x, ROLE_NORMAL, 0, s->prompt == P_FILTER ?
			    s->filter.buf : s->input.buf);
		return;
	}
	console_keybar(c, bat_keys, NULL);
}

/* The batch the keys act on: the detail's, or the list's selection. */
static const char *
target(struct batches *s)
{
	if (s->mode == M_DETAIL)
		return s->detail_id;
	if ((size_t)s->sel < s->nshown)
		return s->all[s->shown[s->sel]].id;
	return NULL;
}

static enum console_act
prompt_done(struct console *c, struct batches *s)
{
	char err[256];
	const char *t = target(s);

	switch (s->prompt) {
	case P_FILE:
		s->check[0] = '\0';
		s->check_ok = c->act.batch_check(c, s->input.buf, s->check, sizeof(s->check), err,
		    sizeof(err)) == 0;
		if (!s->check_ok && s->check[0] == '\0')
			snprintf(s->check, sizeof(s->check), "%s", err);
		s->prompt = P_CONFIRM_SUBMIT;
		return CA_REDRAW;
	case P_SAVE:
		s->prompt = P_NONE;
		if (t == NULL)
			return CA_REDRAW;
		if (c->act.batch_save(c, t, s->input.buf, err, sizeof(err)) != 0)
			console_status(c, ROLE_ALERT, "save: %s", err);
		else
			console_status(c, ROLE_OK, "saved the results of %s to %s", t, s->input.buf);
		return CA_REBUILD;
	case P_FILTER:
		s->prompt = P_NONE;
		return CA_REBUILD;
	default:
		break;
	}
	return CA_REDRAW;
}

static enum console_act
prompt_key(struct console *c, struct batches *s, int key)
{
	char err[256], id[USAGE_ID_MAX];
	struct view_input *in = s->prompt == P_FILTER ? &s->filter : &s->input;
	const char *t = target(s);

	if (s->prompt == P_CONFIRM_CANCEL || s->prompt == P_CONFIRM_SUBMIT) {
		if (s->prompt == P_CONFIRM_SUBMIT && key != 'y' && key != K_ESC && key != 'n') {
			s->prompt = P_FILE;     /* edit the path again */
			return prompt_key(c, s, key);
		}
		if (key == 'y' && s->prompt == P_CONFIRM_CANCEL && t != NULL) {
			if (c->act.batch_cancel(c, t, err, sizeof(err)) != 0)
				console_status(c, ROLE_ALERT, "cancel: %s", err);
			else
				console_status(c, ROLE_OK, "cancel requested for %s", t);
		} else if (key == 'y' && s->check_ok) {
			if (c->act.batch_submit(c, s->input.buf, id, sizeof(id), err, sizeof(err)) != 0)
				console_status(c, ROLE_ALERT, "submit: %s", err);
			else
				console_status(c, ROLE_OK, "submitted %s", id);
		} else if (key == 'y')
			return CA_NONE;
		s->prompt = P_NONE;
		return CA_REBUILD;
	}
	if (key == K_ENTER)
		return prompt_done(c, s);
	if (key == K_ESC) {
		if (s->prompt == P_FILTER)
			view_input_clear(&s->filter);
		s->prompt = P_NONE;
		return CA_REBUILD;
	}
	if (key == 0x15)                        /* ^U: clear the line */
		view_input_clear(in);
	else if (key == K_BACKSPACE)
		view_input_backspace(in);
	else if (key > 0 && key < 0x110000)
		view_input_add(in, (uint32_t)key);
	return s->prompt == P_FILTER ? CA_REBUILD : CA_REDRAW;
}

static enum console_act
move(struct batches *s, int delta)
{
	if (s->mode == M_DETAIL) {
		s->err_top += delta;
		if (s->err_top > (int)s->nerr - 1)
			s->err_top = (int)s->nerr - 1;
		if (s->err_top < 0)
			s->err_top = 0;
		return CA_REDRAW;
	}
	s->sel += delta;
	if (s->sel >= (int)s->nshown)
		s->sel = (int)s->nshown - 1;
	if (s->sel < 0)
		s->sel = 0;
	return CA_REDRAW;
}

static enum console_act
bat_key(struct console *c, void *st, int key)
{
	struct batches *s = st;
	const char *t = target(s);

	if (s->prompt != P_NONE)
		return prompt_key(c, s, key);
	switch (console_lookup(bat_keys, key)) {
	case B_UP:     return move(s, -1);
	case B_DOWN:   return move(s, 1);
	case B_PGUP:   return move(s, -(c->h - 6));
	case B_PGDN:   return move(s, c->h - 6);
	case B_FILTER: s->prompt = P_FILTER; return CA_REDRAW;
	case B_ENTER:
		if (s->mode == M_DETAIL || t == NULL)
			return CA_NONE;
		snprintf(s->detail_id, sizeof(s->detail_id), "%s", t);
		s->mode = M_DETAIL;
		s->err_top = 0;
		return CA_REBUILD;
	case B_BACK:
		if (s->mode == M_LIST)
			return CA_BACK;
		s->mode = M_LIST;
		return CA_REBUILD;
	case B_NEW:
		if (c->act.batch_check == NULL || c->act.batch_submit == NULL)
			return unavailable(c, "launching a batch");
		s->prompt = P_FILE;
		view_input_clear(&s->input);
		s->check[0] = '\0';
		return CA_REDRAW;
	case B_CANCEL:
		if (c->act.batch_cancel == NULL)
			return unavailable(c, "canceling a batch");
		if (t != NULL)
			s->prompt = P_CONFIRM_CANCEL;
		return CA_REDRAW;
	case B_SAVE:
		if (c->act.batch_save == NULL)
			return unavailable(c, "saving results");
		if (t == NULL)
			return CA_NONE;
		s->prompt = P_SAVE;
		snprintf(s->input.buf, sizeof(s->input.buf), "%.80s-results.jsonl", t);
		s->input.len = strlen(s->input.buf);
		return CA_REDRAW;
	}
	return CA_UNHANDLED;
}

const struct screen_ops screen_batches = {
	.name = "Batches",
	.keys = bat_keys,
	.create = bat_create,
	.destroy = bat_destroy,
	.rebuild = bat_rebuild,
	.draw = bat_draw,
	.key = bat_key,
	.resize = NULL,
};
