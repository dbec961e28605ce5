/* test_compress.c — chunking, duplicate removal, BM25 ranking, the token
 * budget, original order and determinism, on small cases and on the shipped
 * sample (share/samples/rag). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/compress.h"
#include "core/text.h"

static const char *const sample_files[] = {
	"billing_faq.txt", "caching_guide.txt", "korean_kb.txt", "routing_notes.txt",
};
#define NSAMPLES (sizeof(sample_files) / sizeof(sample_files[0]))

/* The shipped sample as one input; the caller frees it. */
static struct compress_input *
load_sample(void)
{
	const char *dir = getenv("TOKENTOP_DATADIR");
	struct compress_input *in = compress_input_new();
	char path[1024], err[256], *buf;
	size_t i, n;
	long len;
	FILE *f;

	assert_non_null(in);
	for (i = 0; i < NSAMPLES; i++) {
		snprintf(path, sizeof(path), "%s/samples/rag/%s", dir != NULL ? dir : "share",
		    sample_files[i]);
		if ((f = fopen(path, "rb")) == NULL)
			fail_msg("open %s", path);
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		buf = malloc((size_t)len + 1);
		n = fread(buf, 1, (size_t)len, f);
		fclose(f);
		assert_int_equal(n, (size_t)len);
		assert_int_equal(compress_input_add(in, buf, n, err, sizeof(err)), 0);
		free(buf);
	}
	return in;
}

/* An input made of NULL-terminated texts, one document each. */
static struct compress_input *
input_of(const char *const *docs)
{
	struct compress_input *in = compress_input_new();
	char err[256];

	for (; *docs != NULL; docs++)
		assert_int_equal(compress_input_add(in, *docs, strlen(*docs), err, sizeof(err)), 0);
	return in;
}

static void
run(const struct compress_input *in, const char *q, int64_t budget, struct compress_result *r)
{
	char err[256];

	if (compress_run(in, q, budget, r, err, sizeof(err)) != 0)
		fail_msg("compress_run: %s", err);
}

static void
test_split(void **state)
{
	const char *docs[] = {
		"  first   chunk\nstill first\n\n\n\nsecond\r\n\r\n \t \nthird",
		"a\n\n---\nb one\n\nb two\n--- \nc\n---\n---\n",
		NULL,
	};
	struct compress_input *in = input_of(docs);
	struct compress_result r;

	(void)state;
	assert_int_equal(compress_input_count(in), 6);
	run(in, "", COMPRESS_NO_BUDGET, &r);
	assert_string_equal(r.text,
	    "first chunk still first\n\nsecond\n\nthird\n\na\n\nb one b two\n\nc");
	assert_int_equal(r.chunks[0].doc, 0);
	assert_int_equal(r.chunks[3].doc, 1);
	assert_int_equal(r.chunks[4].len, strlen("b one b two"));
	assert_int_equal(r.chunks[4].tokens, (11 + 2 + 3) / 4);
	assert_int_equal(r.tokens_before,
	    text_estimate_tokens(strlen(docs[0]) + strlen(docs[1])));
	assert_int_equal(r.tokens_after, text_estimate_tokens(r.len));
	compress_result_done(&r);
	compress_input_free(in);
}

static const char para[] =
    "Prompt caching lets the API reuse a prefix of your request that it has seen "
    "recently. The cached prefix is built in a fixed order: tools first, then the system "
    "prompt, then the messages up to and including the block that carries the marker. "
    "Anything before the marker that changes between requests breaks the cache.";

static void
test_duplicates(void **state)
{
	char spaced[1024], edited[1024], early[1024], doc[4096];
	const char *docs[2] = { doc, NULL };
	struct compress_input *in;
	struct compress_result r;
	char *p;

	(void)state;
	/* same words, other white space: an exact duplicate after normalising */
	snprintf(spaced, sizeof(spaced), "%s", para);
	while ((p = strstr(spaced, ". ")) != NULL)
		memcpy(p, ".\n", 2);
	/* last word changed: one shingle of many differs */
	snprintf(edited, sizeof(edited), "%s", para);
	memcpy(strstr(edited, "cache."), "cachE!", 6);
	edited[strlen(edited) - 6] = '\0';
	strcat(edited, "entry.");
	/* a word changed inside: five of 51 shingles differ, Jaccard 46/56 = 0.82 */
	snprintf(early, sizeof(early), "%s", para);
	memcpy(strstr(early, "fixed"), "given", 5);
	snprintf(doc, sizeof(doc), "%s\n\n%s\n\nSomething else entirely, about batches.\n\n%s\n\n%s",
	    para, spaced, edited, early);
	in = input_of(docs);
	run(in, "", COMPRESS_NO_BUDGET, &r);
	assert_int_equal(r.chunks_before, 5);
	assert_int_equal(r.chunks[1].fate, COMPRESS_EXACT_DUP);
	assert_int_equal(r.chunks[1].dup_of, 0);
	assert_int_equal(r.chunks[2].fate, COMPRESS_KEPT);
	assert_int_equal(r.chunks[3].fate, COMPRESS_NEAR_DUP);
	assert_int_equal(r.chunks[3].dup_of, 0);
	assert_true(r.chunks[3].similarity >= COMPRESS_NEAR && r.chunks[3].similarity < 1);
	assert_int_equal(r.chunks[4].fate, COMPRESS_NEAR_DUP);
	assert_true(r.chunks[4].similarity > 0.82 && r.chunks[4].similarity < 0.822);
	assert_int_equal(r.exact_dups, 1);
	assert_int_equal(r.near_dups, 2);
	assert_int_equal(r.chunks_after, 5 - r.exact_dups - r.near_dups);
	assert_non_null(strstr(r.text, "about batches"));
	assert_null(strstr(r.text, "entry."));
	compress_result_done(&r);
	compress_input_free(in);

	/* measures: identical 1, case and punctuation ignored, unrelated 0 */
	assert_true(compress_similarity(para, strlen(para), para, strlen(para)) == 1.0);
	assert_true(compress_similarity(para, strlen(para), spaced, strlen(spaced)) == 1.0);
	assert_true(compress_similarity(para, 40, "totally different words in here", 31) == 0.0);
}

/* Near duplicates in Korean: eojeol are words, so shingles work the same. */
static void
test_korean_duplicates(void **state)
{
	const char *docs[] = {
		"검색된 문서 조각에는 중복이 많습니다. 같은 문단이 두 페이지에서 수집되거나 예전 판과 "
		"새 판이 함께 들어오기도 합니다. 완전히 같은 조각과 거의 같은 조각을 지우면 입력 "
		"토큰을 줄일 수 있습니다.\n\n"
		"모델 라우팅은 가장 저렴한 모델을 고릅니다.\n\n"
		"검색된 문서 조각에는 중복이 많습니다. 같은 문단이 두 페이지에서 수집되거나 예전 판과 "
		"새 판이 함께 들어오기도 합니다. 완전히 같은 조각과 거의 같은 조각을 지우면 입력 "
		"토큰을 줄일 수 있어요.",
		NULL,
	};
	struct compress_input *in = input_of(docs);
	struct compress_result r;

	(void)state;
	run(in, "중복", COMPRESS_NO_BUDGET, &r);
	assert_int_equal(r.chunks_before, 3);
	assert_int_equal(r.chunks[1].fate, COMPRESS_KEPT);
	assert_int_equal(r.chunks[2].fate, COMPRESS_NEAR_DUP);
	assert_int_equal(r.near_dups, 1);
	compress_result_done(&r);
	compress_input_free(in);
}

static void
test_bm25(void **state)
{
	const char *docs[] = {
		"The weather today is sunny and warm.\n\n"
		"Cache writes cost more than plain input tokens.\n\n"
		"Cache reads cost a tenth of the input price; cache hits refresh the TTL of the cache.\n\n"
		"Batches are billed at half price.\n\n"
		"A cache.",
		NULL,
	};
	struct compress_input *in = input_of(docs);
	struct compress_result r;

	(void)state;
	run(in, "cache TTL", COMPRESS_NO_BUDGET, &r);
	assert_true(r.chunks[0].score == 0 && r.chunks[3].score == 0);
	/* the rare term (TTL) and repeats of "cache" win */
	assert_true(r.chunks[2].score > r.chunks[1].score);
	/* same tf, shorter chunk: higher score */
	assert_true(r.chunks[4].score > r.chunks[1].score);
	compress_result_done(&r);

	/* a budget for one chunk keeps the best one */
	run(in, "batches price", 10, &r);
	assert_string_equal(r.text, "Batches are billed at half price.");
	assert_int_equal(r.chunks_after, 1);
	compress_result_done(&r);

	/* an empty query ranks nothing: earlier chunks first */
	run(in, "", 10, &r);
	assert_string_equal(r.text, "The weather today is sunny and warm.");
	compress_result_done(&r);
	compress_input_free(in);
}

/* Hangul bigrams: 분석 finds 분석해줘 and 분석을; case folds for ASCII. */
static void
test_korean_ranking(void **state)
{
	const char *docs[] = {
		"회의록을 요약해 주세요. 짧게 정리하면 됩니다.\n\n"
		"Quarterly REPORT for the board.\n\n"
		"이 보고서를 분석해줘. 매출 분석을 중심으로.\n\n"
		"날씨가 좋습니다.",
		NULL,
	};
	struct compress_input *in = input_of(docs);
	struct compress_result r;

	(void)state;
	run(in, "분석", 20, &r);
	assert_string_equal(r.text, "이 보고서를 분석해줘. 매출 분석을 중심으로.");
	assert_true(r.chunks[2].score > 0 && r.chunks[0].score == 0 && r.chunks[3].score == 0);
	compress_result_done(&r);
	run(in, "report", 10, &r);
	assert_string_equal(r.text, "Quarterly REPORT for the board.");
	compress_result_done(&r);
	run(in, "보고서 요약", COMPRESS_NO_BUDGET, &r);
	assert_true(r.chunks[0].score > 0 && r.chunks[2].score > 0 && r.chunks[1].score == 0);
	compress_result_done(&r);
	compress_input_free(in);
}

/* Every budget is respected, and kept chunks come out in input order. */
static void
test_budget_and_order(void **state)
{
	static const int64_t budgets[] = { 0, 1, 30, 100, 250, 800, 2000, 100000 };
	struct compress_input *in = load_sample();
	struct compress_result r;
	size_t b, i, nkept;
	int64_t sum;
	const char *at;

	(void)state;
	for (b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		run(in, "how much does prompt caching cost 캐시", budgets[b], &r);
		sum = 0;
		nkept = 0;
		at = r.text;
		for (i = 0; i < r.nchunks; i++) {
			if (r.chunks[i].fate != COMPRESS_KEPT)
				continue;
			sum += r.chunks[i].tokens;
			nkept++;
			/* in order: each kept chunk is found after the previous one */
			at = memmem(at, r.len - (size_t)(at - r.text), r.chunks[i].text,
			    r.chunks[i].len);
			assert_non_null(at);
			at += r.chunks[i].len;
		}
		assert_true(sum <= budgets[b]);
		assert_true(r.tokens_after <= budgets[b]);
		assert_int_equal(r.tokens_after, text_estimate_tokens(r.len));
		assert_int_equal(r.chunks_after, nkept);
		assert_int_equal(r.tokens_removed, r.tokens_before - r.tokens_after);
		if (budgets[b] == 0)
			assert_int_equal(r.len, 0);
		/* greedy fill: no skipped unique chunk would still fit */
		for (i = 0; i < r.nchunks; i++)
			if (r.chunks[i].fate == COMPRESS_OVER_BUDGET)
				assert_true(r.chunks[i].tokens > budgets[b] - sum);
		compress_result_done(&r);
	}
	compress_input_free(in);
}

/* The shipped sample: planted duplicates found, big reduction at a budget. */
static void
test_sample(void **state)
{
	struct compress_input *in = load_sample();
	struct compress_result r;

	(void)state;
	run(in, "x", COMPRESS_NO_BUDGET, &r);
	assert_int_equal(r.chunks_before, 41);
	assert_int_equal(r.exact_dups, 2);
	assert_int_equal(r.near_dups, 5);
	assert_int_equal(r.chunks_after, 34);
	compress_result_done(&r);

	run(in, "Why are my cache counters zero?", 200, &r);
	assert_non_null(strstr(r.text, "Why are my cache counters both zero?"));
	assert_true(r.tokens_removed > r.tokens_before / 2);
	compress_result_done(&r);
	compress_input_free(in);
}

/* Same input → same bytes, also from a freshly built input. */
static void
test_deterministic(void **state)
{
	struct compress_input *a = load_sample(), *b = load_sample();
	struct compress_result r1, r2, r3;

	(void)state;
	run(a, "batch discount 배치 할인", 600, &r1);
	run(a, "batch discount 배치 할인", 600, &r2);
	run(b, "batch discount 배치 할인", 600, &r3);
	assert_int_equal(r1.len, r2.len);
	assert_memory_equal(r1.text, r2.text, r1.len);
	assert_int_equal(r1.len, r3.len);
	assert_memory_equal(r1.text, r3.text, r1.len);
	assert_true(r1.len > 0);
	compress_result_done(&r1);
	compress_result_done(&r2);
	compress_result_done(&r3);
	compress_input_free(a);
	compress_input_free(b);
}

static void
test_errors(void **state)
{
	const char *docs[] = { "", "  \n\n \n", NULL };
	static const char nul[] = "a\0b\x01 c\n\n\xff";
	struct compress_input *in = input_of(docs);
	struct compress_result r;
	char err[128];

	(void)state;
	assert_int_equal(compress_run(in, "q", -5, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "budget"));
	compress_result_done(&r);
	run(in, NULL, 10, &r);          /* no chunks at all */
	assert_int_equal(r.chunks_before, 0);
	assert_int_equal(r.len, 0);
	assert_string_equal(r.text, "");
	compress_result_done(&r);
	compress_result_done(NULL);
	/* NUL and controls become spaces, a bad byte U+FFFD: printable UTF-8 */
	assert_int_equal(compress_input_add(in, nul, sizeof(nul) - 1, err, sizeof(err)), 0);
	run(in, "", COMPRESS_NO_BUDGET, &r);
	assert_string_equal(r.text, "a b c\n\n\xef\xbf\xbd");
	assert_int_equal(r.len, strlen(r.text));
	compress_result_done(&r);
	assert_int_equal(compress_input_add_file(in, "/nonexistent/doc.txt", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/doc.txt: No such file or directory");
	compress_input_free(in);
	compress_input_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_korean_duplicates),
		cmocka_unit_test(test_bm25),
		cmocka_unit_test(test_korean_ranking),
		cmocka_unit_test(test_budget_and_order),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
