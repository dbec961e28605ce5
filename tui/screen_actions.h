/* screen_actions.h — the console's actions that need the API: batch
 * launch (checked in-process, submitted in the background), cancel, save
 * results, one call, and the background batch watcher. */
#ifndef TOKENTOP_SCREEN_ACTIONS_H
#define TOKENTOP_SCREEN_ACTIONS_H

#include "tui/console.h"

/* Fill c->act with the implementations. */
void screen_actions_init(struct console *c);
/* Once a second from the loop: every few seconds (at once after a job
 * ended) hand the ledger's unfinished batches to the poller. */
void screen_actions_tick(struct console *c);

#endif
