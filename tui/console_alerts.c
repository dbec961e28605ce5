/* console_alerts.c — the console as one of the processes that check the
 * alert rules (tui/alerter.h, quiet: nothing reaches the terminal), and
 * the dashboard's alert line: the latest alert of the last day with its
 * delivery, flashing for a few seconds when it is new. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/alerter.h"
#include "tui/console.h"
#include "tui/view.h"

#define FLASH_MS  10000           /* a new alert flashes this long */
#define RECENT_MS 86400000LL      /* the line shows the last day's alerts */

void
console_alerts_start(struct console *c)
{
	c->alert_seen = -1;
	c->al = cli_alerter(c->cli, c->pr, "console", ALERTER_QUIET);
}

void
console_alerts_stop(struct console *c)
{
	alerter_stop(c->al);
	c->al = NULL;
}

void
console_alerts_update(struct console *c)
{
	struct alert_rec a[8];
	char err[256];
	size_t n, i;

	if (c->alert_gen == c->gen)
		return;
	c->alert_gen = c->gen;
	alerter_poke(c->al);            /* the ledger moved: the rules again */
	if (store_alert_list(c->st, sizeof(a) / sizeof(a[0]), a, &n, err, sizeof(err)) != 0)
		return;                 /* an older ledger read-only: no alerts to show */
	for (c->nalert = 0, i = 0; i < n; i++)
		if (a[i].created_ms >= c->now_ms - RECENT_MS)
			c->nalert++;
	if (n > 0)
		c->alert = a[0];
	if (n > 0 && c->alert_seen >= 0 && a[0].id > c->alert_seen) {
		c->alert_flash_until = c->now_ms + FLASH_MS;
		draw_bell();
	}
	c->alert_seen = n > 0 ? a[0].id : 0;
}

int
console_alert_shown(const struct console *c)
{
	return c->nalert > 0;
}

void
console_alert_draw(struct console *c, int y)
{
	char line[1024], hm[16];
	time_t t = (time_t)(c->alert.created_ms / 1000);
	struct tm tm;
	int flash = c->now_ms < c->alert_flash_until;
	enum draw_role role = strcmp(c->alert.status, "delivered") == 0 ? ROLE_WARNING : ROLE_ALERT;

	if (!console_alert_shown(c))
		return;
	localtime_r(&t, &tm);
	strftime(hm, sizeof(hm), "%H:%M", &tm);
	/* flashing: the line swaps to reverse every second */
	if (flash && (c->now_ms / 1000) % 2 == 0)
		role = ROLE_SELECTED;
	snprintf(line, sizeof(line), " ! %s %s → %s %s%s%s  %s", hm, c->alert.kind,
	    c->alert.target, c->alert.status, c->nalert > 1 ? " · " : "",
	    c->nalert > 1 ? "more: tokentop alerts" : "", c->alert.text);
	draw_fill(y, 0, c->w, role);
	draw_text(y, 0, c->w, role, 0, line);
}
