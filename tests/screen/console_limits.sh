#!/usr/bin/env bash
# console_limits.sh — the Limits screen (L) at 80×24 and 120×40: a group per
# provider × model × key with its 429s of the last hour, a bar per kind with
# its figures and reset countdown, a double-width model name measured (the
# box's right border stays in place), scrolling, Esc back to the dashboard.
set -u
. "$(dirname "$0")/../lib/common.sh"
tt_need tmux sqlite3
tt_tmpdir
tt_tmux
DB=$T/usage.db
TT="$B/tokentop --db $DB"

"$B/tokentop" --db "$DB" report limits >/dev/null || tt_die "cannot make the ledger"
now=$(($(date +%s) * 1000))
min=$((now / 60000))
M='검색-모델-claude-sonnet-4-5-with-a-very-long-name-indeed'
sqlite3 "$DB" "
insert into ratelimit values ('anthropic','claude-haiku-4-5','…-1a2b3c4d','requests',4000,100,$((now + 90000)),$now);
insert into ratelimit values ('anthropic','claude-haiku-4-5','…-1a2b3c4d','tokens',2000000,1500000,$((now + 30000)),$now);
insert into ratelimit values ('anthropic','$M','…WXYZ-99cc4e78','requests',50,50,$((now + 7200000)),$now);
insert into ratelimit_reject values ('anthropic','claude-haiku-4-5','…-1a2b3c4d',$min,2),
  ('anthropic','claude-haiku-4-5','…-1a2b3c4d',$((min - 30)),1),
  ('anthropic','claude-haiku-4-5','…-1a2b3c4d',$((min - 120)),7);
" || tt_die "seed"
for i in $(seq 1 12); do
	sqlite3 "$DB" "insert into ratelimit values ('openai','gpt-$i','…-0000000$i','requests',500,$((i * 40)),-1,$now)"
done

tt_console tt 80x24 "$TT"
tm send-keys -t tt L
tt_wait_for "rate-limit headroom" 3 || tt_die "L opens the Limits screen: $(tt_screen)"
S=$(tt_screen)
tt_has "a group with its 429s of the last hour (2 + 1, not the older 7)" "$S" "429s last hour: 3"
tt_has "a kind with its figures" "$S" "100 / 4k"
tt_has "reset countdown" "$S" "in 1m"
tt_has "a bar" "$S" "█"
tt_has "the wide model name, shortened" "$S" "검색"
# each line of the box is exactly as wide as the terminal (East Asian wide = 2)
widths() {  # first last cols
	echo "$S" | sed -n "$1,$2p" | python3 -c '
import sys, unicodedata
for n, l in enumerate(sys.stdin.read().split("\n")[:-1], 1):
    w = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l)
    if w != int(sys.argv[1]): print(n, w, l)' "$3"
}
tt_eq "every line of the box ends at its border (widths measured)" "$(widths 2 23 80)" ""
tt_hasnt "more below: not all 12 OpenAI groups fit" "$S" "gpt-9 "
tm send-keys -t tt End
sleep 0.4
tt_has "End scrolls to the last group" "$(tt_screen)" "gpt-9"
tm send-keys -t tt Escape
tt_wait_for "Tab:" 3 || tt_fail "Esc goes back to the dashboard"
tt_hasnt "the Limits screen is gone" "$(tt_screen)" "rate-limit headroom"
tm send-keys -t tt F1
tt_wait_for "Everywhere" 2 || tt_fail "help"
tm send-keys -t tt / && tm send-keys -t tt -l "limits" && tm send-keys -t tt Enter
sleep 0.4
tt_has "the help lists the key" "$(tt_screen)" "rate-limit headroom"
tm kill-session -t tt

tt_console big 120x40 "$TT"
tm send-keys -t big L
tt_wait_for "rate-limit headroom" 3 big || tt_die "L at 120x40"
S=$(tt_screen big)
tt_has "the whole wide name at 120 columns" "$S" "$M"
tt_eq "120x40: every line ends at its border" "$(widths 2 39 120)" ""
tt_done
