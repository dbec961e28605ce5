/* usage_simd.h — Claude Code transcript lines through simdjson: the import's
 * fast path, with exactly the decisions of the jansson path (core/usage.h).
 *
 * simdjson (C++, core/usage_simd.cc, the one C++ file) validates a line as
 * strictly as jansson does and reads only the members a row needs. Whatever
 * it is not sure of (invalid JSON, a member of the wrong type, a bad time,
 * numbers or escapes where the two libraries differ) goes to jansson, so
 * every malformed line gets jansson's message and every row is the same.
 * make fuzz holds the two paths to that (tests/fuzz/fuzz_usage_simd.c).
 */
#ifndef TOKENTOP_USAGE_SIMD_H
#define TOKENTOP_USAGE_SIMD_H

#include <stddef.h>

#include "core/usage.h"

struct codex_event;

#ifdef __cplusplus
extern "C" {
#endif

/* What the fast path alone made of a line. */
enum usage_simd_rc {
	USAGE_SIMD_ROW = 0,      /* u is the row jansson would give */
	USAGE_SIMD_SKIP = 1,     /* jansson would skip it too */
	USAGE_SIMD_UNSURE = 2,   /* ask jansson (u is unspecified) */
};

/*
 * One transcript line into u (zeroed first) by simdjson alone. Safe on any
 * thread: each thread keeps its own parser and buffer (freed when it ends).
 * Lines without "usage":{ are USAGE_SIMD_SKIP without a parse.
 */
enum usage_simd_rc usage_simd_transcript(const char *line, size_t len, struct usage *u);

/* What a line looks like, for the import's format detection. */
enum usage_simd_shape {
	USAGE_SIMD_OTHER = 0,       /* tells nothing (an array, a user turn, …) */
	USAGE_SIMD_RESULT,          /* custom_id string and result object: batch results */
	USAGE_SIMD_TRANSCRIPT,      /* message object with a usage object: Claude Code */
	USAGE_SIMD_MESSAGE,         /* a usage object at the top: a Messages response */
};

/*
 * The shape of a line as the import's jansson detection decides it
 * (core/import_pool.c: the first of the three that holds, a repeated key's
 * last value counting), into *shape: 0, or -1 when unsure (the line is not
 * JSON jansson takes, or differs between the libraries, or is not a batch
 * result and has a top-level "response", "payload" or "object" member, as
 * OpenAI's and Codex's lines do: ask jansson).
 */
int usage_simd_shape(const char *line, size_t len, enum usage_simd_shape *shape);

/*
 * As usage_parse_transcript_line (same results, same messages): the fast
 * path, and jansson for a line it is unsure of.
 */
enum usage_line usage_simd_parse_transcript_line(const char *line, size_t len, struct usage *u,
                                                 char *err, size_t errlen);

/*
 * One Codex CLI rollout line into ev as codex_parse (core/codex.h) makes it
 * of the line's jansson parse, by simdjson alone (any thread, as above):
 * USAGE_SIMD_ROW when ev is exactly what codex_parse gives and it returns 0
 * (any kind, CODEX_OTHER too); USAGE_SIMD_UNSURE for everything else —
 * invalid JSON, not an object, a member of an unexpected type, a count
 * outside 0..USAGE_COUNT_MAX, a bad time, escapes or numbers where the two
 * libraries differ — for jansson to decide (and word the error). ev is
 * zeroed when unsure.
 */
enum usage_simd_rc usage_simd_codex(const char *line, size_t len, struct codex_event *ev);

#ifdef __cplusplus
}
#endif

#endif
