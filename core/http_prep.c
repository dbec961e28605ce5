/* http_prep.c — a request as a value, before any transfer: checked (its URL
 * joined to its provider's base and allowed, its key, its idempotency key),
 * copied so the caller's strings may go, and the header lines it carries.
 * No libcurl: http.c turns it into transfers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_int.h"

/* Copy an upload's file path, name and form fields into p. */
static int
upload_copy(struct http_prep *p, const struct http_request *rq)
{
	size_t n = 0, i;

	while (rq->form != NULL && rq->form[n] != NULL)
		n++;
	if ((p->upload_path = strdup(rq->upload_path)) == NULL ||
	    (p->upload_name = strdup(rq->upload_name != NULL ? rq->upload_name :
	    "upload.jsonl")) == NULL || (p->form = calloc(n + 1, sizeof(*p->form))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if ((p->form[i] = strdup(rq->form[i])) == NULL)
			return -1;
	return 0;
}

int
http_prep_init(struct http_prep *p, const struct http_targets *ts,
               const struct http_request *rq, struct http_error *err)
{
	char url[2048], why[512];
	const char *method = rq->method;
	const struct http_target *t;

	memset(p, 0, sizeof(*p));
	t = http_target_of(ts, rq->pv);
	if (rq->url == NULL || (rq->url[0] == '/' &&
	    snprintf(url, sizeof(url), "%s%s", t->base_url, rq->url) >= (int)sizeof(url))) {
		http_error_set(err, 0, "config_error", "bad request URL%s", "");
		return -1;
	}
	if (rq->url[0] != '/')
		snprintf(url, sizeof(url), "%s", rq->url);
	if (http_url_allowed(url, why, sizeof(why)) != 0) {
		http_error_set(err, 0, "insecure_url", "%s", why);
		return -1;
	}
	if (!rq->no_auth && t->api_key[0] == '\0') {
		http_error_set(err, 0, "config_error", "no API key: set %s", t->key_env);
		return -1;
	}
	if (rq->idempotency_key != NULL && (rq->idempotency_key[0] == '\0' ||
	    strlen(rq->idempotency_key) >= sizeof(p->idem) ||
	    strspn(rq->idempotency_key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.:") != strlen(rq->idempotency_key))) {
		http_error_set(err, 0, "config_error", "bad idempotency key%s", "");
		return -1;
	}
	if (method == NULL)
		method = rq->body != NULL ? "POST" : "GET";
	if ((p->url = strdup(url)) == NULL)
		goto oom;
	if (rq->idempotency_key != NULL)
		snprintf(p->idem, sizeof(p->idem), "%s", rq->idempotency_key);
	p->t = t;
	snprintf(p->method, sizeof(p->method), "%s", method);
	snprintf(p->accept, sizeof(p->accept), "%s", rq->accept ? rq->accept : "application/json");
	if (rq->body != NULL) {
		if ((p->body = malloc(rq->body_len + 1)) == NULL)
			goto oom;
		memcpy(p->body, rq->body, rq->body_len);
		p->body[rq->body_len] = '\0';
		p->body_len = rq->body_len;
	}
	if (rq->upload_path != NULL && upload_copy(p, rq) != 0)
		goto oom;
	p->no_auth = rq->no_auth;
	p->once = rq->no_retry;
	return 0;
oom:
	http_prep_done(p);
	http_error_set(err, 0, "connection_error", "out of memory%s", "");
	return -1;
}

void
http_prep_done(struct http_prep *p)
{
	if (p == NULL)
		return;
	free(p->url);
	free(p->body);
	free(p->upload_path);
	free(p->upload_name);
	for (size_t i = 0; p->form != NULL && p->form[i] != NULL; i++)
		free(p->form[i]);
	free(p->form);
	memset(p, 0, sizeof(*p));
}

static int
add_line(int (*add)(void *arg, const char *line), void *arg, const char *fmt, const char *v)
{
	char line[512];

	snprintf(line, sizeof(line), fmt, v);
	return add(arg, line);
}

int
http_prep_headers(const struct http_prep *p, const char *api_version,
                  int (*add)(void *arg, const char *line), void *arg)
{
	int rc = 0;
	char vh[96];

	if (!p->no_auth) {
		if (p->t->bearer)
			rc |= add_line(add, arg, "Authorization: Bearer %s", p->t->api_key);
		else
			rc |= add_line(add, arg, "x-api-key: %s", p->t->api_key);
	}
	if (p->t->version_header != NULL) {
		snprintf(vh, sizeof(vh), "%s: %%s", p->t->version_header);
		rc |= add_line(add, arg, vh, api_version);
	}
	rc |= add_line(add, arg, "accept: %s", p->accept);
	if (p->idem[0] != '\0')
		rc |= add_line(add, arg, "Idempotency-Key: %s", p->idem);
	if (p->body != NULL)
		rc |= add_line(add, arg, "content-type: %s", "application/json");
	rc |= add_line(add, arg, "Expect:%s", "");
	return rc;
}
