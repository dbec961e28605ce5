#!/usr/bin/env bash
# console_providers.sh — the console with Anthropic and OpenAI rows side by
# side: model rows carry their provider's mark, the header's today covers
# both, the Cache pane shows Anthropic's hit ratio and OpenAI's cached-input
# ratio under their own names, the dashboard filters by provider (the header
# keeps every provider's figures) and so does the Reports screen.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux jq
tt_tmpdir
tt_tmux
DB=$T/usage.db
TT="$B/tokentop --db $DB"
now=$(date +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000Z; }

# today: Anthropic 100 in + 300 read (hit 75%); OpenAI prompts of 2000 with
# 1000 cached (cached-input ratio 50%), one with reasoning
for i in 1 2; do
	printf '{"type":"assistant","sessionId":"s","timestamp":"%s","requestId":"req_a%d","message":{"id":"msg_a%d","type":"message","model":"claude-sonnet-4-5","usage":{"input_tokens":50,"cache_creation_input_tokens":0,"cache_read_input_tokens":150,"output_tokens":40}}}\n' \
		"$(iso $((now - i * 120)))" "$i" "$i"
done >"$T/claude.jsonl"
for i in 1 2; do
	printf '{"id":"chatcmpl-o%d","object":"chat.completion","created":%d,"model":"gpt-4.1","choices":[{"finish_reason":"stop"}],"usage":{"prompt_tokens":1000,"completion_tokens":30,"prompt_tokens_details":{"cached_tokens":500}}}\n' \
		"$i" $((now - i * 60))
done >"$T/openai.jsonl"
printf '{"id":"resp_o3","object":"response","created_at":%d,"status":"completed","model":"o3","usage":{"input_tokens":0,"output_tokens":90,"output_tokens_details":{"reasoning_tokens":60}}}\n' \
	$((now - 30)) >>"$T/openai.jsonl"
$TT import "$T/claude.jsonl" >/dev/null || tt_die "import claude"
$TT import "$T/openai.jsonl" >/dev/null || tt_die "import openai"

usd() { awk -v v="$1" 'BEGIN { c = int(v * 100 + 0.5 + 1e-9); printf "$%d.%02d\n", c / 100, c % 100 }'; }
today=$(date +%F)
want=$(usd "$($TT report daily --since "$today" --json | jq -r .totals.cost_usd)")

tt_console tt 160x40 "$TT"
tt_wait_for "gpt-4.1" 5 || { tt_screen; tt_die "no OpenAI model row"; }
s=$(tt_screen)
tt_has "header today covers both providers ($want)" "$(echo "$s" | head -1)" "today $want"
tt_has "an Anthropic model row is marked (the vendor prefix dropped)" "$s" "A sonnet-4-5"
tt_has "an OpenAI model row is marked" "$s" "O gpt-4.1"
tt_has "o3 too" "$s" "O o3"
tt_has "Cache pane: each ratio by its own name" "$s" "Anthropic hit 75%  OpenAI cached input 50% today"

# the dashboard's provider filter: the Models pane narrows, the header stays
tm send-keys -t tt / p r o v i d e r : o p e n a i Enter
tt_wait_for "filter: provider:openai" 5 || tt_fail "filter not applied"
sleep 0.3
s=$(tt_screen)
tt_hasnt "filtered: no Anthropic row" "$s" "A sonnet-4-5"
tt_has "filtered: OpenAI rows stay" "$s" "O gpt-4.1"
tt_has "filtered: the header still covers both" "$(echo "$s" | head -1)" "today $want"
tm send-keys -t tt Escape

# the Reports screen: v cycles the provider filter, b reaches "by provider"
tm send-keys -t tt F2
tt_wait_for "Reports" 5 || tt_die "no Reports screen"
tm send-keys -t tt v
tt_wait_for "provider anthropic" 5 && tt_ok "reports filtered to anthropic" || tt_fail "v: anthropic"
tm send-keys -t tt v
tt_wait_for "provider openai" 5 && tt_ok "reports filtered to openai" || tt_fail "v: openai"
tm send-keys -t tt b b b
tt_wait_for "by provider" 5 && tt_ok "breakdown by provider" || { tt_screen; tt_fail "b: provider"; }
s=$(tt_screen)
tt_hasnt "openai only in the breakdown" "$s" "anthropic  "
tm send-keys -t tt v
tt_wait_for "by provider" 5
sleep 0.3
tt_has "all providers again" "$(tt_screen)" "anthropic"
tt_screen > "$T/last"; tm send-keys -t tt q
tt_done
