/* pricing_at.c — prices by date: which entry of a model (or server tool) is
 * in force when, the "since" dates, and the server tools' per-use rates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/pricing_int.h"

__extension__ typedef __int128 i128;

#define MS_PER_DAY 86400000LL

int
pricing_parse_date(const char *s, int64_t *ms)
{
	char t[32];

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	snprintf(t, sizeof(t), "%sT00:00:00Z", s);
	return usage_parse_time(t, ms);
}

void
pricing_since_text(int64_t since_ms, char *buf, size_t n)
{
	int64_t z, era, doe, yoe, y, doy, mp, d, m;

	if (since_ms == PRICING_ALWAYS) {
		snprintf(buf, n, "no since date");
		return;
	}
	/* days → civil date (H. Hinnant's algorithm) */
	z = (since_ms >= 0 ? since_ms / MS_PER_DAY : (since_ms - MS_PER_DAY + 1) / MS_PER_DAY);
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	snprintf(buf, n, "since %04lld-%02lld-%02lld", (long long)(y + (m <= 2)), (long long)m,
	    (long long)d);
}

int
pricing_get_since(json_t *obj, const char *name, const char *where, int64_t *since_ms,
                  char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, "since");

	*since_ms = PRICING_ALWAYS;
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || pricing_parse_date(json_string_value(v), since_ms) != 0) {
		snprintf(err, errlen, "%s: %s.since: not a date YYYY-MM-DD: \"%.40s\"", name, where,
		    json_is_string(v) ? json_string_value(v) : "(not a string)");
		return -1;
	}
	return 0;
}

/* ---- order and versions --------------------------------------------------- */

/* Are a and b entries of one model (the same id of the same provider)? */
static int
same_model(const struct model_price *a, const struct model_price *b)
{
	return a->provider == b->provider && strcmp(a->id, b->id) == 0;
}

/* An entry's place: the first position of its id, its since, its position. */
struct place {
	size_t  rank, pos;
	int64_t since;
};

static int
by_place(const void *x, const void *y)
{
	const struct place *a = x, *b = y;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->since != b->since)
		return a->since < b->since ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static int
tool_cmp(const void *x, const void *y)
{
	const struct tool_rate *a = x, *b = y;

	if (a->tool != b->tool)
		return a->tool - b->tool;
	return a->since_ms < b->since_ms ? -1 : a->since_ms > b->since_ms;
}

/* Permute models and aliases into the order of pl (reusing tmp arrays). */
static int
permute(struct pricing *p, const struct place *pl)
{
	struct model_price *m = malloc(p->n * sizeof(*m));
	char ***al = malloc(p->n * sizeof(*al));
	size_t i;

	if (m == NULL || al == NULL) {
		free(m);
		free(al);
		return -1;
	}
	for (i = 0; i < p->n; i++) {
		m[i] = p->models[pl[i].pos];
		al[i] = p->aliases[pl[i].pos];
	}
	memcpy(p->models, m, p->n * sizeof(*m));
	memcpy(p->aliases, al, p->n * sizeof(*al));
	free(m);
	free(al);
	return 0;
}

int
pricing_order(struct pricing *p)
{
	struct place *pl;
	size_t i, j;
	int next;

	if (p->n > 0) {
		if ((pl = calloc(p->n, sizeof(*pl))) == NULL)
			return -1;
		for (i = 0; i < p->n; i++) {
			for (j = 0; !same_model(&p->models[j], &p->models[i]); j++)
				;
			pl[i].rank = j;
			pl[i].pos = i;
			pl[i].since = p->models[i].since_ms;
		}
		qsort(pl, p->n, sizeof(*pl), by_place);
		if (permute(p, pl) != 0) {
			free(pl);
			return -1;
		}
		free(pl);
	}
	p->dated = 0;
	for (i = 0; i < p->n; i++) {
		next = i + 1 < p->n && same_model(&p->models[i + 1], &p->models[i]);
		p->models[i].until_ms = next ? p->models[i + 1].since_ms : PRICING_FOREVER;
		p->dated |= next;
	}
	if (p->ntools > 1)
		qsort(p->tools, p->ntools, sizeof(*p->tools), tool_cmp);
	for (i = 0; i < p->ntools; i++) {
		next = i + 1 < p->ntools && p->tools[i + 1].tool == p->tools[i].tool;
		p->tools[i].until_ms = next ? p->tools[i + 1].since_ms : PRICING_FOREVER;
		p->dated |= next;
	}
	return 0;
}

/* Does entry mp's span (the first of its id reaching back forever) hold at? */
static int
spans(const struct model_price *mp, int first, int64_t at_ms)
{
	int64_t until = mp->until_ms == 0 && mp->since_ms == 0 ? PRICING_FOREVER : mp->until_ms;

	return (first || at_ms >= mp->since_ms) && at_ms < until;
}

const struct model_price *
pricing_version_at(const struct pricing *p, const struct model_price *mp, int64_t at_ms)
{
	size_t i, first;

	if (mp == NULL || p == NULL || mp < p->models || mp >= p->models + p->n || !p->dated)
		return mp;      /* undated: every model has one entry (a report asks per cell) */
	i = (size_t)(mp - p->models);
	while (i > 0 && same_model(&p->models[i - 1], mp))
		i--;
	first = i;
	while (i + 1 < p->n && same_model(&p->models[i + 1], mp) &&
	    !spans(&p->models[i], i == first, at_ms))
		i++;
	return &p->models[i];
}

const struct model_price *
pricing_next_version(const struct pricing *p, const struct model_price *mp)
{
	if (p == NULL || mp == NULL || mp < p->models || mp + 1 >= p->models + p->n ||
	    !same_model(&mp[1], mp))
		return NULL;
	return mp + 1;
}

int
pricing_in_force(const struct pricing *p, const struct model_price *mp, int64_t at_ms)
{
	return mp != NULL && pricing_version_at(p, mp, at_ms) == mp;
}

int
pricing_has_dates(const struct pricing *p)
{
	return p != NULL && p->dated;
}

/* ---- server tools ------------------------------------------------------------ */

static const char *const tool_names[PRICING_NTOOLS] = { "web_search" };

static const char *const tool_keys[] = { "id", "usd_per_1000", "since", "note", NULL };

/* usd_per_1000 "10" into nanos per 1000 (≤ 6 decimals, below 10^9 USD). */
static int
parse_usd(const char *s, int64_t *nanos)
{
	int64_t v = 0;
	int frac = -1, digits = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == '.' && frac < 0 && s[1] >= '0' && s[1] <= '9') {
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || ++digits > 15 || frac >= 6)
			return -1;
		v = v * 10 + (*s - '0');
		if (frac >= 0)
			frac++;
	}
	if (digits - (frac < 0 ? 0 : frac) > 9)
		return -1;
	for (frac = frac < 0 ? 0 : frac; frac < 9; frac++)
		v *= 10;
	*nanos = v;
	return 0;
}

/* One server_tools[i] entry into *t. */
static int
parse_tool(json_t *o, const char *name, size_t i, struct tool_rate *t, char *err,
           size_t errlen)
{
	const char *key, *id;
	char where[48];
	json_t *v;
	int k;

	snprintf(where, sizeof(where), "server_tools[%zu]", i);
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: %s: not an object", name, where);
		return -1;
	}
	json_object_foreach(o, key, v) {
		for (k = 0; key[0] != '_' && tool_keys[k] != NULL; k++)
			if (strcmp(key, tool_keys[k]) == 0)
				break;
		if (key[0] != '_' && tool_keys[k] == NULL) {
			snprintf(err, errlen, "%s: %s.%s: unknown field", name, where, key);
			return -1;
		}
	}
	id = json_string_value(json_object_get(o, "id"));
	for (k = 0; id != NULL && k < PRICING_NTOOLS; k++)
		if (strcmp(id, tool_names[k]) == 0)
			break;
	if (id == NULL || k == PRICING_NTOOLS) {
		snprintf(err, errlen, "%s: %s.id: not a priced server tool (web_search)", name, where);
		return -1;
	}
	t->tool = k;
	v = json_object_get(o, "usd_per_1000");
	if (!json_is_string(v) || parse_usd(json_string_value(v), &t->nanos_per_1000) != 0) {
		snprintf(err, errlen, "%s: %s.usd_per_1000: not a decimal string with at most 6"
		    " decimals, below 10^9", name, where);
		return -1;
	}
	if ((v = json_object_get(o, "note")) != NULL && !json_is_string(v)) {
		snprintf(err, errlen, "%s: %s.note: not a string", name, where);
		return -1;
	}
	return pricing_get_since(o, name, where, &t->since_ms, err, errlen);
}

int
pricing_parse_tools(struct pricing *p, json_t *tools, const char *name, char *err,
                    size_t errlen)
{
	size_t i, j, n0 = p->ntools, k;
	struct tool_rate t, *nt;
	char when[32];
	json_t *o;

	if (tools == NULL)
		return 0;
	if (!json_is_array(tools)) {
		snprintf(err, errlen, "%s: server_tools: not an array", name);
		return -1;
	}
	json_array_foreach(tools, i, o) {
		memset(&t, 0, sizeof(t));
		if (parse_tool(o, name, i, &t, err, errlen) != 0)
			return -1;
		for (j = n0; j < p->ntools; j++) {       /* the same file: one per date */
			if (p->tools[j].tool == t.tool && p->tools[j].since_ms == t.since_ms) {
				pricing_since_text(t.since_ms, when, sizeof(when));
				snprintf(err, errlen, "%s: server_tools[%zu]: %s: %s given twice (one"
				    " price per tool and date)", name, i, tool_names[t.tool], when);
				return -1;
			}
		}
		for (k = 0; k < n0; k++)                  /* an earlier file's: replaced */
			if (p->tools[k].tool == t.tool && p->tools[k].since_ms == t.since_ms)
				break;
		if (k < n0) {
			p->tools[k] = t;
			continue;
		}
		if ((nt = realloc(p->tools, (p->ntools + 1) * sizeof(*nt))) == NULL) {
			snprintf(err, errlen, "%s: out of memory", name);
			return -1;
		}
		p->tools = nt;
		p->tools[p->ntools++] = t;
	}
	return 0;
}

int
pricing_tool_in_force(const struct pricing *p, size_t i, int64_t at_ms)
{
	/* the first entry of a tool also covers the time before its date */
	int first = i == 0 || p->tools[i - 1].tool != p->tools[i].tool;

	return p != NULL && i < p->ntools && (first || at_ms >= p->tools[i].since_ms) &&
	    at_ms < p->tools[i].until_ms;
}

int
pricing_tool_rate(const struct pricing *p, enum pricing_tool tool, int64_t at_ms,
                  int64_t *nanos_per_1000)
{
	size_t i;

	*nanos_per_1000 = 0;
	for (i = 0; p != NULL && i < p->ntools; i++) {
		if (p->tools[i].tool == (int)tool && pricing_tool_in_force(p, i, at_ms)) {
			*nanos_per_1000 = p->tools[i].nanos_per_1000;
			return 0;
		}
	}
	return -1;
}

int
pricing_tool_cost(int64_t uses, int64_t nanos_per_1000, int64_t *nanos)
{
	i128 v;

	*nanos = 0;
	if (uses < 0 || nanos_per_1000 < 0)
		return -1;
	v = ((i128)uses * nanos_per_1000 * 2 + 1000) / 2000;    /* half up */
	if (v > INT64_MAX) {
		*nanos = INT64_MAX;
		return -1;
	}
	*nanos = (int64_t)v;
	return 0;
}

int
pricing_usage_tool_cost(const struct pricing *p, const struct usage *u, int64_t *nanos)
{
	int64_t rate;

	*nanos = 0;
	if (u->web_search_requests == 0 ||
	    pricing_tool_rate(p, PRICING_TOOL_WEB_SEARCH, u->ts_ms, &rate) != 0)
		return 0;
	return pricing_tool_cost(u->web_search_requests, rate, nanos);
}

size_t
pricing_tool_count(const struct pricing *p)
{
	return p != NULL ? p->ntools : 0;
}

int
pricing_tool_at(const struct pricing *p, size_t i, const char **id, int64_t *nanos_per_1000,
                int64_t *since_ms, int64_t *until_ms)
{
	if (p == NULL || i >= p->ntools)
		return -1;
	*id = tool_names[p->tools[i].tool];
	*nanos_per_1000 = p->tools[i].nanos_per_1000;
	*since_ms = p->tools[i].since_ms;
	*until_ms = p->tools[i].until_ms;
	return 0;
}
