/* test_view_layout.c — the dashboard's geometry: tabbed below 120×30 (and
 * below 160 columns), side by side from there, never one pane at 200×29;
 * the intraday strip and its own pane from 50 rows; hidden panes; the
 * focus moving off a hidden pane; the Reports split; scroll thumbs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tui/view_layout.h"

#define ALL (VIEW_PANE_BIT(PANE_DAILY) | VIEW_PANE_BIT(PANE_MODELS) | \
	VIEW_PANE_BIT(PANE_CACHE) | VIEW_PANE_BIT(PANE_BATCHES) | VIEW_PANE_BIT(PANE_INTRADAY))

/* Every shown pane inside the body, none overlapping another. */
static void
assert_tiles(const struct view_layout *l)
{
	int p, q;
	const struct view_rect *a, *b;

	for (p = 0; p < PANE_COUNT; p++) {
		a = &l->pane[p];
		if (a->h == 0)
			continue;
		assert_true(a->y >= 1 && a->y + a->h <= l->h - 1);
		assert_true(a->x >= 0 && a->x + a->w <= l->w);
		for (q = p + 1; q < PANE_COUNT; q++) {
			b = &l->pane[q];
			if (b->h == 0)
				continue;
			assert_false(a->y < b->y + b->h && b->y < a->y + a->h &&
			    a->x < b->x + b->w && b->x < a->x + a->w);
		}
	}
}

static void
test_layout_wide(void **state)
{
	struct view_layout l;
	int p;

	(void)state;
	view_layout(120, 34, PANE_DAILY, 0, &l);
	assert_int_equal(l.mode, VIEW_WIDE);
	assert_int_equal(l.broad, 0);
	assert_int_equal(l.header.y, 0);
	assert_int_equal(l.keybar.y, 33);
	assert_tiles(&l);
	for (p = 0; p < PANE_INTRADAY; p++) {
		assert_true(l.pane[p].h >= 7);
		assert_true(l.pane[p].w >= 50);
	}
	/* the intraday strip: one line of content across the top */
	assert_int_equal(l.pane[PANE_INTRADAY].y, 1);
	assert_int_equal(l.pane[PANE_INTRADAY].h, 3);
	assert_int_equal(l.pane[PANE_INTRADAY].w, 120);
	/* the grid below it, two rows, side by side */
	assert_int_equal(l.pane[PANE_DAILY].y, 4);
	assert_int_equal(l.pane[PANE_DAILY].x + l.pane[PANE_DAILY].w, l.pane[PANE_MODELS].x);
	assert_int_equal(l.pane[PANE_DAILY].y + l.pane[PANE_DAILY].h, l.pane[PANE_CACHE].y);
	assert_int_equal(l.pane[PANE_CACHE].y + l.pane[PANE_CACHE].h, 33);
	assert_int_equal(l.pane[PANE_BATCHES].x + l.pane[PANE_BATCHES].w, 120);
}

/* The defect: at 200×29 the layout fell back to one pane at a time. */
static void
test_layout_broad_but_short(void **state)
{
	struct view_layout l;
	int p;

	(void)state;
	view_layout(200, 29, PANE_MODELS, 0, &l);
	assert_int_equal(l.mode, VIEW_WIDE);
	assert_int_equal(l.broad, 1);
	assert_tiles(&l);
	for (p = 0; p < PANE_COUNT; p++)
		assert_true(l.pane[p].h >= 3);
	assert_true(l.pane[PANE_CACHE].h >= 8);
	/* the broad screen gives the tables on the right more room */
	assert_true(l.pane[PANE_MODELS].w > l.pane[PANE_DAILY].w);
	view_layout(160, 24, PANE_MODELS, 0, &l);
	assert_int_equal(l.mode, VIEW_WIDE);
	view_layout(159, 29, PANE_MODELS, 0, &l);
	assert_int_equal(l.mode, VIEW_TABBED);
}

static void
test_layout_tall(void **state)
{
	struct view_layout l;

	(void)state;
	view_layout(200, 60, PANE_MODELS, 0, &l);
	assert_int_equal(l.mode, VIEW_WIDE);
	assert_tiles(&l);
	/* a chart of its own: more than a strip, the grid keeps the rest */
	assert_true(l.pane[PANE_INTRADAY].h >= 8);
	assert_true(l.pane[PANE_INTRADAY].h <= 14);
	assert_true(l.pane[PANE_DAILY].h >= 20);
	view_layout(120, 49, PANE_MODELS, 0, &l);
	assert_int_equal(l.pane[PANE_INTRADAY].h, 3);
	view_layout(120, 50, PANE_MODELS, 0, &l);
	assert_true(l.pane[PANE_INTRADAY].h >= 8);
}

static void
test_layout_tabbed_and_small(void **state)
{
	struct view_layout l;

	(void)state;
	view_layout(80, 24, PANE_CACHE, 0, &l);
	assert_int_equal(l.mode, VIEW_TABBED);
	assert_int_equal(l.pane[PANE_CACHE].h, 22);
	assert_int_equal(l.pane[PANE_CACHE].w, 80);
	assert_int_equal(l.pane[PANE_DAILY].h, 0);
	assert_int_equal(l.pane[PANE_MODELS].h, 0);
	assert_int_equal(l.pane[PANE_INTRADAY].h, 0);
	view_layout(80, 24, PANE_INTRADAY, 0, &l);
	assert_int_equal(l.pane[PANE_INTRADAY].h, 22);
	view_layout(119, 40, PANE_MODELS, 0, &l);
	assert_int_equal(l.mode, VIEW_TABBED);
	view_layout(79, 24, PANE_DAILY, 0, &l);
	assert_int_equal(l.mode, VIEW_TOO_SMALL);
	view_layout(80, 23, PANE_DAILY, 0, &l);
	assert_int_equal(l.mode, VIEW_TOO_SMALL);
	view_layout(60, 15, PANE_DAILY, 0, &l);
	assert_int_equal(l.mode, VIEW_TOO_SMALL);
}

static void
test_layout_hidden(void **state)
{
	struct view_layout l;

	(void)state;
	/* batches hidden: the cache pane takes the whole bottom row */
	view_layout(120, 40, PANE_MODELS, VIEW_PANE_BIT(PANE_BATCHES), &l);
	assert_int_equal(l.pane[PANE_BATCHES].h, 0);
	assert_int_equal(l.pane[PANE_CACHE].x, 0);
	assert_int_equal(l.pane[PANE_CACHE].w, 120);
	assert_tiles(&l);
	/* the whole bottom row hidden: the top row takes the height */
	view_layout(120, 40, PANE_MODELS, VIEW_PANE_BIT(PANE_BATCHES) | VIEW_PANE_BIT(PANE_CACHE), &l);
	assert_int_equal(l.pane[PANE_DAILY].y + l.pane[PANE_DAILY].h, 39);
	/* the intraday hidden: the grid starts under the header */
	view_layout(120, 40, PANE_MODELS, VIEW_PANE_BIT(PANE_INTRADAY), &l);
	assert_int_equal(l.pane[PANE_INTRADAY].h, 0);
	assert_int_equal(l.pane[PANE_DAILY].y, 1);
	/* only the intraday: it takes the body */
	view_layout(120, 40, PANE_MODELS, ALL & ~VIEW_PANE_BIT(PANE_INTRADAY), &l);
	assert_int_equal(l.pane[PANE_INTRADAY].h, 38);
	/* a focus on a hidden pane moves to the next shown one */
	view_layout(80, 24, PANE_MODELS, VIEW_PANE_BIT(PANE_MODELS), &l);
	assert_int_equal(l.focus, PANE_CACHE);
	assert_int_equal(l.pane[PANE_CACHE].h, 22);
	/* everything hidden is nothing hidden */
	view_layout(120, 40, PANE_MODELS, ALL, &l);
	assert_int_equal(l.focus, PANE_MODELS);
	assert_true(l.pane[PANE_BATCHES].h > 0);
}

static void
test_pane_step_and_at(void **state)
{
	struct view_layout l;

	(void)state;
	/* as they stand: the intraday strip first, the grid row by row */
	assert_int_equal(view_pane_step(PANE_DAILY, 1, 0), PANE_MODELS);
	assert_int_equal(view_pane_step(PANE_INTRADAY, 1, 0), PANE_DAILY);
	assert_int_equal(view_pane_step(PANE_DAILY, -1, 0), PANE_INTRADAY);
	assert_int_equal(view_pane_step(PANE_BATCHES, 1, 0), PANE_INTRADAY);
	assert_int_equal(view_pane_step(PANE_INTRADAY, -1, 0), PANE_BATCHES);
	assert_int_equal(view_pane_rank(PANE_INTRADAY), 0);
	assert_int_equal(view_pane_rank(PANE_BATCHES), 4);
	assert_int_equal(view_pane_step(PANE_MODELS, 1, VIEW_PANE_BIT(PANE_CACHE)), PANE_BATCHES);
	assert_int_equal(view_pane_step(PANE_MODELS, 1, ALL & ~VIEW_PANE_BIT(PANE_MODELS)),
	    PANE_MODELS);
	view_layout(120, 34, PANE_DAILY, 0, &l);
	assert_int_equal(view_pane_at(&l, 0, 5), -1);          /* the header */
	assert_int_equal(view_pane_at(&l, 2, 100), PANE_INTRADAY);
	assert_int_equal(view_pane_at(&l, 5, 5), PANE_DAILY);
	assert_int_equal(view_pane_at(&l, 5, 119), PANE_MODELS);
	assert_int_equal(view_pane_at(&l, 32, 119), PANE_BATCHES);
	assert_int_equal(view_pane_at(&l, 33, 5), -1);         /* the key bar */
}

static void
test_reports_split(void **state)
{
	struct view_rect a, b;

	(void)state;
	view_reports_split(120, 40, &a, &b);     /* stacked */
	assert_int_equal(a.w, 120);
	assert_int_equal(b.y, a.y + a.h);
	assert_int_equal(b.y + b.h, 39);
	view_reports_split(200, 40, &a, &b);     /* side by side, full height */
	assert_int_equal(a.h, 38);
	assert_int_equal(b.h, 38);
	assert_int_equal(a.x + a.w, b.x);
	assert_int_equal(b.x + b.w, 200);
}

static void
test_scroll(void **state)
{
	int ty, th;

	(void)state;
	assert_int_equal(view_scroll_thumb(5, 10, 20, 20, &ty, &th), 0);   /* all shown */
	assert_int_equal(th, 20);
	assert_int_equal(view_scroll_thumb(0, 100, 20, 20, &ty, &th), 0);
	assert_int_equal(ty, 0);
	assert_int_equal(th, 4);
	assert_int_equal(view_scroll_thumb(500, 100, 20, 20, &ty, &th), 80);   /* clamped */
	assert_int_equal(ty + th, 20);                                    /* at the end */
	assert_int_equal(view_scroll_thumb(-3, 100, 20, 20, &ty, &th), 0);
	view_scroll_thumb(40, 100, 20, 20, &ty, &th);
	assert_true(ty > 0 && ty + th < 20);
	view_scroll_thumb(0, 100000, 10, 10, &ty, &th);
	assert_int_equal(th, 1);                                          /* never empty */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_wide),
		cmocka_unit_test(test_layout_broad_but_short),
		cmocka_unit_test(test_layout_tall),
		cmocka_unit_test(test_layout_tabbed_and_small),
		cmocka_unit_test(test_layout_hidden),
		cmocka_unit_test(test_pane_step_and_at),
		cmocka_unit_test(test_reports_split),
		cmocka_unit_test(test_scroll),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
