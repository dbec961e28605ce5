#!/usr/bin/env bash
# console_help.sh — issue 11, defect 18 and the help's search. At 80×24:
# `q` in the help closes the help (it quit the whole program), as does any
# other key (htop); the help says where it is scrolled to (a thumb on the
# border, "1–20 of N") and pages on. At 200×60 it flows into columns. `/`
# narrows it to the lines that match; Esc clears the search.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux
tt_tmpdir
tt_tmux
DB=$T/usage.db
TT="$B/tokentop --db $DB"

tt_console tt 80x24 "$TT"

# ---- q closes the help, not the program -------------------------------------------------
tm send-keys -t tt F1
tt_wait_for "Everywhere" 2 || tt_die "F1 opens the help"
tm send-keys -t tt q
sleep 0.5
if tm has-session -t tt 2>/dev/null && tt_wait_for "Tab:" 2; then tt_ok "80x24: q closes the help, the console stays"
else tt_die "80x24: q in the help quit the console"; fi

# any other key too; a scroll key does not
for k in x Enter F2 '?'; do
	tm send-keys -t tt F1
	tt_wait_for "Everywhere" 2 || tt_fail "help again"
	tm send-keys -t tt Down
	sleep 0.2
	tt_screen | grep -qF "┌ Keys" || tt_fail "Down scrolls, it does not close"
	tm send-keys -t tt "$k"
	if tt_wait_for "Tab:" 2 && ! tt_screen | grep -qF "┌ Keys"; then tt_ok "80x24: $k closes the help"
	else tt_fail "80x24: $k should close the help"; tt_screen | head -3; fi
	[ "$k" = F2 ] && ! tt_screen | grep -qF "Spend by month" && tt_ok "F2 in the help only closes it"
done

# ---- where it is: a scroll indicator ---------------------------------------------------------
tm send-keys -t tt F1
tt_wait_for "Everywhere" 2 || tt_fail "help"
s=$(tt_screen)
n=$(echo "$s" | sed -n 23p | grep -oE '1–20 of [0-9]+' | grep -oE '[0-9]+$')
if [ -n "$n" ] && [ "$n" -gt 20 ]; then tt_ok "80x24: the border says 1–20 of $n"
else tt_fail "80x24: scroll position"; echo "$s" | tail -3; fi
[ "$(echo "$s" | sed -n 3p | tail -c 4)" = "█" ] && tt_ok "80x24: a thumb at the top of the border" ||
	tt_fail "80x24: thumb: $(echo "$s" | sed -n 3p)"
tm send-keys -t tt PgDn
if tt_wait_for "21–40 of $n" 2; then tt_ok "80x24: PgDn pages on"; else tt_fail "80x24: PgDn"; tt_screen | tail -2; fi
[ "$(tt_screen | sed -n 3p | tail -c 4)" != "█" ] && tt_ok "80x24: the thumb moved" || tt_fail "thumb still at the top"
tm send-keys -t tt End
tt_wait_for "of $n ─" 2 && tt_screen | grep -qE "[0-9]+–$n of $n" && tt_ok "80x24: End shows the last lines" ||
	tt_fail "80x24: End"
tm send-keys -t tt Home
tt_wait_for "1–20 of $n" 2 || tt_fail "Home"

# ---- search --------------------------------------------------------------------------------
tm send-keys -t tt / m o u s e
tt_wait_for 'search "mouse"' 2 || tt_fail "search as you type"
tm send-keys -t tt Enter
s=$(tt_screen)
tt_has "search: the Setup key that turns the mouse off" "$s" 'mouse (remembered)'
tt_has "search: the note, whole" "$s" 'the wheel scrolls'
tt_hasnt "search: lines without it are gone" "$s" 'filter models by name'
tm send-keys -t tt /
tm send-keys -t tt -l 'zzzqqq'
tt_wait_for "no key or note matches" 2 && tt_ok "search: nothing matches" || tt_fail "search: no match"
tm send-keys -t tt Escape
sleep 0.3
tt_hasnt "Esc in the search clears it" "$(tt_screen | sed -n 2p)" 'search'
tt_has "Esc in the search clears it: every line again" "$(tt_screen | tail -2)" "of $n"
tm send-keys -t tt Escape
tt_wait_for "Tab:" 2 || tt_fail "Esc closes the help"

# ---- 200×60: columns ------------------------------------------------------------------------------
tm resize-window -t tt -x 200 -y 60
tm send-keys -t tt F1
tt_wait_for "Everywhere" 2 || tt_fail "help at 200x60"
s=$(tt_screen)
titles=$(echo "$s" | sed -n 3p | grep -oE 'Everywhere|Dashboard|Reports|Batches|Call|Help|Setup|Notes' | wc -l)
[ "$titles" -ge 2 ] && tt_ok "200x60: sections side by side ($titles on the first line)" ||
	tt_fail "200x60: one column: $(echo "$s" | sed -n 3p)"
tt_hasnt "200x60: everything fits: no scroll position" "$(echo "$s" | tail -2)" ' of '
tt_has "200x60: the key bar's own keys" "$(echo "$s" | tail -1)" 'any other key closes'
tt_hasnt "200x60: no q quit in the help's key bar" "$(echo "$s" | tail -1)" 'quit'
tm send-keys -t tt q
tt_wait_for "Daily spend" 2 || tt_fail "q closes at 200x60"
tm send-keys -t tt q
for ((i = 0; i < 30; i++)); do tm has-session -t tt 2>/dev/null || break; sleep 0.1; done
tm has-session -t tt 2>/dev/null && tt_fail "q on the dashboard quits" || tt_ok "q on the dashboard quits"
tt_done
