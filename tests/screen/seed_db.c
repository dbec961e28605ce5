/* seed_db.c — writes usage rows into a ledger for the console's screen
 * tests, through data/store.h like any tokentop process.
 *
 *   seed_db DB batches        two batches (one running, one ended); usage rows
 *                             come through `tokentop import` in the test
 *   seed_db DB history        30 days of rows over four models (one unpriced)
 *                             and the two batches (for trying the console by hand)
 *   seed_db DB one MODEL IN OUT   one more row now (a message id from the clock)
 *   seed_db DB at MODEL IN MINUTES_AGO [TAG]   a row of IN input tokens that
 *                             long ago (the intraday chart's tests)
 *   seed_db DB spool PATH N   N rows waiting in the spool at PATH for DB
 *                             (as a proxy leaves them when the ledger is away)
 *
 * TOKENTOP_HOST, when set, is the host the rows are stamped with (as the
 * opener of a store does from config_host; any bytes, for hostile names).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "data/spool.h"
#include "data/store.h"

static int64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int
put(struct store *s, int64_t ts, const char *model, const char *source, const char *id,
    int64_t in, int64_t w5, int64_t rd, int64_t out, const char *tag)
{
	struct usage u;
	char err[256];

	memset(&u, 0, sizeof(u));
	u.ts_ms = ts;
	snprintf(u.model, sizeof(u.model), "%s", model);
	snprintf(u.source, sizeof(u.source), "%s", source);
	snprintf(u.message_id, sizeof(u.message_id), "%s", id);
	snprintf(u.tag, sizeof(u.tag), "%s", tag);
	u.tok.input = in;
	u.tok.write_5m = w5;
	u.tok.cache_read = rd;
	u.tok.output = out;
	if (store_insert_usage(s, &u, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "seed_db: %s\n", err);
		return -1;
	}
	return 0;
}

static int batches(struct store *s);

static int
history(struct store *s)
{
	static const char *const models[] = { "claude-sonnet-4-5", "claude-haiku-4-5",
		"claude-opus-4-1", "claude-nova-9" };
	char id[64];
	int64_t now = now_ms();
	int d, i, m;

	for (d = 0; d < 30; d++)
		for (i = 0; i < 6; i++) {
			m = (d + i) % 4;
			if (m == 3 && d > 0)
				continue;
			snprintf(id, sizeof(id), "msg_seed_%d_%d", d, i);
			/* today's rows within the last 40 minutes, older ones spread */
			if (put(s, d == 0 ? now - (i + 1) * 300000LL : now - d * 86400000LL - i * 60000,
			    models[m], i == 5 ? "batch" : "call", id, 1000 + 100 * d, 2000, 8000 + 10 * i,
			    500 + 7 * d, i % 2 ? "web" : "") != 0)
				return -1;
		}
	return batches(s);
}

static int
batches(struct store *s)
{
	struct batch_rec b;
	char err[256];
	int64_t now = now_ms();

	memset(&b, 0, sizeof(b));
	snprintf(b.id, sizeof(b.id), "msgbatch_01SEEDRUNNING0000000001");
	snprintf(b.status, sizeof(b.status), "in_progress");
	snprintf(b.models, sizeof(b.models), "claude-haiku-4-5");
	snprintf(b.tag, sizeof(b.tag), "nightly");
	b.requests = 1000;
	b.est_low_nanos = 210000000;
	b.est_high_nanos = 380000000;
	b.created_ms = now - 42 * 60000;
	b.expires_ms = b.created_ms + 86400000LL;
	b.counts.processing = 1000;
	if (store_batch_put(s, &b, err, sizeof(err)) != 0)
		goto fail;
	snprintf(b.id, sizeof(b.id), "msgbatch_01SEEDENDED00000000002");
	snprintf(b.status, sizeof(b.status), "ended");
	b.requests = 250;
	b.created_ms = now - 3 * 3600000LL;
	b.ended_ms = now - 2 * 3600000LL;
	b.counts.processing = 0;
	b.counts.succeeded = 248;
	b.counts.errored = 2;
	if (store_batch_put(s, &b, err, sizeof(err)) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "seed_db: %s\n", err);
	return -1;
}

static int
spooled(struct store *s, const char *path, int n)
{
	struct spool_item it;
	struct spool *sp;
	char err[256];
	int i, rc = 0;

	if ((sp = spool_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "seed_db: %s\n", err);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		memset(&it, 0, sizeof(it));
		it.kind = SPOOL_USAGE;
		it.u.ts_ms = now_ms();
		snprintf(it.u.model, sizeof(it.u.model), "claude-haiku-4-5");
		snprintf(it.u.source, sizeof(it.u.source), "proxy");
		snprintf(it.u.request_id, sizeof(it.u.request_id), "req_spooled_%d", i);
		it.u.tok.input = 100;
		if ((rc = spool_append(sp, s, &it, 1, NULL, err, sizeof(err))) != 0)
			fprintf(stderr, "seed_db: %s\n", err);
	}
	spool_close(sp);
	return rc;
}

int
main(int argc, char **argv)
{
	struct store *s;
	char err[256], id[64];
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: seed_db DB batches|history | seed_db DB one MODEL IN OUT\n");
		return 2;
	}
	if ((s = store_open(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "seed_db: %s\n", err);
		return 1;
	}
	if (getenv("TOKENTOP_HOST") != NULL)
		store_set_host(s, getenv("TOKENTOP_HOST"));
	if (strcmp(argv[2], "history") == 0)
		rc = history(s);
	else if (strcmp(argv[2], "batches") == 0)
		rc = batches(s);
	else if (strcmp(argv[2], "one") == 0 && argc == 6) {
		snprintf(id, sizeof(id), "msg_one_%lld", (long long)now_ms());
		rc = put(s, now_ms(), argv[3], "call", id, atoll(argv[4]), 0, 0, atoll(argv[5]), "");
	} else if (strcmp(argv[2], "spool") == 0 && argc == 5) {
		rc = spooled(s, argv[3], atoi(argv[4]));
	} else if (strcmp(argv[2], "at") == 0 && (argc == 6 || argc == 7)) {
		snprintf(id, sizeof(id), "msg_at_%s_%s", argv[5], argv[4]);
		rc = put(s, now_ms() - atoll(argv[5]) * 60000, argv[3], "call", id, atoll(argv[4]),
		    0, 0, 0, argc == 7 ? argv[6] : "");
	} else
		rc = -1;
	store_close(s);
	return rc == 0 ? 0 : 1;
}
