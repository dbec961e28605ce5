/* fk_faults.c — fault injection, request statistics and the /_fake control endpoints. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

/* Copies a string-or-number field into buf. */
static void
str_field(json_t *obj, const char *name, char *buf, size_t len)
{
	json_t	*v = json_object_get(obj, name);

	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
}

static int
int_field(json_t *obj, const char *name, int def)
{
	json_t	*v = json_object_get(obj, name);

	if (json_is_integer(v))
		return (int)json_integer_value(v);
	if (json_is_string(v))
		return atoi(json_string_value(v));
	if (json_is_boolean(v))
		return json_is_true(v);
	return def;
}

/* Reads one FAULT object; -1 with err when it has no path or no action. */
int
fault_parse(json_t *obj, struct fk_fault *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	if (!json_is_object(obj) || !json_is_string(json_object_get(obj, "path"))) {
		snprintf(err, errlen, "a fault needs a \"path\"");
		return -1;
	}
	str_field(obj, "path", f->path, sizeof f->path);
	str_field(obj, "method", f->method, sizeof f->method);
	str_field(obj, "retry_after", f->retry_after, sizeof f->retry_after);
	str_field(obj, "retry_after_ms", f->retry_after_ms, sizeof f->retry_after_ms);
	str_field(obj, "should_retry", f->should_retry, sizeof f->should_retry);
	str_field(obj, "error_type", f->error_type, sizeof f->error_type);
	f->count = int_field(obj, "count", 1);
	f->status = int_field(obj, "status", 0);
	f->delay_ms = int_field(obj, "delay_ms", 0);
	f->drop = int_field(obj, "drop", 0);
	f->truncate = int_field(obj, "truncate", 0);
	f->malformed = int_field(obj, "malformed", 0);
	f->cut_results = int_field(obj, "cut_results", 0);
	f->stream_error = int_field(obj, "stream_error", 0);
	if (f->status == 0 && f->delay_ms == 0 && !f->drop && !f->truncate && !f->malformed &&
	    !f->cut_results && !f->stream_error) {
		snprintf(err, errlen, "fault for %s has no action (status, delay_ms, drop, "
		    "truncate, malformed, cut_results, stream_error)", f->path);
		return -1;
	}
	if (f->status != 0 && (f->status < 100 || f->status > 599)) {
		snprintf(err, errlen, "fault status out of range: %d", f->status);
		return -1;
	}
	return 0;
}

/* --fault "path=/v1/messages,status=429,retry_after=2,count=2"; a bare word means true. */
int
fault_parse_spec(const char *spec, struct fk_fault *f, char *err, size_t errlen)
{
	json_t	*obj = json_object();
	char	*s = strdup(spec), *tok, *save = NULL, *eq, *end;
	long	 n;
	int	 rc;

	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(tok, '=')) == NULL) {
			json_object_set_new(obj, tok, json_true());
			continue;
		}
		*eq++ = '\0';
		n = strtol(eq, &end, 10);
		if (*eq != '\0' && *end == '\0' && strcmp(tok, "retry_after") != 0 &&
		    strcmp(tok, "retry_after_ms") != 0)
			json_object_set_new(obj, tok, json_integer(n));
		else
			json_object_set_new(obj, tok, json_string(eq));
	}
	rc = fault_parse(obj, f, err, errlen);
	json_decref(obj);
	free(s);
	return rc;
}

/* Appends a fault. Caller holds the lock (or is single-threaded at start). */
int
fault_add(const struct fk_fault *f)
{
	struct fk_fault *nf = realloc(fk.faults, (fk.nfaults + 1) * sizeof *nf);

	if (nf == NULL)
		return -1;
	fk.faults = nf;
	fk.faults[fk.nfaults++] = *f;
	return 0;
}

/*
 * Uses up the first live fault matching method and path (a prefix), copying
 * it to out; 1 when one matched. cut_results faults match results downloads only.
 * Caller holds the lock.
 */
int
fault_take(const char *method, const char *path, struct fk_fault *out)
{
	size_t	 i, n = strlen(path);
	int	 results = n > 8 && strcmp(path + n - 8, "/results") == 0;
	struct fk_fault *f;

	for (i = 0; i < fk.nfaults; i++) {
		f = &fk.faults[i];
		if (f->count <= 0 || strncmp(path, f->path, strlen(f->path)) != 0)
			continue;
		if (f->method[0] && strcasecmp(f->method, method) != 0)
			continue;
		if (f->cut_results && !results)
			continue;
		*out = *f;
		f->count--;
		return 1;
	}
	return 0;
}

/* The error response of a status fault, with its retry headers. */
void
fault_error_reply(const struct fk_req *q, struct fk_reply *r)
{
	const struct fk_fault *f = &q->fault;
	const char *type = f->error_type[0] ? f->error_type : fk_error_type(f->status);

	fk_reply_error(r, q, f->status, type, "%s (injected fault)",
	    f->status == 529 ? "Overloaded" : f->status == 429 ? "Rate limited" :
	    f->status >= 500 ? "Internal server error" : "Error");
	if (f->retry_after[0])
		fk_reply_header(r, "retry-after", f->retry_after);
	if (f->retry_after_ms[0])
		fk_reply_header(r, "retry-after-ms", f->retry_after_ms);
	if (f->should_retry[0])
		fk_reply_header(r, "x-should-retry", f->should_retry);
}

static json_t *
stats_get(void)
{
	if (fk.stats == NULL)
		fk.stats = json_pack("{s:{}, s:i, s:{}, s:n}", "requests", "total", 0,
		    "last_headers", "last_body");
	return fk.stats;
}

static enum MHD_Result
copy_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	char	 name[128], masked[48];
	size_t	 i;

	for (i = 0; key[i] && i + 1 < sizeof name; i++)
		name[i] = (char)tolower((unsigned char)key[i]);
	name[i] = '\0';
	if (strcmp(name, "x-api-key") == 0 || strcmp(name, "authorization") == 0) {
		i = strncasecmp(value, "Bearer ", 7) == 0 ? 7 : 0;
		snprintf(masked, sizeof masked, "%.*s%.6s…", (int)i, value, value + i);
		value = masked;
	}
	json_object_set_new(cls, name, json_string(value ? value : ""));
	return MHD_YES;
}

/* Counts the request and keeps its headers (keys masked) and body. Lock held. */
void
stats_record(const struct fk_req *q)
{
	json_t	*s = stats_get(), *reqs = json_object_get(s, "requests"), *h = json_object();
	json_t	*body;
	char	 key[300];

	snprintf(key, sizeof key, "%s %s", q->method, q->path);
	json_object_set_new(reqs, key, json_integer(
	    json_integer_value(json_object_get(reqs, key)) + 1));
	json_object_set_new(s, "total", json_integer(
	    json_integer_value(json_object_get(s, "total")) + 1));
	MHD_get_connection_values(q->conn, MHD_HEADER_KIND, copy_header, h);
	json_object_set_new(s, "last_headers", h);
	body = q->len <= (1 << 20) ? json_loadb(q->body, q->len, 0, NULL) : NULL;
	json_object_set_new(s, "last_body", body ? body : json_null());
}

static void
fake_faults(const struct fk_req *q, struct fk_reply *r, json_t *body)
{
	json_t	*list = json_object_get(body, "faults");
	struct fk_fault *f;
	char	 err[300];
	size_t	 i, n = json_array_size(list);

	if (!json_is_array(list) || (f = calloc(n + 1, sizeof *f)) == NULL) {
		fk_reply_error(r, q, 400, NULL, "body must be {\"faults\":[…]}");
		return;
	}
	for (i = 0; i < n; i++)
		if (fault_parse(json_array_get(list, i), &f[i], err, sizeof err) == -1) {
			fk_reply_error(r, q, 400, NULL, "faults.%zu: %s", i, err);
			free(f);
			return;
		}
	pthread_mutex_lock(&fk.lock);
	for (i = 0; i < n; i++)
		fault_add(&f[i]);
	pthread_mutex_unlock(&fk.lock);
	free(f);
	fk_reply_json(r, 200, json_pack("{s:I}", "added", (json_int_t)n));
}

static void
fake_clock(const struct fk_req *q, struct fk_reply *r, json_t *body)
{
	json_t	*adv = json_object_get(body, "advance_seconds");
	char	 now[48];
	double	 t;

	if (adv != NULL && (!json_is_number(adv) || json_number_value(adv) < 0)) {
		fk_reply_error(r, q, 400, NULL, "advance_seconds: a number >= 0");
		return;
	}
	pthread_mutex_lock(&fk.lock);
	fk.clock_offset += adv ? json_number_value(adv) : 0;
	t = fk_now();
	fk_time_str(t, now, sizeof now);
	pthread_mutex_unlock(&fk.lock);
	fk_reply_json(r, 200, json_pack("{s:f, s:s}", "virtual_seconds", t, "now", now));
}

/* The /_fake control endpoints: faults, clock, stats, reset. No key needed. */
void
fake_route(const struct fk_req *q, struct fk_reply *r)
{
	json_t	*body = q->len ? json_loadb(q->body, q->len, 0, NULL) : json_object();

	if (body == NULL)
		fk_reply_error(r, q, 400, NULL, "body is not JSON");
	else if (strcmp(q->path, "/_fake/faults") == 0 && strcmp(q->method, "POST") == 0)
		fake_faults(q, r, body);
	else if (strcmp(q->path, "/_fake/clock") == 0)
		fake_clock(q, r, body);
	else if (strcmp(q->path, "/_fake/stats") == 0) {
		pthread_mutex_lock(&fk.lock);
		fk_reply_json(r, 200, json_deep_copy(stats_get()));
		pthread_mutex_unlock(&fk.lock);
	} else if (strcmp(q->path, "/_fake/reset") == 0 && strcmp(q->method, "POST") == 0) {
		pthread_mutex_lock(&fk.lock);
		free(fk.faults);
		fk.faults = NULL;
		fk.nfaults = 0;
		json_decref(fk.stats);
		fk.stats = NULL;
		cache_reset();
		batch_reset();
		pthread_mutex_unlock(&fk.lock);
		fk_reply_json(r, 200, json_pack("{s:b}", "reset", 1));
	} else
		fk_reply_error(r, q, 404, NULL, "no control endpoint %s %s", q->method, q->path);
	json_decref(body);
}
