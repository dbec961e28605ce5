/* fk_batches.c — Message Batches. */
#include "fk.h"

void
batch_route(const struct fk_req *q, struct fk_reply *r)
{
	fk_reply_error(r, q, 404, NULL, "batches: not yet");
}

void
batch_reset(void)
{
}
