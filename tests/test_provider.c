/* test_provider.c — the provider seam: one table of cases per provider run
 * through the same neutral code (response usage → pricing, streams through
 * the neutral accumulator), OpenAI's prices, routing. Costs are worked out
 * by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/pricing.h"
#include "tests/lib/fx.h"
#include "core/provider.h"

#define M 1000000LL                 /* pico-dollars per token of $1/MTok */

static int
setup(void **state)
{
	*state = fx_shipped_prices();
	return 0;
}

static int
teardown(void **state)
{
	pricing_free(*state);
	return 0;
}

/* api-notes §8: input / cached input / output, USD per MTok. */
static const struct {
	const char *id;
	int64_t in, cr, out;
} openai_rates[] = {
	{ "gpt-5", 1250000, 125000, 10 * M },
	{ "gpt-5-codex", 1250000, 125000, 10 * M },
	{ "gpt-5-mini", 250000, 25000, 2 * M },
	{ "gpt-5-nano", 50000, 5000, 400000 },
	{ "gpt-4.1", 2 * M, 500000, 8 * M },
	{ "gpt-4.1-mini", 400000, 100000, 1600000 },
	{ "gpt-4.1-nano", 100000, 25000, 400000 },
	{ "gpt-4o", 2500000, 1250000, 10 * M },
	{ "gpt-4o-mini", 150000, 75000, 600000 },
	{ "o3", 2 * M, 500000, 8 * M },
	{ "o4-mini", 1100000, 275000, 4400000 },
};

static void
test_openai_rates(void **state)
{
	const struct pricing *p = *state;
	const struct model_price *mp;
	size_t i, n = 0;

	for (i = 0; i < pricing_count(p); i++)
		n += pricing_at(p, i)->provider == PROVIDER_OPENAI;
	assert_int_equal(n, sizeof(openai_rates) / sizeof(openai_rates[0]));
	for (i = 0; i < n; i++) {
		mp = pricing_find_for(p, PROVIDER_OPENAI, openai_rates[i].id);
		if (mp == NULL)
			fail_msg("%s not found", openai_rates[i].id);
		assert_int_equal(mp->base.input, openai_rates[i].in);
		assert_int_equal(mp->base.cache_read, openai_rates[i].cr);
		assert_int_equal(mp->base.output, openai_rates[i].out);
		/* no cache-write charge: the write rates are the input rate */
		assert_int_equal(mp->base.write_5m, openai_rates[i].in);
		assert_int_equal(mp->base.write_1h, openai_rates[i].in);
		assert_int_equal(mp->min_cache_tokens, 1024);
		assert_int_equal(mp->priority_permille, 2000);
		/* an OpenAI model is not Anthropic's */
		assert_null(pricing_find_for(p, PROVIDER_ANTHROPIC, openai_rates[i].id));
	}
	/* dated ids resolve like Claude's */
	mp = pricing_find_for(p, PROVIDER_OPENAI, "gpt-4.1-2025-04-14");
	assert_non_null(mp);
	assert_string_equal(mp->id, "gpt-4.1");
	mp = pricing_find_for(p, PROVIDER_OPENAI, "gpt-4o-mini-2024-07-18");
	assert_non_null(mp);
	assert_string_equal(mp->id, "gpt-4o-mini");
	assert_null(pricing_find_for(p, PROVIDER_OPENAI, "gpt-4.1-2025-04-1x"));
	assert_null(pricing_find_for(p, PROVIDER_OPENAI, "gpt-9"));
	assert_null(pricing_find_for(p, PROVIDER_OPENAI, "claude-sonnet-4-5"));
}

/* ---- one table of response cases per provider -------------------------- */

struct rcase {
	const char *name;
	const struct provider *pv;
	const char *source;          /* "call" or "batch" */
	const char *json;
	/* expected */
	int64_t in, w5, w1, cr, out, reasoning;
	const char *stop_reason;
	int64_t nanos;               /* -1: unpriced */
};

static const struct rcase cases[] = {
	/* api-notes §1: 21×3 + 188,086×3.75 + 393×15 = 711,280.5 µ$ */
	{ "anthropic sonnet, 5m writes", &provider_anthropic, "call",
	  "{\"id\":\"msg_01\",\"type\":\"message\",\"model\":\"claude-sonnet-4-5-20250929\","
	  "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":21,"
	  "\"cache_creation_input_tokens\":188086,\"cache_read_input_tokens\":0,"
	  "\"output_tokens\":393}}",
	  21, 188086, 0, 0, 393, 0, "end_turn", 711280500 },
	/* api-notes §8 chat: prompt 1117 INCLUDES cached 1024: 93×2 + 1024×0.50 + 46×8 = 1,066 µ$ */
	{ "openai chat, cached inside prompt", &provider_openai, "call",
	  "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1741570283,"
	  "\"model\":\"gpt-4.1-2025-04-14\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
	  "\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":{"
	  "\"prompt_tokens\":1117,\"completion_tokens\":46,\"total_tokens\":1163,"
	  "\"prompt_tokens_details\":{\"cached_tokens\":1024,\"audio_tokens\":0},"
	  "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
	  "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},"
	  "\"service_tier\":\"default\"}",
	  93, 0, 0, 1024, 46, 0, "stop", 1066000 },
	/* Responses, o3, reasoning 1200 INSIDE output 1500: 2000×2 + 1500×8 = 16,000 µ$
	 * (adding reasoning again would make it 25,600) */
	{ "openai responses, reasoning inside output", &provider_openai, "call",
	  "{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"model\":"
	  "\"o3-2025-04-16\",\"output\":[],\"usage\":{\"input_tokens\":2000,"
	  "\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":1500,"
	  "\"output_tokens_details\":{\"reasoning_tokens\":1200},\"total_tokens\":3500},"
	  "\"service_tier\":\"default\"}",
	  2000, 0, 0, 0, 1500, 1200, "completed", 16000000 },
	/* flex at the batch rate: (50,000×1.25 + 50,000×0.125 + 20,000×10) / 2 = 134,375 µ$ */
	{ "openai flex at half", &provider_openai, "call",
	  "{\"id\":\"chatcmpl-2\",\"object\":\"chat.completion\",\"model\":\"gpt-5\","
	  "\"choices\":[{\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":100000,"
	  "\"completion_tokens\":20000,\"prompt_tokens_details\":{\"cached_tokens\":50000},"
	  "\"completion_tokens_details\":{\"reasoning_tokens\":15000}},\"service_tier\":\"flex\"}",
	  50000, 0, 0, 50000, 20000, 15000, "max_tokens", 134375000 },
	/* priority ×2 (price data): (1000×0.25 + 100×2) × 2 = 900 µ$ */
	{ "openai priority multiplier", &provider_openai, "call",
	  "{\"id\":\"chatcmpl-3\",\"object\":\"chat.completion\",\"model\":\"gpt-5-mini\","
	  "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":100},"
	  "\"service_tier\":\"priority\"}",
	  1000, 0, 0, 0, 100, 0, "", 900000 },
	/* a batch row: (10,000×0.15 + 2,048×0.075 + 500×0.60) / 2 = 976.8 µ$ */
	{ "openai batch at half", &provider_openai, "batch",
	  "{\"id\":\"chatcmpl-4\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\","
	  "\"usage\":{\"prompt_tokens\":12048,\"completion_tokens\":500,"
	  "\"prompt_tokens_details\":{\"cached_tokens\":2048}},\"service_tier\":\"default\"}",
	  10000, 0, 0, 2048, 500, 0, "", 976800 },
	/* rounding once, half up: (3×0.05 + 1×0.005 + 1×0.40) / 2 µ$ = 277.5 n$ → 278 */
	{ "openai rounding", &provider_openai, "call",
	  "{\"id\":\"resp_2\",\"object\":\"response\",\"status\":\"incomplete\","
	  "\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"model\":\"gpt-5-nano\","
	  "\"usage\":{\"input_tokens\":4,\"input_tokens_details\":{\"cached_tokens\":1},"
	  "\"output_tokens\":1},\"service_tier\":\"flex\"}",
	  3, 0, 0, 1, 1, 0, "max_tokens", 278 },
	/* unknown models are unpriced, their tokens kept */
	{ "openai unknown model", &provider_openai, "call",
	  "{\"id\":\"chatcmpl-5\",\"object\":\"chat.completion\",\"model\":\"gpt-9-preview\","
	  "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}",
	  10, 0, 0, 0, 5, 0, "", -1 },
	{ "openai embeddings", &provider_openai, "call",
	  "{\"object\":\"list\",\"data\":[],\"model\":\"text-embedding-3-small\","
	  "\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}",
	  8, 0, 0, 0, 0, 0, "", -1 },
};

static void
test_response_cases(void **state)
{
	const struct pricing *p = *state;
	char err[256];
	struct usage u;
	int64_t nanos;
	json_t *o;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];

		o = json_loads(c->json, 0, NULL);
		assert_non_null(o);
		memset(&u, 0, sizeof(u));
		if (c->pv->response_usage(o, &u, err, sizeof(err)) != 0)
			fail_msg("%s: %s", c->name, err);
		json_decref(o);
		usage_strlcpy(u.source, c->source, sizeof(u.source));
		assert_string_equal(u.provider, c->pv->name);
		assert_ptr_equal(provider_of(&u), c->pv);
		if (u.tok.input != c->in || u.tok.write_5m != c->w5 || u.tok.write_1h != c->w1 ||
		    u.tok.cache_read != c->cr || u.tok.output != c->out ||
		    u.reasoning_tokens != c->reasoning)
			fail_msg("%s: buckets %lld %lld %lld %lld %lld r%lld", c->name,
			    (long long)u.tok.input, (long long)u.tok.write_5m,
			    (long long)u.tok.write_1h, (long long)u.tok.cache_read,
			    (long long)u.tok.output, (long long)u.reasoning_tokens);
		assert_string_equal(u.stop_reason, c->stop_reason);
		if (c->nanos < 0) {
			assert_int_equal(pricing_usage_cost(p, &u, &nanos), -1);
		} else {
			assert_int_equal(pricing_usage_cost(p, &u, &nanos), 0);
			if (nanos != c->nanos)
				fail_msg("%s: %lld nanos, want %lld", c->name, (long long)nanos,
				    (long long)c->nanos);
		}
		assert_int_equal(usage_row_check(&u, err, sizeof(err)), 0);
	}
}

/* Malformed OpenAI usage names the field and the value. */
static void
test_openai_malformed(void **state)
{
	static const struct {
		const char *json, *want;
	} bad[] = {
		{ "{\"object\":\"chat.completion\",\"model\":\"gpt-5\",\"usage\":{\"prompt_tokens\":10,"
		  "\"prompt_tokens_details\":{\"cached_tokens\":11}}}",
		  "usage.prompt_tokens_details.cached_tokens: 11: more than usage.prompt_tokens (10)" },
		{ "{\"object\":\"response\",\"model\":\"o3\",\"usage\":{\"output_tokens\":5,"
		  "\"output_tokens_details\":{\"reasoning_tokens\":6}}}",
		  "usage.output_tokens_details.reasoning_tokens: 6: more than usage.output_tokens (5)" },
		{ "{\"object\":\"chat.completion\",\"model\":\"gpt-5\",\"usage\":{\"prompt_tokens\":"
		  "1000000000001}}",
		  "usage.prompt_tokens: 1000000000001: not a token count (0..1000000000000)" },
		{ "{\"object\":\"chat.completion\",\"model\":\"gpt-5\",\"usage\":{\"completion_tokens\":"
		  "-1}}", "usage.completion_tokens: -1: not a token count" },
		{ "{\"object\":\"chat.completion\",\"model\":\"gpt-5\",\"usage\":{\"prompt_tokens\":1.5}}",
		  "usage.prompt_tokens: 1.5: not a non-negative integer" },
		{ "{\"object\":\"chat.completion\",\"model\":\"gpt-5\",\"usage\":{\"prompt_tokens\":1,"
		  "\"prompt_tokens_details\":[]}}", "usage.prompt_tokens_details: not an object" },
		{ "{\"object\":\"chat.completion\",\"usage\":{}}", "model: missing" },
		{ "{\"object\":\"chat.completion\",\"model\":\"gpt-5\"}", "usage: missing" },
		{ "{\"object\":\"thread\",\"model\":\"gpt-5\",\"usage\":{}}", "object: not" },
	};
	char err[256];
	struct usage u;
	json_t *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = json_loads(bad[i].json, 0, NULL);
		assert_non_null(o);
		memset(&u, 0, sizeof(u));
		err[0] = '\0';
		assert_int_equal(provider_openai.response_usage(o, &u, err, sizeof(err)), -1);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].want);
		json_decref(o);
	}
	/* the ledger's own check refuses reasoning above output whatever the source */
	memset(&u, 0, sizeof(u));
	u.tok.output = 5;
	u.reasoning_tokens = 6;
	assert_int_equal(usage_row_check(&u, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reasoning_tokens: 6: more than output_tokens (5)"));
}

/* Savings per lever on an OpenAI row: cache = cached tokens at the input
 * rate minus what they cost; batch = full price minus the batch price. */
static void
test_openai_savings(void **state)
{
	const struct pricing *p = *state;
	const struct model_price *mp = pricing_find_for(p, PROVIDER_OPENAI, "gpt-4.1");
	struct tokens t = { 93, 0, 0, 1024, 46 };
	struct price_flags f = { 0, 0, 0, 0, 0 };
	struct savings sv;

	assert_non_null(mp);
	assert_int_equal(pricing_savings(mp, &t, &f, 0, NULL, 0, &sv), 0);
	assert_int_equal(sv.cache, 1536000);       /* 1024 × (2 − 0.50) µ$ */
	assert_int_equal(sv.batch, 0);
	f.batch = 1;
	assert_int_equal(pricing_savings(mp, &t, &f, 0, NULL, 0, &sv), 0);
	assert_int_equal(sv.cache, 768000);        /* the same at half */
	assert_int_equal(sv.batch, 533000);        /* 1,066 µ$ − 533 µ$ */
}

/* ---- streams: each provider's events through the neutral accumulator ---- */

struct scase {
	const char *name;
	const struct provider *pv;
	const char *stream;
	int64_t in, cr, out, reasoning;
	const char *model, *id, *stop_reason;
};

static const struct scase streams[] = {
	{ "anthropic messages", &provider_anthropic,
	  "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_9\","
	  "\"type\":\"message\",\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":12,"
	  "\"cache_read_input_tokens\":4096,\"output_tokens\":1}}}\n\n"
	  "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":"
	  "{\"text\":\"hi\"}}\n\n"
	  "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
	  "\"end_turn\"},\"usage\":{\"output_tokens\":30}}\n\n"
	  "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
	  12, 4096, 30, 0, "claude-haiku-4-5", "msg_9", "end_turn" },
	{ "openai chat with include_usage", &provider_openai,
	  "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"model\":"
	  "\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},"
	  "\"finish_reason\":null}],\"usage\":null}\n\n"
	  "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"model\":"
	  "\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
	  "\"length\"}],\"usage\":null}\n\n"
	  "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"model\":"
	  "\"gpt-4o-2024-08-06\",\"service_tier\":\"default\",\"choices\":[],\"usage\":{"
	  "\"prompt_tokens\":2000,\"completion_tokens\":16,\"prompt_tokens_details\":{"
	  "\"cached_tokens\":1152}}}\n\ndata: [DONE]\n\n",
	  848, 1152, 16, 0, "gpt-4o-2024-08-06", "chatcmpl-7", "max_tokens" },
	{ "openai responses", &provider_openai,
	  "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":"
	  "\"resp_7\",\"object\":\"response\",\"model\":\"o4-mini\",\"usage\":null}}\n\n"
	  "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
	  "\"delta\":\"\\\"usage\\\":{\"}\n\n"
	  "event: response.completed\r\ndata: {\"type\":\"response.completed\",\"response\":{"
	  "\"id\":\"resp_7\",\"object\":\"response\",\"status\":\"completed\",\"model\":"
	  "\"o4-mini-2025-04-16\",\"usage\":{\"input_tokens\":50,\"input_tokens_details\":"
	  "{\"cached_tokens\":0},\"output_tokens\":40,\"output_tokens_details\":"
	  "{\"reasoning_tokens\":32}}}}\r\n\r\n",
	  50, 0, 40, 32, "o4-mini-2025-04-16", "resp_7", "completed" },
};

static void
check_stream(const struct scase *c, struct provider_stream *s)
{
	struct usage u;

	if (provider_stream_usage(s, &u) != 1)
		fail_msg("%s: no usage (%s)", c->name, provider_stream_error(s) ?
		    provider_stream_error(s) : "-");
	assert_string_equal(u.provider, c->pv->name);
	assert_int_equal(u.tok.input, c->in);
	assert_int_equal(u.tok.cache_read, c->cr);
	assert_int_equal(u.tok.output, c->out);
	assert_int_equal(u.reasoning_tokens, c->reasoning);
	assert_string_equal(u.model, c->model);
	assert_string_equal(u.message_id, c->id);
	assert_string_equal(u.stop_reason, c->stop_reason);
}

static void
test_stream_cases(void **state)
{
	struct provider_stream *s = malloc(sizeof(*s));
	size_t i, k, n;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
		n = strlen(streams[i].stream);
		provider_stream_init(s, streams[i].pv);
		provider_stream_feed(s, streams[i].stream, n);
		check_stream(&streams[i], s);
		provider_stream_done(s);
		for (k = 1; k < n; k += 7) {     /* any split */
			provider_stream_init(s, streams[i].pv);
			provider_stream_feed(s, streams[i].stream, k);
			provider_stream_feed(s, streams[i].stream + k, n - k);
			check_stream(&streams[i], s);
			provider_stream_done(s);
		}
		/* cut before its usage: none (OpenAI's comes at the end only) */
		if (streams[i].pv == &provider_openai) {
			provider_stream_init(s, streams[i].pv);
			provider_stream_feed(s, streams[i].stream, n / 3);
			assert_int_equal(provider_stream_usage(s, NULL), 0);
			provider_stream_done(s);
		}
	}
	free(s);
}

static void
feed_str(struct provider_stream *s, const char *str)
{
	provider_stream_feed(s, str, strlen(str));
}

/* A response.completed line far past the inline buffer (a long answer) is
 * still read; a malformed usage makes the bill unknown, saying why. */
static void
test_stream_long_and_bad(void **state)
{
	struct provider_stream *s = malloc(sizeof(*s));
	size_t big = 200 * 1024, i;
	char *line = malloc(big + 512);
	struct usage u;
	int o;

	(void)state;
	assert_non_null(s);
	assert_non_null(line);
	o = snprintf(line, 512, "event: response.completed\ndata: {\"type\":\"response.completed\","
	    "\"response\":{\"object\":\"response\",\"id\":\"resp_L\",\"model\":\"gpt-5\",\"output\":\"");
	for (i = 0; i < big; i++)
		line[o++] = 'x';
	o += snprintf(line + o, 512, "\",\"usage\":{\"input_tokens\":7,\"output_tokens\":9}}}\n\n");
	provider_stream_init(s, &provider_openai);
	for (i = 0; i < (size_t)o; i += 4096)
		provider_stream_feed(s, line + i, (size_t)o - i < 4096 ? (size_t)o - i : 4096);
	assert_int_equal(provider_stream_usage(s, &u), 1);
	assert_int_equal(u.tok.input, 7);
	assert_int_equal(u.tok.output, 9);
	provider_stream_done(s);

	provider_stream_init(s, &provider_openai);
	feed_str(s, "data: {\"object\":\"chat.completion.chunk\",\"model\":\"gpt-5\","
	    "\"choices\":[],\"usage\":{\"prompt_tokens\":9223372036854775807}}\n\n");
	assert_int_equal(provider_stream_usage(s, &u), 0);
	assert_non_null(provider_stream_error(s));
	assert_non_null(strstr(provider_stream_error(s),
	    "chunk: usage.prompt_tokens: 9223372036854775807: not a token count"));
	provider_stream_done(s);

	/* a bare "data:" after a longer line (found by fuzz_openai): an empty
	 * event, not a read past the line */
	provider_stream_init(s, &provider_openai);
	feed_str(s, "data: {\"object\":\"chat.completion.chunk\"}\ndata:\nevent:\ndata:");
	feed_str(s, "\n\n");
	assert_int_equal(provider_stream_usage(s, &u), 0);
	assert_null(provider_stream_error(s));
	provider_stream_done(s);
	free(line);
	free(s);
}

/* ---- routing ------------------------------------------------------------ */

static int
has_av(void *arg, const char *name)
{
	return arg != NULL && strcmp(name, "anthropic-version") == 0;
}

static void
test_route(void **state)
{
	static const char *const openai[] = { "/v1/chat/completions", "/v1/responses",
		"/v1/responses/resp_1/cancel", "/v1/embeddings", "/v1/completions",
		"/v1/files", "/v1/files/file-1/content", "/v1/batches", "/v1/batches?limit=5",
		"/v1/batches/batch_1/cancel", "/v1/models", "/v1/models/gpt-5" };
	static const char *const anthropic[] = { "/v1/messages", "/v1/messages/batches",
		"/v1/messages/count_tokens", "/v1/organizations/usage_report/messages",
		"/v1/filesx", "/v1/chat/completionsx", "/", "/v2/chat/completions" };
	size_t i;
	int yes = 1;

	(void)state;
	for (i = 0; i < sizeof(openai) / sizeof(openai[0]); i++) {
		assert_ptr_equal(provider_route(openai[i], has_av, NULL), &provider_openai);
		/* anthropic-version wins whatever the path (both vendors have /v1/models) */
		assert_ptr_equal(provider_route(openai[i], has_av, &yes), &provider_anthropic);
	}
	for (i = 0; i < sizeof(anthropic) / sizeof(anthropic[0]); i++)
		assert_ptr_equal(provider_route(anthropic[i], has_av, NULL), &provider_anthropic);
	assert_true(provider_is_call(&provider_openai, "/v1/chat/completions"));
	assert_true(provider_is_call(&provider_openai, "/v1/responses?x=1"));
	assert_false(provider_is_call(&provider_openai, "/v1/responses/resp_1"));
	assert_true(provider_is_call(&provider_anthropic, "/v1/messages"));
	assert_false(provider_is_call(&provider_anthropic, "/v1/messages/count_tokens"));
	assert_true(provider_is_batch_create(&provider_openai, "/v1/batches"));
	assert_false(provider_is_batch_create(&provider_openai, "/v1/batches/b/cancel"));
	assert_true(provider_is_batch_create(&provider_anthropic, "/v1/messages/batches"));
	assert_ptr_equal(provider_by_name(""), &provider_anthropic);
	assert_ptr_equal(provider_by_name("openai"), &provider_openai);
	assert_null(provider_by_name("mistral"));
	assert_ptr_equal(provider_at(PROVIDER_OPENAI), &provider_openai);
	assert_null(provider_at(PROVIDER_COUNT));
}

/* Each provider's refusal body is its own error shape. */
static void
test_error_bodies(void **state)
{
	char *a = provider_anthropic.error_body("rate_limit_error", "budget \"daily\" spent",
	    "req_1");
	char *o = provider_openai.error_body(provider_openai.quota_error, "budget spent", NULL);
	json_t *ja = json_loads(a, 0, NULL), *jo = json_loads(o, 0, NULL);

	(void)state;
	assert_non_null(ja);
	assert_non_null(jo);
	assert_string_equal(json_string_value(json_object_get(ja, "type")), "error");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ja, "error"),
	    "message")), "budget \"daily\" spent");
	assert_string_equal(json_string_value(json_object_get(json_object_get(jo, "error"),
	    "type")), "insufficient_quota");
	assert_string_equal(json_string_value(json_object_get(json_object_get(jo, "error"),
	    "code")), "insufficient_quota");
	assert_true(json_is_null(json_object_get(json_object_get(jo, "error"), "param")));
	json_decref(ja);
	json_decref(jo);
	free(a);
	free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_openai_rates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_cases, setup, teardown),
		cmocka_unit_test(test_openai_malformed),
		cmocka_unit_test_setup_teardown(test_openai_savings, setup, teardown),
		cmocka_unit_test(test_stream_cases),
		cmocka_unit_test(test_stream_long_and_bad),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_error_bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
