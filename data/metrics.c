/* metrics.c — what `tokentop exporter` serves, read from the rollups:
 * requests, tokens and priced cost per model × source × host (× tag when
 * asked), and the batch table's statuses. Never the raw rows, so a scrape
 * costs the same on a 10M-row ledger as on a small one. The host is the
 * one that wrote the rows (both rollups are kept by host), so one exporter
 * over a fleet's ledger labels each host's series.
 *
 * Cost equals the reports' to the nano-dollar: a cell's cost is what
 * `report models --source S --host H` says for its model. Cost is rounded
 * once per group the report prices, so the cells are grouped as that
 * report groups rows (raw model × flags × routed, of one host):
 *  - with a price table without dates, over all time: the lifetime rollup
 *    (rollup_lt: model × source × tag × flags × routed × host, a few
 *    thousand cells whatever the ledger's size) summed over tags;
 *  - with dates, per UTC day at the prices (and web-search rate) in force
 *    that day: the day rollup by source and host (rollup_ds, a few tens of
 *    thousands of cells a year per host).
 * (So a model × source's series summed over hosts may differ from the
 * all-hosts report by the rounding of each host's group: under a
 * nano-dollar per host and price group.)
 * Web searches are priced on top of tokens, as in the reports.
 *
 * The tag label (metrics.tag_label) needs model × source × tag, which only
 * the lifetime rollup holds for all time: its requests and tokens are
 * exact; its cost is each tag cell's own when no grouping can change a
 * cost (tags_exact), else each model × source's exact cost is split among
 * its tags in proportion to their cost at the prices in force now
 * (largest remainder, so the tags add up to the nano-dollar; with an
 * undated price table each tag's share is its own cost, to rounding).
 *
 * A model whose price names a long-context line other than the rollups'
 * (only a user price file can) is priced at the rollups' line here; the
 * reports read such a model's raw rows. The provider is the rollup flags'
 * (ROLLUP_PROVIDER); a model is priced in its provider's entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/num.h"
#include "core/provider.h"
#include "data/groupsum.h"
#include "data/store_int.h"

__extension__ typedef __int128 i128;

#define MAX_SOURCES 64
#define MS_PER_DAY  86400000LL
#define S_COST      6       /* out's sum[6]: cost in nanos; sum[7]: unpriced requests */
#define S_UNPRICED  7
#define S_WEB       9       /* web searches, as in the rollups' sums */

struct reader {
	struct store         *s;
	const struct pricing *p;
	int                   dated;  /* the table has dates: price per UTC day */
	char                  sources[MAX_SOURCES][16];
	size_t                nsources;
	struct groupsum       in;    /* cells as read: (unit, model, g, flags, routed) */
	struct groupsum       out;   /* by label: (source id, model label, tag, provider);
	                                sum[6] cost, [7] unpriced */
	struct groupsum       tagged; /* with tags: as out, sum[6] the tag's weight */
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

static int
oom(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of memory");
	return -1;
}

/*
 * Read a rollup into r->in. days: rollup_ds, each cell (day or 0 when
 * undated, model, "SOURCE\x1fHOST\x1f", flags, routed); else rollup_lt,
 * each (0, model, "SOURCE\x1fHOST\x1fTAG" (TAG "" without tags), flags,
 * routed). Sources and hosts hold no \x1f. 0, or -1 + err.
 */
static int
read_cells(struct reader *r, int days, int with_tag, char *err, size_t errlen)
{
	const char *sql = days ?
	    "SELECT hour, model, source, '', flags, routed, requests, input, write_5m, write_1h,"
	    " cache_read, output, web_search, host FROM rollup_ds" :
	    with_tag ?
	    "SELECT 0, model, source, tag, flags, routed, requests, input, write_5m, write_1h,"
	    " cache_read, output, web_search, host FROM rollup_lt" :
	    "SELECT 0, model, source, '', flags, routed, requests, input, write_5m, write_1h,"
	    " cache_read, output, web_search, host FROM rollup_lt";
	char g[sizeof(r->in.cells[0].g)];
	struct tokens t;
	int64_t sum[GROUPSUM_N], most;
	struct db_stmt *st;
	int rc, k;

	groupsum_reset(&r->in);
	if ((st = store_prepare(r->s, sql, "metrics", err, errlen)) == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		memset(sum, 0, sizeof(sum));
		for (k = 0; k < 6; k++)
			sum[k] = db_column_int64(st, 6 + k);
		sum[S_WEB] = db_column_int64(st, 12);
		if (sum[0] == 0)
			continue;       /* emptied cell, pruned lazily */
		t.input = sum[1];
		t.write_5m = sum[2];
		t.write_1h = sum[3];
		t.cache_read = sum[4];
		t.output = sum[5];
		if (num_mul(sum[0], USAGE_COUNT_MAX, &most) != 0)
			most = INT64_MAX;
		if (!usage_sums_possible(&t, 0, sum[0]) || sum[S_WEB] < 0 || sum[S_WEB] > most) {
			/* a hand edit, an older tokentop */
			store_overflow_err(r->s, "a rollup cell holds sums no rows can make"
			    " (negative, or above 10^12 a row)", err, errlen);
			goto fail;
		}
		if (source_id(r, db_column_text(st, 2)) < 0) {
			snprintf(err, errlen, "metrics: more than %d sources", MAX_SOURCES);
			goto fail;
		}
		snprintf(g, sizeof(g), "%s\x1f%s\x1f%s", db_column_text(st, 2), db_column_text(st, 13),
		    db_column_text(st, 3));
		rc = groupsum_add(&r->in, days && r->dated ? db_column_int64(st, 0) : 0,
		    db_column_text(st, 1), g, (int)db_column_int64(st, 4),
		    db_column_int64(st, 5) != 0, sum);
		if (rc == GROUPSUM_OVERFLOW) {
			store_overflow_err(r->s, NULL, err, errlen);
			goto fail;
		}
		if (rc != 0) {
			oom(err, errlen);
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

/* The cost of cell c's tokens and web searches under model entry mp0's
 * prices in force at at_ms (the tool rate too). 0, or -1 past int64. */
static int
cell_cost(const struct reader *r, const struct model_price *mp0, const struct groupsum_cell *c,
          int64_t at_ms, int64_t *nanos)
{
	const struct model_price *mp = pricing_version_at(r->p, mp0, at_ms);
	struct price_flags f = store_price_flags(mp, c->flags);
	struct tokens t;
	int64_t rate, tools;

	t.input = c->sum[1];
	t.write_5m = c->sum[2];
	t.write_1h = c->sum[3];
	t.cache_read = c->sum[4];
	t.output = c->sum[5];
	if (pricing_cost_checked(mp, &t, &f, nanos) != 0)
		return -1;
	if (c->sum[S_WEB] > 0 && pricing_tool_rate(r->p, PRICING_TOOL_WEB_SEARCH, at_ms,
	    &rate) == 0 && (pricing_tool_cost(c->sum[S_WEB], rate, &tools) != 0 ||
	    num_add(nanos, tools) != 0))
		return -1;
	return 0;
}

/*
 * Price each cell of r->in into its label's cell of into: (source id,
 * price id or model as recorded, "HOST\x1fTAG", provider). days: r->in is
 * rollup_ds's (priced at its day, as the reports do); else rollup_lt's
 * (priced at now_ms: a weight).
 */
static int
price_cells(struct reader *r, int days, int64_t now_ms, struct groupsum *into, char *err,
            size_t errlen)
{
	const struct groupsum_cell *c;
	const struct model_price *mp;
	char source[sizeof(c->g)];
	const char *label;
	int64_t sum[GROUPSUM_N];
	size_t i, n;
	int rc;

	for (i = 0; i < r->in.n; i++) {
		c = &r->in.cells[i];
		n = strcspn(c->g, "\x1f");
		memcpy(source, c->g, n);
		source[n] = '\0';
		label = c->g[n] != '\0' ? c->g + n + 1 : "";     /* "HOST\x1fTAG" */
		mp = pricing_find_for(r->p, ROLLUP_PROVIDER(c->flags), c->model);
		memset(sum, 0, sizeof(sum));
		memcpy(sum, c->sum, 6 * sizeof(sum[0]));
		if (mp == NULL)
			sum[S_UNPRICED] = c->sum[0];
		else if (cell_cost(r, mp, c, days ? c->unit * MS_PER_DAY : now_ms, &sum[S_COST]) != 0)
			return store_overflow_err(r->s, NULL, err, errlen);
		rc = groupsum_add(into, source_id(r, source), mp != NULL ? mp->id : c->model, label,
		    ROLLUP_PROVIDER(c->flags), 0, sum);
		if (rc == GROUPSUM_OVERFLOW)
			return store_overflow_err(r->s, NULL, err, errlen);
		if (rc != 0)
			return oom(err, errlen);
	}
	return 0;
}

/* Same source, label model, provider and host (g's part before \x1f)? */
static int
same_label(const struct groupsum_cell *a, const struct groupsum_cell *b)
{
	size_t n = strcspn(a->g, "\x1f");

	return a->unit == b->unit && a->flags == b->flags && strcmp(a->model, b->model) == 0 &&
	    strncmp(a->g, b->g, n) == 0 && (b->g[n] == '\x1f' || b->g[n] == '\0');
}

static int
by_label(const void *x, const void *y)
{
	const struct groupsum_cell *a = x, *b = y;
	int c;

	if (a->unit != b->unit)
		return a->unit < b->unit ? -1 : 1;
	if (a->flags != b->flags)
		return a->flags < b->flags ? -1 : 1;
	if ((c = strcmp(a->model, b->model)) != 0)
		return c;
	return strcmp(a->g, b->g);
}

struct share_rem {
	i128   rem;
	size_t i;
};

static int
by_rem(const void *x, const void *y)
{
	const struct share_rem *a = x, *b = y;

	if (a->rem != b->rem)
		return a->rem > b->rem ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/*
 * Split cost (nanos, >= 0) among cells[0..n) (one label's tags) in
 * proportion to their sum[S_COST] weights (or requests when every weight
 * is 0): floors first, then one nano-dollar each to the largest
 * remainders, so the shares add up to cost. Writes sum[S_COST]. 0, or -1
 * out of memory.
 */
static int
split_cost(struct groupsum_cell *cells, size_t n, int64_t cost)
{
	struct share_rem *rem = malloc(n * sizeof(*rem));
	i128 tot = 0, part;
	int64_t left = cost, w;
	size_t i;
	int by_req;

	if (rem == NULL)
		return -1;
	for (i = 0; i < n; i++)
		tot += cells[i].sum[S_COST] > 0 ? cells[i].sum[S_COST] : 0;
	by_req = tot <= 0;
	for (i = 0, tot = by_req ? 0 : tot; by_req && i < n; i++)
		tot += cells[i].sum[0];
	for (i = 0; i < n; i++) {
		w = by_req ? cells[i].sum[0] : cells[i].sum[S_COST];
		w = w > 0 ? w : 0;
		part = (i128)cost * w;
		cells[i].sum[S_COST] = tot > 0 ? (int64_t)(part / tot) : 0;
		rem[i].rem = tot > 0 ? part % tot : 0;
		rem[i].i = i;
		left -= cells[i].sum[S_COST];
	}
	/* each floor lost less than one: left < n (all of it to the first
	 * when there is nothing to weigh) */
	qsort(rem, n, sizeof(*rem), by_rem);
	for (i = 0; left > 0 && i < n && tot > 0; i++, left--)
		cells[rem[i].i].sum[S_COST]++;
	cells[0].sum[S_COST] += left;
	free(rem);
	return 0;
}

/* With tags: r->tagged (rollup_lt's cells by label and tag, weighted) gets
 * the exact cost of its label from r->out, split among its tags; then it
 * becomes r->out. */
static int
tag_split(struct reader *r, char *err, size_t errlen)
{
	struct groupsum_cell *c = r->tagged.cells;
	struct groupsum swap;
	size_t i, j, k;
	int64_t cost;

	if (r->tagged.n > 1)
		qsort(c, r->tagged.n, sizeof(*c), by_label);
	for (i = 0; i < r->tagged.n; i = j) {
		for (j = i + 1; j < r->tagged.n && same_label(&c[j], &c[i]); j++)
			;
		for (cost = 0, k = 0; k < r->out.n; k++)
			if (same_label(&r->out.cells[k], &c[i])) {
				cost = r->out.cells[k].sum[S_COST];
				break;
			}
		if (split_cost(&c[i], j - i, cost) != 0)
			return oom(err, errlen);
	}
	/* the slots index the unsorted order: r->tagged is not added to again */
	swap = r->out;
	r->out = r->tagged;
	r->tagged = swap;
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
	if ((c = strcmp(a->source, b->source)) != 0 || (c = strcmp(a->host, b->host)) != 0)
		return c;
	return strcmp(a->tag, b->tag);
}

/*
 * Can the lifetime cells by tag in r->in be priced one by one, to the
 * reports' nano-dollar? Only with a price table without dates, and when no
 * grouping can change a cost: every priced cell's rates a whole number of
 * nano-dollars a token (pricing_additive) and, with web searches, a whole
 * number a search. (The report of a model × source groups its rows over
 * tags: with rounding, a sum of the tags' costs could differ.) 1 or 0.
 */
static int
tags_exact(const struct reader *r)
{
	const struct groupsum_cell *c;
	const struct model_price *mp;
	struct price_flags f;
	int64_t rate;
	size_t i;

	if (r->dated)
		return 0;
	for (i = 0; i < r->in.n; i++) {
		c = &r->in.cells[i];
		if ((mp = pricing_find_for(r->p, ROLLUP_PROVIDER(c->flags), c->model)) == NULL)
			continue;
		f = store_price_flags(mp, c->flags);
		if (!pricing_additive(mp, &f) || (c->sum[S_WEB] > 0 &&
		    pricing_tool_rate(r->p, PRICING_TOOL_WEB_SEARCH, 0, &rate) == 0 &&
		    rate % 1000 != 0))
			return 0;
	}
	return 1;
}

/*
 * Every label's cells into r->out. The exact cost of a model × source:
 * with an undated price table, the lifetime cells summed over tags (as the
 * report groups: raw model × flags × routed over all time; a few thousand
 * cells); with dates, the day cells (tens of thousands a year). With tags,
 * the lifetime cells by tag, priced one by one when that is exact
 * (tags_exact), else sharing their model × source's exact cost.
 */
static int
read_usage(struct reader *r, int with_tag, char *err, size_t errlen)
{
	int64_t now = (int64_t)time(NULL) * 1000;

	if (read_cells(r, 0, with_tag, err, errlen) != 0)
		return -1;
	if (!r->dated && (!with_tag || tags_exact(r)))
		return price_cells(r, 0, now, &r->out, err, errlen);
	if (with_tag && price_cells(r, 0, now, &r->tagged, err, errlen) != 0)
		return -1;
	if (read_cells(r, r->dated, 0, err, errlen) != 0 ||
	    price_cells(r, r->dated, now, &r->out, err, errlen) != 0)
		return -1;
	return with_tag ? tag_split(r, err, errlen) : 0;
}

/* r->out into out->cells, ordered by model, provider, source, host, tag. */
static int
fill_cells(struct reader *r, struct store_metrics *out, char *err, size_t errlen)
{
	struct store_metric_cell *mc;
	const struct groupsum_cell *c;
	size_t i, n;

	if (r->out.n > 0 && (out->cells = calloc(r->out.n, sizeof(*out->cells))) == NULL)
		return oom(err, errlen);
	for (i = 0; i < r->out.n; i++) {
		c = &r->out.cells[i];
		mc = &out->cells[out->ncells++];
		usage_strlcpy(mc->provider, provider_at(c->flags) != NULL ?
		    provider_at(c->flags)->name : "unknown", sizeof(mc->provider));
		usage_strlcpy(mc->model, c->model, sizeof(mc->model));
		usage_strlcpy(mc->source, r->sources[c->unit], sizeof(mc->source));
		n = strcspn(c->g, "\x1f");     /* "HOST\x1fTAG" */
		usage_strlcpy(mc->host, c->g, n + 1 < sizeof(mc->host) ? n + 1 : sizeof(mc->host));
		usage_strlcpy(mc->tag, c->g[n] != '\0' ? c->g + n + 1 : "", sizeof(mc->tag));
		mc->requests = c->sum[0];
		mc->tok.input = c->sum[1];
		mc->tok.write_5m = c->sum[2];
		mc->tok.write_1h = c->sum[3];
		mc->tok.cache_read = c->sum[4];
		mc->tok.output = c->sum[5];
		mc->cost_nanos = c->sum[S_COST];
		mc->unpriced_requests = c->sum[S_UNPRICED];
	}
	qsort(out->cells, out->ncells, sizeof(*out->cells), by_cell);
	return 0;
}

int
store_metrics_read(struct store *s, const struct pricing *p, int with_tag,
                   struct store_metrics *out, char *err, size_t errlen)
{
	struct reader *r;
	int rc = -1, tx = 0;

	memset(out, 0, sizeof(*out));
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return oom(err, errlen);
	r->s = s;
	r->p = p;
	r->dated = pricing_has_dates(p);
	if (store_rollup_flush(s, err, errlen) != 0)
		goto out;
	/* one snapshot: the day and lifetime cells of the same rows */
	if (!s->in_tx) {
		if (db_tx(s->db, DB_BEGIN_READ) != 0) {
			store_sqlerr(s, "metrics", err, errlen);
			goto out;
		}
		tx = 1;
	}
	if (read_usage(r, with_tag, err, errlen) != 0 || fill_cells(r, out, err, errlen) != 0 ||
	    read_batches(s, out, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	if (tx)
		db_tx(s->db, rc == 0 ? DB_COMMIT : DB_ROLLBACK);
	groupsum_free(&r->in);
	groupsum_free(&r->out);
	groupsum_free(&r->tagged);
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
