/* test_netlib.c — libcurl and libmicrohttpd through core/netlib.c's
 * wrappers: every kind of variadic argument reaches the library as it was
 * passed (a long, a pointer, a function, a curl_off_t; getinfo's pointer;
 * MHD_start_daemon's option list), on a real request from one to the
 * other. (That tokentop starts without the libraries: tests/startup.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <microhttpd.h>

#include "core/netlib.h"

struct got {
	char   buf[256];
	size_t len;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct got *g = arg;
	size_t len = size * n;

	if (len > sizeof(g->buf) - 1 - g->len)
		len = sizeof(g->buf) - 1 - g->len;
	memcpy(g->buf + g->len, p, len);
	g->len += len;
	g->buf[g->len] = '\0';
	return size * n;
}

/* curl_easy_perform through the wrapped multi interface: the result. */
static CURLcode
perform(CURL *e)
{
	CURLM *m = curl_multi_init();
	CURLcode rc = CURLE_FAILED_INIT;
	CURLMsg *msg;
	int running = 1, left, n;

	curl_multi_add_handle(m, e);
	while (running > 0) {
		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 1000, &n);
	}
	while ((msg = curl_multi_info_read(m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			rc = msg->data.result;
	curl_multi_remove_handle(m, e);
	curl_multi_cleanup(m);
	return rc;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload, size_t *upload_len, void **ctx)
{
	static char body[] = "hello from the daemon";
	struct MHD_Response *r;
	enum MHD_Result rc;
	const char *hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Probe");

	(void)cls;
	if (strcmp(url, "/probe") != 0 || hdr == NULL || strcmp(hdr, "yes") != 0)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "X-Answer", "42");
	rc = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return rc;
}

static void
test_load(void **state)
{
	char err[256] = "";
	(void)state;

	assert_int_equal(netlib_load(NETLIB_CURL | NETLIB_MHD, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(netlib_load(NETLIB_CURL, err, sizeof(err)), 0);   /* again: once */
}

/* A daemon on a free port, a request to it; each setopt kind is checked by
 * its effect. */
static void
test_round_trip(void **state)
{
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *di;
	struct curl_slist *hdrs;
	struct got g = { .len = 0 };
	char url[64], *priv = NULL, *scheme = NULL;
	long code = 0;
	CURLU *u;
	CURL *e;
	(void)state;

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4, MHD_OPTION_END);
	assert_non_null(d);
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(di);
	assert_true(di->port > 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/probe", (unsigned)di->port);

	assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	assert_non_null(e = curl_easy_init());
	hdrs = curl_slist_append(NULL, "X-Probe: yes");
	assert_int_equal(curl_easy_setopt(e, CURLOPT_URL, url), CURLE_OK);            /* pointer */
	assert_int_equal(curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs), CURLE_OK);
	assert_int_equal(curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body), CURLE_OK); /* function */
	assert_int_equal(curl_easy_setopt(e, CURLOPT_WRITEDATA, &g), CURLE_OK);
	assert_int_equal(curl_easy_setopt(e, CURLOPT_PRIVATE, url), CURLE_OK);
	assert_int_equal(curl_easy_setopt(e, CURLOPT_NOPROXY, "*"), CURLE_OK);
	assert_int_equal(curl_easy_setopt(e, CURLOPT_TIMEOUT, 20L), CURLE_OK);         /* long */
	assert_int_equal(curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)1000),
	    CURLE_OK);                                                                     /* off_t */
	assert_int_equal(perform(e), CURLE_OK);
	assert_string_equal(g.buf, "hello from the daemon");
	assert_int_equal(curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code), CURLE_OK);
	assert_int_equal(code, 200);
	assert_int_equal(curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv), CURLE_OK);
	assert_ptr_equal(priv, url);

	/* the off_t arrived whole: a limit below the body's 21 bytes stops it */
	g.len = 0;
	assert_int_equal(curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)5), CURLE_OK);
	assert_int_equal(perform(e), CURLE_FILESIZE_EXCEEDED);
	/* the long arrived whole: NOBODY asks for the head only */
	g.len = 0;
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)0);
	assert_int_equal(curl_easy_setopt(e, CURLOPT_NOBODY, 1L), CURLE_OK);
	assert_int_equal(perform(e), CURLE_OK);
	assert_int_equal(g.len, 0);
	assert_string_equal(curl_easy_strerror(CURLE_OK), "No error");

	assert_non_null(u = curl_url());
	assert_int_equal(curl_url_set(u, CURLUPART_URL, url, 0), CURLUE_OK);
	assert_int_equal(curl_url_get(u, CURLUPART_SCHEME, &scheme, 0), CURLUE_OK);
	assert_string_equal(scheme, "http");
	curl_free(scheme);
	curl_url_cleanup(u);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(e);
	MHD_stop_daemon(d);
}

static void
test_multi_setopt(void **state)
{
	CURLM *m;
	(void)state;

	assert_non_null(m = curl_multi_init());
	assert_int_equal(curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, 16L), CURLM_OK);
	assert_int_equal(curl_multi_setopt(m, CURLMOPT_SOCKETDATA, m), CURLM_OK);
	assert_int_equal(curl_multi_setopt(m, (CURLMoption)99, 1L), CURLM_UNKNOWN_OPTION);
	assert_int_equal(curl_multi_cleanup(m), CURLM_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_multi_setopt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
