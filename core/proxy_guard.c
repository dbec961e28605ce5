/* proxy_guard.c — what one client may hold of the proxy: connections per
 * address (like nginx's limit_conn), time to send a request head (an
 * absolute deadline, like HAProxy's `timeout http-request`) and a body (an
 * idle limit plus a minimum average rate, like Apache's mod_reqtimeout),
 * and bytes of request body held in memory (one cap over every
 * connection). libmicrohttpd's own timeout is an idle timeout: a header
 * line every few seconds would hold a connection for ever, so each loop
 * keeps its connections here and cuts the ones past their deadline.
 *
 * Connections belong to their loop's thread (no lock); the per-address
 * counts and the buffered bytes are shared by every loop. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/proxy_int.h"

#define SWEEP_MS    250        /* deadlines are checked this often */
#define LOG_MS      60000      /* at most one summary line per minute */

/* One client address and how many connections it holds. */
struct px_addr {
	struct px_addr *next;
	unsigned char   a[16];     /* IPv6, or IPv4 as ::ffff:a.b.c.d */
	unsigned        count;
};

enum px_phase { PH_HEAD, PH_BODY, PH_BUSY };

struct px_conn {
	struct px_loop *l;
	struct px_conn *prev, *next;   /* in l->conns */
	int             fd;
	struct px_addr *addr;          /* NULL: not counted (unknown family) */
	enum px_phase   phase;
	int64_t         since_ms;      /* phase start */
	int64_t         last_ms;       /* last body byte */
	int64_t         body;          /* body bytes in this request */
	int             cut;           /* shut down by a deadline */
};

int
px_guard_init(struct proxy *p)
{
	const struct proxy_opts *o = &p->o;

	p->g.header_ms = o->header_timeout_ms > 0 ? o->header_timeout_ms : PROXY_HEADER_TIMEOUT_MS;
	p->g.body_ms = o->body_timeout_ms > 0 ? o->body_timeout_ms : PROXY_BODY_TIMEOUT_MS;
	p->g.min_rate = o->body_min_rate > 0 ? o->body_min_rate : PROXY_BODY_MIN_RATE;
	p->g.per_address = o->max_per_address > 0 ? o->max_per_address : o->max_connections / 4;
	if (p->g.per_address == 0)
		p->g.per_address = 1;
	p->g.max_buffered = o->max_buffered > 0 ? o->max_buffered : PROXY_MAX_BUFFERED;
	atomic_store(&p->g.next_log_ms, px_mono_ms() + LOG_MS);
	if (pthread_mutex_init(&p->g.mu, NULL) != 0)
		return -1;
	p->g.mu_ok = 1;
	return 0;
}

void
px_guard_done(struct proxy *p)
{
	struct px_addr *a, *next;
	size_t i;

	for (i = 0; i < PX_ADDR_BUCKETS; i++) {
		for (a = p->g.addrs[i]; a != NULL; a = next) {
			next = a->next;
			free(a);
		}
		p->g.addrs[i] = NULL;
	}
	if (p->g.mu_ok)
		pthread_mutex_destroy(&p->g.mu);
	p->g.mu_ok = 0;
}

/* ---- connections per address ---------------------------------------------- */

/* The 16-byte key of sa (IPv4 mapped into IPv6): 0, or -1 for another family. */
static int
addr_key(const struct sockaddr *sa, unsigned char key[16])
{
	if (sa != NULL && sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 0;
	}
	if (sa != NULL && sa->sa_family == AF_INET) {
		memset(key, 0, 10);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	return -1;
}

static size_t
addr_hash(const unsigned char key[16])
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % PX_ADDR_BUCKETS;
}

/* Count one more connection from key: its entry, with *over = 1 when that
 * passes the limit (the caller cuts it; px_addr_put still pairs). NULL on
 * out of memory (not counted). */
static struct px_addr *
addr_get(struct proxy *p, const unsigned char key[16], int *over)
{
	struct px_addr **head = &p->g.addrs[addr_hash(key)], *a;

	pthread_mutex_lock(&p->g.mu);
	for (a = *head; a != NULL && memcmp(a->a, key, 16) != 0; a = a->next)
		;
	if (a == NULL && (a = calloc(1, sizeof(*a))) != NULL) {
		memcpy(a->a, key, 16);
		a->next = *head;
		*head = a;
	}
	if (a != NULL)
		*over = ++a->count > p->g.per_address;
	pthread_mutex_unlock(&p->g.mu);
	return a;
}

static void
addr_put(struct proxy *p, struct px_addr *a)
{
	struct px_addr **pp;

	if (a == NULL)
		return;
	pthread_mutex_lock(&p->g.mu);
	if (--a->count == 0) {
		for (pp = &p->g.addrs[addr_hash(a->a)]; *pp != a; pp = &(*pp)->next)
			;
		*pp = a->next;
		free(a);
	}
	pthread_mutex_unlock(&p->g.mu);
}

/* ---- the connection's life -------------------------------------------------- */

/* Close a connection libmicrohttpd holds: shut the socket down, so its next
 * read sees the end and it closes the connection the usual way. */
static void
cut(struct px_conn *k)
{
	if (!k->cut)
		shutdown(k->fd, SHUT_RDWR);
	k->cut = 1;
}

void *
px_guard_started(struct px_loop *l, int fd, const struct sockaddr *sa)
{
	struct px_conn *k = calloc(1, sizeof(*k));
	unsigned char key[16];
	int over = 0;

	if (k == NULL) {
		shutdown(fd, SHUT_RDWR);         /* cannot be watched: not kept */
		return NULL;
	}
	k->l = l;
	k->fd = fd;
	k->phase = PH_HEAD;
	k->since_ms = px_mono_ms();
	k->next = l->conns;
	if (l->conns != NULL)
		l->conns->prev = k;
	l->conns = k;
	if (addr_key(sa, key) == 0)
		k->addr = addr_get(l->p, key, &over);
	if (over) {
		atomic_fetch_add(&l->p->g.refused, 1);
		cut(k);
	}
	return k;
}

void
px_guard_closed(struct px_loop *l, void *ctx)
{
	struct px_conn *k = ctx;

	if (k == NULL)
		return;
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		l->conns = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	addr_put(l->p, k->addr);
	free(k);
}

void
px_guard_head_done(struct px_conn *k, int has_body)
{
	if (k == NULL)
		return;
	k->phase = has_body ? PH_BODY : PH_BUSY;
	k->since_ms = k->last_ms = px_mono_ms();
	k->body = 0;
}

void
px_guard_body(struct px_conn *k, size_t n)
{
	if (k == NULL)
		return;
	k->body += (int64_t)n;
	k->last_ms = px_mono_ms();
}

void
px_guard_busy(struct px_conn *k)
{
	if (k != NULL)
		k->phase = PH_BUSY;
}

void
px_guard_idle(struct px_conn *k)
{
	if (k == NULL)
		return;
	k->phase = PH_HEAD;
	k->since_ms = px_mono_ms();
}

/* ---- deadlines ------------------------------------------------------------ */

/* 1 when k is past its deadline at now (and which kind in *body). */
static int
expired(const struct proxy *p, const struct px_conn *k, int64_t now, int *body)
{
	int64_t allowed;

	*body = k->phase == PH_BODY;
	if (k->phase == PH_HEAD)
		return now - k->since_ms >= p->g.header_ms;
	if (k->phase != PH_BODY)
		return 0;
	if (now - k->last_ms >= p->g.body_ms)
		return 1;
	/* past its first body_ms, a body averages at least min_rate */
	allowed = p->g.body_ms + k->body * 1000 / p->g.min_rate;
	return now - k->since_ms >= allowed;
}

/* Summarise what was refused or cut, at most once per LOG_MS. */
static void
log_summary(struct proxy *p, int64_t now)
{
	long long due = atomic_load(&p->g.next_log_ms);   /* (atomic_llong's own type) */
	int64_t h, b, r;
	char msg[256];

	if (now < due || !atomic_compare_exchange_strong(&p->g.next_log_ms, &due, now + LOG_MS))
		return;
	h = atomic_exchange(&p->g.cut_head, 0);
	b = atomic_exchange(&p->g.cut_body, 0);
	r = atomic_exchange(&p->g.refused, 0);
	if ((h == 0 && b == 0 && r == 0) || p->h.log == NULL)
		return;
	snprintf(msg, sizeof(msg), "closed %lld connection(s) too slow to send a request head, "
	         "%lld too slow to send a body; refused %lld past %u per address",
	         (long long)h, (long long)b, (long long)r, p->g.per_address);
	p->h.log(p->h.arg, msg);
}

void
px_guard_sweep(struct px_loop *l)
{
	struct proxy *p = l->p;
	struct px_conn *k;
	int64_t now = px_mono_ms();
	int body;

	if (now < l->next_sweep_ms)
		return;
	l->next_sweep_ms = now + SWEEP_MS;
	for (k = l->conns; k != NULL; k = k->next) {
		if (k->cut || !expired(p, k, now, &body))
			continue;
		atomic_fetch_add(body ? &p->g.cut_body : &p->g.cut_head, 1);
		cut(k);
	}
	log_summary(p, now);
}

int
px_guard_timeout(const struct px_loop *l)
{
	int64_t left;

	if (l->conns == NULL)
		return -1;
	left = l->next_sweep_ms - px_mono_ms();
	return left <= 0 ? 0 : (int)left;
}

/* ---- bytes of body held ------------------------------------------------------ */

int
px_guard_reserve(struct proxy *p, int64_t n)
{
	long long cur = atomic_load(&p->g.buffered);      /* (atomic_llong's own type) */

	do {
		if (n > p->g.max_buffered - cur)
			return -1;
	} while (!atomic_compare_exchange_weak(&p->g.buffered, &cur, cur + n));
	return 0;
}

void
px_guard_release(struct proxy *p, int64_t n)
{
	if (n > 0)
		atomic_fetch_sub(&p->g.buffered, n);
}
