# common.sh — the start-up every shell test shares. Source it first thing:
#
#	set -u                                   # or: set -euo pipefail
#	. "$(dirname "$0")/lib/common.sh"        # tests/screen/*.sh: /../lib/common.sh
#	tt_tmpdir                                # $T; private HOME, XDG dirs, no ANTHROPIC_*
#	tt_start_fakeapi main --time-scale 0     # the API double: $FK_URL, $FK_PORT, $FK_PID
#	tt_eq "answer" "$got" "$want"            # an "ok"/"FAIL" line, counted
#	tt_done                                  # the summary line; exit 1 if anything failed
#
# Sourcing it moves to the repository root and sets ROOT (that root), B (the
# build directory, absolute: $TOKENTOP_BUILD or build) and TT_NAME (the
# script's file name). One EXIT trap kills what the helpers started (the
# doubles, anything passed to tt_track, the private tmux server), removes $T
# and turns an exit 0 after a counted failure into exit 1.
#
# The contract with tests/run.sh: a script passes if and only if it exits 0
# (its output is shown only when it fails). So a failure must end in a
# non-zero exit: tt_die exits at once; tt_fail (and a failed tt_eq, tt_has or
# tt_hasnt) counts and returns 1, which stops a `set -e` script
# right there, and otherwise is turned into exit 1 by tt_done.

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ROOT=$PWD
B=${TOKENTOP_BUILD:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
TT_NAME=$(basename "$0")
TT_PASS=0
TT_FAILS=0
TT_PIDS=()
TT_SOCK=
TT_SANLOG=
T=

# ---- checks --------------------------------------------------------------------

# tt_ok MESSAGE: one passed check.
tt_ok() { echo "ok   $*"; TT_PASS=$((TT_PASS + 1)); }

# tt_fail MESSAGE: one failed check; the script goes on (unless set -e).
tt_fail() { echo "FAIL $*"; TT_FAILS=$((TT_FAILS + 1)); return 1; }

# tt_die MESSAGE: a failure after which nothing else is worth checking.
tt_die() { echo "FAIL $*"; exit 1; }

# tt_eq NAME GOT WANT: GOT is WANT, to the letter.
tt_eq() { if [ "$2" = "$3" ]; then tt_ok "$1"; else tt_fail "$1: got '$2', want '$3'"; fi; }

# tt_has NAME TEXT NEEDLE / tt_hasnt NAME TEXT NEEDLE: NEEDLE is (is not) in TEXT.
tt_has() {
	case "$2" in *"$3"*) tt_ok "$1" ;; *) tt_fail "$1: want '$3' in: ${2:0:600}" ;; esac
}
tt_hasnt() {
	case "$2" in *"$3"*) tt_fail "$1: did not want '$3' in: ${2:0:600}" ;; *) tt_ok "$1" ;; esac
}

# tt_done: fails on any sanitizer report left in $T (see tt_tmux), prints
# "NAME: P passed, F failed" (or "NAME: ok" for a script that only uses
# tt_die) and exits 1 if anything failed, else 0. The script's last line.
tt_done() {
	local f
	if [ -n "$TT_SANLOG" ]; then
		for f in "$T"/san.*; do
			[ -f "$f" ] || continue
			tt_fail "sanitizer report $(basename "$f")" || :
			head -20 "$f"
		done
	fi
	echo
	if [ $((TT_PASS + TT_FAILS)) -eq 0 ]; then
		echo "$TT_NAME: ok"
	else
		echo "$TT_NAME: $TT_PASS passed, $TT_FAILS failed"
	fi
	[ "$TT_FAILS" -eq 0 ] || exit 1
	exit 0
}

# tt_need COMMAND...: skip the whole test (exit 0) where a tool is missing.
tt_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "SKIP: $c not installed"; exit 0; }
	done
}

# tt_no_override: sets NOPRIV to a command prefix under which file modes bind
# (a mode-000 file cannot be read, a read-only folder not written): for root,
# setpriv taking away CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH; for anyone
# else, env. Returns 1 (NOPRIV empty) where that cannot be done. Needs $T.
tt_no_override() {
	local drop="setpriv --inh-caps=-dac_override,-dac_read_search --bounding-set=-dac_override,-dac_read_search"
	NOPRIV=
	if [ "$(id -u)" != 0 ]; then NOPRIV=env; return 0; fi
	command -v setpriv >/dev/null || return 1
	echo x >"$T/.probe" && chmod 000 "$T/.probe"
	if $drop true 2>/dev/null && ! $drop cat "$T/.probe" >/dev/null 2>&1; then NOPRIV=$drop; fi
	rm -f "$T/.probe"
	[ -n "$NOPRIV" ]
}

# ---- the environment -------------------------------------------------------------

# tt_noon: a fixed-offset zone in which the local time is between 11:30 and
# 12:30, whatever time the test starts, so that rows stamped minutes or hours
# ahead (the test double's batches end on its fast virtual clock) are still
# today: a test of "today's" spend run at 23:30 UTC failed otherwise.
tt_noon() {
	local h
	h=$(date -u +%H)
	h=$((10#$h))
	# POSIX TZ: "TST-9" is UTC+9
	if [ $((h - 12)) -lt 0 ]; then export TZ="TST$((h - 12))"; else export TZ="TST+$((h - 12))"; fi
}

# tt_tmpdir: a new temp dir $T, removed at exit, and an environment that
# reads nothing of the caller's: HOME=$T/home, XDG_CONFIG_HOME=$T/config,
# XDG_DATA_HOME=$T/data, the repository's share/, and no ANTHROPIC_*, OPENAI_*,
# TOKENTOP_DB, NO_COLOR or CLAUDE_CONFIG_DIR. A test sets what it needs after.
tt_tmpdir() {
	T=$(mktemp -d) || tt_die "mktemp"
	export HOME=$T/home XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data
	export TOKENTOP_DATADIR=$ROOT/share
	mkdir -p "$HOME"
	# shellcheck disable=SC2046
	unset $(compgen -v ANTHROPIC_) $(compgen -v OPENAI_) TOKENTOP_DB NO_COLOR CLAUDE_CONFIG_DIR
}

# tt_track PID: kill PID, a background job of this shell, at exit (unless
# the script has waited for it already).
tt_track() { TT_PIDS+=("$1"); }

# tt_wait_file FILE [REGEX]: wait up to 5 s until FILE has a line matching
# REGEX (default: until it is not empty); 1 if it never does.
tt_wait_file() {
	local i
	for ((i = 0; i < 100; i++)); do
		if [ $# -gt 1 ]; then grep -q -- "$2" "$1" 2>/dev/null && return 0
		else [ -s "$1" ] && return 0; fi
		sleep 0.05
	done
	return 1
}

# tt_start_fakeapi NAME [ARGS...]: the API double (tests/fakeapi) on a free
# loopback port with ARGS; its stdout and stderr go to $T/fk.NAME.out/.err.
# Sets FK_PID, FK_PORT and FK_URL (http://127.0.0.1:PORT); dies if it does
# not say its port within 5 s. Several may run at once; all stop at exit.
tt_start_fakeapi() {
	local name=$1
	shift
	"$B/fakeapi" --port 0 "$@" >"$T/fk.$name.out" 2>"$T/fk.$name.err" &
	FK_PID=$!
	tt_track "$FK_PID"
	tt_wait_file "$T/fk.$name.out" '^port [0-9]' ||
		tt_die "the double ($name) did not start: $(cat "$T/fk.$name.err")"
	FK_PORT=$(sed -n 's/^port //p' "$T/fk.$name.out")
	FK_URL=http://127.0.0.1:$FK_PORT
}

# ---- the recording proxy -------------------------------------------------------------

# tt_start_proxy ARGS...: `tokentop ARGS` in the background (ARGS name the
# ledger and the command: --db D proxy --listen 127.0.0.1:0 --upstream U
# ...), stdout to $T/pport, stderr to $T/perr. Once it printed "listening
# on 127.0.0.1:PORT", sets PROXY_PID, PROXY_PORT and PROXY
# (http://127.0.0.1:PORT); dies if it does not within 5 s. TT_ULIMIT_N=N
# runs it under `ulimit -n N`.
tt_start_proxy() {
	: >"$T/pport"
	if [ -n "${TT_ULIMIT_N:-}" ]; then
		(ulimit -n "$TT_ULIMIT_N"; exec "$B/tokentop" "$@" >"$T/pport" 2>"$T/perr") &
	else
		"$B/tokentop" "$@" >"$T/pport" 2>"$T/perr" &
	fi
	PROXY_PID=$!
	tt_track "$PROXY_PID"
	tt_wait_file "$T/pport" || :
	PROXY_PORT=$(sed -nE '1s/^listening on 127\.0\.0\.1:([0-9]+)$/\1/p' "$T/pport")
	[ -n "$PROXY_PORT" ] || tt_die "the proxy did not start: $(cat "$T/pport" "$T/perr")"
	PROXY=http://127.0.0.1:$PROXY_PORT
}

# tt_stop_proxy: SIGTERM to the proxy; dies unless it exits 0.
tt_stop_proxy() {
	kill -TERM "$PROXY_PID"
	wait "$PROXY_PID" || tt_die "proxy exit status $? on SIGTERM: $(cat "$T/perr")"
	PROXY_PID=
}

# ---- the console in tmux -----------------------------------------------------------

# tt_tmux: a private tmux server (no user config), killed at exit; a UTF-8
# locale and UTC; sanitizer reports go to $T/san.* (the console's stderr is
# not seen under tmux) and tt_done fails on any. Needs tt_tmpdir first.
tt_tmux() {
	TT_SOCK=tt$$
	TT_SANLOG=1
	export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC
	export ASAN_OPTIONS="log_path=$T/san:${ASAN_OPTIONS:-}"
	export UBSAN_OPTIONS="log_path=$T/san:${UBSAN_OPTIONS:-}"
}

# tm ARGS...: tmux on the private server.
tm() { tmux -L "$TT_SOCK" -f /dev/null "$@"; }

# tt_screen [SESSION]: what the session (default tt) shows now.
tt_screen() { tm capture-pane -p -t "${1:-tt}"; }

# tt_wait_for TEXT [SECONDS [SESSION]]: poll the screen (default 5 s) until it
# shows TEXT; 1 if it never does.
tt_wait_for() {
	local i n=$(( ${2:-5} * 10 ))
	for ((i = 0; i < n; i++)); do
		tt_screen "${3:-tt}" | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# tt_console SESSION COLSxROWS COMMAND: COMMAND (the console) in a new tmux
# session started in $T; dies with the screen shown unless it says "live"
# within 5 s. The console's stderr goes to $T/console.SESSION.err and its
# exit status to $T/console.SESSION.rc (a console that exits takes its
# session, and what it said, with it): tt_die shows both.
tt_console() {
	local err="$T/console.$1.err" rc="$T/console.$1.rc"
	local i
	rm -f "$rc"
	# A tmux server exits with its last session; a new-session sent while it
	# does fails ("server exited unexpectedly"), as one right after a quit or
	# a kill-session did now and then under load: it is tried again. (A server
	# kept up with no session would give later consoles the environment of
	# its start, not the test's of now.)
	for ((i = 0; i < 5; i++)); do
		tm new-session -d -s "$1" -x "${2%x*}" -y "${2#*x}" -c "$T" \
			"$3 2>'$err'; echo \$? >'$rc'" && break
		sleep 0.2
	done
	for ((i = 0; i < 50; i++)); do
		tt_screen "$1" 2>/dev/null | grep -qF live && return 0
		[ -f "$rc" ] && break
		sleep 0.1
	done
	tt_screen "$1" 2>/dev/null
	[ -s "$err" ] && sed 's/^/  console: /' "$err" >&2
	[ -f "$rc" ] && tt_die "the console exited with status $(cat "$rc") before it drew"
	tt_die "the console did not start"
}

# tt_seed_db: builds $T/seed_db (tests/screen/seed_db.c: rows and batches
# written through data/store.h like any tokentop process); dies if it cannot.
tt_seed_db() {
	# shellcheck disable=SC2046
	cc -I. -D_GNU_SOURCE -std=c11 -O1 ${SEED_CFLAGS:-} -o "$T/seed_db" tests/screen/seed_db.c \
		"$B/libtokentop.a" $(pkg-config --libs ncursesw libcurl jansson sqlite3 libpq) -lm ||
		tt_die "cannot build seed_db"
}

# tt_click COL ROW [SESSION]: a left click (press and release) at the cell
# COL, ROW (from 0, 0 at the top left), as a terminal reports it in X10
# mouse mode (tmux's TERM: kmous=\E[M). send-keys -M needs a real mouse,
# so the bytes are written into the pane; -H carries columns past 94.
tt_click() {
	local x y
	x=$(printf '%x' $(($1 + 33)))
	y=$(printf '%x' $(($2 + 33)))
	tm send-keys -t "${3:-tt}" -H 1b 5b 4d 20 "$x" "$y" 1b 5b 4d 23 "$x" "$y"
}

# tt_wheel up|down COL ROW [SESSION]: one notch of the wheel over a cell.
tt_wheel() {
	local b=60
	[ "$1" = down ] && b=61
	tm send-keys -t "${4:-tt}" -H 1b 5b 4d "$b" "$(printf '%x' $(($2 + 33)))" "$(printf '%x' $(($3 + 33)))"
}

# ---- exit ------------------------------------------------------------------------------

tt__cleanup() {
	local rc=$? p live
	set +e
	[ -n "$TT_SOCK" ] && tm kill-server >/dev/null 2>&1
	live=" $(jobs -p | tr '\n' ' ') "
	for p in "${TT_PIDS[@]}"; do    # only those not reaped yet: a reaped id may be reused
		case $live in *" $p "*) kill "$p" 2>/dev/null; wait "$p" 2>/dev/null ;; esac
	done
	[ -n "$T" ] && rm -rf "$T"
	[ "$TT_FAILS" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1    # counted failures never exit 0
	exit "$rc"
}
trap tt__cleanup EXIT
