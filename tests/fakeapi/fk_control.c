/* fk_control.c — the /_fake control endpoints (faults, clock, stats, reset) and the
 * request statistics they report. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fk.h"

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

/* Counts the request and keeps its headers (keys masked) and body. Takes the lock. */
void
control_record(const struct fk_req *q)
{
	json_t	*s, *reqs, *h = json_object(), *body = NULL;
	char	 key[300];

	snprintf(key, sizeof key, "%s %s", q->method, q->path);
	MHD_get_connection_values(q->conn, MHD_HEADER_KIND, copy_header, h);
	if (q->len <= (1 << 20))
		body = json_loadb(q->body, q->len, 0, NULL);
	pthread_mutex_lock(&fk.lock);
	s = stats_get();
	reqs = json_object_get(s, "requests");
	json_object_set_new(reqs, key, json_integer(
	    json_integer_value(json_object_get(reqs, key)) + 1));
	json_object_set_new(s, "total", json_integer(
	    json_integer_value(json_object_get(s, "total")) + 1));
	json_object_set_new(s, "last_headers", h);
	json_object_set_new(s, "last_body", body ? body : json_null());
	pthread_mutex_unlock(&fk.lock);
}

static void
set_faults(const struct fk_req *q, struct fk_reply *r, json_t *body)
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
set_clock(const struct fk_req *q, struct fk_reply *r, json_t *body)
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

/* Whether the peer is 127.0.0.0/8 (the double binds IPv4 only). */
static int
loopback(const struct fk_req *q)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr_in *sin;

	ci = MHD_get_connection_info(q->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL || ci->client_addr->sa_family != AF_INET)
		return 0;
	sin = (const struct sockaddr_in *)(const void *)ci->client_addr;
	return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
}

/* The stats object plus the pending fault count and the virtual clock. */
static void
get_stats(struct fk_reply *r)
{
	json_t	*s;
	size_t	 i, pending = 0;

	pthread_mutex_lock(&fk.lock);
	s = json_deep_copy(stats_get());
	for (i = 0; i < fk.nfaults; i++)
		pending += fk.faults[i].count > 0;
	json_object_set_new(s, "faults_pending", json_integer((json_int_t)pending));
	json_object_set_new(s, "virtual_seconds", json_real(fk_now()));
	pthread_mutex_unlock(&fk.lock);
	fk_reply_json(r, 200, s);
}

/* The /_fake control endpoints: faults, clock, stats, reset. No key needed. */
void
control_route(const struct fk_req *q, struct fk_reply *r)
{
	json_t	*body = q->len ? json_loadb(q->body, q->len, 0, NULL) : json_object();

	if (!loopback(q))
		fk_reply_error(r, q, 403, NULL, "control endpoints answer loopback peers only");
	else if (body == NULL)
		fk_reply_error(r, q, 400, NULL, "body is not JSON");
	else if (strcmp(q->path, "/_fake/faults") == 0 && strcmp(q->method, "POST") == 0)
		set_faults(q, r, body);
	else if (strcmp(q->path, "/_fake/clock") == 0)
		set_clock(q, r, body);
	else if (strcmp(q->path, "/_fake/stats") == 0)
		get_stats(r);
	else if (strcmp(q->path, "/_fake/reset") == 0 && strcmp(q->method, "POST") == 0) {
		pthread_mutex_lock(&fk.lock);
		free(fk.faults);
		fk.faults = NULL;
		fk.nfaults = 0;
		json_decref(fk.stats);
		fk.stats = NULL;
		cache_reset();
		batch_reset();
		admin_reset();
		oa_reset();
		pthread_mutex_unlock(&fk.lock);
		fk_reply_json(r, 200, json_pack("{s:b}", "reset", 1));
	} else if (strcmp(q->path, "/_fake/org") == 0)
		admin_control(q, r, body);
	else if (strcmp(q->path, "/_fake/openai/org") == 0)
		oa_org_control(q, r, body);
	else
		fk_reply_error(r, q, 404, NULL, "no control endpoint %s %s", q->method, q->path);
	json_decref(body);
}
