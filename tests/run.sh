#!/usr/bin/env bash
# run.sh — runs every test: the cmocka programs of each build directory given
# (plain, then sanitized), then the shell integration and screen tests
# (tests/*.sh, tests/screen/*.sh) against the first build. Prints one
# closing line "N passed, N failed" and exits non-zero on any failure.
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

run() {  # name, command...
	local name=$1; shift
	local log
	log=$(mktemp)
	if "$@" >"$log" 2>&1; then
		pass=$((pass + 1))
		echo "ok   $name"
	else
		fail=$((fail + 1))
		failed+=("$name")
		echo "FAIL $name"
		sed 's/^/     /' "$log" | tail -40
	fi
	rm -f "$log"
}

for b in "$@"; do
	for t in "$b"/tests/test_*; do
		[ -x "$t" ] || continue
		run "$t" env TOKENTOP_BUILD="$b" "$t"
	done
done
first=${1:-build}
for s in tests/*.sh tests/screen/*.sh; do
	[ -f "$s" ] || continue
	[ "$(basename "$s")" = run.sh ] && continue
	run "$s" env TOKENTOP_BUILD="$first" bash "$s"
done
echo
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
