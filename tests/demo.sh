#!/usr/bin/env bash
# demo.sh — `tokentop demo` end to end in tmux: the console shows the seeded
# spend, the traffic generator adds rows to the demo ledger, and q stops
# everything the demo started (no process of its group left, temp dir gone).
set -u
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_tmux
TT=$B/tokentop
# a failure shows the demo's screen
fail() { tt_screen demo 2>/dev/null | sed 's/^/  | /'; tt_die "$*"; }

[ -x "$TT" ] && [ -x "$B/fakeapi" ] || fail "build $TT and $B/fakeapi first"

# --help works without starting anything
"$TT" demo --help | grep -q -- "--keep" || fail "demo --help"
"$TT" demo --bogus >/dev/null 2>&1
[ $? = 2 ] || fail "demo --bogus should exit 2"

tm new-session -d -s demo -x 120 -y 40 "exec env LANG=C.UTF-8 '$TT' demo" ||
	fail "tmux"
pid=$(tm list-panes -t demo -F '#{pane_pid}')

# the dashboard with the seeded history: today's and the month's spend
for i in $(seq 1 300); do
	tt_screen demo 2>/dev/null | grep -q 'month \$[0-9]' && break
	sleep 0.1
done
tt_screen demo | grep -q 'month \$[0-9]' || fail "no month spend on the dashboard"
tt_screen demo | grep -q 'Daily spend' || fail "no daily spend pane"

# the ledger lives in the demo's temp dir (shown in the key bar)
db=$(tt_screen demo | grep -o '/tmp/tokentop-demo\.[A-Za-z0-9]*/usage\.db' | head -n 1)
[ -n "$db" ] || fail "no ledger path on screen"
dir=$(dirname "$db")
seeded=$(sqlite3 -readonly "$db" "SELECT count(*) FROM usage WHERE message_id LIKE 'msg_synth%'")
[ "$seeded" -gt 1000 ] || fail "history not seeded ($seeded rows)"
unpriced=$(sqlite3 -readonly "$db" "SELECT count(DISTINCT model) FROM usage WHERE model LIKE 'claude-nova%'")
[ "$unpriced" = 1 ] || fail "no unpriced model in the history"

# the traffic generator adds calls (with cache reads) within seconds
live=0
for i in $(seq 1 120); do
	live=$(sqlite3 -readonly "$db" "SELECT count(*) FROM usage WHERE source = 'call'
	    AND message_id NOT LIKE 'msg_synth%'" 2>/dev/null || echo 0)
	[ "${live:-0}" -ge 2 ] && break
	sleep 0.5
done
[ "${live:-0}" -ge 2 ] || fail "traffic added no calls ($live)"
reads=$(sqlite3 -readonly "$db" "SELECT count(*) FROM usage WHERE source = 'call'
    AND message_id NOT LIKE 'msg_synth%' AND cache_read > 0")
[ "$reads" -ge 1 ] || fail "no cache read among the live calls"
# the seeded batches ran as real ones do: never longer than the 24 h window
# (issue 11, defect 8)
odd=$(sqlite3 -readonly "$db" "SELECT count(*) FROM batch WHERE id LIKE '%synth%'
    AND (ended_ms < created_ms OR ended_ms - created_ms > 86400000)")
[ "$odd" = 0 ] || fail "$odd seeded batch(es) with an impossible elapsed time"
subm=$(sqlite3 -readonly "$db" "SELECT count(*) FROM batch WHERE id NOT LIKE '%synth%'")
[ "$subm" -ge 1 ] || fail "no batch submitted by the traffic"
# every file the demo made (config, documents, batch files, logs, results) is private
open=$(find "$dir" -perm /077 -printf '%m %p\n')
[ -z "$open" ] || fail "demo files others can read: $open"

# what the demo started, before quitting
pgid=$(ps -o pgid= --ppid "$pid" | awk '$1 != '"$pid"' { print $1; exit }')
[ -n "$pgid" ] || fail "no child process group"

tm send-keys -t demo q
for i in $(seq 1 60); do
	kill -0 "$pid" 2>/dev/null || break
	[ "$i" = 20 ] && tm send-keys -t demo y 2>/dev/null  # a confirmation, if asked
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "demo still running after q"
sleep 0.3
left=$(ps -e -o pid=,pgid=,args= | awk -v g="$pgid" '$2 == g')
[ -z "$left" ] || fail "processes left in the demo's group: $left"
[ ! -e "$dir" ] || fail "temp dir $dir not removed"
tt_ok "demo seeded $seeded rows, traffic added $live calls ($reads cache reads), $subm batch(es); q left nothing"
tt_done
