/* tally.c — the figures a ledger must show for generated usage (tally.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/lib/tally.h"
#include "core/pricing.h"

#define SPILL   30     /* days a row may lie past the last one */
#define NMODELS 16
#define NFLAGS  32     /* batch, long context, fast, us geo, priority */

struct cell {
	int64_t       requests;
	struct tokens t;
};

struct tally {
	struct pricing           *pr;
	int64_t                   start_ms;
	int                       ndays;
	const struct model_price *model[NMODELS];   /* borrowed from pr */
	int                       nmodels;
	struct cell              *cells;   /* [(day * NMODELS + model) * NFLAGS + flags] */
};

struct figures {
	int64_t       requests, cost, saved;
	struct tokens t;
};

struct tally *
tally_new(const char *prices, int64_t start_ms, int days, char *err, size_t errlen)
{
	struct tally *t = calloc(1, sizeof(*t));

	if (t == NULL || days < 1) {
		snprintf(err, errlen, t == NULL ? "out of memory" : "no days");
		free(t);
		return NULL;
	}
	t->start_ms = start_ms;
	t->ndays = days + SPILL;
	t->cells = calloc((size_t)t->ndays * NMODELS * NFLAGS, sizeof(*t->cells));
	if (t->cells == NULL) {
		snprintf(err, errlen, "out of memory");
		tally_free(t);
		return NULL;
	}
	if ((t->pr = pricing_load(prices, NULL, err, errlen)) == NULL) {
		tally_free(t);
		return NULL;
	}
	return t;
}

void
tally_free(struct tally *t)
{
	if (t == NULL)
		return;
	pricing_free(t->pr);
	free(t->cells);
	free(t);
}

int
tally_add(struct tally *t, const struct usage *u, char *err, size_t errlen)
{
	const struct model_price *mp = pricing_find(t->pr, u->model);
	int64_t day = (u->ts_ms - t->start_ms) / 86400000;
	struct price_flags f;
	struct cell *c;
	int m;

	if (mp == NULL || u->ts_ms < t->start_ms || day >= t->ndays) {
		snprintf(err, errlen, "%s: %s", u->model, mp == NULL ? "no price" : "out of range");
		return -1;
	}
	for (m = 0; m < t->nmodels && t->model[m] != mp; m++)
		;
	if (m == t->nmodels) {
		if (m == NMODELS) {
			snprintf(err, errlen, "more than %d models", NMODELS);
			return -1;
		}
		t->model[t->nmodels++] = mp;
	}
	f = pricing_flags(mp, u);
	c = &t->cells[((size_t)day * NMODELS + (size_t)m) * NFLAGS + (size_t)(f.batch |
	    f.long_ctx << 1 | f.fast << 2 | f.us_geo << 3 | f.priority << 4)];
	c->requests++;
	(void)usage_tokens_add(&c->t, &u->tok);
	return 0;
}

static void
fig_add(struct figures *fg, const struct model_price *mp, int bits, const struct cell *c)
{
	struct price_flags f = { bits & 1, (bits >> 1) & 1, (bits >> 2) & 1, (bits >> 3) & 1,
	    (bits >> 4) & 1 };
	struct savings sv;

	fg->requests += c->requests;
	(void)usage_tokens_add(&fg->t, &c->t);
	fg->cost += pricing_cost(mp, &c->t, &f);
	pricing_savings(mp, &c->t, &f, 0, NULL, 0, &sv);
	fg->saved += sv.cache;
}

static void
fig_print(FILE *f, const char *kind, const char *key, const struct figures *fg)
{
	fprintf(f, "%s %s %lld %lld %lld %lld %lld %lld %lld %lld\n", kind, key,
	    (long long)fg->requests, (long long)fg->t.input, (long long)fg->t.write_5m,
	    (long long)fg->t.write_1h, (long long)fg->t.cache_read, (long long)fg->t.output,
	    (long long)fg->cost, (long long)fg->saved);
}

int
tally_write(const struct tally *t, FILE *f)
{
	struct figures day, model[NMODELS], all;
	char date[16];
	struct tm tm;
	time_t secs;
	int d, m, b;

	memset(model, 0, sizeof(model));
	memset(&all, 0, sizeof(all));
	for (d = 0; d < t->ndays; d++) {
		memset(&day, 0, sizeof(day));
		for (m = 0; m < t->nmodels; m++) {
			for (b = 0; b < NFLAGS; b++) {
				const struct cell *c = &t->cells[((size_t)d * NMODELS + (size_t)m) *
				    NFLAGS + (size_t)b];

				if (c->requests == 0)
					continue;
				fig_add(&day, t->model[m], b, c);
				fig_add(&model[m], t->model[m], b, c);
				fig_add(&all, t->model[m], b, c);
			}
		}
		if (day.requests == 0)
			continue;
		secs = (time_t)((t->start_ms + (int64_t)d * 86400000) / 1000);
		gmtime_r(&secs, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		fig_print(f, "day", date, &day);
	}
	for (m = 0; m < t->nmodels; m++)
		fig_print(f, "model", t->model[m]->id, &model[m]);
	fig_print(f, "total", "all", &all);
	return ferror(f) ? -1 : 0;
}
