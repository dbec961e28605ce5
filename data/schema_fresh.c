/* schema_fresh.c — a brand-new SQLite ledger from the snapshot of its
 * schema (data/schema_snapshot.c), and the dump the snapshot is made from
 * (schema_fresh.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/schema_fresh.h"
#include "data/store_int.h"

uint64_t
schema_fresh_hash(const char *const *migrations, int n)
{
	uint64_t h = 14695981039346656037ULL;
	const char *p;
	int i;

	for (i = 0; i < n; i++) {
		p = migrations[i];
		do {
			h ^= (unsigned char)*p;
			h *= 1099511628211ULL;
		} while (*p++ != '\0');
	}
	return h;
}

const char *
schema_fresh_sql(struct db *db, const char *const *migrations, int n)
{
	struct db_stmt *st;
	int empty;

	if (db->drv != &db_sqlite || migrations != store_migrations ||
	    n != schema_snapshot_version || schema_fresh_hash(migrations, n) != schema_snapshot_hash)
		return NULL;
	/* nothing at all in the file: a table of ours, or anyone's, and it
	 * migrates step by step (a migration says what it does with each) */
	if ((st = db_prepare(db, "SELECT 1 FROM sqlite_master LIMIT 1", 0)) == NULL)
		return NULL;
	empty = db_step(st) == DB_DONE;
	db_finalize(st);
	return empty ? schema_snapshot_sql : NULL;
}

/* Every row's first column of sql into f, each followed by ";\n". 0 or
 * -1 + err. */
static int
dump_query(struct db *db, FILE *f, const char *sql, char *err, size_t errlen)
{
	struct db_stmt *st = db_prepare(db, sql, 0);
	int rc;

	if (st == NULL) {
		snprintf(err, errlen, "dump: %s", db_errmsg(db));
		return -1;
	}
	while ((rc = db_step(st)) == DB_ROW)
		fprintf(f, "%s;\n", db_column_text(st, 0));
	if (rc != DB_DONE)
		snprintf(err, errlen, "dump: %s", db_errmsg(db));
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

/* Objects of the database's own (sqlite_sequence, sqlite_autoindex_*,
 * sqlite_stat*) are made by SQLite with the tables and statements. */
#define OURS "name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"

/* The SQL that writes table ?1's rows as INSERTs naming their columns:
 * SELECT 'INSERT INTO "t" ("a", "b") VALUES (' || quote("a") || ', ' ||
 * quote("b") || ')' FROM "t" ORDER BY 1. */
#define ROWS_SQL \
	"SELECT 'SELECT ' || quote('INSERT INTO \"' || replace(?1, '\"', '\"\"') || '\" (' ||" \
	"  group_concat('\"' || replace(name, '\"', '\"\"') || '\"', ', ') || ') VALUES (') ||" \
	"  ' || ' || group_concat('quote(\"' || replace(name, '\"', '\"\"') || '\")'," \
	"  ' || '', '' || ') || ' || '')'' FROM \"' || replace(?1, '\"', '\"\"') ||" \
	"  '\" ORDER BY 1' FROM pragma_table_info(?1)"

/* Every row of every table of ours as INSERTs into f. 0 or -1 + err. */
static int
dump_rows(struct db *db, FILE *f, char *err, size_t errlen)
{
	struct db_stmt *tables, *make;
	char *table = NULL, *sql = NULL;
	int rc;

	tables = db_prepare(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND " OURS
	    " ORDER BY name", 0);
	make = db_prepare(db, ROWS_SQL, 0);
	if (tables == NULL || make == NULL) {
		snprintf(err, errlen, "dump: %s", db_errmsg(db));
		rc = DB_ERR;
		goto out;
	}
	while ((rc = db_step(tables)) == DB_ROW) {
		free(table);
		if ((table = strdup(db_column_text(tables, 0))) == NULL) {
			snprintf(err, errlen, "dump: out of memory");
			rc = DB_ERR;
			goto out;
		}
		db_reset(make);
		db_bind_text(make, 1, table);
		if (db_step(make) != DB_ROW || (sql = strdup(db_column_text(make, 0))) == NULL) {
			snprintf(err, errlen, "dump: %s: %s", table, db_errmsg(db));
			rc = DB_ERR;
			goto out;
		}
		db_reset(make);
		rc = dump_query(db, f, sql, err, errlen) == 0 ? DB_DONE : DB_ERR;
		free(sql);
		sql = NULL;
		if (rc != DB_DONE)
			goto out;
	}
	if (rc != DB_DONE)
		snprintf(err, errlen, "dump: %s", db_errmsg(db));
out:
	free(table);
	db_finalize(tables);
	db_finalize(make);
	return rc == DB_DONE ? 0 : -1;
}

char *
schema_fresh_dump(struct db *db, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if ((f = open_memstream(&buf, &len)) == NULL) {
		snprintf(err, errlen, "dump: out of memory");
		return NULL;
	}
	/* tables first: a view, an index or a trigger names them */
	rc = dump_query(db, f, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND " OURS
	    " ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'view' THEN 1 WHEN 'index' THEN 2"
	    " ELSE 3 END, name", err, errlen);
	if (rc == 0)
		rc = dump_rows(db, f, err, errlen);
	if (ferror(f) && rc == 0) {
		snprintf(err, errlen, "dump: out of memory");
		rc = -1;
	}
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, errlen, "dump: out of memory");
		rc = -1;
	}
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *
schema_fresh_make(char *err, size_t errlen)
{
	struct db *db;
	char *out = NULL;
	int i;

	if ((db = db_sqlite.open(":memory:", 0, err, errlen)) == NULL)
		return NULL;
	for (i = 0; i < store_nmigrations; i++)
		if (db_exec(db, store_migrations[i]) != 0) {
			snprintf(err, errlen, "migration %d -> %d: %s", i, i + 1, db_errmsg(db));
			goto out;
		}
	out = schema_fresh_dump(db, err, errlen);
out:
	db_sqlite.close(db);
	return out;
}
