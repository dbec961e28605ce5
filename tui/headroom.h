/* headroom.h — rate-limit observations on their way to the ledger: the
 * proxy's connection threads, `call` and batch polling note what each
 * response's headers said (and each 429); a flush writes the latest
 * figures and the 429 counts in one go (store_ratelimit_put). Noting is
 * thread-safe and never touches the store. */
#ifndef TOKENTOP_HEADROOM_H
#define TOKENTOP_HEADROOM_H

#include <stddef.h>
#include <stdint.h>

#include "core/ratelimit.h"
#include "data/store.h"

struct headroom;
struct http_multi;

/* Empty; NULL when out of memory. headroom_free drops what was not flushed
 * (NULL fine). */
struct headroom *headroom_new(void);
void headroom_free(struct headroom *h);

/* One response of provider × model × key (a keyfp_make fingerprint, never a
 * key) that ended at ts_ms with status; rl may be NULL (no headers). A 429
 * is counted as a rejection. Coalesced with what is pending. */
void headroom_note(struct headroom *h, const char *provider, const char *model, const char *key,
                   long status, const struct ratelimit *rl, int64_t ts_ms);

/* Write what is pending into st; what fails stays pending for the next
 * flush. 0, or -1 with err. */
int headroom_flush(struct headroom *h, struct store *st, char *err, size_t errlen);

/* Note every response m receives (http_multi_set_observer) as provider ×
 * model (date suffix removed) × the fingerprint of api_key. h must outlive
 * m's requests; model and api_key are copied. */
void headroom_watch(struct headroom *h, struct http_multi *m, const char *provider,
                    const char *model, const char *api_key);

#endif
