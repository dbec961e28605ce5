/* store.c — opening the ledger through its driver (data/db.h), schema
 * migrations and transactions (the statements: store_stmt.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/store_int.h"
#include "data/schema_fresh.h"

/* How many times a single operation is run again after a serialization
 * failure or deadlock with another writer (PostgreSQL). */
#define OP_RETRIES 8


/* The drivers, asked in order: the first that claims a target has it. */
static const struct db_driver *const drivers[] = { &db_pg, &db_sqlite };

const struct db_driver *
db_driver_for(const char *target)
{
	size_t i;

	for (i = 0; i + 1 < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (drivers[i]->claims(target))
			return drivers[i];
	return drivers[i];
}

/* The schema of each driver (the same versions, in each dialect). */
static const struct {
	const struct db_driver *drv;
	const char *const      *migrations;
	const int              *n;
} schemas[] = {
	{ &db_sqlite, store_migrations, &store_nmigrations },
	{ &db_pg, store_migrations_pg, &store_nmigrations_pg },
};

int
store_sqlerr(struct store *s, const char *what, char *err, size_t errlen)
{
	if (s == NULL || s->db == NULL) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	snprintf(err, errlen, "%s: %s", what, db_errmsg(s->db));
	s->retry = db_fail(s->db) == DB_RETRY;
	return -1;
}


int
store_exec(struct store *s, const char *sql, char *err, size_t errlen)
{
	if (db_exec(s->db, sql) != 0)
		return store_sqlerr(s, s->path, err, errlen);
	return 0;
}

void
store_bind_text(struct db_stmt *st, int i, const char *v)
{
	db_bind_text(st, i, v != NULL ? v : "");
}

struct db_stmt *
store_prepare(struct store *s, const char *sql, const char *what, char *err, size_t errlen)
{
	struct db_stmt *st = db_prepare(s->db, sql, 0);

	if (st == NULL)
		store_sqlerr(s, what, err, errlen);
	return st;
}

/* A transaction step; err = "PATH: what: reason". */
static int
tx(struct store *s, enum db_tx what, const char *name, char *err, size_t errlen)
{
	if (db_tx(s->db, what) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s: %s", s->path, name, db_errmsg(s->db));
	s->retry = db_fail(s->db) == DB_RETRY;
	return -1;
}

int
store_begin(struct store *s, char *err, size_t errlen)
{
	if (s->in_tx) {
		snprintf(err, errlen, "store_begin: already in a transaction");
		return -1;
	}
	if (tx(s, DB_BEGIN, "BEGIN", err, errlen) != 0)
		return -1;
	s->in_tx = 1;
	s->tx_seq++;
	return 0;
}

int
store_commit(struct store *s, char *err, size_t errlen)
{
	if (!s->in_tx) {
		snprintf(err, errlen, "store_commit: no transaction");
		return -1;
	}
	if (s->rollup_failed) {
		snprintf(err, errlen, "%s: rollup update failed earlier; rolled back", s->path);
		store_rollback(s);
		return -1;
	}
	if (store_rollup_flush(s, err, errlen) != 0 ||
	    tx(s, DB_COMMIT, "COMMIT", err, errlen) != 0) {
		store_rollback(s);
		return -1;
	}
	s->in_tx = 0;
	return 0;
}

void
store_rollback(struct store *s)
{
	if (s == NULL || s->db == NULL)
		return;
	db_tx(s->db, DB_ROLLBACK);
	store_bulk_discard(s);
	store_rollup_discard(s);
	s->in_tx = 0;
	s->in_op = 0;
	s->rollup_failed = 0;
}

int
store_op_begin(struct store *s, char *err, size_t errlen)
{
	int rc;

	s->retry = 0;
	if (s->in_tx && !s->bulk_hold && store_bulk_flush(s, err, errlen) != 0)
		return -1;
	if (s->in_tx)
		rc = tx(s, DB_SAVEPOINT, "savepoint", err, errlen);
	else
		rc = tx(s, DB_BEGIN, "BEGIN", err, errlen);
	s->in_op = rc == 0;
	return rc;
}

int
store_op_end(struct store *s, int ok, char *err, size_t errlen)
{
	char tmp[64];
	int retry = s->retry;

	s->in_op = 0;
	store_rollup_op_end(s, ok);
	if (s->in_tx) {
		if (!ok)
			tx(s, DB_ROLLBACK_TO, "savepoint", tmp, sizeof(tmp));
		if (tx(s, DB_RELEASE, "savepoint", err, errlen) != 0)
			return -1;
		/* a long transaction writes its rollup deltas now and then */
		if (ok && store_rollup_full(s) && store_rollup_flush(s, err, errlen) != 0) {
			s->rollup_failed = 1;
			return -1;
		}
		return 0;
	}
	if (!ok) {
		store_rollback(s);
		s->retry = retry;     /* the failure the caller may retry on */
		return 0;
	}
	if (store_rollup_flush(s, err, errlen) != 0 ||
	    tx(s, DB_COMMIT, "COMMIT", err, errlen) != 0) {
		retry = s->retry;
		store_rollback(s);
		s->retry = retry;
		return -1;
	}
	return 0;
}

int
store_op_run(struct store *s, int (*fn)(struct store *s, void *arg, char *err, size_t errlen),
             void *arg, char *err, size_t errlen)
{
	char tmp[64];
	int attempt;

	for (attempt = 0; ; attempt++) {
		if (store_op_begin(s, err, errlen) != 0)
			return -1;
		if (fn(s, arg, err, errlen) != 0)
			store_op_end(s, 0, tmp, sizeof(tmp));
		else if (store_op_end(s, 1, err, errlen) == 0)
			return 0;
		if (s->in_tx || !s->retry || attempt + 1 >= OP_RETRIES)
			return -1;
	}
}

/* A migration that starts "-- column TABLE COLUMN" adds that column; an
 * ALTER TABLE cannot say IF NOT EXISTS (SQLite), so a ledger whose version
 * was set back, and that has the column, skips it. */
static int
column_added(struct store *s, const char *sql)
{
	char table[64], column[64];
	struct db_stmt *st;
	int found;

	if (sscanf(sql, "-- column %63s %63s", table, column) != 2 ||
	    (st = db_prepare(s->db, s->db->drv->column_sql, 0)) == NULL)
		return 0;
	db_bind_text(st, 1, table);
	db_bind_text(st, 2, column);
	found = db_step(st) == DB_ROW;
	db_finalize(st);
	return found;
}

/* The host placeholder of a migration: the migrating host as an SQL
 * string literal (schema.c's 17 → 18). */
#define HOST_MARK "'@HOST@'"

/* sql with every HOST_MARK written as host quoted ('' for a quote; the
 * host is text_sanitize'd: no control character, valid UTF-8). escape: as
 * PostgreSQL's E'…', its backslashes doubled, so the literal means the same
 * whatever standard_conforming_strings says. The caller frees; NULL when
 * out of memory. */
static char *
with_host(const char *sql, const char *host, int escape)
{
	size_t marks = 0, extra = 0;
	const char *p, *h;
	char *out, *o;

	for (p = sql; (p = strstr(p, HOST_MARK)) != NULL; p += strlen(HOST_MARK))
		marks++;
	for (h = host; *h != '\0'; h++)
		extra += *h == '\'' || (escape && *h == '\\');
	if ((out = malloc(strlen(sql) + 1 + marks * (strlen(host) + extra + 3))) == NULL)
		return NULL;
	for (o = out, p = sql; *p != '\0';) {
		if (strncmp(p, HOST_MARK, strlen(HOST_MARK)) != 0) {
			*o++ = *p++;
			continue;
		}
		if (escape)
			*o++ = 'E';
		*o++ = '\'';
		for (h = host; *h != '\0'; h++) {
			if (*h == '\'' || (escape && *h == '\\'))
				*o++ = *h;
			*o++ = *h;
		}
		*o++ = '\'';
		p += strlen(HOST_MARK);
	}
	*o = '\0';
	return out;
}

/* Run migration sql (its host placeholders filled in). 0 or -1 + err. */
static int
run_migration(struct store *s, const char *sql, char *err, size_t errlen)
{
	char *filled;
	int rc;

	if (strstr(sql, HOST_MARK) == NULL)
		return store_exec(s, sql, err, errlen);
	if ((filled = with_host(sql, s->host, s->db->drv != &db_sqlite)) == NULL) {
		snprintf(err, errlen, "%s: migration: out of memory", s->path);
		return -1;
	}
	rc = store_exec(s, filled, err, errlen);
	free(filled);
	return rc;
}

/* Bring the schema to the driver's last version under its migration lock
 * (one write transaction); several processes opening a fresh ledger at
 * once migrate it once. */
static int
migrate(struct store *s, const char *const *migrations, int n, char *err, size_t errlen)
{
	struct db *db = s->db;
	const char *fresh;
	int v, i;

	if (db->drv->schema_version(db, &v) != 0)
		return store_sqlerr(s, s->path, err, errlen);
	if (v == n)
		return 0;
	if (db->drv->schema_lock(db) != 0) {
		snprintf(err, errlen, "%s: migration lock: %s", s->path, db_errmsg(db));
		goto fail;
	}
	if (db->drv->schema_version(db, &v) != 0) {
		store_sqlerr(s, s->path, err, errlen);
		goto fail;
	}
	if (v > n) {
		snprintf(err, errlen, "%s: schema version %d is newer than this tokentop knows (%d);"
		    " upgrade tokentop", s->path, v, n);
		goto fail;
	}
	/* a brand-new file: the last version's schema at once (schema_fresh.h) */
	fresh = v == 0 ? schema_fresh_sql(db, migrations, n) : NULL;
	if (fresh != NULL && run_migration(s, fresh, err, errlen) != 0)
		goto fail;
	for (i = fresh != NULL ? n : v; i < n; i++) {
		if (column_added(s, migrations[i]))
			continue;
		if (run_migration(s, migrations[i], err, errlen) != 0)
			goto fail;
	}
	if (db->drv->set_schema_version(db, n) != 0) {
		store_sqlerr(s, s->path, err, errlen);
		goto fail;
	}
	if (tx(s, DB_COMMIT, "COMMIT", err, errlen) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

int
store_target_check(const char *target, char *err, size_t errlen)
{
	return db_driver_for(target)->check(target, err, errlen);
}

void
store_target_display(const char *target, char *out, size_t n)
{
	db_driver_for(target)->display(target, out, n);
}

void
store_target_scrub(char *target)
{
	db_driver_for(target)->scrub(target);
}

int
store_target_local(const char *target)
{
	return db_driver_for(target)->local;
}

/* A store on target's driver, its connection open (read-only or not),
 * not yet migrated; NULL + err. *k: the driver's entry in schemas[]. */
static struct store *
open_with(const char *target, int readonly, size_t *k, char *err, size_t errlen)
{
	const struct db_driver *drv = db_driver_for(target);
	char shown[STORE_TARGET_MAX];
	struct store *s;

	for (*k = 0; *k < sizeof(schemas) / sizeof(schemas[0]) && schemas[*k].drv != drv; (*k)++)
		;
	if (*k == sizeof(schemas) / sizeof(schemas[0]) || *schemas[*k].n != store_nmigrations) {
		snprintf(err, errlen, "%s: no schema for this driver", drv->name);
		return NULL;
	}
	if (drv->check(target, err, errlen) != 0)
		return NULL;
	drv->display(target, shown, sizeof(shown));
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(shown)) == NULL) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((s->db = drv->open(target, readonly, err, errlen)) == NULL) {
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *
store_open(const char *target, char *err, size_t errlen)
{
	return store_open_host(target, NULL, err, errlen);
}

struct store *
store_open_host(const char *target, const char *host, char *err, size_t errlen)
{
	struct store *s;
	size_t k;

	if ((s = open_with(target, 0, &k, err, errlen)) == NULL)
		return NULL;
	store_set_host(s, host);
	if (migrate(s, schemas[k].migrations, *schemas[k].n, err, errlen) != 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *
store_open_ro(const char *target, int *stale, char *err, size_t errlen)
{
	struct store *s;
	size_t k;
	int v = 0;

	if (stale != NULL)
		*stale = 0;
	if ((s = open_with(target, 1, &k, err, errlen)) == NULL)
		return NULL;
	store_set_host(s, NULL);
	if (s->db->drv->schema_version(s->db, &v) != 0) {
		store_sqlerr(s, s->path, err, errlen);
		goto fail;
	}
	if (v < *schemas[k].n) {
		if (stale != NULL)
			*stale = 1;
		snprintf(err, errlen, "%s: schema version %d is older than this tokentop's (%d) and"
		    " the ledger cannot be migrated read-only; run a command that writes (tokentop"
		    " import) once with write access", s->path, v, *schemas[k].n);
		goto fail;
	}
	if (v > *schemas[k].n) {
		snprintf(err, errlen, "%s: schema version %d is newer than this tokentop knows (%d);"
		    " upgrade tokentop", s->path, v, *schemas[k].n);
		goto fail;
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

int
store_readonly(const struct store *s)
{
	return s->db->readonly;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->db != NULL)
		store_rollback(s);
	for (i = 0; i < SQ_COUNT; i++) {
		db_finalize(s->stmt[i]);
		db_finalize(s->rows[i]);
		db_finalize(s->plain[i]);
	}
	if (s->db != NULL)
		s->db->drv->close(s->db);
	store_rollup_free(s);
	store_bulk_free(s);
	free(s->path);
	free(s);
}

int
store_cache_kib(struct store *s, int kib, char *err, size_t errlen)
{
	char sql[64];

	if (s->db->drv != &db_sqlite)
		return 0;             /* the server's cache, not ours to size */
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = %d", -kib);
	return store_exec(s, sql, err, errlen);
}

int
store_checkpoint(struct store *s, char *err, size_t errlen)
{
	if (s->db->drv->wal_checkpoint == NULL || s->db->drv->wal_checkpoint(s->db) == 0)
		return 0;
	return store_sqlerr(s, "checkpoint", err, errlen);
}

int
store_autocheckpoint(struct store *s, int kib, char *err, size_t errlen)
{
	if (s->db->drv->wal_autocheckpoint == NULL ||
	    s->db->drv->wal_autocheckpoint(s->db, kib < 0 ? DB_WAL_AUTO : kib) == 0)
		return 0;
	return store_sqlerr(s, "autocheckpoint", err, errlen);
}

int
store_wal(const struct store *s)
{
	return s->db->drv->wal_checkpoint != NULL && !s->db->readonly &&
	    strcmp(s->path, ":memory:") != 0 && strncmp(s->path, "file:", 5) != 0;
}

int
store_schema_version(struct store *s)
{
	int v;

	return s->db->drv->schema_version(s->db, &v) == 0 ? v : -1;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

const char *
store_backend(const struct store *s)
{
	return s->db->drv->name;
}

int
store_unreachable(struct store *s)
{
	return db_fail(s->db) == DB_GONE;
}

int
store_data_version(struct store *s, int64_t *version, char *err, size_t errlen)
{
	if (s->db->drv->changed(s->db, version) != 0)
		return store_sqlerr(s, "data_version", err, errlen);
	return 0;
}

void
store_set_busy(struct store *s, int64_t attempt_ms, int64_t give_up_ms)
{
	s->db->drv->set_busy(s->db, attempt_ms, give_up_ms);
}

int
store_wait_fd(struct store *s)
{
	return s->db->drv->wait_fd(s->db);
}
