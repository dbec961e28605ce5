#!/usr/bin/env bash
# hosts.sh — every row knows its host (issue 13), on SQLite from the shell:
# imports stamped with TOKENTOP_HOST, the config's "host" (which wins over
# it) or the hostname; `report hosts` as JSON, CSV and a table; --host on
# every report adds up to that host's figures exactly; hostile host names
# (control characters, bidi marks, a formula, a very long one, Korean) are
# made safe in every output and still found by --host.
set -eu
. "$(dirname "$0")/lib/common.sh"
tt_need jq
tt_tmpdir
export TZ=UTC
TT=$B/tokentop
DB=$T/usage.db
unset TOKENTOP_HOST

# transcript NAME N DAY0: a Claude Code transcript of N assistant rows, one
# every 7 hours from 2026-02-20 + DAY0 days, ids unique to NAME
transcript() {
	local name=$1 n=$2 d0=$3 i ts
	mkdir -p "$T/in/$name"
	for ((i = 0; i < n; i++)); do
		ts=$(date -u -d "2026-02-20 +$((d0 * 24 + i * 7)) hours" +%Y-%m-%dT%H:%M:%S.000Z)
		printf '{"type":"assistant","isSidechain":false,"cwd":"/w/%s","sessionId":"s-%s","timestamp":"%s","requestId":"req_%s_%d","message":{"id":"msg_%s_%d","model":"%s","usage":{"input_tokens":%d,"output_tokens":%d,"cache_read_input_tokens":%d}}}\n' \
		    "$name" "$name" "$ts" "$name" "$i" "$name" "$i" \
		    "$([ $((i % 3)) = 0 ] && echo claude-haiku-4-5 || echo claude-sonnet-4-5)" \
		    $((100 + i * 13)) $((10 + i)) $((i * 50))
	done >"$T/in/$name/$name.jsonl"
}

imp() { "$TT" --db "$DB" import --format claude-code "$T/in/$1" >/dev/null; }
tt() { "$TT" --db "$DB" report "$@"; }

# --- who stamps: TOKENTOP_HOST, the config's host over it, the hostname ------
transcript a 30 0
transcript b 20 2
transcript c 10 5
TOKENTOP_HOST=alpha imp a
mkdir -p "$XDG_CONFIG_HOME/tokentop"
echo '{"host":"beta"}' >"$XDG_CONFIG_HOME/tokentop/config.json"
TOKENTOP_HOST=not-this-one imp b
rm "$XDG_CONFIG_HOME/tokentop/config.json"
imp c
me=$(hostname)

tt hosts --json >"$T/h.json"
tt_eq "hosts" "$(jq -r '[.rows[].host] | sort | join(",")' "$T/h.json")" \
    "$(printf '%s\n' alpha beta "$me" | sort | paste -sd,)"
tt_eq "alpha's requests" "$(jq '.rows[] | select(.host == "alpha") | .requests' "$T/h.json")" 30
tt_eq "beta's (config host wins)" "$(jq '.rows[] | select(.host == "beta") | .requests' "$T/h.json")" 20
tt_eq "the hostname's" "$(jq --arg h "$me" '.rows[] | select(.host == $h) | .requests' "$T/h.json")" 10
tt_eq "totals" "$(jq '.totals.requests' "$T/h.json")" 60
tt_eq "totals carry no host" "$(jq '.totals | has("host")' "$T/h.json")" false
for k in cost_usd input_tokens output_tokens cache_read_tokens cache_hit_ratio tool_cost_usd \
    web_search_requests provider; do
	tt_eq "hosts rows carry $k" "$(jq --arg k "$k" '.rows[0] | has($k)' "$T/h.json")" true
done

# the hosts' figures add up to the ledger's (rollup_dm, no host read)
tt_eq "hosts add up to daily" "$(jq -r '"\([.rows[].requests] | add) \([.rows[].cost_usd] | add)"' "$T/h.json")" \
    "$(tt daily --json | jq -r '"\(.totals.requests) \(.totals.cost_usd)"')"
tt hosts --csv >"$T/h.csv"
tt_eq "csv header" "$(head -1 "$T/h.csv")" \
    "host,requests,input_tokens,cache_write_5m_tokens,cache_write_1h_tokens,cache_read_tokens,output_tokens,cache_hit_ratio,cost_usd,tool_cost_usd,web_search_requests,code_execution_requests"
tt_eq "csv rows" "$(($(wc -l <"$T/h.csv") - 1))" 3
tt_has "table" "$(tt hosts)" "HOST"

# --- --host on every report: exactly that host's figures ---------------------
# sums KIND ARGS...: "requests cost_usd" of a report's JSON totals
sums() { tt "$@" --json | jq -r '"\(.totals.requests) \(.totals.cost_usd)"'; }
for h in alpha beta "$me"; do
	want=$(jq -r --arg h "$h" '.rows[] | select(.host == $h) | "\(.requests) \(.cost_usd)"' "$T/h.json")
	for k in daily weekly monthly models sources tags projects keys providers savings hosts; do
		tt_eq "$k --host $h" "$(sums "$k" --host "$h")" "$want"
	done
	# bounds of local days in a zone a UTC day straddles (rollup_dh between,
	# the rows at the edges)
	tt_eq "daily --host $h --since/--until" \
	    "$(sums daily --host "$h" --tz Europe/Paris --since 2026-02-21 --until 2026-02-26)" \
	    "$(tt hosts --tz Europe/Paris --since 2026-02-21 --until 2026-02-26 --json |
	       jq -r --arg h "$h" '[.rows[] | select(.host == $h)][0] // {requests: 0, cost_usd: 0} |
	       "\(.requests) \(.cost_usd)"')"
	# a zone whose days cut UTC days (every day re-read from the rows)
	tt_eq "daily --host $h --tz Asia/Kolkata" \
	    "$(sums daily --host "$h" --tz Asia/Kolkata | cut -d' ' -f1)" "${want%% *}"
	caps=$(tt caps --host "$h" --json | jq '.totals.requests')
	tt_eq "caps --host $h" "$caps" "${want%% *}"
done
# the per-day figures of one host add up to its row in `report hosts`
tt_eq "daily rows of alpha" "$(tt daily --host alpha --csv | awk -F, 'NR > 1 { n += $2 } END { print n }')" 30
tt_eq "--host nobody" "$(sums daily --host nobody)" "0 0"
tt_eq "tags --host with --tag" "$(tt tags --host alpha --tag nope --json | jq '.rows | length')" 0
set +e
tt daily --host "" >/dev/null 2>"$T/err"; rc=$?
set -e
tt_eq "--host '' is a usage error" "$rc" 2

# --- every writer stamps: call, the proxy, batch results -----------------------
tt_need sqlite3 curl
tt_start_fakeapi main --stream-delay-ms 1
export ANTHROPIC_BASE_URL=$FK_URL ANTHROPIC_API_KEY=sk-ant-test
TOKENTOP_HOST=caller "$TT" --db "$DB" call --cache off "hello from the caller" >/dev/null 2>&1 ||
	tt_die "call failed"
TOKENTOP_HOST=relay tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$FK_URL"
for s in false true; do
	curl -sS -f -N -o /dev/null -H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' \
	    -H 'content-type: application/json' "$PROXY/v1/messages" \
	    -d "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":32,\"stream\":$s,\"messages\":[{\"role\":\"user\",\"content\":\"hi $s\"}]}" ||
		tt_die "proxy request failed"
done
tt_stop_proxy
unset ANTHROPIC_BASE_URL ANTHROPIC_API_KEY
TOKENTOP_HOST=batcher "$TT" --db "$DB" import "$ROOT/tests/data/import/msgbatch_01TestBatch.jsonl" \
    >/dev/null || tt_die "batch results import failed"
tt_eq "call's row" "$(sqlite3 "$DB" "SELECT host FROM usage WHERE source = 'call'")" caller
tt_eq "the proxy's rows" "$(sqlite3 "$DB" "SELECT group_concat(DISTINCT host), count(*) FROM usage WHERE source = 'proxy'")" "relay|2"
tt_eq "batch results' rows" "$(sqlite3 "$DB" "SELECT DISTINCT host FROM usage WHERE source = 'batch'")" batcher
tt_eq "host_seen follows" "$(sqlite3 "$DB" "SELECT requests FROM host_seen WHERE host = 'relay'")" 2
tt_eq "no row without a host" "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE host = ''")" 0
nb=$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE source = 'batch'")

# --- hostile host names --------------------------------------------------------
evil=$'ev\e[31mil\xe2\x80\xae\x01host\x9b'
formula='=HYPERLINK("x")'
korean='서버-한국-01'
long=$(printf 'h%.0s' $(seq 1 400))
transcript d 3 1
transcript e 4 1
transcript f 5 1
transcript g 2 1
TOKENTOP_HOST=$evil imp d
TOKENTOP_HOST=$formula imp e
TOKENTOP_HOST=$korean imp f
TOKENTOP_HOST=$long imp g

tt hosts >"$T/t.txt"
tt hosts --csv >"$T/t.csv"
tt hosts --json >"$T/t.json"
for f in t.txt t.csv t.json; do
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/$f"; then tt_fail "$f: a control character"; else tt_ok "$f: no control character"; fi
	if grep -q $'\xe2\x80\xae' "$T/$f"; then tt_fail "$f: a bidi override"; else tt_ok "$f: no bidi override"; fi
	if LC_ALL=C grep -q $'\x9b' "$T/$f"; then tt_fail "$f: a raw C1 byte"; else tt_ok "$f: no raw C1 byte"; fi
	tt_has "$f: Korean as it is" "$(cat "$T/$f")" "$korean"
done
jq -e . "$T/t.json" >/dev/null && tt_ok "json valid" || tt_fail "json invalid"
tt_eq "korean's requests" "$(jq --arg h "$korean" '.rows[] | select(.host == $h) | .requests' "$T/t.json")" 5
tt_eq "the evil name, made safe" "$(jq '[.rows[] | select(.host | startswith("ev")) | .requests] | add' "$T/t.json")" 3
tt_has "evil shows its parts" "$(jq -r '.rows[].host' "$T/t.json")" "host"
long_len=$(jq -r '.rows[] | select(.host | startswith("hhh")) | .host | length' "$T/t.json")
[ "$long_len" -gt 200 ] && [ "$long_len" -lt 256 ] && tt_ok "long name cut ($long_len)" || tt_fail "long name: $long_len"
tt_has "csv: a formula is text" "$(cat "$T/t.csv")" "\"'=HYPERLINK(\"\"x\"\")\""
# --host takes the name as the user has it (made safe the same way)
tt_eq "--host evil" "$(sums daily --host "$evil" | cut -d' ' -f1)" 3
tt_eq "--host formula" "$(sums models --host "$formula" | cut -d' ' -f1)" 4
tt_eq "--host korean" "$(sums sources --host "$korean" | cut -d' ' -f1)" 5
tt_eq "--host long" "$(sums monthly --host "$long" | cut -d' ' -f1)" 2
tt_eq "all hosts add up" "$(jq '[.rows[].requests] | add' "$T/t.json")" "$(jq '.totals.requests' "$T/t.json")"
tt_eq "totals" "$(jq '.totals.requests' "$T/t.json")" $((74 + 3 + nb))
tt_done
