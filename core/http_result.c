/* http_result.c — the response as a value: built from an attempt's bytes
 * and header lines, read by header name, freed; the API's error body turned
 * into an http_error, and the key scrubbed from error text. No libcurl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/config.h"
#include "core/http_int.h"

void
http_result_done(struct http_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->body);
	for (i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

static const char *
header_find(char *const *h, size_t n, const char *name)
{
	size_t i, nl = strlen(name);
	const char *v;

	for (i = n; i-- > 0;) {
		if (strncasecmp(h[i], name, nl) != 0 || h[i][nl] != ':')
			continue;
		v = h[i] + nl + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		return v;
	}
	return NULL;
}

const char *
http_result_header(const struct http_result *r, const char *name)
{
	return r == NULL ? NULL : header_find(r->headers, r->nheaders, name);
}

/* ---- the response being received ---------------------------------------- */

void
http_resp_reset(struct http_resp *p)
{
	size_t i;

	free(p->buf);
	for (i = 0; i < p->nheaders; i++)
		free(p->headers[i]);
	free(p->headers);
	memset(p, 0, sizeof(*p));
}

int
http_resp_append(struct http_resp *p, const char *data, size_t n)
{
	char *nb;
	size_t ncap;

	if (p->len + n + 1 > p->cap) {
		ncap = p->cap ? p->cap : 4096;
		while (ncap < p->len + n + 1)
			ncap *= 2;
		if ((nb = realloc(p->buf, ncap)) == NULL)
			return -1;
		p->buf = nb;
		p->cap = ncap;
	}
	memcpy(p->buf + p->len, data, n);
	p->len += n;
	p->buf[p->len] = '\0';
	return 0;
}

int
http_resp_add_header(struct http_resp *p, const char *line, size_t n)
{
	char **nh, *copy;

	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (n == 0 || memchr(line, ':', n) == NULL)
		return 0;
	if ((copy = strndup(line, n)) == NULL ||
	    (nh = realloc(p->headers, (p->nheaders + 1) * sizeof(*nh))) == NULL) {
		free(copy);
		return -1;
	}
	p->headers = nh;
	p->headers[p->nheaders++] = copy;
	return 0;
}

const char *
http_resp_header(const struct http_resp *p, const char *name)
{
	return header_find(p->headers, p->nheaders, name);
}

void
http_resp_take(struct http_resp *p, long status, const char *rid_header,
               struct http_result *res)
{
	const char *rid;

	memset(res, 0, sizeof(*res));
	res->status = status;
	res->body = p->buf;
	res->body_len = p->len;
	res->headers = p->headers;
	res->nheaders = p->nheaders;
	memset(p, 0, sizeof(*p));
	rid = http_result_header(res, rid_header);
	if (rid != NULL)
		snprintf(res->request_id, sizeof(res->request_id), "%s", rid);
	snprintf(res->error.request_id, sizeof(res->error.request_id), "%s", res->request_id);
	res->error.status = status;
}

/* ---- errors ------------------------------------------------------------- */

void
http_error_set(struct http_error *e, long status, const char *type, const char *fmt,
               const char *arg)
{
	if (e == NULL)
		return;
	memset(e, 0, sizeof(*e));
	e->status = status;
	snprintf(e->type, sizeof(e->type), "%s", type);
	snprintf(e->message, sizeof(e->message), fmt, arg != NULL ? arg : "");
}

void
http_error_from_body(const char *body, size_t len, struct http_error *e)
{
	json_t *root, *eo;
	const char *t, *msg, *rid, *code;

	if (body == NULL || len == 0)
		return;
	root = json_loadb(body, len, 0, NULL);
	if (root == NULL)
		return;
	eo = json_object_get(root, "error");
	t = json_string_value(json_object_get(eo, "type"));
	msg = json_string_value(json_object_get(eo, "message"));
	rid = json_string_value(json_object_get(root, "request_id"));
	code = json_string_value(json_object_get(eo, "code"));
	if (code != NULL)
		snprintf(e->code, sizeof(e->code), "%s", code);
	if (t != NULL)
		snprintf(e->type, sizeof(e->type), "%s", t);
	if (msg != NULL)
		snprintf(e->message, sizeof(e->message), "%s", msg);
	if (rid != NULL && e->request_id[0] == '\0')
		snprintf(e->request_id, sizeof(e->request_id), "%s", rid);
	json_decref(root);
}

void
http_scrub_key(const char *key, char *s, size_t n)
{
	char masked[64], *p, tmp[1024];
	size_t kl = strlen(key);

	if (kl < 4)
		return;
	config_mask_key(key, masked, sizeof(masked));
	while ((p = strstr(s, key)) != NULL) {
		*p = '\0';
		snprintf(tmp, sizeof(tmp), "%s%s%s", s, masked, p + kl);
		snprintf(s, n, "%s", tmp);
	}
}
