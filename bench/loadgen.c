/* loadgen.c — a small HTTP load generator for bench/proxy.sh: C concurrent
 * keep-alive connections (libcurl multi, one thread per T), each sending the
 * same POST again as soon as its answer is complete, for D seconds. Prints
 * one line: requests, errors, requests/s, p50 and p99 latency (µs).
 * With -r RATE the load is paced instead: requests start on a fixed
 * schedule (RATE per second in all, to the millisecond), each on an idle
 * connection; latency is each request's own (curl's total time).
 *
 *   loadgen -c 64 -t 2 -d 5 [-r 2000] -H 'x-api-key: K' -b BODYFILE URL
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

struct worker {
	pthread_t          th;
	int                conns;
	const char        *url;
	const char        *body;
	size_t             body_len;
	struct curl_slist *hdrs;
	double             until;
	double             rate;       /* requests/s of this worker; 0 = closed loop */
	int64_t           *lat;        /* µs of each finished request */
	size_t             n, cap;
	int64_t            errors;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
discard(char *d, size_t sz, size_t n, void *arg)
{
	(void)d;
	(void)arg;
	return sz * n;
}

static CURL *
make_easy(struct worker *w)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, w->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, w->hdrs);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, w->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)w->body_len);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	return e;
}

static void
note(struct worker *w, CURL *e, CURLcode rc)
{
	curl_off_t us = 0;
	long code = 0;
	int64_t *nl;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK || code != 200) {
		w->errors++;
		return;
	}
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &us);
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4096;
		if ((nl = realloc(w->lat, w->cap * sizeof(*nl))) == NULL)
			return;
		w->lat = nl;
	}
	w->lat[w->n++] = (int64_t)us;
}

/*
 * One worker: its handles start idle; an idle handle starts a request at
 * once (closed loop) or when the schedule says (paced, w->rate > 0), until
 * the end; a finished one is noted and goes back to idle (the same handle
 * keeps its connection).
 */
static void *
run(void *arg)
{
	struct worker *w = arg;
	CURLM *m = curl_multi_init();
	CURL **idle = calloc((size_t)w->conns, sizeof(*idle));
	double next = now_s(), now;
	int i, nidle = 0, running = 0, left, wait_ms;
	CURLMsg *msg;

	for (i = 0; i < w->conns; i++)
		idle[nidle++] = make_easy(w);
	for (;;) {
		now = now_s();
		while (nidle > 0 && now < w->until && (w->rate <= 0 || next <= now)) {
			curl_multi_add_handle(m, idle[--nidle]);
			next += w->rate > 0 ? 1.0 / w->rate : 0;
		}
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *e = msg->easy_handle;
			note(w, e, msg->data.result);
			curl_multi_remove_handle(m, e);
			idle[nidle++] = e;
		}
		if (running == 0 && nidle == w->conns && now_s() >= w->until)
			break;
		if (w->rate > 0)                         /* paced: to the millisecond */
			wait_ms = (int)((next - now_s()) * 1000);
		else                                     /* a handle came back: start it now */
			wait_ms = nidle > 0 && now_s() < w->until ? 0 : 100;
		if (w->rate > 0 && wait_ms < 1)
			wait_ms = 1;
		curl_multi_poll(m, NULL, 0, wait_ms > 100 ? 100 : wait_ms, NULL);
	}
	for (i = 0; i < nidle; i++)
		curl_easy_cleanup(idle[i]);
	free(idle);
	curl_multi_cleanup(m);
	return NULL;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		if (f != NULL)
			fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int
main(int argc, char **argv)
{
	struct curl_slist *hdrs = NULL;
	struct worker *w;
	int conns = 16, threads = 1, ch, i;
	double secs = 3, rate = 0, t0, t1;
	char *body = NULL;
	size_t body_len = 0, total = 0, k;
	int64_t *all, errors = 0;

	while ((ch = getopt(argc, argv, "c:t:d:r:H:b:")) != -1) {
		switch (ch) {
		case 'c': conns = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'H': hdrs = curl_slist_append(hdrs, optarg); break;
		case 'b':
			if ((body = slurp(optarg, &body_len)) == NULL) {
				fprintf(stderr, "loadgen: cannot read %s\n", optarg);
				return 1;
			}
			break;
		default:
			fprintf(stderr, "usage: loadgen [-c CONNS] [-t THREADS] [-d SECONDS] [-r RATE] "
			        "[-H HEADER]... [-b BODYFILE] URL\n");
			return 2;
		}
	}
	if (optind + 1 != argc || conns < 1 || threads < 1 || threads > conns) {
		fprintf(stderr, "loadgen: one URL, 1 <= THREADS <= CONNS\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	hdrs = curl_slist_append(hdrs, "Expect:");
	w = calloc((size_t)threads, sizeof(*w));
	t0 = now_s();
	for (i = 0; i < threads; i++) {
		w[i].conns = conns / threads + (i < conns % threads);
		w[i].url = argv[optind];
		w[i].body = body != NULL ? body : "";
		w[i].body_len = body_len;
		w[i].hdrs = hdrs;
		w[i].until = t0 + secs;
		w[i].rate = rate / threads;
		pthread_create(&w[i].th, NULL, run, &w[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].th, NULL);
		total += w[i].n;
		errors += w[i].errors;
	}
	t1 = now_s();
	all = malloc((total + 1) * sizeof(*all));
	for (i = 0, k = 0; i < threads; i++) {
		memcpy(all + k, w[i].lat, w[i].n * sizeof(*all));
		k += w[i].n;
		free(w[i].lat);
	}
	qsort(all, total, sizeof(*all), cmp64);
	printf("requests %zu errors %lld rps %.0f p50_us %lld p99_us %lld\n", total,
	       (long long)errors, (double)total / (t1 - t0),
	       (long long)(total ? all[total / 2] : 0),
	       (long long)(total ? all[(size_t)((double)total * 0.99)] : 0));
	free(all);
	free(w);
	free(body);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	return errors > 0 && total == 0;
}
