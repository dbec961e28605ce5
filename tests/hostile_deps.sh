#!/usr/bin/env bash
# hostile_deps.sh — `make deps` installs every program the tests and the bench
# run (issue 10, item 17: on a minimal Debian `make test` failed in
# tests/demo.sh because `ps` was missing).
#   1. Every program of a watch list (those a minimal Debian may lack) that a
#      script calls is in the Makefile's TOOLS (PROGRAM:PACKAGE).
#   2. `make deps` with a PATH that lacks ps (and a missing zone file) names
#      procps (and tzdata) among the packages it would install.
set -u
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir

tools=$(make -s --no-print-directory print-tools) || tt_die "make print-tools"
scripts=$(ls tests/*.sh tests/screen/*.sh tests/lib/*.sh bench/*.sh .ci/run)

# 1. programs called by the scripts (as a command: at the start of a command,
#    after a pipe, $( , && , || , ! , or named to tt_need / command -v)
watch="ps pgrep pkill tmux curl jq python3 socat sqlite3 timeout setsid setpriv unshare
mount runuser script ip ss nc lsof strace perf taskset bc xxd file stat find xargs awk
sed md5sum mkfifo cmp clang"
for p in $watch; do
	re="(^|[;&|(!]|\\\$\\(|\\b(then|do|if|else|exec|time|env|tt_need( [a-z0-9]+)*|command -v)) *$p( |\$|;|\\))"
	used=$(grep -lE -- "$re" $scripts 2>/dev/null | tr '\n' ' ')
	[ -n "$used" ] || continue
	case "
$tools
" in
	*"
$p:"*) tt_ok "$p (used by $used) is in TOOLS" ;;
	*) tt_fail "$p is used by $used but not in the Makefile's TOOLS" ;;
	esac
done
# the tests' time zones come from tzdata; /usr/bin/time from time
grep -qE 'TZ=[A-Z][a-z]+/' tests/*.sh && {
	case "$tools" in *":tzdata"*) tt_ok "tzdata in TOOLS" ;; *) tt_fail "tests use TZ=Area/City: tzdata not in TOOLS" ;; esac
}

# 1b. every pkg-config module the build asks for comes from a Debian package
#     that LIBDEBS installs (libsimdjson-dev was once dropped from the list: a
#     fresh machine then built without any package's flags)
pk=$(make -s --no-print-directory print-pkgs) || tt_die "make print-pkgs"
mods=$(echo "$pk" | sed -n 1p); libdebs=" $(echo "$pk" | sed -n 2p) "
for m in $mods; do
	pc="$(pkg-config --variable=pcfiledir "$m" 2>/dev/null)/$m.pc"
	deb=$(dpkg -S "$pc" 2>/dev/null | sed -n '1s/:.*//p')
	[ -n "$deb" ] || deb=$(dpkg -S "$(readlink -f "$pc")" 2>/dev/null | sed -n '1s/:.*//p')
	if [ -z "$deb" ]; then tt_fail "pkg-config module $m: no Debian package owns $pc"; continue; fi
	deb=${deb%%,*}
	case "$libdebs" in *" $deb "*) tt_ok "$m comes from $deb, which make deps installs" ;;
	*) tt_fail "pkg-config module $m comes from $deb, which is not in the Makefile's LIBDEBS" ;; esac
done

# 2. make deps on a machine without ps: procps is what it would install. The
#    PATH holds only make, what its recipe runs, and every program of TOOLS
#    but ps; the zone file is looked for where there is none.
mkdir "$T/bin"
for p in make pkg-config sort tr id printf $(echo "$tools" | sed -n 's/^\([^/][^:]*\):.*/\1/p'); do
	[ "$p" = ps ] && continue
	f=$(command -v "$p") && ln -sf "$f" "$T/bin/$p"
done
out=$(PATH=$T/bin make -s --no-print-directory deps DEPS_DRY=1 \
	TOOLS="$(echo "$tools" | sed 's|^/usr/share/zoneinfo/|/nonexistent/zoneinfo/|' | tr '\n' ' ')" 2>&1)
tt_has "deps names ps as missing" "$out" "missing: ps"
tt_has "deps would install procps" "$out" "procps"
tt_has "deps would install tzdata" "$out" "tzdata"
tt_hasnt "nothing else is missing here" "$(echo "$out" | grep missing)" "tmux"

tt_done
