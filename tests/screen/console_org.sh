#!/usr/bin/env bash
# console_org.sh — the organisation beside the ledger in the console: with
# ANTHROPIC_ADMIN_KEY the console syncs the double's usage and cost reports
# in its own loop (TOKENTOP_SYNC_INTERVAL_MS shortens the 5 minutes), and
# shows the organisation's spend today / this month and the gap ("unseen"),
# equal to `tokentop report org --json` after that sync; other apps' new
# usage shows after the next sync; without an Admin key nothing is shown.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux jq
tt_tmpdir
tt_tmux
usd() { awk -v v="$1" 'BEGIN { s = v < 0 ? "-" : ""; if (v < 0) v = -v
	c = int(v * 100 + 0.5 + 1e-9); printf "%s$%d.%02d\n", s, c / 100, c % 100 }'; }

ADMIN=sk-ant-admin-console-org
tt_start_fakeapi main --admin-key "$ADMIN"
BASE=$FK_URL
export ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=sk-ant-test
DB=$T/usage.db
TT="$B/tokentop --db $DB"

# tokentop's own call, and another app's $3.00 the ledger never saw
$TT call "a question for the ledger" >/dev/null 2>&1 || tt_fail "call"
curl -sf -X POST "$BASE/_fake/org" -d '{"rows":[{"model":"claude-sonnet-4-5",
  "uncached_input_tokens":1000000,"api_key_id":"apikey_01OtherApp"}]}' >/dev/null || tt_fail "add org rows"

# without an Admin key: no organisation line at all
tt_console tt 120x34 "$TT"
sleep 0.5
if tt_screen | grep -qE "│ (org|unseen) "; then tt_fail "org shown without an Admin key"; else tt_ok "no Admin key: no org line"; fi
tm kill-session -t tt

tt_console tt 120x34 "env ANTHROPIC_ADMIN_KEY=$ADMIN TOKENTOP_SYNC_INTERVAL_MS=1000 $TT"
if tt_wait_for "unseen  today \$3.00" 8; then tt_ok "the console synced: unseen today \$3.00"
else tt_fail "no sync on screen"; tt_screen | grep -E "org|unseen"; fi

# the same figures as `report org --json` after the console's sync
$TT report org --json >"$T/org.json" || tt_fail "report org"
today=$(date -u +%F)
org_t=$(usd "$(jq -r --arg d "$today" '.rows[] | select(.date == $d) | .org_cost_usd' "$T/org.json")")
gap_t=$(usd "$(jq -r --arg d "$today" '.rows[] | select(.date == $d) | .gap_usd' "$T/org.json")")
org_m=$(usd "$(jq -r .totals.org_cost_usd "$T/org.json")")
gap_m=$(usd "$(jq -r .totals.gap_usd "$T/org.json")")
[ "$gap_t" = "\$3.00" ] || tt_fail "report org's gap today: $gap_t"
if tt_screen | grep -qF "│ org     today $org_t  month $org_m "; then tt_ok "org today $org_t, month $org_m"
else tt_fail "org line should say today $org_t month $org_m"; tt_screen | grep -F "org "; fi
if tt_screen | grep -qF "│ unseen  today $gap_t  month $gap_m "; then tt_ok "unseen today $gap_t, month $gap_m"
else tt_fail "unseen line should say $gap_t / $gap_m"; tt_screen | grep -F unseen; fi
if tt_screen | head -1 | grep -qF "org $org_t (unseen $gap_t)"; then tt_ok "header: org $org_t (unseen $gap_t)"
else tt_fail "header org"; tt_screen | head -1; fi

# another app spends $0.15 more: the next sync (1 s here) shows it
curl -sf -X POST "$BASE/_fake/org" -d '{"rows":[{"model":"claude-sonnet-4-5","output_tokens":10000}]}' >/dev/null
if tt_wait_for "unseen  today \$3.15" 5; then tt_ok "the next sync: unseen today \$3.15"
else tt_fail "second sync"; tt_screen | grep -F unseen; fi
# keys are answered while syncs run
tm send-keys -t tt F1
tt_wait_for "Everywhere" 2 && tt_ok "help opens while syncing" || tt_fail "key during sync"
tm send-keys -t tt Escape
tt_screen | grep -qF "$ADMIN" && tt_fail "the Admin key is on screen"
tm send-keys -t tt q
for ((i = 0; i < 30; i++)); do tm has-session -t tt 2>/dev/null || break; sleep 0.1; done
tm has-session -t tt 2>/dev/null && tt_fail "q should quit"
grep -qa "$ADMIN" "$DB"* 2>/dev/null && tt_fail "the Admin key is in the database"

# both providers: each organisation against its own provider's rows, a line each
curl -sf -X POST "$BASE/_fake/openai/org" -d '{"rows":[{"model":"gpt-4.1","input_tokens":500000}]}' \
	>/dev/null || tt_fail "add OpenAI org rows"
OPENAI_BASE_URL=$BASE/v1 OPENAI_API_KEY=sk-openai-test $TT call --provider openai "for the ledger" \
	>/dev/null 2>&1 || tt_fail "OpenAI call"
tt_console tt 120x40 "env ANTHROPIC_ADMIN_KEY=$ADMIN OPENAI_ADMIN_KEY=sk-admin-test OPENAI_BASE_URL=$BASE/v1 TOKENTOP_SYNC_INTERVAL_MS=1000 $TT"
if tt_wait_for "openai    month" 8; then tt_ok "a line per provider"
else tt_fail "no provider lines"; tt_screen | grep -E "org|unseen|month"; fi
$TT report org --json >"$T/org2.json" || tt_fail "report org (both)"
o_gap=$(usd "$(jq -r '.providers[] | select(.provider == "openai") | .gap_usd' "$T/org2.json")")
a_gap=$(usd "$(jq -r '.providers[] | select(.provider == "anthropic") | .gap_usd' "$T/org2.json")")
[ "$o_gap" = "\$1.00" ] || tt_fail "report org: OpenAI's gap $o_gap, want \$1.00 (500k gpt-4.1 input)"
if tt_screen | grep -qE "openai +month .* unseen \\$o_gap"; then tt_ok "openai unseen $o_gap"
else tt_fail "openai line should say unseen $o_gap"; tt_screen | grep -F month; fi
if tt_screen | grep -qE "anthropic +month .* unseen \\$a_gap"; then tt_ok "anthropic unseen $a_gap"
else tt_fail "anthropic line should say unseen $a_gap"; tt_screen | grep -F month; fi
tm send-keys -t tt q
tt_done
