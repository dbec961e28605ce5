#!/usr/bin/env bash
# alerts.sh — the config's alert rules reaching a local webhook receiver
# (tests/lib/hook_recv.py): config errors; a budget crossing delivered once
# across two processes, for its highest threshold only; a receiver that is
# down, then back, gets it once (from the next one-shot process, and from
# the long-running proxy); a burn-rate spike on seeded history (and none
# without a spike); the errors rule under a 429 storm through the proxy (per
# provider, as tokentop_proxy_requests_total counts); an
# ended batch and an unpriced model; `alerts test`; a sender killed between
# its send and its record (claimed, resent once the claim expires, with the
# same Idempotency-Key); the webhook URL in no output, log or ledger.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_seed_db
export TZ=UTC
tt_noon        # rows minutes old are today at any hour (common.sh)

SECRET=T0PSECRETx9q7  # the part of the URL a Slack webhook keeps secret
mkdir -p "$T/hk"
python3 tests/lib/hook_recv.py "$T/hk" >"$T/hk.out" 2>"$T/hk.err" &
tt_track $!
tt_wait_file "$T/hk.out" '^port ' || tt_die "receiver: $(cat "$T/hk.err")"
HOOK=http://127.0.0.1:$(sed -n 's/^port //p' "$T/hk.out")/services/$SECRET
bodies() { [ -f "$T/hk/bodies" ] && wc -l <"$T/hk/bodies" | tr -d ' ' || echo 0; }
out() { local n=$1; shift; "$B/tokentop" "$@" >"$T/$n.out" 2>"$T/$n.err"; }

# ---- config errors: file, rule, field, value; exit 2; never the URL ---------------
cfg() { printf '%s\n' "$1" >"$T/c.json"; }
bad() {   # bad NAME JSON EXPECTED-TEXT
	cfg "$2"
	set +e; "$B/tokentop" --config "$T/c.json" --db "$T/x.db" alerts >/dev/null 2>"$T/bad.err"; rc=$?; set -e
	tt_eq "config error $1: exit 2" "$rc" 2
	grep -qF -- "$3" "$T/bad.err" || tt_fail "config error $1: $(cat "$T/bad.err")"
}
bad threshold '{"alerts":[{"when":{"budget":{"daily":[50,"x"]}},"to":"'"$HOOK"'"}]}' \
	"c.json: alerts[0].when.budget.daily[1]: \"x\": expected a percent 1..1000"
bad kind '{"alerts":[{"when":"x","to":"echo"},{"when":{"sometimes":1},"to":"echo"}]}' \
	'alerts[0].when: "x": expected one of budget, burn_rate, errors, batch, unpriced'
bad field '{"alerts":[{"when":"batch","to":"echo"},{"when":"batch","to":"echo","fromat":"json"}]}' \
	'alerts[1].fromat: unknown field'
bad plainhttp '{"alerts":[{"when":"batch","to":"http://hooks.example.com/services/'"$SECRET"'"}]}' \
	'alerts[0].to: webhook#'
bad factor '{"alerts":[{"when":{"burn_rate":{"factor":0.5}},"to":"echo"}]}' \
	'alerts[0].when.burn_rate.factor: 0.5: expected 1..1000'
if grep -q "$SECRET" "$T/bad.err"; then tt_fail "a config error shows the URL"; else tt_ok "config errors never show the URL"; fi

# ---- a budget crossing: once across two processes, for the highest threshold ------
# $0.30 spent today (100k sonnet input tokens), a daily budget a hair above:
# each of the two imports below takes it past 100%, and both pass 50% and
# 100% at once
DB=$T/l.db
"$T/seed_db" "$DB" at claude-sonnet-4-5 100000 30
cat >"$T/c.json" <<EOF
{ "budget": { "daily": "0.30001" },
  "alerts": [ { "when": { "budget": { "daily": [50, 100] } }, "to": "$HOOK" } ] }
EOF
for i in 1 2; do
	printf '{"type":"assistant","timestamp":"%s","requestId":"req_imp_%d","message":{"id":"msg_imp_%d","model":"claude-sonnet-4-5","usage":{"input_tokens":1000,"output_tokens":10}}}\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$i" "$i" >"$T/t$i.jsonl"
done
"$B/tokentop" --config "$T/c.json" --db "$DB" import --format claude-code "$T/t1.jsonl" >"$T/i1.out" 2>"$T/i1.err" &
p1=$!
"$B/tokentop" --config "$T/c.json" --db "$DB" import --format claude-code "$T/t2.jsonl" >"$T/i2.out" 2>"$T/i2.err" &
p2=$!
wait $p1 || tt_die "import 1: $(cat "$T/i1.err")"
wait $p2 || tt_die "import 2: $(cat "$T/i2.err")"
out again --config "$T/c.json" --db "$DB" alerts check || tt_die "alerts check: $(cat "$T/again.err")"
tt_eq "two processes, one budget message" "$(bodies)" 1
grep -q '"text":"tokentop: daily budget reached 100%' "$T/hk/bodies" ||
	tt_fail "the message is the highest threshold's: $(cat "$T/hk/bodies")"
out list --config "$T/c.json" --db "$DB" alerts --json
tt_eq "listed: delivered" "$(jq -r '[.alerts[] | .status] | join(",")' "$T/list.out")" delivered
tt_eq "the 50% crossing is kept, not sent" \
	"$(sqlite3 "$DB" "select status from alert where key like '%|50'")" passed
out table --config "$T/c.json" --db "$DB" alerts
grep -q 'budget .*webhook#[0-9a-f]\{8\} .*delivered .*daily budget reached 100%' "$T/table.out" ||
	tt_fail "alerts table: $(cat "$T/table.out")"

# ---- a receiver that is down, then back: the alert arrives once ------------------
# monthly thresholds: a new crossing on the same ledger
cat >"$T/c.json" <<EOF
{ "budget": { "daily": "0.30001", "monthly": "0.38" },
  "alerts": [ { "when": { "budget": { "daily": [50, 100] } }, "to": "$HOOK" },
              { "when": { "budget": { "monthly": [80] } }, "to": "$HOOK", "format": "json" } ] }
EOF
touch "$T/hk/fail"
set +e; out down --config "$T/c.json" --db "$DB" alerts check; rc=$?; set -e
tt_eq "receiver down: exit 1" "$rc" 1
grep -q "kept, retried later" "$T/down.out" || tt_fail "says it is kept: $(cat "$T/down.out")"
out l2 --config "$T/c.json" --db "$DB" alerts --json
tt_eq "pending after a failure" "$(jq -r '.alerts[0] | "\(.kind) \(.status) \(.last_error)"' "$T/l2.out")" \
	"budget pending HTTP 500"
# a one-shot process (after the first backoff): a failed try after its
# write, and one more before it exits
sleep 2.5
out down2 --config "$T/c.json" --db "$DB" import --format claude-code "$T/t1.jsonl"
grep -q "delivery failed (webhook#[0-9a-f]*: HTTP 500); kept, retried later" "$T/down2.err" ||
	tt_fail "one-shot note: $(cat "$T/down2.err")"
tries=$(sqlite3 "$DB" "select attempts from alert where status = 'pending'")
[ "$tries" -ge 3 ] && tt_ok "the one-shot import tried once more ($tries tries)" ||
	tt_fail "tries: $tries"
tt_eq "nothing received while down" "$(bodies)" 1
rm "$T/hk/fail"
# the next process, once the backoff has passed, delivers it
sleep 9
out up --config "$T/c.json" --db "$DB" alerts check || tt_die "check: $(cat "$T/up.err") $(cat "$T/up.out")"
tt_eq "back up: delivered once" "$(bodies)" 2
out up2 --config "$T/c.json" --db "$DB" alerts check
tt_eq "and not again" "$(bodies)" 2
tail -n 1 "$T/hk/bodies" | jq -e '.kind == "budget" and .period == "monthly" and .threshold_percent == 80
	and (.spent_usd | type) == "number" and (.limit_usd == 0.38) and (.created | test("Z$"))' >/dev/null ||
	tt_fail "format json carries the figures: $(tail -n 1 "$T/hk/bodies")"

# ---- burn rate: a spike against the same hour of the past week ------------------
BDB=$T/burn.db
for d in 1 2 3 4 5 6 7; do "$T/seed_db" "$BDB" at claude-sonnet-4-5 10000 $((d * 1440 + 20)); done
cat >"$T/burn.json" <<EOF
{ "alerts": [ { "when": { "burn_rate": { "factor": 3, "floor_usd_per_hour": 0.10 } }, "to": "$HOOK" } ] }
EOF
out b0 --config "$T/burn.json" --db "$BDB" alerts check
"$T/seed_db" "$BDB" at claude-sonnet-4-5 10000 10     # as usual: no spike
out b1 --config "$T/burn.json" --db "$BDB" alerts check
tt_eq "the usual hour: no burn alert" "$(bodies)" 2
"$T/seed_db" "$BDB" at claude-sonnet-4-5 150000 5     # 16× the usual $0.03/h, above $0.10/h
out b2 --config "$T/burn.json" --db "$BDB" alerts check
tt_eq "a spike: one burn alert" "$(bodies)" 3
grep -q 'spend rate \$0.48[0-9]*/h over the last hour, 16.0× the usual \$0.03[0-9]*/h' "$T/hk/bodies" ||
	tt_fail "burn text: $(tail -n 1 "$T/hk/bodies")"
"$T/seed_db" "$BDB" at claude-sonnet-4-5 150000 4
out b3 --config "$T/burn.json" --db "$BDB" alerts check
tt_eq "the same spike: not again" "$(bodies)" 3

# ---- errors: a 429 storm through the proxy ---------------------------------------
tt_start_fakeapi main
cat >"$T/err.json" <<EOF
{ "alerts": [ { "when": { "errors": { "percent": 50, "min_requests": 8 } }, "to": "$HOOK" } ] }
EOF
EDB=$T/err.db
tt_start_proxy --config "$T/err.json" --db "$EDB" proxy --listen 127.0.0.1:0 --upstream "$FK_URL" \
	--openai-upstream "$FK_URL/v1" --metrics 127.0.0.1:0
MP=$(sed -nE 's/^metrics on 127\.0\.0\.1:([0-9]+)$/\1/p' "$T/pport")
H=(-H 'x-api-key: sk-ant-test' -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json')
M='{"model":"claude-haiku-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}'
for i in 1 2 3; do curl -sS -o /dev/null "${H[@]}" "$PROXY/v1/messages" -d "$M"; done
# OpenAI answers well all along: 9 requests, enough to be judged, none failed
for i in 1 2 3 4 5 6 7 8 9; do
	curl -sS -o /dev/null -H 'Authorization: Bearer sk-openai-test' -H 'content-type: application/json' \
		"$PROXY/v1/chat/completions" -d '{"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]}'
done
sleep 2
tt_eq "three good answers: no errors alert" "$(bodies)" 3
curl -sS "$FK_URL/_fake/faults" -d '{"faults":[{"path":"/v1/messages","status":429,"count":9}]}' >/dev/null
# the receiver is down during the storm: the proxy (long-running) keeps
# retrying, and delivers once it is back
touch "$T/hk/fail"
for i in 1 2 3 4 5 6 7 8 9; do curl -sS -o /dev/null "${H[@]}" "$PROXY/v1/messages" -d "$M"; done
for i in $(seq 50); do
	[ "$(sqlite3 "$EDB" "select count(*) from alert where kind = 'errors' and attempts > 0" 2>/dev/null)" = 1 ] && break
	sleep 0.2
done
tt_eq "the storm's alert waits while the receiver is down" \
	"$(sqlite3 "$EDB" "select status || ' ' || last_error from alert where kind = 'errors'")" "pending HTTP 500"
rm "$T/hk/fail"
for i in $(seq 100); do grep -q 'failed with 429 or 5xx' "$T/hk/bodies" && break; sleep 0.2; done
# (the writer may count the storm in two rounds: the share when it crossed)
grep -Eq "tokentop: [0-9]+% of the proxy's requests to anthropic failed with 429 or 5xx in the last 5 minutes \([5-9] of (8|9|1[0-2])\)" \
	"$T/hk/bodies" || tt_fail "errors alert: $(tail -n 1 "$T/hk/bodies")"
tt_eq "the storm: one errors alert (anthropic's; OpenAI's answers were fine), delivered by the proxy once the receiver is back" "$(bodies)" 4
curl -sS "http://127.0.0.1:$MP/metrics" >"$T/pm.txt"
tt_stop_proxy
tt_eq "statuses per minute and provider" "$(sqlite3 "$EDB" "select group_concat(provider || ' ' || status || ':' || requests, ', ') from \
	(select provider, status, sum(requests) requests from proxy_status_minute group by provider, status)")" \
	"anthropic 200:3, anthropic 429:9, openai 200:9"
tt_eq "the same counts as tokentop_proxy_requests_total{provider,code}" \
	"$(sed -nE 's/^tokentop_proxy_requests_total\{provider="([a-z]+)",code="([0-9]+)"\} ([1-9][0-9]*)$/\1 \2:\3/p' "$T/pm.txt" | sort | paste -sd, | sed 's/,/, /g')" \
	"anthropic 200:3, anthropic 429:9, openai 200:9"

# ---- batch and unpriced: once each -------------------------------------------------
UDB=$T/u.db
"$T/seed_db" "$UDB" batches                         # one running, one ended 2 h ago
"$T/seed_db" "$UDB" at claude-nova-9 1000 3         # a model without a price
cat >"$T/u.json" <<EOF
{ "alerts": [ { "when": "batch", "to": "$HOOK" }, { "when": { "unpriced": {} }, "to": "$HOOK" } ] }
EOF
out u1 --config "$T/u.json" --db "$UDB" alerts check || tt_fail "check: $(cat "$T/u1.err")"
out u2 --config "$T/u.json" --db "$UDB" alerts check
tt_eq "an ended batch and an unpriced model: two alerts, once" "$(bodies)" 6
grep -q 'batch msgbatch_01SEEDENDED00000000002 ended: 248 succeeded, 2 errored' "$T/hk/bodies" ||
	tt_fail "batch alert: $(tail -n 2 "$T/hk/bodies")"
grep -q 'model claude-nova-9 has no price' "$T/hk/bodies" || tt_fail "unpriced alert"

# ---- alerts test: every target, each result -------------------------------------
cat >"$T/t.json" <<EOF
{ "alerts": [ { "when": "batch", "to": "$HOOK" },
              { "when": "unpriced", "to": "echo \"\$TOKENTOP_ALERT_KIND: \$TOKENTOP_ALERT_TEXT\" >>$T/cmd.log; echo \"key \$TOKENTOP_ALERT_IDEMPOTENCY_KEY\" >>$T/cmd.log" },
              { "when": "unpriced", "to": "exit 3" } ] }
EOF
set +e; out test --config "$T/t.json" --db "$DB" alerts test; rc=$?; set -e
tt_eq "alerts test: exit 1 when a target failed" "$rc" 1
grep -q '^rule 0 (batch) → webhook#[0-9a-f]\{8\}: delivered$' "$T/test.out" &&
grep -q '^rule 1 (unpriced) → command#[0-9a-f]\{8\}: delivered$' "$T/test.out" &&
grep -q '^rule 2 (unpriced) → command#[0-9a-f]\{8\}: FAILED: the command exited with status 3$' "$T/test.out" ||
	tt_fail "alerts test: $(cat "$T/test.out")"
grep -q '^test: tokentop: a test of alert rule 1' "$T/cmd.log" || tt_fail "command env: $(cat "$T/cmd.log")"
grep -Eq '^key tokentop-[0-9a-f]{16}-[0-9]+$' "$T/cmd.log" || tt_fail "command idempotency key: $(cat "$T/cmd.log")"
tt_eq "the receiver got the test" "$(bodies)" 7

# ---- killed between the send and the record: claimed, then resent with the same key --
# The delivery is claimed in the ledger (a lease) before the POST. A sender
# killed while the receiver holds its answer leaves the claim: no other
# process sends it while the claim runs; once the claim is older than its
# lease it is sent again, with the same Idempotency-Key header (and body
# field), so a receiver that keeps keys sees one alert.
KDB=$T/kill.db
"$T/seed_db" "$KDB" at claude-sonnet-4-5 100000 30
cat >"$T/k.json" <<EOF
{ "budget": { "daily": "0.10" },
  "alerts": [ { "when": { "budget": { "daily": [100] } }, "to": "$HOOK", "format": "json" } ] }
EOF
n0=$(bodies)
k0=$(wc -l <"$T/hk/keys")
touch "$T/hk/hold"
"$B/tokentop" --config "$T/k.json" --db "$KDB" alerts check >"$T/kill.out" 2>"$T/kill.err" &
kp=$!
for i in $(seq 100); do [ "$(wc -l <"$T/hk/keys")" -gt "$k0" ] && break; sleep 0.1; done
[ "$(wc -l <"$T/hk/keys")" -gt "$k0" ] || tt_die "the held send never arrived: $(cat "$T/kill.err")"
kill -KILL "$kp"
wait "$kp" 2>/dev/null || true
rm "$T/hk/hold"
tt_eq "killed after the send: claimed, not recorded" "$(sqlite3 "$KDB" "select status || ' ' || attempts || ' ' ||
	(lease_ms > cast(strftime('%s','now') as integer) * 1000) from alert where kind = 'budget'")" "pending 1 1"
out k1 --config "$T/k.json" --db "$KDB" alerts check
tt_eq "while the claim runs, no other process sends it" "$(wc -l <"$T/hk/keys")" $((k0 + 1))
# the claim grows older than the lease (60 s): what a later process finds
sqlite3 "$KDB" "update alert set lease_ms = lease_ms - 61000"
out k2 --config "$T/k.json" --db "$KDB" alerts check || tt_fail "resend: $(cat "$T/k2.err")"
tt_eq "the expired claim is sent again" "$(wc -l <"$T/hk/keys")" $((k0 + 2))
key1=$(sed -n "$((k0 + 1))p" "$T/hk/keys")
key2=$(sed -n "$((k0 + 2))p" "$T/hk/keys")
[[ $key1 =~ ^tokentop-[0-9a-f]{16}-[0-9]+$ ]] || tt_fail "Idempotency-Key: $key1"
tt_eq "with the same Idempotency-Key" "$key2" "$key1"
tail -n 1 "$T/hk/bodies" | jq -e --arg k "$key1" '.idempotency_key == $k' >/dev/null ||
	tt_fail "the JSON body carries it: $(tail -n 1 "$T/hk/bodies")"
tt_eq "recorded delivered" "$(sqlite3 "$KDB" "select status from alert where kind = 'budget'")" delivered
out k3 --config "$T/k.json" --db "$KDB" alerts check
tt_eq "and not again" "$(wc -l <"$T/hk/keys")" $((k0 + 2))
# (the held answer's thread writes its body once it sees the hold gone, up
# to 0.1 s later: on a loaded machine after the checks above)
for i in $(seq 50); do [ "$(bodies)" -ge $((n0 + 2)) ] && break; sleep 0.1; done
tt_eq "bodies: the one held and the one resent" "$(bodies)" $((n0 + 2))

# ---- the URL: never in an output, a log or the ledger ---------------------------
leaks=$(grep -l "$SECRET" "$T"/*.out "$T"/*.err "$T"/*.db* "$T/perr" "$T/pport" 2>/dev/null | grep -v '/hk\.' || true)
tt_eq "the webhook URL in no output, log or ledger" "$leaks" ""
grep -q "/services/$SECRET" "$T/hk/paths" || tt_fail "the receiver was called at the URL"

tt_done
