/* merge.c — ledger merge: what another ledger holds that this one lacks,
 * read in one snapshot and written in groups (see merge.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/merge.h"
#include "data/merge_int.h"
#include "data/store_int.h"

#define MERGE_GROUP 2000

static const char *const table_names[MERGE_NTABLES] = {
	"batch", "batch_intent", "batch_result", "usage", "org_usage", "org_cost", "org_sync",
};

const char *
merge_table_name(enum merge_table t)
{
	return (unsigned)t < MERGE_NTABLES ? table_names[t] : "";
}

/* ---- opening the source ---------------------------------------------------- */

struct store *
merge_open_source(const char *target, char *err, size_t errlen)
{
	char shown[STORE_TARGET_MAX], why[1024];
	struct store *s;
	struct stat sb;
	int stale = 0, old = -1, cur = -1;
	const char *v;

	store_target_display(target, shown, sizeof(shown));
	if (store_target_local(target) && strcmp(target, ":memory:") != 0) {
		if (stat(target, &sb) != 0) {
			snprintf(err, errlen, "%s: %s", shown, strerror(errno));
			return NULL;
		}
		if (S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "%s: a directory, not a ledger file", shown);
			return NULL;
		}
	}
	if ((s = store_open_ro(target, &stale, why, sizeof(why))) != NULL)
		return s;
	/* a SQLite file of no schema of ours is some other database */
	if (stale && (v = strstr(why, ": schema version ")) != NULL &&
	    sscanf(v, ": schema version %d is older than this tokentop's (%d)", &old, &cur) != 2)
		old = cur = -1;
	if (stale && old == 0)
		snprintf(err, errlen, "%s: not a tokentop ledger (no schema version)", shown);
	else if (stale && old > 0)
		snprintf(err, errlen, "%s: a ledger of an older tokentop (schema version %d, this"
		    " one's %d): a merge source is read as it is, never migrated; open it once with"
		    " this tokentop where it may be written (TOKENTOP_HOST=NAME tokentop --db SOURCE"
		    " report: its older rows become NAME's, by default this machine's), then merge",
		    shown, old, cur);
	else if (strstr(why, "file is not a database") != NULL)
		snprintf(err, errlen, "%s: not a tokentop ledger (not a SQLite database)", shown);
	else if (strstr(why, "malformed") != NULL)
		snprintf(err, errlen, "%s: damaged or truncated (the database disk image is"
		    " malformed)", shown);
	else
		snprintf(err, errlen, "%s", why);
	return NULL;
}

/* What names this ledger: the file's device and inode (SQLite), the server
 * (its start time and port), database and schema (PostgreSQL). */
static int
identity(struct store *s, char *buf, size_t n, char *err, size_t errlen)
{
	const int pg = s->db->drv == &db_pg;
	struct db_stmt *st;
	struct stat sb;
	int rc;

	st = store_prepare(s, pg ? "SELECT pg_postmaster_start_time()::text || '/' ||"
	    " coalesce(inet_server_port(), 0)::text || '/' || current_database() || '/' ||"
	    " coalesce(current_schema(), '')" :
	    "SELECT file FROM pragma_database_list WHERE name = 'main'", "identity", err, errlen);
	if (st == NULL)
		return -1;
	if ((rc = db_step(st)) == DB_ROW) {
		const char *v = db_column_text(st, 0);

		if (pg)
			snprintf(buf, n, "pg:%s", v);
		else if (v[0] != '\0' && stat(v, &sb) == 0)
			snprintf(buf, n, "sqlite:%ju:%ju", (uintmax_t)sb.st_dev, (uintmax_t)sb.st_ino);
		else      /* in memory: a connection of its own */
			snprintf(buf, n, "sqlite:%p", (void *)s);
	} else
		store_sqlerr(s, "identity", err, errlen);
	db_finalize(st);
	return rc == DB_ROW ? 0 : -1;
}

int
merge_same(struct store *a, struct store *b, int *same, char *err, size_t errlen)
{
	char ia[1024], ib[1024];

	*same = 0;
	if (identity(a, ia, sizeof(ia), err, errlen) != 0 ||
	    identity(b, ib, sizeof(ib), err, errlen) != 0)
		return -1;
	*same = strcmp(ia, ib) == 0;
	return 0;
}

/* ---- the run ------------------------------------------------------------- */

/* err = "SOURCE: what: the driver's message". */
int
merge_src_err(struct merge_ctx *c, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", c->src->path, what, db_errmsg(c->src->db));
	return -1;
}

/* The source's record count (for the progress line), and on SQLite its
 * structure checked first: a damaged file fails here, before anything is
 * written, not half-way. */
static int
count_source(struct merge_ctx *c, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	if (c->src->db->drv == &db_sqlite) {
		if ((st = db_prepare(c->src->db, "PRAGMA quick_check(1)", 0)) == NULL)
			return merge_src_err(c, "check", err, errlen);
		rc = db_step(st);
		if (rc == DB_ROW && strcmp(db_column_text(st, 0), "ok") != 0) {
			snprintf(err, errlen, "%s: damaged: %s", c->src->path, db_column_text(st, 0));
			db_finalize(st);
			return -1;
		}
		db_finalize(st);
		if (rc != DB_ROW)
			return merge_src_err(c, "check", err, errlen);
	}
	if ((st = db_prepare(c->src->db, "SELECT (SELECT count(*) FROM batch) +"
	    " (SELECT count(*) FROM batch_intent) + (SELECT count(*) FROM batch_result) +"
	    " (SELECT count(*) FROM usage) + (SELECT count(*) FROM org_usage) +"
	    " (SELECT count(*) FROM org_cost) + (SELECT count(*) FROM org_sync)", 0)) == NULL)
		return merge_src_err(c, "count", err, errlen);
	rc = db_step(st);
	if (rc == DB_ROW)
		c->m->total = db_column_int64(st, 0);
	db_finalize(st);
	return rc == DB_ROW ? 0 : merge_src_err(c, "count", err, errlen);
}

static void
add_count(struct merge_count *a, const struct merge_count *b)
{
	a->added += b->added;
	a->duplicates += b->duplicates;
	a->replaced += b->replaced;
}

int
merge_tally(struct merge_ctx *c, enum merge_table t, const struct merge_count *n,
            int64_t read, char *err, size_t errlen)
{
	add_count(&c->m->t[t], n);
	add_count(&c->m->all, n);
	c->m->read += read;
	if (c->progress != NULL && c->progress(c->m, c->arg) != 0) {
		snprintf(err, errlen, "%s: stopped", c->src->path);
		return -1;
	}
	return 0;
}

int
merge_run(struct store *dst, struct store *src, size_t group,
          merge_progress_fn progress, void *arg, struct merge_stats *m,
          char *err, size_t errlen)
{
	struct merge_ctx c = { dst, src, group != 0 ? group : MERGE_GROUP, progress, arg, m };
	int rc;

	memset(m, 0, sizeof(*m));
	if (dst->in_tx || src->in_tx) {
		snprintf(err, errlen, "ledger merge: inside a transaction");
		return -1;
	}
	if (db_tx(src->db, DB_BEGIN_READ) != 0)
		return merge_src_err(&c, "snapshot", err, errlen);
	rc = count_source(&c, err, errlen);
	if (rc == 0)
		rc = merge_tables(&c, MERGE_BATCH, MERGE_RESULT, err, errlen);
	if (rc == 0)
		rc = merge_usage(&c, err, errlen);
	if (rc == 0)
		rc = merge_tables(&c, MERGE_ORG_USAGE, MERGE_ORG_SYNC, err, errlen);
	db_tx(src->db, DB_ROLLBACK);       /* a read: nothing to keep */
	return rc;
}
