#!/usr/bin/env bash
# hostile_numbers.sh — token counts past every bound, through the real binary
# (issue 10, item 1). Imports of 2^63−1, 10^12+1, negative and 1e300 counts
# name FILE:LINE, field and value, exit 1 and write nothing of those lines;
# every report on a ledger poisoned with 2^63−1 by raw SQL fails with a clear
# message instead of a wrapped (negative, $0) figure; the proxy relays
# responses and batch objects with impossible counts byte for byte, logs them
# as not recorded and goes on recording the rest. Run it against build/san
# (TOKENTOP_BUILD=build/san) too: there any overflow aborts the binary.
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_need sqlite3 jq python3 curl
export TZ=UTC
DB=$T/usage.db
BIG=9223372036854775807
tok() { "$B/tokentop" --db "$DB" "$@"; }

# no sanitizer report, no crash: UBSan's "runtime error" or ASan's "ERROR:"
clean() {  # name file
	if grep -qE 'runtime error|ERROR: AddressSanitizer|Sanitizer' "$2"; then
		tt_fail "$1: the sanitizer fired: $(grep -m3 -E 'runtime error|Sanitizer' "$2")"
	else
		tt_ok "$1: no sanitizer report"
	fi
}

# ---- imports: FILE:LINE: field: value, exit 1, only the good lines in ------------
M=$T/responses.jsonl
{
	echo '{"type":"message","id":"msg_ok1","model":"claude-sonnet-4-5","usage":{"input_tokens":1000000000000,"output_tokens":1000000000000}}'
	echo '{"type":"message","id":"msg_b2","model":"claude-sonnet-4-5","usage":{"input_tokens":'$BIG',"cache_read_input_tokens":5}}'
	echo '{"type":"message","id":"msg_b3","model":"claude-sonnet-4-5","usage":{"output_tokens":1000000000001}}'
	echo '{"type":"message","id":"msg_b4","model":"claude-sonnet-4-5","usage":{"cache_read_input_tokens":-1}}'
	echo '{"type":"message","id":"msg_b5","model":"claude-sonnet-4-5","usage":{"input_tokens":1e300}}'
	echo '{"type":"message","id":"msg_b6","model":"claude-sonnet-4-5","usage":{"input_tokens":9223372036854775808}}'
	echo '{"type":"message","id":"msg_b7","model":"claude-sonnet-4-5","usage":{"cache_creation":{"ephemeral_5m_input_tokens":'$BIG',"ephemeral_1h_input_tokens":'$BIG'}}}'
	echo '{"type":"message","id":"msg_ok2","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":20}}'
} >"$M"
tok import --format messages --json "$M" >"$T/imp.out" 2>"$T/imp.err"
tt_eq "import of impossible counts exits 1" "$?" 1
clean "import" "$T/imp.err"
tt_eq "import: the two good lines added" "$(jq .added "$T/imp.out")" 2
tt_eq "import: six lines malformed" "$(jq .malformed "$T/imp.out")" 6
err=$(cat "$T/imp.err")
tt_has "import names 2^63-1" "$err" "$M:2: usage.input_tokens: $BIG: not a token count (0..1000000000000)"
tt_has "import names 10^12+1" "$err" "$M:3: usage.output_tokens: 1000000000001: not a token count"
tt_has "import names -1" "$err" "$M:4: usage.cache_read_input_tokens: -1: not a token count"
tt_has "import names 1e300" "$err" "$M:5: usage.input_tokens: 1e+300: not a non-negative integer"
tt_has "import refuses 2^63" "$err" "$M:6: invalid JSON"
tt_has "import names a split write" "$err" "$M:7: usage.cache_creation.ephemeral_5m_input_tokens: $BIG"
tt_eq "ledger holds the good rows only" \
	"$(sqlite3 "$DB" "select group_concat(message_id || '=' || input, ' ') from (select * from usage order by id)")" \
	"msg_ok1=1000000000000 msg_ok2=10"

# ---- reports on the good ledger: exact, never wrapped --------------------------------
tok report --json >"$T/r.json" 2>"$T/r.err"
tt_eq "report exits 0" "$?" 0
clean "report" "$T/r.err"
tt_eq "report input total" "$(jq .totals.input_tokens "$T/r.json")" 1000000000010
tt_eq "report output total" "$(jq .totals.output_tokens "$T/r.json")" 1000000000020
# 10^12 in (long context: $6) + 10^12 out ($22.50 per MTok) = $28.5M, and $0.00033
tt_eq "report cost" "$(jq '.totals.cost_usd * 100000 | round' "$T/r.json")" 2850000000033

# a Claude Code transcript and a batch results file say where, the same way
mkdir -p "$T/projects/p"
printf '%s\n' '{"type":"assistant","timestamp":"2026-01-05T10:00:00Z","requestId":"req_t1","message":{"id":"msg_t1","type":"message","model":"claude-haiku-4-5","usage":{"input_tokens":'$BIG',"output_tokens":3}}}' \
	>"$T/projects/p/s.jsonl"
tok import "$T/projects" >/dev/null 2>"$T/tr.err"
tt_eq "transcript import exits 1" "$?" 1
clean "transcript import" "$T/tr.err"
tt_has "transcript FILE:LINE" "$(cat "$T/tr.err")" "s.jsonl:1: message.usage.input_tokens: $BIG: not a token count"
R=$T/msgbatch_01Hostile.jsonl
printf '%s\n' '{"custom_id":"a","result":{"type":"succeeded","message":{"id":"msg_r1","type":"message","model":"claude-haiku-4-5","usage":{"input_tokens":4,"output_tokens":'$BIG'}}}}' \
	'{"custom_id":"b","result":{"type":"succeeded","message":{"id":"msg_r2","type":"message","model":"claude-haiku-4-5","usage":{"input_tokens":4,"output_tokens":6}}}}' >"$R"
tok import "$R" >/dev/null 2>"$T/res.err"
tt_eq "results import exits 1" "$?" 1
clean "results import" "$T/res.err"
tt_has "results FILE:LINE" "$(cat "$T/res.err")" "msgbatch_01Hostile.jsonl:1: result.message.usage.output_tokens: $BIG"
tt_eq "no row of an impossible count" "$(sqlite3 "$DB" "select count(*) from usage where message_id in ('msg_t1','msg_r1')")" 0

# a batch file asking for 2^63-1 output tokens
printf '%s\n' '{"custom_id":"a","prompt":"hi","model":"claude-haiku-4-5","max_tokens":'$BIG'}' >"$T/jobs.jsonl"
tok batch submit --dry-run "$T/jobs.jsonl" >/dev/null 2>"$T/bs.err"
rc=$?
[ "$rc" -ne 0 ] && tt_ok "batch dry run refuses max_tokens 2^63-1 ($rc)" || tt_fail "batch dry run exit 0"
clean "batch dry run" "$T/bs.err"
tt_has "batch FILE:LINE" "$(cat "$T/bs.err")" "jobs.jsonl:1: max_tokens: $BIG: not a token count"

# ---- a ledger poisoned by hand: every report fails naming the row ------------------
P=$T/poison.db
sqlite3 "$DB" ".backup '$P'"
sqlite3 "$P" "UPDATE usage SET input = $BIG WHERE message_id = 'msg_ok2';
	UPDATE rollup_hour SET input = $BIG; UPDATE rollup_hm SET input = $BIG;
	UPDATE rollup_dm SET input = $BIG; UPDATE rollup_batch SET input = $BIG;
	UPDATE rollup_dt SET input = $BIG; UPDATE rollup_ds SET input = $BIG;
	UPDATE rollup_mm SET input = $BIG; UPDATE rollup_mx SET input = $BIG;
	UPDATE rollup_lt SET input = $BIG;"
ROW=$(sqlite3 "$P" "select id from usage where message_id = 'msg_ok2'")
n=0
for args in "" "weekly" "monthly" "models" "sources" "tags" "savings" "--json" "--csv" "models --json" \
	"daily --since 2026-01-01" "--model claude-sonnet-4-5" "--source import"; do
	# shellcheck disable=SC2086
	"$B/tokentop" --db "$P" report $args >"$T/p.out" 2>"$T/p.err"
	rc=$?
	if [ "$rc" = 1 ] && grep -q "ledger row $ROW: input_tokens: $BIG: not a token count" "$T/p.err" &&
	   ! grep -qE 'runtime error|Sanitizer' "$T/p.err" && ! grep -q -- '-[0-9]' "$T/p.out"; then
		n=$((n + 1))
	else
		tt_fail "report $args on the poisoned ledger: exit $rc: $(cat "$T/p.err" "$T/p.out" | head -5)"
	fi
done
tt_eq "13 reports on the poisoned ledger fail clearly" "$n" 13
"$B/tokentop" --db "$P" report caps >"$T/caps.out" 2>"$T/caps.err"
clean "report caps on the poisoned ledger" "$T/caps.err"

# ---- the proxy: relayed byte for byte, logged, not recorded -----------------------
cat >"$T/up.py" <<'EOF'
# A tiny upstream: Messages bodies and streams whose usage no response can
# carry, a batch object with impossible request counts, and a normal answer.
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HUGE = 9223372036854775807

def message(mid, inp, out):
    return {"id": mid, "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn",
            "stop_sequence": None, "usage": {"input_tokens": inp, "output_tokens": out}}

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, ctype, body, rid):
        self.send_response(200)
        self.send_header("content-type", ctype)
        self.send_header("request-id", rid)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
        if self.path.startswith("/v1/messages/batches"):
            b = {"id": "msgbatch_hostile", "type": "message_batch", "processing_status": "in_progress",
                 "request_counts": {k: HUGE for k in ("processing", "succeeded", "errored", "canceled", "expired")},
                 "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-02T00:00:00Z",
                 "ended_at": None, "cancel_initiated_at": None, "archived_at": None, "results_url": None}
            return self.send("application/json", json.dumps(b).encode(), "req_hostile3")
        if "huge-stream" in body:
            ev = [("message_start", {"type": "message_start", "message": message("msg_hs", 5, 1)}),
                  ("content_block_start", {"type": "content_block_start", "index": 0,
                                           "content_block": {"type": "text", "text": ""}}),
                  ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                           "delta": {"type": "text_delta", "text": "hi"}}),
                  ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                  ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                     "usage": {"output_tokens": HUGE}}),
                  ("message_stop", {"type": "message_stop"})]
            s = "".join("event: %s\ndata: %s\n\n" % (e, json.dumps(d)) for e, d in ev)
            return self.send("text/event-stream", s.encode(), "req_hostile2")
        if "huge-json" in body:
            return self.send("application/json", json.dumps(message("msg_hj", HUGE, 7)).encode(),
                             "req_hostile1")
        return self.send("application/json", json.dumps(message("msg_fine", 11, 13)).encode(),
                         "req_fine")

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
print("port %d" % srv.server_address[1], flush=True)
srv.serve_forever()
EOF
python3 "$T/up.py" >"$T/up.out" 2>"$T/up.err" &
tt_track $!
tt_wait_file "$T/up.out" '^port ' || tt_die "upstream did not start: $(cat "$T/up.err")"
UP=http://127.0.0.1:$(sed -n 's/^port //p' "$T/up.out")
PDB=$T/proxy.db
"$B/tokentop" --db "$PDB" proxy --listen 127.0.0.1:0 --upstream "$UP" >"$T/px.out" 2>"$T/px.err" &
PX=$!
tt_track "$PX"
tt_wait_file "$T/px.out" '^listening on' || tt_die "proxy did not start: $(cat "$T/px.err")"
PROXY=http://127.0.0.1:$(sed -nE 's/^listening on 127\.0\.0\.1:([0-9]+)$/\1/p' "$T/px.out")
H=(-H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json')
ask() {  # name path body
	curl -sS -o "$T/$1.px" "${H[@]}" "$PROXY$2" -d "$3" || tt_fail "$1 through the proxy"
	curl -sS -o "$T/$1.up" "${H[@]}" "$UP$2" -d "$3"
	cmp -s "$T/$1.px" "$T/$1.up" && tt_ok "$1 relayed byte for byte" ||
		tt_fail "$1 differs: $(head -c 300 "$T/$1.px")"
}
ask body /v1/messages '{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"huge-json"}]}'
ask stream /v1/messages '{"model":"claude-sonnet-4-5","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"huge-stream"}]}'
ask batch /v1/messages/batches '{"requests":[{"custom_id":"a","params":{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"x"}]}}]}'
ask fine /v1/messages '{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"fine"}]}'
grep -q '"output_tokens": 9223372036854775807' "$T/stream.px" || tt_fail "the stream lost its usage event"
for _ in $(seq 100); do
	[ "$(sqlite3 "$PDB" "select count(*) from usage" 2>/dev/null)" = 1 ] && break
	sleep 0.05
done
kill -TERM "$PX"
wait "$PX"
tt_eq "proxy exits 0 on SIGTERM" "$?" 0
clean "proxy" "$T/px.err"
perr=$(cat "$T/px.err")
tt_has "proxy logs the body" "$perr" "response req_hostile1 not recorded: usage.input_tokens: $BIG: not a token count"
tt_has "proxy logs the stream" "$perr" "response req_hostile2 not recorded: message_delta: usage.output_tokens: $BIG"
tt_has "proxy logs the batch" "$perr" "batch req_hostile3 not recorded: batch: request_counts.processing: $BIG"
tt_eq "proxy recorded only the believable response" \
	"$(sqlite3 "$PDB" "select group_concat(request_id || '=' || input || '/' || output) from usage")" "req_fine=11/13"
tt_eq "no batch registered" "$(sqlite3 "$PDB" "select count(*) from batch")" 0
tt_done
