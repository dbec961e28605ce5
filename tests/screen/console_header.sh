#!/usr/bin/env bash
# console_header.sh — the header an operator glances at (issue 11): the alarm
# of an exceeded or near budget is there at every width from 80 columns
# (defect 1); the rate and the projection come before the month and are
# shown against the daily budget (3); the header and the Cache pane use one
# projection model, labelled, and agree on when the budget is crossed (4);
# the crossing line is red before it happens; a backlog of responses
# without a time of their own is no burn rate (21); a small cost never reads
# $0.00 (13). Private tmux socket and temp dir.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/console.sh"
tt_need tmux
tc_setup

# today: $0.50 three hours ago and $0.50 half an hour ago (haiku, $1 per
# million input tokens): the last hour's rate is $0.50/h
{ tc_cc_line a claude-haiku-4-5 500000 0 180; tc_cc_line b claude-haiku-4-5 500000 0 30
  tc_cc_line tiny claude-opus-4-6 100 0 20; } >"$T/today.jsonl"
$TT import --format claude-code "$T/today.jsonl" >/dev/null || tt_die "import"
# a daily budget the rate crosses in about 8 hours, a monthly one exceeded
tc_config '{ "budget": { "daily": "5", "monthly": "0.90" } }'

tt_console tt 80x24 "$TT"
h=$(tc_header)
tt_has "80 cols: the exceeded month is in the header" "$h" "OVER"
tt_has "80 cols: the projection is in the header" "$h" "→\$"
tt_has "80 cols: …against the daily budget" "$h" ", over at "
tt_hasnt "80 cols: nothing cut mid-number" "$h" "…"
tm resize-window -t tt -x 120 -y 40
sleep 1.2
h=$(tc_header)
tt_has "120 cols: the rate" "$h" "▲\$0.50/h"
tt_has "120 cols: where it leads, against the budget" "$h" ", over \$5 at "
tt_has "120 cols: the month's alarm" "$h" "OVER"

# ---- 200 columns: the whole sentence, and the Cache pane agrees -----------------
tm resize-window -t tt -x 200 -y 60
sleep 1.2
h=$(tc_header)
at=$(printf '%s\n' "$h" | sed -n 's/.*over the \$5 budget at \([0-9][0-9]:[0-9][0-9]\).*/\1/p')
if [ -n "$at" ]; then tt_ok "200 cols: over the \$5 budget at $at"; else tt_fail "200 cols: the crossing"; echo "$h"; fi
tt_has "the header says which rate" "$h" "/h last hour"
line=$(tt_screen | grep -F "you cross the daily budget" | head -1)
tt_has "the Cache pane: the same model, labelled" "$line" "At last hour's rate (\$0.50/h)"
tt_has "the Cache pane: the same crossing time" "$line" "of \$5.00 at $at"
if tm capture-pane -e -p -t tt | grep -F "you cross the daily budget" | grep -qE $'\e\\[([0-9;]*;)?41m[^\e]*you cross'
then tt_ok "the crossing line is red before it happens"
else tt_fail "crossing line colour"; tm capture-pane -e -p -t tt | grep -F "you cross" | cat -v; fi
# a cost of $0.0005 reads as such, as the CLI prints it (defect 13)
tt_has "a small cost is not \$0.00" "$(tt_screen | grep -F 'claude-opus-4-6')" "\$0.0005"
$TT report models --json | grep -q '"cost_usd": 0.0005' || tt_fail "the CLI's figure for the small row"

# ---- a backlog of bare responses: stamped at import, no burn rate (defect 21) ----
for i in 1 2 3; do
	printf '{"id":"msg_back_%d","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":"end_turn","usage":{"input_tokens":1000000,"output_tokens":0}}\n' "$i"
done >"$T/backlog.jsonl"
out=$($TT import --format messages --json "$T/backlog.jsonl")
tt_has "import says the rows had no time" "$out" '"stamped_at_import":3'
tt_wait_for "today \$4.00" 3 || tt_fail "the backlog is in today's spend"
h=$(tc_header)
tt_has "the rate stays the last hour's own" "$h" "▲\$0.50/h"
tt_has "the backlog is named apart" "$h" "(+\$3.00 imported, no rate)"
tt_has "the daily budget near: the warning" "$h" "80% !"

# ---- every width from 80: both alarms stay (defect 1) -----------------------------
for w in 80 90 100 120 140 160 200; do
	tm resize-window -t tt -x "$w" -y 30
	sleep 0.6
	h=$(tc_header)
	if printf '%s' "$h" | grep -qF "OVER" && printf '%s' "$h" | grep -qF "80% !"; then
		tt_ok "$w cols: OVER and 80% ! in the header"
	else tt_fail "$w cols: the alarms"; echo "$h"; fi
done

tm send-keys -t tt q
tt_done
