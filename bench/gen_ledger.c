/* gen_ledger.c — a synthetic ledger for `make bench`, through the store API.
 *
 *   gen_ledger --db PATH [--rows N] [--days D] [--seed S] [--chunk N]
 *
 * A year of a busy fleet: N usage rows (default 1,000,000) over D days
 * (default 365) ending now, weekdays busier than weekends and office hours
 * than nights; eight models; direct calls, proxied calls, batches (500
 * requests each) and imports; twelve team tags on most rows; routing tiers,
 * priority tier, fast mode and US inference on some; ids as long as the
 * API's. Inserted oldest first through store_put_bulk in transactions of
 * --chunk rows (default 50,000), as an import writes. Deterministic for the
 * same arguments and day. Prints "rows N seconds S" on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/store.h"
#include "tui/synth.h"

static void
usage(void)
{
	fprintf(stderr, "usage: gen_ledger --db PATH [--rows N] [--days D] [--seed S] "
	    "[--chunk N]\n");
	exit(2);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const char *const tags[] = { "web", "etl", "eval", "support", "research", "mobile",
		"search", "billing", "infra", "growth", "data", "security", NULL };
	struct synth_fill f;
	struct synth_rng r;
	struct store *s;
	const char *db = NULL;
	uint64_t seed = 42, added = 0;
	char err[512];
	double t0;
	int i;

	memset(&f, 0, sizeof(f));
	f.rows = 1000000;
	f.days = 365;
	f.chunk = 50000;
	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--db") == 0)
			db = argv[++i];
		else if (strcmp(argv[i], "--rows") == 0)
			f.rows = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--days") == 0)
			f.days = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--chunk") == 0)
			f.chunk = strtoull(argv[++i], NULL, 10);
		else
			usage();
	}
	if (db == NULL || f.days < 1)
		usage();
	f.end_ms = (int64_t)time(NULL) * 1000;
	f.mix.batch_permille = 150;
	f.mix.import_permille = 250;
	f.mix.tagged_permille = 850;
	f.mix.tags = tags;
	f.mix.run = seed;
	f.mix.proxy_permille = 400;
	f.mix.routed_permille = 300;
	f.mix.priority_permille = 30;
	f.mix.fast_permille = 50;
	f.mix.us_permille = 40;
	f.mix.api_ids = 1;
	synth_seed(&r, seed);
	if ((s = store_open(db, err, sizeof(err))) == NULL) {
		fprintf(stderr, "gen_ledger: %s: %s\n", db, err);
		return 1;
	}
	t0 = now_s();
	if (synth_fill_ledger(s, &r, &f, &added, err, sizeof(err)) != 0) {
		fprintf(stderr, "gen_ledger: %s\n", err);
		store_close(s);
		return 1;
	}
	printf("rows %llu seconds %.2f\n", (unsigned long long)added, now_s() - t0);
	store_close(s);
	return 0;
}
