/* pg_sql.c — the text side of the PostgreSQL dialect; see pg_sql.h. */
#include <stdlib.h>
#include <string.h>

#include "data/pg_sql.h"

char *
pg_sql_rewrite(const char *sql, int *maxp)
{
	char *out = malloc(strlen(sql) + 1), *o = out, q = 0;
	const char *p;
	long v;

	if (out == NULL)
		return NULL;
	*maxp = 0;
	for (p = sql; *p != '\0'; p++) {
		if (q != 0) {                   /* inside '…', "…", -- … or a comment */
			if ((q == '-' && *p == '\n') || (q == '*' && p[0] == '*' && p[1] == '/') ||
			    (q != '-' && q != '*' && *p == q)) {
				if (q == '*')
					*o++ = *p++;
				q = 0;
			}
			*o++ = *p;
			continue;
		}
		if (*p == '\'' || *p == '"')
			q = *p;
		else if (p[0] == '-' && p[1] == '-')
			q = '-';
		else if (p[0] == '/' && p[1] == '*')
			q = '*';
		else if (*p == '?') {
			if (p[1] < '0' || p[1] > '9') {
				free(out);
				return NULL;
			}
			v = strtol(p + 1, NULL, 10);
			if (v > *maxp)
				*maxp = (int)v;
			*o++ = '$';
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

int
pg_sql_int(const char *t, int boolean, int64_t *v)
{
	uint64_t x = 0, lim;
	int neg = *t == '-';
	const char *p = t + neg;

	if (boolean) {
		*v = *t == 't';
		return 0;
	}
	if (*p == '\0')
		return -1;
	/* up to 18 digits cannot overflow: no check (most values are short) */
	for (lim = 0; lim < 18 && p[lim] >= '0' && p[lim] <= '9'; lim++)
		x = x * 10 + (uint64_t)(p[lim] - '0');
	p += lim;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (lim - (uint64_t)(*p - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.')                  /* a numeric with a scale: only zeros */
		for (p++; *p == '0'; p++)
			;
	if (*p != '\0')
		return -1;
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	return 0;
}

/* Type oids and how they read. */
static const struct {
	unsigned     oid;
	enum db_type type;
} types[] = {
	{ 20, DB_T_INT },    /* bigint */
	{ 23, DB_T_INT },    /* integer */
	{ 21, DB_T_INT },    /* smallint */
	{ 1700, DB_T_INT },  /* numeric: sum(bigint) */
	{ 16, DB_T_INT },    /* boolean */
	{ 26, DB_T_INT },    /* oid */
	{ 25, DB_T_TEXT },   /* text */
	{ 1043, DB_T_TEXT }, /* varchar */
	{ 1042, DB_T_TEXT }, /* bpchar */
	{ 19, DB_T_TEXT },   /* name */
	{ 705, DB_T_TEXT },  /* unknown (a literal) */
};

enum db_type
pg_sql_type(unsigned oid)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].oid == oid)
			return types[i].type;
	return DB_T_OTHER;
}

/* SQLSTATEs (or their class, two characters) and what they mean here. */
static const struct {
	const char  *state;
	enum db_fail fail;
} states[] = {
	{ "40001", DB_RETRY },       /* serialization_failure */
	{ "40P01", DB_RETRY },       /* deadlock_detected */
	{ "22003", DB_OVERFLOW },    /* numeric_value_out_of_range: bigint out of range */
	{ "55P03", DB_BUSY },        /* lock_not_available */
	{ "08", DB_GONE },           /* connection exceptions */
	{ "57P", DB_GONE },          /* operator intervention: shutdown, terminated */
};

enum db_fail
pg_sql_fail(const char *sqlstate)
{
	size_t i;

	for (i = 0; sqlstate != NULL && i < sizeof(states) / sizeof(states[0]); i++)
		if (strncmp(sqlstate, states[i].state, strlen(states[i].state)) == 0)
			return states[i].fail;
	return DB_FAILED;
}
