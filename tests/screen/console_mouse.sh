#!/usr/bin/env bash
# console_mouse.sh — the mouse, as in htop and btop, at 120×40: a click on a
# pane focuses it (remembered in console.json), on a row selects it and on
# the selected row opens it, on a column heading sorts by it (again: the
# other way), on the key bar presses the key; the wheel moves the cursor of
# the pane under it; the help scrolls with the wheel. On Reports and Batches
# a click selects a row by its key and a click on the selected row opens it.
# --no-mouse leaves the mouse to the terminal. Clicks are written into the pane as the terminal
# would send them (tests/lib/common.sh tt_click).
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux
tt_tmpdir
tt_tmux
tt_noon        # rows minutes old are today at any hour (common.sh)
export XDG_STATE_HOME=$T/state
DB=$T/usage.db
TT="$B/tokentop --db $DB"
STATE=$T/state/tokentop/console.json

tt_seed_db
"$T/seed_db" "$DB" batches || tt_die "seeding batches failed"
"$T/seed_db" "$DB" at claude-haiku-4-5 500000 10 || tt_die "seed"
"$T/seed_db" "$DB" at claude-sonnet-4-5 100000 20 || tt_die "seed"
"$T/seed_db" "$DB" at claude-opus-4-6 10000 30 || tt_die "seed"

# row_of TEXT: the screen row (from 0) of the first line with TEXT;
# col_of TEXT LINE: the column (from 0) where TEXT starts in LINE
row_of() { tt_screen | grep -nF -- "$1" | head -1 | cut -d: -f1 | awk '{ print $1 - 1 }'; }
col_of() { local p="${2%%"$1"*}"; echo "${#p}"; }
# selected TEXT: the line with TEXT is drawn as the cursor (black on cyan)
selected() { tm capture-pane -e -p -t tt | grep -F -- "$1" | head -1 | grep -qE $'\e\\[([0-9;]*;)?46m[^\e]*'"$1"; }

tt_console tt 120x40 "$TT"
[ "$(tm display -p -t tt '#{mouse_standard_flag}')" = 1 ] && tt_ok "the console asks for the mouse" ||
	tt_fail "mouse reporting is off"

# ---- a heading sorts ---------------------------------------------------------------------
y=$(row_of '│ model ')
head=$(tt_screen | sed -n "$((y + 1))p")
x=$(col_of 'input' "$head")
tt_click "$((x + 2))" "$y"
if tt_wait_for 'input▼' 2; then tt_ok "a click on input sorts by it"; else tt_fail "sort by click"; tt_screen | sed -n "$((y + 1))p"; fi
tt_click "$((x + 2))" "$y"
tt_wait_for 'input▲' 2 && tt_ok "a second click sorts the other way" || tt_fail "reverse by click"
[ "$(row_of claude-opus-4-6)" -lt "$(row_of claude-haiku-4-5)" ] && tt_ok "rows follow: least input first" ||
	tt_fail "rows not sorted by input"

# ---- a row is selected; the selected row opens ---------------------------------------------------
y=$(row_of 'claude-sonnet-4-5')
tt_click 80 "$y"
sleep 0.3
selected claude-sonnet-4-5 && tt_ok "a click selects the row" || tt_fail "row not selected"
"$T/seed_db" "$DB" at claude-3-5-haiku-20241022 1000 3 || tt_die "seed"   # least input: on top
tt_wait_for 'claude-3-5-haiku' 3 || tt_fail "the new model"
selected claude-sonnet-4-5 && tt_ok "the click selected the model, not the row number" ||
	tt_fail "the selection moved off the clicked model"
y=$(row_of 'claude-sonnet-4-5')
tt_click 80 "$y"
if tt_wait_for 'model claude-sonnet-4-5' 2; then tt_ok "a click on the selected row opens its days"
else tt_fail "drill by click"; tt_screen | head -2; fi
tm send-keys -t tt x Escape
tt_wait_for '┌ Daily spend' 2 || tt_fail "back to the dashboard"

# ---- a pane is focused (and remembered); the wheel moves its cursor ----------------------------
y=$(row_of 'in_progress')
tt_click 60 "$((y + 1))"
sleep 0.3
grep -q '"focus": "batches"' "$STATE" 2>/dev/null && tt_ok "a click focuses the batches pane" ||
	tt_fail "focus: $(cat "$STATE" 2>/dev/null)"
selected 'completed' && tt_ok "the click selected the ended batch" || tt_fail "batch row not selected"
tt_wheel up 60 "$y"
sleep 0.3
selected 'in_progress' && tt_ok "the wheel moves the cursor up" || tt_fail "wheel up"
tt_wheel down 60 "$y"
sleep 0.3
selected 'completed' && tt_ok "the wheel moves the cursor down" || tt_fail "wheel down"
y=$(row_of 'Daily spend')
tt_click 5 "$((y + 2))"
sleep 0.3
grep -q '"focus": "daily"' "$STATE" && tt_ok "a click focuses the daily pane" || tt_fail "daily focus"

# ---- the key bar --------------------------------------------------------------------------------------
bar=$(tt_screen | tail -1)
tt_click "$(col_of 'F1 Help' "$bar")" 39
if tt_wait_for 'Everywhere' 2; then tt_ok "a click on F1 in the key bar opens the help"; else tt_fail "key bar click"; fi
first=$(tt_screen | sed -n 4p)
tt_wheel down 40 10
sleep 0.3
[ "$(tt_screen | sed -n 4p)" != "$first" ] && tt_ok "the wheel scrolls the help" || tt_fail "help wheel"
bar=$(tt_screen | tail -1)
tt_click "$(col_of 'Esc close' "$bar")" 39
tt_wait_for '┌ Daily spend' 2 && tt_ok "a click on the help's close" || tt_fail "help close by click"
bar=$(tt_screen | tail -1)
tt_click "$(col_of 'F2 Reports' "$bar")" 39
tt_wait_for "Spend by " 2 && tt_ok "a click on F2 opens Reports" || { tt_fail "F2 click"; echo "$bar"; tt_screen | head -3; }

# ---- Reports (by day, as the drill left it): a click selects a row of either table by its key; a
# click on the selected row is Enter ------------------------------------------------------------------------
y=$(row_of '│ claude-opus-4-6 ')
tt_click 10 "$y"
sleep 0.3
selected 'claude-opus-4-6' && tt_ok "Reports: a click selects a breakdown row" || tt_fail "Reports row click"
"$T/seed_db" "$DB" at claude-opus-4-1 900000 5 || tt_die "seed"     # a new row on top
tt_wait_for '│ claude-opus-4-1 ' 3 || tt_fail "Reports: the new model"
[ "$(row_of '│ claude-opus-4-1 ')" -lt "$(row_of '│ claude-opus-4-6 ')" ] && selected 'claude-opus-4-6' &&
	tt_ok "Reports: the clicked row stays selected when a row arrives above it" ||
	tt_fail "Reports: the selection moved off the clicked model"
y=$(row_of '│ claude-opus-4-6 ')
tt_click 10 "$y"
if tt_wait_for 'by hour > ' 2; then tt_ok "Reports: a click on the selected row is Enter (drills down)"
else tt_fail "Reports: drill by click"; tt_screen | head -1; fi
tm send-keys -t tt Escape
tt_wait_for 'by day' 2 || tt_fail "Reports: back up"
today=$(date +%F)
y=$(row_of "│ $today ")
tt_click 10 "$y"
sleep 0.3
# (the header and the breakdown's title hold the day too: any line will do)
tm capture-pane -e -p -t tt | grep -qE $'\e\\[([0-9;]*;)?46m[^\e]*'"$today" &&
	tt_ok "Reports: a click gives the periods table the cursor" ||
	tt_fail "Reports: periods click"
tm send-keys -t tt Escape
tt_wait_for '┌ Daily spend' 2 || tt_fail "back"

# ---- Batches: a click selects a batch; again, it opens its detail -------------------------------------
tm send-keys -t tt F3
tt_wait_for 'SEEDENDED' 2 || tt_fail "Batches list"
y=$(row_of 'SEEDENDED')
tt_click 30 "$y"
sleep 0.3
selected 'SEEDENDED' && tt_ok "Batches: a click selects the batch" || tt_fail "Batches row click"
tt_hasnt "Batches: one click does not open it" "$(tt_screen | sed -n 2p)" 'Batch msgbatch'
tt_click 30 "$y"
if tt_wait_for 'Batch msgbatch_01SEEDENDED' 2; then tt_ok "Batches: a click on the selected batch opens it"
else tt_fail "Batches: detail by click"; tt_screen | head -3; fi
tm send-keys -t tt Escape Escape
tt_wait_for '┌ Daily spend' 2 || tt_fail "back"

# ---- --no-mouse (started before the first quits: the last session's end stops tmux) --------------------
tt_console nm 120x40 "$TT --no-mouse"
tm send-keys -t tt q
[ "$(tm display -p -t nm '#{mouse_any_flag}')" = 0 ] && tt_ok "--no-mouse: the terminal keeps the mouse" ||
	tt_fail "--no-mouse still asks for the mouse"
bar=$(tt_screen nm | tail -1)
tt_click "$(col_of 'F1 Help' "$bar")" 39 nm
sleep 0.5
tt_hasnt "--no-mouse: a click does nothing" "$(tt_screen nm)" 'Everywhere'
tm send-keys -t nm F1
tt_wait_for 'Everywhere' 2 nm && tt_ok "--no-mouse: keys still work" || tt_fail "--no-mouse keys"
tm send-keys -t nm q q
tt_done
