/* import_deliver.c — the import's delivering side, on the caller's thread:
 * each classified entry of the oldest chunk in flight to the sink, in file
 * order — a file's start and end (its marks), rows (a Codex file's folded in
 * its order), outcomes, malformed lines — with the checkpoints between. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/import_int.h"

static int
bad_line(struct reader *r, const char *reason)
{
	r->st->skipped++;
	r->st->malformed++;
	if (r->sink->malformed != NULL && r->sink->malformed(r->arg, &r->w, reason) != 0)
		return -1;
	return 0;
}

static int
too_long(struct reader *r)
{
	char why[96];

	snprintf(why, sizeof(why), "line longer than %lld bytes", (long long)r->max_line);
	return bad_line(r, why);
}

/* A mark: last, the file's final one (its last entry is classified, so the
 * hash a worker took of its head may be read; before, the worker may still be
 * at it). */
static int
checkpoint(struct reader *r, int last)
{
	const struct inflight *in = r->din;

	/* only consumed bytes are hashed: they never change in a file that grows */
	r->pos.head_len = r->pos.offset < (int64_t)in->nhead ? r->pos.offset : (int64_t)in->nhead;
	r->pos.head_hash = last && in->hashed && r->pos.head_len == (int64_t)in->nhead ?
	    (int64_t)in->head_hash : (int64_t)import_hash(in->head, (size_t)r->pos.head_len);
	r->since_ckpt = 0;
	if (r->sink->checkpoint != NULL && r->sink->checkpoint(r->arg, &r->w, &r->pos) != 0)
		return -1;
	return 0;
}

/* A delivered row or outcome: checkpoint every checkpoint_rows of them. */
static int
delivered(struct reader *r)
{
	int64_t every = r->o->checkpoint_rows > 0 ? r->o->checkpoint_rows : 2000;

	if (++r->since_ckpt >= every)
		return checkpoint(r, 0);
	return 0;
}

/* Account for one consumed line of n bytes (incl. '\n'). */
static void
consumed(struct reader *r, size_t n)
{
	r->pos.offset += (int64_t)n;
	r->pos.line++;
	if (r->pos.size < r->pos.offset)
		r->pos.size = r->pos.offset;
	r->w.line = r->pos.line;
	r->st->bytes += (int64_t)n;
	r->st->lines++;
}

/* A file's first entry: the sink is told where reading it began. */
static int
begin_file(struct reader *r, const struct ent *e)
{
	r->din = r->fifo[r->fhead];
	r->w.path = e->v.file.path;
	r->w.key = r->din->key;
	r->w.format = r->o->format;
	r->pos = e->v.file.start;
	r->w.line = r->pos.line;
	r->since_ckpt = 0;
	r->st->files++;
	if (r->sink->file_begin != NULL && r->sink->file_begin(r->arg, &r->w, &r->pos) != 0)
		return -1;
	return 0;
}

/* A file's last entry: its final checkpoint; its key is let go. */
static int
end_file(struct reader *r, const struct ent *e)
{
	int rc;

	r->w.format = e->fmt;
	rc = checkpoint(r, 1);
	free(r->fifo[r->fhead]->key);
	free(r->fifo[r->fhead]);
	r->fifo[r->fhead++] = NULL;
	if (r->fhead == r->nfifo)
		r->fhead = r->nfifo = 0;
	r->w.key = NULL;
	r->din = NULL;
	return rc;
}

/* A file that could not be read, in its place among the others: to the
 * sink, or kept for the caller (import_file). 0, or -1 when the sink stopped. */
static int
unreadable(struct reader *r, const struct ent *e)
{
	if (r->sink->unreadable != NULL)
		return r->sink->unreadable(r->arg, e->v.file.path, e->v.file.why) != 0 ? -1 : 0;
	r->unreadable = 1;
	usage_strlcpy(r->why, e->v.file.why, sizeof(r->why));
	return 0;
}

static int
row(struct reader *r, const struct usage *u)
{
	r->st->rows++;
	if (r->sink->row != NULL && r->sink->row(r->arg, &r->w, u) != 0)
		return -1;
	return delivered(r);
}

/* A Codex line folded into its file's state: a row when its total grew. */
static int
codex_row(struct reader *r, const struct codex_event *ev)
{
	char err[256];
	struct usage u;

	switch (codex_fold(&r->din->cx, ev, &u, err, sizeof(err))) {
	case 1:
		return row(r, &u);
	case -1:
		return bad_line(r, err);
	}
	r->st->skipped++;
	return 0;
}

/* One classified entry to the sink; 0, or -1 when the sink stopped. */
static int
deliver(struct reader *r, const struct ent *e)
{
	if (e->kind == ENT_BEGIN)
		return begin_file(r, e);
	if (e->kind == ENT_END)
		return end_file(r, e);
	if (e->kind == ENT_UNREADABLE)
		return unreadable(r, e);
	consumed(r, e->n);
	r->w.format = e->fmt;
	switch (e->kind) {
	case ENT_PENDING:
	case ENT_SKIP:
	case ENT_BEGIN:
	case ENT_END:
	case ENT_UNREADABLE:
		r->st->skipped++;
		return 0;
	case ENT_BAD:
		return bad_line(r, e->v.err);
	case ENT_TOO_LONG:
		return too_long(r);
	case ENT_RESULT:
		r->st->results++;
		if (strcmp(e->v.res->type, "succeeded") == 0)
			r->st->rows++;
		else
			r->st->skipped++;
		if (r->sink->result != NULL && r->sink->result(r->arg, &r->w, e->v.res) != 0)
			return -1;
		return delivered(r);
	case ENT_ROW:
		return row(r, &e->v.u);
	case ENT_CODEX:
		return codex_row(r, &e->v.cx);
	}
	return 0;
}

int
ip_consume(struct reader *r)
{
	struct import_pool *p = r->p;
	struct chunk *c = &p->ring[p->tail % p->nring];
	int i, rc = 0;

	ip_chunk_wait(p, c);
	for (i = 0; i < c->n && rc == 0; i++)
		rc = deliver(r, &c->e[i]);
	ip_chunk_reset(c);
	p->tail++;
	return rc;
}
