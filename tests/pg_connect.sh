#!/usr/bin/env bash
# pg_connect.sh — a PostgreSQL server out of reach costs seconds, not
# minutes. A server that accepts but never answers (as a host that drops
# packets) fails a command with exit 1 and libpq's "timeout expired" within
# tokentop's connect_timeout default (3 s); a URI's own connect_timeout wins;
# a closed port fails at once. A proxy whose server goes silent mid-run
# (every connection cut, new ones never answered) keeps relaying and puts
# the rows in the spool at its first failed try, and they reach the ledger
# once the server answers again, exactly once.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$ROOT/tests/lib/pg.sh"
tt_need python3 jq curl sqlite3
tt_tmpdir
if [ -z "${PG_URI:-}" ]; then       # run alone: a server of its own
	pg_start || tt_die "no PostgreSQL server (make deps installs postgresql)"
	trap 'rc=$?; pg_stop; (exit $rc); tt__cleanup' EXIT
fi
TT=$B/tokentop
PW=$PG_PASSWORD
pg_newdb "tt_conn_$$" >/dev/null || tt_die "cannot make a database"
psqlq() { pg_psql -d "tt_conn_$$" -At -c "$1"; }
export XDG_STATE_HOME=$T/state HOME=$T/home XDG_DATA_HOME=$T/data XDG_CONFIG_HOME=$T/config
unset PGCONNECT_TIMEOUT
SPOOL=$XDG_STATE_HOME/tokentop/spool.db

# relay NAME ARGS: tests/lib/tcp_relay.py in the background; sets RPID, RPORT
relay() {
	local name=$1
	shift
	python3 "$ROOT/tests/lib/tcp_relay.py" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	RPID=$!
	tt_track "$RPID"
	tt_wait_file "$T/$name.out" '^port [0-9]' || tt_die "the relay did not start: $(cat "$T/$name.err")"
	RPORT=$(sed -n 's/^port //p' "$T/$name.out")
}
# ms: a monotonic clock in milliseconds
ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- a server that never answers: exit 1 in seconds -------------------------
relay silent --silent
SILENT=$RPORT
t0=$(ms)
out=$(timeout 20 "$TT" --db "postgresql://tokentop:$PW@127.0.0.1:$SILENT/x" report daily 2>&1); rc=$?
took=$(($(ms) - t0))
tt_eq "a server that never answers: exit 1" "$rc" 1
tt_has "with libpq's reason" "$out" "timeout expired"
tt_hasnt "not the password" "$out" "$PW"
tt_eq "within the 3 s default (took ${took} ms)" "$([ "$took" -ge 2500 ] && [ "$took" -lt 6000 ] && echo yes)" yes
t0=$(ms)
out=$(timeout 20 "$TT" --db "postgresql://tokentop:$PW@127.0.0.1:$SILENT/x?connect_timeout=5" report 2>&1); rc=$?
took=$(($(ms) - t0))
# (libpq's deadline is a whole second, time(NULL) + timeout: 5 s waits 4 to 5 s)
tt_eq "the URI's connect_timeout wins (took ${took} ms)" "$rc/$([ "$took" -ge 3900 ] && echo waited)" "1/waited"
t0=$(ms)
out=$(PGCONNECT_TIMEOUT=2 timeout 20 "$TT" --db "postgresql://tokentop:$PW@127.0.0.1:$SILENT/x" report 2>&1); rc=$?
took=$(($(ms) - t0))
tt_eq "so does PGCONNECT_TIMEOUT (took ${took} ms)" "$rc/$([ "$took" -lt 2900 ] && echo short)" "1/short"
t0=$(ms)
out=$(PGCONNECT_TIMEOUT= timeout 20 "$TT" --db "postgresql://tokentop:$PW@127.0.0.1:$SILENT/x" report 2>&1); rc=$?
took=$(($(ms) - t0))
tt_eq "an empty PGCONNECT_TIMEOUT keeps the default (took ${took} ms)" \
    "$rc/$([ "$took" -lt 6000 ] && echo short)" "1/short"
kill "$RPID"
wait "$RPID" 2>/dev/null

# a closed port: refused at once
port=$(pg_free_port)
t0=$(ms)
out=$("$TT" --db "postgresql://tokentop:$PW@127.0.0.1:$port/x" report 2>&1); rc=$?
took=$(($(ms) - t0))
tt_eq "a closed port: exit 1" "$rc" 1
tt_has "refused" "$out" "Connection refused"
tt_eq "at once (took ${took} ms)" "$([ "$took" -lt 2000 ] && echo yes)" yes

# ---- a proxy whose server goes silent: the spool at once, then the ledger -------
relay relay 127.0.0.1 "$PG_PORT"
DB="postgresql://tokentop:$PW@127.0.0.1:$RPORT/tt_conn_$$"
tt_start_fakeapi main
tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$FK_URL"
H=(-H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json')
send() {  # i: one request; its HTTP status on stdout
	curl -sS -o "$T/r$1" -w '%{http_code}' --max-time 10 "${H[@]}" "$PROXY/v1/messages" -d \
	    "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":32,\"messages\":[{\"role\":\"user\",\"content\":\"question $1\"}]}"
}
tt_eq "a request through the proxy" "$(send 1)" 200
for _ in $(seq 100); do [ "$(psqlq "SELECT count(*) FROM usage")" = 1 ] && break; sleep 0.05; done
tt_eq "its row is in the ledger" "$(psqlq "SELECT count(*) FROM usage")" 1

kill -USR1 "$RPID"            # the server out of reach
t0=$(ms)
tt_eq "the proxy relays with its server silent" "$(send 2)" 200
spooled=
for _ in $(seq 300); do
	if [ "$(sqlite3 "$SPOOL" 'SELECT count(*) FROM row' 2>/dev/null)" = 1 ]; then spooled=$(($(ms) - t0)); break; fi
	sleep 0.05
done
tt_eq "the row went to the spool within 5 s (took ${spooled:-more than 15000} ms)" \
    "$([ -n "$spooled" ] && [ "$spooled" -lt 5000 ] && echo yes)" yes
tt_eq "a second request relays too" "$(send 3)" 200

kill -USR2 "$RPID"            # back
for _ in $(seq 300); do [ "$(psqlq "SELECT count(*) FROM usage")" = 3 ] && break; sleep 0.1; done
tt_stop_proxy
tt_eq "every row reached the ledger" "$(psqlq "SELECT count(*) FROM usage")" 3
tt_eq "each once" "$(psqlq "SELECT count(DISTINCT message_id) FROM usage")" 3
tt_eq "the spool holds nothing" "$(sqlite3 "$SPOOL" 'SELECT count(*) FROM row')" 0
tt_has "the proxy said it spooled" "$(cat "$T/perr")" "moved to the spool"
tt_hasnt "no password in what it said" "$(cat "$T/perr")" "$PW"

tt_done
