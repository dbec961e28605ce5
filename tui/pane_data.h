/* pane_data.h — what the dashboard's panes draw from: plain structs the
 * dashboard's rebuild fills from data/ (store_report, store_batch_list…).
 * Panes borrow them, never query, and never keep pointers into them. */
#ifndef TOKENTOP_PANE_DATA_H
#define TOKENTOP_PANE_DATA_H

#include <stdint.h>

#include "core/budget.h"
#include "data/store.h"
#include "tui/console_org.h"
#include "tui/view.h"

enum dash_period { PERIOD_TODAY, PERIOD_7D, PERIOD_30D, PERIOD_MONTH, PERIOD_COUNT };

#define DASH_DAYS   60      /* the daily pane shows as many of these as fit */
#define DASH_HOURS  24

struct dash_data {
	int64_t           now_ms;
	int64_t           day0, day1;         /* today's local midnight, tomorrow's */
	int64_t           month0;             /* first of the month */
	struct report     today;              /* REPORT_TOTAL today */
	int64_t           month_nanos;        /* month to date: the days before today + today */
	int64_t           hour_nanos;         /* spend in the last 60 minutes */
	int64_t           hour_reqs;
	struct report     days;               /* REPORT_DAY of the days before today (cached) */
	int64_t           hist_day0;          /* the today `days` and hist_month were read for */
	int64_t           hist_at_ms;         /* when */
	int               hist_ndays;         /* how many days back they reach */
	int64_t           hist_month;         /* the month's days before today */
	struct report     period;             /* REPORT_MODEL over the chosen period */
	enum dash_period  period_kind;
	int64_t           hour_hit[DASH_HOURS];   /* hit per-mille per hour, oldest first */
	int64_t           hour_reqs_n[DASH_HOURS];
	struct view_model_row *rows;          /* period's models, filtered and sorted */
	size_t            nrows;
	struct batch_rec *batches;            /* unfinished + recent ended */
	size_t            nbatches;
	struct savings    saved_today;        /* per lever, as `report savings` */
	struct savings    saved_month;        /* month to date */
	struct savings    hist_saved;         /* the month's days before today (cached) */
	const struct budget_status *budgets;  /* borrowed from the console while drawing */
	size_t            nbudgets;
	struct console_org_view org;          /* the organisation beside the ledger */
	int               live;
	int               tag_filtered;       /* period was queried with a tag */
	const char       *db_path;            /* borrowed */
};

/* How a pane is asked to draw. */
struct pane_ctx {
	struct view_rect r;
	int              focused;
	int              sel;       /* cursor row, -1 = none */
	int              top;       /* first row shown */
};

const char *dash_period_name(enum dash_period p);

/* The sum of the four levers. */
int64_t dash_saved_sum(const struct savings *s);

/*
 * Which pieces of the header line fit in avail columns: pieces of the
 * highest priority number are dropped first (a whole level at once, prio
 * set to -1) until the rest fit; priority 0 is never dropped. Returns the
 * width kept.
 */
int  pane_header_fit(const int *width, int *prio, size_t n, int avail);

void pane_header_draw(const struct dash_data *d, int y, int w);
void pane_daily_draw(const struct dash_data *d, const struct pane_ctx *p);
void pane_models_draw(const struct dash_data *d, const struct pane_ctx *p, enum view_col sort,
                      int desc, const char *filter);
void pane_cache_draw(const struct dash_data *d, const struct pane_ctx *p);
void pane_batches_draw(const struct dash_data *d, const struct pane_ctx *p);

/* Rows a pane of height h can list (between its border, head and total). */
int pane_models_visible(int h);
int pane_batches_visible(int h);

#endif
