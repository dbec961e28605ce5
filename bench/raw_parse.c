/* raw_parse.c — the baseline for results ingestion: parse every line of a
 * results (or messages) JSONL with jansson alone and sum the billed usage.
 *
 *   raw_parse FILE
 *
 * Prints "lines N billed N input … output … seconds S" on stdout. No store,
 * no pricing: what any ingestion has to do at the least.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

static long long
num(json_t *usage, const char *key)
{
	json_t *v = json_object_get(usage, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

int
main(int argc, char **argv)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long long lines = 0, billed = 0, sum[5] = { 0 };
	struct timespec t0, t1;
	json_error_t jerr;

	if (argc != 2) {
		fprintf(stderr, "usage: raw_parse FILE\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *o = json_loadb(line, (size_t)n, 0, &jerr), *res, *msg, *u, *cc;

		lines++;
		if (o == NULL)
			continue;
		msg = o;
		if ((res = json_object_get(o, "result")) != NULL) {
			const char *type = json_string_value(json_object_get(res, "type"));

			msg = type != NULL && strcmp(type, "succeeded") == 0 ?
			    json_object_get(res, "message") : NULL;
		}
		if ((u = json_object_get(msg, "usage")) != NULL) {
			billed++;
			cc = json_object_get(u, "cache_creation");
			sum[0] += num(u, "input_tokens");
			sum[1] += cc != NULL ? num(cc, "ephemeral_5m_input_tokens") :
			    num(u, "cache_creation_input_tokens");
			sum[2] += num(cc, "ephemeral_1h_input_tokens");
			sum[3] += num(u, "cache_read_input_tokens");
			sum[4] += num(u, "output_tokens");
		}
		json_decref(o);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("lines %lld billed %lld input %lld write_5m %lld write_1h %lld cache_read %lld "
	    "output %lld seconds %.3f\n", lines, billed, sum[0], sum[1], sum[2], sum[3], sum[4],
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(line);
	fclose(f);
	return 0;
}
