/* test_http_prep.c — a request as a value (core/http_prep.c), before any
 * transfer: the checks that refuse it, the copies it keeps, the header
 * lines it carries, per provider. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/http_int.h"
#include "core/provider.h"

#define KEY "sk-ant-api03-SECRETSECRETSECRET-zzzz"

/* Anthropic's target from base and key (auth "bearer" when bearer), and
 * OpenAI's from its own credentials. */
static void
targets(struct http_targets *ts, const char *base, const char *key, int bearer)
{
	struct config c;

	memset(&c, 0, sizeof(c));
	snprintf(c.base_url, sizeof(c.base_url), "%s", base);
	snprintf(c.api_key, sizeof(c.api_key), "%s", key);
	snprintf(c.auth_style, sizeof(c.auth_style), "%s", bearer ? "bearer" : "x-api-key");
	snprintf(c.cred[PROVIDER_OPENAI].base_url, sizeof(c.cred[0].base_url),
	    "http://127.0.0.1:9/v1/");
	snprintf(c.cred[PROVIDER_OPENAI].api_key, sizeof(c.cred[0].api_key), "sk-openai");
	http_targets_init(ts, &c);
}

/* Refused requests: the error's type and a piece of its message; nothing held. */
static void
test_refusals(void **state)
{
	static char long_path[2100];
	static const struct {
		const char *url;
		int         no_auth;
		const char *idem;
		const char *type, *want;
	} cases[] = {
		{ NULL, 0, NULL, "config_error", "bad request URL" },
		{ long_path, 0, NULL, "config_error", "bad request URL" },
		{ "http://api.example.com/v1/messages", 0, NULL, "insecure_url", "api.example.com" },
		{ "ftp://127.0.0.1/x", 0, NULL, "insecure_url", "unsupported URL scheme" },
		{ "/v1/messages", 0, "", "config_error", "bad idempotency key" },
		{ "/v1/messages", 0, "a b", "config_error", "bad idempotency key" },
		{ "/v1/messages", 0, "ключ", "config_error", "bad idempotency key" },
		{ "/v1/messages", 0, "k" "0123456789012345678901234567890123456789"
		  "0123456789012345678901234567890123456789" "0123456789012345",
		  "config_error", "bad idempotency key" },
	};
	struct http_targets ts;
	struct http_request rq;
	struct http_prep p;
	struct http_error e;
	size_t i;

	(void)state;
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	targets(&ts, "http://127.0.0.1:9", KEY, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&rq, 0, sizeof(rq));
		rq.url = cases[i].url;
		rq.no_auth = cases[i].no_auth;
		rq.idempotency_key = cases[i].idem;
		memset(&e, 0x55, sizeof(e));
		if (http_prep_init(&p, &ts, &rq, &e) != -1)
			fail_msg("case %zu: accepted", i);
		if (strcmp(e.type, cases[i].type) != 0 || strstr(e.message, cases[i].want) == NULL)
			fail_msg("case %zu: %s: %s", i, e.type, e.message);
		assert_int_equal(e.status, 0);
		assert_null(p.url);
		assert_null(p.body);
	}
	/* no key: named by its variable, unless the request sends none */
	targets(&ts, "http://127.0.0.1:9", "", 0);
	memset(&rq, 0, sizeof(rq));
	rq.url = "/v1/messages";
	assert_int_equal(http_prep_init(&p, &ts, &rq, &e), -1);
	assert_string_equal(e.type, "config_error");
	assert_string_equal(e.message, "no API key: set ANTHROPIC_API_KEY");
	assert_int_equal(http_prep_init(&p, &ts, &rq, NULL), -1);      /* err may be NULL */
	rq.no_auth = 1;
	assert_int_equal(http_prep_init(&p, &ts, &rq, &e), 0);
	http_prep_done(&p);
}

/* What is kept: the URL joined to the provider's base, the method and
 * accept defaulted, the body and the upload copied (the caller's may go). */
static void
test_copies(void **state)
{
	static const char *const form[] = { "purpose", "batch", NULL };
	struct http_targets ts;
	struct http_request rq;
	struct http_prep p;
	struct http_error e;
	char body[] = "{\"a\":1}";

	(void)state;
	targets(&ts, "http://127.0.0.1:9/", KEY, 0);
	memset(&rq, 0, sizeof(rq));
	rq.url = "/v1/models";
	assert_int_equal(http_prep_init(&p, &ts, &rq, &e), 0);
	assert_string_equal(p.url, "http://127.0.0.1:9/v1/models");
	assert_string_equal(p.method, "GET");
	assert_string_equal(p.accept, "application/json");
	assert_null(p.body);
	assert_string_equal(p.idem, "");
	assert_string_equal(p.t->api_key, KEY);
	http_prep_done(&p);
	assert_null(p.url);

	rq.url = "https://api.example.com/v1/messages";      /* absolute: as it is */
	rq.body = body;
	rq.body_len = 5;                                     /* a prefix: its length counts */
	rq.accept = "text/event-stream";
	rq.no_retry = 1;
	rq.idempotency_key = "alert:7_x-y.z";
	assert_int_equal(http_prep_init(&p, &ts, &rq, &e), 0);
	memset(body, 'X', sizeof(body) - 1);
	assert_string_equal(p.url, "https://api.example.com/v1/messages");
	assert_string_equal(p.method, "POST");
	assert_int_equal(p.body_len, 5);
	assert_string_equal(p.body, "{\"a\":");
	assert_string_equal(p.accept, "text/event-stream");
	assert_string_equal(p.idem, "alert:7_x-y.z");
	assert_int_equal(p.once, 1);
	http_prep_done(&p);

	memset(&rq, 0, sizeof(rq));
	rq.url = "/v1/files";
	rq.method = "DELETE";
	rq.pv = provider_at(PROVIDER_OPENAI);     /* its base, without the /v1 */
	rq.upload_path = "/tmp/in.jsonl";
	rq.form = form;
	assert_int_equal(http_prep_init(&p, &ts, &rq, &e), 0);
	assert_string_equal(p.url, "http://127.0.0.1:9/v1/files");
	assert_string_equal(p.method, "DELETE");
	assert_string_equal(p.t->api_key, "sk-openai");
	assert_string_equal(p.upload_path, "/tmp/in.jsonl");
	assert_string_equal(p.upload_name, "upload.jsonl");
	assert_string_equal(p.form[0], "purpose");
	assert_string_equal(p.form[1], "batch");
	assert_null(p.form[2]);
	assert_true(p.form[0] != form[0]);
	http_prep_done(&p);
	http_prep_done(NULL);
}

struct lines {
	char text[8][512];
	int  n, fail_at;          /* add fails at line fail_at (-1: never) */
};

static int
collect(void *arg, const char *line)
{
	struct lines *l = arg;

	assert_true(l->n < 8);
	snprintf(l->text[l->n], sizeof(l->text[0]), "%s", line);
	return l->n++ == l->fail_at ? -1 : 0;
}

/* The header lines, per provider and auth; a failed add goes on. */
static void
test_headers(void **state)
{
	static const struct {
		int         bearer, openai, no_auth, body;
		const char *idem;
		const char *want[7];
	} cases[] = {
		{ 0, 0, 0, 1, NULL, { "x-api-key: " KEY, "anthropic-version: 2023-06-01",
		  "accept: application/json", "content-type: application/json", "Expect:" } },
		{ 1, 0, 0, 0, "k1", { "Authorization: Bearer " KEY, "anthropic-version: 2023-06-01",
		  "accept: application/json", "Idempotency-Key: k1", "Expect:" } },
		{ 0, 1, 0, 1, NULL, { "Authorization: Bearer sk-openai", "accept: application/json",
		  "content-type: application/json", "Expect:" } },
		{ 0, 0, 1, 0, NULL, { "anthropic-version: 2023-06-01", "accept: application/json",
		  "Expect:" } },
	};
	struct http_targets ts;
	struct http_request rq;
	struct http_prep p;
	struct http_error e;
	struct lines l;
	size_t i;
	int j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		targets(&ts, "http://127.0.0.1:9", KEY, cases[i].bearer);
		memset(&rq, 0, sizeof(rq));
		rq.url = "/v1/x";
		rq.pv = cases[i].openai ? provider_at(PROVIDER_OPENAI) : NULL;
		rq.no_auth = cases[i].no_auth;
		rq.body = cases[i].body ? "{}" : NULL;
		rq.body_len = cases[i].body ? 2 : 0;
		rq.idempotency_key = cases[i].idem;
		assert_int_equal(http_prep_init(&p, &ts, &rq, &e), 0);
		memset(&l, 0, sizeof(l));
		l.fail_at = -1;
		assert_int_equal(http_prep_headers(&p, "2023-06-01", collect, &l), 0);
		for (j = 0; cases[i].want[j] != NULL; j++)
			if (j >= l.n || strcmp(l.text[j], cases[i].want[j]) != 0)
				fail_msg("case %zu line %d: '%s', want '%s'", i, j, j < l.n ?
				    l.text[j] : "(none)", cases[i].want[j]);
		assert_int_equal(l.n, j);
		memset(&l, 0, sizeof(l));
		l.fail_at = 0;
		assert_int_equal(http_prep_headers(&p, "2023-06-01", collect, &l), -1);
		assert_int_equal(l.n, j);        /* every line was still offered */
		http_prep_done(&p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_copies),
		cmocka_unit_test(test_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
