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
tt_done
