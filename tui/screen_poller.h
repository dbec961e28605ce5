/* screen_poller.h — the console follows unfinished batches itself: the
 * shared poller (core/poller.h) on a curl multi handle whose wait is the
 * console's one wait. Results are recorded exactly once (store_batch_result),
 * so a `batch watch` running beside the console is harmless. */
#ifndef TOKENTOP_SCREEN_POLLER_H
#define TOKENTOP_SCREEN_POLLER_H

#include <poll.h>
#include <stddef.h>

#include "tui/console.h"

/* Start following when an API key is configured (else a no-op: returns 0
 * and screen_poller_active() is 0). -1 with err when the client cannot
 * start. */
int  screen_poller_init(struct console *c, char *err, size_t errlen);
void screen_poller_done(void);
int  screen_poller_active(void);

/* Add the ledger's unfinished batches (known ones are not added twice). */
void screen_poller_sync(struct console *c);

/*
 * The loop's one wait while the poller is active: the network, the extra
 * fds (keyboard, job pipes; revents filled) and at most timeout_ms; then the
 * transfers are driven, due retrieves started and recorded outcomes
 * committed. Returns 1 when the ledger changed.
 */
int  screen_poller_wait(struct console *c, struct pollfd *extra, size_t n, int timeout_ms);

#endif
