/* screen_batches_draw.c — how the Batches screen looks: the list (each count
 * in its own right-aligned column, canceled and expired apart from errors),
 * the detail, the launch dialog and the prompts that name their batch. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/provider.h"
#include "tui/pane_data.h"
#include "tui/screen_batches_int.h"

int
batches_have_key(const struct console *c, const char *provider)
{
	const struct provider *pv = provider_by_name(provider);

	return pv != NULL && config_provider_key(&c->cli->cfg, (int)pv->id)[0] != '\0';
}

/* Any provider's key: the poller follows the batches of those that have one. */
static int
any_key(const struct console *c)
{
	int i;

	for (i = 0; i < PROVIDER_COUNT; i++)
		if (batches_have_key(c, provider_at(i)->name))
			return 1;
	return 0;
}

static const char *
dash(void)
{
	return draw_utf8() ? "—" : "-";
}

/* Column positions of the list for an inner width w starting at x. */
struct lcols {
	int id, idw, status, reqs, ok, err, cncl, exp, elapsed, est, cost, models, mw, end;
};

enum { W_STATUS = 11, W_REQS = 7, W_OK = 7, W_ERR = 5, W_CNCL = 5, W_EXP = 5, W_EL = 7,
	W_MONEY = 9 };

/* The canceled and expired columns show when wide, or when a batch shown
 * has such requests. */
static void
lcolumns(int x, int w, int cncl, int exp, struct lcols *c)
{
	int est = w >= 100, models = w >= 120, fixed;

	cncl = cncl || w >= 100;
	exp = exp || w >= 100;
	fixed = W_STATUS + W_REQS + W_OK + W_ERR + W_EL + W_MONEY + 6 + (cncl ? W_CNCL + 1 : 0) +
	    (exp ? W_EXP + 1 : 0) + (est ? W_MONEY + 1 : 0);
	c->idw = w - fixed - 1 - (models ? 24 : 0);
	if (c->idw > 40)          /* the provider's mark and an OpenAI id (38) */
		c->idw = 40;
	c->id = x;
	c->status = c->id + c->idw + 1;
	c->reqs = c->status + W_STATUS + 1;
	c->ok = c->reqs + W_REQS + 1;
	c->err = c->ok + W_OK + 1;
	c->cncl = cncl ? c->err + W_ERR + 1 : 0;
	c->exp = exp ? (cncl ? c->cncl + W_CNCL : c->err + W_ERR) + 1 : 0;
	c->elapsed = (exp ? c->exp + W_EXP : cncl ? c->cncl + W_CNCL : c->err + W_ERR) + 1;
	c->est = est ? c->elapsed + W_EL + 1 : 0;
	c->cost = (est ? c->est + W_MONEY : c->elapsed + W_EL) + 1;
	c->models = models ? c->cost + W_MONEY + 2 : 0;
	c->mw = models ? x + w - c->models : 0;
	c->end = x + w;
}

static void
list_head(int y, const struct lcols *c)
{
	const int f = DRAW_RAW | DRAW_RIGHT;

	draw_text(y, c->id + 2, c->idw - 2, ROLE_DIM, DRAW_RAW, "id");
	draw_text(y, c->status, W_STATUS, ROLE_DIM, DRAW_RAW, "status");
	draw_text(y, c->reqs, W_REQS, ROLE_DIM, f, "reqs");
	draw_text(y, c->ok, W_OK, ROLE_DIM, f, "ok");
	draw_text(y, c->err, W_ERR, ROLE_DIM, f, "err");
	if (c->cncl)
		draw_text(y, c->cncl, W_CNCL, ROLE_DIM, f, "cncl");
	if (c->exp)
		draw_text(y, c->exp, W_EXP, ROLE_DIM, f, "exp");
	draw_text(y, c->elapsed, W_EL, ROLE_DIM, f, "elapsed");
	if (c->est)
		draw_text(y, c->est, W_MONEY, ROLE_DIM, f, "est.");
	draw_text(y, c->cost, W_MONEY, ROLE_DIM, f, "cost");
	if (c->models)
		draw_text(y, c->models, c->mw, ROLE_DIM, DRAW_RAW, draw_utf8() ? "models · tag" :
		    "models / tag");
}

/* One count in its column; "—" while the API has not counted anything yet. */
static void
count_cell(int y, int x, int w, enum draw_role r, int64_t v, int shown)
{
	char a[32];

	draw_text(y, x, w, shown ? r : (r == ROLE_SELECTED ? r : ROLE_DIM), DRAW_RIGHT | DRAW_NUM,
	    shown ? view_fmt_count(v, a, sizeof(a)) : dash());
}

static void
list_row(struct console *c, int y, const struct lcols *k, const struct batch_rec *b,
         enum draw_role r)
{
	const struct batch_counts *n = &b->counts;
	int ended = pane_batch_ended(b);
	int counted = ended || pane_batch_done(n) > 0;
	char a[48], m[300];

	draw_fill(y, 1, c->w - 2, r);
	/* "A msgbatch_…", "O batch_…": whose batch it is */
	draw_text(y, k->id, 2, r == ROLE_NORMAL ? ROLE_DIM : r, DRAW_RAW,
	    pane_batch_provider(b)->mark);
	draw_text(y, k->id + 2, k->idw - 2, r, DRAW_MID, b->id);
	draw_text(y, k->status, W_STATUS, r, 0, pane_batch_state(b));
	draw_text(y, k->reqs, W_REQS, r, DRAW_RIGHT | DRAW_NUM,
	    view_fmt_count(b->requests, a, sizeof(a)));
	count_cell(y, k->ok, W_OK, r, n->succeeded, counted);
	count_cell(y, k->err, W_ERR, n->errored > 0 && r == ROLE_NORMAL ? ROLE_WARNING : r,
	    n->errored, counted);
	if (k->cncl)
		count_cell(y, k->cncl, W_CNCL, r, n->canceled, counted);
	if (k->exp)
		count_cell(y, k->exp, W_EXP, r, n->expired, counted);
	draw_text(y, k->elapsed, W_EL, r, DRAW_RIGHT | DRAW_NUM, view_fmt_elapsed((b->ended_ms > 0 ?
	    b->ended_ms : c->now_ms) - b->created_ms, a, sizeof(a)));
	if (k->est)
		draw_text(y, k->est, W_MONEY, r, DRAW_RIGHT | DRAW_NUM,
		    view_fmt_money(b->est_high_nanos, 0, a, sizeof(a)));
	if (b->ingested || b->actual_nanos > 0)
		draw_text(y, k->cost, W_MONEY, r == ROLE_NORMAL ? ROLE_MONEY : r,
		    DRAW_RIGHT | DRAW_NUM, view_fmt_money(b->actual_nanos, 0, a, sizeof(a)));
	else if (!k->est) {      /* no est. column: the estimate, marked as one */
		snprintf(m, sizeof(m), "%s%s", draw_utf8() ? "≤" : "<=",
		    view_fmt_money(b->est_high_nanos, 0, a, sizeof(a)));
		draw_text(y, k->cost, W_MONEY, r == ROLE_NORMAL ? ROLE_DIM : r,
		    DRAW_RIGHT | DRAW_NUM, m);
	} else
		draw_text(y, k->cost, W_MONEY, r, DRAW_RIGHT | DRAW_RAW, dash());
	if (k->models) {
		snprintf(m, sizeof(m), "%s%s%s", b->models, !b->tag[0] ? "" : draw_utf8() ? " · " :
		    " / ", b->tag);
		draw_text(y, k->models, k->mw, r, 0, m);
	}
}

/* Any batch still running that nobody here can follow? */
static int
unfollowed(const struct console *c, const struct batches *s)
{
	return pane_batches_unfollowed(s->all, s->nall, any_key(c));
}

int
batches_list_rows(const struct console *c, const struct batches *s)
{
	return c->h - 5 - (unfollowed(c, s) ? 1 : 0);
}

void
batches_draw_list(struct console *c, struct batches *s)
{
	char title[256];
	int vis = batches_list_rows(c, s), i, cncl = 0, exp = 0;
	struct lcols k;
	size_t n;

	snprintf(title, sizeof(title), "Batches %s %zu of %zu%s%s", draw_utf8() ? "·" : "-",
	    s->nshown, s->nall, s->filter.len ? "  filter: " : "", s->filter.buf);
	draw_box(1, 0, c->h - 2, c->w, title, 1);
	if (unfollowed(c, s))     /* say so where the batches are (defect 9) */
		draw_text(c->h - 3, 2, c->w - 4, ROLE_WARNING, DRAW_RAW, "running batches are not "
		    "followed: no API key (set ANTHROPIC_API_KEY; cancel and submit need it too)");
	for (n = 0; n < s->nshown; n++) {
		cncl |= s->all[s->shown[n]].counts.canceled > 0;
		exp |= s->all[s->shown[n]].counts.expired > 0;
	}
	lcolumns(2, c->w - 4, cncl, exp, &k);
	list_head(2, &k);
	if (s->sel < s->top)
		s->top = s->sel;
	if (s->sel >= s->top + vis)
		s->top = s->sel - vis + 1;
	for (i = 0; i < vis && (size_t)(s->top + i) < s->nshown; i++) {
		n = (size_t)(s->top + i);
		list_row(c, BATCHES_LIST_Y + i, &k, &s->all[s->shown[n]], (int)n == s->sel ? ROLE_SELECTED :
		    ROLE_NORMAL);
	}
	if (s->nshown == 0)
		draw_text(3, 2, c->w - 4, ROLE_DIM, DRAW_RAW, s->nall ? "no batch matches the filter" :
		    "no batches yet: press n to launch one");
}

static const char *
when(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0)
		return dash();
	localtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static void
detail_errors(struct console *c, struct batches *s, int y, int x, int w)
{
	int i, vis;
	size_t k;

	draw_fmt(y++, x, w, s->nerr ? ROLE_WARNING : ROLE_DIM, 0, "errored requests: %zu%s", s->nerr,
	    s->nerr == 200 ? " (first 200)" : "");
	vis = c->h - 2 - y;
	for (i = 0; i < vis && (size_t)(s->err_top + i) < s->nerr; i++) {
		k = (size_t)(s->err_top + i);
		draw_text(y, x, 24, ROLE_WARNING, DRAW_MID, s->err_ids[k]);
		draw_text(y++, x + 25, w - 25, ROLE_NORMAL, 0, s->err_msgs[k] ? s->err_msgs[k] : "");
	}
}

void
batches_draw_detail(struct console *c, struct batches *s)
{
	const struct batch_rec *b = &s->detail;
	char a[48], e[48], f[48], title[200];
	int y = 2, x = 2, w = c->w - 4;

	snprintf(title, sizeof(title), "Batch %s", s->detail_id);
	draw_box(1, 0, c->h - 2, c->w, title, 1);
	if (!s->have_detail) {
		draw_text(y, x, w, ROLE_WARNING, DRAW_RAW, "this batch is not in the ledger");
		return;
	}
	draw_fmt(y++, x, w, ROLE_NORMAL, 0, "status    %s%s%s   %s", pane_batch_state(b),
	    b->ingested ? "  (results ingested)" : "", !pane_batch_ended(b) &&
	    !batches_have_key(c, b->provider) ? "  (not followed: no API key)" : "",
	    pane_batch_provider(b)->label);
	if (b->errors[0] != '\0')      /* why it failed validation */
		draw_fmt(y++, x, w, ROLE_WARNING, 0, "errors    %s", b->errors);
	draw_fmt(y++, x, w, ROLE_NORMAL, 0, "requests  %lld   models %s   tag %s",
	    (long long)b->requests, b->models, b->tag[0] ? b->tag : "-");
	draw_fmt(y++, x, w, ROLE_NORMAL, 0,
	    "counts    succeeded %lld  errored %lld  canceled %lld  expired %lld  processing %lld",
	    (long long)b->counts.succeeded, (long long)b->counts.errored,
	    (long long)b->counts.canceled, (long long)b->counts.expired,
	    (long long)b->counts.processing);
	draw_fmt(y++, x, w, ROLE_NORMAL, 0, "created   %s", when(b->created_ms, a, sizeof(a)));
	draw_fmt(y++, x, w, ROLE_NORMAL, 0, "expires   %s", when(b->expires_ms, a, sizeof(a)));
	draw_fmt(y++, x, w, ROLE_NORMAL, 0, "ended     %s   elapsed %s of the 24h window",
	    when(b->ended_ms, a, sizeof(a)), view_fmt_elapsed((b->ended_ms > 0 ? b->ended_ms :
	    c->now_ms) - b->created_ms, e, sizeof(e)));
	draw_fmt(y++, x, w, ROLE_MONEY, 0, "cost      estimated %s %s %s   actual %s",
	    view_fmt_money(b->est_low_nanos, 0, a, sizeof(a)), draw_utf8() ? "–" : "-",
	    view_fmt_money(b->est_high_nanos, 0, e, sizeof(e)), b->ingested ?
	    view_fmt_money(b->actual_nanos, 0, f, sizeof(f)) : "not yet");
	draw_text(y, x, 10, ROLE_NORMAL, DRAW_RAW, "input");
	draw_text(y++, x + 10, w - 10, ROLE_NORMAL, 0, b->input_file[0] ? b->input_file : "-");
	draw_text(y, x, 10, ROLE_NORMAL, DRAW_RAW, "results");
	draw_text(y++, x + 10, w - 10, ROLE_NORMAL, 0, b->results_file[0] ? b->results_file : "-");
	detail_errors(c, s, y + 1, x, w);
}

/* The dialog's last line: what Enter, y, o and Esc do now. */
static void
dialog_keys(struct console *c, struct batches *s, int y, int x, int w)
{
	if (s->prompt == P_FILE)
		draw_text(y, x + 2, w - 4, ROLE_DIM, DRAW_RAW, "Enter: check the file   Esc: close");
	else if (s->check.ok && !batches_have_key(c, provider_at(s->provider)->name))
		draw_fmt(y, x + 2, w - 4, ROLE_WARNING, DRAW_RAW,
		    "no API key: set %s to submit   p: provider   Esc: close",
		    provider_at(s->provider)->key_env);
	else if (s->check.ok && s->check.over_budget)
		draw_text(y, x + w - 44, 42, ROLE_ALERT, DRAW_RAW,
		    "[ o Submit past the budget ]  [ Esc Cancel ]");
	else if (s->check.ok)
		draw_text(y, x + w - 30, 28, ROLE_KEY, DRAW_RAW, "[ y Submit ]  [ Esc Cancel ]");
	else
		draw_text(y, x + 2, w - 4, ROLE_DIM, DRAW_RAW,
		    "fix the file, then Enter to check again   Esc: close");
}

/* The launch dialog, over whatever is below. */
void
batches_draw_dialog(struct console *c, struct batches *s)
{
	int w = c->w - 10 > 80 ? 80 : c->w - 10, h = 13, y = (c->h - h) / 2, x = (c->w - w) / 2;
	const struct provider *pv = provider_at(s->provider);
	int i, line = 0, key = batches_have_key(c, pv->name);
	const char *p, *nl;
	char buf[512];

	for (i = 0; i < h; i++)
		draw_fill(y + i, x, w, ROLE_NORMAL);
	draw_box(y, x, h, w, "New batch", 1);
	draw_text(y + 1, x + 2, 7, ROLE_DIM, DRAW_RAW, "File");
	draw_text(y + 1, x + 9, w - 11, ROLE_NORMAL, 0, s->input.buf);
	/* the provider: its format checks the file, its key submits it */
	draw_text(y + 2, x + 2, 7, ROLE_DIM, DRAW_RAW, "To");
	draw_fmt(y + 2, x + 9, w - 11, ROLE_NORMAL, DRAW_RAW, "%s%s", pv->label,
	    s->prompt == P_FILE ? "" : "   (p: the other provider)");
	if (!key)
		draw_fmt(y + 3, x + 2, w - 4, ROLE_WARNING, DRAW_RAW, "no API key (%s): the file "
		    "can be checked, not submitted", pv->key_env);
	for (p = s->check.text; *p != '\0' && line < h - 6 - !key; line++, p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		snprintf(buf, sizeof(buf), "%.*s", (int)(nl - p), p);
		/* the budget's line in the alert role, the rest by the check */
		draw_text(y + 3 + !key + line, x + 2, w - 4, !s->check.ok ? ROLE_WARNING :
		    s->check.over_budget && strstr(buf, "budget") != NULL ? ROLE_ALERT : ROLE_OK, 0,
		    buf);
	}
	if (s->check_note[0] != '\0')
		draw_text(y + h - 3, x + 2, w - 4, ROLE_WARNING, DRAW_RAW, s->check_note);
	dialog_keys(c, s, y + h - 2, x, w);
}

int
batches_draw_prompt(struct console *c, struct batches *s)
{
	const char *what;
	int x, y = c->h - 1;

	if (s->prompt != P_FILTER && s->prompt != P_SAVE && s->prompt != P_CONFIRM_CANCEL)
		return 0;
	what = s->prompt == P_FILTER ? "Filter" : s->prompt == P_SAVE ? "Save the results of" :
	    "Cancel";
	draw_fill(y, 0, c->w, ROLE_NORMAL);
	x = draw_text(y, 0, c->w, s->prompt == P_CONFIRM_CANCEL ? ROLE_ALERT : ROLE_KEY, DRAW_RAW,
	    what);
	x += draw_text(y, x, 1, ROLE_NORMAL, DRAW_RAW, " ");
	if (s->prompt == P_CONFIRM_CANCEL) {
		/* the batch by name: the one `y` cancels, whatever the list does */
		x += draw_text(y, x, c->w - x - 8, ROLE_NORMAL, 0, s->act_words);
		draw_text(y, x, c->w - x, ROLE_KEY, DRAW_RAW, "? y/n");
		return 1;
	}
	if (s->prompt == P_SAVE) {
		x += draw_text(y, x, c->w / 2, ROLE_NORMAL, DRAW_MID, s->act_id);
		x += draw_text(y, x, c->w - x, ROLE_KEY, DRAW_RAW, " to ");
	}
	x += draw_text(y, x, c->w - x - 1, ROLE_NORMAL, 0, s->prompt == P_FILTER ? s->filter.buf :
	    s->input.buf);
	draw_text(y, x, 1, ROLE_SELECTED, DRAW_RAW, " ");
	return 1;
}
