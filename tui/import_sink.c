/* import_sink.c — the ledger's side of an import: each delivered row,
 * outcome and mark, on the delivering thread (parsing's last steps: time,
 * tag, project, unpriced models) and then on the writer thread (the store
 * calls: rows, marks, group commits). */
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/openai.h"
#include "core/provider.h"
#include "tui/import_sink.h"


static int begin_check(struct imp *m, const struct import_where *w,
                       const struct import_pos *start);
static int write_row(struct imp *m, const struct usage *u, int64_t line);
static int write_mark(struct imp *m, const char *key, const struct import_mark *mk);

static int
imp_mark_get(void *arg, const char *key, struct import_pos *pos, int *found)
{
	struct imp *m = arg;
	struct import_mark mk;

	if (m->marks != NULL)
		*found = imarks_get(m->marks, key, &mk);
	else if (store_import_mark_get(m->st, key, &mk, found, m->err, sizeof(m->err)) != 0)
		return -1;
	if (!*found)
		memset(&mk, 0, sizeof(mk));
	pos->size = mk.size;
	pos->mtime_ns = mk.mtime_ns;
	pos->offset = mk.offset;
	pos->line = mk.line;
	pos->dev = mk.dev;
	pos->ino = mk.ino;
	pos->head_len = mk.head_len;
	pos->head_hash = mk.head_hash;
	return 0;
}

/* The batch of a results file: --batch-id, else a msgbatch_*.jsonl name. */
static int
imp_file_begin(void *arg, const struct import_where *w, const struct import_pos *start)
{
	struct imp *m = arg;
	struct batch_rec *b;
	char name[1024], *base;
	size_t n;
	int found = 0;

	if (m->w != NULL && begin_check(m, w, start) != 0)
		return -1;
	m->batch_id[0] = '\0';
	m->batch_end_ms = m->now_ms;
	m->batch_end_known = 0;
	usage_strlcpy(name, w->path, sizeof(name));
	base = basename(name);
	n = strlen(base);
	if (m->batch_flag != NULL) {
		usage_strlcpy(m->batch_id, m->batch_flag, sizeof(m->batch_id));
	} else if (strncmp(base, "msgbatch_", 9) == 0 && n > 6 &&
	    strcmp(base + n - 6, ".jsonl") == 0) {
		base[n - 6] = '\0';
		usage_strlcpy(m->batch_id, base, sizeof(m->batch_id));
	} else if (strncmp(base, "batch_", 6) == 0 && (w->format == IMPORT_OPENAI_BATCH ||
	    w->format == IMPORT_AUTO)) {
		openai_batch_name(base, m->batch_id, sizeof(m->batch_id));
	}
	if (m->batch_id[0] == '\0')
		return 0;
	if (m->w != NULL && iw_sync(m->w) != 0)     /* the store is this thread's now */
		return -1;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	if (store_batch_get(m->st, m->pr, m->batch_id, b, &found, m->err, sizeof(m->err)) != 0) {
		free(b);
		return -1;
	}
	if (found && b->ended_ms > 0) {
		m->batch_end_ms = b->ended_ms;
		m->batch_end_known = 1;
	}
	free(b);
	return 0;
}

static int
note_unpriced(struct imp *m, const struct usage *u)
{
	const char *model = u->model;
	size_t i;
	char **v;

	/* rows come in runs of one model: the last one priced is not looked up */
	if (strcmp(m->priced_model, model) == 0 && strcmp(m->priced_provider, u->provider) == 0)
		return 0;
	if (pricing_find_for(m->pr, provider_of(u)->id, model) != NULL) {
		usage_strlcpy(m->priced_model, model, sizeof(m->priced_model));
		usage_strlcpy(m->priced_provider, u->provider, sizeof(m->priced_provider));
		return 0;
	}
	for (i = 0; i < m->nunpriced; i++)
		if (strcmp(m->unpriced[i], model) == 0)
			return 0;
	if ((v = realloc(m->unpriced, (m->nunpriced + 1) * sizeof(*v))) == NULL)
		return -1;
	m->unpriced = v;
	if ((v[m->nunpriced] = strdup(model)) == NULL)
		return -1;
	m->nunpriced++;
	return 0;
}

/* A row's outcome, counted once its transaction commits (imp_checkpoint);
 * stamped: its time is the import's. */
static void
count(struct imp *m, enum store_put r, int stamped)
{
	if (r == STORE_ADDED) {
		m->p_added++;
		m->p_stamped += stamped != 0;
	} else
		m->p_dups++;
	if (r == STORE_REPLACED)
		m->p_replaced++;
}

static int
imp_row(void *arg, const struct import_where *w, const struct usage *in)
{
	struct imp *m = arg;
	struct usage u = *in;

	if (u.ts_ms == 0) {
		u.ts_ms = m->now_ms;       /* a bare response has no time of its own */
		u.ts_import = 1;           /* …so it says so: no burn rate */
	}
	if (m->tag != NULL)
		usage_strlcpy(u.tag, m->tag, sizeof(u.tag));
	if (u.host[0] == '\0')       /* stamped here, not copied again by the writer */
		usage_strlcpy(u.host, store_host(m->st), sizeof(u.host));
	if (u.cwd[0] != '\0' && u.project[0] == '\0')   /* a coding agent's row: who spent it */
		project_of(m->projects, u.cwd, u.project, sizeof(u.project));
	if (note_unpriced(m, &u) != 0)
		return -1;
	if (m->w != NULL)
		return iw_row(m->w, &u, w->line);
	return write_row(m, &u, w->line);
}

static int
imp_result(void *arg, const struct import_where *w, const struct usage_result *res)
{
	struct imp *m = arg;
	struct usage u = res->u;
	int ok = strcmp(res->type, "succeeded") == 0, dup = 0;
	enum store_put r;

	if (m->w != NULL && iw_sync(m->w) != 0)     /* the store is this thread's now */
		return -1;
	m->group_rows++;
	if (ok) {
		if (u.ts_ms == 0) {         /* OpenAI's bodies say when; Anthropic's do not */
			u.ts_ms = m->batch_end_ms;
			u.ts_import = !m->batch_end_known;
		}
		usage_strlcpy(u.batch_id, m->batch_id, sizeof(u.batch_id));
		if (m->tag != NULL)
			usage_strlcpy(u.tag, m->tag, sizeof(u.tag));
		if (note_unpriced(m, &u) != 0)
			return -1;
	}
	if (m->batch_id[0] == '\0') {
		/* no batch to record outcomes against: only billed rows count */
		if (!ok)
			return 0;
		if (store_insert_usage(m->st, &u, &r, m->err, sizeof(m->err)) != 0)
			return -1;
		count(m, r, u.ts_import);
		return 0;
	}
	if (store_batch_result(m->st, m->batch_id, res->custom_id, res->type,
	    res->error[0] != '\0' ? res->error : NULL, ok ? &u : NULL, &dup,
	    m->err, sizeof(m->err)) != 0)
		return -1;
	if (ok)
		count(m, dup ? STORE_DUPLICATE : STORE_ADDED, u.ts_import);
	return 0;
}

static int
imp_malformed(void *arg, const struct import_where *w, const char *reason)
{
	struct imp *m = arg;

	m->malformed++;
	cli_line(stderr, "%s:%" PRId64 ": %s", w->path, w->line, reason);   /* sanitised */
	return 0;
}

int64_t
imp_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The group's rows counted once they are committed (a rollback forgets them). */
void
imp_fold_counts(struct imp *m)
{
	m->added += m->p_added;
	m->duplicates += m->p_dups;
	m->replaced += m->p_replaced;
	m->stamped += m->p_stamped;
	m->p_added = m->p_dups = m->p_replaced = m->p_stamped = 0;
}

/* Commit the group and start the next at now. 0, or -1 + m->err. */
static int
commit_group(struct imp *m, int64_t now)
{
	if (store_commit(m->st, m->err, sizeof(m->err)) != 0)
		return -1;
	ickpt_kick(m->ck);                   /* copied into the file beside us */
	imp_fold_counts(m);
	m->group_rows = 0;
	m->group_start = now;
	return store_begin(m->st, m->err, sizeof(m->err)) != 0 ? -1 : 0;
}

/* ---- the store's side: on the writer thread while it runs ------------------ */

/* A row into the open group. 0, or -1 + m->err. */
static int
write_row(struct imp *m, const struct usage *u, int64_t line)
{
	enum store_put r;

	if (line <= m->skip_line) {          /* the other import's already */
		count(m, STORE_DUPLICATE, 0);
		return 0;
	}
	if (store_put_bulk(m->st, u, &r, m->err, sizeof(m->err)) != 0)
		return -1;
	count(m, r, u->ts_import);
	m->group_rows++;
	return 0;
}

/* A file's mark with the rows it accounts for; the group committed once
 * full (GROUP_ROWS, GROUP_MS). 0, or -1 + m->err. */
static int
write_mark(struct imp *m, const char *key, const struct import_mark *mk)
{
	int64_t now;

	if (mk->line <= m->skip_line)        /* never back behind the other's */
		return 0;
	if (store_import_mark_set(m->st, key, mk, m->err, sizeof(m->err)) != 0)
		return -1;
	now = imp_mono_ms();
	if (m->group_rows < m->group_max && now - m->group_start < m->group_ms)
		return 0;
	return commit_group(m, now);
}

static int
same_file(const struct import_mark *a, const struct import_mark *b)
{
	/* (heads hashed over other lengths cannot be compared: a file under 4 KB) */
	return a->dev == b->dev && a->ino == b->ino &&
	    (a->head_len != b->head_len || a->head_hash == b->head_hash);
}

/* The marks were read when the import began: a file's reading starts where
 * its mark was then. Another import may have read on in the same file since
 * (between two groups): its lines up to that import's mark are skipped here
 * (counted as duplicates) and the mark never moves back. Another import that
 * saw another file under the key (replaced meanwhile) stops this one, what
 * it committed kept, saying so: a second run goes on from the new mark. */
static int
writer_begin(void *arg, const char *key, int found, const struct import_mark *was,
             const struct import_mark *start)
{
	struct imp *m = arg;
	struct import_mark now;
	int here = 0;

	m->skip_line = 0;
	if (store_import_mark_get(m->st, key, &now, &here, m->err, sizeof(m->err)) != 0)
		return -1;
	if (here == found && (!found || memcmp(&now, was, sizeof(now)) == 0))
		return 0;
	if (here && same_file(&now, start) && now.offset >= start->offset) {
		m->skip_line = now.line;
		return 0;
	}
	snprintf(m->err, sizeof(m->err), "%s: another import read this file while this one ran "
	    "(its mark moved); what this import committed is kept: run it again to go on", key);
	return -1;
}

static int
writer_row(void *arg, const struct usage *u, int64_t line)
{
	return write_row(arg, u, line);
}

static int
writer_mark(void *arg, const char *key, const struct import_mark *mk)
{
	return write_mark(arg, key, mk);
}

const struct iw_ops imp_writer_ops = { writer_row, writer_mark, writer_begin };

/* Deliverer: the writer checks the mark this file's reading started from. */
static int
begin_check(struct imp *m, const struct import_where *w, const struct import_pos *start)
{
	struct import_mark mk, at = { start->size, start->mtime_ns, start->offset, start->line,
	    start->dev, start->ino, start->head_len, start->head_hash };
	int found = imarks_get(m->marks, w->key, &mk);

	if (!found)
		memset(&mk, 0, sizeof(mk));
	return iw_begin(m->w, w->key, found, &mk, &at);
}

/* A path that could not be read: said now, in its place; the rest goes on
 * and the exit status tells. */
static int
imp_unreadable(void *arg, const char *path, const char *why)
{
	struct imp *m = arg;

	cli_fail("import", "%s: %s", path, why);
	if (import_unreadable_add(&m->bad, path, why) != 0) {
		snprintf(m->err, sizeof(m->err), "out of memory");
		return -1;
	}
	return 0;
}

/* Rows so far and the mark that accounts for them land in one transaction,
 * committed once the group is full (GROUP_ROWS, GROUP_MS). */
static int
imp_checkpoint(void *arg, const struct import_where *w, const struct import_pos *pos)
{
	struct imp *m = arg;
	struct import_mark mk = { pos->size, pos->mtime_ns, pos->offset, pos->line, pos->dev,
	    pos->ino, pos->head_len, pos->head_hash };

	if (m->marks != NULL && imarks_set(m->marks, w->key, &mk) != 0) {
		snprintf(m->err, sizeof(m->err), "out of memory");
		return -1;
	}
	if (m->w != NULL)
		return iw_mark(m->w, w->key, &mk);
	return write_mark(m, w->key, &mk);
}

const struct import_sink imp_sink = {
	.mark_get = imp_mark_get,
	.file_begin = imp_file_begin,
	.row = imp_row,
	.result = imp_result,
	.malformed = imp_malformed,
	.checkpoint = imp_checkpoint,
	.unreadable = imp_unreadable,
};
