/* import_pool.c — what one import line comes to, decided on any thread:
 * format detection, the per-format parse into a row or a result, and the
 * worker pool that classifies chunks of lines while the reader (import.c)
 * reads ahead and delivers in file order. Claude Code transcript lines and
 * Codex rollout lines go through simdjson (core/usage_simd.cc, exactly
 * jansson's decisions); every other parse (OpenAI, results, Messages) is
 * jansson's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/import_int.h"
#include "core/openai.h"
#include "core/usage_simd.h"

/* ---- format names and detection ------------------------------------------- */

static const char *const format_names[] = {
	[IMPORT_AUTO] = "auto",
	[IMPORT_MESSAGES] = "messages",
	[IMPORT_BATCH_RESULTS] = "batch-results",
	[IMPORT_CLAUDE_CODE] = "claude-code",
	[IMPORT_OPENAI] = "openai",
	[IMPORT_OPENAI_BATCH] = "openai-batch",
	[IMPORT_CODEX] = "codex",
};

const char *
import_format_name(enum import_format f)
{
	if ((unsigned)f >= sizeof(format_names) / sizeof(format_names[0]))
		return "?";
	return format_names[f];
}

int
import_format_parse(const char *name, enum import_format *f)
{
	size_t i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*f = (enum import_format)i;
			return 0;
		}
	}
	return -1;
}

/* Does the line hold "session_meta", "turn_context" or "token_count" (with
 * their quotes)? One pass from quote to quote (memchr) rather than a memmem
 * a word: most of a rollout's bytes are in lines that hold none. */
static int
codex_has_kind(const char *line, size_t len)
{
	const char *p = line, *end = line + len, *q;
	size_t left;

	while ((q = memchr(p, '"', (size_t)(end - p))) != NULL) {
		left = (size_t)(end - q);
		if (left >= 13 && (q[1] == 's' || q[1] == 't')) {
			if (left >= 14 && (memcmp(q, "\"session_meta\"", 14) == 0 ||
			    memcmp(q, "\"turn_context\"", 14) == 0))
				return 1;
			if (memcmp(q, "\"token_count\"", 13) == 0)
				return 1;
		}
		p = q + 1;
	}
	return 0;
}

/* Could a line be a Codex rollout line worth parsing? (The cheap test:
 * other rollout lines — messages, tool calls — carry nothing billed.) */
static int
codex_telling(const char *line, size_t len)
{
	return memmem(line, len, "\"payload\"", 9) != NULL && codex_has_kind(line, len);
}

/* The format a parsed line is in, else IMPORT_AUTO. */
static enum import_format
format_of(json_t *r)
{
	json_t *msg = json_object_get(r, "message");

	if (json_is_string(json_object_get(r, "custom_id")) &&
	    json_is_object(json_object_get(r, "result")))
		return IMPORT_BATCH_RESULTS;
	if (openai_is_batch_line(r))
		return IMPORT_OPENAI_BATCH;
	if (json_is_object(msg) && json_is_object(json_object_get(msg, "usage")))
		return IMPORT_CLAUDE_CODE;
	if (codex_is_line(r))
		return IMPORT_CODEX;
	if (openai_is_response(r))
		return IMPORT_OPENAI;
	if (json_is_object(json_object_get(r, "usage")))
		return IMPORT_MESSAGES;
	return IMPORT_AUTO;
}

/*
 * As import_detect; *bad = 1 (with the reason) when the line looked like
 * ours ("usage", "custom_id" or a Codex line in it) but is not valid JSON.
 * When jansson decided and the line tells, *root is its parse, for the
 * caller to read the row from (and json_decref): a line is parsed by
 * jansson once at most.
 */
static enum import_format
detect(const char *line, size_t len, int *bad, json_t **root, char *err, size_t errlen)
{
	enum import_format f;
	json_error_t je;
	json_t *r;

	static const enum import_format by_shape[] = { [USAGE_SIMD_OTHER] = IMPORT_AUTO,
		[USAGE_SIMD_RESULT] = IMPORT_BATCH_RESULTS,
		[USAGE_SIMD_TRANSCRIPT] = IMPORT_CLAUDE_CODE, [USAGE_SIMD_MESSAGE] = IMPORT_MESSAGES };
	enum usage_simd_shape shape;

	*bad = 0;
	*root = NULL;
	if (!usage_line_has_usage(line, len) && memmem(line, len, "\"custom_id\"", 11) == NULL &&
	    !codex_telling(line, len))
		return IMPORT_AUTO;
	/* simdjson decides where it is sure (the line is then parsed again for
	 * its row, by simdjson too for a transcript); jansson does the rest */
	if (usage_simd_shape(line, len, &shape) == 0)
		return by_shape[shape];
	if ((r = json_loadb(line, len, 0, &je)) == NULL) {
		*bad = 1;
		snprintf(err, errlen, "invalid JSON at column %d: %s", je.column, je.text);
		return IMPORT_AUTO;
	}
	if ((f = format_of(r)) == IMPORT_AUTO)
		json_decref(r);
	else
		*root = r;
	return f;
}

enum import_format
import_detect(const char *line, size_t len)
{
	enum import_format f;
	json_t *root;
	char err[8];
	int bad;

	f = detect(line, len, &bad, &root, err, sizeof(err));
	json_decref(root);
	return f;
}

/* ---- classifying lines (any thread) --------------------------------------- */

/* The OpenAI formats and Codex: one object a line (root as parse_line's). */
static enum usage_line
parse_other(enum import_format f, const char *line, size_t len, json_t *root,
            struct usage *u, struct usage_result *res, struct codex_event *cx,
            char *err, size_t errlen)
{
	json_t *own = NULL;
	int rc;

	if (f == IMPORT_CODEX && root == NULL && !codex_telling(line, len))
		return USAGE_LINE_SKIP;
	/* simdjson where it is sure of codex_parse's answer; jansson the rest */
	if (f == IMPORT_CODEX && root == NULL && usage_simd_codex(line, len, cx) == USAGE_SIMD_ROW)
		return USAGE_LINE_ROW;
	if (root == NULL && (root = own = usage_load_line(line, len, err, errlen)) == NULL)
		return USAGE_LINE_MALFORMED;
	if (f == IMPORT_CODEX) {
		rc = codex_parse(root, cx, err, errlen);
	} else if (f == IMPORT_OPENAI_BATCH) {
		rc = openai_result_from_obj(root, res, err, errlen);
	} else {
		memset(u, 0, sizeof(*u));
		rc = openai_response_usage(root, u, err, errlen);
		u->ts_ms = openai_response_time(root);
		usage_strlcpy(u->source, "import", sizeof(u->source));
	}
	json_decref(own);
	return rc == 0 ? USAGE_LINE_ROW : USAGE_LINE_MALFORMED;
}

/*
 * One line in the file's format into a row (USAGE_LINE_ROW, in u) or a
 * result (USAGE_LINE_ROW, in res), or USAGE_LINE_SKIP / _MALFORMED (err).
 * root: the line already parsed by detect (borrowed), else NULL.
 */
static enum usage_line
parse_line(enum import_format f, const char *line, size_t len, json_t *root,
           struct usage *u, struct usage_result *res, struct codex_event *cx,
           char *err, size_t errlen)
{
	switch (f) {
	case IMPORT_MESSAGES:
		memset(u, 0, sizeof(*u));
		if (root != NULL ? usage_from_message(root, u, err, errlen) != 0 :
		    usage_parse_message_line(line, len, u, err, errlen) != 0)
			return USAGE_LINE_MALFORMED;
		usage_strlcpy(u->source, "import", sizeof(u->source));
		return USAGE_LINE_ROW;
	case IMPORT_CLAUDE_CODE:
		if (root == NULL)     /* simdjson, and jansson where it is unsure */
			return usage_simd_parse_transcript_line(line, len, u, err, errlen);
		if (!usage_line_has_usage(line, len))
			return USAGE_LINE_SKIP;        /* as the line parser decides */
		return usage_from_transcript(root, u, err, errlen);
	case IMPORT_BATCH_RESULTS:
		if (root != NULL ? usage_result_from_obj(root, res, err, errlen) != 0 :
		    usage_parse_result_line(line, len, res, err, errlen) != 0)
			return USAGE_LINE_MALFORMED;
		return USAGE_LINE_ROW;
	case IMPORT_OPENAI:
	case IMPORT_OPENAI_BATCH:
	case IMPORT_CODEX:
		return parse_other(f, line, len, root, u, res, cx, err, errlen);
	case IMPORT_AUTO:
		break;
	}
	return USAGE_LINE_SKIP;
}

static int
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/*
 * One line in format *fmt into e; IMPORT_AUTO: the line may decide *fmt
 * (format detection hands its parse on, so a line is parsed once). Touches
 * only e, c's outcomes (c NULL: an outcome is skipped) and the line: safe on
 * the thread that has c.
 */
void
ip_classify(struct ent *e, const char *line, enum import_format *fmt, struct chunk *c)
{
	struct usage_result *res = NULL;
	enum usage_line rc;
	json_t *root = NULL;
	char err[sizeof(e->v.err)];
	int bad;

	err[0] = '\0';
	e->kind = ENT_SKIP;
	if (blank(line, e->len))
		goto out;
	if (*fmt == IMPORT_AUTO) {
		*fmt = detect(line, e->len, &bad, &root, err, sizeof(err));
		if (bad)
			e->kind = ENT_BAD;
		if (*fmt == IMPORT_AUTO)
			goto out;
	}
	if (*fmt == IMPORT_BATCH_RESULTS || *fmt == IMPORT_OPENAI_BATCH) {
		if (c == NULL || (c->res == NULL &&
		    (c->res = malloc(CHUNK_LINES * sizeof(*c->res))) == NULL)) {
			if (c != NULL) {
				e->kind = ENT_BAD;
				snprintf(err, sizeof(err), "out of memory");
			}
			json_decref(root);
			goto out;
		}
		res = &c->res[c->nres];
	}
	rc = parse_line(*fmt, line, e->len, root, &e->v.u, res, &e->v.cx, err, sizeof(err));
	json_decref(root);
	if (rc == USAGE_LINE_ROW && res != NULL) {
		e->v.res = res;
		c->nres++;
	}
	if (rc == USAGE_LINE_MALFORMED)
		e->kind = ENT_BAD;
	else if (rc == USAGE_LINE_ROW)
		e->kind = *fmt == IMPORT_BATCH_RESULTS || *fmt == IMPORT_OPENAI_BATCH ? ENT_RESULT :
		    *fmt == IMPORT_CODEX ? ENT_CODEX : ENT_ROW;
out:
	if (e->kind == ENT_BAD)
		memcpy(e->v.err, err, sizeof(err));    /* what the parse left there is moot */
	e->fmt = *fmt;
}

void
ip_classify_chunk(struct chunk *c)
{
	struct inflight *in;
	enum import_format fmt;
	int i;

	for (i = 0; i < c->n; i++) {
		fmt = c->e[i].fmt;        /* decided: a line is left pending only then */
		if (c->e[i].kind == ENT_PENDING) {
			ip_classify(&c->e[i], c->buf + c->e[i].off, &fmt, c);
		} else if (c->e[i].kind == ENT_END && (in = c->e[i].v.file.in) != NULL) {
			/* its head is read by now: the hash its final mark takes
			 * (FNV-1a is a byte at a time; ~5 us a file) */
			in->head_hash = import_hash(in->head, in->nhead);
			in->hashed = 1;
		}
	}
}

/*
 * Claim the oldest chunk not yet claimed and classify it: workers, and the
 * caller's thread while it waits for a chunk. Called, and returns, with
 * p->mu held.
 */
static void
work_one(struct import_pool *p)
{
	struct chunk *c = &p->ring[p->next_work++ % p->nring];

	pthread_mutex_unlock(&p->mu);
	ip_classify_chunk(c);
	pthread_mutex_lock(&p->mu);
	c->done = 1;
	pthread_cond_broadcast(&p->done);
}

static void *
worker(void *arg)
{
	struct import_pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->next_work == p->head)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->quit)
			break;
		work_one(p);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Workers for o->jobs (0: one per online CPU, at least 2; 1: none, the
 * caller's thread classifies), started with the first chunk (ip_pool_start).
 * 0, or -1 out of memory. */
int
ip_pool_init(struct import_pool *p, int jobs)
{
	long cpus;
	int want;

	memset(p, 0, sizeof(*p));
	p->key_dirfd = -1;
	if (jobs <= 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = cpus > 2 ? (int)cpus : 2;
	}
	want = jobs > 1 ? (jobs > MAX_JOBS ? MAX_JOBS : jobs) : 0;
	/* at least 2: the reader carries a line not yet complete from the
	 * chunk it hands on to the next (import.c) */
	p->nring = (unsigned)(want > 0 ? 2 * want + 2 : 2);
	if ((p->ring = calloc(p->nring, sizeof(*p->ring))) == NULL)
		return -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (want > 0)
		json_object_seed(0);      /* before any thread parses (jansson: thread safety) */
	p->want = want;               /* started by ip_pool_start */
	return 0;
}

void
ip_pool_start(struct import_pool *p)
{
	while (p->nth < p->want && pthread_create(&p->th[p->nth], NULL, worker, p) == 0)
		p->nth++;
	p->want = p->nth;             /* a thread that could not start is not tried again */
}

void
ip_pool_fini(struct import_pool *p)
{
	unsigned i;
	int k;

	if (p->ring == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (k = 0; k < p->nth; k++)
		pthread_join(p->th[k], NULL);
	for (i = 0; i < p->nring; i++) {
		free(p->ring[i].buf);
		free(p->ring[i].res);
	}
	ip_dir_forget(p);
	free(p->ring);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	p->ring = NULL;
}

struct import_pool *
import_pool_new(int jobs)
{
	struct import_pool *p = malloc(sizeof(*p));

	if (p != NULL && ip_pool_init(p, jobs) != 0) {
		free(p);
		p = NULL;
	}
	return p;
}

void
import_pool_free(struct import_pool *p)
{
	if (p == NULL)
		return;
	ip_pool_fini(p);
	free(p);
}

/*
 * Wait until the oldest chunk in flight (c) is classified; when no worker
 * has taken it yet (they are busy, or descheduled on a shared machine),
 * classify it here rather than wait. Chunks after it are left to the
 * workers: the caller's thread has the reading and delivering to do.
 */
void
ip_chunk_wait(struct import_pool *p, struct chunk *c)
{
	pthread_mutex_lock(&p->mu);
	while (!c->done) {
		if (p->next_work == p->tail)
			work_one(p);
		else
			pthread_cond_wait(&p->done, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
}

void
ip_chunk_reset(struct chunk *c)
{
	c->n = 0;
	c->nres = 0;
	c->used = 0;
	c->done = 0;
	if (c->cap > CHUNK_KEEP) {
		free(c->buf);
		c->buf = NULL;
		c->cap = 0;
	}
}

/* After a stop: drop what is in flight, so the pool can read the next file. */
void
ip_discard(struct import_pool *p)
{
	struct chunk *c;

	for (; p->tail < p->head; p->tail++) {
		c = &p->ring[p->tail % p->nring];
		ip_chunk_wait(p, c);
		ip_chunk_reset(c);
	}
	ip_chunk_reset(&p->ring[p->head % p->nring]);   /* the one being filled */
}

