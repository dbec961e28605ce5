/* bench_router.c — routing throughput (prompts/s, short and 2,000-word
 * prompts) and compression throughput (MB/s) with the token reduction on
 * share/samples/rag; each figure beside a baseline measured in the same run.
 *
 * Build: `make bench` builds every bench/ programs once the bench branch's Makefile
 * rule is in (bench/run.sh then runs this from its "Routing and compression"
 * section). By hand:
 *   make && mkdir -p build/bench && cc -std=c11 -O2 -I. -D_GNU_SOURCE \
 *       -o build/bench/bench_router bench/bench_router.c build/libtokentop.a \
 *       $(pkg-config --libs jansson) -lm
 * Run:  TOKENTOP_DATADIR=$PWD/share build/bench/bench_router [SECONDS]
 * (SECONDS per measurement, default 0.5). Figures, never pass/fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/compress.h"
#include "core/config.h"
#include "core/router.h"
#include "core/text.h"

static const char *const short_prompts[] = {
	"Translate this sentence into German: the invoice is overdue.",
	"Summarize the meeting notes below in three bullet points.",
	"Please analyse the churn numbers for last quarter and explain the drop.",
	"What is the capital of Australia?",
	"Compare PostgreSQL and SQLite for an embedded ledger.",
	"Extract every date from this email.",
	"이 문장을 영어로 번역해 주세요.",
	"회의록을 세 줄로 요약해줘.",
	"두 가지 설계안을 비교하고 장단점을 분석해줘.",
	"안녕하세요, 오늘 날씨 어때요?",
	"Write code that parses a CSV file and prints the column sums.",
	"Give me an explanation of prompt caching.",
};
#define NSHORT (sizeof(short_prompts) / sizeof(short_prompts[0]))

static const char *const vocab[] = {
	"the", "ledger", "records", "every", "request", "and", "its", "tokens", "model",
	"price", "cache", "batch", "budget", "report", "month", "daily", "user", "console",
	"데이터", "요청을", "모델이", "비용은", "토큰", "예산", "of", "in", "a", "with",
};
#define NVOCAB (sizeof(vocab) / sizeof(vocab[0]))

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A deterministic prompt of n words; keyword placed near the end (or none). */
static char *
long_prompt(size_t n, unsigned seed, const char *keyword)
{
	size_t cap = n * 16 + 64, len = 0, i;
	char *s = malloc(cap);
	unsigned x = seed * 2654435761u + 1;

	for (i = 0; i < n; i++) {
		const char *w = vocab[(x >> 16) % NVOCAB];

		x = x * 1103515245u + 12345u;
		if (keyword != NULL && i == n - 10)
			w = keyword;
		len += (size_t)snprintf(s + len, cap - len, "%s%s", i ? " " : "", w);
	}
	return s;
}

/* Baseline: one plain pass over the bytes (strlen + count spaces with memchr). */
static size_t
plain_pass(const char *s)
{
	size_t len = strlen(s), n = 0;
	const char *p = s, *end = s + len;

	while ((p = memchr(p, ' ', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n + len;
}

static volatile size_t sink;

static void
figure(const char *label, double v, const char *unit, const char *blabel, double b,
       const char *bunit)
{
	printf("%-34s %12.1f %-9s vs %-26s %12.1f %-9s ratio %.3g\n", label, v, unit, blabel,
	    b, bunit, b > 0 ? v / b : 0.0);
}

/* prompts/s routing the set, and the baseline pass over the same prompts. */
static void
bench_route(const struct router *r, char **p, size_t n, const char *label, double secs)
{
	struct router_decision d;
	size_t i, done = 0, bdone = 0, bytes = 0;
	double t0, el, bel;

	for (i = 0; i < n; i++)
		bytes += strlen(p[i]);
	t0 = now();
	do {
		for (i = 0; i < n; i++) {
			router_route(r, p[i], strlen(p[i]), &d);
			sink += d.words;
		}
		done += n;
	} while ((el = now() - t0) < secs);
	t0 = now();
	do {
		for (i = 0; i < n; i++)
			sink += plain_pass(p[i]);
		bdone += n;
	} while ((bel = now() - t0) < secs);
	figure(label, (double)done / el, "prompts/s", "strlen+memchr pass", (double)bdone / bel,
	    "prompts/s");
	printf("%-34s %12.1f MB/s (routing; %zu prompts, %.1f KB)\n", "",
	    (double)bytes * (double)done / (double)n / el / 1e6, n, (double)bytes / 1e3);
}

/* The sample files concatenated into one buffer with their boundaries. */
struct sample {
	char   *buf[16];
	size_t  len[16];
	size_t  n, total;
};

static int
load_sample(struct sample *s)
{
	static const char *const files[] = {
		"billing_faq.txt", "caching_guide.txt", "korean_kb.txt", "routing_notes.txt",
	};
	char router[CONFIG_PATH_MAX], path[CONFIG_PATH_MAX + 64], *slash;
	FILE *f;
	size_t i;

	if (config_find_data_file("router.json", router, sizeof(router)) != 0)
		return -1;
	if ((slash = strrchr(router, '/')) != NULL)
		*slash = '\0';
	memset(s, 0, sizeof(*s));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/samples/rag/%s", router, files[i]);
		if ((f = fopen(path, "rb")) == NULL)
			return -1;
		s->buf[i] = malloc(1 << 20);
		s->len[i] = fread(s->buf[i], 1, (1 << 20) - 1, f);
		s->buf[i][s->len[i]] = '\0';
		s->total += s->len[i];
		s->n++;
		fclose(f);
	}
	return 0;
}

static int
compress_once(const struct sample *s, const char *q, int64_t budget, struct compress_result *r)
{
	struct compress_input *in = compress_input_new();
	char err[256];
	size_t i;
	int rc = 0;

	for (i = 0; i < s->n && rc == 0; i++)
		rc = compress_input_add(in, s->buf[i], s->len[i], err, sizeof(err));
	if (rc == 0)
		rc = compress_run(in, q, budget, r, err, sizeof(err));
	compress_input_free(in);   /* r->chunks dangle now; only counters are used */
	return rc;
}

/* The blank-line-separated sample files repeated k times as one document,
 * every copy edited every few words so that no chunk is an exact or near
 * duplicate of another: the worst case for duplicate search, which then
 * compares every pair of chunks. */
static void
scale_sample(const struct sample *s, size_t k, struct sample *big)
{
	size_t i, j, cap = s->total * k * 2 + 64, len = 0;
	char *out = malloc(cap);
	const char *p;

	for (j = 0; j < k; j++)
		for (i = 0; i < s->n; i++)
			for (p = s->buf[i]; strstr(s->buf[i], "\n---\n") == NULL && *p != '\0'; p++) {
				if (len + 16 > cap)
					break;
				out[len++] = *p;
				if (*p == ' ' && (p - s->buf[i]) % 7 == 0)
					len += (size_t)snprintf(out + len, cap - len, "v%zu ", j);
			}
	out[len] = '\0';
	memset(big, 0, sizeof(*big));
	big->buf[0] = out;
	big->len[0] = big->total = len;
	big->n = 1;
}

static void
bench_compress(const struct sample *s, double secs)
{
	static const int64_t budgets[] = { COMPRESS_NO_BUDGET, 1000, 500 };
	const char *q = "how much do prompt caching and batches save 캐시 비용";
	struct compress_result r;
	size_t runs = 0, bruns = 0, i;
	double t0, el, bel;

	t0 = now();
	do {
		if (compress_once(s, q, 1000, &r) != 0) {
			printf("compress failed\n");
			return;
		}
		compress_result_done(&r);
		runs++;
	} while ((el = now() - t0) < secs);
	t0 = now();
	do {
		for (i = 0; i < s->n; i++)
			sink += plain_pass(s->buf[i]);
		bruns++;
	} while ((bel = now() - t0) < secs);
	figure(s->n > 1 ? "compress share/samples/rag" : "compress scaled corpus", (double)s->total * (double)runs / el / 1e6, "MB/s",
	    "strlen+memchr pass", (double)s->total * (double)bruns / bel / 1e6, "MB/s");
	for (i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		compress_once(s, q, budgets[i], &r);
		printf("  budget %-8s %zu -> %zu chunks (%zu exact + %zu near duplicates), "
		    "~%lld -> ~%lld tokens: %.1f%% fewer\n",
		    budgets[i] < 0 ? "none" : (budgets[i] == 1000 ? "1000" : "500"),
		    r.chunks_before, r.chunks_after, r.exact_dups, r.near_dups,
		    (long long)r.tokens_before, (long long)r.tokens_after,
		    r.tokens_before ? 100.0 * (double)r.tokens_removed / (double)r.tokens_before : 0);
		compress_result_done(&r);
	}
}

int
main(int argc, char **argv)
{
	char path[CONFIG_PATH_MAX], err[512];
	double secs = argc > 1 ? atof(argv[1]) : 0.5;
	struct router *r;
	struct sample s, big;
	char *shorts[NSHORT], *longs[8], *mix[NSHORT + 2];
	const char *kw[8] = { NULL, "analyse", "요약해줘", NULL, "compare", "번역", NULL, "plan" };
	size_t i;

	if (secs <= 0)
		secs = 0.5;
	if (config_find_data_file("router.json", path, sizeof(path)) != 0 ||
	    (r = router_load(path, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_router: router.json: %s (set TOKENTOP_DATADIR)\n",
		    path[0] ? err : "not found");
		return 1;
	}
	for (i = 0; i < NSHORT; i++)
		shorts[i] = (char *)short_prompts[i];
	for (i = 0; i < 8; i++)
		longs[i] = long_prompt(2000, (unsigned)i + 1, kw[i]);
	for (i = 0; i < NSHORT; i++)
		mix[i] = shorts[i];
	mix[NSHORT] = longs[0];
	mix[NSHORT + 1] = longs[1];

	printf("routing (%s)\n", path);
	bench_route(r, shorts, NSHORT, "route short prompts", secs);
	bench_route(r, longs, 8, "route 2,000-word prompts", secs);
	bench_route(r, mix, NSHORT + 2, "route mix (12 short + 2 long)", secs);

	if (load_sample(&s) != 0) {
		fprintf(stderr, "bench_router: samples/rag not found next to router.json\n");
		return 1;
	}
	printf("compression (%zu files, %.1f KB)\n", s.n, (double)s.total / 1e3);
	bench_compress(&s, secs);
	scale_sample(&s, 70, &big);
	printf("compression at scale (paragraph files x70, each copy edited every few words;"
	    " %.1f KB)\n", (double)big.total / 1e3);
	bench_compress(&big, secs);
	free(big.buf[0]);

	for (i = 0; i < 8; i++)
		free(longs[i]);
	for (i = 0; i < s.n; i++)
		free(s.buf[i]);
	router_free(r);
	return 0;
}
