/* synth.c — deterministic synthetic usage for the demo and the benchmarks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/synth.h"

const char *const synth_models[SYNTH_NMODELS] = {
	"claude-sonnet-4-5-20250929",
	"claude-sonnet-4-6",
	"claude-haiku-4-5-20251001",
	"claude-opus-4-6",
	"claude-opus-4-5-20251101",
	"claude-sonnet-4-20250514",
	"claude-3-5-haiku-20241022",
	"claude-opus-4-1-20250805",
};

/* Per-mille share of each model above (sums to 1000). */
static const unsigned model_share[SYNTH_NMODELS] = { 300, 200, 200, 100, 70, 60, 50, 20 };

const char synth_unpriced_model[] = "claude-nova-preview-1126";

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void
synth_seed(struct synth_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

uint64_t
synth_next(struct synth_rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint64_t
synth_below(struct synth_rng *r, uint64_t n)
{
	/* 128-bit multiply: unbiased enough for test data, no division */
	return n == 0 ? 0 : (uint64_t)(((unsigned __int128)synth_next(r) * n) >> 64);
}

int64_t
synth_logu(struct synth_rng *r, int64_t lo, int64_t hi)
{
	double u = (double)(synth_next(r) >> 11) / 9007199254740992.0;
	int64_t v;

	if (lo < 1)
		lo = 1;
	if (hi <= lo)
		return lo;
	v = (int64_t)((double)lo * exp(u * log((double)hi / (double)lo)));
	return v < lo ? lo : v > hi ? hi : v;
}

int
synth_chance(struct synth_rng *r, unsigned permille)
{
	return synth_below(r, 1000) < permille;
}

size_t
synth_pick_model(struct synth_rng *r)
{
	unsigned x = (unsigned)synth_below(r, 1000), acc = 0;
	size_t i;

	for (i = 0; i < SYNTH_NMODELS; i++) {
		acc += model_share[i];
		if (x < acc)
			return i;
	}
	return 0;
}

unsigned
synth_hour_weight(int hour)
{
	static const unsigned w[24] = {
		4, 3, 2, 2, 2, 3, 6, 12, 30, 60, 80, 85,
		70, 80, 90, 95, 85, 65, 40, 25, 20, 15, 10, 6,
	};

	return hour >= 0 && hour < 24 ? w[hour] : 0;
}

unsigned
synth_day_weight(int64_t day_start_ms, int64_t day_index, int64_t ndays)
{
	int64_t dow = ((day_start_ms + 43200000) / 86400000 + 4) % 7;   /* 0 = Sunday */
	unsigned base = (dow == 0 || dow == 6) ? 35 : 100;

	if (ndays <= 1)
		return base;
	/* +40% from the first day to the last: a team adopting the API */
	return base + (unsigned)(base * 40 * day_index / (100 * (ndays - 1)));
}

int64_t
synth_time_in_day(struct synth_rng *r, int64_t day_start_ms)
{
	unsigned total = 0, x, acc = 0;
	int h;

	for (h = 0; h < 24; h++)
		total += synth_hour_weight(h);
	x = (unsigned)synth_below(r, total);
	for (h = 0; h < 23; h++) {
		acc += synth_hour_weight(h);
		if (x < acc)
			break;
	}
	return day_start_ms + (int64_t)h * 3600000 + (int64_t)synth_below(r, 3600000);
}

void
synth_tokens(struct synth_rng *r, size_t model, int claude_code, struct tokens *t)
{
	int haiku = model == 2 || model == 6;
	int long_ok = model == 0 || model == 5;    /* Sonnet 4 / 4.5 have the long tier */
	int64_t ctx_hi = haiku ? 40000 : 160000;

	memset(t, 0, sizeof(*t));
	if (claude_code) {
		t->input = synth_logu(r, 1, 60);
		t->cache_read = synth_chance(r, 930) ? synth_logu(r, 8000, ctx_hi) : 0;
		if (synth_chance(r, 450)) {
			int64_t w = synth_logu(r, 80, 24000);

			if (synth_chance(r, 700))
				t->write_1h = w;
			else
				t->write_5m = w;
		}
		t->output = synth_logu(r, 1, 3200);
		return;
	}
	t->input = synth_logu(r, 40, haiku ? 4000 : 12000);
	if (synth_chance(r, 620))
		t->cache_read = synth_logu(r, 1100, ctx_hi);
	if (synth_chance(r, 160)) {
		int64_t w = synth_logu(r, 1100, 60000);

		if (synth_chance(r, 800))
			t->write_5m = w;
		else
			t->write_1h = w;
	}
	if (long_ok && synth_chance(r, 6))
		t->cache_read = 200001 + synth_logu(r, 1, 600000);
	t->output = synth_logu(r, 20, haiku ? 2000 : 6000);
}

char *
synth_id(struct synth_rng *r, const char *prefix, size_t n, char *buf, size_t len)
{
	static const char b62[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t p = strlen(prefix), i;

	if (len == 0)
		return buf;
	if (p >= len)
		p = len - 1;
	memcpy(buf, prefix, p);
	for (i = 0; i < n && p + i + 1 < len; i++)
		buf[p + i] = b62[synth_below(r, 62)];
	buf[p + i] = '\0';
	return buf;
}

/* prefix + n base62 digits of (run, seq), zero-padded: ids that sort in
 * the order rows were made, as long as the API's. */
static void
api_id(const char *prefix, uint64_t run, uint64_t seq, size_t n, char *buf, size_t len)
{
	static const char b62[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	char d[64];
	size_t i, k = 0;

	for (i = 0; i < n && i < sizeof(d) - 1; i++) {
		uint64_t *v = i < n - 4 ? &seq : &run;   /* the last 4 digits (first in the id) are run's */

		d[k++] = b62[*v % 62];
		*v /= 62;
	}
	d[k] = '\0';
	for (i = 0; i < k / 2; i++) {
		char c = d[i];

		d[i] = d[k - 1 - i];
		d[k - 1 - i] = c;
	}
	snprintf(buf, len, "%s%s", prefix, d);
}

/* The fleet's extras (synth_mix: proxy, routing, tiers, speed, geo). */
static void
fleet(struct synth_rng *r, const struct synth_mix *m, size_t model, struct usage *u)
{
	static const char *const tiers[] = { "simple", "simple", "medium", "complex" };
	int batch = strcmp(u->source, "batch") == 0;

	if (!batch && strcmp(u->source, "call") == 0 && synth_chance(r, m->proxy_permille))
		usage_strlcpy(u->source, "proxy", sizeof(u->source));
	if (!batch && strcmp(u->source, "import") != 0 && synth_chance(r, m->routed_permille))
		usage_strlcpy(u->tier, tiers[synth_below(r, 4)], sizeof(u->tier));
	if (!batch && synth_chance(r, m->priority_permille))
		usage_strlcpy(u->service_tier, "priority", sizeof(u->service_tier));
	if (model == 3 && synth_chance(r, m->fast_permille))
		usage_strlcpy(u->speed, "fast", sizeof(u->speed));     /* Opus 4.6 has it */
	if (synth_chance(r, m->us_permille))
		usage_strlcpy(u->inference_geo, "us", sizeof(u->inference_geo));
}

static const char *const stop_reasons[] = { "end_turn", "end_turn", "end_turn", "end_turn",
	"tool_use", "tool_use", "max_tokens", "stop_sequence" };

void
synth_row(struct synth_rng *r, const struct synth_mix *m, int64_t ts_ms, uint64_t seq,
          struct usage *u)
{
	size_t model = synth_pick_model(r), ntags = 0;
	unsigned x = (unsigned)synth_below(r, 1000);

	memset(u, 0, sizeof(*u));
	u->ts_ms = ts_ms;
	synth_tokens(r, model, 0, &u->tok);
	if (m->unpriced_permille > 0 && synth_chance(r, m->unpriced_permille))
		usage_strlcpy(u->model, synth_unpriced_model, sizeof(u->model));
	else
		usage_strlcpy(u->model, synth_models[model], sizeof(u->model));
	if (m->api_ids) {
		api_id("msg_01", m->run, seq, 22, u->message_id, sizeof(u->message_id));
		api_id("req_011C", m->run, seq, 20, u->request_id, sizeof(u->request_id));
	} else {
		snprintf(u->message_id, sizeof(u->message_id), "msg_synth%llx_%llu",
		    (unsigned long long)m->run, (unsigned long long)seq);
		snprintf(u->request_id, sizeof(u->request_id), "req_synth%llx_%llu",
		    (unsigned long long)m->run, (unsigned long long)seq);
	}
	if (x < m->batch_permille) {
		usage_strlcpy(u->source, "batch", sizeof(u->source));
		usage_strlcpy(u->service_tier, "batch", sizeof(u->service_tier));
		if (m->api_ids)
			api_id("msgbatch_01", m->run, seq / 500, 22, u->batch_id, sizeof(u->batch_id));
		else
			snprintf(u->batch_id, sizeof(u->batch_id), "msgbatch_synth%llx_%llu",
			    (unsigned long long)m->run, (unsigned long long)(seq / 500));
		snprintf(u->custom_id, sizeof(u->custom_id), "req-%llu",
		    (unsigned long long)(seq % 500));
		u->request_id[0] = '\0';
	} else {
		usage_strlcpy(u->source, x < m->batch_permille + m->import_permille ? "import" : "call",
		    sizeof(u->source));
		usage_strlcpy(u->service_tier, "standard", sizeof(u->service_tier));
	}
	usage_strlcpy(u->speed, "standard", sizeof(u->speed));
	usage_strlcpy(u->stop_reason, stop_reasons[synth_below(r, 8)], sizeof(u->stop_reason));
	if (m->tags != NULL)
		while (m->tags[ntags] != NULL)
			ntags++;
	if (ntags > 0 && synth_chance(r, m->tagged_permille))
		usage_strlcpy(u->tag, m->tags[synth_below(r, ntags)], sizeof(u->tag));
	if (m->proxy_permille || m->routed_permille || m->priority_permille || m->fast_permille ||
	    m->us_permille)
		fleet(r, m, model, u);
}

static const char *const words[] = {
	"the", "a", "to", "of", "and", "in", "is", "for", "that", "this", "with", "on", "it",
	"function", "return", "const", "struct", "int", "char", "void", "if", "else", "while",
	"static", "import", "from", "def", "class", "self", "None", "true", "false", "null",
	"error", "test", "build", "make", "file", "line", "value", "config", "server", "client",
	"request", "response", "cache", "token", "model", "usage", "cost", "report", "daily",
	"src/main.c", "tests/test_store.c", "./configure", "npm", "run", "git", "diff", "--stat",
	"index", "query", "SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "LIMIT", "JOIN",
	"Let", "me", "check", "look", "at", "fix", "update", "now", "I'll", "we", "need",
	"should", "because", "when", "then", "after", "before", "first", "next", "done",
	"passed", "failed", "warning:", "note:", "error:", "unused", "variable", "expected",
	"{", "}", "(", ")", "[", "]", ";", "=", "==", "->", "=>", "&&", "||", "+", "-", "*",
	"0", "1", "2", "42", "100", "1024", "0x7f", "3.14", "2026-11-27", "12:34:56",
	"\\n", "\\n", "\\n", "\\n", "\\n\\n", "\\t", "\\\"", "\\\"path\\\"", "\\\"id\\\":",
	"\\\\", "\\u001b[0m", "==>", "...", "\u2014", "\u00abok\u00bb",
	"\ubd84\uc11d", "\uc694\uc57d", "\ubc88\uc5ed", "\ucf54\ub4dc", "\uc791\uc131",
	"\ud14c\uc2a4\ud2b8", "\uacb0\uacfc", "\ub370\uc774\ud130", "\uce90\uc2dc",
	"\ube44\uc6a9", "\u78ba\u8a8d", "\u4fee\u6b63", "\u30ed\u30b0",
};

char *
synth_pool(struct synth_rng *r, size_t size, size_t *n)
{
	size_t len = 0, nw = sizeof(words) / sizeof(words[0]);
	char *pool = malloc(size + 64);

	if (pool == NULL)
		return NULL;
	while (len < size) {
		const char *w = words[synth_below(r, nw)];
		size_t l = strlen(w);

		memcpy(pool + len, w, l);
		len += l;
		pool[len++] = ' ';
	}
	pool[len] = '\0';
	*n = len;
	return pool;
}

void
synth_slice(struct synth_rng *r, const char *pool, size_t n, size_t len, size_t *start,
            size_t *end)
{
	const char *sp;
	size_t s, e;

	if (n < 1024) {
		*start = *end = 0;
		return;
	}
	if (len > n / 2)
		len = n / 2;
	s = (size_t)synth_below(r, n - len - 512);
	sp = memchr(pool + s, ' ', 256);
	s = sp != NULL ? (size_t)(sp - pool) + 1 : s;
	e = s + len;
	sp = memchr(pool + e, ' ', n - e);
	e = sp != NULL ? (size_t)(sp - pool) : e;
	*start = s;
	*end = e;
}
