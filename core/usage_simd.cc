// usage_simd.cc — transcript lines and Codex CLI rollout lines through
// simdjson (usage_simd.h): the one C++ file. simdjson's DOM parser validates the whole line (as jansson's
// load does: structure, numbers, escapes, UTF-8) at a tape's cost, with no
// allocation per value; then only the members a row needs are read.
//
// Why not On-Demand: it does not look at what it skips, so a line that is
// invalid JSON only where no row member lies (`"x":[1,,2]`) would become a
// row where jansson reports it malformed. Validating everything is what
// keeps the two paths' decisions the same; the DOM parser does exactly that,
// at ~0.7x On-Demand's speed and ~20x jansson's on transcript lines.
//
// Where the libraries differ, the line goes to jansson (USAGE_SIMD_UNSURE):
// "\u0000" (jansson refuses it), "\uD…" surrogate escapes, integers of 19 or
// more digits (jansson refuses those above 2^63-1), any count that is not a
// plain non-negative int64, a number above the count bound, any member of an
// unexpected type, an unreadable time, lines over FAST_MAX bytes.

#include <string.h>

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

extern "C" {
#include "core/codex.h"
#include "core/usage.h"
}
#include "core/usage_simd.h"

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr size_t FAST_MAX = 1 << 20;              // longer lines: jansson
constexpr int64_t COUNT_MAX = USAGE_COUNT_MAX;     // larger counts: jansson says malformed

// One parser and padded copy buffer per thread, kept between lines.
struct tls_parser {
	simdjson::dom::parser parser;
	std::vector<char>     buf;
};

thread_local tls_parser tls;

bool
digit(char c)
{
	return (unsigned)(c - '0') <= 9;
}

// Differences between the two libraries, seen in the raw text. A false alarm
// (digits inside a string) only costs a jansson parse.
bool
raw_unsure(const char *s, size_t n)
{
	const char *p = s, *end = s + n, *q;
	size_t i, a, b;

	// each escape: a backslash and the character after it
	while (p < end &&
	    (q = static_cast<const char *>(memchr(p, '\\', (size_t)(end - p)))) != nullptr) {
		if (end - q >= 6 && q[1] == 'u' && ((q[2] == '0' && q[3] == '0' && q[4] == '0' &&
		    q[5] == '0') || q[2] == 'd' || q[2] == 'D'))
			return true;
		p = q + 2;
	}
	// 19 digits in a row: every such run holds one index i with i % 19 == 18
	for (i = 18; i < n; i += 19) {
		if (!digit(s[i]))
			continue;
		for (a = i; a > 0 && digit(s[a - 1]); a--)
			;
		for (b = i; b + 1 < n && digit(s[b + 1]); b++)
			;
		if (b - a + 1 >= 19)
			return true;
	}
	return false;
}

// The members of one object we read; the last of a repeated key wins, as
// in jansson. want[i] names them; got[i] is set when present.
template <size_t N>
void
members(object o, const std::string_view (&want)[N], element (&got)[N], bool (&has)[N])
{
	for (auto field : o) {
		for (size_t i = 0; i < N; i++) {
			if (field.key == want[i]) {
				got[i] = field.value;
				has[i] = true;
				break;
			}
		}
	}
}

// A token count: absent/null → 0; a non-negative int64 up to COUNT_MAX; else unsure.
bool
count(bool has, element v, int64_t *out)
{
	*out = 0;
	if (!has || v.is_null())
		return true;
	if (v.type() != element_type::INT64)
		return false;
	*out = int64_t(v);
	return *out >= 0 && *out <= COUNT_MAX;
}

// An optional string member into dst: absent/null → unchanged; else must be a string.
bool
text(bool has, element v, char *dst, size_t n)
{
	std::string_view sv;
	char tmp[512];

	if (!has || v.is_null())
		return true;
	if (v.get(sv) != simdjson::SUCCESS)
		return false;
	// usage_strlcpy wants a C string; ours has no NUL (raw_unsure refused "\u0000")
	if (sv.size() >= sizeof(tmp)) {
		std::string s(sv);
		usage_strlcpy(dst, s.c_str(), n);
	} else {
		memcpy(tmp, sv.data(), sv.size());
		tmp[sv.size()] = '\0';
		usage_strlcpy(dst, tmp, n);
	}
	return true;
}

bool
is_true(bool has, element v)
{
	bool b = false;

	return has && v.get(b) == simdjson::SUCCESS && b;
}

// usage.* into u (as tokens_from_usage in usage.c); false: unsure.
bool
read_usage(object us, struct usage *u)
{
	static const std::string_view keys[] = { "input_tokens", "output_tokens",
	    "cache_read_input_tokens", "cache_creation_input_tokens", "cache_creation",
	    "service_tier", "speed", "inference_geo", "server_tool_use" };
	static const std::string_view cc_keys[] = { "ephemeral_5m_input_tokens",
	    "ephemeral_1h_input_tokens" };
	static const std::string_view st_keys[] = { "web_search_requests", "web_fetch_requests",
	    "code_execution_requests" };
	element v[9], c[2], t[3];
	bool h[9] = {}, ch[2] = {}, th[3] = {};
	int64_t total, w5 = 0, w1 = 0;
	bool split = false;
	object cc, st;

	members(us, keys, v, h);
	if (!count(h[0], v[0], &u->tok.input) || !count(h[1], v[1], &u->tok.output) ||
	    !count(h[2], v[2], &u->tok.cache_read) || !count(h[3], v[3], &total))
		return false;
	if (h[4] && !v[4].is_null()) {
		if (v[4].get(cc) != simdjson::SUCCESS)
			return false;
		members(cc, cc_keys, c, ch);
		if (!count(ch[0], c[0], &w5) || !count(ch[1], c[1], &w1))
			return false;
		split = ch[0] || ch[1];
	}
	usage_cache_writes(&u->tok, total, split, w5, w1);
	if (h[8] && !v[8].is_null()) {         // server_tool_use (server_tools in usage.c)
		if (v[8].get(st) != simdjson::SUCCESS)
			return false;
		members(st, st_keys, t, th);
		if (!count(th[0], t[0], &u->web_search_requests) ||
		    !count(th[1], t[1], &u->web_fetch_requests) ||
		    !count(th[2], t[2], &u->code_execution_requests))
			return false;
	}
	return text(h[5], v[5], u->service_tier, sizeof(u->service_tier)) &&
	    text(h[6], v[6], u->speed, sizeof(u->speed)) &&
	    text(h[7], v[7], u->inference_geo, sizeof(u->inference_geo));
}

// message.* (as from_message in usage.c, type not checked); false: unsure.
bool
read_message(object msg, element model, struct usage *u)
{
	static const std::string_view keys[] = { "id", "stop_reason", "service_tier", "speed",
	    "inference_geo", "usage" };
	element v[6];
	bool h[6] = {};
	std::string_view sv;
	object us;

	if (model.get(sv) != simdjson::SUCCESS || sv.empty() ||
	    !text(true, model, u->model, sizeof(u->model)))
		return false;
	members(msg, keys, v, h);
	if (v[5].get(us) != simdjson::SUCCESS)
		return false;
	return text(h[0], v[0], u->message_id, sizeof(u->message_id)) &&
	    text(h[1], v[1], u->stop_reason, sizeof(u->stop_reason)) &&
	    text(h[2], v[2], u->service_tier, sizeof(u->service_tier)) &&
	    text(h[3], v[3], u->speed, sizeof(u->speed)) &&
	    text(h[4], v[4], u->inference_geo, sizeof(u->inference_geo)) &&
	    read_usage(us, u);
}

// A parsed line (as usage_from_transcript in usage.c).
enum usage_simd_rc
read_line(element root, struct usage *u)
{
	static const std::string_view keys[] = { "message", "isApiErrorMessage", "timestamp",
	    "requestId", "isSidechain", "cwd", "gitBranch" };
	static const std::string_view msg_keys[] = { "usage", "model" };
	element v[7], m[2];
	bool h[7] = {}, mh[2] = {};
	std::string_view sv;
	object o, msg, us;
	char ts[64];

	if (root.get(o) != simdjson::SUCCESS)
		return USAGE_SIMD_UNSURE;              // jansson: "not a JSON object"
	members(o, keys, v, h);
	if (!h[0] || v[0].get(msg) != simdjson::SUCCESS)
		return USAGE_SIMD_SKIP;
	members(msg, msg_keys, m, mh);
	if (!mh[0] || m[0].get(us) != simdjson::SUCCESS)
		return USAGE_SIMD_SKIP;                // "usage":{ somewhere else: not ours
	if (is_true(h[1], v[1]))
		return USAGE_SIMD_SKIP;
	if (mh[1] && m[1].get(sv) == simdjson::SUCCESS && sv == "<synthetic>")
		return USAGE_SIMD_SKIP;
	if (!mh[1] || !read_message(msg, m[1], u))
		return USAGE_SIMD_UNSURE;
	if (!h[2] || v[2].get(sv) != simdjson::SUCCESS || sv.size() >= sizeof(ts))
		return USAGE_SIMD_UNSURE;
	memcpy(ts, sv.data(), sv.size());
	ts[sv.size()] = '\0';
	if (usage_parse_time(ts, &u->ts_ms) != 0 ||
	    !text(h[3], v[3], u->request_id, sizeof(u->request_id)))
		return USAGE_SIMD_UNSURE;
	u->sidechain = is_true(h[4], v[4]);
	if (!text(h[5], v[5], u->cwd, sizeof(u->cwd)) ||
	    !text(h[6], v[6], u->git_branch, sizeof(u->git_branch)))
		return USAGE_SIMD_UNSURE;
	usage_strlcpy(u->source, "import", sizeof(u->source));
	return USAGE_SIMD_ROW;
}

// The line parsed into the thread's parser, or false when unsure.
bool
parse(const char *line, size_t len, element *root)
{
	if (len > FAST_MAX || raw_unsure(line, len))
		return false;
	if (tls.buf.size() < len + simdjson::SIMDJSON_PADDING)
		tls.buf.resize(len + simdjson::SIMDJSON_PADDING);
	memcpy(tls.buf.data(), line, len);
	return tls.parser.parse(tls.buf.data(), len, false).get(*root) == simdjson::SUCCESS;
}

// ---- Codex CLI rollout lines (as codex_parse in codex.c) ------------------

// payload.info.total_token_usage into ev; false: unsure (jansson's error).
bool
codex_totals(object pl, struct codex_event *ev)
{
	static const std::string_view pl_keys[] = { "info" };
	static const std::string_view info_keys[] = { "total_token_usage" };
	static const std::string_view keys[] = { "input_tokens", "cached_input_tokens",
	    "output_tokens", "reasoning_output_tokens" };
	element iv[1], tv[1], v[4];
	bool ih[1] = {}, th[1] = {}, h[4] = {};
	object info, tu;

	members(pl, pl_keys, iv, ih);
	if (!ih[0] || iv[0].is_null())
		return true;                   // rate limits only: CODEX_OTHER
	if (iv[0].get(info) != simdjson::SUCCESS)
		return false;
	members(info, info_keys, tv, th);
	if (!th[0] || tv[0].get(tu) != simdjson::SUCCESS)
		return false;
	members(tu, keys, v, h);
	if (!count(h[0], v[0], &ev->input) || !count(h[1], v[1], &ev->cached) ||
	    !count(h[2], v[2], &ev->output) || !count(h[3], v[3], &ev->reasoning))
		return false;
	ev->kind = CODEX_TOKENS;
	return true;
}

// A parsed rollout line into ev (zeroed); false: unsure.
bool
codex_line(element root, struct codex_event *ev)
{
	static const std::string_view keys[] = { "type", "payload", "timestamp" };
	static const std::string_view pl_keys[] = { "id", "cwd", "model", "type" };
	element v[3], p[4];
	bool h[3] = {}, ph[4] = {};
	std::string_view type, sv;
	object o, pl;
	char ts[64];

	if (root.get(o) != simdjson::SUCCESS)
		return false;                  // jansson: "not a JSON object"
	members(o, keys, v, h);
	if (!h[0] || v[0].get(type) != simdjson::SUCCESS || !h[1] ||
	    v[1].get(pl) != simdjson::SUCCESS)
		return true;                   // not a rollout line: CODEX_OTHER
	if (h[2] && v[2].get(sv) == simdjson::SUCCESS) {
		if (sv.size() >= sizeof(ts))
			return false;
		memcpy(ts, sv.data(), sv.size());
		ts[sv.size()] = '\0';
		if (usage_parse_time(ts, &ev->ts_ms) != 0)
			return false;          // jansson: "timestamp: not an RFC 3339 time"
	}
	members(pl, pl_keys, p, ph);
	if (type == "session_meta") {
		ev->kind = CODEX_META;
		return text(ph[0], p[0], ev->session, sizeof(ev->session)) &&
		    text(ph[1], p[1], ev->cwd, sizeof(ev->cwd));
	}
	if (type == "turn_context") {
		ev->kind = CODEX_CONTEXT;
		return text(ph[2], p[2], ev->model, sizeof(ev->model)) &&
		    text(ph[1], p[1], ev->cwd, sizeof(ev->cwd));
	}
	if (type == "event_msg" && ph[3] && p[3].get(sv) == simdjson::SUCCESS &&
	    sv == "token_count")
		return codex_totals(pl, ev);
	return true;
}

} // namespace

extern "C" int
usage_simd_shape(const char *line, size_t len, enum usage_simd_shape *shape)
{
	// the last three belong to OpenAI's and Codex's lines (an OpenAI batch
	// line's "response", a Codex line's "payload", an OpenAI response's
	// "object"): jansson tells those formats apart (import_pool.c format_of)
	static const std::string_view keys[] = { "custom_id", "result", "message", "usage",
		"response", "payload", "object" };
	static const std::string_view msg_keys[] = { "usage" };
	element root, v[7], m[1];
	bool h[7] = {}, mh[1] = {};
	object o, msg;

	*shape = USAGE_SIMD_OTHER;
	try {
		if (!parse(line, len, &root))
			return -1;
		if (root.type() == element_type::ARRAY)
			return 0;                          // jansson loads it; it tells nothing
		if (root.get(o) != simdjson::SUCCESS)
			return -1;                         // a scalar: jansson refuses it
		members(o, keys, v, h);
		if (h[2] && v[2].get(msg) == simdjson::SUCCESS)
			members(msg, msg_keys, m, mh);
		if (h[0] && v[0].type() == element_type::STRING && h[1] && v[1].is_object())
			*shape = USAGE_SIMD_RESULT;
		else if (h[4] || h[5] || h[6])
			return -1;                         // perhaps OpenAI's or Codex's
		else if (mh[0] && m[0].is_object())
			*shape = USAGE_SIMD_TRANSCRIPT;
		else if (h[3] && v[3].is_object())
			*shape = USAGE_SIMD_MESSAGE;
		return 0;
	} catch (...) {
		return -1;
	}
}

extern "C" enum usage_simd_rc
usage_simd_transcript(const char *line, size_t len, struct usage *u)
{
	element root;

	memset(u, 0, sizeof(*u));
	if (!usage_line_has_usage(line, len))
		return USAGE_SIMD_SKIP;
	try {
		if (!parse(line, len, &root))
			return USAGE_SIMD_UNSURE;
		enum usage_simd_rc rc = read_line(root, u);
		if (rc != USAGE_SIMD_ROW)
			memset(u, 0, sizeof(*u));
		return rc;
	} catch (...) {                     // out of memory: let jansson try
		return USAGE_SIMD_UNSURE;
	}
}

extern "C" enum usage_line
usage_simd_parse_transcript_line(const char *line, size_t len, struct usage *u, char *err,
                                 size_t errlen)
{
	switch (usage_simd_transcript(line, len, u)) {
	case USAGE_SIMD_ROW:
		return USAGE_LINE_ROW;
	case USAGE_SIMD_SKIP:
		return USAGE_LINE_SKIP;
	case USAGE_SIMD_UNSURE:
		break;
	}
	return usage_parse_transcript_line(line, len, u, err, errlen);
}

extern "C" enum usage_simd_rc
usage_simd_codex(const char *line, size_t len, struct codex_event *ev)
{
	element root;

	memset(ev, 0, sizeof(*ev));
	try {
		if (parse(line, len, &root) && codex_line(root, ev))
			return USAGE_SIMD_ROW;
	} catch (...) {                     // out of memory: let jansson try
	}
	memset(ev, 0, sizeof(*ev));
	return USAGE_SIMD_UNSURE;
}
