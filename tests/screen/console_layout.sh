#!/usr/bin/env bash
# console_layout.sh — the console uses the screen: at 200×29 the panes stay
# side by side (it fell back to one pane at a time); the spend per hour of
# the last 24 h is a strip at 120×40 and a chart of its own at 200×60, with
# $/h and tokens per minute; from 160 columns the panes gain columns (cache
# read and written, $/request, the batch's tag, the day's requests); Reports
# puts its two tables side by side; at every size no money is cut.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux
tt_tmpdir
tt_tmux
tt_noon        # the rows of 10 min to 5 h ago are today at any hour (common.sh)
DB=$T/usage.db
TT="$B/tokentop --db $DB"

tt_seed_db
"$T/seed_db" "$DB" batches || tt_die "seeding batches failed"
# haiku input is $1 per million tokens: $0.50 ten minutes ago, $1.00 two
# hours ago, $2.00 five hours ago (the peak hour)
"$T/seed_db" "$DB" at claude-haiku-4-5 500000 10 || tt_die "seed"
"$T/seed_db" "$DB" at claude-haiku-4-5 1000000 120 || tt_die "seed"
"$T/seed_db" "$DB" at claude-haiku-4-5 2000000 300 web || tt_die "seed"
peak=$(date -d '-300 min' +%H):00     # (the zone the console shows)

# no_cut SIZE: no money on the screen ends in an ellipsis or became ####
no_cut() {
	local s
	s=$(tt_screen)
	if echo "$s" | grep -qE '\$[0-9][0-9,.]*…|##'; then
		tt_fail "$1: a figure is cut"; echo "$s" | grep -E '\$[0-9][0-9,.]*…|##'
	else tt_ok "$1: no figure cut"; fi
}

# ---- 120×40: the strip, no wide columns -----------------------------------------
tt_console tt 120x40 "$TT"
strip=$(tt_screen | sed -n 3p)
tt_has "120x40: the rate of the last 60 minutes" "$strip" '$0.50/h'
tt_has "120x40: tokens per minute" "$strip" '8k tok/min'
tt_has "120x40: the day and its peak hour" "$strip" "24 h \$3.50 · peak \$2.00 at $peak"
tt_has "120x40: a sparkline per hour" "$strip" '█'
tt_screen | sed -n 2p | grep -qF 'Spend per hour · last 24 h' && tt_ok "120x40: the strip's title" ||
	tt_fail "120x40: strip title"
tt_hasnt "120x40: no wide columns" "$(tt_screen | grep -F '│ model ')" 'written'
for t in "Daily spend" "Models" "Cache" "Batches"; do
	tt_has "120x40: pane $t" "$(tt_screen)" "┌ $t"
done
no_cut 120x40

# ---- 200×29: side by side, never one pane at a time ---------------------------------
tm resize-window -t tt -x 200 -y 29
tt_wait_for "written" 2 || :
s=$(tt_screen)
tt_hasnt "200x29: not tabbed" "$s" 'Tab:'
for t in "Spend per hour" "Daily spend" "Models" "Cache" "Batches"; do
	tt_has "200x29: pane $t" "$s" "┌ $t"
done
no_cut 200x29

# ---- 200×60: the chart, the wide columns ------------------------------------------------
tm resize-window -t tt -x 200 -y 60
tt_wait_for "last hour by 5 min" 2 || :
s=$(tt_screen)
top=$(echo "$s" | grep -n '┌ Spend per hour' | cut -d: -f1)
end=$(echo "$s" | awk -v t="$top" 'NR > t && /^└/ { print NR; exit }')
rows=$((end - top - 1))
if [ "${rows:-0}" -ge 8 ]; then tt_ok "200x60: the chart has a pane of its own ($rows rows)"
else tt_fail "200x60: intraday pane rows: $rows"; fi
chart=$(echo "$s" | sed -n "$((top + 1)),$((end - 1))p")
tt_has "200x60: the axis ends at now" "$(echo "$chart" | tail -1)" 'now'
tt_has "200x60: the top of the axis is the peak" "$(echo "$chart" | sed -n 2p)" '$2.00'
tt_has "200x60: the rate" "$(echo "$chart" | head -1)" '$0.50/h  8k tok/min'
bars=$(echo "$chart" | grep -c '█')
[ "$bars" -ge 5 ] && tt_ok "200x60: bars $bars rows tall" || tt_fail "200x60: bars $bars rows"
head=$(echo "$s" | grep -F '│ model ' | head -1)
for c in read written '$/req' cost; do tt_has "200x60: models column $c" "$head" " $c"; done
row=$(echo "$s" | grep -F 'claude-haiku-4-5' | head -1)
tt_has "200x60: haiku's \$/request" "$row" ' $1.17 '
tt_has "200x60: the batch's tag" "$(echo "$s" | grep -F 'in_progress' | head -1)" 'nightly'
tt_has "200x60: the daily pane's extra columns" "$(echo "$s" | grep -F '┌ Daily spend')" 'reqs──output'
no_cut 200x60

# ---- Reports: side by side on a broad screen ------------------------------------------------
tm send-keys -t tt F2
tt_wait_for "Spend by month" 2 || tt_fail "reports"
if tt_screen | grep -F 'Spend by month' | grep -qF ' by model '; then tt_ok "200x60: reports side by side"
else tt_fail "200x60: reports side by side"; tt_screen | head -3; fi
no_cut "200x60 reports"
tm send-keys -t tt Escape

# ---- 80×24: tabbed; the intraday is a tab with its chart -------------------------------------
tm resize-window -t tt -x 80 -y 24
tt_wait_for "Tab:" 2 || tt_fail "80x24 tabbed"
for ((i = 0; i < 5; i++)); do
	tt_screen | grep -qF '┌ Spend per hour' && break
	tm send-keys -t tt Tab
	sleep 0.2
done
s=$(tt_screen)
tt_has "80x24: the intraday tab" "$s" '┌ Spend per hour'
tt_has "80x24: its axis" "$s" 'now'
no_cut 80x24
tm send-keys -t tt q
tt_done
