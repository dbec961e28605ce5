#!/usr/bin/env bash
# fakeapi.sh — black-box test of the API test double (tests/fakeapi) with curl:
# headers, validation, prompt caching, streaming, count_tokens, batches, faults,
# control endpoints. Needs only bash, curl, grep and sed.
set -u
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir

# start NAME ARGS...: runs a double, sets URL
start() { tt_start_fakeapi "$@"; URL=$FK_URL; }

# call METHOD PATH [BODY-FILE-OR-STRING] [extra curl args…]: status in $ST, body in $BODY,
# headers in $HDR, curl's exit code in $RC. Sends the key $KEY (default sk-ant-test)
# and the version.
call() {
	local m=$1 p=$2 d=${3:-}
	shift $(($# < 3 ? $# : 3))
	local data=()
	if [ -n "$d" ]; then
		if [ -f "$d" ]; then data=(--data-binary "@$d"); else data=(--data-binary "$d"); fi
	fi
	ST=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" \
		-H "x-api-key: ${KEY:-sk-ant-test}" -H 'anthropic-version: 2023-06-01' \
		-H 'content-type: application/json' "${data[@]}" "$@" "$URL$p")
	RC=$?
	BODY=$(cat "$T/body")
	HDR=$(tr -d '\r' <"$T/hdr")
}
ctl() { curl -s -X POST "$URL$1" --data-binary "${2:-{\}}"; }
num() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$2" | head -1; }
batch_id() { grep -o 'msgbatch_[A-Za-z0-9]*' <<<"$1" | head -1; }

msg() {  # msg MODEL MAX_TOKENS USER-TEXT [SYSTEM-JSON] [extra top-level JSON]
	printf '{"model":"%s","max_tokens":%s,%s"messages":[{"role":"user","content":"%s"}]%s}' \
		"$1" "$2" "${4:+\"system\":$4,}" "$3" "${5:+,$5}"
}

[ -x "$B/fakeapi" ] || tt_die "$B/fakeapi not built"
# The virtual clock moves only by /_fake/clock here, so a loaded machine changes nothing.
start main --time-scale 0 --batch-seconds 10 --stream-delay-ms 1
MAIN_PID=$FK_PID

# ---- headers ----
call POST /v1/messages "$(msg claude-sonnet-4-5 100 hello)"
tt_eq "x-api-key accepted" "$ST" 200
tt_has "request-id on 200" "$HDR" "request-id: req_"
tt_has "ratelimit headers" "$HDR" "anthropic-ratelimit-requests-limit:"
tt_has "message id" "$BODY" '"id":"msg_'
tt_has "service tier" "$BODY" '"service_tier":"standard"'
tt_has "answer rule" "$BODY" '"text":"echo: helloecho: helloecho: helloecho: helloecho: hello"'
tt_eq "output tokens rule" "$(num output_tokens "$BODY")" 14
tt_eq "input tokens rule" "$(num input_tokens "$BODY")" 5
ST=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sk-ant-test' \
	-H 'anthropic-version: 2026-10-21' -d "$(msg claude-sonnet-4-5 10 hi)" "$URL/v1/messages")
tt_eq "Authorization: Bearer accepted" "$ST" 200
KEY=wrong call POST /v1/messages "$(msg claude-sonnet-4-5 10 hi)"
tt_eq "wrong key 401" "$ST" 401
tt_has "wrong key type" "$BODY" '"type":"authentication_error"'
tt_has "request-id on 401" "$HDR" "request-id: req_"
rid=$(sed -n 's/^request-id: //p' <<<"$HDR")
tt_has "error body request_id = header" "$BODY" "\"request_id\":\"$rid\""
ST=$(curl -s -o /dev/null -w '%{http_code}' -H 'anthropic-version: 2023-06-01' \
	-d "$(msg claude-sonnet-4-5 10 hi)" "$URL/v1/messages")
tt_eq "no key 401" "$ST" 401
ST=$(curl -s -o "$T/b" -w '%{http_code}' -H 'x-api-key: sk-ant-test' \
	-d "$(msg claude-sonnet-4-5 10 hi)" "$URL/v1/messages")
tt_eq "no anthropic-version 400" "$ST" 400
tt_has "no version type" "$(cat "$T/b")" invalid_request_error

# ---- validation ----
call POST /v1/messages '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"x"}]}'
tt_eq "max_tokens required" "$ST" 400
tt_has "max_tokens message" "$BODY" "max_tokens: Field required"
call POST /v1/messages '{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]}'
tt_eq "empty messages 400" "$ST" 400
call POST /v1/messages '{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"robot","content":"x"}]}'
tt_eq "bad role 400" "$ST" 400
call POST /v1/messages '{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":5}]}'
tt_eq "bad content 400" "$ST" 400
call POST /v1/messages '{"max_tokens":5,"messages":[{"role":"user","content":"x"}]}'
tt_eq "model required" "$ST" 400
call POST /v1/messages "$(msg claude-nope 5 x)"
tt_eq "unknown model 404" "$ST" 404
tt_has "unknown model type" "$BODY" not_found_error
call POST /v1/messages '{not json'
tt_eq "not JSON 400" "$ST" 400
cc='"cache_control":{"type":"ephemeral"}'
five="[{\"type\":\"text\",\"text\":\"a\",$cc},{\"type\":\"text\",\"text\":\"b\",$cc},{\"type\":\"text\",\"text\":\"c\",$cc},{\"type\":\"text\",\"text\":\"d\",$cc},{\"type\":\"text\",\"text\":\"e\",$cc}]"
call POST /v1/messages "$(msg claude-sonnet-4-5 5 x "$five")"
tt_eq "5 breakpoints 400" "$ST" 400
tt_has "5 breakpoints message" "$BODY" "Found 5"
order='[{"type":"text","text":"a","cache_control":{"type":"ephemeral","ttl":"5m"}},{"type":"text","text":"b","cache_control":{"type":"ephemeral","ttl":"1h"}}]'
call POST /v1/messages "$(msg claude-sonnet-4-5 5 x "$order")"
tt_eq "1h after 5m 400" "$ST" 400
truncate -s 33M "$T/huge"
call POST /v1/messages "$T/huge"
tt_eq "33 MB body 413" "$ST" 413
tt_has "413 type" "$BODY" request_too_large
rm -f "$T/huge"

# ---- count_tokens: ceil(8/4) + 3 ----
call POST /v1/messages/count_tokens '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"12345678"}]}'
tt_eq "count_tokens" "$BODY" '{"input_tokens":5}'

# ---- prompt caching: 4400 bytes = 1100 tokens >= 1024 (Sonnet 4.5) ----
doc=$(head -c 4400 /dev/zero | tr '\0' d)
sys="[{\"type\":\"text\",\"text\":\"$doc\",$cc}]"
call POST /v1/messages "$(msg claude-sonnet-4-5 50 hi "$sys")"
tt_eq "cache 1: write" "$(num cache_creation_input_tokens "$BODY")" 1100
tt_eq "cache 1: 5m split" "$(num ephemeral_5m_input_tokens "$BODY")" 1100
tt_eq "cache 1: read 0" "$(num cache_read_input_tokens "$BODY")" 0
tt_eq "cache 1: input excludes cache" "$(num input_tokens "$BODY")" 4
call POST /v1/messages "$(msg claude-sonnet-4-5-20250929 50 hi "$sys")"
tt_eq "cache 2: read (dated id, same cache)" "$(num cache_read_input_tokens "$BODY")" 1100
tt_eq "cache 2: no write" "$(num cache_creation_input_tokens "$BODY")" 0
ctl /_fake/clock '{"advance_seconds":299}' >/dev/null
call POST /v1/messages "$(msg claude-sonnet-4-5 50 hi "$sys")"
tt_eq "cache 3: hit at 299 s refreshes" "$(num cache_read_input_tokens "$BODY")" 1100
ctl /_fake/clock '{"advance_seconds":250}' >/dev/null
call POST /v1/messages "$(msg claude-sonnet-4-5 50 hi "$sys")"
tt_eq "cache 4: still live after refresh" "$(num cache_read_input_tokens "$BODY")" 1100
ctl /_fake/clock '{"advance_seconds":301}' >/dev/null
call POST /v1/messages "$(msg claude-sonnet-4-5 50 hi "$sys")"
tt_eq "cache 5: expired, written again" "$(num cache_creation_input_tokens "$BODY")" 1100
call POST /v1/messages "$(msg claude-haiku-4-5 50 hi "$sys")"
tt_eq "below Haiku 4.5 minimum: no write" "$(num cache_creation_input_tokens "$BODY")" 0
tt_eq "below minimum: all input" "$(num input_tokens "$BODY")" 1104
sys1h="[{\"type\":\"text\",\"text\":\"$doc\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}},{\"type\":\"text\",\"text\":\"${doc:0:400}\",$cc}]"
call POST /v1/messages "$(msg claude-opus-4-1 50 hi "$sys1h")"
tt_eq "1h + 5m: 1h split" "$(num ephemeral_1h_input_tokens "$BODY")" 1100
tt_eq "1h + 5m: 5m split" "$(num ephemeral_5m_input_tokens "$BODY")" 100
ctl /_fake/clock '{"advance_seconds":600}' >/dev/null
call POST /v1/messages "$(msg claude-opus-4-1 50 hi "$sys1h")"
tt_eq "after 10 min: 1h part read" "$(num cache_read_input_tokens "$BODY")" 1100
tt_eq "after 10 min: 5m part rewritten" "$(num ephemeral_5m_input_tokens "$BODY")" 100

# ---- streaming ----
call POST /v1/messages "$(msg claude-sonnet-4-5 100 'stream me please' '' '"stream":true')"
tt_eq "stream 200" "$ST" 200
tt_has "stream content-type" "$HDR" "content-type: text/event-stream"
events=$(sed -n 's/^event: //p' <<<"$BODY" | uniq | tr '\n' ' ')
tt_eq "stream event sequence" "$events" "message_start ping content_block_start content_block_delta content_block_stop message_delta message_stop "
ndelta=$(grep -c '^event: content_block_delta' <<<"$BODY")
[ "$ndelta" -ge 3 ] && tt_ok "several deltas ($ndelta)" || tt_fail "several deltas: $ndelta"
start_line=$(grep '"type":"message_start"' <<<"$BODY")
tt_eq "message_start output placeholder" "$(num output_tokens "$start_line")" 1
delta_line=$(grep '"type":"message_delta"' <<<"$BODY")
tt_eq "message_delta final output" "$(num output_tokens "$delta_line")" 28
text=$(sed -n 's/.*"text_delta","text":"\([^"]*\)".*/\1/p' <<<"$BODY" | tr -d '\n')
tt_eq "deltas concatenate to the answer" "${text:0:22}" "echo: stream me please"

# ---- batches ----
req() { printf '{"custom_id":"%s","params":%s}' "$1" "$2"; }
good=$(msg claude-haiku-4-5 20 one)
printf '{"requests":[%s,%s,%s]}' "$(req a "$good")" \
	"$(req b '{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"x"}]}')" \
	"$(req c "$(msg claude-haiku-4-5 20 three)")" >"$T/batch.json"
call POST /v1/messages/batches "$T/batch.json"
tt_eq "batch create 200" "$ST" 200
tt_has "batch in_progress" "$BODY" '"processing_status":"in_progress"'
tt_has "batch counts processing" "$BODY" '"processing":3,"succeeded":0,"errored":0'
tt_has "results_url null" "$BODY" '"results_url":null'
bid=$(batch_id "$BODY")
call GET "/v1/messages/batches/$bid/results"
tt_eq "results 404 before end" "$ST" 404
ctl /_fake/clock '{"advance_seconds":5}' >/dev/null
call GET "/v1/messages/batches/$bid"
tt_has "half-way: counts still 0" "$BODY" '"processing":3,"succeeded":0'
ctl /_fake/clock '{"advance_seconds":6}' >/dev/null
call GET "/v1/messages/batches/$bid"
tt_has "batch ended" "$BODY" '"processing_status":"ended"'
tt_has "ended counts" "$BODY" '"processing":0,"succeeded":2,"errored":1,"canceled":0,"expired":0'
tt_has "results_url" "$BODY" "\"results_url\":\"$URL/v1/messages/batches/$bid/results\""
call GET "/v1/messages/batches/$bid/results" '' -H 'Accept: application/binary'
tt_eq "results 200" "$ST" 200
tt_eq "results lines" "$(grep -c . <<<"$BODY")" 3
tt_eq "succeeded lines" "$(grep -c '"type":"succeeded"' <<<"$BODY")" 2
tt_has "batch tier" "$BODY" '"service_tier":"batch"'
tt_has "errored result" "$BODY" '{"custom_id":"b","result":{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error"'
call GET "/v1/messages/batches/$bid/results"
tt_eq "results re-download identical ids" "$(grep -o 'msg_[0-9a-z]*' <<<"$BODY" | tr '\n' ' ')" \
	"$(grep -o 'msg_[0-9a-z]*' "$T/body" | tr '\n' ' ')"
# prompt caching inside a batch: request 1 writes, request 2 reads
cached=$(msg claude-sonnet-4-5 20 hi "$sys")
call POST /v1/messages/batches "{\"requests\":[$(req w "$cached"),$(req r "$cached")]}"
cbid=$(batch_id "$BODY")
ctl /_fake/clock '{"advance_seconds":11}' >/dev/null
call GET "/v1/messages/batches/$cbid/results"
tt_eq "batch cache: first writes" "$(num cache_creation_input_tokens "$(grep '"custom_id":"w"' <<<"$BODY")")" 1100
tt_eq "batch cache: second reads" "$(num cache_read_input_tokens "$(grep '"custom_id":"r"' <<<"$BODY")")" 1100
call POST /v1/messages/batches "{\"requests\":[$(req a "$good"),$(req a "$good")]}"
tt_eq "duplicate custom_id 400" "$ST" 400
call POST /v1/messages/batches "{\"requests\":[$(req 'a.b' "$good")]}"
tt_eq "bad custom_id 400" "$ST" 400
call POST /v1/messages/batches '{"requests":[]}'
tt_eq "empty batch 400" "$ST" 400
# paging: 4 more batches, 6 in all, newest first
for i in 1 2 3 4; do call POST /v1/messages/batches "{\"requests\":[$(req x "$good")]}"; done
last=$(batch_id "$BODY")
call GET "/v1/messages/batches?limit=2"
tt_has "page 1 has_more" "$BODY" '"has_more":true'
tt_has "page 1 newest first" "$BODY" "\"first_id\":\"$last\""
seen=$(grep -o '"id":"msgbatch_[A-Za-z0-9]*' <<<"$BODY" | wc -l)
after=$(sed -n 's/.*"last_id":"\([^"]*\)".*/\1/p' <<<"$BODY")
pages=1
while grep -q '"has_more":true' <<<"$BODY"; do
	call GET "/v1/messages/batches?limit=2&after_id=$after"
	seen=$((seen + $(grep -o '"id":"msgbatch_[A-Za-z0-9]*' <<<"$BODY" | wc -l)))
	after=$(sed -n 's/.*"last_id":"\([^"]*\)".*/\1/p' <<<"$BODY")
	pages=$((pages + 1))
	[ $pages -gt 5 ] && break
done
tt_eq "paging: every batch once" "$seen" 6
tt_eq "paging: 3 pages" "$pages" 3
tt_has "last page ends at the first batch" "$BODY" "\"last_id\":\"$bid\""
call GET "/v1/messages/batches?limit=2&before_id=$bid"
tt_has "before_id page" "$BODY" '"has_more":true'
call GET "/v1/messages/batches?limit=0"
tt_eq "limit 0 400" "$ST" 400
# cancel, delete
call DELETE "/v1/messages/batches/$last"
tt_eq "delete in progress 400" "$ST" 400
call POST "/v1/messages/batches/$last/cancel"
tt_has "canceling" "$BODY" '"processing_status":"canceling"'
tt_has "cancel_initiated_at" "$BODY" '"cancel_initiated_at":"20'
ctl /_fake/clock '{"advance_seconds":2}' >/dev/null
call GET "/v1/messages/batches/$last"
tt_has "canceled counts" "$BODY" '"processing":0,"succeeded":0,"errored":0,"canceled":1'
call GET "/v1/messages/batches/$last/results"
tt_has "canceled result" "$BODY" '{"custom_id":"x","result":{"type":"canceled"}}'
call DELETE "/v1/messages/batches/$last"
tt_has "deleted" "$BODY" '"type":"message_batch_deleted"'
call GET "/v1/messages/batches/$last"
tt_eq "deleted batch 404" "$ST" 404

# ---- faults ----
ctl /_fake/faults '{"faults":[{"path":"/v1/messages","status":429,"retry_after":"2","count":2}]}' >/dev/null
call POST /v1/messages "$(msg claude-sonnet-4-5 10 hi)"
tt_eq "429 #1" "$ST" 429
tt_has "retry-after" "$HDR" "retry-after: 2"
tt_has "rate_limit_error" "$BODY" rate_limit_error
tt_has "request-id on fault" "$HDR" "request-id: req_"
tt_has "stats: one fault pending" "$(curl -s "$URL/_fake/stats")" '"faults_pending":1'
call POST /v1/messages "$(msg claude-sonnet-4-5 10 hi)"
tt_eq "429 #2 (count 2)" "$ST" 429
tt_has "stats: no fault pending" "$(curl -s "$URL/_fake/stats")" '"faults_pending":0'
call POST /v1/messages "$(msg claude-sonnet-4-5 10 hi)"
tt_eq "fault used up" "$ST" 200
ctl /_fake/faults '{"faults":[{"path":"/v1/messages","status":529},{"path":"/v1/messages","status":500,"should_retry":"false"},{"path":"/v1/messages","status":408,"retry_after_ms":"150"}]}' >/dev/null
call POST /v1/messages "$(msg claude-sonnet-4-5 10 hi)"
tt_eq "529" "$ST" 529
tt_has "overloaded_error" "$BODY" overloaded_error
call POST /v1/messages "$(msg claude-sonnet-4-5 10 hi)"
tt_eq "500" "$ST" 500
tt_has "x-should-retry" "$HDR" "x-should-retry: false"
call POST /v1/messages "$(msg claude-sonnet-4-5 10 hi)"
tt_eq "408" "$ST" 408
tt_has "retry-after-ms" "$HDR" "retry-after-ms: 150"
ctl /_fake/faults '{"faults":[{"path":"/v1/messages","method":"POST","delay_ms":250}]}' >/dev/null
t=$(curl -s -o /dev/null -w '%{time_total}' -H 'x-api-key: sk-ant-test' \
	-H 'anthropic-version: 2023-06-01' -d "$(msg claude-sonnet-4-5 10 hi)" "$URL/v1/messages")
case "$t" in 0.0* | 0.1*) tt_fail "delay_ms: answered after $t s" ;; *) tt_ok "delay_ms ($t s)" ;; esac
ctl /_fake/faults '{"faults":[{"path":"/v1/messages","drop":true}]}' >/dev/null
call POST /v1/messages "$(msg claude-sonnet-4-5 100 hello)"
tt_eq "drop: connection closed mid-body (curl 18)" "$RC" 18
ctl /_fake/faults '{"faults":[{"path":"/v1/messages","truncate":true}]}' >/dev/null
call POST /v1/messages "$(msg claude-sonnet-4-5 100 hello)"
tt_eq "truncate: 200" "$ST" 200
tt_hasnt "truncate: JSON cut" "${BODY: -1}" "}"
ctl /_fake/faults '{"faults":[{"path":"/v1/messages","malformed":true}]}' >/dev/null
call POST /v1/messages "$(msg claude-sonnet-4-5 100 hello)"
tt_eq "malformed: 200" "$ST" 200
tt_hasnt "malformed: not JSON" "${BODY:0:1}" "{"
ctl /_fake/faults '{"faults":[{"path":"/v1/messages","drop":true}]}' >/dev/null
call POST /v1/messages "$(msg claude-sonnet-4-5 100 'stream me please' '' '"stream":true')"
tt_eq "stream drop: curl 18" "$RC" 18
tt_hasnt "stream drop: no message_stop" "$BODY" message_stop
ctl /_fake/faults '{"faults":[{"path":"/v1/messages","stream_error":true}]}' >/dev/null
call POST /v1/messages "$(msg claude-sonnet-4-5 100 'stream me please' '' '"stream":true')"
tt_has "stream_error: error event after a 200" "$BODY" 'event: error
data: {"type":"error","error":{"type":"overloaded_error"'
tt_hasnt "stream_error: no message_stop" "$BODY" message_stop
ctl /_fake/faults '{"faults":[{"path":"/v1/messages","malformed":true}]}' >/dev/null
call POST /v1/messages "$(msg claude-sonnet-4-5 100 'stream me please' '' '"stream":true')"
tt_has "stream malformed: broken data line" "$BODY" '"delta":{"ty
'
ctl /_fake/faults '{"faults":[{"path":"/v1/messages/batches","status":503}]}' >/dev/null
call GET "/v1/messages/batches/$bid"
tt_eq "prefix match on a batch path" "$ST" 503
ctl /_fake/faults '{"faults":[{"path":"/v1/messages/batches","cut_results":true}]}' >/dev/null
call GET "/v1/messages/batches/$bid"
tt_eq "cut_results ignores non-results calls" "$ST" 200
call GET "/v1/messages/batches/$bid/results"
[ "$RC" -ne 0 ] && tt_ok "cut_results: transfer fails ($RC)" || tt_fail "cut_results: curl rc 0"
tt_eq "cut_results: half the lines" "$(grep -c . <<<"$BODY")" 1
call GET "/v1/messages/batches/$bid/results"
tt_eq "after the cut: whole results" "$(grep -c . <<<"$BODY")" 3

# ---- stats and reset ----
stats=$(curl -s "$URL/_fake/stats")
tt_has "stats counts" "$stats" '"POST /v1/messages":'
tt_has "stats last_headers" "$stats" '"anthropic-version":"2023-06-01"'
tt_hasnt "stats mask the key" "$stats" "sk-ant-test"
ctl /_fake/reset >/dev/null
call GET /v1/messages/batches
tt_has "reset: no batches" "$BODY" '"data":[]'
call POST /v1/messages "$(msg claude-sonnet-4-5 50 hi "$sys")"
tt_eq "reset: cache cleared" "$(num cache_creation_input_tokens "$BODY")" 1100

# ---- expiry (a second double: 100 s batches, 50 s window) and --fault ----
start exp --time-scale 0 --batch-seconds 100 --batch-expiry 50 \
	--fault 'path=/v1/messages/count_tokens,status=529' --fault 'path=/v1/messages/batches/nope,method=GET,drop=true'
call POST /v1/messages/batches "{\"requests\":[$(req a "$good"),$(req b "$good"),$(req c "$good"),$(req d "$good")]}"
bid=$(batch_id "$BODY")
ctl /_fake/clock '{"advance_seconds":60}' >/dev/null
call GET "/v1/messages/batches/$bid"
tt_has "expired counts" "$BODY" '"processing":0,"succeeded":2,"errored":0,"canceled":0,"expired":2'
call GET "/v1/messages/batches/$bid/results"
tt_eq "expired results" "$(grep -c '"type":"expired"' <<<"$BODY")" 2
call POST /v1/messages/count_tokens '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"x"}]}'
tt_eq "--fault on the command line" "$ST" 529
call GET /v1/messages/batches/nope
tt_eq "--fault drop=true, method GET" "$RC" 18

# ---- --time-scale: 100000 virtual seconds a second, so 0.1 s outlives a 5m entry ----
start fast --time-scale 100000
call POST /v1/messages "$(msg claude-sonnet-4-5 50 hi "$sys")"
tt_eq "time-scale: write" "$(num cache_creation_input_tokens "$BODY")" 1100
sleep 0.1
call POST /v1/messages "$(msg claude-sonnet-4-5 50 hi "$sys")"
tt_eq "time-scale: expired after 0.1 s real" "$(num cache_creation_input_tokens "$BODY")" 1100

# ---- clean exit on SIGTERM ----
kill -TERM "$MAIN_PID"
wait "$MAIN_PID"
tt_eq "SIGTERM: exit 0" "$?" 0

tt_done
