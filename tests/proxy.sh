#!/usr/bin/env bash
# proxy.sh — `tokentop proxy` between curl (and tokentop's own client) and the
# API double: bodies and event streams byte-identical to going direct, a
# usage row per billed response with request-id and tag (the tag header not
# forwarded), errors passed through, 502 when the upstream is down, a client
# gone mid-stream still recorded, a batch create registered, --enforce-budget,
# loopback-only by default, 300 concurrent connections, --threads, and a
# clean SIGTERM.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
DB=$T/usage.db

tt_start_fakeapi main --stream-delay-ms 2
DIRECT=$FK_URL

start_proxy() { tt_start_proxy --db "$DB" proxy --listen 127.0.0.1:0 --upstream "$DIRECT" "$@"; }
stop_proxy() { tt_stop_proxy; }
start_proxy

H=(-H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json')
msg() {  # text [extra json]
	printf '{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"%s"}]%s}' "$1" "${2:-}"
}
stats() { curl -sS "$DIRECT/_fake/stats"; }
rows() { sqlite3 "$DB" "select count(*) from usage where source='proxy' $*" 2>/dev/null || echo 0; }
wait_rows() {  # n [where]
	for _ in $(seq 100); do [ "$(rows "${2:-}")" -ge "$1" ] && return 0; sleep 0.05; done
	tt_die "expected $1 proxy rows ${2:-}, have $(rows "${2:-}")"
}
strip_ids() { sed -E 's/(msg|req)_[A-Za-z0-9]+/\1_X/g'; }

# --- non-streaming: same body as direct, row with request-id and tag -------
curl -sS -D "$T/h1" -o "$T/b1" "${H[@]}" -H 'x-tokentop-tag: team-a' "$PROXY/v1/messages?beta=true" \
	-d "$(msg "hello proxy")"
stats >"$T/s1"
jq -e '.last_headers | has("x-tokentop-tag") | not' "$T/s1" >/dev/null || tt_die "tag header was forwarded"
jq -e '.last_headers["x-api-key"] | startswith("sk-ant")' "$T/s1" >/dev/null || tt_die "key not forwarded"
jq -e '.requests["POST /v1/messages"] == 1' "$T/s1" >/dev/null || tt_die "path/query not forwarded: $(cat "$T/s1")"
curl -sS -o "$T/d1" "${H[@]}" "$DIRECT/v1/messages" -d "$(msg "hello proxy")"
cmp -s <(strip_ids <"$T/b1") <(strip_ids <"$T/d1") || tt_die "body differs from direct"
grep -qi '^request-id: req_' "$T/h1" || tt_die "request-id header not relayed"
grep -qi '^anthropic-ratelimit-requests-limit:' "$T/h1" || tt_die "ratelimit headers not relayed"
RID=$(sed -nE 's/^request-id: ([^\r]+)\r?$/\1/Ip' "$T/h1")
MID=$(jq -r .id "$T/b1")
wait_rows 1
[ "$(sqlite3 "$DB" "select request_id, message_id, tag, model, input, output from usage where source='proxy'")" = \
  "$RID|$MID|team-a|claude-sonnet-4-5-20250929|$(jq -r '"\(.usage.input_tokens)|\(.usage.output_tokens)"' "$T/b1")" ] ||
	tt_die "row: $(sqlite3 "$DB" 'select * from usage')"
sqlite3 "$DB" .dump | grep -q 'sk-ant-test' && tt_die "the key reached the database"
grep -q 'sk-ant-test' "$T/perr" "$T/pport" && tt_die "the key was logged"

# --- streaming: byte-identical event stream, usage from message_delta ------
curl -sS -N -o "$T/sp" "${H[@]}" "$PROXY/v1/messages" -d "$(msg "stream me please" ',"stream":true')"
curl -sS -N -o "$T/sd" "${H[@]}" "$DIRECT/v1/messages" -d "$(msg "stream me please" ',"stream":true')"
grep -q '^event: message_stop' "$T/sp" || tt_die "stream incomplete"
cmp -s <(strip_ids <"$T/sp") <(strip_ids <"$T/sd") || tt_die "stream differs from direct"
wait_rows 2
OUT=$(sed -nE 's/^data: \{"type":"message_delta".*"output_tokens":([0-9]+)\}\}$/\1/p' "$T/sp")
[ -n "$OUT" ] && [ "$OUT" -gt 1 ] || tt_die "no final output count in the stream"
[ "$(rows "and output = $OUT and stop_reason = 'end_turn'")" = 1 ] ||
	tt_die "stream row: $(sqlite3 "$DB" 'select * from usage')"

# --- the SDK 1.x form: Authorization: Bearer and a newer version pass too --
code=$(curl -sS -o "$T/bb" -w '%{http_code}' -H 'authorization: Bearer sk-ant-test' \
	-H 'anthropic-version: 2026-10-21' -H 'content-type: application/json' "$PROXY/v1/messages" -d "$(msg bearer)")
[ "$code" = 200 ] || tt_die "bearer through the proxy: $code $(cat "$T/bb")"
stats | jq -e '.last_headers | has("authorization") and .["anthropic-version"] == "2026-10-21"' >/dev/null ||
	tt_die "bearer headers not forwarded: $(stats | jq -c .last_headers)"
wait_rows 3
sqlite3 "$DB" .dump | grep -q 'sk-ant-test' && tt_die "the key reached the database"

# --- errors pass through untouched, nothing recorded -----------------------
code=$(curl -sS -o "$T/e1" -w '%{http_code}' -H 'x-api-key: wrong' -H 'anthropic-version: 2023-06-01' \
	"$PROXY/v1/messages" -d "$(msg x)")
[ "$code" = 401 ] && jq -e '.error.type == "authentication_error"' "$T/e1" >/dev/null ||
	tt_die "401 not passed through: $code $(cat "$T/e1")"
curl -sS "$DIRECT/_fake/faults" -d '{"faults":[{"path":"/v1/messages","status":429,"retry_after":"7"}]}' >/dev/null
code=$(curl -sS -D "$T/h2" -o "$T/e2" -w '%{http_code}' "${H[@]}" "$PROXY/v1/messages" -d "$(msg x)")
[ "$code" = 429 ] && grep -qi '^retry-after: 7' "$T/h2" && jq -e '.error.type == "rate_limit_error"' "$T/e2" >/dev/null ||
	tt_die "429 not passed through: $code $(cat "$T/h2" "$T/e2")"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$PROXY/other")
[ "$code" = 404 ] || tt_die "non-/v1 path: $code"
sleep 0.2
[ "$(rows)" = 3 ] || tt_die "an error was recorded"

# --- a client gone mid-stream: the upstream is drained, usage recorded ----
LONG=$(head -c 40 /dev/zero | tr '\0' 'z')    # 5 x 46 bytes: 58 tokens, ~15 events
tt_start_fakeapi slow --stream-delay-ms 100
FPID2=$FK_PID
SLOW=$FK_URL
stop_proxy
start_proxy --upstream "$SLOW"
curl -sS -N --max-time 0.5 "${H[@]}" "$PROXY/v1/messages" \
	-d "$(msg "$LONG" ',"stream":true')" >"$T/cut" 2>/dev/null && tt_die "curl was not cut"
grep -q message_stop "$T/cut" && tt_die "the stream ended before the client left"
wait_rows 4
[ "$(sqlite3 "$DB" "select output, stop_reason from usage order by id desc limit 1")" = "58|end_turn" ] ||
	tt_die "cut stream not drained to its final usage: $(sqlite3 "$DB" 'select * from usage')"

# --- SIGTERM with a stream in flight: it finishes, is recorded, exit 0 ------
N1=$(rows)
curl -sS -N "${H[@]}" "$PROXY/v1/messages" -d "$(msg "$LONG" ',"stream":true')" >"$T/term" &
CPID=$!
tt_wait_file "$T/term" || :
stop_proxy
wait "$CPID" || tt_die "the in-flight stream failed on SIGTERM"
grep -q '^event: message_stop' "$T/term" || tt_die "the in-flight stream was cut on SIGTERM"
[ "$(rows)" = $((N1 + 1)) ] || tt_die "the in-flight stream was not recorded before exit"
start_proxy --upstream "$SLOW"
kill "$FPID2"; wait "$FPID2" 2>/dev/null || true

# --- upstream down: 502, Anthropic-shaped, with a request-id ---------------
stop_proxy
start_proxy --upstream "$SLOW"
code=$(curl -sS -D "$T/h3" -o "$T/e3" -w '%{http_code}' "${H[@]}" "$PROXY/v1/messages" -d "$(msg x)")
[ "$code" = 502 ] && jq -e '.type == "error" and .error.type == "api_error" and (.request_id | startswith("req_"))' \
	"$T/e3" >/dev/null && grep -qi '^request-id: req_' "$T/h3" || tt_die "upstream down: $code $(cat "$T/e3")"

# --- a batch created through the proxy is registered ----------------------
stop_proxy
start_proxy --tag nightly
BATCH='{"requests":[{"custom_id":"a","params":'"$(msg one)"'},{"custom_id":"b","params":'"$(msg two)"'}]}'
curl -sS -o "$T/bt" "${H[@]}" "$PROXY/v1/messages/batches" -d "$BATCH"
BID=$(jq -r .id "$T/bt")
[[ $BID == msgbatch_* ]] || tt_die "batch create: $(cat "$T/bt")"
for _ in $(seq 100); do
	[ "$(sqlite3 "$DB" "select requests || status || tag from batch where id = '$BID'" 2>/dev/null)" = \
	  "2in_progressnightly" ] && break
	sleep 0.05
done
[ "$(sqlite3 "$DB" "select requests || status || tag from batch where id = '$BID'")" = "2in_progressnightly" ] ||
	tt_die "batch not registered: $(sqlite3 "$DB" 'select * from batch')"
if "$B/tokentop" --db "$DB" batch list >"$T/bl" 2>/dev/null; then
	grep -q "$BID" "$T/bl" || tt_die "batch list does not show $BID"
fi

# --- a slow reader of a big results file: relayed intact (paused upstream) -
BIGB=$T/bigbatch.json
{ printf '{"requests":['
  for i in $(seq 3000); do
	[ "$i" = 1 ] || printf ','
	printf '{"custom_id":"r%d","params":{"model":"claude-haiku-4-5","max_tokens":32,"messages":[{"role":"user","content":"row %d of a big batch"}]}}' "$i" "$i"
  done
  printf ']}'; } >"$BIGB"
BID2=$(curl -sS "${H[@]}" "$PROXY/v1/messages/batches" --data-binary @"$BIGB" | jq -r .id)
curl -sS "$DIRECT/_fake/clock" -d '{"advance_seconds":100000}' >/dev/null
curl -sS -o "$T/rd" "${H[@]}" "$DIRECT/v1/messages/batches/$BID2/results"
NB=$(rows)
curl -sS --limit-rate 1M -o "$T/rp" "${H[@]}" "$PROXY/v1/messages/batches/$BID2/results"
[ "$(wc -l <"$T/rd")" = 3000 ] && [ "$(stat -c %s "$T/rd")" -gt 1000000 ] || tt_die "results: $(head -c 200 "$T/rd")"
cmp -s "$T/rd" "$T/rp" || tt_die "results through the proxy differ"
sleep 0.2
[ "$(rows)" = "$NB" ] || tt_die "a results download was recorded as proxy usage"

# --- tokentop's own client through the proxy (the --tag default applies) ---
ANTHROPIC_BASE_URL=$PROXY ANTHROPIC_API_KEY=sk-ant-test "$B/tokentop" --db "$T/own.db" call "via proxy" \
	>"$T/own" 2>/dev/null || tt_die "tokentop call through the proxy failed"
grep -q '^echo: via proxy' "$T/own" || tt_die "call answer: $(cat "$T/own")"
wait_rows 1 "and tag = 'nightly'"
[ "$(sqlite3 "$T/own.db" "select message_id from usage")" = \
  "$(sqlite3 "$DB" "select message_id from usage where tag = 'nightly'")" ] || tt_die "call row differs"

# --- 300 concurrent connections, streaming and not (one curl, -Z) ---------
N0=$(rows)
: >"$T/many.cfg"
for i in $(seq 300); do      # no subshell per request: forks are slow on a busy box
	if [ $((i % 2)) = 0 ]; then s=',\"stream\":true'; else s=; fi
	printf '%s\n' "url = \"$PROXY/v1/messages\"" "output = \"$T/c$i\"" \
		"header = \"x-api-key: sk-ant-test\"" "header = \"anthropic-version: 2023-06-01\"" \
		"data = \"{\\\"model\\\":\\\"claude-sonnet-4-5\\\",\\\"max_tokens\\\":64$s,\\\"messages\\\":[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"conc $i\\\"}]}\"" \
		>>"$T/many.cfg"
	[ "$i" = 300 ] || echo next >>"$T/many.cfg"
done
curl -sS -N -Z --parallel-immediate --parallel-max 300 -K "$T/many.cfg" 2>"$T/many.err" ||
	tt_die "concurrent requests failed: $(tail -3 "$T/many.err")"
ok=$(awk 'FNR == 1 { n = FILENAME; sub(/.*\/c/, "", n) }
	index($0, "echo: conc " n) { ok[n] = 1 }
	END { c = 0; for (k in ok) c++; print c }' "$T"/c[0-9]*)
[ "$ok" = 300 ] || tt_die "only $ok of 300 concurrent responses are right"
wait_rows $((N0 + 300))

# --- request body limit: 413 without forwarding ----------------------------
before=$(stats | jq .total)
head -c $((32 * 1024 * 1024 + 1)) /dev/zero >"$T/big"
code=$(curl -sS -o "$T/e4" -w '%{http_code}' "${H[@]}" "$PROXY/v1/messages" --data-binary @"$T/big")
[ "$code" = 413 ] && jq -e '.error.type == "request_too_large"' "$T/e4" >/dev/null || tt_die "413: $code"
after=$(stats | jq .total); [ "$after" = "$before" ] || tt_die "an oversize body was forwarded ($before -> $after)"

# --- --enforce-budget: once spent, Messages calls get 429, nothing sent -----
stop_proxy
printf '{"budget":{"daily":"0.000001"}}' >"$T/budget.json"
tt_start_proxy --db "$DB" --config "$T/budget.json" proxy --listen 127.0.0.1:0 --upstream "$DIRECT" \
	--enforce-budget
before=$(stats | jq .total)
code=$(curl -sS -o "$T/e5" -w '%{http_code}' "${H[@]}" "$PROXY/v1/messages" -d "$(msg x)")
[ "$code" = 429 ] && jq -e '.error.type == "rate_limit_error" and (.error.message | test("daily budget"))' \
	"$T/e5" >/dev/null || tt_die "budget: $code $(cat "$T/e5")"
after=$(stats | jq .total); [ "$after" = "$before" ] || tt_die "a call over budget was forwarded ($before -> $after)"
code=$(curl -sS -o /dev/null -w '%{http_code}' "${H[@]}" "$PROXY/v1/messages/count_tokens" \
	-d '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"x"}]}')
[ "$code" = 200 ] || tt_die "count_tokens refused by the budget: $code"
stop_proxy

# --- loopback only unless --allow-remote -----------------------------------
set +e
"$B/tokentop" --db "$DB" proxy --listen 0.0.0.0:0 --upstream "$DIRECT" >/dev/null 2>"$T/rem"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q 'allow-remote' "$T/rem" || tt_die "non-loopback listen: rc $rc $(cat "$T/rem")"
: >"$T/pport"
"$B/tokentop" --db "$DB" proxy --listen 0.0.0.0:0 --allow-remote --upstream "$DIRECT" \
	>"$T/pport" 2>"$T/perr" &
PROXY_PID=$!
tt_track "$PROXY_PID"
tt_wait_file "$T/pport" || :
grep -q '^listening on 0.0.0.0:' "$T/pport" || tt_die "remote listen: $(cat "$T/pport" "$T/perr")"
grep -q 'warning' "$T/perr" || tt_die "no warning for a non-loopback listen"
stop_proxy
# --- --threads N: N event loops on one address; bad values refused -----------
for bad in 0 17 x; do
	set +e
	"$B/tokentop" --db "$DB" proxy --threads "$bad" --upstream "$DIRECT" >/dev/null 2>"$T/thr"
	rc=$?
	set -e
	[ "$rc" = 2 ] && grep -q -- '--threads' "$T/thr" || tt_die "--threads $bad: rc $rc $(cat "$T/thr")"
done
start_proxy --threads 3
[ "$(ls "/proc/$PROXY_PID/task" | wc -l)" -ge 5 ] || tt_die "--threads 3: $(ls "/proc/$PROXY_PID/task" | wc -l) threads"
N0=$(rows)
: >"$T/thr.cfg"
for i in $(seq 60); do
	printf '%s\n' "url = \"$PROXY/v1/messages\"" "output = \"$T/t$i\"" \
		"header = \"x-api-key: sk-ant-test\"" "header = \"anthropic-version: 2023-06-01\"" \
		"data = \"{\\\"model\\\":\\\"claude-sonnet-4-5\\\",\\\"max_tokens\\\":64,\\\"messages\\\":[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"thr $i\\\"}]}\"" \
		>>"$T/thr.cfg"
	[ "$i" = 60 ] || echo next >>"$T/thr.cfg"
done
curl -sS -Z --parallel-immediate --parallel-max 60 -K "$T/thr.cfg" 2>"$T/thr.err" ||
	tt_die "--threads 3: requests failed: $(tail -3 "$T/thr.err")"
[ "$(cat "$T"/t[0-9]* | grep -o "echo: thr [0-9]*" | sort -u | wc -l)" = 60 ] || tt_die "--threads 3: wrong answers: $(head -c 300 "$T/t1")"
wait_rows $((N0 + 60))
stop_proxy
# --- ANTHROPIC_BASE_URL already aimed at the proxy: refused, not a loop ----
set +e
ANTHROPIC_BASE_URL=http://127.0.0.1:8787 "$B/tokentop" --db "$DB" proxy >/dev/null 2>"$T/loop"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q 'proxy itself' "$T/loop" || tt_die "self-loop: rc $rc $(cat "$T/loop")"
tt_done
