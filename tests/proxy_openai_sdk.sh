#!/usr/bin/env bash
# proxy_openai_sdk.sh — the official `openai` Node client (from the npm
# registry, kept under the build directory) through `tokentop proxy`, with
# only OPENAI_BASE_URL changed: plain, a stream that did not ask for usage
# (the client sees none, the row is right), one that did (untouched),
# Responses streaming, an error, a client that aborts mid-stream. Skipped
# where node/npm are missing or the package cannot be installed.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_need node npm
tt_tmpdir
SDK=$B/node-openai
if [ ! -f "$SDK/node_modules/openai/package.json" ]; then
	mkdir -p "$SDK"
	npm install --prefix "$SDK" --no-audit --no-fund --silent openai@4.104.0 >"$T/npm.log" 2>&1 || {
		echo "SKIP: the openai package could not be installed: $(tail -2 "$T/npm.log")"
		exit 0
	}
fi
DB=$T/usage.db
tt_start_fakeapi main --stream-delay-ms 20
DIRECT=$FK_URL
tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$DIRECT" --openai-upstream "$DIRECT"
export OPENAI_BASE_URL=$PROXY/v1 OPENAI_API_KEY=sk-openai-test
sdk() { NODE_PATH=$SDK/node_modules node "$ROOT/tests/lib/openai_sdk.js" "$1"; }
rows() { sqlite3 "$DB" "select count(*) from usage where source='proxy' and provider='openai'" 2>/dev/null || echo 0; }
wait_rows() {
	for _ in $(seq 100); do [ "$(rows)" -ge "$1" ] && return 0; sleep 0.05; done
	tt_die "expected $1 OpenAI proxy rows, have $(rows)"
}
row_of() { sqlite3 "$DB" "select input + cache_read, output from usage where message_id = '$1'"; }

out=$(sdk plain)
wait_rows 1
tt_eq "plain: the row is the client's usage" "$(row_of "$(echo "$out" | jq -r .id)")" \
	"$(echo "$out" | jq -r '"\(.usage.prompt_tokens)|\(.usage.completion_tokens)"')"

out=$(sdk stream)
tt_eq "stream: the client saw no usage chunk" "$(echo "$out" | jq -r .usage)" 0
tt_eq "stream: and no usage key" "$(echo "$out" | jq -r .usageKey)" 0
tt_has "stream: the answer came" "$(echo "$out" | jq -r .text)" "echo: sdk stream"
wait_rows 2
# what the same call reports when it asks for usage (the double is deterministic)
ref=$(curl -sS -N -H "Authorization: Bearer $OPENAI_API_KEY" -H 'content-type: application/json' \
	"$DIRECT/v1/chat/completions" -d '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"sdk stream"}],"stream":true,"stream_options":{"include_usage":true}}' |
	sed -n 's/^data: \(.*"choices":\[\].*\)$/\1/p' | jq -r '"\(.usage.prompt_tokens)|\(.usage.completion_tokens)"')
tt_eq "stream: the row is right" "$(row_of "$(echo "$out" | jq -r .id)")" "$ref"

out=$(sdk stream-usage)
tt_eq "asked-for usage reaches the client" "$(echo "$out" | jq -r '.usage.prompt_tokens > 0')" true
wait_rows 3
tt_eq "asked-for usage: the row" "$(row_of "$(echo "$out" | jq -r .id)")" \
	"$(echo "$out" | jq -r '"\(.usage.prompt_tokens)|\(.usage.completion_tokens)"')"

out=$(sdk responses)
wait_rows 4
tt_eq "responses: the row (reasoning inside output)" \
	"$(sqlite3 "$DB" "select input + cache_read, output, reasoning_tokens from usage where message_id = '$(echo "$out" | jq -r .id)'")" \
	"$(echo "$out" | jq -r '"\(.usage.input_tokens)|\(.usage.output_tokens)|\(.usage.output_tokens_details.reasoning_tokens)"')"

out=$(sdk error)
tt_eq "error: the API's own" "$(echo "$out" | jq -r '"\(.status)|\(.code)"')" "404|model_not_found"
tt_eq "error: not recorded" "$(rows)" 4

out=$(sdk abort)
tt_eq "abort: the client left after its first text" "$(echo "$out" | jq -r '"\(.aborted) \(.seen)"')" "true 1"
wait_rows 5
tt_eq "abort: the call recorded whole" "$(sqlite3 "$DB" "select output, stop_reason from usage order by id desc limit 1")" "58|stop"
tt_stop_proxy
tt_hasnt "the key never stored" "$(sqlite3 "$DB" .dump)" "sk-openai-test"
tt_done
