#!/usr/bin/env bash
# fakeapi_openai.sh — black-box test of the OpenAI side of the API test double
# (tests/fakeapi) with curl and jq: Chat Completions and Responses (plain, streamed),
# prompt caching, reasoning tokens, rate-limit headers, errors, faults, files,
# batches (life cycle, cancel, expiry, validation), organisation usage and costs.
# Every figure is computed by hand from the README's contract.
set -u
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_need jq

# start NAME ARGS...: runs a double, sets URL
start() { tt_start_fakeapi "$@"; URL=$FK_URL; }

# call METHOD PATH [BODY-FILE-OR-STRING] [extra curl args…]: status in $ST, body in
# $BODY, headers in $HDR, curl's exit code in $RC. Sends Bearer $KEY (default
# sk-openai-test) unless KEY is "none".
call() {
	local m=$1 p=$2 d=${3:-}
	shift $(($# < 3 ? $# : 3))
	local data=() auth=()
	if [ -n "$d" ]; then
		if [ -f "$d" ]; then data=(--data-binary "@$d"); else data=(--data-binary "$d"); fi
	fi
	[ "${KEY:-}" = none ] || auth=(-H "Authorization: Bearer ${KEY:-sk-openai-test}")
	ST=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" "${auth[@]}" \
		-H 'content-type: application/json' "${data[@]}" "$@" "$URL$p")
	RC=$?
	BODY=$(<"$T/body")
	HDR=$(<"$T/hdr")
	HDR=${HDR//$'\r'/}
}
# upload FILE [PURPOSE]: POST /v1/files as multipart; sets ST, BODY, RC and FID
upload() {
	ST=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Authorization: Bearer sk-openai-test' \
		-F "purpose=${2:-batch}" -F "file=@$1" "$URL/v1/files")
	RC=$?
	BODY=$(<"$T/body")
	FID=$(jq -r '.id // empty' <<<"$BODY" 2>/dev/null)
}
j() { jq -cr "$1" <<<"$BODY"; }
hdr() {  # hdr NAME: the value of header NAME in $HDR (names are lower-case)
	local l
	while IFS= read -r l; do
		case $l in "$1: "*) echo "${l#"$1: "}"; return ;; esac
	done <<<"$HDR"
}
ctl() { curl -s -X POST "$URL$1" --data-binary "${2:-{\}}"; }
clock() { ctl /_fake/clock "{\"advance_seconds\":$1}" >/dev/null; }
chat() {  # chat MODEL USER-TEXT [extra top-level JSON]
	printf '{"model":"%s","messages":[{"role":"user","content":"%s"}]%s}' "$1" "$2" "${3:+,$3}"
}
# line ID MODEL TEXT [URL] [METHOD]: one batch input line
line() {
	printf '{"custom_id":"%s","method":"%s","url":"%s","body":%s}\n' "$1" "${5:-POST}" \
		"${4:-/v1/chat/completions}" "$(chat "$2" "$3")"
}
# batch FILE-ID [ENDPOINT]: creates a batch, sets BID
batch() {
	call POST /v1/batches "{\"input_file_id\":\"$1\",\"endpoint\":\"${2:-/v1/chat/completions}\",\"completion_window\":\"24h\"}"
	BID=$(j .id)
}
# data_lines: the JSON of each data: line of $BODY except [DONE], one per line
data_lines() { sed -n 's/^data: //p' <<<"$BODY" | grep -v '^\[DONE\]$'; }

[ -x "$B/fakeapi" ] || tt_die "$B/fakeapi not built"
# The virtual clock moves only by /_fake/clock here, so a loaded machine changes nothing.
start main --time-scale 0 --batch-seconds 10 --stream-delay-ms 1
MAIN_PID=$FK_PID

# ---- Chat Completions: the answer rule, usage, headers ----
# input: 3 + ceil(5/4) = 5; answer "echo: hello" × 5 = 55 bytes = 14 tokens
call POST /v1/chat/completions "$(chat gpt-4.1 hello)" -H 'OpenAI-Project: proj_t1'
tt_eq "chat 200" "$ST" 200
tt_eq "object" "$(j .object)" chat.completion
tt_eq "dated model" "$(j .model)" gpt-4.1-2025-04-14
tt_eq "answer rule" "$(j '.choices[0].message.content')" "echo: helloecho: helloecho: helloecho: helloecho: hello"
tt_eq "usage by the token rule" "$(j '[.usage.prompt_tokens,.usage.completion_tokens,.usage.total_tokens,.usage.prompt_tokens_details.cached_tokens,.usage.completion_tokens_details.reasoning_tokens]')" "[5,14,19,0,0]"
tt_eq "finish_reason stop, service_tier default" "$(j '[.choices[0].finish_reason,.service_tier]')" '["stop","default"]'
tt_has "id chatcmpl-" "$(j .id)" chatcmpl-
tt_has "x-request-id" "$(hdr x-request-id)" req_
tt_eq "no Anthropic request-id" "$(hdr request-id)" ""
tt_has "openai-processing-ms" "$HDR" "openai-processing-ms: "
tt_eq "OpenAI-Project echoed" "$(hdr openai-project)" proj_t1
tt_eq "ratelimit limit" "$(hdr x-ratelimit-limit-requests)" 10000
tt_eq "ratelimit remaining" "$(hdr x-ratelimit-remaining-requests)" 9999
tt_eq "ratelimit reset (60 s / 10000)" "$(hdr x-ratelimit-reset-requests)" 6ms
tt_eq "tokens remaining (2000000 - 5)" "$(hdr x-ratelimit-remaining-tokens)" 1999995
call POST /v1/chat/completions "$(chat gpt-4.1 hello)"
tt_eq "remaining moves" "$(hdr x-ratelimit-remaining-requests)" 9998
tt_eq "reset moves" "$(hdr x-ratelimit-reset-requests)" 12ms

# ---- auth ----
KEY=none call POST /v1/chat/completions "$(chat gpt-4.1 hi)"
tt_eq "no key 401" "$ST" 401
tt_eq "no key body" "$(j '[.error.type,.error.code]')" '["invalid_request_error",null]'
KEY=none call POST /v1/chat/completions "$(chat gpt-4.1 hi)" -H 'x-api-key: sk-openai-test'
tt_eq "x-api-key is not OpenAI's header: 401" "$ST" 401
KEY=sk-wrong-key-0123456789 call POST /v1/chat/completions "$(chat gpt-4.1 hi)"
tt_eq "wrong key 401" "$ST" 401
tt_eq "wrong key code" "$(j .error.code)" invalid_api_key
tt_hasnt "wrong key masked" "$BODY" "sk-wrong-key-0123456789"
KEY=sk-admin-test call POST /v1/chat/completions "$(chat gpt-4.1 hi)"
tt_eq "admin key on a model call 401" "$ST" 401
tt_has "admin key: insufficient permissions" "$(j .error.message)" "insufficient permissions"
call POST /v1/chat/completions "$(chat gpt-4.1 hi)" -H 'OpenAI-Organization: org-x' -H 'OpenAI-Project: proj_x'
tt_eq "organisation and project headers accepted" "$ST/$(hdr openai-organization)" "200/org-x"

# ---- validation: the real error shape ----
call POST /v1/chat/completions '{bad'
tt_eq "not JSON 400" "$ST/$(j .error.type)" "400/invalid_request_error"
tt_eq "error body keys" "$(j '.error|keys')" '["code","message","param","type"]'
call POST /v1/chat/completions '{"messages":[{"role":"user","content":"x"}]}'
tt_eq "model required" "$ST/$(j .error.message)" "400/you must provide a model parameter"
call POST /v1/chat/completions "$(chat gpt-9 x)"
tt_eq "unknown model 404" "$ST/$(j .error.code)" "404/model_not_found"
call POST /v1/chat/completions '{"model":"gpt-4.1","messages":[]}'
tt_eq "empty messages" "$ST/$(j .error.code)/$(j .error.param)" "400/empty_array/messages"
call POST /v1/chat/completions '{"model":"gpt-4.1","messages":[{"role":"robot","content":"x"}]}'
tt_eq "bad role" "$(j .error.param)/$(j .error.code)" "messages[0].role/invalid_value"
call POST /v1/chat/completions '{"model":"gpt-4.1","messages":[{"role":"user","content":5}]}'
tt_eq "bad content type" "$(j .error.code)" invalid_type
call POST /v1/chat/completions "$(chat gpt-4.1 x '"bogus":1')"
tt_eq "unknown argument" "$(j .error.message)" "Unrecognized request argument supplied: bogus"
call POST /v1/chat/completions "$(chat gpt-4.1 x '"stream_options":{"include_usage":true}')"
tt_eq "stream_options without stream" "$ST/$(j .error.param)" "400/stream_options"
call POST /v1/chat/completions "$(chat o3 x '"max_tokens":5')"
tt_eq "max_tokens on a reasoning model" "$(j .error.code)/$(j .error.param)" "unsupported_parameter/max_tokens"
call POST /v1/chat/completions "$(chat gpt-4.1 x '"reasoning_effort":"low"')"
tt_eq "reasoning_effort on gpt-4.1" "$ST/$(j .error.code)" "400/unsupported_parameter"
call POST /v1/responses '{"model":"gpt-4.1","input":"x","max_output_tokens":8}'
tt_eq "max_output_tokens below 16" "$(j .error.code)" integer_below_min_value
call POST /v1/responses '{"model":"gpt-4.1","input":"x","previous_response_id":"resp_1"}'
tt_eq "previous_response_id: not simulated, said so" "$ST/$(j .error.param)" "400/previous_response_id"
call GET /v1/chat/completions
tt_eq "unknown route 404" "$ST/$(j .error.message)" "404/Invalid URL (GET /v1/chat/completions)"
call GET /v1/models
tt_eq "models list" "$(j '[.object,(.data|map(.id)|index("gpt-4.1")>=0),(.data|map(.id)|index("o3-2025-04-16")>=0)]')" '["list",true,true]'
call GET /v1/models/gpt-5-mini
tt_eq "one model" "$(j '[.id,.object]')" '["gpt-5-mini","model"]'
call GET /v1/models/gpt-9
tt_eq "unknown model 404" "$ST/$(j .error.code)" "404/model_not_found"
call GET /v1/files '' -H 'anthropic-version: 2023-06-01'
tt_eq "an anthropic-version header means Anthropic, whatever the path" "$ST/$(j .type)/$(hdr x-request-id)" "401/error/"

# ---- reasoning: output includes reasoning = effort × answer tokens (medium 2, low 1, high 4) ----
call POST /v1/chat/completions "$(chat o4-mini hello)"
tt_eq "o4-mini medium: 14 + 28" "$(j '[.usage.completion_tokens,.usage.completion_tokens_details.reasoning_tokens]')" "[42,28]"
call POST /v1/chat/completions "$(chat o4-mini hello '"reasoning_effort":"low"')"
tt_eq "low: 14 + 14" "$(j .usage.completion_tokens)" 28
call POST /v1/responses '{"model":"gpt-5","input":"hello","reasoning":{"effort":"high"}}'
tt_eq "gpt-5 high: 14 + 56" "$(j '[.usage.output_tokens,.usage.output_tokens_details.reasoning_tokens]')" "[70,56]"
tt_eq "reasoning item first" "$(j '[.output[].type]')" '["reasoning","message"]'
call POST /v1/chat/completions "$(chat o4-mini hello '"max_completion_tokens":20')"
tt_eq "cap below the reasoning: no text, length" "$(j '[.choices[0].message.content,.choices[0].finish_reason,.usage.completion_tokens,.usage.completion_tokens_details.reasoning_tokens]')" '["","length",20,20]'
call POST /v1/chat/completions "$(chat o4-mini hello '"max_completion_tokens":30')"
tt_eq "cap: 28 reasoning + 2 tokens of text" "$(j '[.choices[0].message.content,.usage.completion_tokens]')" '["echo: he",30]'

# ---- Chat Completions streaming ----
call POST /v1/chat/completions "$(chat gpt-4.1 'stream me please' '"stream":true')"
tt_eq "stream 200" "$ST" 200
tt_has "event-stream" "$(hdr content-type)" text/event-stream
tt_eq "ends with [DONE]" "$(grep '^data:' <<<"$BODY" | tail -1)" "data: [DONE]"
tt_eq "every chunk is a chat.completion.chunk" "$(data_lines | jq -r .object | sort -u)" chat.completion.chunk
tt_eq "no usage key without include_usage" "$(data_lines | jq -c 'has("usage")' | sort -u)" false
tt_eq "deltas concatenate to the answer" "$(data_lines | jq -r '.choices[0].delta.content // empty' | tr -d '\n' | head -c 22)" "echo: stream me please"
tt_eq "last chunk: finish_reason" "$(data_lines | tail -1 | jq -r '.choices[0].finish_reason')" stop
call POST /v1/chat/completions "$(chat gpt-4.1 'stream me please' '"stream":true,"stream_options":{"include_usage":true}')"
tt_eq "include_usage: the usage chunk before [DONE]" "$(data_lines | tail -1 | jq -c '[.choices,.usage.prompt_tokens,.usage.completion_tokens]')" "[[],7,28]"
tt_eq "include_usage: every other chunk usage:null" "$(data_lines | head -n -1 | jq -c .usage | sort -u)" null
tt_eq "include_usage: one usage chunk" "$(data_lines | jq -c 'select(.usage != null)' | wc -l)" 1

# ---- Responses: plain and streamed ----
call POST /v1/responses '{"model":"gpt-4.1","instructions":"be brief","input":"hello"}'
tt_eq "response object" "$(j '[.object,.status,.model]')" '["response","completed","gpt-4.1-2025-04-14"]'
tt_eq "output_text" "$(j '.output[0].content[0].text')" "echo: helloecho: helloecho: helloecho: helloecho: hello"
# instructions: 3 + ceil(8/4); input: 3 + ceil(5/4)
tt_eq "Responses usage" "$(j '[.usage.input_tokens,.usage.output_tokens,.usage.total_tokens,.usage.input_tokens_details.cached_tokens]')" "[10,14,24,0]"
plain=$(j .usage)
call POST /v1/responses '{"model":"gpt-4.1","instructions":"be brief","input":"hello","stream":true}'
events=$(sed -n 's/^event: //p' <<<"$BODY" | uniq | tr '\n' ' ')
tt_eq "typed event sequence" "$events" "response.created response.in_progress response.output_item.added response.content_part.added response.output_text.delta response.output_text.done response.content_part.done response.output_item.done response.completed "
tt_eq "event type = data type" "$(paste -d' ' <(sed -n 's/^event: //p' <<<"$BODY") <(data_lines | jq -r .type) | awk '$1 != $2' | wc -l)" 0
tt_eq "sequence_number counts up" "$(data_lines | jq -r .sequence_number | tr '\n' ' ')" "$(seq 0 $(($(data_lines | wc -l) - 1)) | tr '\n' ' ')"
tt_eq "response.completed carries the usage" "$(data_lines | tail -1 | jq -c .response.usage)" "$plain"
tt_eq "created: in_progress, no usage" "$(data_lines | head -1 | jq -c '[.response.status,.response.usage]')" '["in_progress",null]'
tt_eq "deltas concatenate" "$(data_lines | jq -r 'select(.type=="response.output_text.delta").delta' | tr -d '\n')" "echo: helloecho: helloecho: helloecho: helloecho: hello"
call POST /v1/responses '{"model":"gpt-4.1","input":"stream me please","stream":true,"max_output_tokens":16}'
tt_eq "max_output_tokens: response.incomplete" "$(data_lines | tail -1 | jq -c '[.type,.response.status,.response.incomplete_details.reason,.response.usage.output_tokens]')" '["response.incomplete","incomplete","max_output_tokens",16]'

# ---- automatic prompt caching: >= 1024 tokens, 128-token steps ----
doc=$(head -c 4400 /dev/zero | tr '\0' d)		# 1100 tokens
big=$(head -c 5200 /dev/zero | tr '\0' d)		# 1300 tokens
sysmsg() { printf '{"model":"%s","messages":[{"role":"system","content":"%s"},{"role":"user","content":"%s"}]%s}' "$1" "$2" "$3" "${4:+,$4}"; }
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "$doc" hi)"
tt_eq "cache 1: 3+1100+3+1 input, nothing cached" "$(j '[.usage.prompt_tokens,.usage.prompt_tokens_details.cached_tokens]')" "[1107,0]"
call POST /v1/chat/completions "$(sysmsg gpt-4.1-2025-04-14 "$doc" hi)"
tt_eq "cache 2: repeat (dated id) reads 1024" "$(j '[.usage.prompt_tokens,.usage.prompt_tokens_details.cached_tokens]')" "[1107,1024]"
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "$doc" 'another question')"
tt_eq "cache 3: same prefix, other question: 1024" "$(j .usage.prompt_tokens_details.cached_tokens)" 1024
call POST /v1/chat/completions "$(sysmsg gpt-4.1-mini "$doc" hi)"
tt_eq "cache 4: another model: 0" "$(j .usage.prompt_tokens_details.cached_tokens)" 0
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "$big" hi)"
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "$big" hi)"
tt_eq "cache 5: 1307 tokens read 1280 (1024 + 2 × 128)" "$(j .usage.prompt_tokens_details.cached_tokens)" 1280
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "$doc" hi '"prompt_cache_key":"tenant-a"')"
tt_eq "cache 6: a prompt_cache_key is its own cache" "$(j .usage.prompt_tokens_details.cached_tokens)" 0
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "$doc" hi '"prompt_cache_key":"tenant-a"')"
tt_eq "cache 7: same key again: 1024" "$(j .usage.prompt_tokens_details.cached_tokens)" 1024
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "${doc:0:3000}" hi)"
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "${doc:0:3000}" hi)"
tt_eq "cache 8: below 1024 tokens never cached" "$(j .usage.prompt_tokens_details.cached_tokens)" 0
clock 299
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "$doc" hi)"
tt_eq "cache 9: hit at 299 s idle (and refreshed)" "$(j .usage.prompt_tokens_details.cached_tokens)" 1024
clock 299
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "$doc" hi)"
tt_eq "cache 10: still live after the refresh" "$(j .usage.prompt_tokens_details.cached_tokens)" 1024
clock 301
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "$doc" hi)"
tt_eq "cache 11: 301 s idle: gone" "$(j .usage.prompt_tokens_details.cached_tokens)" 0
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "$big" x '"prompt_cache_retention":"24h"')"
clock 3600
call POST /v1/chat/completions "$(sysmsg gpt-4.1 "$big" x '"prompt_cache_retention":"24h"')"
tt_eq "cache 12: prompt_cache_retention 24h outlives an hour" "$(j .usage.prompt_tokens_details.cached_tokens)" 1280
call POST /v1/responses "{\"model\":\"gpt-4.1\",\"instructions\":\"$doc\",\"input\":\"hi\"}"
call POST /v1/responses "{\"model\":\"gpt-4.1\",\"instructions\":\"$doc\",\"input\":\"hi\"}"
tt_eq "Responses: input_tokens_details.cached_tokens" "$(j '[.usage.input_tokens,.usage.input_tokens_details.cached_tokens]')" "[1107,1024]"

# ---- faults on the OpenAI paths ----
ctl /_fake/faults '{"faults":[{"path":"/v1/chat/completions","status":429,"retry_after":"2","count":2}]}' >/dev/null
call POST /v1/chat/completions "$(chat gpt-4.1 hi)"
tt_eq "429 fault" "$ST" 429
tt_eq "429 body: OpenAI shape" "$(j '[.error.type,.error.code]')" '["rate_limit_exceeded","rate_limit_exceeded"]'
tt_eq "retry-after" "$(hdr retry-after)" 2
tt_has "x-request-id on a fault" "$(hdr x-request-id)" req_
call POST /v1/chat/completions "$(chat gpt-4.1 hi)"
tt_eq "429 #2 (count 2)" "$ST" 429
call POST /v1/chat/completions "$(chat gpt-4.1 hi)"
tt_eq "fault used up" "$ST" 200
ctl /_fake/faults '{"faults":[{"path":"/v1/responses","status":429,"error_type":"insufficient_quota"},{"path":"/v1/chat/completions","status":500,"should_retry":"false"},{"path":"/v1/chat/completions","status":503,"retry_after_ms":"150"}]}' >/dev/null
call POST /v1/responses '{"model":"gpt-4.1","input":"x"}'
tt_eq "insufficient_quota" "$ST/$(j .error.type)/$(j .error.code)" "429/insufficient_quota/insufficient_quota"
call POST /v1/chat/completions "$(chat gpt-4.1 hi)"
tt_eq "500 server_error, x-should-retry" "$ST/$(j .error.type)/$(hdr x-should-retry)" "500/server_error/false"
call POST /v1/chat/completions "$(chat gpt-4.1 hi)"
tt_eq "503 retry-after-ms" "$ST/$(hdr retry-after-ms)" "503/150"
ctl /_fake/faults '{"faults":[{"path":"/v1/chat/completions","drop":true}]}' >/dev/null
call POST /v1/chat/completions "$(chat gpt-4.1 hello)"
tt_eq "drop: connection closed mid-body (curl 18)" "$RC" 18
ctl /_fake/faults '{"faults":[{"path":"/v1/chat/completions","truncate":true}]}' >/dev/null
call POST /v1/chat/completions "$(chat gpt-4.1 hello)"
tt_eq "truncate: 200, JSON cut" "$ST/$(jq -e . <<<"$BODY" >/dev/null 2>&1 && echo json || echo cut)" "200/cut"
ctl /_fake/faults '{"faults":[{"path":"/v1/chat/completions","malformed":true}]}' >/dev/null
call POST /v1/chat/completions "$(chat gpt-4.1 hello)"
tt_hasnt "malformed: not JSON" "${BODY:0:1}" "{"
ctl /_fake/faults '{"faults":[{"path":"/v1/chat/completions","drop":true}]}' >/dev/null
call POST /v1/chat/completions "$(chat gpt-4.1 'stream me please' '"stream":true,"stream_options":{"include_usage":true}')"
tt_eq "stream drop: curl 18" "$RC" 18
tt_hasnt "stream drop: no usage chunk, no [DONE]" "$BODY" "[DONE]"
ctl /_fake/faults '{"faults":[{"path":"/v1/chat/completions","stream_error":true}]}' >/dev/null
call POST /v1/chat/completions "$(chat gpt-4.1 'stream me please' '"stream":true')"
tt_eq "chat stream_error: an error data line after a 200" "$ST/$(data_lines | tail -1 | jq -r .error.type)" "200/server_error"
tt_hasnt "chat stream_error: no [DONE]" "$BODY" "[DONE]"
ctl /_fake/faults '{"faults":[{"path":"/v1/responses","stream_error":true}]}' >/dev/null
call POST /v1/responses '{"model":"gpt-4.1","input":"stream me please","stream":true}'
tt_eq "Responses stream_error: an error event" "$(sed -n 's/^event: //p' <<<"$BODY" | tail -1)" error
tt_hasnt "Responses stream_error: no response.completed" "$BODY" "response.completed"
ctl /_fake/faults '{"faults":[{"path":"/v1/responses","malformed":true}]}' >/dev/null
call POST /v1/responses '{"model":"gpt-4.1","input":"stream me please","stream":true}'
tt_eq "stream malformed: one data line is broken JSON" "$(sed -n 's/^data: //p' <<<"$BODY" | while read -r l; do jq -e . <<<"$l" >/dev/null 2>&1 || echo bad; done)" bad
ctl /_fake/faults '{"faults":[{"path":"/v1/chat/completions","delay_ms":250}]}' >/dev/null
t=$(curl -s -o /dev/null -w '%{time_total}' -H 'Authorization: Bearer sk-openai-test' -d "$(chat gpt-4.1 hi)" "$URL/v1/chat/completions")
case "$t" in 0.0* | 0.1*) tt_fail "delay_ms: answered after $t s" ;; *) tt_ok "delay_ms ($t s)" ;; esac

# ---- files ----
printf '%s%s' "$(line f1 gpt-4.1-mini one)" "$(line f2 gpt-4.1-mini two)" >"$T/two.jsonl"
upload "$T/two.jsonl"
tt_eq "upload 200" "$ST" 200
tt_eq "file object" "$(j '[.object,.purpose,.filename,.bytes,.status]')" "[\"file\",\"batch\",\"two.jsonl\",$(wc -c <"$T/two.jsonl"),\"processed\"]"
tt_has "file id" "$FID" file-
f1=$FID
call GET "/v1/files/$f1"
tt_eq "retrieve" "$(j .id)" "$f1"
call GET "/v1/files/$f1/content"
tt_eq "content is the upload, byte for byte" "$BODY" "$(cat "$T/two.jsonl")"
upload "$T/two.jsonl" user_data
f2=$FID
call GET "/v1/files?purpose=batch"
tt_eq "list by purpose" "$(j '[.object,(.data|length),.data[0].id]')" "[\"list\",1,\"$f1\"]"
call GET "/v1/files?limit=1"
tt_eq "list newest first, limit" "$(j '[.data[0].id,.has_more,.first_id,.last_id]')" "[\"$f2\",true,\"$f2\",\"$f2\"]"
call GET "/v1/files?limit=1&after=$f2"
tt_eq "list after" "$(j '[.data[0].id,.has_more]')" "[\"$f1\",false]"
call DELETE "/v1/files/$f2"
tt_eq "delete" "$(j .)" "{\"id\":\"$f2\",\"object\":\"file\",\"deleted\":true}"
call GET "/v1/files/$f2"
tt_eq "deleted file 404" "$ST/$(j .error.param)" "404/id"
cp "$T/two.jsonl" "$T/two.txt"
upload "$T/two.txt"
tt_eq "batch file must be .jsonl" "$ST" 400
upload "$T/two.jsonl" nonsense
tt_eq "bad purpose" "$ST/$(j .error.param)" "400/purpose"
ST=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Authorization: Bearer sk-openai-test' -F purpose=batch "$URL/v1/files")
tt_eq "no file part" "$ST/$(jq -r .error.param "$T/body")" "400/file"
call POST /v1/files '{"purpose":"batch"}'
tt_eq "not multipart" "$ST" 400
ctl /_fake/faults '{"faults":[{"path":"/v1/files","method":"POST","drop":true,"after_commit":true}]}' >/dev/null
upload "$T/two.jsonl"
tt_eq "upload answer lost (after_commit drop): curl 52" "$RC" 52
call GET "/v1/files?purpose=batch"
tt_eq "…but the file exists" "$(j '.data|length')" 2

# ---- a batch's life: validating → in_progress (counts moving) → finalizing → completed ----
{ for i in 1 2 3 4; do line "r$i" gpt-4.1-mini "req $i"; done
  printf '{"custom_id":"bad","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4.1-mini","messages":[]}}\n'; } >"$T/in.jsonl"
upload "$T/in.jsonl"
call POST /v1/batches "{\"input_file_id\":\"$FID\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\",\"metadata\":{\"intent\":\"int-7\"}}"
tt_eq "create 200" "$ST" 200
BID=$(j .id)
tt_has "batch id" "$BID" batch_
tt_eq "validating, nothing counted yet" "$(j '[.object,.status,.request_counts.total,.model,.output_file_id,.metadata.intent,.completion_window]')" '["batch","validating",0,null,null,"int-7","24h"]'
tt_eq "expires_at = created_at + 24h" "$(j '.expires_at - .created_at')" 86400
clock 2		# --openai-validate-seconds 2
call GET "/v1/batches/$BID"
tt_eq "in_progress after validation" "$(j '[.status,.request_counts,.model]')" '["in_progress",{"total":5,"completed":0,"failed":0},"gpt-4.1-mini-2025-04-14"]'
clock 4		# 4 of --batch-seconds 10: 2 of 5 handled
call GET "/v1/batches/$BID"
tt_eq "counts move: 2 done" "$(j .request_counts)" '{"total":5,"completed":2,"failed":0}'
clock 4
call GET "/v1/batches/$BID"
tt_eq "counts move: 4 done" "$(j .request_counts)" '{"total":5,"completed":4,"failed":0}'
clock 3
call GET "/v1/batches/$BID"
tt_eq "finalizing: all handled, no files yet" "$(j '[.status,.request_counts.failed,.output_file_id,(.finalizing_at != null)]')" '["finalizing",1,null,true]'
clock 1		# --openai-finalize-seconds 2 after the last request
call GET "/v1/batches/$BID"
tt_eq "completed" "$(j '[.status,(.completed_at != null),(.output_file_id|startswith("file-")),(.error_file_id|startswith("file-"))]')" '["completed",true,true,true]'
tt_eq "batch usage: 4 × (5 in, 14 out)" "$(j '[.usage.input_tokens,.usage.output_tokens,.usage.total_tokens]')" "[20,56,76]"
out=$(j .output_file_id)
err=$(j .error_file_id)
call GET "/v1/files/$out"
tt_eq "output file: purpose batch_output" "$(j .purpose)" batch_output
call GET "/v1/files/$out/content"
tt_eq "output: 4 lines" "$(grep -c . <<<"$BODY")" 4
tt_eq "output: every request once" "$(jq -r .custom_id <<<"$BODY" | sort | tr '\n' ' ')" "r1 r2 r3 r4 "
tt_eq "output line shape" "$(head -1 <<<"$BODY" | jq -c '[(.id|startswith("batch_req_")),.response.status_code,(.response.request_id|startswith("req_")),.response.body.object,.error]')" '[true,200,true,"chat.completion",null]'
tt_eq "output bodies: usage, service_tier" "$(jq -c 'select(.custom_id=="r2").response.body|[.usage.prompt_tokens,.usage.completion_tokens,.service_tier,.choices[0].message.content]' <<<"$BODY")" '[5,14,"default","echo: req 2echo: req 2echo: req 2echo: req 2echo: req 2"]'
tt_hasnt "lines not in input order" "$(jq -r .custom_id <<<"$BODY" | tr '\n' ' ')" "r1 r2 r3 r4 "
first=$BODY
call GET "/v1/files/$out/content"
tt_eq "re-download: the same bytes" "$BODY" "$first"
call GET "/v1/files/$err/content"
tt_eq "error file: the 400 request" "$(jq -c '[.custom_id,.response.status_code,.response.body.error.code,.error]' <<<"$BODY")" '["bad",400,"empty_array",null]'
ctl /_fake/faults '{"faults":[{"path":"/v1/files","cut_results":true}]}' >/dev/null
call GET "/v1/files/$out"
tt_eq "cut_results ignores non-content calls" "$ST" 200
call GET "/v1/files/$out/content"
tt_eq "cut_results: half the lines, then the transfer fails" "$RC/$(grep -c . <<<"$BODY")" "18/2"
ctl /_fake/faults '{"faults":[{"path":"/v1/files","truncate":true},{"path":"/v1/files","malformed":true}]}' >/dev/null
call GET "/v1/files/$out/content"
tt_eq "truncate: half the lines, clean end" "$RC/$(grep -c . <<<"$BODY")" "0/2"
call GET "/v1/files/$out/content"
tt_eq "malformed: one broken line" "$(while read -r l; do jq -e . <<<"$l" >/dev/null 2>&1 || echo bad; done <<<"$BODY")" bad
ctl /_fake/faults '{"faults":[{"path":"/v1/files","stall_ms":300}]}' >/dev/null
call GET "/v1/files/$out"
tt_eq "stall_ms ignores non-content calls" "$(curl -s "$URL/_fake/stats" | jq .faults_pending)" 1
call GET "/v1/files/$out/content"
tt_eq "stall_ms: every byte, after the pause" "$RC/$BODY" "0/$first"
# a Responses batch: output bodies are response objects
printf '{"custom_id":"a","method":"POST","url":"/v1/responses","body":{"model":"o4-mini","input":"hello"}}\n' >"$T/resp.jsonl"
upload "$T/resp.jsonl"
batch "$FID" /v1/responses
clock 14
call GET "/v1/batches/$BID"
tt_eq "Responses batch: endpoint, usage with reasoning" "$(j '[.endpoint,.status,.usage.output_tokens,.usage.output_tokens_details.reasoning_tokens]')" '["/v1/responses","completed",42,28]'
call GET "/v1/files/$(j .output_file_id)/content"
tt_eq "Responses batch body" "$(jq -c '.response.body|[.object,.status,.usage.output_tokens]' <<<"$BODY")" '["response","completed",42]'

# ---- create errors, list paging ----
call POST /v1/batches '{"input_file_id":"file-nope","endpoint":"/v1/chat/completions","completion_window":"24h"}'
tt_eq "unknown file 404" "$ST/$(j .error.param)" "404/input_file_id"
call POST /v1/batches "{\"input_file_id\":\"$f1\",\"endpoint\":\"/v1/embeddings\",\"completion_window\":\"24h\"}"
tt_eq "endpoint the double does not simulate" "$ST/$(j .error.param)" "400/endpoint"
call POST /v1/batches "{\"input_file_id\":\"$f1\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"48h\"}"
tt_eq "completion_window 24h only" "$ST/$(j .error.param)" "400/completion_window"
md=$(seq 1 17 | jq -R . | jq -sc 'map({key:("k"+.),value:"v"})|from_entries')
call POST /v1/batches "{\"input_file_id\":\"$f1\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\",\"metadata\":$md}"
tt_eq "17 metadata pairs" "$ST/$(j .error.code)" "400/object_above_max_properties"
call POST /v1/batches "{\"input_file_id\":\"$out\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}"
tt_eq "an output file is no batch input" "$ST/$(j .error.param)" "400/input_file_id"
for i in 1 2 3; do batch "$f1"; done
call GET "/v1/batches?limit=2"
tt_eq "list: newest first, has_more" "$(j '[.object,(.data|length),.has_more,.first_id]')" "[\"list\",2,true,\"$BID\"]"
seen=$(j '.data[].id')
after=$(j .last_id)
call GET "/v1/batches?limit=2&after=$after"
seen="$seen $(j '.data[].id')"
after=$(j .last_id)
call GET "/v1/batches?limit=2&after=$after"
tt_eq "list: last page" "$(j .has_more)" false
seen="$seen $(j '.data[].id')"
tt_eq "paging: 5 batches, each once" "$(tr ' ' '\n' <<<"$seen" | grep -c batch_)/$(tr ' ' '\n' <<<"$seen" | grep batch_ | sort -u | wc -l)" "5/5"
call GET "/v1/batches?limit=101"
tt_eq "limit 101 400" "$ST" 400
call GET /v1/batches/batch_nope
tt_eq "unknown batch 404" "$ST" 404
# batch created, answer lost: the batch exists, the client heard a 500
ctl /_fake/faults '{"faults":[{"path":"/v1/batches","method":"POST","status":500,"after_commit":true}]}' >/dev/null
batch "$f1"
tt_eq "after_commit: 500 to the client" "$ST/$(j .error.type)" "500/server_error"
call GET "/v1/batches?limit=100"
tt_eq "…but the batch was created" "$(j '.data|length')" 6
ctl /_fake/faults '{"faults":[{"path":"/v1/batches","status":503}]}' >/dev/null
call GET "/v1/batches/$BID"
tt_eq "faults on batch retrieve" "$ST" 503

# ---- cancel ----
{ for i in 1 2 3 4; do line "c$i" gpt-4.1-mini "c $i"; done; } >"$T/c.jsonl"
upload "$T/c.jsonl"
batch "$FID"
clock 2
clock 5		# 2 of 4 handled
call POST "/v1/batches/$BID/cancel"
tt_eq "cancelling" "$(j '[.status,(.cancelling_at != null),.request_counts.completed]')" '["cancelling",true,2]'
clock 1		# --cancel-seconds 1
call GET "/v1/batches/$BID"
tt_eq "cancelled" "$(j '[.status,(.cancelled_at != null),.request_counts]')" '["cancelled",true,{"total":4,"completed":2,"failed":0}]'
call GET "/v1/files/$(j .output_file_id)/content"
tt_eq "cancelled: the 2 handled in the output" "$(jq -r .custom_id <<<"$BODY" | sort | tr '\n' ' ')" "c1 c2 "
call GET "/v1/batches/$BID"
call GET "/v1/files/$(j .error_file_id)/content"
tt_eq "cancelled: the rest as batch_cancelled errors" "$(jq -c '[.custom_id,.response,.error.code]' <<<"$BODY" | sort | tr '\n' ' ')" '["c3",null,"batch_cancelled"] ["c4",null,"batch_cancelled"] '
call POST "/v1/batches/$BID/cancel"
tt_eq "cancel a cancelled batch: 400" "$ST" 400
batch "$f1"
call POST "/v1/batches/$BID/cancel"
tt_eq "cancel while validating" "$(j .status)" cancelling
clock 1
call GET "/v1/batches/$BID"
tt_eq "cancelled before it started" "$(j '[.status,.request_counts.total,.output_file_id,.error_file_id]')" '["cancelled",0,null,null]'

# ---- validation failure: errors.data with codes and lines ----
{ line v1 gpt-4.1-mini one
  echo '{"custom_id": "v2", not json'
  line v1 gpt-4.1-mini again
  line v4 gpt-4.1-mini four /v1/responses
  line v5 gpt-4o five
  line v6 gpt-4.1-mini six /v1/chat/completions GET; } >"$T/bad.jsonl"
upload "$T/bad.jsonl"
batch "$FID"
clock 2
call GET "/v1/batches/$BID"
tt_eq "failed" "$(j '[.status,(.failed_at != null),.request_counts.total,.output_file_id]')" '["failed",true,0,null]'
tt_eq "errors.data codes and lines" "$(j '[.errors.data[]|"\(.code):\(.line)"]|sort|join(" ")')" "duplicate_custom_id:3 invalid_json_line:2 invalid_request:6 model_mismatch:5 url_mismatch:4"
tt_eq "errors object" "$(j '.errors.object')" list
printf '\n' >"$T/empty.jsonl"
upload "$T/empty.jsonl"
batch "$FID"
clock 2
call GET "/v1/batches/$BID"
tt_eq "empty file" "$(j '[.status,.errors.data[0].code]')" '["failed","empty_file"]'

# ---- stats, reset ----
stats=$(curl -s "$URL/_fake/stats")
tt_has "stats count OpenAI calls" "$stats" '"POST /v1/chat/completions":'
tt_hasnt "stats mask the key" "$stats" "sk-openai-test"
call POST /v1/messages '{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}' -H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01'
tt_eq "the same double still speaks Anthropic" "$ST/$(hdr request-id | cut -c1-6)" "200/req_01"
ctl /_fake/reset >/dev/null
call GET /v1/files
tt_eq "reset: no files" "$(j '.data|length')" 0
call GET /v1/batches
tt_eq "reset: no batches" "$(j '.data|length')" 0

# ---- limits: a double with 3 requests and 300 tokens a minute ----
start lim --time-scale 0 --openai-rpm 3 --openai-tpm 300
for i in 1 2 3; do call POST /v1/chat/completions "$(chat gpt-4.1 hi)"; r[$i]="$(hdr x-ratelimit-remaining-requests)/$(hdr x-ratelimit-reset-requests)"; done
tt_eq "remaining and reset (Go durations)" "${r[1]} ${r[2]} ${r[3]}" "2/20s 1/40s 0/1m0s"
call POST /v1/chat/completions "$(chat gpt-4.1 hi)"
tt_eq "4th request: 429 rate_limit_exceeded" "$ST/$(j .error.code)" "429/rate_limit_exceeded"
tt_has "429 says when to retry" "$(j .error.message)" "try again in 20s"
tt_eq "429 carries the headers" "$(hdr x-ratelimit-remaining-requests)" 0
call POST /v1/chat/completions "$(chat gpt-4.1-mini hi)"
tt_eq "limits are per model" "$ST" 200
clock 20
call POST /v1/chat/completions "$(chat gpt-4.1 hi)"
tt_eq "20 s later one request is back" "$ST/$(hdr x-ratelimit-remaining-requests)" "200/0"
call POST /v1/chat/completions "$(chat gpt-4o hi '"max_tokens":400')"
tt_eq "tokens: input + max_tokens over 300 TPM" "$ST/$(j .error.code)" "429/rate_limit_exceeded"
tt_has "tokens 429 names TPM" "$(j .error.message)" "TPM"

# ---- expiry, input limits, options: a second double ----
start exp --time-scale 0 --batch-seconds 100 --batch-expiry 50 --openai-batch-max-requests 3 \
	--openai-batch-max-bytes 2000 --openai-batch-tier flex --openai-validate-seconds 1 \
	--fault 'path=/v1/batches,method=GET,status=502,count=1'
{ for i in 1 2 3; do line "e$i" gpt-4.1-nano "e $i"; done; } >"$T/e.jsonl"
upload "$T/e.jsonl"
batch "$FID"
call GET "/v1/batches/$BID"
tt_eq "--fault on the command line" "$ST/$(j .error.type)" "502/server_error"
clock 60	# in_progress at 1; at 50 (the window) 1 of 3 was handled
call GET "/v1/batches/$BID"
tt_eq "expired" "$(j '[.status,.expired_at - .created_at,.request_counts]')" '["expired",50,{"total":3,"completed":1,"failed":0}]'
call GET "/v1/files/$(j .output_file_id)/content"
tt_eq "expired: the handled one in the output (batch tier option)" "$(jq -c '[.custom_id,.response.body.service_tier]' <<<"$BODY")" '["e1","flex"]'
call GET "/v1/batches/$BID"
call GET "/v1/files/$(j .error_file_id)/content"
tt_eq "expired: the rest as batch_expired" "$(jq -r .error.code <<<"$BODY" | sort -u)/$(grep -c . <<<"$BODY")" "batch_expired/2"
line e4 gpt-4.1-nano four >>"$T/e.jsonl"
upload "$T/e.jsonl"
batch "$FID"
clock 1
call GET "/v1/batches/$BID"
tt_eq "more than --openai-batch-max-requests" "$(j '[.status,.errors.data[0].code]')" '["failed","too_many_tasks"]'
for i in $(seq 1 20); do line "s$i" gpt-4.1-nano "$i"; done | head -c 2100 >"$T/big.jsonl"
upload "$T/big.jsonl"
batch "$FID"
clock 1
call GET "/v1/batches/$BID"
tt_eq "more than --openai-batch-max-bytes" "$(j '[.status,.errors.data[0].code]')" '["failed","file_too_large"]'

# ---- one model per file is a setting ----
start mixed --time-scale 0 --openai-mixed-models
{ line m1 gpt-4.1-nano one; line m2 gpt-4o two; } >"$T/m.jsonl"
upload "$T/m.jsonl"
batch "$FID"
clock 2
call GET "/v1/batches/$BID"
tt_eq "--openai-mixed-models: two models pass" "$(j .status)" in_progress

# ---- organisation usage and costs (a fresh double, admin key) ----
now=$(date +%s)
# the served rows must land in today's bucket: never start within a minute of midnight UTC
[ $((86400 - now % 86400)) -lt 60 ] && sleep $((86400 - now % 86400 + 1)) && now=$(date +%s)
start org --time-scale 0 --batch-seconds 10 --openai-admin-key sk-admin-org
day=$((now / 86400 * 86400))
call POST /v1/chat/completions "$(chat gpt-4.1 hello)"
call POST /v1/chat/completions "$(chat gpt-4.1 hello)" -H 'OpenAI-Project: proj_b'
{ line b1 gpt-4.1-mini hello; line b2 gpt-4.1-mini hello; } >"$T/o.jsonl"
upload "$T/o.jsonl"
batch "$FID"
clock 14
call GET "/v1/batches/$BID"
tt_eq "org: the batch completed" "$(j .status)" completed
ADMIN=sk-admin-org
KEY=$ADMIN call GET "/v1/organization/usage/completions?start_time=$day&group_by=model&group_by=batch"
tt_eq "usage 200 with the admin key" "$ST" 200
tt_eq "page shape" "$(j '[.object,(.data|length),.data[0].object,.data[0].start_time,.data[0].end_time - .data[0].start_time,.has_more,.next_page]')" "[\"page\",1,\"bucket\",$day,86400,false,null]"
tt_eq "served calls and batch requests, by model and batch" "$(j '[.data[0].results[]|[.model,.batch,.input_tokens,.input_cached_tokens,.output_tokens,.num_model_requests,.object]]')" '[["gpt-4.1-2025-04-14",false,10,0,28,2,"organization.usage.completions.result"],["gpt-4.1-mini-2025-04-14",true,10,0,28,2,"organization.usage.completions.result"]]'
KEY=$ADMIN call GET "/v1/organization/usage/completions?start_time=$day&group_by[]=project_id&models=gpt-4.1-2025-04-14"
tt_eq "group_by[]=project_id, models filter" "$(j '[.data[0].results[]|[.project_id,.num_model_requests,.model]]|sort')" '[["proj_FakeDefaultProject0000",1,null],["proj_b",1,null]]'
KEY=$ADMIN call GET "/v1/organization/usage/completions?start_time=$((now - 180))&bucket_width=1m&batch=false"
tt_eq "1m buckets, batch=false" "$(j '[(.data|length) >= 3, ([.data[].results[].num_model_requests]|add)]')" "[true,2]"
KEY=$ADMIN call GET "/v1/organization/usage/completions?start_time=$day&bucket_width=1m&limit=1441"
tt_eq "1m limit 1441: 400" "$ST/$(j .error.param)" "400/limit"
KEY=$ADMIN call GET "/v1/organization/usage/completions?start_time=$day&group_by=colour"
tt_eq "bad group_by: 400" "$ST/$(j .error.param)" "400/group_by"
KEY=$ADMIN call GET "/v1/organization/usage/completions"
tt_eq "start_time required" "$ST/$(j .error.param)" "400/start_time"
KEY=none call GET "/v1/organization/costs?start_time=$day"
tt_eq "no key: 401" "$ST" 401
call GET "/v1/organization/costs?start_time=$day"
tt_eq "a project key on the admin API: 401" "$ST" 401
tt_has "…insufficient permissions" "$(j .error.message)" "insufficient permissions"
# other apps' rows, on fixed past days: day 0 and day 2 of 2026-01-01..03
d0=1767225600
ctl /_fake/openai/org "{\"rows\":[{\"model\":\"gpt-4.1\",\"input_tokens\":1000000,\"input_cached_tokens\":250000,\"output_tokens\":100000,\"at\":$((d0 + 3600))},{\"model\":\"gpt-4.1-mini\",\"input_tokens\":2000000,\"output_tokens\":1000000,\"batch\":true,\"num_model_requests\":40,\"at\":$((d0 + 2 * 86400 + 60))}]}" >/dev/null
KEY=$ADMIN call GET "/v1/organization/usage/completions?start_time=$d0&end_time=$((d0 + 3 * 86400))&limit=1&group_by=model"
pages=1
tt_eq "usage page 1" "$(j '[.has_more,(.data[0].results|length),.data[0].results[0].input_tokens]')" "[true,1,1000000]"
while [ "$(j .has_more)" = true ] && [ $pages -lt 5 ]; do
	KEY=$ADMIN call GET "/v1/organization/usage/completions?start_time=$d0&end_time=$((d0 + 3 * 86400))&limit=1&group_by=model&page=$(j .next_page)"
	pages=$((pages + 1))
	[ $pages = 2 ] && tt_eq "usage page 2: an empty day" "$(j '.data[0].results')" "[]"
done
tt_eq "usage: 3 pages of one day" "$pages" 3
tt_eq "usage page 3: the batch row" "$(j '[.data[0].results[0].model,.data[0].results[0].num_model_requests,.next_page]')" '["gpt-4.1-mini-2025-04-14",40,null]'
# costs by hand: gpt-4.1: 750000 uncached × $2/M = 1.5, 250000 cached × $0.5/M = 0.125,
# 100000 out × $8/M = 0.8; gpt-4.1-mini in batch (half): 2M × $0.4/M / 2 = 0.4, 1M × $1.6/M / 2 = 0.8
KEY=$ADMIN call GET "/v1/organization/costs?start_time=$d0&end_time=$((d0 + 3 * 86400))&group_by=line_item&limit=3"
tt_eq "costs shape" "$(j '[.object,(.data|length),.data[0].results[0].object,.data[0].results[0].amount.currency]')" '["page",3,"organization.costs.result","usd"]'
tt_eq "costs day 0 by line item (dollars)" "$(j '[.data[0].results[]|[.line_item,.amount.value]]')" '[["gpt-4.1-2025-04-14, input",1.5],["gpt-4.1-2025-04-14, cached input",0.125],["gpt-4.1-2025-04-14, output",0.8]]'
tt_eq "costs day 2: batch line items at half" "$(j '[.data[2].results[]|[.line_item,.amount.value]]')" '[["batch | gpt-4.1-mini-2025-04-14, input",0.4],["batch | gpt-4.1-mini-2025-04-14, output",0.8]]'
KEY=$ADMIN call GET "/v1/organization/costs?start_time=$d0&end_time=$((d0 + 3 * 86400))&limit=1"
tt_eq "costs without line_item: one total" "$(j '[[.data[0].results[]|[.line_item,.amount.value]],.has_more]')" '[[[null,2.425]],true]'
KEY=$ADMIN call GET "/v1/organization/costs?start_time=$d0&limit=181"
tt_eq "costs limit 181: 400" "$ST" 400
KEY=$ADMIN call GET "/v1/organization/costs?start_time=$d0&bucket_width=1h"
tt_eq "costs are daily only" "$ST/$(j .error.param)" "400/bucket_width"
ctl /_fake/faults '{"faults":[{"path":"/v1/organization/","status":500,"count":2}]}' >/dev/null
KEY=$ADMIN call GET "/v1/organization/costs?start_time=$d0"
tt_eq "faults on the costs report" "$ST/$(j .error.type)" "500/server_error"
KEY=$ADMIN call GET "/v1/organization/usage/completions?start_time=$d0"
tt_eq "faults on the usage report" "$ST" 500
tt_eq "DELETE /_fake/openai/org drops the rows" "$(curl -s -X DELETE "$URL/_fake/openai/org")" '{"rows":0}'
KEY=$ADMIN call GET "/v1/organization/usage/completions?start_time=$day"
tt_eq "…and the report is empty" "$(j '[.data[].results[]]|length')" 0

# ---- clean exit on SIGTERM ----
kill -TERM "$MAIN_PID"
wait "$MAIN_PID"
tt_eq "SIGTERM: exit 0" "$?" 0

tt_done
