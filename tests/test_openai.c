/* test_openai.c — OpenAI specifics behind the provider table: batch output
 * and error lines, batch objects, the proxy's include_usage rewrite of a
 * request and of the answer's lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/openai.h"

static json_t *
load(const char *s)
{
	json_t *o = json_loads(s, 0, NULL);

	if (o == NULL)
		fail_msg("not JSON: %s", s);
	return o;
}

static void
test_batch_lines(void **state)
{
	struct usage_result r;
	char err[256];
	json_t *o;

	(void)state;
	o = load("{\"id\":\"batch_req_1\",\"custom_id\":\"r1\",\"response\":{\"status_code\":200,"
	    "\"request_id\":\"req_abc\",\"body\":{\"id\":\"chatcmpl-9\",\"object\":"
	    "\"chat.completion\",\"model\":\"gpt-4.1-mini\",\"choices\":[{\"finish_reason\":"
	    "\"stop\"}],\"usage\":{\"prompt_tokens\":300,\"completion_tokens\":20,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":0}},\"service_tier\":\"default\"}},"
	    "\"error\":null}");
	assert_true(openai_is_batch_line(o));
	assert_false(openai_is_response(o));
	assert_int_equal(openai_result_from_obj(o, &r, err, sizeof(err)), 0);
	assert_string_equal(r.type, "succeeded");
	assert_string_equal(r.custom_id, "r1");
	assert_string_equal(r.u.source, "batch");
	assert_string_equal(r.u.provider, "openai");
	assert_string_equal(r.u.custom_id, "r1");
	assert_string_equal(r.u.request_id, "req_abc");
	assert_string_equal(r.u.message_id, "chatcmpl-9");
	assert_int_equal(r.u.tok.input, 300);
	assert_int_equal(r.u.tok.output, 20);
	assert_true(usage_is_batch(&r.u));
	json_decref(o);

	/* an error-file line: a 400 body, and one the batch never ran */
	o = load("{\"id\":\"batch_req_2\",\"custom_id\":\"r2\",\"response\":{\"status_code\":400,"
	    "\"request_id\":\"req_x\",\"body\":{\"error\":{\"message\":\"bad model\",\"type\":"
	    "\"invalid_request_error\",\"param\":null,\"code\":null}}},\"error\":null}");
	assert_true(openai_is_batch_line(o));
	assert_int_equal(openai_result_from_obj(o, &r, err, sizeof(err)), 0);
	assert_string_equal(r.type, "errored");
	assert_string_equal(r.error, "invalid_request_error: bad model");
	json_decref(o);
	o = load("{\"id\":\"batch_req_3\",\"custom_id\":\"r3\",\"response\":null,\"error\":"
	    "{\"code\":\"batch_expired\",\"message\":\"This request could not be executed\"}}");
	assert_true(openai_is_batch_line(o));
	assert_int_equal(openai_result_from_obj(o, &r, err, sizeof(err)), 0);
	assert_string_equal(r.type, "errored");
	assert_string_equal(r.error, "batch_expired: This request could not be executed");
	json_decref(o);

	/* malformed: named */
	o = load("{\"custom_id\":\"r4\",\"response\":{\"status_code\":200,\"body\":{\"object\":"
	    "\"chat.completion\",\"model\":\"gpt-5\",\"usage\":{\"prompt_tokens\":-3}}}}");
	assert_int_equal(openai_result_from_obj(o, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "response.body.usage.prompt_tokens: -3: not a token count"));
	json_decref(o);
	o = load("{\"custom_id\":\"r5\",\"response\":{\"status_code\":\"200\",\"body\":{}}}");
	assert_int_equal(openai_result_from_obj(o, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "response.status_code: not an integer");
	json_decref(o);
	o = load("{\"custom_id\":\"\",\"response\":{}}");
	assert_int_equal(openai_result_from_obj(o, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "custom_id: not a valid id");
	json_decref(o);
}

static void
test_batch_object(void **state)
{
	struct provider_batch b;
	char err[256];
	json_t *o;

	(void)state;
	o = load("{\"id\":\"batch_abc\",\"object\":\"batch\",\"status\":\"in_progress\","
	    "\"created_at\":1741570283,\"expires_at\":1741656683,\"request_counts\":"
	    "{\"total\":10,\"completed\":3,\"failed\":1}}");
	assert_int_equal(provider_openai.batch_from_json(o, &b, err, sizeof(err)), 0);
	assert_string_equal(b.id, "batch_abc");
	assert_string_equal(b.status, "in_progress");
	assert_int_equal(b.requests, 10);
	assert_int_equal(b.succeeded, 3);
	assert_int_equal(b.errored, 1);
	assert_int_equal(b.processing, 6);
	assert_int_equal(b.created_ms, 1741570283000LL);
	assert_int_equal(b.expires_ms, 1741656683000LL);
	json_decref(o);
	o = load("{\"id\":\"batch_abc\",\"status\":\"validating\",\"request_counts\":"
	    "{\"total\":10000000000000}}");
	assert_int_equal(provider_openai.batch_from_json(o, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "request_counts.total: 10000000000000: not a count"));
	json_decref(o);
}

/* The request rewrite: one splice, the rest byte for byte. */
static void
test_request_rewrite(void **state)
{
	static const struct {
		const char *path, *in, *out;    /* out NULL: unchanged */
	} c[] = {
		{ "/v1/chat/completions", "{\"model\":\"gpt-5\",\"stream\":true,\"messages\":[]}",
		  "{\"stream_options\":{\"include_usage\":true},\"model\":\"gpt-5\",\"stream\":true,"
		  "\"messages\":[]}" },
		{ "/v1/chat/completions", " { \"stream\" : true , \"stream_options\" : { } }",
		  " { \"stream\" : true , \"stream_options\" : {\"include_usage\":true } }" },
		{ "/v1/chat/completions", "{\"stream\":true,\"stream_options\":{\"x\":1}}",
		  "{\"stream\":true,\"stream_options\":{\"include_usage\":true,\"x\":1}}" },
		{ "/v1/chat/completions",
		  "{\"stream\":true,\"stream_options\":{\"include_usage\":false}}",
		  "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}" },
		{ "/v1/chat/completions?x=1", "{\"stream\":true,\"stream_options\":null}",
		  "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}" },
		/* unchanged */
		{ "/v1/chat/completions",
		  "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}", NULL },
		{ "/v1/chat/completions", "{\"stream\":false}", NULL },
		{ "/v1/chat/completions", "{\"model\":\"gpt-5\"}", NULL },
		{ "/v1/chat/completions", "{\"messages\":[{\"content\":\"\\\"stream\\\":true\"}]}",
		  NULL },
		{ "/v1/chat/completions", "[1,2]", NULL },
		{ "/v1/chat/completions", "{\"stream\":true,\"stream_options\":7}", NULL },
		{ "/v1/chat/completions", "{\"stream\":tru", NULL },
		{ "/v1/responses", "{\"stream\":true}", NULL },
	};
	char *out;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int rc = openai_request_rewrite(c[i].path, c[i].in, strlen(c[i].in), &out, &n);

		if (c[i].out == NULL) {
			if (rc != 0)
				fail_msg("case %zu changed: %s", i, out);
			assert_null(out);
			continue;
		}
		if (rc != 1)
			fail_msg("case %zu not changed", i);
		assert_int_equal(n, strlen(c[i].out));
		assert_string_equal(out, c[i].out);
		json_decref(load(out));         /* still JSON */
		free(out);
	}
}

/* What a client that did not ask for usage gets back: the stream without
 * the usage chunk and without "usage":null members. */
static void
test_relay_lines(void **state)
{
	static const char *const in[] = {
		"data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\":null\"}}],"
		"\"usage\":null}\n",
		"\n",
		"data: {\"usage\":null,\"id\":\"c\",\"choices\":[]}\r\n",
		"\r\n",
		"data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":5}}\n",
		"\n",
		"data: [DONE]\n",
		"\n",
		": keep-alive comment\n",
		"data: {\"id\":\"c\",\"choices\":[{\"delta\":{}}],\"usage\":{\"prompt_tokens\":5}}\n",
		"data: {\"id\":\"c\" , \"usage\" : null }\n",
		"data: {\"usage\":null}\n",
	};
	static const char *const want[] = {
		"data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\":null\"}}]}\n",
		"\n",
		"data: {\"id\":\"c\",\"choices\":[]}\r\n",
		"\r\n",
		"",                                  /* the usage chunk … */
		"",                                  /* … and its blank line */
		"data: [DONE]\n",
		"\n",
		": keep-alive comment\n",
		"data: {\"id\":\"c\",\"choices\":[{\"delta\":{}}]}\n",
		"data: {\"id\":\"c\"  }\n",
		"data: {}\n",
	};
	char out[512];
	size_t i, n;
	int st = 0;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		n = openai_relay_line(in[i], strlen(in[i]), out, &st);
		out[n] = '\0';
		if (strcmp(out, want[i]) != 0)
			fail_msg("line %zu: got [%s] want [%s]", i, out, want[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_lines),
		cmocka_unit_test(test_batch_object),
		cmocka_unit_test(test_request_rewrite),
		cmocka_unit_test(test_relay_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
