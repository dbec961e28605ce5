#!/usr/bin/env bash
# batch.sh — `tokentop batch` end to end against the API double: a 1,000-line
# file validated, submitted, watched on a fast virtual clock, `batch watch`
# killed with -9 (after a cut results stream and at random moments) and run
# again → every outcome exactly once and the succeeded rows billed at 50%,
# checked against a hand computation from the double's token rule; a split
# file; cancel; expiry; a malformed file rejected with nothing sent.
# Needs bash, curl, awk, grep, sed (sqlite3 for one extra check when present).
set -u
. "$(dirname "$0")/lib/common.sh"
tt_tmpdir
tt_noon        # budgets count today's rows: batches end ahead on the double's clock
TT=$B/tokentop
export ANTHROPIC_API_KEY=sk-ant-test

# start NAME ARGS...: a double on a free port; sets URL and ANTHROPIC_BASE_URL
start() { tt_start_fakeapi "$@"; URL=$FK_URL; export ANTHROPIC_BASE_URL=$URL; }
ctl() { curl -s -X POST "$URL$1" --data-binary "${2:-{\}}"; }
creates() {  # number of batch create calls the double has seen
	curl -s "$URL/_fake/stats" | grep -o '"POST /v1/messages/batches": *[0-9]*' |
		grep -o '[0-9]*$' || echo 0
}
# a field of the first (or the named) batch in `batch list --json`
field() {  # field DB NAME [ID]
	"$TT" --db "$1" batch list --json | tr -d '\n ' | sed 's/},{"id"/}\n{"id"/g' |
		grep "${3:-.}" | head -1 | grep -o "\"$2\":[^,}]*" | head -1 | cut -d: -f2- | tr -d '"'
}
nanos() { awk -v v="$1" 'BEGIN { printf "%d", v * 1e9 + 0.5 }'; }

# ---- the 1,000-line file and its cost by the double's rule ----------------
# Line i: prompt "question i: " + (i % 97) x's, system "be brief" on even lines,
# claude-sonnet-4-5 on every 10th, else --model claude-haiku-4-5; every 50th
# (i % 50 == 7) is a full request with temperature 2, which the double turns
# into an errored result. max_tokens 40.
# Tokens: ceil(bytes/4) per text + 3 per message; the answer is
# ("echo: " + first 40 bytes of the prompt) x 5, output = ceil(bytes/4) capped
# at max_tokens. Batch rate: haiku $0.50 in / $2.50 out per MTok = 500 / 2500
# nanos a token; sonnet 1500 / 7500.
gen() {
	awk -v n="$1" 'function c4(b) { return int((b + 3) / 4) }
	BEGIN {
		for (i = 0; i < n; i++) {
			p = "question " i ": "
			for (k = 0; k < i % 97; k++) p = p "x"
			if (i % 50 == 7) {
				printf "{\"custom_id\":\"q%d\",\"params\":{\"model\":\"claude-haiku-4-5\",", i
				printf "\"max_tokens\":40,\"temperature\":2,\"messages\":[{\"role\":\"user\","
				printf "\"content\":\"%s\"}]}}\n", p
				continue
			}
			printf "{\"custom_id\":\"q%d\",\"prompt\":\"%s\"", i, p
			in_tok = c4(length(p)) + 3
			if (i % 2 == 0) { printf ",\"system\":\"be brief\""; in_tok += c4(8) }
			if (i % 10 == 3) printf ",\"model\":\"claude-sonnet-4-5\""
			printf "}\n"
			pre = length(p) < 40 ? length(p) : 40
			out = c4(5 * (6 + pre)); if (out > 40) out = 40
			if (i % 10 == 3) cost += 1500 * in_tok + 7500 * out
			else cost += 500 * in_tok + 2500 * out
			succ++
		}
		printf "%d %d\n", cost, succ > "/dev/stderr"
	}'
}

# ---- usage errors and --help ---------------------------------------------
out=$("$TT" batch --help 2>&1); rc=$?
tt_eq "batch --help exits 0" "$rc" 0
tt_has "batch --help lists watch" "$out" "batch watch [--interval SECONDS]"
out=$("$TT" batch watch --help 2>&1); tt_eq "batch watch --help exits 0" "$?" 0
"$TT" batch submit >/dev/null 2>&1; tt_eq "submit without FILE is a usage error" "$?" 2
"$TT" batch watch --interval soon >/dev/null 2>&1; tt_eq "bad --interval is a usage error" "$?" 2
"$TT" batch submit x.jsonl --cache 2h >/dev/null 2>&1; tt_eq "bad --cache is a usage error" "$?" 2
"$TT" batch frobnicate >/dev/null 2>&1; tt_eq "unknown subcommand is a usage error" "$?" 2

# ---- a malformed file: every bad line, nothing sent -------------------------
start bad --time-scale 1000
DB=$T/bad/usage.db
printf '%s\n' '{"custom_id":"ok1","prompt":"fine"}' '{"custom_id":"a b","prompt":"x"}' \
	'{"custom_id":"ok2","prompt":"fine"' '{"custom_id":"ok1","prompt":"again"}' \
	'{"custom_id":"s","params":{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}}' \
	>"$T/bad.jsonl"
out=$("$TT" --db "$DB" batch submit "$T/bad.jsonl" --model claude-haiku-4-5 2>&1); rc=$?
tt_eq "malformed file fails" "$rc" 1
tt_has "names line 2 and the space" "$out" "$T/bad.jsonl:2: custom_id \"a b\" has a space"
tt_has "names line 3 as bad JSON" "$out" "$T/bad.jsonl:3: invalid JSON"
tt_has "names line 4 as a duplicate of line 1" "$out" "$T/bad.jsonl:4: custom_id \"ok1\" repeats line 1"
tt_has "names line 5 as streamed" "$out" "$T/bad.jsonl:5: params.stream is not allowed"
tt_has "says nothing was submitted" "$out" "4 bad lines; nothing was submitted"
tt_eq "the double saw no create call" "$(creates)" 0
out=$("$TT" --db "$DB" batch list 2>&1)
tt_has "and the ledger has no batch" "$out" "no batches yet"
# more than 50 bad lines: 50 shown and a count of the rest
for i in $(seq 60); do echo "{\"custom_id\":\"bad $i\",\"prompt\":\"x\"}"; done >"$T/many.jsonl"
out=$("$TT" --db "$DB" batch submit "$T/many.jsonl" --model claude-haiku-4-5 2>&1)
tt_has "the list is capped with a count" "$out" "… and 10 more"
tt_eq "the capped list shows 50 lines" "$(grep -c 'many.jsonl:[0-9]*: custom_id' <<<"$out")" 50

# ---- 1,000 requests: dry run, submit, watch, kill -9, resume --------------
start main --time-scale 1000 --batch-seconds 60
DB=$T/main/usage.db
gen 1000 >"$T/big.jsonl" 2>"$T/expected"
read -r want_nanos want_succ <"$T/expected"
out=$("$TT" --db "$DB" batch submit "$T/big.jsonl" --model claude-haiku-4-5 \
	--max-tokens 40 --tag nightly --dry-run 2>&1); rc=$?
tt_eq "dry run exits 0" "$rc" 0
tt_has "dry run counts the requests" "$out" "1,000 requests in 1 batch"
tt_has "dry run lists the models" "$out" "models: claude-haiku-4-5, claude-sonnet-4-5"
tt_has "dry run estimates a range" "$out" "estimated cost at the batch rate: \$"
tt_eq "dry run sent nothing" "$(creates)" 0

out=$("$TT" --db "$DB" batch submit "$T/big.jsonl" --model claude-haiku-4-5 \
	--max-tokens 40 --tag nightly 2>&1); rc=$?
tt_eq "submit exits 0" "$rc" 0
ID=$(grep -o 'msgbatch_[A-Za-z0-9]*' <<<"$out" | head -1)
tt_has "submit prints the batch id" "$out" "submitted msgbatch_"
tt_eq "one create call" "$(creates)" 1
tt_eq "recorded at once: requests" "$(field "$DB" requests)" 1000
tt_eq "recorded at once: input file" "$(field "$DB" input_file)" "$(cd "$T" && pwd -P)/big.jsonl"
tt_eq "recorded at once: tag" "$(field "$DB" tag)" nightly
tt_has "recorded at once: models" "$("$TT" --db "$DB" batch list --json)" '"claude-sonnet-4-5"'
low=$(nanos "$(field "$DB" estimate_low_usd)"); high=$(nanos "$(field "$DB" estimate_high_usd)")
if [ "$low" -le "$want_nanos" ] && [ "$want_nanos" -le "$high" ]; then
	tt_ok "the estimate range holds the real cost ($low <= $want_nanos <= $high)"
else tt_fail "estimate $low..$high misses the real cost $want_nanos"; fi

# the results stream is cut halfway: watch records what came, then waits
ctl /_fake/faults '{"faults":[{"path":"/v1/messages/batches","cut_results":true,"count":1}]}' >/dev/null
"$TT" --db "$DB" batch watch --interval 60 >"$T/w1.out" 2>"$T/w1.err" &
wpid=$!
for i in $(seq 200); do grep -q 'results' "$T/w1.err" && break; sleep 0.05; done
kill -9 "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
tt_has "watch saw the cut stream" "$(cat "$T/w1.err")" "(trying again)"
tt_eq "not ingested after the cut" "$(field "$DB" ingested)" false
if command -v sqlite3 >/dev/null; then
	part=$(sqlite3 "$DB" "SELECT count(*) FROM batch_result WHERE batch_id = '$ID'")
	if [ "$part" -gt 0 ] && [ "$part" -lt 1000 ]; then
		tt_ok "the cut left part of the outcomes recorded ($part)"
	else tt_fail "after the cut $part outcomes are recorded, want some but not all"; fi
fi
# killed at random moments, mid-poll or mid-results
for s in 0.05 0.1 0.2; do
	"$TT" --db "$DB" batch watch --interval 0.1 >/dev/null 2>&1 &
	wpid=$!
	sleep "$s"
	kill -9 "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
done
out=$("$TT" --db "$DB" batch watch --interval 0.1 2>&1); rc=$?
tt_eq "the resumed watch exits 0" "$rc" 0
tt_eq "ingested" "$(field "$DB" ingested)" true
out=$("$TT" --db "$DB" batch results "$ID" 2>&1)
tt_has "exactly 1,000 outcomes" "$out" "$want_succ succeeded · $((1000 - want_succ)) errored · 0 canceled · 0 expired"
tt_has "errored results carry the API's message" "$out" "errored q7: invalid_request_error"
tt_eq "succeeded rows billed at 50% (hand computation)" "$(nanos "$(field "$DB" actual_usd)")" "$want_nanos"
if command -v sqlite3 >/dev/null; then
	tt_eq "one usage row per succeeded result" \
		"$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE batch_id = '$ID'")" "$want_succ"
fi
rj=$("$TT" --db "$DB" report --json 2>&1); rc=$?
tt_eq "report --json exits 0" "$rc" 0
tot=$(tr -d ' \n' <<<"$rj" | grep -o '"totals":{[^}]*')
c=$(grep -o '"cost_usd":[0-9.e-]*' <<<"$tot" | cut -d: -f2)
tt_eq "report --json: the cost is the hand computation" "$(nanos "${c:-0}")" "$want_nanos"
tt_eq "report --json: requests are the succeeded results" \
	"$(grep -o '"requests":[0-9]*' <<<"$tot" | cut -d: -f2)" "$want_succ"
c=$(grep -o '"saved_by_batch_usd":[0-9.e-]*' <<<"$tot" | cut -d: -f2)
tt_eq "report --json: batching saved as much as it cost (50%)" "$(nanos "${c:-0}")" "$want_nanos"
f=$(field "$DB" results_file)
tt_eq "results saved next to the database" "$f" "$T/main/results/$ID.jsonl"
tt_eq "the saved file has every line" "$(wc -l <"$f" | tr -d ' ')" 1000
"$TT" --db "$DB" batch results "$ID" -o "$T/copy.jsonl" >/dev/null 2>&1
tt_eq "results -o copies the raw lines" "$(cmp -s "$f" "$T/copy.jsonl" && echo same)" same
out=$("$TT" --db "$DB" batch watch 2>&1)
tt_has "nothing left to watch" "$out" "no unfinished batches"
out=$("$TT" --db "$DB" batch status "$ID" --json 2>&1)
tt_has "status --json from the API" "$out" '"succeeded": '"$want_succ"

# ---- a file split into three batches, watched together ---------------------
out=$("$TT" --db "$DB" batch submit "$T/big.jsonl" --model claude-haiku-4-5 \
	--max-tokens 40 --max-requests 400 2>&1)
tt_has "split into three" "$out" "1,000 requests in 3 batches"
tt_eq "three create calls" "$(creates)" 4
out=$("$TT" --db "$DB" batch watch --interval 0.1 2>&1); rc=$?
tt_eq "watching three exits 0" "$rc" 0
tt_eq "three ingested" "$(grep -c 'ingested:' <<<"$out")" 3

# ---- budgets stop a batch before anything is sent -------------------------------
gen 10 >"$T/ten.jsonl" 2>/dev/null
printf '{"budget":{"daily":"0.01"}}' >"$T/budget.json"
n0=$(creates)
out=$("$TT" --config "$T/budget.json" --db "$DB" batch submit "$T/ten.jsonl" \
	--model claude-haiku-4-5 2>&1); rc=$?
tt_eq "over budget: refused" "$rc" 1
tt_has "over budget: says the numbers" "$out" "daily budget \$0.0100: spent \$0.2527, exceeded — refusing (use --force)"
out=$("$TT" --config "$T/budget.json" --db "$T/fresh/usage.db" batch submit \
	"$T/ten.jsonl" --model claude-haiku-4-5 2>&1); rc=$?
tt_eq "estimate past the budget: refused" "$rc" 1
tt_has "estimate past the budget: says the numbers" "$out" \
	"daily budget \$0.0100: spent \$0.0000, \$0.0100 left, this batch may cost up to \$0.0283 — refusing (use --force)"
tt_eq "refused batches sent nothing" "$(creates)" "$n0"
out=$("$TT" --config "$T/budget.json" --db "$T/fresh/usage.db" batch submit \
	"$T/ten.jsonl" --model claude-haiku-4-5 --force 2>&1); rc=$?
tt_eq "--force submits anyway" "$rc" 0
tt_eq "one more create call" "$(creates)" $((n0 + 1))

# ---- --route auto: each line on its tier's model, the tier on its row ---------
words=$(for i in $(seq 150); do printf 'word '; done)
printf '%s\n' '{"custom_id":"s","prompt":"translate hello to French"}' \
	'{"custom_id":"c","prompt":"analyse and compare these two designs"}' \
	"{\"custom_id\":\"m\",\"prompt\":\"$words\"}" \
	'{"custom_id":"own","prompt":"translate this","model":"claude-sonnet-4-5","max_tokens":9}' \
	>"$T/route.jsonl"
"$TT" --db "$DB" batch submit "$T/route.jsonl" --model claude-haiku-4-5 --route auto \
	>/dev/null 2>&1
tt_eq "--model with --route auto is a usage error" "$?" 2
DB=$T/route/usage.db
out=$("$TT" --db "$DB" batch submit "$T/route.jsonl" --route auto 2>&1); rc=$?
tt_eq "routed submit exits 0" "$rc" 0
tt_has "routed to three models" "$out" "models: claude-haiku-4-5, claude-opus-4-6, claude-sonnet-4-5"
tt_has "requests per tier" "$out" "routed: simple 1 · complex 1 · medium 1"
RID=$(grep -o 'msgbatch_[A-Za-z0-9]*' <<<"$out" | head -1)
"$TT" --db "$DB" batch watch --interval 0.1 >/dev/null 2>&1
tt_eq "routed batch ingested" "$(field "$DB" ingested)" true
if command -v sqlite3 >/dev/null; then
	rows=$(sqlite3 "$DB" "SELECT custom_id || ':' || model || ':' || tier FROM usage
		WHERE batch_id = '$RID' ORDER BY custom_id" | tr '\n' ' ')
	tt_eq "rows carry model and tier" "$rows" \
		"c:claude-opus-4-6:complex m:claude-sonnet-4-5-20250929:medium own:claude-sonnet-4-5-20250929: s:claude-haiku-4-5-20251001:simple "
fi

# ---- cancel ------------------------------------------------------------------
start slow --time-scale 1 --batch-seconds 600
DB=$T/cancel/usage.db
out=$("$TT" --db "$DB" batch submit "$T/ten.jsonl" --model claude-haiku-4-5 2>&1)
CID=$(grep -o 'msgbatch_[A-Za-z0-9]*' <<<"$out" | head -1)
out=$("$TT" --db "$DB" batch cancel "$CID" 2>&1); rc=$?
tt_eq "cancel exits 0" "$rc" 0
tt_has "cancel shows canceling" "$out" "canceling"
out=$("$TT" --db "$DB" batch watch --interval 0.1 2>&1); rc=$?
tt_eq "watch of a canceled batch exits 0" "$rc" 0
out=$("$TT" --db "$DB" batch results "$CID" 2>&1)
tt_has "canceled requests counted" "$out" "canceled"
n=$(sed -n 's/.* \([0-9]*\) succeeded · \([0-9]*\) errored · \([0-9]*\) canceled · \([0-9]*\) expired.*/\1 \2 \3 \4/p' <<<"$out" | head -1)
tt_eq "all ten outcomes" "$(awk '{ print $1 + $2 + $3 + $4 }' <<<"$n")" 10

# ---- expiry --------------------------------------------------------------------
start expire --time-scale 1000 --batch-seconds 100000 --batch-expiry 60
DB=$T/expire/usage.db
"$TT" --db "$DB" batch submit "$T/ten.jsonl" --model claude-haiku-4-5 >/dev/null 2>&1
out=$("$TT" --db "$DB" batch watch --interval 0.1 2>&1); rc=$?
tt_eq "watch of an expiring batch exits 0" "$rc" 0
tt_has "every request expired" "$out" "0 succeeded · 0 errored · 0 canceled · 10 expired"
tt_eq "an expired batch costs nothing" "$(nanos "$(field "$DB" actual_usd)")" 0

tt_done
