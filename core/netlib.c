/* netlib.c — libcurl's and libmicrohttpd's functions that tokentop calls,
 * each loading its library on first use (see netlib.h). The prototypes are
 * the libraries' own headers': the compiler checks every wrapper against
 * them. A variadic function is passed on with its one argument read by the
 * type the library reads it as. */
#define CURL_DISABLE_TYPECHECK     /* curl_easy_setopt is defined here, not called */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "core/netlib.h"

/* The libraries' run-time names (their SONAMEs; the Makefile reads them
 * from the libraries it builds against). */
#ifndef NETLIB_CURL_SO
#define NETLIB_CURL_SO "libcurl.so.4"
#endif
#ifndef NETLIB_MHD_SO
#define NETLIB_MHD_SO "libmicrohttpd.so.12"
#endif

/* X(return type, name, (parameters), (arguments), value on failure);
 * V(name, (parameters), (arguments)) for a void function; P(return type,
 * name, (parameters)): loaded, wrapped by hand below (variadic). */
#define CURL_FNS(X, V, P) \
	X(CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT) \
	X(CURL *, curl_easy_init, (void), (), NULL) \
	V(curl_easy_cleanup, (CURL *h), (h)) \
	V(curl_easy_reset, (CURL *h), (h)) \
	X(CURLcode, curl_easy_pause, (CURL *h, int bitmask), (h, bitmask), CURLE_FAILED_INIT) \
	X(const char *, curl_easy_strerror, (CURLcode c), (c), "libcurl not loaded") \
	V(curl_free, (void *p), (p)) \
	X(struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s), (l, s), \
	    NULL) \
	V(curl_slist_free_all, (struct curl_slist *l), (l)) \
	X(CURLM *, curl_multi_init, (void), (), NULL) \
	X(CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *h), (m, h), CURLM_INTERNAL_ERROR) \
	X(CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *h), (m, h), CURLM_INTERNAL_ERROR) \
	X(CURLMcode, curl_multi_perform, (CURLM *m, int *running), (m, running), \
	    CURLM_INTERNAL_ERROR) \
	X(CURLMcode, curl_multi_cleanup, (CURLM *m), (m), CURLM_INTERNAL_ERROR) \
	X(CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), (m, left), NULL) \
	X(CURLMcode, curl_multi_poll, (CURLM *m, struct curl_waitfd extra[], unsigned n, \
	    int timeout_ms, int *ret), (m, extra, n, timeout_ms, ret), CURLM_INTERNAL_ERROR) \
	X(CURLMcode, curl_multi_socket_action, (CURLM *m, curl_socket_t s, int ev, \
	    int *running), (m, s, ev, running), CURLM_INTERNAL_ERROR) \
	X(CURLMcode, curl_multi_assign, (CURLM *m, curl_socket_t s, void *p), (m, s, p), \
	    CURLM_INTERNAL_ERROR) \
	X(CURLU *, curl_url, (void), (), NULL) \
	V(curl_url_cleanup, (CURLU *u), (u)) \
	X(CURLUcode, curl_url_get, (CURLU *u, CURLUPart what, char **part, unsigned flags), \
	    (u, what, part, flags), CURLUE_OUT_OF_MEMORY) \
	X(CURLUcode, curl_url_set, (CURLU *u, CURLUPart what, const char *part, unsigned flags), \
	    (u, what, part, flags), CURLUE_OUT_OF_MEMORY) \
	X(curl_mime *, curl_mime_init, (CURL *h), (h), NULL) \
	V(curl_mime_free, (curl_mime *m), (m)) \
	X(curl_mimepart *, curl_mime_addpart, (curl_mime *m), (m), NULL) \
	X(CURLcode, curl_mime_name, (curl_mimepart *p, const char *n), (p, n), CURLE_FAILED_INIT) \
	X(CURLcode, curl_mime_data, (curl_mimepart *p, const char *d, size_t n), (p, d, n), \
	    CURLE_FAILED_INIT) \
	X(CURLcode, curl_mime_filedata, (curl_mimepart *p, const char *f), (p, f), \
	    CURLE_FAILED_INIT) \
	X(CURLcode, curl_mime_filename, (curl_mimepart *p, const char *f), (p, f), \
	    CURLE_FAILED_INIT) \
	X(CURLcode, curl_mime_type, (curl_mimepart *p, const char *t), (p, t), CURLE_FAILED_INIT) \
	P(CURLcode, curl_easy_setopt, (CURL *h, CURLoption o, ...)) \
	P(CURLcode, curl_easy_getinfo, (CURL *h, CURLINFO i, ...)) \
	P(CURLMcode, curl_multi_setopt, (CURLM *m, CURLMoption o, ...))

#define MHD_FNS(X, V, P) \
	X(enum MHD_Result, MHD_add_response_header, (struct MHD_Response *r, const char *h, \
	    const char *v), (r, h, v), MHD_NO) \
	X(struct MHD_Response *, MHD_create_response_from_buffer, (size_t size, void *buf, \
	    enum MHD_ResponseMemoryMode mode), (size, buf, mode), NULL) \
	X(struct MHD_Response *, MHD_create_response_from_callback, (uint64_t size, \
	    size_t block, MHD_ContentReaderCallback crc, void *crc_cls, \
	    MHD_ContentReaderFreeCallback crfc), (size, block, crc, crc_cls, crfc), NULL) \
	V(MHD_destroy_response, (struct MHD_Response *r), (r)) \
	X(int, MHD_get_connection_values, (struct MHD_Connection *c, enum MHD_ValueKind k, \
	    MHD_KeyValueIterator it, void *cls), (c, k, it, cls), -1) \
	X(int, MHD_get_connection_values_n, (struct MHD_Connection *c, enum MHD_ValueKind k, \
	    MHD_KeyValueIteratorN it, void *cls), (c, k, it, cls), -1) \
	X(enum MHD_Result, MHD_get_timeout, (struct MHD_Daemon *d, \
	    MHD_UNSIGNED_LONG_LONG *t), (d, t), MHD_NO) \
	X(const char *, MHD_lookup_connection_value, (struct MHD_Connection *c, \
	    enum MHD_ValueKind k, const char *key), (c, k, key), NULL) \
	X(enum MHD_Result, MHD_queue_response, (struct MHD_Connection *c, unsigned status, \
	    struct MHD_Response *r), (c, status, r), MHD_NO) \
	X(MHD_socket, MHD_quiesce_daemon, (struct MHD_Daemon *d), (d), MHD_INVALID_SOCKET) \
	V(MHD_resume_connection, (struct MHD_Connection *c), (c)) \
	V(MHD_suspend_connection, (struct MHD_Connection *c), (c)) \
	X(enum MHD_Result, MHD_run, (struct MHD_Daemon *d), (d), MHD_NO) \
	V(MHD_stop_daemon, (struct MHD_Daemon *d), (d)) \
	P(struct MHD_Daemon *, MHD_start_daemon_va, (unsigned flags, uint16_t port, \
	    MHD_AcceptPolicyCallback apc, void *apc_cls, MHD_AccessHandlerCallback dh, \
	    void *dh_cls, va_list ap)) \
	P(const union MHD_ConnectionInfo *, MHD_get_connection_info, (struct MHD_Connection *c, \
	    enum MHD_ConnectionInfoType t, ...)) \
	P(const union MHD_DaemonInfo *, MHD_get_daemon_info, (struct MHD_Daemon *d, \
	    enum MHD_DaemonInfoType t, ...))

/* ---- the function tables -------------------------------------------------- */

#define SLOT(ret, name, params, args, fail) ret (*name) params;
#define VSLOT(name, params, args) void (*name) params;
#define PSLOT(ret, name, params) ret (*name) params;

static struct { CURL_FNS(SLOT, VSLOT, PSLOT) } cu;
static struct { MHD_FNS(SLOT, VSLOT, PSLOT) } mh;

#define LOAD(ret, name, params, args, fail) \
	if ((T.name = (ret (*) params)dlsym(h, #name)) == NULL) goto missing;
#define VLOAD(name, params, args) \
	if ((T.name = (void (*) params)dlsym(h, #name)) == NULL) goto missing;
#define PLOAD(ret, name, params) \
	if ((T.name = (ret (*) params)dlsym(h, #name)) == NULL) goto missing;

struct lib {
	const char    *file;
	pthread_once_t once;
	int            ok;
	char           why[256];
};

static struct lib curl_lib = { NETLIB_CURL_SO, PTHREAD_ONCE_INIT, 0, "" };
static struct lib mhd_lib = { NETLIB_MHD_SO, PTHREAD_ONCE_INIT, 0, "" };

/* dlopen the library, or say why not in l->why; NULL on failure. */
static void *
open_lib(struct lib *l)
{
	void *h = dlopen(l->file, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL)
		snprintf(l->why, sizeof(l->why), "cannot load %s: %s", l->file, dlerror());
	return h;
}

static void
missing_symbol(struct lib *l)
{
	snprintf(l->why, sizeof(l->why), "%s lacks a function tokentop calls: %s", l->file,
	    dlerror());
}

static void
load_curl(void)
{
	void *h = open_lib(&curl_lib);

	if (h == NULL)
		return;
#define T cu
	CURL_FNS(LOAD, VLOAD, PLOAD)
#undef T
	curl_lib.ok = 1;
	return;
missing:
	missing_symbol(&curl_lib);
}

static void
load_mhd(void)
{
	void *h = open_lib(&mhd_lib);

	if (h == NULL)
		return;
#define T mh
	MHD_FNS(LOAD, VLOAD, PLOAD)
#undef T
	mhd_lib.ok = 1;
	return;
missing:
	missing_symbol(&mhd_lib);
}

static int
curl_ready(void)
{
	pthread_once(&curl_lib.once, load_curl);
	return curl_lib.ok ? 0 : -1;
}

static int
mhd_ready(void)
{
	pthread_once(&mhd_lib.once, load_mhd);
	return mhd_lib.ok ? 0 : -1;
}

int
netlib_load(unsigned which, char *err, size_t errlen)
{
	if ((which & NETLIB_CURL) && curl_ready() != 0) {
		snprintf(err, errlen, "%s", curl_lib.why);
		return -1;
	}
	if ((which & NETLIB_MHD) && mhd_ready() != 0) {
		snprintf(err, errlen, "%s", mhd_lib.why);
		return -1;
	}
	return 0;
}

/* ---- the wrappers --------------------------------------------------------- */

#define WRAP(ready, T, ret, name, params, args, fail) \
	ret name params \
	{ \
		if (ready() != 0) \
			return fail; \
		return T.name args; \
	}
#define VWRAP(ready, T, name, params, args) \
	void name params \
	{ \
		if (ready() == 0) \
			T.name args; \
	}
#define CU_X(ret, name, params, args, fail) WRAP(curl_ready, cu, ret, name, params, args, fail)
#define CU_V(name, params, args) VWRAP(curl_ready, cu, name, params, args)
#define MH_X(ret, name, params, args, fail) WRAP(mhd_ready, mh, ret, name, params, args, fail)
#define MH_V(name, params, args) VWRAP(mhd_ready, mh, name, params, args)
#define NONE(ret, name, params)

CURL_FNS(CU_X, CU_V, NONE)
MHD_FNS(MH_X, MH_V, NONE)

/* An option's one argument, by the type its number says (curl.h: the
 * CURLOPTTYPE_ ranges, the same for easy and multi options). */
#define SETOPT(fn, h, o, ap) \
	((o) < CURLOPTTYPE_OBJECTPOINT ? fn(h, o, va_arg(ap, long)) : \
	 (o) < CURLOPTTYPE_FUNCTIONPOINT ? fn(h, o, va_arg(ap, void *)) : \
	 (o) < CURLOPTTYPE_OFF_T ? fn(h, o, va_arg(ap, void (*)(void))) : \
	 (o) < CURLOPTTYPE_BLOB ? fn(h, o, va_arg(ap, curl_off_t)) : \
	 fn(h, o, va_arg(ap, void *)))

CURLcode
curl_easy_setopt(CURL *h, CURLoption o, ...)
{
	va_list ap;
	CURLcode rc;

	if (curl_ready() != 0)
		return CURLE_FAILED_INIT;
	va_start(ap, o);
	rc = SETOPT(cu.curl_easy_setopt, h, o, ap);
	va_end(ap);
	return rc;
}

CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption o, ...)
{
	va_list ap;
	CURLMcode rc;

	if (curl_ready() != 0)
		return CURLM_INTERNAL_ERROR;
	va_start(ap, o);
	rc = SETOPT(cu.curl_multi_setopt, m, o, ap);
	va_end(ap);
	return rc;
}

/* Every CURLINFO_ takes a pointer to where the answer goes. */
CURLcode
curl_easy_getinfo(CURL *h, CURLINFO i, ...)
{
	va_list ap;
	CURLcode rc;

	if (curl_ready() != 0)
		return CURLE_FAILED_INIT;
	va_start(ap, i);
	rc = cu.curl_easy_getinfo(h, i, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

struct MHD_Daemon *
MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                 void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	if (mhd_ready() != 0)
		return NULL;
	va_start(ap, dh_cls);
	d = mh.MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

/* The info types tokentop asks for take no argument after the type. */
const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c, enum MHD_ConnectionInfoType t, ...)
{
	return mhd_ready() == 0 ? mh.MHD_get_connection_info(c, t) : NULL;
}

const union MHD_DaemonInfo *
MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType t, ...)
{
	return mhd_ready() == 0 ? mh.MHD_get_daemon_info(d, t) : NULL;
}
