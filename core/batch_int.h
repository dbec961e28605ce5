/* batch_int.h — line-checking helpers batch.c shares with the other
 * providers' batch formats (openai_batchfile.c). Not an interface. */
#ifndef TOKENTOP_BATCH_INT_H
#define TOKENTOP_BATCH_INT_H

#include <jansson.h>

#include "core/batch.h"

/* A value quoted for a message: control bytes escaped, cut at 40 bytes. */
void batch_quote(const char *s, size_t len, char *out, size_t n);
/* custom_id (v may be NULL) into id: 0, or -1 with the reason. */
int batch_custom_id_check(json_t *v, char *id, char *reason, size_t n);
/* Estimated tokens of a content value (string or array of blocks); notes the
 * longest cache_control TTL in *cache. */
int64_t batch_content_tokens(json_t *c, enum batch_cache *cache);
/* Only blanks (space, tab, CR)? */
int batch_blank(const char *s, size_t len);

#endif
