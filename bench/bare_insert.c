/* bare_insert.c — the baseline for import speed: N synthetic usage rows
 * through one prepared INSERT in one transaction, into a plain table (no
 * index, no dedupe, no rollup), with sqlite3 alone.
 *
 *   bare_insert DB N
 *
 * The table has the same columns as a ledger row. WAL and synchronous=NORMAL,
 * as a ledger would run. Prints "rows N seconds S" on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "tui/synth.h"

static const char schema[] =
	"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS usage_bare (ts_ms INTEGER, model TEXT, source TEXT,"
	" request_id TEXT, message_id TEXT, batch_id TEXT, custom_id TEXT, tag TEXT,"
	" service_tier TEXT, speed TEXT, stop_reason TEXT, input INTEGER, write_5m INTEGER,"
	" write_1h INTEGER, cache_read INTEGER, output INTEGER, sidechain INTEGER);";

static const char insert[] =
	"INSERT INTO usage_bare VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static int
fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bare_insert: %s: %s\n", what, sqlite3_errmsg(db));
	sqlite3_close(db);
	return 1;
}

static void
bind_row(sqlite3_stmt *st, const struct usage *u)
{
	const char *text[] = { u->model, u->source, u->request_id, u->message_id, u->batch_id,
		u->custom_id, u->tag, u->service_tier, u->speed, u->stop_reason };
	const int64_t num[] = { u->tok.input, u->tok.write_5m, u->tok.write_1h,
		u->tok.cache_read, u->tok.output, u->sidechain };
	int i;

	sqlite3_bind_int64(st, 1, u->ts_ms);
	for (i = 0; i < 10; i++)
		sqlite3_bind_text(st, 2 + i, text[i], -1, SQLITE_STATIC);
	for (i = 0; i < 6; i++)
		sqlite3_bind_int64(st, 12 + i, num[i]);
}

int
main(int argc, char **argv)
{
	static const char *const tags[] = { "web", "etl", "eval", NULL };
	struct synth_mix mix = { .batch_permille = 150, .import_permille = 250,
	    .tagged_permille = 600, .tags = tags, .run = 1 };
	struct synth_rng r;
	struct timespec t0, t1;
	struct usage u;
	sqlite3 *db;
	sqlite3_stmt *st;
	long long n, i;
	int64_t ts = (int64_t)time(NULL) * 1000 - 90LL * 86400000;

	if (argc != 3 || (n = atoll(argv[2])) < 0) {
		fprintf(stderr, "usage: bare_insert DB N\n");
		return 2;
	}
	if (sqlite3_open(argv[1], &db) != SQLITE_OK)
		return fail(db, argv[1]);
	if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, "schema");
	if (sqlite3_prepare_v2(db, insert, -1, &st, NULL) != SQLITE_OK)
		return fail(db, "prepare");
	synth_seed(&r, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, "begin");
	for (i = 0; i < n; i++) {
		synth_row(&r, &mix, ts + i * 7, (uint64_t)i, &u);
		bind_row(st, &u);
		if (sqlite3_step(st) != SQLITE_DONE)
			return fail(db, "insert");
		sqlite3_reset(st);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, "commit");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sqlite3_finalize(st);
	sqlite3_close(db);
	printf("rows %lld seconds %.3f\n", n,
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
