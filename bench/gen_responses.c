/* gen_responses.c — Messages-response and batch-results JSONL for `make bench`.
 *
 *   gen_responses messages|batch-results --lines N --out FILE [--seed S]
 *
 * messages: one full Messages response object a line (api-notes §1).
 * batch-results: one results line a line (api-notes §3): about 94% succeeded
 * (usage.service_tier "batch"), 3% errored, 2% canceled, 1% expired, in a
 * shuffled custom_id order. Answers are 100 B – 6 KB of text. Deterministic
 * for the same arguments. Prints on stdout what a correct import must find:
 * `lines`, `billed` (rows) and the five token sums of the billed lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/synth.h"

static void
die(const char *what)
{
	fprintf(stderr, "gen_responses: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen_responses messages|batch-results --lines N --out FILE "
	    "[--seed S]\n");
	exit(2);
}

static const char *const stops[] = { "end_turn", "end_turn", "end_turn", "max_tokens",
	"tool_use", "stop_sequence" };

/* The message object of one response; tier "standard" or "batch". */
static void
message(FILE *f, struct synth_rng *r, const char *pool, size_t npool, const char *tier,
        struct tokens *sum)
{
	char id[64];
	size_t model = synth_pick_model(r), s, e;
	struct tokens t;

	synth_tokens(r, model, 0, &t);
	synth_id(r, "msg_01", 22, id, sizeof(id));
	synth_slice(r, pool, npool, (size_t)synth_logu(r, 100, 6000), &s, &e);
	fprintf(f, "{\"id\":\"%s\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"%s\","
	    "\"content\":[{\"type\":\"text\",\"text\":\"%.*s\"}],\"stop_reason\":\"%s\","
	    "\"stop_sequence\":null,\"usage\":{\"input_tokens\":%lld,"
	    "\"cache_creation_input_tokens\":%lld,\"cache_read_input_tokens\":%lld,"
	    "\"cache_creation\":{\"ephemeral_5m_input_tokens\":%lld,"
	    "\"ephemeral_1h_input_tokens\":%lld},\"output_tokens\":%lld,"
	    "\"service_tier\":\"%s\"}}", id, synth_models[model], (int)(e - s), pool + s,
	    stops[synth_below(r, 6)], (long long)t.input, (long long)(t.write_5m + t.write_1h),
	    (long long)t.cache_read, (long long)t.write_5m, (long long)t.write_1h,
	    (long long)t.output, tier);
	sum->input += t.input;
	sum->write_5m += t.write_5m;
	sum->write_1h += t.write_1h;
	sum->cache_read += t.cache_read;
	sum->output += t.output;
}

/* One results line; returns 1 when it is billed (succeeded). */
static int
result_line(FILE *f, struct synth_rng *r, const char *pool, size_t npool, uint64_t cid,
            struct tokens *sum)
{
	unsigned x = (unsigned)synth_below(r, 1000);

	fprintf(f, "{\"custom_id\":\"req-%07llu\",\"result\":", (unsigned long long)cid);
	if (x < 940) {
		fputs("{\"type\":\"succeeded\",\"message\":", f);
		message(f, r, pool, npool, "batch", sum);
		fputs("}}\n", f);
		return 1;
	}
	if (x < 970)
		fputs("{\"type\":\"errored\",\"error\":{\"type\":\"error\",\"error\":{\"type\":"
		    "\"invalid_request_error\",\"message\":\"max_tokens: Field required\"}}}}\n", f);
	else if (x < 990)
		fputs("{\"type\":\"canceled\"}}\n", f);
	else
		fputs("{\"type\":\"expired\"}}\n", f);
	return 0;
}

int
main(int argc, char **argv)
{
	struct synth_rng r;
	struct tokens sum;
	const char *kind, *out = NULL;
	uint64_t lines = 100000, seed = 7, i, billed = 0, *order;
	char *pool, *buf;
	size_t npool;
	FILE *f;
	int a;

	if (argc < 2)
		usage();
	kind = argv[1];
	if (strcmp(kind, "messages") != 0 && strcmp(kind, "batch-results") != 0)
		usage();
	for (a = 2; a < argc; a++) {
		if (a + 1 >= argc)
			usage();
		if (strcmp(argv[a], "--lines") == 0)
			lines = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--out") == 0)
			out = argv[++a];
		else if (strcmp(argv[a], "--seed") == 0)
			seed = strtoull(argv[++a], NULL, 10);
		else
			usage();
	}
	if (out == NULL || lines == 0)
		usage();
	synth_seed(&r, seed);
	if ((pool = synth_pool(&r, 1 << 20, &npool)) == NULL)
		die("malloc");
	if ((f = fopen(out, "w")) == NULL)
		die(out);
	if ((buf = malloc(1 << 20)) == NULL || (order = malloc(lines * sizeof(*order))) == NULL)
		die("malloc");
	setvbuf(f, buf, _IOFBF, 1 << 20);
	/* results come back in any order: shuffle the custom_ids */
	for (i = 0; i < lines; i++)
		order[i] = i;
	for (i = lines - 1; i > 0; i--) {
		uint64_t j = synth_below(&r, i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < lines; i++) {
		if (kind[0] == 'm') {
			message(f, &r, pool, npool, "standard", &sum);
			fputc('\n', f);
			billed++;
		} else
			billed += (uint64_t)result_line(f, &r, pool, npool, order[i], &sum);
	}
	if (fclose(f) != 0)
		die(out);
	printf("lines %llu\nbilled %llu\ninput %lld\nwrite_5m %lld\nwrite_1h %lld\n"
	    "cache_read %lld\noutput %lld\n", (unsigned long long)lines,
	    (unsigned long long)billed, (long long)sum.input, (long long)sum.write_5m,
	    (long long)sum.write_1h, (long long)sum.cache_read, (long long)sum.output);
	free(order);
	free(buf);
	free(pool);
	return 0;
}
