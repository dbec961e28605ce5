/* http.c — libcurl easy + multi on one thread: requests, retries as timers
 * in the loop, errors as values. The only file of the client that includes
 * libcurl; its pure policy is in http_policy.c, the request as a value
 * (checks, copies, header lines) in http_prep.c, the response as a value in
 * http_result.c, the blocking calls in http_sync.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/http_int.h"
#include "core/netlib.h"
#include "core/provider.h"

#define USER_AGENT "tokentop/0.1"

struct http_multi {
	CURLM           *multi;
	struct http_req *reqs;           /* every pending request */
	int              npending;
	struct http_targets targets;     /* each provider's: http_target.c */
	char             api_version[32];
	int              max_retries;
	long             timeout_ms;
	long             connect_timeout_ms;
	double         (*rnd)(void);
	http_observe_fn  observe;
	void            *observe_arg;
};

struct http_req {
	struct http_multi *m;
	struct http_req   *prev, *next;
	CURL              *easy;         /* NULL while waiting for a retry */
	struct curl_slist *hdrs;
	struct http_prep   q;            /* the request: http_prep.c */
	curl_mime         *mime;         /* the current attempt's multipart body */
	int                max_retries;
	http_sink_fn       sink;
	http_done_fn       done;
	void              *arg;
	int                attempts;     /* attempts started */
	int64_t            due_ms;       /* retry timer, monotonic; 0 = none */
	/* the current attempt */
	struct http_resp   resp;
	int                sink_used;
	int                aborted;
	char               errbuf[CURL_ERROR_SIZE];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
default_rnd(void)
{
	return (double)rand() / ((double)RAND_MAX + 1.0);
}

/* ---- URL rules (the loopback host rule is in http_policy.c) -------------- */

int
http_url_allowed(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (url == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "not a valid URL: %s", url != NULL ? url : "(null)");
		goto out;
	}
	if (strcasecmp(scheme, "https") == 0) {
		rc = 0;
	} else if (strcasecmp(scheme, "http") == 0) {
		if (http_host_is_loopback(host))
			rc = 0;
		else
			snprintf(err, errlen, "refusing plain http to %s: only https, or http to a "
			         "loopback address (127.0.0.1, ::1, localhost)", host);
	} else {
		snprintf(err, errlen, "unsupported URL scheme %s: only https (or http to loopback)",
		         scheme);
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* ---- one attempt ---------------------------------------------------------- */

static void
attempt_reset(struct http_req *r)
{
	http_resp_reset(&r->resp);
	r->errbuf[0] = '\0';
}

static size_t
on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct http_req *r = ud;
	size_t n = size * nmemb;
	long code = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (r->sink != NULL && code >= 200 && code < 300) {
		r->sink_used = 1;
		if (r->sink(r->arg, p, n) != 0) {
			r->aborted = 1;
			return 0;
		}
		return n;
	}
	return http_resp_append(&r->resp, p, n) == 0 ? n : 0;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct http_req *r = ud;
	size_t n = size * nmemb;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {     /* a new response (100, retry) */
		attempt_reset(r);
		return n;
	}
	return http_resp_add_header(&r->resp, p, n) == 0 ? n : 0;
}

/* http_prep_headers' add: line appended to the curl_slist *arg. */
static int
slist_add(void *arg, const char *line)
{
	struct curl_slist **l = arg, *nl;

	if ((nl = curl_slist_append(*l, line)) == NULL)
		return -1;
	*l = nl;
	return 0;
}

/* The multipart body of an upload: the form's fields, then the file, read
 * from disk as it is sent (never whole in memory). Rebuilt per attempt. */
static int
mime_build(struct http_req *r)
{
	curl_mimepart *part;
	size_t i;

	if ((r->mime = curl_mime_init(r->easy)) == NULL)
		return -1;
	for (i = 0; r->q.form != NULL && r->q.form[i] != NULL && r->q.form[i + 1] != NULL; i += 2) {
		if ((part = curl_mime_addpart(r->mime)) == NULL ||
		    curl_mime_name(part, r->q.form[i]) != CURLE_OK ||
		    curl_mime_data(part, r->q.form[i + 1], CURL_ZERO_TERMINATED) != CURLE_OK)
			return -1;
	}
	if ((part = curl_mime_addpart(r->mime)) == NULL ||
	    curl_mime_name(part, "file") != CURLE_OK ||
	    curl_mime_filedata(part, r->q.upload_path) != CURLE_OK ||
	    curl_mime_filename(part, r->q.upload_name) != CURLE_OK ||
	    curl_mime_type(part, "application/jsonl") != CURLE_OK)
		return -1;
	return 0;
}

/* Start (or restart) the transfer of r on its multi handle. */
static int
attempt_start(struct http_req *r)
{
	struct http_multi *m = r->m;
	CURL *e;

	attempt_reset(r);
	r->sink_used = r->aborted = 0;
	r->due_ms = 0;
	if ((e = curl_easy_init()) == NULL)
		return -1;
	r->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, r->q.url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* plain http is loopback only: never let a proxy from the environment carry it
	 * (and the key in clear) anywhere else; https may use one (TLS stays end to end) */
	if (strncasecmp(r->q.url, "http:", 5) == 0)
		curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, m->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, m->timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	/* a request sent once (a batch create) never goes on a reused connection:
	 * libcurl silently sends again a request whose reused connection died
	 * before any answer, and the create may have been carried out */
	if (r->q.once)
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	if (r->q.upload_path != NULL) {
		if (mime_build(r) != 0)
			return -1;
		curl_easy_setopt(e, CURLOPT_MIMEPOST, r->mime);
	} else if (strcmp(r->q.method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->q.body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->q.body != NULL ? r->q.body : "");
	} else if (strcmp(r->q.method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->q.method);
		if (r->q.body != NULL) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->q.body_len);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->q.body);
		}
	}
	r->attempts++;
	if (curl_multi_add_handle(m->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		r->easy = NULL;
		curl_mime_free(r->mime);
		r->mime = NULL;
		return -1;
	}
	return 0;
}

static void
easy_drop(struct http_req *r)
{
	if (r->easy == NULL)
		return;
	curl_multi_remove_handle(r->m->multi, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	curl_mime_free(r->mime);
	r->mime = NULL;
}

static void
req_unlink(struct http_req *r)
{
	struct http_multi *m = r->m;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		m->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	m->npending--;
}

static void
req_free(struct http_req *r)
{
	easy_drop(r);
	attempt_reset(r);
	curl_slist_free_all(r->hdrs);
	http_prep_done(&r->q);
	free(r);
}

/* Hand the result to the owner and free r (already unlinked). */
static void
req_finish(struct http_req *r, struct http_result *res)
{
	res->attempts = r->attempts;
	res->error.attempts = r->attempts;
	if (!res->ok)
		http_scrub_key(r->q.t->api_key, res->error.message, sizeof(res->error.message));
	if (r->done != NULL)
		r->done(r->arg, res);
	http_result_done(res);
	req_free(r);
}

/* End r (pending) now, without a response: error type and message. */
static void
req_end(struct http_req *r, const char *type, const char *message)
{
	struct http_result res;

	req_unlink(r);
	easy_drop(r);
	http_resp_take(&r->resp, 0, r->q.t->rid_header, &res);
	http_error_set(&res.error, 0, type, "%s", message);
	req_finish(r, &res);
}

/* Describe a transfer failure (no usable response) in res->error. */
static void
transport_error(struct http_req *r, CURLcode cc, struct http_result *res)
{
	struct http_error *e = &res->error;
	const char *why = r->errbuf[0] != '\0' ? r->errbuf : curl_easy_strerror(cc);

	if (r->aborted) {
		snprintf(e->type, sizeof(e->type), "aborted");
		snprintf(e->message, sizeof(e->message), "transfer stopped by its consumer");
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(e->type, sizeof(e->type), "timeout_error");
		snprintf(e->message, sizeof(e->message), "request timed out: %s", why);
	} else {
		snprintf(e->type, sizeof(e->type), "connection_error");
		snprintf(e->message, sizeof(e->message), "connection error: %s", why);
	}
}

static const char *
resp_header(void *hs, const char *name)
{
	return http_resp_header(hs, name);
}

void
http_multi_set_observer(struct http_multi *m, http_observe_fn fn, void *arg)
{
	m->observe = fn;
	m->observe_arg = arg;
}

/*
 * An attempt ended with curl code cc. Either schedule a retry (returns 1,
 * r stays pending) or fill res with the final outcome (returns 0).
 */
static int
attempt_done(struct http_req *r, CURLcode cc, struct http_result *res)
{
	long status = 0;
	const char *xsr, *ra, *ram;
	int transport = cc != CURLE_OK;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (transport && r->sink_used == 0 && status >= 200 && status < 300)
		status = 0;     /* a 2xx cut short is a connection error */
	if (transport && status != 0 && (status < 200 || status >= 300))
		transport = 0;  /* an error response (body maybe cut): judge by status */
	if (transport)
		status = 0;
	if (status != 0 && r->m->observe != NULL)
		r->m->observe(r->m->observe_arg, status, resp_header, &r->resp);
	xsr = http_resp_header(&r->resp, "x-should-retry");
	if (!r->aborted && !r->sink_used && r->attempts <= r->max_retries &&
	    (status < 200 || status >= 300) && http_should_retry(status, xsr)) {
		ram = http_resp_header(&r->resp, "retry-after-ms");
		ra = http_resp_header(&r->resp, "retry-after");
		r->due_ms = now_ms() + http_retry_delay_ms(r->attempts - 1, ram, ra, time(NULL),
		                                           r->m->rnd());
		easy_drop(r);
		attempt_reset(r);
		return 1;
	}
	http_resp_take(&r->resp, status, r->q.t->rid_header, res);
	if (transport) {
		transport_error(r, cc, res);
	} else if (status >= 200 && status < 300) {
		res->ok = 1;
	} else {
		snprintf(res->error.type, sizeof(res->error.type), "http_error");
		snprintf(res->error.message, sizeof(res->error.message), "HTTP %ld", status);
		http_error_from_body(res->body, res->body_len, &res->error);
	}
	easy_drop(r);
	return 0;
}

/* ---- the multi handle ----------------------------------------------------- */

struct http_multi *
http_multi_new(const struct config *cfg, char *err, size_t errlen)
{
	static int global_done;
	struct http_multi *m;

	if (!global_done) {
		if (netlib_load(NETLIB_CURL, err, errlen) != 0)
			return NULL;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "libcurl initialisation failed");
			return NULL;
		}
		global_done = 1;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL || (m->multi = curl_multi_init()) == NULL) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	http_targets_init(&m->targets, cfg);
	snprintf(m->api_version, sizeof(m->api_version), "%s",
	         cfg->api_version[0] ? cfg->api_version : "2023-06-01");
	m->max_retries = cfg->max_retries >= 0 ? cfg->max_retries : 2;
	m->timeout_ms = cfg->timeout_ms > 0 ? (long)cfg->timeout_ms : 600000L;
	m->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? (long)cfg->connect_timeout_ms : 5000L;
	m->rnd = default_rnd;
	return m;
}

void
http_multi_free(struct http_multi *m)
{
	if (m == NULL)
		return;
	while (m->reqs != NULL)
		http_req_cancel(m, m->reqs);
	curl_multi_cleanup(m->multi);
	memset(&m->targets, 0, sizeof(m->targets));
	free(m);
}

void
http_multi_set_retries(struct http_multi *m, int max_retries)
{
	m->max_retries = max_retries < 0 ? 0 : max_retries;
}

void
http_multi_set_random(struct http_multi *m, double (*rnd)(void))
{
	m->rnd = rnd != NULL ? rnd : default_rnd;
}

const char *
http_multi_base_url(const struct http_multi *m)
{
	return http_target_of(&m->targets, NULL)->base_url;
}

const char *
http_multi_base_url_of(const struct http_multi *m, int provider)
{
	return http_target_of(&m->targets, provider_at(provider))->base_url;
}

int
http_multi_has_key(const struct http_multi *m, int provider)
{
	return provider_at(provider) != NULL &&
	    http_target_of(&m->targets, provider_at(provider))->api_key[0] != '\0';
}

int
http_multi_pending(const struct http_multi *m)
{
	return m->npending;
}

struct http_req *
http_req_start(struct http_multi *m, const struct http_request *rq, struct http_error *err)
{
	struct http_req *r = NULL;
	struct http_prep q;

	if (http_prep_init(&q, &m->targets, rq, err) != 0)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		http_prep_done(&q);
		goto oom;
	}
	r->q = q;                       /* r owns it now */
	r->m = m;
	r->max_retries = rq->no_retry ? 0 : m->max_retries;
	r->sink = rq->sink;
	r->done = rq->done;
	r->arg = rq->arg;
	if (http_prep_headers(&r->q, m->api_version, slist_add, &r->hdrs) != 0 ||
	    attempt_start(r) != 0)
		goto oom;
	r->next = m->reqs;
	if (m->reqs != NULL)
		m->reqs->prev = r;
	m->reqs = r;
	m->npending++;
	return r;
oom:
	if (r != NULL)
		req_free(r);
	http_error_set(err, 0, "connection_error", "out of memory%s", "");
	return NULL;
}

void
http_req_cancel(struct http_multi *m, struct http_req *r)
{
	(void)m;
	req_end(r, "canceled", "request canceled");
}

/* Start every retry whose timer is due; the earliest future due time or 0. */
static int64_t
start_due(struct http_multi *m)
{
	struct http_req *r;
	int64_t now = now_ms(), next = 0;
	int again = 1;

	while (again) {
		again = 0;
		for (r = m->reqs; r != NULL; r = r->next) {
			if (r->easy != NULL || r->due_ms == 0)
				continue;
			if (r->due_ms > now) {
				if (next == 0 || r->due_ms < next)
					next = r->due_ms;
				continue;
			}
			if (attempt_start(r) == 0)
				continue;
			req_end(r, "connection_error", "out of memory");
			again = 1;      /* the list changed under us */
			break;
		}
	}
	return next;
}

int
http_multi_perform(struct http_multi *m)
{
	CURLMsg *msg;
	struct http_req *r;
	struct http_result res;
	int running, left;

	curl_multi_perform(m->multi, &running);
	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		r = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r == NULL)
			continue;
		if (attempt_done(r, msg->data.result, &res))
			continue;       /* a retry is scheduled */
		req_unlink(r);
		req_finish(r, &res);
	}
	start_due(m);
	return m->npending;
}

int
http_multi_wait(struct http_multi *m, struct pollfd *extra, size_t n_extra, int timeout_ms)
{
	struct curl_waitfd wfd[16];
	size_t i, n = n_extra < 16 ? n_extra : 16;
	int64_t next = start_due(m), now;
	int numfds = 0, hits = 0;

	if (next != 0) {
		now = now_ms();
		if (next - now < timeout_ms || timeout_ms < 0)
			timeout_ms = next > now ? (int)(next - now) : 0;
	}
	if (timeout_ms < 0)
		timeout_ms = 1000;
	for (i = 0; i < n; i++) {
		wfd[i].fd = extra[i].fd;
		wfd[i].events = 0;
		if (extra[i].events & POLLIN)
			wfd[i].events |= CURL_WAIT_POLLIN;
		if (extra[i].events & POLLPRI)
			wfd[i].events |= CURL_WAIT_POLLPRI;
		if (extra[i].events & POLLOUT)
			wfd[i].events |= CURL_WAIT_POLLOUT;
		wfd[i].revents = 0;
	}
	if (curl_multi_poll(m->multi, n ? wfd : NULL, (unsigned)n, timeout_ms, &numfds) != CURLM_OK)
		return -1;
	for (i = 0; i < n; i++) {
		extra[i].revents = 0;
		if (wfd[i].revents & CURL_WAIT_POLLIN)
			extra[i].revents |= POLLIN;
		if (wfd[i].revents & CURL_WAIT_POLLPRI)
			extra[i].revents |= POLLPRI;
		if (wfd[i].revents & CURL_WAIT_POLLOUT)
			extra[i].revents |= POLLOUT;
		if (extra[i].revents != 0)
			hits++;
	}
	return hits;
}
