/* report_group.c — a rollup read's groups (a->gs): a cell or a piece's sums
 * added to (or, moved, taken from) a group, and each group priced into its
 * row (see report_int.h). */
#include <stdio.h>
#include <string.h>

#include "data/report_int.h"

/* A group's sums (groupsum's order) into c. */
static void
contrib_sums(struct contrib *c, const int64_t *sum)
{
	c->requests = sum[0];
	c->tok.input = sum[1];
	c->tok.write_5m = sum[2];
	c->tok.write_1h = sum[3];
	c->tok.cache_read = sum[4];
	c->tok.output = sum[5];
	c->compressed = sum[6];
	c->max_stops = sum[7];
	c->reasoning = sum[8];
	c->web_search = sum[9];
	c->code_exec = sum[10];
}

/* One group of a rollup (cell), as the report adds it: unit of kind k,
 * model entry, group column, flags, sums. 0, or -1 with err. */
int
report_add_cell(struct store *s, struct agg *a, enum rollup_kind k, int64_t unit,
                struct model_ent *e, const char *g, int flags, int routed, const int64_t *sum,
                char *err, size_t errlen)
{
	char kbuf[USAGE_MODEL_MAX + 32];
	struct contrib c;
	int64_t h0, h1;

	memset(&c, 0, sizeof(c));
	c.e = e;
	report_unit_hours(k, unit, &h0, &h1);
	c.ms = h0 * MS_PER_HOUR;
	if (report_is_period(a->q->group)) {     /* the unit's period, cached per unit */
		report_unit_split(a, h0, h1, kbuf, sizeof(kbuf));
		c.key = kbuf;
	} else {
		c.key = report_group_key(a, c.ms, e, g, kbuf, sizeof(kbuf));
	}
	c.f = store_price_flags(pricing_version_at(a->p, e->mp, c.ms), flags);
	c.routed = routed;
	contrib_sums(&c, sum);
	return report_add(s, a, &c, err, errlen);
}

/* A group summed by period key (a->shift) into its row; nothing when the
 * moves left it empty. 0, or -1 with err. */
int
report_add_shifted(struct store *s, struct agg *a, const struct groupsum_cell *gc,
            struct model_ent *e, char *err, size_t errlen)
{
	const struct shift_key *k = &a->sk[gc->unit];
	struct contrib c;
	int i;

	for (i = 0; i < GROUPSUM_N && gc->sum[i] == 0; i++)
		;
	if (i == GROUPSUM_N)
		return 0;
	memset(&c, 0, sizeof(c));
	c.e = e;
	c.ms = k->h0 * MS_PER_HOUR;
	c.key = k->key;
	c.f = store_price_flags(pricing_version_at(a->p, e->mp, c.ms), gc->flags);
	c.routed = gc->routed;
	contrib_sums(&c, gc->sum);
	return report_add(s, a, &c, err, errlen);
}

/* The groups read_rollup summed, each into its row. 0, or -1 with err. */
int
report_add_groups(struct store *s, struct agg *a, enum rollup_kind k, char *err, size_t errlen)
{
	const struct groupsum_cell *gc;
	struct model_ent *e = NULL;
	size_t j;

	for (j = 0; j < a->gs.n; j++) {
		gc = &a->gs.cells[j];
		if ((e == NULL || e->provider != ROLLUP_PROVIDER(gc->flags) ||
		    strcmp(e->model, gc->model) != 0) &&
		    (e = report_model_ent(a, gc->model, ROLLUP_PROVIDER(gc->flags))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (a->shift) {
			if (report_add_shifted(s, a, gc, e, err, errlen) != 0)
				return -1;
		} else if (report_add_cell(s, a, k, gc->unit, e, gc->g, gc->flags, gc->routed, gc->sum,
		    err, errlen) != 0) {
			return -1;
		}
	}
	return 0;
}

/* Add sum (negated when neg) to gs's group of unit. 0, or -1 with err. */
int
report_group_add(struct store *s, struct groupsum *gs, int64_t unit, const char *model,
                 const char *g, int bits, int routed, const int64_t *sum, int neg, char *err,
                 size_t errlen)
{
	int64_t v[GROUPSUM_N];
	int i, rc;

	for (i = 0; i < GROUPSUM_N; i++) {
		if (neg && sum[i] == INT64_MIN)
			return store_overflow_err(s, NULL, err, errlen);
		v[i] = neg ? -sum[i] : sum[i];
	}
	rc = groupsum_add(gs, unit, model, g, bits, routed, v);
	if (rc == GROUPSUM_OVERFLOW)
		return store_overflow_err(s, NULL, err, errlen);
	if (rc != 0)
		snprintf(err, errlen, "out of memory");
	return rc != 0 ? -1 : 0;
}

/* A piece's sums (a->pgs, summed per cell key first) out of period
 * pc->from's groups and into pc->to's (either -1: not); pc NULL: each
 * cell's piece is a->sp[its unit]. 0, or -1 with err. */
int
report_fold_piece(struct store *s, struct agg *a, const struct shift_piece *pc, char *err,
                  size_t errlen)
{
	const struct groupsum_cell *c;
	const struct shift_piece *p;
	size_t i;

	for (i = 0; i < a->pgs.n; i++) {
		c = &a->pgs.cells[i];
		p = pc != NULL ? pc : &a->sp[c->unit];
		if ((p->from >= 0 && report_group_add(s, &a->gs, p->from, c->model, c->g, c->flags,
		    c->routed, c->sum, 1, err, errlen) != 0) || (p->to >= 0 &&
		    report_group_add(s, &a->gs, p->to, c->model, c->g, c->flags, c->routed, c->sum,
		    0, err, errlen) != 0))
			return -1;
	}
	groupsum_reset(&a->pgs);
	return 0;
}
