/* metrics.c — what `tokentop exporter` serves, read from the rollups in one
 * pass: requests, tokens and priced cost per model × source (× tag when
 * asked), and the batch table's statuses. Never the raw rows, so a scrape
 * costs the same on a 10M-row ledger as on a small one.
 *
 * The lifetime rollup (rollup_lt: model × source × tag × flags, kept with
 * every insert) holds a few hundred cells however old the ledger is. Cost
 * is priced per model × price flags over those sums (as the reports price
 * a group), so the counters equal `report models --json`.
 * A model whose price names a long-context line other than the rollup's
 * (only a user price file can) is priced at the rollup's line here; the
 * reports read such a model's raw rows. The provider is the rollup flags'
 * (ROLLUP_PROVIDER); a model is priced in its provider's entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/provider.h"
#include "data/groupsum.h"
#include "data/store_int.h"

#define MAX_SOURCES 64

struct reader {
	struct store         *s;
	const struct pricing *p;
	char                  sources[MAX_SOURCES][16];
	size_t                nsources;
	struct groupsum       in;    /* cells as read: (source, model, tag, flags) */
	struct groupsum       out;   /* by label: (source, model label, tag, provider in flags);
	                                sum[6] cost, [7] unpriced */
};

/* The index of source in r's list (added when new); -1 when full. */
static int
source_id(struct reader *r, const char *src)
{
	size_t i;

	for (i = 0; i < r->nsources; i++)
		if (strcmp(r->sources[i], src) == 0)
			return (int)i;
	if (r->nsources == MAX_SOURCES)
		return -1;
	usage_strlcpy(r->sources[r->nsources], src, sizeof(r->sources[0]));
	return (int)r->nsources++;
}

/* Read the rollup cells into r->in. 0, or -1 with err. */
static int
read_cells(struct reader *r, int with_tag, char *err, size_t errlen)
{
	/* the lifetime cells: a few per model × source × tag, whatever the age */
	const char *sql = with_tag ?
	    "SELECT source, model, tag, flags, requests, input, write_5m, write_1h, cache_read,"
	    " output FROM rollup_lt" :
	    "SELECT source, model, '', flags, requests, input, write_5m, write_1h, cache_read,"
	    " output FROM rollup_lt";
	struct tokens t;
	int64_t sum[GROUPSUM_N];
	struct db_stmt *st;
	int rc, sid, k;

	if ((st = store_prepare(r->s, sql, "metrics", err, errlen)) == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		memset(sum, 0, sizeof(sum));
		for (k = 0; k < 6; k++)
			sum[k] = db_column_int64(st, 4 + k);
		if (sum[0] == 0)
			continue;       /* emptied cell, pruned lazily */
		t.input = sum[1];
		t.write_5m = sum[2];
		t.write_1h = sum[3];
		t.cache_read = sum[4];
		t.output = sum[5];
		if (!usage_sums_possible(&t, 0, sum[0])) {   /* a hand edit, an older tokentop */
			store_overflow_err(r->s, "a rollup cell holds sums no rows can make"
			    " (negative, or above 10^12 a row)", err, errlen);
			goto fail;
		}
		if ((sid = source_id(r, db_column_text(st, 0))) < 0) {
			snprintf(err, errlen, "metrics: more than %d sources", MAX_SOURCES);
			goto fail;
		}
		rc = groupsum_add(&r->in, sid, db_column_text(st, 1), db_column_text(st, 2),
		    (int)db_column_int64(st, 3), 0, sum);
		if (rc == GROUPSUM_OVERFLOW) {
			store_overflow_err(r->s, NULL, err, errlen);
			goto fail;
		}
		if (rc != 0) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (rc != DB_DONE) {
		store_sqlerr(r->s, "metrics", err, errlen);
		goto fail;
	}
	db_finalize(st);
	return 0;
fail:
	db_finalize(st);
	return -1;
}

/* Price each cell of r->in into its label's cell in r->out. */
static int
price_cells(struct reader *r, char *err, size_t errlen)
{
	const struct groupsum_cell *c;
	const struct model_price *mp;
	struct price_flags f;
	struct tokens t;
	int64_t sum[GROUPSUM_N];
	size_t i;
	int rc;

	for (i = 0; i < r->in.n; i++) {
		c = &r->in.cells[i];
		mp = pricing_find_for(r->p, ROLLUP_PROVIDER(c->flags), c->model);
		memcpy(sum, c->sum, sizeof(sum));
		sum[6] = sum[7] = 0;
		if (mp == NULL) {
			sum[7] = c->sum[0];
		} else {
			t.input = c->sum[1];
			t.write_5m = c->sum[2];
			t.write_1h = c->sum[3];
			t.cache_read = c->sum[4];
			t.output = c->sum[5];
			f = store_price_flags(mp, c->flags);
			if (pricing_cost_checked(mp, &t, &f, &sum[6]) != 0)
				return store_overflow_err(r->s, NULL, err, errlen);
		}
		rc = groupsum_add(&r->out, c->unit, mp != NULL ? mp->id : c->model, c->g,
		    ROLLUP_PROVIDER(c->flags), 0, sum);
		if (rc == GROUPSUM_OVERFLOW)
			return store_overflow_err(r->s, NULL, err, errlen);
		if (rc != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int
read_batches(struct store *s, struct store_metrics *m, char *err, size_t errlen)
{
	struct db_stmt *st;
	struct store_metric_batch *b;
	int rc;

	if ((st = store_prepare(s, "SELECT provider, status, count(*) FROM batch"
	    " GROUP BY provider, status ORDER BY provider, status", "metrics", err, errlen)) == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		if ((b = realloc(m->batches, (m->nbatches + 1) * sizeof(*b))) == NULL) {
			db_finalize(st);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		m->batches = b;
		b = &m->batches[m->nbatches++];
		memset(b, 0, sizeof(*b));
		usage_strlcpy(b->provider, db_column_text(st, 0), sizeof(b->provider));
		usage_strlcpy(b->status, db_column_text(st, 1), sizeof(b->status));
		b->count = db_column_int64(st, 2);
	}
	if (rc != DB_DONE)
		store_sqlerr(s, "metrics", err, errlen);
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

static int
by_cell(const void *x, const void *y)
{
	const struct store_metric_cell *a = x, *b = y;
	int c;

	if ((c = strcmp(a->model, b->model)) != 0 || (c = strcmp(a->provider, b->provider)) != 0)
		return c;
	if ((c = strcmp(a->source, b->source)) != 0)
		return c;
	return strcmp(a->tag, b->tag);
}

int
store_metrics_read(struct store *s, const struct pricing *p, int with_tag,
                   struct store_metrics *out, char *err, size_t errlen)
{
	struct reader *r;
	struct store_metric_cell *mc;
	const struct groupsum_cell *c;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->s = s;
	r->p = p;
	if (store_rollup_flush(s, err, errlen) != 0 || read_cells(r, with_tag, err, errlen) != 0 ||
	    price_cells(r, err, errlen) != 0)
		goto out;
	if (r->out.n > 0 && (out->cells = calloc(r->out.n, sizeof(*out->cells))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < r->out.n; i++) {
		c = &r->out.cells[i];
		mc = &out->cells[out->ncells++];
		usage_strlcpy(mc->provider, provider_at(c->flags) != NULL ?
		    provider_at(c->flags)->name : "unknown", sizeof(mc->provider));
		usage_strlcpy(mc->model, c->model, sizeof(mc->model));
		usage_strlcpy(mc->source, r->sources[c->unit], sizeof(mc->source));
		usage_strlcpy(mc->tag, c->g, sizeof(mc->tag));
		mc->requests = c->sum[0];
		mc->tok.input = c->sum[1];
		mc->tok.write_5m = c->sum[2];
		mc->tok.write_1h = c->sum[3];
		mc->tok.cache_read = c->sum[4];
		mc->tok.output = c->sum[5];
		mc->cost_nanos = c->sum[6];
		mc->unpriced_requests = c->sum[7];
	}
	qsort(out->cells, out->ncells, sizeof(*out->cells), by_cell);
	if (read_batches(s, out, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	groupsum_free(&r->in);
	groupsum_free(&r->out);
	free(r);
	if (rc != 0)
		store_metrics_free(out);
	return rc;
}

void
store_metrics_free(struct store_metrics *m)
{
	if (m == NULL)
		return;
	free(m->cells);
	free(m->batches);
	memset(m, 0, sizeof(*m));
}
