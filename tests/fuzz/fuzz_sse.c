/* fuzz_sse.c — libFuzzer target over the Messages SSE accumulator (api_stream):
 * any bytes, fed in two pieces split by the first input byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
on_text(void *arg, const char *text, size_t len)
{
	size_t *total = arg;

	if (len == 0 || text == NULL)
		abort();        /* deltas are never empty */
	*total += len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_stream *s;
	struct api_message msg;
	struct http_error e;
	size_t split, total = 0;

	if (size == 0)
		return 0;
	split = data[0] % size;
	if ((s = api_stream_new(on_text, &total)) == NULL)
		return 0;
	if (api_stream_feed(s, (const char *)data + 1, split, &e) == 0)
		api_stream_feed(s, (const char *)data + 1 + split, size - 1 - split, &e);
	if (api_stream_finish(s, &msg, &e) == 0) {
		/* a finished message's text is exactly the deltas delivered */
		if (msg.text == NULL || msg.text_len != total || strlen(msg.text) > msg.text_len)
			abort();
	}
	api_message_done(&msg);
	api_stream_free(s);
	return 0;
}
