/* codex.c — Codex CLI rollout files: parse a line, fold a file's lines into
 * the increases of the session's total_token_usage (api-notes §8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "core/codex.h"
#include "core/openai.h"

static const char *const line_types[] = { "session_meta", "turn_context", "event_msg",
	"response_item", "compacted", NULL };

int
codex_is_line(json_t *root)
{
	const char *t = json_string_value(json_object_get(root, "type"));
	size_t i;

	if (t == NULL || !json_is_object(json_object_get(root, "payload")) ||
	    !json_is_string(json_object_get(root, "timestamp")))
		return 0;
	for (i = 0; line_types[i] != NULL; i++)
		if (strcmp(t, line_types[i]) == 0)
			return 1;
	return 0;
}

/* total_token_usage into ev's four counts. */
static int
totals(json_t *tu, struct codex_event *ev, char *err, size_t errlen)
{
	static const char *const where = "payload.info.total_token_usage.";

	if (!json_is_object(tu)) {
		snprintf(err, errlen, "payload.info.total_token_usage: %s",
		    tu == NULL ? "missing" : "not an object");
		return -1;
	}
	if (usage_json_count(tu, "input_tokens", where, &ev->input, err, errlen) != 0 ||
	    usage_json_count(tu, "cached_input_tokens", where, &ev->cached, err, errlen) != 0 ||
	    usage_json_count(tu, "output_tokens", where, &ev->output, err, errlen) != 0 ||
	    usage_json_count(tu, "reasoning_output_tokens", where, &ev->reasoning, err,
	    errlen) != 0)
		return -1;
	return 0;
}

int
codex_parse(json_t *root, struct codex_event *ev, char *err, size_t errlen)
{
	json_t *pl = json_object_get(root, "payload"), *info;
	const char *type = json_string_value(json_object_get(root, "type"));
	const char *ts = json_string_value(json_object_get(root, "timestamp"));

	memset(ev, 0, sizeof(*ev));
	if (type == NULL || !json_is_object(pl))
		return 0;
	if (ts != NULL && usage_parse_time(ts, &ev->ts_ms) != 0) {
		snprintf(err, errlen, "timestamp: not an RFC 3339 time: \"%.40s\"", ts);
		return -1;
	}
	if (strcmp(type, "session_meta") == 0) {
		ev->kind = CODEX_META;
		if (usage_json_string(pl, "id", "payload.", ev->session, sizeof(ev->session), err,
		    errlen) != 0 ||
		    usage_json_string(pl, "cwd", "payload.", ev->cwd, sizeof(ev->cwd), err,
		    errlen) != 0)
			return -1;
	} else if (strcmp(type, "turn_context") == 0) {
		ev->kind = CODEX_CONTEXT;
		if (usage_json_string(pl, "model", "payload.", ev->model, sizeof(ev->model), err,
		    errlen) != 0 ||
		    usage_json_string(pl, "cwd", "payload.", ev->cwd, sizeof(ev->cwd), err,
		    errlen) != 0)
			return -1;
	} else if (strcmp(type, "event_msg") == 0 &&
	    json_is_string(json_object_get(pl, "type")) &&
	    strcmp(json_string_value(json_object_get(pl, "type")), "token_count") == 0) {
		info = json_object_get(pl, "info");
		if (info == NULL || json_is_null(info))
			return 0;                 /* rate limits only: nothing billed */
		if (!json_is_object(info)) {
			snprintf(err, errlen, "payload.info: not an object");
			return -1;
		}
		if (totals(json_object_get(info, "total_token_usage"), ev, err, errlen) != 0)
			return -1;
		ev->kind = CODEX_TOKENS;
	}
	return 0;
}

void
codex_state_init(struct codex_state *st, const char *fallback_session)
{
	memset(st, 0, sizeof(*st));
	if (fallback_session != NULL)
		usage_strlcpy(st->session, fallback_session, sizeof(st->session));
}

int
codex_fold(struct codex_state *st, const struct codex_event *ev, struct usage *u, char *err,
           size_t errlen)
{
	static const char *const names[4] = {
		"payload.info.total_token_usage.input_tokens (increase)",
		"payload.info.total_token_usage.cached_input_tokens (increase)",
		"payload.info.total_token_usage.output_tokens (increase)",
		"payload.info.total_token_usage.reasoning_output_tokens (increase)" };
	int64_t d[4], cur[4] = { ev->input, ev->cached, ev->output, ev->reasoning };
	int64_t prev[4] = { st->input, st->cached, st->output, st->reasoning };
	int i, restart = 0;

	switch (ev->kind) {
	case CODEX_META:
		if (ev->session[0] != '\0')
			usage_strlcpy(st->session, ev->session, sizeof(st->session));
		if (ev->cwd[0] != '\0')
			usage_strlcpy(st->cwd, ev->cwd, sizeof(st->cwd));
		return 0;
	case CODEX_CONTEXT:
		if (ev->model[0] != '\0')
			usage_strlcpy(st->model, ev->model, sizeof(st->model));
		if (ev->cwd[0] != '\0')
			usage_strlcpy(st->cwd, ev->cwd, sizeof(st->cwd));
		return 0;
	case CODEX_TOKENS:
		break;
	default:
		return 0;
	}
	for (i = 0; i < 4; i++)
		restart |= cur[i] < prev[i];
	for (i = 0; i < 4; i++)
		d[i] = restart ? cur[i] : cur[i] - prev[i];     /* counts ≤ 10^12: no overflow */
	st->input = cur[0], st->cached = cur[1], st->output = cur[2], st->reasoning = cur[3];
	if (d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 0)
		return 0;                         /* the same total again */
	memset(u, 0, sizeof(*u));
	if (openai_usage_split(d[0], d[1], d[2], d[3], names, u, err, errlen) != 0)
		return -1;
	provider_stamp(&provider_openai, u);
	usage_strlcpy(u->source, "import", sizeof(u->source));
	usage_strlcpy(u->model, st->model[0] != '\0' ? st->model : "unknown", sizeof(u->model));
	usage_strlcpy(u->session_id, st->session, sizeof(u->session_id));
	usage_strlcpy(u->cwd, st->cwd, sizeof(u->cwd));
	u->ts_ms = ev->ts_ms;
	snprintf(u->message_id, sizeof(u->message_id), "codex:%.80s:%lld", st->session,
	    (long long)(cur[0] + cur[2]));
	return 1;
}

void
codex_session_from_path(const char *path, char *buf, size_t n)
{
	const char *base = strrchr(path, '/'), *end;
	size_t len;

	base = base != NULL ? base + 1 : path;
	buf[0] = '\0';
	len = strlen(base);
	if (strncmp(base, "rollout-", 8) != 0 || len < 8 + 36 + 6 ||
	    strcmp(base + len - 6, ".jsonl") != 0)
		return;
	end = base + len - 6;              /* the uuid is the last 36 characters */
	if (end[-37] != '-')
		return;
	usage_strlcpy(buf, end - 36, n < 37 ? n : 37);
}

int
codex_default_dir(char *buf, size_t n)
{
	const char *home = getenv("CODEX_HOME"), *h = getenv("HOME");
	struct stat sb;

	if (home != NULL && home[0] != '\0')
		snprintf(buf, n, "%s/sessions", home);
	else if (h != NULL && h[0] != '\0')
		snprintf(buf, n, "%s/.codex/sessions", h);
	else
		return -1;
	return stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : -1;
}
