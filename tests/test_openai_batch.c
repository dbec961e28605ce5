/* test_openai_batch.c — OpenAI batches (core/openai_batch.c,
 * core/openai_batchfile.c, the neutral core/batch_client.c): the batch
 * object, the state words of both providers, input lines (short and full
 * form, every refusal named), a file planned with one model and one url,
 * hostile output lines counted as bad and never recorded, and the client
 * against the double: a multipart upload, a create carrying the intent
 * token, the list, the output and error files streamed, files deleted by
 * name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/batch.h"
#include "core/batch_client.h"
#include "core/batchres.h"
#include "core/http.h"
#include "core/openai_batch.h"
#include "tests/fakeapi_spawn.h"
#include "tests/lib/fx.h"

static json_t *
load(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	if (j == NULL)
		fail_msg("bad test JSON: %s", je.text);
	return j;
}

/* ---- the batch object ------------------------------------------------------ */

static void
test_batch_object(void **state)
{
	char where[BATCH_RESULTS_MAX][BATCH_WHERE_MAX];
	struct api_batch b;
	struct http_error e;
	json_t *o;

	(void)state;
	o = load("{\"id\":\"batch_abc\",\"object\":\"batch\",\"status\":\"in_progress\","
	    "\"input_file_id\":\"file-in\",\"created_at\":1700000000,\"expires_at\":1700086400,"
	    "\"request_counts\":{\"total\":10,\"completed\":6,\"failed\":1},"
	    "\"metadata\":{\"tokentop_intent\":\"tt0123\"},\"errors\":null}");
	assert_int_equal(openai_batch_from_json(o, &b, &e), 0);
	assert_string_equal(b.id, "batch_abc");
	assert_int_equal(b.provider, PROVIDER_OPENAI);
	assert_string_equal(b.processing_status, "in_progress");
	assert_int_equal(b.succeeded, 6);
	assert_int_equal(b.errored, 1);
	assert_int_equal(b.processing, 3);           /* real progress while it runs */
	assert_int_equal(b.created_ms, 1700000000000LL);
	assert_string_equal(b.intent, "tt0123");
	assert_string_equal(b.input_file_id, "file-in");
	assert_false(batch_client_openai.ended(&b));
	json_decref(o);

	o = load("{\"id\":\"batch_f\",\"object\":\"batch\",\"status\":\"failed\","
	    "\"failed_at\":1700000100,\"request_counts\":{\"total\":0,\"completed\":0,\"failed\":0},"
	    "\"errors\":{\"object\":\"list\",\"data\":[{\"code\":\"model_mismatch\",\"message\":"
	    "\"Model differs\",\"line\":2},{\"code\":\"empty\",\"message\":\"x\"}]}}");
	assert_int_equal(openai_batch_from_json(o, &b, &e), 0);
	assert_string_equal(b.errors, "line 2: model_mismatch: Model differs; empty: x");
	assert_int_equal(b.ended_ms, 1700000100000LL);
	assert_true(batch_client_openai.ended(&b));
	assert_int_equal(batch_client_openai.results(&b, where), 0);   /* no files */
	json_decref(o);

	/* refused: not a batch, a count that is no count */
	o = load("{\"id\":\"msgbatch_1\",\"type\":\"message_batch\"}");
	assert_int_equal(openai_batch_from_json(o, &b, &e), -1);
	assert_string_equal(e.type, "invalid_response");
	json_decref(o);
	o = load("{\"id\":\"batch_x\",\"object\":\"batch\",\"status\":\"completed\","
	    "\"request_counts\":{\"total\":-1,\"completed\":0,\"failed\":0}}");
	assert_int_equal(openai_batch_from_json(o, &b, &e), -1);
	assert_non_null(strstr(e.message, "total"));
	json_decref(o);
}

static void
test_results_where(void **state)
{
	char where[BATCH_RESULTS_MAX][BATCH_WHERE_MAX];
	struct api_batch b;

	(void)state;
	memset(&b, 0, sizeof(b));
	snprintf(b.output_file_id, sizeof(b.output_file_id), "file-out");
	snprintf(b.error_file_id, sizeof(b.error_file_id), "file-err");
	assert_int_equal(batch_client_openai.results(&b, where), 2);
	assert_string_equal(where[0], "/v1/files/file-out/content");
	assert_string_equal(where[1], "/v1/files/file-err/content");
	/* a file id that cannot go in a path is not asked for */
	snprintf(b.output_file_id, sizeof(b.output_file_id), "../../etc");
	assert_int_equal(batch_client_openai.results(&b, where), 1);
	assert_string_equal(where[0], "/v1/files/file-err/content");
	snprintf(b.id, sizeof(b.id), "msgbatch_9");
	assert_int_equal(batch_client_anthropic.results(&b, where), 1);
	assert_string_equal(where[0], "/v1/messages/batches/msgbatch_9/results");
}

/* Both providers' words in the console's vocabulary. */
static void
test_states(void **state)
{
	static const struct {
		const struct batch_client *c;
		const char *status;
		int64_t cancel_ms, canceled, expired;
		const char *want;
	} cases[] = {
		{ &batch_client_openai, "validating", 0, 0, 0, "validating" },
		{ &batch_client_openai, "in_progress", 0, 0, 0, "in_progress" },
		{ &batch_client_openai, "finalizing", 0, 0, 0, "finalizing" },
		{ &batch_client_openai, "completed", 0, 0, 0, "completed" },
		{ &batch_client_openai, "failed", 0, 0, 0, "failed" },
		{ &batch_client_openai, "expired", 0, 0, 0, "expired" },
		{ &batch_client_openai, "cancelling", 0, 0, 0, "cancelling" },
		{ &batch_client_openai, "cancelled", 0, 0, 0, "cancelled" },
		{ &batch_client_anthropic, "in_progress", 0, 0, 0, "in_progress" },
		{ &batch_client_anthropic, "canceling", 5, 0, 0, "cancelling" },
		{ &batch_client_anthropic, "ended", 0, 0, 0, "completed" },
		{ &batch_client_anthropic, "ended", 5, 3, 0, "cancelled" },
		{ &batch_client_anthropic, "ended", 0, 0, 2, "expired" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(batch_state_name(cases[i].c->state(cases[i].status,
		    cases[i].cancel_ms, cases[i].canceled, cases[i].expired)), cases[i].want);
	assert_ptr_equal(batch_client_for_id("batch_abc"), &batch_client_openai);
	assert_ptr_equal(batch_client_for_id("msgbatch_01"), &batch_client_anthropic);
	assert_null(batch_client_for_id("batch_"));
	assert_null(batch_client_for_id("batch_a/b"));
	assert_null(batch_client_for_id("file-1"));
}

/* ---- input lines --------------------------------------------------------------- */

static void
test_lines(void **state)
{
	static const struct {
		const char *line;
		const char *reason;     /* NULL = valid */
	} cases[] = {
		{ "{\"custom_id\":\"a\",\"prompt\":\"hi\"}", NULL },
		{ "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":"
		  "{\"model\":\"gpt-5-mini\",\"input\":\"hi\",\"max_output_tokens\":64}}", NULL },
		{ "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
		  "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}", NULL },
		{ "{\"custom_id\":\"a\",\"method\":\"PUT\",\"url\":\"/v1/responses\",\"body\":{}}",
		  "method must be \"POST\"" },
		{ "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{}}",
		  "url \"/v1/embeddings\" is not /v1/chat/completions or /v1/responses" },
		{ "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/responses\"}", "body missing" },
		{ "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":"
		  "{\"input\":\"x\"}}", "body.model missing" },
		{ "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
		  "{\"model\":\"gpt-4.1\",\"messages\":[]}}", "body.messages must be a non-empty array" },
		{ "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
		  "{\"model\":\"gpt-4.1\",\"stream\":true,\"messages\":[{\"role\":\"user\"}]}}",
		  "body.stream is not allowed in a batch" },
		{ "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
		  "{\"model\":\"gpt-4.1\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\"}]}}",
		  "body.max_tokens must be an integer >= 1" },
		{ "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
		  "{\"model\":\"gpt-4.1\",\"messages\":[{}]},\"extra\":1}", "unknown field \"extra\"" },
		{ "{\"custom_id\":\"a b\",\"prompt\":\"x\"}", "custom_id \"a b\" has a space" },
		{ "{\"custom_id\":\"a\",\"prompt\":\"x\",\"body\":{}}", "both body and prompt" },
		{ "{\"custom_id\":\"a\",\"prompt\":\"\"}", "prompt must be a non-empty string" },
		{ "{\"custom_id\":\"a\",\"prompt\":\"x\",\"temperature\":1}", "unknown field" },
		{ "{\"custom_id\":\"a\"}", "body missing (or \"prompt\" for the short form)" },
		{ "[1,2]", "not a JSON object" },
		{ "{\"custom_id\":", "invalid JSON" },
	};
	struct batch_opts o;
	struct batch_req r;
	char reason[512];
	size_t i;
	int rc;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.model = "gpt-4.1-nano";
	o.max_tokens = 100;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reason[0] = '\0';
		rc = openai_batch_line_check(cases[i].line, strlen(cases[i].line), &o, &r, reason,
		    sizeof(reason));
		if (cases[i].reason == NULL) {
			if (rc != 1)
				fail_msg("case %zu refused: %s", i, reason);
			assert_string_equal(r.provider, "openai");
			batch_req_done(&r);
		} else {
			assert_int_equal(rc, -1);
			if (strstr(reason, cases[i].reason) == NULL)
				fail_msg("case %zu: \"%s\" lacks \"%s\"", i, reason, cases[i].reason);
		}
	}
	/* blank */
	assert_int_equal(openai_batch_line_check(" \t\r", 3, &o, &r, reason, sizeof(reason)), 0);
	/* the short form completed: a Chat request with the cap every model takes */
	{
		static const char l[] = "{\"custom_id\":\"s1\",\"prompt\":\"hello\",\"system\":"
		    "\"be brief\"}";

		rc = openai_batch_line_check(l, strlen(l), &o, &r, reason, sizeof(reason));
	}
	assert_int_equal(rc, 1);
	assert_string_equal(r.url, "/v1/chat/completions");
	assert_string_equal(r.model, "gpt-4.1-nano");
	assert_int_equal(r.max_tokens, 100);
	assert_string_equal(r.json, "{\"custom_id\":\"s1\",\"method\":\"POST\",\"url\":"
	    "\"/v1/chat/completions\",\"body\":{\"model\":\"gpt-4.1-nano\",\"messages\":[{\"role\":"
	    "\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hello\"}],"
	    "\"max_completion_tokens\":100}}");
	batch_req_done(&r);
	o.model = NULL;
	assert_int_equal(openai_batch_line_check("{\"custom_id\":\"s1\",\"prompt\":\"x\"}",
	    strlen("{\"custom_id\":\"s1\",\"prompt\":\"x\"}"), &o, &r, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "model missing (add \"model\" or give --model)");
}

/* A file: one model and one url per file, split at small limits. */
static void
test_plan(void **state)
{
	struct batch_opts o;
	struct batch_plan plan;
	char err[512];
	const char *path;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.line_check = openai_batch_line_check;
	o.one_model = o.one_url = 1;
	o.model = "gpt-4.1-mini";
	o.max_tokens = 10;
	o.max_requests = 2;
	path = fx_write_file("p.jsonl",
	    "{\"custom_id\":\"a\",\"prompt\":\"one\"}\n"
	    "{\"custom_id\":\"b\",\"prompt\":\"two\"}\n"
	    "\n"
	    "{\"custom_id\":\"c\",\"prompt\":\"three\"}\n");
	assert_int_equal(batch_plan_file(path, &o, NULL, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.nbad, 0);
	assert_int_equal(plan.requests, 3);
	assert_int_equal(plan.nparts, 2);
	assert_string_equal(plan.url, "/v1/chat/completions");
	assert_int_equal(plan.parts[1].first_line, 4);
	batch_plan_done(&plan);

	path = fx_write_file("q.jsonl",
	    "{\"custom_id\":\"a\",\"prompt\":\"one\"}\n"
	    "{\"custom_id\":\"b\",\"prompt\":\"two\",\"model\":\"gpt-5\"}\n"
	    "{\"custom_id\":\"c\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":"
	    "{\"model\":\"gpt-4.1-mini\",\"input\":\"x\"}}\n");
	assert_int_equal(batch_plan_file(path, &o, NULL, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.nbad, 2);
	assert_non_null(strstr(plan.errors[0], "q.jsonl:2: model \"gpt-5\" differs from line 1's "
	    "\"gpt-4.1-mini\""));
	assert_non_null(strstr(plan.errors[1], "q.jsonl:3: url \"/v1/responses\" differs from "
	    "line 1's"));
	batch_plan_done(&plan);
	o.one_model = 0;            /* --mixed-models */
	assert_int_equal(batch_plan_file(path, &o, NULL, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.nbad, 1);
	batch_plan_done(&plan);
}

/* ---- output lines: hostile ones are counted bad, never recorded ------------ */

struct rec {
	int  n, succeeded, errored, canceled, expired;
	struct usage u;
};

static int
record(void *arg, const struct usage_result *o, char *err, size_t errlen)
{
	struct rec *g = arg;

	(void)err;
	(void)errlen;
	g->n++;
	if (strcmp(o->type, "succeeded") == 0) {
		g->succeeded++;
		g->u = o->u;
	} else if (strcmp(o->type, "errored") == 0)
		g->errored++;
	else if (strcmp(o->type, "canceled") == 0)
		g->canceled++;
	else
		g->expired++;
	return 0;
}

static void
test_hostile_output(void **state)
{
	static const char good[] =
	    "{\"id\":\"batch_req_1\",\"custom_id\":\"r1\",\"response\":{\"status_code\":200,"
	    "\"request_id\":\"req_1\",\"body\":{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\","
	    "\"model\":\"gpt-4.1-mini\",\"choices\":[{\"finish_reason\":\"stop\"}],\"usage\":"
	    "{\"prompt_tokens\":1200,\"completion_tokens\":40,\"prompt_tokens_details\":"
	    "{\"cached_tokens\":1024},\"completion_tokens_details\":{\"reasoning_tokens\":0}},"
	    "\"service_tier\":\"default\"}},\"error\":null}\n";
	static const char *const hostile[] = {
		"not json\n",
		"[]\n",
		"{\"custom_id\":\"h1\",\"response\":\"a string\"}\n",
		"{\"custom_id\":\"h2\",\"response\":{\"status_code\":\"200\",\"body\":{}}}\n",
		"{\"custom_id\":\"h3\",\"response\":{\"status_code\":200,\"body\":{\"object\":"
		"\"chat.completion\",\"model\":\"gpt-4.1\",\"usage\":{\"prompt_tokens\":-5}}}}\n",
		"{\"custom_id\":\"h4\",\"response\":{\"status_code\":200,\"body\":{\"object\":"
		"\"chat.completion\",\"model\":\"gpt-4.1\",\"usage\":{\"prompt_tokens\":"
		"99999999999999999999}}}}\n",
		"{\"custom_id\":\"h5\",\"response\":{\"status_code\":200,\"body\":{\"object\":"
		"\"chat.completion\",\"model\":\"gpt-4.1\",\"usage\":{\"prompt_tokens\":10,"
		"\"completion_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":11}}}}}\n",
		"{\"custom_id\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"\",\"response\":null,\"error\":{\"code\":\"x\"}}\n",
		"{\"response\":null,\"error\":{\"code\":\"no id\"}}\n",
		"{\"custom_id\":\"h8\",\"response\":{\"status_code\":200,\"body\":\"\xff\xfe\"}}\n",
	};
	static const char tail[] =
	    "{\"id\":\"batch_req_2\",\"custom_id\":\"r2\",\"response\":{\"status_code\":400,\"body\":"
	    "{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\"}}},\"error\":null}\n"
	    "{\"id\":\"batch_req_3\",\"custom_id\":\"r3\",\"response\":null,\"error\":{\"code\":"
	    "\"batch_cancelled\",\"message\":\"cancelled\"}}\n"
	    "{\"id\":\"batch_req_4\",\"custom_id\":\"r4\",\"response\":null,\"error\":{\"code\":"
	    "\"batch_expired\",\"message\":\"expired\"}}\n";
	struct batch_ingest *in;
	struct batch_ingest_stats st;
	struct rec g;
	char err[256];
	size_t i;

	(void)state;
	memset(&g, 0, sizeof(g));
	in = batch_ingest_new("batch_h", NULL, "t", 1700000000000LL, record, &g, err, sizeof(err));
	assert_non_null(in);
	batch_ingest_set_parser(in, batch_client_openai.result_line);
	assert_int_equal(batch_ingest_feed(in, good, strlen(good), err, sizeof(err)), 0);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		assert_int_equal(batch_ingest_feed(in, hostile[i], strlen(hostile[i]), err,
		    sizeof(err)), 0);
	assert_int_equal(batch_ingest_feed(in, tail, strlen(tail), err, sizeof(err)), 0);
	assert_int_equal(batch_ingest_finish(in, NULL, 0, err, sizeof(err)), 0);
	batch_ingest_stats(in, &st);
	batch_ingest_free(in);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.succeeded, 1);
	assert_int_equal(g.errored, 1);
	assert_int_equal(g.canceled, 1);
	assert_int_equal(g.expired, 1);
	assert_int_equal(st.bad, (int64_t)(sizeof(hostile) / sizeof(hostile[0])));
	/* the good row: OpenAI's counts split, stamped, at the batch rate */
	assert_string_equal(g.u.provider, "openai");
	assert_string_equal(g.u.service_tier, "batch");
	assert_string_equal(g.u.batch_id, "batch_h");
	assert_int_equal(g.u.tok.input, 1200 - 1024);
	assert_int_equal(g.u.tok.cache_read, 1024);
	assert_int_equal(g.u.tok.output, 40);
	assert_int_equal(g.u.ts_ms, 1700000000000LL);
}

/* ---- the client against the double ------------------------------------------- */

static void
test_client(void **state)
{
	struct config c;
	struct http_multi *m;
	struct http_error e;
	struct api_batch b, *list = NULL;
	char fid[USAGE_ID_MAX], body_id[USAGE_ID_MAX];
	const char *path;
	json_t *body, *resp = NULL;
	size_t n = 0, i;
	int found = 0, deleted = -1;

	(void)state;
	fakeapi_config(&fx_fa, &c);
	snprintf(c.cred[PROVIDER_OPENAI].base_url, sizeof(c.cred[0].base_url), "%s/v1/", fx_fa.base);
	snprintf(c.cred[PROVIDER_OPENAI].api_key, sizeof(c.cred[0].api_key), "sk-openai-test");
	m = fx_client(&c);
	assert_true(http_multi_has_key(m, PROVIDER_OPENAI));
	path = fx_write_file("up.jsonl",
	    "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
	    "{\"model\":\"gpt-4.1-nano\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n");
	assert_int_equal(openai_file_upload(m, path, "tokentop-tt1.jsonl", fid, &e), 0);
	assert_true(strncmp(fid, "file-", 5) == 0);
	/* a second upload of the same name: an orphan */
	assert_int_equal(openai_file_upload(m, path, "tokentop-tt1.jsonl", body_id, &e), 0);
	body = openai_batch_create_body(fid, "/v1/chat/completions", "tt1");
	assert_int_equal(api_json_for(m, &provider_openai, "POST", "/v1/batches", body, &resp,
	    NULL, &e), 0);
	json_decref(body);
	assert_int_equal(openai_batch_from_json(resp, &b, &e), 0);
	json_decref(resp);
	assert_string_equal(b.intent, "tt1");
	assert_string_equal(b.input_file_id, fid);
	assert_int_equal(batch_client_get(&batch_client_openai, m, b.id, &b, &e), 0);
	assert_int_equal(batch_client_list_since(&batch_client_openai, m, b.created_ms - 1000,
	    &list, &n, &e), 0);
	for (i = 0; i < n; i++)
		found |= strcmp(list[i].id, b.id) == 0 && strcmp(list[i].intent, "tt1") == 0;
	free(list);
	assert_true(found);
	/* the sweep deletes the orphan, keeps the batch's file */
	assert_int_equal(openai_files_delete_named(m, "tokentop-tt1.jsonl", fid, &deleted, &e), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(openai_files_delete_named(m, "tokentop-tt1.jsonl", fid, &deleted, &e), 0);
	assert_int_equal(deleted, 0);
	/* a file already gone deletes fine */
	assert_int_equal(openai_file_delete(m, body_id, &e), 0);
	/* an Anthropic-only client has no OpenAI key: said, nothing sent */
	c.cred[PROVIDER_OPENAI].api_key[0] = '\0';
	http_multi_free(m);
	m = fx_client(&c);
	assert_int_equal(batch_client_get(&batch_client_openai, m, "batch_x", &b, &e), -1);
	assert_string_equal(e.message, "no API key: set OPENAI_API_KEY");
	http_multi_free(m);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_batch_object),
		cmocka_unit_test(test_results_where),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_hostile_output),
	};
	const struct CMUnitTest net[] = {
		cmocka_unit_test_setup(test_client, fx_fakeapi_reset),
	};
	int rc;

	rc = cmocka_run_group_tests_name("openai_batch", pure, fx_tmpdir_setup, fx_tmpdir_teardown);
	if (fx_tmpdir_setup(NULL) != 0)
		return 1;
	rc |= cmocka_run_group_tests_name("openai_batch_client", net, fx_fakeapi_start,
	    fx_fakeapi_stop);
	fx_tmpdir_teardown(NULL);
	return rc;
}
