/* screen_batches.h — how other screens open the Batches screen in a mode. */
#ifndef TOKENTOP_SCREEN_BATCHES_H
#define TOKENTOP_SCREEN_BATCHES_H

#include "tui/console.h"

/* Show batch id's detail next time the Batches screen is drawn (id copied). */
void batches_open_detail(struct console *c, const char *id);
/* Open the launch dialog on the Batches screen. */
void batches_open_launch(struct console *c);

#endif
