/* view.h — the console's pure view logic: layout, formatting, sorting,
 * filtering and display width (sanitising is text_sanitize, core/text.h). No
 * curses here, so every rule is unit-tested (tests/test_view.c). Strings are
 * UTF-8. */
#ifndef TOKENTOP_VIEW_H
#define TOKENTOP_VIEW_H

#include <stddef.h>
#include <stdint.h>

/* ---- layout: tui/view_layout.h ------------------------------------------- */

#include "tui/view_layout.h"

/* ---- text --------------------------------------------------------------- */

/* Display columns of a (sanitised) UTF-8 string, with wcwidth (the caller
 * has set a UTF-8 LC_CTYPE): Hangul and CJK are 2, combining marks 0. */
int view_width(const char *s);

/*
 * Fit s into `cols` display columns. VIEW_TRUNC_END keeps the start and ends
 * with the ellipsis; VIEW_TRUNC_MID keeps both ends around it (for ids and
 * model names). ell is "…" (1 column) or "~" for ASCII. Wide characters are
 * never split. Returns out.
 */
enum view_trunc { VIEW_TRUNC_END, VIEW_TRUNC_MID };
char *view_truncate(const char *s, int cols, enum view_trunc how, const char *ell,
                    char *out, size_t n);

/* Bytes of the next line of s to show in cols columns: up to a newline, or
 * up to the last space that fits (a word longer than the line is cut);
 * never half a character, at least one character. The caller skips the
 * newline or the spaces after it. */
size_t view_wrap(const char *s, int cols);

/* A model name in cols columns: whole when it fits; else without its vendor
 * prefix ("claude-sonnet-4-5" → "sonnet-4-5"), then cut at the end with
 * ell — never in the middle, where two versions differ. Returns out. */
char *view_model_name(const char *model, int cols, const char *ell, char *out, size_t n);

/* A number is never cut: s itself when it fits in cols, else a row of '#'
 * (as a spreadsheet does). Returns out. */
char *view_fit_number(const char *s, int cols, char *out, size_t n);

/* ---- numbers ------------------------------------------------------------ */

/* 1234567 → "1,234,567". Returns buf. */
char *view_fmt_count(int64_t v, char *buf, size_t n);
/* Tokens, compact: 999 → "999", 9400 → "9k", 310000 → "310k",
 * 1234567 → "1.2M", 12300000 → "12.3M", 2.1e9 → "2.1G". Returns buf. */
char *view_fmt_tokens(int64_t v, char *buf, size_t n);
/* Nano-dollars by the one money rule (pricing_format_money): "$41.27",
 * "-$0.31", "$0.0005" (never "$0.00" for a non-zero amount); whole dollars
 * ("$1,500") when whole is set. Returns buf. */
char *view_fmt_money(int64_t nanos, int whole, char *buf, size_t n);
/* Money of a row that may be unpriced (pricing_format_cost): "unpriced" when
 * every request of the row was, else the money, with PRICING_UNPRICED_MARK
 * when some were. */
char *view_fmt_cost(int64_t nanos, int64_t requests, int64_t unpriced, char *buf, size_t n);
/* Per-mille as a whole percent, rounded half up: 705 → "71%". */
char *view_fmt_pct(int64_t permille, char *buf, size_t n);
/* Elapsed milliseconds, at most 6 columns, moving every second for the
 * first hour: "45s", "42m07s", "3h05m". */
char *view_fmt_elapsed(int64_t ms, char *buf, size_t n);

/* ---- bars --------------------------------------------------------------- */

/* Length of a bar for value v of max in a width of `cols` cells, in eighths
 * of a cell (0 … cols*8), rounded half up; 0 when max <= 0 or v <= 0, and at
 * least 1 eighth for any positive v. */
int view_bar_eighths(int64_t v, int64_t max, int cols);
/* Sparkline level 0 … 8 of v against max: 0 only for v <= 0, 8 for v >= max. */
int view_spark_level(int64_t v, int64_t max);

/* ---- model rows: sort and filter --------------------------------------- */

enum view_col {
	VCOL_MODEL, VCOL_REQS, VCOL_INPUT, VCOL_OUTPUT, VCOL_HIT, VCOL_COST,
	VCOL_READ, VCOL_WRITE, VCOL_PERREQ,    /* the wide screen's: cache read, written, $/request */
	VCOL_COUNT
};

struct view_model_row {
	char    model[96];
	int64_t requests;
	int64_t input;          /* uncached input, as `report` prints it */
	int64_t output;
	int64_t cache_read;
	int64_t cache_write;
	int64_t hit_permille;
	int64_t cost_nanos;
	int64_t unpriced;       /* unpriced requests */
	int     provider;       /* enum provider_id; -1 when none or several */
};

/* Column names for the sort indicator and the settings ("model", "reqs", …). */
const char *view_col_name(enum view_col c);
/* The column of a name, or -1. */
int view_col_by_name(const char *name);

/* Sort in place by column c; desc for largest first. Ties by model name.
 * Wholly unpriced rows sort below every priced row on cost. */
void view_sort_models(struct view_model_row *rows, size_t n, enum view_col c, int desc);

/* Case-insensitive (ASCII) substring; an empty or NULL needle matches. */
int view_match(const char *hay, const char *needle);

/* Keep only rows whose model matches needle, preserving order; returns the
 * new count. */
size_t view_filter_models(struct view_model_row *rows, size_t n, const char *needle);

/* The total of rows (what a filtered table shows, not the period's): every
 * count and the cost summed (saturating), hit from the summed tokens. */
void view_sum_models(const struct view_model_row *rows, size_t n, struct view_model_row *out);

/* ---- lists -------------------------------------------------------------- */

/* Home / End: a move past either end. */
#define VIEW_MOVE_ALL (1 << 28)

/* A cursor moved by delta (±1, a page, ±VIEW_MOVE_ALL) in a list of n rows:
 * kept in 0 … n-1 (0 when empty). */
int view_move(int sel, int delta, int n);

/* The first row to show of n, vis at a time, for cursor sel (< 0: none)
 * and the last first row top: the cursor in view, and never empty rows at
 * the bottom while rows above are hidden. */
int view_scroll(int sel, int top, int vis, int n);

/* ---- one-line text input (filter, file name) --------------------------- */

struct view_input {
	char   buf[512];
	size_t len;
};

void view_input_clear(struct view_input *in);
void view_input_set(struct view_input *in, const char *s);
/* Append a Unicode code point (UTF-8 encoded); text_is_unsafe ones are
 * refused. 0, or -1 when it does not fit or is refused. */
int view_input_add(struct view_input *in, uint32_t cp);
/* Remove the last character (a whole UTF-8 sequence). */
void view_input_backspace(struct view_input *in);

/* ---- dates -------------------------------------------------------------- */

/* Local midnight of the day containing ms, and of the day `days` later
 * (negative = earlier); DST-safe (mktime). */
int64_t view_day_start(int64_t ms, int days);
/* Local midnight of the first day of the month containing ms, shifted by
 * `months`. */
int64_t view_month_start(int64_t ms, int months);

/*
 * The local-time span [since, until) of a report key: kind 'h' "2026-11-28 14",
 * 'd' "2026-11-28", 'w' "2026-W48" (ISO week, Monday first), 'm' "2026-11".
 * 0, or -1 for a malformed key.
 */
int view_period_range(char kind, const char *key, int64_t *since, int64_t *until);

#endif
