/* config.c — XDG paths, the config file (JSON) and the environment. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/config.h"
#include "core/usage.h"

#ifndef TOKENTOP_DATADIR
#define TOKENTOP_DATADIR "/usr/local/share/tokentop"
#endif

/* Copy an environment variable into dst when set and non-empty. */
static void
env_into(const char *name, char *dst, size_t n)
{
	const char *v = getenv(name);

	if (v != NULL && v[0] != '\0')
		usage_strlcpy(dst, v, n);
}

void
config_default_host(char *out, size_t n)
{
	char name[256];

	out[0] = '\0';
	env_into("TOKENTOP_HOST", out, n);
	if (out[0] != '\0')
		return;
	memset(name, 0, sizeof(name));
	if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0')
		snprintf(name, sizeof(name), "localhost");
	usage_strlcpy(out, name, n);
}

/* $XDG_<kind>_HOME or $HOME/<fallback>, plus "/tokentop". */
static void
xdg_dir(const char *var, const char *fallback, char *out, size_t n)
{
	const char *v = getenv(var), *home = getenv("HOME");

	if (v != NULL && v[0] == '/')
		snprintf(out, n, "%s/tokentop", v);
	else
		snprintf(out, n, "%s/%s/tokentop", home != NULL ? home : ".", fallback);
}

int
config_find_data_file(const char *name, char *out, size_t n)
{
	char exe[PATH_MAX], *slash;
	const char *env = getenv("TOKENTOP_DATADIR");
	const char *rel[] = { "../share/tokentop", "../share", "../../share", NULL };
	ssize_t len;
	int i;

	if (env != NULL && env[0] != '\0') {
		snprintf(out, n, "%s/%s", env, name);
		if (access(out, R_OK) == 0)
			return 0;
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		for (i = 0; rel[i] != NULL; i++) {
			snprintf(out, n, "%s/%s/%s", exe, rel[i], name);
			if (access(out, R_OK) == 0)
				return 0;
		}
	}
	snprintf(out, n, "%s/%s", TOKENTOP_DATADIR, name);
	return access(out, R_OK) == 0 ? 0 : -1;
}

const char *
config_mask_key(const char *key, char *buf, size_t n)
{
	size_t len = key != NULL ? strlen(key) : 0;

	if (len == 0)
		snprintf(buf, n, "(none)");
	else if (len < 12)
		snprintf(buf, n, "…");
	else
		snprintf(buf, n, "%.7s…%s", key, key + len - 4);
	return buf;
}

int
config_mkdirs_for(const char *path)
{
	char buf[CONFIG_PATH_MAX];
	char *p;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

int
config_create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd >= 0 && fchmod(fd, 0600) != 0) {
		int en = errno;

		close(fd);
		errno = en;
		return -1;
	}
	return fd;
}

FILE *
config_fopen_private(const char *path)
{
	int fd = config_create_private(path), en;
	FILE *f;

	if (fd < 0)
		return NULL;
	if ((f = fdopen(fd, "w")) == NULL) {
		en = errno;
		close(fd);
		errno = en;
	}
	return f;
}

const char *
config_provider_key(const struct config *c, int provider)
{
	return provider >= 0 && provider < PROVIDER_COUNT ? c->cred[provider].api_key : "";
}

int
config_parse_usd(const char *s, int64_t *nanos)
{
	int64_t whole = 0, frac = 0, scale = 1000000000LL;
	int digits = 0;

	if (*s == '$')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (whole > INT64_MAX / 10 / 1000000000LL)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (++digits > 9)
				return -1;
			scale /= 10;
			frac += (*s - '0') * scale;
		}
	}
	if (*s != '\0')
		return -1;
	*nanos = whole * 1000000000LL + frac;
	return 0;
}

/* A string member into dst; wrong type is an error naming the field. */
static int
get_str(json_t *root, const char *key, char *dst, size_t n, const char *file,
        char *err, size_t errlen)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: %s: expected a string", file, key);
		return -1;
	}
	usage_strlcpy(dst, json_string_value(v), n);
	return 0;
}

/* A money member ("12.50" or 12.5) into nanos. */
static int
get_usd(json_t *obj, const char *key, int64_t *dst, const char *file, const char *ctx,
        char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	char buf[64];

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v))
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof(buf), "%.6f", json_real_value(v));
	else
		buf[0] = '\0';
	if (config_parse_usd(buf, dst) != 0 || *dst < 0) {
		snprintf(err, errlen, "%s: %s%s: not an amount in USD", file, ctx, key);
		return -1;
	}
	return 0;
}

/* Budgets: {"daily":"50","monthly":"1500"} or a list with "tag". */
static int
load_budgets(struct config *c, json_t *root, const char *file, char *err, size_t errlen)
{
	json_t *b = json_object_get(root, "budget"), *list, *it;
	size_t i;
	char ctx[64];

	if (b == NULL)
		b = json_object_get(root, "budgets");
	if (b == NULL || json_is_null(b))
		return 0;
	if (json_is_object(b)) {
		list = json_array();
		json_array_append(list, b);
	} else if (json_is_array(b)) {
		list = json_incref(b);
	} else {
		snprintf(err, errlen, "%s: budget: expected an object or a list", file);
		return -1;
	}
	json_array_foreach(list, i, it) {
		struct budget *bg;

		if (c->nbudgets >= (int)(sizeof(c->budgets) / sizeof(c->budgets[0])))
			break;
		bg = &c->budgets[c->nbudgets];
		memset(bg, 0, sizeof(*bg));
		snprintf(ctx, sizeof(ctx), "budget[%zu].", i);
		if (!json_is_object(it)) {
			snprintf(err, errlen, "%s: budget[%zu]: expected an object", file, i);
			json_decref(list);
			return -1;
		}
		if (get_usd(it, "daily", &bg->daily_nanos, file, ctx, err, errlen) != 0 ||
		    get_usd(it, "monthly", &bg->monthly_nanos, file, ctx, err, errlen) != 0 ||
		    get_str(it, "tag", bg->tag, sizeof(bg->tag), file, err, errlen) != 0) {
			json_decref(list);
			return -1;
		}
		c->nbudgets++;
	}
	json_decref(list);
	return 0;
}

/* The "proxy" object: whole numbers within [1, max] each. */
static int
load_proxy(struct config *c, json_t *root, const char *file, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t      off;
		int64_t     scale, max;
	} keys[] = {
		{ "max_connections", offsetof(struct config_proxy, max_connections), 1, 1000000 },
		{ "max_per_address", offsetof(struct config_proxy, max_per_address), 1, 1000000 },
		{ "header_timeout_seconds", offsetof(struct config_proxy, header_timeout_ms), 1000, 86400 },
		{ "body_timeout_seconds", offsetof(struct config_proxy, body_timeout_ms), 1000, 86400 },
		{ "body_min_rate", offsetof(struct config_proxy, body_min_rate), 1, 1000000000 },
		{ "max_buffered_mb", offsetof(struct config_proxy, max_buffered_mb), 1, 1048576 },
	};
	json_t *o = json_object_get(root, "proxy"), *v;
	size_t i;

	if (o == NULL || json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: proxy: expected an object", file);
		return -1;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((v = json_object_get(o, keys[i].key)) == NULL)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > keys[i].max) {
			snprintf(err, errlen, "%s: proxy.%s: expected a whole number from 1 to %lld",
			         file, keys[i].key, (long long)keys[i].max);
			return -1;
		}
		*(int64_t *)((char *)&c->proxy + keys[i].off) = json_integer_value(v) * keys[i].scale;
	}
	return 0;
}

/* A file holding a key that its group or others may read: a warning for
 * main to print (core/ prints nothing), as ssh warns of an open key file. */
static void
warn_key_mode(struct config *c, json_t *root, const char *file)
{
	const char *const keys[] = { "api_key", "admin_key" };
	json_t *v;
	struct stat sb;
	size_t i;
	int has = 0;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((v = json_object_get(root, keys[i])) != NULL && json_is_string(v) &&
		    json_string_value(v)[0] != '\0')
			has = 1;
	if (!has || stat(file, &sb) != 0 || (sb.st_mode & 044) == 0)
		return;
	snprintf(c->warning, sizeof(c->warning), "%s holds an API key and is readable by "
	    "others (mode %04o); chmod 600 %s", file, (unsigned)(sb.st_mode & 07777), file);
}

/* The "metrics" object: {"tag_label": true|false}. */
static int
load_metrics(struct config *c, json_t *root, const char *file, char *err, size_t errlen)
{
	json_t *o = json_object_get(root, "metrics"), *v;

	if (o == NULL || json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: metrics: expected an object", file);
		return -1;
	}
	if ((v = json_object_get(o, "tag_label")) != NULL) {
		if (!json_is_boolean(v)) {
			snprintf(err, errlen, "%s: metrics.tag_label: expected true or false", file);
			return -1;
		}
		c->metrics_tag_label = json_is_true(v);
	}
	return 0;
}

/* Read the JSON config file into c. */
static int
load_file(struct config *c, const char *file, int must_exist, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *v;
	int rc = -1;

	if (access(file, F_OK) != 0) {
		if (!must_exist)
			return 0;
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	root = json_load_file(file, 0, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "%s:%d: %s", file, jerr.line, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: expected a JSON object", file);
		goto out;
	}
	if (get_str(root, "db", c->db_path, sizeof(c->db_path), file, err, errlen) != 0 ||
	    get_str(root, "base_url", c->base_url, sizeof(c->base_url), file, err, errlen) != 0 ||
	    get_str(root, "api_key", c->api_key, sizeof(c->api_key), file, err, errlen) != 0 ||
	    get_str(root, "api_version", c->api_version, sizeof(c->api_version), file, err, errlen) != 0 ||
	    get_str(root, "auth", c->auth_style, sizeof(c->auth_style), file, err, errlen) != 0 ||
	    get_str(root, "default_model", c->default_model, sizeof(c->default_model), file, err, errlen) != 0 ||
	    get_str(root, "baseline_model", c->baseline_model, sizeof(c->baseline_model), file, err, errlen) != 0 ||
	    get_str(root, "alert_command", c->alert_command, sizeof(c->alert_command), file, err, errlen) != 0 ||
	    get_str(root, "tz", c->tz, sizeof(c->tz), file, err, errlen) != 0 ||
	    get_str(root, "host", c->host, sizeof(c->host), file, err, errlen) != 0)
		goto out;
	if ((v = json_object_get(root, "max_retries")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 10) {
			snprintf(err, errlen, "%s: max_retries: expected an integer 0..10", file);
			goto out;
		}
		c->max_retries = (int)json_integer_value(v);
	}
	if ((v = json_object_get(root, "timeout_seconds")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			snprintf(err, errlen, "%s: timeout_seconds: expected a positive integer", file);
			goto out;
		}
		c->timeout_ms = json_integer_value(v) * 1000;
	}
	if (load_budgets(c, root, file, err, errlen) != 0 ||
	    load_proxy(c, root, file, err, errlen) != 0 ||
	    load_metrics(c, root, file, err, errlen) != 0)
		goto out;
	if ((v = json_object_get(root, "alerts")) != NULL) {
		size_t n;

		if (alert_rules_parse(v, file, c->alerts, ALERT_MAX_RULES, &n, err, errlen) != 0) {
			c->usage_error = 1;
			goto out;
		}
		c->nalerts = (int)n;
	}
	warn_key_mode(c, root, file);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static void creds_load(struct config *c);

int
config_load(struct config *c, const char *config_file, const char *db_override,
            char *err, size_t errlen)
{
	char datadir[CONFIG_PATH_MAX], statedir[CONFIG_PATH_MAX], file[CONFIG_PATH_MAX + 32];
	const char *v;

	memset(c, 0, sizeof(*c));
	xdg_dir("XDG_CONFIG_HOME", ".config", c->config_dir, sizeof(c->config_dir));
	xdg_dir("XDG_DATA_HOME", ".local/share", datadir, sizeof(datadir));
	snprintf(c->db_path, sizeof(c->db_path), "%s/usage.db", datadir);
	usage_strlcpy(c->data_home, datadir, sizeof(c->data_home));
	xdg_dir("XDG_STATE_HOME", ".local/state", statedir, sizeof(statedir));
	snprintf(c->spool_path, sizeof(c->spool_path), "%s/spool.db", statedir);
	snprintf(c->user_prices_path, sizeof(c->user_prices_path), "%s/prices.json", c->config_dir);
	if (config_find_data_file("prices.json", c->prices_path, sizeof(c->prices_path)) == 0) {
		char *slash;

		usage_strlcpy(c->data_dir, c->prices_path, sizeof(c->data_dir));
		if ((slash = strrchr(c->data_dir, '/')) != NULL)
			*slash = '\0';
	}
	snprintf(c->base_url, sizeof(c->base_url), "https://api.anthropic.com");
	snprintf(c->api_version, sizeof(c->api_version), "2023-06-01");
	snprintf(c->auth_style, sizeof(c->auth_style), "x-api-key");
	snprintf(c->default_model, sizeof(c->default_model), "claude-sonnet-4-5");
	c->max_retries = 2;
	c->timeout_ms = 600000;
	c->connect_timeout_ms = 5000;

	if (config_file != NULL) {
		if (load_file(c, config_file, 1, err, errlen) != 0)
			return -1;
	} else {
		snprintf(file, sizeof(file), "%s/config.json", c->config_dir);
		if (load_file(c, file, 0, err, errlen) != 0)
			return -1;
	}

	env_into("TOKENTOP_DB", c->db_path, sizeof(c->db_path));
	env_into("ANTHROPIC_BASE_URL", c->base_url, sizeof(c->base_url));
	env_into("ANTHROPIC_API_KEY", c->api_key, sizeof(c->api_key));
	env_into("ANTHROPIC_ADMIN_KEY", c->admin_key, sizeof(c->admin_key));
	env_into("ANTHROPIC_VERSION", c->api_version, sizeof(c->api_version));
	env_into("TOKENTOP_TZ", c->tz, sizeof(c->tz));
	if (c->host[0] == '\0')        /* config "host" > TOKENTOP_HOST > hostname */
		config_default_host(c->host, sizeof(c->host));
	if ((v = getenv("ANTHROPIC_MAX_RETRIES")) != NULL && v[0] != '\0')
		c->max_retries = atoi(v);
	if (db_override != NULL)
		usage_strlcpy(c->db_path, db_override, sizeof(c->db_path));
	/* Strip trailing slashes of the base URL so paths join cleanly. */
	while (strlen(c->base_url) > 0 && c->base_url[strlen(c->base_url) - 1] == '/')
		c->base_url[strlen(c->base_url) - 1] = '\0';
	creds_load(c);
	return 0;
}

/* Every provider's credentials: Anthropic's as loaded above, the others'
 * from their environment. */
static void
creds_load(struct config *c)
{
	const struct provider *pv;
	struct config_cred *cr;
	int i;

	for (i = 0; (pv = provider_at(i)) != NULL; i++) {
		cr = &c->cred[i];
		memset(cr, 0, sizeof(*cr));
		env_into(pv->base_env, cr->base_url, sizeof(cr->base_url));
		env_into(pv->key_env, cr->api_key, sizeof(cr->api_key));
		env_into(pv->admin_key_env, cr->admin_key, sizeof(cr->admin_key));
	}
	cr = &c->cred[PROVIDER_ANTHROPIC];
	usage_strlcpy(cr->base_url, c->base_url, sizeof(cr->base_url));
	usage_strlcpy(cr->api_key, c->api_key, sizeof(cr->api_key));
	usage_strlcpy(cr->admin_key, c->admin_key, sizeof(cr->admin_key));
}

void
config_for_provider(const struct config *c, const struct provider *pv, struct config *out)
{
	const struct config_cred *cr = &c->cred[pv->id];
	size_t n, sl;

	*out = *c;
	out->provider = pv->id;
	if ((int)pv->id == c->provider)
		return;
	snprintf(out->base_url, sizeof(out->base_url), "%s",
	    cr->base_url[0] ? cr->base_url : pv->origin);
	while ((n = strlen(out->base_url)) > 0 && out->base_url[n - 1] == '/')
		out->base_url[n - 1] = '\0';
	sl = pv->base_suffix != NULL ? strlen(pv->base_suffix) : 0;
	if (sl > 0 && (n = strlen(out->base_url)) > sl &&
	    strcmp(out->base_url + n - sl, pv->base_suffix) == 0)
		out->base_url[n - sl] = '\0';
	usage_strlcpy(out->api_key, cr->api_key, sizeof(out->api_key));
	usage_strlcpy(out->admin_key, cr->admin_key, sizeof(out->admin_key));
	if (pv->bearer)
		usage_strlcpy(out->auth_style, "bearer", sizeof(out->auth_style));
}
