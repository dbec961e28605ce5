/* codex.h — Codex CLI session files (api-notes §8): each line parsed on its
 * own (any thread), then folded in file order into usage rows, since a row
 * is the increase of the session's cumulative total_token_usage, priced with
 * the model of the latest turn_context. */
#ifndef TOKENTOP_CODEX_H
#define TOKENTOP_CODEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/usage.h"

struct json_t;

enum codex_kind {
	CODEX_OTHER = 0,     /* a line that carries nothing for the ledger */
	CODEX_META,          /* session_meta: session id, cwd */
	CODEX_CONTEXT,       /* turn_context: the model (and cwd) from here on */
	CODEX_TOKENS,        /* event_msg token_count with info: the cumulative totals */
};

/* What one line said. The totals are OpenAI's "included" counts: cached
 * inside input, reasoning inside output. */
struct codex_event {
	enum codex_kind kind;
	int64_t         ts_ms;                       /* 0 when absent */
	char            session[USAGE_ID_MAX];       /* META */
	char            model[USAGE_MODEL_MAX];      /* CONTEXT */
	char            cwd[USAGE_CWD_MAX];          /* META, CONTEXT ("" = not said) */
	int64_t         input, cached, output, reasoning;   /* TOKENS: total_token_usage */
};

/* Is this parsed line a Codex rollout line ({"timestamp","type","payload"}
 * with a type Codex writes)? For format detection. */
int codex_is_line(struct json_t *root);

/*
 * One line (root borrowed) into ev (zeroed first). token_count events whose
 * info is null, and every other line type, are CODEX_OTHER. 0, or -1 with
 * the field in err ("payload.info.total_token_usage.input_tokens: -5: not a
 * token count …", "timestamp: not an RFC 3339 time").
 */
int codex_parse(struct json_t *root, struct codex_event *ev, char *err, size_t errlen);

/* The fold's memory across a file's lines. Zero it (or codex_state_init) at
 * the top of a file. */
struct codex_state {
	char    session[USAGE_ID_MAX];
	char    cwd[USAGE_CWD_MAX];
	char    model[USAGE_MODEL_MAX];
	int64_t input, cached, output, reasoning;    /* the last total seen */
};

/* A fresh state; fallback_session (the file name's id, may be NULL) stands
 * in until a session_meta line names one. */
void codex_state_init(struct codex_state *st, const char *fallback_session);

/*
 * Fold ev into st. For a token_count whose total grew: 1 and u (zeroed
 * first) is the row of the increase — provider openai, source import, the
 * current model ("unknown" before any turn_context), session id, cwd, the
 * event's time, and message_id "codex:SESSION:TOTAL" (the cumulative input +
 * output, so a re-read or a replayed copy of the same event is the same
 * row). A total that went down restarted the count: the row is the new
 * total whole. 0 when there is no row (the same total again, other lines),
 * -1 with err when the increase is impossible (cached above input).
 */
int codex_fold(struct codex_state *st, const struct codex_event *ev, struct usage *u,
               char *err, size_t errlen);

/* The session id a rollout file's name carries
 * (rollout-2025-09-10T12-00-00-<uuid>.jsonl → <uuid>) into buf; "" when it
 * carries none. */
void codex_session_from_path(const char *path, char *buf, size_t n);

/*
 * The default Codex sessions folder: ${CODEX_HOME:-~/.codex}/sessions when
 * it is a directory, into buf. 0, or -1 when there is none.
 */
int codex_default_dir(char *buf, size_t n);

#endif
