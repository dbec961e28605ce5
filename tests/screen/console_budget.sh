#!/usr/bin/env bash
# console_budget.sh — budgets in the console: a tiny daily budget, a row
# imported by another process pushes spend past 80% and then 100%; the
# header shows the warning ("!") and then the alert ("OVER"), the Cache
# pane lists the limit, and the config's alert_command runs once per
# crossing (the store's claim table), not once per redraw.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${TOKENTOP_BUILD:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 0; }

T=$(mktemp -d)
S=ttb$$
TM="tmux -L $S -f /dev/null"
cleanup() { $TM kill-server 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export TOKENTOP_DATADIR=$ROOT/share LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC
export XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data HOME=$T
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL ANTHROPIC_ADMIN_KEY NO_COLOR TOKENTOP_DB
export ASAN_OPTIONS="log_path=$T/san:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="log_path=$T/san:${UBSAN_OPTIONS:-}"
DB=$T/usage.db
TT="$B/tokentop --db $DB"
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
# one haiku row of N input tokens ($1 per million)
row() {
	printf '{"id":"msg_%s","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":"end_turn","usage":{"input_tokens":%d,"output_tokens":0}}\n' "$1" "$2" >"$T/$1.jsonl"
	$TT import --format messages "$T/$1.jsonl" >/dev/null || fail "import $1"
}

mkdir -p "$T/config/tokentop"
cat >"$T/config/tokentop/config.json" <<EOF
{ "budget": { "daily": "0.10" },
  "alert_command": "echo \"\$TOKENTOP_BUDGET_PERIOD \$TOKENTOP_BUDGET_STATE\" >> $T/alerts" }
EOF
row a 50000                        # $0.05: 50%
$TM new-session -d -s tt -x 120 -y 34 "$TT"
wait_for "live" 5 || { screen; echo "FAIL: the console did not start"; exit 1; }
if screen | head -1 | grep -qE '/ \$0\.10 day .* 50%' && ! screen | head -1 | grep -qF OVER
then ok "header: 50% of the daily budget"; else fail "header at 50%"; screen | head -1; fi
screen | grep -qF 'budget daily: $0.05 of $0.10  50%' && ok "Cache pane lists the limit" ||
	{ fail "Cache pane budget line"; screen | grep -F budget; }

row b 35000                        # $0.085: warning
if wait_for "85% !" 3; then ok "warning at 85%"; else fail "warning"; screen | head -1; fi
row c 30000                        # $0.115: over
if wait_for "115% OVER" 3 && screen | head -1 | grep -qF "115% OVER"; then ok "header alert: 115% OVER"
else fail "header alert"; screen | head -1; fi
# the alert role: the red background (reversed when monochrome) on the figure
if $TM capture-pane -e -p -t tt | head -1 | grep -qE $'\e\\[([0-9;]*;)?41m[^\e]*115% OVER'; then
	ok "OVER drawn in the alert colour"
else fail "alert colour"; $TM capture-pane -e -p -t tt | head -1 | cat -v; fi
if wait_for "daily budget exceeded" 2; then ok "status line says the crossing"; else fail "status line"; fi
row d 10000                        # still over: no new crossing
wait_for "125% OVER" 3 || fail "header follows to 125%"
sleep 1.5
if [ "$(grep -c 'daily warning' "$T/alerts" 2>/dev/null)" = 1 ] &&
   [ "$(grep -c 'daily exceeded' "$T/alerts" 2>/dev/null)" = 1 ]; then ok "alert_command once per crossing"
else fail "alert_command runs: $(cat "$T/alerts" 2>/dev/null | tr '\n' ';')"; fi
# a second console beside it: the crossings are claimed already, nothing runs again
$TM new-session -d -s t2 -x 100 -y 30 "$TT"
sleep 1.5
$TM capture-pane -p -t t2 | head -1 | grep -qF "OVER" && ok "second console shows OVER" ||
	fail "second console header"
[ "$(wc -l <"$T/alerts")" = 2 ] && ok "no repeat from a second console" || fail "alerts: $(cat "$T/alerts")"
$TM send-keys -t t2 q
$TM send-keys -t tt q
sleep 0.5
for f in "$T"/san.*; do
	[ -f "$f" ] || continue
	fail "sanitizer report $(basename "$f")"; head -20 "$f"
done
echo "$fails failed"
[ "$fails" -eq 0 ]
