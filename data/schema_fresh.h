/* schema_fresh.h — a brand-new SQLite ledger made at the last schema version
 * in one step, from a snapshot of what the migrations make (issue 12).
 *
 * Migrating an empty file through every migration costs ~150M instructions
 * (each ALTER TABLE makes SQLite parse the whole schema again); the
 * snapshot, sqlite_master's own text after the migrations, makes the same
 * schema byte for byte at a few percent of that. The snapshot is
 * data/schema_snapshot.c, written by `make schema-fresh`
 * (tools/schema_snapshot.c); it carries the number and a hash of the
 * migrations it was made from, and is used only while both match
 * store_migrations, so a migration added or changed without a new snapshot
 * costs time (every migration runs), never a different schema.
 * tests/test_schema_fresh.c fails until it is made again.
 */
#ifndef TOKENTOP_SCHEMA_FRESH_H
#define TOKENTOP_SCHEMA_FRESH_H

#include <stddef.h>
#include <stdint.h>

#include "data/db.h"

/* The SQL that takes the SQLite ledger db from empty to migrations[n - 1]'s
 * schema (its host placeholders, '@HOST@', still to fill, as a migration's),
 * or NULL: not SQLite's list, a snapshot of other migrations, or db not
 * empty (a file whose version was set back migrates step by step). Static
 * storage. Called inside the migration lock, with the version read as 0. */
const char *schema_fresh_sql(struct db *db, const char *const *migrations, int n);

/* FNV-1a (64 bits) of migrations[0 .. n - 1], each with its NUL. */
uint64_t schema_fresh_hash(const char *const *migrations, int n);

/* The SQLite database db as SQL that makes it again: sqlite_master's text of
 * every table, then of every view, index and trigger (SQLite's own objects
 * left out: they come with the tables), each by name; then every row of
 * every table as an INSERT, in text order. The caller frees; NULL + err. */
char *schema_fresh_dump(struct db *db, char *err, size_t errlen);

/* The snapshot as the migrations make it now: schema_fresh_dump of an
 * in-memory SQLite database taken through every one of store_migrations,
 * host placeholders as they are ('@HOST@' is an SQL string too). What
 * `make schema-fresh` writes out and tests/test_schema_fresh.c compares.
 * The caller frees; NULL + err. */
char *schema_fresh_make(char *err, size_t errlen);

/* data/schema_snapshot.c (generated): the snapshot, and the number and
 * schema_fresh_hash of the migrations it was made from. */
extern const char schema_snapshot_sql[];
extern const int schema_snapshot_version;
extern const uint64_t schema_snapshot_hash;

#endif
