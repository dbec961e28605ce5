#!/usr/bin/env bash
# console_org.sh — the organisation beside the ledger in the console: with
# ANTHROPIC_ADMIN_KEY the console syncs the double's usage and cost reports
# in its own loop (TOKENTOP_SYNC_INTERVAL_MS shortens the 5 minutes), and
# shows the organisation's spend today / this month and the gap ("unseen"),
# equal to `tokentop report org --json` after that sync; other apps' new
# usage shows after the next sync; without an Admin key nothing is shown.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${TOKENTOP_BUILD:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 0; }

T=$(mktemp -d)
S=tto$$
TM="tmux -L $S -f /dev/null"
FPID=
cleanup() { $TM kill-server 2>/dev/null; [ -n "$FPID" ] && kill "$FPID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export TOKENTOP_DATADIR=$ROOT/share LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC
export XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data HOME=$T
unset ANTHROPIC_ADMIN_KEY NO_COLOR TOKENTOP_DB
export ASAN_OPTIONS="log_path=$T/san:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="log_path=$T/san:${UBSAN_OPTIONS:-}"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
screen() { $TM capture-pane -p -t tt; }
wait_for() {
	local i n=$(( ${2:-5} * 10 ))
	for ((i = 0; i < n; i++)); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
usd() { awk -v v="$1" 'BEGIN { s = v < 0 ? "-" : ""; if (v < 0) v = -v
	c = int(v * 100 + 0.5 + 1e-9); printf "%s$%d.%02d\n", s, c / 100, c % 100 }'; }

ADMIN=sk-ant-admin-console-org
"$B/fakeapi" --port 0 --admin-key "$ADMIN" >"$T/port" &
FPID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT=$(awk '/^port/ {print $2}' "$T/port")
[ -n "$PORT" ] || { echo "FAIL: the double did not start"; exit 1; }
BASE=http://127.0.0.1:$PORT
export ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=sk-ant-test
DB=$T/usage.db
TT="$B/tokentop --db $DB"

# tokentop's own call, and another app's $3.00 the ledger never saw
$TT call "a question for the ledger" >/dev/null 2>&1 || fail "call"
curl -sf -X POST "$BASE/_fake/org" -d '{"rows":[{"model":"claude-sonnet-4-5",
  "uncached_input_tokens":1000000,"api_key_id":"apikey_01OtherApp"}]}' >/dev/null || fail "add org rows"

# without an Admin key: no organisation line at all
$TM new-session -d -s tt -x 120 -y 34 "$TT"
wait_for "live" 5 || { screen; echo "FAIL: the console did not start"; exit 1; }
sleep 0.5
if screen | grep -qE "│ (org|unseen) "; then fail "org shown without an Admin key"; else ok "no Admin key: no org line"; fi
$TM kill-session -t tt

$TM new-session -d -s tt -x 120 -y 34 \
	"env ANTHROPIC_ADMIN_KEY=$ADMIN TOKENTOP_SYNC_INTERVAL_MS=1000 $TT"
wait_for "live" 5 || { screen; echo "FAIL: the console did not start"; exit 1; }
if wait_for "unseen  today \$3.00" 8; then ok "the console synced: unseen today \$3.00"
else fail "no sync on screen"; screen | grep -E "org|unseen"; fi

# the same figures as `report org --json` after the console's sync
$TT report org --json >"$T/org.json" || fail "report org"
today=$(date -u +%F)
org_t=$(usd "$(jq -r --arg d "$today" '.rows[] | select(.date == $d) | .org_cost_usd' "$T/org.json")")
gap_t=$(usd "$(jq -r --arg d "$today" '.rows[] | select(.date == $d) | .gap_usd' "$T/org.json")")
org_m=$(usd "$(jq -r .totals.org_cost_usd "$T/org.json")")
gap_m=$(usd "$(jq -r .totals.gap_usd "$T/org.json")")
[ "$gap_t" = "\$3.00" ] || fail "report org's gap today: $gap_t"
if screen | grep -qF "│ org     today $org_t  month $org_m "; then ok "org today $org_t, month $org_m"
else fail "org line should say today $org_t month $org_m"; screen | grep -F "org "; fi
if screen | grep -qF "│ unseen  today $gap_t  month $gap_m "; then ok "unseen today $gap_t, month $gap_m"
else fail "unseen line should say $gap_t / $gap_m"; screen | grep -F unseen; fi
if screen | head -1 | grep -qF "org $org_t (unseen $gap_t)"; then ok "header: org $org_t (unseen $gap_t)"
else fail "header org"; screen | head -1; fi

# another app spends $0.15 more: the next sync (1 s here) shows it
curl -sf -X POST "$BASE/_fake/org" -d '{"rows":[{"model":"claude-sonnet-4-5","output_tokens":10000}]}' >/dev/null
if wait_for "unseen  today \$3.15" 5; then ok "the next sync: unseen today \$3.15"
else fail "second sync"; screen | grep -F unseen; fi
# keys are answered while syncs run
$TM send-keys -t tt F1
wait_for "Everywhere" 2 && ok "help opens while syncing" || fail "key during sync"
$TM send-keys -t tt Escape
screen | grep -qF "$ADMIN" && fail "the Admin key is on screen"
$TM send-keys -t tt q
for ((i = 0; i < 30; i++)); do $TM has-session -t tt 2>/dev/null || break; sleep 0.1; done
$TM has-session -t tt 2>/dev/null && fail "q should quit"
grep -qa "$ADMIN" "$DB"* 2>/dev/null && fail "the Admin key is in the database"
for f in "$T"/san.*; do
	[ -f "$f" ] || continue
	fail "sanitizer report $(basename "$f")"; head -20 "$f"
done
echo "$fails failed"
[ "$fails" -eq 0 ]
