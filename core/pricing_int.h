/* pricing_int.h — the price table's inside, shared by pricing.c (loading,
 * lookup, display) and pricing_at.c (dates: which entry is in force when,
 * server tool rates). Only those include it. */
#ifndef TOKENTOP_PRICING_INT_H
#define TOKENTOP_PRICING_INT_H

#include "core/pricing.h"

struct tool_rate {
	int     tool;                 /* enum pricing_tool */
	int64_t nanos_per_1000;
	int64_t since_ms, until_ms;   /* as struct model_price's */
};

struct pricing {
	struct model_price *models;    /* the entries of one id adjacent, by since */
	char             ***aliases;   /* per model, NULL-terminated, owned */
	size_t              n;
	struct tool_rate   *tools;     /* by tool, then since */
	size_t              ntools;
	int                 dated;     /* some id or tool has several entries */
	int64_t             batch_num, batch_den;
	char                origin[2100];
};

/* Order the entries (the entries of an id together, by since, ids in the
 * order they first came; tools likewise) and set every until_ms (pricing_at.c).
 * 0, or -1 out of memory (p unchanged). */
int pricing_order(struct pricing *p);


/* The server_tools member of a price file into p (replacing an entry of the
 * same tool and since). name: the file, for errors. 0, or -1 + err. */
struct json_t;
int pricing_parse_tools(struct pricing *p, struct json_t *tools, const char *name,
                        char *err, size_t errlen);

/* An optional "since" member of obj into *since_ms (absent → PRICING_ALWAYS).
 * 0, or -1 with "NAME: WHERE.since: not a date YYYY-MM-DD: \"…\"". */
int pricing_get_since(struct json_t *obj, const char *name, const char *where,
                      int64_t *since_ms, char *err, size_t errlen);

#endif
