/* fk_faults.c — fault injection: parsing FAULT entries, matching requests, error replies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	if (json_is_string(v) && strcmp(json_string_value(v), "true") == 0)
		return 1;
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
	f->after_commit = int_field(obj, "after_commit", 0);
	if (f->status == 0 && f->delay_ms == 0 && !f->drop && !f->truncate && !f->malformed &&
	    !f->cut_results && !f->stream_error) {
		snprintf(err, errlen, "fault for %s has no action (status, delay_ms, drop, "
		    "truncate, malformed, cut_results, stream_error)", f->path);
		return -1;
	}
	if (f->after_commit && f->status == 0 && !f->drop && f->delay_ms == 0) {
		snprintf(err, errlen, "after_commit for %s needs status, drop or delay_ms", f->path);
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
	int	 results = (n > 8 && strcmp(path + n - 8, "/results") == 0) ||
	    (n > 8 && strcmp(path + n - 8, "/content") == 0);	/* OpenAI file content */
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

	if (q->openai)
		oa_fault_error(q, r);		/* the OpenAI body */
	else
		fk_reply_error(r, q, f->status, type, "%s (injected fault)",
		    f->status == 529 ? "Overloaded" : f->status == 429 ? "Rate limited" :
		    f->status >= 500 ? "Internal server error" : "Error");
	if (!q->openai && f->status == 429)	/* as the real 429: the limits, one used up */
		fk_ratelimit_headers_ex(r, 0, 0, 1);
	if (f->retry_after[0])
		fk_reply_header(r, "retry-after", f->retry_after);
	if (f->retry_after_ms[0])
		fk_reply_header(r, "retry-after-ms", f->retry_after_ms);
	if (f->should_retry[0])
		fk_reply_header(r, "x-should-retry", f->should_retry);
}
