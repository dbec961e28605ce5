/* pane_data.h — what the dashboard's panes draw from: plain structs the
 * dashboard's rebuild fills from data/ (store_report, store_batch_list…).
 * Panes borrow them, never query, and never keep pointers into them. */
#ifndef TOKENTOP_PANE_DATA_H
#define TOKENTOP_PANE_DATA_H

#include <stdint.h>

#include "core/batch_client.h"
#include "core/budget.h"
#include "data/store.h"
#include "tui/console_org.h"
#include "tui/draw.h"
#include "tui/view.h"

enum dash_period { PERIOD_TODAY, PERIOD_7D, PERIOD_30D, PERIOD_MONTH, PERIOD_COUNT };

#define DASH_DAYS   60      /* the daily pane shows as many of these as fit */
#define DASH_HOURS  24
#define DASH_SLOTS  12      /* the last hour in 5-minute slots */

/* The intraday view (dash_intraday.c fills it, pane_intraday.c draws it):
 * spend and tokens per hour for the last 24 hours, from the hourly rollup,
 * and the last 60 minutes in 5-minute slots from the raw rows. With a tag
 * filter, only that tag's spend. */
struct dash_intraday {
	int64_t hour0_ms;                  /* start of the oldest hour */
	int64_t hour_cost[DASH_HOURS];     /* priced nanos per hour, oldest first; the last is now's */
	int64_t hour_tok[DASH_HOURS];      /* every token bucket, per hour */
	int64_t day_cost;                  /* the 24 hours */
	int64_t slot_cost[DASH_SLOTS];     /* the last 60 minutes, oldest first */
	int64_t slot_tok[DASH_SLOTS];
	int64_t last_cost, last_tok, last_reqs;   /* the last 60 minutes: $/h, tokens/60 = per minute */
	char    tag[96];                   /* the tag filter, "" = all spend */
};

struct dash_data {
	int64_t           now_ms;
	int64_t           day0, day1;         /* today's local midnight, tomorrow's */
	int64_t           month0;             /* first of the month */
	struct report     today;              /* REPORT_TOTAL today */
	int64_t           month_nanos;        /* month to date: the days before today + today */
	int64_t           hour_nanos;         /* spend in the last 60 minutes */
	int64_t           hour_reqs;
	int64_t           hour_imported;      /* …stamped at import in that hour: no rate */
	struct report     days;               /* REPORT_DAY of the days before today (cached) */
	struct report     today_pv;           /* REPORT_PROVIDER of today: the Cache pane's
	                                         ratio per provider */
	int64_t           hist_day0;          /* the today `days` and hist_month were read for */
	int64_t           hist_at_ms;         /* when */
	int               hist_ndays;         /* how many days back they reach */
	int64_t           hist_month;         /* the month's days before today */
	struct report     period;             /* REPORT_MODEL over the chosen period */
	enum dash_period  period_kind;
	int64_t           hour_hit[DASH_HOURS];   /* hit per-mille per hour, oldest first */
	int64_t           hour_reqs_n[DASH_HOURS];
	struct dash_intraday intra;
	struct view_model_row *rows;          /* period's models, filtered and sorted */
	size_t            nrows;
	struct view_model_row rows_total;     /* the sum of rows: follows the filter */
	int               empty;              /* the ledger has no usage at all */
	int               followed;           /* unfinished batches are polled here */
	struct batch_rec *batches;            /* unfinished + recent ended */
	size_t            nbatches;
	struct savings    saved_today;        /* per lever, as `report savings` */
	struct savings    saved_month;        /* month to date */
	struct savings    hist_saved;         /* the month's days before today (cached) */
	const struct budget_status *budgets;  /* borrowed from the console while drawing */
	size_t            nbudgets;
	struct console_org_view org;          /* the organisation beside the ledger */
	int               live;
	int               tag_filtered;       /* period was queried with a tag, provider or host */
	char              host[USAGE_HOST_MAX]; /* the host filter: every figure is this
	                                         host's; "" = every host */
	char              hist_host[USAGE_HOST_MAX]; /* the host `days` were read for */
	const char       *db_path;            /* borrowed */
};

/* How a pane is asked to draw. */
struct pane_ctx {
	struct view_rect r;
	int              focused;
	int              sel;       /* cursor row, -1 = none */
	int              top;       /* first row shown */
	unsigned         cols;      /* DCOL_BIT()s of the optional columns to show
	                               (console_settings.h; the wide ones only on a
	                               broad screen: the dashboard decides) */
};

const char *dash_period_name(enum dash_period p);

/* Cost per request, with the decimals a small figure needs ("$0.0042",
 * "$1.20"; a dash without requests). Returns buf. */
char *dash_fmt_per_request(int64_t nanos, int64_t reqs, char *buf, size_t n);

/* The sum of the four levers. */
int64_t dash_saved_sum(const struct savings *s);

/* One piece of the header line for pane_header_fit. */
struct header_fit {
	int width[3];   /* of each form, widest first */
	int nvar;       /* forms: 1 to 3 */
	int prio;       /* 0 = never dropped; a larger number goes sooner */
	int var;        /* out: the form shown, -1 = dropped */
};

/*
 * Which pieces of the header line fit in avail columns, and in which form:
 * first the extras (priority 3 and up) are dropped, least important and
 * rightmost first; then the others take their shorter forms, least
 * important first; then they are dropped too, but never priority 0.
 * Returns the width kept.
 */
int  pane_header_fit(struct header_fit *f, size_t n, int avail);

/*
 * The crossing line of a limit, from its budget_add_rate figures, in the
 * widest form that fits cols: "At last hour's rate ($3.10/h) you cross the
 * daily budget of $50.00 at 19:40" in the alert role (red before it
 * happens), "…budget exceeded…" (alert), or "…you stay under…" (ok).
 * Returns the role.
 */
enum draw_role dash_cross_line(const struct budget_status *b, int cols, char *buf, size_t n);

void pane_header_draw(const struct dash_data *d, int y, int w);
void pane_daily_draw(const struct dash_data *d, const struct pane_ctx *p);
void pane_models_draw(const struct dash_data *d, const struct pane_ctx *p, enum view_col sort,
                      int desc, const char *filter);
void pane_cache_draw(const struct dash_data *d, const struct pane_ctx *p);
void pane_batches_draw(const struct dash_data *d, const struct pane_ctx *p);
/* The spend per hour of the last 24 hours: a strip of one line, or a chart
 * with the hours' labels when the pane is taller (pane_intraday.c). */
void pane_intraday_draw(const struct dash_data *d, const struct pane_ctx *p);

/* The Models pane's columns shown in rectangle r with the optional columns
 * cols, in the order drawn (at most max into out); the count. */
size_t pane_models_columns(const struct view_rect *r, unsigned cols, enum view_col *out,
                           size_t max);
/* The column whose heading holds screen column x, or -1. */
int pane_models_col_at(const struct view_rect *r, unsigned cols, int x);

/* An empty ledger (d->empty): how to get data in, not only "no usage"
 * (defect 19), in lines y … end-1 from column x, w wide. The Models and
 * Daily panes draw it in place of their rows. */
void pane_empty_ledger(int y, int x, int w, int end);

/* Rows a pane of height h can list (between its border, head and total). */
int pane_models_visible(int h);
int pane_batches_visible(int h);
int pane_daily_visible(int h);

/* A batch's requests canceled or expired (not errors), and all the
 * requests with a result; sums saturate. */
int64_t pane_batch_other(const struct batch_counts *n);
int64_t pane_batch_done(const struct batch_counts *n);

/* Are some of b[0..n) running while nobody follows them (followed 0: no
 * API key)? Then the screens say so (issue 11, defect 9). */
int pane_batches_unfollowed(const struct batch_rec *b, size_t n, int followed);

/* A stored batch's provider (never NULL: anthropic for ""), its state in
 * the console's words (validating, in_progress, finalizing, completed,
 * failed, expired, cancelling, cancelled: batch_client.h) and whether that
 * state is an end. */
const struct provider *pane_batch_provider(const struct batch_rec *b);
enum batch_state pane_batch_state_of(const struct batch_rec *b);
const char *pane_batch_state(const struct batch_rec *b);
int pane_batch_ended(const struct batch_rec *b);

/* The rows of pane p (days: as many as the daily pane shows), the key of
 * row i (model, batch id, "YYYY-MM-DD"; 0, or -1 past the end), and the row
 * of a key among rows (-1 when it is gone): a cursor stands on a key, so it
 * follows its row when rows come and go (pane_select.c). */
int pane_row_count(const struct dash_data *d, enum view_pane p, int days);
int pane_row_key(const struct dash_data *d, enum view_pane p, int i, char *buf, size_t n);
int pane_find_key(const struct dash_data *d, enum view_pane p, const char *key, int rows);

#endif
