/* test_router.c — routing rules: each rule type, precedence, English and
 * Korean prompts, word thresholds at their boundaries, invalid rules files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/router.h"
#include "core/text.h"

static char shipped[1024];

static struct router *
load_shipped(void)
{
	char err[512];
	struct router *r;
	const char *dir = getenv("TOKENTOP_DATADIR");

	snprintf(shipped, sizeof(shipped), "%s/router.json", dir != NULL ? dir : "share");
	r = router_load(shipped, NULL, err, sizeof(err));
	if (r == NULL)
		fail_msg("load %s: %s", shipped, err);
	return r;
}

static int
setup(void **state)
{
	*state = load_shipped();
	return 0;
}

static int
teardown(void **state)
{
	router_free(*state);
	return 0;
}

static struct router_decision
route(const struct router *r, const char *prompt)
{
	struct router_decision d;

	assert_int_equal(router_route(r, prompt, strlen(prompt), &d), 0);
	return d;
}

/* n copies of word separated by sep, in a heap string the caller frees. */
static char *
words(const char *word, const char *sep, size_t n)
{
	size_t i, wl = strlen(word), sl = strlen(sep);
	char *s = malloc(n * (wl + sl) + 1), *p = s;

	for (i = 0; i < n; i++) {
		if (i > 0) {
			memcpy(p, sep, sl);
			p += sl;
		}
		memcpy(p, word, wl);
		p += wl;
	}
	*p = '\0';
	return s;
}

static void
test_tiers(void **state)
{
	struct router *r = *state;

	assert_string_equal(router_tier_model(r, ROUTER_SIMPLE), "claude-haiku-4-5");
	assert_string_equal(router_tier_model(r, ROUTER_MEDIUM), "claude-sonnet-4-5");
	assert_string_equal(router_tier_model(r, ROUTER_COMPLEX), "claude-opus-4-6");
	assert_int_equal(router_tier_max_tokens(r, ROUTER_SIMPLE), 1024);
	assert_int_equal(router_tier_max_tokens(r, ROUTER_COMPLEX), 8192);
	assert_string_equal(router_baseline_model(r, ""), "claude-opus-4-6");
	assert_string_equal(router_baseline_model(r, NULL), "claude-opus-4-6");
	assert_string_equal(router_baseline_model(r, "claude-sonnet-4-5"), "claude-sonnet-4-5");
	assert_string_equal(router_origin(r), shipped);
}

static const struct {
	const char *prompt;
	const char *tier;
	const char *rule;
} cases[] = {
	{ "Please analyse this contract for risks", "complex", "keyword:complex:\"analyse\"" },
	{ "ANALYZE the logs", "complex", "keyword:complex:\"analyze\"" },
	{ "Compare Postgres and SQLite for this workload", "complex", "keyword:complex:\"compare\"" },
	{ "Can you write code that parses CSV?", "complex", "keyword:complex:\"write code\"" },
	{ "write\n  code for me", "complex", "keyword:complex:\"write code\"" },
	{ "We are planning the migration", "complex", "keyword:complex:\"plan\"" },
	{ "Translate this sentence into French", "simple", "keyword:simple:\"translate\"" },
	{ "summarise the meeting notes", "simple", "keyword:simple:\"summarise\"" },
	{ "Summarize the meeting notes", "simple", "keyword:simple:\"summarize\"" },
	{ "extract the dates", "simple", "keyword:simple:\"extract\"" },
	{ "convert format from YAML to JSON", "simple", "keyword:simple:\"convert format\"" },
	{ "이 보고서를 분석해줘", "complex", "keyword:complex:\"분석\"" },
	{ "두 안을 비교하고 장단점을 알려줘", "complex", "keyword:complex:\"비교\"" },
	{ "다음 분기 계획을 세워 주세요", "complex", "keyword:complex:\"계획\"" },
	{ "로그인 화면 코드 작성해 줘", "complex", "keyword:complex:\"코드 작성\"" },
	{ "로그인 화면 코드\n작성해 줘", "complex", "keyword:complex:\"코드 작성\"" },
	{ "파서 코드를 작성해 주세요", "complex", "keyword:complex:\"코드를 작성\"" },
	{ "이 문장을 영어로 번역해 주세요", "simple", "keyword:simple:\"번역\"" },
	{ "회의록을 요약해줘", "simple", "keyword:simple:\"요약\"" },
	{ "문의를 분류하세요", "simple", "keyword:simple:\"분류\"" },
	{ "CSV를 JSON으로 형식 변환", "simple", "keyword:simple:\"형식 변환\"" },
	/* no keyword: "explanation" holds "plan" but not at a word start */
	{ "Give me an explanation", "simple", "words<100" },
	{ "hello", "simple", "words<100" },
	{ "", "simple", "words<100" },
};

static void
test_keywords(void **state)
{
	struct router *r = *state;
	struct router_decision d;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = route(r, cases[i].prompt);
		if (strcmp(router_tier_name(d.tier), cases[i].tier) != 0 ||
		    strcmp(d.rule, cases[i].rule) != 0)
			fail_msg("case %zu \"%s\": got %s by %s, want %s by %s", i, cases[i].prompt,
			    router_tier_name(d.tier), d.rule, cases[i].tier, cases[i].rule);
		assert_string_equal(d.model, router_tier_model(r, d.tier));
		assert_int_equal(d.max_tokens, router_tier_max_tokens(r, d.tier));
	}
}

/* 99/100 and 500/501 words, English and Korean, no keywords. */
static void
test_thresholds(void **state)
{
	static const struct {
		size_t n;
		const char *tier, *rule;
	} t[] = {
		{ 99, "simple", "words<100" },   { 100, "medium", "default" },
		{ 500, "medium", "default" },    { 501, "complex", "words>500" },
		{ 2000, "complex", "words>500" },
	};
	const char *word[] = { "lorem", "안녕하세요", "데이터를" };
	const char *sep[] = { " ", "\n", ", ", "\xe3\x80\x80" /* U+3000 */ };
	struct router *r = *state;
	struct router_decision d;
	size_t i, w;
	char *p;

	for (w = 0; w < 3; w++)
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			p = words(word[w], sep[(i + w) % 4], t[i].n);
			d = route(r, p);
			assert_int_equal(d.words, t[i].n);
			if (strcmp(router_tier_name(d.tier), t[i].tier) != 0 ||
			    strcmp(d.rule, t[i].rule) != 0)
				fail_msg("%zu × %s: got %s by %s", t[i].n, word[w],
				    router_tier_name(d.tier), d.rule);
			free(p);
		}
}

/* Rules order is the precedence: the first match wins. */
static void
test_precedence(void **state)
{
	struct router *r = *state;
	struct router_decision d;

	/* complex keywords come before simple ones in the shipped file */
	d = route(r, "Summarize the two proposals and compare them");
	assert_string_equal(d.rule, "keyword:complex:\"compare\"");
	/* a keyword beats the word thresholds: short complex */
	d = route(r, "Analyse");
	assert_int_equal(d.tier, ROUTER_COMPLEX);
}

/*
 * The seed's rule, which the shipped file follows: a prompt is complex when
 * it has a complex keyword OR more than 500 words, and only then are the
 * simple rules (a simple keyword, fewer than 100 words) tried; else medium.
 * Its own examples: the keyword lists (English and Korean), the two
 * thresholds, and a long "Translate this: …" that the old order sent to the
 * simple tier.
 */
static void
test_seed_rule(void **state)
{
	static const struct {
		const char *lead;      /* the prompt's start */
		size_t      filler;    /* then this many filler words */
		const char *tier, *rule;
	} t[] = {
		{ "Translate this:", 560, "complex", "words>500" },      /* 562 words */
		{ "Translate this:", 498, "simple", "keyword:simple:\"translate\"" },  /* 500 */
		{ "Translate this:", 499, "complex", "words>500" },      /* 501 */
		{ "Translate this:", 20, "simple", "keyword:simple:\"translate\"" },
		{ "Summarise this:", 600, "complex", "words>500" },
		{ "Classify these tickets:", 700, "complex", "words>500" },
		{ "Extract the dates:", 501, "complex", "words>500" },
		{ "Convert format of:", 1000, "complex", "words>500" },
		{ "이 글을 번역해 주세요:", 560, "complex", "words>500" },
		{ "회의록을 요약해줘:", 520, "complex", "words>500" },
		{ "이 글을 번역해 주세요:", 10, "simple", "keyword:simple:\"번역\"" },
		{ "Analyse this:", 5, "complex", "keyword:complex:\"analyse\"" },
		{ "Compare:", 700, "complex", "keyword:complex:\"compare\"" },
		{ "Reason about:", 150, "complex", "keyword:complex:\"reason\"" },
		{ "Design a schema for:", 150, "complex", "keyword:complex:\"design\"" },
		{ "Write code for:", 150, "complex", "keyword:complex:\"write code\"" },
		{ "이 보고서를 분석해줘:", 150, "complex", "keyword:complex:\"분석\"" },
		{ "코드 작성해 줘:", 600, "complex", "keyword:complex:\"코드 작성\"" },
		{ "Hello", 500, "complex", "words>500" },
		{ "Hello", 200, "medium", "default" },
		{ "Hello", 50, "simple", "words<100" },
	};
	struct router *r = *state;
	struct router_decision d;
	char *fill, *p;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		fill = words("text", " ", t[i].filler);
		p = malloc(strlen(t[i].lead) + strlen(fill) + 2);
		sprintf(p, "%s %s", t[i].lead, fill);
		d = route(r, p);
		if (strcmp(router_tier_name(d.tier), t[i].tier) != 0 || strcmp(d.rule, t[i].rule) != 0)
			fail_msg("\"%s\" + %zu words (%zu in all): got %s by %s, want %s by %s",
			    t[i].lead, t[i].filler, d.words, router_tier_name(d.tier), d.rule,
			    t[i].tier, t[i].rule);
		free(fill);
		free(p);
	}
	/* the issue's own figure: 562 words in all */
	fill = words("text", " ", 560);
	p = malloc(strlen(fill) + 32);
	sprintf(p, "Translate this: %s", fill);
	d = route(r, p);
	assert_int_equal(d.words, 562);
	assert_int_equal(d.tier, ROUTER_COMPLEX);
	free(fill);
	free(p);
}

static const char custom[] =
    "{\"default_tier\":\"complex\","
    " \"tiers\":{\"simple\":{\"model\":\"m-s\",\"max_tokens\":10},"
    "  \"medium\":{\"model\":\"m-m\",\"max_tokens\":20},"
    "  \"complex\":{\"model\":\"m-c\",\"max_tokens\":30}},"
    " \"rules\":[{\"type\":\"words_under\",\"words\":3,\"tier\":\"medium\"},"
    "  {\"type\":\"keywords\",\"tier\":\"simple\",\"keywords\":[\"Sum\",\"요약\"]},"
    "  {\"type\":\"keywords\",\"tier\":\"complex\",\"keywords\":[\"sum it\"]}]}";

/* A file with its own order, default tier, models and caps. */
static void
test_custom_rules(void **state)
{
	char err[256];
	struct router *r = router_parse(custom, "custom.json", err, sizeof(err));
	struct router_decision d;

	(void)state;
	if (r == NULL)
		fail_msg("%s", err);
	d = route(r, "sum it");            /* 2 words: the first rule wins */
	assert_string_equal(d.rule, "words<3");
	assert_string_equal(d.model, "m-m");
	assert_int_equal(d.max_tokens, 20);
	d = route(r, "please sum it all");
	assert_string_equal(d.rule, "keyword:simple:\"Sum\"");
	assert_int_equal(d.max_tokens, 10);
	d = route(r, "이 글을 요약해 주세요");
	assert_string_equal(d.rule, "keyword:simple:\"요약\"");
	d = route(r, "nothing matches here");
	assert_int_equal(d.tier, ROUTER_COMPLEX);
	assert_string_equal(d.rule, "default");
	assert_string_equal(router_baseline_model(r, ""), "m-c");
	router_free(r);
}

static void
test_word_count(void **state)
{
	static const struct {
		const char *s;
		size_t n;
	} t[] = {
		{ "", 0 }, { "   \n\t ", 0 }, { "one", 1 }, { "one two", 2 },
		{ "one,two;three", 3 }, { "don't stop", 2 }, { "state-of-the-art", 4 },
		{ "안녕하세요 세계, 반갑습니다!", 3 }, { "서울은\xe3\x80\x80크다", 2 },
		{ "“quoted” — dash…", 2 }, { "API를 분석해줘.", 2 }, { "e.g. 3.14", 4 },
		{ "\xff\xfe bad", 2 }, { "ctrl\x01" "chars\x1b[0m", 3 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (text_count_words(t[i].s, strlen(t[i].s)) != t[i].n)
			fail_msg("\"%s\": %zu words, want %zu", t[i].s,
			    text_count_words(t[i].s, strlen(t[i].s)), t[i].n);
}

static const char tiers_ok[] =
    "\"tiers\":{\"simple\":{\"model\":\"a\",\"max_tokens\":1},"
    "\"medium\":{\"model\":\"b\",\"max_tokens\":2},\"complex\":{\"model\":\"c\",\"max_tokens\":3}}";

/* Each bad file names the file and the field. */
static void
test_invalid(void **state)
{
	static const struct {
		const char *json;   /* %s = tiers_ok */
		const char *want;
	} t[] = {
		{ "{%s, \"rules\":[{\"type\":\"keywords\",\"tier\":\"huge\",\"keywords\":[\"x\"]}]}",
		  "bad.json: rules[0].tier: unknown tier \"huge\"" },
		{ "{%s, \"rules\":[{\"type\":\"words_over\",\"words\":5,\"tier\":\"simple\"},"
		  "{\"type\":\"regex\",\"tier\":\"simple\"}]}",
		  "bad.json: rules[1].type: unknown rule type \"regex\"" },
		{ "{%s, \"rules\":[{\"type\":\"keywords\",\"tier\":\"simple\",\"keywords\":[]}]}",
		  "bad.json: rules[0].keywords: expected a non-empty array" },
		{ "{%s, \"rules\":[{\"type\":\"keywords\",\"tier\":\"simple\",\"keywords\":[\"a\", 3]}]}",
		  "bad.json: rules[0].keywords[1]: expected a string" },
		{ "{%s, \"rules\":[{\"type\":\"keywords\",\"tier\":\"simple\",\"keywords\":[\" \"]}]}",
		  "bad.json: rules[0].keywords[0]: empty keyword" },
		{ "{%s, \"rules\":[{\"type\":\"words_under\",\"words\":-1,\"tier\":\"simple\"}]}",
		  "bad.json: rules[0].words: expected a non-negative integer" },
		{ "{%s, \"rules\":[{\"type\":\"words_under\",\"tier\":\"simple\"}]}",
		  "bad.json: rules[0].words: missing" },
		{ "{%s, \"rules\":[{\"type\":\"words_under\",\"words\":3,\"tier\":\"simple\",\"treshold\":1}]}",
		  "bad.json: rules[0].treshold: unknown field" },
		{ "{%s, \"rules\":{}}", "bad.json: rules: expected an array" },
		{ "{%s}", "bad.json: rules: missing" },
		{ "{%s, \"rules\":[], \"default_tier\":\"cheap\"}",
		  "bad.json: default_tier: unknown tier \"cheap\"" },
		{ "{\"tiers\":{\"simple\":{\"model\":\"a\",\"max_tokens\":1},"
		  "\"medium\":{\"model\":\"b\",\"max_tokens\":2}}, \"rules\":[]}%s",
		  "bad.json: tiers.complex: missing" },
		{ "{\"tiers\":{\"simple\":{\"model\":\"a\",\"max_tokens\":0},"
		  "\"medium\":{\"model\":\"b\",\"max_tokens\":2},\"complex\":{\"model\":\"c\",\"max_tokens\":3}},"
		  " \"rules\":[]}%s",
		  "bad.json: tiers.simple.max_tokens: expected an integer from 1 to 1000000" },
		{ "{\"tiers\":{\"simple\":{\"model\":\"\",\"max_tokens\":1},"
		  "\"medium\":{\"model\":\"b\",\"max_tokens\":2},\"complex\":{\"model\":\"c\",\"max_tokens\":3}},"
		  " \"rules\":[]}%s",
		  "bad.json: tiers.simple.model: expected a model id" },
		{ "{\"tiers\":{\"simple\":{\"model\":\"a\",\"max_tokens\":1,\"provider\":\"acme\"},"
		  "\"medium\":{\"model\":\"b\",\"max_tokens\":2},\"complex\":{\"model\":\"c\",\"max_tokens\":3}},"
		  " \"rules\":[]}%s",
		  "bad.json: tiers.simple.provider: unknown provider \"acme\" (anthropic or openai)" },
		{ "{\"tiers\":{\"simple\":{\"model\":\"a\",\"max_tokens\":1},"
		  "\"medium\":{\"model\":\"b\",\"max_tokens\":2,\"provider\":\"\"},\"complex\":{\"model\":\"c\",\"max_tokens\":3}},"
		  " \"rules\":[]}%s",
		  "bad.json: tiers.medium.provider: unknown provider \"\"" },
		{ "{\"tiers\":{\"simple\":{\"model\":\"a\",\"max_tokens\":1},"
		  "\"medium\":{\"model\":\"b\",\"max_tokens\":2},\"complex\":{\"model\":\"c\",\"max_tokens\":3,\"provider\":1}},"
		  " \"rules\":[]}%s",
		  "bad.json: tiers.complex.provider: expected a provider name" },
		{ "{%s, \"rules\":[}", "bad.json:1:" },
		{ "[%s]", "bad.json:1:" },
	};
	char json[2048], err[512];
	struct router *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(json, sizeof(json), t[i].json, strstr(t[i].json, "}%s") ? "" : tiers_ok);
		err[0] = '\0';
		r = router_parse(json, "bad.json", err, sizeof(err));
		if (r != NULL || strncmp(err, t[i].want, strlen(t[i].want)) != 0)
			fail_msg("case %zu: %s: got \"%s\", want \"%s…\"", i, r ? "accepted" : "rejected",
			    err, t[i].want);
	}
	/* valid: empty rules route everything to the default tier */
	snprintf(json, sizeof(json), "{%s, \"rules\":[]}", tiers_ok);
	r = router_parse(json, "ok.json", err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(route(r, "analyse").rule, "default");
	assert_string_equal(route(r, "analyse").model, "b");
	router_free(r);
}

/* The user file replaces the shipped one; a missing user file is fine; a
 * missing or broken file names its path. */
static void
test_load_files(void **state)
{
	char dir[] = "/tmp/test_router_XXXXXX", user[256], err[512];
	struct router *r;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(user, sizeof(user), "%s/router.json", dir);
	r = router_load(shipped, user, err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(router_origin(r), shipped);
	router_free(r);

	f = fopen(user, "w");
	assert_non_null(f);
	fputs(custom, f);
	fclose(f);
	r = router_load(shipped, user, err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(router_origin(r), user);
	assert_string_equal(router_tier_model(r, ROUTER_SIMPLE), "m-s");
	router_free(r);

	f = fopen(user, "w");
	fputs("{\n \"tiers\": 3,\n \"rules\": []\n}\n", f);
	fclose(f);
	r = router_load(shipped, user, err, sizeof(err));
	assert_null(r);
	assert_non_null(strstr(err, user));
	assert_non_null(strstr(err, "tiers: expected an object"));

	f = fopen(user, "w");
	fputs("{\n \"tiers\": {\n", f);
	fclose(f);
	r = router_load(shipped, user, err, sizeof(err));
	assert_null(r);
	assert_true(strncmp(err, user, strlen(user)) == 0 && err[strlen(user)] == ':');

	unlink(user);
	rmdir(dir);
	r = router_load("/nonexistent/router.json", NULL, err, sizeof(err));
	assert_null(r);
	assert_non_null(strstr(err, "/nonexistent/router.json"));
}

static void
test_tier_names(void **state)
{
	enum router_tier t;

	(void)state;
	assert_int_equal(router_tier_parse("complex", &t), 0);
	assert_int_equal(t, ROUTER_COMPLEX);
	assert_int_equal(router_tier_parse("Complex", &t), -1);
	assert_string_equal(router_tier_name(ROUTER_SIMPLE), "simple");
	assert_string_equal(router_tier_name(ROUTER_MEDIUM), "medium");
}

/* A tier names its provider beside the model; anthropic when absent; the
 * shipped rules stay Anthropic-only, the shipped example sends the simple
 * tier to OpenAI. */
static void
test_providers(void **state)
{
	static const char *const json =
	    "{\"tiers\":{\"simple\":{\"provider\":\"openai\",\"model\":\"gpt-4.1-nano\",\"max_tokens\":64},"
	    "\"medium\":{\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\",\"max_tokens\":2},"
	    "\"complex\":{\"model\":\"claude-opus-4-6\",\"max_tokens\":3}},"
	    "\"rules\":[{\"type\":\"keywords\",\"tier\":\"simple\",\"keywords\":[\"translate\"]}],"
	    "\"default_tier\":\"complex\"}";
	struct router_decision d;
	struct router *r;
	char err[512], path[1024];
	int t;

	(void)state;
	r = router_parse(json, "p.json", err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(router_route(r, "translate this", 14, &d), 0);
	assert_ptr_equal(d.provider, &provider_openai);
	assert_string_equal(d.model, "gpt-4.1-nano");
	assert_int_equal(router_route(r, "something else", 14, &d), 0);
	assert_ptr_equal(d.provider, &provider_anthropic);
	assert_ptr_equal(router_tier_provider(r, ROUTER_MEDIUM), &provider_anthropic);
	assert_null(router_tier_provider(r, ROUTER_NTIERS));
	router_free(r);

	assert_int_equal(config_find_data_file("router.json", path, sizeof(path)), 0);
	r = router_load(path, NULL, err, sizeof(err));
	assert_non_null(r);
	for (t = 0; t < ROUTER_NTIERS; t++)
		assert_ptr_equal(router_tier_provider(r, (enum router_tier)t), &provider_anthropic);
	router_free(r);
	assert_int_equal(config_find_data_file("router-openai.json", path, sizeof(path)), 0);
	r = router_load(path, NULL, err, sizeof(err));
	assert_non_null(r);
	assert_ptr_equal(router_tier_provider(r, ROUTER_SIMPLE), &provider_openai);
	assert_ptr_equal(router_tier_provider(r, ROUTER_COMPLEX), &provider_anthropic);
	router_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tiers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keywords, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thresholds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_rule, setup, teardown),
		cmocka_unit_test(test_custom_rules),
		cmocka_unit_test(test_word_count),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_providers),
		cmocka_unit_test_setup_teardown(test_load_files, setup, teardown),
		cmocka_unit_test(test_tier_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
