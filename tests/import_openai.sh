#!/usr/bin/env bash
# import_openai.sh — `tokentop import` of OpenAI's formats end to end: saved
# Chat Completions / Responses objects, a batch output and error file, Codex
# CLI sessions (increases of the session total, a repeat adds nothing, a
# grown file adds only its increase); duplicates and malformed lines; no PATH
# reads the Claude Code and the Codex folders; reports by provider. Every
# cost is worked out by hand (api-notes §8 prices).
set -eu
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
TT=$B/tokentop
DB="$T/usage.db"
mkdir -p "$T/in"

imp() {     # imp ARGS... → stdout in $out, stderr in $errs, status in $rc
	set +e
	out=$("$TT" --db "$DB" import --json "$@" 2>"$T/stderr")
	rc=$?
	set -e
	errs=$(cat "$T/stderr")
}
j() { echo "$out" | jq -r "$1"; }
rep() { local k=$1; shift; "$TT" --db "$DB" report "$k" --tz UTC "$@"; }

"$TT" import --help | grep -q 'openai|openai-batch|codex' || tt_die "import --help names the formats"

# --- saved responses: chat (cached inside prompt), Responses (reasoning inside
# output), a duplicate, two malformed lines ---------------------------------
cat >"$T/in/app.jsonl" <<'EOF'
{"id":"chatcmpl-1","object":"chat.completion","created":1741570283,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},"service_tier":"default"}
{"id":"resp_1","object":"response","created_at":1741570300,"status":"completed","model":"o3-2025-04-16","output":[],"usage":{"input_tokens":2000,"input_tokens_details":{"cached_tokens":0},"output_tokens":1500,"output_tokens_details":{"reasoning_tokens":1200},"total_tokens":3500}}
{"id":"chatcmpl-1","object":"chat.completion","created":1741570283,"model":"gpt-4.1-2025-04-14","choices":[],"usage":{"prompt_tokens":1117,"completion_tokens":46,"prompt_tokens_details":{"cached_tokens":1024}}}
{"id":"chatcmpl-2","object":"chat.completion","model":"gpt-4.1","usage":{"prompt_tokens":10,"prompt_tokens_details":{"cached_tokens":11}}}
{"id":"chatcmpl-3","object":"chat.completion","model":"gpt-4.1","usage":{"prompt_tokens":9999999999999}}
EOF
imp "$T/in/app.jsonl"
tt_eq "responses exit (malformed lines)" "$rc" 1
tt_eq "responses added" "$(j .added)" 2
tt_eq "responses duplicate" "$(j .duplicates)" 1
tt_eq "responses malformed" "$(j .malformed)" 2
tt_has "cached above prompt named" "$errs" \
	"app.jsonl:4: usage.prompt_tokens_details.cached_tokens: 11: more than usage.prompt_tokens (10)"
tt_has "huge count named" "$errs" "app.jsonl:5: usage.prompt_tokens: 9999999999999: not a token count"
imp "$T/in/app.jsonl"
tt_eq "re-import reads nothing new" "$(j .lines),$(j .added)" "0,0"
# 93×2 + 1024×0.50 + 46×8 = 1,066 µ$; 2000×2 + 1500×8 = 16,000 µ$ (reasoning not added again)
m=$(rep models --json --provider openai)
tt_eq "gpt-4.1 cost" "$(echo "$m" | jq -r '.rows[] | select(.model=="gpt-4.1") | .cost_usd')" 0.001066
tt_eq "gpt-4.1 buckets" "$(echo "$m" | jq -r '.rows[] | select(.model=="gpt-4.1") |
	"\(.input_tokens) \(.cache_read_tokens) \(.output_tokens)"')" "93 1024 46"
tt_eq "o3 cost" "$(echo "$m" | jq -r '.rows[] | select(.model=="o3") | .cost_usd')" 0.016
tt_eq "o3 reasoning" "$(echo "$m" | jq -r '.rows[] | select(.model=="o3") | .reasoning_tokens')" 1200
tt_eq "o3 output" "$(echo "$m" | jq -r '.rows[] | select(.model=="o3") | .output_tokens')" 1500
tt_eq "rows carry their provider" "$(echo "$m" | jq -r '[.rows[].provider] | unique | join(",")')" openai
tt_eq "rows took their created time" "$(rep daily --json | jq -r '.rows[0].date')" 2025-03-10

# --- an OpenAI batch output and error file (batch id from the API's name) ----
cat >"$T/in/batch_abc123_output.jsonl" <<'EOF'
{"id":"batch_req_1","custom_id":"r1","response":{"status_code":200,"request_id":"req_1","body":{"id":"chatcmpl-b1","object":"chat.completion","created":1741580000,"model":"gpt-4.1-mini","choices":[{"finish_reason":"stop"}],"usage":{"prompt_tokens":300,"completion_tokens":20},"service_tier":"default"}},"error":null}
{"id":"batch_req_2","custom_id":"r2","response":{"status_code":200,"request_id":"req_2","body":{"id":"chatcmpl-b2","object":"chat.completion","created":1741580001,"model":"gpt-4.1-mini","choices":[{"finish_reason":"length"}],"usage":{"prompt_tokens":2048,"completion_tokens":100,"prompt_tokens_details":{"cached_tokens":1024}},"service_tier":"default"}},"error":null}
{"id":"batch_req_2","custom_id":"r2","response":{"status_code":200,"request_id":"req_2","body":{"id":"chatcmpl-b2","object":"chat.completion","created":1741580001,"model":"gpt-4.1-mini","choices":[{"finish_reason":"length"}],"usage":{"prompt_tokens":2048,"completion_tokens":100,"prompt_tokens_details":{"cached_tokens":1024}},"service_tier":"default"}},"error":null}
{"id":"batch_req_3","custom_id":"r3","response":{"status_code":200,"body":{"object":"chat.completion","model":"gpt-4.1-mini","usage":{"prompt_tokens":-1}}},"error":null}
EOF
cat >"$T/in/batch_abc123_error.jsonl" <<'EOF'
{"id":"batch_req_4","custom_id":"r4","response":{"status_code":400,"request_id":"req_4","body":{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}}},"error":null}
{"id":"batch_req_5","custom_id":"r5","response":null,"error":{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}}
EOF
imp "$T/in/batch_abc123_output.jsonl" "$T/in/batch_abc123_error.jsonl"
tt_eq "batch exit (a malformed line)" "$rc" 1
tt_eq "batch added" "$(j .added)" 2
tt_eq "batch duplicates" "$(j .duplicates)" 1
tt_has "batch malformed named" "$errs" \
	"batch_abc123_output.jsonl:4: response.body.usage.prompt_tokens: -1: not a token count"
# at half: (300×0.40 + 20×1.60)/2 + (1024×0.40 + 1024×0.10 + 100×1.60)/2 = 76 + 336 µ$
s=$(rep sources --json --provider openai)
tt_eq "batch rows at the batch rate" "$(echo "$s" | jq -r '.rows[] | select(.source=="batch") | .cost_usd')" 0.000412
tt_eq "batch saving" "$(rep savings --json --provider openai | jq -r '.totals.saved_by_batch_usd')" 0.000412
tt_eq "batch outcomes recorded once" "$(sqlite3 "$DB" "SELECT group_concat(custom_id || '=' || type, ' ') FROM (SELECT * FROM batch_result WHERE batch_id = 'batch_abc123' ORDER BY custom_id)")" \
	"r1=succeeded r2=succeeded r4=errored r5=errored"
tt_eq "batch rows carry the batch" "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE batch_id = 'batch_abc123' AND provider = 'openai' AND source = 'batch'")" 2
imp --format openai-batch "$T/in/batch_abc123_error.jsonl"
tt_eq "forced format, re-read: nothing new" "$(j .lines)" 0

# --- Codex CLI sessions -------------------------------------------------------
CX="$T/codex"
D="$CX/sessions/2025/09/10"
mkdir -p "$D"
S1="$D/rollout-2025-09-10T12-00-00-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl"
S2="$D/rollout-2025-09-10T13-00-00-0199a1b2-0000-7e5f-8a9b-0c1d2e3f4a5c.jsonl"
tc() {  # tc TS INPUT CACHED OUTPUT REASONING: a token_count line
	printf '{"timestamp":"2025-09-10T%s.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":%s,"cached_input_tokens":%s,"output_tokens":%s,"reasoning_output_tokens":%s,"total_tokens":0},"last_token_usage":{},"model_context_window":272000},"rate_limits":{"primary":{"used_percent":5.0,"window_minutes":300,"resets_at":1757520000}}}}\n' "$@"
}
{
	echo '{"timestamp":"2025-09-10T12:00:00.000Z","type":"session_meta","payload":{"id":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","cwd":"/home/me/proj","cli_version":"0.40.0"}}'
	echo '{"timestamp":"2025-09-10T12:00:01.000Z","type":"turn_context","payload":{"model":"gpt-5-codex","cwd":"/home/me/proj"}}'
	echo '{"timestamp":"2025-09-10T12:00:02.000Z","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{}}}'
	echo '{"timestamp":"2025-09-10T12:00:03.000Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"fix the \"usage\":{ bug"}]}}'
	tc 12:00:05 1000 0 200 50
	tc 12:00:06 1000 0 200 50
	tc 12:00:07 -4 0 0 0
} >"$S1"
# an older interactive session that logged no token_count: nothing to price
{
	echo '{"timestamp":"2025-09-10T13:00:00.000Z","type":"session_meta","payload":{"id":"0199a1b2-0000-7e5f-8a9b-0c1d2e3f4a5c","cwd":"/tmp"}}'
	echo '{"timestamp":"2025-09-10T13:00:01.000Z","type":"response_item","payload":{"type":"message","role":"user","content":[]}}'
} >"$S2"
echo '{"not":"a rollout"}' >"$D/notes.jsonl"
imp "$CX/sessions"
tt_eq "codex exit (a malformed line)" "$rc" 1
tt_eq "codex files (every *.jsonl of a given PATH)" "$(j .files)" 3
tt_eq "codex added (a repeated total adds nothing)" "$(j .added)" 1
tt_has "codex malformed named" "$errs" \
	"$(basename "$S1"):7: payload.info.total_token_usage.input_tokens: -4: not a token count"
imp "$CX/sessions"
tt_eq "codex re-import reads nothing" "$(j .lines),$(j .added)" "0,0"
# the session grows: a new turn on another model
{
	echo '{"timestamp":"2025-09-10T12:01:00.000Z","type":"turn_context","payload":{"model":"gpt-5","cwd":"/home/me/proj/sub"}}'
	tc 12:01:05 3000 1024 400 50
} >>"$S1"
imp "$CX/sessions"
tt_eq "grown session: one increase" "$(j .lines),$(j .added)" "2,1"
# 1000×1.25 + 200×10 = 3,250 µ$ (gpt-5-codex); 976×1.25 + 1024×0.125 + 200×10 = 3,348 µ$ (gpt-5)
tt_eq "codex rows" "$(sqlite3 "$DB" "SELECT group_concat(model || ':' || input || '/' || cache_read || '/' || output || '/' || reasoning_tokens || '@' || cwd, ' ') FROM (SELECT * FROM usage WHERE session_id = '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' ORDER BY ts_ms)")" \
	"gpt-5-codex:1000/0/200/50@/home/me/proj gpt-5:976/1024/200/0@/home/me/proj/sub"
tt_eq "codex cost" "$(rep providers --json --provider openai --since 2025-09-10 --until 2025-09-10 | jq -r '.totals.cost_usd')" 0.006598

# --- no PATH: the Claude Code folders and the Codex folder together ----------
rm -f "$DB"
mkdir -p "$T/claude"
cp -R tests/data/import/projects "$T/claude/projects"
set +e
out=$(CLAUDE_CONFIG_DIR="$T/claude" CODEX_HOME="$CX" "$TT" --db "$DB" import --json 2>/dev/null)
rc=$?
set -e
tt_eq "defaults: both folders, rollouts only" "$(j .files)" 4
tt_eq "defaults: rows of both" "$(rep providers --json | jq -r '[.rows[].provider] | sort | join(",")')" "anthropic,openai"
set +e
"$TT" --db "$DB" report --provider mistral 2>"$T/stderr"; rc=$?
set -e
tt_eq "unknown provider is a usage error" "$rc" 2
tt_has "unknown provider named" "$(cat "$T/stderr")" "unknown provider 'mistral'"
tt_eq "a day of Codex rows is openai's" "$(rep daily --json --since 2025-09-10 --until 2025-09-10 | jq -r '.rows[0].provider')" openai
tt_eq "report caps by provider" "$(rep caps --json --provider openai | jq -r '.totals.requests')" \
	"$(rep providers --json --provider openai | jq -r '.totals.requests')"
tt_eq "the totals mix providers" "$(rep daily --json | jq -r '.totals.provider')" mixed
tt_eq "CSV keyed by provider" "$(rep providers --csv | head -1 | cut -d, -f1)" provider
tt_has "table lists both" "$(rep providers)" "anthropic"
tt_done
