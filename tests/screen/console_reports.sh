#!/usr/bin/env bash
# console_reports.sh — lists at 80×24 (issue 11): the Reports breakdown takes
# a cursor and scrolls to its last model, and a range change fills the table
# (defect 6); model names lose their vendor prefix before anything is cut
# (7); the daily pane has a cursor, months in its labels, and Enter opens
# that day (10); a filtered Models total is the filtered rows' (12); one
# unpriced mark, explained (14); the export is the CLI's JSON, by the file's
# extension, and never replaces a file unasked (20); an empty ledger says
# how to get data in (19); j/k and Home/End move the cursors.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/console.sh"
tt_need tmux jq
tc_setup

# today: nine models (one without a price); the 15 days before: one row each
models=(claude-sonnet-4-5 claude-haiku-4-5 claude-opus-4-1 claude-opus-4-6 claude-sonnet-4-6
	claude-opus-4-5 claude-3-7-sonnet-20250219 claude-3-5-haiku-20241022 claude-nova-9)
{
	for i in "${!models[@]}"; do tc_cc_line "m$i" "${models[$i]}" $((100000 * (9 - i))) 1000 $((5 + i)); done
	for d in $(seq 1 15); do tc_cc_line "d$d" claude-haiku-4-5 100000 100 $((d * 1440)); done
} >"$T/rows.jsonl"
$TT import --format claude-code "$T/rows.jsonl" >/dev/null || tt_die "import"
today=$(date +%F)
month=$(date +%Y-%m)

tt_console tt 80x24 "$TT"

# ---- the Models pane: names, the mark and its legend, a filtered total -----------
scr=$(tt_screen)
tt_has "the unpriced mark on the total" "$scr" "* │"
tt_has "…and its legend" "$scr" "* leaves out unpriced requests"
tm send-keys -t tt / h a i k u Enter
sleep 0.4
want=$($TT report models --since "$today" --json | jq '[.rows[] | select(.model | test("haiku")) | .requests] | add')
line=$(tt_screen | grep -F "total" | tail -1)
tt_has "a filtered total is the filtered rows' ($want requests)" "$line" "total (filtered)"
printf '%s' "$line" | grep -qE "total \(filtered\) +$want " && tt_ok "…$want requests" ||
	tt_fail "filtered total: $line"
tm send-keys -t tt Escape

# ---- the daily pane: months in the labels, a cursor, Enter opens its day ----------
tm send-keys -t tt BTab
tt_wait_for "Daily spend" 2 || tt_fail "the daily pane"
label=$(date -d "-2 day" "+%a %b %d")
tt_has "a day's label has its month" "$(tt_screen)" "│ $label "
tt_has "today's amount carries the mark" "$(tt_screen | sed -n 3p)" "*"
tm send-keys -t tt j j Enter          # two days back
d2=$(date -d "-2 day" +%F)
if tt_wait_for "$d2 by model" 3; then tt_ok "Enter opens the day under the cursor ($d2)"
else tt_fail "Enter on a day"; tt_screen | sed -n 1,3p; fi
tm send-keys -t tt Escape
tt_wait_for "Daily spend" 2 || tt_fail "back"

# ---- Reports at 80×24: the month by model, all nine reachable --------------------
tm send-keys -t tt F2
tt_wait_for "Reports" 2 || tt_fail "reports"
for ((i = 0; i < 3; i++)); do tt_screen | grep -qF "Spend by month" && break; tm send-keys -t tt g; sleep 0.3; done
tt_wait_for "Spend by month" 2 || tt_fail "reports by month"
last=$($TT report models --since "$month-01" --json | jq -r '.rows[-1].model')
tm send-keys -t tt Tab Home
sleep 0.4
scr=$(tt_screen)
tt_has "a name without its vendor prefix" "$scr" "│ opus-4-6 "
tt_hasnt "never cut in the middle" "$scr" "claude…"
tm send-keys -t tt End
sleep 0.4
if tt_screen | grep -qF "${last#claude-}"; then tt_ok "Tab, End: the breakdown scrolls to its last model ($last)"
else tt_fail "breakdown's last model $last"; tt_screen | sed -n 12,24p; fi
tt_has "the breakdown says where it is" "$(tt_screen)" "of 9"
tm send-keys -t tt k
sleep 0.3
tt_has "k moves the breakdown's cursor" "$(tt_screen)" "of 9"

# ---- export: the CLI's JSON; never replace unasked; a name with no format -------
tm send-keys -t tt e C-u
tm send-keys -t tt -l "$T/m.json"
tm send-keys -t tt Enter
tt_wait_for "wrote $T/m.json" 3 || tt_fail "export message"
end=$(date -d "$month-01 +1 month -1 day" +%F)
$TT report models --since "$month-01" --until "$end" --json >"$T/cli.json"
if cmp -s "$T/m.json" "$T/cli.json"; then tt_ok "the export is \`report models --json\`, byte for byte"
else tt_fail "export differs from the CLI"; diff "$T/m.json" "$T/cli.json" | head; fi
echo precious >"$T/keep.csv"
tm send-keys -t tt e C-u
tm send-keys -t tt -l "$T/keep.csv"
tm send-keys -t tt Enter
tt_wait_for "exists: replace it? y/n" 2 && tt_ok "an existing file: asks" || tt_fail "no overwrite question"
tm send-keys -t tt n
sleep 0.3
tt_eq "n keeps the file" "$(cat "$T/keep.csv")" "precious"
tm send-keys -t tt e C-u
tm send-keys -t tt -l "$T/out.txt"
tm send-keys -t tt Enter
tt_wait_for "name it .csv or .json" 2 && tt_ok "a name with no format is refused" || tt_fail ".txt"
[ -e "$T/out.txt" ] && tt_fail "out.txt written"

# ---- a range change fills the table (not only its last row) ---------------------
tm send-keys -t tt Tab g g                 # the periods; by day
tt_wait_for "Spend by day" 2 || tt_fail "by day"
tm send-keys -t tt End
d3=$(date -d "-3 day" +%F)
tm send-keys -t tt r
tm send-keys -t tt -l "$d3..$today"
tm send-keys -t tt Enter
tt_wait_for "Reports  $d3..$today" 2 || tt_fail "range"
scr=$(tt_screen)
for k in 3 2 1 0; do
	d=$(date -d "-$k day" +%F)
	printf '%s' "$scr" | grep -qF "│ $d " || { tt_fail "after the range change $d is not in view"; break; }
done
[ "$k" = 0 ] && tt_ok "after a range change every day is in view"

# ---- help lists the marks ---------------------------------------------------------
tm send-keys -t tt F1
tt_wait_for "Everywhere" 2 || tt_fail "help"
for ((i = 0; i < 12; i++)); do tt_screen | grep -qF "Marks" && break; tm send-keys -t tt PgDn; sleep 0.1; done
tt_has "help explains the unpriced mark" "$(tt_screen)" "leaves out unpriced requests"

# ---- an empty ledger says how to get data in -------------------------------------
tt_console empty 80x24 "$B/tokentop --db $T/empty.db"
tm send-keys -t tt F10
scr=$(tt_screen empty)
tt_has "empty: says so" "$scr" "The ledger is empty"
tt_has "empty: import" "$scr" "tokentop import"
tt_has "empty: proxy" "$scr" "tokentop proxy"
tt_has "empty: demo" "$scr" "tokentop demo"
tm send-keys -t empty q
tt_done
