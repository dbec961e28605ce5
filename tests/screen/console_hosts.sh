#!/usr/bin/env bash
# console_hosts.sh — the Hosts view (h) and the host filter (issue 13): a
# ledger written by three hosts; at 80×24 and 200×60 one line per host with
# today's spend, requests, share, last row and a live/STALE mark (the word,
# not only a colour); the cursor stays on its host when the rows reorder,
# and moves by key (j/k, Home/End, PgUp/PgDn over 31 hosts) and mouse;
# Enter on a host filters the dashboard to it (the header says so, its
# figures are the host's, as `report --host` prints them; Reports follows),
# as does typing host:NAME; Reports breaks down by host; hostile host names (controls, bidi, a very long Korean name)
# never break a line; a row another process writes shows within 1 s (on
# SQLite, and on PostgreSQL through its notification when a server can be
# started).
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/console.sh"
tt_need tmux jq python3
tc_setup
tc_seed_build

# seed HOST ARGS...: rows stamped with HOST, written by another process
seed() { TOKENTOP_HOST="$1" "$T/seed_db" "$DB" "${@:2}" >/dev/null || tt_die "seed $1"; }
seed web-01 at claude-sonnet-4-5 100000 5
seed web-01 at claude-haiku-4-5 50000 3
seed web-02 at claude-sonnet-4-5 300000 2
seed laptop at claude-sonnet-4-5 20000 40      # its last row 40 minutes ago: stale

usd() { awk -v v="$1" 'BEGIN { c = int(v * 100 + 0.5 + 1e-9); printf "$%d.%02d\n", c / 100, c % 100 }'; }
today=$(date +%F)
spend() { usd "$($TT report daily --since "$today" ${1:+--host "$1"} --json | jq -r .totals.cost_usd)"; }
w1=$(spend web-01)
w2=$(spend web-02)
wall=$(spend "")
[ "$w1" != "$w2" ] || tt_die "the hosts' spends should differ ($w1)"

# widths FIRST LAST COLS: lines of $S not exactly COLS wide (East Asian wide = 2)
widths() {
	echo "$S" | sed -n "$1,$2p" | python3 -c '
import sys, unicodedata
for n, l in enumerate(sys.stdin.read().split("\n")[:-1], 1):
    w = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l)
    if w != int(sys.argv[1]): print(n, w, l)' "$3"
}
line() { echo "$S" | grep -F -- "$1" | head -1; }

# ---- 80×24 -----------------------------------------------------------------------------
tt_console tt 80x24 "$TT"
tm send-keys -t tt h
tt_wait_for "Hosts · today" 3 || tt_die "h opens the Hosts view: $(tt_screen)"
sleep 0.3
S=$(tt_screen)
tt_has "80x24: web-01's line with its spend" "$(line web-01)" "$w1"
tt_has "80x24: web-02's line with its spend" "$(line web-02)" "$w2"
tt_has "80x24: web-01 requests today" "$(line web-01)" " 2 "
tt_has "80x24: a live host is marked live" "$(line web-02)" "live"
tt_has "80x24: laptop (40 min) is marked STALE in words" "$(line laptop)" "STALE"
tt_hasnt "80x24: a live host is not stale" "$(line web-01)" "STALE"
tt_has "80x24: the total counts the stale host" "$S" "3 hosts, 1 stale"
tt_has "80x24: spend sorted, largest first: web-02 on top" \
	"$(echo "$S" | grep -E 'web-0|laptop' | head -1)" "web-02"
tt_eq "80x24: every line of the box ends at its border" "$(widths 2 23 80)" ""

# the cursor stands on a host: web-01 (second by spend), then the rows
# reorder (sorted by host name, then reversed); Enter filters by the host
# the cursor is on, whatever its row now
tm send-keys -t tt j
sleep 0.2
tm send-keys -t tt s s s s            # spend → reqs → share → last → host, A to Z
sleep 0.2
tt_has "sorted by host name" "$(tt_screen | grep -E 'web-0|laptop' | head -1)" "laptop"
tm send-keys -t tt r
sleep 0.2
tt_has "reversed: web-02 first" "$(tt_screen | grep -E 'web-0|laptop' | head -1)" "web-02"
tm send-keys -t tt Enter
tt_wait_for "host web-01" 3 || tt_fail "Enter: the header shows the host filter: $(tc_header)"
sleep 0.3
S=$(tt_screen)
tt_has "Enter filtered by the host under the cursor (web-01), not by its row" "$(tc_header)" "host web-01"
tt_has "the dashboard's today is web-01's ($w1)" "$(tc_header)" "today $w1"
tt_has "the Models pane says the filter" "$S" "filter: host:web-01"
tt_hasnt "web-02's model spend is not shown" "$S" "$w2"
tt_eq "80x24: the filtered dashboard keeps its layout" "$(widths 2 23 80)" ""
# Reports follows the host filter
tm send-keys -t tt F2
tt_wait_for "host web-01" 3 || tt_fail "Reports under the host filter: $(tc_header)"
sleep 0.3
S=$(tt_screen)
tt_has "Reports: today's row is web-01's ($w1)" "$S" "$w1"
tt_hasnt "Reports: not every host's ($wall)" "$S" "$wall"
tm send-keys -t tt Escape
tt_wait_for "Tab:" 3 || tt_fail "back to the dashboard"

# typed: host:web-02
tm send-keys -t tt Escape
tc_wait_gone "host web-01" 3 || tt_fail "Esc clears the host filter"
tm send-keys -t tt /
tm send-keys -t tt -l "host:web-02"
tm send-keys -t tt Enter
tt_wait_for "host web-02" 3 || tt_fail "host:web-02 typed: $(tc_header)"
sleep 0.3
tt_has "host:web-02: today is web-02's ($w2)" "$(tc_header)" "today $w2"
tm send-keys -t tt Escape
tc_wait_gone "host web-02" 3 || tt_fail "Esc clears the typed filter"
# Reports breaks a day down by host: b from model through source, tag,
# provider, project and key
tm send-keys -t tt F2
tt_wait_for "Spend by" 3 || tt_fail "Reports"
tm send-keys -t tt b b b b b b
tt_wait_for "by host" 3 && tt_ok "Reports: b reaches by host" || tt_fail "Reports: by host: $(tt_screen)"
S=$(tt_screen)
tt_has "Reports by host: web-02 with its spend" "$(line web-02)" "$w2"
tm send-keys -t tt Escape
tt_wait_for "Tab:" 3 || tt_fail "back to the dashboard"

# ---- live: another process, another host -------------------------------------------------
tm send-keys -t tt h
tt_wait_for "Hosts · today" 3 || tt_fail "h again"
seed build-box one claude-haiku-4-5 1000 10
if tt_wait_for "build-box" 1; then tt_ok "another host's row is in the Hosts view within 1 s"
else tt_fail "the new host did not show within 1 s"; tt_screen; fi
tt_has "it counts as a fourth host" "$(tt_screen)" "4 hosts, 1 stale"

# ---- hostile names -------------------------------------------------------------------------
evil=$'evil\e[31m\x07\u202eemordnilap\u2066x\tname'
korean=$(python3 -c 'print("서버" * 70)')
seed "$evil" one claude-haiku-4-5 1000 10
seed "$korean" one claude-haiku-4-5 1000 10
tt_wait_for "emordnilap" 2 || tt_fail "the hostile name's row shows"
tt_wait_for "서버서버" 2 || tt_fail "the Korean name's row shows"
sleep 0.3
S=$(tt_screen)
tt_eq "80x24 hostile names: every line ends at its border" "$(widths 2 23 80)" ""
tt_hasnt "no escape reaches the screen" "$S" $'\e'
tt_hasnt "no bidi override reaches the screen" "$S" $'\u202e'
tt_has "the long Korean name is cut with an ellipsis" "$(line 서버서버)" "…"
tt_has "…and its figures are still on its line" "$(line 서버서버)" "live"
# still sorted by host, Z to A: the Korean name (UTF-8 bytes sort after
# ASCII) is first; Home, Enter filters by it
tm send-keys -t tt Home Enter
tt_wait_for "host 서버" 3 || tt_fail "Enter on the Korean host: $(tc_header)"
S=$(tt_screen)
tt_has "80x24: the header with a long host filter still shows today" "$(tc_header)" "today"
tt_has "…and live, at its right end" "$(tc_header)" "● live"
tt_eq "…and the dashboard keeps its layout" "$(widths 2 23 80)" ""
tm kill-session -t tt

# ---- more hosts than fit: paging by key ------------------------------------------------------
for i in $(seq -w 1 25); do seed "fleet-$i" at claude-haiku-4-5 $((2000 + 10#$i)) 1; done
tt_console many 80x24 "$TT"
tm send-keys -t many h
tt_wait_for "Hosts · today" 3 many || tt_die "h with 31 hosts"
tm send-keys -t many s s s s        # by host, A to Z: build-box, evil…, fleet-01…25, laptop, web-01, web-02, 서버…
sleep 0.3
tt_has "31 hosts" "$(tt_screen many)" "31 hosts, 1 stale"
S=$(tt_screen many)
tt_has "the cursor (on web-02, first by spend) kept its host in view" "$S" "web-02"
tt_hasnt "…so the first by name scrolled away: not all 31 fit" "$S" "build-box"
tm send-keys -t many End
sleep 0.3
tt_has "End: the last host in view" "$(tt_screen many)" "서버서버"
tm send-keys -t many PgUp Enter        # 17 rows up (a page less one) from row 30: row 13
tt_wait_for "host fleet-12" 3 many && tt_ok "PgUp from End: fleet-12, filtered by Enter" ||
	tt_fail "PgUp: $(tc_header many)"
tm send-keys -t many h
tt_wait_for "Hosts · today" 3 many || tt_fail "h again"
tm send-keys -t many Home PgDn Enter   # row 17
tt_wait_for "host fleet-16" 3 many && tt_ok "Home, PgDn: fleet-16" || tt_fail "PgDn: $(tc_header many)"
tm send-keys -t many h
tt_wait_for "Hosts · today" 3 many || tt_fail "h again"
tm send-keys -t many k k Enter         # the cursor stayed on fleet-16
tt_wait_for "host fleet-14" 3 many && tt_ok "k k: fleet-14" || tt_fail "k: $(tc_header many)"
tm kill-session -t many

# ---- 200×60 ----------------------------------------------------------------------------------
tt_console big 200x60 "$TT"
tm send-keys -t big h
tt_wait_for "Hosts · today" 3 big || tt_die "h at 200x60"
sleep 0.3
S=$(tt_screen big)
tt_has "200x60: an age column" "$S" "ago"
tt_has "200x60: web-02's share bar" "$(line web-02)" "█"
tt_has "200x60: web-01 with its spend" "$(line web-01)" "$w1"
tt_has "200x60: laptop STALE" "$(line laptop)" "STALE"
tt_eq "200x60: every line of the box ends at its border" "$(widths 2 59 200)" ""
# the mouse: a heading sorts by it, a row is selected by a click and
# filtered by a second one
tt_click 3 2 big                          # "host": A to Z
sleep 0.3
tt_has "200x60: a click on host sorts by name" \
	"$(tt_screen big | sed -n 4p)" "build-box"
tt_click 10 3 big
sleep 0.2
tt_click 10 3 big
tt_wait_for "host build-box" 3 big && tt_ok "200x60: a second click on the row filters by its host" ||
	tt_fail "200x60: click filter: $(tc_header big)"
tm send-keys -t big Escape
tc_wait_gone "host build-box" 3 big || tt_fail "Esc clears it"
tm send-keys -t big F1
tt_wait_for "Everywhere" 2 big || tt_fail "help"
tm send-keys -t big / && tm send-keys -t big -l "hosts" && tm send-keys -t big Enter
sleep 0.4
tt_has "the help lists h" "$(tt_screen big)" "hosts: today per host, live/stale"
tm send-keys -t big q

# ---- PostgreSQL: another host's commit is in the Hosts view within 1 s ---------------------
. "$ROOT/tests/lib/pg.sh"
if ! pg_bindir >/dev/null; then
	echo "skip PostgreSQL: no /usr/lib/postgresql/*/bin/initdb"
	tt_done
fi
if [ -z "${PG_URI:-}" ]; then       # run alone: a server of its own
	pg_start || tt_die "no PostgreSQL server"
	trap 'rc=$?; pg_stop; (exit $rc); tt__cleanup' EXIT
fi
URI=$(pg_newdb "tt_hosts_$$") || tt_die "cannot make a database"
TOKENTOP_HOST=pg-alpha "$T/seed_db" "$URI" at claude-haiku-4-5 1000 3 >/dev/null || tt_die "seed pg"
tt_console pg 80x24 "$B/tokentop --db $URI"
tm send-keys -t pg h
tt_wait_for "pg-alpha" 3 pg || tt_fail "PostgreSQL: the Hosts view: $(tt_screen pg)"
TOKENTOP_HOST=pg-beta "$T/seed_db" "$URI" one claude-haiku-4-5 1000 10 >/dev/null || tt_die "seed pg"
if tt_wait_for "pg-beta" 1 pg; then tt_ok "PostgreSQL: another host's row is in the Hosts view within 1 s"
else tt_fail "PostgreSQL: the new host did not show within 1 s"; tt_screen pg; fi
tt_has "PostgreSQL: two hosts" "$(tt_screen pg)" "2 hosts, 0 stale"
tm send-keys -t pg q
tt_done
