#!/usr/bin/env bash
# console_pg.sh — the console on a PostgreSQL ledger: it shows the ledger's
# URI with the password masked, an idle console sends nothing to the server
# (its session's last query stays the same), and a row written by another
# process (another "host": its own HOME) is on screen within a second — the
# server's notification wakes the console's one wait, no polling.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$ROOT/tests/lib/pg.sh"
tt_need tmux
tt_tmpdir
tt_tmux
if [ -z "${PG_URI:-}" ]; then       # run alone: a server of its own
	pg_start || tt_die "no PostgreSQL server (make deps installs postgresql)"
	trap 'rc=$?; pg_stop; (exit $rc); tt__cleanup' EXIT
fi
DBNAME=tt_console_$$
URI=$(pg_newdb "$DBNAME") || tt_die "cannot make a database"
# one row of model M (import of a Messages response, stamped now)
row() {
	printf '{"id":"msg_%s","type":"message","role":"assistant","model":"%s","content":[],"stop_reason":"end_turn","usage":{"input_tokens":%d,"output_tokens":9}}\n' \
	    "$1" "$2" "$3" >"$T/$1.jsonl"
	HOME=$T/other XDG_CONFIG_HOME=$T/other XDG_DATA_HOME=$T/other \
	    "$B/tokentop" --db "$URI" import --format messages "$T/$1.jsonl" >/dev/null ||
	    tt_fail "import $1"
}
row a claude-haiku-4-5 5000
tt_console tt 200x40 "$B/tokentop --db $URI"
tt_has "the key bar shows the ledger masked" "$(tt_screen)" "db postgresql://tokentop:***@"
tt_hasnt "and not its password" "$(tt_screen)" "$PG_PASSWORD"

# idle: the console's session runs nothing (away from a minute's turn, when
# the clock's figures are read again)
s=$(date +%S); s=${s#0}
[ "$s" -ge 50 ] && sleep $((62 - s))
sleep 0.5
last() {
	pg_psql -At -c "SELECT query_start FROM pg_stat_activity WHERE datname = '$DBNAME'
	    AND application_name = 'tokentop' AND backend_type = 'client backend'"
}
q1=$(last)
sleep 3
q2=$(last)
[ -n "$q1" ] && [ "$q1" = "$q2" ] && tt_ok "an idle console sent nothing for 3 s" ||
	tt_fail "the console's session ran queries while idle: '$q1' then '$q2'"

# another host writes: on screen within a second of its commit
row b claude-opus-4-6 7000
if tt_wait_for "opus-4-6" 1; then tt_ok "another host's row is on screen within 1 s"
else tt_fail "the row did not show within 1 s"; tt_screen; fi
tm send-keys -t tt q
sleep 0.3
tt_done
