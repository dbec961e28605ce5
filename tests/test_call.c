/* test_call.c — tokentop's own calls through the provider seam: each
 * provider's request body from the same call (Anthropic's breakpoints,
 * OpenAI's stable prefix and prompt_cache_key), the Responses stream, and
 * the client settings config_for_provider derives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/api_int.h"
#include "core/call.h"
#include "core/openai.h"

static const struct call_part parts[] = {
	{ "sys.txt", "Be brief.", 9, 0 },
	{ "a.txt", "alpha", 5, 1 },
	{ "b.txt", "beta", 4, 1 },
};

static struct call_spec
spec(const char *model, size_t nparts, const char *prompt, const char *cache)
{
	struct call_spec c;

	memset(&c, 0, sizeof(c));
	c.model = model;
	c.parts = parts;
	c.nparts = nparts;
	c.prompt = prompt;
	c.max_tokens = 100;
	c.cache = cache;
	return c;
}

/* Anthropic: system blocks in order, breakpoints after the system text and
 * on the last block; none with caching off. */
static void
test_anthropic_body(void **state)
{
	struct call_spec c = spec("claude-sonnet-4-5", 3, "q", "1h");
	size_t pb;
	char err[256];
	json_t *b, *sys;

	(void)state;
	b = provider_anthropic.call->body(&c, &pb, err, sizeof(err));
	assert_non_null(b);
	sys = json_object_get(b, "system");
	assert_int_equal(json_array_size(sys), 3);
	assert_non_null(json_object_get(json_array_get(sys, 0), "cache_control"));
	assert_null(json_object_get(json_array_get(sys, 1), "cache_control"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(sys, 2),
	    "cache_control"), "ttl")), "1h");
	assert_true(strncmp(json_string_value(json_object_get(json_array_get(sys, 1), "text")),
	    "<document source=\"a.txt\">\nalpha\n</document>", 40) == 0);
	assert_int_equal(pb, 9 + strlen("<document source=\"a.txt\">\nalpha\n</document>") +
	    strlen("<document source=\"b.txt\">\nbeta\n</document>"));
	json_decref(b);
	c.cache = "off";
	b = provider_anthropic.call->body(&c, &pb, err, sizeof(err));
	assert_null(json_object_get(json_array_get(json_object_get(b, "system"), 2), "cache_control"));
	json_decref(b);
}

static const char *
cache_key(const struct call_spec *c)
{
	static char key[64];
	size_t pb;
	char err[256];
	json_t *b = provider_openai.call->body(c, &pb, err, sizeof(err));
	json_t *k;

	assert_non_null(b);
	k = json_object_get(b, "prompt_cache_key");
	snprintf(key, sizeof(key), "%s", k != NULL ? json_string_value(k) : "(none)");
	json_decref(b);
	return key;
}

/* OpenAI: instructions, then the documents before the prompt in one user
 * message; the key is a hash of the prefix, the same for the same prefix
 * whatever the prompt, another for another prefix, absent without one or
 * with --cache off. */
static void
test_openai_body(void **state)
{
	struct call_spec c = spec("gpt-5-mini", 3, "the question", "5m");
	struct call_part bad = { "bad.txt", "\xff\xfe", 2, 1 };
	char err[256], k1[64];
	size_t pb;
	json_t *b, *content;

	(void)state;
	b = provider_openai.call->body(&c, &pb, err, sizeof(err));
	assert_non_null(b);
	assert_string_equal(json_string_value(json_object_get(b, "instructions")), "Be brief.");
	assert_int_equal(json_integer_value(json_object_get(b, "max_output_tokens")), 100);
	content = json_object_get(json_array_get(json_object_get(b, "input"), 0), "content");
	assert_int_equal(json_array_size(content), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(content, 2), "text")),
	    "the question");
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(content, 0),
	    "text")), "alpha"));
	assert_null(strstr(json_string_value(json_object_get(b, "prompt_cache_key")), "alpha"));
	json_decref(b);

	snprintf(k1, sizeof(k1), "%s", cache_key(&c));
	assert_int_equal(strlen(k1), strlen("tokentop-") + 16);
	c.prompt = "another question";
	assert_string_equal(cache_key(&c), k1);
	c.nparts = 2;
	assert_string_not_equal(cache_key(&c), k1);
	c.nparts = 0;
	assert_string_equal(cache_key(&c), "(none)");
	c.nparts = 3;
	c.cache = "off";
	assert_string_equal(cache_key(&c), "(none)");

	c.parts = &bad;
	c.nparts = 1;
	assert_null(provider_openai.call->body(&c, &pb, err, sizeof(err)));
	assert_string_equal(err, "bad.txt: not valid UTF-8 text");
}

/* Part boundaries count: "ab"+"c" is not "a"+"bc". */
static void
test_cache_key_boundaries(void **state)
{
	const char *t1[] = { "ab", "c" }, *t2[] = { "a", "bc" };
	size_t l1[] = { 2, 1 }, l2[] = { 1, 2 };
	char a[48], b[48];

	(void)state;
	openai_cache_key(t1, l1, 2, a, sizeof(a));
	openai_cache_key(t2, l2, 2, b, sizeof(b));
	assert_string_not_equal(a, b);
	openai_cache_key(t1, l1, 2, b, sizeof(b));
	assert_string_equal(a, b);
}

#define CREATED "event: response.created\ndata: {\"type\":\"response.created\",\"response\":" \
	"{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"model\":\"gpt-5-mini\"," \
	"\"output\":[],\"usage\":null}}\n\n"
#define DELTA(t) "event: response.output_text.delta\ndata: {\"type\":" \
	"\"response.output_text.delta\",\"delta\":\"" t "\"}\n\n"
#define COMPLETED "event: response.completed\ndata: {\"type\":\"response.completed\"," \
	"\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\"," \
	"\"model\":\"gpt-5-mini-2025-08-07\",\"output\":[{\"type\":\"reasoning\"},{\"type\":\"message\"," \
	"\"content\":[{\"type\":\"output_text\",\"text\":\"Hello world\"}]}],\"usage\":{" \
	"\"input_tokens\":2000,\"input_tokens_details\":{\"cached_tokens\":1920},\"output_tokens\":50," \
	"\"output_tokens_details\":{\"reasoning_tokens\":30},\"total_tokens\":2050}}}\n\n"

struct texts {
	char buf[64];
};

static void
on_text(void *arg, const char *t, size_t n)
{
	struct texts *x = arg;

	strncat(x->buf, t, n);
}

/* Feed s in pieces of step bytes; then finish. */
static int
run_stream(const char *sse, size_t step, struct api_message *m, struct http_error *e,
           struct texts *x)
{
	struct api_stream *s;
	size_t i, n = strlen(sse);
	int rc = 0;

	memset(x, 0, sizeof(*x));
	s = api_stream_new_ops(&openai_stream_responses, on_text, x);
	assert_non_null(s);
	for (i = 0; i < n && rc == 0; i += step)
		rc = api_stream_feed(s, sse + i, n - i < step ? n - i : step, e);
	if (rc == 0)
		rc = api_stream_finish(s, m, e);
	api_stream_free(s);
	return rc;
}

static void
test_responses_stream(void **state)
{
	struct api_message m;
	struct http_error e;
	struct texts x;
	size_t step;

	(void)state;
	for (step = 1; step < 40; step += 13) {
		memset(&m, 0, sizeof(m));
		assert_int_equal(run_stream(CREATED DELTA("Hello") DELTA(" world") COMPLETED, step, &m,
		    &e, &x), 0);
		assert_string_equal(x.buf, "Hello world");
		assert_string_equal(m.text, "Hello world");
		assert_int_equal(m.usage.tok.input, 80);          /* 2000 - 1920 cached */
		assert_int_equal(m.usage.tok.cache_read, 1920);
		assert_int_equal(m.usage.tok.output, 50);         /* reasoning inside */
		assert_int_equal(m.usage.reasoning_tokens, 30);
		assert_string_equal(m.usage.provider, "openai");
		assert_string_equal(m.usage.message_id, "resp_1");
		api_message_done(&m);
	}
	/* cut before response.completed */
	memset(&m, 0, sizeof(m));
	assert_int_equal(run_stream(CREATED DELTA("Hel"), 7, &m, &e, &x), -1);
	assert_string_equal(e.message, "the stream ended before response.completed");
	api_message_done(&m);
	/* an error event */
	memset(&m, 0, sizeof(m));
	assert_int_equal(run_stream(CREATED "event: error\ndata: {\"type\":\"error\",\"code\":"
	    "\"server_error\",\"message\":\"boom\"}\n\n", 5, &m, &e, &x), -1);
	assert_string_equal(e.type, "server_error");
	assert_string_equal(e.message, "boom");
	api_message_done(&m);
	/* response.failed names its error */
	memset(&m, 0, sizeof(m));
	assert_int_equal(run_stream(CREATED "event: response.failed\ndata: {\"type\":"
	    "\"response.failed\",\"response\":{\"error\":{\"code\":\"rate_limit_exceeded\","
	    "\"message\":\"slow down\"}}}\n\n", 64, &m, &e, &x), -1);
	assert_string_equal(e.type, "rate_limit_exceeded");
	api_message_done(&m);
	/* a response whose usage is hostile fails with the field */
	memset(&m, 0, sizeof(m));
	assert_int_equal(run_stream("event: response.completed\ndata: {\"type\":\"response.completed\","
	    "\"response\":{\"object\":\"response\",\"model\":\"gpt-5\",\"usage\":{\"input_tokens\":5,"
	    "\"input_tokens_details\":{\"cached_tokens\":9},\"output_tokens\":1}}}\n\n", 64, &m, &e,
	    &x), -1);
	assert_string_equal(e.type, "invalid_response");
	assert_non_null(strstr(e.message, "cached_tokens"));
	api_message_done(&m);
}

/* OpenAI's client: its key and base (without the /v1 its convention
 * carries; the origin when unset), Bearer; Anthropic's config unchanged. */
static void
test_config_for_provider(void **state)
{
	struct config c, o;

	(void)state;
	memset(&c, 0, sizeof(c));
	snprintf(c.base_url, sizeof(c.base_url), "https://api.anthropic.com");
	snprintf(c.api_key, sizeof(c.api_key), "sk-ant-1");
	snprintf(c.auth_style, sizeof(c.auth_style), "x-api-key");
	snprintf(c.cred[PROVIDER_OPENAI].api_key, sizeof(c.cred[0].api_key), "sk-oa");
	snprintf(c.cred[PROVIDER_OPENAI].admin_key, sizeof(c.cred[0].admin_key), "sk-admin");
	snprintf(c.cred[PROVIDER_OPENAI].base_url, sizeof(c.cred[0].base_url), "http://127.0.0.1:9/v1/");
	config_for_provider(&c, &provider_openai, &o);
	assert_string_equal(o.base_url, "http://127.0.0.1:9");
	assert_string_equal(o.api_key, "sk-oa");
	assert_string_equal(o.admin_key, "sk-admin");
	assert_string_equal(o.auth_style, "bearer");
	assert_int_equal(o.provider, PROVIDER_OPENAI);
	c.cred[PROVIDER_OPENAI].base_url[0] = '\0';
	config_for_provider(&c, &provider_openai, &o);
	assert_string_equal(o.base_url, "https://api.openai.com");
	config_for_provider(&c, &provider_anthropic, &o);
	assert_string_equal(o.api_key, "sk-ant-1");
	assert_string_equal(o.auth_style, "x-api-key");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anthropic_body),
		cmocka_unit_test(test_openai_body),
		cmocka_unit_test(test_cache_key_boundaries),
		cmocka_unit_test(test_responses_stream),
		cmocka_unit_test(test_config_for_provider),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
