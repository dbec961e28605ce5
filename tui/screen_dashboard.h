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

#endif
