#!/usr/bin/env bash
# proxy.sh BUILD — the proxy's overhead on loopback (issue 6): requests/s and
# p50/p99 latency through `tokentop proxy` beside direct to the API double,
# in the same run with the same load generator (bench/loadgen.c, libcurl
# keep-alive connections); then peak memory (VmHWM) of the proxy holding 256
# concurrent streams, beside the double's. Prints `proxy: …` lines; figures,
# never pass/fail. Targets: p50 added < 1 ms, throughput >= 80% of direct.
#
# Environment: BENCH_PROXY_SECONDS (each load run, default 5),
# BENCH_PROXY_CONNS (connections, default 32).
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SECS=${BENCH_PROXY_SECONDS:-5}
CONNS=${BENCH_PROXY_CONNS:-32}
TMP=$(mktemp -d /tmp/tokentop-bench-proxy.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
export TOKENTOP_DATADIR=$PWD/share HOME=$TMP XDG_CONFIG_HOME=$TMP/config XDG_DATA_HOME=$TMP/data
unset ANTHROPIC_API_KEY ANTHROPIC_BASE_URL TOKENTOP_DB

for f in "$BUILD/tokentop" "$BUILD/fakeapi"; do
	[ -x "$f" ] || { echo "proxy: skipped: $f not built"; exit 0; }
done
LG=$BUILD/bench/loadgen
if [ ! -x "$LG" ]; then
	LG=$TMP/loadgen
	cc -std=c11 -O2 -D_GNU_SOURCE -o "$LG" bench/loadgen.c $(pkg-config --cflags --libs libcurl) -lpthread ||
		{ echo "proxy: skipped: cannot build bench/loadgen.c"; exit 0; }
fi

start() {  # OUTFILE CMD... — start in the background, wait for its first line
	local out=$1
	shift
	"$@" >"$out" 2>"$out.err" &
	PIDS+=($!)
	LAST=$!
	for _ in $(seq 200); do [ -s "$out" ] && return 0; sleep 0.05; done
	echo "proxy: skipped: $* did not start: $(cat "$out.err")"
	exit 0
}
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
field() { sed -nE "s/(^|.* )$1 ([0-9.]+).*/\2/p" <<<"$2"; }

start "$TMP/fport" "$BUILD/fakeapi" --port 0 --stream-delay-ms 0
FPID=$LAST
DIRECT=http://127.0.0.1:$(awk '/^port/ { print $2 }' "$TMP/fport")
start "$TMP/pport" "$BUILD/tokentop" --db "$TMP/usage.db" proxy --listen 127.0.0.1:0 --upstream "$DIRECT"
PPX=$LAST
PROXY=http://127.0.0.1:$(sed -nE '1s/^listening on [^:]+:([0-9]+)$/\1/p' "$TMP/pport")

printf '{"model":"claude-haiku-4-5","max_tokens":16,"messages":[{"role":"user","content":"bench"}]}' \
	>"$TMP/body"
H=(-H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json')
T=$(( $(nproc) > 1 ? 2 : 1 ))

"$LG" -c "$CONNS" -t "$T" -d 1 "${H[@]}" -b "$TMP/body" "$DIRECT/v1/messages" >/dev/null   # warm up
d=$("$LG" -c "$CONNS" -t "$T" -d "$SECS" "${H[@]}" -b "$TMP/body" "$DIRECT/v1/messages")
p=$("$LG" -c "$CONNS" -t "$T" -d "$SECS" "${H[@]}" -b "$TMP/body" "$PROXY/v1/messages")
drps=$(field rps "$d"); prps=$(field rps "$p")
d50=$(field p50_us "$d"); p50=$(field p50_us "$p")
d99=$(field p99_us "$d"); p99=$(field p99_us "$p")
echo "proxy: $CONNS connections, ${SECS}s, non-streaming Messages calls, load $(cut -d' ' -f1 /proc/loadavg)"
echo "proxy: direct  $drps req/s  p50 ${d50} us  p99 ${d99} us  ($(field errors "$d") errors)"
echo "proxy: proxied $prps req/s  p50 ${p50} us  p99 ${p99} us  ($(field errors "$p") errors)"
awk -v dr="$drps" -v pr="$prps" -v d5="$d50" -v p5="$p50" 'BEGIN {
	printf "proxy: throughput %.0f%% of direct (target >= 80%%); p50 added %.3f ms (target < 1 ms)\n",
	    (dr > 0 ? 100 * pr / dr : 0), (p5 - d5) / 1000 }'
# latency unsaturated: one connection, one request at a time
d1=$("$LG" -c 1 -t 1 -d "$SECS" "${H[@]}" -b "$TMP/body" "$DIRECT/v1/messages")
p1=$("$LG" -c 1 -t 1 -d "$SECS" "${H[@]}" -b "$TMP/body" "$PROXY/v1/messages")
echo "proxy: 1 connection: direct p50 $(field p50_us "$d1") us p99 $(field p99_us "$d1") us;" \
	"proxied p50 $(field p50_us "$p1") us p99 $(field p99_us "$p1") us"
awk -v d5="$(field p50_us "$d1")" -v p5="$(field p50_us "$p1")" 'BEGIN {
	printf "proxy: 1 connection: p50 added %.3f ms (target < 1 ms)\n", (p5 - d5) / 1000 }'
rows=$(sqlite3 "$TMP/usage.db" "select count(*) from usage where source = 'proxy'" 2>/dev/null || echo "?")
echo "proxy: ledger rows recorded (every answered call of the runs above): $rows"

# 256 concurrent streams: a slow double keeps every stream open ~0.5 s
kill "$PPX" "$FPID" 2>/dev/null
wait "$PPX" "$FPID" 2>/dev/null
start "$TMP/fport2" "$BUILD/fakeapi" --port 0 --stream-delay-ms 40
FPID=$LAST
DIRECT=http://127.0.0.1:$(awk '/^port/ { print $2 }' "$TMP/fport2")
start "$TMP/pport2" "$BUILD/tokentop" --db "$TMP/usage2.db" proxy --listen 127.0.0.1:0 --upstream "$DIRECT"
PPX=$LAST
PROXY=http://127.0.0.1:$(sed -nE '1s/^listening on [^:]+:([0-9]+)$/\1/p' "$TMP/pport2")
idle=$(hwm "$PPX")
printf '{"model":"claude-haiku-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"%s"}]}' \
	"$(head -c 40 /dev/zero | tr '\0' 's')" >"$TMP/sbody"
s=$("$LG" -c 256 -t "$T" -d "$SECS" "${H[@]}" -b "$TMP/sbody" "$PROXY/v1/messages")
echo "proxy: 256 concurrent streams: $(field rps "$s") streams/s, p50 $(field p50_us "$s") us ($(field errors "$s") errors)"
echo "proxy: VmHWM proxy $(hwm "$PPX") kB (idle $idle kB)  vs  the double $(hwm "$FPID") kB"
