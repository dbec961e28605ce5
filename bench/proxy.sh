#!/usr/bin/env bash
# proxy.sh BUILD — the proxy's overhead on loopback (issue 6): requests/s and
# p50/p99 latency through `tokentop proxy` beside direct to the API double
# and beside a raw TCP relay (socat), in the same run with the same load
# generator (bench/loadgen.c, libcurl keep-alive connections): saturated
# (closed loop), at a steady rate below saturation, and one connection at a
# time; CPU per request of the proxy and of the double; then peak memory
# (VmHWM) of the proxy holding 256 concurrent streams, beside the double's.
# Prints `proxy: …` lines; figures, never pass/fail. Targets: p50 added
# < 1 ms, throughput >= 80% of direct.
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

start_pair() {  # NAME STREAM_DELAY_MS — a double and a proxy in front of it
	start "$TMP/fport.$1" "$BUILD/fakeapi" --port 0 --stream-delay-ms "$2" \
		--openai-rpm 1000000000 --openai-tpm 1000000000000
	FPID=$LAST
	DIRECT=http://127.0.0.1:$(awk '/^port/ { print $2 }' "$TMP/fport.$1")
	start "$TMP/pport.$1" "$BUILD/tokentop" --db "$TMP/usage.$1.db" proxy --listen 127.0.0.1:0 \
		--upstream "$DIRECT" --openai-upstream "$DIRECT"
	PPX=$LAST
	PROXY=http://127.0.0.1:$(sed -nE '1s/^listening on [^:]+:([0-9]+)$/\1/p' "$TMP/pport.$1")
}
start_pair load 0

printf '{"model":"claude-haiku-4-5","max_tokens":16,"messages":[{"role":"user","content":"bench"}]}' \
	>"$TMP/body"
H=(-H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json')
T=$(( $(nproc) > 1 ? 2 : 1 ))

cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # clock ticks, user + system
run() { "$LG" "$@" "${H[@]}" -b "$TMP/body"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }'; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (a - b) / 1000 }'; }

# A raw TCP relay (socat: copies bytes, parses nothing, records nothing) is
# the ceiling any proxy can reach on this machine: the extra hop's kernel
# work is the same for every relay.
RELAY= RELAY_PID=
if command -v socat >/dev/null; then
	RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	socat "TCP-LISTEN:$RPORT,bind=127.0.0.1,reuseaddr,fork" "TCP:127.0.0.1:${DIRECT##*:}" 2>/dev/null &
	RELAY_PID=$!
	PIDS+=($RELAY_PID)
	sleep 0.3
	RELAY=http://127.0.0.1:$RPORT
fi

run -c "$CONNS" -t "$T" -d 1 "$DIRECT/v1/messages" >/dev/null   # warm up
run -c "$CONNS" -t "$T" -d 1 "$PROXY/v1/messages" >/dev/null
d=$(run -c "$CONNS" -t "$T" -d "$SECS" "$DIRECT/v1/messages")
[ -n "$RELAY" ] && r=$(run -c "$CONNS" -t "$T" -d "$SECS" "$RELAY/v1/messages")
f0=$(cpu "$FPID"); p0=$(cpu "$PPX")
p=$(run -c "$CONNS" -t "$T" -d "$SECS" "$PROXY/v1/messages")
f1=$(cpu "$FPID"); p1=$(cpu "$PPX")
drps=$(field rps "$d"); prps=$(field rps "$p")
echo "proxy: saturated: $CONNS connections, closed loop, ${SECS}s, non-streaming Messages calls," \
	"load $(cut -d' ' -f1 /proc/loadavg)"
echo "proxy:   direct to the double  $drps req/s  p50 $(field p50_us "$d") us  p99 $(field p99_us "$d") us  ($(field errors "$d") errors)"
[ -n "$RELAY" ] &&
echo "proxy:   raw TCP relay (socat) $(field rps "$r") req/s  p50 $(field p50_us "$r") us  p99 $(field p99_us "$r") us  ($(field errors "$r") errors)"
echo "proxy:   tokentop proxy        $prps req/s  p50 $(field p50_us "$p") us  p99 $(field p99_us "$p") us  ($(field errors "$p") errors)"
echo "proxy: throughput $(pct "$prps" "$drps")% of direct (target >= 80%);" \
	"p50 added $(ms "$(field p50_us "$p")" "$(field p50_us "$d")") ms at saturation (target < 1 ms)"
[ -n "$RELAY" ] &&
echo "proxy: the raw relay reaches $(pct "$(field rps "$r")" "$drps")% of direct: the ceiling for any relay" \
	"sharing these $(nproc) cores with the load generator and the double;" \
	"tokentop proxy reaches $(pct "$prps" "$(field rps "$r")")% of that ceiling"
n=$(field requests "$p")
awk -v p=$((p1 - p0)) -v f=$((f1 - f0)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {
	if (n > 0) printf "proxy: CPU per request: proxy %.0f us (relay, usage scan, ledger write)  vs  the double %.0f us\n",
	    p * 1e6 / hz / n, f * 1e6 / hz / n }'

# under a steady load below saturation: a quarter of direct's capacity
RATE=$(awk -v r="$drps" 'BEGIN { printf "%d", r / 4 }')
d=$(run -c "$CONNS" -t "$T" -d "$SECS" -r "$RATE" "$DIRECT/v1/messages")
p=$(run -c "$CONNS" -t "$T" -d "$SECS" -r "$RATE" "$PROXY/v1/messages")
echo "proxy: steady $RATE req/s (a quarter of direct's capacity), $CONNS connections:" \
	"direct $(field rps "$d") req/s p50 $(field p50_us "$d") us p99 $(field p99_us "$d") us;" \
	"proxied $(field rps "$p") req/s p50 $(field p50_us "$p") us p99 $(field p99_us "$p") us"
echo "proxy: steady load: throughput $(pct "$(field rps "$p")" "$(field rps "$d")")% of direct;" \
	"p50 added $(ms "$(field p50_us "$p")" "$(field p50_us "$d")") ms (target < 1 ms)"

# latency unsaturated: one connection, one request at a time
d1=$(run -c 1 -t 1 -d "$SECS" "$DIRECT/v1/messages")
p1=$(run -c 1 -t 1 -d "$SECS" "$PROXY/v1/messages")
echo "proxy: 1 connection: direct p50 $(field p50_us "$d1") us p99 $(field p99_us "$d1") us;" \
	"proxied p50 $(field p50_us "$p1") us p99 $(field p99_us "$p1") us;" \
	"p50 added $(ms "$(field p50_us "$p1")" "$(field p50_us "$d1")") ms (target < 1 ms)"
rows=$(sqlite3 "$TMP/usage.load.db" "select count(*) from usage where source = 'proxy'" 2>/dev/null || echo "?")
echo "proxy: ledger rows recorded (every answered call of the runs above): $rows"

# OpenAI Chat Completions streams (issue 14): without include_usage the
# proxy rewrites the request and takes the usage chunk out line by line;
# with it, the stream passes as it is
OH=(-H 'Authorization: Bearer sk-openai-test' -H 'content-type: application/json')
ostream() {  # LABEL BODYFILE
	local d p
	"$LG" -c "$CONNS" -t "$T" -d 1 "${OH[@]}" -b "$2" "$PROXY/v1/chat/completions" >/dev/null
	d=$("$LG" -c "$CONNS" -t "$T" -d "$SECS" "${OH[@]}" -b "$2" "$DIRECT/v1/chat/completions")
	p=$("$LG" -c "$CONNS" -t "$T" -d "$SECS" "${OH[@]}" -b "$2" "$PROXY/v1/chat/completions")
	echo "proxy: OpenAI streams, $1: direct $(field rps "$d") streams/s p50 $(field p50_us "$d") us;" \
		"proxied $(field rps "$p") streams/s p50 $(field p50_us "$p") us ($(field errors "$p") errors);" \
		"throughput $(pct "$(field rps "$p")" "$(field rps "$d")")% of direct," \
		"p50 added $(ms "$(field p50_us "$p")" "$(field p50_us "$d")") ms"
}
printf '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"bench stream"}]}' \
	>"$TMP/obody"
printf '{"model":"gpt-4.1-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"bench stream"}]}' \
	>"$TMP/obody2"
ostream "no include_usage (rewritten, filtered)" "$TMP/obody"
ostream "include_usage asked (passed through)" "$TMP/obody2"
rows=$(sqlite3 "$TMP/usage.load.db" "select count(*) from usage where provider = 'openai'" 2>/dev/null || echo "?")
echo "proxy: OpenAI rows recorded: $rows"

# 256 concurrent streams: a slow double keeps every stream open ~0.5 s
kill "$PPX" "$FPID" $RELAY_PID 2>/dev/null
wait "$PPX" "$FPID" 2>/dev/null
start_pair streams 40
idle=$(hwm "$PPX")
printf '{"model":"claude-haiku-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"%s"}]}' \
	"$(head -c 40 /dev/zero | tr '\0' 's')" >"$TMP/sbody"
s=$("$LG" -c 256 -t "$T" -d "$SECS" "${H[@]}" -b "$TMP/sbody" "$PROXY/v1/messages")
echo "proxy: 256 concurrent streams: $(field rps "$s") streams/s, p50 $(field p50_us "$s") us ($(field errors "$s") errors)"
echo "proxy: VmHWM proxy $(hwm "$PPX") kB (idle $idle kB)  vs  the double $(hwm "$FPID") kB"
