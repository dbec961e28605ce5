#!/usr/bin/env bash
# fleet_proxies.sh — three `tokentop proxy` processes with different host
# names (TOKENTOP_HOST) on ONE PostgreSQL ledger, under concurrent traffic,
# streaming and not, from the API double (issue 13): every billed response
# is one row stamped with its proxy's host; per host, rollup_dh, rollup_hh,
# rollup_ds, rollup_lt and host_seen equal the raw rows; `report hosts` and
# --host agree with them and add up to the ledger's totals; the proxies
# stop cleanly. The ledger starts as one from before hosts (schema 17, with
# rows) and the three proxies start at once: it migrates once, its older
# rows one proxy's host.
set -u
. "$(dirname "$0")/lib/common.sh"
. "$ROOT/tests/lib/pg.sh"
tt_need python3 jq curl
tt_tmpdir
if [ -z "${PG_URI:-}" ]; then       # run alone: a server of its own
	pg_start || tt_die "no PostgreSQL server (make deps installs postgresql)"
	trap 'rc=$?; pg_stop; (exit $rc); tt__cleanup' EXIT
fi
TT=$B/tokentop
export TZ=UTC
N=${FLEET_REQUESTS:-12}            # per proxy and kind (streaming, not)
HOSTS=(fleet-a fleet-b 서버-c)

tt_start_fakeapi main --stream-delay-ms 1
DBN=tt_fleet_$$
DB=$(pg_newdb "$DBN") || tt_die "no database"
sql() { pg_psql -d "$DBN" -At -F ' ' -c "$1"; }

# a ledger from before hosts: rows imported, then migration 18 (hosts; the
# numbers are append-only, so 18 stays this one) undone and the version set
# to 17: the later migrations run again too (each can: a version set back)
python3 "$ROOT/tests/lib/gen_tx.py" "$T/tx" 2 20
TOKENTOP_HOST=old-box "$TT" --db "$DB" import "$T/tx/projects" >/dev/null || tt_die "import"
OLD=$(sql 'SELECT count(*) FROM usage')
[ "$OLD" -gt 0 ] || tt_die "no rows imported"
v=$(sql 'SELECT max(version) FROM tokentop_schema')
sql "DROP INDEX IF EXISTS usage_host; DROP TABLE rollup_dh; DROP TABLE rollup_hh; DROP TABLE host_seen;
    ALTER TABLE usage DROP COLUMN host; UPDATE tokentop_schema SET version = 17" >/dev/null
tt_eq "the ledger is from before hosts" "$(sql "SELECT count(*) FROM information_schema.columns
    WHERE table_name = 'usage' AND column_name = 'host'")" 0

# the three proxies at once (one of them migrates), then their ports
PORT=()
PIDS=()
for i in 0 1 2; do
	TOKENTOP_HOST=${HOSTS[$i]} "$TT" --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$FK_URL" \
	    >"$T/pport$i" 2>"$T/perr$i" &
	PIDS[$i]=$!
	tt_track "${PIDS[$i]}"
done
for i in 0 1 2; do
	tt_wait_file "$T/pport$i" || :
	PORT[$i]=$(sed -nE '1s/^listening on 127\.0\.0\.1:([0-9]+)$/\1/p' "$T/pport$i")
	[ -n "${PORT[$i]}" ] || tt_die "proxy $i did not start: $(cat "$T/pport$i" "$T/perr$i")"
done
tt_eq "migrated once, to the current version" "$(sql 'SELECT max(version) FROM tokentop_schema')" "$v"
migrated=$(sql "SELECT DISTINCT host FROM usage")
case " ${HOSTS[*]} " in
*" $migrated "*) tt_ok "older rows: one proxy's host ($migrated)" ;;
*) tt_fail "older rows' hosts: $migrated" ;;
esac

# traffic I KIND: N requests to proxy I, streaming or not, each a different size
traffic() {
	local i=$1 kind=$2 k body extra=
	[ "$kind" = stream ] && extra=',"stream":true'
	for k in $(seq "$N"); do
		body=$(printf '{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"%s %s"}]%s}' \
		    "host $i $kind $k" "$(printf 'w%.0s' $(seq $((k * (i + 1)))))" "$extra")
		curl -sS -f -N -o /dev/null -H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' \
		    -H 'content-type: application/json' -H "x-tokentop-tag: t$((k % 3))" \
		    "http://127.0.0.1:${PORT[$i]}/v1/messages" -d "$body" || return 1
	done
}
pids=()
for i in 0 1 2; do
	for kind in stream plain; do traffic "$i" "$kind" & pids+=($!); done
done
ok=0
for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
tt_eq "every client saw every answer" "$ok" 6

want=$((3 * 2 * N + OLD))
for _ in $(seq 200); do
	[ "$(sql 'SELECT count(*) FROM usage')" -ge "$want" ] && break
	sleep 0.05
done
tt_eq "one row a billed response" "$(sql 'SELECT count(*) FROM usage')" "$want"
for i in 0 1 2; do
	tt_eq "proxy $i's rows carry its host" \
	    "$(sql "SELECT count(*) FROM usage WHERE host = '${HOSTS[$i]}' AND source = 'proxy'")" \
	    $((2 * N))
done
tt_eq "no row without a host" "$(sql "SELECT count(*) FROM usage WHERE host = ''")" 0

# per host and UTC day: rollup_dh equals the raw rows, every sum
raw_dh="SELECT floor(ts_ms / 86400000.0)::bigint, host, count(*), sum(input), sum(write_5m),
    sum(write_1h), sum(cache_read), sum(output), sum(web_search_requests)
    FROM usage GROUP BY 1, 2 ORDER BY 1, 2"
dh="SELECT hour, host, sum(requests), sum(input), sum(write_5m), sum(write_1h), sum(cache_read),
    sum(output), sum(web_search) FROM rollup_dh GROUP BY 1, 2 HAVING sum(requests) > 0 ORDER BY 1, 2"
tt_eq "rollup_dh equals the raw rows" "$(sql "$dh")" "$(sql "$raw_dh")"
hh="SELECT hour, host, sum(requests), sum(input), sum(output), sum(cache_read) FROM rollup_hh
    GROUP BY 1, 2 HAVING sum(requests) > 0 ORDER BY 1, 2"
raw_hh="SELECT floor(ts_ms / 3600000.0)::bigint, host, count(*), sum(input), sum(output),
    sum(cache_read) FROM usage GROUP BY 1, 2 ORDER BY 1, 2"
tt_eq "rollup_hh equals the raw rows" "$(sql "$hh")" "$(sql "$raw_hh")"
# the exporter's rollups by host (migration 21): rollup_ds per UTC day ×
# source × host, rollup_lt per source × tag × host
ds="SELECT hour, source, host, sum(requests), sum(input), sum(cache_read), sum(output),
    sum(web_search) FROM rollup_ds GROUP BY 1, 2, 3 HAVING sum(requests) > 0 ORDER BY 1, 2, 3"
raw_ds="SELECT floor(ts_ms / 86400000.0)::bigint, source, host, count(*), sum(input),
    sum(cache_read), sum(output), sum(web_search_requests) FROM usage GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
tt_eq "rollup_ds by host equals the raw rows" "$(sql "$ds")" "$(sql "$raw_ds")"
lt="SELECT source, tag, host, sum(requests), sum(input), sum(cache_read), sum(output)
    FROM rollup_lt GROUP BY 1, 2, 3 HAVING sum(requests) > 0 ORDER BY 1, 2, 3"
raw_lt="SELECT source, tag, host, count(*), sum(input), sum(cache_read), sum(output)
    FROM usage GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
tt_eq "rollup_lt by host equals the raw rows" "$(sql "$lt")" "$(sql "$raw_lt")"
tt_eq "host_seen equals the raw rows" \
    "$(sql 'SELECT host, last_ms, requests FROM host_seen ORDER BY host')" \
    "$(sql 'SELECT host, max(ts_ms), count(*) FROM usage GROUP BY host ORDER BY host')"
tt_eq "rollup_dm equals the raw rows" \
    "$(sql 'SELECT sum(requests), sum(input), sum(output) FROM rollup_dm')" \
    "$(sql 'SELECT count(*), sum(input), sum(output) FROM usage')"

# the reports: per host what the rows say; together the ledger's totals
"$TT" --db "$DB" report hosts --json >"$T/hosts.json" || tt_die "report hosts"
tt_eq "report hosts: the three" "$(jq -r '[.rows[].host] | sort | join(",")' "$T/hosts.json")" \
    "$(printf '%s\n' "${HOSTS[@]}" | sort | paste -sd,)"
for i in 0 1 2; do
	h=${HOSTS[$i]}
	tt_eq "report hosts: $h's requests and tokens" \
	    "$(jq -r --arg h "$h" '.rows[] | select(.host == $h) | "\(.requests) \(.input_tokens) \(.output_tokens)"' "$T/hosts.json")" \
	    "$(sql "SELECT count(*), sum(input), sum(output) FROM usage WHERE host = '$h'")"
	tt_eq "daily --host $h: its row in report hosts" \
	    "$("$TT" --db "$DB" report daily --host "$h" --json | jq -r '"\(.totals.requests) \(.totals.cost_usd)"')" \
	    "$(jq -r --arg h "$h" '.rows[] | select(.host == $h) | "\(.requests) \(.cost_usd)"' "$T/hosts.json")"
	older=0
	[ "$h" = "$migrated" ] && older=$OLD
	tt_eq "tags --host $h (the raw rows)" \
	    "$("$TT" --db "$DB" report tags --host "$h" --json | jq -r '.totals.requests')" \
	    $((2 * N + older))
done
tt_eq "the hosts add up to the ledger" \
    "$(jq -r '"\([.rows[].requests] | add) \([.rows[].cost_usd] | add)"' "$T/hosts.json")" \
    "$("$TT" --db "$DB" report daily --json | jq -r '"\(.totals.requests) \(.totals.cost_usd)"')"

for i in 0 1 2; do
	kill -TERM "${PIDS[$i]}"
	wait "${PIDS[$i]}"
	tt_eq "proxy $i exits 0 on SIGTERM" "$?" 0 || cat "$T/perr$i"
done
tt_done
