/* test_import_writer.c — the import's writer thread (tui/import_writer.c)
 * and its marks in memory (tui/import_marks.c): items come out in the order
 * they went in, across many batches; a failing op stops the rest and every
 * later call says so; iw_sync leaves the writer idle; the marks map keeps
 * what the ledger held and what the run set, on both backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "data/store.h"
#include "tests/lib/fx.h"
#include "tests/lib/fx_db.h"
#include "tui/import_marks.h"
#include "tui/import_writer.h"

/* What the ops saw: one char a call ('r' row, 'm' mark, 'b' begin) and the
 * number each carried, in order. */
struct seen {
	char    kind[8192];
	int64_t val[8192];
	int     n;
	int     fail_at;      /* the call (0-based) that fails; -1: none */
	int     busy;         /* set while an op runs */
};

static int
note(struct seen *s, char k, int64_t v)
{
	int i = s->n;

	s->busy = 1;
	if (s->n < (int)sizeof(s->kind)) {
		s->kind[s->n] = k;
		s->val[s->n] = v;
		s->n++;
	}
	s->busy = 0;
	return i == s->fail_at ? -1 : 0;
}

static int
op_row(void *arg, const struct usage *u, int64_t line)
{
	assert_int_equal(u->tok.input, line * 3);
	return note(arg, 'r', line);
}

static int
op_mark(void *arg, const char *key, const struct import_mark *m)
{
	assert_int_equal(strtoll(key + 1, NULL, 10), m->line);
	return note(arg, 'm', m->line);
}

static int
op_begin(void *arg, const char *key, int found, const struct import_mark *m,
         const struct import_mark *start)
{
	assert_int_equal(found, 1);
	assert_int_equal(start->line, m->offset + 1);
	return note(arg, 'b', m->offset);
}

static const struct iw_ops ops = { op_row, op_mark, op_begin };

/* Item i: a row, every 7th a mark, every 50th a begin. */
static int
hand(struct iw *w, int i)
{
	struct usage u;
	struct import_mark m, start;
	char key[32];

	memset(&m, 0, sizeof(m));
	memset(&start, 0, sizeof(start));
	if (i % 50 == 0) {
		m.offset = i;
		start.line = i + 1;
		snprintf(key, sizeof(key), "b%d", i);
		return iw_begin(w, key, 1, &m, &start);
	}
	if (i % 7 == 0) {
		m.line = i;
		snprintf(key, sizeof(key), "k%d", i);
		return iw_mark(w, key, &m);
	}
	memset(&u, 0, sizeof(u));
	u.tok.input = (int64_t)i * 3;
	return iw_row(w, &u, i);
}

static void
test_order_kept(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct iw *w;
	int i;

	(void)state;
	s->fail_at = -1;
	assert_non_null(w = iw_start(&ops, s));
	for (i = 0; i < 5000; i++)
		assert_int_equal(hand(w, i), 0);
	assert_int_equal(iw_sync(w), 0);
	assert_int_equal(s->n, 5000);        /* all written, the writer idle */
	assert_int_equal(s->busy, 0);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(s->val[i], i);
		assert_int_equal(s->kind[i], i % 50 == 0 ? 'b' : i % 7 == 0 ? 'm' : 'r');
	}
	for (i = 5000; i < 5100; i++)        /* goes on after a sync */
		assert_int_equal(hand(w, i), 0);
	assert_int_equal(iw_stop(w), 0);
	assert_int_equal(s->n, 5100);
	free(s);
}

static void
test_failure_stops(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct iw *w;
	int i, rc = 0;

	(void)state;
	s->fail_at = 300;
	assert_non_null(w = iw_start(&ops, s));
	for (i = 0; i < 300 + IW_AHEAD_MAX + 1000 && rc == 0; i++)
		rc = hand(w, i);
	assert_int_equal(rc, -1);            /* told within the ring's reach */
	assert_true(i <= 300 + IW_AHEAD_MAX + 128);
	/* (iw_sync first: it takes the lock the writer set its failure under,
	 * so what the writer wrote before is seen; ThreadSanitizer) */
	assert_int_equal(iw_sync(w), -1);
	assert_int_equal(s->n, 301);         /* nothing after the failing op */
	assert_int_equal(hand(w, 9999), -1);
	assert_int_equal(iw_stop(w), -1);
	free(s);
}

/* Row i, every byte of it set from i (strings not zero-filled past their
 * ends, a run of zeros, a Korean model): what the writer must see again. */
static void
odd_row(struct usage *u, int64_t i)
{
	unsigned char *b = (unsigned char *)u;
	size_t j;

	for (j = 0; j < sizeof(*u); j++)
		b[j] = (unsigned char)((i * 131 + (int64_t)j * 7) % 251 + 1);
	memset(b + 200, 0, (size_t)(i % 300));
	snprintf(u->model, sizeof(u->model), "클로드-%lld", (long long)i);
	u->tok.input = i * 3;
}

static int
op_odd_row(void *arg, const struct usage *u, int64_t line)
{
	struct usage want;

	odd_row(&want, line);
	assert_memory_equal(u, &want, sizeof(want));
	return note(arg, 'r', line);
}

/* Rows go over packed (tui/import_writer.c) and come out byte for byte. */
static void
test_rows_exact(void **state)
{
	static const struct iw_ops odd = { op_odd_row, op_mark, op_begin };
	struct seen *s = calloc(1, sizeof(*s));
	struct usage u;
	struct iw *w;
	int i;

	(void)state;
	s->fail_at = -1;
	assert_non_null(w = iw_start(&odd, s));
	for (i = 0; i < 3000; i++) {
		odd_row(&u, i);
		assert_int_equal(iw_row(w, &u, i), 0);
	}
	assert_int_equal(iw_stop(w), 0);
	assert_int_equal(s->n, 3000);
	free(s);
}

static void
test_failure_at_the_end(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct iw *w;

	(void)state;
	s->fail_at = 2;
	assert_non_null(w = iw_start(&ops, s));
	assert_int_equal(hand(w, 1), 0);
	assert_int_equal(hand(w, 2), 0);
	assert_int_equal(hand(w, 3), 0);     /* not published yet: no news */
	assert_int_equal(iw_stop(w), -1);    /* the last batch's failure is told */
	assert_int_equal(s->n, 3);
	assert_int_equal(iw_stop(NULL), 0);
	assert_int_equal(iw_sync(NULL), 0);
	free(s);
}

/* ---- the marks in memory ----------------------------------------------------- */

static void
test_marks(void **state)
{
	struct store *st;
	struct imarks *t;
	struct import_mark m, got;
	char err[256], key[64];
	int i;

	(void)state;
	assert_non_null(st = store_open(fx_ledger(), err, sizeof(err)));
	memset(&m, 0, sizeof(m));
	for (i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "/home/김/.claude/projects/p/%d.jsonl", i);
		m.offset = i * 10;
		m.line = i;
		m.head_hash = -i;
		assert_int_equal(store_import_mark_set(st, key, &m, err, sizeof(err)), 0);
	}
	assert_non_null(t = imarks_load(st, err, sizeof(err)));
	for (i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "/home/김/.claude/projects/p/%d.jsonl", i);
		assert_int_equal(imarks_get(t, key, &got), 1);
		assert_int_equal(got.offset, i * 10);
		assert_int_equal(got.line, i);
		assert_int_equal(got.head_hash, -i);
	}
	assert_int_equal(imarks_get(t, "/nowhere", &got), 0);
	m.offset = 77;                       /* set: a new key, and one moved */
	assert_int_equal(imarks_set(t, "/new", &m), 0);
	assert_int_equal(imarks_set(t, "/home/김/.claude/projects/p/5.jsonl", &m), 0);
	assert_int_equal(imarks_get(t, "/new", &got), 1);
	assert_int_equal(got.offset, 77);
	assert_int_equal(imarks_get(t, "/home/김/.claude/projects/p/5.jsonl", &got), 1);
	assert_int_equal(got.offset, 77);
	assert_int_equal(imarks_get(t, "/home/김/.claude/projects/p/6.jsonl", &got), 1);
	assert_int_equal(got.offset, 60);
	imarks_free(t);
	imarks_free(NULL);
	store_close(st);
}

static void
test_marks_empty(void **state)
{
	struct store *st;
	struct imarks *t;
	struct import_mark got;
	char err[256];

	(void)state;
	assert_non_null(st = store_open(fx_ledger(), err, sizeof(err)));
	assert_non_null(t = imarks_load(st, err, sizeof(err)));
	assert_int_equal(imarks_get(t, "", &got), 0);
	imarks_free(t);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest writer[] = {
		cmocka_unit_test(test_order_kept),
		cmocka_unit_test(test_failure_stops),
		cmocka_unit_test(test_failure_at_the_end),
		cmocka_unit_test(test_rows_exact),
	};
	const struct CMUnitTest marks[] = {
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_marks_empty),
	};
	int failed = cmocka_run_group_tests(writer, NULL, NULL);

	return failed + FX_RUN_BACKENDS(marks, fx_tmpdir_setup, fx_tmpdir_teardown);
}
