#!/usr/bin/env bash
# proxy_openai.sh — `tokentop proxy` speaking OpenAI, with curl against the
# API double: routing (anthropic-version first, then the path), Chat
# Completions plain and streamed without include_usage (the client gets the
# stream it asked for, the row is right) and with it (untouched), Responses
# streamed (usage from response.completed), errors passed through, a client
# gone mid-stream, a batch create registered, --enforce-budget's
# OpenAI-shaped 429, both auth forms passed and never stored.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
DB=$T/usage.db

tt_start_fakeapi main --stream-delay-ms 1
DIRECT=$FK_URL
start_proxy() {
	tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$DIRECT" \
		--openai-upstream "$DIRECT/v1" "$@"
}
start_proxy

KEY=sk-openai-test
H=(-H "Authorization: Bearer $KEY" -H 'OpenAI-Organization: org-test' -H 'OpenAI-Project: proj_test'
   -H 'content-type: application/json')
chat() {  # text [extra json]
	printf '{"model":"gpt-4.1","messages":[{"role":"user","content":"%s"}]%s}' "$1" "${2:-}"
}
stats() { curl -sS "$DIRECT/_fake/stats"; }
rows() { sqlite3 "$DB" "select count(*) from usage where source='proxy' $*" 2>/dev/null || echo 0; }
wait_rows() {  # n [where]
	for _ in $(seq 100); do [ "$(rows "${2:-}")" -ge "$1" ] && return 0; sleep 0.05; done
	tt_die "expected $1 proxy rows ${2:-}, have $(rows "${2:-}"): $(sqlite3 "$DB" 'select * from usage' 2>&1)"
}
last() { sqlite3 "$DB" "select $1 from usage where source = 'proxy' order by id desc limit 1"; }
# the parts of an answer that differ call to call
strip_ids() { sed -E 's/(chatcmpl-|resp_|msg_|req_|rs_)[A-Za-z0-9]+/\1X/g; s/"created(_at)?":[0-9]+/"created":0/g; s/"sequence_number":[0-9]+/"s":0/g'; }

# --- plain chat: body as direct, row with provider, x-request-id, tag -------
curl -sS -D "$T/h1" -o "$T/b1" "${H[@]}" -H 'x-tokentop-tag: team-o' "$PROXY/v1/chat/completions" \
	-d "$(chat "hello openai proxy")"
s=$(stats)
tt_eq "routed to OpenAI by path" "$(echo "$s" | jq -r '.requests["POST /v1/chat/completions"]')" 1
tt_eq "Bearer key passed" "$(echo "$s" | jq -r '.last_headers.authorization | startswith("Bearer")')" true
tt_eq "organisation passed" "$(echo "$s" | jq -r '.last_headers["openai-organization"]')" org-test
tt_eq "project passed" "$(echo "$s" | jq -r '.last_headers["openai-project"]')" proj_test
tt_eq "tag header not forwarded" "$(echo "$s" | jq -r '.last_headers | has("x-tokentop-tag")')" false
curl -sS -o "$T/d1" "${H[@]}" "$DIRECT/v1/chat/completions" -d "$(chat "hello openai proxy")"
cmp -s <(strip_ids <"$T/b1") <(strip_ids <"$T/d1") && tt_ok "plain body as direct" ||
	tt_fail "plain body differs: $(diff <(strip_ids <"$T/b1") <(strip_ids <"$T/d1") | head -5)"
tt_has "x-ratelimit headers relayed" "$(cat "$T/h1")" "x-ratelimit-remaining-requests:"
RID=$(sed -nE 's/^x-request-id: ([^\r]+)\r?$/\1/Ip' "$T/h1")
wait_rows 1
tt_eq "plain row" "$(last "provider, request_id, message_id, tag, model, input + cache_read, output")" \
	"openai|$RID|$(jq -r .id "$T/b1")|team-o|$(jq -r .model "$T/b1")|$(jq -r '"\(.usage.prompt_tokens)|\(.usage.completion_tokens)"' "$T/b1")"

# --- a stream that did not ask for usage: exactly the stream it asked for ---
curl -sS -N -o "$T/sp" "${H[@]}" "$PROXY/v1/chat/completions" -d "$(chat "stream me please" ',"stream":true')"
up=$(stats | jq -c .last_body.stream_options)
tt_eq "include_usage added upstream" "$up" '{"include_usage":true}'
curl -sS -N -o "$T/sd" "${H[@]}" "$DIRECT/v1/chat/completions" -d "$(chat "stream me please" ',"stream":true')"
tt_hasnt "no usage chunk relayed" "$(cat "$T/sp")" '"usage"'
tt_has "stream complete" "$(cat "$T/sp")" 'data: [DONE]'
cmp -s <(strip_ids <"$T/sp") <(strip_ids <"$T/sd") && tt_ok "stream as the client asked for it" ||
	tt_fail "stream differs: $(diff <(strip_ids <"$T/sp") <(strip_ids <"$T/sd") | head -6)"
wait_rows 2
# the usage the double gives for the same call with include_usage
curl -sS -N -o "$T/su" "${H[@]}" "$DIRECT/v1/chat/completions" \
	-d "$(chat "stream me please" ',"stream":true,"stream_options":{"include_usage":true}')"
U=$(sed -n 's/^data: \(.*"choices":\[\].*\)$/\1/p' "$T/su" | jq -c .usage)
tt_eq "stream row" "$(last "provider, input + cache_read, cache_read, output")" \
	"openai|$(echo "$U" | jq -r '"\(.prompt_tokens)|\(.prompt_tokens_details.cached_tokens // 0)|\(.completion_tokens)"')"

# --- a stream that asked for usage itself: passed through untouched -------
curl -sS -N -o "$T/sa" "${H[@]}" "$PROXY/v1/chat/completions" \
	-d "$(chat "stream me please" ',"stream":true,"stream_options":{"include_usage":true}')"
cmp -s <(strip_ids <"$T/sa") <(strip_ids <"$T/su") && tt_ok "asked-for usage untouched" ||
	tt_fail "asked-for stream differs: $(diff <(strip_ids <"$T/sa") <(strip_ids <"$T/su") | head -4)"
tt_has "usage chunk kept" "$(cat "$T/sa")" '"choices":[],'
wait_rows 3

# --- Responses streamed: usage from response.completed (reasoning inside) --
R='{"model":"o4-mini","input":"think about it","stream":true}'
curl -sS -N -o "$T/rp" "${H[@]}" "$PROXY/v1/responses" -d "$R"
curl -sS -N -o "$T/rd" "${H[@]}" "$DIRECT/v1/responses" -d "$R"
cmp -s <(strip_ids <"$T/rp") <(strip_ids <"$T/rd") && tt_ok "responses stream as direct" ||
	tt_fail "responses stream differs: $(diff <(strip_ids <"$T/rp") <(strip_ids <"$T/rd") | head -4)"
wait_rows 4
RU=$(sed -n 's/^data: \(.*"type":"response.completed".*\)$/\1/p' "$T/rp" | jq -c .response.usage)
tt_eq "responses row (output holds reasoning)" "$(last "model, input + cache_read, output, reasoning_tokens")" \
	"$(sed -n 's/^data: \(.*"type":"response.completed".*\)$/\1/p' "$T/rp" | jq -r .response.model)|$(echo "$RU" | jq -r '"\(.input_tokens)|\(.output_tokens)|\(.output_tokens_details.reasoning_tokens)"')"
[ "$(echo "$RU" | jq -r .output_tokens_details.reasoning_tokens)" -gt 0 ] || tt_fail "o4-mini gave no reasoning"

# --- anthropic-version wins over the path (both vendors have /v1/models) ---
n=$(stats | jq -r '.requests["GET /v1/models"] // 0')
curl -sS -o /dev/null -H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' "$PROXY/v1/models"
tt_eq "anthropic-version: Anthropic's upstream" "$(stats | jq -r '.last_headers | has("anthropic-version")')" true
curl -sS -o "$T/models" "${H[@]}" "$PROXY/v1/models"
tt_eq "no header: OpenAI's /v1/models" "$(jq -r .object "$T/models")" list

# --- errors pass through untouched, nothing recorded ----------------------
N=$(rows)
code=$(curl -sS -o "$T/e1" -w '%{http_code}' -H 'Authorization: Bearer sk-wrong' "$PROXY/v1/chat/completions" \
	-d "$(chat x)")
tt_eq "401 passed" "$code,$(jq -r .error.type "$T/e1")" "401,invalid_request_error"
curl -sS "$DIRECT/_fake/faults" -d '{"faults":[{"path":"/v1/chat/completions","status":429,"retry_after":"3"}]}' >/dev/null
code=$(curl -sS -D "$T/h2" -o "$T/e2" -w '%{http_code}' "${H[@]}" "$PROXY/v1/chat/completions" -d "$(chat x)")
tt_eq "429 passed" "$code,$(jq -r .error.type "$T/e2")" "429,rate_limit_exceeded"
tt_has "retry-after passed" "$(cat "$T/h2")" "retry-after: 3"
curl -sS "$DIRECT/_fake/faults" -d '{"faults":[{"path":"/v1/chat/completions","stream_error":true}]}' >/dev/null
curl -sS -N -o "$T/se" "${H[@]}" "$PROXY/v1/chat/completions" -d "$(chat "stream then fail" ',"stream":true')"
tt_has "stream error relayed" "$(cat "$T/se")" '"server_error"'
sleep 0.2
tt_eq "no row for errors" "$(rows)" "$N"

# --- a client gone mid-stream: drained, its usage recorded ----------------
tt_start_fakeapi slow --stream-delay-ms 80
SLOW=$FK_URL
tt_stop_proxy
tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$SLOW" --openai-upstream "$SLOW"
LONG=$(head -c 40 /dev/zero | tr '\0' 'z')
curl -sS -N --max-time 0.4 "${H[@]}" "$PROXY/v1/chat/completions" \
	-d "$(chat "$LONG" ',"stream":true')" >"$T/cut" 2>/dev/null && tt_fail "curl was not cut"
tt_hasnt "cut before the end" "$(cat "$T/cut")" '[DONE]'
wait_rows $((N + 1))
tt_eq "cut stream recorded whole" "$(last "output, stop_reason")" "58|stop"

# --- a batch create is registered (OpenAI's, not polled yet) ---------------
tt_stop_proxy
start_proxy --tag nightly
printf '{"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":%s}\n' "$(chat one)" >"$T/in.jsonl"
FID=$(curl -sS -H "Authorization: Bearer $KEY" -F purpose=batch -F "file=@$T/in.jsonl" "$PROXY/v1/files" | jq -r .id)
[[ $FID == file-* ]] || tt_die "upload through the proxy: $FID"
BID=$(curl -sS "${H[@]}" "$PROXY/v1/batches" -d "{\"input_file_id\":\"$FID\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}" | jq -r .id)
[[ $BID == batch_* ]] || tt_die "batch create: $BID"
for _ in $(seq 100); do
	[ -n "$(sqlite3 "$DB" "select id from batch where id = '$BID'" 2>/dev/null)" ] && break
	sleep 0.05
done
tt_eq "batch registered" "$(sqlite3 "$DB" "select provider, status, requests, tag from batch where id = '$BID'")" \
	"openai|validating|0|nightly"
out=$("$B/tokentop" --db "$DB" batch watch "$BID" 2>&1) || :
tt_has "batch watch does not poll it" "$out" "not followed yet"

# --- --enforce-budget: an OpenAI-shaped 429, nothing sent -------------------
tt_stop_proxy
printf '{"budget":{"daily":"0.000001"}}' >"$T/budget.json"
tt_start_proxy --db "$DB" --config "$T/budget.json" proxy --listen 127.0.0.1:0 --upstream "$DIRECT" \
	--openai-upstream "$DIRECT" --enforce-budget
before=$(stats | jq .total)
code=$(curl -sS -D "$T/h5" -o "$T/e5" -w '%{http_code}' "${H[@]}" "$PROXY/v1/chat/completions" -d "$(chat x)")
tt_eq "budget 429" "$code" 429
tt_eq "OpenAI-shaped" "$(jq -r '"\(.error.type)|\(.error.code)|\(.error.param)"' "$T/e5")" \
	"insufficient_quota|insufficient_quota|null"
tt_has "names the budget" "$(jq -r .error.message "$T/e5")" "daily budget"
tt_has "an x-request-id" "$(cat "$T/h5")" "x-request-id: req_"
tt_eq "nothing sent" "$(stats | jq .total)" "$before"
code=$(curl -sS -o "$T/e6" -w '%{http_code}' -H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' \
	"$PROXY/v1/messages" -d '{"model":"claude-haiku-4-5","max_tokens":8,"messages":[{"role":"user","content":"x"}]}')
tt_eq "Anthropic's own shape beside it" "$code,$(jq -r .error.type "$T/e6")" "429,rate_limit_error"

# --- keys never stored, never logged ------------------------------------------
tt_stop_proxy
tt_hasnt "no key in the ledger" "$(sqlite3 "$DB" .dump)" "$KEY"
tt_hasnt "no key in the log" "$(cat "$T/perr" "$T/pport")" "$KEY"
tt_done
