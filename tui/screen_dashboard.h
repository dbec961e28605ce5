/* screen_dashboard.h — what other screens may ask of the dashboard. */
#ifndef TOKENTOP_SCREEN_DASHBOARD_H
#define TOKENTOP_SCREEN_DASHBOARD_H

/* The model the user drilled into with Enter (the Reports screen filters
 * by it and then clears it with dashboard_drill_clear); "" for none.
 * Borrowed. */
const char *dashboard_drill_model(void);
/* 1 when the user drilled from the daily pane (Reports opens by day). */
int dashboard_drill_days(void);
/* The day ("YYYY-MM-DD") the daily pane's cursor was on at Enter; "" for
 * none. Borrowed. */
const char *dashboard_drill_day(void);
void dashboard_drill_clear(void);

struct console;
/* The dashboard's filter as typed ("" = none; "host:NAME", "tag:NAME",
 * "provider:NAME" or part of a model name). Borrowed: valid until the
 * filter changes. */
const char *dashboard_filter(const struct console *c);
/* Set the dashboard's filter to text (the Hosts view's Enter: "host:NAME");
 * the dashboard reads the store again when it is shown next. */
void dashboard_filter_set(struct console *c, const char *text);

#endif
