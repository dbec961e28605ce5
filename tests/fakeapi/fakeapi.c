/* fakeapi.c — the API test double (Anthropic, and OpenAI in fk_openai*.c): options, the
 * HTTP daemon, header checks, dispatch. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fk.h"

/* Per-connection upload buffer; freed by conn_done. */
struct conn {
	char	*buf;
	size_t	 len, cap, limit;
	int	 too_large;
};

/* A "drop" fault: a Content-Length of the whole body, half of it sent, then a reset. */
struct drop {
	char	*body;
	size_t	 len, half;
};

static ssize_t
drop_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct drop *d = cls;
	size_t	 n;

	if (pos >= d->half)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = d->half - pos < max ? d->half - pos : max;
	memcpy(buf, d->body + pos, n);
	return (ssize_t)n;
}

static void
drop_free(void *cls)
{
	struct drop *d = cls;

	free(d->body);
	free(d);
}

/* Turns a buffered reply into an MHD response, applying drop/truncate/malformed. */
static struct MHD_Response *
make_response(const struct fk_req *q, struct fk_reply *r)
{
	static const char junk[] = "<html><body>upstream said: this is not JSON</body></html>\n";
	struct MHD_Response *resp;
	struct drop *d;

	if (r->resp != NULL) {
		resp = r->resp;
		r->resp = NULL;
		return resp;
	}
	if (q->has_fault && q->fault.malformed) {
		free(r->body);
		r->body = strdup(junk);
		r->len = strlen(junk);
		r->status = 200;
	} else if (q->has_fault && q->fault.truncate) {
		r->len /= 2;
		r->status = 200;
	}
	if (q->has_fault && q->fault.drop && (d = calloc(1, sizeof *d)) != NULL) {
		d->body = r->body;
		d->len = r->len;
		d->half = r->len / 2;
		r->body = NULL;
		resp = MHD_create_response_from_callback(d->len, 4096, drop_read, d, drop_free);
		if (resp == NULL)
			drop_free(d);
		return resp;
	}
	resp = MHD_create_response_from_buffer(r->len, r->body ? r->body : (char *)"",
	    r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp != NULL)
		r->body = NULL;
	return resp;
}

static enum MHD_Result
send_reply(const struct fk_req *q, struct fk_reply *r)
{
	struct MHD_Response *resp = make_response(q, r);
	enum MHD_Result ret;
	int	 i;

	free(r->body);
	r->body = NULL;
	if (resp == NULL)
		return MHD_NO;
	if (q->openai)
		oa_response_headers(q, resp);
	else
		MHD_add_response_header(resp, "request-id", q->rid);
	MHD_add_response_header(resp, "content-type", r->ctype ? r->ctype : "application/json");
	for (i = 0; i < r->nhdr; i++)
		MHD_add_response_header(resp, r->hdr[i][0], r->hdr[i][1]);
	ret = MHD_queue_response(q->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static const char *
header(const struct fk_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

/* 0 when the request carries an accepted key (x-api-key or Authorization: Bearer). */
static int
check_auth(const struct fk_req *q, struct fk_reply *r)
{
	const char *key = header(q, "x-api-key"), *auth = header(q, "authorization");
	int	 i;

	if (key == NULL && auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0)
		key = auth + 7;
	if (key == NULL) {
		fk_reply_error(r, q, 401, NULL, "x-api-key header is required");
		return -1;
	}
	for (i = 0; i < fk.opt.nkeys; i++)
		if (strcmp(key, fk.opt.keys[i]) == 0)
			return 0;
	fk_reply_error(r, q, 401, NULL, "invalid x-api-key");
	return -1;
}

static void
route_api(const struct fk_req *q, struct fk_reply *r)
{
	int	 post = strcmp(q->method, "POST") == 0;

	if (q->openai) {		/* fk_openai.c */
		oa_route(q, r);
		return;
	}
	if (strncmp(q->path, "/v1/organizations/", 18) == 0) {	/* admin key: fk_admin.c */
		admin_route(q, r);
		return;
	}
	if (check_auth(q, r) == -1)
		return;
	if (header(q, "anthropic-version") == NULL) {
		fk_reply_error(r, q, 400, NULL, "anthropic-version: header is required");
		return;
	}
	if (post && strcmp(q->path, "/v1/messages") == 0)
		msg_messages(q, r);
	else if (post && strcmp(q->path, "/v1/messages/count_tokens") == 0)
		msg_count_tokens(q, r);
	else if (strncmp(q->path, "/v1/messages/batches", 20) == 0 &&
	    (q->path[20] == '\0' || q->path[20] == '/'))
		batch_route(q, r);
	else
		fk_reply_error(r, q, 404, NULL, "Not found: %s %s", q->method, q->path);
}

static void
dispatch(struct fk_req *q, struct conn *c, struct fk_reply *r)
{
	const char *host = header(q, "host");

	snprintf(q->base, sizeof q->base, "http://%s", host ? host : "127.0.0.1");
	/* an anthropic-version header means Anthropic, whatever the path (as in the proxy) */
	q->openai = oa_path(q->path) && header(q, "anthropic-version") == NULL;
	pthread_mutex_lock(&fk.lock);
	if (q->openai)
		oa_hex_id("req_", 32, q->rid, sizeof q->rid);
	else
		fk_id("req_01", q->rid, sizeof q->rid);
	if (strncmp(q->path, "/_fake/", 7) == 0) {
		pthread_mutex_unlock(&fk.lock);
		control_route(q, r);
		return;
	}
	q->has_fault = fault_take(q->method, q->path, &q->fault);
	pthread_mutex_unlock(&fk.lock);
	control_record(q);
	if (q->has_fault && q->fault.delay_ms > 0 && !q->fault.after_commit)
		fk_sleep_ms(q->fault.delay_ms);
	if (q->has_fault && q->fault.status > 0 && !q->fault.after_commit)
		fault_error_reply(q, r);
	else if (c->too_large && q->openai)
		oa_fail(r, 413, NULL, NULL, "Request too large: the maximum is %zu bytes.",
		    c->limit);
	else if (c->too_large)
		fk_reply_error(r, q, 413, NULL, "Request exceeds the maximum allowed number of "
		    "bytes (%zu).", c->limit);
	else
		route_api(q, r);
	if (q->has_fault && q->fault.after_commit && q->fault.delay_ms > 0)
		fk_sleep_ms(q->fault.delay_ms);        /* done, but the answer waits */
	if (q->has_fault && q->fault.after_commit && q->fault.status > 0) {
		/* the request took effect (a batch exists); the client hears an error */
		if (r->resp != NULL)
			MHD_destroy_response(r->resp);
		free(r->body);
		memset(r, 0, sizeof(*r));
		fault_error_reply(q, r);
	}
}

static enum MHD_Result
answer(struct MHD_Connection *conn, const char *url, const char *method, struct conn *c)
{
	struct fk_req q;
	struct fk_reply r;
	enum MHD_Result ret;
	struct timespec ts;

	memset(&q, 0, sizeof q);
	memset(&r, 0, sizeof r);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	q.t0 = ts.tv_sec + ts.tv_nsec / 1e9;
	q.conn = conn;
	q.method = method;
	q.path = url;
	q.body = c->buf ? c->buf : "";
	q.len = c->len;
	dispatch(&q, c, &r);
	if (q.has_fault && q.fault.after_commit && q.fault.drop && q.fault.status == 0) {
		/* the request took effect; close the connection without an answer */
		if (r.resp != NULL)
			MHD_destroy_response(r.resp);
		free(r.body);
		return MHD_NO;
	}
	ret = send_reply(&q, &r);
	if (r.resp != NULL)
		MHD_destroy_response(r.resp);
	free(r.body);
	return ret;
}

/* Appends an upload piece, or only notes the body is too large. */
static int
append(struct conn *c, const char *data, size_t n)
{
	size_t	 ncap;
	char	*nb;

	if (c->too_large || c->len + n > c->limit) {
		c->too_large = 1;
		return 0;
	}
	if (c->len + n + 1 > c->cap) {
		for (ncap = c->cap ? c->cap : 4096; ncap < c->len + n + 1; ncap *= 2)
			;
		if ((nb = realloc(c->buf, ncap)) == NULL)
			return -1;
		c->buf = nb;
		c->cap = ncap;
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return 0;
}

/*
 * MHD's access handler: the first call sets up the upload buffer (and answers
 * 413 at once when Content-Length is over the limit), the middle ones collect
 * the body, the last one answers.
 */
static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upsize, void **con_cls)
{
	struct conn *c = *con_cls;
	const char *cl;

	if (c == NULL) {
		if ((c = calloc(1, sizeof *c)) == NULL)
			return MHD_NO;
		c->limit = strncmp(url, "/v1/messages/batches", 20) == 0 ? FK_BATCH_LIMIT :
		    strncmp(url, "/v1/files", 9) == 0 ? FK_FILE_LIMIT : FK_MSG_LIMIT;
		*con_cls = c;
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "content-length");
		if (cl == NULL || strtoull(cl, NULL, 10) <= c->limit)
			return MHD_YES;
		c->too_large = 1;
		return answer(conn, url, method, c);
	}
	if (*upsize > 0) {
		if (append(c, upload, *upsize) == -1)
			return MHD_NO;
		*upsize = 0;
		return MHD_YES;
	}
	return answer(conn, url, method, c);
}

static void
conn_done(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *c = *con_cls;

	if (c != NULL) {
		free(c->buf);
		free(c);
		*con_cls = NULL;
	}
}

static int stop_pipe[2] = { -1, -1 };

/* SIGTERM/SIGINT: only wake main through the pipe; any thread may run this. */
static void
on_signal(int sig)
{
	int	 saved = errno;
	char	 c = (char)sig;

	atomic_store(&fk_stopping, 1);
	(void)!write(stop_pipe[1], &c, 1);
	errno = saved;
}

static void
usage(void)
{
	fprintf(stderr, "usage: fakeapi [--port N] [--host ADDR] [--key KEY]... "
	    "[--time-scale X]\n       [--batch-seconds S] [--batch-expiry S] "
	    "[--cancel-seconds S] [--stream-delay-ms N]\n       [--min-cache MODEL=N]... "
	    "[--fault SPEC]... [--admin-key KEY]... [--org-extra JSON]...\n"
	    "       [--openai-key KEY]... [--openai-admin-key KEY]... [--openai-cache-ttl S]\n"
	    "       [--openai-rpm N] [--openai-tpm N] [--openai-validate-seconds S]\n"
	    "       [--openai-finalize-seconds S] [--openai-batch-max-requests N]\n"
	    "       [--openai-batch-max-bytes N] [--openai-mixed-models] "
	    "[--openai-batch-tier TIER]\n");
	exit(2);
}

/* A number option in [0, max]; anything else is a usage error naming it. */
static double
number(const char *opt, const char *s, double max)
{
	char	*end;
	double	 v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0 && v <= max)) {
		fprintf(stderr, "fakeapi: --%s: not a number from 0 to %g: %s\n", opt, max, s);
		exit(2);
	}
	return v;
}

/* The long options; the --openai-* ones (256) go to oa_option by name. */
static const struct option lo[] = {
	{ "port", 1, NULL, 'p' }, { "host", 1, NULL, 'h' }, { "key", 1, NULL, 'k' },
	{ "time-scale", 1, NULL, 't' }, { "batch-seconds", 1, NULL, 'b' },
	{ "batch-expiry", 1, NULL, 'e' }, { "cancel-seconds", 1, NULL, 'c' },
	{ "stream-delay-ms", 1, NULL, 'd' }, { "min-cache", 1, NULL, 'm' },
	{ "fault", 1, NULL, 'f' }, { "admin-key", 1, NULL, 'A' },
	{ "org-extra", 1, NULL, 'O' },
	{ "openai-key", 1, NULL, 256 }, { "openai-admin-key", 1, NULL, 256 },
	{ "openai-cache-ttl", 1, NULL, 256 }, { "openai-rpm", 1, NULL, 256 },
	{ "openai-tpm", 1, NULL, 256 }, { "openai-validate-seconds", 1, NULL, 256 },
	{ "openai-finalize-seconds", 1, NULL, 256 },
	{ "openai-batch-max-requests", 1, NULL, 256 },
	{ "openai-batch-max-bytes", 1, NULL, 256 }, { "openai-mixed-models", 0, NULL, 256 },
	{ "openai-batch-tier", 1, NULL, 256 }, { NULL, 0, NULL, 0 }
};

static void
options(int argc, char **argv)
{
	struct fk_fault f;
	char	 err[256];
	int	 ch, li = 0;

	fk.opt = (struct fk_opts){ "127.0.0.1", 0, { NULL }, 0, 1, 60, 86400, 1, 5 };
	while ((ch = getopt_long(argc, argv, "", lo, &li)) != -1) {
		switch (ch) {
		case 'p': fk.opt.port = (int)number("port", optarg, 65535); break;
		case 'h': fk.opt.host = optarg; break;
		case 'k':
			if (fk.opt.nkeys < FK_MAXKEYS)
				fk.opt.keys[fk.opt.nkeys++] = optarg;
			break;
		case 't': fk.opt.time_scale = number("time-scale", optarg, 1e9); break;
		case 'b': fk.opt.batch_seconds = number("batch-seconds", optarg, 1e9); break;
		case 'e': fk.opt.batch_expiry = number("batch-expiry", optarg, 1e9); break;
		case 'c': fk.opt.cancel_seconds = number("cancel-seconds", optarg, 1e9); break;
		case 'd':
			fk.opt.stream_delay_ms = (int)number("stream-delay-ms", optarg, 60000);
			break;
		case 'm':
			if (fk_model_set_min(optarg) == -1) {
				fprintf(stderr, "fakeapi: --min-cache: bad MODEL=N: %s\n", optarg);
				exit(2);
			}
			break;
		case 'f':
			if (fault_parse_spec(optarg, &f, err, sizeof err) == -1) {
				fprintf(stderr, "fakeapi: --fault: %s\n", err);
				exit(2);
			}
			fault_add(&f);
			break;
		case 'A': case 'O':
			if (admin_option(ch == 'A' ? "admin-key" : "org-extra", optarg) == -1)
				usage();
			break;
		case 256:
			if (oa_option(lo[li].name, optarg) == -1)
				exit(2);
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (fk.opt.nkeys == 0)
		fk.opt.keys[fk.opt.nkeys++] = "sk-ant-test";
	oa_option(NULL, NULL);
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *di;
	struct timespec ts;
	struct sigaction sa_sig;
	char	 c;

	options(argc, argv);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fk.mono_start = ts.tv_sec + ts.tv_nsec / 1e9;
	clock_gettime(CLOCK_REALTIME, &ts);
	fk.wall_start = ts.tv_sec + ts.tv_nsec / 1e9;
	fk.rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)getpid() ^ (uint64_t)ts.tv_sec;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)fk.opt.port);
	if (inet_pton(AF_INET, fk.opt.host, &sa.sin_addr) != 1) {
		fprintf(stderr, "fakeapi: --host: not an IPv4 address: %s\n", fk.opt.host);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(stop_pipe) == -1) {
		perror("fakeapi: pipe");
		return 1;
	}
	memset(&sa_sig, 0, sizeof sa_sig);
	sa_sig.sa_handler = on_signal;
	sa_sig.sa_flags = SA_RESTART;
	sigemptyset(&sa_sig.sa_mask);
	sigaction(SIGTERM, &sa_sig, NULL);
	sigaction(SIGINT, &sa_sig, NULL);
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_AUTO | MHD_USE_ERROR_LOG, (uint16_t)fk.opt.port, NULL, NULL, handle, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, conn_done, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "fakeapi: cannot listen on %s:%d\n", fk.opt.host, fk.opt.port);
		return 1;
	}
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("port %u\n", di ? (unsigned)di->port : (unsigned)fk.opt.port);
	fflush(stdout);
	while (read(stop_pipe[0], &c, 1) == -1 && errno == EINTR)
		;
	MHD_stop_daemon(d);
	pthread_mutex_lock(&fk.lock);
	batch_reset();
	cache_reset();
	oa_reset();
	free(fk.faults);
	json_decref(fk.stats);
	pthread_mutex_unlock(&fk.lock);
	return 0;
}
