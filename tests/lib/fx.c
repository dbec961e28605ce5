/* fx.c — fixtures shared by several cmocka programs; see fx.h. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/pricing.h"
#include "tests/lib/fx.h"

char fx_tmpdir[256];
struct fakeapi fx_fa;

int
fx_tmpdir_setup(void **state)
{
	(void)state;
	snprintf(fx_tmpdir, sizeof(fx_tmpdir), "/tmp/tokentop-test.XXXXXX");
	return mkdtemp(fx_tmpdir) == NULL ? -1 : 0;
}

int
fx_tmpdir_teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx_tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

const char *
fx_write_file(const char *name, const char *text)
{
	static char path[4][512];
	static int k;
	char *p = path[k++ % 4];
	FILE *f;

	snprintf(p, 512, "%s/%s", fx_tmpdir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

int64_t
fx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
fx_fakeapi_start(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	return fakeapi_start(&fx_fa, NULL) == 0 ? 0 : -1;
}

int
fx_fakeapi_stop(void **state)
{
	(void)state;
	fakeapi_stop(&fx_fa);
	return 0;
}

int
fx_fakeapi_reset(void **state)
{
	(void)state;
	return fakeapi_reset(&fx_fa);
}

static double
rnd_fast(void)
{
	return 0.999;   /* shortest backoff (~375 ms): keeps the suite quick */
}

struct http_multi *
fx_client(const struct config *c)
{
	char err[256];
	struct http_multi *m = http_multi_new(c, err, sizeof(err));

	if (m == NULL)
		fail_msg("http_multi_new: %s", err);
	http_multi_set_random(m, rnd_fast);
	return m;
}

json_t *
fx_body(const char *model, const char *prompt, size_t system_bytes, const char *ttl)
{
	json_t *b = json_pack("{s:s, s:i, s:[{s:s, s:s}]}", "model", model, "max_tokens", 64,
	                      "messages", "role", "user", "content", prompt);
	char *text;
	json_t *blk, *cc;

	if (system_bytes > 0) {
		text = malloc(system_bytes + 1);
		assert_non_null(text);
		memset(text, 'a', system_bytes);
		text[system_bytes] = '\0';
		blk = json_pack("{s:s, s:s}", "type", "text", "text", text);
		if (ttl != NULL) {
			cc = json_pack("{s:s}", "type", "ephemeral");
			if (*ttl)
				json_object_set_new(cc, "ttl", json_string(ttl));
			json_object_set_new(blk, "cache_control", cc);
		}
		json_object_set_new(b, "system", json_pack("[o]", blk));
		free(text);
	}
	return b;
}

void
fx_set_user_version(const char *path, int v)
{
	unsigned char b[4] = { 0, 0, (unsigned char)(v >> 8), (unsigned char)v };
	FILE *f = fopen(path, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, 60, SEEK_SET), 0);   /* header: user_version */
	assert_int_equal(fwrite(b, 1, 4, f), 4);
	fclose(f);
}

struct pricing *
fx_shipped_prices(void)
{
	char err[512], path[1024];
	const char *dir = getenv("TOKENTOP_DATADIR");
	struct pricing *p;

	snprintf(path, sizeof(path), "%s/prices.json", dir != NULL ? dir : "share");
	if ((p = pricing_load(path, NULL, err, sizeof(err))) == NULL)
		fail_msg("load %s: %s", path, err);
	return p;
}
