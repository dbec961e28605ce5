/* console.c — the console's loop: one thread waits on the keyboard and a
 * timer (and, once the API client is wired, the network: see wait_input),
 * follows the ledger through store_data_version, and redraws only when
 * something changed. Signals only set flags. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/text.h"
#include "data/spool.h"
#include "tui/console.h"
#include "tui/console_org.h"
#include "tui/screen_actions.h"
#include "tui/screen_jobs.h"
#include "tui/screen_poller.h"
#include "tui/view.h"

#define TICK_MS        250    /* longest wait: keys are read at once anyway */
#define CHECK_MS       1000   /* the ledger follow */
#define STATUS_MS      6000   /* how long a status message stays */

enum { G_HELP = 1, G_QUIT, G_REPORTS, G_BATCHES, G_CALL, G_DASHBOARD, G_SETUP, G_LIMITS, G_HOSTS };

static const struct key_bind global_keys[] = {
	{ K_F1,  G_HELP,      "Help",    "help: every key of every screen" },
	{ '?',   G_HELP,      NULL,      "help" },
	{ K_F2,  G_REPORTS,   "Reports", "reports: history by day/week/month, export" },
	{ K_F3,  G_BATCHES,   "Batches", "batches: list, detail, launch, cancel" },
	{ K_F4,  G_CALL,      "Call",    "call: send one prompt" },
	{ K_F5,  G_DASHBOARD, NULL,      "dashboard" },
	{ 'S',   G_SETUP,     NULL,      "setup: panes, columns, mouse (remembered)" },
	{ 'L',   G_LIMITS,    NULL,      "limits: rate-limit headroom per model and API key" },
	{ 'h',   G_HOSTS,     NULL,      "hosts: today per host, live/stale; Enter filters" },
	{ K_F10, G_QUIT,      NULL,      "quit" },
	{ 'q',   G_QUIT,      "quit",    "quit (asks first while a job is in flight)" },
	{ 0x15,  0,           NULL,      "in a prompt (filter, file, range): clear the line" },
	{ 0, 0, NULL, NULL },
};

static volatile sig_atomic_t got_quit;

static void
on_quit_signal(int sig)
{
	(void)sig;
	got_quit = 1;
}

const struct key_bind *
console_global_keys(void)
{
	return global_keys;
}

const struct screen_ops *
console_screen(enum screen_id id)
{
	static const struct screen_ops *const all[SCR_COUNT] = {
		&screen_dashboard, &screen_reports, &screen_batches, &screen_call, &screen_help,
		&screen_setup, &screen_limits, &screen_hosts,
	};

	return id < SCR_COUNT ? all[id] : NULL;
}

int
console_lookup(const struct key_bind *keys, int key)
{
	for (; keys != NULL && keys->key != 0; keys++)
		if (keys->key == key)
			return keys->cmd;
	return -1;
}

void
console_status(struct console *c, enum draw_role role, const char *fmt, ...)
{
	char raw[sizeof(c->status)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* a status may quote a server's message or a path: sanitised once here,
	 * so its width is measured on what is drawn */
	text_sanitize(raw, c->status, sizeof(c->status), 0);
	c->status_role = role;
	c->status_until_ms = c->now_ms + STATUS_MS;
}

/* The global keys where letters are text: by their function keys. */
static const struct key_bind typing_keys[] = {
	{ K_F10, G_QUIT,      "quit",    NULL },
	{ K_F1,  G_HELP,      "Help",    NULL },
	{ K_F2,  G_REPORTS,   "Reports", NULL },
	{ K_F3,  G_BATCHES,   "Batches", NULL },
	{ 0, 0, NULL, NULL },
};

/* The keys of two tables, left to right, up to column end. */
static void
keys_draw(struct console *c, const struct key_bind *const tabs[2], int end)
{
	char name[16];
	int x = 0, y = c->h - 1, t, n;
	const struct key_bind *k;

	for (t = 0; t < 2; t++)
		for (k = tabs[t]; k != NULL && k->key != 0; k++) {
			if (k->bar == NULL)
				continue;
			draw_key_name(k->key, name, sizeof(name));
			n = view_width(name) + 1 + view_width(k->bar) + 1;
			if (x + n > end)
				return;
			if (c->nbar < (int)(sizeof(c->bar) / sizeof(c->bar[0]))) {
				c->bar[c->nbar].x0 = x;       /* a click here presses the key */
				c->bar[c->nbar].x1 = x + n;
				c->bar[c->nbar++].key = k->key;
			}
			x += draw_text(y, x, c->w - x, ROLE_KEY, DRAW_RAW, name);
			x += draw_text(y, x, c->w - x, ROLE_NORMAL, DRAW_RAW, " ");
			x += draw_text(y, x, c->w - x, ROLE_NORMAL, DRAW_RAW, k->bar);
			x += draw_text(y, x, c->w - x, ROLE_NORMAL, DRAW_RAW, " ");
		}
}

static int
keys_width(const struct key_bind *const tabs[2])
{
	char name[16];
	const struct key_bind *k;
	int t, n = 0;

	for (t = 0; t < 2; t++)
		for (k = tabs[t]; k != NULL && k->key != 0; k++)
			if (k->bar != NULL)
				n += view_width(draw_key_name(k->key, name, sizeof(name))) +
				    view_width(k->bar) + 2;
	return n;
}

/* A status message too long for the key bar: its own lines above it,
 * wrapped, whole (at most three). */
static void
status_lines(struct console *c)
{
	const char *p = c->status, *lines[3];
	size_t lens[3];
	int n = 0, i;

	while (*p != '\0' && n < 3) {
		lens[n] = view_wrap(p, c->w - 2);
		lines[n++] = p;
		p += lens[n - 1];
		while (*p == ' ')
			p++;
	}
	for (i = 0; i < n; i++) {
		char buf[512];

		snprintf(buf, sizeof(buf), "%.*s", (int)lens[i], lines[i]);
		draw_fill(c->h - 1 - n + i, 0, c->w, c->status_role);
		draw_text(c->h - 1 - n + i, 1, c->w - 2, c->status_role, 0, buf);
	}
}

/* The bottom line: the keys at the left; at the right a status message,
 * whole (the keys give way, but never all: a longer message gets lines of
 * its own above), else the note when room is left (defect 16). */
static void
keybar(struct console *c, const struct key_bind *const tabs[2], const char *right)
{
	int y = c->h - 1, n = keys_width(tabs), rw = 0;

	draw_fill(y, 0, c->w, ROLE_NORMAL);
	if (c->status[0] != '\0' && c->now_ms < c->status_until_ms) {
		rw = view_width(c->status) + 2;
		if (rw > c->w - 20) {
			status_lines(c);
			keys_draw(c, tabs, c->w);
			return;
		}
		keys_draw(c, tabs, c->w - rw - 1);
		draw_text(y, c->w - rw, rw, c->status_role, DRAW_RAW | DRAW_FILL, "");
		draw_text(y, c->w - rw + 1, rw - 2, c->status_role, 0, c->status);
		return;
	}
	if (right != NULL) {   /* the keys first; the note only if room is left */
		rw = view_width(right);
		if (rw > c->w / 3)
			rw = c->w / 3;
		if (n + rw + 1 > c->w)
			rw = 0;
	}
	keys_draw(c, tabs, c->w - rw - 1);
	if (right != NULL && rw > 0)
		draw_text(y, c->w - rw, rw, ROLE_DIM, DRAW_MID, right);
}

void
console_keybar_own(struct console *c, const struct key_bind *keys,
                   const struct key_bind *more, const char *right)
{
	const struct key_bind *const tabs[2] = { keys, more };

	keybar(c, tabs, right);
}

void
console_keybar(struct console *c, const struct key_bind *keys, const char *right)
{
	console_keybar_own(c, keys, global_keys, right);
}

void
console_keybar_typing(struct console *c, const struct key_bind *keys, const char *right)
{
	console_keybar_own(c, keys, typing_keys, right);
}

void
console_prompt(struct console *c, const char *label, const char *hint, const char *text)
{
	int x;

	draw_fill(c->h - 1, 0, c->w, ROLE_NORMAL);
	x = draw_text(c->h - 1, 0, c->w, ROLE_KEY, DRAW_RAW, label);
	x += draw_text(c->h - 1, x, c->w - x, ROLE_NORMAL, DRAW_RAW, hint);
	x += draw_text(c->h - 1, x, c->w - x - 1, ROLE_NORMAL, 0, text);
	draw_text(c->h - 1, x, 1, ROLE_SELECTED, DRAW_RAW, " ");
}

void
console_settings_changed(struct console *c)
{
	static int warned;
	char err[CONFIG_PATH_MAX + 64];
	int want = !c->no_mouse && c->set.mouse;

	if (want != c->mouse_on)
		c->mouse_on = draw_mouse_enable(want) == 0 && want;
	if (console_settings_save(c->set_path, &c->set, err, sizeof(err)) == 0) {
		warned = 0;
		return;
	}
	if (!warned)   /* once: a read-only home must not flood the status line */
		console_status(c, ROLE_WARNING, "settings not saved: %s", err);
	warned = 1;
}

/* ---- the loop ------------------------------------------------------------ */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Has the terminal hung up? SIGHUP goes to the session's leader only: under
 * a parent that neither exits nor passes it on (`make demo`, a wrapper
 * script) the console is not told, and its terminal then reads as ready
 * with no key, at once, forever: a loop at full speed. A look that does not
 * wait, after each of wait_input's (which may go through curl: it drops
 * POLLHUP).
 */
static int
terminal_gone(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/*
 * The one wait of the loop: the keyboard, the ledger's descriptor when it
 * has one (a PostgreSQL ledger's connection: readable when another host's
 * commit is notified), the pipes of background jobs (batch submit/cancel/
 * results, call: screen_jobs.c), a timer and, when an API key is configured,
 * the network of the batch poller (http_multi_wait takes the other
 * descriptors); while an organisation sync is in flight (console_org.c), its
 * network, in slices of at most 50 ms. A key is answered as soon as it
 * arrives, however slow the API is. Returns 1 when the ledger may have
 * changed; *notified = 1 when the ledger's descriptor woke it.
 */
static int
wait_input(struct console *c, int timeout_ms, int *notified)
{
	struct pollfd pfd[2 + JOBS_MAX];
	int n = 1, changed = 0, lfd = store_wait_fd(c->st);

	pfd[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	if (lfd >= 0)
		pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	n += jobs_pollfds(pfd + n, JOBS_MAX);
	if (console_org_busy()) {
		/* the organisation sync's network in the wait; the batch
		 * poller's (if any) is driven right after, without waiting */
		changed = console_org_wait(c, pfd, (size_t)n, timeout_ms < 50 ? timeout_ms : 50);
		if (screen_poller_active() && screen_poller_wait(c, pfd, (size_t)n, 0))
			changed = 1;
	} else if (screen_poller_active())
		changed = screen_poller_wait(c, pfd, (size_t)n, timeout_ms);
	else if (poll(pfd, (nfds_t)n, timeout_ms) < 0 && errno != EINTR)
		got_quit = 1;   /* the terminal went away */
	if (terminal_gone())
		got_quit = 1;
	*notified = lfd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
	if (jobs_collect() > 0)
		changed = 1;
	if (changed)
		c->gen++;
	return changed;
}

static void
switch_to(struct console *c, enum screen_id id)
{
	if (id == c->cur)
		return;
	if (c->cur != SCR_HELP)     /* Esc from a screen never lands in the help */
		c->prev = c->cur;
	c->cur = id;
}

static int
rebuild_current(struct console *c)
{
	const struct screen_ops *ops = console_screen(c->cur);

	c->built[c->cur] = c->gen;
	if (ops->rebuild == NULL)
		return 0;
	return ops->rebuild(c, c->state[c->cur]);
}

static enum console_act dispatch_key(struct console *c, int key);

/*
 * A click or the wheel: on the key bar it presses the key drawn there;
 * elsewhere the screen's mouse handler has it, or, for a screen without
 * one, the wheel is Up/Down three times. Nothing while the screen is too
 * small (nothing is shown to click).
 */
static enum console_act
dispatch_mouse(struct console *c)
{
	const struct screen_ops *ops = console_screen(c->cur);
	enum console_act a, best = CA_NONE;
	struct draw_mouse m;
	int i;

	draw_mouse_event(&m);
	if (c->w < VIEW_MIN_W || c->h < VIEW_MIN_H)
		return CA_NONE;
	if (m.kind == MOUSE_CLICK && m.y == c->h - 1) {
		for (i = 0; i < c->nbar; i++)
			if (m.x >= c->bar[i].x0 && m.x < c->bar[i].x1)
				return dispatch_key(c, c->bar[i].key);
		return CA_NONE;
	}
	if (ops->mouse != NULL)
		return ops->mouse(c, c->state[c->cur], &m);
	if (m.kind == MOUSE_CLICK)
		return CA_NONE;
	for (i = 0; i < 3; i++) {
		a = dispatch_key(c, m.kind == MOUSE_WHEEL_UP ? K_UP : K_DOWN);
		if (a == CA_REBUILD || (a == CA_REDRAW && best != CA_REBUILD))
			best = a;
		else if (a != CA_NONE && a != CA_UNHANDLED)
			return a;
	}
	return best;
}

/* A key: the screen first, then the global table. Returns what to do. */
static enum console_act
dispatch_key(struct console *c, int key)
{
	const struct screen_ops *ops = console_screen(c->cur);
	enum console_act a = CA_UNHANDLED;

	if (key == K_MOUSE)
		return dispatch_mouse(c);
	if (key == K_RESIZE) {
		draw_size(&c->w, &c->h);
		if (ops->resize != NULL)
			ops->resize(c, c->state[c->cur]);
		return CA_REDRAW;
	}
	if (console_lookup(global_keys, key) != G_QUIT)
		c->quit_armed = 0;
	/* below 80×24 nothing shows: a key must not act unseen (a batch
	 * checked and submitted blind); only quit and help (defect 5) */
	if (c->w < VIEW_MIN_W || c->h < VIEW_MIN_H) {
		if (console_lookup(global_keys, key) != G_QUIT &&
		    console_lookup(global_keys, key) != G_HELP)
			return CA_NONE;
	} else if (ops->key != NULL)
		a = ops->key(c, c->state[c->cur], key);
	if (a != CA_UNHANDLED)
		return a;
	switch (console_lookup(global_keys, key)) {
	case G_HELP:      return c->cur == SCR_HELP ? CA_BACK : CA_HELP;
	case G_QUIT:
		/* something in flight: say so, and quit on the second q */
		if (jobs_running(1) > 0 && !c->quit_armed) {
			console_status(c, ROLE_WARNING, "%d job(s) in flight: press q again to quit "
			    "(they are stopped)", jobs_running(1));
			c->quit_armed = 1;
			return CA_REDRAW;
		}
		return CA_QUIT;
	case G_REPORTS:   return CA_REPORTS;
	case G_BATCHES:   return CA_BATCHES;
	case G_CALL:      return CA_CALL;
	case G_DASHBOARD: return CA_DASHBOARD;
	case G_SETUP:     return CA_SETUP;
	case G_LIMITS:    return c->cur == SCR_LIMITS ? CA_BACK : CA_LIMITS;
	case G_HOSTS:     return c->cur == SCR_HOSTS ? CA_BACK : CA_HOSTS;
	}
	if (key == K_ESC && c->cur != SCR_DASHBOARD)
		return CA_BACK;
	return CA_NONE;
}

/* Apply an action; returns 1 to quit. Sets *dirty / *rebuild. */
static int
apply(struct console *c, enum console_act a, int *dirty, int *rebuild)
{
	switch (a) {
	case CA_UNHANDLED:
	case CA_NONE:      break;
	case CA_REDRAW:    *dirty = 1; break;
	case CA_REBUILD:   *rebuild = 1; break;
	case CA_QUIT:      return 1;
	case CA_BACK:      switch_to(c, c->prev == c->cur ? SCR_DASHBOARD : c->prev); break;
	case CA_DASHBOARD: switch_to(c, SCR_DASHBOARD); break;
	case CA_REPORTS:   switch_to(c, SCR_REPORTS); break;
	case CA_BATCHES:   switch_to(c, SCR_BATCHES); break;
	case CA_CALL:      switch_to(c, SCR_CALL); break;
	case CA_HELP:      switch_to(c, SCR_HELP); break;
	case CA_SETUP:     switch_to(c, SCR_SETUP); break;
	case CA_LIMITS:    switch_to(c, SCR_LIMITS); break;
	case CA_HOSTS:     switch_to(c, SCR_HOSTS); break;
	}
	if (a >= CA_BACK)
		*dirty = 1;
	return 0;
}

/* The follow: has another process written to the ledger? Once a second,
 * and at once when the ledger's descriptor wakes the loop. SQLite: one
 * small read (data_version); PostgreSQL: the notifications already
 * received, nothing sent, so an idle console costs the server nothing. */
/* Where the console stands while the ledger is away: since when, and how
 * many rows wait for it in this user's spool ("ledger unreachable since
 * 14:02, 1,204 rows spooled"). */
static void
say_unreachable(struct console *c, const char *why)
{
	char err[256], n[32] = "?";
	int64_t rows = 0;
	time_t t = (time_t)(c->down_since_ms / 1000);
	struct tm tm;

	if (spool_pending(c->cli->cfg.spool_path, c->st, &rows, err, sizeof(err)) == 0)
		view_fmt_count(rows, n, sizeof(n));
	localtime_r(&t, &tm);
	console_status(c, ROLE_ALERT, "ledger unreachable since %02d:%02d, %s row%s spooled (%s)",
	    tm.tm_hour, tm.tm_min, n, rows == 1 ? "" : "s", why);
}

/* The ledger is back: the rows spooled meanwhile (by any process of this
 * user) go in now, unless another process was quicker. */
static void
back_again(struct console *c)
{
	char err[256], n[32];
	int64_t flushed = 0, left = 0;

	if (store_readonly(c->st) ||
	    spool_flush_path(c->cli->cfg.spool_path, c->st, &flushed, &left, err, sizeof(err)) != 0 ||
	    flushed == 0)
		console_status(c, ROLE_NORMAL, "ledger reachable again");
	else
		console_status(c, ROLE_NORMAL, "ledger reachable again; %s spooled row%s put in",
		    view_fmt_count(flushed, n, sizeof(n)), flushed == 1 ? "" : "s");
}

static void
follow(struct console *c, int64_t *version, int64_t *minute)
{
	char err[256];
	int64_t v, m = c->now_ms / 60000;

	if (store_data_version(c->st, &v, err, sizeof(err)) != 0) {
		if (c->live || c->down_since_ms == 0)
			c->down_since_ms = c->now_ms;
		c->live = 0;
		say_unreachable(c, err);
		return;
	}
	if (c->down_since_ms != 0)
		back_again(c);
	c->down_since_ms = 0;
	c->live = 1;
	if (v != *version || m != *minute) {
		/* new rows, or the minute rolled: the last hour's rate and the
		 * day boundary move with the clock */
		*version = v;
		*minute = m;
		c->gen++;       /* the loop reads again (throttled) */
	}
}

static void
draw_frame(struct console *c)
{
	const struct screen_ops *ops = console_screen(c->cur);

	draw_erase();
	c->nbar = 0;       /* the key bar, if this frame draws one, says again */
	if (c->w < VIEW_MIN_W || c->h < VIEW_MIN_H) {
		draw_fmt(0, 0, c->w, ROLE_WARNING, 0, " tokentop needs at least %dx%d (now %dx%d).",
		    VIEW_MIN_W, VIEW_MIN_H, c->w, c->h);
		draw_text(1, 0, c->w, ROLE_NORMAL, DRAW_RAW,
		    " Enlarge the window or press q to quit.");
	} else
		ops->draw(c, c->state[c->cur]);
	draw_flush();
}

static int
loop(struct console *c)
{
	int64_t version = -1, minute = -1, next_check = 0, last_sec = -1, next_rebuild = 0, t0;
	int dirty = 1, rebuild = 1, key, notified = 0;

	while (!got_quit) {
		c->now_ms = now_ms();
		if (notified)
			follow(c, &version, &minute);
		if (c->now_ms >= next_check) {
			if (!notified)
				follow(c, &version, &minute);
			console_budget_update(c);
			console_alerts_update(c);
			console_org_tick(c);
			screen_actions_tick(c);
			next_check = c->now_ms + CHECK_MS;
		}
		/* the ledger changed: read it again, but never spend more than
		 * about a fifth of the time reading (a busy writer on a huge
		 * ledger must not keep the console querying) */
		if (c->built[c->cur] != c->gen && c->now_ms >= next_rebuild)
			rebuild = 1;
		if (rebuild) {
			t0 = now_ms();
			rebuild_current(c);
			next_rebuild = now_ms() + 4 * (now_ms() - t0);
			rebuild = 0;
			dirty = 1;
		}
		if (c->now_ms / 1000 != last_sec) {   /* the clock in the header */
			last_sec = c->now_ms / 1000;
			dirty = 1;
		}
		if (dirty) {
			draw_frame(c);
			dirty = 0;
		}
		if (wait_input(c, TICK_MS, &notified))
			dirty = 1;
		c->now_ms = now_ms();
		while ((key = draw_key()) != KEY_NONE_) {
			if (apply(c, dispatch_key(c, key), &dirty, &rebuild))
				return 0;
			/* the next key (typed ahead) must see the screen it
			 * goes to, so rebuild before reading it */
			if (rebuild || c->built[c->cur] != c->gen) {
				rebuild_current(c);
				rebuild = 0;
				dirty = 1;
			}
		}
	}
	return 0;
}

int
console_run(struct cli *cli, struct store *st, struct pricing *pr)
{
	struct console c;
	struct sigaction sa;
	char err[256], set_note[CONFIG_PATH_MAX + 128];
	int i, rc = EXIT_OK;

	memset(&c, 0, sizeof(c));
	c.cli = cli;
	c.st = st;
	c.pr = pr;
	c.now_ms = now_ms();
	c.gen = 1;
	if (cli_baseline_model(cli, c.baseline, sizeof(c.baseline)) == NULL)
		c.baseline[0] = '\0';
	c.no_mouse = cli->no_mouse;
	console_settings_path(c.set_path, sizeof(c.set_path));
	if (console_settings_load(c.set_path, &c.set, set_note, sizeof(set_note)) == 0)
		set_note[0] = '\0';
	screen_actions_init(&c);
	for (i = 0; i < SCR_COUNT; i++) {
		c.state[i] = console_screen(i)->create(&c);
		if (c.state[i] == NULL) {
			fprintf(stderr, "tokentop: out of memory\n");
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_quit_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* SIGWINCH: ncurses' own handler only sets a flag and turns it into
	 * KEY_RESIZE on the next read; poll returns with EINTR meanwhile */
	if (draw_init(cli->no_color, err, sizeof(err)) != 0) {
		cli_warn(NULL, "%s", err);     /* may quote $TERM: sanitised */
		rc = EXIT_RUNTIME;
		goto out;
	}
	draw_size(&c.w, &c.h);
	if (screen_poller_init(&c, err, sizeof(err)) != 0)
		console_status(&c, ROLE_WARNING, "batches are not followed: %s", err);
	if (console_org_init(&c, err, sizeof(err)) != 0)
		console_status(&c, ROLE_WARNING, "organisation not synced: %s", err);
	if (set_note[0] != '\0')
		console_status(&c, ROLE_WARNING, "settings: %s", set_note);
	if (store_readonly(st))
		console_status(&c, ROLE_WARNING, "ledger opened read-only: launching, cancelling "
		    "and calls will fail");
	c.mouse_on = !c.no_mouse && c.set.mouse && draw_mouse_enable(1) == 0;
	console_alerts_start(&c);
	loop(&c);
	draw_done();
	console_alerts_stop(&c);     /* a last check and delivery, the terminal given back */
	console_org_done();
	screen_poller_done();
	jobs_stop_all();
out:
	for (i = 0; i < SCR_COUNT; i++)
		if (c.state[i] != NULL && console_screen(i)->destroy != NULL)
			console_screen(i)->destroy(c.state[i]);
	return rc;
}
