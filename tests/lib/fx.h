/* fx.h — fixtures shared by several cmocka programs (tests/lib/fx.c, linked
 * into every tests/test_*.c by the Makefile):
 *
 *	a temp directory per program (group setup/teardown):
 *		cmocka_run_group_tests(tests, fx_tmpdir_setup, fx_tmpdir_teardown);
 *		snprintf(path, sizeof(path), "%s/results", fx_tmpdir);
 *
 *	one API double per program, reset before each test:
 *		cmocka_unit_test_setup(test_x, fx_fakeapi_reset),
 *		cmocka_run_group_tests(tests, fx_fakeapi_start, fx_fakeapi_stop);
 *		fakeapi_config(&fx_fa, &cfg);
 *		m = fx_client(&cfg);
 *
 * Include <setjmp.h>, <stdarg.h>, <stddef.h> and <cmocka.h> before it.
 */
#ifndef TOKENTOP_TESTS_FX_H
#define TOKENTOP_TESTS_FX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tests/fakeapi_spawn.h"

/* ---- a temp directory ---------------------------------------------------- */

extern char fx_tmpdir[256];     /* the directory, while the group runs */

/* Group setup: a new empty /tmp/tokentop-test.XXXXXX in fx_tmpdir; 0 or -1. */
int fx_tmpdir_setup(void **state);
/* Group teardown: removes fx_tmpdir and everything in it; 0 or -1. */
int fx_tmpdir_teardown(void **state);

/* Writes text to fx_tmpdir/name; returns that path, which stays valid
 * until the fourth call after this one (a static buffer per call slot).
 * Fails the test if the file cannot be written. */
const char *fx_write_file(const char *name, const char *text);

/* Sets the SQLite file's PRAGMA user_version to v by writing its header
 * (a file "from" an older or newer tokentop, for migration tests). Fails
 * the test if the file cannot be written. */
void fx_set_user_version(const char *path, int v);

/* The shipped price table ($TOKENTOP_DATADIR/prices.json, else
 * share/prices.json); fails the test when it does not load. The caller
 * frees it with pricing_free. */
struct pricing *fx_shipped_prices(void);

/* SQL that takes a ledger back to before migration 14 → 15 (issue 16:
 * server tools and attribution), for tests that simulate an older file:
 * run it before fx_set_user_version. */
#define FX_UNDO_ISSUE16 \
	"DROP TABLE rollup_hp; DROP TABLE rollup_hk;" \
	"ALTER TABLE usage DROP COLUMN web_search_requests;" \
	"ALTER TABLE usage DROP COLUMN web_fetch_requests;" \
	"ALTER TABLE usage DROP COLUMN code_execution_requests;" \
	"ALTER TABLE usage DROP COLUMN project; ALTER TABLE usage DROP COLUMN git_branch;" \
	"ALTER TABLE usage DROP COLUMN key_fp; ALTER TABLE rollup_batch DROP COLUMN web_search;" \
	"ALTER TABLE rollup_hour DROP COLUMN web_search; ALTER TABLE rollup_hour DROP COLUMN code_exec;" \
	"ALTER TABLE rollup_hm DROP COLUMN web_search; ALTER TABLE rollup_hm DROP COLUMN code_exec;" \
	"ALTER TABLE rollup_dm DROP COLUMN web_search; ALTER TABLE rollup_dm DROP COLUMN code_exec;" \
	"ALTER TABLE rollup_dt DROP COLUMN web_search; ALTER TABLE rollup_dt DROP COLUMN code_exec;" \
	"ALTER TABLE rollup_ds DROP COLUMN web_search; ALTER TABLE rollup_ds DROP COLUMN code_exec;" \
	"ALTER TABLE rollup_lt DROP COLUMN web_search; ALTER TABLE rollup_lt DROP COLUMN code_exec;"

/* Milliseconds on the monotonic clock (for loops like `batch watch`'s). */
int64_t fx_now_ms(void);

/* ---- the API double ---------------------------------------------------------- */

extern struct fakeapi fx_fa;    /* started by fx_fakeapi_start */

/* Group setup: SIGPIPE ignored, the double (no extra arguments) started in
 * fx_fa; 0, or -1 if it did not start. */
int fx_fakeapi_start(void **state);
/* Group teardown: stops the double; 0. */
int fx_fakeapi_stop(void **state);
/* Test setup: the double's state (faults, caches, clock, batches) reset; 0 or -1. */
int fx_fakeapi_reset(void **state);

/* A client for configuration c whose retry jitter is fixed at the shortest
 * backoff (~375 ms), so retry tests stay quick. Fails the test if it cannot
 * be made. The caller frees it with http_multi_free. */
struct http_multi *fx_client(const struct config *c);

/* A Messages body: model, max_tokens 64, one user message prompt; with
 * system_bytes > 0 a system text block of that many 'a's, marked for caching
 * when ttl is not NULL ("" for the default TTL, "5m", "1h"). The caller
 * frees it with json_decref. */
json_t *fx_body(const char *model, const char *prompt, size_t system_bytes, const char *ttl);

#endif
