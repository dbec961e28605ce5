#!/usr/bin/env bash
# hostile_proxy.sh — `tokentop proxy` under hostile clients (issue 10, items
# 4-7), against the plain build and the sanitizer build (build/san, when it
# is built): malformed heads and dot-segment paths are refused with the
# right status and never reach the upstream; a slowloris from one address
# neither holds more than its share of connections nor keeps them past the
# header deadline, and a normal client is served meanwhile; bodies past the
# proxy's body memory get 503 with retry-after and the memory stays bounded.
# The proxy runs with `ulimit -n 224`: 40 connections, 10 per address.
# Last, the same limits set in config.json take effect (plain build).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_start_fakeapi main
HX=(python3 "$ROOT/tests/lib/hostile_http.py")

builds=("$B")
SAN=${TOKENTOP_SAN_BUILD:-$ROOT/build/san}
[ "$SAN" != "$B" ] && [ -x "$SAN/tokentop" ] && builds+=("$SAN")

start_proxy() {  # build
	B=$1 TT_ULIMIT_N=224 tt_start_proxy --db "$T/h.db" proxy --listen 127.0.0.1:0 \
		--upstream "$FK_URL" --threads 2 --header-timeout 2 --max-buffered 16
}
total() { curl -sS "$FK_URL/_fake/stats" | jq .total; }
H=(-H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json')
BODY='{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}'
healthy() {  # label: a plain call still works
	local code
	code=$(curl -sS -o /dev/null -w '%{http_code}' "${H[@]}" "$PROXY/v1/messages" -d "$BODY")
	tt_eq "$1: a normal call is served" "$code" 200
}

for bld in "${builds[@]}"; do
	tag=$(basename "$bld")
	start_proxy "$bld"

	# --- malformed heads and paths: refused, nothing forwarded -------------
	before=$(total)
	"${HX[@]}" malformed "$PROXY_PORT" >"$T/mal"
	tt_eq "$tag: malformed requests refused with their status" "$(cat "$T/mal")" \
"dup-content-length 400
same-content-length-twice 400
te-space-before-colon 400
te-and-content-length 400
te-gzip 501
te-gzip-chunked 501
nul-in-path 400
encoded-nul 400
dot-dot 400
dot-dot-encoded 400
dot-dot-mixed 400
dot 400
encoded-slash 400
space-in-path 400
control-in-name 400
long-target 414"
	tt_eq "$tag: none of them reached the upstream" "$(total)" "$before"
	code=$(curl -sS -o "$T/ch" -w '%{http_code}' "${H[@]}" -H 'Transfer-Encoding: chunked' \
		"$PROXY/v1/messages" -d "$BODY")
	tt_eq "$tag: a chunked body is still relayed" "$code" 200
	healthy "$tag"

	# --- slowloris from 127.0.0.2 while 127.0.0.1 calls ---------------------
	"${HX[@]}" slowloris "$PROXY_PORT" 127.0.0.2 60 30 >"$T/slow"
	held=$(jq .held "$T/slow")
	[ "$held" -le 10 ] && tt_ok "$tag: one address held $held connections (limit 10)" ||
		tt_fail "$tag: one address held $held connections, over its 10"
	tt_eq "$tag: a normal client is served during the attack" "$(jq -r .normal "$T/slow")" 200
	tt_eq "$tag: slow heads are cut although lines keep coming" "$(jq .alive "$T/slow")" 0
	healthy "$tag: after the slowloris"

	# --- bodies past the body memory: 503 + retry-after, memory bounded -----
	# (8 connections: within the 10 one address may hold)
	"${HX[@]}" bodies "$PROXY_PORT" "$PROXY_PID" 8 6000000 5000000 >"$T/bod"
	tt_eq "$tag: bodies past 16 MB get 503" "$(jq -c .statuses "$T/bod")" \
		'["503","503","503","503","503","503"]'
	tt_eq "$tag: each 503 has retry-after" "$(jq .retry_after "$T/bod")" 6
	grow=$(( $(jq .rss_held "$T/bod") - $(jq .rss_before "$T/bod") ))
	[ "$grow" -lt 25000 ] && tt_ok "$tag: memory grew $grow kB holding 8 bodies" ||
		tt_fail "$tag: memory grew $grow kB holding 8 bodies of 5 MB (cap 16 MB)"
	head -c 6000000 /dev/zero | tr '\0' 'x' >"$T/six"
	code=$(curl -sS -o /dev/null -w '%{http_code}' "${H[@]}" "$PROXY/v1/messages" --data-binary @"$T/six")
	tt_eq "$tag: the body memory is given back (6 MB accepted again)" "$code" 400
	healthy "$tag: after the bodies"

	tt_stop_proxy
	tt_hasnt "$tag: no sanitizer report" "$(cat "$T/perr")" "Sanitizer"
done
# --- the same limits from config.json ("proxy" object) -------------------------
printf '{"proxy":{"header_timeout_seconds":0}}' >"$T/bad.json"
set +e
"$B/tokentop" --config "$T/bad.json" proxy --listen 127.0.0.1:0 >/dev/null 2>"$T/badcfg"
rc=$?
set -e
tt_eq "a bad proxy setting in the config is refused" "$rc" 1
tt_has "naming the field" "$(cat "$T/badcfg")" "proxy.header_timeout_seconds"
printf '{"proxy":{"header_timeout_seconds":3,"max_per_address":3}}' >"$T/cfg.json"
tt_start_proxy --db "$T/h.db" --config "$T/cfg.json" proxy --listen 127.0.0.1:0 --upstream "$FK_URL"
exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT"
printf 'GET /v1/models HTTP/1.1\r\n' >&3
if timeout 20 cat <&3 >/dev/null; then tt_ok "config: a head not finished in 3 s is cut"
else tt_fail "config: header_timeout_seconds 3 did not cut a silent head in 20 s"; fi
exec 3>&-
"${HX[@]}" slowloris "$PROXY_PORT" 127.0.0.2 6 20 >"$T/slow"
tt_eq "config: one address holds at most max_per_address" "$(jq .held "$T/slow")" 3
tt_stop_proxy
tt_done
