/* console.h — the live console: one thread, one loop; screens are objects
 * with a const ops table, key handlers return what should happen and the
 * loop owns rebuild and redraw. */
#ifndef TOKENTOP_CONSOLE_H
#define TOKENTOP_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/budget.h"
#include "tui/cli.h"
#include "tui/console_settings.h"
#include "tui/draw.h"

/* What a key handler asks the loop to do. */
enum console_act {
	CA_UNHANDLED,    /* not this screen's key: try the global table */
	CA_NONE,         /* handled, nothing changed */
	CA_REDRAW,       /* the view changed: draw again */
	CA_REBUILD,      /* the query changed: read the store again, then draw */
	CA_QUIT,
	CA_BACK,         /* to the previous screen */
	CA_DASHBOARD, CA_REPORTS, CA_BATCHES, CA_CALL, CA_HELP,
	CA_SETUP, CA_LIMITS, CA_HOSTS,
};

enum screen_id { SCR_DASHBOARD, SCR_REPORTS, SCR_BATCHES, SCR_CALL, SCR_HELP, SCR_SETUP,
	SCR_LIMITS, SCR_HOSTS, SCR_COUNT };

/* A key binding: data, listed by the help screen and the key bar. */
struct key_bind {
	int         key;
	int         cmd;        /* the screen's own command number */
	const char *bar;        /* label in the key bar, NULL = not shown there */
	const char *help;       /* one line for the help screen */
};

struct console;

struct screen_ops {
	const char             *name;
	const struct key_bind  *keys;     /* ends with key 0 */
	void                 *(*create)(struct console *c);
	void                  (*destroy)(void *st);               /* NULL fine */
	/* read what the screen shows from the store into plain structs; 0 or
	 * -1 with the reason in c->status */
	int                   (*rebuild)(struct console *c, void *st);
	void                  (*draw)(struct console *c, void *st);
	enum console_act      (*key)(struct console *c, void *st, int key);
	void                  (*resize)(struct console *c, void *st);
	/* a click or the wheel (not on the key bar: the loop presses the key
	 * clicked there); NULL: the wheel scrolls as Up/Down, clicks do nothing */
	enum console_act      (*mouse)(struct console *c, void *st, const struct draw_mouse *m);
};

/* What checking a batch file found (console_actions.batch_check). */
struct batch_check {
	char    text[2048];     /* summary lines, or FILE:LINE errors, one a line */
	int     ok;             /* valid: it may be submitted */
	int     over_budget;    /* …but only past a budget (text says which) */
	int64_t size, mtime_ns; /* the file as checked: changed since = check again */
};

/* One call from the Call screen (console_actions.call_send). */
struct call_req {
	const char *model;
	const char *system;     /* system text, "" = none */
	const char *docs;       /* document files, space-separated, "" = none */
	const char *prompt;
	int         cache;      /* 5-minute caching of system + documents */
	int         force;      /* past a budget: the user said so */
};

/*
 * Seams for actions that need the API client and batch code. NULL means
 * "not in this build": the screens say so in the status line. Each returns
 * 0, or -1 with a one-line reason in err.
 */
struct console_actions {
	/* validate a batch file and weigh it against the budgets (no network) */
	int (*batch_check)(struct console *c, const char *path, const char *provider,
	                   struct batch_check *out, char *err, size_t errlen);
	/* submit it in the background; force: past a budget, as the user said;
	 * provider: "anthropic", "openai" (the launch dialog's choice) */
	int (*batch_submit)(struct console *c, const char *path, const char *provider, int force,
	                    char *id, size_t idlen, char *err, size_t errlen);
	int (*batch_cancel)(struct console *c, const char *id, char *err, size_t errlen);
	int (*batch_save)(struct console *c, const char *id, const char *path,
	                  char *err, size_t errlen);
	/* send one call in the background; the answer (outside text: sanitise
	 * to draw) and its usage line land in answer when it returns; *refused
	 * is set then when a budget stopped it (the screen offers to force) */
	int (*call_send)(struct console *c, const struct call_req *rq, char *answer,
	                 size_t anslen, int *refused, char *err, size_t errlen);
	/* stop the call in flight (Esc): 0, or -1 when none is */
	int (*call_stop)(struct console *c);
};

struct console {
	struct cli             *cli;
	struct store           *st;
	struct pricing         *pr;
	struct console_actions  act;
	int                     w, h;
	int64_t                 now_ms;
	int                     live;        /* the last data check worked */
	int64_t                 down_since_ms; /* the ledger unreachable since (0: it is not) */
	int64_t                 gen;         /* bumped when the ledger changed */
	int64_t                 built[SCR_COUNT];
	enum screen_id          cur, prev;
	void                   *state[SCR_COUNT];
	char                    status[256];
	enum draw_role          status_role;
	int64_t                 status_until_ms;
	int                     quit_armed;  /* q pressed with a job in flight */
	/* budgets (console_budget.c): every limit, from cli_budget_status */
	struct budget_status    budgets[BUDGET_MAX_STATUS];
	size_t                  nbudgets;
	int64_t                 budget_gen;  /* c->gen they were read at */
	/* alerts (console_alerts.c): the rules' worker and the latest alert */
	struct alerter         *al;
	struct alert_rec        alert;       /* the latest (of the last day), when nalert */
	int64_t                 nalert;      /* alerts of the last day */
	int64_t                 alert_gen;   /* c->gen it was read at */
	int64_t                 alert_seen;  /* the newest id known; -1 before the first read */
	int64_t                 alert_flash_until;  /* a new one flashes until then */
	char                    baseline[96]; /* routing savings baseline; "" = none */
	/* remembered between runs (console_settings.c); screens change them
	 * and call console_settings_changed */
	struct console_settings set;
	char                    set_path[CONFIG_PATH_MAX];
	int                     no_mouse;    /* --no-mouse: never ask for the mouse */
	int                     mouse_on;    /* the terminal reports the mouse now */
	/* where the key bar drew each key, for clicks (console_keybar) */
	struct { int x0, x1, key; } bar[32];
	int                     nbar;
};

/* The screens, in enum screen_id order. */
extern const struct screen_ops screen_dashboard, screen_reports, screen_batches,
	screen_call, screen_help, screen_setup, screen_limits, screen_hosts;
const struct screen_ops *console_screen(enum screen_id id);

/* Run the console until the user quits. The store and prices are borrowed.
 * Returns an EXIT_* status. */
int console_run(struct cli *cli, struct store *st, struct pricing *pr);

/* A message in the status line for a few seconds (sanitised: it may quote
 * outside text). */
void console_status(struct console *c, enum draw_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Draw the key bar (bottom line) from a screen's table plus the global
 * keys, with `right` (may be NULL) at the right end. A status message takes
 * the right end instead, whole: the keys yield it the room (issue 11,
 * defect 16). */
void console_keybar(struct console *c, const struct key_bind *keys, const char *right);
/* The same for a screen where letters type text: the global keys by
 * their function keys only (F10 quit, not q). */
void console_keybar_typing(struct console *c, const struct key_bind *keys, const char *right);
/* The same with `more` (may be NULL) instead of the global keys: for a
 * screen that takes every key itself (Help, Setup). */
void console_keybar_own(struct console *c, const struct key_bind *keys,
                        const struct key_bind *more, const char *right);

/*
 * Read the budgets again when the ledger changed (c->gen moved): the shared
 * cli_budget_status. A limit whose state rose (80%, 100%) rings the bell
 * and runs cli_budget_alerts, so the configured alert_command runs once
 * per crossing across every process (the store's claim table).
 */
void console_budget_update(struct console *c);

/* The alert rules (console_alerts.c): start the worker (quiet: nothing on
 * the terminal), poke it and read the latest alert when the ledger moved;
 * stop it at the end. console_alert_draw: the alert line at row y (a new
 * alert flashes for a few seconds); console_alert_shown: is there one. */
void console_alerts_start(struct console *c);
void console_alerts_update(struct console *c);
void console_alerts_stop(struct console *c);
int  console_alert_shown(const struct console *c);
void console_alert_draw(struct console *c, int y);

/* A one-line prompt on the bottom line: label (a key's look), hint, the
 * text typed so far (outside text: sanitised) and the cursor after it. */
void console_prompt(struct console *c, const char *label, const char *hint, const char *text);

/* The settings changed: write them (console.json); a failure is said once
 * in the status line. Turns the mouse on or off as they say. */
void console_settings_changed(struct console *c);

/* The global key table (help screen). */
const struct key_bind *console_global_keys(void);

/* Look a key up in a table: its cmd, or -1. */
int console_lookup(const struct key_bind *keys, int key);

#endif
