/* gen_codex.c — a Codex CLI sessions tree for `make bench` (api-notes §8).
 *
 *   gen_codex --out DIR [--mb N] [--seed S]
 *
 * Writes DIR/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl until about N
 * MB (default 400) are written. Each session: a session_meta line, then
 * turns: a turn_context (the model, now and then another), the user's
 * message and the answer's items as response_item lines (most of the
 * bytes: long text, as in real rollouts), then token_count events with the
 * session's cumulative total_token_usage, each turn's written twice (the
 * repeat adds nothing). Deterministic for the same arguments.
 * DIR/manifest gets what a correct import must find: `rows` (increases)
 * and the token sums (input uncached, cached, output, reasoning).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static uint64_t rng = 88172645463325252ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int
mkdirs(const char *path)
{
	char tmp[4096];
	size_t i;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (i = 1; tmp[i] != '\0'; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -1;
		tmp[i] = '/';
	}
	return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static void
iso(time_t t, char *buf, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

struct totals {
	int64_t in, cached, out, reasoning;
};

int
main(int argc, char **argv)
{
	static const char *const models[] = { "gpt-5-codex", "gpt-5", "gpt-5-mini" };
	const char *dir = NULL;
	char path[4096], day[64], ts[40], uuid[40], text[2048];
	uint64_t want = 400ULL << 20, written = 0;
	int64_t rows = 0, files = 0, lines = 0;
	struct totals sum = { 0, 0, 0, 0 };
	time_t t = 1757505600;       /* 2025-09-10T12:00:00Z */
	int i, k, turn;
	FILE *f, *m;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--mb") == 0 && i + 1 < argc)
			want = strtoull(argv[++i], NULL, 10) << 20;
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			rng ^= strtoull(argv[++i], NULL, 10) * 2654435761ULL;
		else {
			fprintf(stderr, "usage: gen_codex --out DIR [--mb N] [--seed S]\n");
			return 2;
		}
	}
	if (dir == NULL) {
		fprintf(stderr, "gen_codex: --out DIR is required\n");
		return 2;
	}
	for (k = 0; k < (int)sizeof(text) - 1; k++)
		text[k] = "abcdefghij klmnopqrst uvwxyz.,"[k % 30];
	text[sizeof(text) - 1] = '\0';
	while (written < want) {
		struct totals cur = { 0, 0, 0, 0 };
		int nturns = 5 + (int)(next() % 20);
		const char *model = models[next() % 3];

		t += 600 + (time_t)(next() % 3600);
		strftime(day, sizeof(day), "%Y/%m/%d", gmtime(&t));
		snprintf(uuid, sizeof(uuid), "%08llx-%04llx-7%03llx-8%03llx-%012llx",
		    (unsigned long long)(next() & 0xffffffff), (unsigned long long)(next() & 0xffff),
		    (unsigned long long)(next() & 0xfff), (unsigned long long)(next() & 0xfff),
		    (unsigned long long)(next() & 0xffffffffffffULL));
		snprintf(path, sizeof(path), "%s/sessions/%s", dir, day);
		if (mkdirs(path) != 0)
			return 1;
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H-%M-%S", gmtime(&t));
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/rollout-%s-%s.jsonl", ts, uuid);
		if ((f = fopen(path, "w")) == NULL)
			return 1;
		files++;
		iso(t, ts, sizeof(ts));
		written += (uint64_t)fprintf(f, "{\"timestamp\":\"%s\",\"type\":\"session_meta\",\"payload\":"
		    "{\"id\":\"%s\",\"cwd\":\"/home/me/proj%d\",\"cli_version\":\"0.40.0\"}}\n", ts, uuid,
		    (int)(next() % 50));
		lines++;
		for (turn = 0; turn < nturns; turn++) {
			int64_t in = 2000 + (int64_t)(next() % 30000), cached = in * (int64_t)(next() % 90) / 100;
			int64_t out = 50 + (int64_t)(next() % 3000), rs = out * (int64_t)(next() % 70) / 100;
			int items = 2 + (int)(next() % 6), len;

			t += 5 + (time_t)(next() % 120);
			iso(t, ts, sizeof(ts));
			if (next() % 8 == 0)
				model = models[next() % 3];
			written += (uint64_t)fprintf(f, "{\"timestamp\":\"%s\",\"type\":\"turn_context\","
			    "\"payload\":{\"model\":\"%s\",\"cwd\":\"/home/me/proj\",\"approval_policy\":"
			    "\"on-request\",\"sandbox_policy\":{\"mode\":\"workspace-write\"}}}\n", ts, model);
			lines++;
			for (k = 0; k < items; k++) {
				len = 200 + (int)(next() % (sizeof(text) - 201));
				written += (uint64_t)fprintf(f, "{\"timestamp\":\"%s\",\"type\":\"response_item\","
				    "\"payload\":{\"type\":\"message\",\"role\":\"%s\",\"content\":[{\"type\":"
				    "\"%s\",\"text\":\"%.*s\"}]}}\n", ts, k == 0 ? "user" : "assistant",
				    k == 0 ? "input_text" : "output_text", len, text);
				lines++;
			}
			cur.in += in;
			cur.cached += cached;
			cur.out += out;
			cur.reasoning += rs;
			for (k = 0; k < 2; k++) {   /* the same total twice */
				written += (uint64_t)fprintf(f, "{\"timestamp\":\"%s\",\"type\":\"event_msg\","
				    "\"payload\":{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{"
				    "\"input_tokens\":%lld,\"cached_input_tokens\":%lld,\"output_tokens\":%lld,"
				    "\"reasoning_output_tokens\":%lld,\"total_tokens\":%lld},\"last_token_usage\":{"
				    "\"input_tokens\":%lld,\"cached_input_tokens\":%lld,\"output_tokens\":%lld,"
				    "\"reasoning_output_tokens\":%lld,\"total_tokens\":%lld},"
				    "\"model_context_window\":272000},\"rate_limits\":{\"primary\":{\"used_percent\":"
				    "%d.0,\"window_minutes\":300,\"resets_at\":%lld}}}}\n", ts,
				    (long long)cur.in, (long long)cur.cached, (long long)cur.out,
				    (long long)cur.reasoning, (long long)(cur.in + cur.out), (long long)in,
				    (long long)cached, (long long)out, (long long)rs, (long long)(in + out),
				    turn % 100, (long long)t + 3600);
				lines++;
			}
			rows++;
			sum.in += in - cached;
			sum.cached += cached;
			sum.out += out;
			sum.reasoning += rs;
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/manifest", dir);
	if ((m = fopen(path, "w")) == NULL)
		return 1;
	fprintf(m, "bytes %llu\nfiles %lld\nlines %lld\nrows %lld\ninput %lld\ncached %lld\n"
	    "output %lld\nreasoning %lld\n", (unsigned long long)written, (long long)files,
	    (long long)lines, (long long)rows, (long long)sum.in, (long long)sum.cached,
	    (long long)sum.out, (long long)sum.reasoning);
	fclose(m);
	return 0;
}
