/* test_view.c — the console's pure view logic: numbers, bars,
 * sorting, filtering and display width (incl. Korean). */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "tui/view.h"
#include "tui/pane_data.h"

static int
setup_locale(void **state)
{
	(void)state;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL && setlocale(LC_ALL, "C.utf8") == NULL)
		return -1;
	return 0;
}

/* ---- numbers ------------------------------------------------------------ */

static void
test_fmt_numbers(void **state)
{
	static const struct { int64_t v; const char *want; } tok[] = {
		{ 0, "0" }, { 999, "999" }, { 1000, "1k" }, { 9400, "9k" }, { 58000, "58k" },
		{ 310000, "310k" }, { 999499, "999k" }, { 999500, "1.0M" }, { 1234567, "1.2M" },
		{ 12300000, "12.3M" }, { 2100000000LL, "2.1G" },
	};
	char b[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tok) / sizeof(tok[0]); i++)
		assert_string_equal(view_fmt_tokens(tok[i].v, b, sizeof(b)), tok[i].want);
	assert_string_equal(view_fmt_count(0, b, sizeof(b)), "0");
	assert_string_equal(view_fmt_count(1204, b, sizeof(b)), "1,204");
	assert_string_equal(view_fmt_count(1234567, b, sizeof(b)), "1,234,567");
	assert_string_equal(view_fmt_count(-9250, b, sizeof(b)), "-9,250");
	assert_string_equal(view_fmt_count(100, b, sizeof(b)), "100");
}

static void
test_fmt_money(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(view_fmt_money(41270000000LL, 0, b, sizeof(b)), "$41.27");
	assert_string_equal(view_fmt_money(41265000000LL, 0, b, sizeof(b)), "$41.27"); /* half up */
	assert_string_equal(view_fmt_money(41264999999LL, 0, b, sizeof(b)), "$41.26");
	assert_string_equal(view_fmt_money(0, 0, b, sizeof(b)), "$0.00");
	assert_string_equal(view_fmt_money(812400000000LL, 0, b, sizeof(b)), "$812.40");
	assert_string_equal(view_fmt_money(1234567890000LL, 0, b, sizeof(b)), "$1,234.57");
	assert_string_equal(view_fmt_money(-310000000LL, 0, b, sizeof(b)), "-$0.31");
	assert_string_equal(view_fmt_money(-1000000LL, 0, b, sizeof(b)), "-$0.0010");
	assert_string_equal(view_fmt_money(500000LL, 0, b, sizeof(b)), "$0.0005");  /* as the CLI */
	assert_string_equal(view_fmt_money(1500000000000LL, 1, b, sizeof(b)), "$1,500");
	assert_string_equal(view_fmt_cost(0, 3, 3, b, sizeof(b)), "unpriced");
	assert_string_equal(view_fmt_cost(4790000000LL, 41, 0, b, sizeof(b)), "$4.79");
	assert_string_equal(view_fmt_cost(4790000000LL, 41, 2, b, sizeof(b)), "$4.79*");
	assert_string_equal(view_fmt_pct(705, b, sizeof(b)), "71%");
	assert_string_equal(view_fmt_pct(1000, b, sizeof(b)), "100%");
	assert_string_equal(view_fmt_pct(0, b, sizeof(b)), "0%");
	/* seconds under a minute, so a young batch visibly moves (defect 8) */
	assert_string_equal(view_fmt_elapsed(45000, b, sizeof(b)), "45s");
	assert_string_equal(view_fmt_elapsed(42 * 60000 + 7000, b, sizeof(b)), "42m07s");
	assert_string_equal(view_fmt_elapsed(3 * 3600000LL + 5 * 60000, b, sizeof(b)), "3h05m");
	assert_string_equal(view_fmt_elapsed(25 * 3600000LL + 5 * 60000, b, sizeof(b)), "25h05m");
	assert_string_equal(view_fmt_elapsed(-5, b, sizeof(b)), "0s");
}

/* ---- bars --------------------------------------------------------------- */

static void
test_bars(void **state)
{
	(void)state;
	assert_int_equal(view_bar_eighths(0, 100, 10), 0);
	assert_int_equal(view_bar_eighths(5, 0, 10), 0);
	assert_int_equal(view_bar_eighths(100, 100, 10), 80);
	assert_int_equal(view_bar_eighths(200, 100, 10), 80);
	assert_int_equal(view_bar_eighths(50, 100, 10), 40);
	assert_int_equal(view_bar_eighths(1, 1000000, 10), 1);   /* visible, never 0 */
	assert_int_equal(view_bar_eighths(4127, 5260, 35), 220); /* 41.27 of 52.60 */
	assert_int_equal(view_bar_eighths(INT64_MAX / 2, INT64_MAX, 10), 40);
	assert_int_equal(view_spark_level(0, 10), 0);
	assert_int_equal(view_spark_level(1, 10), 1);
	assert_int_equal(view_spark_level(10, 10), 8);
	assert_int_equal(view_spark_level(5, 10), 4);
	assert_int_equal(view_spark_level(11, 10), 8);
}

/* ---- text --------------------------------------------------------------- */

static void
test_width_and_truncate(void **state)
{
	char b[128];

	(void)state;
	assert_int_equal(view_width("claude"), 6);
	assert_int_equal(view_width("한국어"), 6);
	assert_int_equal(view_width("a한b"), 4);
	assert_int_equal(view_width("…"), 1);
	assert_int_equal(view_width("e\xcc\x81"), 1);  /* e + combining acute */

	assert_string_equal(view_truncate("short", 10, VIEW_TRUNC_MID, "…", b, sizeof(b)), "short");
	view_truncate("msgbatch_01HxABCDEFGH", 14, VIEW_TRUNC_MID, "…", b, sizeof(b));
	assert_string_equal(b, "msgbatc…CDEFGH");
	assert_int_equal(view_width(b), 14);
	assert_string_equal(view_truncate("claude-sonnet-4-5-20250929", 12, VIEW_TRUNC_END, "…", b,
	    sizeof(b)), "claude-sonn…");
	assert_string_equal(view_truncate("abcdef", 5, VIEW_TRUNC_MID, "~", b, sizeof(b)), "ab~ef");
	/* Korean: never split a 2-column character, never exceed the width */
	view_truncate("한국어모델이름", 7, VIEW_TRUNC_END, "…", b, sizeof(b));
	assert_string_equal(b, "한국어…");
	assert_int_equal(view_width(b), 7);
	view_truncate("한국어모델이름", 6, VIEW_TRUNC_END, "…", b, sizeof(b));
	assert_string_equal(b, "한국…");
	assert_true(view_width(b) <= 6);
	view_truncate("한국어모델이름", 8, VIEW_TRUNC_MID, "…", b, sizeof(b));
	assert_true(view_width(b) <= 8);
	assert_true(strncmp(b, "한국", 6) == 0);
	assert_string_equal(b + strlen(b) - 3, "름");
	assert_true(view_width(b) >= 7);
	assert_string_equal(view_truncate("abc", 0, VIEW_TRUNC_END, "…", b, sizeof(b)), "");
	assert_string_equal(view_truncate("abc", 1, VIEW_TRUNC_END, "…", b, sizeof(b)), "a");

	/* numbers are never cut */
	assert_string_equal(view_fit_number("$41.27", 6, b, sizeof(b)), "$41.27");
	assert_string_equal(view_fit_number("$1,041.27", 6, b, sizeof(b)), "######");
}

/* ---- sort and filter ---------------------------------------------------- */

static struct view_model_row rows_fixture[] = {
	{ "claude-sonnet-4-6", 1204, 2100000, 310000, 1700000, 100000, 820, 24110000000LL, 0, 0 },
	{ "claude-haiku-4-5", 8002, 9800000, 1200000, 6200000, 300000, 640, 12370000000LL, 0, 0 },
	{ "claude-opus-4-6", 41, 400000, 58000, 360000, 10000, 910, 4790000000LL, 0, 0 },
	{ "claude-nova-9", 3, 9000, 1000, 0, 0, 0, 0, 3, 0 },
};

static void
test_sort(void **state)
{
	struct view_model_row r[4];

	(void)state;
	memcpy(r, rows_fixture, sizeof(r));
	view_sort_models(r, 4, VCOL_COST, 1);
	assert_string_equal(r[0].model, "claude-sonnet-4-6");
	assert_string_equal(r[2].model, "claude-opus-4-6");
	assert_string_equal(r[3].model, "claude-nova-9");     /* unpriced last */
	view_sort_models(r, 4, VCOL_COST, 0);
	assert_string_equal(r[0].model, "claude-nova-9");
	view_sort_models(r, 4, VCOL_REQS, 1);
	assert_string_equal(r[0].model, "claude-haiku-4-5");
	assert_string_equal(r[3].model, "claude-nova-9");
	view_sort_models(r, 4, VCOL_HIT, 1);
	assert_string_equal(r[0].model, "claude-opus-4-6");
	view_sort_models(r, 4, VCOL_MODEL, 0);
	assert_string_equal(r[0].model, "claude-haiku-4-5");
	assert_string_equal(r[3].model, "claude-sonnet-4-6");
	view_sort_models(r, 4, VCOL_INPUT, 0);
	assert_string_equal(r[0].model, "claude-nova-9");
	view_sort_models(r, 4, VCOL_OUTPUT, 1);
	assert_string_equal(r[0].model, "claude-haiku-4-5");
	assert_string_equal(view_col_name(VCOL_HIT), "hit");
	/* the wide screen's columns: cache read, written, cost per request
	 * (unpriced below every priced row, as for the cost) */
	view_sort_models(r, 4, VCOL_READ, 1);
	assert_string_equal(r[0].model, "claude-haiku-4-5");
	assert_string_equal(r[3].model, "claude-nova-9");
	view_sort_models(r, 4, VCOL_WRITE, 0);
	assert_string_equal(r[0].model, "claude-nova-9");
	assert_string_equal(r[3].model, "claude-haiku-4-5");
	view_sort_models(r, 4, VCOL_PERREQ, 1);
	assert_string_equal(r[0].model, "claude-opus-4-6");
	assert_string_equal(r[1].model, "claude-sonnet-4-6");
	assert_string_equal(r[3].model, "claude-nova-9");
	assert_int_equal(view_col_by_name("$/req"), VCOL_PERREQ);
	assert_int_equal(view_col_by_name("written"), VCOL_WRITE);
	assert_int_equal(view_col_by_name("nope"), -1);
}

static void
test_filter(void **state)
{
	struct view_model_row r[4];
	size_t n;

	(void)state;
	assert_true(view_match("claude-Sonnet", "SONN"));
	assert_true(view_match("x", ""));
	assert_true(view_match("x", NULL));
	assert_false(view_match("haiku", "opus"));
	memcpy(r, rows_fixture, sizeof(r));
	n = view_filter_models(r, 4, "4-6");
	assert_int_equal(n, 2);
	assert_string_equal(r[0].model, "claude-sonnet-4-6");
	assert_string_equal(r[1].model, "claude-opus-4-6");
	memcpy(r, rows_fixture, sizeof(r));
	assert_int_equal(view_filter_models(r, 4, "zzz"), 0);
	memcpy(r, rows_fixture, sizeof(r));
	assert_int_equal(view_filter_models(r, 4, ""), 4);
}

static void
test_input(void **state)
{
	struct view_input in;

	(void)state;
	view_input_clear(&in);
	assert_int_equal(view_input_add(&in, 'a'), 0);
	assert_int_equal(view_input_add(&in, 0xD55C), 0);   /* 한 */
	assert_string_equal(in.buf, "a한");
	assert_int_equal(view_input_add(&in, 0x1b), -1);    /* ESC refused */
	assert_int_equal(view_input_add(&in, 0x202E), -1);  /* bidi refused */
	view_input_backspace(&in);
	assert_string_equal(in.buf, "a");
	view_input_backspace(&in);
	view_input_backspace(&in);
	assert_string_equal(in.buf, "");
	view_input_set(&in, "report.csv");
	assert_int_equal(in.len, 10);
}

static void
test_dates(void **state)
{
	int64_t now, d0, d1, m0;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	now = 1795855331000LL;   /* 2026-11-28 08:42:11 UTC */
	d0 = view_day_start(now, 0);
	d1 = view_day_start(now, 1);
	assert_int_equal(d0, 1795824000000LL);
	assert_int_equal(d1 - d0, 86400000LL);
	assert_int_equal(view_day_start(now, -13), d0 - 13 * 86400000LL);
	m0 = view_month_start(now, 0);
	assert_int_equal(m0, 1793491200000LL);  /* 2026-11-01 */
	assert_int_equal(view_month_start(now, 1), 1796083200000LL); /* 2026-12-01 */

	assert_int_equal(view_period_range('d', "2026-11-28", &d0, &d1), 0);
	assert_int_equal(d0, 1795824000000LL);
	assert_int_equal(d1, 1795824000000LL + 86400000LL);
	assert_int_equal(view_period_range('m', "2026-11", &d0, &d1), 0);
	assert_int_equal(d0, 1793491200000LL);
	assert_int_equal(d1, 1796083200000LL);
	assert_int_equal(view_period_range('m', "2026-12", &d0, &d1), 0);
	assert_int_equal(d1 - d0, 31 * 86400000LL);              /* into next year */
	assert_int_equal(view_period_range('h', "2026-11-28 14", &d0, &d1), 0);
	assert_int_equal(d0, 1795824000000LL + 14 * 3600000LL);
	assert_int_equal(d1 - d0, 3600000LL);
	/* ISO week 48 of 2026 is Mon 23 Nov … Sun 29 Nov; 2026-W01 starts Mon 29 Dec 2025 */
	assert_int_equal(view_period_range('w', "2026-W48", &d0, &d1), 0);
	assert_int_equal(d0, 1795824000000LL - 5 * 86400000LL);
	assert_int_equal(d1 - d0, 7 * 86400000LL);
	assert_int_equal(view_period_range('w', "2026-W01", &d0, &d1), 0);
	assert_int_equal(d0, 1766966400000LL);
	assert_int_equal(view_period_range('d', "2026-11", &d0, &d1), -1);
	assert_int_equal(view_period_range('m', "nope", &d0, &d1), -1);
	assert_int_equal(view_period_range('x', "2026-11", &d0, &d1), -1);
}

/* The header: extras go first, then the rest shorten (least important
 * first), then go; priority 0 (today, the alarm) never goes. */
static void
test_header_fit(void **state)
{
	/* brand, today, rate (3 forms), month, alarm, saved */
	const struct header_fit init[6] = {
		{ { 9 }, 1, 3, 0 }, { { 14 }, 1, 0, 0 }, { { 60, 30, 15 }, 3, 1, 0 },
		{ { 15 }, 1, 2, 0 }, { { 10 }, 1, 0, 0 }, { { 20 }, 1, 3, 0 },
	};
	struct header_fit f[6];

	(void)state;
	memcpy(f, init, sizeof(f));
	assert_int_equal(pane_header_fit(f, 6, 200), 128);          /* all, widest */
	assert_int_equal(f[2].var, 0);
	memcpy(f, init, sizeof(f));
	assert_int_equal(pane_header_fit(f, 6, 110), 108);          /* saved goes, brand stays */
	assert_int_equal(f[5].var, -1);
	assert_int_equal(f[0].var, 0);
	assert_int_equal(f[2].var, 0);
	memcpy(f, init, sizeof(f));
	assert_int_equal(pane_header_fit(f, 6, 62), 54);            /* extras gone, rate short */
	assert_int_equal(f[0].var, -1);
	assert_int_equal(f[2].var, 2);                              /* …the month stays */
	assert_int_equal(f[3].var, 0);
	memcpy(f, init, sizeof(f));
	assert_int_equal(pane_header_fit(f, 6, 40), 39);            /* the month goes first */
	assert_int_equal(f[3].var, -1);
	assert_int_equal(f[2].var, 2);
	memcpy(f, init, sizeof(f));
	assert_int_equal(pane_header_fit(f, 6, 10), 24);            /* 0 never goes */
	assert_int_equal(f[1].var, 0);
	assert_int_equal(f[4].var, 0);
	assert_int_equal(f[2].var, -1);
}

/* Wrapping the Call screen's answer at spaces, never inside a character
 * (issue 11, defect 17). */
static void
test_wrap(void **state)
{
	(void)state;
	assert_int_equal(view_wrap("hello world", 20), 11);
	assert_int_equal(view_wrap("hello world", 8), 5);          /* at the space */
	assert_int_equal(view_wrap("helloworld", 4), 4);           /* a long word is cut */
	assert_int_equal(view_wrap("one\ntwo", 20), 3);            /* a newline ends a line */
	assert_int_equal(view_wrap("안녕하세요 세계", 6), 9);        /* 3 wide characters */
	assert_int_equal(view_wrap("안녕", 1), 3);                  /* at least one */
	assert_int_equal(view_wrap("", 5), 0);
}

/* Model names: the vendor prefix goes first, then the end is cut; the
 * versions stay readable side by side (issue 11, defect 7). */
static void
test_model_name(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(view_model_name("claude-sonnet-4-5", 20, "…", b, sizeof(b)),
	    "claude-sonnet-4-5");
	assert_string_equal(view_model_name("claude-sonnet-4-5", 12, "…", b, sizeof(b)),
	    "sonnet-4-5");
	assert_string_equal(view_model_name("claude-opus-4-6", 12, "…", b, sizeof(b)), "opus-4-6");
	assert_string_equal(view_model_name("claude-sonnet-4-5-20250929", 12, "…", b, sizeof(b)),
	    "sonnet-4-5-…");
	assert_string_equal(view_model_name("gpt-4o-mini-2024-07-18", 10, "~", b, sizeof(b)),
	    "gpt-4o-mi~");
	assert_string_equal(view_model_name("claude-", 4, "…", b, sizeof(b)), "cla…");
}

/* A filtered table's total is the rows' own (issue 11, defect 12). */
static void
test_sum_models(void **state)
{
	struct view_model_row r[2], t;

	(void)state;
	memset(r, 0, sizeof(r));
	r[0].requests = 2;
	r[0].input = 100;
	r[0].cache_read = 300;
	r[0].cost_nanos = 5;
	r[1].requests = 3;
	r[1].input = 100;
	r[1].cache_write = 500;
	r[1].cost_nanos = INT64_MAX;
	r[1].unpriced = 1;
	view_sum_models(r, 2, &t);
	assert_int_equal(t.requests, 5);
	assert_int_equal(t.cost_nanos, INT64_MAX);    /* saturates */
	assert_int_equal(t.unpriced, 1);
	assert_int_equal(t.hit_permille, 300);        /* 300 of 1,000 */
	view_sum_models(r, 0, &t);
	assert_int_equal(t.requests, 0);
	assert_int_equal(t.hit_permille, 0);
}

/* Lists: moves stay inside; the view keeps the cursor and never shows
 * only the last row when more fit (issue 11, defect 6). */
static void
test_lists(void **state)
{
	(void)state;
	assert_int_equal(view_move(0, -1, 5), 0);
	assert_int_equal(view_move(3, 1, 5), 4);
	assert_int_equal(view_move(4, 1, 5), 4);
	assert_int_equal(view_move(2, VIEW_MOVE_ALL, 5), 4);
	assert_int_equal(view_move(2, -VIEW_MOVE_ALL, 5), 0);
	assert_int_equal(view_move(2, 1, 0), 0);
	assert_int_equal(view_scroll(0, 0, 5, 8), 0);
	assert_int_equal(view_scroll(7, 0, 5, 8), 3);       /* cursor at the bottom */
	assert_int_equal(view_scroll(3, 30, 5, 4), 0);      /* a shorter list: from the top */
	assert_int_equal(view_scroll(3, 2, 5, 40), 2);      /* in view: stays */
	assert_int_equal(view_scroll(-1, 6, 5, 8), 3);      /* no cursor: filled */
	assert_int_equal(view_scroll(0, 0, 0, 8), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_numbers),
		cmocka_unit_test(test_fmt_money),
		cmocka_unit_test(test_bars),
		cmocka_unit_test(test_width_and_truncate),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_input),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_header_fit),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_model_name),
		cmocka_unit_test(test_sum_models),
	};

	return cmocka_run_group_tests(tests, setup_locale, NULL);
}
