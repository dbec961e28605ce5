#!/usr/bin/env bash
# attribution.sh — issue 16's attribution and last cost items, end to end:
# Claude Code rows keep their project (the git work tree root's name, a .git
# directory or a .git file, else the directory's name) and git branch; the
# proxy keeps each API key's fingerprint and never the key; web searches are
# billed per search inside the cost; a price change by date prices rows on
# each side with their own price; `prices --at`.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
export TZ=UTC
DB=$T/usage.db
tt() { "$B/tokentop" --db "$DB" "$@"; }

# --- projects from transcripts, in and out of git work trees ---------------
W=$T/work
mkdir -p "$W/repo/.git" "$W/repo/src/deep" "$W/wt/sub" "$W/plain/inner" "$T/cc/p1"
echo "gitdir: /elsewhere/.git/worktrees/wt" >"$W/wt/.git"
line() {  # id cwd branch input output searches [time]
	printf '{"type":"assistant","sessionId":"s","timestamp":"%s","requestId":"req_%s",' "${7:-2026-11-05T08:00:00Z}" "$1"
	printf '"cwd":"%s",%s"message":{"id":"msg_%s","model":"claude-sonnet-4-5",' "$2" \
		"$([ -n "$3" ] && printf '"gitBranch":"%s",' "$3")" "$1"
	printf '"usage":{"input_tokens":%s,"output_tokens":%s,"server_tool_use":{"web_search_requests":%s,"web_fetch_requests":1}}}}\n' \
		"$4" "$5" "$6"
}
{
	line 1 "$W/repo/src/deep" feat/a 1000 100 3
	line 2 "$W/wt/sub" main 2000 0 0
	line 3 "$W/plain/inner" "" 0 1000 0
} >"$T/cc/p1/s.jsonl"
tt import "$T/cc" >/dev/null
tt report projects --json >"$T/pj"
# sonnet-4-5: $3 / $15 per MTok; a search $0.01
#   repo: 1000 in $0.003 + 100 out $0.0015 + 3 searches $0.03 = $0.0345
#   wt: 2000 in = $0.006; inner: 1000 out = $0.015
tt_eq "projects, by cost" "$(jq -r '[.rows[] | "\(.project)=\(.cost_usd)"] | join(" ")' "$T/pj")" \
	"repo=0.0345 inner=0.015 wt=0.006"
tt_eq "web search in its own column" "$(jq -r '.rows[0] | "\(.tool_cost_usd) \(.web_search_requests)"' "$T/pj")" \
	"0.03 3"
tt_eq "totals carry the tool cost" "$(jq -r '.totals | "\(.cost_usd) \(.tool_cost_usd)"' "$T/pj")" "0.0555 0.03"
tt_eq "branch kept" "$(sqlite3 "$DB" "select message_id || ':' || git_branch || ':' || project from usage order by message_id" | tr '\n' ' ')" \
	"msg_1:feat/a:repo msg_2:main:wt msg_3::inner "
tt_eq "exact in CSV" "$(tt report projects --csv | sed -n 2p | cut -d, -f1,9,10,11)" "repo,0.0345,0.03,3"
tt report projects | grep -q '^server tools: web search \$0.03' || tt_fail "table: no server tools line"
# a Codex session's cwd: the same rule (its turn_context cwd is inside repo/)
mkdir -p "$T/cx"
{
	echo '{"timestamp":"2026-11-05T09:00:00.000Z","type":"session_meta","payload":{"id":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","cwd":"'"$W/plain"'"}}'
	echo '{"timestamp":"2026-11-05T09:00:01.000Z","type":"turn_context","payload":{"model":"gpt-5-codex","cwd":"'"$W/repo/src"'"}}'
	echo '{"timestamp":"2026-11-05T09:00:02.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":100,"cached_input_tokens":0,"output_tokens":10,"reasoning_output_tokens":0,"total_tokens":110}}}}'
} >"$T/cx/rollout-1.jsonl"
tt import --format codex "$T/cx" >/dev/null
tt_eq "a Codex row's project" "$(sqlite3 "$DB" "select project from usage where provider = 'openai'")" "repo"
tt report projects | grep -q '^repo ' || tt_fail "table: no repo row"

# --- the proxy: a fingerprint per key, the key nowhere in the ledger -------
K1=sk-ant-api03-secretAAAAWXYZ
K2=sk-ant-api03-secretBBBBQRST
tt_start_fakeapi main --key "$K1" --key "$K2"
tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$FK_URL"
body='{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}'
curl -sS -o /dev/null -H "x-api-key: $K1" -H 'anthropic-version: 2023-06-01' "$PROXY/v1/messages" -d "$body"
curl -sS -o /dev/null -H "x-api-key: $K1" -H 'anthropic-version: 2023-06-01' "$PROXY/v1/messages" -d "$body"
curl -sS -o /dev/null -H "authorization: Bearer $K2" -H 'anthropic-version: 2026-10-21' "$PROXY/v1/messages" -d "$body"
for _ in $(seq 100); do
	[ "$(sqlite3 "$DB" "select count(*) from usage where source = 'proxy'")" -ge 3 ] && break
	sleep 0.05
done
tt_stop_proxy
tt report keys --json >"$T/kj"
tt_eq "a row per key" "$(jq -r '[.rows[] | "\(.key | sub("-[0-9a-f]{8}$"; "-H"))=\(.requests)"] | sort | join(" ")' "$T/kj")" \
	"=4 …QRST-H=1 …WXYZ-H=2"
for f in "$DB" "$DB-wal" "$DB-shm"; do
	[ -e "$f" ] || continue
	grep -a -q -e "$K1" -e "$K2" -e secretAAAA -e secretBBBB "$f" && tt_fail "a key is in $(basename "$f")"
done
tt_ok "no key in the ledger files"

# --- a price change by date ------------------------------------------------
DB2=$T/dated.db
mkdir -p "$XDG_CONFIG_HOME/tokentop" "$T/cc2/p"
cat >"$XDG_CONFIG_HOME/tokentop/prices.json" <<'P'
{"models":[{"id":"claude-sonnet-4-5","since":"2026-03-01","input":"4","write_5m":"5","write_1h":"8",
  "cache_read":"0.40","output":"20"}],
 "server_tools":[{"id":"web_search","usd_per_1000":"20","since":"2026-03-01"}]}
P
{
	line 4 /x "" 100001 0 1 2026-02-28T23:59:59.999Z
	line 5 /x "" 100001 0 1 2026-03-01T00:00:00.000Z
} >"$T/cc2/p/s.jsonl"
"$B/tokentop" --db "$DB2" import "$T/cc2" >/dev/null
# before: 100,001 × $3/MTok = $0.300003 + one search $0.01 = $0.310003
# from 2026-03-01: 100,001 × $4/MTok = $0.400004 + one search $0.02 = $0.420004
tt_eq "each side its own price" "$("$B/tokentop" --db "$DB2" report daily --csv | cut -d, -f1,9,10 | tail -n +2 | tr '\n' ' ')" \
	"2026-02-28,0.310003,0.01 2026-03-01,0.420004,0.02 "
tt_eq "a model total sums both" "$("$B/tokentop" --db "$DB2" report models --csv | sed -n 2p | cut -d, -f1,9)" \
	"claude-sonnet-4-5,0.730007"
at() { "$B/tokentop" prices --at "$1" | awk '$1 == "claude-sonnet-4-5" { print $2 }'; }
tt_eq "prices --at before" "$(at 2026-02-28)" "3.00"
tt_eq "prices --at from" "$(at 2026-03-01)" "4.00"
"$B/tokentop" prices --at 2026-03-01 | grep -q 'web_search: \$20.00 per 1,000' || tt_fail "--at: tool rate"
set +e
out=$("$B/tokentop" prices --at 2026-13-01 2>&1); rc=$?
set -e
tt_eq "bad --at: exit 2" "$rc" 2
tt_has "bad --at names it" "$out" "2026-13-01"
cat >"$XDG_CONFIG_HOME/tokentop/prices.json" <<'P'
{"models":[{"id":"claude-x","since":"2026-03-01","input":"4","write_5m":"5","write_1h":"8",
  "cache_read":"0.40","output":"20"},{"id":"claude-x","since":"2026-03-01","input":"5",
  "write_5m":"5","write_1h":"8","cache_read":"0.40","output":"20"}]}
P
set +e
out=$("$B/tokentop" prices 2>&1); rc=$?
set -e
tt_eq "overlapping dates: exit 1" "$rc" 1
tt_has "names the file" "$out" "$XDG_CONFIG_HOME/tokentop/prices.json"
tt_has "names the model" "$out" "model claude-x: since 2026-03-01 overlaps models[0]"
tt_done
