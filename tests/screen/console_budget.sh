#!/usr/bin/env bash
# console_budget.sh — budgets in the console: a tiny daily budget, a row
# imported by another process pushes spend past 80% and then 100%; the
# header shows the warning ("!") and then the alert ("OVER"), the Cache
# pane lists the limit, and the config's alert_command runs once per
# crossing (the store's claim table), not once per redraw. The Cache pane
# draws each limit as a bar across the pane: green, yellow from 80%, red
# once exceeded.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux
tt_tmpdir
tt_tmux
DB=$T/usage.db
TT="$B/tokentop --db $DB"
# one haiku row of N input tokens ($1 per million)
row() {
	printf '{"id":"msg_%s","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":"end_turn","usage":{"input_tokens":%d,"output_tokens":0}}\n' "$1" "$2" >"$T/$1.jsonl"
	$TT import --format messages "$T/$1.jsonl" >/dev/null || tt_fail "import $1"
}

mkdir -p "$T/config/tokentop"
cat >"$T/config/tokentop/config.json" <<EOF
{ "budget": { "daily": "0.10" },
  "alert_command": "echo \"\$TOKENTOP_BUDGET_PERIOD \$TOKENTOP_BUDGET_STATE\" >> $T/alerts" }
EOF
row a 50000                        # $0.05: 50%
tt_console tt 120x34 "$TT"
if tt_screen | head -1 | grep -qE 'today \$0\.05 / \$0\.10 .*50%' && ! tt_screen | head -1 | grep -qF OVER
then tt_ok "header: 50% of the daily budget"; else tt_fail "header at 50%"; tt_screen | head -1; fi
tt_screen | grep -qE '│ daily +▕█+[▏▎▍▌▋▊▉]? +▏ 50%  \$0\.05 of \$0\.10' &&
	tt_ok "Cache pane lists the limit with its bar" ||
	{ tt_fail "Cache pane budget line"; tt_screen | grep -F daily; }
# budget_bar ROLE_COLOUR NAME: the Cache pane's daily bar is drawn in that
# foreground colour (32 green, 33 yellow, 31 red), and is the widest thing on
# its line (15 cells and more in a pane of 56)
budget_bar() {
	local line cells
	line=$(tm capture-pane -e -p -t tt | grep -F 'daily' | grep -F '▕' | head -1)
	cells=$(tt_screen | grep -F 'daily' | grep -F '▕' | head -1 | sed 's/.*▕\(.*\)▏.*/\1/' | wc -m)
	if echo "$line" | grep -qE $'\e\\[([0-9;]*;)?'"$1"$'m(\e\\[[0-9;]*m)*█' && [ "$cells" -ge 15 ]; then
		tt_ok "budget bar $2 ($cells cells)"
	else tt_fail "budget bar should be $2 and wide: $cells cells"; echo "$line" | cat -v; fi
}
budget_bar 32 green
# one projection per limit (at 200 columns, where there is room for both):
# under the bar, the crossing line of the one model; the bar's own line does
# not say it again
tm resize-window -t tt -x 200 -y 60
sleep 0.5
line=$(tt_screen | grep -F '│ daily' | head -1)
next=$(tt_screen | grep -A1 -F '│ daily' | sed -n 2p)
tt_hasnt "the bar's line leaves the projection to the line under it" "$line" '→'
tt_has "under the bar: the projection model, labelled" "$next" 'At last hour'
tm resize-window -t tt -x 120 -y 34
sleep 0.5

row b 35000                        # $0.085: warning
if tt_wait_for "85% !" 3; then tt_ok "warning at 85%"; else tt_fail "warning"; tt_screen | head -1; fi
budget_bar 33 yellow
row c 30000                        # $0.115: over
if tt_wait_for "115% OVER" 3 && tt_screen | head -1 | grep -qF "115% OVER"; then tt_ok "header alert: 115% OVER"
else tt_fail "header alert"; tt_screen | head -1; fi
# the alert role: the red background (reversed when monochrome) on the figure
if tm capture-pane -e -p -t tt | head -1 | grep -qE $'\e\\[([0-9;]*;)?41m[^\e]*115% OVER'; then
	tt_ok "OVER drawn in the alert colour"
else tt_fail "alert colour"; tm capture-pane -e -p -t tt | head -1 | cat -v; fi
if tt_wait_for "daily budget exceeded" 2; then tt_ok "status line says the crossing"; else tt_fail "status line"; fi
budget_bar 31 red
tt_screen | grep -qE '│ daily +▕█+▏ 115% OVER  \$0\.12 of \$0\.10' && tt_ok "a full bar and OVER" ||
	{ tt_fail "exceeded budget line"; tt_screen | grep -F daily; }
row d 10000                        # still over: no new crossing
tt_wait_for "125% OVER" 3 || tt_fail "header follows to 125%"
sleep 1.5
if [ "$(grep -c 'daily warning' "$T/alerts" 2>/dev/null)" = 1 ] &&
   [ "$(grep -c 'daily exceeded' "$T/alerts" 2>/dev/null)" = 1 ]; then tt_ok "alert_command once per crossing"
else tt_fail "alert_command runs: $(cat "$T/alerts" 2>/dev/null | tr '\n' ';')"; fi
# a second console beside it: the crossings are claimed already, nothing runs again
tm new-session -d -s t2 -x 100 -y 30 "$TT"
sleep 1.5
tm capture-pane -p -t t2 | head -1 | grep -qF "OVER" && tt_ok "second console shows OVER" ||
	tt_fail "second console header"
[ "$(wc -l <"$T/alerts")" = 2 ] && tt_ok "no repeat from a second console" || tt_fail "alerts: $(cat "$T/alerts")"
tm send-keys -t t2 q
tm send-keys -t tt q
sleep 0.5
tt_done
