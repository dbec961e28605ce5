#!/usr/bin/env bash
# console_alerts.sh — the console checks the alert rules as every writer
# does (quietly: a command's output never reaches the screen) and shows the
# latest alert in a line above the key bar, at 80x24 and 200x60; a new one,
# raised by another process, flashes its line and rings the bell.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux
tt_tmpdir
tt_tmux
DB=$T/usage.db
TT="$B/tokentop --db $DB"
row() {   # row ID TOKENS: one haiku row ($1 per million input tokens)
	printf '{"id":"msg_%s","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":"end_turn","usage":{"input_tokens":%d,"output_tokens":0}}\n' "$1" "$2" >"$T/$1.jsonl"
	$TT import --format messages "$T/$1.jsonl" >/dev/null 2>&1 || tt_fail "import $1"
}
mkdir -p "$T/config/tokentop"
cat >"$T/config/tokentop/config.json" <<EOF
{ "budget": { "daily": "0.10" },
  "alerts": [ { "when": { "budget": { "daily": [50, 100] } },
                "to": "echo NOISE; echo \"\$TOKENTOP_ALERT_TEXT\" >> $T/sent" } ] }
EOF
tm new-session -d -s tt -x 80 -y 24 -c "$T" "$TT 2>$T/console.err"
row a 60000                                  # $0.06: 60%, raised by the import
tt_wait_for "live" 5 || tt_die "console did not start"
if tt_wait_for "budget → command#" 8; then tt_ok "80x24: the alert line"
else tt_fail "80x24: no alert line"; tt_screen; fi
if tt_wait_for "delivered" 5; then tt_ok "it says the delivery"
else tt_fail "delivery not shown"; tt_screen | tail -n 2; fi
tt_eq "it sits above the key bar" "$(tt_screen | tail -n 2 | head -n 1 | grep -c 'budget → command#')" 1
tt_hasnt "a command's output is not on the screen" "$(tt_screen)" NOISE
tt_eq "the command ran once" "$(grep -c 'reached 50%' "$T/sent")" 1

tm resize-window -t tt -x 200 -y 60
sleep 1
if tt_screen | grep -qF 'daily budget reached 50%: $0.0600 of $0.1000'; then tt_ok "200x60: the whole alert"
else tt_fail "200x60: alert line"; tt_screen | tail -n 3; fi
tt_eq "200x60: above the key bar" "$(tt_screen | tail -n 2 | head -n 1 | grep -c 'reached 50%')" 1

# another process raises a new one: the line changes and flashes
row b 50000                                  # $0.11: over
if tt_wait_for "reached 100%" 8; then tt_ok "a new alert replaces the line"
else tt_fail "new alert not shown"; tt_screen | tail -n 3; fi
# it swaps its colours every second for a while: a few looks see both
seen=$(for i in 1 2 3 4 5 6; do
	tm capture-pane -e -p -t tt | grep -F 'reached 100%' | sed 's/reached.*//'
	sleep 0.6
done | sort -u | wc -l)
if [ "$seen" -ge 2 ]; then tt_ok "the new alert's line flashes"
else tt_fail "no flash: one look only"; tm capture-pane -e -p -t tt | grep -F 'reached 100%' | cat -v; fi
tt_eq "the 100% command ran once" "$(grep -c 'reached 100%' "$T/sent")" 1
tm send-keys -t tt q
sleep 0.5
tt_done
