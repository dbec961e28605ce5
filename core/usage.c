/* usage.c — the usage record: helpers and parsers from the API's JSON shapes. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/num.h"
#include "core/usage.h"

int64_t
usage_total_input(const struct tokens *t)
{
	return num_sat_add(num_sat_add(t->input, t->write_5m),
	    num_sat_add(t->write_1h, t->cache_read));
}

int64_t
usage_total(const struct tokens *t)
{
	return num_sat_add(usage_total_input(t), t->output);
}

int
usage_tokens_add(struct tokens *acc, const struct tokens *t)
{
	struct tokens r = *acc;

	if (num_add(&r.input, t->input) || num_add(&r.write_5m, t->write_5m) ||
	    num_add(&r.write_1h, t->write_1h) || num_add(&r.cache_read, t->cache_read) ||
	    num_add(&r.output, t->output))
		return -1;
	*acc = r;
	return 0;
}

int
usage_sums_possible(const struct tokens *t, int64_t compressed, int64_t rows)
{
	const int64_t v[] = { t->input, t->write_5m, t->write_1h, t->cache_read, t->output,
	    compressed };
	int64_t most;
	size_t i;

	if (rows <= 0)
		return 0;
	if (num_mul(rows, USAGE_COUNT_MAX, &most) != 0)
		most = INT64_MAX - 1;   /* INT64_MAX is what SQLite reads back past 64 bits */
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] < 0 || v[i] > most)
			return 0;
	return 1;
}

void
usage_count_error(const char *where, const char *key, int64_t v, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s%s: %lld: not a token count (0..%lld)", where, key, (long long)v,
	    (long long)USAGE_COUNT_MAX);
}

/* Each of the n counts v[i] in 0..USAGE_COUNT_MAX, else -1 naming names[i]. */
static int
counts_check(const char *const *names, const int64_t *v, size_t n, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i] < 0 || v[i] > USAGE_COUNT_MAX) {
			usage_count_error("", names[i], v[i], err, errlen);
			return -1;
		}
	}
	return 0;
}

int
usage_tokens_check(const struct tokens *t, int64_t compressed, char *err, size_t errlen)
{
	static const char *const names[] = { "input_tokens", "cache_write_5m_tokens",
	    "cache_write_1h_tokens", "cache_read_tokens", "output_tokens", "compressed_tokens" };
	const int64_t v[] = { t->input, t->write_5m, t->write_1h, t->cache_read, t->output,
	    compressed };

	return counts_check(names, v, sizeof(v) / sizeof(v[0]), err, errlen);
}

int
usage_tools_check(const struct usage *u, char *err, size_t errlen)
{
	static const char *const names[] = { "web_search_requests", "web_fetch_requests",
	    "code_execution_requests" };
	const int64_t v[] = { u->web_search_requests, u->web_fetch_requests,
	    u->code_execution_requests };

	return counts_check(names, v, sizeof(v) / sizeof(v[0]), err, errlen);
}

int
usage_is_batch(const struct usage *u)
{
	return strcmp(u->source, "batch") == 0 || strcmp(u->service_tier, "batch") == 0 ||
	    strcmp(u->service_tier, "flex") == 0;
}

int
usage_row_check(const struct usage *u, char *err, size_t errlen)
{
	if (usage_tokens_check(&u->tok, u->compressed_tokens, err, errlen) != 0)
		return -1;
	if (u->reasoning_tokens < 0 || u->reasoning_tokens > USAGE_COUNT_MAX) {
		usage_count_error("", "reasoning_tokens", u->reasoning_tokens, err, errlen);
		return -1;
	}
	if (u->reasoning_tokens > u->tok.output) {
		snprintf(err, errlen, "reasoning_tokens: %lld: more than output_tokens (%lld), which"
		    " include them", (long long)u->reasoning_tokens, (long long)u->tok.output);
		return -1;
	}
	return 0;
}

void
usage_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len;

	if (n == 0)
		return;
	if (src == NULL) {
		dst[0] = '\0';
		return;
	}
	len = strlen(src);
	if (len >= n) {
		len = n - 1;
		/* back up over UTF-8 continuation bytes so no character is cut */
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* ---- RFC 3339 ------------------------------------------------------------- */

/* n decimal digits at s into *v; 0 or -1. */
static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

int
usage_parse_time(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, oh, om, frac = 0, scale = 100;
	int64_t t;

	if (s == NULL || strlen(s) < 20)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	if (sec == 60)          /* a leap second: the last ms of the minute */
		sec = 59, frac = 999, scale = 0;
	s += 19;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9')
			return -1;
		for (s++; *s >= '0' && *s <= '9'; s++) {
			frac += (*s - '0') * scale;
			scale /= 10;
		}
	}
	t = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		if (digits(s + 1, 2, &oh) || s[3] != ':' || digits(s + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		t -= (*s == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
		s += 6;
	} else {
		return -1;
	}
	if (*s != '\0')
		return -1;
	*ms = t * 1000 + frac;
	return 0;
}

void
usage_cache_writes(struct tokens *t, int64_t total, int split, int64_t w5, int64_t w1)
{
	if (!split) {
		t->write_5m = total;
		t->write_1h = 0;
	} else {
		t->write_5m = w5 + (total > w5 + w1 ? total - w5 - w1 : 0);
		t->write_1h = w1;
	}
}

/* ---- Messages response ---------------------------------------------------- */

int
usage_json_count(json_t *obj, const char *key, const char *where, int64_t *out,
           char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_real(v)) {
		snprintf(err, errlen, "%s%s: %.15g: not a non-negative integer", where, key,
		    json_real_value(v));
		return -1;
	}
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "%s%s: not a non-negative integer", where, key);
		return -1;
	}
	if (json_integer_value(v) < 0 || json_integer_value(v) > USAGE_COUNT_MAX) {
		usage_count_error(where, key, json_integer_value(v), err, errlen);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

int
usage_json_string(json_t *obj, const char *key, const char *where, char *dst, size_t n,
           char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s%s: not a string", where, key);
		return -1;
	}
	usage_strlcpy(dst, json_string_value(v), n);
	return 0;
}

/* usage.server_tool_use: the server tools' counts (absent or null: none). */
static int
server_tools(json_t *us, struct usage *u, char *err, size_t errlen)
{
	json_t *st = json_object_get(us, "server_tool_use");
	const char *w = "usage.server_tool_use.";

	u->web_search_requests = u->web_fetch_requests = u->code_execution_requests = 0;
	if (st == NULL || json_is_null(st))
		return 0;
	if (!json_is_object(st)) {
		snprintf(err, errlen, "usage.server_tool_use: not an object");
		return -1;
	}
	if (usage_json_count(st, "web_search_requests", w, &u->web_search_requests, err,
	    errlen) ||
	    usage_json_count(st, "web_fetch_requests", w, &u->web_fetch_requests, err, errlen) ||
	    usage_json_count(st, "code_execution_requests", w, &u->code_execution_requests, err,
	    errlen))
		return -1;
	return 0;
}

/* usage.* of a message into u->tok, the tier/speed/geo strings and the
 * server tools' counts. */
static int
tokens_from_usage(json_t *us, struct usage *u, char *err, size_t errlen)
{
	json_t *cc = json_object_get(us, "cache_creation");
	int64_t total, w5 = 0, w1 = 0;
	int split = 0;

	if (usage_json_count(us, "input_tokens", "usage.", &u->tok.input, err, errlen) ||
	    usage_json_count(us, "output_tokens", "usage.", &u->tok.output, err, errlen) ||
	    usage_json_count(us, "cache_read_input_tokens", "usage.", &u->tok.cache_read, err, errlen) ||
	    usage_json_count(us, "cache_creation_input_tokens", "usage.", &total, err, errlen))
		return -1;
	if (cc != NULL && !json_is_null(cc)) {
		if (!json_is_object(cc)) {
			snprintf(err, errlen, "usage.cache_creation: not an object");
			return -1;
		}
		if (usage_json_count(cc, "ephemeral_5m_input_tokens", "usage.cache_creation.", &w5,
		    err, errlen) ||
		    usage_json_count(cc, "ephemeral_1h_input_tokens", "usage.cache_creation.", &w1,
		    err, errlen))
			return -1;
		split = json_object_get(cc, "ephemeral_5m_input_tokens") != NULL ||
		    json_object_get(cc, "ephemeral_1h_input_tokens") != NULL;
	}
	usage_cache_writes(&u->tok, total, split, w5, w1);
	if (usage_json_string(us, "service_tier", "usage.", u->service_tier, sizeof(u->service_tier),
	    err, errlen) ||
	    usage_json_string(us, "speed", "usage.", u->speed, sizeof(u->speed), err, errlen) ||
	    usage_json_string(us, "inference_geo", "usage.", u->inference_geo, sizeof(u->inference_geo),
	    err, errlen))
		return -1;
	return server_tools(us, u, err, errlen);
}

/* As usage_from_message; check_type: refuse a "type" other than "message"
 * (a transcript's inner message is not held to that). */
static int
from_message(json_t *msg, int check_type, struct usage *u, char *err, size_t errlen)
{
	json_t *v, *us;

	if (!json_is_object(msg)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	v = json_object_get(msg, "type");
	if (check_type && v != NULL &&
	    !(json_is_string(v) && strcmp(json_string_value(v), "message") == 0)) {
		snprintf(err, errlen, "type: not \"message\"");
		return -1;
	}
	v = json_object_get(msg, "model");
	if (!json_is_string(v) || json_string_length(v) == 0) {
		snprintf(err, errlen, "model: %s", v == NULL ? "missing" : "not a non-empty string");
		return -1;
	}
	usage_strlcpy(u->model, json_string_value(v), sizeof(u->model));
	u->message_id[0] = u->stop_reason[0] = u->service_tier[0] = '\0';
	u->speed[0] = u->inference_geo[0] = '\0';
	us = json_object_get(msg, "usage");
	if (!json_is_object(us)) {
		snprintf(err, errlen, "usage: %s", us == NULL ? "missing" : "not an object");
		return -1;
	}
	memset(&u->tok, 0, sizeof(u->tok));
	if (usage_json_string(msg, "id", "", u->message_id, sizeof(u->message_id), err, errlen) ||
	    usage_json_string(msg, "stop_reason", "", u->stop_reason, sizeof(u->stop_reason), err,
	    errlen) ||
	    usage_json_string(msg, "service_tier", "", u->service_tier, sizeof(u->service_tier),
	    err, errlen) ||
	    usage_json_string(msg, "speed", "", u->speed, sizeof(u->speed), err, errlen) ||
	    usage_json_string(msg, "inference_geo", "", u->inference_geo, sizeof(u->inference_geo),
	    err, errlen))
		return -1;
	return tokens_from_usage(us, u, err, errlen);
}

int
usage_from_message(struct json_t *msg, struct usage *u, char *err, size_t errlen)
{
	return from_message(msg, 1, u, err, errlen);
}

json_t *
usage_load_line(const char *line, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;

	root = json_loadb(line, len, 0, &je);
	if (root == NULL) {
		snprintf(err, errlen, "invalid JSON at column %d: %s", je.column, je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(err, errlen, "not a JSON object");
		return NULL;
	}
	return root;
}

int
usage_parse_message_line(const char *line, size_t len, struct usage *u, char *err,
                         size_t errlen)
{
	json_t *root;
	int rc;

	memset(u, 0, sizeof(*u));
	if ((root = usage_load_line(line, len, err, errlen)) == NULL)
		return -1;
	rc = usage_from_message(root, u, err, errlen);
	json_decref(root);
	return rc;
}

/* ---- batch results -------------------------------------------------------- */

/* "invalid_request_error: message" of an errored result (best effort). */
static void
result_error(json_t *res, char *dst, size_t n)
{
	json_t *e = json_object_get(res, "error"), *inner;
	const char *type, *msg;

	inner = json_object_get(e, "error");       /* {"type":"error","error":{…}} */
	if (json_is_object(inner))
		e = inner;
	type = json_string_value(json_object_get(e, "type"));
	msg = json_string_value(json_object_get(e, "message"));
	snprintf(dst, n, "%s%s%s", type != NULL ? type : "error", msg != NULL ? ": " : "",
	    msg != NULL ? msg : "");
}

int
usage_parse_result_line(const char *line, size_t len, struct usage_result *r, char *err,
                        size_t errlen)
{
	json_t *root;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((root = usage_load_line(line, len, err, errlen)) == NULL)
		return -1;
	rc = usage_result_from_obj(root, r, err, errlen);
	json_decref(root);
	return rc;
}

int
usage_result_begin(json_t *root, struct usage_result *r, char *err, size_t errlen)
{
	json_t *v;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(root)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	v = json_object_get(root, "custom_id");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= sizeof(r->custom_id)) {
		snprintf(err, errlen, "custom_id: %s", v == NULL ? "missing" : "not a valid id");
		return -1;
	}
	usage_strlcpy(r->custom_id, json_string_value(v), sizeof(r->custom_id));
	return 0;
}

int
usage_json_request_count(json_t *counts, const char *key, int64_t *out, char *err,
                         size_t errlen)
{
	json_t *v = json_object_get(counts, key);

	*out = 0;
	if (!json_is_integer(v))
		return 0;
	if (json_integer_value(v) < 0 || json_integer_value(v) > USAGE_COUNT_MAX) {
		snprintf(err, errlen, "batch: request_counts.%s: %lld: not a count (0..%lld)", key,
		    (long long)json_integer_value(v), (long long)USAGE_COUNT_MAX);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

int
usage_result_from_obj(json_t *root, struct usage_result *r, char *err, size_t errlen)
{
	static const char *const types[] = { "succeeded", "errored", "canceled", "expired", NULL };
	json_t *res;
	const char *type;
	int i;

	if (usage_result_begin(root, r, err, errlen) != 0)
		return -1;
	res = json_object_get(root, "result");
	if (!json_is_object(res)) {
		snprintf(err, errlen, "result: %s", res == NULL ? "missing" : "not an object");
		return -1;
	}
	type = json_string_value(json_object_get(res, "type"));
	for (i = 0; type != NULL && types[i] != NULL; i++)
		if (strcmp(type, types[i]) == 0)
			break;
	if (type == NULL || types[i] == NULL) {
		snprintf(err, errlen, "result.type: not succeeded/errored/canceled/expired");
		return -1;
	}
	usage_strlcpy(r->type, type, sizeof(r->type));
	if (i == 1)
		result_error(res, r->error, sizeof(r->error));
	if (i == 0) {
		char why[256];

		if (!json_is_object(json_object_get(res, "message"))) {
			snprintf(err, errlen, "result.message: missing or not an object");
			return -1;
		}
		if (usage_from_message(json_object_get(res, "message"), &r->u, why,
		    sizeof(why)) != 0) {
			snprintf(err, errlen, "result.message.%s", why);
			return -1;
		}
		usage_strlcpy(r->u.source, "batch", sizeof(r->u.source));
		usage_strlcpy(r->u.custom_id, r->custom_id, sizeof(r->u.custom_id));
	}
	return 0;
}

/* ---- Claude Code transcripts ---------------------------------------------- */

/*
 * Each "usage" in the line, found by its 'g' (memchr runs several times
 * faster than memmem over transcript text, and 'g' is rarer than '"'),
 * then checked for a colon and a brace after it.
 */
int
usage_line_has_usage(const char *line, size_t len)
{
	const char *p = line + 4, *end = line + len, *g, *q;

	if (len < 7)
		return 0;
	while (p < end && (g = memchr(p, 'g', (size_t)(end - p))) != NULL) {
		p = g + 1;
		if (end - g < 3 || memcmp(g - 4, "\"usag", 5) != 0 || g[1] != 'e' || g[2] != '"')
			continue;
		for (q = g + 3; q < end && (*q == ' ' || *q == '\t'); q++)
			;
		if (q < end && *q == ':') {
			for (q++; q < end && (*q == ' ' || *q == '\t'); q++)
				;
			if (q < end && *q == '{')
				return 1;
		}
	}
	return 0;
}

/* The transcript fields around message: time, ids, sidechain. */
static enum usage_line
transcript_meta(json_t *root, struct usage *u, char *err, size_t errlen)
{
	json_t *v = json_object_get(root, "timestamp");

	if (!json_is_string(v)) {
		snprintf(err, errlen, "timestamp: %s", v == NULL ? "missing" : "not a string");
		return USAGE_LINE_MALFORMED;
	}
	if (usage_parse_time(json_string_value(v), &u->ts_ms) != 0) {
		snprintf(err, errlen, "timestamp: not an RFC 3339 time: \"%.40s\"",
		    json_string_value(v));
		return USAGE_LINE_MALFORMED;
	}
	if (usage_json_string(root, "requestId", "", u->request_id, sizeof(u->request_id), err, errlen))
		return USAGE_LINE_MALFORMED;
	u->sidechain = json_is_true(json_object_get(root, "isSidechain"));
	if (usage_json_string(root, "cwd", "", u->cwd, sizeof(u->cwd), err, errlen) ||
	    usage_json_string(root, "gitBranch", "", u->git_branch, sizeof(u->git_branch), err,
	    errlen))
		return USAGE_LINE_MALFORMED;
	usage_strlcpy(u->source, "import", sizeof(u->source));
	return USAGE_LINE_ROW;
}

enum usage_line
usage_from_transcript(json_t *root, struct usage *u, char *err, size_t errlen)
{
	json_t *msg, *model;
	char why[256];

	memset(u, 0, sizeof(*u));
	msg = json_object_get(root, "message");
	if (!json_is_object(msg) || !json_is_object(json_object_get(msg, "usage")))
		return USAGE_LINE_SKIP;    /* "usage":{ somewhere else: not ours */
	if (json_is_true(json_object_get(root, "isApiErrorMessage")))
		return USAGE_LINE_SKIP;
	model = json_object_get(msg, "model");
	if (json_is_string(model) && strcmp(json_string_value(model), "<synthetic>") == 0)
		return USAGE_LINE_SKIP;
	if (from_message(msg, 0, u, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "message.%s", why);
		return USAGE_LINE_MALFORMED;
	}
	return transcript_meta(root, u, err, errlen);
}

enum usage_line
usage_parse_transcript_line(const char *line, size_t len, struct usage *u, char *err,
                            size_t errlen)
{
	json_t *root;
	enum usage_line rc;

	memset(u, 0, sizeof(*u));
	if (!usage_line_has_usage(line, len))
		return USAGE_LINE_SKIP;
	if ((root = usage_load_line(line, len, err, errlen)) == NULL)
		return USAGE_LINE_MALFORMED;
	rc = usage_from_transcript(root, u, err, errlen);
	json_decref(root);
	return rc;
}
