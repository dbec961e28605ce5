/* proxy_outcome.c — how a forwarded request ended, for its owner's
 * response hook (metrics and rate-limit headroom): the times from its
 * forwarding to the upstream's head and to its end, the status the client
 * got, the request's model and API key fingerprint (never the key), and the
 * answer's rate-limit headers. */
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "core/proxy.h"
#include "core/proxy_int.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
xfer_header(void *arg, const char *name)
{
	return px_xfer_header(arg, name);
}

/* The model of a request without usage (an error): its body's "model". */
static void
request_model(struct px_req *r)
{
	json_t *j, *m;

	if (r->model[0] != '\0' || r->kind != PX_CALL || r->body == NULL || r->len == 0)
		return;
	if ((j = json_loadb(r->body, r->len, 0, NULL)) == NULL)
		return;
	if (json_is_string(m = json_object_get(j, "model")))
		ratelimit_model_key(json_string_value(m), r->model, sizeof(r->model));
	json_decref(j);
}

void
px_outcome_start(struct MHD_Connection *c, struct px_req *r)
{
	const char *k = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-api-key");
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

	r->t0_us = px_mono_us();
	r->first_us = -1;
	if (k == NULL && a != NULL && strncasecmp(a, "Bearer ", 7) == 0)
		for (k = a + 7; *k == ' '; k++)
			;
	keyfp_make(k, r->keyfp, sizeof(r->keyfp));
}

void
px_outcome_head(struct px_req *r)
{
	if (r->first_us < 0)
		r->first_us = px_mono_us() - r->t0_us;
}

void
px_outcome(struct px_req *r, long status, int upstream)
{
	struct proxy_response pr;

	if (r->p->h.response == NULL)
		return;
	memset(&pr, 0, sizeof(pr));
	request_model(r);
	pr.provider = r->pv->name;
	pr.model = r->model;
	pr.keyfp = r->keyfp;
	pr.status = status;
	pr.upstream = upstream;
	pr.duration_us = r->t0_us > 0 ? px_mono_us() - r->t0_us : 0;
	pr.first_byte_us = r->first_us;
	pr.ts_ms = now_ms();
	if (upstream && r->x != NULL)
		pr.has_ratelimit = ratelimit_parse(xfer_header, r->x, pr.ts_ms, &pr.rl) > 0;
	r->p->h.response(r->p->h.arg, &pr);
}
