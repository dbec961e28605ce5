#!/usr/bin/env bash
# pg_outage.sh — nothing lost while the PostgreSQL server is away. A proxy
# on a PostgreSQL ledger relays traffic (streaming and not) while the server
# is killed with kill -9 and started again: every client request succeeds,
# the rows written meanwhile wait in the spool (0600), and once the server
# is back the proxy puts them in, in order: every billed response is in the
# ledger exactly once and the rollups equal the raw rows. With the server
# gone, `call` and `batch watch` spool their rows and exit 0, the console
# says "ledger unreachable since HH:MM, N rows spooled" and puts them in
# when the server is back, and `import` fails with exit 1, writing nothing.
# Runs a server of its own (it is killed): never the run's shared one.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$ROOT/tests/lib/pg.sh"
tt_need python3 jq curl tmux
tt_tmpdir
tt_tmux
# commits acknowledged must survive the kill (the run's server does not
# wait for its log: a test server)
PG_EXTRA_OPTS="-c synchronous_commit=on" pg_start || tt_die "no PostgreSQL server (make deps installs postgresql)"
trap 'rc=$?; pg_stop; (exit $rc); tt__cleanup' EXIT
TT=$B/tokentop
DB=$(pg_newdb "tt_outage") || tt_die "cannot make a database"
psqlq() { pg_psql -d tt_outage -At -c "$1"; }
export XDG_STATE_HOME=$T/state HOME=$T/home XDG_DATA_HOME=$T/data XDG_CONFIG_HOME=$T/config
SPOOL=$XDG_STATE_HOME/tokentop/spool.db

# kill -9 of the postmaster; its backends see it gone and exit
server_kill() {
	local pid kids k
	pid=$(head -1 "$PG_DIR/data/postmaster.pid")
	kids=$(pgrep -P "$pid")
	kill -9 "$pid"
	for k in $pid $kids; do
		for _ in $(seq 200); do kill -0 "$k" 2>/dev/null || break; sleep 0.05; done
	done
	rm -f "$PG_DIR/data/postmaster.pid"     # stale: its processes are gone
}
server_start() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
	    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_SOCK -c fsync=off" start \
	    >/dev/null 2>&1 || tt_die "the server did not start again: $(tail -3 "$PG_DIR/server.log")"
}

tt_start_fakeapi main --stream-delay-ms 1 --time-scale 1000 --batch-seconds 60
tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$FK_URL"
H=(-H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json')
send() {  # i: one request (every third streaming); its HTTP status on stdout
	local stream=
	[ $(($1 % 3)) = 0 ] && stream=',"stream":true'
	curl -sS -N -o "$T/r$1" -w '%{http_code}' "${H[@]}" "$PROXY/v1/messages" -d \
	    "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":32,\"messages\":[{\"role\":\"user\",\"content\":\"question $1\"}]$stream}"
}
N=90
bad=0
for i in $(seq 1 $N); do
	code=$(send "$i")
	[ "$code" = 200 ] || bad=$((bad + 1))
	[ "$i" = 30 ] && server_kill
	[ "$i" = 60 ] && server_start
done
tt_eq "every client request succeeded through the outage" "$bad" 0
tt_has "the proxy said it spooled" "$(cat "$T/perr")" "moved to the spool"
mode=$(stat -c %a "$SPOOL" 2>/dev/null)
tt_eq "the spool is private" "$mode" 600

# the proxy notices the server is back and puts the spool in (its retry
# backs off up to 5 s)
billed=$(curl -sS "$FK_URL/_fake/stats" | jq '.requests["POST /v1/messages"]')
for _ in $(seq 300); do
	[ "$(psqlq "SELECT count(*) FROM usage WHERE source = 'proxy'" 2>/dev/null)" = $N ] && break
	sleep 0.1
done
tt_stop_proxy
tt_eq "every response is in the ledger" "$(psqlq "SELECT count(*) FROM usage WHERE source = 'proxy'")" $N
tt_eq "each exactly once" "$(psqlq "SELECT count(DISTINCT message_id) FROM usage WHERE source = 'proxy'")" $N
for i in $(seq 1 $N); do grep -o 'msg_[A-Za-z0-9]*' "$T/r$i" | head -1; done | sort -u >"$T/ids"
tt_eq "the clients saw as many responses" "$(wc -l <"$T/ids")" $N
psqlq "SELECT message_id FROM usage WHERE source = 'proxy' ORDER BY 1" | sort >"$T/rows"
tt_eq "every client's response is one row" "$(comm -3 "$T/ids" "$T/rows")" ""
tt_eq "as many as the API answered" "$billed" $N
raw=$(psqlq "SELECT count(*) || ' ' || sum(input) || ' ' || sum(output) FROM usage")
rolled=$("$TT" --db "$DB" report --json | jq -r '.totals | "\(.requests) \(.input_tokens) \(.output_tokens)"')
tt_eq "the rollups equal the raw rows" "$rolled" "$raw"
tt_eq "the spool holds nothing for it" "$(sqlite3 "$SPOOL" 'SELECT count(*) FROM row')" 0
tt_has "the proxy's exit counts" "$(cat "$T/perr")" "$N recorded, 0 spooled, 0 failed"
tt_hasnt "no password in anything the proxy said" "$(cat "$T/perr")" "$PG_PASSWORD"

# ---- the server away again: what was paid for is spooled; import exits 1 ----
# call waits for its answer, and batch watch for a batch's results, while
# the server goes: their rows go to the spool (exit 0, said; the console
# says since when and how many), and the first process to see the server
# back (here the console) puts them in; an import with the server away
# fails with exit 1, writing nothing
export ANTHROPIC_BASE_URL=$FK_URL ANTHROPIC_API_KEY=sk-ant-test
python3 "$ROOT/tests/lib/gen_tx.py" "$T/tx" 2 20
for i in $(seq 20); do echo "{\"custom_id\":\"q$i\",\"prompt\":\"question $i\"}"; done >"$T/jobs.jsonl"
out=$("$TT" --db "$DB" batch submit "$T/jobs.jsonl" --model claude-haiku-4-5 --tag away 2>&1) ||
	tt_die "batch submit: $out"
ID=$(grep -o 'msgbatch_[A-Za-z0-9]*' <<<"$out" | head -1)
# (its own batch follower kept off the API: the watch is the one to ingest)
tt_console tt 160x40 "env ANTHROPIC_BASE_URL=http://127.0.0.1:1 $TT --db $DB"
count() { curl -sS "$FK_URL/_fake/stats" | jq --arg k "$1" '.requests[$k] // 0'; }
curl -sS "$FK_URL/_fake/faults" -d '{"faults":[{"path":"/v1/messages","method":"POST","delay_ms":1500},
    {"path":"/v1/messages/batches/'"$ID"'/results","delay_ms":1500}]}' >/dev/null
"$TT" --db "$DB" call --tag away "asked while the server goes away" >"$T/c1.out" 2>"$T/c1.err" &
cpid=$!
"$TT" --db "$DB" batch watch --interval 0.2 >"$T/w.out" 2>"$T/w.err" &
wpid=$!
for _ in $(seq 200); do
	[ "$(count "POST /v1/messages")" -gt 0 ] &&
		[ "$(count "GET /v1/messages/batches/$ID/results")" -gt 0 ] && break
	sleep 0.05
done
server_kill
out=$("$TT" --db "$DB" import --json "$T/tx/projects" 2>&1)
tt_eq "import with the server away exits 1" "$?" 1
tt_has "saying why" "$out" "Connection refused"
tt_hasnt "without the password" "$out" "$PG_PASSWORD"
wait $cpid
tt_eq "call with the server gone exits 0: its row is kept" "$?" 0
tt_has "saying where" "$(cat "$T/c1.err")" "waits in the spool"
tt_hasnt "without the password" "$(cat "$T/c1.err")" "$PG_PASSWORD"
tt_has "the answer is shown" "$(cat "$T/c1.out")" "echo: asked while"
wait $wpid
tt_eq "batch watch with the server gone exits 0: its rows are kept" "$?" 0
tt_has "saying where" "$(cat "$T/w.err")" "20 row(s) wait in the spool"
tt_wait_for "rows spooled" 5 || :
tt_has "the console says where it stands" "$(tt_screen)" "ledger unreachable since $(date +%H:)"
tt_has "with the rows spooled" "$(tt_screen)" "rows spooled"
server_start
tt_wait_for "ledger reachable again" 15 || :
tt_has "the console noticed first and put the spool in" "$(tt_screen)" \
    "ledger reachable again; 2"      # the call's, the 20 results, the batch's statuses
tm send-keys -t tt q
tt_eq "import wrote nothing" "$(psqlq "SELECT count(*) FROM usage WHERE source = 'import'")" 0
"$TT" --db "$DB" call --tag after "and now" >/dev/null 2>"$T/c2.err" || tt_fail "call: $(cat "$T/c2.err")"
tt_hasnt "leaving the next command nothing to put in" "$(cat "$T/c2.err")" "spooled row"
tt_eq "the call once" "$(psqlq "SELECT count(*) FROM usage WHERE tag = 'away' AND source = 'call'")" 1
tt_eq "the batch's rows once" "$(psqlq "SELECT count(*) FROM usage WHERE batch_id = '$ID'")" 20
tt_eq "its results once" "$(psqlq "SELECT count(*) FROM batch_result WHERE batch_id = '$ID'")" 20
timeout 60 "$TT" --db "$DB" batch watch --interval 0.2 >/dev/null 2>&1
tt_eq "the next watch marks it ingested" "$(psqlq "SELECT ingested FROM batch WHERE id = '$ID'")" 1
tt_eq "adding nothing" "$(psqlq "SELECT count(*) FROM usage WHERE batch_id = '$ID'")" 20
tt_eq "the spool is empty" "$(sqlite3 "$SPOOL" 'SELECT count(*) FROM row')" 0
"$TT" --db "$DB" import --json "$T/tx/projects" >/dev/null 2>&1
tt_eq "the import runs again once the server is back" \
    "$(psqlq "SELECT count(*) FROM usage WHERE source = 'import'")" 40

tt_done
