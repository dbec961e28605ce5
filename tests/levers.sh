#!/usr/bin/env bash
# levers.sh — the spending levers end to end, against the API double:
# `call --route auto` lands on the router's model with the tier stored;
# --doc-budget records the tokens it removed; `report savings` equals a hand
# computation of routing and compression savings; `report caps` counts
# max_tokens stops per model × tier; a budget refuses a call with its numbers
# and nothing is sent; --force goes through; the alert command runs once per
# crossing; a routed batch lands on each tier's model at the batch price,
# and `batch submit` is refused by the same budget gate.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_start_fakeapi main --time-scale 1000 --batch-seconds 60
BASE=$FK_URL
export ANTHROPIC_BASE_URL=$BASE ANTHROPIC_API_KEY=sk-ant-test TZ=UTC
mkdir -p "$T/config/tokentop"
DB=$T/usage.db
tt() { "$B/tokentop" --db "$DB" "$@"; }
q() { sqlite3 -separator ' ' "$DB" "$1"; }
sent() { curl -s "$BASE/_fake/stats" | jq '.requests["POST /v1/messages"] // 0'; }
reset() { curl -s -X POST "$BASE/_fake/reset" >/dev/null; }

# ---- routing ---------------------------------------------------------------
tt call --route auto "translate good morning into Korean" >"$T/o1" 2>"$T/e1" || tt_die "routed call: $(cat "$T/e1")"
grep -q '^tokentop call: route: tier simple (rule keyword:simple:"translate") → anthropic/claude-haiku-4-5, max_tokens 1024$' "$T/e1" ||
	tt_die "routing decision: $(cat "$T/e1")"
[ "$(q "select model, tier from usage")" = "claude-haiku-4-5-20251001 simple" ] ||
	tt_die "ledger row: $(q "select model, tier from usage")"
# a short prompt with no keyword: under 100 words → simple
tt call --route auto "hello there" >/dev/null 2>"$T/e2"
grep -q 'tier simple (rule words<100) → anthropic/claude-haiku-4-5' "$T/e2" || tt_die "word rule: $(cat "$T/e2")"
# complex, with --max-tokens overriding the tier's 8192: cut short → a max_tokens stop
tt call --route auto --max-tokens 3 "please analyse the quarterly numbers" >/dev/null 2>"$T/e3"
grep -q 'tier complex (rule keyword:complex:"analyse") → anthropic/claude-opus-4-6, max_tokens 3 (--max-tokens)' "$T/e3" ||
	tt_die "override: $(cat "$T/e3")"
[ "$(curl -s "$BASE/_fake/stats" | jq '.last_body.max_tokens')" = 3 ] || tt_die "max_tokens sent"
[ "$(q "select tier, stop_reason from usage where model like 'claude-opus%'")" = "complex max_tokens" ] ||
	tt_die "complex row"
set +e
tt call --route auto --model claude-haiku-4-5 "x" 2>"$T/e4"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q -- '--model and --route auto' "$T/e4" || tt_die "--model with --route: rc $rc $(cat "$T/e4")"

# ---- compression -----------------------------------------------------------
R=share/samples/rag
tt call --route auto --cache off --doc-budget 200 --doc $R/billing_faq.txt --doc $R/caching_guide.txt \
	"how are cache reads billed" >/dev/null 2>"$T/e5"
grep -Eq '^tokentop call: compress: [0-9]+ chunks → [0-9]+ kept .*, [0-9,]+ removed \(budget 200\)$' "$T/e5" ||
	tt_die "compression line: $(cat "$T/e5")"
removed=$(sed -nE 's/.*~[0-9,]+ tokens, ([0-9,]+) removed.*/\1/p' "$T/e5" | tr -d ,)
[ "$removed" -gt 0 ] && [ "$(q "select max(compressed_tokens) from usage")" = "$removed" ] ||
	tt_die "compressed_tokens: ledger $(q "select max(compressed_tokens) from usage"), said $removed"
# the documents sent fit the budget: system text ≤ 200 tokens (+ the wrappers)
sys=$(curl -s "$BASE/_fake/stats" | jq -r '[.last_body.system[].text] | join("")' | wc -c)
[ "$sys" -lt $((200 * 4 + 300)) ] || tt_die "compressed system text is $sys bytes"

# ---- report savings = hand computation --------------------------------------
# routing: routed rows priced on the baseline (the complex tier's claude-opus-4-6,
# $5/$25 per MTok) minus their price; haiku 4.5 is $1/$5, opus 4.6 $5/$25.
# compression: tokens removed × the row's input rate. Rows are plain input
# and output (no cache with these prompts), so a row costs in*rin + out*rout.
want=$(q "select model, input, output, compressed_tokens from usage" | awk '
	{ rin = ($1 ~ /haiku/) ? 1 : 5; rout = ($1 ~ /haiku/) ? 5 : 25
	  route += ($2 * 5 + $3 * 25) - ($2 * rin + $3 * rout)
	  comp += $4 * rin }
	END { printf "%.6f %.6f\n", route / 1e6, comp / 1e6 }')
got=$(tt report savings --json | jq -r '.totals | "\(.saved_by_routing_usd) \(.saved_by_compression_usd)"' |
	awk '{ printf "%.6f %.6f\n", $1, $2 }')
[ "$got" = "$want" ] || tt_die "savings: report $got, by hand $want"
[ "$(echo "$want" | awk '$1 > 0 && $2 > 0')" != "" ] || tt_die "savings by hand are zero: $want"
tt report savings | grep -q 'routing' || tt_die "savings table lacks routing"

# ---- report caps -------------------------------------------------------------
tt report caps --json >"$T/caps.json"
[ "$(jq -c '[.rows[] | select(.model == "claude-opus-4-6") | [.tier, .requests, .max_tokens_stops, .share]]' "$T/caps.json")" = \
	'[["complex",1,1,1]]' ] || tt_die "caps row: $(cat "$T/caps.json")"
[ "$(jq -c '.totals | [.requests, .max_tokens_stops]' "$T/caps.json")" = '[4,1]' ] || tt_die "caps totals"
[ "$(jq -r '.rows[0].model' "$T/caps.json")" = claude-opus-4-6 ] || tt_die "caps order"
tt report caps | grep -Eq '^claude-opus-4-6 +complex +1 +1 +100\.0%$' || tt_die "caps table: $(tt report caps)"

# ---- a routed batch: each line on its tier's model, billed at the batch rate ----
BDB=$T/batch.db
words=$(for i in $(seq 150); do printf 'word '; done)
printf '%s\n' '{"custom_id":"s","prompt":"translate hello to French"}' \
	'{"custom_id":"c","prompt":"analyse and compare these two designs"}' \
	"{\"custom_id\":\"m\",\"prompt\":\"$words\"}" >"$T/route.jsonl"
"$B/tokentop" --db "$BDB" batch submit "$T/route.jsonl" --route auto >"$T/b1" 2>&1 ||
	tt_die "routed batch submit: $(cat "$T/b1")"
grep -q 'models: claude-haiku-4-5, claude-opus-4-6, claude-sonnet-4-5' "$T/b1" || tt_die "batch models: $(cat "$T/b1")"
"$B/tokentop" --db "$BDB" batch watch --interval 0.1 >/dev/null 2>&1 || tt_die "batch watch"
rows=$(sqlite3 "$BDB" "select custom_id || ':' || model || ':' || tier || ':' || source from usage order by custom_id" | tr '\n' ' ')
[ "$rows" = "c:claude-opus-4-6:complex:batch m:claude-sonnet-4-5-20250929:medium:batch s:claude-haiku-4-5-20251001:simple:batch " ] ||
	tt_die "batch rows: $rows"
# prices by hand at half the list price: haiku 4.5 $1/$5, sonnet 4.5 $3/$15,
# opus 4.6 $5/$25 per MTok; routing saving = the same tokens on opus (also
# at the batch rate) minus the price; batch saving = the other half
want=$(sqlite3 -separator ' ' "$BDB" "select model, input, output from usage" | awk '
	{ rin = ($1 ~ /haiku/) ? 1 : ($1 ~ /sonnet/) ? 3 : 5; rout = 5 * rin
	  c = ($2 * rin + $3 * rout) / 2; cost += c; batch += c
	  route += ($2 * 5 + $3 * 25) / 2 - c }
	END { printf "%.6f %.6f %.6f\n", cost / 1e6, batch / 1e6, route / 1e6 }')
got=$("$B/tokentop" --db "$BDB" report savings --json |
	jq -r '.totals | "\(.cost_usd) \(.saved_by_batch_usd) \(.saved_by_routing_usd)"' |
	awk '{ printf "%.6f %.6f %.6f\n", $1, $2, $3 }')
[ "$got" = "$want" ] || tt_die "batch cost/savings: report $got, by hand $want"

# ---- budgets -------------------------------------------------------------------
# today's spend so far, from the ledger
spent=$(tt report --json | jq -r '.totals.cost_usd')
limit=$(awk -v s="$spent" 'BEGIN { printf "%.6f", s + 0.0010 }')   # $0.0010 left
cat >"$T/config/tokentop/config.json" <<EOF
{ "budget": { "daily": "$limit" },
  "alert_command": "echo \"\$TOKENTOP_BUDGET_PERIOD \$TOKENTOP_BUDGET_STATE \$TOKENTOP_BUDGET_SPENT_NANOS\" >> $T/alerts" }
EOF
reset
# at most: 6 input tokens ("hello there" = 3, + 3) × $1 + 300 output × $5 = $0.001506
set +e
tt call --model claude-haiku-4-5 --cache off --max-tokens 300 "hello there" >"$T/o6" 2>"$T/e6"; rc=$?
set -e
[ "$rc" = 1 ] || tt_die "refused call exit $rc"
[ ! -s "$T/o6" ] || tt_die "refused call printed an answer"
[ "$(sent)" = 0 ] || tt_die "a refused call sent $(sent) requests"
lim4=$(awk -v l="$limit" 'BEGIN { printf "$%.4f", l }')
sp4=$(awk -v s="$spent" 'BEGIN { printf "$%.4f", s }')
grep -qF "tokentop call: daily budget $lim4: spent $sp4, \$0.0010 left, this call may cost up to \$0.0015 — refusing (use --force)" "$T/e6" ||
	tt_die "refusal message: $(cat "$T/e6") (want $lim4 $sp4)"
# a smaller cap fits: 6 × $1 + 150 × $5 = $0.000756 ≤ $0.0010
tt call --model claude-haiku-4-5 --cache off --max-tokens 150 "hello there" >/dev/null 2>"$T/e7" ||
	tt_die "call within budget: $(cat "$T/e7")"
[ "$(sent)" = 1 ] || tt_die "call within budget not sent"
# --force goes through past the limit, and says so
tt call --force --model claude-opus-4-6 --cache off "please write a long answer" >/dev/null 2>"$T/e8" ||
	tt_die "--force: $(cat "$T/e8")"
grep -q 'going on (--force)' "$T/e8" || tt_die "--force note: $(cat "$T/e8")"
[ "$(sent)" = 2 ] || tt_die "--force not sent"
# now over: refused even with a tiny cap, with the numbers; still nothing sent
set +e
tt call --model claude-haiku-4-5 --max-tokens 1 "x" 2>"$T/e9"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "daily budget $lim4: spent \$[0-9.]*, exceeded — refusing (use --force)" "$T/e9" ||
	tt_die "exceeded refusal: rc $rc $(cat "$T/e9")"
[ "$(sent)" = 2 ] || tt_die "an exceeded budget let a request through"
# the alert command ran once for the crossing (warning and exceeded were
# crossed by the same call: one alert, at the highest level), not again
[ "$(wc -l <"$T/alerts")" = 1 ] && grep -q '^daily exceeded [0-9]' "$T/alerts" ||
	tt_die "alerts: $(cat "$T/alerts" 2>/dev/null)"
tt call --force --model claude-haiku-4-5 --max-tokens 1 "x" >/dev/null 2>&1
[ "$(wc -l <"$T/alerts")" = 1 ] || tt_die "alert ran again: $(cat "$T/alerts")"
[ "$(q "select count(*) from budget_alert where key like 'daily||%|exceeded'")" = 1 ] || tt_die "budget_alert table"

# a tagged budget applies to its tag only
cat >"$T/config/tokentop/config.json" <<EOF
{ "budget": [ { "tag": "proj", "daily": "0.0001" } ] }
EOF
reset
set +e
tt call --tag proj --model claude-haiku-4-5 --max-tokens 100 "x" >/dev/null 2>"$T/e10"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q 'daily budget $0.0001 (tag "proj"): spent $0.0000, $0.0001 left, this call may cost up to $0.0005' "$T/e10" ||
	tt_die "tag refusal: rc $rc $(cat "$T/e10")"
tt call --tag other --model claude-haiku-4-5 --max-tokens 100 "x" >/dev/null 2>&1 || tt_die "other tag refused"
[ "$(sent)" = 1 ] || tt_die "tag budgets: $(sent) sent"

# batch submit uses the same gate: refused with the numbers, no batch created
cat >"$T/config/tokentop/config.json" <<EOF
{ "budget": { "monthly": "0.0001" } }
EOF
reset
set +e
"$B/tokentop" --db "$BDB" batch submit "$T/route.jsonl" --route auto >"$T/b2" 2>&1; rc=$?
set -e
[ "$rc" = 1 ] && grep -q 'monthly budget $0.0001: spent $[0-9.]*, exceeded — refusing (use --force)' "$T/b2" ||
	tt_die "batch refusal: rc $rc $(cat "$T/b2")"
[ "$(curl -s "$BASE/_fake/stats" | jq '.requests["POST /v1/messages/batches"] // 0')" = 0 ] ||
	tt_die "a refused batch was created"

tt_done
