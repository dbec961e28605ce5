/* screen_batches.c — every batch: a filtered list, a detail view (counts,
 * timing, cost, errored requests' messages) and the actions (launch,
 * cancel, save results) through the console's action seams. The cursor
 * follows a batch id, not a row number, and every action targets the batch
 * its prompt named (issue 11, defect 2); drawing is screen_batches_draw.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tui/screen_batches.h"
#include "core/provider.h"
#include "tui/pane_data.h"
#include "tui/screen_batches_int.h"

enum {
	B_UP = 1, B_DOWN, B_PGUP, B_PGDN, B_HOME, B_END, B_ENTER, B_BACK, B_FILTER, B_NEW,
	B_CANCEL, B_SAVE,
};

static const struct key_bind bat_keys[] = {
	{ K_UP,    B_UP,     NULL,     "previous batch / scroll errors" },
	{ 'k',     B_UP,     NULL,     "previous batch" },
	{ K_DOWN,  B_DOWN,   NULL,     "next batch / scroll errors" },
	{ 'j',     B_DOWN,   NULL,     "next batch" },
	{ K_PGUP,  B_PGUP,   NULL,     "page up" },
	{ K_PGDN,  B_PGDN,   NULL,     "page down" },
	{ K_HOME,  B_HOME,   NULL,     "first batch" },
	{ K_END,   B_END,    NULL,     "last batch" },
	{ K_ENTER, B_ENTER,  "detail", "the batch's counts, timing, cost and errors" },
	{ K_ESC,   B_BACK,   "back",   "back to the list (or the dashboard)" },
	{ '/',     B_FILTER, "filter", "filter batches by id, status, model or tag" },
	{ 'n',     B_NEW,    "new",    "launch a batch from a JSONL file (o: past a budget)" },
	{ 'c',     B_CANCEL, "cancel", "cancel the selected batch (asks first, naming it)" },
	{ 'w',     B_SAVE,   "save",   "save the batch's results to a file" },
	{ 0, 0, NULL, NULL },
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

static void
open_launch(struct batches *s)
{
	s->prompt = P_FILE;
	view_input_clear(&s->input);
	memset(&s->check, 0, sizeof(s->check));
	s->check_note[0] = '\0';
}

/* The cursor row of the batch sel_id (it moves with its batch when the
 * list changes); when that batch is gone, the row the cursor was on. */
static void
follow_selection(struct batches *s)
{
	size_t i;

	for (i = 0; i < s->nshown && s->sel_id[0] != '\0'; i++)
		if (strcmp(s->all[s->shown[i]].id, s->sel_id) == 0) {
			s->sel = (int)i;
			return;
		}
	if (s->sel >= (int)s->nshown)
		s->sel = s->nshown > 0 ? (int)s->nshown - 1 : 0;
	s->sel_id[0] = '\0';
	if ((size_t)s->sel < s->nshown)
		snprintf(s->sel_id, sizeof(s->sel_id), "%s", s->all[s->shown[s->sel]].id);
}

static int
read_list(struct console *c, struct batches *s, char *err, size_t errlen)
{
	size_t i;

	free(s->all);
	free(s->shown);
	s->all = NULL;
	s->shown = NULL;
	s->nall = s->nshown = 0;
	if (store_batch_list(c->st, c->pr, -1, &s->all, &s->nall, err, errlen) != 0)
		return -1;
	if ((s->shown = calloc(s->nall + 1, sizeof(*s->shown))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < s->nall; i++)
		if (matches(&s->all[i], s->filter.buf))
			s->shown[s->nshown++] = i;
	follow_selection(s);
	return 0;
}

static int
bat_rebuild(struct console *c, void *st)
{
	struct batches *s = st;
	char err[256];
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
		open_launch(s);
	}
	free_errors(s);
	s->have_detail = 0;
	if (read_list(c, s, err, sizeof(err)) != 0)
		goto fail;
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

static void
bat_draw(struct console *c, void *st)
{
	struct batches *s = st;

	draw_fill(0, 0, c->w, ROLE_HEADER);
	draw_text(0, 0, c->w, ROLE_HEADER, DRAW_RAW, " tokentop  Batches");
	if (s->mode == M_DETAIL)
		batches_draw_detail(c, s);
	else
		batches_draw_list(c, s);
	if (s->prompt == P_FILE || s->prompt == P_CONFIRM_SUBMIT)
		batches_draw_dialog(c, s);
	if (!batches_draw_prompt(c, s))
		console_keybar(c, bat_keys, NULL);
}

/* The batch the keys act on: the detail's, or the list's selection. */
static const struct batch_rec *
target(struct batches *s)
{
	size_t i;

	if (s->mode == M_DETAIL)
		return s->have_detail ? &s->detail : NULL;
	if ((size_t)s->sel >= s->nshown)
		return NULL;
	i = s->shown[s->sel];
	return strcmp(s->all[i].id, s->sel_id) == 0 ? &s->all[i] : NULL;
}

/* Name the batch a prompt will act on: its id is kept, so the action
 * reaches this batch whatever the list does meanwhile. */
static void
name_target(struct batches *s, const struct batch_rec *b)
{
	char n[32];

	snprintf(s->act_id, sizeof(s->act_id), "%s", b->id);
	snprintf(s->act_words, sizeof(s->act_words), "%s (%s%s%s%s requests)", b->id,
	    b->tag[0] ? "tag " : "", b->tag, b->tag[0] ? ", " : "",
	    view_fmt_count(b->requests, n, sizeof(n)));
}

/* y or o in the dialog: submit the file that was checked, unless it
 * changed since (then it is checked again and the user asked again). */
static enum console_act
submit(struct console *c, struct batches *s, int force)
{
	char err[256], id[USAGE_ID_MAX + 64];
	struct stat sb;
	int64_t mt;

	if (stat(s->input.buf, &sb) == 0) {
		mt = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
		if ((int64_t)sb.st_size != s->check.size || mt != s->check.mtime_ns) {
			c->act.batch_check(c, s->input.buf, provider_at(s->provider)->name, &s->check,
			    err, sizeof(err));
			snprintf(s->check_note, sizeof(s->check_note),
			    "the file changed since it was checked: checked again, nothing sent");
			return CA_REDRAW;
		}
	}
	if (c->act.batch_submit(c, s->input.buf, provider_at(s->provider)->name, force, id,
	    sizeof(id), err, sizeof(err)) != 0)
		console_status(c, ROLE_ALERT, "submit: %s", err);
	else
		console_status(c, ROLE_OK, "submitting %s", id);
	s->prompt = P_NONE;
	return CA_REBUILD;
}

static enum console_act
confirm_key(struct console *c, struct batches *s, int key)
{
	char err[256];

	if (s->prompt == P_CONFIRM_CANCEL) {
		if (key == 'y') {
			if (c->act.batch_cancel(c, s->act_id, err, sizeof(err)) != 0)
				console_status(c, ROLE_ALERT, "cancel: %s", err);
			else
				console_status(c, ROLE_OK, "canceling %s", s->act_id);
		}
		s->prompt = P_NONE;   /* y, n, Esc or anything else: the question is over */
		return CA_REBUILD;
	}
	if (key == K_ESC || key == 'n') {
		s->prompt = P_NONE;
		return CA_REBUILD;
	}
	if (key == 'p') {       /* the other provider: its format, checked again */
		s->provider = (s->provider + 1) % PROVIDER_COUNT;
		c->act.batch_check(c, s->input.buf, provider_at(s->provider)->name, &s->check, err,
		    sizeof(err));
		s->check_note[0] = '\0';
		return CA_REDRAW;
	}
	if (s->check.ok && batches_have_key(c, provider_at(s->provider)->name) &&
	    key == (s->check.over_budget ? 'o' : 'y'))
		return submit(c, s, s->check.over_budget);
	if (key == 'y' && s->check.ok && s->check.over_budget) {
		console_status(c, ROLE_WARNING, "over a budget: o submits it past the budget");
		return CA_REDRAW;
	}
	if (key == 'y')
		return CA_NONE;
	s->prompt = P_FILE;     /* edit the path again */
	return CA_UNHANDLED;
}

static enum console_act
prompt_done(struct console *c, struct batches *s)
{
	char err[256];

	switch (s->prompt) {
	case P_FILE:
		s->check_note[0] = '\0';
		c->act.batch_check(c, s->input.buf, provider_at(s->provider)->name, &s->check, err,
		    sizeof(err));
		s->prompt = P_CONFIRM_SUBMIT;
		return CA_REDRAW;
	case P_SAVE:
		s->prompt = P_NONE;
		if (c->act.batch_save(c, s->act_id, s->input.buf, err, sizeof(err)) != 0)
			console_status(c, ROLE_ALERT, "save: %s", err);
		else
			console_status(c, ROLE_OK, "saving the results of %s", s->act_id);
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
	struct view_input *in = s->prompt == P_FILTER ? &s->filter : &s->input;
	enum console_act a;

	if (s->prompt == P_CONFIRM_CANCEL || s->prompt == P_CONFIRM_SUBMIT) {
		if ((a = confirm_key(c, s, key)) != CA_UNHANDLED)
			return a;
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
	s->sel = view_move(s->sel, delta, (int)s->nshown);
	s->sel_id[0] = '\0';
	if ((size_t)s->sel < s->nshown)
		snprintf(s->sel_id, sizeof(s->sel_id), "%s", s->all[s->shown[s->sel]].id);
	return CA_REDRAW;
}

static enum console_act
action_key(struct console *c, struct batches *s, int cmd)
{
	const struct batch_rec *t = target(s);

	switch (cmd) {
	case B_NEW:
		if (c->act.batch_check == NULL || c->act.batch_submit == NULL)
			return unavailable(c, "launching a batch");
		open_launch(s);
		return CA_REDRAW;
	case B_CANCEL:
		if (c->act.batch_cancel == NULL)
			return unavailable(c, "canceling a batch");
		if (t == NULL)
			return CA_NONE;
		if (!batches_have_key(c, t->provider)) {
			console_status(c, ROLE_WARNING, "canceling needs an API key: set %s",
			    pane_batch_provider(t)->key_env);
			return CA_REDRAW;
		}
		name_target(s, t);
		s->prompt = P_CONFIRM_CANCEL;
		return CA_REDRAW;
	case B_SAVE:
		if (c->act.batch_save == NULL)
			return unavailable(c, "saving results");
		if (t == NULL)
			return CA_NONE;
		name_target(s, t);
		s->prompt = P_SAVE;
		snprintf(s->input.buf, sizeof(s->input.buf), "%.80s-results.jsonl", t->id);
		s->input.len = strlen(s->input.buf);
		return CA_REDRAW;
	}
	return CA_UNHANDLED;
}

static enum console_act
bat_key(struct console *c, void *st, int key)
{
	struct batches *s = st;
	const struct batch_rec *t = target(s);
	int page = c->h - 6, cmd;

	if (s->prompt != P_NONE)
		return prompt_key(c, s, key);
	switch ((cmd = console_lookup(bat_keys, key))) {
	case B_UP:     return move(s, -1);
	case B_DOWN:   return move(s, 1);
	case B_PGUP:   return move(s, -page);
	case B_PGDN:   return move(s, page);
	case B_HOME:   return move(s, -VIEW_MOVE_ALL);
	case B_END:    return move(s, VIEW_MOVE_ALL);
	case B_FILTER: s->prompt = P_FILTER; return CA_REDRAW;
	case B_ENTER:
		if (s->mode == M_DETAIL || t == NULL)
			return CA_NONE;
		snprintf(s->detail_id, sizeof(s->detail_id), "%s", t->id);
		s->mode = M_DETAIL;
		s->err_top = 0;
		return CA_REBUILD;
	case B_BACK:
		if (s->mode == M_LIST)
			return CA_BACK;
		s->mode = M_LIST;
		return CA_REBUILD;
	}
	return action_key(c, s, cmd);
}

/*
 * The mouse on the list: a click puts the cursor on the batch of that row
 * (by its id, as the keys do), a click on the batch under the cursor opens
 * it (Enter); the wheel moves the cursor, or scrolls a batch's errors.
 * Nothing while a prompt or the launch dialog is open: a click never
 * changes what a question names.
 */
static enum console_act
bat_mouse(struct console *c, void *st, const struct draw_mouse *m)
{
	struct batches *s = st;
	int k;

	if (s->prompt != P_NONE)
		return CA_NONE;
	if (m->kind != MOUSE_CLICK)
		return move(s, m->kind == MOUSE_WHEEL_UP ? -3 : 3);
	if (s->mode != M_LIST)
		return CA_NONE;
	k = s->top + m->y - BATCHES_LIST_Y;
	if (m->y < BATCHES_LIST_Y || m->y >= BATCHES_LIST_Y + batches_list_rows(c, s) ||
	    m->x < 1 || m->x >= c->w - 1 || k >= (int)s->nshown)
		return CA_NONE;
	if (k == s->sel)
		return bat_key(c, s, K_ENTER);
	return move(s, k - s->sel);
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
	.mouse = bat_mouse,
};
