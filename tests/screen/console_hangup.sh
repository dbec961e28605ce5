#!/usr/bin/env bash
# console_hangup.sh — the console leaves when its terminal hangs up, even
# when SIGHUP never reaches it. The kernel tells only the session's leader;
# a leader that stays (make in `make demo`, a wrapper script: a shell that
# ignores SIGHUP here) passes nothing on, and the console then found its
# dead terminal "ready" with no key, at once, forever: one core at full
# speed until killed.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/console.sh"
tt_need tmux pgrep
tc_setup
$TT report >/dev/null || tt_die "ledger"

tm new-session -d -s hup -x 100 -y 30 -c "$T" \
	"trap '' HUP; $TT 2>'$T/hup.err'; echo \$? >'$T/hup.rc'"
tt_wait_for live 5 hup || { tt_screen hup; tt_die "the console did not start"; }
tm kill-server             # the terminal hangs up; SIGHUP goes to the shell only
for ((i = 0; i < 50; i++)); do [ -s "$T/hup.rc" ] && break; sleep 0.1; done
if [ -s "$T/hup.rc" ]; then
	tt_ok "hung up: the console left (exit $(cat "$T/hup.rc"))"
else
	tt_fail "hung up: the console is still running after 5 s"
	pkill -f "$T/usage.db"
fi
tt_done
