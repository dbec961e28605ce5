#!/usr/bin/env bash
# console_sizes.sh — screenshots at 80×24, 120×40 and 200×60 (issue 11): on
# every screen no figure is cut mid-number (every $ amount is whole, never
# followed by an ellipsis, no '#' overflow), and the alarm of an exceeded
# budget is in the header at every size and on every screen that has it.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/console.sh"
tt_need tmux
tc_setup
tc_seed_build
"$T/seed_db" "$DB" history || tt_die "seeding"
tc_config '{ "budget": [{ "daily": "0.05", "monthly": "1000" }, { "tag": "web", "monthly": "0.10" }] }'

# whole NAME: no figure on the screen now is cut; a failure shows it
whole() {
	local scr bad
	scr=$(tt_screen)
	bad=$(printf '%s\n' "$scr" | grep -oE -- '-?\$[0-9][0-9,.]*[^ │▕▏]*' |
		grep -vE '^-?\$[0-9]{1,3}(,[0-9]{3})*(\.[0-9]{2,9})?\*?(/h|/day|,)?$' | head -3)
	if [ -z "$bad" ] && ! printf '%s' "$scr" | grep -qE '\$[0-9][0-9,.]*(…|~)|##'; then
		tt_ok "$1: every figure whole"
	else tt_fail "$1: a figure cut: ${bad:-(an ellipsis or #)}"; printf '%s\n' "$scr"; fi
}

# alarm NAME: the exceeded budget is in the header
alarm() {
	if tc_header | grep -qF "OVER"; then tt_ok "$1: the alarm in the header"
	else tt_fail "$1: no alarm"; tc_header; fi
}

tt_console tt 80x24 "$TT"
for size in 80x24 120x40 200x60; do
	tm resize-window -t tt -x "${size%x*}" -y "${size#*x}"
	sleep 1
	for p in 1 2 3 4; do          # every pane (tabbed below 120×30: one at a time)
		whole "$size dashboard $p"
		alarm "$size dashboard $p"
		[ "$size" = 80x24 ] || break
		tm send-keys -t tt Tab
		sleep 0.3
	done
	tm send-keys -t tt F2
	tt_wait_for "Spend by" 2 || tt_fail "$size: reports"
	whole "$size reports"
	tm send-keys -t tt F3
	tt_wait_for "Batches" 2 || tt_fail "$size: batches"
	whole "$size batches"
	tm send-keys -t tt F5
	tt_wait_for "live" 2 || tt_fail "$size: the dashboard again"
done
tm send-keys -t tt q
tt_done
