/* console_settings.c — the console's remembered settings: read and written
 * as a small JSON object (jansson), see console_settings.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/config.h"
#include "tui/console_settings.h"
#include "tui/pane_data.h"

static const char *const pane_names[PANE_COUNT] = {
	[PANE_DAILY] = "daily", [PANE_MODELS] = "models", [PANE_CACHE] = "cache",
	[PANE_BATCHES] = "batches", [PANE_INTRADAY] = "intraday",
};

static const char *const col_names[DCOL_COUNT] = {
	[DCOL_MODELS_INPUT] = "models.input",   [DCOL_MODELS_OUTPUT] = "models.output",
	[DCOL_MODELS_HIT] = "models.hit",       [DCOL_MODELS_READ] = "models.read",
	[DCOL_MODELS_WRITE] = "models.written", [DCOL_MODELS_PERREQ] = "models.per_request",
	[DCOL_DAILY_REQS] = "daily.requests",   [DCOL_DAILY_OUTPUT] = "daily.output",
	[DCOL_DAILY_PERREQ] = "daily.per_request", [DCOL_BATCHES_TAG] = "batches.tag",
};

static const char *const period_names[PERIOD_COUNT] = { "today", "7d", "30d", "month" };

const char *
console_settings_pane_name(enum view_pane p)
{
	return (unsigned)p < PANE_COUNT ? pane_names[p] : "?";
}

const char *
console_settings_col_name(enum dash_column c)
{
	return (unsigned)c < DCOL_COUNT ? col_names[c] : "?";
}

const char *
console_settings_period_name(int period)
{
	return (unsigned)period < PERIOD_COUNT ? period_names[period] : "?";
}

void
console_settings_defaults(struct console_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->sort = VCOL_COST;
	s->desc = 1;
	s->period = PERIOD_TODAY;
	s->focus = PANE_MODELS;
	s->mouse = 1;
}

char *
console_settings_path(char *out, size_t n)
{
	const char *v = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	/* as the XDG spec says: a relative value is ignored */
	if (v != NULL && v[0] == '/')
		snprintf(out, n, "%s/tokentop/console.json", v);
	else
		snprintf(out, n, "%s/.local/state/tokentop/console.json", home != NULL ? home : ".");
	return out;
}

/* Index of name in names[0..n), or -1. */
static int
name_index(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* An array of names as bits; names this tokentop does not know are skipped
 * (a newer one's). -1 when v is not an array of strings. */
static int
name_bits(json_t *v, const char *const *names, int n, unsigned *bits)
{
	size_t i;
	json_t *e;
	int k;

	if (!json_is_array(v))
		return -1;
	*bits = 0;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return -1;
		if ((k = name_index(names, n, json_string_value(e))) >= 0)
			*bits |= 1u << k;
	}
	return 0;
}

/* A string that must name one of names: its index, or -1. */
static int
one_of(json_t *v, const char *const *names, int n)
{
	return json_is_string(v) ? name_index(names, n, json_string_value(v)) : -1;
}

/* Each known key in turn; the first problem is kept for the notice. */
static void
read_keys(json_t *root, struct console_settings *s, const char **bad)
{
	const char *vcols[VCOL_COUNT];
	json_t *v;
	int k, i;

	for (i = 0; i < VCOL_COUNT; i++)
		vcols[i] = view_col_name((enum view_col)i);
	if ((v = json_object_get(root, "sort")) != NULL) {
		if ((k = one_of(v, vcols, VCOL_COUNT)) >= 0)
			s->sort = (enum view_col)k;
		else if (*bad == NULL)
			*bad = "sort";
	}
	if ((v = json_object_get(root, "sort_desc")) != NULL) {
		if (json_is_boolean(v))
			s->desc = json_is_true(v);
		else if (*bad == NULL)
			*bad = "sort_desc";
	}
	if ((v = json_object_get(root, "period")) != NULL) {
		if ((k = one_of(v, period_names, PERIOD_COUNT)) >= 0)
			s->period = k;
		else if (*bad == NULL)
			*bad = "period";
	}
	if ((v = json_object_get(root, "focus")) != NULL) {
		if ((k = one_of(v, pane_names, PANE_COUNT)) >= 0)
			s->focus = (enum view_pane)k;
		else if (*bad == NULL)
			*bad = "focus";
	}
	if ((v = json_object_get(root, "hidden_panes")) != NULL &&
	    name_bits(v, pane_names, PANE_COUNT, &s->hidden_panes) != 0 && *bad == NULL)
		*bad = "hidden_panes";
	if ((v = json_object_get(root, "hidden_columns")) != NULL &&
	    name_bits(v, col_names, DCOL_COUNT, &s->hidden_cols) != 0 && *bad == NULL)
		*bad = "hidden_columns";
	if ((v = json_object_get(root, "mouse")) != NULL) {
		if (json_is_boolean(v))
			s->mouse = json_is_true(v);
		else if (*bad == NULL)
			*bad = "mouse";
	}
}

int
console_settings_load(const char *path, struct console_settings *s, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	const char *bad = NULL;

	console_settings_defaults(s);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if ((root = json_load_file(path, 0, &je)) == NULL) {
		snprintf(err, errlen, "%s:%d: %s (defaults used)", path, je.line, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(err, errlen, "%s: not a JSON object (defaults used)", path);
		return -1;
	}
	read_keys(root, s, &bad);
	json_decref(root);
	/* never every pane hidden: nothing would be left to show */
	if ((s->hidden_panes & ((1u << PANE_COUNT) - 1)) == (1u << PANE_COUNT) - 1)
		s->hidden_panes = 0;
	if (bad != NULL) {
		snprintf(err, errlen, "%s: \"%s\" has a value this tokentop does not know (default used)",
		    path, bad);
		return -1;
	}
	return 0;
}

static json_t *
bits_array(unsigned bits, const char *const *names, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a != NULL && i < n; i++)
		if (bits & (1u << i))
			json_array_append_new(a, json_string(names[i]));
	return a;
}

int
console_settings_save(const char *path, const struct console_settings *s, char *err,
                      size_t errlen)
{
	char tmp[CONFIG_PATH_MAX + 32] = "", *text = NULL;
	json_t *root;
	size_t len;
	int fd = -1, rc = -1;

	/* the directories missing on the way are made 0700 */
	if (config_mkdirs_for(path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	root = json_pack("{s:s, s:b, s:s, s:s, s:o, s:o, s:b}",
	    "sort", view_col_name(s->sort), "sort_desc", s->desc != 0,
	    "period", console_settings_period_name(s->period),
	    "focus", console_settings_pane_name(s->focus),
	    "hidden_panes", bits_array(s->hidden_panes, pane_names, PANE_COUNT),
	    "hidden_columns", bits_array(s->hidden_cols, col_names, DCOL_COUNT),
	    "mouse", s->mouse != 0);
	if (root == NULL || (text = json_dumps(root, JSON_INDENT(2))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	len = strlen(text);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0 && tmp[0] != '\0')
		unlink(tmp);
	free(text);
	json_decref(root);
	return rc;
}
