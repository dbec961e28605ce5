#!/usr/bin/env bash
# run.sh — runs every test: the cmocka programs of each build directory given
# (plain, then sanitized), then the shell integration and screen tests
# (tests/*.sh, tests/screen/*.sh) against the first build, TEST_JOBS (4) at a
# time. Prints one closing line "N passed, N failed" and exits non-zero on any failure.
#
# One private PostgreSQL server serves the whole run (tests/lib/pg.sh): its
# URI is exported as TOKENTOP_TEST_PG (the store tests run on it as well as
# on SQLite; each program makes a database of its own) and PG_* (the
# PostgreSQL shell tests), and it is stopped and removed at exit, whatever
# happened. (tests/pg_outage.sh kills a server: it starts its own.)
set -u
cd "$(dirname "$0")/.."
pass=0
fail=0
failed=()
export TOKENTOP_DATADIR="$PWD/share"
# The scripts expect a UTF-8 locale (bash's $'\u…' strings, the console's
# box drawing); a fresh machine may set none. C.UTF-8 is built into glibc; a
# test that wants another locale sets LANG and LC_ALL itself.
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
*[Uu][Tt][Ff]-8* | *[Uu][Tt][Ff]8*) ;;
*) export LC_ALL=C.UTF-8 ;;
esac

# Tests run TEST_JOBS at a time (default: the cores + 2, 4 on CI's two: many
# tests wait on servers, sockets and sleeps; with cores + 1 the two cores were
# busy 65% of the run): each writes its verdict and log under $R, and is reported, with its
# seconds, as it ends.
JOBS=${TEST_JOBS:-$(( $(nproc 2>/dev/null || echo 2) + 2 ))}
R=$(mktemp -d /tmp/tokentop-run.XXXXXX)
PG_DIR=
trap 'rm -rf "$R"; [ -n "$PG_DIR" ] && pg_stop "$PG_DIR"' EXIT
trap 'exit 130' INT TERM
n=0
running=0

report() {  # the job with index $1 ended
	local i=$1 name
	name=$(cat "$R/$i.name")
	if [ "$(cat "$R/$i.rc")" = 0 ]; then
		pass=$((pass + 1))
		echo "ok   $name ($(cat "$R/$i.secs") s)"
	else
		fail=$((fail + 1))
		failed+=("$name")
		echo "FAIL $name ($(cat "$R/$i.secs") s)"
		sed 's/^/     /' "$R/$i.log" | tail -40
	fi
	rm -f "$R/$i".*
}

reap() {  # report every job that ended; with "one", wait for at least one first
	local f
	[ "${1:-}" = one ] && wait -n 2>/dev/null
	for f in "$R"/*.rc; do
		[ -f "$f" ] || continue
		report "$(basename "$f" .rc)"
		running=$((running - 1))
	done
}

run() {  # name, command...
	local name=$1 i=$n; shift
	n=$((n + 1))
	while [ "$running" -ge "$JOBS" ]; do reap one; done
	echo "$name" >"$R/$i.name"
	(
		start=$SECONDS
		"$@" >"$R/$i.log" 2>&1
		rc=$?
		echo $((SECONDS - start)) >"$R/$i.secs"
		echo "$rc" >"$R/$i.rc.tmp" && mv "$R/$i.rc.tmp" "$R/$i.rc"
	) &
	running=$((running + 1))
}

. tests/lib/pg.sh
if pg_start 2>"$R/pg.err"; then
	export TOKENTOP_TEST_PG=$PG_URI
	echo "ok   postgresql server on port $PG_PORT"
else
	fail=$((fail + 1))
	failed+=("postgresql server")
	echo "FAIL postgresql server (the PostgreSQL tests are skipped)"
	sed 's/^/     /' "$R/pg.err"
fi
rm -f "$R/pg.err"

# The first build's unit tests run on both backends. A later build's (the
# sanitizers') run the store tests on SQLite, and on PostgreSQL only those
# whose subject is the PostgreSQL driver (test_*pg*) or whose code runs on
# PostgreSQL alone (rollup_do's days from :15 and :30, db.h's do_part:
# test_rollup_days writes them, test_report_brute reads them): every store path
# runs on PostgreSQL once, every line under the sanitizers once, and the
# suite stays within its time on two cores.
for b in "$@"; do
	# ThreadSanitizer's runtime refuses some kernels' memory layouts (high
	# vm.mmap_rnd_bits): then its build is said to be skipped, not failed
	case $b in
	*tsan*)
		probe=$(ls "$b"/tests/test_* 2>/dev/null | head -1)
		if [ -n "$probe" ] && "$probe" 2>&1 | grep -q 'FATAL: ThreadSanitizer'; then
			echo "SKIP $b: the ThreadSanitizer runtime cannot start on this machine:" \
			    "$("$probe" 2>&1 | grep -m1 'FATAL: ThreadSanitizer')"
			continue
		fi ;;
	esac
	for t in "$b"/tests/test_*; do
		[ -x "$t" ] || continue
		case "$b:$(basename "$t")" in
		"${1:-build}":* | *pg* | *:test_rollup_days | *:test_report_brute)
			run "$t" env TOKENTOP_BUILD="$b" "$t" ;;
		*) run "$t" env -u TOKENTOP_TEST_PG TOKENTOP_BUILD="$b" "$t" ;;
		esac
	done
done
first=${1:-build}
for s in tests/*.sh tests/screen/*.sh; do
	[ -f "$s" ] || continue
	[ "$(basename "$s")" = run.sh ] && continue
	run "$s" env TOKENTOP_BUILD="$first" bash "$s"
done
while [ "$running" -gt 0 ]; do reap one; done
echo
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
