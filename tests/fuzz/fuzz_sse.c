/* fuzz_sse.c — libFuzzer target over the Messages SSE accumulator (api_stream)
 * and the proxy's own scan of a stream, a response body and a batch object
 * (core/proxy_parse.c): any bytes, fed in two pieces split by the first input
 * byte. Every usage they accept is bounded and priced (fuzz_numbers.h). Run
 * with -dict=tests/fuzz/fuzz_sse.dict and the seeds in tests/fuzz/corpus/fuzz_sse. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/api.h"
#include "core/proxy.h"
#include "tests/fuzz/fuzz_numbers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
on_text(void *arg, const char *text, size_t len)
{
	size_t *total = arg;

	if (len == 0 || text == NULL)
		abort();        /* deltas are never empty */
	*total += len;
}

/* The proxy's view of the same bytes: a stream (in two feeds), a body and a
 * batch object. What it would record is bounded; a batch's sum is exact. */
static void
proxy_scan(const uint8_t *data, size_t split, size_t size)
{
	static struct proxy_sse sse;
	struct proxy_batch b;
	struct usage u;
	char err[256];

	proxy_sse_init(&sse);
	proxy_sse_feed(&sse, (const char *)data, split);
	proxy_sse_feed(&sse, (const char *)data + split, size - split);
	if (proxy_sse_usage(&sse, &u) == 1)
		fuzz_check_tokens(&u.tok);
	else if (proxy_sse_error(&sse) != NULL && strlen(proxy_sse_error(&sse)) == 0)
		abort();
	if (proxy_message_usage((const char *)data, size, &u, err, sizeof(err)) == 0)
		fuzz_check_tokens(&u.tok);
	if (proxy_batch_parse((const char *)data, size, &b, err, sizeof(err)) == 0 &&
	    (!fuzz_count_ok(b.processing) || !fuzz_count_ok(b.succeeded) ||
	     !fuzz_count_ok(b.errored) || !fuzz_count_ok(b.canceled) ||
	     !fuzz_count_ok(b.expired) || b.requests != b.processing + b.succeeded + b.errored +
	     b.canceled + b.expired))
		abort();
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
		fuzz_check_tokens(&msg.usage.tok);
	}
	api_message_done(&msg);
	api_stream_free(s);
	proxy_scan(data + 1, split, size - 1);
	return 0;
}
