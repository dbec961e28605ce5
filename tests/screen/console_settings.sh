#!/usr/bin/env bash
# console_settings.sh — what the console remembers: the sort, the period,
# the focused pane and the hidden panes and columns are written to
# $XDG_STATE_HOME/tokentop/console.json (0600 in a 0700 directory) and are
# there again at the next start; the Setup screen (S) hides panes and
# columns and turns the mouse off; a broken file is a notice and defaults,
# never a crash; unknown keys are ignored.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux
tt_tmpdir
tt_tmux
export XDG_STATE_HOME=$T/state
DB=$T/usage.db
TT="$B/tokentop --db $DB"
STATE=$T/state/tokentop/console.json

tt_seed_db
"$T/seed_db" "$DB" batches || tt_die "seeding batches failed"
"$T/seed_db" "$DB" at claude-haiku-4-5 500000 10 || tt_die "seed"

# quit SESSION: q, and wait until it is gone
quit() {
	local i
	tm send-keys -t "$1" q
	for ((i = 0; i < 30; i++)); do tm has-session -t "$1" 2>/dev/null || return 0; sleep 0.1; done
	tt_fail "$1 did not quit"
}
# json KEY: the value of KEY in the state file, as written
json() { jq -c ".$1" "$STATE" 2>/dev/null; }

# a session that outlives the others: tmux stops with its last session
tm new-session -d -s keep -x 80 -y 24 "sleep 600"

# ---- sort, period, focus: remembered -------------------------------------------------------
tt_console a 120x40 "$TT"
[ -e "$STATE" ] && tt_fail "nothing is written before anything changes"
tm send-keys -t a s p Tab
tt_wait_for 'Models · 7 days' 2 a || tt_fail "p changes the period"
sleep 0.5
tt_eq "sort remembered" "$(json sort)" '"model"'
tt_eq "sort direction remembered" "$(json sort_desc)" 'false'
tt_eq "period remembered" "$(json period)" '"7d"'
tt_eq "focus remembered" "$(json focus)" '"cache"'
tt_eq "the file is private" "$(stat -c %a "$STATE")" 600
tt_eq "its directory too" "$(stat -c %a "$(dirname "$STATE")")" 700
ls "$(dirname "$STATE")" | grep -q tmp && tt_fail "a temporary file was left"
quit a
tt_console a 120x40 "$TT"
s=$(tt_screen a)
tt_has "restart: the period" "$s" 'Models · 7 days'
tt_has "restart: the sort" "$s" 'model▲'

# ---- Setup: hide a pane and a column ---------------------------------------------------------
tm send-keys -t a S
tt_wait_for 'Panes of the dashboard' 2 a || tt_fail "S opens Setup"
tt_has "Setup names the file" "$(tt_screen a | head -1)" "$STATE"
# the cursor starts on the first item; Batches is the fifth
tm send-keys -t a Down Down Down Down Space
tt_wait_for '[ ] Batches' 2 a && tt_ok "Space hides the Batches pane" || { tt_fail "hide"; tt_screen a; }
tm send-keys -t a Down Space     # the next item: Models: input tokens
tt_wait_for '[ ] Models: input tokens' 2 a && tt_ok "Space hides a column" || tt_fail "hide column"
tt_eq "hidden panes remembered" "$(json hidden_panes)" '["batches"]'
tt_eq "hidden columns remembered" "$(json hidden_columns)" '["models.input"]'
tm send-keys -t a Escape
tt_wait_for '┌ Daily spend' 2 a || tt_fail "Esc leaves Setup"
s=$(tt_screen a)
tt_hasnt "the Batches pane is gone" "$s" '┌ Batches'
echo "$s" | grep -q '^┌ Cache' && tt_ok "the Cache pane starts the row" || tt_fail "Cache pane not at the left"
[ "$(echo "$s" | grep -F '┌ Cache' | grep -o '┐' | wc -l)" = 1 ] && tt_ok "one box on the Cache row" ||
	tt_fail "Cache row: $(echo "$s" | grep -F '┌ Cache')"
tt_hasnt "the input column is gone" "$(echo "$s" | grep -F '│ model')" 'input'
tt_has "the output column stays" "$(echo "$s" | grep -F '│ model')" 'output'
quit a
tt_console a 120x40 "$TT"
tt_hasnt "restart: Batches still hidden" "$(tt_screen a)" '┌ Batches'

# ---- Setup: every pane cannot go; the mouse off and on ----------------------------------------------
tm send-keys -t a S
tt_wait_for 'Panes of the dashboard' 2 a || tt_fail "Setup again"
tm send-keys -t a Home Space Down Space Down Space Down Space
tt_wait_for 'one pane at least stays shown' 2 a && tt_ok "the last pane cannot be hidden" ||
	{ tt_fail "last pane"; tt_screen a | tail -2; }
tt_eq "four hidden, one shown" "$(json hidden_panes | tr -cd ',' | wc -c)" 3
tm send-keys -t a d
sleep 0.3
tt_eq "d: every pane and column again" "$(json hidden_panes)$(json hidden_columns)" '[][]'
tm send-keys -t a End Space
sleep 0.3
tt_eq "the mouse off: remembered" "$(json mouse)" 'false'
tt_eq "the mouse off: the terminal keeps it" "$(tm display -p -t a '#{mouse_any_flag}')" 0
tm send-keys -t a Space
sleep 0.3
tt_eq "the mouse on again" "$(tm display -p -t a '#{mouse_any_flag}')" 1
tm send-keys -t a Escape
quit a

# ---- a broken file: a notice and the defaults, then a good file again ------------------------------------
printf '{"sort": "reqs", "hidden_panes": ["batch' >"$STATE"
tt_console a 120x40 "$TT"
# (a message too long for the key bar's right end gets a line of its own
# above it: the keys stay)
if tt_wait_for "settings: $STATE:" 2 a && tt_screen a | tail -3 | grep -qF 'defaults used'; then
	tt_ok "a broken file: a notice naming it"
else tt_fail "broken file notice"; tt_screen a | tail -3; fi
s=$(tt_screen a)
tt_has "a broken file: the default sort" "$s" 'cost▼'
tt_has "a broken file: every pane" "$s" '┌ Batches'
tm send-keys -t a p
sleep 0.5
jq -e . "$STATE" >/dev/null 2>&1 && tt_ok "a change writes a good file again" || tt_fail "state still broken"
quit a

# ---- unknown keys are ignored -------------------------------------------------------------------------------
printf '{"sort": "reqs", "sort_desc": true, "theme": "solarized", "hidden_panes": ["gpu"]}\n' >"$STATE"
tt_console a 120x40 "$TT"
s=$(tt_screen a)
tt_has "unknown keys: the known ones read" "$s" 'reqs▼'
tt_hasnt "unknown keys: no notice" "$(echo "$s" | tail -1)" 'settings:'
quit a
tm kill-session -t keep
tt_done
