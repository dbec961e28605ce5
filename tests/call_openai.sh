#!/usr/bin/env bash
# call_openai.sh — `tokentop call --provider openai` against the API double:
# the Responses request (instructions and documents before the prompt, a
# prompt_cache_key that is a hash of that prefix), a repeated prefix read
# from the cache and cheaper, the ledger row, --stream and --json, the SDKs'
# retry policy on 429/500 with retry-after / retry-after-ms and
# x-should-retry, OpenAI's error shape in messages, a missing key, the
# provider taken from the model.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_need jq
tt_start_fakeapi main
BASE=$FK_URL
export OPENAI_BASE_URL=$BASE/v1 OPENAI_API_KEY=sk-openai-test
DB=$T/usage.db
tt() { "$B/tokentop" --db "$DB" "$@"; }
ctl() { curl -s -X POST "$BASE$1" -d "$2" >/dev/null; }
stats() { curl -s "$BASE/_fake/stats"; }
rows() { sqlite3 "$DB" "select count(*) from usage where source='call' and provider='openai'"; }

printf 'You answer briefly.' >"$T/sys.txt"
head -c 8000 /dev/zero | tr '\0' 'a' >"$T/a.txt"
head -c 6000 /dev/zero | tr '\0' 'b' >"$T/b.txt"

# ---- the request and the cache ----
tt call --provider openai --json --system "$T/sys.txt" --doc "$T/a.txt" --doc "$T/b.txt" \
	"first question" >"$T/j1" 2>"$T/e1" || tt_die "first call: $(cat "$T/e1")"
stats | jq '.last_body' >"$T/body1"
jq -e '.instructions == "You answer briefly." and .max_output_tokens == 1024
	and .model == "gpt-5-mini" and (.prompt_cache_key | test("^tokentop-[0-9a-f]{16}$"))
	and (.input | length) == 1 and .input[0].role == "user"
	and ([.input[0].content[].type] == ["input_text","input_text","input_text"])
	and (.input[0].content[0].text | startswith("<document source="))
	and .input[0].content[2].text == "first question"' "$T/body1" >/dev/null ||
	tt_die "request body: $(cat "$T/body1")"
KEY1=$(jq -r .prompt_cache_key "$T/body1")
! grep -q aaaa <<<"$KEY1" || tt_die "the key carries the text"
jq -e '.provider == "openai" and .usage.cache_read_input_tokens == 0 and .cost_usd > 0
	and (.request_id | startswith("req_")) and (.message_id | startswith("resp_"))
	and (.answer | startswith("echo: first question"))' "$T/j1" >/dev/null ||
	tt_die "first answer: $(cat "$T/j1")"

tt call --provider openai --json --system "$T/sys.txt" --doc "$T/a.txt" --doc "$T/b.txt" \
	"second question" >"$T/j2" 2>/dev/null || tt_die "second call"
[ "$(stats | jq -r .last_body.prompt_cache_key)" = "$KEY1" ] || tt_die "the key changed for the same prefix"
jq -e '.usage.cache_read_input_tokens >= 1024' "$T/j2" >/dev/null || tt_die "second call not cached: $(cat "$T/j2")"
c1=$(jq .cost_usd "$T/j1"); c2=$(jq .cost_usd "$T/j2")
awk -v a="$c1" -v b="$c2" 'BEGIN { exit !(b < a) }' || tt_die "the cached call is not cheaper: $c1 then $c2"

# the usage line: the same as Claude's, with the cached share and the cost
tt call --provider openai --system "$T/sys.txt" --doc "$T/a.txt" --doc "$T/b.txt" "third" \
	>"$T/o3" 2>"$T/e3"
grep -q '^echo: third' "$T/o3" || tt_die "answer: $(cat "$T/o3")"
grep -Eq '^in [0-9,]+ · cache write 0 · cache read [1-9][0-9,]* · out [0-9]+ · \$[0-9.]+ · hit [1-9][0-9.]*%$' \
	"$T/e3" || tt_die "usage line: $(cat "$T/e3")"

# another document: another key
tt call --provider openai --doc "$T/b.txt" "other prefix" >/dev/null 2>&1
[ "$(stats | jq -r .last_body.prompt_cache_key)" != "$KEY1" ] || tt_die "same key for another prefix"
# --cache off: no key
tt call --provider openai --cache off --doc "$T/b.txt" "no key" >/dev/null 2>&1
[ "$(stats | jq -r '.last_body | has("prompt_cache_key")')" = false ] || tt_die "--cache off sent a key"

# the ledger: provider openai, cached tokens apart from input, priced as the table says
[ "$(rows)" = 5 ] || tt_die "expected 5 openai rows, got $(rows)"
read -r in rd <<<"$(sqlite3 -separator ' ' "$DB" "select input, cache_read from usage
	where message_id = '$(jq -r .message_id "$T/j2")'")"
[ "$in" = "$(jq .usage.input_tokens "$T/j2")" ] && [ "$rd" = "$(jq .usage.cache_read_input_tokens "$T/j2")" ] ||
	tt_die "ledger buckets $in $rd"
# gpt-5-mini: $0.25 input, $0.025 cached, $2 output per MTok
want=$(jq '(.usage.input_tokens * 0.25 + .usage.cache_read_input_tokens * 0.025 + .usage.output_tokens * 2) / 1e6' "$T/j2")
awk -v a="$want" -v b="$(jq .cost_usd "$T/j2")" 'BEGIN { d = a - b; exit !(d < 1e-9 && d > -1e-9) }' ||
	tt_die "cost $(jq .cost_usd "$T/j2"), want $want"

# ---- --stream ----
tt call --provider openai --stream --doc "$T/a.txt" "stream me" >"$T/s" 2>"$T/se"
grep -q '^echo: stream me' "$T/s" || tt_die "stream answer: $(cat "$T/s")"
grep -q '· out [1-9]' "$T/se" || tt_die "stream usage: $(cat "$T/se")"
[ "$(stats | jq -r .last_body.stream)" = true ] || tt_die "not streamed"
[ "$(rows)" = 6 ] || tt_die "stream row missing"

# ---- the provider from the model; a model of the other provider ----
tt call --model gpt-4.1-nano --json "which provider" >"$T/j4" 2>/dev/null || tt_die "model's provider"
jq -e '.provider == "openai" and (.model | startswith("gpt-4.1-nano"))' "$T/j4" >/dev/null || tt_die "$(cat "$T/j4")"
set +e
tt call --provider openai --model claude-haiku-4-5 "x" >/dev/null 2>"$T/emix"; rc=$?
set -e
[ $rc = 2 ] && grep -q "claude-haiku-4-5 is one of Anthropic's models, not OpenAI's" "$T/emix" ||
	tt_die "mixed provider and model: $rc $(cat "$T/emix")"

# ---- retries: the SDKs' policy ----
ctl /_fake/reset '{}'
n=$(rows)
ctl /_fake/faults '{"faults":[{"path":"/v1/responses","status":429,"retry_after":"1"}]}'
tt call --provider openai "after a 429" >/dev/null 2>&1 || tt_die "429 not retried"
[ "$(stats | jq '.requests["POST /v1/responses"]')" = 2 ] || tt_die "429: not 2 attempts"
ctl /_fake/reset '{}'
ctl /_fake/faults '{"faults":[{"path":"/v1/responses","status":500,"retry_after_ms":"150","count":2}]}'
tt call --provider openai "after two 500s" >/dev/null 2>&1 || tt_die "500 not retried"
[ "$(stats | jq '.requests["POST /v1/responses"]')" = 3 ] || tt_die "500: not 3 attempts"
[ "$(rows)" = $((n + 2)) ] || tt_die "retried calls: not one row each"
ctl /_fake/reset '{}'
ctl /_fake/faults '{"faults":[{"path":"/v1/responses","status":500,"count":3}]}'
set +e
tt call --provider openai "three 500s" >/dev/null 2>"$T/e500"; rc=$?
set -e
[ $rc = 1 ] && grep -q '500 server_error: .*(request-id req_[0-9a-f]*, 3 attempts)' "$T/e500" ||
	tt_die "500s: $rc $(cat "$T/e500")"
ctl /_fake/reset '{}'
ctl /_fake/faults '{"faults":[{"path":"/v1/responses","status":503,"should_retry":"false"}]}'
set +e
tt call --provider openai "x-should-retry false" >/dev/null 2>&1; rc=$?
set -e
[ $rc = 1 ] && [ "$(stats | jq '.requests["POST /v1/responses"]')" = 1 ] || tt_die "x-should-retry: false retried"
ctl /_fake/reset '{}'
ctl /_fake/faults '{"faults":[{"path":"/v1/responses","status":400,"should_retry":"true"}]}'
tt call --provider openai "x-should-retry true" >/dev/null 2>&1 || tt_die "x-should-retry: true not retried"
[ "$(stats | jq '.requests["POST /v1/responses"]')" = 2 ] || tt_die "x-should-retry: true: not 2 attempts"
ctl /_fake/reset '{}'
ctl /_fake/faults '{"faults":[{"path":"/v1/responses","status":429,"error_type":"insufficient_quota","count":3}]}'
set +e
tt call --provider openai "no credit" >/dev/null 2>"$T/equota"; rc=$?
set -e
[ $rc = 1 ] && grep -q '429 .*insufficient_quota' "$T/equota" || tt_die "quota: $rc $(cat "$T/equota")"

# ---- errors: OpenAI's shape, never the key; a missing key ----
ctl /_fake/reset '{}'
set +e
OPENAI_API_KEY=sk-proj-VERYSECRETKEY-zz9 tt call --provider openai "wrong key" >/dev/null 2>"$T/e401"; rc=$?
OPENAI_API_KEY= "$B/tokentop" --db "$T/nokey.db" call --provider openai "no key" >/dev/null 2>"$T/enokey"; rc2=$?
OPENAI_BASE_URL=http://api.openai.com/v1 tt call --provider openai "plain http" >/dev/null 2>"$T/ehttp"; rc3=$?
tt call --provider nobody "x" >/dev/null 2>&1; rc4=$?
set -e
[ $rc = 1 ] && grep -q '401 invalid_request_error (invalid_api_key): .*request-id req_' "$T/e401" ||
	tt_die "401: $rc $(cat "$T/e401")"
! grep -q VERYSECRETKEY "$T/e401" || tt_die "the key leaked into an error"
[ $rc2 = 1 ] && grep -q 'no API key: set OPENAI_API_KEY' "$T/enokey" || tt_die "missing key: $rc2 $(cat "$T/enokey")"
[ $rc3 = 1 ] && grep -q 'refusing plain http' "$T/ehttp" || tt_die "plain http: $rc3 $(cat "$T/ehttp")"
[ $rc4 = 2 ] || tt_die "unknown provider: exit $rc4"
[ ! -e "$T/nokey.db" ] || tt_die "a ledger was made without a key"

# OPENAI_BASE_URL without its /v1 works too; Bearer, no anthropic-version
OPENAI_BASE_URL=$BASE tt call --provider openai "no v1" >/dev/null 2>&1 || tt_die "base without /v1"
stats | jq -e '(.last_headers.authorization | startswith("Bearer ")) and
	(.last_headers["anthropic-version"] == null) and (.last_headers["x-api-key"] == null)' \
	>/dev/null || tt_die "OpenAI headers: $(stats | jq -c .last_headers)"

# a prefix below the 1,024-token minimum is called out (estimated: no counter)
printf 'tiny' >"$T/tiny.txt"
tt call --provider openai --doc "$T/tiny.txt" "short" >/dev/null 2>"$T/short"
grep -q 'below the 1,024-token minimum of gpt-5-mini' "$T/short" || tt_die "no minimum note: $(cat "$T/short")"
tt_done
