#!/usr/bin/env bash
# startup.sh — tokentop starts without libcurl, libmicrohttpd, libpq (issue 12:
# a re-import's cost was mostly the dynamic loader mapping the ~30 libraries
# under them): import, report, status and --version load none; `call` and
# `proxy` load each when first used (core/netlib.c), a PostgreSQL ledger
# libpq (data/pglib.c), and work. Which files the loader maps is glibc's
# own account (LD_DEBUG=files).
set -u
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
DB=$T/ledger.db

# the libraries the dynamic loader mapped for one run: their file names
loaded() { LD_DEBUG=files "$B/tokentop" "$@" 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\).*/\1/p' | sort -u; }

mkdir -p "$T/proj/p"
printf '%s\n' '{"type":"assistant","timestamp":"2026-03-01T10:00:00Z","requestId":"req_1","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":5}}}' \
	>"$T/proj/p/s.jsonl"
for cmd in "--version" "--db $DB import --format claude-code $T/proj" "--db $DB report daily --json"; do
	# shellcheck disable=SC2086
	libs=$(loaded $cmd)
	tt_has "the loader's account for '$cmd'" "$libs" "libsqlite3"
	tt_hasnt "'$cmd' starts without libcurl" "$libs" "libcurl"
	tt_hasnt "'$cmd' starts without libmicrohttpd" "$libs" "libmicrohttpd"
	tt_hasnt "'$cmd' starts without libpq" "$libs" "libpq"
done
libs=$(loaded --db "$DB" status --json)
tt_hasnt "status on a SQLite ledger starts without libpq" "$libs" "libpq"

# a PostgreSQL ledger loads libpq when it is opened (here: a port where no
# server listens, so the open fails as libpq reports it)
libs=$(loaded --db "postgresql://tt@127.0.0.1:1/none?connect_timeout=2" report daily)
tt_has "a PostgreSQL URI loads libpq" "$libs" "libpq"
"$B/tokentop" --db "postgresql://tt@127.0.0.1:1/none?connect_timeout=2" report daily \
	>/dev/null 2>"$T/pg.err"
tt_has "libpq's own message" "$(cat "$T/pg.err")" "127.0.0.1"

tt_eq "the import's row is reported" "$("$B/tokentop" --db "$DB" report daily --json | jq '.totals.requests')" 1

# a command that calls the API loads libcurl when it does, and works
tt_start_fakeapi main
export ANTHROPIC_BASE_URL=$FK_URL ANTHROPIC_API_KEY=sk-ant-test
libs=$(loaded --db "$DB" call "hello")
tt_has "call loads libcurl on first use" "$libs" "libcurl"
tt_hasnt "call does not load libmicrohttpd" "$libs" "libmicrohttpd"
tt_eq "the call is in the ledger" "$("$B/tokentop" --db "$DB" report daily --json | jq '.totals.requests')" 2

tt_done
